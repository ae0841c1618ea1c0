//! Controls that changed during the audit period (CC2022 §2.2.4, FAQ
//! KB0010866): recording a change, with the rules its date and kind keep.

use chrono::NaiveDate;

use super::closing::Stamp;
use super::work::{require_assessable, ControlFacts};
use crate::error::{Error, FieldProblem, ProblemCode, Result};
use crate::model::change::{ChangeKindInfo, ControlChange, ControlChangeInput};
use crate::model::event::Change;

/// How long what a control became (or was) may be: a paragraph of a
/// statement, not a document.
pub const MAX_TEXT: usize = 4000;

/// Records that `control` changed on `input.effective`. The control is in
/// scope (a change of a control not audited is not reported); the date falls
/// in the period after its first day (a change before the period is simply
/// the control as audited) and not after its last; no other change of the
/// control takes effect the same day; the kind is one of `kinds`; the change
/// says what the control became; what it was (`before`) is given only with
/// the earliest change, since it describes the control at the period's start.
pub fn record_change(
    control: &ControlFacts,
    period: (NaiveDate, NaiveDate),
    existing: &[ControlChange],
    kinds: &[ChangeKindInfo],
    id: String,
    input: ControlChangeInput,
    stamp: Stamp<'_>,
) -> Result<Vec<Change>> {
    require_assessable(control)?;
    if control.scope != crate::model::procedure::ScopeDecision::InScope {
        return Err(super::refuse(
            "control",
            ProblemCode::ChangeOutOfScope,
            &[("id", control.id.clone())],
            format!("{} is not in scope: a change of a control not audited is not reported", control.id),
        ));
    }
    let (start, end) = period;
    let mut problems = Vec::new();
    let on = input.effective;
    if on <= start || on > end {
        problems.push(FieldProblem::new(
            "effective",
            ProblemCode::ChangeOutsidePeriod,
            &[("date", on.to_string()), ("start", start.to_string()), ("end", end.to_string())],
            format!(
                "{on} is not within the audit period after its first day ({start} to {end}); a control as it was at the period's start is not a change"
            ),
        ));
    } else if let Some(other) = existing.iter().find(|c| c.effective == on) {
        problems.push(FieldProblem::new(
            "effective",
            ProblemCode::ChangeDateTaken,
            &[("date", on.to_string()), ("id", other.id.clone())],
            format!("{} already took effect on {on}; record one change per day, or remove that one first", other.id),
        ));
    }
    let kind = input.kind.trim().to_string();
    if !kinds.iter().any(|k| k.code == kind) {
        let known: Vec<&str> = kinds.iter().map(|k| k.code.as_str()).collect();
        problems.push(FieldProblem::new(
            "kind",
            ProblemCode::UnknownChangeKind,
            &[("kind", kind.clone()), ("known", known.join(", "))],
            format!("\"{kind}\" is not a kind of change; use one of {}", known.join(", ")),
        ));
    }
    let text = input.text.trim().to_string();
    if text.is_empty() {
        problems.push(FieldProblem::new("text", ProblemCode::Required, &[], "say what the control became".into()));
    }
    let before = input.before.trim().to_string();
    problems.extend(super::check_text("text", &text, MAX_TEXT));
    problems.extend(super::check_text("before", &before, MAX_TEXT));
    if let Some(earlier) = existing.iter().filter(|c| c.effective < on).min_by_key(|c| c.effective) {
        if !before.is_empty() {
            problems.push(FieldProblem::new(
                "before",
                ProblemCode::BeforeNotFirst,
                &[("id", earlier.id.clone()), ("date", earlier.effective.to_string())],
                format!(
                    "{} took effect earlier ({}): only the earliest change describes the control as it was at the period's start",
                    earlier.id, earlier.effective
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid { problems });
    }
    Ok(vec![Change::ControlChangeRecorded {
        change: ControlChange {
            id,
            control_id: control.id.clone(),
            effective: on,
            kind,
            text,
            before,
            recorded_by: stamp.by.into(),
            recorded_at: stamp.at.into(),
        },
    }])
}

/// Refuses a new audit period that would leave a recorded change on or
/// before its first day or after its last: the change's versions would no
/// longer fit the period. The change is taken back first, or the period kept.
pub fn check_period(start: NaiveDate, end: NaiveDate, changes: &[ControlChange]) -> Result<()> {
    let problems: Vec<FieldProblem> = changes
        .iter()
        .filter(|c| c.effective <= start || c.effective > end)
        .map(|c| {
            let field = if c.effective <= start { "period.start" } else { "period.end" };
            FieldProblem::new(
                field,
                ProblemCode::PeriodLeavesChange,
                &[
                    ("id", c.id.clone()),
                    ("control", c.control_id.clone()),
                    ("date", c.effective.to_string()),
                    ("start", start.to_string()),
                    ("end", end.to_string()),
                ],
                format!(
                    "the change {} of {} took effect on {}, outside a period from {start} to {end} (after its first day, not after its last): take the change back first, or keep the period",
                    c.id, c.control_id, c.effective
                ),
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid { problems })
    }
}

/// Takes back a change recorded by mistake.
pub fn remove_change(change: ControlChange) -> Vec<Change> {
    vec![Change::ControlChangeRemoved { change }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::procedure::ScopeDecision;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn control(assessable: bool) -> ControlFacts {
        ControlFacts {
            id: "6.1.2.1.B".into(),
            assessable,
            objective: false,
            scope: ScopeDecision::InScope,
            scope_reason: String::new(),
            recorded: (ScopeDecision::InScope, String::new()),
            inherited_from: None,
        }
    }

    fn input(on: &str, kind: &str, text: &str) -> ControlChangeInput {
        ControlChangeInput { effective: d(on), kind: kind.into(), text: text.into(), before: String::new() }
    }

    fn stamp() -> Stamp<'static> {
        Stamp { by: "山田", at: "2026-05-01T00:00:00Z", today: d("2026-05-01") }
    }

    const PERIOD: (&str, &str) = ("2025-10-01", "2026-09-30");

    fn record(existing: &[ControlChange], i: ControlChangeInput) -> Result<Vec<Change>> {
        let kinds = crate::model::change::change_kinds().unwrap();
        record_change(&control(true), (d(PERIOD.0), d(PERIOD.1)), existing, &kinds, "CHG-002".into(), i, stamp())
    }

    fn codes(e: Error) -> Vec<(String, ProblemCode)> {
        match e {
            Error::Invalid { problems } => problems.into_iter().map(|p| (p.field, p.code)).collect(),
            other => panic!("expected a refusal, got {other}"),
        }
    }

    #[test]
    fn a_change_takes_effect_inside_the_period_after_its_first_day() {
        assert!(record(&[], input("2026-04-01", "mechanism", "承認はワークフローで行う")).is_ok());
        assert!(record(&[], input("2026-09-30", "operation", "月次")).is_ok());
        for day in ["2025-10-01", "2025-09-30", "2026-10-01"] {
            assert_eq!(
                codes(record(&[], input(day, "mechanism", "x")).unwrap_err()),
                [("effective".to_string(), ProblemCode::ChangeOutsidePeriod)],
                "{day}"
            );
        }
    }

    #[test]
    fn kind_text_and_a_second_change_the_same_day_are_refused_together() {
        let Change::ControlChangeRecorded { change } =
            record(&[], input("2026-04-01", "mechanism", "x")).unwrap().remove(0)
        else {
            panic!()
        };
        let refused = codes(record(&[change], input("2026-04-01", "renamed", " ")).unwrap_err());
        assert_eq!(
            refused,
            [
                ("effective".to_string(), ProblemCode::ChangeDateTaken),
                ("kind".to_string(), ProblemCode::UnknownChangeKind),
                ("text".to_string(), ProblemCode::Required),
            ]
        );
    }

    #[test]
    fn a_period_that_would_leave_a_change_outside_it_is_refused() {
        let Change::ControlChangeRecorded { change } =
            record(&[], input("2026-04-01", "mechanism", "x")).unwrap().remove(0)
        else {
            panic!()
        };
        let changes = [change];
        assert!(check_period(d("2025-10-01"), d("2026-09-30"), &changes).is_ok());
        for (start, end, field) in
            [("2026-04-01", "2027-03-31", "period.start"), ("2025-04-01", "2026-03-31", "period.end")]
        {
            let refused = codes(check_period(d(start), d(end), &changes).unwrap_err());
            assert_eq!(refused, [(field.to_string(), ProblemCode::PeriodLeavesChange)], "{start}..{end}");
        }
    }

    #[test]
    fn control_characters_an_endless_text_a_late_before_and_an_out_of_scope_control_are_refused() {
        let refused = codes(record(&[], input("2026-04-01", "mechanism", "a\u{1b}[31mred")).unwrap_err());
        assert_eq!(refused, [("text".to_string(), ProblemCode::ControlCharacter)]);
        let long = "長".repeat(MAX_TEXT + 1);
        assert_eq!(codes(record(&[], input("2026-04-01", "mechanism", &long)).unwrap_err())[0].1, ProblemCode::TooLong);
        assert!(record(&[], input("2026-04-01", "mechanism", "一行目\n\t二行目")).is_ok());

        let Change::ControlChangeRecorded { change } =
            record(&[], input("2026-04-01", "mechanism", "x")).unwrap().remove(0)
        else {
            panic!()
        };
        let mut late = input("2026-06-01", "operation", "y");
        late.before = "期首の統制".into();
        assert_eq!(
            codes(record(std::slice::from_ref(&change), late.clone()).unwrap_err()),
            [("before".to_string(), ProblemCode::BeforeNotFirst)]
        );
        // Earlier than every change recorded, it may say what the control was.
        late.effective = d("2026-01-01");
        assert!(record(&[change], late).is_ok());

        let kinds = crate::model::change::change_kinds().unwrap();
        let mut out = control(true);
        out.scope = ScopeDecision::NotAdopted;
        let refused = record_change(
            &out,
            (d(PERIOD.0), d(PERIOD.1)),
            &[],
            &kinds,
            "CHG-001".into(),
            input("2026-04-01", "adopted", "x"),
            stamp(),
        );
        assert_eq!(codes(refused.unwrap_err()), [("control".to_string(), ProblemCode::ChangeOutOfScope)]);
    }

    #[test]
    fn a_heading_does_not_change() {
        let kinds = crate::model::change::change_kinds().unwrap();
        let refused = record_change(
            &control(false),
            (d(PERIOD.0), d(PERIOD.1)),
            &[],
            &kinds,
            "CHG-001".into(),
            input("2026-04-01", "mechanism", "x"),
            stamp(),
        );
        assert!(matches!(refused, Err(Error::Invalid { .. })));
    }
}
