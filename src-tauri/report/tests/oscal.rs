//! The OSCAL assessment results (`oscal-assessment-results.json`) checked
//! the way an OSCAL tool reads them, with nothing of the writer's own code:
//!
//! - against NIST's JSON schema of OSCAL 1.0.4 (`tests/fixtures/oscal/schema-1.0.4/`,
//!   see its NOTICE.md), with the `jsonschema` crate, whose regular
//!   expressions know `\p{L}`, built without any way to fetch a remote
//!   `$ref` (its HTTP and file resolvers are left out in Cargo.toml);
//! - against the data types of OSCAL 1.1.2, the version the document
//!   claims, whose expressions are written out below from NIST's metaschema,
//!   and the 1.1.2 rules the 1.0.4 schema does not carry (closed value
//!   lists, one choice in a control selection, references that resolve);
//! - its Markdown read back with pulldown-cmark, a CommonMark parser.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use regex::Regex;
use serde_json::{json, Value};
use workbench_core::api;
use workbench_core::import::ImportOptions;
use workbench_core::model::catalog::IdScheme;
use workbench_core::model::event::{Actor, Context, FixedClock};
use workbench_core::model::procedure::{
    Evaluation, NewProcedure, ProcedureKind, ProcedurePatch, ResultKind, ScopeDecision,
};
use workbench_core::model::report::{ReportExclusion, ReportModel};
use workbench_report::oscal::{self, ControlIdMapping};

// ---- Engagements ----------------------------------------------------------------

struct Fixture {
    dir: tempfile::TempDir,
    clock: FixedClock,
    actor: Actor,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            clock: FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0).unwrap()),
            actor: Actor::new("佐藤 花子"),
        }
    }
    fn ctx(&self) -> Context<'_> {
        Context { actor: &self.actor, clock: &self.clock }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn model(&self, file: &Path) -> ReportModel {
        api::report_model(file, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), self.ctx()).unwrap()
    }
    fn demo(&self, name: &str) -> PathBuf {
        let file = self.path(name);
        api::create_demo(&file, "oscal-test".into(), self.ctx()).unwrap();
        file
    }
    fn finalized_demo(&self, name: &str) -> PathBuf {
        let file = self.path(name);
        api::create_demo_finalized(&file, "oscal-test".into(), self.ctx()).unwrap();
        file
    }
}

fn document(model: &ReportModel) -> Value {
    serde_json::from_slice(&oscal::document(model).unwrap()).unwrap()
}

// ---- The OSCAL 1.0.4 JSON schema ------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/oscal").join(name)
}

fn schema() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text = std::fs::read(fixture("schema-1.0.4/oscal_assessment-results_schema.json")).unwrap();
        let schema: Value = serde_json::from_slice(&text).unwrap();
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap()
    })
}

/// The schema's complaints: where in the document (a JSON pointer), and what.
fn schema_errors(doc: &Value) -> Vec<(String, String)> {
    schema().iter_errors(doc).map(|e| (e.instance_path().to_string(), e.to_string())).collect()
}

// ---- The OSCAL 1.1.2 data types ---------------------------------------------------------

/// The data types of OSCAL 1.1.2, as its JSON schemas define them. Source:
/// NIST's metaschema repository (github.com/usnistgov/metaschema), file
/// `schema/json/metaschema-datatypes.json` at commit 37fd650b (2023-09-01),
/// the commit that OSCAL v1.1.2's build (its `build/metaschema-xslt`
/// submodule, commit 7d9fbfa8, `support/metaschema`) generated the 1.1.2
/// schemas from. `markup-multiline` and `uri-reference` have no pattern
/// there (a string, and a format only); hrefs are checked as references
/// below instead.
struct Datatypes {
    token: Regex,
    uuid: Regex,
    string: Regex,
    uri: Regex,
    markup_line: Regex,
    date_time_with_timezone: Regex,
}

fn datatypes() -> &'static Datatypes {
    static TYPES: OnceLock<Datatypes> = OnceLock::new();
    TYPES.get_or_init(|| Datatypes {
        // TokenDatatype
        token: Regex::new(r"^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$").unwrap(),
        // UUIDDatatype (versions 4 and 5, RFC 4122 variant)
        uuid: Regex::new(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$")
            .unwrap(),
        // StringDatatype
        string: Regex::new(r"^\S(.*\S)?$").unwrap(),
        // URIDatatype
        uri: Regex::new(r"^[a-zA-Z][a-zA-Z0-9+\-.]+:.+$").unwrap(),
        // MarkupLineDatatype
        markup_line: Regex::new("^[^\n]+$").unwrap(),
        // DateTimeWithTimezoneDatatype
        date_time_with_timezone: Regex::new(concat!(
            r"^(((2000|2400|2800|(19|2[0-9](0[48]|[2468][048]|[13579][26])))-02-29)|(((19|2[0-9])[0-9]{2})-02-(0[1-9]|1[0-9]|2[0-8]))",
            r"|(((19|2[0-9])[0-9]{2})-(0[13578]|10|12)-(0[1-9]|[12][0-9]|3[01]))|(((19|2[0-9])[0-9]{2})-(0[469]|11)-(0[1-9]|[12][0-9]|30)))",
            r"T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?",
            r"(Z|(-((0[0-9]|1[0-2]):00|0[39]:30)|\+((0[0-9]|1[0-4]):00|(0[34569]|10):30|(0[58]|12):45)))$"
        ))
        .unwrap(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Datatype {
    Token,
    Uuid,
    Str,
    Uri,
    UriReference,
    MarkupLine,
    MarkupMultiline,
    DateTimeWithTimezone,
    /// A closed list of values (an `allowed-values` without `allow-other`).
    OneOf(&'static [&'static str]),
}

/// The 1.1.2 data type of a string field, from the field's name and the
/// name of the object or array holding it (OSCAL 1.1.2's metaschema
/// modules: assessment-results, assessment-common, implementation-common,
/// metadata). A field not listed here fails the check, so that a new field
/// is typed before it is written.
fn datatype_of(holder: &str, key: &str) -> Option<Datatype> {
    use Datatype::*;
    Some(match (holder, key) {
        (_, "uuid") => Uuid,
        (_, k) if k.ends_with("-uuid") => Uuid,
        ("props", "name" | "class") => Token,
        ("props", "ns") => Uri,
        ("props", "value") => Str,
        ("parties", "name") => Str,
        ("parties", "type") => OneOf(&["person", "organization"]),
        ("actors", "type") => OneOf(&["tool", "assessment-platform", "party"]),
        ("target", "type") => OneOf(&["statement-id", "objective-id"]),
        ("status", "state") => Token,
        ("subjects" | "components", "type") => Token,
        (_, "types") => Token,
        (_, "methods") => Str,
        (_, "control-id" | "target-id") => Token,
        (_, "title") => MarkupLine,
        (_, "description") => MarkupMultiline,
        (_, "last-modified" | "collected" | "start" | "end") => DateTimeWithTimezone,
        (_, "version" | "oscal-version") => Str,
        (_, "href") => UriReference,
        _ => return None,
    })
}

/// Every string of the document checked against its 1.1.2 data type;
/// returns the problems, each with its place.
fn datatype_problems(doc: &Value) -> Vec<String> {
    fn walk(value: &Value, holder: &str, key: &str, path: &str, problems: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    walk(v, key, k, &format!("{path}/{k}"), problems);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, holder, key, &format!("{path}/{i}"), problems);
                }
            }
            Value::String(s) => {
                let t = datatypes();
                let ok = match datatype_of(holder, key) {
                    None => {
                        problems.push(format!("{path}: no OSCAL 1.1.2 data type known for {holder}.{key}"));
                        return;
                    }
                    Some(Datatype::Token) => t.token.is_match(s),
                    Some(Datatype::Uuid) => t.uuid.is_match(s),
                    Some(Datatype::Str) => t.string.is_match(s),
                    Some(Datatype::Uri) => t.uri.is_match(s),
                    Some(Datatype::MarkupLine) => t.markup_line.is_match(s),
                    Some(Datatype::DateTimeWithTimezone) => t.date_time_with_timezone.is_match(s),
                    Some(Datatype::MarkupMultiline | Datatype::UriReference) => true,
                    Some(Datatype::OneOf(values)) => values.contains(&s.as_str()),
                };
                if !ok {
                    problems.push(format!("{path}: {s:?} is not a {:?}", datatype_of(holder, key).unwrap()));
                }
            }
            _ => problems.push(format!("{path}: only strings, objects and arrays are written")),
        }
    }
    let mut problems = Vec::new();
    walk(doc, "", "", "", &mut problems);
    problems
}

/// The 1.1.2 rules beyond data types: UUIDs unique, every UUID reference
/// and `#fragment` href resolving in the document, and a control selection
/// naming either all controls or a list (a choice the 1.0.4 schema leaves
/// open).
fn reference_problems(doc: &Value) -> Vec<String> {
    fn collect(value: &Value, key: &str, defined: &mut Vec<String>, refs: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| collect(v, k, defined, refs)),
            Value::Array(items) => items.iter().for_each(|v| collect(v, key, defined, refs)),
            Value::String(s) if key == "uuid" => defined.push(s.clone()),
            Value::String(s) if key.ends_with("-uuid") || key == "href" => refs.push((key.into(), s.clone())),
            _ => {}
        }
    }
    let (mut defined, mut refs) = (Vec::new(), Vec::new());
    collect(doc, "", &mut defined, &mut refs);
    let mut problems = Vec::new();
    let unique: BTreeSet<&String> = defined.iter().collect();
    if unique.len() != defined.len() {
        problems.push(format!("{} UUIDs are defined twice", defined.len() - unique.len()));
    }
    let resources: BTreeSet<&str> = doc["assessment-results"]["back-matter"]["resources"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["uuid"].as_str()).collect())
        .unwrap_or_default();
    for (key, target) in &refs {
        let resolves = match target.strip_prefix('#') {
            Some(fragment) => resources.contains(fragment),
            None => key != "href" && unique.contains(target),
        };
        if !resolves {
            problems.push(format!("{key} {target:?} does not resolve in the document"));
        }
    }
    for result in doc["assessment-results"]["results"].as_array().into_iter().flatten() {
        for selection in result["reviewed-controls"]["control-selections"].as_array().into_iter().flatten() {
            let all = selection.get("include-all").is_some();
            let listed = selection.get("include-controls").is_some();
            if all == listed {
                problems.push(format!("a control selection must have include-all or include-controls: {selection}"));
            }
        }
    }
    problems
}

fn assert_valid(doc: &Value, what: &str) {
    let schema = schema_errors(doc);
    assert!(schema.is_empty(), "{what}: the OSCAL 1.0.4 schema refuses it: {schema:#?}");
    let types = datatype_problems(doc);
    assert!(types.is_empty(), "{what}: OSCAL 1.1.2 data types: {types:#?}");
    let references = reference_problems(doc);
    assert!(references.is_empty(), "{what}: {references:#?}");
}

/// The observations, findings and reviewed controls of the document's one result.
fn result(doc: &Value) -> &Value {
    let results = doc["assessment-results"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    &results[0]
}

/// The value of our property `name` on an object (the first, when there are several).
fn prop<'a>(object: &'a Value, name: &str) -> Option<&'a str> {
    object["props"].as_array()?.iter().find(|p| p["name"] == name && p["ns"] == oscal::NAMESPACE)?["value"].as_str()
}

fn included(doc: &Value) -> Vec<String> {
    result(doc)["reviewed-controls"]["control-selections"][0]["include-controls"]
        .as_array()
        .map(|a| a.iter().map(|c| c["control-id"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

// ---- The documents we write ---------------------------------------------------------------

#[test]
fn the_demo_open_and_finalized_gives_valid_oscal_with_ismap_ids_as_tokens() {
    let fx = Fixture::new();
    let open = document(&fx.model(&fx.demo("open.ismap")));
    assert_valid(&open, "the open demo");
    let finalized_model = fx.model(&fx.finalized_demo("final.ismap"));
    let finalized = document(&finalized_model);
    assert_valid(&finalized, "the finalized demo");

    let r = result(&finalized);
    assert_eq!(prop(r, "control-id-mapping"), Some("ismap-prefix"));
    assert_eq!(prop(r, "report-status"), Some("final"));
    assert_eq!(prop(result(&open), "report-status"), Some("draft"));
    // The demo's exception in the walkthrough: procedure 9.2.1.2/P1, control 9.2.1.2.
    let finding = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| prop(f, "procedure-id") == Some("9.2.1.2/P1"))
        .expect("a finding for the exception of 9.2.1.2/P1");
    assert_eq!(finding["target"]["target-id"], "ismap-9.2.1.2");
    assert_eq!(finding["target"]["type"], "objective-id");
    assert_eq!(finding["target"]["status"]["state"], "not-satisfied");
    assert_eq!(prop(&finding["target"], "control-id"), Some("9.2.1.2"));
    assert_eq!(prop(finding, "control-id"), Some("9.2.1.2"));
    assert!(prop(finding, "exception-id").unwrap().starts_with("E-"), "{finding:#}");
    assert_eq!(finding["description"], "退職者3名のうち1名のIDが、退職日から14日間有効なままであった。");
    // It points at the observation of its procedure.
    let observation =
        r["observations"].as_array().unwrap().iter().find(|o| prop(o, "procedure-id") == Some("9.2.1.2/P1")).unwrap();
    assert_eq!(finding["related-observations"][0]["observation-uuid"], observation["uuid"]);
    assert_eq!(prop(observation, "control-id"), Some("9.2.1.2"));
    assert_eq!(prop(observation, "result"), Some("exception"));

    // The grid's exception names its sample item.
    let sampled = r["findings"].as_array().unwrap().iter().find(|f| prop(f, "sample-item-id").is_some()).unwrap();
    assert_eq!(prop(sampled, "sample-item-id"), Some("CHG-0017"));
    assert_eq!(sampled["target"]["target-id"], "ismap-4.4.1.1");

    // Every in-scope control is reviewed, by token; suffixed IDs keep their suffix.
    let controls: Vec<String> = finalized_model
        .groups
        .iter()
        .flat_map(|g| g.domains.iter().flat_map(|d| d.controls.iter().map(|c| format!("ismap-{}", c.id))))
        .collect();
    assert_eq!(included(&finalized), controls);
    assert!(controls.iter().any(|c| c == "ismap-9.2.3.11.PB"), "{controls:?}");
    // And each one's own ID is on the selection, told apart by the token.
    let selection = &r["reviewed-controls"]["control-selections"][0];
    let pb = selection["props"].as_array().unwrap().iter().find(|p| p["class"] == "ismap-9.2.3.11.PB").unwrap();
    assert_eq!((pb["name"].as_str(), pb["value"].as_str()), (Some("control-id"), Some("9.2.3.11.PB")));
    assert_eq!(finalized_model.exceptions.len(), r["findings"].as_array().unwrap().len(), "one finding per exception");
}

#[test]
fn the_evidence_and_the_plan_are_resources_the_document_points_at() {
    let fx = Fixture::new();
    let file = fx.demo("demo.ismap");
    let scan = fx.path("手順書.txt");
    std::fs::write(&scan, "特権IDの申請と承認の手順".as_bytes()).unwrap();
    let meta = workbench_core::model::evidence::EvidenceMeta {
        title: "特権ID管理手順書 [第2版] <社外秘>".into(),
        description: String::new(),
        kind: workbench_core::model::evidence::EvidenceKind::Document,
        obtained_from: "情報システム部".into(),
        obtained_by: "佐藤 花子".into(),
        obtained_at: None,
        as_of: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
    };
    let link = workbench_core::model::evidence::EvidenceLink {
        kind: workbench_core::model::evidence::LinkKind::Procedure,
        id: "9.2.3.11.PB/P1".into(),
    };
    api::add_evidence(&file, &[api::IntakeFile { path: scan, meta }], &[link], fx.ctx(), &mut |_| true).unwrap();
    let doc = document(&fx.model(&file));
    assert_valid(&doc, "the demo with evidence");

    let resources = doc["assessment-results"]["back-matter"]["resources"].as_array().unwrap();
    let evidence = resources.iter().find(|r| prop(r, "evidence-id") == Some("EV-0001")).unwrap();
    // SHA-256 of the file's UTF-8 bytes, computed with `printf '%s' 特権IDの申請と承認の手順 | sha256sum`.
    assert_eq!(prop(evidence, "sha256"), Some("03bdc2118954b1a3649dc96ffecfa88445bfad3eefc45bec36a2437088c5d927"));
    assert_eq!(prop(evidence, "size"), Some("35"));
    assert_eq!(prop(evidence, "as-of"), Some("2026-03-31"));
    assert_eq!(evidence["title"], r"特権ID管理手順書 \[第2版\] \<社外秘\>");
    let observation = result(&doc)["observations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| prop(o, "procedure-id") == Some("9.2.3.11.PB/P1"))
        .unwrap();
    assert_eq!(observation["relevant-evidence"][0]["href"], format!("#{}", evidence["uuid"].as_str().unwrap()));
    // The plan: the engagement file, named by import-ap.
    let plan = doc["assessment-results"]["import-ap"]["href"].as_str().unwrap().strip_prefix('#').unwrap();
    let plan = resources.iter().find(|r| r["uuid"] == plan).unwrap();
    assert_eq!(prop(plan, "engagement-uuid"), Some("oscal-test"));
}

/// Lines a Markdown reader must show as paragraphs of their own, written
/// the way assessors write: indented, numbered, with symbols Markdown would
/// otherwise read as markup, and HTML.
const MULTI_LINE: &str = "# 手順\r\n  1. 退職者一覧を入手した。\n2) 人事システムと照合した。\n\n- *重要* な点: `admin` と [root](http://x) は <b>対象外</b>\n\
     ---\n=== 注記 ===\n> 引用ではない\n+ 追加 | 表ではない | ~~取消~~ ^上付き^ {{ insert: param, ac-1_prm_1 }} &amp; \\ 終わり   \n\t";

/// The same lines as a person reads them (the documented rule: one
/// paragraph a line, white space at the ends and empty lines dropped).
const MULTI_LINE_READ: [&str; 8] = [
    "# 手順",
    "1. 退職者一覧を入手した。",
    "2) 人事システムと照合した。",
    "- *重要* な点: `admin` と [root](http://x) は <b>対象外</b>",
    "---",
    "=== 注記 ===",
    "> 引用ではない",
    "+ 追加 | 表ではない | ~~取消~~ ^上付き^ {{ insert: param, ac-1_prm_1 }} &amp; \\ 終わり",
];

#[test]
fn multi_line_texts_and_exceptions_give_valid_oscal_that_reads_as_typed() {
    let fx = Fixture::new();
    let file = fx.demo("lines.ismap");
    let procedure = api::add_procedure(
        &file,
        "9.2.3.11.PB",
        NewProcedure {
            kind: ProcedureKind::Reperformance,
            evaluation: Evaluation::Operating,
            text_ja: MULTI_LINE.into(),
            text_en: String::new(),
            assignee: None,
            target: None,
        },
        fx.ctx(),
    )
    .unwrap();
    let patch = ProcedurePatch { result: Some(Some(ResultKind::Exception)), ..ProcedurePatch::default() };
    api::update_procedure(&file, &procedure.id, patch, fx.ctx()).unwrap();
    api::add_exception(&file, &procedure.id, MULTI_LINE, fx.ctx()).unwrap();
    api::add_exception(&file, &procedure.id, "二つ目の例外事項。\n日付: 2026-05-12", fx.ctx()).unwrap();
    let doc = document(&fx.model(&file));
    assert_valid(&doc, "an engagement with multi-line texts");

    let r = result(&doc);
    let observation =
        r["observations"].as_array().unwrap().iter().find(|o| prop(o, "procedure-id") == Some(&procedure.id)).unwrap();
    let expected: Vec<String> = MULTI_LINE_READ.iter().map(|l| l.to_string()).collect();
    assert_eq!(paragraphs(observation["description"].as_str().unwrap()), Some(expected.clone()));
    let findings: Vec<&Value> =
        r["findings"].as_array().unwrap().iter().filter(|f| prop(f, "procedure-id") == Some(&procedure.id)).collect();
    assert_eq!(findings.len(), 2);
    assert_eq!(paragraphs(findings[0]["description"].as_str().unwrap()), Some(expected));
    assert_eq!(
        paragraphs(findings[1]["description"].as_str().unwrap()),
        Some(vec!["二つ目の例外事項。".to_string(), "日付: 2026-05-12".to_string()])
    );
    for f in findings {
        assert_eq!(f["target"]["target-id"], "ismap-9.2.3.11.PB");
        assert_eq!(f["related-observations"][0]["observation-uuid"], observation["uuid"]);
    }
    // The procedure ID is a title (markup) and a property value (text), never a token.
    assert_eq!(observation["title"], procedure.id);
    assert!(procedure.id.starts_with("9.2.3.11.PB/P"), "{}", procedure.id);
}

#[test]
fn an_engagement_on_the_nist_catalog_keeps_its_control_ids() {
    let fx = Fixture::new();
    let data = fx.path("data");
    let summary = api::import_catalog(
        &data,
        &fixture("NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"),
        &ImportOptions::default(),
        fx.ctx(),
    )
    .unwrap();
    let file = fx.path("nist.ismap");
    api::create_engagement(
        &file,
        &data,
        &format!("{}@{}", summary.name, summary.version),
        None,
        "nist-test".into(),
        workbench_core::sample::demo_fields(),
        Default::default(),
        fx.ctx(),
    )
    .unwrap();
    for control in ["ac-2", "ia-2.1"] {
        let p = api::add_procedure(
            &file,
            control,
            NewProcedure {
                kind: ProcedureKind::Inspection,
                evaluation: Evaluation::Design,
                text_ja: "アカウント管理の手順書を閲覧する。".into(),
                text_en: "Inspect the account management procedure.".into(),
                assignee: None,
                target: None,
            },
            fx.ctx(),
        )
        .unwrap();
        let result = if control == "ia-2.1" { ResultKind::Exception } else { ResultKind::NoException };
        let patch = ProcedurePatch { result: Some(Some(result)), ..ProcedurePatch::default() };
        api::update_procedure(&file, &p.id, patch, fx.ctx()).unwrap();
        if control == "ia-2.1" {
            api::add_exception(&file, &p.id, "特権アカウントに多要素認証が設定されていなかった。", fx.ctx()).unwrap();
        }
    }
    api::set_scope(&file, "pe-1", ScopeDecision::NotAdopted, "物理的管理は IaaS 事業者の責任範囲", None, fx.ctx())
        .unwrap();
    let model = fx.model(&file);
    assert_eq!(model.catalog.id_scheme, IdScheme::Oscal);
    let doc = document(&model);
    assert_valid(&doc, "an engagement on the NIST SP 800-53 LOW baseline");

    let r = result(&doc);
    assert_eq!(prop(r, "control-id-mapping"), Some("as-is"));
    let included = included(&doc);
    assert_eq!(included.len(), 148, "the LOW baseline's 149 controls less pe-1");
    assert!(included.iter().any(|c| c == "ac-2") && included.iter().any(|c| c == "ia-2.1"), "{included:?}");
    let excluded = &r["reviewed-controls"]["control-selections"][0]["exclude-controls"];
    assert_eq!(excluded, &json!([{ "control-id": "pe-1" }]));
    let finding = &r["findings"][0];
    assert_eq!(finding["target"]["target-id"], "ia-2.1");
    assert_eq!(prop(finding, "control-id"), Some("ia-2.1"));
}

#[test]
fn the_same_engagement_gives_the_same_bytes() {
    // Two engagements made the same way, each with its own clock starting at the same time.
    let (one, two) = (Fixture::new(), Fixture::new());
    let a = oscal::document(&one.model(&one.finalized_demo("a.ismap"))).unwrap();
    let b = oscal::document(&two.model(&two.finalized_demo("b.ismap"))).unwrap();
    assert!(a == b, "two identical engagements gave different OSCAL documents");
    // Read again later, by clocks that agree (a fixed clock moves on by a millisecond a reading).
    let again_a = oscal::document(&Fixture::new().model(&one.path("a.ismap"))).unwrap();
    let again_b = oscal::document(&Fixture::new().model(&two.path("b.ismap"))).unwrap();
    assert!(again_a == again_b);
    assert!(again_a != a, "the export time is in the document");
}

#[test]
fn a_date_oscal_cannot_hold_is_refused_by_name() {
    let fx = Fixture::new();
    let mut model = fx.model(&fx.demo("demo.ismap"));
    model.fields.period.end = NaiveDate::from_ymd_opt(3001, 1, 1).unwrap();
    let err = oscal::document(&model).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    assert!(err.to_string().contains("the audit period's end has the year 3001"), "{err}");
    model.fields.period.end = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
    model.generated_at = "yesterday".into();
    let err = oscal::document(&model).unwrap_err();
    assert!(err.to_string().contains("\"yesterday\" is not an RFC 3339 time"), "{err}");
}

#[test]
fn nothing_in_scope_is_all_controls_less_the_excluded_ones() {
    let fx = Fixture::new();
    let mut model = fx.model(&fx.finalized_demo("final.ismap"));
    // The report model is plain data: every control taken out of scope, as a file could say.
    for control in model.groups.drain(..).flat_map(|g| g.domains).flat_map(|d| d.controls) {
        model.scope.out_of_scope.push(ReportExclusion {
            control_id: control.id,
            title_ja: control.title_ja,
            title_en: control.title_en,
            decision: ScopeDecision::NotAdopted,
            reason: "言明書で非採用".into(),
        });
    }
    let doc = document(&model);
    assert_valid(&doc, "a model with nothing in scope");
    let r = result(&doc);
    let selection = &r["reviewed-controls"]["control-selections"][0];
    assert_eq!(selection["include-all"], json!({}));
    assert!(selection.get("include-controls").is_none());
    let excluded = selection["exclude-controls"].as_array().unwrap();
    assert_eq!(excluded.len(), model.scope.out_of_scope.len());
    assert!(excluded.contains(&json!({ "control-id": "ismap-9.2.1.2" })));
    // No observations, and findings that point at none.
    assert!(r.get("observations").is_none());
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f.get("related-observations").is_none()));
}

#[test]
fn hostile_ids_and_texts_in_the_model_still_give_valid_oscal() {
    let fx = Fixture::new();
    let mut model = fx.model(&fx.finalized_demo("final.ismap"));
    // An OSCAL-scheme catalog whose IDs are not all tokens.
    model.catalog.id_scheme = IdScheme::Oscal;
    let control = &mut model.groups[0].domains[0].controls[0];
    control.id = "管理策 1/2".into();
    control.procedures[0].text_en = "  \u{feff}\u{2028}見出し\u{0}\r\n\t<script>alert(1)</script>\u{85}".into();
    control.procedures[0].id = "\n".into();
    model.exceptions[0].control_id = "1_a".into();
    model.exceptions[1].id = " \u{7f} ".into();
    model.exceptions[0].text = " \n ".into();
    model.exceptions[0].attribute = Some("\u{3000}".into());
    model.fields.provider.name = "\n".into();
    model.fields.provider.corporate_number = String::new();
    model.fields.service.name = String::new();
    model.fields.service.scope_of_statement = "\t".into();
    model.catalog.name = "名前\n二行目".into();
    let doc = document(&model);
    assert_valid(&doc, "a model with hostile IDs and texts");

    let r = result(&doc);
    assert_eq!(prop(r, "control-id-mapping"), Some("escaped"));
    assert_eq!(prop(r, "catalog"), Some("名前 二行目"));
    let included = included(&doc);
    assert_eq!(included[0], "id-_7BA1__7406__7B56__20_1_2F_2");
    assert!(included[1..].iter().all(|c| c.starts_with("id-")), "{included:?}");
    assert_eq!(r["findings"][0]["target"]["target-id"], "id-1_5F_a");
    assert!(prop(&r["findings"][0], "attribute").is_none(), "an empty value is left out");
    let parties = doc["assessment-results"]["metadata"]["parties"].as_array().unwrap();
    assert!(parties[1].get("name").is_none() && parties[1].get("props").is_none(), "{parties:#?}");
    // Titles OSCAL requires are never empty.
    assert_eq!(r["findings"][1]["title"], "exception");
    let observation = &r["observations"][0];
    assert_eq!(observation["title"], "procedure");
    assert_eq!(
        paragraphs(observation["description"].as_str().unwrap()),
        Some(vec!["見出し".to_string(), "<script>alert(1)</script>".to_string(),])
    );
}

// ---- The checks bite ---------------------------------------------------------------------

/// The document as the package wrote it before IDs were mapped to tokens
/// (`oscal_json` of `package.rs` at commit e303f30), for one control with
/// one procedure and one exception.
fn old_output() -> Value {
    json!({ "assessment-results": {
        "uuid": "4a2e5d3c-8f0b-5c1e-9d7a-6b3f2e1d0c9b",
        "metadata": {
            "title": "ISMAP assessment results: 株式会社サンプルクラウド / サンプルクラウド IaaS",
            "last-modified": "2026-11-20T01:00:00.000Z",
            "version": "5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "oscal-version": "1.1.2",
        },
        "import-ap": { "href": "urn:ismap-workbench:oscal-test:assessment-plan" },
        "results": [{
            "uuid": "0b1c2d3e-4f50-5a6b-8c7d-9e0f1a2b3c4d",
            "title": "ismap-sample 2026.1",
            "description": "東京及び大阪リージョンで提供する IaaS",
            "start": "2025-10-01T00:00:00+09:00",
            "end": "2026-09-30T23:59:59+09:00",
            "reviewed-controls": { "control-selections": [{ "include-controls": [{ "control-id": "9.2.1.2" }] }] },
            "observations": [{
                "uuid": "1c2d3e4f-5061-5b7c-8d9e-0f1a2b3c4d5e",
                "title": "9.2.1.2/P1",
                "description": "退職者のIDが無効化されていることを確かめる。",
                "props": [
                    { "name": "procedure-id", "ns": "https://ismap-workbench.example/ns/oscal", "value": "9.2.1.2/P1" },
                    { "name": "result", "ns": "https://ismap-workbench.example/ns/oscal", "value": "exception" },
                ],
                "methods": ["EXAMINE"],
                "types": ["control-objective"],
                "subjects": [{ "subject-uuid": "2d3e4f50-6172-5c8d-9eaf-1a2b3c4d5e6f", "type": "component" }],
                "collected": "2026-11-20T01:00:00.000Z",
            }],
            "findings": [{
                "uuid": "3e4f5061-7283-5d9e-afb0-2b3c4d5e6f70",
                "title": "E-0001",
                "description": "退職者3名のうち1名のIDが、退職日から14日間有効なままであった。",
                "target": { "type": "objective-id", "target-id": "9.2.1.2", "status": { "state": "not-satisfied" } },
                "related-observations": [{ "observation-uuid": "1c2d3e4f-5061-5b7c-8d9e-0f1a2b3c4d5e" }],
            }],
        }],
    }})
}

#[test]
fn the_old_output_fails_the_schema_and_the_112_types_at_each_id() {
    let at = |doc: &Value| schema_errors(doc).into_iter().map(|(path, _)| path).collect::<BTreeSet<_>>();
    let control_id =
        "/assessment-results/results/0/reviewed-controls/control-selections/0/include-controls/0/control-id";
    let target_id = "/assessment-results/results/0/findings/0/target/target-id";
    assert_eq!(at(&old_output()), BTreeSet::from([control_id.to_string(), target_id.to_string()]));
    let types = datatype_problems(&old_output());
    assert_eq!(types.len(), 2, "{types:#?}");
    for place in [control_id, target_id] {
        assert!(types.iter().any(|t| t.starts_with(&format!("{place}: "))), "{place} not in {types:#?}");
    }
    // Its import-ap names no resource of the document.
    assert!(reference_problems(&old_output()).iter().any(|p| p.contains("assessment-plan")));

    // Today's document, given back each of the old values, fails at that place too.
    let fx = Fixture::new();
    let valid = document(&fx.model(&fx.finalized_demo("final.ismap")));
    let mut doc = valid.clone();
    doc["assessment-results"]["results"][0]["findings"][0]["target"]["target-id"] = json!("9.2.1.2");
    assert_eq!(at(&doc), BTreeSet::from([target_id.to_string()]));
    let mut doc = valid.clone();
    doc["assessment-results"]["results"][0]["reviewed-controls"]["control-selections"][0]["include-controls"][0]
        ["control-id"] = json!("9.2.3.11.PB");
    assert_eq!(at(&doc), BTreeSet::from([control_id.to_string()]));
    // The old writer's empty findings of an engagement without exceptions.
    let mut doc = valid.clone();
    doc["assessment-results"]["results"][0]["findings"] = json!([]);
    assert_eq!(at(&doc), BTreeSet::from(["/assessment-results/results/0/findings".to_string()]));
    // A UUID that is neither version 4 nor 5, and a time without a zone.
    let mut doc = valid.clone();
    doc["assessment-results"]["uuid"] = json!("4a2e5d3c-8f0b-1c1e-9d7a-6b3f2e1d0c9b");
    doc["assessment-results"]["metadata"]["last-modified"] = json!("2026-11-20T01:00:00");
    assert_eq!(
        at(&doc),
        BTreeSet::from([
            "/assessment-results/uuid".to_string(),
            "/assessment-results/metadata/last-modified".to_string()
        ])
    );
    assert_eq!(datatype_problems(&doc).len(), 2, "{:#?}", datatype_problems(&doc));
    // A title on two lines is a 1.1.2 markup-line no more (the 1.0.4 schema does not know).
    let mut doc = valid;
    doc["assessment-results"]["metadata"]["title"] = json!("two\nlines");
    assert!(schema_errors(&doc).is_empty());
    assert_eq!(datatype_problems(&doc).len(), 1);
}

// ---- The token mapping and the Markdown ------------------------------------------------------

/// Reads a token back into the ID it was made from, following
/// docs/package.md (written here from the documentation, not from the writer).
fn original_of(token: &str, mapping: &str) -> Option<String> {
    let body = match mapping {
        "as-is" => return Some(token.to_string()),
        "ismap-prefix" => token.strip_prefix("ismap-")?,
        "escaped" => token.strip_prefix("id-")?,
        _ => return None,
    };
    let mut out = String::new();
    let mut rest = body;
    while let Some(i) = rest.find('_') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find('_')?;
        out.push(char::from_u32(u32::from_str_radix(&after[..end], 16).ok()?)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[test]
fn ids_of_every_kind_become_tokens_that_read_back() {
    let ismap = ControlIdMapping::choose(IdScheme::Ismap, ["9.2.1.2"]);
    assert_eq!(ismap, ControlIdMapping::IsmapPrefix);
    // (ID, its token, written by hand from the rule.)
    for (id, token) in [
        ("9.2.1.2", "ismap-9.2.1.2"),
        ("9.2.3.11.PB", "ismap-9.2.3.11.PB"),
        ("9.2.3.11.PB/P1", "ismap-9.2.3.11.PB_2F_P1"),
        ("E-0001", "ismap-E-0001"),
        ("EV-0001", "ismap-EV-0001"),
        ("4.4.1.1/P3/S7", "ismap-4.4.1.1_2F_P3_2F_S7"),
    ] {
        assert_eq!(ismap.token(id), token);
        assert_eq!(original_of(token, ismap.as_str()).as_deref(), Some(id));
    }
    // A NIST catalog keeps its IDs, which are tokens already.
    let nist = ControlIdMapping::choose(IdScheme::Oscal, ["ac-2", "ac-2.1", "ac-2_smt"]);
    assert_eq!(nist, ControlIdMapping::AsIs);
    assert_eq!(nist.token("ac-2.1"), "ac-2.1");
    // An OSCAL catalog with one ID that is not a token escapes them all, so that
    // `ac 2` and a real `id-ac_20_2` cannot meet.
    let odd = ControlIdMapping::choose(IdScheme::Oscal, ["ac-2", "ac 2", "管理策"]);
    assert_eq!(odd, ControlIdMapping::Escaped);
    for (id, token) in [
        ("ac-2", "id-ac-2"),
        ("ac 2", "id-ac_20_2"),
        ("ac-2_smt", "id-ac-2_5F_smt"),
        ("管理策", "id-_7BA1__7406__7B56_"),
    ] {
        assert_eq!(odd.token(id), token);
        assert_eq!(original_of(token, "escaped").as_deref(), Some(id));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_id_becomes_a_valid_token_that_reads_back(id in any::<String>()) {
        let token = datatypes().token.clone();
        for mapping in [ControlIdMapping::IsmapPrefix, ControlIdMapping::Escaped] {
            let t = mapping.token(&id);
            prop_assert!(token.is_match(&t), "{t:?} is not a token");
            prop_assert_eq!(original_of(&t, mapping.as_str()), Some(id.clone()));
        }
        let chosen = ControlIdMapping::choose(IdScheme::Oscal, [id.as_str()]);
        prop_assert!(token.is_match(&chosen.token(&id)), "{:?} for {id:?}", chosen);
    }

    #[test]
    fn any_text_reads_back_from_its_markup(pieces in prop::collection::vec(piece(), 0..40)) {
        let text: String = pieces.concat();
        let expected: Vec<String> = lines_read(&text);
        let multi = oscal::markup_multiline(&text);
        prop_assert_eq!(paragraphs(&multi), Some(expected.clone()), "{:?}", multi);
        let line = oscal::markup_line(&text);
        prop_assert!(datatypes().markup_line.is_match(&line) || line.is_empty());
        let joined = expected.join(" ");
        prop_assert_eq!(paragraphs(&line), Some(if joined.is_empty() { vec![] } else { vec![joined] }), "{:?}", line);
        if let Some(value) = oscal::single_line(&text) {
            prop_assert!(datatypes().string.is_match(&value), "{:?}", value);
        }
    }
}

/// Pieces of text that Markdown (with the extensions OSCAL's Markdown has)
/// would read as markup, mixed with any character at all.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "# ",
            "## ",
            "- ",
            "+ ",
            "* ",
            "1. ",
            "2) ",
            "123456789. ",
            "> ",
            "---",
            "===",
            "***",
            "___",
            "```",
            "~~~",
            "    ",
            "\t",
            "\n",
            "\r\n",
            "\n\n",
            " ",
            "　",
            "\u{feff}",
            "\u{2028}",
            "\u{85}",
            "\u{0}",
            "\u{7}",
            "*",
            "_",
            "**",
            "__",
            "`",
            "[",
            "]",
            "(",
            ")",
            "![",
            "](x)",
            "<",
            ">",
            "<b>",
            "</b>",
            "<!--",
            "&",
            "&amp;",
            "&#65;",
            "\\",
            "|",
            "| a | b |",
            "~",
            "~~",
            "^",
            "{{ insert: param, x }}",
            "{",
            "}",
            "[^1]",
            "[x]: /url",
            ":",
            "http://example.com",
            "www.example.com",
            "あ",
            "例外",
            "9.2.1.2",
            "E-0001",
        ])
        .prop_map(String::from),
        any::<char>().prop_map(String::from),
    ]
}

/// The lines of a text as the documentation says they are kept: split at
/// line breaks (LF, CR, U+2028, U+2029, U+0085), control characters but tab
/// dropped, white space (and U+FEFF) trimmed, empty lines left out.
fn lines_read(text: &str) -> Vec<String> {
    text.split(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'])
        .map(|l| l.chars().filter(|c| !c.is_control() || *c == '\t').collect::<String>())
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// What a CommonMark reader (with tables, strikethrough, footnotes,
/// superscript and subscript on) shows: the text of each paragraph, or
/// `None` when it finds any other markup (a heading, a list, a link, HTML,
/// emphasis, code, ...).
fn paragraphs(markdown: &str) -> Option<Vec<String>> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_SUPERSCRIPT
        | Options::ENABLE_SUBSCRIPT;
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Paragraph) if current.is_none() => current = Some(String::new()),
            Event::Text(t) => current.as_mut()?.push_str(&t),
            Event::End(TagEnd::Paragraph) => out.push(current.take()?),
            _ => return None,
        }
    }
    Some(out)
}
