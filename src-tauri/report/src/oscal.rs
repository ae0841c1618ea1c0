//! The OSCAL assessment results of the submission package
//! (`oscal-assessment-results.json`), written to be accepted by standard
//! OSCAL tools: every field of the OSCAL 1.1.2 model that the document uses
//! holds a value of its declared data type, and the document uses only
//! fields that OSCAL 1.0.4 knows as well (docs/package.md, "OSCAL").
//!
//! Our IDs are not all OSCAL tokens (`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`):
//! an ISMAP ID such as `9.2.1.2` starts with a digit. Where OSCAL needs a
//! token (a control ID), the ID is mapped to one by a documented, reversible
//! rule ([`ControlIdMapping`]), and the original ID travels beside it in a
//! property of our namespace [`NAMESPACE`].

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use workbench_core::model::catalog::IdScheme;
use workbench_core::model::report::ReportModel;
use workbench_core::{Error, Result};

/// The namespace of every property we define (`prop.ns`), and the UUID
/// namespace of the document's name-based UUIDs. It is a UUID URN (RFC 4122,
/// section 3) minted once for this purpose, so no one else's names can clash
/// with ours, and what each name means is defined by docs/package.md alone.
pub const NAMESPACE: &str = "urn:uuid:2467c9bd-3b82-4653-9459-95461079a1ae";
const NAMESPACE_UUID: uuid::Uuid = uuid::uuid!("2467c9bd-3b82-4653-9459-95461079a1ae");

/// The OSCAL version the document claims.
pub const OSCAL_VERSION: &str = "1.1.2";

/// How the control IDs of one document are turned into OSCAL tokens. The
/// choice is made once per document and written into the result's
/// `control-id-mapping` property, so that a reader knows how to go back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlIdMapping {
    /// ISMAP IDs: `ismap-` followed by the escaped ID (`9.2.1.2` ->
    /// `ismap-9.2.1.2`, `9.2.3.11.PB` -> `ismap-9.2.3.11.PB`).
    IsmapPrefix,
    /// IDs of an OSCAL catalog that are all tokens already (`ac-2.1`): kept
    /// as they are, so that they still name the catalog's controls.
    AsIs,
    /// IDs of an OSCAL catalog of which at least one is not a token: every
    /// one becomes `id-` followed by the escaped ID, so that no two IDs can
    /// end up as the same token.
    Escaped,
}

impl ControlIdMapping {
    /// The mapping for a document on a catalog of `scheme` whose control IDs are `ids`.
    pub fn choose<'a>(scheme: IdScheme, ids: impl IntoIterator<Item = &'a str>) -> ControlIdMapping {
        match scheme {
            IdScheme::Ismap => ControlIdMapping::IsmapPrefix,
            IdScheme::Oscal if ids.into_iter().all(is_ascii_token) => ControlIdMapping::AsIs,
            IdScheme::Oscal => ControlIdMapping::Escaped,
        }
    }

    /// The value of the result's `control-id-mapping` property.
    pub fn as_str(self) -> &'static str {
        match self {
            ControlIdMapping::IsmapPrefix => "ismap-prefix",
            ControlIdMapping::AsIs => "as-is",
            ControlIdMapping::Escaped => "escaped",
        }
    }

    /// The OSCAL token of a control ID.
    pub fn token(self, id: &str) -> String {
        match self {
            ControlIdMapping::IsmapPrefix => format!("ismap-{}", escape_token_chars(id)),
            ControlIdMapping::AsIs => id.to_string(),
            ControlIdMapping::Escaped => format!("id-{}", escape_token_chars(id)),
        }
    }
}

/// Whether `id` is an OSCAL token made of ASCII characters only. Tokens may
/// hold any Unicode letter, but telling letters from other characters needs
/// the Unicode category tables; an ID with other characters is escaped
/// instead, which is always valid.
fn is_ascii_token(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Writes `id` with characters that are always allowed in a token: ASCII
/// letters and digits, `.` and `-` stay as they are; every other character
/// (`_` included, so that the escape is unambiguous) becomes `_`, its Unicode
/// code point in upper-case hexadecimal, and `_` (`/` -> `_2F_`). The result
/// may start with a digit, so callers put a prefix before it.
pub fn escape_token_chars(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            out.push(c);
        } else {
            out.push_str(&format!("_{:X}_", u32::from(c)));
        }
    }
    out
}

/// A text as OSCAL's `markup-line` (Markdown on one line): each line of the
/// text escaped (see [`markup_multiline`]), joined by a space.
pub fn markup_line(text: &str) -> String {
    lines(text).map(|l| escape_markdown(&l)).collect::<Vec<_>>().join(" ")
}

/// A text as OSCAL's `markup-multiline` (Markdown): each non-empty line of
/// the text a paragraph of its own, so that its line breaks survive, with
/// every character that Markdown (or OSCAL's additions to it: `^`, `~`,
/// `{{ insert }}`) would read as markup escaped by a backslash. Assessors
/// write plain text; read as Markdown it must show the same words, and no
/// HTML or link can be slipped into a reader's OSCAL viewer.
pub fn markup_multiline(text: &str) -> String {
    lines(text).map(|l| escape_markdown(&l)).collect::<Vec<_>>().join("\n\n")
}

/// The non-empty lines of a text, without the white space at their ends
/// (leading spaces would make Markdown code blocks, trailing ones line
/// breaks) and without control characters.
fn lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(is_line_break).filter_map(|line| {
        let line: String = line.chars().filter(|c| !c.is_control() || *c == '\t').collect();
        let line = line.trim_matches(is_blank);
        (!line.is_empty()).then(|| line.to_string())
    })
}

/// Line terminators for OSCAL's regular expressions (ECMA-262's four, and
/// NEL, which Unicode counts as one too).
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// White space for OSCAL's `\S`: Unicode white space and ECMA-262's
/// byte-order mark, which Unicode does not count as white space.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

fn escape_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    // An ordered-list marker (up to nine digits, then `.` or `)`, then a
    // space or the end) at the start of a line: its `.` or `)` is escaped.
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let list_marker = (1..=9).contains(&digits)
        && matches!(line.as_bytes().get(digits), Some(b'.' | b')'))
        && line[digits + 1..].chars().next().is_none_or(|c| c == ' ' || c == '\t');
    // `{` and `}` are escaped for OSCAL's parameter insertion (`{{ insert: param, id }}`);
    // `|` is not, since a table needs a second line and every line here is a
    // paragraph of its own.
    for (i, c) in line.char_indices() {
        let inline = matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '^' | '{' | '}');
        let line_start = i == 0 && matches!(c, '#' | '+' | '-' | '=');
        if inline || line_start || (list_marker && i == digits) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A required title (OSCAL's `markup-line` cannot be empty): the text, or
/// `fallback` when nothing is left of it.
fn title(text: &str, fallback: &str) -> String {
    let line = markup_line(text);
    if line.is_empty() {
        markup_line(fallback)
    } else {
        line
    }
}

/// A text as OSCAL's `string` (one line, no white space at either end), or
/// `None` when nothing is left of it. Line breaks become one space.
pub fn single_line(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut after_break = false;
    for c in text.chars() {
        if is_line_break(c) {
            if !after_break {
                out.push(' ');
            }
            after_break = true;
        } else if !c.is_control() || c == '\t' {
            out.push(c);
            after_break = false;
        }
    }
    let out = out.trim_matches(is_blank);
    (!out.is_empty()).then(|| out.to_string())
}

/// A property of our namespace, or `None` for an empty value (OSCAL's
/// `string` cannot be empty).
fn prop(name: &str, value: &str) -> Option<Value> {
    single_line(value).map(|value| json!({ "name": name, "ns": NAMESPACE, "value": value }))
}

/// Inserts an array only when it has items: OSCAL arrays have at least one.
fn put_array(object: &mut Map<String, Value>, key: &str, items: Vec<Value>) {
    if !items.is_empty() {
        object.insert(key.to_string(), Value::Array(items));
    }
}

/// Name-based (version 5) UUIDs under the engagement, so that the same
/// engagement gives the same document: `v5(v5(NAMESPACE, engagement UUID),
/// "kind:id")`.
struct Uuids {
    engagement: uuid::Uuid,
}

impl Uuids {
    fn of(&self, kind: &str, id: &str) -> String {
        uuid::Uuid::new_v5(&self.engagement, format!("{kind}:{id}").as_bytes()).to_string()
    }
}

/// OSCAL's `date-time-with-timezone` in 1.1.2 allows years 1900 to 2999
/// only; anything else would make the whole document invalid.
fn check_year(year: i32, what: &str) -> Result<()> {
    if (1900..=2999).contains(&year) {
        Ok(())
    } else {
        Err(Error::invalid("oscal", format!("{what} has the year {year}, which OSCAL cannot hold (1900 to 2999)")))
    }
}

/// A day of the audit period at a time of day in Japan.
fn japan_time(date: NaiveDate, time: &str, what: &str) -> Result<String> {
    check_year(date.year(), what)?;
    Ok(format!("{date}T{time}+09:00"))
}

/// The model's generation time, in UTC with milliseconds.
fn utc_time(text: &str) -> Result<String> {
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(|e| Error::invalid("oscal", format!("the generation time {text:?} is not an RFC 3339 time: {e}")))?
        .with_timezone(&Utc);
    check_year(at.year(), "the generation time")?;
    Ok(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// The document as the package stores it: pretty-printed JSON.
pub fn document(model: &ReportModel) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(&assessment_results(model)?).map_err(|e| Error::invalid("oscal", e.to_string()))
}

/// An OSCAL 1.1.2 assessment-results document: one result for the audit
/// period; the in-scope controls as reviewed controls (out-of-scope ones
/// excluded); each procedure an observation (methods EXAMINE, INTERVIEW or
/// TEST) of the cloud service, with its evidence; each exception a finding
/// (`not-satisfied`) on its control, related to its procedure's observation.
pub fn assessment_results(model: &ReportModel) -> Result<Value> {
    let f = &model.fields;
    let uuids = Uuids { engagement: uuid::Uuid::new_v5(&NAMESPACE_UUID, model.engagement_uuid.as_bytes()) };
    let generated = utc_time(&model.generated_at)?;
    let start = japan_time(f.period.start, "00:00:00", "the audit period's start")?;
    let end = japan_time(f.period.end, "23:59:59", "the audit period's end")?;

    let controls: Vec<_> = model.groups.iter().flat_map(|g| g.domains.iter().flat_map(|d| d.controls.iter())).collect();
    let mapping = ControlIdMapping::choose(
        model.catalog.id_scheme,
        controls
            .iter()
            .map(|c| c.id.as_str())
            .chain(model.scope.out_of_scope.iter().map(|x| x.control_id.as_str()))
            .chain(model.exceptions.iter().map(|x| x.control_id.as_str())),
    );

    let firm = uuids.of("party", "assessor");
    let provider = uuids.of("party", "provider");
    let service = uuids.of("component", "service");
    let plan = uuids.of("resource", "assessment-plan");
    let origins = json!([{ "actors": [{ "type": "party", "actor-uuid": firm }] }]);

    let party = |uuid: &str, name: &str, props: Vec<Option<Value>>| {
        let mut p = Map::new();
        p.insert("uuid".into(), json!(uuid));
        p.insert("type".into(), json!("organization"));
        if let Some(name) = single_line(name) {
            p.insert("name".into(), json!(name));
        }
        put_array(&mut p, "props", props.into_iter().flatten().collect());
        Value::Object(p)
    };
    let parties = vec![
        party(&firm, &f.assessor.name, vec![prop("registration-number", &f.assessor.registration_number)]),
        party(&provider, &f.provider.name, vec![prop("corporate-number", &f.provider.corporate_number)]),
    ];

    // The back matter: the assessment plan, which is the engagement file
    // itself and has no OSCAL form (`import-ap` points at a resource that
    // says so), and the evidence index, which observations point at.
    let mut plan_resource = Map::new();
    plan_resource.insert("uuid".into(), json!(plan));
    plan_resource.insert("title".into(), json!("ISMAP engagement (assessment plan)"));
    plan_resource.insert(
        "description".into(),
        json!(markup_multiline(&format!(
            "The assessment plan is the engagement file {} of ISMAP Assessor Workbench: its scope, procedures and samples. \
             It is not published as an OSCAL assessment plan.",
            model.engagement_uuid
        ))),
    );
    put_array(&mut plan_resource, "props", prop("engagement-uuid", &model.engagement_uuid).into_iter().collect());
    let mut resources = vec![Value::Object(plan_resource)];
    for e in &model.evidence {
        let mut r = Map::new();
        r.insert("uuid".into(), json!(uuids.of("evidence", &e.id)));
        r.insert("title".into(), json!(title(&e.title, &format!("evidence {}", e.id))));
        let props = [
            prop("evidence-id", &e.id),
            prop("sha256", &e.sha256),
            prop("size", &e.size.to_string()),
            prop("as-of", &e.as_of.to_string()),
        ];
        put_array(&mut r, "props", props.into_iter().flatten().collect());
        resources.push(Value::Object(r));
    }

    let mut observations = Vec::new();
    let mut observed = BTreeSet::new();
    for c in &controls {
        for p in &c.procedures {
            observed.insert(p.id.as_str());
            let text = if p.text_en.trim().is_empty() { &p.text_ja } else { &p.text_en };
            let mut o = Map::new();
            o.insert("uuid".into(), json!(uuids.of("observation", &p.id)));
            o.insert("title".into(), json!(title(&p.id, "procedure")));
            o.insert("description".into(), json!(markup_multiline(if text.trim().is_empty() { &p.id } else { text })));
            let mut props = vec![
                prop("procedure-id", &p.id),
                prop("control-id", &c.id),
                prop("procedure-kind", p.kind.as_str()),
                prop("evaluation", p.evaluation.as_str()),
                p.result.and_then(|r| prop("result", r.as_str())),
                p.sample_size.and_then(|s| prop("sample-size", &s.to_string())),
            ];
            props.extend(p.exceptions.iter().map(|x| prop("exception-id", x)));
            put_array(&mut o, "props", props.into_iter().flatten().collect());
            o.insert("methods".into(), json!([p.kind.oscal_method()]));
            o.insert("types".into(), json!(["control-objective"]));
            o.insert("origins".into(), origins.clone());
            o.insert("subjects".into(), json!([{ "subject-uuid": service, "type": "component" }]));
            let evidence: Vec<Value> = model
                .evidence
                .iter()
                .filter(|e| e.links.contains(&p.id))
                .map(|e| {
                    json!({
                        "href": format!("#{}", uuids.of("evidence", &e.id)),
                        "description": markup_multiline(&format!("{} {}", e.id, e.title)),
                    })
                })
                .collect();
            put_array(&mut o, "relevant-evidence", evidence);
            o.insert("collected".into(), json!(generated));
            observations.push(Value::Object(o));
        }
    }

    let findings: Vec<Value> = model
        .exceptions
        .iter()
        .map(|x| {
            let mut finding = Map::new();
            finding.insert("uuid".into(), json!(uuids.of("finding", &x.id)));
            finding.insert("title".into(), json!(title(&x.id, "exception")));
            finding.insert(
                "description".into(),
                json!(markup_multiline(if x.text.trim().is_empty() { &x.id } else { &x.text })),
            );
            let props = [
                prop("exception-id", &x.id),
                prop("control-id", &x.control_id),
                prop("procedure-id", &x.procedure_id),
                x.sample_item.as_deref().and_then(|s| prop("sample-item", s)),
                x.sample_item_id.as_deref().and_then(|s| prop("sample-item-id", s)),
                x.attribute.as_deref().and_then(|s| prop("attribute", s)),
            ];
            put_array(&mut finding, "props", props.into_iter().flatten().collect());
            finding.insert("origins".into(), origins.clone());
            let mut target = Map::new();
            target.insert("type".into(), json!("objective-id"));
            target.insert("target-id".into(), json!(mapping.token(&x.control_id)));
            put_array(&mut target, "props", prop("control-id", &x.control_id).into_iter().collect());
            target.insert("status".into(), json!({ "state": "not-satisfied" }));
            finding.insert("target".into(), Value::Object(target));
            // Only an observation that is in the document can be referred to.
            if observed.contains(x.procedure_id.as_str()) {
                finding.insert(
                    "related-observations".into(),
                    json!([{ "observation-uuid": uuids.of("observation", &x.procedure_id) }]),
                );
            }
            Value::Object(finding)
        })
        .collect();

    // The controls assessed, each with its original ID in a property of the
    // selection (a control reference cannot carry properties), told apart
    // by the token as its class.
    let mut selection = Map::new();
    selection.insert(
        "description".into(),
        json!(markup_multiline("The controls in scope; controls out of scope are excluded.")),
    );
    let id_prop = |id: &str| {
        prop("control-id", id).map(|mut p| {
            p["class"] = json!(mapping.token(id));
            p
        })
    };
    put_array(
        &mut selection,
        "props",
        controls
            .iter()
            .map(|c| c.id.as_str())
            .chain(model.scope.out_of_scope.iter().map(|x| x.control_id.as_str()))
            .filter_map(id_prop)
            .collect(),
    );
    if controls.is_empty() {
        // Nothing in scope: all controls, less the excluded ones, which is none.
        selection.insert("include-all".into(), json!({}));
    } else {
        selection.insert(
            "include-controls".into(),
            Value::Array(controls.iter().map(|c| json!({ "control-id": mapping.token(&c.id) })).collect()),
        );
    }
    put_array(
        &mut selection,
        "exclude-controls",
        model.scope.out_of_scope.iter().map(|x| json!({ "control-id": mapping.token(&x.control_id) })).collect(),
    );

    let catalog = &model.catalog;
    let mut result = Map::new();
    result.insert("uuid".into(), json!(uuids.of("result", "audit-period")));
    result.insert("title".into(), json!(title(&format!("{} {}", catalog.name, catalog.version), "catalog")));
    result.insert(
        "description".into(),
        json!(markup_multiline(if f.service.scope_of_statement.trim().is_empty() {
            &f.service.name
        } else {
            &f.service.scope_of_statement
        })),
    );
    let result_props = [
        prop("engagement-uuid", &model.engagement_uuid),
        prop("report-status", if model.is_final { "final" } else { "draft" }),
        prop("catalog", &catalog.name),
        prop("catalog-version", &catalog.version),
        prop("catalog-sha256", &catalog.content_sha256),
        prop("control-id-mapping", mapping.as_str()),
        prop("log-events", &model.log_head.events.to_string()),
        prop("log-head", &model.log_head.hash),
    ];
    put_array(&mut result, "props", result_props.into_iter().flatten().collect());
    result.insert("start".into(), json!(start));
    result.insert("end".into(), json!(end));
    result.insert(
        "local-definitions".into(),
        json!({ "components": [{
            "uuid": service,
            "type": "this-system",
            "title": title(&f.service.name, "cloud service"),
            "description": markup_multiline(&format!("The cloud service under audit: {}\n{}", f.service.name, f.service.url)),
            "status": { "state": "operational" },
        }]}),
    );
    result.insert("reviewed-controls".into(), json!({ "control-selections": [Value::Object(selection)] }));
    put_array(&mut result, "observations", observations);
    put_array(&mut result, "findings", findings);

    Ok(json!({
        "assessment-results": {
            "uuid": uuids.of("assessment-results", "document"),
            "metadata": {
                "title": markup_line(&format!("ISMAP assessment results: {} / {}", f.provider.name, f.service.name)),
                "last-modified": generated,
                "version": single_line(&model.log_head.hash).unwrap_or_else(|| "0".into()),
                "oscal-version": OSCAL_VERSION,
                "parties": parties,
            },
            "import-ap": { "href": format!("#{plan}") },
            "results": [Value::Object(result)],
            "back-matter": { "resources": resources },
        }
    }))
}
