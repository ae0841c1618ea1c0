//! A tiny fixture builder: temporary folders, a fixed actor and clock.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use workbench_core::model::event::{Actor, Context, FixedClock};

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub actor: Actor,
    pub clock: FixedClock,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            actor: Actor::new("佐藤 花子"),
            clock: FixedClock::new(Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap()),
        }
    }

    pub fn ctx(&self) -> Context<'_> {
        Context { actor: &self.actor, clock: &self.clock }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The library's data folder inside the fixture: tests never touch the
    /// user's real data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.path("data")
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// The names of the files in the fixture's folder, sorted.
    pub fn files(&self) -> Vec<String> {
        list(self.dir.path())
    }
}

pub fn list(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

pub fn oscal_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/oscal").join(name)
}

pub const FULL_REV5: &str = "NIST_SP-800-53_rev5.0.1_catalog.json";
pub const LOW_BASELINE: &str = "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json";

/// An engagement with the demo's fields on the sample catalog, planned from
/// the default library, with no work yet (`api::create_demo` adds sampling).
pub fn planned_demo(fx: &Fixture, uuid: &str) -> PathBuf {
    let path = fx.path("demo.ismap");
    workbench_core::api::create_engagement_from_sample(
        &path,
        uuid.into(),
        workbench_core::sample::demo_fields(),
        workbench_core::model::engagement::ProgramRules::default(),
        fx.ctx(),
    )
    .unwrap();
    path
}

/// Recomputes every event's hash and the head, as someone with the file
/// and the documented hash could.
pub fn rehash(conn: &rusqlite::Connection) {
    let rows: Vec<(i64, String, String, String, String)> = conn
        .prepare("SELECT seq, kind, payload, actor, at FROM event ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = workbench_core::model::event::GENESIS_HASH.to_string();
    for (seq, kind, payload, actor, at) in rows {
        let hash = workbench_core::model::event::event_hash(seq, &kind, &payload, &actor, &at, &prev);
        conn.execute("UPDATE event SET prev_hash = ?2, hash = ?3 WHERE seq = ?1", rusqlite::params![seq, prev, hash])
            .unwrap();
        conn.execute("UPDATE engagement SET head_hash = ?1", [&hash]).unwrap();
        prev = hash;
    }
}
