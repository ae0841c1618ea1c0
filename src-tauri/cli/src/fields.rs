//! Engagement fields on the command line: the flags, and how a view is printed.

use std::path::Path;

use chrono::NaiveDate;
use clap::Args;
use workbench_core::api::EngagementView;
use workbench_core::model::engagement::{
    AssessorFirm, AuditKind, EngagementFields, Period, Program, ProgramRules, Provider, Registration, Role, Service,
    TeamMember,
};

use crate::messages::Messages;
use crate::Failure;

/// The engagement's fields. For `engagement new` the provider, corporate
/// number, service, period and firm are required (or come from --fields);
/// for `engagement edit` every flag is optional and changes only its field.
#[derive(Debug, Args)]
pub struct FieldArgs {
    /// Start from the fields in this JSON file (the "fields" object of `engagement show --json`).
    #[arg(long = "fields", value_name = "FILE")]
    fields_file: Option<std::path::PathBuf>,
    /// The cloud service provider's name.
    #[arg(long)]
    provider_name: Option<String>,
    /// The provider's corporate number (法人番号, 13 digits with check digit).
    #[arg(long)]
    corporate_number: Option<String>,
    /// The provider's location (所在地).
    #[arg(long)]
    provider_location: Option<String>,
    /// The cloud service's name.
    #[arg(long)]
    service_name: Option<String>,
    /// The cloud service's URL.
    #[arg(long)]
    service_url: Option<String>,
    /// The scope of the provider's statement (言明書の対象範囲).
    #[arg(long)]
    scope: Option<String>,
    /// The program.
    #[arg(long, value_parser = Program::ALL.to_vec())]
    program: Option<String>,
    /// The kind of audit.
    #[arg(long, value_parser = AuditKind::ALL.to_vec())]
    audit_kind: Option<String>,
    /// The service's current ISMAP registration number (all audits but an initial one).
    #[arg(long)]
    registration_number: Option<String>,
    /// The date of the current registration (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    registered_on: Option<NaiveDate>,
    /// The expiry of the current registration (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    registration_expires: Option<NaiveDate>,
    /// The first day of the audit period (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    period_start: Option<NaiveDate>,
    /// The last day of the audit period (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    period_end: Option<NaiveDate>,
    /// For a renewal: the first day of the prior audit's period (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, requires = "prior_period_end")]
    prior_period_start: Option<NaiveDate>,
    /// For a renewal: the last day of the prior audit's period; this period starts the day after.
    #[arg(long, value_parser = parse_date, requires = "prior_period_start")]
    prior_period_end: Option<NaiveDate>,
    /// Why the period departs from the period rules (agreed with the OSO); recorded in the log. Empty clears it.
    #[arg(long, value_name = "REASON")]
    period_rule_override: Option<String>,
    /// The assessor firm (監査機関).
    #[arg(long)]
    firm_name: Option<String>,
    /// The firm's ISMAP assessor registration number.
    #[arg(long)]
    firm_registration: Option<String>,
    /// The last day of the firm's registration (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    firm_valid_until: Option<NaiveDate>,
    /// A team member as NAME:ROLE (role: assessor, reviewer, manager, partner); repeat for each. Replaces the team.
    #[arg(long = "member", value_name = "NAME:ROLE", value_parser = parse_member)]
    members: Vec<TeamMember>,
    /// Whether procedures and controls need a second-level review (true or false).
    #[arg(long, value_name = "BOOL")]
    second_review: Option<bool>,
    /// Let the engagement's one person (a manager or partner working alone) sign every level of an item, for this
    /// reason, which the log records; a manager or partner decides it. Empty restores separation of duties.
    #[arg(long, value_name = "REASON")]
    one_person_signoff: Option<String>,
}

/// A date argument that is not a date as `YYYY-MM-DD`. Arguments are read
/// before the language is known, so it is said in both languages.
#[derive(Debug)]
pub(crate) struct NotADate {
    text: String,
    reason: chrono::ParseError,
}

impl std::fmt::Display for NotADate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let NotADate { text, reason } = self;
        write!(f, "「{text}」は YYYY-MM-DD の日付ではありません / \"{text}\" is not a date as YYYY-MM-DD ({reason})")
    }
}

impl std::error::Error for NotADate {}

/// Reads a date argument.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, NotADate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|reason| NotADate { text: text.to_string(), reason })
}

fn parse_member(text: &str) -> Result<TeamMember, String> {
    let (name, role) = text.rsplit_once(':').ok_or_else(|| format!("\"{text}\" is not NAME:ROLE"))?;
    let role = Role::parse(role.trim())
        .ok_or_else(|| format!("unknown role \"{role}\" (use one of {})", Role::ALL.join(", ")))?;
    Ok(TeamMember { name: name.trim().to_string(), role })
}

impl FieldArgs {
    fn base(&self) -> Result<Option<EngagementFields>, Failure> {
        let Some(path) = &self.fields_file else {
            return Ok(None);
        };
        // The fields of an engagement are a few kilobytes; the file is read
        // within a cap like every other input.
        let bytes = workbench_core::import::read_limited(path, 1 << 20, |len| {
            format!("{len} bytes is too large for an engagement's fields")
        })?;
        serde_json::from_slice(&bytes).map(Some).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
    }

    /// The fields of a new engagement: from --fields and the flags; every
    /// required flag that is missing is named.
    pub fn into_new_fields(self) -> Result<EngagementFields, Failure> {
        if let Some(base) = self.base()? {
            return self.apply_to(base);
        }
        let mut missing = Vec::new();
        let mut need = |value: &Option<String>, flag: &str| {
            if value.is_none() {
                missing.push(flag.to_string());
            }
        };
        need(&self.provider_name, "--provider-name");
        need(&self.corporate_number, "--corporate-number");
        need(&self.service_name, "--service-name");
        need(&self.firm_name, "--firm-name");
        if self.period_start.is_none() {
            missing.push("--period-start".into());
        }
        if self.period_end.is_none() {
            missing.push("--period-end".into());
        }
        let (Some(start), Some(end)) = (self.period_start, self.period_end) else {
            return Err(Failure::Usage(format!("missing: {}", missing.join(", "))));
        };
        if !missing.is_empty() {
            return Err(Failure::Usage(format!("missing: {}", missing.join(", "))));
        }
        let empty = EngagementFields {
            provider: Provider { name: String::new(), corporate_number: String::new(), location: String::new() },
            service: Service { name: String::new(), url: String::new(), scope_of_statement: String::new() },
            program: Program::Ismap,
            audit_kind: AuditKind::Initial,
            current_registration: None,
            period: Period { start, end },
            prior_period: None,
            period_rule_override: None,
            assessor: AssessorFirm {
                name: String::new(),
                registration_number: String::new(),
                registration_valid_until: None,
            },
            team: Vec::new(),
            second_review: false,
            one_person_signoff: None,
        };
        self.apply_to(empty)
    }

    /// `fields` with every given flag applied.
    pub fn apply_to(self, mut f: EngagementFields) -> Result<EngagementFields, Failure> {
        if let Some(base) = self.base()? {
            f = base;
        }
        let set = |target: &mut String, value: Option<String>| {
            if let Some(v) = value {
                *target = v;
            }
        };
        set(&mut f.provider.name, self.provider_name);
        set(&mut f.provider.corporate_number, self.corporate_number);
        set(&mut f.provider.location, self.provider_location);
        set(&mut f.service.name, self.service_name);
        set(&mut f.service.url, self.service_url);
        set(&mut f.service.scope_of_statement, self.scope);
        set(&mut f.assessor.name, self.firm_name);
        set(&mut f.assessor.registration_number, self.firm_registration);
        if let Some(p) = self.program.as_deref().and_then(Program::parse) {
            f.program = p;
        }
        if let Some(k) = self.audit_kind.as_deref().and_then(AuditKind::parse) {
            f.audit_kind = k;
        }
        if let Some(d) = self.period_start {
            f.period.start = d;
        }
        if let Some(d) = self.period_end {
            f.period.end = d;
        }
        if let (Some(start), Some(end)) = (self.prior_period_start, self.prior_period_end) {
            f.prior_period = Some(Period { start, end });
        }
        if let Some(reason) = self.one_person_signoff {
            f.one_person_signoff = Some(reason.trim().to_string()).filter(|r| !r.is_empty());
        }
        if let Some(reason) = self.period_rule_override {
            f.period_rule_override = Some(reason.trim().to_string()).filter(|r| !r.is_empty());
        }
        if let Some(d) = self.firm_valid_until {
            f.assessor.registration_valid_until = Some(d);
        }
        if self.registration_number.is_some() || self.registered_on.is_some() || self.registration_expires.is_some() {
            let current = f.current_registration.take();
            let (Some(registered_on), Some(expires_on)) = (
                self.registered_on.or(current.as_ref().map(|r| r.registered_on)),
                self.registration_expires.or(current.as_ref().map(|r| r.expires_on)),
            ) else {
                return Err(Failure::Usage(
                    "a current registration needs --registration-number, --registered-on and --registration-expires"
                        .into(),
                ));
            };
            let number = self.registration_number.or(current.map(|r| r.number)).unwrap_or_default();
            f.current_registration = Some(Registration { number, registered_on, expires_on });
        }
        if let Some(second) = self.second_review {
            f.second_review = second;
        }
        if !self.members.is_empty() {
            f.team = self.members;
        }
        Ok(f)
    }
}

pub fn read_rules(path: Option<&Path>) -> Result<ProgramRules, Failure> {
    let Some(path) = path else {
        return Ok(ProgramRules::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
}

/// The Japanese title in Japanese output when there is one, else the other.
pub fn title(m: &Messages, ja: &str, en: &str) -> String {
    let prefer_ja = m.lang() == crate::messages::Lang::Ja;
    match (prefer_ja, ja.is_empty(), en.is_empty()) {
        (true, false, _) | (false, false, true) => ja.to_string(),
        _ => en.to_string(),
    }
}

pub fn print_view(v: &EngagementView, m: &Messages) {
    let f = &v.fields;
    let unknown = m.word("value.unknown", "-");
    let or_unknown = |s: &str| {
        if s.trim().is_empty() {
            unknown.clone()
        } else {
            s.to_string()
        }
    };
    let mut lines = vec![m.get("show.title", &[("path", &v.path.display())])];
    lines.push(m.get(if v.encrypted { "show.encrypted" } else { "show.not_encrypted" }, &[]));
    if v.catalog.sample {
        lines.push(m.get("show.sample_notice", &[]));
    }
    lines.push(m.get("show.provider", &[("name", &f.provider.name), ("number", &f.provider.corporate_number)]));
    lines.push(m.get("show.location", &[("location", &or_unknown(&f.provider.location))]));
    lines.push(m.get("show.service", &[("name", &f.service.name), ("url", &f.service.url)]));
    lines.push(m.get("show.scope", &[("scope", &or_unknown(&f.service.scope_of_statement))]));
    let program = m.word(&format!("program.{}", f.program.as_str()), f.program.as_str());
    let kind = m.word(&format!("audit_kind.{}", f.audit_kind.as_str()), f.audit_kind.as_str());
    lines.push(m.get("show.program", &[("program", &program), ("kind", &kind)]));
    if let Some(r) = &f.current_registration {
        lines.push(m.get(
            "show.registration",
            &[("number", &r.number), ("registered_on", &r.registered_on), ("expires_on", &r.expires_on)],
        ));
    }
    lines.push(m.get("show.period", &[("start", &f.period.start), ("end", &f.period.end)]));
    if let Some(prior) = &f.prior_period {
        lines.push(m.get("show.prior_period", &[("start", &prior.start), ("end", &prior.end)]));
    }
    if let Some(reason) = &f.period_rule_override {
        lines.push(m.get("show.period_rule_override", &[("reason", reason)]));
    }
    if let Some(d) = &v.derived {
        lines.push(m.get("show.report_due", &[("date", &d.report_due)]));
        lines.push(m.get("show.registration_expiry", &[("date", &d.registration_expiry)]));
    }
    let valid_until = f.assessor.registration_valid_until.map_or(unknown.clone(), |d| d.to_string());
    lines.push(m.get(
        "show.firm",
        &[
            ("name", &f.assessor.name),
            ("number", &or_unknown(&f.assessor.registration_number)),
            ("valid_until", &valid_until),
        ],
    ));
    if f.team.is_empty() {
        lines.push(m.get("show.no_team", &[]));
    }
    for (i, member) in f.team.iter().enumerate() {
        let role = m.word(&format!("role.{}", member.role.as_str()), member.role.as_str());
        let key = if i == 0 { "show.member" } else { "show.member_more" };
        lines.push(m.get(key, &[("name", &member.name), ("role", &role)]));
    }
    if let Some(reason) = f.one_person_reason() {
        lines.push(m.get("show.one_person_signoff", &[("reason", &reason)]));
    }
    lines.push(m.get("show.catalog", &[("name", &v.catalog.name), ("version", &v.catalog.version)]));
    lines.push(m.get("show.controls", &[("items", &v.controls.items), ("assessable", &v.controls.assessable)]));
    for g in &v.controls.by_group {
        let name = m.word(&format!("group.{}", g.group), &g.group);
        lines.push(m.get("show.controls_group", &[("group", &name), ("count", &g.count)]));
    }
    lines.push(m.get("show.events", &[("count", &v.events)]));
    for w in &v.warnings {
        let params: Vec<(&str, &dyn std::fmt::Display)> =
            w.params.iter().map(|(k, v)| (*k, v as &dyn std::fmt::Display)).collect();
        let text = m.get(&format!("warning.{}", w.code), &params);
        lines.push(m.get("show.warning", &[("message", &text)]));
    }
    for line in lines {
        println!("{line}");
    }
}
