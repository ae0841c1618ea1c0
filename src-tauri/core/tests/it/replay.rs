//! The log is the truth: the state stored in a file is what its events give
//! when replayed. A change made around the log (here with SQL, as a person
//! with the `sqlite3` shell would) is named by `log verify`, and nothing is
//! exported or signed from such a file.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use workbench_core::api::{self, DifferenceKind, IntakeFile};
use workbench_core::model::evidence::{EvidenceKind, EvidenceLink, EvidenceMeta, LinkKind, PbcFields, PbcStatus};
use workbench_core::model::procedure::{NewProcedure, ProcedureKind, ProcedurePatch, ResultKind, ScopeDecision};
use workbench_core::model::review::{NoteTargetKind, SignOffLevel, SignableKind};

use crate::support::Fixture;

/// The finalized demo with an evidence item linked to a procedure: every
/// table of the schema holds rows.
fn finalized_with_evidence(fx: &Fixture) -> PathBuf {
    let path = fx.path("audit.ismap");
    api::create_demo(&path, "8f6a0c2e-0000-4000-8000-000000000001".into(), fx.ctx()).unwrap();
    let scan = fx.write("access-list.csv", "user,enabled\nsato,yes\n");
    let meta = EvidenceMeta {
        title: "アクセス権一覧".into(),
        description: String::new(),
        kind: EvidenceKind::Document,
        obtained_from: "情報システム部".into(),
        obtained_by: "佐藤 花子".into(),
        obtained_at: None,
        as_of: "2026-05-01".parse().unwrap(),
    };
    let link = EvidenceLink { kind: LinkKind::Procedure, id: "9.2.1.2/P1".into() };
    api::add_evidence(&path, &[IntakeFile { path: scan, meta }], &[link], fx.ctx(), &mut |_| true).unwrap();
    workbench_core::sample::perform_and_finalize(&path, &fx.clock).unwrap();
    path
}

/// Changes the file as the `sqlite3` shell would (foreign keys unchecked).
fn sql(path: &Path, statement: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
    let changed = conn.execute(statement, []).unwrap();
    assert!(changed > 0, "the tampering must change something: {statement}");
}

fn first_value(path: &Path, query: &str) -> String {
    rusqlite::Connection::open(path).unwrap().query_row(query, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_finalized_engagement_replays_to_its_stored_state() {
    let fx = Fixture::new();
    let path = finalized_with_evidence(&fx);
    let report = api::verify_log(&path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert!(report.differences.is_empty());
    // Expecting the head it ends in passes; any other head fails.
    assert!(api::verify_log(&path, Some(&report.head_hash)).unwrap().is_intact());
    assert!(!api::verify_log(&path, Some(&"0".repeat(64))).unwrap().is_intact());
}

/// A difference as `log verify` names it: item kind, item, field, kind.
type Named = (&'static str, String, Option<&'static str>, DifferenceKind);

#[test]
fn every_kind_of_tampering_is_named_and_nothing_is_made_from_the_file() {
    let fx = Fixture::new();
    let original = finalized_with_evidence(&fx);
    let exception: String = first_value(&original, "SELECT id FROM exception WHERE procedure_id = '9.2.1.2/P1'");
    let sampled: String = first_value(&original, "SELECT id FROM sample_item ORDER BY id LIMIT 1");
    // Each case: what is tampered with, the SQL, then the item and field named.
    let cases: Vec<(&str, String, Named)> = vec![
        (
            "a field of the engagement",
            "UPDATE engagement SET fields = json_set(fields, '$.period.end', '2026-08-31')".into(),
            ("engagement", String::new(), Some("period.end"), DifferenceKind::Changed),
        ),
        (
            "a result",
            "UPDATE procedure SET result = 'no_exception' WHERE id = '9.2.1.2/P1'".into(),
            ("procedure", "9.2.1.2/P1".into(), Some("result"), DifferenceKind::Changed),
        ),
        (
            "an exception's text",
            format!("UPDATE exception SET text = '重要な問題はない' WHERE id = '{exception}'"),
            ("exception", exception.clone(), Some("text"), DifferenceKind::Changed),
        ),
        (
            "a deleted exception",
            format!("DELETE FROM exception WHERE id = '{exception}'"),
            ("exception", exception.clone(), None, DifferenceKind::Missing),
        ),
        (
            "a sign-off's hash",
            "UPDATE signoff SET content_sha256 = lower(hex(randomblob(32)))
             WHERE item_id = '9.2.1.2/P1' AND level = 'reviewer'"
                .into(),
            ("signoff", "9.2.1.2/P1 reviewer".into(), Some("content_sha256"), DifferenceKind::Changed),
        ),
        (
            "the finalization",
            "UPDATE engagement SET finalized_by = '高橋 美咲'".into(),
            ("engagement", String::new(), Some("finalized_by"), DifferenceKind::Changed),
        ),
        (
            "a control title in the frozen catalog",
            "UPDATE control SET title_ja = '退職者のIDを無効にしなくてよい' WHERE item_id = '9.2.1.2'".into(),
            ("control", "9.2.1.2".into(), Some("title_ja"), DifferenceKind::Changed),
        ),
        (
            "an evidence row's hash",
            "UPDATE evidence SET sha256 = lower(hex(randomblob(32))) WHERE id = 'EV-0001'".into(),
            ("evidence", "EV-0001".into(), Some("sha256"), DifferenceKind::Changed),
        ),
        (
            "a sample item",
            format!("UPDATE sample_item SET item_id = 'CHG-9999' WHERE id = '{sampled}'"),
            ("sample_item", sampled.clone(), Some("item_id"), DifferenceKind::Changed),
        ),
        (
            "an added note",
            "INSERT INTO review_note (id, ord, target_kind, target_id, text, author, created_at, status)
             VALUES ('RN-900', 900, 'control', '9.2.1.2', 'x', 'x', 'x', 'cleared')"
                .into(),
            ("note", "RN-900".into(), None, DifferenceKind::Extra),
        ),
    ];
    for (what, statement, (kind, id, field, difference)) in cases {
        let path = fx.path(&format!("tampered-{}.ismap", what.replace(' ', "-")));
        std::fs::copy(&original, &path).unwrap();
        sql(&path, &statement);
        let report = api::verify_log(&path, None).unwrap();
        assert!(!report.is_intact(), "{what}: not found");
        assert!(report.first_broken.is_none(), "{what}: the chain itself is intact");
        let named = report.differences.iter().find(|d| d.item_kind == kind && d.item_id == id);
        let named = named.unwrap_or_else(|| panic!("{what}: {kind} {id} not named in {:?}", report.differences));
        assert_eq!((named.field.as_deref(), named.kind), (field, difference), "{what}");
        let refused = api::report_model(&path, "2026-12-20".parse().unwrap(), fx.ctx()).unwrap_err();
        assert_eq!(refused.kind(), "log_mismatch", "{what}: the report is refused");
        let refused = api::export_evidence(&path, &fx.path(&format!("export-{what}")), fx.ctx()).unwrap_err();
        assert_eq!(refused.kind(), "log_mismatch", "{what}: the evidence export is refused");
        assert!(!fx.path(&format!("export-{what}")).exists(), "{what}: nothing was written");
    }
}

#[test]
fn finalizing_is_blocked_while_the_state_does_not_match_the_log() {
    let fx = Fixture::new();
    let path = fx.path("open.ismap");
    api::create_demo(&path, "8f6a0c2e-0000-4000-8000-000000000002".into(), fx.ctx()).unwrap();
    sql(&path, "UPDATE procedure SET work_done = '閲覧した' WHERE id = '9.2.1.2/P1'");
    let check = api::finalize_check(&path, &[]).unwrap();
    assert!(!check.ready);
    let first = &check.blockers[0];
    assert_eq!(
        (first.code.as_str(), first.item_kind.as_str(), first.item_id.as_str()),
        ("log_mismatch", "procedure", "9.2.1.2/P1")
    );
}

/// An engagement made by the first released schema (5), dumped by
/// `tests/fixtures/engagements/generate-schema-5.sh`.
fn schema_5_file(fx: &Fixture) -> PathBuf {
    let dump = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/engagements/schema-5-demo.sql"),
    )
    .unwrap();
    let path = fx.path("schema-5.ismap");
    rusqlite::Connection::open(&path).unwrap().execute_batch(&dump).unwrap();
    path
}

#[test]
fn an_engagement_of_the_first_released_schema_replays_before_and_after_its_upgrade() {
    let fx = Fixture::new();
    let path = schema_5_file(&fx);
    let version = |p: &Path| -> i64 {
        rusqlite::Connection::open(p).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
    };
    assert_eq!(version(&path), 5);
    let before = std::fs::read(&path).unwrap();
    // Read: from an upgraded copy; the file itself is not touched.
    let report = api::verify_log(&path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // Changed: upgraded in place, and still what its log gives.
    let pbc = PbcFields {
        item: "規程一式".into(),
        requested_on: "2026-05-01".parse().unwrap(),
        due: None,
        from_whom: "総務部".into(),
        status: PbcStatus::Requested,
        notes: String::new(),
    };
    api::add_pbc(&path, pbc, fx.ctx()).unwrap();
    assert_eq!(version(&path), api::schema_version());
    assert!(api::verify_log(&path, None).unwrap().is_intact());
    // And a change around its log is found in it too.
    sql(&path, "UPDATE evidence SET title = 'x' WHERE id = 'EV-0001'");
    let report = api::verify_log(&path, None).unwrap();
    assert_eq!(report.differences[0].item_id, "EV-0001");
}

/// One request of the property test, on the demo engagement.
#[derive(Debug, Clone)]
pub(crate) enum Request {
    Record { procedure: usize, result: Option<usize>, work: String },
    AddException { procedure: usize, text: String },
    EditException { exception: usize, text: String },
    RemoveException { exception: usize },
    SetScope { control: usize, out: bool },
    AddProcedure { control: usize, text: String },
    RemoveProcedure { procedure: usize },
    AddPbc { item: String },
    SignOff { procedure: usize, level: usize, person: usize },
    SignControl { control: usize, level: usize, person: usize },
    AddNote { procedure: usize, text: String },
    AnswerNote { note: usize },
    ClearNote { note: usize, person: usize },
    RecordChange { control: usize, day: i64, kind: usize, before: bool },
    RemoveChange { change: usize },
    SetTarget { procedure: usize, target: Option<usize> },
    ExcludeObjective { objective: usize, out: bool },
}

pub(crate) fn request() -> impl Strategy<Value = Request> {
    let text = "[a-zA-Zあ-んア-ン\n ]{1,12}";
    prop_oneof![
        (0..40usize, proptest::option::of(0..4usize), text).prop_map(|(procedure, result, work)| Request::Record {
            procedure,
            result,
            work
        }),
        (0..40usize, text).prop_map(|(procedure, text)| Request::AddException { procedure, text }),
        (0..6usize, text).prop_map(|(exception, text)| Request::EditException { exception, text }),
        (0..6usize).prop_map(|exception| Request::RemoveException { exception }),
        (0..20usize, any::<bool>()).prop_map(|(control, out)| Request::SetScope { control, out }),
        (0..20usize, text).prop_map(|(control, text)| Request::AddProcedure { control, text }),
        (0..40usize).prop_map(|procedure| Request::RemoveProcedure { procedure }),
        text.prop_map(|item| Request::AddPbc { item }),
        (0..40usize, 0..2usize, 0..4usize).prop_map(|(procedure, level, person)| Request::SignOff {
            procedure,
            level,
            person
        }),
        (0..20usize, 0..2usize, 0..4usize).prop_map(|(control, level, person)| Request::SignControl {
            control,
            level,
            person
        }),
        (0..40usize, text).prop_map(|(procedure, text)| Request::AddNote { procedure, text }),
        (0..4usize).prop_map(|note| Request::AnswerNote { note }),
        (0..4usize, 0..4usize).prop_map(|(note, person)| Request::ClearNote { note, person }),
        // Days from the period's start: some before it, some after its end.
        (0..20usize, -5..380i64, 0..6usize, any::<bool>())
            .prop_map(|(control, day, kind, before)| { Request::RecordChange { control, day, kind, before } }),
        (0..4usize).prop_map(|change| Request::RemoveChange { change }),
        (0..40usize, proptest::option::of(0..5usize))
            .prop_map(|(procedure, target)| Request::SetTarget { procedure, target }),
        (0..10usize, any::<bool>()).prop_map(|(objective, out)| Request::ExcludeObjective { objective, out }),
    ]
}

const TEAM: [&str; 4] = ["佐藤 花子", "鈴木 一郎", "山田 太郎", "高橋 美咲"];

/// Runs one request; a refusal is fine (the request may not make sense in
/// the state reached), but it must be a typed refusal, never a panic.
pub(crate) fn run(fx: &Fixture, path: &Path, request: &Request) {
    let procedures: Vec<String> = api::list_procedures(path).unwrap().into_iter().map(|p| p.procedure.id).collect();
    let controls: Vec<String> =
        api::list_controls(path).unwrap().into_iter().filter(|c| c.assessable).map(|c| c.id).collect();
    let exceptions: Vec<String> = api::dashboard(path, "2026-06-01".parse().unwrap())
        .unwrap()
        .exceptions
        .into_iter()
        .map(|e| e.exception.id)
        .collect();
    let notes: Vec<String> = api::review_summary(path).unwrap().notes.into_iter().map(|n| n.id).collect();
    let objectives: Vec<String> =
        api::list_controls(path).unwrap().into_iter().filter(|c| c.id.split('.').count() == 3).map(|c| c.id).collect();
    let changes: Vec<String> = api::control_changes(path).unwrap().into_iter().map(|c| c.id).collect();
    let pick = |list: &[String], i: usize| list.get(i % list.len().max(1)).cloned().unwrap_or_default();
    let actor = |person: usize| workbench_core::model::event::Actor::new(TEAM[person % TEAM.len()]);
    let levels = [SignOffLevel::Preparer, SignOffLevel::Reviewer];
    let results = [ResultKind::NoException, ResultKind::Exception, ResultKind::NotApplicable, ResultKind::NotPerformed];
    let outcome = match request {
        Request::Record { procedure, result, work } => {
            let patch = ProcedurePatch {
                work_done: Some(work.clone()),
                result: Some(result.map(|r| results[r])),
                ..ProcedurePatch::default()
            };
            api::update_procedure(path, &pick(&procedures, *procedure), patch, fx.ctx()).map(|_| ())
        }
        Request::AddException { procedure, text } => {
            api::add_exception(path, &pick(&procedures, *procedure), text, fx.ctx()).map(|_| ())
        }
        Request::EditException { exception, text } => {
            api::edit_exception(path, &pick(&exceptions, *exception), text, fx.ctx()).map(|_| ())
        }
        Request::RemoveException { exception } => api::remove_exception(path, &pick(&exceptions, *exception), fx.ctx()),
        Request::SetScope { control, out } => {
            let decision = if *out { ScopeDecision::NotAdopted } else { ScopeDecision::InScope };
            api::set_scope(path, &pick(&controls, *control), decision, "言明書のとおり", None, fx.ctx()).map(|_| ())
        }
        Request::AddProcedure { control, text } => {
            let new = NewProcedure {
                kind: ProcedureKind::Inspection,
                evaluation: workbench_core::model::procedure::Evaluation::Design,
                text_ja: text.clone(),
                text_en: String::new(),
                assignee: None,
                target: None,
            };
            api::add_procedure(path, &pick(&controls, *control), new, fx.ctx()).map(|_| ())
        }
        Request::RemoveProcedure { procedure } => api::remove_procedure(path, &pick(&procedures, *procedure), fx.ctx()),
        Request::AddPbc { item } => {
            let fields = PbcFields {
                item: item.clone(),
                requested_on: "2026-05-01".parse().unwrap(),
                due: Some("2026-05-20".parse().unwrap()),
                from_whom: "情報システム部".into(),
                status: PbcStatus::Requested,
                notes: String::new(),
            };
            api::add_pbc(path, fields, fx.ctx()).map(|_| ())
        }
        Request::SignOff { procedure, level, person } => {
            let who = actor(*person);
            let ctx = workbench_core::model::event::Context { actor: &who, clock: &fx.clock };
            api::sign_off(path, SignableKind::Procedure, &pick(&procedures, *procedure), levels[*level], ctx)
                .map(|_| ())
        }
        Request::SignControl { control, level, person } => {
            let who = actor(*person);
            let ctx = workbench_core::model::event::Context { actor: &who, clock: &fx.clock };
            api::sign_off(path, SignableKind::Control, &pick(&controls, *control), levels[*level], ctx).map(|_| ())
        }
        Request::AddNote { procedure, text } => {
            api::add_note(path, NoteTargetKind::Procedure, &pick(&procedures, *procedure), text, fx.ctx()).map(|_| ())
        }
        Request::AnswerNote { note } => {
            api::answer_note(path, &pick(&notes, *note), "確認しました", fx.ctx()).map(|_| ())
        }
        Request::ClearNote { note, person } => {
            let who = actor(*person);
            let ctx = workbench_core::model::event::Context { actor: &who, clock: &fx.clock };
            api::clear_note(path, &pick(&notes, *note), ctx).map(|_| ())
        }
        Request::RecordChange { control, day, kind, before } => {
            let kinds = ["regulations", "implementation", "operation", "mechanism", "adopted", "renamed"];
            let start: chrono::NaiveDate = "2025-10-01".parse().unwrap();
            let input = workbench_core::model::change::ControlChangeInput {
                effective: start + chrono::Duration::days(*day),
                kind: kinds[*kind].into(),
                text: "変更後の統制".into(),
                before: if *before { "変更前の統制".into() } else { String::new() },
            };
            api::record_control_change(path, &pick(&controls, *control), input, fx.ctx()).map(|_| ())
        }
        Request::RemoveChange { change } => {
            api::remove_control_change(path, &pick(&changes, *change), fx.ctx()).map(|_| ())
        }
        Request::SetTarget { procedure, target } => {
            use workbench_core::model::procedure::AssessmentTarget;
            let patch = ProcedurePatch {
                target: Some(target.map(|t| AssessmentTarget::VARIANTS[t])),
                ..ProcedurePatch::default()
            };
            api::update_procedure(path, &pick(&procedures, *procedure), patch, fx.ctx()).map(|_| ())
        }
        Request::ExcludeObjective { objective, out } => {
            let decision = if *out { ScopeDecision::NotAdopted } else { ScopeDecision::InScope };
            api::set_scope(path, &pick(&objectives, *objective), decision, "統制目標ごと除外", None, fx.ctx())
                .map(|_| ())
        }
    };
    if let Err(e) = outcome {
        assert!(
            matches!(e.kind().as_str(), "invalid" | "not_found" | "already_exists" | "locked"),
            "{request:?} was refused with an unexpected kind: {e}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random sequences of requests through the one path of every change
    /// leave a file whose state is exactly what its log gives.
    #[test]
    fn any_sequence_of_requests_replays_to_the_stored_state(requests in proptest::collection::vec(request(), 1..30)) {
        let fx = Fixture::new();
        let path = fx.path("demo.ismap");
        api::create_demo(&path, "8f6a0c2e-0000-4000-8000-000000000003".into(), fx.ctx()).unwrap();
        for r in &requests {
            run(&fx, &path, r);
        }
        let report = api::verify_log(&path, None).unwrap();
        prop_assert!(report.is_intact(), "{:?}", report);
    }
}
