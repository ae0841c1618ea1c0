//! `workbench verify package FILE` and `workbench verify report FILE`: the
//! OSO's offline check of what a firm sends it. The user says which kind
//! the file is; `workbench verify FILE` is a shorthand that takes the kind
//! from the name's ending (`.zip` or `.pdf`) and still refuses a file whose
//! content is the other kind. Everything printed that comes from the file
//! is escaped (`printable`), so that a crafted package cannot write a fake
//! line or hide a failure on a terminal.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use workbench_report::verify::{self, printable, Verification};

use crate::messages::Messages;
use crate::{print_json, Failure, Outcome};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct VerifyArgs {
    #[command(subcommand)]
    what: Option<VerifyWhat>,
    /// Shorthand: a package if the name ends in .zip, a signed report if it ends in .pdf.
    #[arg(required = true)]
    file: Option<PathBuf>,
    #[command(flatten)]
    options: VerifyOptions,
}

#[derive(Debug, Subcommand)]
enum VerifyWhat {
    /// Verify a submission package (zip): its archive, signed manifest and certificate chain, every file's
    /// hash, the report's PDF signature by the same certificate, and the consistency of the results.
    Package {
        /// The package.
        file: PathBuf,
        #[command(flatten)]
        options: VerifyOptions,
    },
    /// Verify a signed report (PDF) on its own: its PAdES signature and certificate chain.
    Report {
        /// The signed report.
        file: PathBuf,
        #[command(flatten)]
        options: VerifyOptions,
    },
}

#[derive(Debug, Args)]
struct VerifyOptions {
    /// A trusted certificate (PEM or DER), e.g. the firm's CA; repeat for more.
    #[arg(long = "trust", value_name = "CERT", required = true)]
    trust: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Package,
    Report,
}

pub fn verify(args: VerifyArgs, m: &Messages) -> Outcome {
    let (kind, file, options) = match args.what {
        Some(VerifyWhat::Package { file, options }) => (Kind::Package, file, options),
        Some(VerifyWhat::Report { file, options }) => (Kind::Report, file, options),
        None => {
            // clap requires the file when no kind is given; this is for completeness.
            let file = args.file.unwrap_or_default();
            let ending = file.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
            let kind = match ending.as_deref() {
                Some("zip") => Kind::Package,
                Some("pdf") => Kind::Report,
                _ => {
                    return Err(Failure::Usage(
                        m.get("verify.which", &[("path", &printable(&file.display().to_string()))]),
                    ))
                }
            };
            (kind, file, args.options)
        }
    };
    let mut anchors = Vec::new();
    for t in &options.trust {
        anchors.extend(verify::read_anchors(t)?);
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let result = match kind {
        Kind::Package => verify::verify_package_file(&file, &anchors, now),
        Kind::Report => verify::verify_report_file(&file, &anchors, now),
    }
    .map_err(|e| Failure::Core(workbench_core::Error::Io { path: file.clone(), source: e }))?;
    if options.json {
        print_json(&result)?;
    } else {
        print_text(&result, kind, &file, m);
    }
    if result.passed() {
        Ok(())
    } else {
        Err(Failure::CheckFailed)
    }
}

/// Each check on its line, in the user's language, then the verdict naming the file.
fn print_text(result: &Verification, kind: Kind, file: &Path, m: &Messages) {
    for c in &result.checks {
        let detail = sentence(m, c.code, &c.args).unwrap_or_else(|| printable(&c.detail));
        let key = if c.ok { "verify.ok" } else { "verify.failed" };
        let line = m.template(key).map_or_else(
            || key.to_string(),
            |t| verify::fill(t, &[("check", check_name(m, &c.name)), ("detail", detail)]),
        );
        println!("{line}");
    }
    let key = match (kind, result.passed()) {
        (Kind::Package, true) => "verify.passed",
        (Kind::Package, false) => "verify.rejected",
        (Kind::Report, true) => "verify.report_passed",
        (Kind::Report, false) => "verify.report_rejected",
    };
    let path = printable(&file.display().to_string());
    println!("{}", m.template(key).map_or_else(|| key.to_string(), |t| verify::fill(t, &[("path", path)])));
}

/// A check's name in the user's language (`verify.check.NAME`, and
/// `verify.check.file` for `file NAME`), escaped; the name itself when the
/// catalog has none.
fn check_name(m: &Messages, name: &str) -> String {
    if let Some(file) = name.strip_prefix("file ") {
        if let Some(t) = m.template("verify.check.file") {
            return verify::fill(t, &[("name", printable(file))]);
        }
    }
    let key = format!("verify.check.{}", name.to_lowercase().replace(' ', "_"));
    m.template(&key).map_or_else(|| printable(name), str::to_string)
}

/// The verifier's sentence `code` from the catalog (`verify.say.CODE`),
/// its values escaped and filled in one pass.
fn sentence(m: &Messages, code: &str, args: &[(&'static str, String)]) -> Option<String> {
    let template = m.template(&format!("verify.say.{code}"))?;
    let args: Vec<(&str, String)> = args.iter().map(|(n, v)| (*n, printable(v))).collect();
    Some(verify::fill(template, &args))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    fn placeholders(text: &str) -> BTreeSet<String> {
        text.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name.to_string()).collect()
    }

    #[test]
    fn every_sentence_of_the_verifier_is_in_both_catalogs_with_its_placeholders() {
        let ja: BTreeMap<String, String> = serde_json::from_str(include_str!("../messages/ja.json")).unwrap();
        let en: BTreeMap<String, String> = serde_json::from_str(include_str!("../messages/en.json")).unwrap();
        for (code, english) in workbench_report::verify::SENTENCES {
            let key = format!("verify.say.{code}");
            for (lang, catalog) in [("ja", &ja), ("en", &en)] {
                let text = catalog.get(&key).unwrap_or_else(|| panic!("{key} is missing from {lang}.json"));
                assert_eq!(placeholders(text), placeholders(english), "placeholders of {key} in {lang}.json");
            }
        }
        let codes: BTreeSet<String> =
            workbench_report::verify::SENTENCES.iter().map(|(c, _)| format!("verify.say.{c}")).collect();
        for name in workbench_report::verify::CHECK_NAMES {
            let key = format!("verify.check.{}", name.to_lowercase().replace(' ', "_"));
            assert!(ja.contains_key(&key) && en.contains_key(&key), "{key} is missing");
        }
        assert!(ja.contains_key("verify.check.file") && en.contains_key("verify.check.file"));
        let stale: Vec<&String> = ja.keys().filter(|k| k.starts_with("verify.say.") && !codes.contains(*k)).collect();
        assert!(stale.is_empty(), "catalog entries for sentences the verifier no longer says: {stale:?}");
    }
}
