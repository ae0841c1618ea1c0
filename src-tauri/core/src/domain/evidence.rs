//! Evidence (証跡) and the PBC list: what an item says about itself, what it
//! supports, when it may be withdrawn, and the requests to the provider.
//! Storing content is not a decision: `store::evidence` streams it in.

use chrono::NaiveDate;
use serde_json::json;

use super::refuse;
use crate::error::{Error, ProblemCode, Result};
use crate::model::event::{Change, FieldChange};
use crate::model::evidence::{
    AsOfWarning, Evidence, EvidenceLink, EvidenceMeta, EvidencePatch, PbcFields, PbcRequest, Removal,
};

/// An item about to be taken in must have a title (its file name by default).
pub fn check_meta(source: &std::path::Path, meta: &EvidenceMeta) -> Result<()> {
    if meta.title.trim().is_empty() {
        let message = format!("{}: an evidence item needs a title", source.display());
        return Err(refuse("title", ProblemCode::Required, &[], message));
    }
    Ok(())
}

/// The record of an item taken in, linked to `links` (sorted, without
/// repeats). `new_content` says whether its content was stored now or was
/// already there (and is shared).
#[allow(clippy::too_many_arguments)]
pub fn added(
    id: String,
    sha256: String,
    size: u64,
    original_name: String,
    media_type: String,
    meta: &EvidenceMeta,
    links: &[EvidenceLink],
    added_at: String,
    added_by: String,
    new_content: bool,
) -> Change {
    let mut meta = meta.clone();
    meta.title = meta.title.trim().to_string();
    let mut links = links.to_vec();
    links.sort();
    links.dedup();
    let evidence = Evidence {
        id,
        sha256,
        size,
        media_type,
        original_name,
        meta,
        added_at,
        added_by,
        links,
        removed: None,
        as_of_warning: None,
    };
    Change::EvidenceAdded { evidence: Box::new(evidence), new_content }
}

/// What is odd about an as-of date (see [`AsOfWarning`]), the most telling
/// first: after the day the item was taken in (`taken_on`, in Japan), then
/// after the day it was obtained (evidence speaks for what was before it
/// was obtained), then after the period's end.
pub fn as_of_warning(
    as_of: NaiveDate,
    period_end: NaiveDate,
    taken_on: NaiveDate,
    obtained_on: Option<NaiveDate>,
) -> Option<AsOfWarning> {
    if as_of > taken_on {
        Some(AsOfWarning { code: ProblemCode::AsOfInFuture, limit: taken_on })
    } else if let Some(obtained) = obtained_on.filter(|o| as_of > *o) {
        Some(AsOfWarning { code: ProblemCode::AsOfAfterObtained, limit: obtained })
    } else if as_of > period_end {
        Some(AsOfWarning { code: ProblemCode::AsOfAfterPeriod, limit: period_end })
    } else {
        None
    }
}

pub fn edit(before: &Evidence, patch: EvidencePatch) -> Result<Vec<Change>> {
    if before.removed.is_some() {
        return Err(Error::invalid("evidence", format!("{} was withdrawn and can no longer be edited", before.id)));
    }
    if patch.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        let message = format!("{}: an evidence item needs a title", before.id);
        return Err(refuse("title", ProblemCode::Required, &[], message));
    }
    let mut changes = Vec::new();
    let mut diff = |field: &str, old: serde_json::Value, new: Option<serde_json::Value>| {
        if let Some(new) = new {
            if new != old {
                changes.push(FieldChange { field: field.into(), before: old, after: new });
            }
        }
    };
    let m = &before.meta;
    diff("title", json!(m.title), patch.title.map(|v| json!(v.trim())));
    diff("description", json!(m.description), patch.description.map(|v| json!(v)));
    diff("kind", json!(m.kind), patch.kind.map(|v| json!(v)));
    diff("obtained_from", json!(m.obtained_from), patch.obtained_from.map(|v| json!(v)));
    diff("obtained_by", json!(m.obtained_by), patch.obtained_by.map(|v| json!(v)));
    diff("obtained_at", json!(m.obtained_at), patch.obtained_at.map(|v| json!(v)));
    diff("as_of", json!(m.as_of), patch.as_of.map(|v| json!(v)));
    Ok(if changes.is_empty() { Vec::new() } else { vec![Change::EvidenceEdited { id: before.id.clone(), changes }] })
}

/// Links an item to what it supports; linking twice changes nothing.
pub fn link(evidence: &Evidence, link: EvidenceLink) -> Result<Vec<Change>> {
    if evidence.removed.is_some() {
        return Err(Error::invalid("evidence", format!("{} was withdrawn and cannot be linked", evidence.id)));
    }
    if evidence.links.contains(&link) {
        return Ok(Vec::new());
    }
    Ok(vec![Change::EvidenceLinked { id: evidence.id.clone(), link }])
}

pub fn unlink(evidence: &Evidence, link: EvidenceLink) -> Result<Vec<Change>> {
    if !evidence.links.contains(&link) {
        return Err(Error::NotFound {
            what: "link",
            id: format!("{} → {} {}", evidence.id, link.kind.as_str(), link.id),
        });
    }
    Ok(vec![Change::EvidenceUnlinked { id: evidence.id.clone(), link }])
}

/// Withdraws an item from the engagement, with a reason; its record and
/// content stay. `signed_procedures` are the procedures the item supports
/// whose sign-offs still stand unchanged: the sign-off covered the item, so
/// it must be unlinked first (a visible change to the signed procedure).
pub fn withdraw(
    evidence: &Evidence,
    reason: &str,
    signed_procedures: &[String],
    removal: Removal,
) -> Result<Vec<Change>> {
    if evidence.removed.is_some() {
        return Err(Error::invalid("evidence", format!("{} was already withdrawn", evidence.id)));
    }
    if reason.trim().is_empty() {
        return Err(refuse("reason", ProblemCode::Required, &[], "withdrawing evidence needs the reason".into()));
    }
    if let Some(procedure) = signed_procedures.first() {
        return Err(refuse(
            "evidence",
            ProblemCode::SignedOff,
            &[("procedure", procedure.clone())],
            format!(
                "{} supports {procedure}, which is signed off; unlink it first (a visible change to the signed procedure)",
                evidence.id
            ),
        ));
    }
    Ok(vec![Change::EvidenceRemoved {
        id: evidence.id.clone(),
        removal: Removal { reason: reason.trim().into(), ..removal },
    }])
}

/// A request needs what is asked for, and a due date not before it was asked.
pub fn check_pbc(fields: &PbcFields) -> Result<()> {
    if fields.item.trim().is_empty() {
        return Err(refuse("item", ProblemCode::Required, &[], "a request needs what is asked for".into()));
    }
    if let Some(due) = fields.due {
        if due < fields.requested_on {
            return Err(refuse(
                "due",
                ProblemCode::DueBefore,
                &[("requested_on", fields.requested_on.to_string())],
                "the due date is before the request date".into(),
            ));
        }
    }
    Ok(())
}

pub fn add_pbc(next_id: String, fields: PbcFields) -> Result<Vec<Change>> {
    check_pbc(&fields)?;
    let request = PbcRequest {
        id: next_id,
        item: fields.item.trim().into(),
        requested_on: fields.requested_on,
        due: fields.due,
        from_whom: fields.from_whom.trim().into(),
        status: fields.status,
        notes: fields.notes,
        evidence: Vec::new(),
    };
    Ok(vec![Change::PbcAdded { request }])
}

pub fn edit_pbc(before: &PbcRequest, fields: PbcFields) -> Result<Vec<Change>> {
    check_pbc(&fields)?;
    let mut changes = Vec::new();
    let mut diff = |field: &str, old: serde_json::Value, new: serde_json::Value| {
        if old != new {
            changes.push(FieldChange { field: field.into(), before: old, after: new });
        }
    };
    diff("item", json!(before.item), json!(fields.item.trim()));
    diff("requested_on", json!(before.requested_on), json!(fields.requested_on));
    diff("due", json!(before.due), json!(fields.due));
    diff("from_whom", json!(before.from_whom), json!(fields.from_whom.trim()));
    diff("status", json!(before.status), json!(fields.status));
    diff("notes", json!(before.notes), json!(fields.notes));
    Ok(if changes.is_empty() { Vec::new() } else { vec![Change::PbcEdited { id: before.id.clone(), changes }] })
}

/// The next `PREFIX0001`-style number of a list whose numbers are never
/// reused (withdrawn items keep theirs): one above the highest used.
pub fn next_number(prefix: &str, highest_used: i64, width: usize) -> String {
    format!("{prefix}{:0width$}", highest_used + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::evidence::{EvidenceKind, LinkKind, PbcStatus};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn item() -> Evidence {
        Evidence {
            id: "EV-0001".into(),
            sha256: "0".repeat(64),
            size: 3,
            media_type: "text/plain".into(),
            original_name: "a.txt".into(),
            meta: EvidenceMeta {
                title: "a".into(),
                description: String::new(),
                kind: EvidenceKind::Document,
                obtained_from: String::new(),
                obtained_by: String::new(),
                obtained_at: None,
                as_of: date("2026-04-01"),
            },
            added_at: "2026-04-01T00:00:00.000Z".into(),
            added_by: "佐藤 花子".into(),
            links: vec![EvidenceLink { kind: LinkKind::Procedure, id: "9.2.1.2/P1".into() }],
            removed: None,
            as_of_warning: None,
        }
    }

    fn removal() -> Removal {
        Removal { reason: String::new(), at: "2026-04-02T00:00:00.000Z".into(), by: "佐藤 花子".into() }
    }

    #[test]
    fn evidence_behind_a_standing_sign_off_is_not_withdrawn() {
        let Err(Error::Invalid { problems }) = withdraw(&item(), "誤り", &["9.2.1.2/P1".into()], removal()) else {
            panic!("refused")
        };
        assert_eq!((problems[0].code.as_str(), problems[0].params["procedure"].as_str()), ("signed_off", "9.2.1.2/P1"));
        assert!(withdraw(&item(), " ", &[], removal()).is_err());
        let changes = withdraw(&item(), " 誤り ", &[], removal()).unwrap();
        assert!(matches!(&changes[..], [Change::EvidenceRemoved { removal, .. }] if removal.reason == "誤り"));
    }

    #[test]
    fn a_withdrawn_item_is_neither_edited_nor_linked() {
        let mut withdrawn = item();
        withdrawn.removed = Some(removal());
        assert!(edit(&withdrawn, EvidencePatch { title: Some("b".into()), ..EvidencePatch::default() }).is_err());
        let Err(Error::Invalid { problems }) =
            edit(&item(), EvidencePatch { title: Some("  ".into()), ..EvidencePatch::default() })
        else {
            panic!("a blank title is refused")
        };
        assert_eq!((problems[0].field.as_str(), problems[0].code), ("title", ProblemCode::Required));
        assert!(link(&withdrawn, EvidenceLink { kind: LinkKind::Pbc, id: "PBC-001".into() }).is_err());
        assert!(link(&item(), item().links[0].clone()).unwrap().is_empty());
    }

    #[test]
    fn a_request_is_not_due_before_it_was_made() {
        let fields = PbcFields {
            item: "アクセス権一覧".into(),
            requested_on: date("2026-05-10"),
            due: Some(date("2026-05-09")),
            from_whom: "情報システム部".into(),
            status: PbcStatus::Requested,
            notes: String::new(),
        };
        let Err(Error::Invalid { problems }) = add_pbc("PBC-001".into(), fields.clone()) else { panic!("refused") };
        assert_eq!((problems[0].field.as_str(), problems[0].code), ("due", ProblemCode::DueBefore));
        assert_eq!(problems[0].params["requested_on"], "2026-05-10");
        assert_eq!(next_number("PBC-", 7, 3), "PBC-008");
        assert!(add_pbc("PBC-001".into(), PbcFields { due: Some(date("2026-05-10")), ..fields }).is_ok());
    }

    #[test]
    fn an_as_of_date_after_the_period_or_after_intake_is_warned_of() {
        let end = date("2026-09-30");
        let taken = date("2026-10-15");
        assert_eq!(as_of_warning(date("2026-09-30"), end, taken, None), None);
        let after = as_of_warning(date("2026-10-01"), end, taken, None).unwrap();
        assert_eq!((after.code, after.limit), (ProblemCode::AsOfAfterPeriod, end));
        let future = as_of_warning(date("2026-10-16"), end, taken, Some(date("2026-10-01"))).unwrap();
        assert_eq!((future.code, future.limit), (ProblemCode::AsOfInFuture, taken));
        // Taken in during the period, dated ahead: in the future, not yet after the period.
        let early = as_of_warning(date("2026-05-02"), end, date("2026-05-01"), None).unwrap();
        assert_eq!(early.code, ProblemCode::AsOfInFuture);
        // Obtained on 2026-04-10, speaking for 2026-04-20: after it was obtained.
        let later = as_of_warning(date("2026-04-20"), end, taken, Some(date("2026-04-10"))).unwrap();
        assert_eq!((later.code, later.limit), (ProblemCode::AsOfAfterObtained, date("2026-04-10")));
        assert_eq!(as_of_warning(date("2026-04-10"), end, taken, Some(date("2026-04-10"))), None);
    }
}
