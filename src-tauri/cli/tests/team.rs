//! Team fieldwork through the `workbench` binary: a field copy for each
//! assessor, worked on apart, merged back; conflicts shown and decided;
//! bad copies refused with exit 1 and the file's bytes unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

use sha2::{Digest, Sha256};

mod common;
use common::{stderr, stdout, Run};

impl Run {
    /// Runs `workbench` in English as `who`, with a private data folder.
    fn as_person(&self, who: &str, args: &[&str]) -> Output {
        self.command(who).args(args).env("WORKBENCH_LANG", "en").output().unwrap()
    }

    fn ok(&self, who: &str, args: &[&str]) -> String {
        let out = self.as_person(who, args);
        assert!(out.status.success(), "{args:?}: {}{}", stdout(&out), stderr(&out));
        stdout(&out)
    }
}

fn hash_of(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

const MANAGER: &str = "山田 太郎";
const SATO: &str = "佐藤 花子";
const SUZUKI: &str = "鈴木 一郎";

/// The demo, and a copy of it for each of two assessors.
fn team(run: &Run) {
    run.ok(MANAGER, &["demo", "--out", "demo.ismap"]);
    let made = run.ok(MANAGER, &["copy", "demo.ismap", "--out", "sato.ismap", "--for", SATO]);
    assert!(made.contains("Made field copy A for 佐藤 花子"), "{made}");
    run.ok(MANAGER, &["copy", "demo.ismap", "--out", "suzuki.ismap", "--for", SUZUKI]);
}

#[test]
fn two_assessors_work_apart_and_their_work_arrives_with_their_names() {
    let run = Run::new();
    team(&run);
    let copies = run.ok(MANAGER, &["copies", "demo.ismap"]);
    assert!(copies.contains("A  佐藤 花子") && copies.contains("B  鈴木 一郎") && copies.contains("never"), "{copies}");
    assert!(run
        .ok(SATO, &["copies", "sato.ismap"])
        .contains("This file is field copy A, for 佐藤 花子, of demo.ismap"));

    run.ok(
        SATO,
        &[
            "procedure",
            "record",
            "sato.ismap",
            "9.2.1.2/P1",
            "--work-done",
            "佐藤が質問した",
            "--result",
            "no_exception",
        ],
    );
    let exception =
        run.ok(SUZUKI, &["exception", "add", "suzuki.ismap", "--procedure", "6.1.2.1/P1", "鈴木が見つけた例外"]);
    assert!(exception.contains("E-B0001"), "{exception}");
    std::fs::write(run.path("log.txt"), "ログ").unwrap();
    run.ok(SUZUKI, &["evidence", "add", "suzuki.ismap", "log.txt", "--procedure", "6.1.2.1/P1"]);

    let merged = run.ok(MANAGER, &["merge", "demo.ismap", "sato.ismap"]);
    assert!(merged.contains("Merged copy A (佐藤 花子): 1 events") && merged.contains("0 conflicts"), "{merged}");
    let merged = run.ok(MANAGER, &["merge", "demo.ismap", "suzuki.ismap"]);
    assert!(merged.contains("Merged copy B (鈴木 一郎): 2 events, 1 new evidence contents, 0 conflicts"), "{merged}");

    let history = run.ok(MANAGER, &["history", "demo.ismap", "--item", "9.2.1.2/P1"]);
    assert!(history.contains("佐藤 花子  procedure_updated  (field copy A: 佐藤 花子)"), "{history}");
    assert!(run.ok(MANAGER, &["exception", "list", "demo.ismap"]).contains("E-B0001"));
    assert!(run.ok(MANAGER, &["log", "verify", "demo.ismap"]).contains("intact"));
    assert!(run.ok(MANAGER, &["evidence", "verify", "demo.ismap"]).contains("intact"));

    // Merging again brings nothing and leaves the bytes as they were.
    let before = hash_of(&run.path("demo.ismap"));
    let again = run.ok(MANAGER, &["merge", "demo.ismap", "sato.ismap"]);
    assert!(again.contains("has no change since it was last merged"), "{again}");
    assert_eq!(hash_of(&run.path("demo.ismap")), before);
}

#[test]
fn a_conflict_is_listed_with_both_values_blocks_finalizing_and_is_decided() {
    let run = Run::new();
    team(&run);
    run.ok(SATO, &["procedure", "record", "sato.ismap", "9.2.1.2/P1", "--work-done", "コピー側の記録"]);
    run.ok(MANAGER, &["procedure", "record", "demo.ismap", "9.2.1.2/P1", "--work-done", "本体側の記録"]);
    let merged = run.ok(MANAGER, &["merge", "demo.ismap", "sato.ismap"]);
    assert!(merged.contains("1 conflicts"), "{merged}");
    assert!(merged.contains("Conflict 9.2.1.2/P1.work_done (open)"), "{merged}");
    assert!(merged.contains("copy A (佐藤 花子): コピー側の記録 (佐藤 花子"), "{merged}");
    assert!(merged.contains("this file: 本体側の記録 (山田 太郎"), "{merged}");

    let listed = run.as_person(MANAGER, &["--lang", "ja", "conflicts", "demo.ismap"]);
    assert!(stdout(&listed).contains("競合 9.2.1.2/P1.work_done（未決定）"), "{}", stdout(&listed));
    let check = run.as_person(MANAGER, &["finalize", "demo.ismap", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("9.2.1.2/P1"), "{}", stdout(&check));

    let json = run.ok(MANAGER, &["conflicts", "demo.ismap", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(list[0]["sides"].as_array().unwrap().len(), 2);

    let bad = run.as_person(MANAGER, &["merge", "demo.ismap", "--resolve", "no equals sign"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let unknown = run.as_person(MANAGER, &["merge", "demo.ismap", "--resolve", "9.9.9/P1.work_done=ours"]);
    assert_eq!(unknown.status.code(), Some(1), "{}", stderr(&unknown));

    let decided = run.ok(MANAGER, &["merge", "demo.ismap", "--resolve", "9.2.1.2/P1.work_done=theirs"]);
    assert!(decided.contains("Decided conflict 9.2.1.2/P1.work_done: コピー側の記録"), "{decided}");
    assert!(run.ok(MANAGER, &["conflicts", "demo.ismap"]).contains("No conflict is open"));
    let shown = run.ok(MANAGER, &["procedure", "list", "demo.ismap"]);
    assert!(
        shown.contains("コピー側の記録")
            || run.ok(MANAGER, &["control", "show", "demo.ismap", "9.2.1.2"]).contains("コピー側の記録")
    );
    assert!(run.ok(MANAGER, &["log", "verify", "demo.ismap"]).contains("intact"));
}

#[test]
fn bad_copies_are_refused_in_both_languages_and_the_file_is_unchanged() {
    let run = Run::new();
    team(&run);
    run.ok(SATO, &["procedure", "record", "sato.ismap", "9.2.1.2/P1", "--work-done", "作業"]);
    let file = run.path("demo.ismap");
    let before = hash_of(&file);
    let refused = |copy: &str, en: &str, ja: &str| {
        let out = run.as_person(MANAGER, &["merge", "demo.ismap", copy]);
        assert_eq!(out.status.code(), Some(1), "{copy}: {}{}", stdout(&out), stderr(&out));
        assert!(stderr(&out).contains(en), "{copy}: {}", stderr(&out));
        let out = run.as_person(MANAGER, &["--lang", "ja", "merge", "demo.ismap", copy]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains(ja), "{copy}: {}", stderr(&out));
        assert_eq!(hash_of(&file), before, "{copy} left the file unchanged");
    };
    // Another engagement's copy.
    run.ok(MANAGER, &["demo", "--out", "other.ismap"]);
    run.ok(MANAGER, &["copy", "other.ismap", "--out", "other-copy.ismap", "--for", SATO]);
    refused("other-copy.ismap", "is a copy of another engagement", "別の監査業務");
    // A copy whose log was changed.
    std::fs::copy(run.path("sato.ismap"), run.path("tampered.ismap")).unwrap();
    let conn = rusqlite::Connection::open(run.path("tampered.ismap")).unwrap();
    conn.execute(
        "UPDATE event SET payload = replace(payload, '作業', '改ざん') WHERE seq = (SELECT max(seq) FROM event)",
        [],
    )
    .unwrap();
    drop(conn);
    refused("tampered.ismap", "does not verify at event", "検証できません");
    // The engagement file itself, which is not a copy.
    std::fs::copy(&file, run.path("plain.ismap")).unwrap();
    refused("plain.ismap", "is not a field copy", "フィールド用コピーではありません");
    // Not an engagement at all, and a copy from a newer version.
    std::fs::write(run.path("notes.ismap"), "これは監査業務ファイルではない").unwrap();
    let out = run.as_person(MANAGER, &["merge", "demo.ismap", "notes.ismap"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    std::fs::copy(run.path("sato.ismap"), run.path("newer.ismap")).unwrap();
    rusqlite::Connection::open(run.path("newer.ismap")).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let out = run.as_person(MANAGER, &["merge", "demo.ismap", "newer.ismap"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(hash_of(&file), before);
    // A copy of a copy is refused when it is made.
    let out = run.as_person(SATO, &["copy", "sato.ismap", "--out", "again.ismap", "--for", SUZUKI]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("field copy A"), "{}", stderr(&out));
    assert!(!run.path("again.ismap").exists());
}

#[test]
fn a_copy_for_assigned_controls_carries_their_evidence_only() {
    let run = Run::new();
    run.ok(MANAGER, &["demo", "--out", "demo.ismap"]);
    run.ok(MANAGER, &["procedure", "record", "demo.ismap", "9.2.1.2/P1", "--assignee", SATO]);
    std::fs::write(run.path("a.txt"), "9.2.1.2 の証跡").unwrap();
    std::fs::write(run.path("b.txt"), "ほかの証跡").unwrap();
    run.ok(MANAGER, &["evidence", "add", "demo.ismap", "a.txt", "--procedure", "9.2.1.2/P1"]);
    run.ok(MANAGER, &["evidence", "add", "demo.ismap", "b.txt", "--procedure", "6.1.2.1/P1"]);
    let made = run.ok(MANAGER, &["copy", "demo.ismap", "--out", "sato.ismap", "--for", SATO, "--assigned"]);
    let only = made.lines().find(|l| l.contains("evidence of these controls only")).unwrap_or_default();
    assert!(only.contains("9.2.1.2") && !only.contains("6.1.2.1"), "{made}");
    let verify = run.ok(SATO, &["evidence", "verify", "sato.ismap"]);
    assert!(verify.contains("intact"), "{verify}");
    assert!(verify.contains("1 contents not carried"), "{verify}");
}
