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
    }
}

/// Performs every in-scope procedure of the demo engagement at `path`, signs
/// everything at every level and finalizes it: the assessor (佐藤 花子)
/// prepares, the reviewer (鈴木 一郎) reviews, the manager (山田 太郎) signs
/// the second level when the engagement asks for one, and finalizes.
pub fn perform_and_finalize(path: &std::path::Path, clock: &dyn crate::model::event::Clock) -> Result<()> {
    use crate::db::engagement_file::EngagementFile;
    use crate::model::event::{Actor, Context};
    use crate::model::procedure::{ProcedurePatch, ResultKind, ScopeDecision};
    use crate::model::review::{SignOffLevel, SignableKind};

    let assessor = Actor::new("佐藤 花子");
    let reviewer = Actor::new("鈴木 一郎");
    let manager = Actor::new("山田 太郎");
    let as_ = |actor| Context { actor, clock };
    let mut file = EngagementFile::open(path)?;
    let second = file.fields()?.second_review;
    let controls: Vec<_> = file.controls()?.into_iter().filter(|c| c.assessable).collect();
    // The one exception of the demo: a leaver's ID left enabled, as in the walkthrough.
    let exception_in = "9.2.1.2/P1";
    for c in &controls {
        if c.scope != ScopeDecision::InScope {
            continue;
        }
        for entry in file.control_detail(&c.id)?.procedures {
            let id = entry.procedure.id.clone();
            let found_exception = id == exception_in;
            let patch = ProcedurePatch {
                work_done: Some(format!("2026-05-12 {} を実施し、記録を閲覧した。", entry.procedure.kind.as_str())),
                result: Some(Some(if found_exception { ResultKind::Exception } else { ResultKind::NoException })),
                ..ProcedurePatch::default()
            };
            file.update_procedure(as_(&assessor), &id, patch)?;
            if found_exception {
                file.add_exception(
                    as_(&assessor),
                    &id,
                    "退職者3名のうち1名のIDが、退職日から14日間有効なままであった。",
                )?;
            }
            file.sign_off(as_(&assessor), SignableKind::Procedure, &id, SignOffLevel::Preparer)?;
            file.sign_off(as_(&reviewer), SignableKind::Procedure, &id, SignOffLevel::Reviewer)?;
            if second {
                file.sign_off(as_(&manager), SignableKind::Procedure, &id, SignOffLevel::SecondReviewer)?;
            }
        }
    }
    for c in &controls {
        file.sign_off(as_(&assessor), SignableKind::Control, &c.id, SignOffLevel::Preparer)?;
        file.sign_off(as_(&reviewer), SignableKind::Control, &c.id, SignOffLevel::Reviewer)?;
        if second {
            file.sign_off(as_(&manager), SignableKind::Control, &c.id, SignOffLevel::SecondReviewer)?;
        }
    }
    file.finalize(as_(&manager))?;
    Ok(())
}
