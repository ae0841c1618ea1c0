//! The TypeScript types of everything that crosses the desktop app's IPC,
//! generated from the Rust types with ts-rs and committed under
//! `ui/src/lib/ipc/bindings/`. The test fails when the committed files
//! drift from the Rust types; `UPDATE_BINDINGS=1 cargo test -p
//! workbench-core --features ts bindings` rewrites them.

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use ts_rs::{Config, TS};

    fn committed_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/ipc/bindings")
    }

    /// Every `.ts` file under `dir`, by its path relative to `dir` (ts-rs
    /// puts the types of other crates in subfolders, e.g. `serde_json/`).
    fn read_dir(dir: &Path) -> BTreeMap<String, String> {
        fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(root, &path, files);
                } else if path.extension().is_some_and(|e| e == "ts") {
                    let name = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                    files.insert(name, std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(dir, dir, &mut files);
        files
    }

    fn export_all(dir: &Path) -> Result<(), ts_rs::ExportError> {
        use crate::api::*;
        use crate::error::ErrorPayload;
        use crate::model::event::EventRecord;
        use crate::model::procedure::*;
        // JavaScript numbers hold every count and sequence number we have.
        let cfg = Config::new().with_large_int("number").with_out_dir(dir);
        EngagementView::export_all(&cfg)?;
        Dashboard::export_all(&cfg)?;
        ControlRow::export_all(&cfg)?;
        ControlDetail::export_all(&cfg)?;
        ProcedureEntry::export_all(&cfg)?;
        ProcedurePatch::export_all(&cfg)?;
        NewProcedure::export_all(&cfg)?;
        ExceptionListing::export_all(&cfg)?;
        ScopeDecision::export_all(&cfg)?;
        CatalogSummary::export_all(&cfg)?;
        ChainReport::export_all(&cfg)?;
        EventRecord::export_all(&cfg)?;
        ErrorPayload::export_all(&cfg)?;
        crate::profile::Profile::export_all(&cfg)?;
        FieldCheck::export_all(&cfg)?;
        crate::model::engagement::EngagementFields::export_all(&cfg)?;
        use crate::model::evidence::*;
        use crate::store::evidence::{EvidenceCheck, FileFacts, IntakeFile, IntakeProgress};
        Evidence::export_all(&cfg)?;
        EvidencePatch::export_all(&cfg)?;
        EvidenceLink::export_all(&cfg)?;
        PbcRequest::export_all(&cfg)?;
        PbcFields::export_all(&cfg)?;
        IntakeFile::export_all(&cfg)?;
        IntakeProgress::export_all(&cfg)?;
        FileFacts::export_all(&cfg)?;
        EvidenceCheck::export_all(&cfg)?;
        use crate::model::review::*;
        ReviewState::export_all(&cfg)?;
        ReviewSummary::export_all(&cfg)?;
        ReviewNote::export_all(&cfg)?;
        FinalizeCheck::export_all(&cfg)?;
        use crate::model::sampling::*;
        SamplingState::export_all(&cfg)?;
        PopulationPreview::export_all(&cfg)?;
        PopulationColumns::export_all(&cfg)?;
        SampleRequest::export_all(&cfg)?;
        SampleRuleTable::export_all(&cfg)?;
        CellInput::export_all(&cfg)?;
        Reproduction::export_all(&cfg)?;
        use crate::model::report::{ExportProgress, ExportRequest, ExportResult};
        ExportRequest::export_all(&cfg)?;
        ExportProgress::export_all(&cfg)?;
        ExportResult::export_all(&cfg)?;
        Finalization::export_all(&cfg)?;
        SignOffLevel::export_all(&cfg)?;
        SignableKind::export_all(&cfg)?;
        NoteTargetKind::export_all(&cfg)?;
        Ok(())
    }

    #[test]
    fn bindings_match_the_committed_typescript() {
        let fresh = tempfile::tempdir().unwrap();
        export_all(fresh.path()).unwrap();
        let generated = read_dir(fresh.path());
        assert!(generated.len() > 10, "{generated:?}");
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            let dir = committed_dir();
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (name, text) in &generated {
                let target = dir.join(name);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(target, text).unwrap();
            }
        }
        let committed = read_dir(&committed_dir());
        let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(
            names(&committed),
            names(&generated),
            "run UPDATE_BINDINGS=1 cargo test -p workbench-core --features ts bindings"
        );
        for (name, text) in &generated {
            assert_eq!(
                &committed[name], text,
                "{name} drifted; run UPDATE_BINDINGS=1 cargo test -p workbench-core --features ts bindings"
            );
        }
    }
}
