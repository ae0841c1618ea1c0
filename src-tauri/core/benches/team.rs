//! Benchmarks of team fieldwork, each beside `cp` of the same bytes in the
//! same run (see docs/benchmarks.md). Run with:
//!
//!     cargo bench -p workbench-core --bench team
//!
//! On the large engagement (`workbench generate`): making a field copy that
//! carries no evidence, and merging back a copy that holds 5,000 new events
//! of which 1,000 take in evidence (`TEAM_BENCH_GIB` in all, default 2).
//! Figures are printed, never asserted.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use workbench_core::api::{self, CopyScope, IntakeFile};
use workbench_core::generate::GenerateOptions;
use workbench_core::model::event::{Actor, Context, FixedClock};
use workbench_core::model::evidence::{EvidenceKind, EvidenceLink, EvidenceMeta, LinkKind};
use workbench_core::model::procedure::ProcedurePatch;

mod support;
use support::{write_file, MIB};

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn meta() -> EvidenceMeta {
    EvidenceMeta {
        title: "bench".into(),
        description: String::new(),
        kind: EvidenceKind::Other,
        obtained_from: String::new(),
        obtained_by: "bench".into(),
        obtained_at: None,
        as_of: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
    }
}

/// `cp -r FROM TO` and `sync`, timed together: copying the bytes durably.
fn cp(from: &Path, to: &Path) -> Duration {
    let start = Instant::now();
    let status = Command::new("cp").arg("-r").arg(from).arg(to).status().unwrap();
    assert!(status.success());
    assert!(Command::new("sync").status().unwrap().success());
    start.elapsed()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing and
    // expects a quick run, so the sizes shrink there.
    let quick = !std::env::args().any(|a| a == "--bench");
    let gib: f64 =
        if quick { 0.01 } else { std::env::var("TEAM_BENCH_GIB").ok().and_then(|v| v.parse().ok()).unwrap_or(2.0) };
    let (items, edits) = if quick { (50u64, 50usize) } else { (1000, 4000) };
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap());
    let manager = Actor::new("山田 太郎");
    let ctx = Context { actor: &manager, clock: &clock };
    let file = dir.path().join("large.ismap");
    api::generate_large(&file, GenerateOptions::default(), ctx).unwrap();
    let size = std::fs::metadata(&file).unwrap().len();
    println!("the large engagement: {:.1} MB", size as f64 / 1e6);

    // A copy carrying no evidence, beside `cp` of the file.
    let mut made = Vec::new();
    let mut copied = Vec::new();
    for i in 0..5 {
        let out = dir.path().join(format!("copy-{i}.ismap"));
        let start = Instant::now();
        api::make_copy(&file, &out, "佐藤 花子", CopyScope::Controls(Vec::new()), format!("bench-{i}"), ctx).unwrap();
        made.push(start.elapsed());
        let reference = dir.path().join(format!("cp-{i}.ismap"));
        copied.push(cp(&file, &reference));
        std::fs::remove_file(&reference).unwrap();
        if i > 0 {
            std::fs::remove_file(&out).unwrap();
        }
    }
    made.sort();
    copied.sort();
    println!(
        "field copy without evidence: {} (median of 5), cp of the file + sync: {} ({:.2}x)",
        secs(made[2]),
        secs(copied[2]),
        made[2].as_secs_f64() / copied[2].as_secs_f64()
    );

    // The copy's work: 1,000 evidence items (2 GB) and 4,000 edits.
    let copy = dir.path().join("copy-0.ismap");
    let sato = Actor::new("佐藤 花子");
    let work = Context { actor: &sato, clock: &clock };
    let evidence = dir.path().join("evidence");
    std::fs::create_dir_all(&evidence).unwrap();
    let each = ((gib * 1024.0) as u64 * MIB) / items;
    let procedures: Vec<String> =
        api::list_procedures(&copy).unwrap().into_iter().map(|p| p.procedure.id).take(edits).collect();
    let start = Instant::now();
    for batch in 0..(items / 50) {
        let files: Vec<IntakeFile> = (0..50)
            .map(|k| {
                let n = batch * 50 + k;
                let path = write_file(&evidence.join(format!("screenshot-{n:04}.png")), each, n);
                IntakeFile { path, meta: meta() }
            })
            .collect();
        let link = EvidenceLink { kind: LinkKind::Procedure, id: procedures[batch as usize].clone() };
        api::add_evidence(&copy, &files, &[link], work, &mut |_| true).unwrap();
    }
    for (i, id) in procedures.iter().enumerate() {
        let patch =
            ProcedurePatch { work_done: Some(format!("現地で確認した {i}")), ..ProcedurePatch::default() };
        api::update_procedure(&copy, id, patch, work).unwrap();
    }
    println!(
        "the copy's work ({items} evidence items, {:.2} GB, and {edits} edits) took {}",
        (each * items) as f64 / 1e9,
        secs(start.elapsed())
    );

    // Merging it back, beside `cp` of the evidence files it carries.
    let start = Instant::now();
    let outcome = api::merge(&file, &copy, ctx).unwrap();
    let merged = start.elapsed();
    assert_eq!(outcome.new_contents as u64, items);
    let reference = cp(&evidence, &dir.path().join("evidence-copy"));
    println!(
        "merge of {} events and {} new contents ({:.2} GB): {}; cp -r of the evidence + sync: {}; merge beyond cp: {}",
        outcome.imported,
        outcome.new_contents,
        outcome.new_content_bytes as f64 / 1e9,
        secs(merged),
        secs(reference),
        secs(merged.saturating_sub(reference))
    );
    let start = Instant::now();
    let again = api::merge(&file, &copy, ctx).unwrap();
    println!("merging the same copy again: {} events, {}", again.imported, secs(start.elapsed()));
    let start = Instant::now();
    let report = api::verify_log(&file, None).unwrap();
    assert!(report.is_intact());
    println!("log verify with replay of the merged file ({} events): {}", report.events, secs(start.elapsed()));
}
