//! Signed sign-offs: each team member's key on the engagement's roster,
//! added by a manager's signature; a sign-off by a person who holds a key
//! carries its signature, and `log verify` checks every one against the
//! roster as it was.

use std::path::{Path, PathBuf};

use workbench_core::api::{self, CopyScope};
use workbench_core::keys::{self, UnlockedKey};
use workbench_core::model::event::{Actor, Context};
use workbench_core::model::procedure::{ProcedurePatch, ResultKind};
use workbench_core::model::review::{SignOffLevel, SignableKind};

use crate::support::Fixture;

const P1: &str = "9.2.1.2/P1";
const MANAGER: &str = "山田 太郎";
const REVIEWER: &str = "鈴木 一郎";
const ASSESSOR: &str = "佐藤 花子";

struct Team {
    fx: Fixture,
    file: PathBuf,
    keys: PathBuf,
}

impl Team {
    fn new() -> Team {
        let fx = Fixture::new();
        let file = fx.path("audit.ismap");
        api::create_demo(&file, "8f6a0c2e-0000-4000-8000-0000000000d1".into(), fx.ctx()).unwrap();
        let keys = fx.path("keys");
        for name in [MANAGER, REVIEWER, ASSESSOR] {
            keys::create(&keys, name, &format!("{name}-pin"), "2026-04-01T00:00:00.000Z".into()).unwrap();
            let card = keys::card(&keys, name, None).unwrap();
            std::fs::write(fx.path(&format!("{name}.card")), serde_json::to_string(&card).unwrap()).unwrap();
        }
        Team { fx, file, keys }
    }

    fn key(&self, name: &str) -> UnlockedKey {
        keys::unlock(&self.keys, name, &format!("{name}-pin")).unwrap()
    }

    fn card(&self, name: &str) -> PathBuf {
        self.fx.path(&format!("{name}.card"))
    }

    fn add(&self, card_of: &str, by: &str) -> workbench_core::Result<()> {
        let actor = Actor::new(by);
        let ctx = Context { actor: &actor, clock: &self.fx.clock };
        api::add_member_key(&self.file, &self.card(card_of), &self.key(by), ctx).map(|_| ())
    }

    /// The roster of the manager, the reviewer and the assessor.
    fn rostered(&self) {
        self.add(MANAGER, MANAGER).unwrap();
        self.add(REVIEWER, MANAGER).unwrap();
        self.add(ASSESSOR, MANAGER).unwrap();
    }

    fn performed(&self, path: &Path) {
        let patch = ProcedurePatch {
            work_done: Some("質問した".into()),
            result: Some(Some(ResultKind::NoException)),
            ..ProcedurePatch::default()
        };
        api::update_procedure(path, P1, patch, self.fx.ctx()).unwrap();
    }

    fn sign(
        &self,
        path: &Path,
        who: &str,
        level: SignOffLevel,
        key: Option<&UnlockedKey>,
    ) -> workbench_core::Result<()> {
        let actor = Actor::new(who);
        let ctx = Context { actor: &actor, clock: &self.fx.clock };
        api::sign_off_with_key(path, SignableKind::Procedure, P1, level, key, ctx).map(|_| ())
    }
}

fn code(err: &workbench_core::Error) -> String {
    match err {
        workbench_core::Error::Invalid { problems } => problems[0].code.as_str().to_string(),
        other => other.kind().as_str().to_string(),
    }
}

fn intact(path: &Path) {
    let report = api::verify_log(path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
}

#[test]
fn the_roster_starts_with_a_managers_own_key_and_grows_by_a_managers_signature() {
    let t = Team::new();
    // Nobody but a manager, and a manager's own key first.
    assert_eq!(code(&t.add(ASSESSOR, REVIEWER).unwrap_err()), "role_not_allowed");
    assert_eq!(code(&t.add(ASSESSOR, MANAGER).unwrap_err()), "manager_key_first");
    t.rostered();
    assert_eq!(code(&t.add(ASSESSOR, MANAGER).unwrap_err()), "duplicate_key");
    let roster = api::roster(&t.file).unwrap();
    assert_eq!(roster.len(), 3);
    assert!(roster.iter().all(|e| e.key.added_by == MANAGER && e.is_active()));
    intact(&t.file);
}

#[test]
fn a_signoff_by_a_key_holder_carries_their_signature_and_nobody_signs_for_them() {
    let t = Team::new();
    t.rostered();
    t.performed(&t.file);
    // Without the key, or with another person's, it is refused.
    assert_eq!(code(&t.sign(&t.file, ASSESSOR, SignOffLevel::Preparer, None).unwrap_err()), "signature_required");
    let reviewers = t.key(REVIEWER);
    assert_eq!(
        code(&t.sign(&t.file, ASSESSOR, SignOffLevel::Preparer, Some(&reviewers)).unwrap_err()),
        "key_not_on_roster"
    );
    // A wrong PIN never opens the key.
    let wrong = keys::unlock(&t.keys, ASSESSOR, "0000").unwrap_err();
    assert_eq!(code(&wrong), "wrong_pin");
    // With their own key it is signed, and the reviewer signs with theirs.
    t.sign(&t.file, ASSESSOR, SignOffLevel::Preparer, Some(&t.key(ASSESSOR))).unwrap();
    // The preparer's key may not sign the review, even offered by the reviewer.
    let assessors = t.key(ASSESSOR);
    assert!(t.sign(&t.file, REVIEWER, SignOffLevel::Reviewer, Some(&assessors)).is_err());
    t.sign(&t.file, REVIEWER, SignOffLevel::Reviewer, Some(&reviewers)).unwrap();
    let state = api::review_state(&t.file, SignableKind::Procedure, P1).unwrap();
    assert!(state.signoffs.iter().all(|s| s.signature.is_some()), "{state:?}");
    intact(&t.file);
}

#[test]
fn a_forged_or_unsigned_signoff_is_found_by_log_verify_naming_the_item() {
    let t = Team::new();
    t.rostered();
    t.performed(&t.file);
    t.sign(&t.file, ASSESSOR, SignOffLevel::Preparer, Some(&t.key(ASSESSOR))).unwrap();
    // Someone with the file changes who signed and rewrites the chain to match.
    let forged = t.fx.path("forged.ismap");
    std::fs::copy(&t.file, &forged).unwrap();
    let conn = rusqlite::Connection::open(&forged).unwrap();
    let seq: i64 = conn.query_row("SELECT max(seq) FROM event WHERE kind = 'signed_off'", [], |r| r.get(0)).unwrap();
    let payload: String = conn.query_row("SELECT payload FROM event WHERE seq = ?1", [seq], |r| r.get(0)).unwrap();
    let mut change: serde_json::Value = serde_json::from_str(&payload).unwrap();
    change["signoff"]["content_sha256"] = serde_json::json!("0".repeat(64));
    conn.execute("UPDATE event SET payload = ?2 WHERE seq = ?1", rusqlite::params![seq, change.to_string()]).unwrap();
    conn.execute("UPDATE signoff SET content_sha256 = ?1", [&"0".repeat(64)]).unwrap();
    crate::support::rehash(&conn);
    drop(conn);
    let report = api::verify_log(&forged, None).unwrap();
    assert!(report.first_broken.is_none(), "the chain was rewritten to match");
    assert!(
        report.signoff_problems.iter().any(|p| p.item_id == P1 && p.problem.contains("signature does not match")),
        "{report:?}"
    );
}

#[test]
fn a_removed_key_keeps_its_past_signatures_and_signs_nothing_new() {
    let t = Team::new();
    t.rostered();
    t.performed(&t.file);
    let assessors = t.key(ASSESSOR);
    t.sign(&t.file, ASSESSOR, SignOffLevel::Preparer, Some(&assessors)).unwrap();
    let manager = Actor::new(MANAGER);
    let fingerprint = assessors.fingerprint.clone();
    api::remove_member_key(
        &t.file,
        &fingerprint,
        "ノートPCを紛失",
        &t.key(MANAGER),
        Context { actor: &manager, clock: &t.fx.clock },
    )
    .unwrap();
    intact(&t.file);
    // The removed key cannot sign again.
    let notes = ProcedurePatch { notes: Some("追記".into()), ..ProcedurePatch::default() };
    api::update_procedure(&t.file, P1, notes, t.fx.ctx()).unwrap();
    assert_eq!(
        code(&t.sign(&t.file, ASSESSOR, SignOffLevel::Preparer, Some(&assessors)).unwrap_err()),
        "key_not_on_roster"
    );
}

#[test]
fn a_signoff_made_on_a_field_copy_still_verifies_once_merged() {
    let t = Team::new();
    t.rostered();
    t.performed(&t.file);
    let copy = t.fx.path("copy.ismap");
    api::make_copy(&t.file, &copy, ASSESSOR, CopyScope::All, "00000000-0000-4000-8000-0000000000d2".into(), t.fx.ctx())
        .unwrap();
    t.sign(&copy, ASSESSOR, SignOffLevel::Preparer, Some(&t.key(ASSESSOR))).unwrap();
    intact(&copy);
    api::merge(&t.file, &copy, t.fx.ctx()).unwrap();
    let state = api::review_state(&t.file, SignableKind::Procedure, P1).unwrap();
    assert!(state.signoffs.iter().any(|s| s.signer == ASSESSOR && s.signature.is_some()), "{state:?}");
    intact(&t.file);
}

#[test]
fn a_manager_who_holds_a_key_finalizes_and_reopens_with_its_signature() {
    let t = Team::new();
    t.rostered();
    // Everything performed and signed with the assessor's and the
    // reviewer's keys; finalizing without the manager's key is refused.
    let signers = [t.key(ASSESSOR), t.key(REVIEWER)];
    let err = workbench_core::sample::perform_and_finalize_signed(&t.file, &t.fx.clock, &signers).unwrap_err();
    assert_eq!(code(&err), "signature_required");
    let manager = Actor::new(MANAGER);
    let ctx = Context { actor: &manager, clock: &t.fx.clock };
    let reviewers = t.key(REVIEWER);
    assert!(api::finalize_with_key(&t.file, Some(&reviewers), ctx).is_err(), "another person's key");
    api::finalize_with_key(&t.file, Some(&t.key(MANAGER)), ctx).unwrap();
    intact(&t.file);
    assert_eq!(code(&api::reopen(&t.file, "訂正", ctx).unwrap_err()), "signature_required");
    api::reopen_with_key(&t.file, "訂正", Some(&t.key(MANAGER)), ctx).unwrap();
    intact(&t.file);
    let history = api::recent_events(&t.file, 3).unwrap();
    let reopened: serde_json::Value = serde_json::from_str(&history[0].payload).unwrap();
    assert_eq!(reopened["kind"], "engagement_reopened");
    assert!(reopened["signature"]["value"].as_str().is_some_and(|v| v.len() == 128), "{reopened}");
}

#[test]
fn nobody_starts_a_second_roster_or_holds_two_keys() {
    let t = Team::new();
    t.add(MANAGER, MANAGER).unwrap();
    // The partner, a manager-level member without a key, cannot sign her
    // own key in once the roster has begun: a manager on it must.
    keys::create(&t.keys, "高橋 美咲", "高橋 美咲-pin", "2026-04-01T00:00:00.000Z".into()).unwrap();
    let card = keys::card(&t.keys, "高橋 美咲", None).unwrap();
    std::fs::write(t.card("高橋 美咲"), serde_json::to_string(&card).unwrap()).unwrap();
    assert_eq!(code(&t.add("高橋 美咲", "高橋 美咲").unwrap_err()), "key_not_on_roster");
    // A second key for a person who holds one is refused until the first is removed.
    t.add(ASSESSOR, MANAGER).unwrap();
    let other = t.fx.path("other-keys");
    keys::create(&other, ASSESSOR, "another-pin", "2026-04-01T00:00:00.000Z".into()).unwrap();
    let second = keys::card(&other, ASSESSOR, None).unwrap();
    let second_card = t.fx.path("second.card");
    std::fs::write(&second_card, serde_json::to_string(&second).unwrap()).unwrap();
    let manager = Actor::new(MANAGER);
    let ctx = Context { actor: &manager, clock: &t.fx.clock };
    let err = api::add_member_key(&t.file, &second_card, &t.key(MANAGER), ctx).unwrap_err();
    assert_eq!(code(&err), "duplicate_key");
    intact(&t.file);
}

#[test]
fn an_event_whose_kind_column_hides_what_it_is_breaks_the_chain() {
    let t = Team::new();
    t.rostered();
    // Relabel the roster's first event so that checks by kind would pass it by.
    let conn = rusqlite::Connection::open(&t.file).unwrap();
    conn.execute("UPDATE event SET kind = 'note_added' WHERE kind = 'member_key_added'", []).unwrap();
    crate::support::rehash(&conn);
    drop(conn);
    let report = api::verify_log(&t.file, None).unwrap();
    let broken = report.first_broken.expect("the relabelled event is named");
    assert!(broken.reason.contains("kind column"), "{broken:?}");
}

#[test]
fn one_person_signs_every_level_only_where_a_manager_recorded_that_they_work_alone() {
    let t = Team::new();
    let as_manager = |path: &Path, f: &dyn Fn(Context<'_>) -> workbench_core::Result<()>| {
        let actor = Actor::new(MANAGER);
        f(Context { actor: &actor, clock: &t.fx.clock }).map(|_| ()).map_err(|e| (path.to_path_buf(), e))
    };
    let mut fields = api::show_engagement(&t.file).unwrap().fields;
    // With a team of four, relaxing separation of duties is refused.
    fields.one_person_signoff = Some("一人事務所".into());
    let refused = as_manager(&t.file, &|ctx| api::edit_engagement(&t.file, fields.clone(), ctx).map(|_| ()));
    assert_eq!(code(&refused.unwrap_err().1), "not_one_person");
    // A team of one assessor cannot have it either: the one person must be a manager or partner.
    let mut alone = fields.clone();
    alone.team.retain(|m| m.name == ASSESSOR);
    let refused = as_manager(&t.file, &|ctx| api::edit_engagement(&t.file, alone.clone(), ctx).map(|_| ()));
    assert_eq!(code(&refused.unwrap_err().1), "not_one_person");
    // The manager alone, and only the manager may decide it.
    alone.team = fields.team.iter().filter(|m| m.name == MANAGER).cloned().collect();
    let by_assessor = api::edit_engagement(&t.file, alone.clone(), t.fx.ctx()).unwrap_err();
    assert_eq!(code(&by_assessor), "role_not_allowed", "{by_assessor}");
    as_manager(&t.file, &|ctx| api::edit_engagement(&t.file, alone.clone(), ctx).map(|_| ())).unwrap();
    // The decision is an event with its reason.
    let history = api::show_engagement(&t.file).unwrap();
    assert_eq!(history.fields.one_person_reason(), Some("一人事務所"));

    t.add(MANAGER, MANAGER).unwrap();
    t.performed(&t.file);
    let key = t.key(MANAGER);
    t.sign(&t.file, MANAGER, SignOffLevel::Preparer, Some(&key)).unwrap();
    t.sign(&t.file, MANAGER, SignOffLevel::Reviewer, Some(&key)).unwrap();
    intact(&t.file);

    // Restoring separation (an empty reason): once the work changes and the
    // manager signs it again as preparer, the review needs another person.
    let mut restored = api::show_engagement(&t.file).unwrap().fields;
    restored.one_person_signoff = None;
    restored.team = fields.team.clone();
    as_manager(&t.file, &|ctx| api::edit_engagement(&t.file, restored.clone(), ctx).map(|_| ())).unwrap();
    let patch =
        ProcedurePatch { work_done: Some("質問し、記録を閲覧した".into()), ..ProcedurePatch::default() };
    api::update_procedure(&t.file, P1, patch, t.fx.ctx()).unwrap();
    t.sign(&t.file, MANAGER, SignOffLevel::Preparer, Some(&key)).unwrap();
    let again = t.sign(&t.file, MANAGER, SignOffLevel::Reviewer, Some(&key)).unwrap_err();
    assert_eq!(code(&again), "same_person", "{again}");
    intact(&t.file);
}

#[test]
fn the_demo_team_signs_with_demo_keys_under_the_published_pin() {
    let fx = Fixture::new();
    let data = fx.path("data");
    let file = fx.path("demo.ismap");
    api::create_demo_with_keys(&file, "8f6a0c2e-0000-4000-8000-0000000000d2".into(), &data, true, fx.ctx()).unwrap();
    // Every member of the demo's team holds a demo key, on its roster, added by its manager.
    let team: Vec<String> = api::show_engagement(&file).unwrap().fields.team.into_iter().map(|m| m.name).collect();
    let roster = api::roster(&file).unwrap();
    let mut on_roster: Vec<String> = roster.iter().map(|e| e.key.name.clone()).collect();
    let mut expected = team.clone();
    on_roster.sort();
    expected.sort();
    assert_eq!(on_roster, expected);
    assert!(roster.iter().all(|e| e.key.added_by == MANAGER && e.is_active()));
    // Marked as demo keys on this computer, each opened by 0000 and by nothing else.
    let here = keys::list(&data).unwrap();
    assert_eq!(here.len(), team.len());
    assert!(here.iter().all(|k| k.demo));
    assert_eq!(keys::unlock(&data, ASSESSOR, keys::DEMO_PIN).unwrap().name, ASSESSOR);
    assert_eq!(code(&keys::unlock(&data, ASSESSOR, "1234").unwrap_err()), "wrong_pin");
    // The whole audit was signed with them: log verify finds no sign-off
    // left unsigned by a key holder, and the finalizing is signed.
    intact(&file);
    let finalized =
        api::recent_events(&file, 5).unwrap().into_iter().find(|e| e.kind == "engagement_finalized").unwrap();
    assert!(finalized.payload.contains("\"signature\":{"), "{}", finalized.payload);

    // A second demo on the same computer uses the same keys.
    let again = fx.path("again.ismap");
    api::create_demo_with_keys(&again, "8f6a0c2e-0000-4000-8000-0000000000d3".into(), &data, false, fx.ctx()).unwrap();
    assert_eq!(keys::list(&data).unwrap().len(), team.len());
    let fingerprints = |p: &Path| {
        let mut f: Vec<String> = api::roster(p).unwrap().into_iter().map(|e| e.key.fingerprint).collect();
        f.sort();
        f
    };
    assert_eq!(fingerprints(&again), fingerprints(&file));
    // A person's own key goes before their demo key when both are here.
    let own = keys::create(&data, ASSESSOR, "her-own-pin", "2026-04-01T00:00:00.000Z".into()).unwrap();
    assert_eq!(keys::find(&data, ASSESSOR).unwrap().fingerprint, own.fingerprint);
}

#[test]
fn once_the_roster_holds_keys_nobody_signs_by_name_and_its_last_managers_key_stays() {
    let t = Team::new();
    t.add(MANAGER, MANAGER).unwrap();
    t.add(ASSESSOR, MANAGER).unwrap();
    t.performed(&t.file);
    // The reviewer has no key on the roster yet: his sign-off by name is refused.
    t.sign(&t.file, ASSESSOR, SignOffLevel::Preparer, Some(&t.key(ASSESSOR))).unwrap();
    assert_eq!(code(&t.sign(&t.file, REVIEWER, SignOffLevel::Reviewer, None).unwrap_err()), "no_key_on_roster");
    // A member whose key was taken off signs nothing by name either.
    let actor = Actor::new(MANAGER);
    let ctx = Context { actor: &actor, clock: &t.fx.clock };
    let assessors = keys::find(&t.keys, ASSESSOR).unwrap().fingerprint;
    api::remove_member_key(&t.file, &assessors, "ノートPCの紛失", &t.key(MANAGER), ctx).unwrap();
    let patch =
        ProcedurePatch { work_done: Some("質問し、記録を閲覧した".into()), ..ProcedurePatch::default() };
    api::update_procedure(&t.file, P1, patch, t.fx.ctx()).unwrap();
    assert_eq!(code(&t.sign(&t.file, ASSESSOR, SignOffLevel::Preparer, None).unwrap_err()), "no_key_on_roster");
    // The manager's key is the roster's last manager's key: it stays.
    let managers = keys::find(&t.keys, MANAGER).unwrap().fingerprint;
    let last = api::remove_member_key(&t.file, &managers, "交代", &t.key(MANAGER), ctx).unwrap_err();
    assert_eq!(code(&last), "last_manager_key", "{last}");
    intact(&t.file);
}

#[test]
fn on_a_signed_engagement_only_a_manager_changes_the_team() {
    let t = Team::new();
    t.rostered();
    let mut fields = api::show_engagement(&t.file).unwrap().fields;
    fields.team.push(workbench_core::model::engagement::TeamMember {
        name: "部外者 次郎".into(),
        role: workbench_core::model::engagement::Role::Partner,
    });
    let actor = Actor::new(ASSESSOR);
    let by_assessor = api::edit_engagement(&t.file, fields.clone(), Context { actor: &actor, clock: &t.fx.clock });
    assert_eq!(code(&by_assessor.unwrap_err()), "role_not_allowed");
    let outsider = Actor::new("部外者 次郎");
    let by_outsider = api::edit_engagement(&t.file, fields.clone(), Context { actor: &outsider, clock: &t.fx.clock });
    assert!(by_outsider.is_err(), "a name not on the team changes nothing");
    let manager = Actor::new(MANAGER);
    api::edit_engagement(&t.file, fields, Context { actor: &manager, clock: &t.fx.clock }).unwrap();
}

#[test]
fn content_rewritten_under_a_signature_is_found_by_log_verify() {
    let t = Team::new();
    t.rostered();
    t.performed(&t.file);
    t.sign(&t.file, ASSESSOR, SignOffLevel::Preparer, Some(&t.key(ASSESSOR))).unwrap();
    intact(&t.file);
    // The sign-off event's recorded content is rewritten, and the chain
    // rehashed after it, as someone with the file and the source could.
    let conn = rusqlite::Connection::open(&t.file).unwrap();
    let (seq, payload): (i64, String) = conn
        .query_row("SELECT seq, payload FROM event WHERE kind = 'signed_off' ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&payload).unwrap();
    value["content"]["work_done"] = serde_json::json!("書き換えた内容");
    conn.execute("UPDATE event SET payload = ?1 WHERE seq = ?2", rusqlite::params![value.to_string(), seq]).unwrap();
    crate::support::rehash(&conn);
    drop(conn);
    let report = api::verify_log(&t.file, None).unwrap();
    assert!(!report.is_intact());
    let text = format!("{report:?}");
    assert!(text.contains(P1) && text.contains("not the content signed"), "{text}");
}
