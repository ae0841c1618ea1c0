//! Benchmarks of evidence intake, each beside standard tools measured in
//! the same run (see docs/benchmarks.md). Run with:
//!
//!     cargo bench -p workbench-core --bench evidence
//!
//! `EVIDENCE_BENCH_GIB` sets the size of the single-file intake (default 1)
//! and `EVIDENCE_BENCH_BIG_GIB` the file whose peak memory is measured
//! (default 4). Figures are printed, never asserted.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use workbench_core::api;
use workbench_core::api::IntakeFile;
use workbench_core::generate::GenerateOptions;
use workbench_core::model::event::{Actor, Context, FixedClock};
use workbench_core::model::evidence::{EvidenceKind, EvidenceLink, EvidenceMeta, LinkKind};

mod support;
use support::{write_file, MIB};

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn env_gib(name: &str, default: f64) -> u64 {
    let gib: f64 = std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    (gib * 1024.0) as u64 * MIB
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

fn run(program: &str, args: &[&str], extra: &[&Path]) -> Duration {
    let start = Instant::now();
    let status = Command::new(program).args(args).args(extra).stdout(std::process::Stdio::null()).status();
    let elapsed = start.elapsed();
    assert!(status.unwrap().success(), "{program} failed");
    elapsed
}

/// Peak resident memory of this process since the last reset, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    kib * 1024
}

fn current_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    kib * 1024
}

/// Resets the peak so that the next reading covers only what follows
/// (Linux: writing 5 to clear_refs).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing and
    // expects a quick run, so the sizes shrink there.
    let quick = !std::env::args().any(|a| a == "--bench");
    let single = if quick { 8 * MIB } else { env_gib("EVIDENCE_BENCH_GIB", 1.0) };
    let big = if quick { 16 * MIB } else { env_gib("EVIDENCE_BENCH_BIG_GIB", 4.0) };
    let many = if quick { 50 } else { 10_000 };
    let dir = tempfile::tempdir().unwrap();
    let actor = Actor::new("bench");
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
    let ctx = Context { actor: &actor, clock: &clock };
    let mib = |b: u64| format!("{:.0} MiB", b as f64 / MIB as f64);

    // 1. Peak memory while taking in one big file, first, so that no earlier
    //    step's allocations hide in the peak.
    let engagement = dir.path().join("memory.ismap");
    api::create_demo(&engagement, "bench".into(), ctx).unwrap();
    let file = write_file(&dir.path().join("big.bin"), big, 1);
    let idle = current_rss();
    reset_peak();
    let start = Instant::now();
    api::add_evidence(&engagement, &[IntakeFile { path: file.clone(), meta: meta() }], &[], ctx, &mut |_| true)
        .unwrap();
    let took = start.elapsed();
    let peak = peak_rss();
    println!(
        "peak memory taking in {}: {} peak RSS against {} before (+{}), in {}",
        mib(big),
        mib(peak),
        mib(idle),
        mib(peak.saturating_sub(idle)),
        secs(took)
    );
    std::fs::remove_file(&file).unwrap();
    std::fs::remove_file(&engagement).unwrap();

    // 2. One file: intake against openssl's SHA-256 plus cp of the same file.
    //    Every tool reads from the page cache: the file was just written.
    let engagement = dir.path().join("single.ismap");
    api::create_demo(&engagement, "bench".into(), ctx).unwrap();
    let file = write_file(&dir.path().join("single.bin"), single, 2);
    let openssl = run("openssl", &["dgst", "-sha256"], &[&file]);
    let copy_target = dir.path().join("copy.bin");
    let cp = run("cp", &[], &[&file, &copy_target]);
    // `cp` returns with the copy in the page cache; the intake returns with
    // the content on disk (synchronous = FULL). `sync FILE` makes the copy
    // as durable, for the fair comparison.
    let sync = run("sync", &[], &[&copy_target]);
    std::fs::remove_file(&copy_target).unwrap();
    let start = Instant::now();
    api::add_evidence(&engagement, &[IntakeFile { path: file.clone(), meta: meta() }], &[], ctx, &mut |_| true)
        .unwrap();
    let intake = start.elapsed();
    println!(
        "intake of {}: {} | openssl dgst -sha256: {} + cp: {} = {} (ratio {:.2}) | + sync of the copy: {} = {} (ratio {:.2})",
        mib(single),
        secs(intake),
        secs(openssl),
        secs(cp),
        secs(openssl + cp),
        intake.as_secs_f64() / (openssl + cp).as_secs_f64(),
        secs(sync),
        secs(openssl + cp + sync),
        intake.as_secs_f64() / (openssl + cp + sync).as_secs_f64()
    );

    // 3. The same file again: hashed (it must be read to know it is the
    //    same), not stored again.
    let size_before = std::fs::metadata(&engagement).unwrap().len();
    let start = Instant::now();
    api::add_evidence(&engagement, &[IntakeFile { path: file.clone(), meta: meta() }], &[], ctx, &mut |_| true)
        .unwrap();
    let again = start.elapsed();
    let growth = std::fs::metadata(&engagement).unwrap().len() - size_before;
    println!(
        "the same {} taken in again: {} ({:.2} of openssl alone); engagement file grew by {} bytes",
        mib(single),
        secs(again),
        again.as_secs_f64() / openssl.as_secs_f64(),
        growth
    );
    std::fs::remove_file(&file).unwrap();
    std::fs::remove_file(&engagement).unwrap();

    // 4. The large engagement's 10,000 files (2 GB in all in PRODUCT.md's
    //    quality bar: sizes from 4 KiB to about 400 KiB), taken in as one
    //    batch linked to a procedure.
    let engagement = dir.path().join("large.ismap");
    let options = if quick {
        GenerateOptions { controls: 150, events: 300, evidence: 20, samples: 2 }
    } else {
        GenerateOptions::default()
    };
    api::generate_large(&engagement, options, ctx).unwrap();
    let procedure = api::list_procedures(&engagement).unwrap().remove(0).procedure.id;
    let files_dir = dir.path().join("files");
    std::fs::create_dir(&files_dir).unwrap();
    let mut total = 0;
    let files: Vec<PathBuf> = (0..many)
        .map(|i| {
            let len = 4096 + (i as u64 * 7919 % 97) * 4096;
            total += len;
            write_file(&files_dir.join(format!("evidence-{i:05}.bin")), len, 100 + i as u64)
        })
        .collect();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let mut openssl = Duration::ZERO;
    for batch in paths.chunks(500) {
        openssl += run("openssl", &["dgst", "-sha256"], batch);
    }
    let copy_dir = dir.path().join("files-copy");
    let cp = run("cp", &["-r"], &[&files_dir, &copy_dir]);
    let sync = run("sync", &["-f"], &[&copy_dir]);
    std::fs::remove_dir_all(&copy_dir).unwrap();
    let intake: Vec<IntakeFile> = files.iter().map(|p| IntakeFile { path: p.clone(), meta: meta() }).collect();
    let link = [EvidenceLink { kind: LinkKind::Procedure, id: procedure }];
    let start = Instant::now();
    api::add_evidence(&engagement, &intake, &link, ctx, &mut |_| true).unwrap();
    let took = start.elapsed();
    println!(
        "intake of {many} files ({}) into the large engagement: {} | openssl dgst -sha256: {} + cp -r: {} = {} (ratio {:.2}) | + sync -f: {} = {} (ratio {:.2})",
        mib(total),
        secs(took),
        secs(openssl),
        secs(cp),
        secs(openssl + cp),
        took.as_secs_f64() / (openssl + cp).as_secs_f64(),
        secs(sync),
        secs(openssl + cp + sync),
        took.as_secs_f64() / (openssl + cp + sync).as_secs_f64()
    );
    let start = Instant::now();
    let check = api::verify_evidence(&engagement, &mut |_, _| true).unwrap();
    assert!(check.problems.is_empty());
    println!("evidence verify of those {} items: {}", check.items, secs(start.elapsed()));
}
