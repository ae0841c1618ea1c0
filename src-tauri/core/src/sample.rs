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
