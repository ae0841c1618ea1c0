//! Controls changed during the period (CC2022 §2.2.4, FAQ KB0010866):
//! versions with dates and kinds, sample items assigned to the version in
//! force on their date, the refusals, and the report's list.

use std::path::PathBuf;

use chrono::NaiveDate;
use workbench_core::api;
use workbench_core::model::change::ControlChangeInput;
use workbench_core::model::review::{SignOffLevel, SignableKind};

use crate::support::Fixture;

/// The demo's change-management control, changed on 2026-04-01 by the demo,
/// with its sample of 25 tickets drawn by quarter over the whole period.
const CHANGED: &str = "4.4.1.1";
const SAMPLED: &str = "4.4.1.1/P3";
const OTHER: &str = "9.2.3.11.PB";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn demo(fx: &Fixture) -> PathBuf {
    let path = fx.path("demo.ismap");
    api::create_demo(&path, "u".into(), fx.ctx()).unwrap();
    path
}

fn input(on: &str, kind: &str, text: &str) -> ControlChangeInput {
    ControlChangeInput { effective: d(on), kind: kind.into(), text: text.into(), before: String::new() }
}

fn codes(err: workbench_core::Error) -> Vec<(String, String)> {
    match err {
        workbench_core::Error::Invalid { problems } => {
            problems.into_iter().map(|p| (p.field, p.code.to_string())).collect()
        }
        other => panic!("expected a refusal, got {other}"),
    }
}

#[test]
fn sample_items_on_either_side_of_a_change_are_tested_against_their_version() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let state = api::sampling(&path, SAMPLED).unwrap();
    assert_eq!(state.versions.len(), 2);
    assert_eq!((state.versions[0].from, state.versions[0].to), (d("2025-10-01"), d("2026-03-31")));
    assert_eq!((state.versions[1].from, state.versions[1].to), (d("2026-04-01"), d("2026-09-30")));
    let sample = state.sample.as_ref().unwrap();
    assert_eq!(state.item_versions.len(), sample.items.len());
    // Every item's version is the one whose dates hold the item's date.
    for iv in &state.item_versions {
        let date = iv.date.expect("the demo's tickets are dated");
        let expected = if date < d("2026-04-01") { 1 } else { 2 };
        assert_eq!(iv.version, Some(expected), "S{} dated {date}", iv.no);
    }
    assert!(state.item_versions.iter().any(|i| i.version == Some(1)));
    assert!(state.item_versions.iter().any(|i| i.version == Some(2)));
    assert!(state.untested_versions.is_empty());
    // The frame (118 tickets in the period) splits between the versions.
    assert_eq!(state.frame_by_version.iter().sum::<u32>(), 118);

    // A second change late in September: the sample (drawn by quarter)
    // holds no item after it, which is said, not hidden.
    api::record_control_change(&path, CHANGED, input("2026-09-29", "operation", "月次で確認する"), fx.ctx()).unwrap();
    let state = api::sampling(&path, SAMPLED).unwrap();
    assert_eq!(state.versions.len(), 3);
    let late: Vec<_> = state.item_versions.iter().filter(|i| i.version == Some(3)).collect();
    assert_eq!(state.untested_versions.is_empty(), !late.is_empty());
    assert!(late.iter().all(|i| i.date.unwrap() >= d("2026-09-29")));
}

#[test]
fn a_change_outside_the_period_of_an_unknown_kind_or_without_text_is_refused_and_nothing_is_written() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let before = std::fs::read(&path).unwrap();
    for (on, field, code) in [
        ("2025-10-01", "effective", "change_outside_period"),
        ("2025-06-30", "effective", "change_outside_period"),
        ("2026-10-01", "effective", "change_outside_period"),
        // The demo's change already took effect that day.
        ("2026-04-01", "effective", "change_date_taken"),
    ] {
        let err = api::record_control_change(&path, CHANGED, input(on, "mechanism", "x"), fx.ctx()).unwrap_err();
        assert_eq!(codes(err), [(field.to_string(), code.to_string())], "{on}");
    }
    let err = api::record_control_change(&path, OTHER, input("2026-05-01", "rename", "  "), fx.ctx()).unwrap_err();
    assert_eq!(
        codes(err),
        [("kind".to_string(), "unknown_change_kind".to_string()), ("text".to_string(), "required".to_string())]
    );
    // A heading (a control objective) does not change; an unknown control is not found.
    assert!(api::record_control_change(&path, "4.4.1", input("2026-05-01", "mechanism", "x"), fx.ctx()).is_err());
    let err =
        api::record_control_change(&path, "99.9.9.9", input("2026-05-01", "mechanism", "x"), fx.ctx()).unwrap_err();
    assert_eq!(err.kind().to_string(), "not_found");
    assert_eq!(std::fs::read(&path).unwrap(), before, "a refusal writes nothing");
}

#[test]
fn a_change_is_part_of_the_signed_control_and_replays_and_can_be_taken_back() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let detail = api::control_detail(&path, OTHER).unwrap();
    assert!(detail.changes.is_empty() && detail.versions.is_empty());

    let detail =
        api::record_control_change(&path, OTHER, input("2026-06-15", "regulations", "規程を改訂した"), fx.ctx())
            .unwrap();
    let id = detail.changes[0].id.clone();
    assert_eq!(id, "CHG-002", "the demo's change is CHG-001");
    assert_eq!(detail.versions.len(), 2);
    assert_eq!(detail.versions[1].kind.as_deref(), Some("regulations"));
    let report = api::verify_log(&path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");

    // Taken back, the control has no versions, and the number is not reused.
    let detail = api::remove_control_change(&path, &id, fx.ctx()).unwrap();
    assert!(detail.changes.is_empty());
    let detail =
        api::record_control_change(&path, OTHER, input("2026-06-16", "regulations", "規程を改訂した"), fx.ctx())
            .unwrap();
    assert_eq!(detail.changes[0].id, "CHG-003");
    let err = api::remove_control_change(&path, "CHG-999", fx.ctx()).unwrap_err();
    assert_eq!(err.kind().to_string(), "not_found");
}

#[test]
fn a_change_recorded_after_the_control_was_signed_marks_the_sign_off() {
    let fx = Fixture::new();
    let path = demo(&fx);
    // Sign the control itself as its preparer: a change of the control is
    // a change of what was signed.
    let control = "9.2.1.2";
    for p in api::control_detail(&path, control).unwrap().procedures {
        let patch = workbench_core::model::procedure::ProcedurePatch {
            work_done: Some("2026-03-02 質問した。".into()),
            result: Some(Some(workbench_core::model::procedure::ResultKind::NoException)),
            ..Default::default()
        };
        api::update_procedure(&path, &p.procedure.id, patch, fx.ctx()).unwrap();
    }
    api::sign_off(&path, SignableKind::Control, control, SignOffLevel::Preparer, fx.ctx()).unwrap();
    let signed = api::control_detail(&path, control).unwrap().review.unwrap();
    assert!(!signed.changed_after_signoff, "{signed:?}");
    api::record_control_change(&path, control, input("2026-02-01", "implementation", "x"), fx.ctx()).unwrap();
    let after = api::control_detail(&path, control).unwrap().review.unwrap();
    assert!(after.changed_after_signoff, "{after:?}");
}

#[test]
fn the_report_lists_changed_controls_with_their_versions_and_sampled_items() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let model = api::report_model(&path, d("2026-03-31"), fx.ctx()).unwrap();
    assert_eq!(model.changed_controls.len(), 1);
    let changed = &model.changed_controls[0];
    assert_eq!(changed.control_id, CHANGED);
    assert_eq!(changed.versions.len(), 2);
    assert_eq!(changed.versions[1].from, d("2026-04-01"));
    assert_eq!(changed.sampled_by_version.iter().sum::<u32>(), 25);
    assert!(changed.sampled_by_version.iter().all(|n| *n > 0), "{:?}", changed.sampled_by_version);
}

#[test]
fn a_new_period_that_would_leave_a_change_outside_it_is_refused_and_nothing_is_written() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let before = std::fs::read(&path).unwrap();
    let mut fields = api::show_engagement(&path).unwrap().fields;
    // The demo's change took effect on 2026-04-01: a period starting that day would not hold it.
    fields.period.start = d("2026-04-01");
    fields.period.end = d("2027-03-31");
    let err = api::edit_engagement(&path, fields.clone(), fx.ctx()).unwrap_err();
    assert_eq!(codes(err), [("period.start".to_string(), "period_leaves_change".to_string())]);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // Taken back first, the period may move.
    api::remove_control_change(&path, "CHG-001", fx.ctx()).unwrap();
    api::edit_engagement(&path, fields, fx.ctx()).unwrap();
    let report = api::verify_log(&path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
}
