//! The offline verifier of a submission package, or of a signed report on
//! its own (`workbench verify`): it needs nothing but the file and the trust
//! anchors it is given, and reports each check by name, so that a failure
//! says what failed.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ID_SHA_256, RSA_ENCRYPTION, SHA_256_WITH_RSA_ENCRYPTION};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use serde::Serialize;
use sha2::{Digest, Sha256};
use signature::Verifier;
use x509_cert::Certificate;

use crate::package::{
    Manifest, EVIDENCE_MANIFEST, LOG_HEAD, MANIFEST, MANIFEST_SIGNATURE, REPORT, RESULTS_CSV, RESULTS_JSON,
};

/// Limits that keep a hostile archive from exhausting the machine.
const MAX_ENTRIES: usize = 64;
const MAX_ENTRY_BYTES: u64 = 512 * 1024 * 1024;
const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;
const MAX_CHAIN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    /// Why it failed, by kind; `None` when it passed.
    pub failure: Option<FailureKind>,
    pub detail: String,
}

/// Why a check failed, by kind, so that a program reading `--json` can tell
/// a changed file from an untrusted signer without parsing the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// A file, signature or certificate cannot be read as its format says.
    Malformed,
    /// An archive the verifier refuses to unpack: unsafe paths, too many or too large entries.
    Unsafe,
    /// Something a package or a signature must hold is not there.
    Missing,
    /// Content differs from what was signed or listed.
    Changed,
    /// A signature that does not verify, or an algorithm that is not supported.
    BadSignature,
    /// A signer that does not chain to a given trust anchor, or a certificate out of its validity period.
    Untrusted,
    /// Files of the package that disagree with one another.
    Inconsistent,
}

/// A failed check: its kind, and the sentence that is printed as its detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    pub kind: FailureKind,
    pub detail: String,
}

impl FailureKind {
    fn because(self, detail: impl Into<String>) -> CheckFailure {
        CheckFailure { kind: self, detail: detail.into() }
    }
}

use FailureKind::{BadSignature, Changed, Inconsistent, Malformed, Missing, Unsafe, Untrusted};

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
    fn push(&mut self, name: &str, result: Result<String, CheckFailure>) -> bool {
        let (failure, detail) = match result {
            Ok(detail) => (None, detail),
            Err(f) => (Some(f.kind), f.detail),
        };
        let ok = failure.is_none();
        self.checks.push(Check { name: name.into(), ok, failure, detail });
        ok
    }
}

/// Reads trust anchors from a PEM file (one or more certificates) or a DER
/// file; a file that holds none is refused as an import problem naming it.
pub fn read_anchors(file: &std::path::Path) -> workbench_core::Result<Vec<Certificate>> {
    let bytes = std::fs::read(file).map_err(|e| workbench_core::Error::Io { path: file.into(), source: e })?;
    let refuse = |message: String| workbench_core::Error::Import {
        file: file.into(),
        problems: vec![workbench_core::error::InputProblem { location: "file".into(), message }],
    };
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
        Certificate::from_der(&bytes).map(|c| vec![c]).map_err(|e| refuse(format!("not a DER certificate: {e}")))
    }
}

/// Checks a package. `now` is for certificate validity.
pub fn verify_package(zip: &[u8], anchors: &[Certificate], now: std::time::Duration) -> Verification {
    let mut v = Verification { kind: "package", checks: Vec::new() };
    let files = match read_zip(zip) {
        Ok(files) => {
            v.push("archive", Ok(format!("{} files, names and sizes safe", files.len())));
            files
        }
        Err(e) => {
            v.push("archive", Err(e));
            return v;
        }
    };
    let Some(manifest_bytes) = files.get(MANIFEST) else {
        v.push("manifest", Err(Missing.because(format!("{MANIFEST} is missing"))));
        return v;
    };
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            v.push("manifest", Err(Malformed.because(format!("{MANIFEST} cannot be read: {e}"))));
            return v;
        }
    };
    v.push("manifest", Ok(format!("{} files listed, engagement {}", manifest.files.len(), manifest.engagement_uuid)));

    let signature =
        files.get(MANIFEST_SIGNATURE).ok_or_else(|| Missing.because(format!("{MANIFEST_SIGNATURE} is missing")));
    v.push(
        "manifest signature",
        signature.and_then(|p7s| verify_detached(p7s, manifest_bytes, anchors, now)).map(|s| format!("signed by {s}")),
    );

    for entry in &manifest.files {
        let name = format!("file {}", entry.name);
        let result = match files.get(&entry.name) {
            None => Err(Missing.because("listed in the manifest but missing from the package")),
            Some(bytes) if bytes.len() as u64 != entry.size => {
                Err(Changed.because(format!("{} bytes, the manifest says {}", bytes.len(), entry.size)))
            }
            Some(bytes) if hex::encode(Sha256::digest(bytes)) != entry.sha256 => {
                Err(Changed.because("its SHA-256 is not the manifest's (the file was changed)"))
            }
            Some(_) => Ok(format!("SHA-256 {}", &entry.sha256[..16])),
        };
        v.push(&name, result);
    }
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    let extra: Vec<&String> =
        files.keys().filter(|n| !listed.contains(&n.as_str()) && *n != MANIFEST && *n != MANIFEST_SIGNATURE).collect();
    v.push(
        "no unlisted files",
        if extra.is_empty() {
            Ok("none".into())
        } else {
            Err(Changed.because(format!("not in the manifest: {extra:?}")))
        },
    );
    for required in [REPORT, RESULTS_JSON, RESULTS_CSV, EVIDENCE_MANIFEST, LOG_HEAD] {
        if !listed.contains(&required) {
            v.push(&format!("file {required}"), Err(Missing.because("the manifest does not list it")));
        }
    }

    v.push(
        "report signature",
        files
            .get(REPORT)
            .ok_or_else(|| Missing.because(format!("{REPORT} is missing")))
            .and_then(|pdf| verify_pdf(pdf, anchors, now))
            .map(|s| format!("PAdES signature over the whole file, signed by {s}")),
    );
    v.push("results consistent with the manifest", consistency(&files, &manifest));
    v
}

/// Checks a signed report on its own, as it may travel outside its package
/// (by mail, or filed in a document system): the same PAdES check as in a
/// package, against the anchors given.
pub fn verify_report(pdf: &[u8], anchors: &[Certificate], now: std::time::Duration) -> Verification {
    let mut v = Verification { kind: "report", checks: Vec::new() };
    if !is_pdf(pdf) {
        v.push("PDF", Err(Malformed.because("not a PDF (no %PDF- header in its first 1,024 bytes)")));
        return v;
    }
    v.push("PDF", Ok(format!("{} bytes", pdf.len())));
    v.push(
        "report signature",
        verify_pdf(pdf, anchors, now).map(|s| format!("PAdES signature over the whole file, signed by {s}")),
    );
    v
}

/// Whether the bytes are a PDF: its header, which a package (a zip) never
/// has, may follow other bytes within the first 1,024 (ISO 32000-1, 7.5.2).
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)].windows(5).any(|w| w == b"%PDF-")
}

fn read_zip(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, CheckFailure> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| Malformed.because(format!("not a readable zip: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(Unsafe.because(format!("{} entries; a package has fewer than {MAX_ENTRIES}", archive.len())));
    }
    let mut files = BTreeMap::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| Malformed.because(format!("entry {i}: {e}")))?;
        let name = file.name().map_err(|e| Malformed.because(format!("entry {i}: {e}")))?.into_owned();
        let safe = !name.is_empty()
            && !name.starts_with('/')
            && !name.contains(['\\', '\0', ':'])
            && name.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
        if !safe || file.enclosed_name().is_none() {
            return Err(Unsafe.because(format!("entry {name:?} has an unsafe path")));
        }
        if file.is_dir() || file.is_symlink() || file.encrypted() {
            return Err(Unsafe.because(format!("entry {name:?} is not a plain file")));
        }
        if file.size() > MAX_ENTRY_BYTES {
            return Err(Unsafe.because(format!("entry {name:?} is larger than {MAX_ENTRY_BYTES} bytes")));
        }
        let mut data = Vec::with_capacity(file.size() as usize);
        // The declared size is not trusted: read at most one byte more.
        (&mut file)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| Malformed.because(format!("entry {name:?}: {e}")))?;
        if data.len() as u64 != file.size() {
            return Err(Unsafe.because(format!("entry {name:?} is not the size it declares")));
        }
        total += data.len() as u64;
        if total > MAX_TOTAL_BYTES {
            return Err(Unsafe.because(format!("the package unpacks to more than {MAX_TOTAL_BYTES} bytes")));
        }
        if files.insert(name.clone(), data).is_some() {
            return Err(Unsafe.because(format!("entry {name:?} appears twice")));
        }
    }
    Ok(files)
}

fn consistency(files: &BTreeMap<String, Vec<u8>>, manifest: &Manifest) -> Result<String, CheckFailure> {
    let json = |name: &str| -> Result<serde_json::Value, CheckFailure> {
        let bytes = files.get(name).ok_or_else(|| Missing.because(format!("{name} is missing")))?;
        serde_json::from_slice(bytes).map_err(|e| Malformed.because(format!("{name} cannot be read: {e}")))
    };
    let results = json(RESULTS_JSON)?;
    let head = json(LOG_HEAD)?;
    let evidence = json(EVIDENCE_MANIFEST)?;
    if results["engagement"]["uuid"] != manifest.engagement_uuid.as_str() {
        return Err(Inconsistent.because(format!("{RESULTS_JSON} is about another engagement")));
    }
    if results["log_head"]["hash"] != manifest.log_head.as_str() || head["head_hash"] != manifest.log_head.as_str() {
        return Err(Inconsistent
            .because("the event log head differs between the manifest, results.json and event-log-head.json"));
    }
    let procedures = results["procedures"].as_array().map_or(0, Vec::len);
    let csv_rows = files.get(RESULTS_CSV).map_or(0, |b| String::from_utf8_lossy(b).lines().count().saturating_sub(1));
    if csv_rows != procedures {
        return Err(Inconsistent.because(format!("{RESULTS_CSV} has {csv_rows} rows for {procedures} procedures")));
    }
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    let listed = ids(&results["evidence"]);
    let manifested: Vec<String> = evidence["evidence"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["id"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    if let Some(missing) = listed.iter().find(|id| !manifested.contains(id)) {
        return Err(
            Inconsistent.because(format!("evidence {missing} is in the results but not in {EVIDENCE_MANIFEST}"))
        );
    }
    if let Some(extra) = manifested.iter().find(|id| !listed.contains(id)) {
        return Err(Inconsistent.because(format!("evidence {extra} is in {EVIDENCE_MANIFEST} but not in the results")));
    }
    Ok(format!(
        "{procedures} procedures, {} evidence items, log head {}",
        listed.len(),
        &manifest.log_head[..16.min(manifest.log_head.len())]
    ))
}

/// Verifies the PDF's last signature: its byte range covers the whole file
/// but the signature, and its CMS is valid and chains to a trust anchor.
fn verify_pdf(pdf: &[u8], anchors: &[Certificate], now: std::time::Duration) -> Result<String, CheckFailure> {
    let find_last = |needle: &[u8]| pdf.windows(needle.len()).rposition(|w| w == needle);
    let malformed = || Malformed.because("malformed /ByteRange");
    let at = find_last(b"/ByteRange").ok_or_else(|| Missing.because("the PDF is not signed (no /ByteRange)"))?;
    let open = at + pdf[at..].iter().position(|&c| c == b'[').ok_or_else(malformed)?;
    let close = open + pdf[open..].iter().position(|&c| c == b']').ok_or_else(malformed)?;
    let numbers: Vec<usize> = String::from_utf8_lossy(&pdf[open + 1..close])
        .split_whitespace()
        .map(|n| n.parse().map_err(|_| malformed()))
        .collect::<Result<_, _>>()?;
    let [a, b, c, d] = numbers[..] else { return Err(malformed()) };
    if a != 0 || b >= c || c.checked_add(d) != Some(pdf.len()) {
        return Err(
            Changed.because("the signature does not cover the whole file (bytes were added or removed after signing)")
        );
    }
    if pdf.get(b) != Some(&b'<') || pdf.get(c - 1) != Some(&b'>') {
        return Err(Malformed.because("the byte range does not exclude exactly the signature"));
    }
    let not_der = || Malformed.because("the signature is not DER");
    let contents =
        hex::decode(&pdf[b + 1..c - 1]).map_err(|_| Malformed.because("the signature is not hexadecimal"))?;
    // The hex string is padded with zeros after the DER; cut to its length.
    let len = {
        use der::Reader;
        let mut reader = der::SliceReader::new(&contents).map_err(|_| not_der())?;
        let header = der::Header::decode(&mut reader).map_err(|_| not_der())?;
        (reader.position() + header.length)
            .ok()
            .and_then(|l| usize::try_from(l).ok())
            .filter(|l| *l <= contents.len())
            .ok_or_else(not_der)?
    };
    let mut signed = Vec::with_capacity(b + d);
    signed.extend_from_slice(&pdf[..b]);
    signed.extend_from_slice(&pdf[c..]);
    verify_detached(&contents[..len], &signed, anchors, now)
}

fn verify_signature(
    algorithm: &ObjectIdentifier,
    spki: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CheckFailure> {
    match *algorithm {
        SHA_256_WITH_RSA_ENCRYPTION | RSA_ENCRYPTION => {
            use rsa::pkcs8::DecodePublicKey;
            let key =
                rsa::RsaPublicKey::from_public_key_der(spki).map_err(|e| Malformed.because(format!("RSA key: {e}")))?;
            let signature = rsa::pkcs1v15::Signature::try_from(signature)
                .map_err(|e| Malformed.because(format!("RSA signature: {e}")))?;
            rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key)
                .verify(message, &signature)
                .map_err(|_| BadSignature.because("the RSA signature does not verify"))
        }
        ECDSA_WITH_SHA_256 => {
            use p256::pkcs8::DecodePublicKey;
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki)
                .map_err(|e| Malformed.because(format!("P-256 key: {e}")))?;
            let signature = p256::ecdsa::DerSignature::from_bytes(signature)
                .map_err(|e| Malformed.because(format!("ECDSA signature: {e}")))?;
            key.verify(message, &signature).map_err(|_| BadSignature.because("the ECDSA signature does not verify"))
        }
        other => Err(BadSignature.because(format!("unsupported signature algorithm {other}"))),
    }
}

/// Verifies a detached CMS over `content` and the signer's chain; returns
/// the signer's subject.
fn verify_detached(
    p7s: &[u8],
    content: &[u8],
    anchors: &[Certificate],
    now: std::time::Duration,
) -> Result<String, CheckFailure> {
    let der_error = |e: der::Error| Malformed.because(format!("the signature cannot be read: {e}"));
    let info = ContentInfo::from_der(p7s).map_err(der_error)?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(Malformed.because("not a CMS SignedData"));
    }
    let data: SignedData = info.content.decode_as().map_err(der_error)?;
    if data.encap_content_info.econtent_type != ID_DATA || data.encap_content_info.econtent.is_some() {
        return Err(Malformed.because("not a detached signature over data"));
    }
    let certs: Vec<Certificate> = data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let signer = data.signer_infos.0.iter().next().ok_or_else(|| Missing.because("the signature has no signer"))?;
    if signer.digest_alg.oid != ID_SHA_256 {
        return Err(BadSignature.because("the signature's digest is not SHA-256"));
    }
    let SignerIdentifier::IssuerAndSerialNumber(id) = &signer.sid else {
        return Err(Malformed.because("the signer is not identified by issuer and serial number"));
    };
    let cert = certs
        .iter()
        .find(|c| c.tbs_certificate.issuer == id.issuer && c.tbs_certificate.serial_number == id.serial_number)
        .ok_or_else(|| Missing.because("the signer's certificate is not in the signature"))?;
    let attrs =
        signer.signed_attrs.as_ref().ok_or_else(|| Missing.because("the signature has no signed attributes"))?;
    let one = |oid| attrs.iter().find(|a| a.oid == oid).and_then(|a| a.values.get(0));
    let digest: OctetString = one(ID_MESSAGE_DIGEST)
        .ok_or_else(|| Missing.because("no message-digest attribute"))?
        .decode_as()
        .map_err(der_error)?;
    if digest.as_bytes() != Sha256::digest(content).as_slice() {
        return Err(Changed.because("the signed content was changed (its digest does not match)"));
    }
    let content_type: ObjectIdentifier = one(ID_CONTENT_TYPE)
        .ok_or_else(|| Missing.because("no content-type attribute"))?
        .decode_as()
        .map_err(der_error)?;
    if content_type != ID_DATA {
        return Err(Malformed.because("the signed content type is not data"));
    }
    let signed = attrs.to_der().map_err(der_error)?;
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().map_err(der_error)?;
    verify_signature(&signer.signature_algorithm.oid, &spki, &signed, signer.signature.as_bytes())?;
    chain_to_anchor(cert, &certs, anchors, now)?;
    Ok(cert.tbs_certificate.subject.to_string())
}

/// Walks from the signer up through the certificates in the signature to a
/// certificate equal to one of the trust anchors, checking each signature
/// and validity period.
fn chain_to_anchor(
    leaf: &Certificate,
    pool: &[Certificate],
    anchors: &[Certificate],
    now: std::time::Duration,
) -> Result<(), CheckFailure> {
    if anchors.is_empty() {
        return Err(Untrusted.because("no trust anchor was given (--trust CERT)"));
    }
    let der_error = |e: der::Error| Malformed.because(format!("a certificate cannot be read: {e}"));
    let mut current = leaf.clone();
    for _ in 0..MAX_CHAIN {
        let validity = &current.tbs_certificate.validity;
        if now < validity.not_before.to_unix_duration() || now > validity.not_after.to_unix_duration() {
            return Err(Untrusted
                .because(format!("the certificate {} is expired or not yet valid", current.tbs_certificate.subject)));
        }
        if anchors.iter().any(|a| a == &current) {
            return Ok(());
        }
        let issuer = anchors
            .iter()
            .chain(pool)
            .find(|c| c.tbs_certificate.subject == current.tbs_certificate.issuer)
            .ok_or_else(|| {
            Untrusted.because(format!(
                "no trusted issuer for {} (is the right --trust given?)",
                current.tbs_certificate.subject
            ))
        })?;
        let is_ca = issuer
            .tbs_certificate
            .get::<x509_cert::ext::pkix::BasicConstraints>()
            .map_err(der_error)?
            .is_some_and(|(_, b)| b.ca);
        if !is_ca {
            return Err(Untrusted.because(format!("{} is not a CA", issuer.tbs_certificate.subject)));
        }
        let spki = issuer.tbs_certificate.subject_public_key_info.to_der().map_err(der_error)?;
        let tbs = current.tbs_certificate.to_der().map_err(der_error)?;
        let signature = current
            .signature
            .as_bytes()
            .ok_or_else(|| Malformed.because("a certificate's signature is not whole bytes"))?;
        verify_signature(&current.signature_algorithm.oid, &spki, &tbs, signature).map_err(|e| {
            Untrusted.because(format!(
                "the certificate {} is not signed by its issuer: {}",
                current.tbs_certificate.subject, e.detail
            ))
        })?;
        if anchors.iter().any(|a| a == issuer) {
            return Ok(());
        }
        current = issuer.clone();
    }
    Err(Untrusted.because("the certificate chain is too long"))
}
