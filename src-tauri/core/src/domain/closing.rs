//! What closes an audit besides the workpapers: the written representation
//! (経営者確認書, CC2022 §2.2.8) and the subsequent events (後発事象, CC2022
//! §2.2.6), with the dates they must keep.

use chrono::NaiveDate;

use super::refuse;
use crate::error::{Error, FieldProblem, ProblemCode, Result};
use crate::model::event::Change;
use crate::model::representation::{
    Answer, Representation, RepresentationInput, SubsequentEvent, SubsequentEventInput, SubsequentReview, CONFIRMATIONS,
};

/// Who and when, for the record.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    pub by: &'a str,
    pub at: &'a str,
    /// Today in Japan: nothing here is dated in the future.
    pub today: NaiveDate,
}

/// Records the written representation (again, replacing the one before).
/// Its date falls after the period's end (and not after the report's date,
/// checked when the report is made, which is never in the future); it names
/// its signatory; it holds the eight confirmations, each unanswered,
/// confirmed, or not confirmed with a comment. Unanswered ones are allowed
/// here and block finalizing. `evidence_known` says whether the letter's
/// evidence item exists and was not withdrawn.
pub fn record_representation(
    period_end: NaiveDate,
    input: RepresentationInput,
    evidence_known: impl Fn(&str) -> bool,
    before: Option<Representation>,
    stamp: Stamp<'_>,
) -> Result<Vec<Change>> {
    let mut problems = Vec::new();
    let date = input.date;
    if date <= period_end {
        problems.push(FieldProblem::new(
            "date",
            ProblemCode::RepresentationBeforePeriodEnd,
            &[("date", date.to_string()), ("limit", period_end.to_string())],
            format!("the representation's date {date} is not after the period's end ({period_end})"),
        ));
    }
    let signatory_name = input.signatory_name.trim().to_string();
    if signatory_name.is_empty() {
        problems.push(FieldProblem::new(
            "signatory_name",
            ProblemCode::Required,
            &[],
            "the representation needs the name of who signed it".into(),
        ));
    }
    if input.confirmations.len() != CONFIRMATIONS {
        problems.push(FieldProblem::new(
            "confirmations",
            ProblemCode::Invalid,
            &[("count", input.confirmations.len().to_string())],
            format!("a representation has {CONFIRMATIONS} confirmations, not {}", input.confirmations.len()),
        ));
    }
    let mut confirmations = input.confirmations;
    for (i, c) in confirmations.iter_mut().enumerate() {
        c.comment = c.comment.trim().to_string();
        if c.answer == Some(Answer::NotConfirmed) && c.comment.is_empty() {
            problems.push(FieldProblem::new(
                &format!("confirmations[{i}].comment"),
                ProblemCode::Required,
                &[("item", (i + 1).to_string())],
                format!("item {} is not confirmed; say why in its comment", i + 1),
            ));
        }
    }
    let evidence_id = input.evidence_id.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if let Some(id) = evidence_id.as_deref().filter(|id| !evidence_known(id)) {
        problems.push(FieldProblem::new(
            "evidence_id",
            ProblemCode::UnknownEvidence,
            &[("id", id.to_string())],
            format!("{id} is not an evidence item of this engagement (or it was withdrawn)"),
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid { problems });
    }
    let representation = Representation {
        date,
        signatory_name,
        signatory_title: input.signatory_title.trim().to_string(),
        confirmations,
        evidence_id,
        recorded_by: stamp.by.into(),
        recorded_at: stamp.at.into(),
    };
    if before.as_ref().is_some_and(|b| same_content(b, &representation)) {
        return Ok(Vec::new());
    }
    Ok(vec![Change::RepresentationRecorded { representation: Box::new(representation), before: before.map(Box::new) }])
}

/// Whether two records say the same, whoever recorded them when.
fn same_content(a: &Representation, b: &Representation) -> bool {
    (a.date, &a.signatory_name, &a.signatory_title, &a.confirmations, &a.evidence_id)
        == (b.date, &b.signatory_name, &b.signatory_title, &b.confirmations, &b.evidence_id)
}

/// Adds a subsequent event: one that happened after the period's end and
/// not in the future, with what happened written out.
pub fn add_subsequent_event(
    period_end: NaiveDate,
    id: String,
    input: SubsequentEventInput,
    evidence_known: impl Fn(&str) -> bool,
    stamp: Stamp<'_>,
) -> Result<Vec<Change>> {
    let mut problems = Vec::new();
    let on = input.occurred_on;
    if on <= period_end {
        problems.push(FieldProblem::new(
            "occurred_on",
            ProblemCode::SubsequentBeforePeriodEnd,
            &[("date", on.to_string()), ("limit", period_end.to_string())],
            format!("{on} is not after the period's end ({period_end}); an event in the period is a finding of the procedures"),
        ));
    } else if on > stamp.today {
        problems.push(FieldProblem::new(
            "occurred_on",
            ProblemCode::DateInFuture,
            &[("date", on.to_string()), ("limit", stamp.today.to_string())],
            format!("{on} is in the future (today is {})", stamp.today),
        ));
    }
    let description = input.description.trim().to_string();
    if description.is_empty() {
        problems.push(FieldProblem::new("description", ProblemCode::Required, &[], "say what happened".into()));
    }
    let mut evidence: Vec<String> =
        input.evidence.iter().map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
    evidence.sort();
    evidence.dedup();
    for id in evidence.iter().filter(|id| !evidence_known(id)) {
        problems.push(FieldProblem::new(
            "evidence",
            ProblemCode::UnknownEvidence,
            &[("id", id.clone())],
            format!("{id} is not an evidence item of this engagement (or it was withdrawn)"),
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid { problems });
    }
    let event = SubsequentEvent {
        id,
        occurred_on: on,
        description,
        effect: input.effect.trim().to_string(),
        evidence,
        added_by: stamp.by.into(),
        added_at: stamp.at.into(),
    };
    Ok(vec![Change::SubsequentEventAdded { event }])
}

pub fn remove_subsequent_event(event: SubsequentEvent) -> Vec<Change> {
    vec![Change::SubsequentEventRemoved { event }]
}

/// A manager's statement that subsequent events were considered through
/// `through`: after the period's end. The report date must not be after
/// it, which is checked when the report is made.
pub fn consider_subsequent_events(period_end: NaiveDate, through: NaiveDate, stamp: Stamp<'_>) -> Result<Vec<Change>> {
    if through <= period_end {
        return Err(refuse(
            "through",
            ProblemCode::SubsequentBeforePeriodEnd,
            &[("date", through.to_string()), ("limit", period_end.to_string())],
            format!("subsequent events run from the period's end ({period_end}); {through} is not after it"),
        ));
    }
    let review = SubsequentReview { through, by: stamp.by.into(), at: stamp.at.into() };
    Ok(vec![Change::SubsequentEventsConsidered { review }])
}

/// Evidence the written representation or a subsequent event points at
/// stays: withdrawing it would leave the record pointing at nothing.
pub fn refuse_if_cited(
    evidence_id: &str,
    representation: Option<&Representation>,
    events: &[SubsequentEvent],
) -> Result<()> {
    if representation.is_some_and(|r| r.evidence_id.as_deref() == Some(evidence_id)) {
        return Err(refuse(
            "evidence",
            ProblemCode::CitedByRepresentation,
            &[],
            format!("{evidence_id} is the written representation's letter; record the representation without it first"),
        ));
    }
    if let Some(e) = events.iter().find(|e| e.evidence.iter().any(|x| x == evidence_id)) {
        return Err(refuse(
            "evidence",
            ProblemCode::CitedBySubsequentEvent,
            &[("id", e.id.clone())],
            format!("{evidence_id} is evidence of the subsequent event {}; remove that event first", e.id),
        ));
    }
    Ok(())
}

/// What the representation and the subsequent events still lack before
/// finalizing, as (item, code, message): the representation recorded with
/// all eight confirmations answered, and the manager's consideration of
/// subsequent events.
pub fn missing(
    representation: Option<&Representation>,
    review: Option<&SubsequentReview>,
) -> Vec<(&'static str, ProblemCode, String)> {
    let mut out = Vec::new();
    match representation {
        None => out.push((
            "representation",
            ProblemCode::NoRepresentation,
            "the written representation (経営者確認書) is not recorded".into(),
        )),
        Some(r) => {
            let open = r.unanswered();
            if !open.is_empty() {
                let items = open.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
                out.push((
                    "representation",
                    ProblemCode::RepresentationUnanswered,
                    format!("confirmations {items} of the written representation are not answered"),
                ));
            }
        }
    }
    if review.is_none() {
        out.push((
            "subsequent_events",
            ProblemCode::SubsequentNotConsidered,
            "no manager has stated up to which date subsequent events were considered".into(),
        ));
    }
    out
}

/// The report date against the representation and the consideration of
/// subsequent events: the letter is dated no later than the report, and
/// events were considered at least up to the report date.
pub fn check_report_date(
    representation: Option<&Representation>,
    review: Option<&SubsequentReview>,
    date: NaiveDate,
) -> Result<()> {
    if let Some(r) = representation.filter(|r| r.date > date) {
        return Err(refuse(
            "report_date",
            ProblemCode::ReportBeforeRepresentation,
            &[("date", date.to_string()), ("limit", r.date.to_string())],
            format!("the report date {date} is before the written representation's date ({})", r.date),
        ));
    }
    if let Some(s) = review.filter(|s| s.through < date) {
        return Err(refuse(
            "report_date",
            ProblemCode::ReportAfterSubsequentReview,
            &[("date", date.to_string()), ("limit", s.through.to_string())],
            format!(
                "subsequent events were considered up to {} only; the report may be dated {} at the latest",
                s.through, s.through
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::representation::Confirmation;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn stamp() -> Stamp<'static> {
        Stamp { by: "山田 太郎", at: "2026-11-10T00:00:00.000Z", today: d("2026-12-06") }
    }

    fn input(date: &str) -> RepresentationInput {
        RepresentationInput {
            date: d(date),
            signatory_name: "代表取締役 田中 一郎".into(),
            signatory_title: "代表取締役".into(),
            confirmations: vec![Confirmation { answer: Some(Answer::Confirmed), comment: String::new() }; 8],
            evidence_id: None,
        }
    }

    fn codes(err: Error) -> Vec<(String, ProblemCode)> {
        let Error::Invalid { problems } = err else { panic!("{err}") };
        problems.into_iter().map(|p| (p.field, p.code)).collect()
    }

    #[test]
    fn a_representation_is_dated_after_the_period_and_a_denial_says_why() {
        let end = d("2026-09-30");
        let known = |_: &str| false;
        let err = record_representation(end, input("2026-09-30"), known, None, stamp()).unwrap_err();
        assert_eq!(codes(err), [("date".to_string(), ProblemCode::RepresentationBeforePeriodEnd)]);
        let mut denied = input("2026-11-10");
        denied.confirmations[6] = Confirmation { answer: Some(Answer::NotConfirmed), comment: " ".into() };
        denied.evidence_id = Some("EV-0099".into());
        let err = record_representation(end, denied, known, None, stamp()).unwrap_err();
        assert_eq!(
            codes(err),
            [
                ("confirmations[6].comment".to_string(), ProblemCode::Required),
                ("evidence_id".to_string(), ProblemCode::UnknownEvidence)
            ]
        );
        let recorded = record_representation(end, input("2026-11-10"), known, None, stamp()).unwrap();
        let [Change::RepresentationRecorded { representation, .. }] = &recorded[..] else { panic!() };
        assert!(representation.unanswered().is_empty());
        // Recording the same again changes nothing.
        let again = record_representation(end, input("2026-11-10"), known, Some(*representation.clone()), stamp());
        assert!(again.unwrap().is_empty());
    }

    #[test]
    fn finalizing_needs_every_confirmation_answered_and_the_events_considered() {
        let mut r =
            match &record_representation(d("2026-09-30"), input("2026-11-10"), |_| true, None, stamp()).unwrap()[..] {
                [Change::RepresentationRecorded { representation, .. }] => *representation.clone(),
                _ => panic!(),
            };
        let codes = |r: Option<&Representation>, s: Option<&SubsequentReview>| {
            missing(r, s).into_iter().map(|m| m.1).collect::<Vec<_>>()
        };
        assert_eq!(codes(None, None), [ProblemCode::NoRepresentation, ProblemCode::SubsequentNotConsidered]);
        r.confirmations[2].answer = None;
        assert_eq!(r.unanswered(), [3]);
        let review = SubsequentReview { through: d("2026-11-20"), by: "山田 太郎".into(), at: String::new() };
        assert_eq!(codes(Some(&r), Some(&review)), [ProblemCode::RepresentationUnanswered]);
        r.confirmations[2].answer = Some(Answer::Confirmed);
        assert!(codes(Some(&r), Some(&review)).is_empty());
    }

    #[test]
    fn the_report_is_dated_no_earlier_than_the_letter_and_no_later_than_the_events_considered() {
        let r = Representation {
            date: d("2026-11-10"),
            signatory_name: "田中".into(),
            signatory_title: String::new(),
            confirmations: Vec::new(),
            evidence_id: None,
            recorded_by: String::new(),
            recorded_at: String::new(),
        };
        let s = SubsequentReview { through: d("2026-11-20"), by: String::new(), at: String::new() };
        let code = |date: &str| check_report_date(Some(&r), Some(&s), d(date)).err().map(codes);
        assert_eq!(code("2026-11-09"), Some(vec![("report_date".into(), ProblemCode::ReportBeforeRepresentation)]));
        assert_eq!(code("2026-11-21"), Some(vec![("report_date".into(), ProblemCode::ReportAfterSubsequentReview)]));
        assert_eq!(code("2026-11-10"), None);
        assert_eq!(code("2026-11-20"), None);
    }

    #[test]
    fn evidence_the_letter_or_an_event_points_at_is_not_withdrawn() {
        let r = Representation {
            date: d("2026-11-10"),
            signatory_name: "田中".into(),
            signatory_title: String::new(),
            confirmations: Vec::new(),
            evidence_id: Some("EV-0003".into()),
            recorded_by: String::new(),
            recorded_at: String::new(),
        };
        let event = SubsequentEvent {
            id: "SE-001".into(),
            occurred_on: d("2026-10-20"),
            description: "障害".into(),
            effect: String::new(),
            evidence: vec!["EV-0004".into()],
            added_by: String::new(),
            added_at: String::new(),
        };
        let code = |id: &str| refuse_if_cited(id, Some(&r), std::slice::from_ref(&event)).err().map(codes);
        assert_eq!(code("EV-0003"), Some(vec![("evidence".into(), ProblemCode::CitedByRepresentation)]));
        assert_eq!(code("EV-0004"), Some(vec![("evidence".into(), ProblemCode::CitedBySubsequentEvent)]));
        assert_eq!(code("EV-0005"), None);
    }

    #[test]
    fn a_subsequent_event_happens_after_the_period_and_is_considered_through_a_date_after_it() {
        let end = d("2026-09-30");
        let event = |on: &str, what: &str| SubsequentEventInput {
            occurred_on: d(on),
            description: what.into(),
            effect: String::new(),
            evidence: Vec::new(),
        };
        let err = add_subsequent_event(end, "SE-001".into(), event("2026-09-30", "x"), |_| true, stamp()).unwrap_err();
        assert_eq!(codes(err), [("occurred_on".to_string(), ProblemCode::SubsequentBeforePeriodEnd)]);
        let err = add_subsequent_event(end, "SE-001".into(), event("2026-10-15", " "), |_| true, stamp()).unwrap_err();
        assert_eq!(codes(err), [("description".to_string(), ProblemCode::Required)]);
        assert_eq!(
            add_subsequent_event(end, "SE-001".into(), event("2026-10-15", "障害"), |_| true, stamp()).unwrap().len(),
            1
        );
        let err = consider_subsequent_events(end, d("2026-09-01"), stamp()).unwrap_err();
        assert_eq!(codes(err), [("through".to_string(), ProblemCode::SubsequentBeforePeriodEnd)]);
        let err = add_subsequent_event(end, "SE-001".into(), event("2026-12-07", "x"), |_| true, stamp()).unwrap_err();
        assert_eq!(codes(err), [("occurred_on".to_string(), ProblemCode::DateInFuture)]);
        assert_eq!(consider_subsequent_events(end, d("2026-11-20"), stamp()).unwrap().len(), 1);
    }
}
