//! The assessor's report (実施結果報告書) as plain data: everything the
//! report shows, taken from the engagement by `db::report`, in both
//! languages where the engagement has both. The report crate renders it;
//! the submission package serialises parts of it. Nothing here formats
//! text for people.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::catalog::IdScheme;
use super::engagement::{DerivedDates, EngagementFields};
use super::procedure::{Evaluation, ProcedureKind, ResultKind, ScopeDecision};
use super::review::Finalization;
use super::sampling::{Frequency, SampleRuleTable, SelectionMethod};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportModel {
    /// True for a finalized (locked) engagement; anything else is a draft.
    pub is_final: bool,
    pub engagement_uuid: String,
    pub report_date: NaiveDate,
    /// When the model was made (UTC, RFC 3339), for the document's metadata.
    pub generated_at: String,
    pub fields: EngagementFields,
    pub derived: Option<DerivedDates>,
    pub catalog: ReportCatalog,
    pub finalization: Option<Finalization>,
    pub scope: ReportScope,
    pub methods: Vec<MethodCount>,
    pub rule_tables: Vec<SampleRuleTable>,
    pub samples: Vec<ReportSample>,
    pub groups: Vec<ReportGroup>,
    pub exceptions: Vec<ReportException>,
    pub evidence: Vec<ReportEvidence>,
    pub signoffs: ReportSignOffs,
    /// The signatures of the standing sign-offs and the roster's keys.
    #[serde(default)]
    pub signatures: ReportSignatures,
    /// The written representation and the subsequent events.
    #[serde(default)]
    pub closing: super::representation::ClosingView,
    /// Controls that changed during the period, with their versions (CC2022 §2.2.4).
    #[serde(default)]
    pub changed_controls: Vec<ReportChangedControl>,
    /// The event log's head when the model was made: what the report vouches for.
    pub log_head: LogHead,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCatalog {
    pub name: String,
    pub version: String,
    pub title: String,
    pub id_scheme: IdScheme,
    /// The bundled sample catalog, not the official criteria.
    pub sample: bool,
    pub content_sha256: String,
    /// What the suffixes mean: the catalog's own legend, else the shipped one.
    #[serde(default)]
    pub suffix_legend: Vec<super::catalog::SuffixMeaning>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportScope {
    /// Assessed controls (detailed controls) in the catalog.
    pub assessable: u32,
    pub in_scope: u32,
    pub out_of_scope: Vec<ReportExclusion>,
}

/// A control that changed during the period: its versions and the dates each applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportChangedControl {
    pub control_id: String,
    pub title_ja: String,
    pub title_en: String,
    pub versions: Vec<super::change::ControlVersion>,
    /// How many sample items were tested against each version, in version order.
    #[serde(default)]
    pub sampled_by_version: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportExclusion {
    pub control_id: String,
    pub title_ja: String,
    pub title_en: String,
    pub decision: ScopeDecision,
    pub reason: String,
}

/// How many procedures of one kind and evaluation were performed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodCount {
    pub kind: ProcedureKind,
    pub evaluation: Evaluation,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSample {
    pub procedure_id: String,
    pub population: u32,
    /// The population's source file, if it was a list.
    pub source_name: Option<String>,
    pub method: SelectionMethod,
    pub frequency: Option<Frequency>,
    /// `name@version` of the rule table used.
    pub rule_table: Option<String>,
    pub size: u32,
    pub override_reason: Option<String>,
    pub seed: Option<u64>,
    pub by_quarter: bool,
}

/// A criteria group (ガバナンス基準, マネジメント基準, 管理策基準) with its domains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportGroup {
    pub group: String,
    pub domains: Vec<ReportDomain>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDomain {
    pub id: String,
    pub title_ja: String,
    pub title_en: String,
    pub controls: Vec<ReportControl>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportControl {
    pub id: String,
    pub title_ja: String,
    pub title_en: String,
    pub scope: ScopeDecision,
    pub result: Option<ResultKind>,
    pub procedures: Vec<ReportProcedure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportProcedure {
    pub id: String,
    pub kind: ProcedureKind,
    pub evaluation: Evaluation,
    pub text_ja: String,
    pub text_en: String,
    pub result: Option<ResultKind>,
    /// Exception IDs (E-0001, ...).
    pub exceptions: Vec<String>,
    /// The sample's size, when the procedure was tested on a sample.
    pub sample_size: Option<u32>,
}

/// An exception (例外事項) as the report states it: the facts, where they
/// were found, and the sample item when a test of a sample found them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportException {
    pub id: String,
    pub control_id: String,
    pub procedure_id: String,
    /// `PROCEDURE/Sn` and the population item's own ID (e.g. CHG-0017).
    pub sample_item: Option<String>,
    pub sample_item_id: Option<String>,
    pub attribute: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportEvidence {
    pub id: String,
    pub title: String,
    pub as_of: NaiveDate,
    pub sha256: String,
    pub size: u64,
    /// What it supports: procedure, exception, PBC and sample IDs.
    pub links: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSignOffs {
    pub second_review: bool,
    /// Items to sign (procedures of in-scope controls, and assessed controls).
    pub items: u32,
    /// Signed at every required level and unchanged since.
    pub complete: u32,
    pub changed_after_signoff: u32,
    pub open_notes: u32,
    /// The people who signed, with their role and how many items at each level.
    pub signers: Vec<ReportSigner>,
    /// Why one person signed every level (an engagement worked by one
    /// person), when separation of duties was relaxed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_person_signoff: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSigner {
    pub name: String,
    pub role: String,
    pub level: String,
    pub count: u32,
    /// The fingerprint of the key these sign-offs were signed with, when
    /// they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// The signed sign-offs and the roster's public keys, for `signoffs.json`
/// in the package, so that anyone can check them offline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSignatures {
    pub roster: Vec<ReportRosterKey>,
    pub signoffs: Vec<ReportSignedOff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRosterKey {
    pub name: String,
    pub role: String,
    pub public_key: String,
    pub fingerprint: String,
    pub active: bool,
}

/// A standing sign-off with its signature: what `domain::roster::signoff_message` covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSignedOff {
    pub item_kind: String,
    pub item_id: String,
    pub level: String,
    pub signer: String,
    pub content_sha256: String,
    pub at: String,
    pub fingerprint: String,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHead {
    pub events: i64,
    pub hash: String,
}

text_enum!(
    /// What an export makes: the report (a PDF) or the submission package (a zip).
    ExportKind {
        Report = "report",
        Package = "package",
    }
);

text_enum!(
    /// A stage of an export, for its progress bar.
    ExportStage {
        Read = "read",
        Layout = "layout",
        Sign = "sign",
        Package = "package",
        Write = "write",
    }
);

impl ExportKind {
    /// The stages an export of this kind goes through, in order: a package
    /// is always signed; a report is signed when a key is given.
    pub fn stages(self, signing: bool) -> Vec<ExportStage> {
        use ExportStage::*;
        match (self, signing) {
            (ExportKind::Package, _) => vec![Read, Layout, Sign, Package, Write],
            (ExportKind::Report, true) => vec![Read, Layout, Sign, Write],
            (ExportKind::Report, false) => vec![Read, Layout, Write],
        }
    }
}

/// How far an export has come: the stage, and the step it is of all the
/// export's steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportProgress {
    pub stage: ExportStage,
    pub step: u32,
    pub steps: u32,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportResult {
    pub path: String,
    pub pages: u32,
    pub is_final: bool,
    pub signed: bool,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
}
