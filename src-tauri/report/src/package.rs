//! The submission package: one zip with the signed report, the results in
//! machine-readable forms (our JSON, CSV for Excel, OSCAL assessment
//! results), the evidence manifest, the event log's head, and a manifest of
//! all of them with its detached CMS signature, so that the OSO can verify
//! everything offline with `workbench verify` (see `verify.rs`).

use std::io::{Cursor, Write};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use workbench_core::model::report::ReportModel;
use workbench_core::{Error, Result};

use crate::sign::SigningIdentity;

pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_SIGNATURE: &str = "manifest.p7s";
pub const REPORT: &str = "report.pdf";
pub const RESULTS_JSON: &str = "results.json";
pub const RESULTS_CSV: &str = "results.csv";
pub const OSCAL: &str = "oscal-assessment-results.json";
pub const EVIDENCE_MANIFEST: &str = "evidence-manifest.json";
/// The signed sign-offs and the roster's public keys (only when any
/// sign-off is signed or the roster holds a key).
pub const SIGNOFFS: &str = "signoffs.json";
pub const LOG_HEAD: &str = "event-log-head.json";

/// The schema name written into `results.json` and the manifest.
pub const RESULTS_SCHEMA: &str = "ismap-workbench-results/1";
pub const MANIFEST_SCHEMA: &str = "ismap-workbench-package/1";

/// One file of the package as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub engagement_uuid: String,
    pub provider: String,
    pub service: String,
    pub created_at: String,
    /// The event log's head the package was made from.
    pub log_events: i64,
    pub log_head: String,
    pub files: Vec<ManifestEntry>,
}

/// Builds the package's bytes from the model and the signed report.
pub fn build(model: &ReportModel, signed_pdf: &[u8], identity: &SigningIdentity) -> Result<Vec<u8>> {
    if !model.is_final {
        return Err(Error::invalid("package", "a submission package is made only from a finalized engagement"));
    }
    let json_error = |e: serde_json::Error| Error::invalid("package", e.to_string());
    let results = serde_json::to_vec_pretty(&results_json(model)).map_err(json_error)?;
    let oscal = crate::oscal::document(model)?;
    let evidence = serde_json::to_vec_pretty(&evidence_json(model)).map_err(json_error)?;
    let head = serde_json::to_vec_pretty(&json!({
        "engagement_uuid": model.engagement_uuid,
        "events": model.log_head.events,
        "head_hash": model.log_head.hash,
    }))
    .map_err(json_error)?;
    let csv = results_csv(model)?;
    let signatures = serde_json::to_vec_pretty(&json!({
        "engagement_uuid": model.engagement_uuid,
        "roster": model.signatures.roster,
        "signoffs": model.signatures.signoffs,
    }))
    .map_err(json_error)?;
    let mut files: Vec<(&str, &[u8])> = vec![
        (REPORT, signed_pdf),
        (RESULTS_JSON, &results),
        (RESULTS_CSV, &csv),
        (OSCAL, &oscal),
        (EVIDENCE_MANIFEST, &evidence),
        (LOG_HEAD, &head),
    ];
    if !model.signatures.roster.is_empty() || !model.signatures.signoffs.is_empty() {
        files.push((SIGNOFFS, &signatures));
    }
    let manifest = Manifest {
        schema: MANIFEST_SCHEMA.into(),
        engagement_uuid: model.engagement_uuid.clone(),
        provider: model.fields.provider.name.clone(),
        service: model.fields.service.name.clone(),
        created_at: model.generated_at.clone(),
        log_events: model.log_head.events,
        log_head: model.log_head.hash.clone(),
        files: files
            .iter()
            .map(|(name, bytes)| ManifestEntry {
                name: (*name).into(),
                size: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(bytes)),
            })
            .collect(),
    };
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).map_err(json_error)?;
    // The manifest's signature states when it was made (the package's
    // creation time), so that the OSO judges the certificate at that time.
    let signed_at = chrono::DateTime::parse_from_rfc3339(&model.generated_at)
        .map(std::time::SystemTime::from)
        .map_err(|e| Error::invalid("generated_at", format!("not an RFC 3339 time: {e}")))?;
    let signature = identity.sign_detached(&[&manifest_bytes], Some(signed_at))?;

    let zip_error = |e: zip::result::ZipError| Error::invalid("package", format!("the zip could not be written: {e}"));
    let io_error = |e: std::io::Error| Error::invalid("package", format!("the zip could not be written: {e}"));
    // A fixed time (zip's 1980 default) keeps packages of the same content equal.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in
        files.iter().copied().chain([(MANIFEST, manifest_bytes.as_slice()), (MANIFEST_SIGNATURE, &signature)])
    {
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(bytes).map_err(io_error)?;
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

/// `results.json`: the engagement, scope, procedures with results,
/// exceptions and sign-offs, in our documented schema (docs/package.md).
pub fn results_json(model: &ReportModel) -> serde_json::Value {
    let f = &model.fields;
    let procedures: Vec<serde_json::Value> = model
        .groups
        .iter()
        .flat_map(|g| g.domains.iter().flat_map(move |d| d.controls.iter().map(move |c| (g, d, c))))
        .flat_map(|(g, _, c)| {
            c.procedures.iter().map(move |p| {
                json!({
                    "id": p.id, "control_id": c.id, "group": g.group, "kind": p.kind, "evaluation": p.evaluation,
                    "oscal_method": p.kind.oscal_method(), "text_ja": p.text_ja, "text_en": p.text_en,
                    "result": p.result, "exceptions": p.exceptions, "sample_size": p.sample_size,
                })
            })
        })
        .collect();
    let controls: Vec<serde_json::Value> = model
        .groups
        .iter()
        .flat_map(|g| g.domains.iter().flat_map(|d| d.controls.iter()))
        .map(|c| json!({ "id": c.id, "title_ja": c.title_ja, "title_en": c.title_en, "result": c.result }))
        .collect();
    json!({
        "schema": RESULTS_SCHEMA,
        "engagement": {
            "uuid": model.engagement_uuid,
            "provider": { "name": f.provider.name, "corporate_number": f.provider.corporate_number },
            "service": { "name": f.service.name, "scope_of_statement": f.service.scope_of_statement },
            "program": f.program, "audit_kind": f.audit_kind,
            "period": { "start": f.period.start, "end": f.period.end },
            "assessor": { "name": f.assessor.name, "registration_number": f.assessor.registration_number },
            "report_date": model.report_date,
            "finalized": model.finalization,
            "catalog": { "name": model.catalog.name, "version": model.catalog.version, "content_sha256": model.catalog.content_sha256 },
        },
        "scope": {
            "assessable": model.scope.assessable,
            "in_scope": model.scope.in_scope,
            "out_of_scope": model.scope.out_of_scope,
        },
        "controls": controls,
        "procedures": procedures,
        "samples": model.samples,
        "exceptions": model.exceptions,
        "signoffs": model.signoffs,
        "evidence": model.evidence.iter().map(|e| &e.id).collect::<Vec<_>>(),
        "log_head": model.log_head,
    })
}

/// The columns of `results.csv`, in order.
pub const CSV_COLUMNS: [&str; 9] =
    ["control_id", "procedure_id", "kind", "evaluation", "result", "exceptions", "sample_size", "text_ja", "text_en"];

/// A cell as `results.csv` holds it: a text that a spreadsheet would take
/// for a formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) gets a single quote before it, so that opening the file in
/// Excel runs nothing (OWASP, CSV injection). The verifier compares cells
/// through the same rule.
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `results.csv`: one row per procedure, UTF-8 with a byte-order mark so
/// that Excel in Japanese opens it without garbling, CRLF line ends, cells
/// quoted when they hold a comma, a quote or a line break, and every text
/// cell neutralised against formulas ([`csv_cell`]).
pub fn results_csv(model: &ReportModel) -> Result<Vec<u8>> {
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer("\u{feff}".as_bytes().to_vec());
    let csv_error = |e: csv::Error| Error::invalid("package", format!("results.csv could not be written: {e}"));
    writer.write_record(CSV_COLUMNS).map_err(csv_error)?;
    for c in model.groups.iter().flat_map(|g| g.domains.iter().flat_map(|d| d.controls.iter())) {
        for p in &c.procedures {
            let row = [
                c.id.clone(),
                p.id.clone(),
                p.kind.as_str().to_string(),
                p.evaluation.as_str().to_string(),
                p.result.map_or("", |r| r.as_str()).to_string(),
                p.exceptions.join(" "),
                p.sample_size.map(|s| s.to_string()).unwrap_or_default(),
                p.text_ja.clone(),
                p.text_en.clone(),
            ];
            writer.write_record(row.iter().map(|cell| csv_cell(cell).into_owned())).map_err(csv_error)?;
        }
    }
    writer.into_inner().map_err(|e| Error::invalid("package", format!("results.csv could not be written: {e}")))
}

/// `evidence-manifest.json`: each evidence item's ID, size, SHA-256 and links.
pub fn evidence_json(model: &ReportModel) -> serde_json::Value {
    json!({
        "engagement_uuid": model.engagement_uuid,
        "evidence": model.evidence.iter().map(|e| json!({
            "id": e.id, "title": e.title, "as_of": e.as_of, "size": e.size, "sha256": e.sha256, "links": e.links,
        })).collect::<Vec<_>>(),
    })
}
