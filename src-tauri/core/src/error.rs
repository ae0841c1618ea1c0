//! The one error type of the core. Every variant maps to a small, stable
//! `kind` string: front ends (the CLI's exit codes, the UI through IPC) switch
//! on the kind and never parse the message.

use std::path::PathBuf;

/// A problem found in an input file, with the place it was found.
///
/// `location` is written for people: `line 12, column "id"` for CSV,
/// `sheet "catalog", cell B7` for Excel, a JSON path for JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InputProblem {
    pub location: String,
    pub message: String,
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A field of a form (engagement fields, team members) that fails its rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldProblem {
    pub field: String,
    /// What is wrong, for front ends to translate, with its values.
    pub code: ProblemCode,
    pub params: std::collections::BTreeMap<String, String>,
    /// The message in English, for logs and scripts.
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: &str, code: ProblemCode, params: &[(&str, String)], message: String) -> FieldProblem {
        FieldProblem {
            field: field.into(),
            code,
            params: params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            message,
        }
    }
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

text_enum!(
    /// The stable kind of an error: front ends (the CLI's exit codes, the
    /// UI) switch on it and never parse the message.
    ErrorKind {
        NotAnEngagement = "not_an_engagement",
        Corrupt = "corrupt",
        NewerVersion = "newer_version",
        Import = "import",
        Invalid = "invalid",
        NotFound = "not_found",
        AlreadyExists = "already_exists",
        Io = "io",
        Source = "source",
        Cancelled = "cancelled",
        DiskFull = "disk_full",
        DiskIo = "disk_io",
        Locked = "locked",
        ForeignObject = "foreign_object",
        LogMismatch = "log_mismatch",
        PassphraseNeeded = "passphrase_needed",
        WrongPassphrase = "wrong_passphrase",
        NotEncrypted = "not_encrypted",
        AlreadyEncrypted = "already_encrypted",
        Storage = "storage",
        /// Not an error of the core: a front end's own failure (a dialog
        /// that could not open, a request it could not read).
        Internal = "internal",
    }
);

text_enum!(
    /// What is wrong with a field or an item, for front ends to translate
    /// (each has a message in the UI's catalogs, checked when the UI is
    /// type-checked). The parameters a message needs travel beside it.
    ProblemCode {
        Required = "required",
        CorporateNumber = "corporate_number",
        Url = "url",
        PeriodInverted = "period_inverted",
        PeriodTooLong = "period_too_long",
        PeriodTooShort = "period_too_short",
        PeriodGap = "period_gap",
        PeriodOverlap = "period_overlap",
        RegistrationRequired = "registration_required",
        RegistrationDates = "registration_dates",
        DuplicateMember = "duplicate_member",
        Invalid = "invalid",
        DueBefore = "due_before",
        NotOnTeam = "not_on_team",
        RoleNotAllowed = "role_not_allowed",
        NoResult = "no_result",
        NoWorkDone = "no_work_done",
        NoException = "no_exception",
        ExceptionsRecorded = "exceptions_recorded",
        PreviousLevelMissing = "previous_level_missing",
        SamePerson = "same_person",
        NoSecondReview = "no_second_review",
        NotAuthor = "not_author",
        NoPopulation = "no_population",
        SampleExists = "sample_exists",
        SampleDrawn = "sample_drawn",
        NoSample = "no_sample",
        EmptyFrame = "empty_frame",
        NoRule = "no_rule",
        SizeOutOfRange = "size_out_of_range",
        OverrideNeedsReason = "override_needs_reason",
        NoDates = "no_dates",
        TooSmallToStratify = "too_small_to_stratify",
        CountOutOfRange = "count_out_of_range",
        AlreadyInSample = "already_in_sample",
        SampleTested = "sample_tested",
        AttributeTested = "attribute_tested",
        UnknownTickmark = "unknown_tickmark",
        FailNeedsComment = "fail_needs_comment",
        FromTestGrid = "from_test_grid",
        SeedOutOfRange = "seed_out_of_range",
        SizeRange = "size_range",
        DuplicateFrequency = "duplicate_frequency",
        VersionUnchanged = "version_unchanged",
        ColumnReused = "column_reused",
        Passphrase = "passphrase",
        Certificate = "certificate",
        CertificateRequired = "certificate_required",
        CertificateUnreadable = "certificate_unreadable",
        Write = "write",
        NotFinal = "not_final",
        ReportBeforePeriodEnd = "report_before_period_end",
        ReportBeforeFinalization = "report_before_finalization",
        ReportInFuture = "report_in_future",
        ReportBeforeRepresentation = "report_before_representation",
        ReportAfterSubsequentReview = "report_after_subsequent_review",
        RepresentationBeforePeriodEnd = "representation_before_period_end",
        SubsequentBeforePeriodEnd = "subsequent_before_period_end",
        DateInFuture = "date_in_future",
        UnknownEvidence = "unknown_evidence",
        CitedByRepresentation = "cited_by_representation",
        CitedBySubsequentEvent = "cited_by_subsequent_event",
        NoRepresentation = "no_representation",
        RepresentationUnanswered = "representation_unanswered",
        SubsequentNotConsidered = "subsequent_not_considered",
        NotSigned = "not_signed",
        ChangedAfterSignoff = "changed_after_signoff",
        OpenNote = "open_note",
        LogMismatch = "log_mismatch",
        SignedOff = "signed_off",
        NoExtension = "no_extension",
        MayRunCode = "may_run_code",
        ContentMismatch = "content_mismatch",
        ChangeOutsidePeriod = "change_outside_period",
        ChangeDateTaken = "change_date_taken",
        UnknownChangeKind = "unknown_change_kind",
        AsOfAfterPeriod = "as_of_after_period",
        AsOfInFuture = "as_of_in_future",
        AsOfAfterObtained = "as_of_after_obtained",
        PeriodLeavesChange = "period_leaves_change",
        BeforeNotFirst = "before_not_first",
        ChangeOutOfScope = "change_out_of_scope",
        ControlCharacter = "control_character",
        TooLong = "too_long",
        NotText = "not_text",
        AlreadyResolved = "already_resolved",
        NoSuchSide = "no_such_side",
        OpenConflict = "open_conflict",
        NotACopy = "not_a_copy",
        CopyOfOtherEngagement = "copy_of_other_engagement",
        CopyNotFromHere = "copy_not_from_here",
        CopyOfCopy = "copy_of_copy",
        CopyFinalized = "copy_finalized",
        CopyBroken = "copy_broken",
        CopyContentMismatch = "copy_content_mismatch",
        CopyDiverged = "copy_diverged",
        PinTooShort = "pin_too_short",
        WrongPin = "wrong_pin",
        SeveralKeys = "several_keys",
        KeyNotOnRoster = "key_not_on_roster",
        DuplicateKey = "duplicate_key",
        ManagerKeyFirst = "manager_key_first",
        SignatureRequired = "signature_required",
        SameKey = "same_key",
        NotOnePerson = "not_one_person",
        NoKeyOnRoster = "no_key_on_roster",
        LastManagerKey = "last_manager_key",
        PinRequired = "pin_required",
        PassphraseTooShort = "passphrase_too_short",
        PassphraseMismatch = "passphrase_mismatch",
    }
);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file exists but is not an engagement file of this application
    /// (another SQLite database, a spreadsheet, random bytes).
    #[error("{path}: not an ISMAP Workbench engagement file ({reason})")]
    NotAnEngagement { path: PathBuf, reason: String },

    /// The file was an engagement file but is damaged (truncated, overwritten).
    #[error("{path}: the engagement file is damaged: {detail}")]
    Corrupt { path: PathBuf, detail: String },

    /// The file was written by a newer version of the workbench; opening it
    /// here could lose data the newer version relies on.
    #[error(
        "{path}: written by a newer version of the workbench (schema {found}; this version knows up to {supported}); update the workbench to open it"
    )]
    NewerVersion { path: PathBuf, found: i64, supported: i64 },

    /// An import file was refused. Nothing was imported.
    #[error("{file}: {} problem(s), nothing was imported:\n{}", problems.len(), list(problems))]
    Import { file: PathBuf, problems: Vec<InputProblem> },

    /// Form fields that break their rules. Nothing was written.
    #[error("invalid input, nothing was written:\n{}", list(problems))]
    Invalid { problems: Vec<FieldProblem> },

    #[error("{what} not found: {id}")]
    NotFound { what: &'static str, id: String },

    #[error("{what} already exists: {id}")]
    AlreadyExists { what: &'static str, id: String },

    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    /// A file offered as evidence cannot be taken in as it is (empty, not
    /// a regular file, changed while it was read). Nothing was written.
    #[error("{path}: cannot be taken in: {reason}; nothing was written")]
    Source { path: PathBuf, reason: String },

    /// The user cancelled a long operation. Nothing was written.
    #[error("cancelled; nothing was written")]
    Cancelled,

    /// The disk holding the engagement file is full. The change was rolled back.
    #[error("{path}: the disk is full; nothing was written (free some space and try again)")]
    DiskFull { path: PathBuf },

    /// The operating system refused to read or write the engagement file (a
    /// failing disk, a file-size limit, a removed USB stick). The change was
    /// rolled back.
    #[error("{path}: the disk refused a read or write ({detail}); nothing was written")]
    DiskIo { path: PathBuf, detail: String },

    /// The file holds an object (a trigger, a view, a table) that our
    /// schema does not make, or one of ours changed: it is not opened, so
    /// that nothing of the sender's runs here.
    #[error(
        "{path}: refused: it holds the {object}, which is not ours ({detail}); the file may have been tampered with"
    )]
    ForeignObject { path: PathBuf, object: String, detail: String },

    /// The state stored in the file is not what its event log gives when
    /// replayed: something was changed around the log.
    #[error("{path}: the stored state does not match its event log: {}", list(differences))]
    LogMismatch { path: PathBuf, differences: Vec<crate::store::replay::Difference> },

    /// The file is encrypted (or is not an engagement file at all: without
    /// the key the two cannot be told apart) and no passphrase was given.
    #[error("{path}: the file is encrypted, or is not an engagement file; give its passphrase to open it")]
    PassphraseNeeded { path: PathBuf },

    /// The passphrase does not open the encrypted file (or its first page
    /// is damaged, which SQLCipher cannot tell from a wrong key). Nothing
    /// was changed.
    #[error("{path}: the passphrase is wrong (or the start of the file is damaged); nothing was changed")]
    WrongPassphrase { path: PathBuf },

    /// A passphrase was given for a file that is not encrypted.
    #[error(
        "{path}: the file is not encrypted, but a passphrase was given; open it without one (or encrypt it with `workbench engagement encrypt`)"
    )]
    NotEncrypted { path: PathBuf },

    /// A file to encrypt is encrypted already.
    #[error("{path}: the file is encrypted already; to change its passphrase use `workbench engagement rekey`")]
    AlreadyEncrypted { path: PathBuf },

    /// The engagement is finalized: nothing may change until a manager reopens it.
    #[error("the engagement is finalized and locked; nothing was changed (a manager can reopen it with a reason)")]
    Locked,

    /// A storage error that is none of the above (a locked file).
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    const SHOWN: usize = 50;
    let mut out: Vec<String> = items.iter().take(SHOWN).map(|p| format!("  - {p}")).collect();
    if items.len() > SHOWN {
        out.push(format!("  ... and {} more", items.len() - SHOWN));
    }
    out.join("\n")
}

impl Error {
    /// The stable machine-readable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotAnEngagement { .. } => ErrorKind::NotAnEngagement,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::NewerVersion { .. } => ErrorKind::NewerVersion,
            Error::Import { .. } => ErrorKind::Import,
            Error::Invalid { .. } => ErrorKind::Invalid,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::AlreadyExists { .. } => ErrorKind::AlreadyExists,
            Error::Io { .. } => ErrorKind::Io,
            Error::Source { .. } => ErrorKind::Source,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::DiskFull { .. } => ErrorKind::DiskFull,
            Error::DiskIo { .. } => ErrorKind::DiskIo,
            Error::Locked => ErrorKind::Locked,
            Error::ForeignObject { .. } => ErrorKind::ForeignObject,
            Error::LogMismatch { .. } => ErrorKind::LogMismatch,
            Error::PassphraseNeeded { .. } => ErrorKind::PassphraseNeeded,
            Error::WrongPassphrase { .. } => ErrorKind::WrongPassphrase,
            Error::NotEncrypted { .. } => ErrorKind::NotEncrypted,
            Error::AlreadyEncrypted { .. } => ErrorKind::AlreadyEncrypted,
            Error::Storage(_) => ErrorKind::Storage,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    pub(crate) fn import_one(
        file: impl Into<PathBuf>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Import {
            file: file.into(),
            problems: vec![InputProblem { location: location.into(), message: message.into() }],
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { problems: vec![FieldProblem::new(&field.into(), ProblemCode::Invalid, &[], message.into())] }
    }

    /// A field left blank that must be written: front ends say so at the
    /// field in the user's language (code `required`).
    pub fn required(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { problems: vec![FieldProblem::new(&field.into(), ProblemCode::Required, &[], message.into())] }
    }

    /// Turns a SQLite error met while reading an engagement into the error a
    /// user can act on: a damaged file is `Corrupt`, not a storage failure.
    pub(crate) fn from_sqlite_at(path: &std::path::Path, err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        // A stored value of the wrong type or encoding, or one this version
        // does not know: the file was damaged or changed by hand.
        if matches!(
            err,
            rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::Utf8Error(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)
        ) {
            return Error::Corrupt {
                path: path.into(),
                detail: format!("a stored value is not what it should be: {err}"),
            };
        }
        match err.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt) => Error::Corrupt { path: path.into(), detail: err.to_string() },
            Some(ErrorCode::DiskFull) => Error::DiskFull { path: path.into() },
            Some(ErrorCode::SystemIoFailure) => Error::DiskIo { path: path.into(), detail: err.to_string() },
            Some(ErrorCode::NotADatabase) => {
                Error::NotAnEngagement { path: path.into(), reason: "not a SQLite database".into() }
            }
            _ => Error::Storage(err),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error as it crosses to a front end (the app's IPC): the stable kind to
/// switch on, the message, and the places or fields it concerns, so that a
/// form can show each problem beside its field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorPayload {
    pub kind: ErrorKind,
    pub message: String,
    pub input_problems: Vec<InputProblem>,
    pub field_problems: Vec<FieldProblem>,
}

impl From<&Error> for ErrorPayload {
    fn from(err: &Error) -> Self {
        ErrorPayload {
            kind: err.kind(),
            message: err.to_string(),
            input_problems: match err {
                Error::Import { problems, .. } => problems.clone(),
                _ => Vec::new(),
            },
            field_problems: match err {
                Error::Invalid { problems } => problems.clone(),
                _ => Vec::new(),
            },
        }
    }
}
