//! What ships with the product: the sample catalog and the demo engagement.

use chrono::NaiveDate;

use crate::error::Result;
use crate::import::{read_catalog_bytes, Format};
use crate::model::catalog::Catalog;
use crate::model::engagement::{
    AssessorFirm, AuditKind, EngagementFields, Period, Program, Provider, Role, Service, TeamMember,
};

/// The sample catalog: the real ISMAP ID structure with titles of our own.
/// It is not the official criteria, whose text may not be redistributed.
pub const SAMPLE_CATALOG_JSON: &str = include_str!("../../../assets/catalogs/sample-catalog.json");

/// The default procedure library: standard procedures we wrote, by criteria
/// group and domain.
pub const DEFAULT_PROCEDURES_JSON: &str = include_str!("../../../assets/procedures/default-library.json");

pub fn default_procedure_library() -> Result<crate::model::procedure::ProcedureLibrary> {
    crate::import::parse_procedure_library(DEFAULT_PROCEDURES_JSON.as_bytes()).map_err(|problems| {
        crate::error::Error::Import { file: "assets/procedures/default-library.json".into(), problems }
    })
}

pub fn sample_catalog() -> Result<Catalog> {
    read_catalog_bytes(SAMPLE_CATALOG_JSON.as_bytes(), Format::Json, "assets/catalogs/sample-catalog.json")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// A fictional provider and firm for the demo engagement. The corporate
/// number is the check-digit example of the National Tax Agency's
/// specification, not a real company's.
pub fn demo_fields() -> EngagementFields {
    EngagementFields {
        provider: Provider {
            name: "株式会社サンプルクラウド".into(),
            corporate_number: "7123456789012".into(),
            location: "東京都千代田区霞が関一丁目1番1号（架空）".into(),
        },
        service: Service {
            name: "サンプルクラウド IaaS".into(),
            url: "https://cloud.example.jp".into(),
            scope_of_statement:
                "東京及び大阪リージョンで提供する IaaS（仮想サーバ、ブロックストレージ、仮想ネットワーク）".into(),
        },
        program: Program::Ismap,
        audit_kind: AuditKind::Initial,
        current_registration: None,
        period: Period { start: date(2025, 10, 1), end: date(2026, 9, 30) },
        prior_period: None,
        period_rule_override: None,
        assessor: AssessorFirm {
            name: "みなと監査法人（架空）".into(),
            registration_number: "SAMPLE-0001".into(),
            registration_valid_until: Some(date(2027, 3, 31)),
        },
        team: vec![
            TeamMember { name: "高橋 美咲".into(), role: Role::Partner },
            TeamMember { name: "山田 太郎".into(), role: Role::Manager },
            TeamMember { name: "鈴木 一郎".into(), role: Role::Reviewer },
            TeamMember { name: "佐藤 花子".into(), role: Role::Assessor },
        ],
        second_review: false,
        one_person_signoff: None,
    }
}

/// Performs every in-scope procedure of the demo engagement at `path`, signs
/// everything at every level, records the demo's written representation
/// when there is none, considers subsequent events and finalizes it: the assessor (佐藤 花子)
/// prepares, the reviewer (鈴木 一郎) reviews, the manager (山田 太郎) signs
/// the second level when the engagement asks for one, and finalizes.
pub fn perform_and_finalize(path: &std::path::Path, clock: &dyn crate::model::event::Clock) -> Result<()> {
    perform_and_finalize_signed(path, clock, &[])
}

/// [`perform_and_finalize`], each sign-off and the finalizing signed with
/// the key of `keys` that is its person's, when one is.
pub fn perform_and_finalize_signed(
    path: &std::path::Path,
    clock: &dyn crate::model::event::Clock,
    keys: &[crate::keys::UnlockedKey],
) -> Result<()> {
    use crate::api;
    use crate::model::event::{Actor, Context};
    use crate::model::procedure::{ProcedurePatch, ResultKind, ScopeDecision};
    use crate::model::review::{SignOffLevel, SignableKind};

    let assessor = Actor::new("佐藤 花子");
    let reviewer = Actor::new("鈴木 一郎");
    let manager = Actor::new("山田 太郎");
    let as_ = |actor| Context { actor, clock };
    let key_of = |actor: &Actor| keys.iter().find(|k| k.name == actor.name);
    let second = api::show_engagement(path)?.fields.second_review;
    let sign = |kind: SignableKind, id: &str| -> Result<()> {
        api::sign_off_with_key(path, kind, id, SignOffLevel::Preparer, key_of(&assessor), as_(&assessor))?;
        api::sign_off_with_key(path, kind, id, SignOffLevel::Reviewer, key_of(&reviewer), as_(&reviewer))?;
        if second {
            api::sign_off_with_key(path, kind, id, SignOffLevel::SecondReviewer, key_of(&manager), as_(&manager))?;
        }
        Ok(())
    };
    let controls: Vec<_> = api::list_controls(path)?.into_iter().filter(|c| c.assessable).collect();
    // The one exception of the demo: a leaver's ID left enabled, as in the walkthrough.
    let exception_in = "9.2.1.2/P1";
    for c in &controls {
        if c.scope != ScopeDecision::InScope {
            continue;
        }
        for entry in api::control_detail(path, &c.id)?.procedures {
            let id = entry.procedure.id.clone();
            // A procedure with exceptions already recorded has found them.
            let found_exception = id == exception_in || !entry.procedure.exceptions.is_empty();
            // A sampled procedure already has the result its test grid gives.
            if entry.procedure.result.is_some() {
                sign(SignableKind::Procedure, &id)?;
                continue;
            }
            let patch = ProcedurePatch {
                work_done: Some(demo_work_done(entry.procedure.kind).into()),
                result: Some(Some(if found_exception { ResultKind::Exception } else { ResultKind::NoException })),
                ..ProcedurePatch::default()
            };
            api::update_procedure(path, &id, patch, as_(&assessor))?;
            if id == exception_in && entry.procedure.exceptions.is_empty() {
                api::add_exception(
                    path,
                    &id,
                    "退職者3名のうち1名のIDが、退職日から14日間有効なままであった。",
                    as_(&assessor),
                )?;
            }
            sign(SignableKind::Procedure, &id)?;
        }
    }
    for c in &controls {
        sign(SignableKind::Control, &c.id)?;
    }
    if api::closing(path)?.representation.is_none() {
        add_demo_closing(path, clock)?;
    }
    // The manager considered subsequent events up to today (or, on a clock
    // still inside the period, as tests run, the day after the period).
    let period_end = api::show_engagement(path)?.fields.period.end;
    let day_after = period_end.succ_opt().unwrap_or(period_end);
    api::consider_subsequent_events(path, clock.today_in_japan().max(day_after), as_(&manager))?;
    api::finalize_with_key(path, key_of(&manager), as_(&manager))?;
    Ok(())
}

/// What the demo's assessor wrote as done for a procedure of `kind`, in
/// Japanese as an assessor writes it: the kind named by its Japanese word
/// (質問, 閲覧, 観察, 再実施), never by its code, which the workpaper would
/// otherwise show as 「inquiry を実施し」.
fn demo_work_done(kind: crate::model::procedure::ProcedureKind) -> &'static str {
    use crate::model::procedure::ProcedureKind;
    match kind {
        ProcedureKind::Inquiry => "2026-05-12 情報システム部の担当責任者に質問し、回答を記録した。",
        ProcedureKind::Inspection => "2026-05-12 規程、手順書及び実施記録を閲覧した。",
        ProcedureKind::Observation => "2026-05-12 統制の実施状況を画面共有で観察した。",
        ProcedureKind::Reperformance => "2026-05-12 統制を再実施し、結果を実施記録と照合した。",
    }
}

/// The demo's population of change tickets (`assets/demo/change-tickets.csv`):
/// 120 tickets, two of them filed before the audit period.
pub const DEMO_CHANGE_TICKETS_CSV: &str = include_str!("../../../assets/demo/change-tickets.csv");

/// The seed of the demo's change-management sample, so the demo is the same everywhere.
pub const DEMO_SEED: u64 = 20_261_126;

/// Adds the demo's sampled operating-effectiveness procedures, done by the
/// assessor through the same operations as the app:
/// - change management (4.4.1.1): the ticket list imported from CSV, a
///   daily-control sample of 25 drawn by quarter from a recorded seed, two
///   attributes, and the grid filled with one failure, which becomes the
///   procedure's exception;
/// - privileged IDs (9.2.3.1): a population known only by its count, a
///   weekly-control sample of 5, all passed.
pub fn add_demo_sampling(path: &std::path::Path, clock: &dyn crate::model::event::Clock) -> Result<()> {
    use crate::api;
    use crate::model::event::{Actor, Context};
    use crate::model::procedure::{AssessmentTarget, Evaluation, NewProcedure, ProcedureKind};
    use crate::model::sampling::{CellInput, CellResult, Frequency, PopulationColumns, SampleRequest, SampleRuleTable};

    let assessor = Actor::new("佐藤 花子");
    let ctx = Context { actor: &assessor, clock };
    let rules = SampleRuleTable::default_table()?;
    let temp = tempfile::tempdir().map_err(|e| crate::error::Error::Io { path: std::env::temp_dir(), source: e })?;
    let csv = temp.path().join("change-tickets.csv");
    std::fs::write(&csv, DEMO_CHANGE_TICKETS_CSV)
        .map_err(|e| crate::error::Error::Io { path: csv.clone(), source: e })?;

    let pass =
        |mark: &str| CellInput { result: Some(CellResult::Pass), tickmark: Some(mark.into()), comment: String::new() };

    let change = api::add_procedure(
        path,
        "4.4.1.1",
        NewProcedure {
            kind: ProcedureKind::Inspection,
            evaluation: Evaluation::Operating,
            text_ja: "変更管理チケットの一覧から標本を抽出し、各変更が実施前に承認され、承認者が申請者と異なることを確かめる。"
                .into(),
            text_en: "Sample the change tickets and confirm that each change was approved before it was made, by someone other than the requester."
                .into(),
            assignee: Some("佐藤 花子".into()),
            target: Some(AssessmentTarget::Records),
        },
        ctx,
    )?;
    let columns = PopulationColumns { item_id: 0, date: Some(1), description: Some(2) };
    api::import_population(path, &change.id, &csv, &columns, ctx)?;
    let request = SampleRequest {
        frequency: Frequency::Daily,
        size_override: None,
        override_reason: None,
        seed: Some(DEMO_SEED),
        by_quarter: true,
    };
    let state = api::select_sample_with(path, &rules, &change.id, &request, ctx)?;
    api::add_attribute(path, &change.id, "変更の実施前に承認されている", ctx)?;
    api::add_attribute(path, &change.id, "承認者が申請者と異なる", ctx)?;
    // The seventh ticket drawn (CHG-0017) is the one the list shows as
    // approved after it was carried out; its facts come from the list.
    let failing = 7;
    let population = state.population.as_ref();
    let column = |item: &crate::model::sampling::SampleItem, name: &str| {
        population
            .and_then(|p| {
                let c = p.columns.iter().position(|h| h == name)?;
                p.items.get(item.row as usize - 1)?.extra.get(c).cloned()
            })
            .unwrap_or_default()
    };
    for item in state.sample.iter().flat_map(|s| &s.items) {
        let a = if item.no == failing {
            CellInput {
                result: Some(CellResult::Fail),
                tickmark: Some("×".into()),
                comment: format!(
                    "{} は {} に実施されたが、承認は {} であり、実施前に承認されていなかった。",
                    item.item_id,
                    column(item, "実施日"),
                    column(item, "承認日")
                ),
            }
        } else {
            pass("✓")
        };
        api::set_cell(path, &change.id, item.no, "A", &a, ctx)?;
        api::set_cell(path, &change.id, item.no, "B", &pass("✓"), ctx)?;
    }
    api::update_procedure(
        path,
        &change.id,
        crate::model::procedure::ProcedurePatch {
            work_done: Some("変更管理システムから出力した変更チケット一覧（120件）を母集団とし、四半期ごとに層化して25件を抽出した。各チケットの承認記録と実施記録を閲覧した。".into()),
            ..Default::default()
        },
        ctx,
    )?;

    let privileged = api::add_procedure(
        path,
        "9.2.3.1",
        NewProcedure {
            kind: ProcedureKind::Inspection,
            evaluation: Evaluation::Operating,
            text_ja: "特権IDの付与申請から標本を抽出し、付与前に承認されていることを確かめる。".into(),
            text_en: "Sample the privileged ID requests and confirm each was approved before the ID was granted."
                .into(),
            assignee: Some("佐藤 花子".into()),
            target: Some(AssessmentTarget::Records),
        },
        ctx,
    )?;
    api::set_population_count(path, &privileged.id, 48, ctx)?;
    let request =
        SampleRequest { frequency: Frequency::Weekly, seed: Some(DEMO_SEED + 1), by_quarter: false, ..request };
    let state = api::select_sample_with(path, &rules, &privileged.id, &request, ctx)?;
    api::add_attribute(path, &privileged.id, "付与前に申請が承認されている", ctx)?;
    for item in state.sample.iter().flat_map(|s| &s.items) {
        api::set_cell(path, &privileged.id, item.no, "A", &pass("✓"), ctx)?;
    }
    // A result stands on the work written out (`domain::work::missing`).
    api::update_procedure(
        path,
        &privileged.id,
        crate::model::procedure::ProcedurePatch {
            work_done: Some(
                "特権ID付与申請の一覧（48件）から週次の規則どおりに標本を抽出し、各申請の承認記録と付与日時を閲覧した。"
                    .into(),
            ),
            ..crate::model::procedure::ProcedurePatch::default()
        },
        ctx,
    )?;
    Ok(())
}

/// The demo's written representation, dated two weeks after the period,
/// with every confirmation given but the 7th (a significant event after the
/// period, disclosed), and, once the clock has passed it, the subsequent
/// event it discloses.
pub fn add_demo_closing(path: &std::path::Path, clock: &dyn crate::model::event::Clock) -> Result<()> {
    use crate::api;
    use crate::model::event::{Actor, Context};
    use crate::model::representation::{
        Answer, Confirmation, RepresentationInput, SubsequentEventInput, CONFIRMATIONS,
    };

    let assessor = Actor::new("佐藤 花子");
    let ctx = Context { actor: &assessor, clock };
    let confirmed = Confirmation { answer: Some(Answer::Confirmed), comment: String::new() };
    let mut confirmations = vec![confirmed; CONFIRMATIONS];
    confirmations[6] = Confirmation {
        answer: Some(Answer::NotConfirmed),
        comment: "2026-10-20 に大阪リージョンで約3時間の障害が発生した（後発事象 SE-001 として開示）。".into(),
    };
    api::record_representation(
        path,
        RepresentationInput {
            date: date(2026, 10, 14),
            signatory_name: "田中 一郎".into(),
            signatory_title: "代表取締役社長（架空）".into(),
            confirmations,
            evidence_id: None,
        },
        ctx,
    )?;
    let occurred_on = date(2026, 10, 20);
    if clock.today_in_japan() >= occurred_on {
        api::add_subsequent_event(
            path,
            SubsequentEventInput {
                occurred_on,
                description: "大阪リージョンのブロックストレージで約3時間の障害が発生し、一部の仮想サーバが停止した。"
                    .into(),
                effect: "障害対応手順（16.1.5）に従い対応された。対象期間の管理策の運用状況の評価には影響しない。"
                    .into(),
                evidence: Vec::new(),
            },
            ctx,
        )?;
    }
    Ok(())
}

/// The demo's scope decisions of CC2022 §2.2.4: one control inherited from
/// the (fictional) registered IaaS the service runs on, one control
/// objective excluded, which exempts its `.B` control, and the change
/// management control changed mid-period, so that the sample drawn by
/// quarter has items on both sides of the change.
pub fn add_demo_scope(path: &std::path::Path, clock: &dyn crate::model::event::Clock) -> Result<()> {
    use crate::api;
    use crate::model::event::{Actor, Context};
    use crate::model::procedure::{InheritedService, ScopeDecision};

    let assessor = Actor::new("佐藤 花子");
    let ctx = Context { actor: &assessor, clock };
    let service = InheritedService {
        service_name: "サンプル基盤クラウド（架空）".into(),
        registration_number: "C-SAMPLE-0001".into(),
    };
    api::set_scope(path, "11.1.2.1", ScopeDecision::Inherited, "", Some(service), ctx)?;
    api::set_scope(
        path,
        "10.1.1",
        ScopeDecision::NotAdopted,
        "利用者データの暗号化は利用者の責任範囲とし、言明書で統制目標ごと除外している（架空）。",
        None,
        ctx,
    )?;
    api::record_control_change(
        path,
        "4.4.1.1",
        crate::model::change::ControlChangeInput {
            effective: date(2026, 4, 1),
            kind: "mechanism".into(),
            text: "変更の承認をワークフローシステムで行い、申請者本人は承認できない設定とした（架空）。".into(),
            before: "変更申請書（紙）に承認者が押印し、情報システム部が保管する（架空）。".into(),
        },
        ctx,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::procedure::ProcedureKind;

    /// The demo's workpapers are Japanese: each kind of procedure is named by
    /// its Japanese word (the words of docs/glossary.md), and no code of the
    /// kind ("inquiry", "reperformance") shows through.
    #[test]
    fn the_demo_work_done_names_each_kind_in_japanese() {
        let words = [
            (ProcedureKind::Inquiry, "質問"),
            (ProcedureKind::Inspection, "閲覧"),
            (ProcedureKind::Observation, "観察"),
            (ProcedureKind::Reperformance, "再実施"),
        ];
        assert_eq!(words.len(), ProcedureKind::VARIANTS.len());
        for (kind, word) in words {
            let text = super::demo_work_done(kind);
            assert!(text.contains(word), "{text}");
            assert!(!text.chars().any(|c| c.is_ascii_alphabetic()), "{text}");
        }
    }
}
