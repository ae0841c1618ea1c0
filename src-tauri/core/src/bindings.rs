//! TypeScript types for the desktop app's UI, generated from the Rust types
//! with ts-rs. The operations crate (`workbench-ops`) writes every type its
//! operations take and give, with the client of its operations, to
//! `ui/src/lib/ipc/bindings/`; its test fails when the committed files
//! drift. Here are only the types that no operation names but every page
//! needs: the error every operation may answer with, and the closed sets the
//! message catalogs are typed by.

use ts_rs::TS;

/// Writes the types of the core that cross to the UI beside the
/// operations' own (and the types they use) to `cfg`'s folder.
pub fn export_bindings(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
    crate::error::ErrorPayload::export_all(cfg)?;
    crate::error::ErrorKind::export_all(cfg)?;
    crate::error::ProblemCode::export_all(cfg)?;
    crate::model::engagement::WarningCode::export_all(cfg)?;
    crate::model::event::EventKind::export_all(cfg)?;
    crate::Lang::export_all(cfg)?;
    crate::model::IsoDate::export_all(cfg)?;
    Ok(())
}
