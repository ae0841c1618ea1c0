//! Controls that changed during the audit period (CC2022 §2.2.4, FAQ
//! KB0010866): the statement gives the version before and after and the
//! dates each applied, and each sample item is tested against the version
//! in force on its date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One kind of change that KB0010866 counts, with its words in both
/// languages. The list is data (`assets/rules/control-change-kinds.json`),
/// not a type: the FAQ may add kinds, and a firm may word them its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ChangeKindInfo {
    pub code: String,
    pub ja: String,
    pub en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeKindsFile {
    #[allow(dead_code)]
    source: String,
    kinds: Vec<ChangeKindInfo>,
}

const CHANGE_KINDS: &str = include_str!("../../../../assets/rules/control-change-kinds.json");

/// The kinds of change shipped with the workbench.
pub fn change_kinds() -> crate::error::Result<Vec<ChangeKindInfo>> {
    serde_json::from_str::<ChangeKindsFile>(CHANGE_KINDS)
        .map(|f| f.kinds)
        .map_err(|e| crate::error::Error::invalid("control_change_kinds", e.to_string()))
}

/// A change of one control during the period, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ControlChange {
    /// `CHG-001`, numbered per engagement.
    pub id: String,
    pub control_id: String,
    /// The first day the changed control applied.
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub effective: NaiveDate,
    /// A code of the change-kind list.
    pub kind: String,
    /// What the control became, as the provider's statement describes it.
    pub text: String,
    /// What it was before (for the first change; later ones follow from the
    /// change before them). May be empty: the statement's earlier wording.
    #[serde(default)]
    pub before: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// What a front end sends to record a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ControlChangeInput {
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub effective: NaiveDate,
    pub kind: String,
    pub text: String,
    #[serde(default)]
    pub before: String,
}

/// One version of a changed control: what it was from one date to another
/// within the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ControlVersion {
    /// 1 for the version in force at the period's start, then one more for each change.
    pub no: u32,
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub from: NaiveDate,
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub to: NaiveDate,
    pub text: String,
    /// The change that began this version (none for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub change_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<String>,
}

/// The versions of a control over the period `start..=end`, given its
/// changes; none for a control that did not change.
pub fn versions(start: NaiveDate, end: NaiveDate, changes: &[ControlChange]) -> Vec<ControlVersion> {
    // Only changes inside the period, one a day, make versions: recording
    // refuses any other, and a file changed outside the workbench (which
    // `log verify` names) must not show a version that ends before it starts.
    let mut changes: Vec<&ControlChange> =
        changes.iter().filter(|c| start < c.effective && c.effective <= end).collect();
    changes.sort_by(|a, b| (a.effective, &a.id).cmp(&(b.effective, &b.id)));
    changes.dedup_by_key(|c| c.effective);
    if changes.is_empty() {
        return Vec::new();
    }
    // What the control was at the period's start: given with the earliest
    // change, or with whichever change gave it (changes may be recorded out
    // of date order, and the one that gave it may have been taken back).
    let original = changes.iter().map(|c| c.before.trim()).find(|b| !b.is_empty()).unwrap_or("");
    let mut out = vec![ControlVersion {
        no: 1,
        from: start,
        to: changes[0].effective.pred_opt().unwrap_or(start),
        text: original.to_string(),
        change_id: None,
        kind: None,
    }];
    for (i, c) in changes.iter().enumerate() {
        let to = changes.get(i + 1).and_then(|next| next.effective.pred_opt()).unwrap_or(end);
        out.push(ControlVersion {
            no: i as u32 + 2,
            from: c.effective,
            to,
            text: c.text.clone(),
            change_id: Some(c.id.clone()),
            kind: Some(c.kind.clone()),
        });
    }
    out
}

/// The version in force on `date`, if the control changed and the date is
/// in the period.
pub fn version_on(versions: &[ControlVersion], date: NaiveDate) -> Option<u32> {
    versions.iter().find(|v| v.from <= date && date <= v.to).map(|v| v.no)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn change(id: &str, effective: &str) -> ControlChange {
        ControlChange {
            id: id.into(),
            control_id: "6.1.2.1.B".into(),
            effective: d(effective),
            kind: "mechanism".into(),
            text: format!("after {id}"),
            before: "manual approval".into(),
            recorded_by: "a".into(),
            recorded_at: "t".into(),
        }
    }

    #[test]
    fn each_item_date_falls_in_exactly_one_version() {
        let (start, end) = (d("2025-10-01"), d("2026-09-30"));
        // Recorded out of order: versions follow the dates, not the order recorded.
        let v = versions(start, end, &[change("CHG-002", "2026-07-01"), change("CHG-001", "2026-04-01")]);
        assert_eq!(v.len(), 3);
        assert_eq!((v[0].from, v[0].to, v[0].text.as_str()), (start, d("2026-03-31"), "manual approval"));
        assert_eq!(
            (v[1].from, v[1].to, v[1].change_id.as_deref()),
            (d("2026-04-01"), d("2026-06-30"), Some("CHG-001"))
        );
        assert_eq!((v[2].from, v[2].to), (d("2026-07-01"), end));
        assert_eq!(version_on(&v, d("2026-03-31")), Some(1));
        assert_eq!(version_on(&v, d("2026-04-01")), Some(2));
        assert_eq!(version_on(&v, d("2026-09-30")), Some(3));
        assert_eq!(version_on(&v, d("2026-10-01")), None);
        assert!(versions(start, end, &[]).is_empty());
        // An earlier change recorded later, without the original wording: the
        // wording given with the other change still describes version 1.
        let mut earlier = change("CHG-003", "2026-01-15");
        earlier.before = String::new();
        let v = versions(start, end, &[change("CHG-001", "2026-04-01"), earlier]);
        assert_eq!((v[0].to, v[0].text.as_str()), (d("2026-01-14"), "manual approval"));
        // A change outside the period, or a second one the same day (only a
        // file changed outside the workbench holds them), makes no version.
        let odd = [change("CHG-001", "2026-04-01"), change("CHG-002", "2026-04-01"), change("CHG-003", "2027-06-01")];
        let v = versions(start, end, &odd);
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(|x| x.from <= x.to), "{v:?}");
    }

    #[test]
    fn the_shipped_kinds_are_those_of_kb0010866() {
        let codes: Vec<String> = change_kinds().unwrap().into_iter().map(|k| k.code).collect();
        assert_eq!(codes, ["regulations", "implementation", "operation", "mechanism", "adopted"]);
    }
}
