//! Benchmarks of the foundation, each beside a reference measured in the
//! same run (see docs/benchmarks.md). Run with:
//!
//!     cargo bench -p workbench-core --bench foundation
//!
//! Figures are printed, never asserted: these machines are too noisy for
//! timed assertions.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use workbench_core::api;
use workbench_core::generate::{large_engagement, GenerateOptions};
use workbench_core::import::ImportOptions;
use workbench_core::model::event::{Actor, Context, FixedClock};
use workbench_core::model::procedure::ProcedurePatch;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    // One warm-up run so the file cache and allocator are in their steady state.
    std::hint::black_box(f());
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn row(what: &str, ours: Duration, reference_name: &str, reference: Duration) {
    println!(
        "| {what} | {} | {reference_name}: {} | {:.2} |",
        ms(ours),
        ms(reference),
        ours.as_secs_f64() / reference.as_secs_f64()
    );
}

fn oscal_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json")
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
    let dir = tempfile::tempdir().unwrap();
    let actor = Actor::new("bench");
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
    let ctx = Context { actor: &actor, clock: &clock };

    println!("| benchmark | workbench (median of {runs}) | reference, same run | ratio |");
    println!("|---|---|---|---|");

    // 1. Import of the full NIST SP 800-53 rev5 OSCAL catalog: read, check,
    //    store in a fresh library. Reference: parsing the same file into a
    //    generic JSON value, the least any importer must do.
    let file = oscal_fixture();
    let bytes = std::fs::read(&file).unwrap();
    let mut n = 0;
    let import = time(runs, || {
        n += 1;
        let data = dir.path().join(format!("library-{n}"));
        api::import_catalog(&data, &file, &ImportOptions::default(), ctx).unwrap()
    });
    let parse = time(runs, || serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
    row("import NIST SP 800-53 rev5 OSCAL (1,189 controls)", import, "serde_json parse only", parse);

    // 2. The large engagement: open it and list its controls with status.
    //    Reference: the sqlite3 shell running the same query (a process start included).
    let path = dir.path().join("large.ismap");
    let started = Instant::now();
    large_engagement(&path, options, ctx).unwrap();
    let generated = started.elapsed();
    let open_list = time(runs, || api::list_controls(&path).unwrap().len());
    let sqlite3 = time(runs, || {
        Command::new("sqlite3")
            .arg(&path)
            .arg("SELECT item_id, grp, parent_id, level, suffix, title_ja, title_en, assessable FROM control ORDER BY ord")
            .output()
            .unwrap()
    });
    row(
        &format!("open the large engagement and list its {} controls", options.controls),
        open_list,
        "sqlite3 shell, same query",
        sqlite3,
    );

    // 3. Verify the whole event log: the chain of hashes, then replay of
    //    every event into a scratch database compared table by table with
    //    the stored state, then every sign-off. References: SHA-256 over the
    //    same payloads in memory (the hashing any verifier must do), and the
    //    sqlite3 shell dumping the whole file as SQL (reading every row once).
    let verify = time(runs, || api::verify_log(&path, None).unwrap());
    let events = api::recent_events(&path, usize::MAX).unwrap();
    let log_bytes: usize = events.iter().map(|e| e.payload.len()).sum();
    let hash_only = time(runs, || {
        use sha2::{Digest, Sha256};
        // Fold the digests together so that none can be optimised away.
        events.iter().fold(0u8, |acc, e| acc ^ Sha256::digest(e.payload.as_bytes())[0])
    });
    let dump = time(runs, || {
        Command::new("sqlite3").arg(&path).arg(".dump").stdout(std::process::Stdio::null()).status().unwrap()
    });
    row(&format!("log verify with replay, {} events", events.len()), verify, "SHA-256 of each payload only", hash_only);
    row(&format!("log verify with replay, {} events", events.len()), verify, "`sqlite3 FILE .dump > /dev/null`", dump);

    // 4. Record one change through the one path of every change: open the
    //    file, check it, decide, append the event, apply it, look for signed
    //    items it touched, commit. Reference: the same UPDATE in SQLite
    //    alone, in its own durable transaction (a connection opened, FULL
    //    synchronous, committed).
    let entries = api::list_procedures(&path).unwrap();
    let mut k = 0;
    let record = time(runs * 4, || {
        k += 1;
        let id = &entries[k % entries.len()].procedure.id;
        let patch = ProcedurePatch {
            work_done: Some(format!("2026-05-13 記録を閲覧した（{k}）。")),
            ..ProcedurePatch::default()
        };
        api::update_procedure(&path, id, patch, ctx).unwrap()
    });
    let raw = time(runs * 4, || {
        k += 1;
        let id = &entries[k % entries.len()].procedure.id;
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "synchronous", "FULL").unwrap();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).unwrap();
        tx.execute("UPDATE procedure SET work_done = ?2 WHERE id = ?1", (id, format!("（{k}）"))).unwrap();
        tx.commit().unwrap();
    });
    row("record a change (a procedure's work done)", record, "the same UPDATE alone, durable", raw);

    // 5. Search the catalog as the control list does: two words matched
    //    together, one of a control's title and one of every criterion text. The first search of a
    //    file builds its in-memory index; later ones reuse it. Reference:
    //    scanning every ID, title and criterion text in memory for both
    //    words (what the list did before the index), texts already loaded.
    let rows = api::list_controls(&path).unwrap();
    let some = rows.iter().filter(|r| r.assessable).nth(rows.len() / 3).unwrap();
    let words = [some.title_ja.to_lowercase(), "承認".to_string()];
    let query = words.join(" ");
    let first = {
        let copy = dir.path().join("large-copy.ismap");
        std::fs::copy(&path, &copy).unwrap();
        let start = Instant::now();
        std::hint::black_box(api::search_controls(&copy, &query).unwrap());
        start.elapsed()
    };
    let warm = time(runs * 4, || api::search_controls(&path, &query).unwrap());
    let hits = api::search_controls(&path, &query).unwrap().hits.len();
    let texts: Vec<String> = rows
        .iter()
        .map(|r| {
            let d = api::control_detail(&path, &r.id).map(|d| format!("{}\n{}", d.item.text_ja, d.item.text_en));
            format!("{}\n{}\n{}\n{}", r.id, r.title_ja, r.title_en, d.unwrap_or_default()).to_lowercase()
        })
        .collect();
    let scan = time(runs * 4, || texts.iter().filter(|t| words.iter().all(|w| t.contains(w.as_str()))).count());
    row(
        &format!("search the catalog, two words, {hits} hits (index built)"),
        warm,
        "scan of the texts in memory",
        scan,
    );
    row("first search of a file (builds the index)", first, "scan of the texts in memory", scan);

    let size = std::fs::metadata(&path).unwrap().len();
    println!();
    println!(
        "Large engagement: {} detailed controls, {} events, {:.1} MB on disk, generated in {:.2} s; log payloads {:.1} MB.",
        options.controls,
        events.len(),
        size as f64 / 1e6,
        generated.as_secs_f64(),
        log_bytes as f64 / 1e6
    );
}
