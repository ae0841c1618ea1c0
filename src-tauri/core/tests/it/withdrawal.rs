//! What a change would withdraw, as the control's detail names it before
//! the change (`withdrawn_by_change`), against what the change then does:
//! a screen that warns from that field warns of exactly what happens.

use std::path::{Path, PathBuf};

use workbench_core::api;
use workbench_core::api::ControlDetail;
use workbench_core::model::event::{Actor, Context};
use workbench_core::model::procedure::{ProcedurePatch, ResultKind, ScopeDecision};
use workbench_core::model::review::{SignOff, SignOffLevel, SignableKind};

use crate::support::Fixture;

const CONTROL: &str = "9.2.3.11.PB";
const P1: &str = "9.2.3.11.PB/P1";
const P2: &str = "9.2.3.11.PB/P2";
const P3: &str = "9.2.3.11.PB/P3";
// The demo team (sample::demo_fields).
const ASSESSOR: &str = "佐藤 花子";
const REVIEWER: &str = "鈴木 一郎";
const MANAGER: &str = "山田 太郎";

/// A sign-off as the tests compare them: the item, the level and the signer.
type Named = (SignableKind, String, SignOffLevel, String);

fn named(signoffs: &[SignOff]) -> Vec<Named> {
    signoffs.iter().map(|s| (s.item_kind, s.item_id.clone(), s.level, s.signer.clone())).collect()
}

fn expected(rows: &[(SignableKind, &str, SignOffLevel, &str)]) -> Vec<Named> {
    rows.iter().map(|(k, id, l, who)| (*k, id.to_string(), *l, who.to_string())).collect()
}

struct Engagement {
    fx: Fixture,
    path: PathBuf,
    team: [Actor; 3],
}

impl Engagement {
    /// The demo with a second level of review, and every procedure of
    /// CONTROL recorded so that the control can be signed.
    fn new() -> Engagement {
        let fx = Fixture::new();
        let path = fx.path("demo.ismap");
        let e = Engagement { fx, path, team: [ASSESSOR, REVIEWER, MANAGER].map(Actor::new) };
        api::create_demo(&e.path, "u".into(), e.ctx(ASSESSOR)).unwrap();
        let mut fields = api::show_engagement(&e.path).unwrap().fields;
        fields.second_review = true;
        api::edit_engagement(&e.path, fields, e.ctx(MANAGER)).unwrap();
        for id in [P1, P2, P3] {
            let patch = ProcedurePatch {
                work_done: Some("2026-05-12 質問した。".into()),
                result: Some(Some(ResultKind::NoException)),
                ..ProcedurePatch::default()
            };
            api::update_procedure(&e.path, id, patch, e.ctx(ASSESSOR)).unwrap();
        }
        e
    }

    /// The context of a member of the demo's team.
    fn ctx(&self, name: &str) -> Context<'_> {
        let actor = self.team.iter().find(|a| a.name == name).unwrap();
        Context { actor, clock: &self.fx.clock }
    }

    fn sign(&self, kind: SignableKind, id: &str, level: SignOffLevel, who: &str) {
        api::sign_off(&self.path, kind, id, level, self.ctx(who)).unwrap();
    }

    fn detail(&self) -> ControlDetail {
        api::control_detail(&self.path, CONTROL).unwrap()
    }

    /// Every standing sign-off on CONTROL and its procedures, as the review states list them.
    fn standing(&self) -> Vec<Named> {
        let mut all = Vec::new();
        for (kind, id) in [
            (SignableKind::Procedure, P1),
            (SignableKind::Procedure, P2),
            (SignableKind::Procedure, P3),
            (SignableKind::Control, CONTROL),
        ] {
            all.extend(named(&api::review_state(&self.path, kind, id).unwrap().signoffs));
        }
        all
    }

    /// The standing sign-offs that `change` withdrew.
    fn withdrawn_by(&self, change: impl FnOnce(&Path)) -> Vec<Named> {
        let before = self.standing();
        change(&self.path);
        let after = self.standing();
        before.into_iter().filter(|s| !after.contains(s)).collect()
    }
}

fn entry<'a>(detail: &'a ControlDetail, id: &str) -> &'a api::ProcedureEntry {
    detail.procedures.iter().find(|p| p.procedure.id == id).unwrap()
}

#[test]
fn a_procedure_change_withdraws_exactly_the_sign_offs_its_entry_named() {
    let e = Engagement::new();
    e.sign(SignableKind::Procedure, P1, SignOffLevel::Preparer, ASSESSOR);
    e.sign(SignableKind::Procedure, P1, SignOffLevel::Reviewer, REVIEWER);
    e.sign(SignableKind::Procedure, P2, SignOffLevel::Preparer, ASSESSOR);

    // Only the preparer signed P2 and nobody signed P3 or the control: a
    // change of either withdraws nothing. P1's reviewer would go.
    let detail = e.detail();
    assert_eq!(
        named(&entry(&detail, P1).withdrawn_by_change),
        expected(&[(SignableKind::Procedure, P1, SignOffLevel::Reviewer, REVIEWER)])
    );
    assert_eq!(entry(&detail, P2).withdrawn_by_change, []);
    assert_eq!(entry(&detail, P3).withdrawn_by_change, []);
    assert_eq!(detail.withdrawn_by_change, []);

    // A second level on P1, and the control reviewed.
    e.sign(SignableKind::Procedure, P1, SignOffLevel::SecondReviewer, MANAGER);
    e.sign(SignableKind::Control, CONTROL, SignOffLevel::Preparer, ASSESSOR);
    e.sign(SignableKind::Control, CONTROL, SignOffLevel::Reviewer, REVIEWER);
    let detail = e.detail();
    let named_for_p1 = named(&entry(&detail, P1).withdrawn_by_change);
    assert_eq!(
        named_for_p1,
        expected(&[
            (SignableKind::Procedure, P1, SignOffLevel::Reviewer, REVIEWER),
            (SignableKind::Procedure, P1, SignOffLevel::SecondReviewer, MANAGER),
            (SignableKind::Control, CONTROL, SignOffLevel::Reviewer, REVIEWER),
        ])
    );
    // The control's content holds P2's: a change of P2 would withdraw the control's reviewer.
    assert_eq!(
        named(&entry(&detail, P2).withdrawn_by_change),
        expected(&[(SignableKind::Control, CONTROL, SignOffLevel::Reviewer, REVIEWER)])
    );
    // The list of every procedure says the same as the control's detail.
    let listed = api::list_procedures(&e.path).unwrap();
    for id in [P1, P2, P3] {
        let from_list = &listed.iter().find(|p| p.procedure.id == id).unwrap().withdrawn_by_change;
        assert_eq!(from_list, &entry(&detail, id).withdrawn_by_change, "{id}");
    }

    // The change withdraws those, and nothing else (P2's preparer and the
    // preparers' own sign-offs stand, marked).
    let withdrawn = e.withdrawn_by(|path| {
        let patch =
            ProcedurePatch { work_done: Some("2026-05-20 再度質問した。".into()), ..ProcedurePatch::default() };
        api::update_procedure(path, P1, patch, e.ctx(ASSESSOR)).unwrap();
    });
    assert_eq!(withdrawn, named_for_p1);

    // Nothing is left to withdraw: the change that marked the preparers' sign-offs withdrew it.
    let detail = e.detail();
    for id in [P1, P2, P3] {
        assert_eq!(entry(&detail, id).withdrawn_by_change, [], "{id}");
    }
    assert_eq!(detail.withdrawn_by_change, []);
}

#[test]
fn an_exception_added_withdraws_what_the_entry_named_too() {
    let e = Engagement::new();
    e.sign(SignableKind::Procedure, P2, SignOffLevel::Preparer, ASSESSOR);
    e.sign(SignableKind::Procedure, P2, SignOffLevel::Reviewer, REVIEWER);
    let named_for_p2 = named(&entry(&e.detail(), P2).withdrawn_by_change);
    assert_eq!(named_for_p2, expected(&[(SignableKind::Procedure, P2, SignOffLevel::Reviewer, REVIEWER)]));
    let withdrawn = e.withdrawn_by(|path| {
        api::add_exception(path, P2, "承認記録が1件欠けていた。", e.ctx(ASSESSOR)).unwrap();
    });
    assert_eq!(withdrawn, named_for_p2);
}

#[test]
fn a_change_of_the_control_withdraws_exactly_what_the_detail_named() {
    let e = Engagement::new();
    e.sign(SignableKind::Procedure, P1, SignOffLevel::Preparer, ASSESSOR);
    e.sign(SignableKind::Procedure, P1, SignOffLevel::Reviewer, REVIEWER);
    e.sign(SignableKind::Control, CONTROL, SignOffLevel::Preparer, ASSESSOR);
    e.sign(SignableKind::Control, CONTROL, SignOffLevel::Reviewer, REVIEWER);
    e.sign(SignableKind::Control, CONTROL, SignOffLevel::SecondReviewer, MANAGER);
    let named_for_control = named(&e.detail().withdrawn_by_change);
    assert_eq!(
        named_for_control,
        expected(&[
            (SignableKind::Control, CONTROL, SignOffLevel::Reviewer, REVIEWER),
            (SignableKind::Control, CONTROL, SignOffLevel::SecondReviewer, MANAGER),
        ])
    );
    // The scope decision is the control's alone: P1's reviewer stays.
    let withdrawn = e.withdrawn_by(|path| {
        api::set_scope(path, CONTROL, ScopeDecision::NotAdopted, "言明書のとおり", None, e.ctx(ASSESSOR)).unwrap();
    });
    assert_eq!(withdrawn, named_for_control);
    assert_eq!(e.detail().withdrawn_by_change, []);
}

/// Excluding a control objective exempts its basic-statement controls: their
/// scope, part of what was signed, changes with it. The change is recorded
/// against them (before, it was not, and `log verify` then reported the
/// signed `.B` control as changed around the log), and the objective's
/// detail names the sign-offs it would withdraw.
#[test]
fn excluding_an_objective_withdraws_the_sign_offs_on_the_controls_it_exempts_and_the_log_stays_intact() {
    const BASIC: &str = "5.1.1.2.B";
    const OBJECTIVE: &str = "5.1.1";
    let e = Engagement::new();
    for p in 1..=3 {
        let patch = ProcedurePatch {
            work_done: Some("2026-05-12 閲覧した。".into()),
            result: Some(Some(ResultKind::NoException)),
            ..ProcedurePatch::default()
        };
        api::update_procedure(&e.path, &format!("{BASIC}/P{p}"), patch, e.ctx(ASSESSOR)).unwrap();
    }
    e.sign(SignableKind::Control, BASIC, SignOffLevel::Preparer, ASSESSOR);
    e.sign(SignableKind::Control, BASIC, SignOffLevel::Reviewer, REVIEWER);

    let objective = api::control_detail(&e.path, BASIC).unwrap().objective.unwrap();
    assert_eq!(objective.id, OBJECTIVE);
    assert_eq!(
        named(&objective.withdrawn_by_change),
        expected(&[(SignableKind::Control, BASIC, SignOffLevel::Reviewer, REVIEWER)])
    );

    api::set_scope(&e.path, OBJECTIVE, ScopeDecision::NotAdopted, "採用していない", None, e.ctx(MANAGER)).unwrap();
    let state = api::review_state(&e.path, SignableKind::Control, BASIC).unwrap();
    assert!(state.changed_after_signoff, "{state:?}");
    assert_eq!(named(&state.signoffs), expected(&[(SignableKind::Control, BASIC, SignOffLevel::Preparer, ASSESSOR)]));
    assert!(state.changes.iter().any(|c| c.field.contains("scope")), "{:?}", state.changes);
    let report = api::verify_log(&e.path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    // Nothing more to withdraw now; a control outside the objective is untouched.
    assert_eq!(api::control_detail(&e.path, BASIC).unwrap().objective.unwrap().withdrawn_by_change, []);
    assert!(!api::review_state(&e.path, SignableKind::Control, CONTROL).unwrap().changed_after_signoff);
}
