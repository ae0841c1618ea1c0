//! The assessor's work on a control: its scope decision, its procedures and
//! the exceptions (例外事項) they find.

use serde_json::json;

use super::refuse;
use crate::error::{Error, FieldProblem, ProblemCode, Result};
use crate::model::event::{Change, FieldChange};
use crate::model::procedure::{
    ExceptionRecord, InheritedService, NewProcedure, Procedure, ProcedurePatch, ResultKind, ScopeDecision,
};

/// A catalog item as the work rules need it.
#[derive(Debug, Clone)]
pub struct ControlFacts {
    pub id: String,
    /// Detailed controls are assessed; objectives and headings only group them.
    pub assessable: bool,
    /// A control objective (統制目標, a 3-part ID), which may be excluded.
    pub objective: bool,
    /// The decision in effect (an exemption by the objective included).
    pub scope: ScopeDecision,
    pub scope_reason: String,
    /// The decision and reason recorded for the item itself.
    pub recorded: (ScopeDecision, String),
    pub inherited_from: Option<InheritedService>,
}

/// Refuses a heading where an assessed control is needed.
pub fn require_assessable(control: &ControlFacts) -> Result<()> {
    if control.assessable {
        Ok(())
    } else {
        Err(Error::invalid("control", format!("{} is a heading, not an assessed control", control.id)))
    }
}

/// What a procedure's workpaper still lacks before it may be signed or the
/// engagement finalized, each with the field it concerns. Empty means
/// complete. A result stands on what was done, so it needs the work done
/// written out (実施内容); 例外事項あり needs at least one exception
/// written as a fact, and 例外事項なし none. These are not firm choices but
/// what makes a workpaper re-performable (ISMAP.md section 3), so they are
/// not editable.
pub fn missing(p: &Procedure) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    let Some(result) = p.result else {
        out.push(FieldProblem::new("result", ProblemCode::NoResult, &[], format!("{} has no result", p.id)));
        return out;
    };
    if p.work_done.trim().is_empty() {
        let message = format!("{} has a result but no work done (実施内容) written", p.id);
        out.push(FieldProblem::new("work_done", ProblemCode::NoWorkDone, &[], message));
    }
    match result {
        ResultKind::Exception if p.exceptions.is_empty() => {
            let message = format!("{} is marked 例外事項あり but records no exception", p.id);
            out.push(FieldProblem::new("exceptions", ProblemCode::NoException, &[], message));
        }
        ResultKind::NoException if !p.exceptions.is_empty() => {
            let count = p.exceptions.len();
            let message = format!("{} is marked 例外事項なし but records {count} exception(s)", p.id);
            out.push(FieldProblem::new(
                "result",
                ProblemCode::ExceptionsRecorded,
                &[("count", count.to_string())],
                message,
            ));
        }
        _ => {}
    }
    out
}

/// Puts a control in or out of scope (CC2022 §2.2.4). Not adopting a
/// control needs the reason (kept, and not assessed); a control inherited
/// from a registered service names that service and its registration
/// number; a control objective may be excluded with its reason, which
/// exempts its `.B` controls (never set by hand).
pub fn set_scope(
    control: &ControlFacts,
    decision: ScopeDecision,
    reason: &str,
    inherited_from: Option<InheritedService>,
) -> Result<Vec<Change>> {
    if decision == ScopeDecision::ExemptByObjective {
        return Err(Error::invalid("decision", "an exemption follows from excluding the control objective"));
    }
    if control.objective {
        if !matches!(decision, ScopeDecision::InScope | ScopeDecision::NotAdopted) {
            return Err(Error::invalid(
                "decision",
                format!("a control objective ({}) is adopted or excluded", control.id),
            ));
        }
    } else {
        require_assessable(control)?;
    }
    let inherited_from = match decision {
        ScopeDecision::Inherited => {
            let service = inherited_from.map(|s| InheritedService {
                service_name: s.service_name.trim().to_string(),
                registration_number: s.registration_number.trim().to_string(),
            });
            let mut problems = Vec::new();
            let named = |f: fn(&InheritedService) -> &str| service.as_ref().is_some_and(|s| !f(s).is_empty());
            for (field, ok) in [
                ("inherited_from.service_name", named(|s| &s.service_name)),
                ("inherited_from.registration_number", named(|s| &s.registration_number)),
            ] {
                if !ok {
                    let message = "an inherited control names the registered service and its registration number";
                    problems.push(FieldProblem::new(field, ProblemCode::Required, &[], message.into()));
                }
            }
            if !problems.is_empty() {
                return Err(Error::Invalid { problems });
            }
            service
        }
        _ => None,
    };
    let needs_reason = matches!(decision, ScopeDecision::NotAdopted | ScopeDecision::LiuExcluded);
    if needs_reason && reason.trim().is_empty() {
        return Err(Error::required(
            "reason",
            "a control out of scope needs the reason (e.g. the provider's statement)",
        ));
    }
    let reason = if decision == ScopeDecision::InScope { String::new() } else { reason.trim().to_string() };
    if control.recorded == (decision, reason.clone()) && control.inherited_from == inherited_from {
        return Ok(Vec::new());
    }
    Ok(vec![Change::ScopeSet {
        control_id: control.id.clone(),
        decision,
        reason,
        before: control.recorded.0,
        inherited_from,
    }])
}

/// Adds a procedure to a control, under the next free ID (`next_id`).
pub fn add_procedure(control: &ControlFacts, next_id: String, new: NewProcedure) -> Result<Vec<Change>> {
    require_assessable(control)?;
    if new.text_ja.trim().is_empty() && new.text_en.trim().is_empty() {
        return Err(refuse(
            "text",
            ProblemCode::Required,
            &[],
            "a procedure needs a text in Japanese or English".into(),
        ));
    }
    let procedure = Procedure {
        id: next_id,
        control_id: control.id.clone(),
        kind: new.kind,
        evaluation: new.evaluation,
        text_ja: new.text_ja,
        text_en: new.text_en,
        assignee: new.assignee.filter(|a| !a.trim().is_empty()),
        work_done: String::new(),
        result: None,
        notes: String::new(),
        exceptions: Vec::new(),
        target: new.target,
    };
    Ok(vec![Change::ProcedureAdded { procedure: Box::new(procedure) }])
}

/// Changes the given fields of a procedure (autosave sends one field at a
/// time); records only the fields whose value differs.
pub fn update_procedure(before: &Procedure, patch: ProcedurePatch) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut diff = |field: &str, old: serde_json::Value, new: Option<serde_json::Value>| {
        if let Some(new) = new {
            if new != old {
                changes.push(FieldChange { field: field.into(), before: old, after: new });
            }
        }
    };
    diff("kind", json!(before.kind), patch.kind.map(|v| json!(v)));
    diff("evaluation", json!(before.evaluation), patch.evaluation.map(|v| json!(v)));
    diff("text_ja", json!(before.text_ja), patch.text_ja.map(|v| json!(v)));
    diff("text_en", json!(before.text_en), patch.text_en.map(|v| json!(v)));
    diff("assignee", json!(before.assignee), patch.assignee.map(|v| json!(v.filter(|a| !a.trim().is_empty()))));
    diff("work_done", json!(before.work_done), patch.work_done.map(|v| json!(v)));
    diff("result", json!(before.result), patch.result.map(|v| json!(v)));
    diff("notes", json!(before.notes), patch.notes.map(|v| json!(v)));
    diff("target", json!(before.target), patch.target.map(|v| json!(v)));
    if changes.is_empty() {
        Vec::new()
    } else {
        vec![Change::ProcedureUpdated { id: before.id.clone(), changes }]
    }
}

/// What keeps a procedure or an exception in place: the evidence that
/// supports it, and for a procedure its population or test grid.
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    /// Evidence items linked to it.
    pub evidence: Vec<String>,
    /// A procedure with a population or a test grid.
    pub sampled: bool,
}

/// Removes a procedure: refused while evidence supports it (the evidence
/// would dangle), while it has a population or a test grid (tested work
/// would be lost) or exceptions (remove them first).
pub fn remove_procedure(procedure: &Procedure, attached: &Attachments) -> Result<Vec<Change>> {
    refuse_if_evidence(&attached.evidence, "procedure", &procedure.id)?;
    if attached.sampled {
        return Err(Error::invalid(
            "procedure",
            format!("procedure {} has a population or a test grid; it cannot be removed", procedure.id),
        ));
    }
    if !procedure.exceptions.is_empty() {
        return Err(Error::invalid(
            "procedure",
            format!("procedure {} has {} exception(s); remove them first", procedure.id, procedure.exceptions.len()),
        ));
    }
    Ok(vec![Change::ProcedureRemoved { procedure: Box::new(procedure.clone()) }])
}

/// Records an exception found by a procedure, as a fact, under `next_id`.
pub fn add_exception(procedure: &Procedure, next_id: String, text: &str) -> Result<Vec<Change>> {
    if text.trim().is_empty() {
        return Err(refuse("text", ProblemCode::Required, &[], "an exception needs its facts written out".into()));
    }
    let exception = ExceptionRecord {
        id: next_id,
        procedure_id: procedure.id.clone(),
        text: text.trim().to_string(),
        sample_item: None,
        attribute: None,
    };
    Ok(vec![Change::ExceptionAdded { exception }])
}

pub fn edit_exception(before: &ExceptionRecord, text: &str) -> Result<Vec<Change>> {
    refuse_if_from_grid(before)?;
    if text.trim().is_empty() {
        let message = "an exception needs its facts written out; remove it instead".into();
        return Err(refuse("text", ProblemCode::Required, &[], message));
    }
    if before.text == text.trim() {
        return Ok(Vec::new());
    }
    Ok(vec![Change::ExceptionEdited { id: before.id.clone(), before: before.text.clone(), after: text.trim().into() }])
}

pub fn remove_exception(exception: &ExceptionRecord, evidence: &[String]) -> Result<Vec<Change>> {
    refuse_if_from_grid(exception)?;
    refuse_if_evidence(evidence, "exception", &exception.id)?;
    Ok(vec![Change::ExceptionRemoved { exception: exception.clone() }])
}

/// Evidence keeps pointing at what it supports; removing that thing first
/// would leave the evidence dangling, so the assessor unlinks it first.
pub fn refuse_if_evidence(evidence: &[String], what: &str, id: &str) -> Result<()> {
    if evidence.is_empty() {
        return Ok(());
    }
    Err(Error::invalid(
        what,
        format!("{id} is supported by evidence {}; unlink the evidence first", evidence.join(", ")),
    ))
}

/// Refuses to edit or remove by hand an exception that a grid failure made:
/// the cell is its source, so the cell is what changes.
pub fn refuse_if_from_grid(exception: &ExceptionRecord) -> Result<()> {
    match (&exception.sample_item, &exception.attribute) {
        (Some(item), Some(attribute)) => Err(refuse(
            "exception",
            ProblemCode::FromTestGrid,
            &[("item", item.clone()), ("attribute", attribute.clone())],
            format!(
                "{} comes from the failed test of {item}, attribute {attribute}; change that cell of the test grid instead",
                exception.id
            ),
        )),
        _ => Ok(()),
    }
}

/// The next procedure number of a control given by the file whose copy
/// code is `code` (empty for the engagement file itself, see
/// `model::ids`): one above the highest it ever used, counting removed
/// procedures (whose numbers stay in the log), so that a reference never
/// changes meaning.
pub fn next_procedure_id(control_id: &str, code: &str, used: impl IntoIterator<Item = String>) -> String {
    let prefix = format!("{control_id}/P");
    let highest = crate::model::ids::highest(used, &prefix, code);
    crate::model::ids::next(&prefix, code, 1, highest)
}

/// The next exception number of the file whose copy code is `code`:
/// `E-0001`, `E-0002`, ... (`E-A0001` in copy A), one above the highest it
/// ever gave, so numbers of removed exceptions are not reused.
pub fn next_exception_id(code: &str, highest: i64) -> String {
    crate::model::ids::next("E-", code, 4, highest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::procedure::{Evaluation, ProcedureKind, ResultKind};

    fn control(assessable: bool) -> ControlFacts {
        ControlFacts {
            id: "9.2.1.2".into(),
            assessable,
            objective: false,
            scope: ScopeDecision::InScope,
            scope_reason: String::new(),
            recorded: (ScopeDecision::InScope, String::new()),
            inherited_from: None,
        }
    }

    fn procedure() -> Procedure {
        Procedure {
            id: "9.2.1.2/P1".into(),
            control_id: "9.2.1.2".into(),
            kind: ProcedureKind::Inquiry,
            evaluation: Evaluation::Design,
            text_ja: "質問".into(),
            text_en: String::new(),
            assignee: None,
            work_done: String::new(),
            result: None,
            notes: String::new(),
            exceptions: Vec::new(),
            target: None,
        }
    }

    #[test]
    fn out_of_scope_needs_a_reason_and_headings_have_no_scope() {
        let err = set_scope(&control(true), ScopeDecision::NotAdopted, "  ", None).unwrap_err();
        assert!(matches!(&err, Error::Invalid { problems } if problems[0].field == "reason"));
        assert!(set_scope(&control(false), ScopeDecision::NotAdopted, "statement", None).is_err());
        let changes = set_scope(&control(true), ScopeDecision::NotAdopted, " statement ", None).unwrap();
        assert!(matches!(&changes[..], [Change::ScopeSet { reason, .. }] if reason == "statement"));
        assert!(set_scope(&control(true), ScopeDecision::InScope, "", None).unwrap().is_empty());
    }

    #[test]
    fn an_update_records_only_the_fields_that_differ() {
        let patch = ProcedurePatch {
            work_done: Some("閲覧した".into()),
            result: Some(Some(ResultKind::NoException)),
            notes: Some(String::new()),
            ..ProcedurePatch::default()
        };
        let changes = update_procedure(&procedure(), patch);
        let [Change::ProcedureUpdated { changes, .. }] = changes.as_slice() else { panic!("one update") };
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["work_done", "result"]);
    }

    #[test]
    fn a_procedure_with_evidence_a_grid_or_exceptions_stays() {
        let p = procedure();
        let linked = Attachments { evidence: vec!["EV-0001".into()], sampled: false };
        assert!(remove_procedure(&p, &linked).is_err());
        assert!(remove_procedure(&p, &Attachments { evidence: vec![], sampled: true }).is_err());
        let mut with_exception = p.clone();
        with_exception.exceptions.push(ExceptionRecord {
            id: "E-0001".into(),
            procedure_id: p.id.clone(),
            text: "x".into(),
            sample_item: None,
            attribute: None,
        });
        assert!(remove_procedure(&with_exception, &Attachments::default()).is_err());
        assert_eq!(remove_procedure(&p, &Attachments::default()).unwrap().len(), 1);
    }

    #[test]
    fn an_exception_from_the_grid_changes_only_through_its_cell() {
        let from_grid = ExceptionRecord {
            id: "E-0002".into(),
            procedure_id: "4.4.1.1/P3".into(),
            text: "承認なし".into(),
            sample_item: Some("4.4.1.1/P3/S4".into()),
            attribute: Some("A".into()),
        };
        let Err(Error::Invalid { problems }) = edit_exception(&from_grid, "別の文") else { panic!("refused") };
        assert_eq!(problems[0].code, "from_test_grid");
        assert!(remove_exception(&from_grid, &[]).is_err());
    }

    #[test]
    fn numbers_are_never_reused() {
        let used = ["9.2.1.2/P1".to_string(), "9.2.1.2/P3".to_string(), "9.2.1.20/P7".to_string()];
        assert_eq!(next_procedure_id("9.2.1.2", "", used.clone()), "9.2.1.2/P4");
        assert_eq!(next_procedure_id("9.2.1.2", "B", used), "9.2.1.2/PB1");
        assert_eq!(next_exception_id("", 0), "E-0001");
        assert_eq!(next_exception_id("", 41), "E-0042");
        assert_eq!(next_exception_id("C", 2), "E-C0003");
    }
}
