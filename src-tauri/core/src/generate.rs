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
    /// Total events in the log, including the creation event.
    pub events: usize,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions { controls: 1500, events: 30_000 }
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
    }
}

/// Writes the large engagement to `path`: the synthetic catalog, the demo's
/// fields, the default library's procedures (three a control), and
/// recorded work until the log holds `events` events.
pub fn large_engagement(path: &Path, options: GenerateOptions, ctx: Context<'_>) -> Result<()> {
    let catalog = synthetic_catalog(options.controls);
    let created = crate::domain::engagement::create(
        format!("synthetic-{}-{}", options.controls, options.events),
        crate::sample::demo_fields(),
        ProgramRules::default(),
        &catalog,
        Some(&crate::sample::default_procedure_library()?),
    )?;
    let mut file = EngagementFile::create(path, ctx, &created, &catalog)?;
    // The work of an engagement in full swing: each pass over the procedures
    // records what was done, then a result (one in twenty an exception),
    // then a note, then revisions, until the log holds `events` events.
    let mut procedures = file.procedures()?;
    let total = procedures.len().max(1);
    let edits = (1..options.events.max(1)).map(move |n| {
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
