//! One export, the same from the CLI and the app: the report (a draft, or
//! the final report, signed when a key is given) or the submission
//! package, written whole or not at all.

use std::path::Path;

use workbench_core::model::report::ReportModel;
use workbench_core::{Error, Result};

use crate::sign::{sign_pdf, SigningIdentity};
use crate::{render, Lang};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Report,
    Package,
}

#[derive(Debug, Clone)]
pub struct Exported {
    pub bytes: Vec<u8>,
    pub pages: usize,
    pub signed: bool,
}

/// Checks what may be made before any work (and before a passphrase is
/// asked for): only a finalized engagement is signed or packaged.
pub fn check(model: &ReportModel, output: Output, signing: bool) -> Result<()> {
    match (output, model.is_final, signing) {
        (Output::Package, false, _) => Err(Error::invalid(
            "package",
            "a submission package is made only from a finalized engagement; finalize it first",
        )),
        (Output::Package, true, false) => {
            Err(Error::invalid("certificate", "a submission package is signed; give the firm's PKCS#12 file"))
        }
        (Output::Report, false, true) => Err(Error::invalid(
            "sign",
            "only the final report of a finalized engagement is signed; finalize the engagement first",
        )),
        _ => Ok(()),
    }
}

/// Lays out, signs and packages, reporting each stage as (name, step, steps).
pub fn export(
    model: &ReportModel,
    lang: Lang,
    output: Output,
    identity: Option<&SigningIdentity>,
    signed_at: &str,
    progress: &mut dyn FnMut(&str, u32, u32),
) -> Result<Exported> {
    check(model, output, identity.is_some())?;
    let steps = match (output, identity.is_some()) {
        (Output::Package, _) => 3,
        (Output::Report, true) => 2,
        (Output::Report, false) => 1,
    };
    progress("layout", 1, steps);
    let report = render(model, lang)?;
    let (pdf, signed) = match identity {
        Some(identity) => {
            progress("sign", 2, steps);
            (sign_pdf(report.pdf, identity, signed_at, &model.fields.assessor.name)?, true)
        }
        None => (report.pdf, false),
    };
    let bytes = match (output, identity) {
        (Output::Package, Some(identity)) => {
            progress("package", 3, steps);
            crate::package::build(model, &pdf, identity)?
        }
        _ => pdf,
    };
    Ok(Exported { bytes, pages: report.pages, signed })
}

/// Writes `bytes` to `path` through a partial file beside it, so that a
/// failure never leaves half a file where the user expects a whole one, and
/// a killed writer's partial file is cleared by the next write there.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    workbench_core::files::write_whole(path, bytes)
}
