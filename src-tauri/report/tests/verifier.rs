//! The verifier against hostile input (docs/security.md): every package
//! and certificate here is built at test time, by our writer and then
//! changed, byte by byte (`common::rawzip`), or by `openssl`, and each
//! refusal is asserted by its kind and its sentence's code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::rawzip::{self, Layout, RawEntry};
use common::{Fixture, Pki, FROM};
use workbench_core::model::report::ReportModel;
use workbench_report::sign::{sign_pdf, SigningIdentity};
use workbench_report::verify::{self, FailureKind, Verification};
use workbench_report::{package, render, Lang};
use x509_cert::Certificate;

use FailureKind::{Inconsistent, Malformed, Unsafe, Untrusted};

/// The time the verifier runs at in these tests: 2026-11-26 00:00:00 UTC
/// (`date -d 2026-11-26Z +%s`), after the fixture's signing time, 2026-11-20 01:00 UTC.
const NOW: Duration = Duration::from_secs(1_795_651_200);
const SIGNED_AT: &str = "D:20261120010000+00'00'";

/// The real time, for signatures that `openssl cms` makes now (with a signing-time attribute of now).
fn real_now() -> Duration {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap()
}

fn anchors(pki: &Pki, names: &[&str]) -> Vec<Certificate> {
    names.iter().flat_map(|n| verify::read_anchors(&pki.path(&format!("{n}.pem"))).unwrap()).collect()
}

/// The check that failed (exactly one), its kind and its sentence's code.
fn refusal(v: &Verification) -> (String, FailureKind, &'static str) {
    let failed: Vec<_> = v.checks.iter().filter(|c| !c.ok).collect();
    assert_eq!(failed.len(), 1, "{:#?}", v.checks);
    (failed[0].name.clone(), failed[0].failure.unwrap(), failed[0].code)
}

fn package_of(model: &ReportModel, identity: &SigningIdentity) -> Vec<u8> {
    let pdf = render(model, Lang::Ja).unwrap().pdf;
    let signed = sign_pdf(pdf, identity, SIGNED_AT, "みなと監査法人（架空）").unwrap();
    package::build(model, &signed, identity).unwrap()
}

/// A CA with an RSA root and an RSA and a P-256 signer, valid through the tests' times.
fn simple_pki(dir: std::path::PathBuf) -> Pki {
    let pki = Pki::new(dir);
    let until = common::until();
    pki.key("ca", "rsa:2048");
    pki.issue("ca", "/O=Throwaway CA/CN=Verifier test root", "ca", "ca_ext", "sha256", &[], FROM, &until);
    pki.key("rsa", "rsa:2048");
    pki.issue("rsa", "/O=Throwaway firm/CN=Signer rsa", "ca", "leaf", "sha256", &[], FROM, &until);
    pki.p12("rsa", &["ca.pem"]);
    pki
}

/// One finalized demo, its model, a signer and its valid package, made once for the tests that change it.
struct Base {
    _fx: Fixture,
    pki: Pki,
    model: ReportModel,
    zip: Vec<u8>,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let fx = Fixture::new();
        let file = fx.engagement_with(true, |_, _| {});
        let model = fx.model(&file);
        let pki = simple_pki(fx.path("pki"));
        let identity = SigningIdentity::from_pkcs12(&pki.p12_bytes("rsa"), "s3cret").unwrap();
        let zip = package_of(&model, &identity);
        Base { _fx: fx, pki, model, zip }
    })
}

fn identity(pki: &Pki, name: &str) -> SigningIdentity {
    SigningIdentity::from_pkcs12(&pki.p12_bytes(name), "s3cret").unwrap()
}

/// The files of a package with `change` applied, the manifest written anew
/// and signed by `signer`: a package that the firm's own key vouches for,
/// so that only the checks after the signature can refuse it.
fn resigned(zip: &[u8], signer: &SigningIdentity, change: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut files: Vec<(String, Vec<u8>)> =
        rawzip::unzip(zip).into_iter().filter(|(n, _)| n != "manifest.json" && n != "manifest.p7s").collect();
    change(&mut files);
    let manifest_of = rawzip::unzip(zip).into_iter().find(|(n, _)| n == "manifest.json").unwrap().1;
    let mut manifest: package::Manifest = serde_json::from_slice(&manifest_of).unwrap();
    manifest.files = files
        .iter()
        .map(|(name, bytes)| package::ManifestEntry {
            name: name.clone(),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
        })
        .collect();
    let manifest = serde_json::to_vec_pretty(&manifest).unwrap();
    let at = std::time::UNIX_EPOCH + Duration::from_secs(1_795_576_800); // 2026-11-20 01:00 UTC
    let p7s = signer.sign_detached(&[&manifest], Some(at)).unwrap();
    files.push(("manifest.json".into(), manifest));
    files.push(("manifest.p7s".into(), p7s));
    rawzip::zip(&files)
}

// ---- 1 and 8: multi-line text and CSV injection ------------------------------------

/// Reads a CSV with Python's csv module, an implementation independent of ours.
fn python_csv(csv: &[u8]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("results.csv");
    std::fs::write(&file, csv).unwrap();
    let script = "import csv,json,sys\nwith open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n    print(json.dumps(list(csv.reader(f))))";
    let out = std::process::Command::new("python3").args(["-c", script, file.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn texts_with_line_breaks_and_formulas_give_a_package_that_verifies_and_a_csv_excel_cannot_run() {
    let fx = Fixture::new();
    // An exception recorded through the API with CRLF, LF and a lone CR.
    let file = fx.engagement_with(true, |file, ctx| {
        workbench_core::api::add_exception(file, "9.2.3.11.PB/P1", "一行目\r\n二行目\n三行目\r四行目", ctx).unwrap();
    });
    let mut model = fx.model(&file);
    // Catalog and control titles and procedure texts with line breaks, and
    // procedure texts a spreadsheet would run as formulas.
    model.catalog.title = "基準\r\n第2版".into();
    let control = &mut model.groups[0].domains[0].controls[0];
    control.title_ja = "表題\n二行目".into();
    control.title_en = "Title\r\nsecond line".into();
    let cells =
        ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "a\r\nb", "c\nd"];
    let procedures: Vec<&mut workbench_core::model::report::ReportProcedure> = model
        .groups
        .iter_mut()
        .flat_map(|g| g.domains.iter_mut().flat_map(|d| d.controls.iter_mut()))
        .flat_map(|c| c.procedures.iter_mut())
        .take(cells.len())
        .collect();
    for (p, text) in procedures.into_iter().zip(cells) {
        p.text_ja = text.into();
        p.text_en = format!("{text} en");
    }
    let pki = simple_pki(fx.path("pki"));
    let zip = package_of(&model, &identity(&pki, "rsa"));
    let v = verify::verify_package(&zip, &anchors(&pki, &["ca"]), NOW);
    assert!(v.passed(), "{:#?}", v.checks);

    // Python's csv reader sees one row per procedure, the line breaks kept
    // inside their cells, and every formula behind a single quote.
    let csv = rawzip::unzip(&zip).into_iter().find(|(n, _)| n == "results.csv").unwrap().1;
    let rows = python_csv(&csv);
    let procedures = model
        .groups
        .iter()
        .flat_map(|g| &g.domains)
        .flat_map(|d| &d.controls)
        .map(|c| c.procedures.len())
        .sum::<usize>();
    assert_eq!(rows.len(), procedures + 1);
    let text_ja: Vec<&str> = rows[1..=cells.len()].iter().map(|r| r[7].as_str()).collect();
    assert_eq!(
        text_ja,
        ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "a\r\nb", "c\nd"]
    );
    assert!(csv.starts_with("\u{feff}control_id,".as_bytes()) && csv.ends_with(b"\r\n"));
}

#[test]
fn a_csv_that_disagrees_with_the_results_is_named_by_row_and_column_even_when_signed() {
    let b = base();
    let signer = identity(&b.pki, "rsa");
    let anchors = anchors(&b.pki, &["ca"]);
    let csv_of = |zip: &[u8]| rawzip::unzip(zip).into_iter().find(|(n, _)| n == "results.csv").unwrap().1;
    let original = String::from_utf8(csv_of(&b.zip)).unwrap();
    // A result changed in the CSV only, in the first row that has no exception.
    let mut lines: Vec<String> = original.split("\r\n").map(str::to_string).collect();
    let at = lines.iter().position(|l| l.contains(",no_exception,")).unwrap();
    lines[at] = lines[at].replacen(",no_exception,", ",exception,", 1);
    let changed = lines.join("\r\n");
    let zip = resigned(&b.zip, &signer, |files| {
        files.iter_mut().find(|(n, _)| n == "results.csv").unwrap().1 = changed.into_bytes();
    });
    let v = verify::verify_package(&zip, &anchors, NOW);
    assert_eq!(refusal(&v), ("results consistent with the manifest".into(), Inconsistent, "consistency.csv_cell"));
    let detail = &v.checks.iter().find(|c| !c.ok).unwrap().detail;
    // The header is row 1, and no cell of the rows before holds a line break.
    assert!(detail.contains(&format!("row {}, column result", at + 1)), "{detail}");
    // A row taken out.
    let mut lines: Vec<&str> = original.split("\r\n").collect();
    lines.remove(3);
    let fewer = lines.join("\r\n");
    let zip = resigned(&b.zip, &signer, |files| {
        files.iter_mut().find(|(n, _)| n == "results.csv").unwrap().1 = fewer.into_bytes();
    });
    let v = verify::verify_package(&zip, &anchors, NOW);
    assert_eq!(refusal(&v).1, Inconsistent);
}

// ---- 2: certificates that real firms use -----------------------------------------

/// A root whose RSA key signs with PSS and SHA-512, a P-384 intermediate
/// signing with ecdsa-with-SHA384, and a P-384 signer whose PKCS#12 file
/// signs the package (SHA-384 in the CMS).
#[test]
fn chains_with_sha384_sha512_p384_and_rsa_pss_verify_and_a_p384_key_signs() {
    let fx = Fixture::new();
    let pki = Pki::new(fx.path("pki"));
    let until = common::until();
    pki.key("root", "rsa:3072");
    pki.issue("root", "/O=Throwaway CA/CN=Root 2026", "root", "ca_ext", "sha512", &[], FROM, &until);
    pki.key("issuing", "ec:P-384");
    let pss = ["rsa_padding_mode:pss", "rsa_pss_saltlen:64"];
    pki.issue("issuing", "/O=Throwaway CA/CN=Issuing CA", "root", "ca_pathlen0", "sha512", &pss, FROM, &until);
    pki.key("p384", "ec:P-384");
    pki.issue("p384", "/O=Throwaway firm/CN=Signer P-384", "issuing", "leaf_docsign", "sha384", &[], FROM, &until);
    pki.p12("p384", &["issuing.pem", "root.pem"]);
    // An RSA signer under the same issuing CA, whose own certificate the root's PSS key did not sign.
    pki.key("rsa", "rsa:2048");
    pki.issue("rsa", "/O=Throwaway firm/CN=Signer RSA", "issuing", "leaf", "sha512", &[], FROM, &until);
    pki.p12("rsa", &["issuing.pem", "root.pem"]);

    let b = base();
    for signer in ["p384", "rsa"] {
        let zip = package_of(&b.model, &identity(&pki, signer));
        let v = verify::verify_package(&zip, &anchors(&pki, &["root"]), NOW);
        assert!(v.passed(), "{signer}: {:#?}", v.checks);
        let signature = v.checks.iter().find(|c| c.name == "report signature").unwrap();
        // The time judged at is the signer's own statement, and the output says so.
        assert_eq!(signature.code, "pades.ok_stated");
        assert!(
            signature.detail.contains("2026-11-20 01:00:00 UTC, the signing time the signer states"),
            "{}",
            signature.detail
        );
        // pyHanko, an independent validator, agrees on the report.
        let pdf = rawzip::unzip(&zip).into_iter().find(|(n, _)| n == "report.pdf").unwrap().1;
        let file = fx.write(&format!("{signer}.pdf"), &pdf);
        let root = pki.path("root.pem");
        let (ok, verdict) = common::run(
            &common::pyhanko(),
            &["sign", "validate", "--trust", root.to_str().unwrap(), "--trust-replace", file.to_str().unwrap()],
        );
        assert!(ok && verdict.contains("INTACT:TRUSTED,UNTOUCHED"), "{signer}: {verdict}");
    }
    // openssl's own CMS over the manifest, with RSA-PSS and SHA-512 and the
    // CAdES signing-certificate-v2 attribute, is accepted as ours is.
    let zip = package_of(&b.model, &identity(&pki, "rsa"));
    let files = rawzip::unzip(&zip);
    let manifest = &files.iter().find(|(n, _)| n == "manifest.json").unwrap().1;
    std::fs::write(pki.path("manifest.json"), manifest).unwrap();
    pki.openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-cades",
        "-in",
        "manifest.json",
        "-signer",
        "rsa.pem",
        "-inkey",
        "rsa.key",
        "-certfile",
        "issuing.pem",
        "-md",
        "sha512",
        "-keyopt",
        "rsa_padding_mode:pss",
        "-outform",
        "DER",
        "-out",
        "manifest.p7s",
    ]);
    let p7s = std::fs::read(pki.path("manifest.p7s")).unwrap();
    let files: Vec<(String, Vec<u8>)> =
        files.into_iter().map(|(n, d)| if n == "manifest.p7s" { (n, p7s.clone()) } else { (n, d) }).collect();
    let v = verify::verify_package(&rawzip::zip(&files), &anchors(&pki, &["root"]), real_now());
    assert!(v.passed(), "{:#?}", v.checks);
}

/// After a CA rollover the old and the new root share a name; the verifier
/// tries both, whichever comes first among the anchors.
#[test]
fn a_ca_rollover_with_two_anchors_of_one_name_verifies() {
    let fx = Fixture::new();
    let pki = Pki::new(fx.path("pki"));
    let until = common::until();
    for root in ["old", "new"] {
        pki.key(root, "rsa:2048");
        pki.issue(root, "/O=Throwaway CA/CN=Firm Root", root, "ca_ext", "sha256", &[], FROM, &until);
    }
    pki.key("signer", "ec:P-256");
    pki.issue("signer", "/O=Throwaway firm/CN=Signer", "new", "leaf", "sha256", &[], FROM, &until);
    pki.p12("signer", &["new.pem"]);
    let zip = package_of(&base().model, &identity(&pki, "signer"));
    for order in [["old", "new"], ["new", "old"]] {
        let v = verify::verify_package(&zip, &anchors(&pki, &order), NOW);
        assert!(v.passed(), "{order:?}: {:#?}", v.checks);
    }
    // The old root alone did not sign it.
    let v = verify::verify_package(&zip, &anchors(&pki, &["old"]), NOW);
    let failed: Vec<_> =
        v.checks.iter().filter(|c| !c.ok).map(|c| (c.name.as_str(), c.failure.unwrap(), c.code)).collect();
    assert_eq!(
        failed,
        [
            ("manifest signature", Untrusted, "chain.not_signed_by_issuer"),
            ("report signature", Untrusted, "chain.not_signed_by_issuer")
        ]
    );
}

/// A signer whose certificate expired after it signed: the report still
/// verifies, judged at the signing time it states; a certificate that had
/// not begun, or an anchor that had expired, at that time does not.
#[test]
fn validity_is_judged_at_the_stated_signing_time() {
    let fx = Fixture::new();
    let pki = Pki::new(fx.path("pki"));
    let until = common::until();
    pki.key("ca", "rsa:2048");
    pki.issue("ca", "/O=Throwaway CA/CN=Root", "ca", "ca_ext", "sha256", &[], FROM, &until);
    pki.key("expired", "ec:P-256");
    // Valid until 2026-11-25, after the signing (2026-11-20) and before NOW (2026-11-26).
    pki.issue("expired", "/O=Throwaway firm/CN=Expired signer", "ca", "leaf", "sha256", &[], FROM, "20261125000000Z");
    pki.p12("expired", &["ca.pem"]);
    pki.key("late", "ec:P-256");
    pki.issue("late", "/O=Throwaway firm/CN=Late signer", "ca", "leaf", "sha256", &[], "20261121000000Z", &until);
    pki.p12("late", &["ca.pem"]);
    let trusted = anchors(&pki, &["ca"]);
    let b = base();

    let zip = package_of(&b.model, &identity(&pki, "expired"));
    let v = verify::verify_package(&zip, &trusted, NOW);
    assert!(v.passed(), "{:#?}", v.checks);
    let pdf = rawzip::unzip(&zip).into_iter().find(|(n, _)| n == "report.pdf").unwrap().1;
    let alone = verify::verify_report(&pdf, &trusted, NOW);
    assert!(alone.passed(), "{:#?}", alone.checks);
    assert!(
        alone.checks[1].detail.contains("the signing time the signer states (there is no time-stamp"),
        "{:#?}",
        alone.checks
    );

    // Signed (it says) before its certificate began.
    let zip = package_of(&b.model, &identity(&pki, "late"));
    let v = verify::verify_package(&zip, &trusted, NOW);
    let codes: Vec<_> = v.checks.iter().filter(|c| !c.ok).map(|c| (c.failure.unwrap(), c.code)).collect();
    assert_eq!(codes, [(Untrusted, "chain.not_yet_valid"), (Untrusted, "chain.not_yet_valid")]);

    // A signing time to come is refused, whatever the certificates.
    let signed =
        sign_pdf(render(&b.model, Lang::Ja).unwrap().pdf, &identity(&pki, "late"), "D:20300101000000Z", "x").unwrap();
    let v = verify::verify_report(&signed, &trusted, NOW);
    assert_eq!(refusal(&v), ("report signature".into(), Untrusted, "signature.time_in_future"));
}

#[test]
fn an_expired_anchor_and_a_path_length_exceeded_are_untrusted() {
    let fx = Fixture::new();
    let pki = Pki::new(fx.path("pki"));
    let until = common::until();
    pki.key("old", "rsa:2048");
    pki.issue(
        "old",
        "/O=Throwaway CA/CN=Old root",
        "old",
        "ca_ext",
        "sha256",
        &[],
        "20250101000000Z",
        "20261101000000Z",
    );
    pki.key("a", "ec:P-256");
    pki.issue("a", "/O=Throwaway firm/CN=Under an expired root", "old", "leaf", "sha256", &[], FROM, &until);
    pki.p12("a", &["old.pem"]);
    pki.key("root", "rsa:2048");
    pki.issue("root", "/O=Throwaway CA/CN=Root pathlen 0", "root", "ca_pathlen0", "sha256", &[], FROM, &until);
    pki.key("sub", "rsa:2048");
    pki.issue("sub", "/O=Throwaway CA/CN=Sub CA", "root", "ca_ext", "sha256", &[], FROM, &until);
    pki.key("subsub", "rsa:2048");
    pki.issue("subsub", "/O=Throwaway CA/CN=Sub-sub CA", "sub", "ca_ext", "sha256", &[], FROM, &until);
    pki.key("b", "ec:P-256");
    pki.issue("b", "/O=Throwaway firm/CN=Too deep", "subsub", "leaf", "sha256", &[], FROM, &until);
    pki.p12("b", &["subsub.pem", "sub.pem", "root.pem"]);
    let model = &base().model;
    let pdf =
        |name: &str| sign_pdf(render(model, Lang::Ja).unwrap().pdf, &identity(&pki, name), SIGNED_AT, "x").unwrap();
    let v = verify::verify_report(&pdf("a"), &anchors(&pki, &["old"]), NOW);
    assert_eq!(refusal(&v), ("report signature".into(), Untrusted, "chain.expired"));
    let v = verify::verify_report(&pdf("b"), &anchors(&pki, &["root"]), NOW);
    assert_eq!(refusal(&v), ("report signature".into(), Untrusted, "chain.path_length"));
}

// ---- 6: the signer is tied to the package -----------------------------------------

#[test]
fn a_certificate_not_meant_for_signing_is_refused_when_signing_and_when_verifying() {
    let fx = Fixture::new();
    let pki = simple_pki(fx.path("pki"));
    let until = common::until();
    for (name, section) in [("tls", "tls_server"), ("tlsds", "tls_signing")] {
        pki.key(name, "ec:P-256");
        pki.issue(name, &format!("/O=Throwaway firm/CN=www {name}"), "ca", section, "sha256", &[], FROM, &until);
        pki.p12(name, &["ca.pem"]);
        // Refused up front, naming why.
        let err = SigningIdentity::from_pkcs12(&pki.p12_bytes(name), "s3cret").unwrap_err();
        assert_eq!(err.kind(), "invalid");
        assert!(
            err.to_string().contains("not meant for signing") || err.to_string().contains("meant for other purposes"),
            "{err}"
        );
    }
    // A manifest signature made with it elsewhere (openssl) does not verify,
    // in a package whose report the firm's proper certificate signed.
    let files = rawzip::unzip(&package_of(&base().model, &identity(&pki, "rsa")));
    std::fs::write(pki.path("manifest.json"), &files.iter().find(|(n, _)| n == "manifest.json").unwrap().1).unwrap();
    for (name, code) in [("tls", "certificate.key_usage"), ("tlsds", "certificate.extended_key_usage")] {
        let key = format!("{name}.key");
        let pem = format!("{name}.pem");
        pki.openssl(&[
            "cms",
            "-sign",
            "-binary",
            "-cades",
            "-in",
            "manifest.json",
            "-signer",
            &pem,
            "-inkey",
            &key,
            "-certfile",
            "ca.pem",
            "-md",
            "sha256",
            "-outform",
            "DER",
            "-out",
            "tls.p7s",
        ]);
        let p7s = std::fs::read(pki.path("tls.p7s")).unwrap();
        let changed: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, d)| if n == "manifest.p7s" { (n.clone(), p7s.clone()) } else { (n.clone(), d.clone()) })
            .collect();
        let v = verify::verify_package(&rawzip::zip(&changed), &anchors(&pki, &["ca"]), real_now());
        assert_eq!(refusal(&v), ("manifest signature".into(), Untrusted, code));
    }
}

/// The signing-certificate-v2 attribute binds the signature to its
/// certificate: a CMS whose certificate set holds another certificate of
/// the same issuer and serial number (re-issued by the CA with another key)
/// is refused by that attribute, before its signature is even checked.
#[test]
fn the_signing_certificate_attribute_must_name_the_certificate_used() {
    use cms::cert::CertificateChoices;
    use cms::content_info::ContentInfo;
    use cms::signed_data::{CertificateSet, SignedData};
    use der::{Decode, Encode};
    let fx = Fixture::new();
    let pki = simple_pki(fx.path("pki"));
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-serial", "-in", "rsa.pem"])
        .current_dir(&pki.dir)
        .output()
        .unwrap();
    let serial = format!("0x{}", String::from_utf8(out.stdout).unwrap().trim().trim_start_matches("serial="));
    pki.key("twin", "rsa:2048");
    let subject = "/O=Throwaway firm/CN=Signer rsa";
    pki.openssl(&["req", "-new", "-key", "twin.key", "-out", "twin.csr", "-subj", subject, "-config", "ext.cnf"]);
    pki.openssl(&[
        "x509",
        "-req",
        "-in",
        "twin.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        &serial,
        "-days",
        "30",
        "-extfile",
        "ext.cnf",
        "-extensions",
        "leaf",
        "-outform",
        "DER",
        "-out",
        "twin.der",
    ]);
    let twin = Certificate::from_der(&std::fs::read(pki.path("twin.der")).unwrap()).unwrap();
    let mut files = rawzip::unzip(&package_of(&base().model, &identity(&pki, "rsa")));
    let manifest = files.iter().find(|(n, _)| n == "manifest.json").unwrap().1.clone();
    let p7s = identity(&pki, "rsa").sign_detached(&[&manifest], None).unwrap();
    let info = ContentInfo::from_der(&p7s).unwrap();
    let mut data: SignedData = info.content.decode_as().unwrap();
    let same_serial = |c: &Certificate| c.tbs_certificate.serial_number == twin.tbs_certificate.serial_number;
    let certs: Vec<CertificateChoices> = data
        .certificates
        .as_ref()
        .unwrap()
        .0
        .iter()
        .map(|c| match c {
            CertificateChoices::Certificate(c) if same_serial(c) => CertificateChoices::Certificate(twin.clone()),
            other => other.clone(),
        })
        .collect();
    data.certificates = Some(CertificateSet::try_from(certs).unwrap());
    let content = der::Any::encode_from(&data).unwrap();
    let forged = ContentInfo { content_type: info.content_type, content }.to_der().unwrap();
    // In the package, so that the failure is named as the OSO sees it.
    files.iter_mut().find(|(n, _)| n == "manifest.p7s").unwrap().1 = forged;
    let v = verify::verify_package(&rawzip::zip(&files), &anchors(&pki, &["ca"]), NOW);
    let signature = v.checks.iter().find(|c| c.name == "manifest signature").unwrap();
    assert_eq!(
        (signature.failure, signature.code),
        (Some(FailureKind::Changed), "signature.ess_mismatch"),
        "{:#?}",
        v.checks
    );
}

#[test]
fn the_manifest_and_the_report_must_be_signed_by_one_certificate() {
    let fx = Fixture::new();
    let pki = simple_pki(fx.path("pki"));
    // Another signer under the same trusted CA signs the report.
    pki.key("other", "ec:P-256");
    pki.issue("other", "/O=Throwaway firm/CN=Another signer", "ca", "leaf", "sha256", &[], FROM, &common::until());
    pki.p12("other", &["ca.pem"]);
    let model = &base().model;
    let zip = package_of(model, &identity(&pki, "rsa"));
    let other_pdf = sign_pdf(render(model, Lang::Ja).unwrap().pdf, &identity(&pki, "other"), SIGNED_AT, "x").unwrap();
    let zip = resigned(&zip, &identity(&pki, "rsa"), |files| {
        files.iter_mut().find(|(n, _)| n == "report.pdf").unwrap().1 = other_pdf;
    });
    let v = verify::verify_package(&zip, &anchors(&pki, &["ca"]), NOW);
    assert_eq!(refusal(&v), ("same signer".into(), Inconsistent, "signer.different"));
}

// ---- 3: the archive's structure ---------------------------------------------------

fn entries_of(zip: &[u8]) -> Vec<RawEntry> {
    rawzip::unzip(zip).iter().map(|(n, d)| RawEntry::deflated(n, d)).collect()
}

#[test]
fn duplicate_hidden_and_misnamed_entries_are_refused() {
    let b = base();
    let trusted = anchors(&b.pki, &["ca"]);
    let check = |zip: Vec<u8>| {
        let v = verify::verify_package(&zip, &trusted, NOW);
        let (name, kind, code) = refusal(&v);
        assert_eq!(name, "archive");
        (kind, code)
    };
    let entries = entries_of(&b.zip);
    // Our own writer's layout of the same files is accepted.
    assert!(verify::verify_package(&rawzip::build(&entries, &Layout::default()), &trusted, NOW).passed());

    // Two entries named results.json, the second one changed (in the place
    // of the OSCAL file, so that the count stays within a package's).
    let oscal = entries.iter().position(|e| e.name == b"oscal-assessment-results.json").unwrap();
    let mut twice = entries.clone();
    let results = twice.iter().find(|e| e.name == b"results.json").unwrap().clone();
    twice[oscal] = RawEntry::deflated("results.json", b"{\"changed\": true}");
    assert_eq!(check(rawzip::build(&twice, &Layout::default())), (Unsafe, "archive.duplicate"));
    // An end record that counts one entry fewer than the central directory lists.
    assert_eq!(
        check(rawzip::build(&entries, &Layout { end_count: Some(entries.len() as u16 - 1), ..Layout::default() })),
        (Unsafe, "archive.count_mismatch")
    );
    // A local header that names another file than the central directory.
    let mut renamed = entries.clone();
    renamed[0].local_name = Some(b"evil.txt".to_vec());
    assert_eq!(check(rawzip::build(&renamed, &Layout::default())), (Unsafe, "archive.local_name"));
    // A whole entry (local header and data) that the central directory does not list.
    let mut hidden = Vec::new();
    let one = rawzip::build(&[results], &Layout::default());
    hidden.extend_from_slice(&one[..one.len() - 22 - (46 + "results.json".len())]);
    assert_eq!(
        check(rawzip::build(&entries, &Layout { hidden, ..Layout::default() })),
        (Unsafe, "archive.hidden_data_end")
    );
    // Unsafe and unexpected names.
    for (name, code) in [
        ("/etc/passwd", "archive.absolute"),
        ("C:/report.pdf", "archive.absolute"),
        ("../report.pdf", "archive.climbs"),
        ("evidence/../../x", "archive.climbs"),
        ("evidence\\report.pdf", "archive.backslash"),
        ("notes.txt", "archive.unexpected_name"),
        ("Report.pdf", "archive.unexpected_name"),
    ] {
        let mut with = entries.clone();
        with[oscal] = RawEntry::stored(name, b"x");
        assert_eq!(check(rawzip::build(&with, &Layout::default())), (Unsafe, code), "{name}");
    }
    // A PDF given as a package, and bytes that are no zip.
    let pdf = rawzip::unzip(&b.zip).into_iter().find(|(n, _)| n == "report.pdf").unwrap().1;
    assert_eq!(check(pdf.clone()), (Malformed, "archive.is_pdf"));
    assert_eq!(check(b"not a zip at all".to_vec()), (Malformed, "archive.not_zip"));
    // And a package given as a report.
    let v = verify::verify_report(&b.zip, &trusted, NOW);
    assert_eq!(refusal(&v), ("PDF".into(), Malformed, "pdf.is_zip"));
}

// ---- 4: resource limits -----------------------------------------------------------

#[test]
fn sizes_are_checked_before_reading_and_inflation_stops_at_the_limit() {
    let b = base();
    let trusted = anchors(&b.pki, &["ca"]);
    let refused = |zip: Vec<u8>| refusal(&verify::verify_package(&zip, &trusted, NOW));
    let entries = entries_of(&b.zip);
    // A deflate bomb: 128 MiB of zeros from about 128 KiB, declaring 1,000 bytes.
    let bomb_data = rawzip::deflate_bomb(128);
    assert!(bomb_data.len() < 300 * 1024, "{}", bomb_data.len());
    let mut bomb = entries.clone();
    let at = bomb.iter().position(|e| e.name == b"results.json").unwrap();
    bomb[at] = RawEntry { data: bomb_data.clone(), method: 8, crc32: 0, declared: 1000, ..bomb[at].clone() };
    assert_eq!(refused(rawzip::build(&bomb, &Layout::default())), ("archive".into(), Unsafe, "archive.size_mismatch"));
    // The same bomb declaring its true size, more than results.json may have: refused unread.
    bomb[at].declared = 128 * 1024 * 1024;
    let (_, kind, code) = refused(rawzip::build(&bomb, &Layout::default()));
    assert_eq!((kind, code), (Unsafe, "archive.too_large"));
    assert_eq!(verify::entry_limit("results.json"), Some(32 * 1024 * 1024));
    // A declared size within the limit that the data does not reach.
    let mut short = entries.clone();
    short[at].declared += 10;
    assert_eq!(refused(rawzip::build(&short, &Layout::default())).2, "archive.size_mismatch");
    // The evidence manifest's limit grows with the evidence the results list.
    assert!(verify::evidence_manifest_limit(1000) > verify::evidence_manifest_limit(1));

    // A file larger than a package may be is refused before it is read: a
    // sparse file of 300 MiB takes no room on disk and is never read.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.zip");
    std::fs::File::create(&big).unwrap().set_len(verify::MAX_PACKAGE_BYTES + 1).unwrap();
    let v = verify::verify_package_file(&big, &trusted, NOW).unwrap();
    assert_eq!(refusal(&v), ("archive".into(), Unsafe, "input.package_too_large"));
    let v = verify::verify_report_file(&big, &trusted, NOW).unwrap();
    assert_eq!(refusal(&v), ("PDF".into(), Unsafe, "input.report_too_large"));
}

// ---- 9: secrets ---------------------------------------------------------------

#[test]
fn no_debug_output_shows_a_passphrase_or_a_key() {
    let b = base();
    let signer = identity(&b.pki, "rsa");
    // The private key as openssl writes it (PKCS#8 DER); no part of it may show.
    b.pki.openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", "rsa.key", "-outform", "DER", "-out", "rsa.pk8"]);
    let key = std::fs::read(b.pki.path("rsa.pk8")).unwrap();
    let shown = format!("{signer:?} {signer:#?}");
    assert!(shown.contains("Signer rsa"), "{shown}");
    for window in key.chunks(16).skip(2).take(8) {
        assert!(!shown.contains(&hex::encode(window)) && !shown.contains(&hex::encode_upper(window)), "{shown}");
        assert!(!shown.contains(format!("{:?}", &window[..8]).trim_matches(['[', ']'])), "{shown}");
    }
    // The export request's passphrase is hidden too (workbench-ops, `Passphrase`).
}

// ---- 10: random damage --------------------------------------------------------

mod random_damage {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    pub enum Damage {
        /// A bit flipped in the archive's bytes.
        Flip(usize, u8),
        /// A bit flipped in one file's content before it is zipped again.
        FlipContent(usize, usize, u8),
        Truncate(usize),
        Swap(usize, usize),
        Duplicate(usize),
        Remove(usize),
    }

    fn damage() -> impl Strategy<Value = Damage> {
        prop_oneof![
            (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Damage::Flip(at, bit)),
            (0usize..8, any::<usize>(), 0u8..8).prop_map(|(entry, at, bit)| Damage::FlipContent(entry, at, bit)),
            any::<usize>().prop_map(Damage::Truncate),
            (0usize..8, 0usize..8).prop_map(|(a, b)| Damage::Swap(a, b)),
            (0usize..8).prop_map(Damage::Duplicate),
            (0usize..8).prop_map(Damage::Remove),
        ]
    }

    fn apply(original: &[u8], damages: &[Damage]) -> Vec<u8> {
        let mut files = rawzip::unzip(original);
        let mut rezip = false;
        for d in damages {
            let n = files.len();
            match *d {
                Damage::FlipContent(entry, at, bit) if n > 0 => {
                    let content = &mut files[entry % n].1;
                    if !content.is_empty() {
                        let i = at % content.len();
                        content[i] ^= 1 << bit;
                    }
                }
                Damage::Swap(a, b) if n > 0 => files.swap(a % n, b % n),
                Damage::Duplicate(i) if n > 0 => {
                    let copy = files[i % n].clone();
                    files.push(copy);
                }
                Damage::Remove(i) if n > 0 => {
                    files.remove(i % n);
                }
                _ => continue,
            }
            rezip = true;
        }
        let mut bytes = if rezip { rawzip::zip(&files) } else { original.to_vec() };
        for d in damages {
            match *d {
                Damage::Flip(at, bit) if !bytes.is_empty() => {
                    let i = at % bytes.len();
                    bytes[i] ^= 1 << bit;
                }
                Damage::Truncate(len) => bytes.truncate(len % (bytes.len() + 1)),
                _ => {}
            }
        }
        bytes
    }

    fn sorted(mut files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
        files.sort();
        files
    }

    proptest! {
        // Each case verifies a whole package; 64 of them keep the test to seconds.
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever the damage, the verifier returns (a panic fails the
        /// case): it refuses with a kind on every failed check, or it
        /// accepts a package whose files are the original's (a swap of
        /// entries, or a flipped bit in a field nothing reads). The one
        /// exception is `manifest.p7s`, part of which no signature covers:
        /// the certificates a CMS carries are unsigned, and a damaged one
        /// that no chain uses (the CA's own copy, when the CA is the
        /// anchor) changes nothing that was signed.
        #[test]
        fn a_damaged_package_is_refused_with_a_kind_or_holds_the_original_files(
            damages in proptest::collection::vec(damage(), 1..4)
        ) {
            let b = base();
            let trusted = anchors(&b.pki, &["ca"]);
            let damaged = apply(&b.zip, &damages);
            let v = verify::verify_package(&damaged, &trusted, NOW);
            prop_assert!(v.checks.iter().all(|c| c.ok == c.failure.is_none()), "{:#?}", v.checks);
            if v.passed() {
                let read = std::panic::catch_unwind(|| rawzip::unzip(&damaged));
                prop_assert!(read.is_ok(), "accepted what the zip crate cannot read: {damages:?}");
                let signed = |files: Vec<(String, Vec<u8>)>| {
                    sorted(files.into_iter().filter(|(n, _)| n != "manifest.p7s").collect())
                };
                prop_assert_eq!(signed(read.unwrap_or_default()), signed(rawzip::unzip(&b.zip)));
            } else {
                prop_assert!(v.checks.iter().any(|c| c.failure.is_some()));
            }
        }
    }
}

/// A package whose sign-offs were signed with the signers' personal keys
/// carries them with the roster's public keys, and the verifier checks each
/// offline; a signature that is not the signer's is named.
#[test]
fn the_packages_signed_sign_offs_are_checked_offline_against_the_roster() {
    let fx = Fixture::new();
    let keys = fx.path("keys");
    let file = fx.engagement_with(true, |_, _| {});
    // The roster's public keys as the report model carries them (the API's
    // own path to them is tested in the core); the package is what is checked.
    let mut model = fx.model(&file);
    for (name, pin) in [("山田 太郎", "pin-1234"), ("鈴木 一郎", "pin-5678")] {
        workbench_core::keys::create(&keys, name, pin, "2026-04-01T00:00:00.000Z".into()).unwrap();
        let card = workbench_core::keys::card(&keys, name, None).unwrap();
        model.signatures.roster.push(workbench_core::model::report::ReportRosterKey {
            name: card.name,
            role: "reviewer".into(),
            public_key: card.public_key,
            fingerprint: card.fingerprint,
            active: true,
        });
    }
    let reviewer = workbench_core::keys::unlock(&keys, "鈴木 一郎", "pin-5678").unwrap();
    let fingerprint = reviewer.fingerprint.clone();
    let entry = |id: &str, signature: String| workbench_core::model::report::ReportSignedOff {
        item_kind: "procedure".into(),
        item_id: id.into(),
        level: "reviewer".into(),
        signer: "鈴木 一郎".into(),
        content_sha256: "ab".repeat(32),
        at: "2026-06-01T00:00:00.000Z".into(),
        fingerprint: fingerprint.clone(),
        signature,
    };
    let message = |id: &str| {
        workbench_core::domain::roster::signed_fields(
            &model.engagement_uuid,
            "procedure",
            id,
            "reviewer",
            "鈴木 一郎",
            &"ab".repeat(32),
            "2026-06-01T00:00:00.000Z",
        )
    };
    let good = entry("9.2.3.11.PB/P1", reviewer.sign(&message("9.2.3.11.PB/P1")));
    model.signatures.signoffs = vec![good.clone()];
    let pki = simple_pki(fx.path("pki"));
    let zip = package_of(&model, &identity(&pki, "rsa"));
    let v = verify::verify_package(&zip, &anchors(&pki, &["ca"]), NOW);
    assert!(v.passed(), "{:#?}", v.checks);
    assert!(v.checks.iter().any(|c| c.name == "sign-off signatures" && c.ok), "{:#?}", v.checks);

    // A signature over another item, in a package the firm signed all the same.
    model.signatures.signoffs = vec![good, entry("9.2.3.11.PB/P2", reviewer.sign(&message("9.2.3.11.PB/P1")))];
    let zip = package_of(&model, &identity(&pki, "rsa"));
    let v = verify::verify_package(&zip, &anchors(&pki, &["ca"]), NOW);
    assert!(!v.passed());
    let failed = v.checks.iter().find(|c| c.name == "sign-off signatures").unwrap();
    assert!(!failed.ok && failed.detail.contains("9.2.3.11.PB/P2"), "{failed:?}");
}
