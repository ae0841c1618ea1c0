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
    /// The period of the audit this one renews (the last one reported): a
    /// renewal's period starts the day after it ended (CC2022 §2.2.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub prior_period: Option<Period>,
    /// Why this period departs from the program's period rules (too long,
    /// too short, not continuing the prior one), when the firm has agreed
    /// it with the OSO: the refusals become warnings that quote it. The
    /// reason is recorded in the event that sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub period_rule_override: Option<String>,
    pub assessor: AssessorFirm,
    #[serde(default)]
    pub team: Vec<TeamMember>,
    /// Whether procedures and controls need a second-level review (a
    /// manager's or partner's sign-off after the reviewer's).
    #[serde(default)]
    pub second_review: bool,
    /// Why one person may sign more than one level of the same item: an
    /// engagement worked by a single person, which the firm allows. Set by
    /// a manager or partner and recorded in the event that sets it; refused
    /// while the team has more than one person. Without it, separation of
    /// duties holds: one person, or one key, signs one level of an item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub one_person_signoff: Option<String>,
}

/// The program's time rules. They come from secondary sources (ISMAP.md
/// section 3), so they are data: shipped as defaults in
/// `assets/rules/program-rules.json` and stored with each engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgramRules {
    pub max_period_months: u32,
    /// The shortest period allowed (CC2022 §2.2.5: three months). It was a
    /// warning's threshold before it became a refusal, and engagements
    /// store the rules under their first names, so the key stays.
    #[serde(rename = "short_period_warning_months")]
    pub min_period_months: u32,
    pub report_due_months_after_period: u32,
    pub registration_valid_months_after_period: u32,
}

const DEFAULT_RULES: &str = include_str!("../../../../assets/rules/program-rules.json");

impl Default for ProgramRules {
    fn default() -> Self {
        // The asset is compiled in and covered by a test, so it parses.
        serde_json::from_str(DEFAULT_RULES).unwrap_or(ProgramRules {
            max_period_months: 12,
            min_period_months: 3,
            report_due_months_after_period: 3,
            registration_valid_months_after_period: 16,
        })
    }
}

text_enum!(
    /// What a warning is about, for front ends to translate.
    WarningCode {
        PeriodRuleOverridden = "period_rule_overridden",
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
        let mut bad = |field: &str, code: ProblemCode, params: &[(&str, String)], message: String| {
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
        for problem in self.period_problems(rules) {
            if self.period_override().is_none() || problem.code == ProblemCode::PeriodInverted {
                let params: Vec<(&str, String)> = problem.params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                bad(&problem.field, problem.code, &params, problem.message);
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
        if self.one_person_reason().is_some()
            && (self.team.len() != 1 || !self.team.iter().all(|m| matches!(m.role, Role::Manager | Role::Partner)))
        {
            bad(
                "one_person_signoff",
                ProblemCode::NotOnePerson,
                &[("count", self.team.len().to_string())],
                format!(
                    "one person signs every level only on an engagement worked by one manager or partner alone; \
                     the team has {}",
                    self.team.len()
                ),
            );
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

    /// The reason recorded for letting the engagement's one person sign
    /// every level, if any.
    pub fn one_person_reason(&self) -> Option<&str> {
        self.one_person_signoff.as_deref().map(str::trim).filter(|r| !r.is_empty())
    }

    /// The reason recorded for departing from the period rules, if any.
    fn period_override(&self) -> Option<&str> {
        self.period_rule_override.as_deref().map(str::trim).filter(|r| !r.is_empty())
    }

    /// The period rules of CC2022 §2.2.5 broken by this period: it ends
    /// after it starts, lasts at most `max_period_months` and at least
    /// `min_period_months`, and a renewal starts the day after the prior
    /// period ended, with no gap and no overlap.
    fn period_problems(&self, rules: &ProgramRules) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut bad = |field: &str, code: ProblemCode, params: &[(&'static str, String)], message: String| {
            out.push(FieldProblem::new(field, code, params, message))
        };
        let Period { start, end } = self.period;
        if end <= start {
            bad(
                "period",
                ProblemCode::PeriodInverted,
                &[("start", start.to_string()), ("end", end.to_string())],
                format!("the period ends ({end}) on or before it starts ({start})"),
            );
            return out;
        }
        if let Some(latest) = Period::latest_end(start, rules.max_period_months) {
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
        if let Some(earliest) = Period::latest_end(start, rules.min_period_months) {
            if end < earliest {
                let months = rules.min_period_months;
                bad(
                    "period",
                    ProblemCode::PeriodTooShort,
                    &[("months", months.to_string()), ("earliest", earliest.to_string())],
                    format!("the period {start} to {end} is shorter than {months} months (it may end on {earliest} at the earliest)"),
                );
            }
        }
        match (self.audit_kind, self.prior_period) {
            (AuditKind::Renewal, None) => bad(
                "prior_period",
                ProblemCode::Required,
                &[],
                "a renewal needs the prior audit's period: its period starts the day after that one ended".into(),
            ),
            (AuditKind::Initial, _) | (_, None) => {}
            (_, Some(prior)) => {
                if let Some(expected) = prior.end.checked_add_days(Days::new(1)) {
                    if start != expected {
                        let code = if start > expected { ProblemCode::PeriodGap } else { ProblemCode::PeriodOverlap };
                        bad(
                            "period",
                            code,
                            &[("prior_end", prior.end.to_string()), ("expected", expected.to_string())],
                            format!(
                                "the prior period ended on {}, so this one must start on {expected}, not {start}",
                                prior.end
                            ),
                        );
                    }
                }
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
        if let Some(reason) = self.period_override() {
            let broken: Vec<String> = self
                .period_problems(rules)
                .into_iter()
                .filter(|p| p.code != ProblemCode::PeriodInverted)
                .map(|p| p.message)
                .collect();
            if !broken.is_empty() {
                out.push(Warning::new(
                    WarningCode::PeriodRuleOverridden,
                    &[("reason", reason.to_string())],
                    format!("{}; allowed for the recorded reason: {reason}", broken.join("; ")),
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
            prior_period: None,
            period_rule_override: None,
            assessor: AssessorFirm {
                name: "監査法人".into(),
                registration_number: "A-1".into(),
                registration_valid_until: None,
            },
            team: vec![TeamMember { name: "佐藤".into(), role: Role::Assessor }],
            second_review: false,
            one_person_signoff: None,
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
    fn a_period_under_three_months_is_refused_and_exactly_three_is_not() {
        let rules = ProgramRules::default();
        let mut f = fields();
        // Two months, as a new user might try for a first, short audit.
        f.period = Period { start: date("2026-01-01"), end: date("2026-02-28") };
        let problems = f.problems(&rules);
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].field.as_str(), problems[0].code), ("period", ProblemCode::PeriodTooShort));
        assert_eq!(problems[0].params["earliest"], "2026-03-31");
        f.period.end = date("2026-03-30");
        assert_eq!(f.problems(&rules)[0].code, ProblemCode::PeriodTooShort);
        f.period.end = date("2026-03-31");
        assert_eq!(f.problems(&rules), vec![]);
        // Thirteen months.
        f.period = Period { start: date("2025-04-01"), end: date("2026-04-30") };
        assert_eq!(f.problems(&rules)[0].code, ProblemCode::PeriodTooLong);
    }

    #[test]
    fn a_firm_may_depart_from_the_period_rules_with_a_recorded_reason() {
        let rules = ProgramRules::default();
        let mut f = fields();
        f.period = Period { start: date("2026-01-01"), end: date("2026-02-28") };
        f.period_rule_override = Some("  ".into());
        assert_eq!(f.problems(&rules)[0].code, ProblemCode::PeriodTooShort, "a blank reason is no reason");
        f.period_rule_override = Some("OSO と協議済み（2026-01-10）".into());
        assert_eq!(f.problems(&rules), vec![]);
        let warnings = f.warnings(&rules);
        assert_eq!(warnings[0].code, WarningCode::PeriodRuleOverridden);
        assert_eq!(warnings[0].params["reason"], "OSO と協議済み（2026-01-10）");
        // An inverted period is never allowed.
        f.period.end = date("2025-12-01");
        assert_eq!(f.problems(&rules)[0].code, ProblemCode::PeriodInverted);
    }

    #[test]
    fn a_renewal_starts_the_day_after_the_prior_period_ended() {
        let rules = ProgramRules::default();
        let mut f = fields();
        f.audit_kind = AuditKind::Renewal;
        f.current_registration = Some(Registration {
            number: "C-1".into(),
            registered_on: date("2025-06-01"),
            expires_on: date("2026-07-31"),
        });
        let first = &f.problems(&rules)[0];
        assert_eq!((first.field.as_str(), first.code), ("prior_period", ProblemCode::Required));
        f.prior_period = Some(Period { start: date("2024-04-01"), end: date("2025-03-31") });
        assert_eq!(f.problems(&rules), vec![]);
        // A gap of a month.
        f.prior_period = Some(Period { start: date("2024-03-01"), end: date("2025-02-28") });
        let gap = &f.problems(&rules)[0];
        assert_eq!((gap.code, gap.params["expected"].as_str()), (ProblemCode::PeriodGap, "2025-03-01"));
        // An overlap of a day.
        f.prior_period = Some(Period { start: date("2024-04-02"), end: date("2025-04-01") });
        assert_eq!(f.problems(&rules)[0].code, ProblemCode::PeriodOverlap);
    }

    #[test]
    fn a_lapsing_registration_warns() {
        let rules = ProgramRules::default();
        let mut f = fields();
        assert!(f.warnings(&rules).is_empty());
        f.assessor.registration_valid_until = Some(date("2026-05-01"));
        let codes: Vec<_> = f.warnings(&rules).iter().map(|w| w.code).collect();
        assert_eq!(codes, ["assessor_registration_lapses"]);
    }

    #[test]
    fn a_renewal_needs_the_current_registration() {
        let mut f = fields();
        f.audit_kind = AuditKind::Renewal;
        f.prior_period = Some(Period { start: date("2024-04-01"), end: date("2025-03-31") });
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
