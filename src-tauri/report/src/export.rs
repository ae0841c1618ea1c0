//! One export, the same from the CLI and the app: the report (a draft, or
//! the final report, signed when a key is given) or the submission
//! package, written whole or not at all.

use std::path::Path;

use chrono::NaiveDate;
use workbench_core::error::{FieldProblem, ProblemCode};
use workbench_core::model::event::Context;
use workbench_core::model::report::{ExportProgress, ExportResult, ExportStage, ReportModel};
use workbench_core::{Error, Result};

use crate::sign::{sign_pdf, SigningIdentity};
use crate::{render, Lang};

/// What an export makes (the core's `ExportKind`).
pub use workbench_core::model::report::ExportKind as Output;

#[derive(Debug, Clone)]
pub struct Exported {
    pub bytes: Vec<u8>,
    pub pages: usize,
    pub signed: bool,
}

/// Checks what may be made before any work (and before a passphrase is
/// asked for): only a finalized engagement is signed or packaged.
pub fn check(model: &ReportModel, output: Output, signing: bool) -> Result<()> {
    let refuse = |field: &str, code: ProblemCode, message: &str| {
        Err(Error::Invalid { problems: vec![FieldProblem::new(field, code, &[], message.into())] })
    };
    match (output, model.is_final, signing) {
        (Output::Package, false, _) => refuse(
            "package",
            ProblemCode::NotFinal,
            "a submission package is made only from a finalized engagement; finalize it first",
        ),
        (Output::Package, true, false) => refuse(
            "certificate",
            ProblemCode::CertificateRequired,
            "a submission package is signed; give the firm's PKCS#12 file",
        ),
        (Output::Report, false, true) => refuse(
            "sign",
            ProblemCode::NotFinal,
            "only the final report of a finalized engagement is signed; finalize the engagement first",
        ),
        _ => Ok(()),
    }
}

/// Lays out, signs and packages, reporting each stage it enters.
pub fn export(
    model: &ReportModel,
    lang: Lang,
    output: Output,
    identity: Option<&SigningIdentity>,
    signed_at: &str,
    progress: &mut dyn FnMut(ExportStage),
) -> Result<Exported> {
    check(model, output, identity.is_some())?;
    progress(ExportStage::Layout);
    let report = render(model, lang)?;
    let (pdf, signed) = match identity {
        Some(identity) => {
            progress(ExportStage::Sign);
            (sign_pdf(report.pdf, identity, signed_at, &model.fields.assessor.name)?, true)
        }
        None => (report.pdf, false),
    };
    let bytes = match (output, identity) {
        (Output::Package, Some(identity)) => {
            progress(ExportStage::Package);
            crate::package::build(model, &pdf, identity)?
        }
        _ => pdf,
    };
    Ok(Exported { bytes, pages: report.pages, signed })
}

/// One export from an engagement file to `out`, as every front end makes
/// it: the report model is read (refused if the file's state is not its
/// log's), what may be made is checked, and only then is the signing key
/// asked for (`key`, which may prompt for a passphrase); the file is laid
/// out, signed, packaged and written whole or not at all. `progress` hears
/// each stage, numbered among the stages `output.stages(signing)` gives.
/// The report date is today in Japan unless given.
#[allow(clippy::too_many_arguments)]
pub fn run<E: From<Error>>(
    file: &Path,
    out: &Path,
    output: Output,
    lang: Lang,
    report_date: Option<NaiveDate>,
    key: Option<&mut dyn FnMut() -> std::result::Result<SigningIdentity, E>>,
    ctx: Context<'_>,
    progress: &mut dyn FnMut(ExportProgress),
) -> std::result::Result<ExportResult, E> {
    let stages = output.stages(key.is_some());
    let steps = stages.len() as u32;
    let mut report = |stage: ExportStage| {
        let step = stages.iter().position(|s| *s == stage).map_or(0, |i| i as u32 + 1);
        progress(ExportProgress { stage, step, steps });
    };
    report(ExportStage::Read);
    let date = report_date.unwrap_or_else(|| ctx.clock.today_in_japan());
    let model = workbench_core::api::report_model(file, date, ctx)?;
    check(&model, output, key.is_some())?;
    let identity = match key {
        Some(key) => Some(key()?),
        None => None,
    };
    let signed_at = crate::sign::pdf_date(ctx.clock.now());
    let done = export(&model, lang, output, identity.as_ref(), &signed_at, &mut report)?;
    report(ExportStage::Write);
    write_whole(out, &done.bytes)?;
    Ok(ExportResult {
        path: out.display().to_string(),
        pages: done.pages as u32,
        is_final: model.is_final,
        signed: done.signed,
        bytes: done.bytes.len() as u64,
    })
}

/// The longest part of a file name taken from the service's name, so that a
/// long name still leaves room for the folder's path.
const MAX_SERVICE_CHARS: usize = 60;

/// The name a save dialog proposes for an export: the report (or package)
/// and the service in the report's language, and the report date, so that
/// exports of several services and dates sit apart in one folder.
pub fn file_name(lang: Lang, package: bool, service: &str, date: &str) -> String {
    let service: String = name_safe(service).chars().take(MAX_SERVICE_CHARS).collect();
    let messages = crate::messages::Messages::load(lang);
    let key = if package { "file.package" } else { "file.report" };
    let stem = messages.get(key, &[("service", &service), ("date", &name_safe(date))]);
    format!("{}.{}", name_safe(&stem), if package { "zip" } else { "pdf" })
}

/// A text as part of a file name on every system: the characters Windows
/// refuses, path separators and control characters become `_`, as do runs
/// of white space (full-width spaces included), which are awkward in a name
/// people pass around by mail; repeated `_` become one, and leading and
/// trailing `_` and `.` go (Windows drops trailing dots).
fn name_safe(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() || "\\/:*?\"<>|".contains(c) { '_' } else { c };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    out.trim_matches(['_', '.']).to_string()
}

/// Writes `bytes` to `path` through a partial file beside it, so that a
/// failure never leaves half a file where the user expects a whole one, and
/// a killed writer's partial file is cleared by the next write there.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    workbench_core::files::write_whole(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_say_what_and_when() {
        assert_eq!(
            file_name(Lang::Ja, false, "ACME クラウド/本番:環境", "2026-12-20"),
            "実施結果報告書_ACME_クラウド_本番_環境_2026-12-20.pdf"
        );
        assert_eq!(file_name(Lang::En, true, "  ", "2026-12-20"), "Submission_package_2026-12-20.zip");
        let long = "長".repeat(200);
        assert!(file_name(Lang::Ja, false, &long, "2026-12-20").chars().count() < 90);
    }
}
