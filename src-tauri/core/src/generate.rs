//! The synthetic large engagement: the sizes of the product's quality bars
//! (PRODUCT.md), for benchmarks and scale tests. Grows with each feature.

use std::path::Path;

use crate::db::engagement_file::EngagementFile;
use crate::error::Result;
use crate::model::catalog::{Catalog, CatalogItem, IdScheme};
use crate::model::engagement::ProgramRules;
use crate::model::event::{Change, Context, FieldChange};

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
/// fields, and edits of the scope statement until the log holds `events`.
pub fn large_engagement(path: &Path, options: GenerateOptions, ctx: Context<'_>) -> Result<EngagementFile> {
    let catalog = synthetic_catalog(options.controls);
    let fields = crate::sample::demo_fields();
    let mut file = EngagementFile::create(
        path,
        ctx,
        format!("synthetic-{}-{}", options.controls, options.events),
        fields.clone(),
        ProgramRules::default(),
        &catalog,
    )?;
    let mut current = fields;
    let edits = (1..options.events.max(1)).map(move |n| {
        let mut next = current.clone();
        next.service.scope_of_statement =
            format!("{}（改訂 {n}）", crate::sample::demo_fields().service.scope_of_statement);
        let change = Change::EngagementEdited {
            changes: vec![FieldChange {
                field: "service.scope_of_statement".into(),
                before: current.service.scope_of_statement.clone().into(),
                after: next.service.scope_of_statement.clone().into(),
            }],
        };
        current = next.clone();
        (change, next)
    });
    file.commit_batch(ctx, edits)?;
    Ok(file)
}
