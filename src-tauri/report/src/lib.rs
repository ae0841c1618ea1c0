//! The assessor's report (実施結果報告書) as PDF: the core's report model,
//! laid out on A4 pages in Japanese or English with the bundled IPAex
//! Gothic font (embedded as a subset), every page marked as restricted and
//! numbered "n of N", a bookmark per section, and the document's real
//! creation date. A draft (an engagement not finalized) carries a
//! watermark on every page.

pub mod export;
mod layout;
mod messages;
pub mod oscal;
pub mod package;
pub mod sign;
pub mod verify;

use chrono::{DateTime, Utc};
use printpdf::{FontId, Op, ParsedFont, PdfDocument, PdfPage, PdfSaveOptions, PdfWarnMsg};
use workbench_core::model::report::ReportModel;
use workbench_core::{Error, Result};

use crate::layout::{Column, Flow, Font, CONTENT_W, MARGIN_BOTTOM, MARGIN_X, PAGE_H, PAGE_W};
pub use crate::messages::Lang;
use crate::messages::Messages;

/// IPAexGothic (IPA Font License v1.0, `assets/fonts/`).
const FONT: &[u8] = include_bytes!("../../../assets/fonts/ipaexg.ttf");

/// A rendered report and what a caller may want to show about it.
#[derive(Debug, Clone)]
pub struct RenderedReport {
    pub pdf: Vec<u8>,
    pub pages: usize,
}

/// Lays out and writes the report.
pub fn render(model: &ReportModel, lang: Lang) -> Result<RenderedReport> {
    let m = Messages::load(lang);
    let mut warnings = Vec::new();
    let parsed = ParsedFont::from_bytes(FONT, 0, &mut warnings)
        .ok_or_else(|| Error::invalid("font", "the bundled font assets/fonts/ipaexg.ttf could not be read"))?;
    // A fixed resource name keeps the subset tag stable between runs.
    let font = Font::new(FontId("IPAEXG".into()), parsed.clone());

    let mut flow = Flow::new(&font);
    cover(&mut flow, model, &m);
    scope(&mut flow, model, &m);
    changed_controls(&mut flow, model, &m);
    methods(&mut flow, model, &m);
    results(&mut flow, model, &m);
    exceptions(&mut flow, model, &m);
    closing(&mut flow, model, &m);
    evidence(&mut flow, model, &m);
    signoffs(&mut flow, model, &m);

    let total = flow.pages.len();
    let bookmarks = flow.bookmarks.clone();
    let pages: Vec<PdfPage> = flow
        .pages
        .into_iter()
        .enumerate()
        .map(|(i, ops)| {
            PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), furnish(ops, &font, &m, model, i + 1, total))
        })
        .collect();

    let mut doc = PdfDocument::new(&m.get("title", &[]));
    doc.resources.fonts.map.insert(font.id.clone(), printpdf::PdfFont::new(parsed));
    let info = &mut doc.metadata.info;
    info.author = model.fields.assessor.name.clone();
    info.subject =
        m.get("meta.subject", &[("provider", &model.fields.provider.name), ("service", &model.fields.service.name)]);
    info.creator = "ISMAP Assessor Workbench".into();
    info.producer = format!("ISMAP Assessor Workbench {} (printpdf)", env!("CARGO_PKG_VERSION"));
    info.keywords = vec!["ISMAP".into(), model.engagement_uuid.clone()];
    let created = DateTime::parse_from_rfc3339(&model.generated_at)
        .map(|t| t.with_timezone(&Utc).timestamp())
        .map_err(|e| Error::invalid("generated_at", format!("not an RFC 3339 time: {e}")))?;
    let created = printpdf::OffsetDateTime::from_unix_timestamp(created)
        .map_err(|e| Error::invalid("generated_at", e.to_string()))?;
    info.creation_date = created;
    info.modification_date = created;
    info.metadata_date = created;
    doc.with_pages(pages);
    for (title, page) in &bookmarks {
        doc.add_bookmark(title, *page);
    }
    let mut save_warnings: Vec<PdfWarnMsg> = Vec::new();
    let options = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
    let pdf = doc.save(&options, &mut save_warnings);
    // printpdf embeds the whole font when subsetting fails and only says so
    // in the warnings; a report that big is a bug, not a result.
    if let Some(w) = save_warnings.iter().find(|w| w.severity == printpdf::PdfParseErrorSeverity::Error) {
        return Err(Error::invalid("pdf", format!("the PDF could not be written as intended: {}", w.msg)));
    }
    Ok(RenderedReport { pdf, pages: total })
}

/// The marking and page number on every page, and the watermark of a draft
/// (drawn first, so that the content lies over it).
fn furnish(ops: Vec<Op>, font: &Font, m: &Messages, model: &ReportModel, n: usize, total: usize) -> Vec<Op> {
    let mut out = Vec::with_capacity(ops.len() + 32);
    if !model.is_final {
        let text = m.get("draft_watermark", &[]);
        let size = 84.0;
        let angle: f32 = 40.0;
        let w = font.width(&text, size);
        let (cos, sin) = (angle.to_radians().cos(), angle.to_radians().sin());
        let x = PAGE_W / 2.0 - w / 2.0 * cos + size * 0.35 * sin;
        let y = PAGE_H / 2.0 - w / 2.0 * sin - size * 0.35 * cos;
        layout::text_ops(&mut out, &font.id, size, x, y, &text, 0.92, angle);
    }
    out.extend(ops);
    let marking = m.get("marking", &[]);
    let size = 8.0;
    layout::text_ops(&mut out, &font.id, size, MARGIN_X, PAGE_H - 34.0, &marking, 0.3, 0.0);
    let title = format!("{}  {}", m.get("title", &[]), model.fields.service.name);
    let title_w = font.width(&title, size);
    layout::text_ops(&mut out, &font.id, size, PAGE_W - MARGIN_X - title_w, PAGE_H - 34.0, &title, 0.45, 0.0);
    layout::rule(&mut out, MARGIN_X, PAGE_W - MARGIN_X, PAGE_H - 40.0, 0.4);
    let page = m.get("page", &[("n", &n), ("total", &total)]);
    let page_w = font.width(&page, size);
    layout::rule(&mut out, MARGIN_X, PAGE_W - MARGIN_X, MARGIN_BOTTOM - 16.0, 0.4);
    layout::text_ops(&mut out, &font.id, size, PAGE_W - MARGIN_X - page_w, MARGIN_BOTTOM - 28.0, &page, 0.3, 0.0);
    layout::text_ops(&mut out, &font.id, size, MARGIN_X, MARGIN_BOTTOM - 28.0, &marking, 0.3, 0.0);
    out
}

/// A recorded time (RFC 3339, UTC) as people in Japan read it; the text as
/// it is when it is not a time.
fn jst(at: &str) -> String {
    workbench_core::model::event::shown_in_japan(at)
}

fn word(m: &Messages, prefix: &str, value: &str) -> String {
    m.get(&format!("{prefix}.{value}"), &[])
}

fn result_word(m: &Messages, result: Option<workbench_core::model::procedure::ResultKind>) -> String {
    word(m, "result", result.map_or("none", |r| r.as_str()))
}

fn title<'a>(lang: Lang, ja: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Ja if !ja.is_empty() => ja,
        Lang::En if !en.is_empty() => en,
        _ if ja.is_empty() => en,
        _ => ja,
    }
}

fn cover(flow: &mut Flow<'_>, model: &ReportModel, m: &Messages) {
    let f = &model.fields;
    flow.bookmark(&m.get("title", &[]));
    flow.space(70.0);
    flow.heading(&m.get("title", &[]), 24.0);
    let program = word(m, "program", f.program.as_str());
    let kind = word(m, "audit_kind", f.audit_kind.as_str());
    flow.paragraph(&m.get("subtitle", &[("program", &program), ("audit_kind", &kind)]), 13.0, 0.0);
    flow.space(24.0);
    let period = m.get("period", &[("start", &f.period.start), ("end", &f.period.end)]);
    let rows = vec![
        (m.get("cover.provider", &[]), f.provider.name.clone()),
        (m.get("cover.corporate_number", &[]), f.provider.corporate_number.clone()),
        (m.get("cover.service", &[]), f.service.name.clone()),
        (m.get("cover.period", &[]), period),
        (m.get("cover.kind", &[]), format!("{program} / {kind}")),
        (m.get("cover.firm", &[]), f.assessor.name.clone()),
        (m.get("cover.registration", &[]), f.assessor.registration_number.clone()),
        (m.get("cover.report_date", &[]), model.report_date.to_string()),
    ];
    let mut rows = rows;
    if let Some(r) = &model.closing.representation {
        rows.push((m.get("cover.representation_date", &[]), r.date.to_string()));
    }
    flow.fields(&rows, 11.0, 150.0);
    flow.space(18.0);
    let notice = match &model.finalization {
        Some(fin) if model.is_final => m.get("final_notice", &[("by", &fin.by), ("at", &jst(&fin.at))]),
        _ => m.get("draft_notice", &[]),
    };
    flow.paragraph(&notice, 10.0, 0.0);
    if model.catalog.sample {
        let catalog = format!("{}@{}", model.catalog.name, model.catalog.version);
        flow.paragraph(&m.get("sample_catalog_notice", &[("catalog", &catalog)]), 9.5, 0.0);
    }
    flow.space(12.0);
    let head = m.get("cover.log_value", &[("events", &model.log_head.events), ("hash", &model.log_head.hash)]);
    let rows =
        vec![(m.get("cover.engagement", &[]), model.engagement_uuid.clone()), (m.get("cover.log_head", &[]), head)];
    flow.fields(&rows, 8.5, 150.0);
}

fn scope(flow: &mut Flow<'_>, model: &ReportModel, m: &Messages) {
    flow.new_page();
    let heading = m.get("section.scope", &[]);
    flow.bookmark(&heading);
    flow.heading(&heading, 16.0);
    let catalog = m.get(
        "scope.catalog_value",
        &[("title", &model.catalog.title), ("name", &model.catalog.name), ("version", &model.catalog.version)],
    );
    let rows = vec![
        (m.get("scope.statement", &[]), model.fields.service.scope_of_statement.clone()),
        (m.get("scope.catalog", &[]), catalog),
    ];
    flow.fields(&rows, 10.0, 110.0);
    let s = &model.scope;
    flow.paragraph(
        &m.get(
            "scope.counts",
            &[("assessable", &s.assessable), ("in_scope", &s.in_scope), ("out", &s.out_of_scope.len())],
        ),
        10.0,
        0.0,
    );
    // The suffixes of detailed control IDs, as the results list them.
    if !model.catalog.suffix_legend.is_empty() {
        flow.heading(&m.get("scope.suffix_heading", &[]), 11.5);
        let rows: Vec<(String, String)> = model
            .catalog
            .suffix_legend
            .iter()
            .map(|s| (s.suffix.clone(), title(m.lang(), &s.ja, &s.en).to_string()))
            .collect();
        flow.fields(&rows, 9.5, 40.0);
    }
    flow.heading(&m.get("scope.out_heading", &[]), 11.5);
    if s.out_of_scope.is_empty() {
        flow.paragraph(&m.get("scope.none_out", &[]), 10.0, 0.0);
        return;
    }
    let columns = widths(&[0.16, 0.34, 0.16, 0.34]);
    let header =
        vec![m.get("col.control", &[]), m.get("col.title", &[]), m.get("col.decision", &[]), m.get("col.reason", &[])];
    let rows: Vec<Vec<String>> = s
        .out_of_scope
        .iter()
        .map(|x| {
            vec![
                x.control_id.clone(),
                title(m.lang(), &x.title_ja, &x.title_en).to_string(),
                word(m, "decision", x.decision.as_str()),
                x.reason.clone(),
            ]
        })
        .collect();
    flow.table(&columns, &header, &rows, 9.0);
    if s.out_of_scope.iter().any(|x| x.decision != workbench_core::model::procedure::ScopeDecision::Inherited) {
        flow.paragraph(&m.get("decision.not_assessed_note", &[]), 9.0, 0.0);
    }
}

/// Controls that changed during the period (CC2022 §2.2.4): each version
/// with the dates it applied, the kind of change, and how many sample items
/// were tested against it.
fn changed_controls(flow: &mut Flow<'_>, model: &ReportModel, m: &Messages) {
    flow.space(8.0);
    flow.heading(&m.get("changed.heading", &[]), 11.5);
    if model.changed_controls.is_empty() {
        flow.paragraph(&m.get("changed.none", &[]), 10.0, 0.0);
        return;
    }
    flow.paragraph(&m.get("changed.intro", &[]), 9.5, 0.0);
    let kinds = workbench_core::model::change::change_kinds().unwrap_or_default();
    let kind_words = |code: &str| {
        kinds
            .iter()
            .find(|k| k.code == code)
            .map(|k| if m.lang() == Lang::Ja { k.ja.clone() } else { k.en.clone() })
            .unwrap_or_else(|| code.to_string())
    };
    let columns = widths(&[0.12, 0.26, 0.22, 0.40]);
    let header = vec![
        m.get("col.version", &[]),
        m.get("col.applied", &[]),
        m.get("col.change_kind", &[]),
        m.get("col.text", &[]),
    ];
    for c in &model.changed_controls {
        flow.paragraph(
            &m.get("changed.control", &[("id", &c.control_id), ("title", &title(m.lang(), &c.title_ja, &c.title_en))]),
            10.0,
            0.0,
        );
        let rows: Vec<Vec<String>> = c
            .versions
            .iter()
            .map(|v| {
                let sampled =
                    (v.no as usize).checked_sub(1).and_then(|i| c.sampled_by_version.get(i)).copied().unwrap_or(0);
                vec![
                    m.get("changed.version", &[("no", &v.no)]),
                    m.get("changed.applied", &[("from", &v.from), ("to", &v.to), ("sampled", &sampled)]),
                    v.kind.as_deref().map(kind_words).unwrap_or_else(|| m.get("changed.original", &[])),
                    if v.text.is_empty() { m.get("changed.no_text", &[]) } else { v.text.clone() },
                ]
            })
            .collect();
        flow.table(&columns, &header, &rows, 9.0);
    }
}

fn methods(flow: &mut Flow<'_>, model: &ReportModel, m: &Messages) {
    flow.new_page();
    let heading = m.get("section.method", &[]);
    flow.bookmark(&heading);
    flow.heading(&heading, 16.0);
    flow.paragraph(&m.get("method.intro", &[]), 10.0, 0.0);
    let rows: Vec<Vec<String>> = model
        .methods
        .iter()
        .map(|x| {
            vec![word(m, "kind", x.kind.as_str()), word(m, "evaluation", x.evaluation.as_str()), x.count.to_string()]
        })
        .collect();
    let header = vec![m.get("col.kind", &[]), m.get("col.evaluation", &[]), m.get("col.count", &[])];
    flow.table(&widths(&[0.4, 0.4, 0.2]), &header, &rows, 9.5);

    flow.heading(&m.get("method.sampling", &[]), 12.5);
    if model.samples.is_empty() {
        flow.paragraph(&m.get("method.none", &[]), 10.0, 0.0);
        return;
    }
    flow.paragraph(&m.get("method.sampling_intro", &[]), 10.0, 0.0);
    for table in &model.rule_tables {
        flow.paragraph(&m.get("method.rule_table", &[("name", &table.name), ("version", &table.version)]), 10.0, 0.0);
        let rows: Vec<Vec<String>> =
            table.sizes.iter().map(|r| vec![word(m, "frequency", r.frequency.as_str()), r.size.to_string()]).collect();
        flow.table(&widths(&[0.5, 0.5]), &[m.get("col.frequency", &[]), m.get("col.size", &[])], &rows, 9.5);
    }
    let header = vec![
        m.get("col.procedure", &[]),
        m.get("col.population", &[]),
        m.get("col.frequency", &[]),
        m.get("col.size", &[]),
        m.get("col.method", &[]),
        m.get("col.seed", &[]),
    ];
    let rows: Vec<Vec<String>> = model
        .samples
        .iter()
        .map(|s| {
            let mut method = word(m, "selection", s.method.as_str());
            if s.by_quarter {
                method = m.get("method.by_quarter", &[("method", &method)]);
            }
            let size = match &s.override_reason {
                Some(reason) => m.get("method.override", &[("size", &s.size), ("reason", reason)]),
                None => s.size.to_string(),
            };
            let population = match &s.source_name {
                Some(name) => format!("{} ({name})", s.population),
                None => s.population.to_string(),
            };
            vec![
                s.procedure_id.clone(),
                population,
                s.frequency.map(|f| word(m, "frequency", f.as_str())).unwrap_or_default(),
                size,
                method,
                s.seed.map(|x| x.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    flow.table(&widths(&[0.2, 0.22, 0.14, 0.14, 0.16, 0.14]), &header, &rows, 8.5);
}

fn results(flow: &mut Flow<'_>, model: &ReportModel, m: &Messages) {
    flow.new_page();
    let heading = m.get("section.results", &[]);
    flow.bookmark(&heading);
    flow.heading(&heading, 16.0);
    flow.paragraph(&m.get("results.intro", &[]), 10.0, 0.0);
    let header = vec![
        m.get("col.control", &[]),
        m.get("col.title", &[]),
        m.get("col.procedures", &[]),
        m.get("col.result", &[]),
        m.get("col.exceptions", &[]),
    ];
    let columns = widths(&[0.15, 0.33, 0.22, 0.15, 0.15]);
    for group in &model.groups {
        flow.heading(&word(m, "group", &group.group), 13.0);
        for domain in &group.domains {
            flow.heading(&format!("{} {}", domain.id, title(m.lang(), &domain.title_ja, &domain.title_en)), 11.0);
            let rows: Vec<Vec<String>> = domain
                .controls
                .iter()
                .map(|c| {
                    let procedures: Vec<String> = c
                        .procedures
                        .iter()
                        .filter(|p| p.result.is_some())
                        .map(|p| {
                            let kind = word(m, "kind", p.kind.as_str());
                            match p.sample_size {
                                Some(size) => m.get("results.sampled", &[("kind", &kind), ("size", &size)]),
                                None => kind,
                            }
                        })
                        .collect();
                    let exceptions: Vec<&str> =
                        c.procedures.iter().flat_map(|p| p.exceptions.iter().map(String::as_str)).collect();
                    vec![
                        c.id.clone(),
                        title(m.lang(), &c.title_ja, &c.title_en).to_string(),
                        procedures.join(&m.get("list_separator", &[])),
                        result_word(m, c.result),
                        exceptions.join(", "),
                    ]
                })
                .collect();
            flow.table(&columns, &header, &rows, 8.5);
        }
    }
}

fn exceptions(flow: &mut Flow<'_>, model: &ReportModel, m: &Messages) {
    flow.new_page();
    let heading = m.get("section.exceptions", &[]);
    flow.bookmark(&heading);
    flow.heading(&heading, 16.0);
    if model.exceptions.is_empty() {
        flow.paragraph(&m.get("exceptions.none", &[]), 10.0, 0.0);
        return;
    }
    flow.paragraph(&m.get("exceptions.intro", &[]), 10.0, 0.0);
    for e in &model.exceptions {
        flow.heading(&e.id, 11.0);
        let place = match (&e.sample_item, &e.attribute) {
            (Some(sample), Some(attribute)) => m.get(
                "exceptions.where_sample",
                &[
                    ("control", &e.control_id),
                    ("procedure", &e.procedure_id),
                    ("sample", &sample.rsplit('/').next().unwrap_or(sample)),
                    ("item", &e.sample_item_id.clone().unwrap_or_default()),
                    ("attribute", attribute),
                ],
            ),
            _ => m.get("exceptions.where", &[("control", &e.control_id), ("procedure", &e.procedure_id)]),
        };
        flow.paragraph(&place, 9.0, 0.0);
        flow.paragraph(&e.text, 10.5, 12.0);
    }
}

/// The written representation (its date, who signed it, the confirmations
/// not given with management's comment) and the subsequent events between
/// the period's end and the report date, or that none were identified.
fn closing(flow: &mut Flow<'_>, model: &ReportModel, m: &Messages) {
    flow.new_page();
    let heading = m.get("section.closing", &[]);
    flow.bookmark(&heading);
    flow.heading(&heading, 16.0);
    flow.heading(&m.get("representation.heading", &[]), 12.5);
    match &model.closing.representation {
        None => flow.paragraph(&m.get("representation.none", &[]), 10.0, 0.0),
        Some(r) => {
            let signatory = if r.signatory_title.is_empty() {
                r.signatory_name.clone()
            } else {
                m.get("representation.signatory", &[("name", &r.signatory_name), ("title", &r.signatory_title)])
            };
            let rows = vec![
                (m.get("representation.date", &[]), r.date.to_string()),
                (m.get("representation.signed_by", &[]), signatory),
            ];
            flow.fields(&rows, 10.0, 150.0);
            let denied: Vec<_> = r
                .confirmations
                .iter()
                .enumerate()
                .filter(|(_, c)| c.answer != Some(workbench_core::model::representation::Answer::Confirmed))
                .collect();
            if denied.is_empty() {
                flow.paragraph(&m.get("representation.all_confirmed", &[]), 10.0, 0.0);
            }
            for (i, c) in denied {
                let item = m.get(&format!("representation.item.{}", i + 1), &[]);
                let key = if c.answer.is_some() { "representation.not_confirmed" } else { "representation.unanswered" };
                flow.paragraph(&m.get(key, &[("n", &(i + 1)), ("item", &item)]), 10.0, 0.0);
                if !c.comment.is_empty() {
                    flow.paragraph(&c.comment, 10.0, 12.0);
                }
            }
            if let Some(e) = &r.evidence_id {
                flow.paragraph(&m.get("representation.evidence", &[("id", e)]), 9.0, 0.0);
            }
        }
    }
    flow.space(8.0);
    flow.heading(&m.get("subsequent.heading", &[]), 12.5);
    let end = model.fields.period.end;
    match &model.closing.subsequent_review {
        Some(r) => flow.paragraph(
            &m.get("subsequent.considered", &[("end", &end), ("through", &r.through), ("by", &r.by)]),
            10.0,
            0.0,
        ),
        None => flow.paragraph(&m.get("subsequent.not_considered", &[]), 10.0, 0.0),
    }
    if model.closing.subsequent_events.is_empty() {
        flow.paragraph(&m.get("subsequent.none", &[]), 10.0, 0.0);
    }
    for e in &model.closing.subsequent_events {
        flow.heading(&m.get("subsequent.event", &[("id", &e.id), ("date", &e.occurred_on)]), 11.0);
        flow.paragraph(&e.description, 10.5, 12.0);
        if !e.effect.is_empty() {
            flow.paragraph(&m.get("subsequent.effect", &[("text", &e.effect)]), 10.0, 12.0);
        }
        if !e.evidence.is_empty() {
            flow.paragraph(&m.get("subsequent.evidence", &[("ids", &e.evidence.join(", "))]), 9.0, 12.0);
        }
    }
}

fn evidence(flow: &mut Flow<'_>, model: &ReportModel, m: &Messages) {
    flow.new_page();
    let heading = m.get("section.evidence", &[]);
    flow.bookmark(&heading);
    flow.heading(&heading, 16.0);
    if model.evidence.is_empty() {
        flow.paragraph(&m.get("evidence.none", &[]), 10.0, 0.0);
        return;
    }
    flow.paragraph(&m.get("evidence.intro", &[]), 10.0, 0.0);
    let header = vec![m.get("col.id", &[]), m.get("col.title", &[]), m.get("col.as_of", &[]), m.get("col.sha256", &[])];
    let rows: Vec<Vec<String>> = model
        .evidence
        .iter()
        .map(|e| vec![e.id.clone(), e.title.clone(), e.as_of.to_string(), e.sha256.clone()])
        .collect();
    flow.table(&widths(&[0.12, 0.33, 0.14, 0.41]), &header, &rows, 8.0);
}

fn signoffs(flow: &mut Flow<'_>, model: &ReportModel, m: &Messages) {
    flow.new_page();
    let heading = m.get("section.signoff", &[]);
    flow.bookmark(&heading);
    flow.heading(&heading, 16.0);
    let s = &model.signoffs;
    flow.paragraph(
        &m.get(
            "signoff.counts",
            &[
                ("items", &s.items),
                ("complete", &s.complete),
                ("changed", &s.changed_after_signoff),
                ("notes", &s.open_notes),
            ],
        ),
        10.0,
        0.0,
    );
    let second = m.get(if s.second_review { "yes" } else { "no" }, &[]);
    flow.paragraph(&m.get("signoff.second", &[("value", &second)]), 10.0, 0.0);
    if let Some(reason) = &s.one_person_signoff {
        flow.paragraph(&m.get("signoff.one_person", &[("reason", reason)]), 10.0, 0.0);
    }
    let header = vec![m.get("col.name", &[]), m.get("col.role", &[]), m.get("col.level", &[]), m.get("col.items", &[])];
    let rows: Vec<Vec<String>> = s
        .signers
        .iter()
        .map(|x| {
            let name = match &x.fingerprint {
                Some(fp) => m.get("signoff.signed_by_key", &[("name", &x.name), ("fingerprint", fp)]),
                None => x.name.clone(),
            };
            vec![name, word(m, "role", &x.role), word(m, "level", &x.level), x.count.to_string()]
        })
        .collect();
    if !rows.is_empty() {
        flow.table(&widths(&[0.3, 0.25, 0.25, 0.2]), &header, &rows, 9.5);
    }
    match &model.finalization {
        Some(f) => flow.paragraph(&m.get("signoff.finalized", &[("at", &jst(&f.at)), ("by", &f.by)]), 10.5, 0.0),
        None => flow.paragraph(&m.get("signoff.not_final", &[]), 10.5, 0.0),
    }
}

fn widths(shares: &[f32]) -> Vec<Column> {
    shares.iter().map(|s| Column { width: s * CONTENT_W }).collect()
}
