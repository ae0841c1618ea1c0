//! The report as its readers get it, checked with the tools they would use:
//! `pdftotext` for its words, `pdffonts` for its fonts, `pdfsig` (poppler)
//! and pyHanko for its signature. Test certificates are made here with
//! `openssl` for each run and thrown away; none is committed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, TimeZone, Utc};
use workbench_core::api;
use workbench_report::sign::{pdf_date, sign_pdf, SigningIdentity};
use workbench_report::Lang;

mod common;
use common::{pyhanko, run, Fixture, Pki};

fn text_of(fx: &Fixture, name: &str, pdf: &[u8]) -> String {
    let file = fx.write(name, pdf);
    let (ok, text) = run("pdftotext", &["-layout", file.to_str().unwrap(), "-"]);
    assert!(ok, "{text}");
    text
}

#[test]
fn the_japanese_report_says_what_the_engagement_holds() {
    let fx = Fixture::new();
    let (pdf, pages) = fx.report(true, Lang::Ja);
    let text = text_of(&fx, "ja.pdf", &pdf);
    for expected in [
        "実施結果報告書",
        "ISMAP 外部監査（初回監査）",
        "株式会社サンプルクラウド",
        "7123456789012",
        "サンプルクラウド IaaS",
        "2025-10-01 〜 2026-09-30",
        "みなと監査法人（架空）",
        "SAMPLE-0001",
        "2026-11-20",
        "1. 監査の範囲と基準",
        "2. 実施した手続と方法",
        "規則表 common-practice 2026.1",
        "3. 管理策ごとの結果",
        "ガバナンス基準",
        "4. 例外事項",
        "E-0001",
        "CHG-0017 は 2025-11-11 に実施されたが",
        "退職者3名のうち1名のIDが",
        "5. 経営者確認書と後発事象",
        "経営者確認書の日付",
        "2026-10-14",
        "確認事項 7（",
        "経営者の記載は次のとおり。",
        "SE-001（2026-10-20）",
        "6. 証跡一覧",
        "7. 査閲と署名",
        "EV-0001",
        "特権ID管理手順書",
        "取扱注意：関係者限り",
        &format!("1 / {pages} ページ"),
        &format!("{pages} / {pages} ページ"),
        "確定版",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in the Japanese report:\n{text}");
    }
    assert!(!text.contains("草案"), "a final report carries no draft mark");
    // The exception of the test grid names its sample item and attribute.
    assert!(text.contains("標本 S7（CHG-0017）、属性 A"), "{text}");
}

#[test]
fn the_english_report_and_the_draft() {
    let fx = Fixture::new();
    let (pdf, pages) = fx.report(true, Lang::En);
    let text = text_of(&fx, "en.pdf", &pdf);
    for expected in [
        "Assessment Report",
        "ISMAP external audit (initial audit)",
        "Cloud service provider",
        "1. Scope and basis",
        "3. Results by control",
        "Governance criteria",
        "4. Exceptions",
        "sample S7 (CHG-0017), attribute A",
        "Restricted distribution",
        &format!("Page 1 of {pages}"),
        "Final: made from the engagement finalized by",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in the English report:\n{text}");
    }
    let (draft, pages) = fx.report(false, Lang::Ja);
    let text = text_of(&fx, "draft.pdf", &draft);
    assert!(text.contains("草案：この報告書は確定前の監査業務から作成されたもので、署名されていません。"));
    // The watermark is set at an angle, which pdftotext reads best in raw order.
    let file = fx.write("draft-raw.pdf", &draft);
    let (ok, raw) = run("pdftotext", &["-raw", file.to_str().unwrap(), "-"]);
    assert!(ok);
    assert_eq!(raw.matches("DRAFT").count(), pages, "one watermark a page:\n{raw}");
}

#[test]
fn only_embedded_subset_fonts_and_real_metadata() {
    let fx = Fixture::new();
    let (pdf, _) = fx.report(true, Lang::Ja);
    let file = fx.write("fonts.pdf", &pdf);
    let (ok, fonts) = run("pdffonts", &[file.to_str().unwrap()]);
    assert!(ok, "{fonts}");
    let rows: Vec<&str> = fonts.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        // ... emb sub uni object ID: the three flags before the object number.
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "not an embedded subset: {row}");
        assert!(cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+', "no subset tag: {row}");
    }
    let (ok, info) = run("pdfinfo", &[file.to_str().unwrap()]);
    assert!(ok, "{info}");
    assert!(info.contains("Title:           実施結果報告書"), "{info}");
    assert!(info.contains("Author:          みなと監査法人（架空）"), "{info}");
    // The fixture's clock, not printpdf's default of 1970.
    assert!(info.contains("CreationDate:    Fri Nov 20 01:00:00 2026 UTC"), "{info}");
    // One bookmark per section.
    let doc = lopdf_outline_count(&pdf);
    assert_eq!(doc, 8, "the cover and seven sections");
}

/// How many entries the PDF's outline has (read with the same lopdf the
/// signature uses).
fn lopdf_outline_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    // printpdf writes one /Dest per bookmark in the outline items.
    text.matches("/Dest").count()
}

/// A throwaway CA and two signers (RSA and P-256) with their PKCS#12 files.
fn demo_pki(fx: &Fixture) -> Pki {
    let pki = Pki::new(fx.path("pki"));
    let until = common::until();
    pki.key("ca", "rsa:2048");
    pki.issue("ca", "/O=Throwaway test CA/CN=Report test root", "ca", "ca_ext", "sha256", &[], common::FROM, &until);
    for (name, spec) in [("rsa", "rsa:2048"), ("ec", "ec:P-256")] {
        pki.key(name, spec);
        let subject = format!("/O=Throwaway test firm/CN=Report signer {name}");
        pki.issue(name, &subject, "ca", "leaf", "sha256", &[], common::FROM, &until);
        pki.p12(name, &["ca.pem"]);
    }
    pki
}

fn flip_one_byte(pdf: &[u8]) -> Vec<u8> {
    let mut changed = pdf.to_vec();
    let at = changed.windows(6).position(|w| w == b"stream").unwrap() + 40;
    changed[at] ^= 0x01;
    changed
}

#[test]
fn the_signed_report_is_accepted_by_pdfsig_pyhanko_and_our_verifier_and_rejected_after_a_one_byte_change() {
    let fx = Fixture::new();
    let pki = demo_pki(&fx);
    let nss = pki.nss();
    let (pdf, _) = fx.report(true, Lang::Ja);
    let at = pdf_date(Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    // A CA that issued nothing here.
    let other_fx = Fixture::new();
    let stranger = verify::read_anchors(&demo_pki(&other_fx).path("ca.pem")).unwrap();
    for key in ["rsa", "ec"] {
        let identity = SigningIdentity::from_pkcs12(&pki.p12_bytes(key), "s3cret").unwrap();
        assert!(identity.subject.contains(&format!("Report signer {key}")), "{}", identity.subject);
        let signed = sign_pdf(pdf.clone(), &identity, &at, "みなと監査法人（架空）").unwrap();
        let file = fx.write(&format!("signed-{key}.pdf"), &signed);
        let (_, report) = run("pdfsig", &["-nssdir", &nss, file.to_str().unwrap()]);
        assert!(report.contains("Signature Validation: Signature is Valid."), "{key}: {report}");
        assert!(report.contains("Certificate Validation: Certificate is Trusted."), "{key}: {report}");
        assert!(report.contains("Signature Type: ETSI.CAdES.detached"), "{key}: {report}");
        assert!(report.contains("Total document signed"), "{key}: {report}");
        let ca = pki.path("ca.pem");
        let (ok, verdict) = run(
            &pyhanko(),
            &["sign", "validate", "--trust", ca.to_str().unwrap(), "--trust-replace", file.to_str().unwrap()],
        );
        assert!(ok && verdict.contains("INTACT:TRUSTED,UNTOUCHED"), "{key}: {verdict}");

        let tampered = fx.write(&format!("tampered-{key}.pdf"), &flip_one_byte(&signed));
        let (_, report) = run("pdfsig", &["-nssdir", &nss, tampered.to_str().unwrap()]);
        assert!(!report.contains("Signature is Valid."), "{key}: {report}");
        let (ok, verdict) = run(
            &pyhanko(),
            &["sign", "validate", "--trust", ca.to_str().unwrap(), "--trust-replace", tampered.to_str().unwrap()],
        );
        assert!(!ok && verdict.contains("INVALID"), "{key}: {verdict}");

        // Our own verifier, on the report alone, agrees with both.
        let anchors = verify::read_anchors(&ca).unwrap();
        let alone = verify::verify_report(&signed, &anchors, now);
        assert!(alone.passed() && alone.kind == "report", "{key}: {:#?}", alone.checks);
        let tampered = verify::verify_report(&flip_one_byte(&signed), &anchors, now);
        assert_eq!((failed(&tampered), failure_kinds(&tampered)), (vec!["report signature".into()], vec![Changed]));
        let untrusted = verify::verify_report(&signed, &stranger, now);
        assert_eq!((failed(&untrusted), failure_kinds(&untrusted)), (vec!["report signature".into()], vec![Untrusted]));
    }
    // An unsigned report, and a file that is not a PDF, are named as such.
    let anchors = verify::read_anchors(&pki.path("ca.pem")).unwrap();
    let unsigned = verify::verify_report(&pdf, &anchors, now);
    assert_eq!((failed(&unsigned), failure_kinds(&unsigned)), (vec!["report signature".into()], vec![Missing]));
    assert!(unsigned.checks[1].detail.contains("not signed"), "{:#?}", unsigned.checks);
    let not_pdf = verify::verify_report(b"PK\x03\x04", &anchors, now);
    assert_eq!((failed(&not_pdf), failure_kinds(&not_pdf)), (vec!["PDF".into()], vec![Malformed]));
}

#[test]
fn bad_signing_material_is_refused_clearly() {
    let fx = Fixture::new();
    let pki = demo_pki(&fx);
    let wrong = SigningIdentity::from_pkcs12(&pki.p12_bytes("rsa"), "not-it").unwrap_err();
    assert!(wrong.to_string().contains("wrong passphrase"), "{wrong}");
    let garbage = SigningIdentity::from_pkcs12(b"not a pkcs12 file", "s3cret").unwrap_err();
    assert_eq!(garbage.kind(), "invalid");
    // A PKCS#12 with a key but no certificate.
    pki.openssl(&["pkcs12", "-export", "-nocerts", "-inkey", "ec.key", "-out", "bare.p12", "-passout", "pass:s3cret"]);
    let bare = std::fs::read(pki.path("bare.p12")).unwrap();
    let err = SigningIdentity::from_pkcs12(&bare, "s3cret").unwrap_err();
    assert!(err.to_string().contains("no certificate") || err.to_string().contains("no private key"), "{err}");
}

// ---- The submission package and its verifier -------------------------------------

use std::io::{Cursor, Read, Write};
use verify::FailureKind::{Changed, Inconsistent, Malformed, Missing, Unsafe, Untrusted};
use workbench_report::{package, verify};

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn with_changed(bytes: &[u8], name: &str, change: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut files = unzip(bytes);
    let entry = files.iter_mut().find(|(n, _)| n == name).unwrap();
    change(&mut entry.1);
    rezip(&files)
}

fn failed(v: &verify::Verification) -> Vec<String> {
    v.checks.iter().filter(|c| !c.ok).map(|c| c.name.clone()).collect()
}

/// The kinds of the failed checks, in order; every failed check has one and no passed check has any.
fn failure_kinds(v: &verify::Verification) -> Vec<verify::FailureKind> {
    assert!(v.checks.iter().all(|c| c.ok == c.failure.is_none()), "{:#?}", v.checks);
    v.checks.iter().filter_map(|c| c.failure).collect()
}

#[test]
fn a_fresh_package_verifies_and_each_change_is_named() {
    let fx = Fixture::new();
    let pki = demo_pki(&fx);
    let (pdf, _) = fx.report(true, Lang::Ja);
    let file = fx.path("final.ismap");
    let model = api::report_model(&file, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), fx.ctx()).unwrap();
    let identity = SigningIdentity::from_pkcs12(&pki.p12_bytes("rsa"), "s3cret").unwrap();
    let signed = sign_pdf(pdf, &identity, &pdf_date(Utc::now()), "firm").unwrap();
    let zip = package::build(&model, &signed, &identity).unwrap();
    let anchors = verify::read_anchors(&pki.path("ca.pem")).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();

    let fresh = verify::verify_package(&zip, &anchors, now);
    assert!(fresh.passed() && fresh.kind == "package", "{:#?}", fresh.checks);
    assert!(failure_kinds(&fresh).is_empty());
    let names: Vec<String> = unzip(&zip).into_iter().map(|(n, _)| n).collect();
    for expected in [
        "report.pdf",
        "results.json",
        "results.csv",
        "oscal-assessment-results.json",
        "evidence-manifest.json",
        "event-log-head.json",
        "manifest.json",
        "manifest.p7s",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
    // The OSCAL document has an observation per procedure and a finding per exception.
    let files = unzip(&zip);
    let oscal: serde_json::Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "oscal-assessment-results.json").unwrap().1).unwrap();
    let result = &oscal["assessment-results"]["results"][0];
    assert_eq!(result["findings"].as_array().unwrap().len(), model.exceptions.len());
    assert!(result["observations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["methods"][0] == "TEST" || o["methods"][0] == "EXAMINE"));

    // A changed PDF: its hash and its own signature fail.
    let changed_pdf = with_changed(&zip, "report.pdf", |b| {
        let at = b.windows(6).position(|w| w == b"stream").unwrap() + 40;
        b[at] ^= 1;
    });
    let v = verify::verify_package(&changed_pdf, &anchors, now);
    assert_eq!(failed(&v), ["file report.pdf", "report signature"]);
    assert_eq!(failure_kinds(&v), [Changed, Changed]);

    // A changed results file.
    let changed_results = with_changed(&zip, "results.json", |b| {
        let text = String::from_utf8(b.clone()).unwrap().replacen("no_exception", "exception", 1);
        *b = text.into_bytes();
    });
    assert_eq!(failed(&verify::verify_package(&changed_results, &anchors, now)), ["file results.json"]);

    // An evidence entry taken out of the evidence manifest.
    let missing_evidence = with_changed(&zip, "evidence-manifest.json", |b| {
        let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
        v["evidence"].as_array_mut().unwrap().clear();
        *b = serde_json::to_vec_pretty(&v).unwrap();
    });
    let v = verify::verify_package(&missing_evidence, &anchors, now);
    assert_eq!(failed(&v), ["file evidence-manifest.json", "results consistent with the manifest"]);
    assert_eq!(failure_kinds(&v), [Changed, Inconsistent]);
    assert!(v.checks.iter().any(|c| c.detail.contains("EV-0001")), "{:#?}", v.checks);

    // A trust anchor that did not issue the firm's certificate.
    let other_fx = Fixture::new();
    let other = demo_pki(&other_fx);
    let wrong = verify::read_anchors(&other.path("ca.pem")).unwrap();
    let v = verify::verify_package(&zip, &wrong, now);
    assert_eq!(failed(&v), ["manifest signature", "report signature"]);
    assert_eq!(failure_kinds(&v), [Untrusted, Untrusted]);

    // A trust file that holds no certificate is refused, naming the file.
    let not_a_cert = fx.write("not-a-cert.pem", b"-----BEGIN NOTHING-----\n");
    let err = verify::read_anchors(&not_a_cert).unwrap_err();
    assert_eq!(err.kind(), "import");
    assert!(err.to_string().contains("not-a-cert.pem"), "{err}");

    // Not a zip, and a path that climbs out.
    let not_zip = verify::verify_package(b"PK not really", &anchors, now);
    assert_eq!((failed(&not_zip), failure_kinds(&not_zip)), (vec!["archive".into()], vec![Malformed]));
    let mut files = unzip(&zip);
    files.push(("../evil.txt".into(), b"x".to_vec()));
    let climbing = verify::verify_package(&rezip(&files), &anchors, now);
    assert_eq!((failed(&climbing), failure_kinds(&climbing)), (vec!["archive".into()], vec![Unsafe]));
}
