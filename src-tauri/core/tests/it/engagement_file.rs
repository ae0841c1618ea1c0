//! The engagement file: creation, opening, refusing what is not ours, and
//! the hash-chained event log.

use rusqlite::Connection;
use workbench_core::api;
use workbench_core::api::schema_version;
use workbench_core::generate::{synthetic_catalog, GenerateOptions};
use workbench_core::model::engagement::ProgramRules;
use workbench_core::model::procedure::Status;
use workbench_core::sample::{demo_fields, sample_catalog};
use workbench_core::Error;

use crate::support::Fixture;

/// The demo's engagement as created, before the demo's sampling work, so
/// that these tests count events and exceptions from a known start.
fn demo(fx: &Fixture) -> std::path::PathBuf {
    crate::support::planned_demo(fx, "uuid-1")
}

#[test]
fn the_demo_engagement_keeps_a_frozen_copy_of_its_catalog() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let view = api::show_engagement(&path).unwrap();
    let catalog = sample_catalog().unwrap();
    assert_eq!(view.controls.items, catalog.items.len());
    assert_eq!(view.controls.assessable, catalog.assessable_count());
    assert_eq!(view.catalog.name, "ismap-sample");
    assert_eq!(view.catalog.content_sha256, catalog.content_hash());
    assert!(view.catalog.sample);
    assert_eq!(view.events, 1);
    assert_eq!(view.uuid, "uuid-1");
    assert_eq!(view.fields, demo_fields());
    let groups: Vec<&str> = view.controls.by_group.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(groups, ["governance", "management", "controls"]);

    let controls = api::list_controls(&path).unwrap();
    let pb = controls.iter().find(|c| c.id == "9.2.3.11.PB").unwrap();
    assert_eq!(
        (pb.level.as_str(), pb.suffix.as_deref(), pb.status),
        ("detailed", Some("PB"), Some(Status::NotStarted))
    );
    assert_eq!(pb.parent.as_deref(), Some("9.2.3"));
    assert!(controls.iter().filter(|c| !c.assessable).all(|c| c.status.is_none()));
}

#[test]
fn a_copied_file_is_complete_because_the_journal_is_not_wal() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let mut fields = demo_fields();
    fields.service.scope_of_statement = "東京リージョンのみ".into();
    api::edit_engagement(&path, fields, fx.ctx()).unwrap();
    // Copy while no program has the file open: nothing may live beside it.
    assert_eq!(fx.files(), ["demo.ismap"]);
    let copy = fx.path("copy.ismap");
    std::fs::copy(&path, &copy).unwrap();
    let view = api::show_engagement(&copy).unwrap();
    assert_eq!(view.fields.service.scope_of_statement, "東京リージョンのみ");
    assert_eq!(view.events, 2);
    let conn = Connection::open(&copy).unwrap();
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete");
}

#[test]
fn edits_are_events_with_before_and_after_and_the_chain_verifies() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let mut fields = demo_fields();
    fields.provider.location = "大阪府大阪市（架空）".into();
    let event = api::edit_engagement(&path, fields.clone(), fx.ctx()).unwrap().unwrap();
    assert_eq!(event.seq, 2);
    assert_eq!(event.actor, "佐藤 花子");
    let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
    assert_eq!(payload["kind"], "engagement_edited");
    assert_eq!(payload["changes"][0]["field"], "provider.location");
    assert_eq!(payload["changes"][0]["after"], "大阪府大阪市（架空）");
    // Saving the same fields again records nothing.
    assert!(api::edit_engagement(&path, fields, fx.ctx()).unwrap().is_none());

    let report = api::verify_log(&path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events, 2);
    assert_eq!(report.head_hash, event.hash);
    let events = api::recent_events(&path, 10).unwrap();
    assert_eq!(events[1].hash, events[0].prev_hash);
}

#[test]
fn an_invalid_edit_changes_nothing() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let mut fields = demo_fields();
    fields.period.end = fields.period.start;
    let err = api::edit_engagement(&path, fields, fx.ctx()).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    assert_eq!(api::show_engagement(&path).unwrap().fields, demo_fields());
    assert_eq!(api::verify_log(&path, None).unwrap().events, 1);
}

fn tamper(path: &std::path::Path, sql: &str) {
    Connection::open(path).unwrap().execute_batch(sql).unwrap();
}

fn edited_three_times(fx: &Fixture) -> std::path::PathBuf {
    let path = demo(fx);
    for n in 1..=3 {
        let mut f = demo_fields();
        f.service.scope_of_statement = format!("改訂 {n}");
        api::edit_engagement(&path, f, fx.ctx()).unwrap();
    }
    path
}

#[test]
fn a_changed_event_is_named_as_the_first_broken_one() {
    let fx = Fixture::new();
    let path = edited_three_times(&fx);
    tamper(&path, "UPDATE event SET payload = replace(payload, '改訂 2', '改訂 9') WHERE seq = 3");
    let report = api::verify_log(&path, None).unwrap();
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.seq, 3);
    assert_eq!(broken.kind, "engagement_edited");
    assert!(broken.reason.contains("does not match its hash"), "{}", broken.reason);
    assert_eq!(report.events, 2, "events 1 and 2 are intact");
}

#[test]
fn a_removed_or_replaced_event_is_detected() {
    let fx = Fixture::new();
    let path = edited_three_times(&fx);
    tamper(&path, "DELETE FROM event WHERE seq = 2");
    let broken = api::verify_log(&path, None).unwrap().first_broken.unwrap();
    assert_eq!(broken.seq, 2);
    assert!(broken.reason.contains("missing"), "{}", broken.reason);

    // Renumbering after the deletion (and recomputing that event's own hash)
    // still breaks the link to the event before it.
    let fx = Fixture::new();
    let path = edited_three_times(&fx);
    tamper(&path, "DELETE FROM event WHERE seq = 2; UPDATE event SET seq = seq - 1 WHERE seq > 2;");
    let broken = api::verify_log(&path, None).unwrap().first_broken.unwrap();
    assert_eq!(broken.seq, 2);
}

#[test]
fn removing_the_newest_events_is_detected_through_the_recorded_head() {
    let fx = Fixture::new();
    let path = edited_three_times(&fx);
    tamper(&path, "DELETE FROM event WHERE seq = 4");
    let report = api::verify_log(&path, None).unwrap();
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.seq, 4);
    assert!(broken.reason.contains("removed from the end"), "{}", broken.reason);
}

#[test]
fn a_blob_put_into_an_event_is_reported_not_a_crash() {
    let fx = Fixture::new();
    let path = edited_three_times(&fx);
    tamper(&path, "UPDATE event SET actor = x'00ff' WHERE seq = 2");
    assert_eq!(api::verify_log(&path, None).unwrap().first_broken.unwrap().seq, 2);
}

#[test]
fn invalid_fields_leave_no_file_behind() {
    let fx = Fixture::new();
    let mut fields = demo_fields();
    fields.provider.corporate_number = "1234567890123".into();
    fields.period.end = fields.period.start.checked_add_months(chrono::Months::new(13)).unwrap();
    let err =
        api::create_engagement_from_sample(&fx.path("e.ismap"), "u".into(), fields, ProgramRules::default(), fx.ctx())
            .unwrap_err();
    let Error::Invalid { problems } = err else { panic!("{err:?}") };
    let named: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(named, ["provider.corporate_number", "period"]);
    assert!(fx.files().is_empty(), "{:?}", fx.files());
}

#[test]
fn an_existing_file_is_never_overwritten() {
    let fx = Fixture::new();
    let path = fx.write("precious.ismap", "someone's work");
    let err = api::create_demo(&path, "u".into(), fx.ctx()).unwrap_err();
    assert_eq!(err.kind(), "already_exists");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "someone's work");
    assert_eq!(fx.files(), ["precious.ismap"]);
}

#[test]
fn files_that_are_not_engagements_are_refused_clearly() {
    let fx = Fixture::new();
    let cases = [
        ("empty.ismap", Vec::new(), "the file is empty"),
        ("text.ismap", b"provider,service\n".repeat(20), "not an ISMAP Workbench engagement file"),
        (
            "random.ismap",
            (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
            "not an ISMAP Workbench engagement file",
        ),
    ];
    for (name, bytes, expected) in cases {
        let err = api::show_engagement(&fx.write(name, bytes)).unwrap_err();
        assert_eq!(err.kind(), "not_an_engagement", "{name}: {err}");
        assert!(err.to_string().contains(expected), "{name}: {err}");
        assert!(err.to_string().contains(name), "{name}: {err}");
    }

    // Another program's SQLite database.
    let foreign = fx.path("foreign.sqlite");
    Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
    let err = api::show_engagement(&foreign).unwrap_err();
    assert_eq!(err.kind(), "not_an_engagement");
    assert!(err.to_string().contains("another program"), "{err}");

    // Our catalog library is not an engagement either.
    api::list_catalogs(&fx.data_dir()).unwrap();
    let err = api::show_engagement(&fx.data_dir().join("catalogs.sqlite")).unwrap_err();
    assert_eq!(err.kind(), "not_an_engagement");

    let err = api::show_engagement(&fx.path("absent.ismap")).unwrap_err();
    assert_eq!(err.kind(), "not_found");
}

#[test]
fn a_truncated_engagement_is_reported_as_damaged() {
    let fx = Fixture::new();
    let path = fx.path("big.ismap");
    api::generate_large(&path, GenerateOptions { controls: 300, events: 50, evidence: 0, samples: 0 }, fx.ctx())
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let cut = fx.write("cut.ismap", &bytes[..bytes.len() / 2]);
    let err = api::show_engagement(&cut).unwrap_err();
    assert_eq!(err.kind(), "corrupt", "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn overwritten_pages_are_reported_as_damaged_not_a_panic() {
    let fx = Fixture::new();
    let path = fx.path("big.ismap");
    api::generate_large(&path, GenerateOptions { controls: 300, events: 50, evidence: 0, samples: 0 }, fx.ctx())
        .unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    // The page size from the header (bytes 16-17; 1 means 65536).
    let page = match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65536,
        n => usize::from(n),
    };
    assert!(bytes.len() >= page * 8, "{} bytes", bytes.len());
    for b in &mut bytes[page..page * 8] {
        *b = 0xA5;
    }
    let damaged = fx.write("damaged.ismap", &bytes);
    let result = api::list_controls(&damaged).map(|_| ());
    let err = result.unwrap_err();
    assert_eq!(err.kind(), "corrupt", "{err}");
}

#[test]
fn a_file_from_a_newer_version_is_refused_and_left_alone() {
    let fx = Fixture::new();
    let path = demo(&fx);
    Connection::open(&path).unwrap().pragma_update(None, "user_version", schema_version() + 1).unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = api::show_engagement(&path).unwrap_err();
    assert_eq!(err.kind(), "newer_version");
    assert!(err.to_string().contains("update the workbench"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_file_missing_its_engagement_record_is_damaged() {
    let fx = Fixture::new();
    let path = demo(&fx);
    tamper(&path, "DELETE FROM engagement");
    assert_eq!(api::show_engagement(&path).unwrap_err().kind(), "corrupt");
}

#[test]
fn the_generator_builds_the_quality_bar_sizes() {
    let catalog = synthetic_catalog(1500);
    let detailed = catalog.items.iter().filter(|i| i.level.as_deref() == Some("detailed")).count();
    assert_eq!(detailed, 1500);
    let fx = Fixture::new();
    let path = fx.path("large.ismap");
    let view = api::generate_large(
        &path,
        GenerateOptions { controls: 1500, events: 2000, evidence: 30, samples: 2 },
        fx.ctx(),
    )
    .unwrap();
    assert_eq!(view.events, 2000);
    assert_eq!(api::list_controls(&path).unwrap().iter().filter(|c| c.level == "detailed").count(), 1500);
    assert!(api::verify_log(&path, None).unwrap().is_intact());
}
