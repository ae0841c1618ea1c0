//! The offline verifier of a submission package, or of a signed report on
//! its own (`workbench verify package|report`): it needs nothing but the
//! file and the trust anchors it is given, and reports each check by name,
//! so that a failure says what failed. Everything in the file is hostile
//! until checked (docs/security.md): the archive's structure is walked by
//! hand (`archive`), every entry is inflated within a limit, signatures and
//! chains are checked by `pki`, and every sentence is a stable code with its
//! values, so that the CLI can say it in Japanese or English.

mod archive;
pub(crate) mod pki;
mod sentences;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

pub use archive::{entry_limit, evidence_manifest_limit, MAX_PACKAGE_BYTES, MAX_REPORT_BYTES};
pub use sentences::SENTENCES;

use crate::package::{
    csv_cell, Manifest, CSV_COLUMNS, EVIDENCE_MANIFEST, LOG_HEAD, MANIFEST, MANIFEST_SIGNATURE, REPORT, RESULTS_CSV,
    RESULTS_JSON, SIGNOFFS,
};

/// The names of the checks (besides `file NAME`, one per file a manifest
/// lists), stable for scripts reading `--json`; the CLI says them in the
/// user's language.
pub const CHECK_NAMES: [&str; 8] = [
    "archive",
    "manifest",
    "manifest signature",
    "no unlisted files",
    "report signature",
    "same signer",
    "results consistent with the manifest",
    "PDF",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    /// Why it failed, by kind; `None` when it passed.
    pub failure: Option<FailureKind>,
    /// The sentence in English (for scripts and logs).
    pub detail: String,
    /// The sentence's stable code (a key of [`SENTENCES`]).
    pub code: &'static str,
    /// The sentence's values, for saying it in another language.
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
}

/// Why a check failed, by kind, so that a program reading `--json` can tell
/// a changed file from an untrusted signer without parsing the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// A file, signature or certificate cannot be read as its format says.
    Malformed,
    /// An archive the verifier refuses to unpack: unsafe paths, duplicate,
    /// unexpected or hidden entries, too many or too large entries.
    Unsafe,
    /// Something a package or a signature must hold is not there.
    Missing,
    /// Content differs from what was signed or listed.
    Changed,
    /// A signature that does not verify, or an algorithm that is not supported.
    BadSignature,
    /// A signer that does not chain to a given trust anchor, a certificate
    /// out of its validity period, or one not meant for signing.
    Untrusted,
    /// Files of the package that disagree with one another.
    Inconsistent,
}

/// One sentence of the verifier: a stable code (see [`SENTENCES`]) and the
/// values of its named placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Sentence {
    pub fn new(code: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> Sentence {
        Sentence { code, args: args.iter().map(|(n, v)| (*n, v.to_string())).collect() }
    }

    /// The sentence in English, from [`SENTENCES`]; the code itself when it
    /// is not there (a unit test keeps every code used there).
    pub fn english(&self) -> String {
        let template = SENTENCES.iter().find(|(c, _)| *c == self.code).map_or(self.code, |(_, t)| *t);
        fill(template, &self.args)
    }
}

/// Fills `{name}` placeholders in one pass, so that a value that itself
/// looks like a placeholder is never filled again.
pub fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if args.iter().any(|(n, _)| *n == name) => {
                let value = args.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str());
                out.push_str(value);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A failed check: its kind, and the sentence that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    pub kind: FailureKind,
    pub sentence: Sentence,
}

impl FailureKind {
    fn because(self, sentence: Sentence) -> CheckFailure {
        CheckFailure { kind: self, sentence }
    }
    fn says(self, code: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> CheckFailure {
        self.because(Sentence::new(code, args))
    }
}

fn passed(code: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> Result<Sentence, CheckFailure> {
    Ok(Sentence::new(code, args))
}

use FailureKind::{Changed, Inconsistent, Malformed, Missing, Unsafe};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// What was verified, `package` or `report`, so that a script reading the
    /// JSON knows a bare report from a package.
    pub kind: &'static str,
    pub checks: Vec<Check>,
}

impl Verification {
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }
    fn push(&mut self, name: &str, result: Result<Sentence, CheckFailure>) -> bool {
        let (failure, sentence) = match result {
            Ok(sentence) => (None, sentence),
            Err(f) => (Some(f.kind), f.sentence),
        };
        let ok = failure.is_none();
        self.checks.push(Check {
            name: name.into(),
            ok,
            failure,
            detail: sentence.english(),
            code: sentence.code,
            args: sentence.args,
        });
        ok
    }
}

/// Reads trust anchors from a PEM file (one or more certificates) or a DER
/// file; a file that holds none is refused as an import problem naming it.
pub fn read_anchors(file: &std::path::Path) -> workbench_core::Result<Vec<Certificate>> {
    // A trust file is a few certificates; a larger one is not read.
    const MAX_TRUST_BYTES: u64 = 4 * 1024 * 1024;
    let io = |e| workbench_core::Error::Io { path: file.into(), source: e };
    let refuse = |message: String| workbench_core::Error::Import {
        file: file.into(),
        problems: vec![workbench_core::error::InputProblem { location: "file".into(), message }],
    };
    let size = std::fs::metadata(file).map_err(io)?.len();
    if size > MAX_TRUST_BYTES {
        return Err(refuse(format!("{size} bytes; a trust file has at most {MAX_TRUST_BYTES}")));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(file).map_err(io)?, MAX_TRUST_BYTES),
        &mut bytes,
    )
    .map_err(io)?;
    if bytes.windows(10).any(|w| w == b"-----BEGIN") {
        let text = String::from_utf8_lossy(&bytes);
        let mut certs = Vec::new();
        for block in text.split("-----END CERTIFICATE-----") {
            if let Some(start) = block.find("-----BEGIN CERTIFICATE-----") {
                let pem = format!("{}-----END CERTIFICATE-----\n", &block[start..]);
                certs.push(
                    der::DecodePem::from_pem(pem.as_bytes())
                        .map_err(|e| refuse(format!("not a PEM certificate: {e}")))?,
                );
            }
        }
        if certs.is_empty() {
            return Err(refuse("no certificate in the PEM file".into()));
        }
        Ok(certs)
    } else {
        der::Decode::from_der(&bytes).map(|c| vec![c]).map_err(|e| refuse(format!("not a DER certificate: {e}")))
    }
}

/// Whether the bytes are a zip: a package starts with a local file header.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Whether the bytes are a PDF: its header may follow other bytes within
/// the first 1,024 (ISO 32000-1, 7.5.2).
pub fn is_pdf(bytes: &[u8]) -> bool {
    !is_zip(bytes) && bytes[..bytes.len().min(1024)].windows(5).any(|w| w == b"%PDF-")
}

/// Checks a package. `now` (since 1970) is for a signature that states no
/// signing time, and for refusing one that states a time to come.
pub fn verify_package(zip: &[u8], anchors: &[Certificate], now: Duration) -> Verification {
    let mut v = Verification { kind: "package", checks: Vec::new() };
    if is_pdf(zip) {
        v.push("archive", Err(Malformed.says("archive.is_pdf", &[])));
        return v;
    }
    let files = match archive::read_package(zip) {
        Ok(files) => {
            v.push("archive", passed("archive.ok", &[("count", &files.len())]));
            files
        }
        Err(e) => {
            v.push("archive", Err(e));
            return v;
        }
    };
    let Some(manifest_bytes) = files.get(MANIFEST) else {
        v.push("manifest", Err(Missing.says("file.absent", &[("name", &MANIFEST)])));
        return v;
    };
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            v.push("manifest", Err(Malformed.says("file.unreadable", &[("name", &MANIFEST), ("error", &e)])));
            return v;
        }
    };
    v.push(
        "manifest",
        passed("manifest.ok", &[("count", &manifest.files.len()), ("engagement", &manifest.engagement_uuid)]),
    );

    let manifest_signer = files
        .get(MANIFEST_SIGNATURE)
        .ok_or_else(|| Missing.says("file.absent", &[("name", &MANIFEST_SIGNATURE)]))
        .and_then(|p7s| pki::verify_detached(p7s, &[manifest_bytes], anchors, now, None));
    v.push("manifest signature", manifest_signer.as_ref().map(|s| signed_by("cms", s)).map_err(Clone::clone));

    for entry in &manifest.files {
        let name = format!("file {}", entry.name);
        let result = match files.get(&entry.name) {
            None => Err(Missing.says("file.missing", &[])),
            Some(bytes) if bytes.len() as u64 != entry.size => {
                Err(Changed.says("file.size", &[("size", &bytes.len()), ("listed", &entry.size)]))
            }
            Some(bytes) if hex::encode(Sha256::digest(bytes)) != entry.sha256 => Err(Changed.says("file.hash", &[])),
            Some(_) => passed("file.ok", &[("sha256", &entry.sha256.get(..16).unwrap_or(""))]),
        };
        v.push(&name, result);
    }
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    let extra: Vec<&str> = files
        .keys()
        .map(String::as_str)
        .filter(|n| !listed.contains(n) && *n != MANIFEST && *n != MANIFEST_SIGNATURE)
        .collect();
    v.push(
        "no unlisted files",
        if extra.is_empty() {
            passed("unlisted.none", &[])
        } else {
            Err(Changed.says("unlisted.some", &[("names", &extra.join(", "))]))
        },
    );
    for required in [REPORT, RESULTS_JSON, RESULTS_CSV, EVIDENCE_MANIFEST, LOG_HEAD] {
        if !listed.contains(&required) {
            v.push(&format!("file {required}"), Err(Missing.says("file.not_listed", &[])));
        }
    }

    let report_signer = files
        .get(REPORT)
        .ok_or_else(|| Missing.says("file.absent", &[("name", &REPORT)]))
        .and_then(|pdf| verify_pdf(pdf, anchors, now));
    v.push("report signature", report_signer.as_ref().map(|s| signed_by("pades", s)).map_err(Clone::clone));
    // One firm signs a package: the manifest and the report with the same
    // certificate, or a report could travel in another firm's package.
    if let (Ok(manifest_signer), Ok(report_signer)) = (&manifest_signer, &report_signer) {
        v.push(
            "same signer",
            if manifest_signer.cert == report_signer.cert {
                passed("signer.same", &[("subject", &report_signer.subject)])
            } else {
                Err(Inconsistent.says(
                    "signer.different",
                    &[("manifest", &manifest_signer.subject), ("report", &report_signer.subject)],
                ))
            },
        );
    }
    v.push("results consistent with the manifest", consistency(&files, &manifest));
    if let Some(bytes) = files.get(SIGNOFFS) {
        v.push("sign-off signatures", signoff_signatures(bytes, &manifest.engagement_uuid));
    }
    v
}

/// Checks every signed sign-off of `signoffs.json` against the public key
/// the file gives for its signer, whose fingerprint is recomputed: the
/// sign-offs agree with the keys the package names. That those keys are
/// the people's is what their fingerprints, compared with the ones they
/// handed over, show (docs/security.md).
fn signoff_signatures(bytes: &[u8], uuid: &str) -> Result<Sentence, CheckFailure> {
    let doc: workbench_core::model::report::ReportSignatures = serde_json::from_slice(bytes)
        .map_err(|e| Malformed.says("file.unreadable", &[("name", &SIGNOFFS), ("error", &e)]))?;
    for s in &doc.signoffs {
        // The fingerprint people compare is recomputed from the key, so a
        // roster entry cannot show a known fingerprint beside another key.
        let key = doc.roster.iter().find(|k| {
            k.fingerprint == s.fingerprint
                && k.name == s.signer
                && workbench_core::keys::public_key(&k.public_key)
                    .is_some_and(|pk| workbench_core::keys::fingerprint(pk.as_bytes()) == k.fingerprint)
        });
        let message = workbench_core::domain::roster::signed_fields(
            uuid,
            &s.item_kind,
            &s.item_id,
            &s.level,
            &s.signer,
            &s.content_sha256,
            &s.at,
        );
        if !key.is_some_and(|k| workbench_core::keys::verify(&k.public_key, &message, &s.signature)) {
            return Err(Changed.says(
                "signoffs.bad",
                &[("item", &s.item_id), ("level", &s.level), ("signer", &s.signer), ("fingerprint", &s.fingerprint)],
            ));
        }
    }
    passed("signoffs.ok", &[("count", &doc.signoffs.len()), ("keys", &doc.roster.len())])
}

/// Reads `path` within `limit` bytes: its size is checked before it is
/// read, and the read stops past the limit (for a file that grows meanwhile).
fn read_within(
    path: &std::path::Path,
    limit: u64,
    code: &'static str,
) -> std::io::Result<Result<Vec<u8>, CheckFailure>> {
    use std::io::Read;
    let too_large = |size: u64| Unsafe.says(code, &[("size", &size), ("limit", &limit)]);
    let size = std::fs::metadata(path)?.len();
    if size > limit {
        return Ok(Err(too_large(size)));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    std::fs::File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Err(too_large(bytes.len() as u64)));
    }
    Ok(Ok(bytes))
}

/// Checks the package in `path`, refusing a file larger than a package may
/// be before reading it. An error is a file that cannot be read at all.
pub fn verify_package_file(
    path: &std::path::Path,
    anchors: &[Certificate],
    now: Duration,
) -> std::io::Result<Verification> {
    Ok(match read_within(path, MAX_PACKAGE_BYTES, "input.package_too_large")? {
        Ok(bytes) => verify_package(&bytes, anchors, now),
        Err(refused) => {
            let mut v = Verification { kind: "package", checks: Vec::new() };
            v.push("archive", Err(refused));
            v
        }
    })
}

/// Checks the signed report in `path`, refusing a file larger than a report
/// may be before reading it.
pub fn verify_report_file(
    path: &std::path::Path,
    anchors: &[Certificate],
    now: Duration,
) -> std::io::Result<Verification> {
    Ok(match read_within(path, MAX_REPORT_BYTES, "input.report_too_large")? {
        Ok(bytes) => verify_report(&bytes, anchors, now),
        Err(refused) => {
            let mut v = Verification { kind: "report", checks: Vec::new() };
            v.push("PDF", Err(refused));
            v
        }
    })
}

/// The sentence of a verified signature: who signed, and at what time the
/// certificates were judged valid, saying when that time is only the
/// signer's own statement (no time-stamp authority vouches for it yet).
fn signed_by(what: &str, signer: &pki::Signer) -> Sentence {
    let at = pki::utc(signer.judged_at);
    let code = match (what, signer.stated) {
        ("pades", true) => "pades.ok_stated",
        ("pades", false) => "pades.ok_now",
        (_, true) => "cms.ok_stated",
        (_, false) => "cms.ok_now",
    };
    Sentence::new(code, &[("subject", &signer.subject), ("at", &at)])
}

/// Checks a signed report on its own, as it may travel outside its package
/// (by mail, or filed in a document system): the same PAdES check as in a
/// package, against the anchors given.
pub fn verify_report(pdf: &[u8], anchors: &[Certificate], now: Duration) -> Verification {
    let mut v = Verification { kind: "report", checks: Vec::new() };
    if is_zip(pdf) {
        v.push("PDF", Err(Malformed.says("pdf.is_zip", &[])));
        return v;
    }
    if !is_pdf(pdf) {
        v.push("PDF", Err(Malformed.says("pdf.not_pdf", &[])));
        return v;
    }
    v.push("PDF", passed("pdf.ok", &[("size", &pdf.len())]));
    v.push("report signature", verify_pdf(pdf, anchors, now).map(|s| signed_by("pades", &s)));
    v
}

fn consistency(files: &BTreeMap<String, Vec<u8>>, manifest: &Manifest) -> Result<Sentence, CheckFailure> {
    let json = |name: &'static str| -> Result<serde_json::Value, CheckFailure> {
        let bytes = files.get(name).ok_or_else(|| Missing.says("file.absent", &[("name", &name)]))?;
        serde_json::from_slice(bytes).map_err(|e| Malformed.says("file.unreadable", &[("name", &name), ("error", &e)]))
    };
    let results = json(RESULTS_JSON)?;
    let head = json(LOG_HEAD)?;
    let evidence = json(EVIDENCE_MANIFEST)?;
    if results["engagement"]["uuid"] != manifest.engagement_uuid.as_str() {
        return Err(Inconsistent.says("consistency.engagement", &[]));
    }
    if results["log_head"]["hash"] != manifest.log_head.as_str() || head["head_hash"] != manifest.log_head.as_str() {
        return Err(Inconsistent.says("consistency.log_head", &[]));
    }
    let procedures: &[serde_json::Value] = results["procedures"].as_array().map_or(&[], Vec::as_slice);
    let csv = files.get(RESULTS_CSV).ok_or_else(|| Missing.says("file.absent", &[("name", &RESULTS_CSV)]))?;
    compare_csv(csv, procedures)?;
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    let listed = ids(&results["evidence"]);
    let manifested: Vec<String> = evidence["evidence"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["id"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    if let Some(missing) = listed.iter().find(|id| !manifested.contains(id)) {
        return Err(Inconsistent.says("consistency.evidence_missing", &[("id", missing)]));
    }
    if let Some(extra) = manifested.iter().find(|id| !listed.contains(id)) {
        return Err(Inconsistent.says("consistency.evidence_extra", &[("id", extra)]));
    }
    passed(
        "consistency.ok",
        &[
            ("procedures", &procedures.len()),
            ("evidence", &listed.len()),
            ("head", &manifest.log_head.get(..16).unwrap_or(&manifest.log_head)),
        ],
    )
}

/// Reads `results.csv` with a CSV reader (cells may hold line breaks) and
/// compares it with `results.json` row by row and cell by cell, each JSON
/// value neutralised as the writer neutralises it against CSV injection.
fn compare_csv(csv: &[u8], procedures: &[serde_json::Value]) -> Result<(), CheckFailure> {
    let body = csv.strip_prefix("\u{feff}".as_bytes()).unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    let mut rows = reader.records();
    let unreadable =
        |row: usize, e: csv::Error| Malformed.says("consistency.csv_unreadable", &[("row", &row), ("error", &e)]);
    let header = match rows.next() {
        Some(r) => r.map_err(|e| unreadable(1, e))?,
        None => csv::StringRecord::new(),
    };
    if header.iter().ne(CSV_COLUMNS.iter().copied()) {
        return Err(Inconsistent.says(
            "consistency.csv_header",
            &[("found", &header.iter().collect::<Vec<_>>().join(",")), ("expected", &CSV_COLUMNS.join(","))],
        ));
    }
    let mut count = 0usize;
    for (i, row) in rows.enumerate() {
        let row_number = i + 2;
        let row = row.map_err(|e| unreadable(row_number, e))?;
        count += 1;
        let Some(p) = procedures.get(i) else { continue };
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let exceptions: Vec<String> =
            p["exceptions"].as_array().map(|a| a.iter().map(text).collect()).unwrap_or_default();
        let expected = [
            text(&p["control_id"]),
            text(&p["id"]),
            text(&p["kind"]),
            text(&p["evaluation"]),
            text(&p["result"]),
            exceptions.join(" "),
            text(&p["sample_size"]),
            text(&p["text_ja"]),
            text(&p["text_en"]),
        ];
        for (at, (column, want)) in CSV_COLUMNS.iter().zip(&expected).enumerate() {
            if row.get(at) != Some(csv_cell(want).as_ref()) {
                return Err(Inconsistent.says("consistency.csv_cell", &[("row", &row_number), ("column", column)]));
            }
        }
        if row.len() != CSV_COLUMNS.len() {
            return Err(Inconsistent.says("consistency.csv_cell", &[("row", &row_number), ("column", &"(count)")]));
        }
    }
    if count != procedures.len() {
        return Err(Inconsistent.says("consistency.csv_rows", &[("rows", &count), ("procedures", &procedures.len())]));
    }
    Ok(())
}

/// Verifies the PDF's last signature: its byte range covers the whole file
/// but the signature's `/Contents`, its CMS is valid and chains to a trust
/// anchor at the signing time the signature dictionary states (`/M`).
fn verify_pdf(pdf: &[u8], anchors: &[Certificate], now: Duration) -> Result<pki::Signer, CheckFailure> {
    let malformed = || Malformed.says("pades.bad_range", &[]);
    let at = rfind(pdf, b"/ByteRange").ok_or_else(|| Missing.says("pades.unsigned", &[]))?;
    let window = &pdf[at..pdf.len().min(at + 256)];
    let open = window.iter().position(|&c| c == b'[').ok_or_else(malformed)?;
    let close = window.iter().position(|&c| c == b']').filter(|c| *c > open).ok_or_else(malformed)?;
    let numbers: Vec<usize> = String::from_utf8_lossy(&window[open + 1..close])
        .split_whitespace()
        .map(|n| n.parse().map_err(|_| malformed()))
        .collect::<Result<_, _>>()?;
    let [a, b, c, d] = numbers[..] else { return Err(malformed()) };
    if a != 0 || b >= c || c.checked_add(d) != Some(pdf.len()) {
        return Err(Changed.says("pades.not_whole_file", &[]));
    }
    let before = pdf[..b].trim_ascii_end();
    if c < b + 2 || pdf[b] != b'<' || pdf[c - 1] != b'>' || !before.ends_with(b"/Contents") {
        return Err(Malformed.says("pades.range_not_signature", &[]));
    }
    let contents = hex::decode(&pdf[b + 1..c - 1]).map_err(|_| Malformed.says("pades.not_hex", &[]))?;
    // The hex string is padded with zeros after the DER; cut to its length.
    let not_der = || Malformed.says("pades.not_der", &[]);
    let len = {
        use der::{Decode, Reader};
        let mut reader = der::SliceReader::new(&contents).map_err(|_| not_der())?;
        let header = der::Header::decode(&mut reader).map_err(|_| not_der())?;
        (reader.position() + header.length)
            .ok()
            .and_then(|l| usize::try_from(l).ok())
            .filter(|l| *l <= contents.len())
            .ok_or_else(not_der)?
    };
    let stated = signing_time(pdf, at, b, c);
    pki::verify_detached(&contents[..len], &[&pdf[..b], &pdf[c..]], anchors, now, stated)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The signing time the signature dictionary states (`/M`), which PAdES
/// puts there instead of a signing-time attribute. The dictionary runs
/// from the last `<<` before `/ByteRange` to the first `>>` after the
/// signature; `/M` is within the signed bytes, so the signer vouches for it.
fn signing_time(pdf: &[u8], byte_range: usize, b: usize, c: usize) -> Option<Duration> {
    let start = rfind(&pdf[..byte_range], b"<<")?;
    let end = c + pdf[c..].windows(2).position(|w| w == b">>")?;
    for part in [pdf.get(start..b).unwrap_or_default(), &pdf[c..end]] {
        let mut at = 0;
        while let Some(i) = part[at..].windows(2).position(|w| w == b"/M") {
            let rest = part[at + i + 2..].trim_ascii_start();
            if let Some(date) = rest.strip_prefix(b"(") {
                let close = date.iter().position(|&c| c == b')')?;
                return pdf_time(&date[..close]);
            }
            at += i + 2;
        }
    }
    None
}

/// A PDF date (`D:YYYYMMDDHHmmSS` and `Z` or `+HH'mm'` / `-HH'mm'`) as
/// seconds since 1970.
fn pdf_time(text: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(text).ok()?;
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits = text.get(..14)?;
    let naive = chrono::NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok()?;
    let zone = &text[14..];
    let offset = match zone.as_bytes().first() {
        None | Some(b'Z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours: i64 = zone.get(1..3)?.parse().ok()?;
            let minutes: i64 = zone.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'+' {
                seconds
            } else {
                -seconds
            }
        }
        Some(_) => return None,
    };
    let seconds = naive.and_utc().timestamp() - offset;
    u64::try_from(seconds).ok().map(Duration::from_secs)
}

/// Text from a package as it may be printed on a terminal: control
/// characters (C0 and C1, among them ESC, CR and LF), bidirectional
/// overrides and isolates, and the line and paragraph separators are
/// written as `\u{..}`, and a backslash as `\\`, so that a crafted name
/// cannot move the cursor, colour a line, print a fake "ok" line or turn
/// the text around.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let hidden = c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c);
        if hidden {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sentence_code_used_in_the_verifier_has_an_english_template() {
        let sources = [
            include_str!("verify.rs"),
            include_str!("verify/archive.rs"),
            include_str!("verify/pki.rs"),
            include_str!("sign.rs"),
        ];
        let mut used = Vec::new();
        for source in sources {
            for piece in source.split('"').skip(1).step_by(2) {
                let looks_like_code = piece.contains('.')
                    && piece.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                    && SENTENCES.iter().any(|(c, _)| c.split('.').next() == piece.split('.').next());
                if looks_like_code {
                    used.push(piece);
                }
            }
        }
        assert!(used.len() > 40, "{used:?}");
        for code in used {
            assert!(SENTENCES.iter().any(|(c, _)| *c == code), "no English template for {code}");
        }
        let mut codes: Vec<&str> = SENTENCES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), SENTENCES.len(), "a code is listed twice");
    }

    #[test]
    fn placeholders_are_filled_once() {
        let args = vec![("name", "{name}{x}".to_string())];
        assert_eq!(fill("a {name} b {other}", &args), "a {name}{x} b {other}");
    }

    #[test]
    fn pdf_dates_are_read_with_their_offset() {
        // 2026-11-26 03:00:00 UTC is 1795662000 s since 1970 (date -d '2026-11-26 03:00:00Z' +%s).
        assert_eq!(pdf_time(b"D:20261126030000+00'00'"), Some(Duration::from_secs(1_795_662_000)));
        assert_eq!(pdf_time(b"D:20261126120000+09'00'"), Some(Duration::from_secs(1_795_662_000)));
        assert_eq!(pdf_time(b"D:20261126030000Z"), Some(Duration::from_secs(1_795_662_000)));
        assert_eq!(pdf_time(b"D:2026"), None);
    }

    #[test]
    fn printable_hides_what_moves_the_cursor_or_turns_text_around() {
        assert_eq!(
            printable("ok\u{1b}[32m\r\n\u{202e}txt.exe\u{2066}\\"),
            "ok\\u{1b}[32m\\u{d}\\u{a}\\u{202e}txt.exe\\u{2066}\\\\"
        );
        assert_eq!(printable("株式会社サンプル CN=Report signer"), "株式会社サンプル CN=Report signer");
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m");
    }
}
