//! The decisions of the domain, one module per aggregate: pure functions
//! that take the state they need (read by `store`) and a request, and
//! return the [`Change`](crate::model::event::Change)s to record, or a typed
//! refusal. No SQL and no clock here: time, identity and every value read
//! from the file come in as arguments, so each rule is tested with values
//! alone.
//!
//! Where a rule lives, by aggregate:
//! - `engagement`: the engagement's fields and program rules, creating and editing it;
//! - `work`: scope decisions, procedures and exceptions;
//! - `change`: controls changed during the period (their versions);
//! - `evidence`: evidence records, their links and withdrawal, the PBC list;
//! - `sampling`: populations, samples, test grids and the tickmark legend;
//! - `review`: sign-offs and what a later change does to them, review notes,
//!   what blocks finalizing, finalizing and reopening.
//!
//! Plain data and the facts derived from one value alone (a procedure's
//! status, the Park-Miller selection) stay in `model`.

pub mod change;
pub mod closing;
pub mod engagement;
pub mod evidence;
pub mod merge;
pub mod review;
pub mod roster;
pub mod sampling;
pub mod work;

use crate::error::{Error, FieldProblem, ProblemCode};

/// A refusal of one field, with a stable code for the front ends.
pub(crate) fn refuse(field: &str, code: ProblemCode, params: &[(&str, String)], message: String) -> Error {
    Error::Invalid { problems: vec![FieldProblem::new(field, code, params, message)] }
}

/// A text a person writes for the record (what a control became, a
/// description): no control characters but line breaks and tabs, which a
/// terminal or a PDF would act on or drop, and at most `max` characters.
pub(crate) fn check_text(field: &str, text: &str, max: usize) -> Option<FieldProblem> {
    if let Some(c) = text.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\t')) {
        return Some(FieldProblem::new(
            field,
            ProblemCode::ControlCharacter,
            &[("code", format!("U+{:04X}", c as u32))],
            format!("the text holds the control character U+{:04X}, which is not kept", c as u32),
        ));
    }
    let count = text.chars().count();
    (count > max).then(|| {
        FieldProblem::new(
            field,
            ProblemCode::TooLong,
            &[("max", max.to_string()), ("count", count.to_string())],
            format!("{count} characters is more than the {max} this field holds"),
        )
    })
}

/// Whether `text` holds a control character other than a line break or a tab.
pub(crate) fn has_control_character(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
}
