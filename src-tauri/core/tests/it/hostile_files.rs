//! Engagement files made by someone else are hostile until checked: only our
//! schema runs, reading never writes, nothing read from the file decides
//! where something is written or what is executed, two writers wait for
//! each other, and damaged files are refused with a typed error, never a
//! panic.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use workbench_core::api::{self, IntakeFile};
use workbench_core::model::evidence::{EvidenceKind, EvidenceLink, EvidenceMeta, LinkKind};
use workbench_core::model::procedure::ProcedurePatch;

use crate::support::Fixture;

fn demo(fx: &Fixture) -> PathBuf {
    let path = fx.path("demo.ismap");
    api::create_demo(&path, "7a1d0c2e-0000-4000-8000-000000000001".into(), fx.ctx()).unwrap();
    path
}

fn sql(path: &Path, batch: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA foreign_keys = OFF; {batch}")).unwrap();
}

fn digest(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn a_file_with_a_trigger_a_view_or_a_table_of_its_own_is_refused_and_left_as_it_is() {
    let fx = Fixture::new();
    let original = demo(&fx);
    let cases = [
        (
            "trigger",
            "CREATE TRIGGER wipe AFTER UPDATE ON procedure BEGIN DELETE FROM exception; END;",
            "trigger wipe",
        ),
        (
            "view",
            "DROP TABLE tickmark; CREATE VIEW tickmark AS SELECT 'x' AS mark, 1 AS ord, '' AS meaning_ja, '' AS meaning_en;",
            "view tickmark",
        ),
        ("table", "CREATE TABLE payload (x BLOB);", "table payload"),
        ("index", "CREATE INDEX by_text ON procedure (text_ja);", "index by_text"),
    ];
    for (what, batch, named) in cases {
        let path = fx.path(&format!("{what}.ismap"));
        std::fs::copy(&original, &path).unwrap();
        sql(&path, batch);
        let before = digest(&path);
        for err in [
            api::show_engagement(&path).unwrap_err(),
            api::verify_log(&path, None).unwrap_err(),
            api::update_procedure(&path, "9.2.1.2/P1", ProcedurePatch::default(), fx.ctx()).unwrap_err(),
        ] {
            assert_eq!(err.kind(), "foreign_object", "{what}: {err}");
            assert!(err.to_string().contains(named), "{what}: {err}");
            assert!(err.to_string().contains(&format!("{what}.ismap")), "{what}: names the file: {err}");
        }
        assert_eq!(digest(&path), before, "{what}: the file is left as it is");
    }
}

#[test]
fn reading_a_file_never_writes_to_it() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&path, permissions).unwrap();
    let before = digest(&path);
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    api::show_engagement(&path).unwrap();
    api::list_controls(&path).unwrap();
    assert!(api::verify_log(&path, None).unwrap().is_intact());
    assert!(api::verify_evidence(&path, &mut |_, _| true).unwrap().problems.is_empty());
    api::report_model(&path, "2026-12-20".parse().unwrap(), fx.ctx()).unwrap();
    api::dashboard(&path, "2026-06-01".parse().unwrap()).unwrap();
    assert_eq!(digest(&path), before);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), modified);
    assert!(!fx.path("demo.ismap-journal").exists());
}

#[test]
fn evidence_ids_that_walk_out_of_a_folder_are_refused_when_read() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let scan = fx.write("scan.txt", "承認記録");
    let meta = EvidenceMeta {
        title: "承認記録".into(),
        description: String::new(),
        kind: EvidenceKind::Document,
        obtained_from: String::new(),
        obtained_by: String::new(),
        obtained_at: None,
        as_of: "2026-05-01".parse().unwrap(),
    };
    let link = EvidenceLink { kind: LinkKind::Procedure, id: "9.2.1.2/P1".into() };
    api::add_evidence(&path, &[IntakeFile { path: scan, meta }], &[link], fx.ctx(), &mut |_| true).unwrap();
    for hostile in ["../../escaped", "..\\..\\escaped", "/tmp/escaped"] {
        let copy = fx.path("hostile.ismap");
        std::fs::copy(&path, &copy).unwrap();
        sql(
            &copy,
            &format!(
                "UPDATE evidence_link SET evidence_id = '{hostile}'; UPDATE evidence SET id = '{hostile}' WHERE id = 'EV-0001';"
            ),
        );
        let err = api::list_evidence(&copy, true).unwrap_err();
        assert_eq!(err.kind(), "corrupt", "{hostile}: {err}");
        let out = fx.path("out");
        let err = api::export_evidence(&copy, &out, fx.ctx()).unwrap_err();
        assert!(matches!(err.kind().as_str(), "corrupt" | "log_mismatch"), "{hostile}: {err}");
        assert!(!fx.path("escaped").exists() && !Path::new("/tmp/escaped").exists(), "{hostile}: nothing written");
        std::fs::remove_file(&copy).unwrap();
    }
}

#[test]
fn the_system_viewer_gets_only_documents_and_images_that_run_nothing() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let meta = |title: &str| EvidenceMeta {
        title: title.into(),
        description: String::new(),
        kind: EvidenceKind::Other,
        obtained_from: String::new(),
        obtained_by: String::new(),
        obtained_at: None,
        as_of: "2026-05-01".parse().unwrap(),
    };
    let files = [
        fx.write("setup.exe", b"MZ\x90\x00 a program"),
        fx.write("invoice.pdf", b"MZ\x90\x00 a program named like a document"),
        fx.write("report.docm", b"PK\x03\x04 a document with macros"),
        fx.write("policy.pdf", b"%PDF-1.7\n%a document\n"),
    ];
    let intake: Vec<IntakeFile> = files.iter().map(|f| IntakeFile { path: f.clone(), meta: meta("x") }).collect();
    api::add_evidence(&path, &intake, &[], fx.ctx(), &mut |_| true).unwrap();
    for (id, code) in [("EV-0001", "may_run_code"), ("EV-0002", "content_mismatch"), ("EV-0003", "may_run_code")] {
        let workbench_core::Error::Invalid { problems } = api::viewer_copy(&path, id).unwrap_err() else {
            panic!("{id} must be refused")
        };
        assert_eq!(problems[0].code, code, "{id}");
    }
    let copy = api::viewer_copy(&path, "EV-0004").unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), b"%PDF-1.7\n%a document\n");
    assert!(copy.file_name().unwrap().to_string_lossy().starts_with("EV-0004_"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let folder = copy.parent().unwrap().parent().unwrap();
        assert_eq!(std::fs::metadata(folder).unwrap().permissions().mode() & 0o077, 0, "private to its user");
    }
    api::clear_viewer_copies().unwrap();
    assert!(!copy.exists());
}

#[test]
fn two_writers_at_once_wait_for_each_other_and_both_succeed() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let before = api::show_engagement(&path).unwrap().events;
    let procedures: Vec<String> =
        api::list_procedures(&path).unwrap().into_iter().map(|p| p.procedure.id).take(20).collect();
    std::thread::scope(|scope| {
        for half in procedures.chunks(10) {
            let (path, fx) = (&path, &fx);
            scope.spawn(move || {
                for id in half {
                    let patch = ProcedurePatch {
                        work_done: Some(format!("{id} を閲覧した")),
                        ..ProcedurePatch::default()
                    };
                    api::update_procedure(path, id, patch, fx.ctx()).unwrap();
                }
            });
        }
    });
    assert_eq!(api::show_engagement(&path).unwrap().events, before + 20);
    assert!(api::verify_log(&path, None).unwrap().is_intact());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A damaged file (bytes changed, cut short) is either read as it is or
    /// refused with a typed error: never a panic, never a hang.
    #[test]
    fn a_damaged_file_is_refused_with_a_typed_error_never_a_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let fx = Fixture::new();
        let path = fx.path("demo.ismap");
        std::fs::copy(pristine(), &path).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        for (at, value) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= value | 1;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        std::fs::write(&path, &bytes).unwrap();
        let outcome = std::panic::catch_unwind(|| {
            for result in [
                api::show_engagement(&path).map(|_| ()),
                api::list_controls(&path).map(|_| ()),
                api::verify_log(&path, None).map(|_| ()),
            ] {
                if let Err(e) = result {
                    assert!(
                        matches!(e.kind().as_str(), "not_an_engagement" | "corrupt" | "foreign_object" | "newer_version" | "invalid" | "not_found"),
                        "an unexpected kind: {e}"
                    );
                }
            }
        });
        prop_assert!(outcome.is_ok(), "a damaged file made the workbench panic");
    }
}

/// One demo file for every case of the property test, made once.
fn pristine() -> &'static Path {
    static FILE: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = FILE.get_or_init(|| {
        let fx = Fixture::new();
        let path = demo(&fx);
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("pristine.ismap");
        std::fs::copy(&path, &kept).unwrap();
        (dir, kept)
    });
    path
}
