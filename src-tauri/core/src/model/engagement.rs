//! An engagement's own facts: provider, service, program, period, assessor
//! firm and team, and the rules they are checked against.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::corporate_number;
use crate::error::{FieldProblem, ProblemCode};

text_enum!(Program { Ismap = "ismap", IsmapLiu = "ismap_liu" });
text_enum!(AuditKind { Initial = "initial", Renewal = "renewal", Additional = "additional", ReAudit = "re_audit" });
text_enum!(Role { Assessor = "assessor", Reviewer = "reviewer", Manager = "manager", Partner = "partner" });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Provider {
    pub name: String,
    pub corporate_number: String,
    #[serde(default)]
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Service {
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub scope_of_statement: String,
}

/// The service's current entry on the ISMAP Cloud Service List (for every
/// audit but an initial one). The number's format is not settled: text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Registration {
    pub number: String,
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub registered_on: NaiveDate,
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub expires_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Period {
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub start: NaiveDate,
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssessorFirm {
    pub name: String,
    #[serde(default)]
    pub registration_number: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::model::IsoDate>"))]
    pub registration_valid_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamMember {
    pub name: String,
    pub role: Role,
}

/// Everything a user enters about an engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EngagementFields {
    pub provider: Provider,
    pub service: Service,
    pub program: Program,
    pub audit_kind: AuditKind,
    #[serde(default)]
    pub current_registration: Option<Registration>,
    pub period: Period,
    pub assessor: AssessorFirm,
    #[serde(default)]
    pub team: Vec<TeamMember>,
    /// Whether procedures and controls need a second-level review (a
    /// manager's or partner's sign-off after the reviewer's).
    #[serde(default)]
    pub second_review: bool,
}

/// The program's time rules. They come from secondary sources (ISMAP.md
/// section 3), so they are data: shipped as defaults in
/// `assets/rules/program-rules.json` and stored with each engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgramRules {
    pub max_period_months: u32,
    pub short_period_warning_months: u32,
    pub report_due_months_after_period: u32,
    pub registration_valid_months_after_period: u32,
}

const DEFAULT_RULES: &str = include_str!("../../../../assets/rules/program-rules.json");

impl Default for ProgramRules {
    fn default() -> Self {
        // The asset is compiled in and covered by a test, so it parses.
        serde_json::from_str(DEFAULT_RULES).unwrap_or(ProgramRules {
            max_period_months: 12,
            short_period_warning_months: 3,
            report_due_months_after_period: 3,
            registration_valid_months_after_period: 16,
        })
    }
}

text_enum!(
    /// What a warning is about, for front ends to translate.
    WarningCode {
        ShortPeriod = "short_period",
        AssessorRegistrationLapses = "assessor_registration_lapses",
        NoTeam = "no_team",
    }
);

/// Something the user should know but that does not stop the work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Warning {
    pub code: WarningCode,
    /// The values a translated message needs, by name.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub params: std::collections::BTreeMap<&'static str, String>,
    /// The message in English, for logs and scripts.
    pub message: String,
}

impl Warning {
    fn new(code: WarningCode, params: &[(&'static str, String)], message: String) -> Warning {
        Warning { code, params: params.iter().cloned().collect(), message }
    }
}

/// Dates that follow from the period and the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DerivedDates {
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub report_due: NaiveDate,
    /// The last day on which the registration resulting from this audit is valid.
    #[cfg_attr(feature = "ts", ts(as = "crate::model::IsoDate"))]
    pub registration_expiry: NaiveDate,
}

impl Period {
    /// The last day a period starting on `start` may end on, for `months` months.
    fn latest_end(start: NaiveDate, months: u32) -> Option<NaiveDate> {
        start.checked_add_months(Months::new(months))?.checked_sub_days(Days::new(1))
    }
}

impl EngagementFields {
    /// Every rule broken, with the field it concerns. Empty means valid.
    pub fn problems(&self, rules: &ProgramRules) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut bad = |field: &str, code: ProblemCode, params: &[(&'static str, String)], message: String| {
            out.push(FieldProblem::new(field, code, params, message))
        };
        if self.provider.name.trim().is_empty() {
            bad("provider.name", ProblemCode::Required, &[], "the provider's name is required".into());
        }
        if let Err(message) = corporate_number::check(&self.provider.corporate_number) {
            bad(
                "provider.corporate_number",
                ProblemCode::CorporateNumber,
                &[("value", self.provider.corporate_number.clone())],
                format!("invalid corporate number: {message}"),
            );
        }
        if self.service.name.trim().is_empty() {
            bad("service.name", ProblemCode::Required, &[], "the service's name is required".into());
        }
        let url = self.service.url.trim();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) || url.contains(' ') {
            bad(
                "service.url",
                ProblemCode::Url,
                &[("value", url.into())],
                format!("\"{url}\" is not a web address (http:// or https://)"),
            );
        }
        let Period { start, end } = self.period;
        if end <= start {
            bad(
                "period",
                ProblemCode::PeriodInverted,
                &[("start", start.to_string()), ("end", end.to_string())],
                format!("the period ends ({end}) on or before it starts ({start})"),
            );
        } else if let Some(latest) = Period::latest_end(start, rules.max_period_months) {
            if end > latest {
                let months = rules.max_period_months;
                bad(
                    "period",
                    ProblemCode::PeriodTooLong,
                    &[("months", months.to_string()), ("latest", latest.to_string())],
                    format!("the period {start} to {end} is longer than {months} months (it may end on {latest} at the latest)"),
                );
            }
        }
        match (&self.audit_kind, &self.current_registration) {
            (AuditKind::Initial, _) => {}
            (kind, None) => bad(
                "current_registration",
                ProblemCode::RegistrationRequired,
                &[],
                format!("a {} audit needs the service's current registration number and dates", kind.as_str()),
            ),
            (_, Some(reg)) => {
                if reg.number.trim().is_empty() {
                    bad(
                        "current_registration.number",
                        ProblemCode::Required,
                        &[],
                        "the registration number is required".into(),
                    );
                }
                if reg.expires_on <= reg.registered_on {
                    bad(
                        "current_registration.expires_on",
                        ProblemCode::RegistrationDates,
                        &[],
                        format!(
                            "the registration expires ({}) on or before it was granted ({})",
                            reg.expires_on, reg.registered_on
                        ),
                    );
                }
            }
        }
        if self.assessor.name.trim().is_empty() {
            bad("assessor.name", ProblemCode::Required, &[], "the assessor firm's name is required".into());
        }
        for (i, member) in self.team.iter().enumerate() {
            if member.name.trim().is_empty() {
                bad(&format!("team[{i}].name"), ProblemCode::Required, &[], "a team member needs a name".into());
            } else if self.team[..i].iter().any(|m| m.name == member.name) {
                bad(
                    &format!("team[{i}].name"),
                    ProblemCode::DuplicateMember,
                    &[("name", member.name.clone())],
                    format!("\"{}\" is in the team twice", member.name),
                );
            }
        }
        out
    }

    /// The report due date and registration expiry; `None` when the period is
    /// so far out of range that the dates cannot be computed.
    pub fn derived_dates(&self, rules: &ProgramRules) -> Option<DerivedDates> {
        // Periods "N months after the period ends" are counted as the civil
        // code counts them: from the day after the end, to the day before the
        // same day N months later (period ending 09-30: due 12-31).
        let day_after = self.period.end.checked_add_days(Days::new(1))?;
        let report_due = Period::latest_end(day_after, rules.report_due_months_after_period)?;
        let registration_expiry = Period::latest_end(day_after, rules.registration_valid_months_after_period)?;
        Some(DerivedDates { report_due, registration_expiry })
    }

    pub fn warnings(&self, rules: &ProgramRules) -> Vec<Warning> {
        let mut out = Vec::new();
        let Period { start, end } = self.period;
        if let Some(short_end) = Period::latest_end(start, rules.short_period_warning_months) {
            if end > start && end < short_end {
                let months = rules.short_period_warning_months;
                out.push(Warning::new(
                    WarningCode::ShortPeriod,
                    &[("start", start.to_string()), ("end", end.to_string()), ("months", months.to_string())],
                    format!(
                        "the period {start} to {end} is shorter than {months} months; check that the conditions for a short period apply"
                    ),
                ));
            }
        }
        if let (Some(dates), Some(valid_until)) = (self.derived_dates(rules), self.assessor.registration_valid_until) {
            if valid_until < dates.report_due {
                out.push(Warning::new(
                    WarningCode::AssessorRegistrationLapses,
                    &[("valid_until", valid_until.to_string()), ("report_due", dates.report_due.to_string())],
                    format!(
                        "the assessor firm's registration lapses on {valid_until}, before the report is due on {}",
                        dates.report_due
                    ),
                ));
            }
        }
        if self.team.is_empty() {
            out.push(Warning::new(WarningCode::NoTeam, &[], "no team members are recorded".into()));
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub(crate) fn fields() -> EngagementFields {
        EngagementFields {
            provider: Provider {
                name: "株式会社テスト".into(),
                corporate_number: "7123456789012".into(),
                location: "東京都".into(),
            },
            service: Service {
                name: "テストクラウド".into(),
                url: "https://example.jp".into(),
                scope_of_statement: String::new(),
            },
            program: Program::Ismap,
            audit_kind: AuditKind::Initial,
            current_registration: None,
            period: Period { start: date("2025-04-01"), end: date("2026-03-31") },
            assessor: AssessorFirm {
                name: "監査法人".into(),
                registration_number: "A-1".into(),
                registration_valid_until: None,
            },
            team: vec![TeamMember { name: "佐藤".into(), role: Role::Assessor }],
            second_review: false,
        }
    }

    #[test]
    fn default_rules_come_from_the_asset() {
        let parsed: ProgramRules = serde_json::from_str(DEFAULT_RULES).unwrap();
        assert_eq!(parsed, ProgramRules::default());
        assert_eq!(parsed.max_period_months, 12);
    }

    #[test]
    fn a_full_year_is_allowed_and_a_day_more_is_not() {
        let rules = ProgramRules::default();
        let mut f = fields();
        assert_eq!(f.problems(&rules), vec![]);
        f.period.end = date("2026-04-01");
        let problems = f.problems(&rules);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "period");
        assert!(problems[0].message.contains("2026-03-31"), "{}", problems[0].message);
    }

    #[test]
    fn an_inverted_period_is_refused() {
        let mut f = fields();
        f.period = Period { start: date("2026-03-31"), end: date("2025-04-01") };
        assert_eq!(f.problems(&ProgramRules::default())[0].field, "period");
        f.period.end = f.period.start;
        assert_eq!(f.problems(&ProgramRules::default())[0].field, "period");
    }

    #[test]
    fn derived_dates_follow_the_rules() {
        // Period ends 2026-03-31: report due 3 months later (2026-06-30);
        // registration valid 1 year 4 months from 2026-04-01, i.e. to 2027-07-31.
        let dates = fields().derived_dates(&ProgramRules::default()).unwrap();
        assert_eq!(dates.report_due, date("2026-06-30"));
        assert_eq!(dates.registration_expiry, date("2027-07-31"));

        // A period ending on the 30th of a 30-day month: the report is due at
        // the end of the third month after it, not on the 30th.
        let mut f = fields();
        f.period = Period { start: date("2025-10-01"), end: date("2026-09-30") };
        let dates = f.derived_dates(&ProgramRules::default()).unwrap();
        assert_eq!(dates.report_due, date("2026-12-31"));
        assert_eq!(dates.registration_expiry, date("2028-01-31"));
    }

    #[test]
    fn a_short_period_and_a_lapsing_registration_warn() {
        let rules = ProgramRules::default();
        let mut f = fields();
        assert!(f.warnings(&rules).is_empty());
        f.period = Period { start: date("2026-01-01"), end: date("2026-03-30") };
        f.assessor.registration_valid_until = Some(date("2026-05-01"));
        let codes: Vec<_> = f.warnings(&rules).iter().map(|w| w.code).collect();
        assert_eq!(codes, ["short_period", "assessor_registration_lapses"]);
        // Exactly three months is not short.
        f.period.end = date("2026-03-31");
        assert!(!f.warnings(&rules).iter().any(|w| w.code == "short_period"));
    }

    #[test]
    fn a_renewal_needs_the_current_registration() {
        let mut f = fields();
        f.audit_kind = AuditKind::Renewal;
        assert_eq!(f.problems(&ProgramRules::default())[0].field, "current_registration");
        f.current_registration = Some(Registration {
            number: "C-1".into(),
            registered_on: date("2025-01-01"),
            expires_on: date("2024-01-01"),
        });
        assert_eq!(f.problems(&ProgramRules::default())[0].field, "current_registration.expires_on");
    }

    #[test]
    fn an_invalid_corporate_number_and_duplicate_members_are_named() {
        let mut f = fields();
        f.provider.corporate_number = "1234567890123".into();
        f.team.push(f.team[0].clone());
        let fields: Vec<_> = f.problems(&ProgramRules::default()).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["provider.corporate_number", "team[1].name"]);
    }
}
