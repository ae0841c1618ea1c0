//! The written representation (経営者確認書, CC2022 §2.2.8) from the
//! provider's management, and the subsequent events (後発事象, CC2022
//! §2.2.6) between the period's end and the report date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How many confirmations a written representation holds (CC2022 §2.2.8:
/// (1) controls selected and operated effectively, (2) an independent
/// structure evaluates the statement, (3) management interprets the
/// criteria, (4) the assessment follows the Information Security Audit
/// Criteria, (5) the report's use is restricted, (6) all information was
/// provided, (7) significant events after the period, (8) fraud or illegal
/// acts known).
pub const CONFIRMATIONS: usize = 8;

text_enum!(
    /// What management answered to one confirmation.
    Answer { Confirmed = "confirmed", NotConfirmed = "not_confirmed" }
);

/// One of the eight confirmations: unanswered (`None`) until recorded; a
/// "not confirmed" needs its comment (e.g. the significant event disclosed
/// under item 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Confirmation {
    pub answer: Option<Answer>,
    #[serde(default)]
    pub comment: String,
}

/// The written representation as recorded for an engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Representation {
    /// The letter's date: after the period's end, and not after the report's.
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub date: NaiveDate,
    pub signatory_name: String,
    pub signatory_title: String,
    /// The eight confirmations of CC2022 §2.2.8, in their order.
    pub confirmations: Vec<Confirmation>,
    /// The scanned, signed letter, as an evidence item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub evidence_id: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl Representation {
    /// The numbers (1 to 8) of the confirmations not answered yet.
    pub fn unanswered(&self) -> Vec<usize> {
        (0..CONFIRMATIONS)
            .filter(|i| self.confirmations.get(*i).is_none_or(|c| c.answer.is_none()))
            .map(|i| i + 1)
            .collect()
    }
}

/// What a front end sends to record the representation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepresentationInput {
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub date: NaiveDate,
    pub signatory_name: String,
    #[serde(default)]
    pub signatory_title: String,
    pub confirmations: Vec<Confirmation>,
    #[serde(default)]
    pub evidence_id: Option<String>,
}

/// An event after the period's end that may bear on the controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubsequentEvent {
    /// `SE-001`, numbered per engagement.
    pub id: String,
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub occurred_on: NaiveDate,
    /// What happened.
    pub description: String,
    /// Its effect on the controls, as the assessor judged it.
    pub effect: String,
    /// Evidence items about it.
    #[serde(default)]
    pub evidence: Vec<String>,
    pub added_by: String,
    pub added_at: String,
}

/// What a front end sends to add a subsequent event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubsequentEventInput {
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub occurred_on: NaiveDate,
    pub description: String,
    #[serde(default)]
    pub effect: String,
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// A manager's statement that subsequent events were considered up to a
/// date, which must not be before the report date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubsequentReview {
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub through: NaiveDate,
    pub by: String,
    pub at: String,
}

/// The representation and the subsequent events of an engagement, as the
/// front ends show them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClosingView {
    pub representation: Option<Representation>,
    pub subsequent_events: Vec<SubsequentEvent>,
    pub subsequent_review: Option<SubsequentReview>,
}
