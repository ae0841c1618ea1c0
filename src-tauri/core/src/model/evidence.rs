//! Evidence (証跡) and the PBC request list: what the assessor received,
//! what it speaks for, and what it supports.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

text_enum!(
    /// What sort of evidence an item is.
    EvidenceKind {
        Document = "document",
        Screenshot = "screenshot",
        LogExport = "log_export",
        Configuration = "configuration",
        InterviewMemo = "interview_memo",
        Other = "other",
    }
);

text_enum!(
    /// What an evidence item can support; a sample item is `PROCEDURE/Sn`.
    LinkKind { Procedure = "procedure", Exception = "exception", Pbc = "pbc", Sample = "sample" }
);

text_enum!(
    /// Where a request to the provider (PBC, "prepared by client") stands.
    PbcStatus {
        Requested = "requested",
        Received = "received",
        /// Received but incomplete, or chased again.
        FollowUp = "follow_up",
        Withdrawn = "withdrawn",
    }
);

impl PbcStatus {
    /// Whether the provider still owes something for the request.
    pub fn is_open(self) -> bool {
        matches!(self, PbcStatus::Requested | PbcStatus::FollowUp)
    }
}

impl EvidenceKind {
    /// A default kind for a file, from its media type and name, for the
    /// intake form to start from. The assessor can always change it.
    pub fn guess(media_type: &str, file_name: &str) -> EvidenceKind {
        let lower = file_name.to_lowercase();
        let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
        if media_type.starts_with("image/") {
            EvidenceKind::Screenshot
        } else if matches!(ext, "log" | "evtx" | "jsonl" | "ndjson") {
            EvidenceKind::LogExport
        } else if matches!(ext, "conf" | "cfg" | "ini" | "yaml" | "yml" | "toml" | "xml" | "json" | "tf" | "properties")
        {
            EvidenceKind::Configuration
        } else if media_type == "application/pdf"
            || matches!(ext, "doc" | "docx" | "xls" | "xlsx" | "ppt" | "pptx" | "txt" | "md" | "csv" | "odt" | "ods")
        {
            EvidenceKind::Document
        } else {
            EvidenceKind::Other
        }
    }
}

/// What the assessor says about an evidence item; everything else (hash,
/// size, name, media type) is taken from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EvidenceMeta {
    pub title: String,
    pub description: String,
    pub kind: EvidenceKind,
    /// The person or system at the provider it came from.
    pub obtained_from: String,
    /// The team member who obtained it.
    pub obtained_by: String,
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::model::IsoDate>"))]
    pub obtained_at: Option<NaiveDate>,
    /// The date the evidence speaks for (a configuration as of, a log up to),
    /// which is not the date it was taken in.
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub as_of: NaiveDate,
}

/// A link from an evidence item to what it supports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EvidenceLink {
    pub kind: LinkKind,
    pub id: String,
}

impl PartialOrd for LinkKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LinkKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// An evidence item as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Evidence {
    /// `EV-0001`, numbered per engagement and never reused.
    pub id: String,
    /// SHA-256 of the content, lower-case hex: the content's address.
    pub sha256: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub media_type: String,
    pub original_name: String,
    #[serde(flatten)]
    pub meta: EvidenceMeta,
    pub added_at: String,
    pub added_by: String,
    pub links: Vec<EvidenceLink>,
    /// Set when the item was withdrawn from the engagement. Its record and
    /// content stay, so that the history can still show what it was.
    pub removed: Option<Removal>,
    /// What is odd about the as-of date, if anything: derived when the item
    /// is shown, never recorded (events and state hold the date alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub as_of_warning: Option<AsOfWarning>,
}

/// An as-of date after the period's end, or after the day the item was
/// taken in (a date in the future then): evidence of something else than
/// the period's operation, or a typing slip. A warning, since evidence of a
/// later date can still bear on the period (a subsequent event's letter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AsOfWarning {
    /// `as_of_in_future`, `as_of_after_obtained` or `as_of_after_period`.
    pub code: crate::error::ProblemCode,
    /// The limit passed: the day it was taken in, the day it was obtained, or the period's end.
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub limit: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Removal {
    pub reason: String,
    pub at: String,
    pub by: String,
}

/// A change to an evidence item's description; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct EvidencePatch {
    #[cfg_attr(feature = "ts", ts(optional))]
    pub title: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub description: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<EvidenceKind>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub obtained_from: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub obtained_by: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::model::IsoDate>"))]
    pub obtained_at: Option<NaiveDate>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::model::IsoDate>"))]
    pub as_of: Option<NaiveDate>,
}

/// A request to the provider for evidence (the PBC list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PbcRequest {
    /// `PBC-001`, numbered per engagement and never reused.
    pub id: String,
    /// What was asked for.
    pub item: String,
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub requested_on: NaiveDate,
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::model::IsoDate>"))]
    pub due: Option<NaiveDate>,
    /// The person at the provider asked.
    pub from_whom: String,
    pub status: PbcStatus,
    pub notes: String,
    /// The evidence received for it (evidence IDs), derived from the links.
    pub evidence: Vec<String>,
}

impl PbcRequest {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due.is_some_and(|due| due < today)
    }
}

/// A new PBC request, or the fields of an edited one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PbcFields {
    pub item: String,
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub requested_on: NaiveDate,
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::model::IsoDate>"))]
    pub due: Option<NaiveDate>,
    pub from_whom: String,
    pub status: PbcStatus,
    pub notes: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_guessed_from_the_file() {
        assert_eq!(EvidenceKind::guess("image/png", "画面.png"), EvidenceKind::Screenshot);
        assert_eq!(EvidenceKind::guess("text/plain", "auth.LOG"), EvidenceKind::LogExport);
        assert_eq!(EvidenceKind::guess("application/json", "iam-policy.json"), EvidenceKind::Configuration);
        assert_eq!(EvidenceKind::guess("application/pdf", "規程.pdf"), EvidenceKind::Document);
        assert_eq!(EvidenceKind::guess("application/octet-stream", "dump.bin"), EvidenceKind::Other);
    }

    #[test]
    fn only_open_requests_past_their_due_date_are_overdue() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 5, d).unwrap();
        let mut request = PbcRequest {
            id: "PBC-001".into(),
            item: "アクセス権レビュー記録".into(),
            requested_on: day(1),
            due: Some(day(10)),
            from_whom: "情報システム部".into(),
            status: PbcStatus::Requested,
            notes: String::new(),
            evidence: Vec::new(),
        };
        assert!(!request.is_overdue(day(10)));
        assert!(request.is_overdue(day(11)));
        request.status = PbcStatus::FollowUp;
        assert!(request.is_overdue(day(11)));
        request.status = PbcStatus::Received;
        assert!(!request.is_overdue(day(11)));
        request.due = None;
        request.status = PbcStatus::Requested;
        assert!(!request.is_overdue(day(30)));
    }
}
