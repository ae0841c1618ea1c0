//! The facade every front end calls: plain functions over plain data. The
//! CLI and the desktop app reach the domain only through here, so both
//! behave the same.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::db::engagement_file::{self, CatalogInfo, ControlRow, EngagementFile};
use crate::db::events::ChainReport;
use crate::db::library::{CatalogSummary, Library};
use crate::error::Result;
use crate::generate::GenerateOptions;
use crate::import::{read_catalog, ImportOptions};
use crate::model::engagement::{DerivedDates, EngagementFields, ProgramRules, Warning};
use crate::model::event::{Context, EventRecord};

/// Imports a catalog file into the library in `data_dir`. All or nothing.
pub fn import_catalog(
    data_dir: &Path,
    file: &Path,
    options: &ImportOptions,
    ctx: Context<'_>,
) -> Result<CatalogSummary> {
    let catalog = read_catalog(file, options)?;
    let mut library = Library::open_in(data_dir)?;
    library.add(&catalog, &file.display().to_string(), ctx.clock)
}

pub fn list_catalogs(data_dir: &Path) -> Result<Vec<CatalogSummary>> {
    Library::open_in(data_dir)?.list()
}

/// An engagement as shown to a user: its fields and everything derived.
#[derive(Debug, Clone, Serialize)]
pub struct EngagementView {
    pub path: PathBuf,
    pub uuid: String,
    pub schema_version: i64,
    pub fields: EngagementFields,
    pub rules: ProgramRules,
    pub derived: Option<DerivedDates>,
    pub warnings: Vec<Warning>,
    pub catalog: CatalogInfo,
    pub controls: ControlCounts,
    pub events: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlCounts {
    pub items: usize,
    pub assessable: usize,
    /// Assessable controls per catalog group, in catalog order.
    pub by_group: Vec<GroupCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupCount {
    pub group: String,
    pub count: usize,
}

/// Creates an engagement at `path` from the catalog `catalog_ref`
/// (`NAME@VERSION`) of the library in `data_dir`.
pub fn create_engagement(
    path: &Path,
    data_dir: &Path,
    catalog_ref: &str,
    uuid: String,
    fields: EngagementFields,
    rules: ProgramRules,
    ctx: Context<'_>,
) -> Result<EngagementView> {
    let catalog = Library::open_in(data_dir)?.load(catalog_ref)?;
    let file = EngagementFile::create(path, ctx, uuid, fields, rules, &catalog)?;
    view(&file)
}

/// Creates the demo engagement from the bundled sample catalog.
pub fn create_demo(path: &Path, uuid: String, ctx: Context<'_>) -> Result<EngagementView> {
    let catalog = crate::sample::sample_catalog()?;
    let file =
        EngagementFile::create(path, ctx, uuid, crate::sample::demo_fields(), ProgramRules::default(), &catalog)?;
    view(&file)
}

pub fn show_engagement(path: &Path) -> Result<EngagementView> {
    view(&EngagementFile::open(path)?)
}

/// Replaces the engagement's fields; returns the event, or `None` when
/// nothing changed.
pub fn edit_engagement(path: &Path, fields: EngagementFields, ctx: Context<'_>) -> Result<Option<EventRecord>> {
    EngagementFile::open(path)?.edit(ctx, fields)
}

pub fn list_controls(path: &Path) -> Result<Vec<ControlRow>> {
    EngagementFile::open(path)?.controls()
}

pub fn recent_events(path: &Path, limit: usize) -> Result<Vec<EventRecord>> {
    EngagementFile::open(path)?.recent_events(limit)
}

pub fn verify_log(path: &Path) -> Result<ChainReport> {
    EngagementFile::open(path)?.verify_log()
}

pub fn generate_large(path: &Path, options: GenerateOptions, ctx: Context<'_>) -> Result<EngagementView> {
    view(&crate::generate::large_engagement(path, options, ctx)?)
}

fn view(file: &EngagementFile) -> Result<EngagementView> {
    let fields = file.fields()?;
    let rules = file.rules()?;
    let controls = file.controls()?;
    let mut by_group: Vec<GroupCount> = Vec::new();
    for c in controls.iter().filter(|c| c.assessable) {
        match by_group.iter_mut().find(|g| g.group == c.group) {
            Some(g) => g.count += 1,
            None => by_group.push(GroupCount { group: c.group.clone(), count: 1 }),
        }
    }
    Ok(EngagementView {
        path: file.path().to_path_buf(),
        uuid: file.uuid()?,
        schema_version: engagement_file::schema_version(),
        derived: fields.derived_dates(&rules),
        warnings: fields.warnings(&rules),
        fields,
        rules,
        catalog: file.catalog_info()?,
        controls: ControlCounts {
            items: controls.len(),
            assessable: controls.iter().filter(|c| c.assessable).count(),
            by_group,
        },
        events: file.event_count()?,
    })
}
