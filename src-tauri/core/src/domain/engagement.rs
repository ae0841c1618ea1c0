//! The engagement itself: creating it and editing its fields. The rules of
//! the fields (corporate number, period, registration, team) are
//! `EngagementFields::problems` in `model::engagement`, checked here before
//! anything is recorded.

use crate::error::{Error, Result};
use crate::model::catalog::Catalog;
use crate::model::engagement::{AuditKind, EngagementFields, ProgramRules};
use crate::model::event::{CatalogRef, Change, FieldChange};
use crate::model::procedure::{Evaluation, ProcedureLibrary};

/// The first event of a new engagement: its fields (checked), its rules,
/// the catalog it is planned on (by content hash: the frozen copy is kept
/// beside the log and checked against it) and the procedure library its
/// procedures are planned from (whole, so that replay needs nothing else).
pub fn create(
    uuid: String,
    fields: EngagementFields,
    rules: ProgramRules,
    catalog: &Catalog,
    library: Option<&ProcedureLibrary>,
) -> Result<Change> {
    let problems = fields.problems(&rules);
    if !problems.is_empty() {
        return Err(Error::Invalid { problems });
    }
    Ok(Change::EngagementCreated {
        engagement_uuid: uuid,
        fields: Box::new(fields),
        rules,
        catalog: CatalogRef {
            name: catalog.name.clone(),
            version: catalog.version.clone(),
            content_sha256: catalog.content_hash(),
            item_count: catalog.items.len(),
        },
        procedure_library: library.map(|l| format!("{}@{}", l.name, l.version)),
        procedures_planned: library.map_or(0, |l| planned_count(catalog, l)),
        library: library.map(|l| Box::new(l.clone())),
        catalog_content: Some(Box::new(catalog.clone())),
    })
}

/// How many procedures a library plans for a catalog's assessed controls.
fn planned_count(catalog: &Catalog, library: &ProcedureLibrary) -> usize {
    catalog
        .items
        .iter()
        .filter(|i| catalog.id_scheme.is_assessable(i.level.as_deref().unwrap_or("")))
        .map(|i| library.entries_for(&i.group, &i.id).len())
        .sum()
}

/// The evaluation planned procedures get when their library entry fixes
/// none: an initial audit evaluates design; every later one, operation
/// (ISMAP.md section 3).
pub fn default_evaluation(kind: AuditKind) -> Evaluation {
    if kind == AuditKind::Initial {
        Evaluation::Design
    } else {
        Evaluation::Operating
    }
}

/// Replacing the engagement's fields by `actor`: refused while any rule is
/// broken; nothing to record when nothing changed. Relaxing separation of
/// duties (or restoring it) is a manager's or partner's decision, and so is
/// the team of an engagement whose roster holds keys (`keyed`): the team
/// says who may sign and who may change the roster.
pub fn edit(
    before: &EngagementFields,
    rules: &ProgramRules,
    after: &EngagementFields,
    actor: &str,
    keyed: bool,
) -> Result<Vec<Change>> {
    let problems = after.problems(rules);
    if !problems.is_empty() {
        return Err(Error::Invalid { problems });
    }
    if before.one_person_reason() != after.one_person_reason() {
        super::review::require_manager(before, actor, "decides whether one person signs every level")?;
    }
    if keyed && before.team != after.team {
        super::review::require_manager(before, actor, "changes the team of an engagement whose sign-offs are signed")?;
    }
    let changes = diff_fields(before, after)?;
    Ok(if changes.is_empty() { Vec::new() } else { vec![Change::EngagementEdited { changes }] })
}

/// The top-level fields (and the provider's, service's and assessor's
/// sub-fields) that differ, with their values before and after.
pub fn diff_fields(before: &EngagementFields, after: &EngagementFields) -> Result<Vec<FieldChange>> {
    let to_value = |f: &EngagementFields| serde_json::to_value(f).map_err(|e| Error::invalid("record", e.to_string()));
    let (before, after) = (to_value(before)?, to_value(after)?);
    let mut changes = Vec::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (key, a_value) in a {
            let b_value = b.get(key).cloned().unwrap_or(serde_json::Value::Null);
            match (b_value.as_object(), a_value.as_object()) {
                (Some(bo), Some(ao)) if key != "period" && key != "current_registration" => {
                    for (sub, av) in ao {
                        let bv = bo.get(sub).cloned().unwrap_or(serde_json::Value::Null);
                        if &bv != av {
                            changes.push(FieldChange { field: format!("{key}.{sub}"), before: bv, after: av.clone() });
                        }
                    }
                }
                _ if &b_value != a_value => {
                    changes.push(FieldChange { field: key.clone(), before: b_value, after: a_value.clone() });
                }
                _ => {}
            }
        }
        // A field left out when empty (an optional reason, the prior
        // period) that the edit cleared is a change to nothing.
        for (key, b_value) in b {
            if !a.contains_key(key) && !b_value.is_null() {
                changes.push(FieldChange {
                    field: key.clone(),
                    before: b_value.clone(),
                    after: serde_json::Value::Null,
                });
            }
        }
    }
    Ok(changes)
}

/// The fields after an edit event: each changed field (or sub-field) set to
/// its value after. The result must still be valid engagement fields.
pub fn edited(before: &EngagementFields, changes: &[FieldChange]) -> Result<EngagementFields> {
    let json_error = |e: serde_json::Error| Error::invalid("record", e.to_string());
    let mut value = serde_json::to_value(before).map_err(json_error)?;
    for c in changes {
        let mut target = &mut value;
        for part in c.field.split('.') {
            target = &mut target[part];
        }
        *target = c.after.clone();
    }
    serde_json::from_value(value).map_err(json_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::engagement::tests::fields;

    #[test]
    fn an_edit_with_a_broken_rule_is_refused_by_field() {
        let before = fields();
        let mut after = before.clone();
        after.provider.corporate_number = "1234567890123".into();
        let Err(Error::Invalid { problems }) = edit(&before, &ProgramRules::default(), &after, "山田 太郎", false)
        else {
            panic!("a bad corporate number must be refused")
        };
        assert_eq!(problems[0].field, "provider.corporate_number");
    }

    #[test]
    fn an_edit_records_each_changed_sub_field_and_replays_to_the_same_fields() {
        let before = fields();
        let mut after = before.clone();
        after.service.name = "別のサービス".into();
        after.second_review = true;
        let changes = edit(&before, &ProgramRules::default(), &after, "山田 太郎", false).unwrap();
        let [Change::EngagementEdited { changes }] = changes.as_slice() else { panic!("one edit event") };
        let names: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, ["second_review", "service.name"]);
        assert_eq!(edited(&before, changes).unwrap(), after);
    }

    #[test]
    fn nothing_changed_records_nothing() {
        let before = fields();
        assert!(edit(&before, &ProgramRules::default(), &before.clone(), "山田 太郎", false).unwrap().is_empty());
    }

    #[test]
    fn clearing_an_optional_field_is_recorded_and_replays_to_nothing() {
        let before = fields();
        let mut overridden = before.clone();
        overridden.period_rule_override = Some("OSO と協議済み".into());
        let cleared = edit(&overridden, &ProgramRules::default(), &before, "山田 太郎", false).unwrap();
        let Some(Change::EngagementEdited { changes }) = cleared.first() else { panic!("{cleared:?}") };
        assert_eq!(edited(&overridden, changes).unwrap().period_rule_override, None);
    }
}
