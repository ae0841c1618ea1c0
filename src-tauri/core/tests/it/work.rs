//! Procedures, results, exceptions and scope: each rule, and that every
//! mutation leaves one verifiable event.

use workbench_core::api;
use workbench_core::model::procedure::{
    Evaluation, NewProcedure, ProcedureKind, ProcedurePatch, ResultKind, ScopeDecision, Status,
};

use crate::support::Fixture;

const CONTROL: &str = "9.2.3.11.PB";

/// The demo's engagement as created, before the demo's sampling work, so
/// that these tests count events and exceptions from a known start.
fn demo(fx: &Fixture) -> std::path::PathBuf {
    crate::support::planned_demo(fx, "u")
}

fn events(path: &std::path::Path) -> i64 {
    let report = api::verify_log(path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    report.events
}

fn result(r: ResultKind) -> ProcedurePatch {
    ProcedurePatch { result: Some(Some(r)), ..ProcedurePatch::default() }
}

#[test]
fn the_library_plans_procedures_for_every_assessed_control() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let detail = api::control_detail(&path, CONTROL).unwrap();
    let kinds: Vec<_> = detail.procedures.iter().map(|p| (p.procedure.kind, p.procedure.evaluation)).collect();
    // Domain 9 has its own entries; the re-performance is fixed to operating,
    // the others follow the initial audit (design).
    assert_eq!(
        kinds,
        [
            (ProcedureKind::Inquiry, Evaluation::Design),
            (ProcedureKind::Inspection, Evaluation::Design),
            (ProcedureKind::Reperformance, Evaluation::Operating)
        ]
    );
    assert_eq!(detail.procedures[0].procedure.id, "9.2.3.11.PB/P1");
    assert!(detail.procedures[0].procedure.text_ja.contains("「特権IDの利用を記録し確認する」"));
    assert_eq!(detail.status, Some(Status::NotStarted));
    // Every assessed control has procedures; headings have none.
    let controls = api::list_controls(&path).unwrap();
    assert!(controls.iter().filter(|c| c.assessable).all(|c| c.procedures >= 2), "{controls:?}");
    assert!(controls.iter().filter(|c| !c.assessable).all(|c| c.procedures == 0 && c.status.is_none()));
    let planned: u32 = controls.iter().map(|c| c.procedures).sum();
    assert_eq!(api::list_procedures(&path).unwrap().len() as u32, planned);
    assert_eq!(events(&path), 1, "planning is part of the creation event");
}

#[test]
fn results_drive_the_status_and_result_of_the_control() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let ids: Vec<String> =
        api::control_detail(&path, CONTROL).unwrap().procedures.iter().map(|p| p.procedure.id.clone()).collect();

    let work = ProcedurePatch {
        work_done: Some("2026-05-12 情報システム部長に質問した。".into()),
        ..ProcedurePatch::default()
    };
    let p = api::update_procedure(&path, &ids[0], work, fx.ctx()).unwrap();
    assert_eq!(p.status(), Status::InProgress);
    assert_eq!(api::control_detail(&path, CONTROL).unwrap().status, Some(Status::InProgress));

    api::update_procedure(&path, &ids[0], result(ResultKind::NoException), fx.ctx()).unwrap();
    api::update_procedure(&path, &ids[1], result(ResultKind::NotApplicable), fx.ctx()).unwrap();
    let detail = api::control_detail(&path, CONTROL).unwrap();
    assert_eq!((detail.status, detail.result), (Some(Status::InProgress), None));

    api::update_procedure(&path, &ids[2], result(ResultKind::Exception), fx.ctx()).unwrap();
    let detail = api::control_detail(&path, CONTROL).unwrap();
    assert_eq!((detail.status, detail.result), (Some(Status::Done), Some(ResultKind::Exception)));
    let row = api::list_controls(&path).unwrap().into_iter().find(|c| c.id == CONTROL).unwrap();
    assert_eq!(
        (row.status, row.result, row.procedures_done, row.procedures),
        (Some(Status::Done), Some(ResultKind::Exception), 3, 3)
    );

    // Clearing a result reopens the control.
    let clear = ProcedurePatch { result: Some(None), ..ProcedurePatch::default() };
    assert_eq!(api::update_procedure(&path, &ids[2], clear, fx.ctx()).unwrap().result, None);
    assert_eq!(api::control_detail(&path, CONTROL).unwrap().result, None);
    assert_eq!(events(&path), 1 + 5);
}

#[test]
fn an_unchanged_save_records_no_event_and_each_change_records_one() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let id = format!("{CONTROL}/P1");
    let patch = ProcedurePatch {
        notes: Some("メモ".into()),
        assignee: Some(Some("佐藤 花子".into())),
        ..ProcedurePatch::default()
    };
    api::update_procedure(&path, &id, patch.clone(), fx.ctx()).unwrap();
    assert_eq!(events(&path), 2);
    api::update_procedure(&path, &id, patch, fx.ctx()).unwrap();
    assert_eq!(events(&path), 2, "saving the same values again is not a change");

    let last = api::recent_events(&path, 1).unwrap().remove(0);
    assert_eq!(last.kind, "procedure_updated");
    assert_eq!(last.actor, "佐藤 花子");
    let payload: serde_json::Value = serde_json::from_str(&last.payload).unwrap();
    let fields: Vec<&str> =
        payload["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["assignee", "notes"]);
    let row = api::list_controls(&path).unwrap().into_iter().find(|c| c.id == CONTROL).unwrap();
    assert_eq!(row.assignees, ["佐藤 花子"]);
}

#[test]
fn exceptions_are_numbered_facts_that_are_never_renumbered() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let p1 = format!("{CONTROL}/P1");
    let e1 = api::add_exception(&path, &p1, "2026年3月分の確認記録がなかった。", fx.ctx()).unwrap();
    let e2 = api::add_exception(&path, &p1, "承認者が申請者と同一の申請が1件あった。", fx.ctx()).unwrap();
    assert_eq!((e1.id.as_str(), e2.id.as_str()), ("E-0001", "E-0002"));
    assert_eq!(api::control_detail(&path, CONTROL).unwrap().procedures[0].procedure.exceptions.len(), 2);

    api::remove_exception(&path, "E-0001", fx.ctx()).unwrap();
    let e3 = api::add_exception(&path, &p1, "三件目", fx.ctx()).unwrap();
    assert_eq!(e3.id, "E-0003", "a removed number is not reused");
    let edited = api::edit_exception(&path, "E-0002", "承認者が申請者と同一の申請が2件あった。", fx.ctx()).unwrap();
    assert!(edited.text.contains("2件"));

    let dashboard = api::dashboard(&path, chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()).unwrap();
    let listed: Vec<(&str, &str)> =
        dashboard.exceptions.iter().map(|l| (l.exception.id.as_str(), l.control_id.as_str())).collect();
    assert_eq!(listed, [("E-0002", CONTROL), ("E-0003", CONTROL)]);

    assert_eq!(api::add_exception(&path, &p1, "   ", fx.ctx()).unwrap_err().kind(), "invalid");
    assert_eq!(api::add_exception(&path, "9.9.9.9/P1", "x", fx.ctx()).unwrap_err().kind(), "not_found");
    assert_eq!(api::edit_exception(&path, "E-0001", "x", fx.ctx()).unwrap_err().kind(), "not_found");
    assert_eq!(events(&path), 1 + 5);
}

#[test]
fn a_procedure_with_exceptions_cannot_be_removed_and_numbers_are_not_reused() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let p3 = format!("{CONTROL}/P3");
    api::add_exception(&path, &p3, "事実", fx.ctx()).unwrap();
    let err = api::remove_procedure(&path, &p3, fx.ctx()).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    assert!(err.to_string().contains("remove them first"), "{err}");
    api::remove_exception(&path, "E-0001", fx.ctx()).unwrap();
    api::remove_procedure(&path, &p3, fx.ctx()).unwrap();

    let new = NewProcedure {
        kind: ProcedureKind::Observation,
        evaluation: Evaluation::Operating,
        text_ja: "夜間バッチの実行画面を観察する。".into(),
        text_en: String::new(),
        assignee: Some("鈴木 一郎".into()),
        target: None,
    };
    let added = api::add_procedure(&path, CONTROL, new.clone(), fx.ctx()).unwrap();
    assert_eq!(added.id, format!("{CONTROL}/P4"), "P3 was removed; its number stays retired");
    let ids: Vec<String> =
        api::control_detail(&path, CONTROL).unwrap().procedures.iter().map(|p| p.procedure.id.clone()).collect();
    assert_eq!(ids, [format!("{CONTROL}/P1"), format!("{CONTROL}/P2"), format!("{CONTROL}/P4")]);

    let removed = api::recent_events(&path, 3).unwrap();
    let removal = removed.iter().find(|e| e.kind == "procedure_removed").unwrap();
    assert!(removal.payload.contains("再実施") || removal.payload.contains("reperformance"), "{}", removal.payload);

    assert_eq!(api::add_procedure(&path, "9.2.3", new.clone(), fx.ctx()).unwrap_err().kind(), "invalid", "a heading");
    assert_eq!(api::add_procedure(&path, "99.1.1.1", new, fx.ctx()).unwrap_err().kind(), "not_found");
    assert!(api::verify_log(&path, None).unwrap().is_intact());
}

#[test]
fn out_of_scope_needs_a_reason_and_changes_the_status() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let control = "17.1.2.2.B";
    let err = api::set_scope(&path, control, ScopeDecision::NotAdopted, " ", None, fx.ctx()).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    let detail =
        api::set_scope(&path, control, ScopeDecision::NotAdopted, "言明書で非採用（代替策あり）", None, fx.ctx())
            .unwrap();
    assert_eq!((detail.scope, detail.status), (ScopeDecision::NotAdopted, Some(Status::OutOfScope)));
    assert_eq!(detail.scope_reason, "言明書で非採用（代替策あり）");
    let liu =
        api::set_scope(&path, "10.1.1.1", ScopeDecision::LiuExcluded, "LIU の外部監査対象外", None, fx.ctx()).unwrap();
    assert_eq!(liu.status, Some(Status::OutOfScope));

    let dashboard = api::dashboard(&path, chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()).unwrap();
    let out: u32 = dashboard.progress.iter().map(|p| p.out_of_scope).sum();
    assert_eq!(out, 2);
    let domain17 = dashboard.progress.iter().find(|p| p.domain == "17").unwrap();
    assert_eq!((domain17.group.as_str(), domain17.domain_title_ja.as_str()), ("controls", "事業継続"));

    let back = api::set_scope(&path, control, ScopeDecision::InScope, "", None, fx.ctx()).unwrap();
    assert_eq!(
        (back.scope, back.status, back.scope_reason.as_str()),
        (ScopeDecision::InScope, Some(Status::NotStarted), "")
    );
    assert_eq!(
        api::set_scope(&path, "9.2", ScopeDecision::NotAdopted, "x", None, fx.ctx()).unwrap_err().kind(),
        "invalid"
    );
    assert_eq!(events(&path), 1 + 3);
}

#[test]
fn the_large_engagement_has_three_procedures_a_control_and_real_work() {
    let fx = Fixture::new();
    let path = fx.path("large.ismap");
    let options = workbench_core::generate::GenerateOptions { controls: 300, events: 1500, evidence: 0, samples: 0 };
    api::generate_large(&path, options, fx.ctx()).unwrap();
    let procedures = api::list_procedures(&path).unwrap();
    assert_eq!(procedures.len(), 900);
    let with_results = procedures.iter().filter(|p| p.procedure.result.is_some()).count();
    assert_eq!(with_results, 1500 - 1 - 900, "first pass records work, the second results");
    assert!(procedures.iter().any(|p| p.procedure.result == Some(ResultKind::Exception)));
    assert_eq!(events(&path), 1500);
}

#[test]
fn an_imported_procedure_library_plans_the_engagement_and_bad_ones_are_refused() {
    let fx = Fixture::new();
    let library = serde_json::json!({
        "format": "ismap-workbench-procedures", "format_version": 1, "name": "firm", "version": "2026.1",
        "entries": [
            {"group": "*", "domain": "*", "kind": "inspection", "text_ja": "「{title_ja}」の記録を閲覧する。", "text_en": "Inspect {title_en}."},
            {"group": "controls", "domain": "9", "kind": "reperformance", "evaluation": "operating", "text_ja": "再実施する。", "text_en": "Reperform."}
        ]
    });
    let file = fx.write("firm.json", library.to_string());
    let summary = api::import_procedure_library(&fx.data_dir(), &file, fx.ctx()).unwrap();
    assert_eq!((summary.name.as_str(), summary.entries), ("firm", 2));
    assert_eq!(api::import_procedure_library(&fx.data_dir(), &file, fx.ctx()).unwrap_err().kind(), "already_exists");

    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/catalogs/sample-catalog.json");
    api::import_catalog(&fx.data_dir(), &sample, &Default::default(), fx.ctx()).unwrap();
    let path = fx.path("firm.ismap");
    api::create_engagement(
        &path,
        &fx.data_dir(),
        "ismap-sample@2026.1",
        Some("firm@2026.1"),
        "u".into(),
        workbench_core::sample::demo_fields(),
        Default::default(),
        fx.ctx(),
    )
    .unwrap();
    let p = &api::control_detail(&path, CONTROL).unwrap().procedures;
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].procedure.kind, p[0].procedure.evaluation), (ProcedureKind::Reperformance, Evaluation::Operating));
    let other = &api::control_detail(&path, "12.1.2.1").unwrap().procedures;
    assert_eq!(other[0].procedure.text_ja, "「本番環境の変更を承認する」の記録を閲覧する。");

    // Bad libraries name the place, and nothing is stored.
    let unknown_key =
        fx.write("bad1.json", library.to_string().replace("\"kind\":\"inspection\"", "\"kind\":\"audit\""));
    let err = api::import_procedure_library(&fx.data_dir(), &unknown_key, fx.ctx()).unwrap_err();
    assert!(err.to_string().contains("line 1, column"), "{err}");
    let mut empty_text = library.clone();
    empty_text["version"] = "2".into();
    empty_text["entries"][1]["text_ja"] = "".into();
    empty_text["entries"][1]["text_en"] = " ".into();
    let err = api::import_procedure_library(&fx.data_dir(), &fx.write("bad2.json", empty_text.to_string()), fx.ctx())
        .unwrap_err();
    assert!(err.to_string().contains("entries[1]: the procedure has no text"), "{err}");
    assert_eq!(api::list_procedure_libraries(&fx.data_dir()).unwrap().len(), 1);
    let missing = api::create_engagement(
        &fx.path("x.ismap"),
        &fx.data_dir(),
        "ismap-sample@2026.1",
        Some("nope@1"),
        "u".into(),
        workbench_core::sample::demo_fields(),
        Default::default(),
        fx.ctx(),
    )
    .unwrap_err();
    assert_eq!(missing.kind(), "not_found");
    assert!(!fx.path("x.ismap").exists());
}

#[test]
fn an_excluded_objective_exempts_its_basic_controls_until_it_is_adopted_again_and_inherited_controls_name_their_service(
) {
    use workbench_core::model::procedure::InheritedService;
    let fx = Fixture::new();
    let path = fx.path("e.ismap");
    api::create_engagement_from_sample(
        &path,
        "u".into(),
        workbench_core::sample::demo_fields(),
        Default::default(),
        fx.ctx(),
    )
    .unwrap();
    let scope = |id: &str| {
        api::list_controls(&path).unwrap().into_iter().find(|c| c.id == id).map(|c| c.scope.to_string()).unwrap()
    };
    assert_eq!(scope("12.4.1.2.B"), "in_scope");
    // Excluding the objective needs its reason and exempts the .B control only.
    let err = api::set_scope(&path, "12.4.1", ScopeDecision::NotAdopted, " ", None, fx.ctx()).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    api::set_scope(&path, "12.4.1", ScopeDecision::NotAdopted, "言明書で除外", None, fx.ctx()).unwrap();
    assert_eq!(scope("12.4.1.2.B"), "exempt_by_objective");
    assert_eq!(scope("12.4.1.1"), "in_scope");
    let detail = api::control_detail(&path, "12.4.1.2.B").unwrap();
    assert_eq!(detail.scope_reason, "12.4.1: 言明書で除外");
    // An exemption is not set by hand, and an objective is only adopted or excluded.
    assert!(api::set_scope(&path, "12.4.1.1", ScopeDecision::ExemptByObjective, "x", None, fx.ctx()).is_err());
    assert!(api::set_scope(&path, "12.4.1", ScopeDecision::LiuExcluded, "x", None, fx.ctx()).is_err());
    // The .B control needs no result to finalize while exempt.
    let blocked = |id: &str| {
        api::finalize_check(&path, &[]).unwrap().blockers.iter().any(|b| b.item_id.starts_with(&format!("{id}/")))
    };
    assert!(!blocked("12.4.1.2.B"));
    // Adopting the objective again brings it back.
    api::set_scope(&path, "12.4.1", ScopeDecision::InScope, "", None, fx.ctx()).unwrap();
    assert_eq!(scope("12.4.1.2.B"), "in_scope");
    assert!(blocked("12.4.1.2.B"));

    // Inherited: the service and its registration number are required.
    let err = api::set_scope(&path, "11.1.2.1", ScopeDecision::Inherited, "", None, fx.ctx()).unwrap_err();
    let workbench_core::Error::Invalid { problems } = err else { panic!() };
    let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["inherited_from.service_name", "inherited_from.registration_number"]);
    let service = InheritedService { service_name: "基盤クラウド".into(), registration_number: "C-0001".into() };
    let detail =
        api::set_scope(&path, "11.1.2.1", ScopeDecision::Inherited, "", Some(service.clone()), fx.ctx()).unwrap();
    assert_eq!(detail.inherited_from, Some(service));
    assert_eq!(detail.scope_reason, "基盤クラウド (C-0001)");
    assert!(!blocked("11.1.2.1"), "an inherited control's procedures may be omitted");
    let report = api::verify_log(&path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
}

#[test]
fn procedures_name_their_assessment_target_and_only_records_are_sampled_by_default() {
    use workbench_core::model::procedure::AssessmentTarget;
    let fx = Fixture::new();
    let path = demo(&fx);
    // The default library names a target for each entry (CC2022 Attached table 8).
    let planned = api::control_detail(&path, CONTROL).unwrap().procedures;
    assert!(planned.iter().all(|p| p.procedure.target.is_some()), "{planned:?}");
    let inquiry = planned.iter().find(|p| p.procedure.kind == ProcedureKind::Inquiry).unwrap();
    assert_eq!(inquiry.procedure.target, Some(AssessmentTarget::DesignDocuments));
    assert!(!inquiry.sampled_by_default, "a design test of documents is not sampled");

    // An operating test of records is sampled by default; of settings it is not.
    let new = |target| NewProcedure {
        kind: ProcedureKind::Inspection,
        evaluation: Evaluation::Operating,
        text_ja: "閲覧する。".into(),
        text_en: String::new(),
        assignee: None,
        target,
    };
    let records = api::add_procedure(&path, CONTROL, new(Some(AssessmentTarget::Records)), fx.ctx()).unwrap();
    let settings = api::add_procedure(&path, CONTROL, new(Some(AssessmentTarget::Settings)), fx.ctx()).unwrap();
    let untold = api::add_procedure(&path, CONTROL, new(None), fx.ctx()).unwrap();
    let entries = api::control_detail(&path, CONTROL).unwrap().procedures;
    let sampled = |id: &str| entries.iter().find(|e| e.procedure.id == id).unwrap().sampled_by_default;
    assert!(sampled(&records.id));
    assert!(!sampled(&settings.id));
    assert!(sampled(&untold.id), "an operating test with no target named is sampled, as before targets existed");

    // Changing the target is one recorded change, replayed; clearing it too.
    let set = ProcedurePatch { target: Some(Some(AssessmentTarget::Facilities)), ..ProcedurePatch::default() };
    let before = events(&path);
    assert_eq!(
        api::update_procedure(&path, &records.id, set, fx.ctx()).unwrap().target,
        Some(AssessmentTarget::Facilities)
    );
    assert_eq!(events(&path), before + 1);
    let clear = ProcedurePatch { target: Some(None), ..ProcedurePatch::default() };
    assert_eq!(api::update_procedure(&path, &records.id, clear, fx.ctx()).unwrap().target, None);
    assert_eq!(events(&path), before + 2);
    // The sampling panel knows the target, for its default frequency.
    assert_eq!(api::sampling(&path, &settings.id).unwrap().target, Some(AssessmentTarget::Settings));
}

#[test]
fn a_library_entry_names_a_known_target_or_is_refused() {
    let fx = Fixture::new();
    let library = |target: &str| {
        serde_json::json!({
            "format": "ismap-workbench-procedures", "format_version": 1, "name": "firm", "version": target,
            "entries": [{"group": "*", "domain": "*", "kind": "inspection", "target": target, "text_ja": "閲覧する。", "text_en": "Inspect."}]
        })
        .to_string()
    };
    api::import_procedure_library(&fx.data_dir(), &fx.write("ok.json", library("records")), fx.ctx()).unwrap();
    let err =
        api::import_procedure_library(&fx.data_dir(), &fx.write("bad.json", library("minutes")), fx.ctx()).unwrap_err();
    assert_eq!(err.kind(), "import");
    assert!(err.to_string().contains("bad.json") && err.to_string().contains("minutes"), "{err}");
}
