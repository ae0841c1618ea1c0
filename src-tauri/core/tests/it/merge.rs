//! Team fieldwork: field copies made for team members, worked on apart and
//! merged back. Every change arrives, a field changed on both sides is a
//! conflict with both values kept, merging twice or in another order gives
//! the same state, and a bad copy is refused with the file unchanged.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use workbench_core::api::{self, CopyScope, IntakeFile};
use workbench_core::model::copy::Choice;
use workbench_core::model::event::{Actor, Context};
use workbench_core::model::evidence::{EvidenceKind, EvidenceLink, EvidenceMeta, LinkKind};
use workbench_core::model::procedure::{ProcedurePatch, ResultKind};
use workbench_core::model::review::{SignOffLevel, SignableKind};

use crate::support::Fixture;

const UUID: &str = "8f6a0c2e-0000-4000-8000-0000000000c0";
const P1: &str = "9.2.1.2/P1";
const P2: &str = "9.2.1.2/P2";

fn demo(fx: &Fixture) -> PathBuf {
    let path = fx.path("demo.ismap");
    api::create_demo(&path, UUID.into(), fx.ctx()).unwrap();
    path
}

fn copy_for(fx: &Fixture, file: &Path, name: &str, who: &str) -> PathBuf {
    let out = fx.path(name);
    let id = format!("00000000-0000-4000-8000-{:012}", name.len() * 1000 + name.as_bytes()[0] as usize);
    api::make_copy(file, &out, who, CopyScope::All, id, fx.ctx()).unwrap();
    out
}

fn as_person<'a>(fx: &'a Fixture, actor: &'a Actor) -> Context<'a> {
    Context { actor, clock: &fx.clock }
}

fn work(fx: &Fixture, path: &Path, id: &str, text: &str) {
    let patch = ProcedurePatch { work_done: Some(text.into()), ..ProcedurePatch::default() };
    api::update_procedure(path, id, patch, fx.ctx()).unwrap();
}

fn procedure(path: &Path, id: &str) -> workbench_core::model::procedure::Procedure {
    api::list_procedures(path).unwrap().into_iter().find(|p| p.procedure.id == id).unwrap().procedure
}

fn hash_of(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

fn intact(path: &Path) {
    let report = api::verify_log(path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
}

fn evidence(fx: &Fixture, path: &Path, name: &str, content: &str, procedure: &str) -> String {
    let file = fx.write(name, content);
    let meta = EvidenceMeta {
        title: name.into(),
        description: String::new(),
        kind: EvidenceKind::Document,
        obtained_from: "情報システム部".into(),
        obtained_by: "佐藤 花子".into(),
        obtained_at: None,
        as_of: "2026-05-01".parse().unwrap(),
    };
    let link = EvidenceLink { kind: LinkKind::Procedure, id: procedure.into() };
    let added = api::add_evidence(path, &[IntakeFile { path: file, meta }], &[link], fx.ctx(), &mut |_| true).unwrap();
    added[0].id.clone()
}

#[test]
fn a_copy_knows_what_it_is_and_numbers_its_items_apart() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    let b = copy_for(&fx, &file, "b.ismap", "鈴木 一郎");
    let view = api::show_engagement(&a).unwrap();
    let this = view.this_copy.unwrap();
    assert_eq!((this.copy.code.as_str(), this.copy.for_name.as_str()), ("A", "佐藤 花子"));
    assert_eq!(this.fork.unwrap().source_name, "demo.ismap");
    assert_eq!(api::show_engagement(&b).unwrap().this_copy.unwrap().copy.code, "B");
    assert!(api::show_engagement(&file).unwrap().this_copy.is_none());
    // Same engagement; the file lists both copies as out.
    assert_eq!(view.uuid, UUID);
    let out: Vec<String> = api::copies(&file).unwrap().into_iter().map(|c| c.copy.for_name).collect();
    assert_eq!(out, ["佐藤 花子", "鈴木 一郎"]);
    // IDs made on each side never meet.
    let ea = api::add_exception(&a, P1, "A の例外", fx.ctx()).unwrap().id;
    let eb = api::add_exception(&b, P1, "B の例外", fx.ctx()).unwrap().id;
    let ef = api::add_exception(&file, P1, "本体の例外", fx.ctx()).unwrap().id;
    assert_eq!([ea.as_str(), eb.as_str()], ["E-A0001", "E-B0001"]);
    assert!(!ef.contains('A') && !ef.contains('B'), "{ef}");
    assert_eq!(evidence(&fx, &a, "x.txt", "x", P1), "EV-A0001");
    // A copy is not copied again.
    let err = api::make_copy(&a, &fx.path("aa.ismap"), "x", CopyScope::All, "id".into(), fx.ctx()).unwrap_err();
    assert!(err.to_string().contains("field copy A"), "{err}");
    for f in [&file, &a, &b] {
        intact(f);
    }
}

#[test]
fn edits_of_different_controls_merge_without_conflict_and_keep_their_authors() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    let sato = Actor::new("佐藤 花子");
    let patch = ProcedurePatch { work_done: Some("A が実施".into()), ..ProcedurePatch::default() };
    api::update_procedure(&a, P1, patch, as_person(&fx, &sato)).unwrap();
    work(&fx, &file, "6.1.2.1/P1", "本体で実施");
    let outcome = api::merge(&file, &a, fx.ctx()).unwrap();
    assert_eq!(outcome.imported, 1);
    assert!(outcome.conflicts.is_empty());
    assert_eq!(procedure(&file, P1).work_done, "A が実施");
    assert_eq!(procedure(&file, "6.1.2.1/P1").work_done, "本体で実施");
    let history = api::item_history(&file, P1).unwrap();
    let last = history.iter().rev().find(|e| e.kind == "procedure_updated").unwrap();
    assert_eq!(last.actor, "佐藤 花子");
    assert_eq!(last.from_copy.as_ref().map(|c| c.code.as_str()), Some("A"));
    let copies = api::copies(&file).unwrap();
    assert_eq!(copies[0].merges, 1);
    assert!(copies[0].last_merged_at.is_some());
    intact(&file);
}

#[test]
fn one_field_changed_on_both_sides_is_one_conflict_with_both_values_until_decided() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    work(&fx, &a, P1, "コピーでの実施内容");
    work(&fx, &file, P1, "本体での実施内容");
    let outcome = api::merge(&file, &a, fx.ctx()).unwrap();
    assert_eq!(outcome.conflicts, [format!("{P1}.work_done")]);
    let conflict = &api::conflicts(&file, false).unwrap()[0];
    let values: Vec<_> = conflict.sides.iter().map(|s| (s.origin.as_str(), s.value.clone())).collect();
    assert_eq!(values, [("A", json!("コピーでの実施内容")), ("", json!("本体での実施内容"))]);
    // The later value stands meanwhile; the control says 競合あり and finalizing is blocked.
    assert_eq!(procedure(&file, P1).work_done, "本体での実施内容");
    assert!(api::list_controls(&file).unwrap().iter().any(|c| c.id == "9.2.1.2" && c.conflict));
    assert_eq!(api::control_detail(&file, "9.2.1.2").unwrap().conflicts.len(), 1);
    let check = api::finalize_check(&file, &[]).unwrap();
    assert!(check.blockers.iter().any(|b| b.code.as_str() == "open_conflict"), "{check:?}");
    // Decided: the chosen value is recorded as a change, the conflict closes.
    let decided = api::resolve_conflict(&file, &format!("{P1}.work_done"), Choice::Theirs, fx.ctx()).unwrap();
    assert!(decided.resolution.is_some());
    assert_eq!(procedure(&file, P1).work_done, "コピーでの実施内容");
    assert!(api::conflicts(&file, false).unwrap().is_empty());
    assert_eq!(api::conflicts(&file, true).unwrap().len(), 1);
    assert!(!api::list_controls(&file).unwrap().iter().any(|c| c.conflict));
    // Deciding twice is refused.
    let err = api::resolve_conflict(&file, &format!("{P1}.work_done"), Choice::Ours, fx.ctx()).unwrap_err();
    assert!(err.to_string().contains("decided already"), "{err}");
    intact(&file);
}

#[test]
fn a_typed_value_decides_a_text_conflict() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    work(&fx, &file, P1, "本体");
    work(&fx, &a, P1, "コピー");
    api::merge(&file, &a, fx.ctx()).unwrap();
    api::resolve_conflict(&file, &format!("{P1}.work_done"), Choice::Text("両方を確認".into()), fx.ctx()).unwrap();
    assert_eq!(procedure(&file, P1).work_done, "両方を確認");
    intact(&file);
}

#[test]
fn removing_on_one_side_what_the_other_changed_is_a_conflict_and_nothing_is_lost() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let exception = api::add_exception(&file, P1, "元の例外", fx.ctx()).unwrap().id;
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    api::edit_exception(&a, &exception, "コピーで書き直した例外", fx.ctx()).unwrap();
    api::remove_exception(&file, &exception, fx.ctx()).unwrap();
    let outcome = api::merge(&file, &a, fx.ctx()).unwrap();
    let key = format!("{exception}.exists");
    assert!(outcome.conflicts.contains(&key), "{outcome:?}");
    // Kept (brought back), with the copy's text.
    let kept = api::dashboard(&file, "2026-06-01".parse().unwrap()).unwrap();
    let text = kept.exceptions.iter().find(|e| e.exception.id == exception).map(|e| e.exception.text.clone());
    assert_eq!(text.as_deref(), Some("コピーで書き直した例外"));
    // Choosing the removal removes it.
    api::resolve_conflict(&file, &key, Choice::Ours, fx.ctx()).unwrap();
    let after = api::dashboard(&file, "2026-06-01".parse().unwrap()).unwrap();
    assert!(after.exceptions.iter().all(|e| e.exception.id != exception));
    intact(&file);

    // The other way round: the copy removed what the file changed.
    let fx = Fixture::new();
    let file = demo(&fx);
    let exception = api::add_exception(&file, P1, "元の例外", fx.ctx()).unwrap().id;
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    api::remove_exception(&a, &exception, fx.ctx()).unwrap();
    api::edit_exception(&file, &exception, "本体で書き直した例外", fx.ctx()).unwrap();
    let outcome = api::merge(&file, &a, fx.ctx()).unwrap();
    assert!(outcome.conflicts.contains(&format!("{exception}.exists")));
    let kept = api::dashboard(&file, "2026-06-01".parse().unwrap()).unwrap();
    assert!(kept.exceptions.iter().any(|e| e.exception.id == exception));
    api::resolve_conflict(&file, &format!("{exception}.exists"), Choice::Theirs, fx.ctx()).unwrap();
    let after = api::dashboard(&file, "2026-06-01".parse().unwrap()).unwrap();
    assert!(after.exceptions.iter().all(|e| e.exception.id != exception));
    intact(&file);
}

#[test]
fn evidence_added_on_both_laptops_is_stored_once() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    evidence(&fx, &a, "same-a.txt", "同じ内容のログ", P1);
    evidence(&fx, &a, "only-a.txt", "コピーだけの内容", P1);
    evidence(&fx, &file, "same-f.txt", "同じ内容のログ", P2);
    let outcome = api::merge(&file, &a, fx.ctx()).unwrap();
    assert_eq!(outcome.new_contents, 1, "{outcome:?}");
    let items = api::list_evidence(&file, false).unwrap();
    assert_eq!(items.len(), 3);
    let contents: std::collections::BTreeSet<_> = items.iter().map(|e| e.sha256.clone()).collect();
    assert_eq!(contents.len(), 2);
    let check = api::verify_evidence(&file, &mut |_, _| true).unwrap();
    assert!(check.problems.is_empty(), "{check:?}");
    assert_eq!(check.contents, 2);
    intact(&file);
}

#[test]
fn a_signoff_made_on_a_copy_arrives_and_a_merged_change_marks_a_signed_item() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    // On the copy: work done and signed by the preparer.
    let patch = ProcedurePatch {
        work_done: Some("質問した".into()),
        result: Some(Some(ResultKind::NoException)),
        ..ProcedurePatch::default()
    };
    api::update_procedure(&a, P1, patch, fx.ctx()).unwrap();
    api::sign_off(&a, SignableKind::Procedure, P1, SignOffLevel::Preparer, fx.ctx()).unwrap();
    // In the file meanwhile, another field of the same procedure changes.
    let notes = ProcedurePatch { notes: Some("本体のメモ".into()), ..ProcedurePatch::default() };
    api::update_procedure(&file, P1, notes, fx.ctx()).unwrap();
    api::merge(&file, &a, fx.ctx()).unwrap();
    // The sign-off arrived, and covers what the copy had: marked changed.
    let entry = api::list_procedures(&file).unwrap().into_iter().find(|p| p.procedure.id == P1).unwrap();
    let review = serde_json::to_value(&entry).unwrap();
    assert!(review.to_string().contains("佐藤 花子"), "{review}");
    assert!(api::list_controls(&file).unwrap().iter().any(|c| c.id == "9.2.1.2" && c.changed_after_signoff));
    intact(&file);

    // A sign-off in the file, then a merged change of the signed item.
    let fx = Fixture::new();
    let file = demo(&fx);
    let patch = ProcedurePatch {
        work_done: Some("質問した".into()),
        result: Some(Some(ResultKind::NoException)),
        ..ProcedurePatch::default()
    };
    api::update_procedure(&file, P2, patch, fx.ctx()).unwrap();
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    api::sign_off(&file, SignableKind::Procedure, P2, SignOffLevel::Preparer, fx.ctx()).unwrap();
    work(&fx, &a, P2, "追加で閲覧した");
    api::merge(&file, &a, fx.ctx()).unwrap();
    assert!(api::list_controls(&file).unwrap().iter().any(|c| c.id == "9.2.1.2" && c.changed_after_signoff));
    intact(&file);
}

#[test]
fn merging_again_changes_nothing_and_later_work_arrives_on_the_next_merge() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    work(&fx, &a, P1, "一回目");
    api::merge(&file, &a, fx.ctx()).unwrap();
    let before = hash_of(&file);
    let again = api::merge(&file, &a, fx.ctx()).unwrap();
    assert_eq!(again.imported, 0);
    assert_eq!(hash_of(&file), before, "a repeated merge writes nothing");
    work(&fx, &a, P1, "二回目");
    let next = api::merge(&file, &a, fx.ctx()).unwrap();
    assert_eq!(next.imported, 1);
    assert!(next.conflicts.is_empty(), "the copy's own earlier work is not a conflict: {next:?}");
    assert_eq!(procedure(&file, P1).work_done, "二回目");
    assert_eq!(api::copies(&file).unwrap()[0].merges, 2);
    intact(&file);
}

#[test]
fn bad_copies_are_refused_and_the_file_is_unchanged() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    work(&fx, &a, P1, "コピーの作業");
    let before = hash_of(&file);
    let refused = |copy: &Path, code: &str| {
        let err = api::merge(&file, copy, fx.ctx()).unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains(code), "expected {code}: {text}");
        assert_eq!(hash_of(&file), before, "the file is unchanged after {code}");
    };
    // The engagement file itself is not a copy.
    let other_file = fx.path("plain.ismap");
    std::fs::copy(&file, &other_file).unwrap();
    refused(&other_file, "NotACopy");
    // A copy of another engagement.
    let fx2 = Fixture::new();
    let other = fx2.path("other.ismap");
    api::create_demo(&other, "8f6a0c2e-0000-4000-8000-0000000000ff".into(), fx2.ctx()).unwrap();
    let foreign = fx.path("foreign.ismap");
    api::make_copy(&other, &foreign, "x", CopyScope::All, "00000000-0000-4000-8000-00000000ffff".into(), fx2.ctx())
        .unwrap();
    refused(&foreign, "CopyOfOtherEngagement");
    // A copy whose log was changed after it was made.
    let tampered = fx.path("tampered.ismap");
    std::fs::copy(&a, &tampered).unwrap();
    let conn = rusqlite::Connection::open(&tampered).unwrap();
    let last: i64 = conn.query_row("SELECT max(seq) FROM event", [], |r| r.get(0)).unwrap();
    conn.execute("UPDATE event SET actor = '誰か' WHERE seq = ?1", [last]).unwrap();
    drop(conn);
    refused(&tampered, "CopyBroken");
    // Not an engagement at all.
    let junk = fx.write("junk.ismap", "PK\u{3}\u{4} not a database");
    let err = api::merge(&file, &junk, fx.ctx()).unwrap_err();
    assert_eq!(err.kind().as_str(), "not_an_engagement");
    assert_eq!(hash_of(&file), before);
    // A copy made by a newer version.
    let newer = fx.path("newer.ismap");
    std::fs::copy(&a, &newer).unwrap();
    rusqlite::Connection::open(&newer).unwrap().pragma_update(None, "user_version", 999).unwrap();
    let err = api::merge(&file, &newer, fx.ctx()).unwrap_err();
    assert_eq!(err.kind().as_str(), "newer_version");
    assert_eq!(hash_of(&file), before);
    // A copy of a finalized engagement, or into one, is refused.
    workbench_core::sample::perform_and_finalize(&file, &fx.clock).unwrap();
    let err = api::merge(&file, &a, fx.ctx()).unwrap_err();
    assert_eq!(err.kind().as_str(), "locked");
    // The good copy still merges once the file is reopened.
    let manager = Actor::new("山田 太郎");
    api::reopen(&file, "コピーを統合するため", as_person(&fx, &manager)).unwrap();
    api::merge(&file, &a, fx.ctx()).unwrap();
    intact(&file);
}

#[test]
fn a_copy_for_some_controls_carries_only_their_evidence() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let kept = evidence(&fx, &file, "kept.txt", "管理策 9.2.1.2 の証跡", P1);
    let left = evidence(&fx, &file, "left.txt", "別の管理策の証跡", "6.1.2.1/P1");
    let a = fx.path("a.ismap");
    api::make_copy(&file, &a, "佐藤 花子", CopyScope::Controls(vec!["9.2.1.2".into()]), "c".into(), fx.ctx()).unwrap();
    let check = api::verify_evidence(&a, &mut |_, _| true).unwrap();
    assert!(check.problems.is_empty(), "{check:?}");
    assert_eq!(check.not_carried, 1);
    assert!(api::viewer_copy(&a, &kept).is_ok());
    let err = api::viewer_copy(&a, &left).unwrap_err();
    assert_eq!(err.kind().as_str(), "not_found");
    // Every event travels all the same, and the copy's log verifies.
    assert_eq!(api::list_evidence(&a, false).unwrap().len(), 2);
    intact(&a);
    work(&fx, &a, P1, "コピーの作業");
    api::merge(&file, &a, fx.ctx()).unwrap();
    assert_eq!(api::verify_evidence(&file, &mut |_, _| true).unwrap().problems.len(), 0);
    intact(&file);
}

/// What must be equal whichever order copies were merged in: results,
/// exceptions, evidence, sign-offs, scope, notes and conflicts (not event
/// numbers or merge times).
fn projection(path: &Path) -> serde_json::Value {
    // By ID: a procedure brought back by a merge is listed after its
    // control's others, which is order, not state.
    let mut procedures: Vec<_> = api::list_procedures(path).unwrap().into_iter().map(|p| p.procedure).collect();
    procedures.sort_by(|a, b| a.id.cmp(&b.id));
    let procedures: Vec<_> = procedures.into_iter().map(|p| json!(p)).collect();
    let exceptions: Vec<_> = api::dashboard(path, "2026-06-01".parse().unwrap())
        .unwrap()
        .exceptions
        .into_iter()
        .map(|e| json!([e.exception.id, e.exception.procedure_id, e.exception.text]))
        .collect();
    let evidence: Vec<_> = api::list_evidence(path, true)
        .unwrap()
        .into_iter()
        .map(|e| {
            let mut links: Vec<_> = e.links.iter().map(|l| format!("{}:{}", l.kind.as_str(), l.id)).collect();
            links.sort();
            json!([e.id, e.sha256, links, e.removed.is_some()])
        })
        .collect();
    let controls: Vec<_> = api::list_controls(path)
        .unwrap()
        .into_iter()
        .filter(|c| c.assessable)
        .map(|c| json!([c.id, c.scope, c.changed_after_signoff, c.review_complete, c.conflict]))
        .collect();
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT item_kind, item_id, level, signer, content_sha256, withdrawn_at IS NULL, changed_seq IS NULL
             FROM signoff ORDER BY item_kind, item_id, level, signer, content_sha256",
        )
        .unwrap();
    let signoffs: Vec<_> = stmt
        .query_map([], |r| {
            Ok(json!([
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, bool>(6)?
            ]))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let notes: Vec<_> = api::review_summary(path)
        .unwrap()
        .notes
        .into_iter()
        .map(|n| json!([n.id, n.target_id, n.text, n.status, n.answer]))
        .collect();
    let conflicts: Vec<_> = api::conflicts(path, true)
        .unwrap()
        .into_iter()
        .map(|c| {
            let sides: Vec<_> = c.sides.iter().map(|s| json!([s.origin, s.value, s.removed, s.by, s.at])).collect();
            json!([c.key, sides, c.current])
        })
        .collect();
    json!({
        "procedures": procedures, "exceptions": exceptions, "evidence": evidence, "controls": controls,
        "signoffs": signoffs, "notes": notes, "conflicts": conflicts,
        "changes": api::control_changes(path).unwrap(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// Random work on two copies, merged in both orders, gives the same
    /// state, and each merged file's log verifies by replay.
    #[test]
    fn two_copies_merged_in_either_order_give_the_same_state(
        on_a in proptest::collection::vec(crate::replay::request(), 1..12),
        on_b in proptest::collection::vec(crate::replay::request(), 1..12),
        on_file in proptest::collection::vec(crate::replay::request(), 0..4),
    ) {
        let fx = Fixture::new();
        let file = demo(&fx);
        let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
        let b = copy_for(&fx, &file, "b.ismap", "鈴木 一郎");
        // Interleaved, so that the two sides' times interleave too.
        for i in 0..on_a.len().max(on_b.len()) {
            if let Some(r) = on_a.get(i) { crate::replay::run(&fx, &a, r); }
            if let Some(r) = on_b.get(i) { crate::replay::run(&fx, &b, r); }
        }
        for r in &on_file {
            crate::replay::run(&fx, &file, r);
        }
        let ab = fx.path("ab.ismap");
        let ba = fx.path("ba.ismap");
        std::fs::copy(&file, &ab).unwrap();
        std::fs::copy(&file, &ba).unwrap();
        api::merge(&ab, &a, fx.ctx()).unwrap();
        api::merge(&ab, &b, fx.ctx()).unwrap();
        api::merge(&ba, &b, fx.ctx()).unwrap();
        api::merge(&ba, &a, fx.ctx()).unwrap();
        for f in [&ab, &ba] {
            let report = api::verify_log(f, None).unwrap();
            prop_assert!(report.is_intact(), "{:?}", report);
        }
        prop_assert_eq!(projection(&ab), projection(&ba));
        // Merging again changes nothing.
        let before = hash_of(&ab);
        api::merge(&ab, &a, fx.ctx()).unwrap();
        api::merge(&ab, &b, fx.ctx()).unwrap();
        prop_assert_eq!(hash_of(&ab), before);
    }
}

#[test]
fn a_copy_is_merged_into_its_file_only() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let b = copy_for(&fx, &file, "b.ismap", "鈴木 一郎");
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    work(&fx, &b, P1, "B の作業");
    let before = hash_of(&a);
    let err = api::merge(&a, &b, fx.ctx()).unwrap_err();
    assert!(format!("{err:?}").contains("CopyOfCopy"), "{err:?}");
    assert_eq!(hash_of(&a), before);
}

#[test]
fn an_item_brought_back_by_a_merge_takes_the_copys_later_work_too() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    api::remove_procedure(&file, P2, fx.ctx()).unwrap();
    work(&fx, &a, P2, "一回目");
    let first = api::merge(&file, &a, fx.ctx()).unwrap();
    assert!(first.conflicts.contains(&format!("{P2}.exists")), "{first:?}");
    work(&fx, &a, P2, "二回目");
    let second = api::merge(&file, &a, fx.ctx()).unwrap();
    assert_eq!(second.imported, 1, "{second:?}");
    assert_eq!(procedure(&file, P2).work_done, "二回目");
    intact(&file);
}

#[test]
fn a_copy_taken_back_to_an_older_backup_is_refused_rather_than_half_merged() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    let backup = fx.path("a-backup.ismap");
    std::fs::copy(&a, &backup).unwrap();
    work(&fx, &a, P1, "ノートPCで");
    api::merge(&file, &a, fx.ctx()).unwrap();
    // The backup, worked on: its first new event has the number merged already.
    work(&fx, &backup, P2, "バックアップで");
    work(&fx, &backup, "6.1.2.1/P1", "バックアップで");
    let before = hash_of(&file);
    let err = api::merge(&file, &backup, fx.ctx()).unwrap_err();
    assert!(format!("{err:?}").contains("CopyDiverged"), "{err:?}");
    assert_eq!(hash_of(&file), before);
}

/// Rewrites a copy's history before its fork and recomputes every hash
/// after it, as someone with the file and the documented hash could: the
/// copy's chain verifies, but it no longer meets the file at the fork.
#[test]
fn a_copy_whose_history_was_rewritten_and_rehashed_is_refused() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    work(&fx, &a, P1, "コピーの作業");
    let conn = rusqlite::Connection::open(&a).unwrap();
    conn.execute("UPDATE event SET actor = '別人' WHERE seq = 5", []).unwrap();
    crate::support::rehash(&conn);
    drop(conn);
    assert!(api::verify_log(&a, None).unwrap().first_broken.is_none(), "the rewritten chain verifies on its own");
    let before = hash_of(&file);
    let err = api::merge(&file, &a, fx.ctx()).unwrap_err();
    assert!(format!("{err:?}").contains("CopyNotFromHere"), "{err:?}");
    assert_eq!(hash_of(&file), before);
}

#[test]
fn evidence_taken_in_on_a_copy_that_left_its_content_behind_can_be_opened() {
    let fx = Fixture::new();
    let file = demo(&fx);
    evidence(&fx, &file, "log.txt", "同じ内容", P1);
    let a = fx.path("a.ismap");
    api::make_copy(&file, &a, "佐藤 花子", CopyScope::Controls(vec!["6.1.2.1".into()]), "c".into(), fx.ctx()).unwrap();
    let id = evidence(&fx, &a, "again.txt", "同じ内容", "6.1.2.1/P1");
    assert!(api::viewer_copy(&a, &id).is_ok());
    let check = api::verify_evidence(&a, &mut |_, _| true).unwrap();
    assert!(check.problems.is_empty() && check.not_carried == 0, "{check:?}");
    api::merge(&file, &a, fx.ctx()).unwrap();
    assert!(api::verify_evidence(&file, &mut |_, _| true).unwrap().problems.is_empty());
    intact(&file);
}

#[test]
fn deciding_a_signoff_conflict_leaves_a_changed_item_marked() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let done = ProcedurePatch {
        work_done: Some("質問した".into()),
        result: Some(Some(ResultKind::NoException)),
        ..ProcedurePatch::default()
    };
    api::update_procedure(&file, P1, done, fx.ctx()).unwrap();
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    let b = copy_for(&fx, &file, "b.ismap", "鈴木 一郎");
    let (sato, suzuki) = (Actor::new("佐藤 花子"), Actor::new("鈴木 一郎"));
    api::sign_off(&a, SignableKind::Procedure, P1, SignOffLevel::Preparer, as_person(&fx, &sato)).unwrap();
    api::sign_off(&b, SignableKind::Procedure, P1, SignOffLevel::Preparer, as_person(&fx, &suzuki)).unwrap();
    let notes = ProcedurePatch { notes: Some("本体のメモ".into()), ..ProcedurePatch::default() };
    api::update_procedure(&file, P1, notes, fx.ctx()).unwrap();
    api::merge(&file, &a, fx.ctx()).unwrap();
    let outcome = api::merge(&file, &b, fx.ctx()).unwrap();
    let key = format!("{P1}.signoff:preparer");
    assert!(outcome.conflicts.contains(&key), "{outcome:?}");
    api::resolve_conflict(&file, &key, Choice::Ours, fx.ctx()).unwrap();
    assert!(
        api::list_controls(&file).unwrap().iter().any(|c| c.id == "9.2.1.2" && c.changed_after_signoff),
        "the chosen sign-off covers a content the procedure no longer has"
    );
    intact(&file);
}

#[test]
fn choosing_a_removal_follows_the_rules_of_removing_by_hand() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    api::remove_procedure(&file, P2, fx.ctx()).unwrap();
    api::add_exception(&a, P2, "コピーで見つけた例外", fx.ctx()).unwrap();
    api::merge(&file, &a, fx.ctx()).unwrap();
    let err = api::resolve_conflict(&file, &format!("{P2}.exists"), Choice::Ours, fx.ctx()).unwrap_err();
    assert_eq!(err.kind().as_str(), "invalid", "{err}");
    assert!(err.to_string().contains("exception"), "{err}");
    assert!(api::list_procedures(&file).unwrap().iter().any(|p| p.procedure.id == P2));
    intact(&file);
}

#[test]
fn a_partial_copy_that_lost_a_content_it_carries_says_so_and_exports_what_it_has() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let kept = evidence(&fx, &file, "kept.txt", "9.2.1.2 の証跡", P1);
    let left = evidence(&fx, &file, "left.txt", "ほかの証跡", "6.1.2.1/P1");
    let a = fx.path("a.ismap");
    api::make_copy(&file, &a, "佐藤 花子", CopyScope::Controls(vec!["9.2.1.2".into()]), "c".into(), fx.ctx()).unwrap();
    let out = fx.path("export");
    let report = api::export_evidence(&a, &out, fx.ctx()).unwrap();
    assert_eq!(report.files, 1);
    assert_eq!(report.not_carried, [left]);
    let damaged = fx.path("damaged.ismap");
    std::fs::copy(&a, &damaged).unwrap();
    rusqlite::Connection::open(&damaged).unwrap().execute("DELETE FROM blob_chunk", []).unwrap();
    let check = api::verify_evidence(&damaged, &mut |_, _| true).unwrap();
    assert!(check.problems.iter().any(|p| p.evidence_ids.contains(&kept)), "{check:?}");
    assert_eq!(check.not_carried, 1);
}

#[test]
fn a_copy_dated_in_the_future_is_refused() {
    let fx = Fixture::new();
    let file = demo(&fx);
    let a = copy_for(&fx, &file, "a.ismap", "佐藤 花子");
    let far = FixedClockAt::new("2030-01-01T00:00:00Z");
    let sato = Actor::new("佐藤 花子");
    let patch = ProcedurePatch { work_done: Some("未来".into()), ..ProcedurePatch::default() };
    api::update_procedure(&a, P1, patch, Context { actor: &sato, clock: &far.0 }).unwrap();
    let before = hash_of(&file);
    let err = api::merge(&file, &a, fx.ctx()).unwrap_err();
    assert!(format!("{err:?}").contains("CopyBroken") && err.to_string().contains("clock"), "{err:?}");
    assert_eq!(hash_of(&file), before);
}

struct FixedClockAt(workbench_core::model::event::FixedClock);

impl FixedClockAt {
    fn new(at: &str) -> FixedClockAt {
        let at = chrono::DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&chrono::Utc);
        FixedClockAt(workbench_core::model::event::FixedClock::new(at))
    }
}
