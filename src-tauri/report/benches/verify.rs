//! The verifier against deflate bombs: a zip entry of about 1 MB (and one
//! of about 4 MB) that inflates to gigabytes of zeros, named `report.pdf`
//! (the file with the largest limit) and declaring exactly that limit, so
//! that the verifier inflates as much as it ever will before it refuses.
//! Each run is a child process (this program again), whose peak resident
//! memory (VmHWM in /proc/self/status) and wall time are reported. Run with:
//!
//!     cargo bench -p workbench-report --bench verify
//!
//! `cargo test --benches` runs it once at a small scale (a 64 MiB bomb
//! under `results.json`), so that it cannot rot. The bound, refused
//! in under 5 s with under 300 MB at peak, is checked on the full run;
//! the small run checks the refusal and the memory only.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/rawzip.rs"]
mod rawzip;

use std::process::Command;
use std::time::{Duration, Instant};

use rawzip::{Layout, RawEntry};
use workbench_report::verify;

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// In the child: verify the file as `workbench verify package` does and
/// print the refusal's code and the peak memory.
fn child(file: &str) {
    let v = verify::verify_package_file(std::path::Path::new(file), &[], Duration::ZERO).unwrap();
    let code = v.checks.iter().find(|c| !c.ok).map_or("accepted", |c| c.code);
    println!("{code} {:.1}", peak_mib());
}

struct Figures {
    code: String,
    peak_mib: f64,
    elapsed: Duration,
}

fn measure(file: &std::path::Path) -> Figures {
    let start = Instant::now();
    let out = Command::new(std::env::current_exe().unwrap()).arg("--child").arg(file).output().unwrap();
    let elapsed = start.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    let (code, peak) = line.split_once(' ').unwrap_or(("?", "0"));
    Figures { code: code.to_string(), peak_mib: peak.parse().unwrap_or(0.0), elapsed }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        child(&args[at + 1]);
        return;
    }
    let quick = !args.iter().any(|a| a == "--bench");
    let dir = tempfile::tempdir().unwrap();
    // (entry name, MiB it inflates to)
    let cases: &[(&str, usize)] =
        if quick { &[("results.json", 64)] } else { &[("report.pdf", 1024), ("report.pdf", 4096)] };
    println!("| bomb | compressed | inflates to | entry's limit | refused as | time | peak memory (child) |");
    println!("|---|---|---|---|---|---|---|");
    for (name, mib) in cases {
        let data = rawzip::deflate_bomb(*mib);
        let limit = verify::entry_limit(name).unwrap();
        let entry = RawEntry {
            name: name.as_bytes().to_vec(),
            local_name: None,
            data,
            method: 8,
            crc32: 0,
            declared: u32::try_from(limit).unwrap(),
        };
        let zip = rawzip::build(&[entry], &Layout::default());
        let file = dir.path().join(format!("bomb-{mib}.zip"));
        std::fs::write(&file, &zip).unwrap();
        let f = measure(&file);
        println!(
            "| {name} | {:.2} MB | {:.2} GB | {} MiB | {} | {:.2} s | {:.0} MiB |",
            zip.len() as f64 / 1e6,
            (*mib as f64) * 1024.0 * 1024.0 / 1e9,
            limit / (1024 * 1024),
            f.code,
            f.elapsed.as_secs_f64(),
            f.peak_mib
        );
        assert_eq!(f.code, "archive.size_mismatch", "the bomb is refused once it passes the size it declares");
        assert!(f.peak_mib * 1024.0 * 1024.0 < 300e6, "peak memory {:.0} MiB", f.peak_mib);
        if !quick {
            assert!(f.elapsed < Duration::from_secs(5), "{:?}", f.elapsed);
        }
    }
}
