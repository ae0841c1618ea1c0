//! The synthetic large engagement: the sizes of the product's quality bars
//! (PRODUCT.md), for benchmarks and scale tests. Grows with each feature.

use std::path::Path;

use crate::error::Result;
use crate::model::catalog::{Catalog, CatalogItem, IdScheme};
use crate::model::engagement::ProgramRules;
use crate::model::event::{Change, Context, FieldChange};
use crate::model::procedure::ResultKind;
use crate::store::engagement_file::EngagementFile;

#[derive(Debug, Clone, Copy)]
pub struct GenerateOptions {
    /// Detailed controls (4-part IDs); objectives and headings are added around them.
    pub controls: usize,
    /// Total events in the log, including the creation event (at least the
    /// events the evidence and samples need).
    pub events: usize,
    /// Evidence items taken in (small text files, each linked to a procedure).
    pub evidence: usize,
    /// Procedures sampled: a population counted, a sample of five drawn, one
    /// attribute tested on every item.
    pub samples: usize,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions { controls: 1500, events: 30_000, evidence: 1000, samples: 20 }
    }
}

/// A synthetic ISMAP-structured catalog with `controls` detailed controls
/// spread over the fourteen controls domains (5 to 18), three categories
/// each and four objectives per category.
pub fn synthetic_catalog(controls: usize) -> Catalog {
    let objectives = 14 * 3 * 4;
    let per_objective = controls.div_ceil(objectives).max(1);
    let mut items = Vec::new();
    let mut made = 0;
    let item = |id: String, parent: Option<String>, ja: String, en: String, text: bool| CatalogItem {
        group: "controls".into(),
        parent,
        level: None,
        suffix: None,
        text_ja: if text {
            format!("{ja}について、手順を文書化し、責任者が承認し、記録を保管すること。年に一度以上見直すこと。")
        } else {
            String::new()
        },
        text_en: if text {
            format!("For {en}, procedures are documented, approved by the person responsible, and records kept; reviewed at least yearly.")
        } else {
            String::new()
        },
        title_ja: ja,
        title_en: en,
        source_refs: Vec::new(),
        importance: None,
        audit_cycle: None,
        liu_scope: None,
        mandatory: false,
        id,
    };
    'all: for domain in 5..=18 {
        items.push(item(
            domain.to_string(),
            None,
            format!("合成領域 {domain}"),
            format!("Synthetic domain {domain}"),
            false,
        ));
        for category in 1..=3 {
            let cat = format!("{domain}.{category}");
            items.push(item(
                cat.clone(),
                Some(domain.to_string()),
                format!("合成分類 {cat}"),
                format!("Synthetic category {cat}"),
                false,
            ));
            for objective in 1..=4 {
                let obj = format!("{cat}.{objective}");
                items.push(item(
                    obj.clone(),
                    Some(cat.clone()),
                    format!("合成統制目標 {obj}"),
                    format!("Synthetic objective {obj}"),
                    true,
                ));
                for detailed in 1..=per_objective {
                    if made == controls {
                        break 'all;
                    }
                    let mut det = item(
                        format!("{obj}.{detailed}"),
                        Some(obj.clone()),
                        format!("合成詳細管理策 {obj}.{detailed}"),
                        format!("Synthetic detailed control {obj}.{detailed}"),
                        true,
                    );
                    if detailed % 7 == 0 {
                        det.id.push_str(".B");
                        det.suffix = Some("B".into());
                    }
                    det.level = Some("detailed".into());
                    items.push(det);
                    made += 1;
                }
            }
        }
    }
    for it in &mut items {
        if it.level.is_none() {
            let parts = it.id.split('.').count();
            it.level = Some(["domain", "category", "objective", "detailed"][parts - 1].into());
        }
    }
    Catalog {
        name: "synthetic".into(),
        version: format!("{controls}"),
        title: "Synthetic large catalog (generated)".into(),
        id_scheme: IdScheme::Ismap,
        sample: true,
        items,
        suffix_legend: Vec::new(),
    }
}

/// Writes the large engagement to `path`: the synthetic catalog, the demo's
/// fields, the default library's procedures (three a control), evidence and
/// samples, and recorded work until the log holds `events` events.
pub fn large_engagement(path: &Path, options: GenerateOptions, ctx: Context<'_>) -> Result<()> {
    let catalog = synthetic_catalog(options.controls);
    let created = crate::domain::engagement::create(
        format!("synthetic-{}-{}", options.controls, options.events),
        crate::sample::demo_fields(),
        ProgramRules::default(),
        &catalog,
        Some(&crate::sample::default_procedure_library()?),
    )?;
    let procedures = EngagementFile::create(path, ctx, &created, &catalog)?.procedures()?;
    add_evidence(path, &procedures, options.evidence, ctx)?;
    add_samples(path, &procedures, options.samples, ctx)?;
    let mut file = EngagementFile::open(path, crate::store::Access::Write)?;
    let recorded = usize::try_from(file.event_count()?).unwrap_or(usize::MAX);
    // The work of an engagement in full swing: each pass over the procedures
    // records what was done, then a result (one in twenty an exception),
    // then a note, then revisions, until the log holds `events` events.
    let mut procedures = file.procedures()?;
    let total = procedures.len().max(1);
    let edits = (1..=options.events.saturating_sub(recorded)).map(move |n| {
        let i = (n - 1) % total;
        let pass = (n - 1) / total;
        let p = &mut procedures[i];
        let (field, before, after) = match pass {
            0 => {
                let after =
                    format!("{} 情報セキュリティ担当者に質問し、手順書 第{}版を閲覧した。", "2026-05-12", i % 9 + 1);
                ("work_done", serde_json::json!(p.work_done), serde_json::json!(after))
            }
            1 => {
                let result = if i % 20 == 7 { ResultKind::Exception } else { ResultKind::NoException };
                ("result", serde_json::json!(p.result), serde_json::json!(result))
            }
            2 => ("notes", serde_json::json!(p.notes), serde_json::json!(format!("確認済み（{i}）"))),
            _ => {
                let after = format!("{}（改訂 {pass}）", p.work_done.split('（').next().unwrap_or(""));
                ("work_done", serde_json::json!(p.work_done), serde_json::json!(after))
            }
        };
        match field {
            "work_done" => p.work_done = after.as_str().unwrap_or("").to_string(),
            "notes" => p.notes = after.as_str().unwrap_or("").to_string(),
            _ => {}
        }
        if field == "result" {
            p.result = serde_json::from_value(after.clone()).ok();
        }
        Change::ProcedureUpdated { id: p.id.clone(), changes: vec![FieldChange { field: field.into(), before, after }] }
    });
    // One transaction for all of them, through the one path of every change.
    let changes: Vec<Change> = edits.collect();
    crate::api::execute::run(&mut file, ctx, |_| Ok(changes.into()), |_, _| Ok(()))
}

/// Takes in `count` small text files as evidence, ten to a procedure, each
/// ten in one intake linked to their procedure.
fn add_evidence(
    path: &Path,
    procedures: &[crate::model::procedure::Procedure],
    count: usize,
    ctx: Context<'_>,
) -> Result<()> {
    use crate::model::evidence::{EvidenceKind, EvidenceLink, EvidenceMeta, LinkKind};
    if count == 0 || procedures.is_empty() {
        return Ok(());
    }
    let dir = tempfile::tempdir().map_err(|e| crate::Error::Io { path: std::env::temp_dir(), source: e })?;
    let mut made = 0;
    for p in procedures.iter().cycle() {
        if made == count {
            break;
        }
        let mut files = Vec::new();
        while files.len() < 10 && made < count {
            let file = dir.path().join(format!("evidence-{made:05}.txt"));
            let text = format!("{} の証跡 {made}: 承認記録の写し。\n", p.id);
            std::fs::write(&file, text).map_err(|e| crate::Error::Io { path: file.clone(), source: e })?;
            let meta = EvidenceMeta {
                title: format!("証跡 {made}"),
                description: String::new(),
                kind: EvidenceKind::Document,
                obtained_from: "情報システム部".into(),
                obtained_by: "佐藤 花子".into(),
                obtained_at: None,
                as_of: crate::sample::demo_fields().period.start,
            };
            files.push(crate::api::IntakeFile { path: file, meta });
            made += 1;
        }
        let link = EvidenceLink { kind: LinkKind::Procedure, id: p.id.clone() };
        crate::api::add_evidence(path, &files, &[link], ctx, &mut |_| true)?;
    }
    Ok(())
}

/// Samples the first `count` procedures: a population of 48 counted items,
/// a sample of five, one attribute passed on every item.
fn add_samples(
    path: &Path,
    procedures: &[crate::model::procedure::Procedure],
    count: usize,
    ctx: Context<'_>,
) -> Result<()> {
    use crate::model::sampling::{CellInput, CellResult, Frequency, SampleRequest, SampleRuleTable};
    let rules = SampleRuleTable::default_table()?;
    for p in procedures.iter().take(count) {
        crate::api::set_population_count(path, &p.id, 48, ctx)?;
        let request = SampleRequest {
            frequency: Frequency::Weekly,
            size_override: None,
            override_reason: None,
            seed: Some(20_261_206),
            by_quarter: false,
        };
        let state = crate::api::select_sample_with(path, &rules, &p.id, &request, ctx)?;
        crate::api::add_attribute(path, &p.id, "承認されている", ctx)?;
        let pass = CellInput { result: Some(CellResult::Pass), tickmark: None, comment: String::new() };
        for item in state.sample.iter().flat_map(|s| &s.items) {
            crate::api::set_cell(path, &p.id, item.no, "A", &pass, ctx)?;
        }
    }
    Ok(())
}
