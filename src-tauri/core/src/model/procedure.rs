//! Assessment procedures, their results and exceptions, scope decisions, and
//! the statuses derived from them.

use serde::{Deserialize, Serialize};

text_enum!(
    /// The four procedure types of Japanese security audits (ISMAP.md section 3).
    ProcedureKind {
        /// 質問: asking the people responsible.
        Inquiry = "inquiry",
        /// 閲覧: inspecting documents and records.
        Inspection = "inspection",
        /// 観察: watching the control being performed.
        Observation = "observation",
        /// 再実施: performing the control again.
        Reperformance = "reperformance",
    }
);

text_enum!(
    /// Design (整備状況) or operating effectiveness (運用状況).
    Evaluation { Design = "design", Operating = "operating" }
);

text_enum!(
    /// What a performed procedure found.
    ResultKind {
        NoException = "no_exception",
        Exception = "exception",
        NotApplicable = "not_applicable",
        NotPerformed = "not_performed",
    }
);

text_enum!(
    /// Whether a control is audited, and if not, why.
    ScopeDecision {
        InScope = "in_scope",
        /// The provider did not adopt the control (its statement gives the reason).
        NotAdopted = "not_adopted",
        /// Outside the reduced external-audit scope of ISMAP-LIU.
        LiuExcluded = "liu_excluded",
        /// Taken over from an ISMAP-registered service the service runs on
        /// (CC2022 §2.2.4): its procedures may be omitted.
        Inherited = "inherited",
        /// A basic-statement (`.B`, `.PB`) detailed control whose control
        /// objective was excluded (CC2022 §2.2.4). Never set by hand: it
        /// follows from the objective's decision and goes with it.
        ExemptByObjective = "exempt_by_objective",
    }
);

/// The registered service a control is inherited from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InheritedService {
    pub service_name: String,
    /// Its number on the ISMAP Cloud Service List (text: the format is not settled).
    pub registration_number: String,
}

text_enum!(
    /// The main assessment target of a procedure (CC2022 Attached table 8).
    AssessmentTarget {
        /// 規程類: policy, regulations, standards.
        Regulations = "regulations",
        /// 設計書・仕様書・手順書: checked once or on change, never sampled.
        DesignDocuments = "design_documents",
        /// 記録類: forms, approval records, logs, ledgers, made each time the control runs.
        Records = "records",
        /// 設定・パラメータ: settings, parameters, status, command output.
        Settings = "settings",
        /// 設備・建物: facilities and buildings.
        Facilities = "facilities",
    }
);

impl AssessmentTarget {
    /// Attached table 8 tests on a sample only the records a control leaves
    /// each time it runs; the other targets are inspected as they stand.
    pub fn sampled(self) -> bool {
        self == AssessmentTarget::Records
    }
}

/// Whether a procedure is tested on a sample unless the assessor says
/// otherwise: an operating-effectiveness test of records (or of a target
/// not named, as before targets were recorded).
pub fn sampled_by_default(evaluation: Evaluation, target: Option<AssessmentTarget>) -> bool {
    evaluation == Evaluation::Operating && target.is_none_or(AssessmentTarget::sampled)
}

/// What Attached table 8 says of one target kind, with its example
/// frequency, in both languages: shipped in `assets/rules/assessment-targets.json`,
/// which a firm may replace with its own defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct TargetDefaults {
    pub target: AssessmentTarget,
    pub ja: String,
    pub en: String,
    pub examples_ja: String,
    pub examples_en: String,
    pub frequency_ja: String,
    pub frequency_en: String,
    /// The control frequency a sample of it starts from (none: as the control runs, chosen each time).
    pub default_frequency: Option<super::sampling::Frequency>,
}

text_enum!(
    /// Where a procedure or a control stands.
    Status {
        NotStarted = "not_started",
        InProgress = "in_progress",
        Done = "done",
        /// A control in scope that has no procedures yet.
        NoProcedures = "no_procedures",
        OutOfScope = "out_of_scope",
    }
);

impl ProcedureKind {
    /// The OSCAL assessment method (INTERVIEW, EXAMINE, TEST) for reports.
    pub fn oscal_method(self) -> &'static str {
        match self {
            ProcedureKind::Inquiry => "INTERVIEW",
            ProcedureKind::Inspection | ProcedureKind::Observation => "EXAMINE",
            ProcedureKind::Reperformance => "TEST",
        }
    }
}

/// A procedure as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Procedure {
    /// `CONTROL/Pn`, e.g. `9.2.3.11.PB/P2`: readable on the command line and stable.
    pub id: String,
    pub control_id: String,
    pub kind: ProcedureKind,
    pub evaluation: Evaluation,
    pub text_ja: String,
    pub text_en: String,
    pub assignee: Option<String>,
    /// What was done: who was asked and when, what was inspected or observed.
    pub work_done: String,
    pub result: Option<ResultKind>,
    pub notes: String,
    pub exceptions: Vec<ExceptionRecord>,
    /// The main assessment target (Attached table 8). Absent from what a
    /// procedure without one serialises, so that procedures signed before
    /// targets were recorded keep their content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub target: Option<AssessmentTarget>,
}

/// An exception (例外事項): one fact found by a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExceptionRecord {
    /// `E-0001`, numbered per engagement, for references in the report.
    pub id: String,
    pub procedure_id: String,
    pub text: String,
    /// The sample item (`PROCEDURE/Sn`) whose failed test this is, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub sample_item: Option<String>,
    /// The grid attribute (`A`, `B`, ...) that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub attribute: Option<String>,
}

impl Procedure {
    pub fn status(&self) -> Status {
        if self.result.is_some() {
            Status::Done
        } else if !self.work_done.trim().is_empty() || !self.exceptions.is_empty() || !self.notes.trim().is_empty() {
            Status::InProgress
        } else {
            Status::NotStarted
        }
    }
}

/// A control's status from its scope and its procedures' statuses.
pub fn control_status(in_scope: bool, procedures: &[Status]) -> Status {
    if !in_scope {
        Status::OutOfScope
    } else if procedures.is_empty() {
        Status::NoProcedures
    } else if procedures.iter().all(|s| *s == Status::Done) {
        Status::Done
    } else if procedures.iter().any(|s| *s != Status::NotStarted) {
        Status::InProgress
    } else {
        Status::NotStarted
    }
}

/// A control's result once every procedure has one: any exception makes it
/// an exception; else any procedure not performed makes it not performed;
/// all not applicable makes it not applicable; otherwise no exception.
pub fn control_result(results: &[Option<ResultKind>]) -> Option<ResultKind> {
    if results.is_empty() || results.iter().any(Option::is_none) {
        return None;
    }
    let results: Vec<ResultKind> = results.iter().flatten().copied().collect();
    Some(if results.contains(&ResultKind::Exception) {
        ResultKind::Exception
    } else if results.contains(&ResultKind::NotPerformed) {
        ResultKind::NotPerformed
    } else if results.iter().all(|r| *r == ResultKind::NotApplicable) {
        ResultKind::NotApplicable
    } else {
        ResultKind::NoException
    })
}

/// A change to some of a procedure's fields; `None` leaves a field alone.
/// `result: Some(None)` clears the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProcedurePatch {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<ProcedureKind>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub evaluation: Option<Evaluation>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub text_ja: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub text_en: Option<String>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<Option<String>>"))]
    pub assignee: Option<Option<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub work_done: Option<String>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<Option<ResultKind>>"))]
    pub result: Option<Option<ResultKind>>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub notes: Option<String>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<Option<AssessmentTarget>>"))]
    pub target: Option<Option<AssessmentTarget>>,
}

/// Serde for `Option<Option<T>>`: an absent key is `None`, `null` is
/// `Some(None)`, a value is `Some(Some(v))`.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            None => s.serialize_none(),
            Some(inner) => inner.serialize(s),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// A new procedure for a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewProcedure {
    pub kind: ProcedureKind,
    pub evaluation: Evaluation,
    pub text_ja: String,
    pub text_en: String,
    pub assignee: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub target: Option<AssessmentTarget>,
}

/// The procedure library: standard procedures by criteria group, domain and
/// procedure type, in Japanese and English. `{title_ja}` and `{title_en}` in
/// a text stand for the control's title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureLibrary {
    pub format: String,
    pub format_version: u32,
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub title: String,
    pub entries: Vec<LibraryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryEntry {
    /// A catalog group (`governance`, `management`, `controls`, or an OSCAL group), or `*`.
    pub group: String,
    /// The first part of the control ID (`9` for `9.2.3.11`), or `*`.
    pub domain: String,
    pub kind: ProcedureKind,
    /// Fixed evaluation; absent: design for an initial audit, operating otherwise.
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
    /// The main assessment target (CC2022 Attached table 8), if the entry names one.
    #[serde(default)]
    pub target: Option<AssessmentTarget>,
    pub text_ja: String,
    pub text_en: String,
}

pub const LIBRARY_FORMAT: &str = "ismap-workbench-procedures";

impl ProcedureLibrary {
    /// The entries for a control: those for its group and domain if any,
    /// else those for its group and any domain, else those for any group.
    /// The most specific match wins so a firm can refine one domain at a time.
    pub fn entries_for(&self, group: &str, control_id: &str) -> Vec<&LibraryEntry> {
        let domain = control_id.split(['.', '-']).next().unwrap_or("");
        let tiers: [&dyn Fn(&LibraryEntry) -> bool; 3] =
            [&|e| e.group == group && e.domain == domain, &|e| e.group == group && e.domain == "*", &|e| {
                e.group == "*"
            }];
        for tier in tiers {
            let found: Vec<&LibraryEntry> = self.entries.iter().filter(|e| tier(e)).collect();
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }

    /// Checks the library; each problem names its place.
    pub fn problems(&self) -> Vec<crate::error::InputProblem> {
        use crate::error::InputProblem;
        let mut out = Vec::new();
        let mut push = |location: String, message: String| out.push(InputProblem { location, message });
        if self.format != LIBRARY_FORMAT {
            push("format".into(), format!("expected \"{LIBRARY_FORMAT}\", found \"{}\"", self.format));
        }
        if self.format_version != 1 {
            push("format_version".into(), format!("{} is not supported (this version reads 1)", self.format_version));
        }
        if self.name.trim().is_empty() || self.version.trim().is_empty() {
            push("name".into(), "name and version are required".into());
        }
        if self.entries.is_empty() {
            push("entries".into(), "the library has no entries".into());
        }
        for (i, e) in self.entries.iter().enumerate() {
            if e.text_ja.trim().is_empty() && e.text_en.trim().is_empty() {
                push(format!("entries[{i}]"), "the procedure has no text".into());
            }
            if e.group.trim().is_empty() || e.domain.trim().is_empty() {
                push(format!("entries[{i}]"), "group and domain are required (\"*\" matches any)".into());
            }
        }
        out
    }
}

/// Fills `{title_ja}` / `{title_en}` in a library text.
pub fn fill_title(text: &str, title_ja: &str, title_en: &str) -> String {
    text.replace("{title_ja}", title_ja).replace("{title_en}", title_en)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResultKind::*;
    use Status::*;

    #[test]
    fn a_control_is_done_when_every_procedure_has_a_result() {
        assert_eq!(control_status(true, &[]), NoProcedures);
        assert_eq!(control_status(true, &[NotStarted, NotStarted]), NotStarted);
        assert_eq!(control_status(true, &[Done, NotStarted]), InProgress);
        assert_eq!(control_status(true, &[InProgress]), InProgress);
        assert_eq!(control_status(true, &[Done, Done]), Done);
        assert_eq!(control_status(false, &[Done]), OutOfScope);
    }

    #[test]
    fn an_exception_anywhere_makes_the_control_an_exception() {
        assert_eq!(control_result(&[]), None);
        assert_eq!(control_result(&[Some(NoException), None]), None);
        assert_eq!(control_result(&[Some(NoException), Some(NotApplicable)]), Some(NoException));
        assert_eq!(control_result(&[Some(NotApplicable), Some(NotApplicable)]), Some(NotApplicable));
        assert_eq!(control_result(&[Some(NotPerformed), Some(NoException)]), Some(NotPerformed));
        assert_eq!(control_result(&[Some(NotPerformed), Some(Exception)]), Some(Exception));
    }

    #[test]
    fn a_patch_tells_absent_from_null() {
        let absent: ProcedurePatch = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.result, None);
        let cleared: ProcedurePatch = serde_json::from_str(r#"{"result": null}"#).unwrap();
        assert_eq!(cleared.result, Some(None));
        let set: ProcedurePatch = serde_json::from_str(r#"{"result": "exception"}"#).unwrap();
        assert_eq!(set.result, Some(Some(Exception)));
    }

    #[test]
    fn the_most_specific_library_entries_win() {
        let entry = |group: &str, domain: &str, kind| LibraryEntry {
            group: group.into(),
            domain: domain.into(),
            kind,
            evaluation: None,
            target: None,
            text_ja: "t".into(),
            text_en: "t".into(),
        };
        let library = ProcedureLibrary {
            format: LIBRARY_FORMAT.into(),
            format_version: 1,
            name: "n".into(),
            version: "1".into(),
            title: String::new(),
            entries: vec![
                entry("controls", "9", ProcedureKind::Reperformance),
                entry("controls", "*", ProcedureKind::Inquiry),
                entry("*", "*", ProcedureKind::Observation),
            ],
        };
        let kinds = |g, id| library.entries_for(g, id).iter().map(|e| e.kind).collect::<Vec<_>>();
        assert_eq!(kinds("controls", "9.2.3.11.PB"), [ProcedureKind::Reperformance]);
        assert_eq!(kinds("controls", "12.1.2.1"), [ProcedureKind::Inquiry]);
        assert_eq!(kinds("ac", "ac-2.3"), [ProcedureKind::Observation]);
    }
}
