//! Benchmarks of signed sign-offs on the large engagement, each beside the
//! same work without a key in the same run (see docs/benchmarks.md):
//!
//!     cargo bench -p workbench-core --bench signing
//!
//! Every procedure is performed, then every procedure and control signed
//! at two levels with the signers' keys; figures are printed, never
//! asserted.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use workbench_core::api;
use workbench_core::generate::GenerateOptions;
use workbench_core::keys;
use workbench_core::model::event::{Actor, Context, FixedClock};
use workbench_core::model::procedure::{ProcedurePatch, ResultKind, ScopeDecision};
use workbench_core::model::review::{SignOffLevel, SignableKind};

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap());
    let (manager, reviewer, assessor) = (Actor::new("山田 太郎"), Actor::new("鈴木 一郎"), Actor::new("佐藤 花子"));
    let ctx = |a| Context { actor: a, clock: &clock };
    let file = dir.path().join("large.ismap");
    let options = if quick {
        GenerateOptions { controls: 30, events: 2_000, evidence: 10, samples: 2 }
    } else {
        GenerateOptions::default()
    };
    api::generate_large(&file, options, ctx(&manager)).unwrap();
    let data = dir.path().join("data");
    for a in [&manager, &reviewer, &assessor] {
        keys::create(&data, &a.name, "bench-pin", "2026-05-01T00:00:00.000Z".into()).unwrap();
        let card = keys::card(&data, &a.name, None).unwrap();
        std::fs::write(dir.path().join(format!("{}.card", a.name)), serde_json::to_string(&card).unwrap()).unwrap();
    }
    let start = Instant::now();
    let key = |a: &Actor| keys::unlock(&data, &a.name, "bench-pin").unwrap();
    let manager_key = key(&manager);
    println!("opening a key with its PIN (Argon2id, 19 MiB, 2 passes): {}", ms(start.elapsed()));
    for a in [&manager, &reviewer, &assessor] {
        api::add_member_key(&file, &dir.path().join(format!("{}.card", a.name)), &manager_key, ctx(&manager)).unwrap();
    }
    let (reviewer_key, assessor_key) = (key(&reviewer), key(&assessor));

    // Perform every procedure of the controls in scope.
    let controls: Vec<_> = api::list_controls(&file)
        .unwrap()
        .into_iter()
        .filter(|c| c.assessable && c.scope == ScopeDecision::InScope)
        .collect();
    let procedures: Vec<_> = api::list_procedures(&file).unwrap();
    for p in &procedures {
        let result = if p.procedure.exceptions.is_empty() { ResultKind::NoException } else { ResultKind::Exception };
        let patch =
            ProcedurePatch { work_done: Some("bench".into()), result: Some(Some(result)), ..ProcedurePatch::default() };
        let _ = api::update_procedure(&file, &p.procedure.id, patch, ctx(&assessor));
    }

    // Sign every procedure and control at two levels: with keys, and (for
    // the reference) a copy of the same file signed without.
    let unsigned = dir.path().join("unsigned.ismap");
    api::generate_large(&unsigned, options, ctx(&manager)).unwrap();
    for p in &procedures {
        let result = if p.procedure.exceptions.is_empty() { ResultKind::NoException } else { ResultKind::Exception };
        let patch =
            ProcedurePatch { work_done: Some("bench".into()), result: Some(Some(result)), ..ProcedurePatch::default() };
        let _ = api::update_procedure(&unsigned, &p.procedure.id, patch, ctx(&assessor));
    }
    let mut with_key = Vec::new();
    let mut without = Vec::new();
    let mut signatures = 0u32;
    let items: Vec<(SignableKind, String)> = procedures
        .iter()
        .map(|p| (SignableKind::Procedure, p.procedure.id.clone()))
        .chain(controls.iter().map(|c| (SignableKind::Control, c.id.clone())))
        .collect();
    for (kind, id) in &items {
        for (level, who, k) in
            [(SignOffLevel::Preparer, &assessor, &assessor_key), (SignOffLevel::Reviewer, &reviewer, &reviewer_key)]
        {
            let t = Instant::now();
            if api::sign_off_with_key(&file, *kind, id, level, Some(k), ctx(who)).is_ok() {
                with_key.push(t.elapsed());
                signatures += 1;
            }
            let t = Instant::now();
            if api::sign_off(&unsigned, *kind, id, level, ctx(who)).is_ok() {
                without.push(t.elapsed());
            }
        }
    }
    println!(
        "sign-off with the signer's key (median of {}): {}; without a key, same items, same run: {}",
        with_key.len(),
        ms(median(with_key)),
        ms(median(without))
    );

    let t = Instant::now();
    let report = api::verify_log(&file, None).unwrap();
    let signed = t.elapsed();
    assert!(report.is_intact(), "{report:?}");
    let t = Instant::now();
    assert!(api::verify_log(&unsigned, None).unwrap().is_intact());
    let plain = t.elapsed();
    println!(
        "log verify with {signatures} signatures checked ({} events): {}; the same log unsigned: {}; the signatures' share: {}",
        report.events,
        ms(signed),
        ms(plain),
        ms(signed.saturating_sub(plain))
    );
}
