//! The report model (`model::report`) put together from an engagement
//! file's state.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::error::Result;
use crate::model::procedure::ScopeDecision;
use crate::model::report::{
    LogHead, MethodCount, ReportCatalog, ReportControl, ReportDomain, ReportEvidence, ReportException, ReportExclusion,
    ReportGroup, ReportModel, ReportProcedure, ReportSample, ReportScope, ReportSignOffs, ReportSigner,
};
use crate::store::engagement_file::EngagementFile;

/// Everything the report shows. `generated_at` is the caller's clock
/// (RFC 3339, UTC), `report_date` the date printed on the cover.
pub(crate) fn report_model(file: &EngagementFile, report_date: NaiveDate, generated_at: &str) -> Result<ReportModel> {
    let fields = file.fields()?;
    let rules = file.rules()?;
    let catalog = file.catalog_info()?;
    let controls = super::views::control_rows(file)?;
    let procedures = file.procedures()?;
    let finalization = file.finalization()?;

    // Domains are the catalog's top-level items; each detailed control
    // belongs to the domain its ID starts with.
    let domains: Vec<_> = controls.iter().filter(|c| c.parent.is_none()).collect();
    let domain_of = |id: &str| {
        domains
            .iter()
            .filter(|d| id == d.id || id.starts_with(&format!("{}.", d.id)))
            .max_by_key(|d| d.id.len())
            .map(|d| d.id.clone())
    };
    let mut by_control: BTreeMap<&str, Vec<&crate::model::procedure::Procedure>> = BTreeMap::new();
    for p in &procedures {
        by_control.entry(p.control_id.as_str()).or_default().push(p);
    }
    let mut samples = Vec::new();
    let mut rule_tables: Vec<crate::model::sampling::SampleRuleTable> = Vec::new();
    let mut sample_sizes: BTreeMap<String, u32> = BTreeMap::new();
    let mut sample_item_ids: BTreeMap<String, String> = BTreeMap::new();
    for p in &procedures {
        let Some(sample) = crate::store::sampling::read_sample(&file.conn, &p.id)? else { continue };
        let population = crate::store::sampling::read_population(&file.conn, &p.id)?;
        if let Some(table) = &sample.rule_table {
            if !rule_tables.contains(table) {
                rule_tables.push(table.clone());
            }
        }
        for item in &sample.items {
            sample_item_ids.insert(item.id.clone(), item.item_id.clone());
        }
        sample_sizes.insert(p.id.clone(), sample.items.len() as u32);
        samples.push(ReportSample {
            procedure_id: p.id.clone(),
            population: population.as_ref().map_or(0, |p| p.count),
            source_name: population.and_then(|p| p.source_name),
            method: sample.method,
            frequency: sample.frequency,
            rule_table: sample.rule_table.as_ref().map(|t| format!("{}@{}", t.name, t.version)),
            size: sample.items.len() as u32,
            override_reason: sample.override_reason.clone(),
            seed: sample.seed,
            by_quarter: sample.by_quarter,
        });
    }

    let mut groups: Vec<ReportGroup> = Vec::new();
    let mut methods: Vec<MethodCount> = Vec::new();
    let mut exclusions = Vec::new();
    let mut in_scope = 0;
    for c in controls.iter().filter(|c| c.assessable) {
        if c.scope != ScopeDecision::InScope {
            let (_, reason) = crate::store::work::scope_of(&file.conn, &c.id)?;
            exclusions.push(ReportExclusion {
                control_id: c.id.clone(),
                title_ja: c.title_ja.clone(),
                title_en: c.title_en.clone(),
                decision: c.scope,
                reason,
            });
            continue;
        }
        in_scope += 1;
        let own = by_control.get(c.id.as_str()).cloned().unwrap_or_default();
        for p in own.iter().filter(|p| p.result.is_some()) {
            match methods.iter_mut().find(|m| m.kind == p.kind && m.evaluation == p.evaluation) {
                Some(m) => m.count += 1,
                None => methods.push(MethodCount { kind: p.kind, evaluation: p.evaluation, count: 1 }),
            }
        }
        let control = ReportControl {
            id: c.id.clone(),
            title_ja: c.title_ja.clone(),
            title_en: c.title_en.clone(),
            scope: c.scope,
            result: c.result,
            procedures: own
                .iter()
                .map(|p| ReportProcedure {
                    id: p.id.clone(),
                    kind: p.kind,
                    evaluation: p.evaluation,
                    text_ja: p.text_ja.clone(),
                    text_en: p.text_en.clone(),
                    result: p.result,
                    exceptions: p.exceptions.iter().map(|e| e.id.clone()).collect(),
                    sample_size: sample_sizes.get(&p.id).copied(),
                })
                .collect(),
        };
        let g = groups.iter().position(|g| g.group == c.group).unwrap_or_else(|| {
            groups.push(ReportGroup { group: c.group.clone(), domains: Vec::new() });
            groups.len() - 1
        });
        let group = &mut groups[g];
        let domain_id = domain_of(&c.id).unwrap_or_else(|| c.id.clone());
        let d = group.domains.iter().position(|d| d.id == domain_id).unwrap_or_else(|| {
            let row = domains.iter().find(|d| d.id == domain_id);
            group.domains.push(ReportDomain {
                id: domain_id.clone(),
                title_ja: row.map(|d| d.title_ja.clone()).unwrap_or_default(),
                title_en: row.map(|d| d.title_en.clone()).unwrap_or_default(),
                controls: Vec::new(),
            });
            group.domains.len() - 1
        });
        group.domains[d].controls.push(control);
    }
    methods.sort_by(|a, b| (a.evaluation.as_str(), a.kind.as_str()).cmp(&(b.evaluation.as_str(), b.kind.as_str())));

    let exceptions = file
        .exceptions()?
        .into_iter()
        .map(|e| ReportException {
            control_id: e.procedure_id.rsplit_once("/P").map(|(c, _)| c.to_string()).unwrap_or_default(),
            sample_item_id: e.sample_item.as_ref().and_then(|s| sample_item_ids.get(s).cloned()),
            id: e.id,
            procedure_id: e.procedure_id,
            sample_item: e.sample_item,
            attribute: e.attribute,
            text: e.text,
        })
        .collect();
    let evidence = file
        .evidence_list(false)?
        .into_iter()
        .map(|e| ReportEvidence {
            links: e.links.iter().map(|l| l.id.clone()).collect(),
            id: e.id,
            title: e.meta.title,
            as_of: e.meta.as_of,
            sha256: e.sha256,
            size: e.size,
        })
        .collect();

    let summary = super::views::review_summary(file)?;
    let mut signers: Vec<ReportSigner> = Vec::new();
    let mut signed = Vec::new();
    for state in &summary.states {
        for s in &state.signoffs {
            let level = s.level.as_str().to_string();
            let fingerprint = s.signature.as_ref().map(|sig| sig.fingerprint.clone());
            if let Some(sig) = &s.signature {
                signed.push(crate::model::report::ReportSignedOff {
                    item_kind: s.item_kind.as_str().into(),
                    item_id: s.item_id.clone(),
                    level: level.clone(),
                    signer: s.signer.clone(),
                    content_sha256: s.content_sha256.clone(),
                    at: s.at.clone(),
                    fingerprint: sig.fingerprint.clone(),
                    signature: sig.value.clone(),
                });
            }
            match signers.iter_mut().find(|x| x.name == s.signer && x.level == level && x.fingerprint == fingerprint) {
                Some(x) => x.count += 1,
                None => signers.push(ReportSigner {
                    name: s.signer.clone(),
                    role: s.role.as_str().to_string(),
                    level,
                    count: 1,
                    fingerprint,
                }),
            }
        }
    }
    let roster = crate::store::roster::roster(&file.conn)?
        .into_iter()
        .map(|e| crate::model::report::ReportRosterKey {
            active: e.is_active(),
            name: e.key.name,
            role: e.key.role.as_str().into(),
            public_key: e.key.public_key,
            fingerprint: e.key.fingerprint,
        })
        .collect();
    let changed_controls = changed_controls(file, &controls)?;
    let (events, hash) = file.head()?;
    let one_person = fields.one_person_reason().map(str::to_string);
    Ok(ReportModel {
        is_final: finalization.is_some(),
        engagement_uuid: file.uuid()?,
        report_date,
        generated_at: generated_at.to_string(),
        derived: fields.derived_dates(&rules),
        fields,
        catalog: ReportCatalog {
            name: catalog.name,
            version: catalog.version,
            title: catalog.title,
            id_scheme: catalog.id_scheme,
            sample: catalog.sample,
            content_sha256: catalog.content_sha256,
            suffix_legend: crate::model::catalog::legend_for(catalog.id_scheme, &catalog.suffix_legend)?,
        },
        finalization,
        scope: ReportScope {
            assessable: controls.iter().filter(|c| c.assessable).count() as u32,
            in_scope,
            out_of_scope: exclusions,
        },
        methods,
        rule_tables,
        samples,
        groups,
        exceptions,
        evidence,
        closing: crate::store::closing::view(&file.conn)?,
        changed_controls,
        signoffs: ReportSignOffs {
            second_review: summary.second_review,
            items: summary.items,
            complete: summary.complete,
            changed_after_signoff: summary.changed_after_signoff,
            open_notes: summary.open_notes,
            signers,
            one_person_signoff: one_person,
        },
        signatures: crate::model::report::ReportSignatures { roster, signoffs: signed },
        log_head: LogHead { events, hash },
    })
}

/// The controls that changed during the period, in catalog order, each
/// with its versions and how many sample items of its procedures were
/// tested against each.
fn changed_controls(
    file: &EngagementFile,
    controls: &[super::views::ControlRow],
) -> Result<Vec<crate::model::report::ReportChangedControl>> {
    let changes = crate::store::change::all_changes(&file.conn)?;
    let mut out = Vec::new();
    for c in controls.iter().filter(|c| changes.iter().any(|x| x.control_id == c.id)) {
        let versions = crate::store::change::versions_of(&file.conn, &c.id)?;
        let mut sampled = vec![0u32; versions.len()];
        for p in crate::store::work::procedures_of(&file.conn, &c.id)? {
            let state = file.sampling(&p.id)?;
            for (n, count) in state.sampled_by_version.iter().enumerate() {
                if let Some(total) = sampled.get_mut(n) {
                    *total += count;
                }
            }
        }
        out.push(crate::model::report::ReportChangedControl {
            control_id: c.id.clone(),
            title_ja: c.title_ja.clone(),
            title_en: c.title_en.clone(),
            versions,
            sampled_by_version: sampled,
        });
    }
    Ok(out)
}
