//! Exporting and signing the report of the large engagement, beside headless
//! Chromium printing an HTML page of the same content to PDF (the way
//! web-based tools make reports), in the same run. Run with:
//!
//!     cargo bench -p workbench-report --bench report
//!
//! Figures are printed, never asserted. `cargo test --benches` runs it once
//! at a small size and without Chromium, so that it cannot rot.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use workbench_core::api;
use workbench_core::generate::GenerateOptions;
use workbench_core::model::event::{Actor, Context, FixedClock};
use workbench_core::model::report::ReportModel;
use workbench_report::sign::{pdf_date, sign_pdf, SigningIdentity};
use workbench_report::{render, Lang};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn openssl(dir: &Path, args: &[&str]) {
    let ok = Command::new("openssl").args(args).current_dir(dir).output().unwrap().status.success();
    assert!(ok, "openssl {args:?}");
}

/// The same content as an HTML page: the tables of the report, in Japanese.
fn html(model: &ReportModel) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut out = String::from(
        "<!doctype html><html lang=ja><meta charset=utf-8><style>body{font-family:'Noto Sans CJK JP',sans-serif;font-size:9pt}\
         table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #999;padding:2px;text-align:left}</style>",
    );
    out.push_str(&format!(
        "<h1>実施結果報告書</h1><p>{} {}</p>",
        esc(&model.fields.provider.name),
        esc(&model.fields.service.name)
    ));
    for g in &model.groups {
        out.push_str(&format!("<h2>{}</h2>", esc(&g.group)));
        for d in &g.domains {
            out.push_str(&format!(
                "<h3>{} {}</h3><table><tr><th>管理策<th>表題<th>手続<th>結果<th>例外事項",
                d.id,
                esc(&d.title_ja)
            ));
            for c in &d.controls {
                let kinds: Vec<&str> = c.procedures.iter().map(|p| p.kind.as_str()).collect();
                let exceptions: Vec<&str> =
                    c.procedures.iter().flat_map(|p| p.exceptions.iter().map(String::as_str)).collect();
                out.push_str(&format!(
                    "<tr><td>{}<td>{}<td>{}<td>{}<td>{}",
                    c.id,
                    esc(&c.title_ja),
                    kinds.join("、"),
                    c.result.map_or("", |r| r.as_str()),
                    exceptions.join(", ")
                ));
            }
            out.push_str("</table>");
        }
    }
    out.push_str("<h2>例外事項</h2>");
    for e in &model.exceptions {
        out.push_str(&format!("<h4>{}</h4><p>{}</p>", e.id, esc(&e.text)));
    }
    out.push_str("</html>");
    out
}

fn pages_and_fonts(pdf: &Path) -> (String, String) {
    let info = String::from_utf8_lossy(&Command::new("pdfinfo").arg(pdf).output().unwrap().stdout).into_owned();
    let pages = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap_or("?").trim().to_string();
    let fonts = String::from_utf8_lossy(&Command::new("pdffonts").arg(pdf).output().unwrap().stdout).into_owned();
    let kinds: Vec<String> = fonts
        .lines()
        .skip(2)
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            let n = c.len();
            let kind = if l.contains("Type 3") {
                "Type 3".to_string()
            } else {
                c.get(1..n.saturating_sub(6)).map(|k| k.join(" ")).unwrap_or_default()
            };
            format!(
                "{kind} (emb {}, sub {})",
                c.get(n.wrapping_sub(5)).unwrap_or(&"?"),
                c.get(n.wrapping_sub(4)).unwrap_or(&"?")
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    (pages, kinds.join("; "))
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let runs = if quick { 1 } else { 5 };
    let options = if quick {
        GenerateOptions { controls: 150, events: 300, evidence: 20, samples: 2 }
    } else {
        GenerateOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let actor = Actor::new("bench");
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap());
    let ctx = Context { actor: &actor, clock: &clock };
    let path = dir.path().join("large.ismap");
    api::generate_large(&path, options, ctx).unwrap();

    // A throwaway signer, made for this run.
    openssl(
        dir.path(),
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
            "-days",
            "2",
            "-subj",
            "/CN=bench signer",
            "-addext",
            "keyUsage=critical,digitalSignature",
        ],
    );
    openssl(
        dir.path(),
        &["pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-out", "s.p12", "-passout", "pass:bench"],
    );
    let identity = SigningIdentity::from_pkcs12(&std::fs::read(dir.path().join("s.p12")).unwrap(), "bench").unwrap();

    let date = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let before = peak_mib();
    let mut samples = Vec::new();
    let mut last = (Vec::new(), 0);
    for _ in 0..runs {
        let start = Instant::now();
        let model = api::report_model(&path, date, ctx).unwrap();
        let report = render(&model, Lang::Ja).unwrap();
        let signed = sign_pdf(report.pdf, &identity, &pdf_date(Utc::now()), "bench").unwrap();
        samples.push(start.elapsed());
        last = (signed, report.pages);
    }
    let ours = median(samples);
    let peak = peak_mib() - before;
    let ours_pdf = dir.path().join("ours.pdf");
    std::fs::write(&ours_pdf, &last.0).unwrap();
    let (_, our_fonts) = pages_and_fonts(&ours_pdf);
    let model = api::report_model(&path, date, ctx).unwrap();
    let rows: usize = model.groups.iter().flat_map(|g| &g.domains).map(|d| d.controls.len()).sum();
    println!("| | workbench (read, lay out, sign; median of {runs}) | headless Chromium, same content |");
    println!("|---|---|---|");
    if quick {
        println!("| time | {:.2} s | (not run in quick mode) |", ours.as_secs_f64());
        println!("| pages | {} | |", last.1);
        return;
    }
    let page = dir.path().join("report.html");
    std::fs::write(&page, html(&model)).unwrap();
    let chrome_pdf = dir.path().join("chromium.pdf");
    let mut chrome_times = Vec::new();
    let mut chrome_peak = String::new();
    for _ in 0..runs {
        let start = Instant::now();
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%M", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"])
            .arg(format!("--print-to-pdf={}", chrome_pdf.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium is installed (Debian package chromium)");
        chrome_times.push(start.elapsed());
        chrome_peak = String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").trim().to_string();
    }
    let chrome = median(chrome_times);
    let (chrome_pages, chrome_fonts) = pages_and_fonts(&chrome_pdf);
    let chrome_mib =
        chrome_peak.parse::<f64>().map_or("?".to_string(), |kb| format!("{:.0} MiB (largest process)", kb / 1024.0));
    println!(
        "| content | {rows} controls in {} criteria groups, {} exceptions | the same tables as HTML |",
        model.groups.len(),
        model.exceptions.len()
    );
    println!(
        "| time | {:.2} s | {:.2} s (ratio {:.2}) |",
        ours.as_secs_f64(),
        chrome.as_secs_f64(),
        ours.as_secs_f64() / chrome.as_secs_f64()
    );
    println!("| peak memory | +{peak:.0} MiB | {chrome_mib} |");
    println!("| pages | {} | {chrome_pages} |", last.1);
    println!(
        "| file size | {:.0} KiB | {:.0} KiB |",
        last.0.len() as f64 / 1024.0,
        std::fs::metadata(&chrome_pdf).unwrap().len() as f64 / 1024.0
    );
    println!("| fonts (pdffonts) | {our_fonts} | {chrome_fonts} |");
}
