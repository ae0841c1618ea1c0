//! Evidence: storage by content hash, links, the PBC list, integrity checks,
//! and the faults an intake must survive with nothing half-written.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use workbench_core::api;
use workbench_core::api::{IntakeFile, CHUNK_SIZE};
use workbench_core::model::evidence::{
    EvidenceKind, EvidenceLink, EvidenceMeta, EvidencePatch, LinkKind, PbcFields, PbcStatus,
};

use crate::support::Fixture;

const PROCEDURE: &str = "9.2.3.11.PB/P1";

fn demo(fx: &Fixture) -> PathBuf {
    let path = fx.path("demo.ismap");
    api::create_demo(&path, "u".into(), fx.ctx()).unwrap();
    path
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn meta(title: &str) -> EvidenceMeta {
    EvidenceMeta {
        title: title.into(),
        description: String::new(),
        kind: EvidenceKind::Document,
        obtained_from: "情報システム部 山田".into(),
        obtained_by: "佐藤 花子".into(),
        obtained_at: Some(date("2026-04-10")),
        as_of: date("2026-03-31"),
    }
}

fn intake(path: &Path) -> IntakeFile {
    IntakeFile { path: path.to_path_buf(), meta: meta("規程") }
}

fn to_procedure(id: &str) -> Vec<EvidenceLink> {
    vec![EvidenceLink { kind: LinkKind::Procedure, id: id.into() }]
}

/// Deterministic bytes that do not compress or repeat in chunk-sized runs.
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// The SHA-256 that coreutils computes: an implementation independent of ours.
fn sha256sum(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_string()
}

fn count(path: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The file is whole: it opens, its log verifies and its evidence re-hashes.
fn assert_whole(path: &Path) -> (i64, usize) {
    let log = api::verify_log(path, None).unwrap();
    assert!(log.is_intact(), "{log:?}");
    let check = api::verify_evidence(path, &mut |_, _| true).unwrap();
    assert!(check.problems.is_empty(), "{check:?}");
    assert_eq!(count(path, "SELECT count(*) FROM blob WHERE sha256 IS NULL"), 0);
    (log.events, check.items)
}

#[test]
fn a_file_is_stored_with_its_hash_and_reads_back_bit_for_bit() {
    let fx = Fixture::new();
    let path = demo(&fx);
    // Three and a half chunks, so that chunk boundaries are crossed.
    let content = pseudo_random(CHUNK_SIZE * 7 / 2, 1);
    let source = fx.write("アクセス権 一覧.xlsx", &content);
    let mut calls = 0;
    let added = api::add_evidence(&path, &[intake(&source)], &to_procedure(PROCEDURE), fx.ctx(), &mut |p| {
        calls += 1;
        assert!(p.bytes_done <= p.bytes_total);
        true
    })
    .unwrap();
    assert_eq!(calls, 4, "one progress call per chunk");
    let e = &added[0];
    assert_eq!(e.id, "EV-0001");
    assert_eq!(e.sha256, sha256sum(&source));
    assert_eq!(e.size, content.len() as u64);
    assert_eq!(e.original_name, "アクセス権 一覧.xlsx");
    assert_eq!(e.media_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_eq!(e.meta.as_of, date("2026-03-31"));
    assert_eq!(e.added_by, "佐藤 花子");
    assert_eq!(e.links, to_procedure(PROCEDURE));

    let (_, bytes, cut) = api::evidence_content(&path, "EV-0001", u64::MAX).unwrap();
    assert!(!cut);
    assert!(bytes == content, "the content read back differs");
    let (head, cut) = api::evidence_content(&path, "EV-0001", 10).map(|(_, b, c)| (b, c)).unwrap();
    assert_eq!((head.as_slice(), cut), (&content[..10], true));

    let (events, items) = assert_whole(&path);
    assert_eq!(items, 1);
    let last = api::recent_events(&path, 1).unwrap().remove(0);
    assert_eq!(last.kind, "evidence_added");
    assert!(last.payload.contains(&e.sha256), "the log records the hash");
    assert!(events > 1);
    // The control shows the evidence of its procedures.
    let detail = api::control_detail(&path, "9.2.3.11.PB").unwrap();
    assert_eq!(detail.evidence.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["EV-0001"]);
}

#[test]
fn identical_content_taken_in_twice_is_stored_once() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let content = pseudo_random(CHUNK_SIZE * 2 + 17, 2);
    let a = fx.write("a.bin", &content);
    let b = fx.write("b (copy).bin", &content);
    let exact = fx.write("exact.bin", pseudo_random(CHUNK_SIZE, 3));
    api::add_evidence(&path, &[intake(&a)], &[], fx.ctx(), &mut |_| true).unwrap();
    let size_after_first = std::fs::metadata(&path).unwrap().len();
    let added = api::add_evidence(&path, &[intake(&b), intake(&exact)], &[], fx.ctx(), &mut |_| true).unwrap();
    assert_eq!(added[0].sha256, sha256sum(&a));
    assert_eq!(count(&path, "SELECT count(*) FROM blob"), 2, "one content for a and b, one for exact");
    assert_eq!(count(&path, "SELECT count(*) FROM evidence"), 3);
    let growth = std::fs::metadata(&path).unwrap().len() - size_after_first;
    assert!(growth < content.len() as u64, "the second copy was stored again: the file grew by {growth}");
    assert_whole(&path);
    let (_, bytes, _) = api::evidence_content(&path, &added[0].id, u64::MAX).unwrap();
    assert!(bytes == content);
}

#[test]
fn files_of_the_same_size_that_differ_anywhere_are_both_kept_whole() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let original = pseudo_random(CHUNK_SIZE * 3 + 5, 7);
    let mut middle = original.clone();
    middle[CHUNK_SIZE + 100] ^= 1; // differs in the second chunk
    let mut last = original.clone();
    *last.last_mut().unwrap() ^= 1; // differs in the very last byte
    let files: Vec<IntakeFile> = [("a.bin", &original), ("b.bin", &middle), ("c.bin", &last), ("d.bin", &original)]
        .iter()
        .map(|(name, bytes)| intake(&fx.write(name, bytes)))
        .collect();
    let added = api::add_evidence(&path, &files, &[], fx.ctx(), &mut |_| true).unwrap();
    assert_eq!(count(&path, "SELECT count(*) FROM blob"), 3, "a and d share their content");
    for (e, expected) in added.iter().zip([&original, &middle, &last, &original]) {
        let (_, bytes, _) = api::evidence_content(&path, &e.id, u64::MAX).unwrap();
        assert!(&bytes == expected, "{} reads back differently", e.id);
        assert_eq!(e.sha256, sha256sum(&fx.path(&e.original_name)));
    }
    assert_whole(&path);
}

#[test]
fn a_second_copy_of_a_damaged_content_is_stored_anew_from_the_file() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let bytes = pseudo_random(CHUNK_SIZE + 1, 8);
    let a = fx.write("a.bin", &bytes);
    api::add_evidence(&path, &[intake(&a)], &[], fx.ctx(), &mut |_| true).unwrap();
    // The stored hash is rewritten; the bytes stay as they were.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         UPDATE blob SET sha256 = 'damaged';
         UPDATE evidence SET sha256 = 'damaged';",
    )
    .unwrap();
    drop(conn);
    let again = api::add_evidence(&path, &[intake(&a)], &[], fx.ctx(), &mut |_| true).unwrap().remove(0);
    assert_eq!(again.sha256, sha256sum(&a));
    let (_, read, _) = api::evidence_content(&path, &again.id, u64::MAX).unwrap();
    assert!(read == bytes);
    let check = api::verify_evidence(&path, &mut |_, _| true).unwrap();
    assert!(check.problems.iter().all(|p| p.evidence_ids == ["EV-0001"]), "{check:?}");
    assert!(!check.problems.is_empty());
}

#[test]
fn files_that_cannot_be_taken_in_are_refused_before_anything_is_written() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let good = fx.write("good.txt", "ok");
    let empty = fx.write("empty.txt", "");
    let before = assert_whole(&path);
    let cases: [(PathBuf, &str); 3] =
        [(empty, "source"), (fx.path("vanished.txt"), "not_found"), (fx.dir.path().to_path_buf(), "source")];
    for (bad, kind) in cases {
        let err = api::add_evidence(&path, &[intake(&good), intake(&bad)], &[], fx.ctx(), &mut |_| true).unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        assert!(err.to_string().contains(&bad.display().to_string()), "the message names the file: {err}");
        assert_eq!(assert_whole(&path), before);
    }
    let err =
        api::add_evidence(&path, &[intake(&good)], &to_procedure("9.9.9.9/P1"), fx.ctx(), &mut |_| true).unwrap_err();
    assert_eq!(err.kind(), "not_found");
    let mut untitled = intake(&good);
    untitled.meta.title = "  ".into();
    assert_eq!(api::add_evidence(&path, &[untitled], &[], fx.ctx(), &mut |_| true).unwrap_err().kind(), "invalid");
    assert_eq!(assert_whole(&path), before);
}

#[test]
fn a_file_that_changes_while_it_is_read_is_refused_and_nothing_is_kept() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let first = fx.write("first.log", "complete");
    let growing = fx.write("growing.log", pseudo_random(CHUNK_SIZE * 3, 4));
    let before = assert_whole(&path);
    let mut appended = false;
    let err = api::add_evidence(&path, &[intake(&first), intake(&growing)], &[], fx.ctx(), &mut |p| {
        // The writer of the log appends while the second file is being read.
        if p.file == 2 && !appended {
            let mut f = std::fs::OpenOptions::new().append(true).open(&growing).unwrap();
            f.write_all(b"one more line\n").unwrap();
            appended = true;
        }
        true
    })
    .unwrap_err();
    assert_eq!(err.kind(), "source", "{err}");
    assert!(err.to_string().contains("changed while it was being read"), "{err}");
    // The first file, complete and already stored, went with the batch.
    assert_eq!(assert_whole(&path), before);
    assert_eq!(count(&path, "SELECT count(*) FROM blob"), 0);
    assert_eq!(count(&path, "SELECT count(*) FROM blob_chunk"), 0);
}

#[test]
fn a_cancelled_intake_leaves_nothing() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let big = fx.write("big.bin", pseudo_random(CHUNK_SIZE * 4, 5));
    let before = assert_whole(&path);
    let mut calls = 0;
    let err = api::add_evidence(&path, &[intake(&big)], &[], fx.ctx(), &mut |_| {
        calls += 1;
        calls < 2
    })
    .unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert_eq!(assert_whole(&path), before);
    assert_eq!(count(&path, "SELECT count(*) FROM blob_chunk"), 0);
}

#[test]
fn odd_file_names_are_kept_and_exported_under_safe_names() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let long = format!("{}.csv", "監査証跡".repeat(20)); // 240 bytes of name
    let names = ["設定 ファイル (本番).json", "spaces  in  name .txt", long.as_str(), "-dash-first.log"];
    let files: Vec<IntakeFile> =
        names.iter().enumerate().map(|(i, n)| intake(&fx.write(n, format!("内容 {i}\n")))).collect();
    let added = api::add_evidence(&path, &files, &[], fx.ctx(), &mut |_| true).unwrap();
    let stored: Vec<&str> = added.iter().map(|e| e.original_name.as_str()).collect();
    assert_eq!(stored, names);

    let out = fx.path("export");
    let report = api::export_evidence(&path, &out, fx.ctx()).unwrap();
    assert_eq!(report.files, 4);
    for name in crate::support::list(&out) {
        assert!(name.len() <= 200, "{name}");
        assert!(!name.contains('/'));
    }
    // coreutils checks every exported file against the SHA256SUMS we wrote.
    let status = std::process::Command::new("sha256sum")
        .args(["--check", "--strict", "--quiet", "SHA256SUMS"])
        .current_dir(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["items"][1]["original_name"], "spaces  in  name .txt");
    assert_eq!(manifest["items"][1]["sha256"], added[1].sha256);
    assert_eq!(manifest["log_head_hash"], api::verify_log(&path, None).unwrap().head_hash);

    // A second export into the same folder is refused rather than mixed in.
    let again = api::export_evidence(&path, &out, fx.ctx()).unwrap_err();
    assert_eq!(again.kind(), "already_exists");
}

#[test]
fn links_are_events_and_what_evidence_supports_cannot_vanish_under_it() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let file = fx.write("memo.txt", "面談記録");
    let exception = api::add_exception(&path, PROCEDURE, "承認記録がなかった。", fx.ctx()).unwrap();
    let e = api::add_evidence(&path, &[intake(&file)], &to_procedure(PROCEDURE), fx.ctx(), &mut |_| true)
        .unwrap()
        .remove(0);
    let to_exception = EvidenceLink { kind: LinkKind::Exception, id: exception.id.clone() };
    let linked = api::link_evidence(&path, &e.id, to_exception.clone(), fx.ctx()).unwrap();
    assert_eq!(linked.links.len(), 2);
    assert_eq!(api::recent_events(&path, 1).unwrap()[0].kind, "evidence_linked");

    // The exception and the procedure are supported by the evidence.
    let refused = api::remove_exception(&path, &exception.id, fx.ctx()).unwrap_err();
    assert_eq!(refused.kind(), "invalid");
    assert!(refused.to_string().contains(&e.id), "{refused}");
    assert_eq!(api::remove_procedure(&path, PROCEDURE, fx.ctx()).unwrap_err().kind(), "invalid");

    let unlinked = api::unlink_evidence(&path, &e.id, to_exception.clone(), fx.ctx()).unwrap();
    assert_eq!(unlinked.links, to_procedure(PROCEDURE));
    assert_eq!(api::recent_events(&path, 1).unwrap()[0].kind, "evidence_unlinked");
    api::remove_exception(&path, &exception.id, fx.ctx()).unwrap();
    assert_eq!(api::unlink_evidence(&path, &e.id, to_exception, fx.ctx()).unwrap_err().kind(), "not_found");

    // Withdrawing needs a reason, keeps the record and content, and hides it.
    assert_eq!(api::remove_evidence(&path, &e.id, " ", fx.ctx()).unwrap_err().kind(), "invalid");
    let removed = api::remove_evidence(&path, &e.id, "別の版を受領したため", fx.ctx()).unwrap();
    assert_eq!(removed.removed.as_ref().unwrap().reason, "別の版を受領したため");
    assert!(api::list_evidence(&path, false).unwrap().is_empty());
    assert_eq!(api::list_evidence(&path, true).unwrap().len(), 1);
    assert!(api::control_detail(&path, "9.2.3.11.PB").unwrap().evidence.is_empty());
    assert_eq!(api::evidence_content(&path, &e.id, 100).unwrap().1, "面談記録".as_bytes());
    let relink = api::link_evidence(&path, &e.id, to_procedure("9.2.3.11.PB/P2").remove(0), fx.ctx()).unwrap_err();
    assert_eq!(relink.kind(), "invalid");
    assert_whole(&path);
}

#[test]
fn edits_of_an_item_are_recorded_field_by_field() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let file = fx.write("screen.png", [0x89, b'P', b'N', b'G']);
    let e = api::add_evidence(&path, &[intake(&file)], &[], fx.ctx(), &mut |_| true).unwrap().remove(0);
    assert_eq!(e.media_type, "image/png");
    let patch = EvidencePatch {
        title: Some("管理画面のMFA設定".into()),
        kind: Some(EvidenceKind::Screenshot),
        as_of: Some(date("2026-02-28")),
        ..EvidencePatch::default()
    };
    let edited = api::edit_evidence(&path, &e.id, patch, fx.ctx()).unwrap();
    assert_eq!(edited.meta.title, "管理画面のMFA設定");
    assert_eq!(edited.meta.as_of, date("2026-02-28"));
    let event = api::recent_events(&path, 1).unwrap().remove(0);
    assert_eq!(event.kind, "evidence_edited");
    let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
    assert_eq!(payload["changes"].as_array().unwrap().len(), 3);
    assert_eq!(payload["changes"][0]["before"], "規程");
    let blank = EvidencePatch { title: Some(String::new()), ..EvidencePatch::default() };
    assert_eq!(api::edit_evidence(&path, &e.id, blank, fx.ctx()).unwrap_err().kind(), "invalid");
    assert_whole(&path);
}

#[test]
fn tampering_with_stored_content_or_its_hash_is_reported_by_evidence_id() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let a = fx.write("a.bin", pseudo_random(CHUNK_SIZE + 10, 6));
    let b = fx.write("b.txt", "second");
    api::add_evidence(&path, &[intake(&a), intake(&b)], &[], fx.ctx(), &mut |_| true).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    // One flipped byte in the second chunk of EV-0001's content.
    conn.execute(
        "UPDATE blob_chunk SET data = zeroblob(length(data)) WHERE seq = 1 AND blob_id =
           (SELECT id FROM blob WHERE sha256 = (SELECT sha256 FROM evidence WHERE id = 'EV-0001'))",
        [],
    )
    .unwrap();
    let check = api::verify_evidence(&path, &mut |_, _| true).unwrap();
    assert_eq!(check.problems.len(), 1, "{check:?}");
    assert_eq!(check.problems[0].evidence_ids, ["EV-0001"]);
    assert!(check.problems[0].problem.contains("SHA-256"), "{check:?}");
    // Exporting refuses to write content that no longer matches, and leaves
    // none of it behind.
    let out = fx.path("export");
    assert_eq!(api::export_evidence(&path, &out, fx.ctx()).unwrap_err().kind(), "corrupt");
    assert!(
        crate::support::list(&out).iter().all(|name| !name.starts_with("EV-0001")),
        "{:?}",
        crate::support::list(&out)
    );

    // Rewriting EV-0002's content and both stored hashes to match is caught
    // by the hash the event log recorded at intake.
    let fake = "0".repeat(64);
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF;
         UPDATE blob SET sha256 = '{fake}' WHERE sha256 = (SELECT sha256 FROM evidence WHERE id = 'EV-0002');
         UPDATE evidence SET sha256 = '{fake}' WHERE id = 'EV-0002';"
    ))
    .unwrap();
    let check = api::verify_evidence(&path, &mut |_, _| true).unwrap();
    let about_two: Vec<&str> =
        check.problems.iter().filter(|p| p.evidence_ids == ["EV-0002"]).map(|p| p.problem.as_str()).collect();
    assert!(about_two.iter().any(|p| p.contains("recorded by event")), "{check:?}");
}

#[test]
fn the_pbc_list_tracks_requests_and_the_dashboard_shows_overdue_ones() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let fields = |item: &str, due: &str| PbcFields {
        item: item.into(),
        requested_on: date("2026-04-01"),
        due: Some(date(due)),
        from_whom: "情報システム部".into(),
        status: PbcStatus::Requested,
        notes: String::new(),
    };
    let late = api::add_pbc(&path, fields("アクセス権棚卸記録", "2026-04-10"), fx.ctx()).unwrap();
    let later = api::add_pbc(&path, fields("バックアップ取得記録", "2026-05-31"), fx.ctx()).unwrap();
    assert_eq!((late.id.as_str(), later.id.as_str()), ("PBC-001", "PBC-002"));
    let bad = api::add_pbc(&path, fields("x", "2026-03-01"), fx.ctx()).unwrap_err();
    assert_eq!(bad.field_problems_first(), Some("due".into()));

    let dashboard = api::dashboard(&path, date("2026-04-20")).unwrap();
    assert_eq!(dashboard.pbc_open, 2);
    assert_eq!(dashboard.pbc_overdue.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["PBC-001"]);

    // The evidence received answers the request, which is then received.
    let file = fx.write("棚卸.xlsx", "x");
    let pbc_link = vec![EvidenceLink { kind: LinkKind::Pbc, id: late.id.clone() }];
    let e = api::add_evidence(&path, &[intake(&file)], &pbc_link, fx.ctx(), &mut |_| true).unwrap().remove(0);
    let mut received = fields("アクセス権棚卸記録", "2026-04-10");
    received.status = PbcStatus::Received;
    let updated = api::edit_pbc(&path, &late.id, received, fx.ctx()).unwrap();
    assert_eq!(updated.evidence, std::slice::from_ref(&e.id));
    assert_eq!(updated.status, PbcStatus::Received);
    let dashboard = api::dashboard(&path, date("2026-04-20")).unwrap();
    assert!(dashboard.pbc_overdue.is_empty());
    assert_eq!((dashboard.pbc_open, dashboard.evidence_items), (1, 1));
    let event = api::recent_events(&path, 1).unwrap().remove(0);
    assert_eq!(event.kind, "pbc_edited");
    assert_whole(&path);
}

trait FirstFieldProblem {
    fn field_problems_first(&self) -> Option<String>;
}

impl FirstFieldProblem for workbench_core::Error {
    fn field_problems_first(&self) -> Option<String> {
        match self {
            workbench_core::Error::Invalid { problems } => problems.first().map(|p| p.field.clone()),
            _ => None,
        }
    }
}

#[test]
fn engagement_files_use_large_pages_and_older_files_are_rebuilt_with_them() {
    let fx = Fixture::new();
    let path = demo(&fx);
    let page_size = |p: &Path| count(p, "SELECT page_size FROM pragma_page_size");
    assert_eq!(page_size(&path), 65536);
    // A file of an earlier version, with SQLite's default 4 KiB pages.
    rusqlite::Connection::open(&path).unwrap().execute_batch("PRAGMA page_size = 4096; VACUUM;").unwrap();
    assert_eq!(page_size(&path), 4096);
    let before = assert_whole(&path);
    // Reading never changes the file; the next change rebuilds it.
    api::show_engagement(&path).unwrap();
    assert_eq!(page_size(&path), 4096);
    let pbc = PbcFields {
        item: "規程一式".into(),
        requested_on: "2026-05-01".parse().unwrap(),
        due: None,
        from_whom: "総務部".into(),
        status: PbcStatus::Requested,
        notes: String::new(),
    };
    api::add_pbc(&path, pbc, fx.ctx()).unwrap();
    assert_eq!(page_size(&path), 65536);
    assert_eq!(assert_whole(&path), (before.0 + 1, before.1), "the log and every item are whole, with the new request");
}

#[test]
fn an_as_of_date_after_the_period_or_in_the_future_is_warned_of_at_intake_and_on_the_item() {
    use chrono::{TimeZone, Utc};
    use workbench_core::error::ProblemCode;
    use workbench_core::model::event::{Context, FixedClock};
    let mut fx = Fixture::new();
    // Taken in on 2026-10-20 (Japan), after the demo's period ended on 2026-09-30.
    fx.clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 10, 20, 1, 0, 0).unwrap());
    let ctx = Context { actor: &fx.actor, clock: &fx.clock };
    let path = demo(&fx);
    let source = fx.write("log.csv", "x");
    // Obtained on the day it was taken in, so that only the period and the future speak here.
    let dated = |as_of: &str| IntakeFile {
        path: source.clone(),
        meta: EvidenceMeta { as_of: date(as_of), obtained_at: Some(date("2026-10-20")), ..meta("ログ") },
    };
    let added = api::add_evidence(
        &path,
        &[dated("2026-09-30"), dated("2026-10-01"), dated("2026-10-21")],
        &to_procedure(PROCEDURE),
        ctx,
        &mut |_| true,
    )
    .unwrap();
    let warnings: Vec<_> = added.iter().map(|e| e.as_of_warning.as_ref().map(|w| (w.code, w.limit))).collect();
    assert_eq!(
        warnings,
        [
            None,
            Some((ProblemCode::AsOfAfterPeriod, date("2026-09-30"))),
            Some((ProblemCode::AsOfInFuture, date("2026-10-20"))),
        ]
    );
    // Shown on the item wherever it is listed, and never recorded in the log.
    let listed = api::list_evidence(&path, false).unwrap();
    assert_eq!(listed.iter().filter(|e| e.as_of_warning.is_some()).count(), 2);
    let log = api::recent_events(&path, 1000).unwrap();
    assert!(log.iter().all(|e| !e.payload.contains("as_of_warning")));
    let report = api::verify_log(&path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
}
