//! Encrypted engagement files beside plain ones, in the same run (issue 19,
//! docs/benchmarks.md): opening the large engagement and listing its
//! controls, verifying its log by replay, and taking in one large evidence
//! file. Figures are printed, never asserted.
//!
//!   cargo bench -p workbench-core --bench encryption
//!
//! `EVIDENCE_BENCH_GIB` sets the evidence file's size (default 1 GiB).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use workbench_core::api::{self, cipher, IntakeFile};
use workbench_core::generate::{large_engagement, GenerateOptions};
use workbench_core::model::event::{Actor, Context, FixedClock};
use workbench_core::model::evidence::{EvidenceKind, EvidenceMeta};

mod support;
use support::write_file;

const PASSPHRASE: &str = "ベンチマーク用のパスフレーズ 2026";

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Runs `plain` and `encrypted` alternately, `runs` times each, so that
/// neither gets a warmer cache or a quieter machine: the medians.
fn alternate(runs: usize, mut plain: impl FnMut(), mut encrypted: impl FnMut()) -> (Duration, Duration) {
    let (mut p, mut e) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        plain();
        p.push(t.elapsed());
        let t = Instant::now();
        encrypted();
        e.push(t.elapsed());
    }
    (median(p), median(e))
}

fn row(what: &str, plain: Duration, encrypted: Duration) {
    println!("| {what} | {} | {} | {:.2} |", ms(plain), ms(encrypted), encrypted.as_secs_f64() / plain.as_secs_f64());
}

fn meta() -> EvidenceMeta {
    EvidenceMeta {
        title: "ログ一式".into(),
        description: String::new(),
        kind: EvidenceKind::LogExport,
        obtained_from: "運用部".into(),
        obtained_by: "bench".into(),
        obtained_at: Some("2026-04-10".parse().unwrap()),
        as_of: "2026-03-31".parse().unwrap(),
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing
    // and expects a quick run, so the sizes shrink there.
    let quick = !std::env::args().any(|a| a == "--bench");
    let runs = if quick { 1 } else { 15 };
    let options = if quick {
        GenerateOptions { controls: 150, events: 300, evidence: 20, samples: 2 }
    } else {
        GenerateOptions::default()
    };
    let evidence_bytes = if quick {
        8 << 20
    } else {
        let gib: f64 = std::env::var("EVIDENCE_BENCH_GIB").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0);
        (gib * (1u64 << 30) as f64) as u64
    };
    let dir = tempfile::tempdir().unwrap();
    let actor = Actor::new("bench");
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
    let ctx = Context { actor: &actor, clock: &clock };

    // The large engagement, and the same file encrypted.
    let plain = dir.path().join("large.ismap");
    large_engagement(&plain, options, ctx).unwrap();
    let encrypted = dir.path().join("large-encrypted.ismap");
    std::fs::copy(&plain, &encrypted).unwrap();
    let started = Instant::now();
    cipher::encrypt(&encrypted, PASSPHRASE).unwrap();
    let encrypting = started.elapsed();
    // The first open derives the key from the passphrase (PBKDF2, 256,000
    // iterations); every later one reuses it, as the app does.
    cipher::remember_passphrase(&encrypted, PASSPHRASE.to_string().into());
    let started = Instant::now();
    api::show_engagement(&encrypted).unwrap();
    let first_open = started.elapsed();

    println!("| benchmark | plain (median of {runs}) | encrypted, same run | ratio |");
    println!("|---|---|---|---|");
    let (p, e) = alternate(
        runs,
        || {
            std::hint::black_box(api::list_controls(&plain).unwrap());
        },
        || {
            std::hint::black_box(api::list_controls(&encrypted).unwrap());
        },
    );
    row(&format!("open the large engagement and list its {} controls", options.controls), p, e);
    let (p, e) = alternate(
        runs,
        || {
            std::hint::black_box(api::show_engagement(&plain).unwrap());
        },
        || {
            std::hint::black_box(api::show_engagement(&encrypted).unwrap());
        },
    );
    row("open the large engagement and read its dashboard header (engagement show)", p, e);
    let (p, e) = alternate(
        runs.min(5),
        || assert!(api::verify_log(&plain, None).unwrap().is_intact()),
        || assert!(api::verify_log(&encrypted, None).unwrap().is_intact()),
    );
    let events = api::show_engagement(&plain).unwrap().events;
    row(&format!("log verify with replay, {events} events"), p, e);

    // One large evidence file into a plain and an encrypted demo, in turn.
    let source = write_file(&dir.path().join("evidence.bin"), evidence_bytes, 1);
    let intake_runs = if quick { 1 } else { 3 };
    let mut n = 0;
    let mut fresh = |encrypt: bool| {
        n += 1;
        let path = dir.path().join(format!("intake-{n}.ismap"));
        if encrypt {
            cipher::remember_passphrase(&path, PASSPHRASE.to_string().into());
        }
        api::create_demo(&path, format!("intake-{n}"), ctx).unwrap();
        path
    };
    let (mut p, mut e) = (Vec::new(), Vec::new());
    for _ in 0..intake_runs {
        for (encrypt, times) in [(false, &mut p), (true, &mut e)] {
            let path = fresh(encrypt);
            let t = Instant::now();
            api::add_evidence(&path, &[IntakeFile { path: source.clone(), meta: meta() }], &[], ctx, &mut |_| true)
                .unwrap();
            times.push(t.elapsed());
            std::fs::remove_file(&path).unwrap();
        }
    }
    row(
        &format!("take in one evidence file of {} MiB (median of {intake_runs})", evidence_bytes >> 20),
        median(p),
        median(e),
    );

    let size = std::fs::metadata(&plain).unwrap().len();
    println!();
    println!(
        "Large engagement: {} controls, {events} events, {:.1} MB; encrypting it (`engagement encrypt`: export, \
         open, verify by replay, replace) took {:.2} s; the first open of the encrypted file, with the key \
         derivation, {}.",
        options.controls,
        size as f64 / 1e6,
        encrypting.as_secs_f64(),
        ms(first_open)
    );
}
