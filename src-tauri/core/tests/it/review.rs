//! Review and sign-off: each rule, the lock on a finalized engagement
//! (every mutating call of the API, enumerated), and tampering found by
//! `log verify`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use workbench_core::api;
use workbench_core::api::IntakeFile;
use workbench_core::model::event::{Actor, Context};
use workbench_core::model::evidence::{
    EvidenceKind, EvidenceLink, EvidenceMeta, EvidencePatch, LinkKind, PbcFields, PbcStatus,
};
use workbench_core::model::procedure::{
    Evaluation, NewProcedure, ProcedureKind, ProcedurePatch, ResultKind, ScopeDecision,
};
use workbench_core::model::review::{NoteStatus, NoteTargetKind, SignOffLevel, SignableKind};
use workbench_core::model::sampling::{CellInput, Frequency, PopulationColumns, SampleRequest, Tickmark};

use crate::support::Fixture;

const CONTROL: &str = "9.2.3.11.PB";
const P1: &str = "9.2.3.11.PB/P1";
/// The demo's sampled change-management procedure.
const SAMPLED: &str = "4.4.1.1/P3";
// The demo team (sample::demo_fields).
const ASSESSOR: &str = "佐藤 花子";
const REVIEWER: &str = "鈴木 一郎";
const MANAGER: &str = "山田 太郎";

struct Team {
    fx: Fixture,
    assessor: Actor,
    reviewer: Actor,
    manager: Actor,
    outsider: Actor,
}

impl Team {
    fn new() -> Team {
        Team {
            fx: Fixture::new(),
            assessor: Actor::new(ASSESSOR),
            reviewer: Actor::new(REVIEWER),
            manager: Actor::new(MANAGER),
            outsider: Actor::new("部外者"),
        }
    }

    fn ctx<'a>(&'a self, actor: &'a Actor) -> Context<'a> {
        Context { actor, clock: &self.fx.clock }
    }

    fn demo(&self) -> PathBuf {
        let path = self.fx.path("demo.ismap");
        api::create_demo(&path, "u".into(), self.ctx(&self.assessor)).unwrap();
        path
    }

    fn record(&self, path: &Path, id: &str, result: ResultKind) {
        let patch = ProcedurePatch {
            work_done: Some("2026-05-12 質問した。".into()),
            result: Some(Some(result)),
            ..ProcedurePatch::default()
        };
        api::update_procedure(path, id, patch, self.ctx(&self.assessor)).unwrap();
    }
}

fn code(err: &workbench_core::Error) -> String {
    match err {
        workbench_core::Error::Invalid { problems } => problems[0].code.to_string(),
        other => other.kind().to_string(),
    }
}

fn intact(path: &Path) {
    let report = api::verify_log(path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
}

#[test]
fn preparer_then_reviewer_by_different_people_with_the_roles_to_sign() {
    let t = Team::new();
    let path = t.demo();
    let sign = |actor: &Actor, level| api::sign_off(&path, SignableKind::Procedure, P1, level, t.ctx(actor));

    // No result yet: nothing to sign.
    assert_eq!(code(&sign(&t.assessor, SignOffLevel::Preparer).unwrap_err()), "no_result");
    t.record(&path, P1, ResultKind::NoException);
    // A reviewer's sign-off needs the preparer's first.
    assert_eq!(code(&sign(&t.reviewer, SignOffLevel::Reviewer).unwrap_err()), "previous_level_missing");
    // Someone not on the team signs nothing.
    assert_eq!(code(&sign(&t.outsider, SignOffLevel::Preparer).unwrap_err()), "not_on_team");

    let state = sign(&t.assessor, SignOffLevel::Preparer).unwrap();
    assert_eq!(state.signoffs.len(), 1);
    assert_eq!(state.signoffs[0].signer, ASSESSOR);
    assert_eq!(state.signoffs[0].content_sha256.len(), 64);
    assert!(!state.complete);
    assert_eq!(sign(&t.assessor, SignOffLevel::Preparer).unwrap_err().kind(), "already_exists");
    // An assessor cannot review, and the preparer cannot review their own work.
    assert_eq!(code(&sign(&t.assessor, SignOffLevel::Reviewer).unwrap_err()), "role_not_allowed");
    let mut fields = api::show_engagement(&path).unwrap().fields;
    fields.team.iter_mut().find(|m| m.name == ASSESSOR).unwrap().role =
        workbench_core::model::engagement::Role::Manager;
    api::edit_engagement(&path, fields, t.ctx(&t.manager)).unwrap();
    assert_eq!(code(&sign(&t.assessor, SignOffLevel::Reviewer).unwrap_err()), "same_person");
    // No second level unless the engagement asks for one.
    assert_eq!(code(&sign(&t.manager, SignOffLevel::SecondReviewer).unwrap_err()), "no_second_review");

    let state = sign(&t.reviewer, SignOffLevel::Reviewer).unwrap();
    assert!(state.complete, "{state:?}");
    assert_eq!(api::recent_events(&path, 1).unwrap()[0].kind, "signed_off");
    intact(&path);
}

#[test]
fn an_edit_after_sign_off_marks_the_item_shows_the_change_and_withdraws_the_reviewer() {
    let t = Team::new();
    let path = t.demo();
    for id in ["9.2.3.11.PB/P1", "9.2.3.11.PB/P2", "9.2.3.11.PB/P3"] {
        t.record(&path, id, ResultKind::NoException);
    }
    for (kind, id) in [(SignableKind::Procedure, P1), (SignableKind::Control, CONTROL)] {
        api::sign_off(&path, kind, id, SignOffLevel::Preparer, t.ctx(&t.assessor)).unwrap();
        api::sign_off(&path, kind, id, SignOffLevel::Reviewer, t.ctx(&t.reviewer)).unwrap();
    }
    let patch =
        ProcedurePatch { work_done: Some("2026-05-20 再度質問した。".into()), ..ProcedurePatch::default() };
    api::update_procedure(&path, P1, patch, t.ctx(&t.assessor)).unwrap();

    let state = api::review_state(&path, SignableKind::Procedure, P1).unwrap();
    assert!(state.changed_after_signoff);
    assert!(!state.complete);
    assert_eq!(state.signoffs.iter().map(|s| s.level).collect::<Vec<_>>(), [SignOffLevel::Preparer]);
    let change = state.changes.iter().find(|c| c.field == "procedure.work_done").unwrap();
    assert_eq!(change.before, "2026-05-12 質問した。");
    assert_eq!(change.after, "2026-05-20 再度質問した。");
    // The control, whose content includes the procedure's, changed too.
    let control = api::review_state(&path, SignableKind::Control, CONTROL).unwrap();
    assert!(control.changed_after_signoff);
    // Each withdrawal is an event of its own.
    let kinds: Vec<String> = api::recent_events(&path, 3).unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["changed_after_signoff", "changed_after_signoff", "procedure_updated"]);
    let rows = api::list_controls(&path).unwrap();
    assert!(rows.iter().find(|r| r.id == CONTROL).unwrap().changed_after_signoff);
    assert_eq!(api::review_summary(&path).unwrap().changed_after_signoff, 2);

    // The preparer signs again; the reviewer then signs again too.
    api::sign_off(&path, SignableKind::Procedure, P1, SignOffLevel::Preparer, t.ctx(&t.assessor)).unwrap();
    let state = api::sign_off(&path, SignableKind::Procedure, P1, SignOffLevel::Reviewer, t.ctx(&t.reviewer)).unwrap();
    assert!(state.complete && !state.changed_after_signoff);
    intact(&path);
}

#[test]
fn removing_a_signed_procedure_is_a_recorded_change_not_tampering() {
    let t = Team::new();
    let path = t.demo();
    let p3 = "9.2.3.11.PB/P3";
    t.record(&path, p3, ResultKind::NoException);
    api::sign_off(&path, SignableKind::Procedure, p3, SignOffLevel::Preparer, t.ctx(&t.assessor)).unwrap();
    api::sign_off(&path, SignableKind::Procedure, p3, SignOffLevel::Reviewer, t.ctx(&t.reviewer)).unwrap();
    api::remove_procedure(&path, p3, t.ctx(&t.assessor)).unwrap();
    let last = api::recent_events(&path, 1).unwrap().remove(0);
    assert_eq!(last.kind, "changed_after_signoff");
    assert!(last.payload.contains(p3), "{}", last.payload);
    intact(&path);
}

#[test]
fn evidence_and_exceptions_are_part_of_what_was_signed() {
    let t = Team::new();
    let path = t.demo();
    t.record(&path, P1, ResultKind::NoException);
    api::sign_off(&path, SignableKind::Procedure, P1, SignOffLevel::Preparer, t.ctx(&t.assessor)).unwrap();
    let file = t.fx.write("memo.txt", "面談記録");
    let meta = EvidenceMeta {
        title: "面談記録".into(),
        description: String::new(),
        kind: EvidenceKind::InterviewMemo,
        obtained_from: String::new(),
        obtained_by: ASSESSOR.into(),
        obtained_at: None,
        as_of: NaiveDate::from_ymd_opt(2026, 5, 12).unwrap(),
    };
    let link = vec![EvidenceLink { kind: LinkKind::Procedure, id: P1.into() }];
    api::add_evidence(&path, &[IntakeFile { path: file, meta }], &link, t.ctx(&t.assessor), &mut |_| true).unwrap();
    let state = api::review_state(&path, SignableKind::Procedure, P1).unwrap();
    assert!(state.changed_after_signoff, "linking evidence changes what was signed");
    assert!(state.changes.iter().any(|c| c.field == "evidence"), "{:?}", state.changes);

    // Signed again with the evidence, the evidence cannot be withdrawn from
    // under the sign-off; unlinking it first is a visible change.
    api::sign_off(&path, SignableKind::Procedure, P1, SignOffLevel::Preparer, t.ctx(&t.assessor)).unwrap();
    let refused = api::remove_evidence(&path, "EV-0001", "差し替え", t.ctx(&t.assessor)).unwrap_err();
    assert_eq!(code(&refused), "signed_off");
    api::unlink_evidence(&path, "EV-0001", link[0].clone(), t.ctx(&t.assessor)).unwrap();
    assert!(api::review_state(&path, SignableKind::Procedure, P1).unwrap().changed_after_signoff);
    api::remove_evidence(&path, "EV-0001", "差し替え", t.ctx(&t.assessor)).unwrap();
    intact(&path);
}

#[test]
fn review_notes_go_from_open_to_answered_to_cleared_by_their_author_or_a_manager() {
    let t = Team::new();
    let path = t.demo();
    let note =
        api::add_note(&path, NoteTargetKind::Procedure, P1, "承認者の記録も閲覧してください。", t.ctx(&t.reviewer))
            .unwrap();
    assert_eq!((note.id.as_str(), note.status), ("RN-001", NoteStatus::Open));
    assert_eq!(
        api::add_note(&path, NoteTargetKind::Exception, "E-0099", "x", t.ctx(&t.reviewer)).unwrap_err().kind(),
        "not_found"
    );
    let answered = api::answer_note(&path, &note.id, "承認記録を閲覧し、追記しました。", t.ctx(&t.assessor)).unwrap();
    assert_eq!(answered.status, NoteStatus::Answered);
    assert_eq!(answered.answered_by.as_deref(), Some(ASSESSOR));
    // The assessor, who did not write it, cannot clear it.
    assert_eq!(code(&api::clear_note(&path, &note.id, t.ctx(&t.assessor)).unwrap_err()), "not_author");
    let cleared = api::clear_note(&path, &note.id, t.ctx(&t.reviewer)).unwrap();
    assert_eq!(cleared.status, NoteStatus::Cleared);
    // A manager may clear anyone's note.
    let other = api::add_note(&path, NoteTargetKind::Control, CONTROL, "範囲を確認", t.ctx(&t.reviewer)).unwrap();
    api::clear_note(&path, &other.id, t.ctx(&t.manager)).unwrap();
    let detail = api::control_detail(&path, CONTROL).unwrap();
    assert_eq!(detail.notes.len(), 2);
    assert_eq!(api::review_summary(&path).unwrap().open_notes, 0);
    intact(&path);
}

#[test]
fn finalizing_needs_results_sign_offs_at_every_level_and_no_open_note() {
    let t = Team::new();
    let path = t.fx.path("final.ismap");
    api::create_demo_finalized(&path, "u".into(), t.ctx(&t.manager)).unwrap();
    assert!(api::show_engagement(&path).unwrap().finalized.is_some());
    intact(&path);

    // Reopened, a note and a change block it again, each named.
    assert_eq!(code(&api::reopen(&path, "訂正", t.ctx(&t.reviewer)).unwrap_err()), "role_not_allowed");
    assert_eq!(api::reopen(&path, " ", t.ctx(&t.manager)).unwrap_err().kind(), "invalid");
    api::reopen(&path, "報告書の誤記訂正のため", t.ctx(&t.manager)).unwrap();
    let note = api::add_note(&path, NoteTargetKind::Control, CONTROL, "確認", t.ctx(&t.reviewer)).unwrap();
    let patch = ProcedurePatch { notes: Some("追記".into()), ..ProcedurePatch::default() };
    api::update_procedure(&path, P1, patch, t.ctx(&t.assessor)).unwrap();
    let check = api::finalize_check(&path, &[]).unwrap();
    assert!(!check.ready);
    let mut codes: Vec<(String, String)> =
        check.blockers.iter().map(|b| (b.code.to_string(), b.item_id.clone())).collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            ("changed_after_signoff".to_string(), CONTROL.to_string()),
            ("changed_after_signoff".to_string(), P1.to_string()),
            ("not_signed".to_string(), CONTROL.to_string()),
            ("not_signed".to_string(), P1.to_string()),
            ("open_note".to_string(), note.id.clone()),
        ]
    );
    let refused = api::finalize(&path, t.ctx(&t.manager)).unwrap_err();
    assert_eq!(refused.kind(), "invalid");
    assert!(refused.to_string().contains(&note.id), "{refused}");

    api::clear_note(&path, &note.id, t.ctx(&t.reviewer)).unwrap();
    for (kind, id) in [(SignableKind::Procedure, P1), (SignableKind::Control, CONTROL)] {
        api::sign_off(&path, kind, id, SignOffLevel::Preparer, t.ctx(&t.assessor)).unwrap();
        api::sign_off(&path, kind, id, SignOffLevel::Reviewer, t.ctx(&t.reviewer)).unwrap();
    }
    assert!(api::finalize_check(&path, &[]).unwrap().ready);
    assert_eq!(code(&api::finalize(&path, t.ctx(&t.assessor)).unwrap_err()), "role_not_allowed");
    api::finalize(&path, t.ctx(&t.manager)).unwrap();
    // The history keeps every sign-off, the earlier ones too.
    let history = api::item_history(&path, P1).unwrap();
    let signed = history
        .iter()
        .filter(|e| e.kind == "signed_off")
        .filter(|e| serde_json::from_str::<serde_json::Value>(&e.payload).unwrap()["signoff"]["item_id"] == P1)
        .count();
    assert_eq!(signed, 4, "two before reopening, two after");
    assert!(history.iter().any(|e| e.kind == "changed_after_signoff"));
    intact(&path);
}

#[test]
fn a_second_level_is_required_when_the_engagement_asks_for_it() {
    let t = Team::new();
    let path = t.demo();
    let mut fields = api::show_engagement(&path).unwrap().fields;
    fields.second_review = true;
    api::edit_engagement(&path, fields, t.ctx(&t.manager)).unwrap();
    t.record(&path, P1, ResultKind::NoException);
    let sign = |actor: &Actor, level| api::sign_off(&path, SignableKind::Procedure, P1, level, t.ctx(actor));
    sign(&t.assessor, SignOffLevel::Preparer).unwrap();
    assert!(!sign(&t.reviewer, SignOffLevel::Reviewer).unwrap().complete);
    assert_eq!(code(&sign(&t.reviewer, SignOffLevel::SecondReviewer).unwrap_err()), "role_not_allowed");
    let state = sign(&t.manager, SignOffLevel::SecondReviewer).unwrap();
    assert!(state.complete);
    assert_eq!(state.required.len(), 3);
}

/// Every call of the API that changes an engagement, each with arguments
/// that would succeed on an open engagement. A new mutating call must be
/// added here; the test then shows that the lock refuses it too.
#[test]
fn every_mutating_call_is_refused_on_a_finalized_engagement() {
    let t = Team::new();
    let path = t.fx.path("final.ismap");
    api::create_demo_finalized(&path, "u".into(), t.ctx(&t.manager)).unwrap();
    let file = t.fx.write("x.txt", "x");
    let population = t.fx.write("population.csv", "番号,日付,件名\nX-1,2026-01-05,a\n");
    let before = std::fs::read(&path).unwrap();
    let ctx = t.ctx(&t.manager);
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let meta = EvidenceMeta {
        title: "x".into(),
        description: String::new(),
        kind: EvidenceKind::Other,
        obtained_from: String::new(),
        obtained_by: String::new(),
        obtained_at: None,
        as_of: today,
    };
    let pbc = PbcFields {
        item: "x".into(),
        requested_on: today,
        due: None,
        from_whom: String::new(),
        status: PbcStatus::Requested,
        notes: String::new(),
    };
    let fields = api::show_engagement(&path).unwrap().fields;
    let link = EvidenceLink { kind: LinkKind::Procedure, id: P1.into() };
    let keys = t.fx.path("keys");
    workbench_core::keys::create(&keys, "山田 太郎", "pin-0000", "2026-04-01T00:00:00.000Z".into()).unwrap();
    let key = workbench_core::keys::unlock(&keys, "山田 太郎", "pin-0000").unwrap();
    let card = t.fx.path("card.json");
    std::fs::write(
        &card,
        serde_json::to_string(&workbench_core::keys::card(&keys, "山田 太郎", None).unwrap()).unwrap(),
    )
    .unwrap();
    type Call<'a> = Box<dyn Fn() -> workbench_core::Result<()> + 'a>;
    let calls: Vec<(&str, Call)> = vec![
        (
            "edit_engagement",
            Box::new(|| {
                api::edit_engagement(
                    &path,
                    {
                        let mut f = fields.clone();
                        f.service.name = "別名".into();
                        f
                    },
                    ctx,
                )
                .map(|_| ())
            }),
        ),
        (
            "set_scope",
            Box::new(|| api::set_scope(&path, CONTROL, ScopeDecision::NotAdopted, "理由", None, ctx).map(|_| ())),
        ),
        (
            "add_procedure",
            Box::new(|| {
                let new = NewProcedure {
                    kind: ProcedureKind::Inquiry,
                    evaluation: Evaluation::Design,
                    text_ja: "追加".into(),
                    text_en: String::new(),
                    assignee: None,
                    target: None,
                };
                api::add_procedure(&path, CONTROL, new, ctx).map(|_| ())
            }),
        ),
        (
            "update_procedure",
            Box::new(|| {
                api::update_procedure(
                    &path,
                    P1,
                    ProcedurePatch { notes: Some("n".into()), ..ProcedurePatch::default() },
                    ctx,
                )
                .map(|_| ())
            }),
        ),
        ("remove_procedure", Box::new(|| api::remove_procedure(&path, "9.2.3.11.PB/P3", ctx))),
        ("add_exception", Box::new(|| api::add_exception(&path, P1, "事実", ctx).map(|_| ()))),
        ("edit_exception", Box::new(|| api::edit_exception(&path, "E-0001", "事実を訂正", ctx).map(|_| ()))),
        ("remove_exception", Box::new(|| api::remove_exception(&path, "E-0001", ctx))),
        (
            "add_evidence",
            Box::new(|| {
                api::add_evidence(
                    &path,
                    &[IntakeFile { path: file.clone(), meta: meta.clone() }],
                    &[],
                    ctx,
                    &mut |_| true,
                )
                .map(|_| ())
            }),
        ),
        (
            "edit_evidence",
            Box::new(|| {
                api::edit_evidence(
                    &path,
                    "EV-0001",
                    EvidencePatch { title: Some("t".into()), ..EvidencePatch::default() },
                    ctx,
                )
                .map(|_| ())
            }),
        ),
        ("link_evidence", Box::new(|| api::link_evidence(&path, "EV-0001", link.clone(), ctx).map(|_| ()))),
        ("unlink_evidence", Box::new(|| api::unlink_evidence(&path, "EV-0001", link.clone(), ctx).map(|_| ()))),
        ("remove_evidence", Box::new(|| api::remove_evidence(&path, "EV-0001", "r", ctx).map(|_| ()))),
        ("add_pbc", Box::new(|| api::add_pbc(&path, pbc.clone(), ctx).map(|_| ()))),
        ("edit_pbc", Box::new(|| api::edit_pbc(&path, "PBC-001", pbc.clone(), ctx).map(|_| ()))),
        (
            "sign_off",
            Box::new(|| api::sign_off(&path, SignableKind::Procedure, P1, SignOffLevel::Preparer, ctx).map(|_| ())),
        ),
        (
            "sign_off_with_key",
            Box::new(|| {
                api::sign_off_with_key(&path, SignableKind::Procedure, P1, SignOffLevel::Preparer, Some(&key), ctx)
                    .map(|_| ())
            }),
        ),
        ("add_member_key", Box::new(|| api::add_member_key(&path, &card, &key, ctx).map(|_| ()))),
        ("remove_member_key", Box::new(|| api::remove_member_key(&path, &key.fingerprint, "r", &key, ctx).map(|_| ()))),
        ("add_note", Box::new(|| api::add_note(&path, NoteTargetKind::Control, CONTROL, "n", ctx).map(|_| ()))),
        ("answer_note", Box::new(|| api::answer_note(&path, "RN-001", "a", ctx).map(|_| ()))),
        ("clear_note", Box::new(|| api::clear_note(&path, "RN-001", ctx).map(|_| ()))),
        ("finalize", Box::new(|| api::finalize(&path, ctx).map(|_| ()))),
        ("finalize_with_key", Box::new(|| api::finalize_with_key(&path, Some(&key), ctx).map(|_| ()))),
        (
            "import_population",
            Box::new(|| {
                let columns = PopulationColumns { item_id: 0, date: Some(1), description: Some(2) };
                api::import_population(&path, SAMPLED, &population, &columns, ctx).map(|_| ())
            }),
        ),
        ("set_population_count", Box::new(|| api::set_population_count(&path, SAMPLED, 10, ctx).map(|_| ()))),
        (
            "select_sample",
            Box::new(|| {
                let request = SampleRequest {
                    frequency: Frequency::Daily,
                    size_override: None,
                    override_reason: None,
                    seed: Some(1),
                    by_quarter: false,
                };
                api::select_sample(&path, &t.fx.data_dir(), SAMPLED, &request, ctx).map(|_| ())
            }),
        ),
        (
            "select_sample_manually",
            Box::new(|| api::select_sample_manually(&path, SAMPLED, &["CHG-0003".into()], "r", ctx).map(|_| ())),
        ),
        ("add_sample_item", Box::new(|| api::add_sample_item(&path, SAMPLED, "CHG-0003", "r", ctx).map(|_| ()))),
        ("discard_sample", Box::new(|| api::discard_sample(&path, SAMPLED, "r", ctx).map(|_| ()))),
        ("add_attribute", Box::new(|| api::add_attribute(&path, SAMPLED, "属性", ctx).map(|_| ()))),
        ("edit_attribute", Box::new(|| api::edit_attribute(&path, SAMPLED, "A", "属性", ctx).map(|_| ()))),
        ("remove_attribute", Box::new(|| api::remove_attribute(&path, SAMPLED, "B", ctx).map(|_| ()))),
        (
            "set_cell",
            Box::new(|| {
                let input = CellInput { result: None, tickmark: None, comment: String::new() };
                api::set_cell(&path, SAMPLED, 1, "A", &input, ctx).map(|_| ())
            }),
        ),
        (
            "set_tickmark",
            Box::new(|| {
                let mark = Tickmark { mark: "◎".into(), meaning_ja: "確認".into(), meaning_en: "Checked".into() };
                api::set_tickmark(&path, mark, ctx).map(|_| ())
            }),
        ),
        (
            "record_representation",
            Box::new(|| {
                let mut input = representation_input();
                input.signatory_title = "社長".into();
                api::record_representation(&path, input, ctx).map(|_| ())
            }),
        ),
        (
            "add_subsequent_event",
            Box::new(|| {
                let input = workbench_core::model::representation::SubsequentEventInput {
                    occurred_on: "2026-03-01".parse().unwrap(),
                    description: "d".into(),
                    effect: String::new(),
                    evidence: Vec::new(),
                };
                api::add_subsequent_event(&path, input, ctx).map(|_| ())
            }),
        ),
        ("remove_subsequent_event", Box::new(|| api::remove_subsequent_event(&path, "SE-001", ctx).map(|_| ()))),
        (
            "record_control_change",
            Box::new(|| {
                let input = workbench_core::model::change::ControlChangeInput {
                    effective: "2026-05-01".parse().unwrap(),
                    kind: "operation".into(),
                    text: "x".into(),
                    before: String::new(),
                };
                api::record_control_change(&path, CONTROL, input, ctx).map(|_| ())
            }),
        ),
        ("remove_control_change", Box::new(|| api::remove_control_change(&path, "CHG-001", ctx).map(|_| ()))),
    ];
    for (name, call) in &calls {
        let err = call().expect_err(name);
        // Calls whose target does not exist in the demo (EV-0001, PBC-001,
        // RN-001) may fail on that first; the others must say `locked`.
        let missing_target = err.kind() == "not_found"
            && [
                "edit_evidence",
                "link_evidence",
                "unlink_evidence",
                "remove_evidence",
                "edit_pbc",
                "answer_note",
                "clear_note",
            ]
            .contains(name);
        assert!(err.kind() == "locked" || missing_target, "{name}: {err}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was written");

    // With the targets present (made while open), every such call says `locked`.
    api::reopen(&path, "対象を用意する", t.ctx(&t.manager)).unwrap();
    api::add_evidence(
        &path,
        &[IntakeFile { path: file.clone(), meta: meta.clone() }],
        std::slice::from_ref(&link),
        ctx,
        &mut |_| true,
    )
    .unwrap();
    api::add_pbc(&path, pbc.clone(), ctx).unwrap();
    let note = api::add_note(&path, NoteTargetKind::Control, CONTROL, "n", t.ctx(&t.reviewer)).unwrap();
    api::clear_note(&path, &note.id, t.ctx(&t.reviewer)).unwrap();
    api::add_note(&path, NoteTargetKind::Control, CONTROL, "n2", t.ctx(&t.reviewer)).unwrap();
    // Lock it directly (finalize would refuse: the evidence changed P1), as
    // a finalized file from before these targets would be.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE engagement SET finalized_by = 'x', finalized_at = 'y' WHERE id = 1", []).unwrap();
    drop(conn);
    for (name, call) in &calls {
        let err = call().expect_err(name);
        assert_eq!(err.kind(), "locked", "{name}: {err}");
    }

    // The list above is every function of the API that takes a `Context`
    // (the mark of a change) and works on an existing engagement. A new one
    // fails here until it is added above, and so shown to be locked too.
    let source = include_str!("../../src/api/mod.rs");
    let mut with_context: Vec<&str> = source
        .split("pub fn ")
        .skip(1)
        .filter(|f| f.split_once('{').is_some_and(|(signature, _)| signature.contains("Context<'_>")))
        .filter_map(|f| f.split_once('(').map(|(name, _)| name))
        .collect();
    // Creating files, importing into the library, writing an export, and
    // reopening (the one change a finalized engagement accepts).
    let not_changes = [
        "import_catalog",
        "import_procedure_library",
        "create_engagement",
        "create_engagement_from_sample",
        "create_demo",
        "create_demo_finalized",
        "create_demo_with_keys",
        "generate_large",
        "export_evidence",
        "reopen",
        "reopen_with_key",
        // Considering subsequent events runs up to the report date, after
        // finalizing too (tested below).
        "consider_subsequent_events",
        // Reads the engagement for the report (the clock dates the model).
        "report_model",
    ];
    with_context.retain(|name| !not_changes.contains(name));
    with_context.sort_unstable();
    let mut enumerated: Vec<&str> = calls.iter().map(|(name, _)| *name).collect();
    enumerated.sort_unstable();
    assert_eq!(with_context, enumerated);
}

fn representation_input() -> workbench_core::model::representation::RepresentationInput {
    use workbench_core::model::representation::{Answer, Confirmation, RepresentationInput};
    RepresentationInput {
        date: "2026-10-14".parse().unwrap(),
        signatory_name: "田中 一郎".into(),
        signatory_title: "代表取締役".into(),
        confirmations: vec![Confirmation { answer: Some(Answer::Confirmed), comment: String::new() }; 8],
        evidence_id: None,
    }
}

#[test]
fn finalizing_waits_for_the_representation_and_the_consideration_of_subsequent_events() {
    use workbench_core::model::representation::Answer;
    let t = Team::new();
    let path = t.fx.path("final.ismap");
    api::create_demo_finalized(&path, "u".into(), t.ctx(&t.manager)).unwrap();
    // Considering subsequent events again is allowed on the finalized file.
    let view = api::consider_subsequent_events(&path, "2026-10-31".parse().unwrap(), t.ctx(&t.manager)).unwrap();
    assert_eq!(view.subsequent_review.unwrap().through.to_string(), "2026-10-31");
    // But not by the assessor, nor before the period ended.
    let err = api::consider_subsequent_events(&path, "2026-11-30".parse().unwrap(), t.ctx(&t.assessor)).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    let err = api::consider_subsequent_events(&path, "2026-09-30".parse().unwrap(), t.ctx(&t.manager)).unwrap_err();
    assert_eq!(codes(&err), ["subsequent_before_period_end"]);

    // A representation with an unanswered confirmation, and no consideration: both block.
    api::reopen(&path, "確認書を差し替える", t.ctx(&t.manager)).unwrap();
    let mut input = representation_input();
    input.confirmations[4].answer = None;
    input.confirmations[6].answer = Some(Answer::NotConfirmed);
    let before = std::fs::read(&path).unwrap();
    let err = api::record_representation(&path, input.clone(), t.ctx(&t.assessor)).unwrap_err();
    assert_eq!(codes(&err), ["required"], "a denial needs its comment");
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was written");
    input.confirmations[6].comment = "2026-10-20 に障害".into();
    input.date = "2026-09-30".parse().unwrap();
    let err = api::record_representation(&path, input.clone(), t.ctx(&t.assessor)).unwrap_err();
    assert_eq!(codes(&err), ["representation_before_period_end"]);
    input.date = "2026-10-14".parse().unwrap();
    api::record_representation(&path, input.clone(), t.ctx(&t.assessor)).unwrap();
    let check = api::finalize_check(&path, &[]).unwrap();
    let blockers: Vec<_> = check.blockers.iter().map(|b| b.code.as_str()).collect();
    assert_eq!(blockers, ["representation_unanswered"]);
    assert!(api::finalize(&path, t.ctx(&t.manager)).is_err());
    input.confirmations[4].answer = Some(Answer::Confirmed);
    api::record_representation(&path, input, t.ctx(&t.assessor)).unwrap();
    api::finalize(&path, t.ctx(&t.manager)).unwrap();
    // The whole history replays to the same state.
    intact(&path);
}

#[test]
fn the_representations_letter_is_not_withdrawn_while_the_representation_points_at_it() {
    let t = Team::new();
    let path = t.demo();
    let file = t.fx.write("letter.pdf", "%PDF-1.4 経営者確認書");
    let meta = EvidenceMeta {
        title: "経営者確認書（署名済み）".into(),
        description: String::new(),
        kind: EvidenceKind::Document,
        obtained_from: "株式会社サンプルクラウド".into(),
        obtained_by: ASSESSOR.into(),
        obtained_at: None,
        as_of: NaiveDate::from_ymd_opt(2026, 10, 14).unwrap(),
    };
    let link = vec![EvidenceLink { kind: LinkKind::Procedure, id: P1.into() }];
    let added =
        api::add_evidence(&path, &[IntakeFile { path: file, meta }], &link, t.ctx(&t.assessor), &mut |_| true).unwrap();
    let id = added[0].id.clone();
    let mut input = representation_input();
    input.evidence_id = Some(id.clone());
    api::record_representation(&path, input.clone(), t.ctx(&t.assessor)).unwrap();
    let err = api::remove_evidence(&path, &id, "誤って取り込んだ", t.ctx(&t.assessor)).unwrap_err();
    assert_eq!(codes(&err), ["cited_by_representation"]);
    // Recorded without it, the letter may be withdrawn.
    input.evidence_id = None;
    api::record_representation(&path, input, t.ctx(&t.assessor)).unwrap();
    assert!(api::remove_evidence(&path, &id, "誤って取り込んだ", t.ctx(&t.assessor)).unwrap().removed.is_some());
}

fn codes(err: &workbench_core::Error) -> Vec<String> {
    match err {
        workbench_core::Error::Invalid { problems } => problems.iter().map(|p| p.code.to_string()).collect(),
        other => vec![other.kind().to_string()],
    }
}

#[test]
fn a_signed_item_changed_directly_in_sqlite_is_reported_by_log_verify() {
    let t = Team::new();
    let path = t.demo();
    t.record(&path, P1, ResultKind::NoException);
    api::sign_off(&path, SignableKind::Procedure, P1, SignOffLevel::Preparer, t.ctx(&t.assessor)).unwrap();
    intact(&path);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE procedure SET result = 'exception' WHERE id = ?1", [P1]).unwrap();
    drop(conn);
    let report = api::verify_log(&path, None).unwrap();
    assert!(!report.is_intact());
    assert!(report.first_broken.is_none(), "the chain itself is intact");
    assert_eq!(report.signoff_problems.len(), 1, "{report:?}");
    assert_eq!(report.signoff_problems[0].item_id, P1);
    assert!(report.signoff_problems[0].problem.contains("no event changed it"));

    // Rewriting the sign-off's stored hash to match is caught by its event.
    let t2 = Team::new();
    let path = t2.demo();
    t2.record(&path, P1, ResultKind::NoException);
    api::sign_off(&path, SignableKind::Procedure, P1, SignOffLevel::Preparer, t2.ctx(&t2.assessor)).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE signoff SET content_sha256 = 'x' WHERE item_id = ?1", [P1]).unwrap();
    drop(conn);
    let report = api::verify_log(&path, None).unwrap();
    assert!(report.signoff_problems.iter().any(|p| p.problem.contains("event")), "{report:?}");
}
