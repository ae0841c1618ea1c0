//! Encrypted engagement files from the command line: the passphrase from
//! the environment opens the file for every command (report, package,
//! verify by replay, field copies and merge); a missing or wrong one, a
//! plain file given one, and damage are refused clearly (ja and en), exit 1,
//! with the file unchanged; a kill -9 during encrypt leaves the original.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{stderr, stdout, Run};

const PASSPHRASE: &str = "みなと監査 2026 春";
const EXCEPTION_TEXT: &str = "退職者3名のうち1名のIDが、退職日から14日間有効なままであった。";
const EVIDENCE_TEXT: &str = "FIREWALL-RULESET-CONFIDENTIAL permit 10.20.30.0/24";

fn with(run: &Run, passphrase: Option<&str>, args: &[&str]) -> Output {
    let mut c = run.command("佐藤 花子");
    if let Some(p) = passphrase {
        c.env("WORKBENCH_ENGAGEMENT_PASSPHRASE", p);
    }
    c.args(args).output().unwrap()
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    stdout(&out)
}

fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(out), stderr(out));
    stderr(out)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn sha(path: &Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[test]
fn an_encrypted_engagement_reveals_nothing_and_opens_everywhere_with_its_passphrase() {
    let run = Run::new();
    let p = Some(PASSPHRASE);
    ok(with(&run, p, &["demo", "--finalized", "--encrypt", "--out", "final.ismap"]));
    ok(with(&run, p, &["demo", "--encrypt", "--out", "open.ismap"]));
    std::fs::write(run.path("rules.txt"), EVIDENCE_TEXT.repeat(100)).unwrap();
    ok(with(&run, p, &["evidence", "add", "open.ismap", "--procedure", "9.2.1.2/P1", "rules.txt"]));

    for file in ["final.ismap", "open.ismap"] {
        let bytes = std::fs::read(run.path(file)).unwrap();
        for secret in
            ["SQLite format 3", "株式会社サンプルクラウド", "サンプルクラウド IaaS", EVIDENCE_TEXT, "CREATE TABLE"]
        {
            assert!(!contains(&bytes, secret), "{file} shows {secret:?}");
        }
        assert!(!contains(&bytes, EXCEPTION_TEXT), "{file} shows the exception");
        // The sqlite3 shell cannot read it.
        let shell = Command::new("sqlite3").arg(run.path(file)).arg("SELECT count(*) FROM event").output().unwrap();
        assert!(!shell.status.success(), "sqlite3 read {file}: {}", stdout(&shell));
    }
    // The finalized demo holds the exception text: shown with the passphrase.
    let listed = ok(with(&run, p, &["exception", "list", "final.ismap"]));
    assert!(listed.contains(EXCEPTION_TEXT), "{listed}");
    let shown = ok(with(&run, p, &["engagement", "show", "final.ismap"]));
    assert!(shown.contains("暗号化: あり"), "{shown}");
    assert!(ok(with(&run, p, &["controls", "open.ismap"])).contains("9.2.1.2"));
    ok(with(&run, p, &["log", "verify", "final.ismap"]));
    ok(with(&run, p, &["evidence", "verify", "open.ismap"]));
    ok(with(&run, p, &["evidence", "export", "open.ismap", "--out", "exported"]));

    // The report and the package: plain by design, made from the encrypted file.
    common::firm_certificate(&run, "/O=Throwaway firm/CN=encryption test signer");
    for args in [
        &["report", "final.ismap", "--out", "r.pdf", "--sign", "firm.p12"][..],
        &["package", "final.ismap", "--out", "p.zip", "--sign", "firm.p12"][..],
    ] {
        let out = run
            .command("佐藤 花子")
            .env("WORKBENCH_ENGAGEMENT_PASSPHRASE", PASSPHRASE)
            .env("WORKBENCH_P12_PASSPHRASE", "pw")
            .args(args)
            .output()
            .unwrap();
        ok(out);
    }
    assert!(std::fs::read(run.path("r.pdf")).unwrap().starts_with(b"%PDF"));
    ok(run.command("佐藤 花子").args(["verify", "package", "p.zip", "--trust", "firm.pem"]).output().unwrap());

    // A field copy carries the engagement's passphrase, or one of its own.
    ok(with(&run, p, &["copy", "open.ismap", "--out", "a.ismap", "--for", "鈴木 一郎"]));
    assert!(!contains(&std::fs::read(run.path("a.ismap")).unwrap(), "SQLite format 3"));
    ok(with(&run, p, &["procedure", "record", "a.ismap", "9.2.1.2/P2", "--work-done", "現場で閲覧した"]));
    let merged = ok(with(&run, p, &["merge", "open.ismap", "a.ismap"]));
    assert!(!merged.is_empty());
    let detail = ok(with(&run, p, &["procedure", "list", "open.ismap", "--json"]));
    assert!(detail.contains("現場で閲覧した"), "the merge did not bring the copy's work");
    let own = run
        .command("佐藤 花子")
        .env("WORKBENCH_ENGAGEMENT_PASSPHRASE", PASSPHRASE)
        .env("WORKBENCH_NEW_ENGAGEMENT_PASSPHRASE", "現場コピー専用のパスフレーズ")
        .args(["copy", "open.ismap", "--out", "b.ismap", "--for", "田中 次郎", "--new-passphrase"])
        .output()
        .unwrap();
    ok(own);
    refused(&with(&run, p, &["engagement", "show", "b.ismap"]));
    ok(with(&run, Some("現場コピー専用のパスフレーズ"), &["engagement", "show", "b.ismap"]));
}

#[test]
fn a_missing_or_wrong_passphrase_a_plain_file_given_one_and_damage_are_refused_with_the_file_unchanged() {
    let run = Run::new();
    ok(with(&run, Some(PASSPHRASE), &["demo", "--encrypt", "--out", "e.ismap"]));
    ok(with(&run, None, &["demo", "--out", "plain.ismap"]));
    let before = sha(&run.path("e.ismap"));

    // No passphrase, no terminal to ask on.
    let said = refused(&with(&run, None, &["controls", "e.ismap"]));
    assert!(said.contains("パスフレーズが必要です") && said.contains("e.ismap"), "{said}");
    assert!(said.contains("WORKBENCH_ENGAGEMENT_PASSPHRASE"), "{said}");
    let said = refused(&with(&run, None, &["--lang", "en", "log", "verify", "e.ismap"]));
    assert!(said.contains("passphrase needed") && said.contains("e.ismap"), "{said}");
    // A wrong one, reading and writing.
    let said = refused(&with(&run, Some("まちがったパスフレーズ"), &["engagement", "show", "e.ismap"]));
    assert!(said.contains("パスフレーズが違います"), "{said}");
    let said = refused(&with(
        &run,
        Some("まちがったパスフレーズ"),
        &["--lang", "en", "procedure", "record", "e.ismap", "9.2.1.2/P1", "--work-done", "x"],
    ));
    assert!(said.contains("wrong passphrase") && said.contains("not changed"), "{said}");
    assert_eq!(sha(&run.path("e.ismap")), before, "a refused command changed the file");
    // A plain file given one.
    let said = refused(&with(&run, Some(PASSPHRASE), &["controls", "plain.ismap"]));
    assert!(said.contains("暗号化されていません"), "{said}");
    // Encrypting an encrypted file, decrypting or rekeying a plain one.
    let said = refused(&with(&run, Some(PASSPHRASE), &["engagement", "encrypt", "e.ismap"]));
    assert!(said.contains("既に暗号化されています"), "{said}");
    refused(&with(&run, None, &["engagement", "decrypt", "plain.ismap"]));
    // A new passphrase too short.
    let said = refused(&with(&run, Some("短い"), &["engagement", "encrypt", "plain.ismap"]));
    assert!(said.contains("8 文字以上"), "{said}");
    assert!(std::fs::read(run.path("plain.ismap")).unwrap().starts_with(b"SQLite format 3\0"));

    // The variable opens files; it does not encrypt new ones unasked.
    ok(with(&run, Some(PASSPHRASE), &["demo", "--out", "unasked.ismap"]));
    assert!(std::fs::read(run.path("unasked.ismap")).unwrap().starts_with(b"SQLite format 3\0"));
    // An empty variable is no passphrase.
    let said = refused(&with(&run, Some(""), &["controls", "e.ismap"]));
    assert!(said.contains("パスフレーズが必要です"), "{said}");

    // Truncated (inside a page, and by whole pages) and corrupted copies.
    let bytes = std::fs::read(run.path("e.ismap")).unwrap();
    std::fs::write(run.path("cut.ismap"), &bytes[..bytes.len() - 777]).unwrap();
    std::fs::write(run.path("short.ismap"), &bytes[..bytes.len() / 2 / 65536 * 65536]).unwrap();
    let mut first = bytes.clone();
    first[300] ^= 0x10;
    std::fs::write(run.path("first.ismap"), &first).unwrap();
    for (file, says) in [
        ("cut.ismap", "監査業務ファイルではありません"),
        ("short.ismap", "破損"),
        ("first.ismap", "パスフレーズが違います"),
    ] {
        let said = refused(&with(&run, Some(PASSPHRASE), &["log", "verify", file]));
        assert!(said.contains(says) && said.contains(file), "{file}: {said}");
        assert!(!said.contains("panicked"), "{said}");
    }
    assert_eq!(sha(&run.path("e.ismap")), before);
    ok(with(&run, Some(PASSPHRASE), &["log", "verify", "e.ismap"]));
}

#[test]
fn encrypt_rekey_and_decrypt_from_the_command_line() {
    let run = Run::new();
    ok(with(&run, None, &["demo", "--out", "d.ismap"]));
    let said = ok(with(&run, Some(PASSPHRASE), &["engagement", "encrypt", "d.ismap"]));
    assert!(said.contains("暗号化しました"), "{said}");
    refused(&with(&run, None, &["controls", "d.ismap"]));
    let rekeyed = run
        .command("佐藤 花子")
        .env("WORKBENCH_ENGAGEMENT_PASSPHRASE", PASSPHRASE)
        .env("WORKBENCH_NEW_ENGAGEMENT_PASSPHRASE", "次のパスフレーズ 2027")
        .args(["engagement", "rekey", "d.ismap"])
        .output()
        .unwrap();
    ok(rekeyed);
    refused(&with(&run, Some(PASSPHRASE), &["controls", "d.ismap"]));
    ok(with(&run, Some("次のパスフレーズ 2027"), &["engagement", "decrypt", "d.ismap"]));
    let shown = ok(with(&run, None, &["engagement", "show", "d.ismap"]));
    assert!(shown.contains("暗号化: なし"), "{shown}");
    ok(with(&run, None, &["log", "verify", "d.ismap"]));
    assert_eq!(run.files(), ["d.ismap"]);
    // Help for each command.
    for command in ["encrypt", "decrypt", "rekey"] {
        let help = ok(with(&run, None, &["engagement", command, "--help"]));
        assert!(help.contains("PASSPHRASE"), "{command}: {help}");
    }
}

/// Starts `workbench ARGS` with `env`, waits until the new form of the file
/// is being written beside it (a new temporary file past 64 MiB), and kills
/// it outright (SIGKILL: no destructor, no cleanup by the process itself).
/// Returns the temporary file it left.
fn kill_midway(run: &Run, args: &[&str], env: &[(&str, &str)]) -> std::path::PathBuf {
    let temporary = || {
        std::fs::read_dir(run.dir())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".engagement.tmp"))
            .map(|e| (e.path(), e.metadata().map(|m| m.len()).unwrap_or(0)))
            .collect::<Vec<_>>()
    };
    let before: Vec<_> = temporary().into_iter().map(|(p, _)| p).collect();
    let mut command = run.command("佐藤 花子");
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.args(args).spawn().unwrap();
    let started = Instant::now();
    let left = loop {
        if let Some((path, _)) = temporary().into_iter().find(|(p, len)| !before.contains(p) && *len > 64 << 20) {
            break path;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{args:?} ended ({status}) before it could be killed; use more evidence");
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{args:?} never started writing");
        std::thread::sleep(Duration::from_millis(2));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    left
}

#[test]
fn killing_encrypt_rekey_or_decrypt_midway_leaves_the_original_whole() {
    let run = Run::new();
    ok(with(&run, None, &["demo", "--out", "d.ismap"]));
    // Evidence large enough that rewriting the file takes a while.
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(run.path("big.bin")).unwrap());
        let mut block: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        for i in 0..384u64 {
            block[..8].copy_from_slice(&i.to_le_bytes());
            file.write_all(&block).unwrap();
        }
    }
    ok(with(&run, None, &["evidence", "add", "d.ismap", "--procedure", "9.2.1.2/P1", "big.bin"]));
    std::fs::remove_file(run.path("big.bin")).unwrap();
    let whole = |passphrase: Option<&str>, encrypted: bool| {
        let shown = ok(with(&run, passphrase, &["engagement", "show", "d.ismap"]));
        assert!(shown.contains(if encrypted { "暗号化: あり" } else { "暗号化: なし" }), "{shown}");
        ok(with(&run, passphrase, &["log", "verify", "d.ismap"]));
        ok(with(&run, passphrase, &["evidence", "verify", "d.ismap"]));
    };

    // encrypt, killed: the plain original stays.
    let before = sha(&run.path("d.ismap"));
    kill_midway(&run, &["engagement", "encrypt", "d.ismap"], &[("WORKBENCH_ENGAGEMENT_PASSPHRASE", PASSPHRASE)]);
    assert_eq!(sha(&run.path("d.ismap")), before, "encrypt, killed, changed the original");
    whole(None, false);
    ok(with(&run, Some(PASSPHRASE), &["engagement", "encrypt", "d.ismap"]));

    // rekey, killed: the file still opens with the old passphrase only.
    let before = sha(&run.path("d.ismap"));
    kill_midway(
        &run,
        &["engagement", "rekey", "d.ismap"],
        &[
            ("WORKBENCH_ENGAGEMENT_PASSPHRASE", PASSPHRASE),
            ("WORKBENCH_NEW_ENGAGEMENT_PASSPHRASE", "次のパスフレーズ 2027"),
        ],
    );
    assert_eq!(sha(&run.path("d.ismap")), before, "rekey, killed, changed the original");
    whole(Some(PASSPHRASE), true);
    refused(&with(&run, Some("次のパスフレーズ 2027"), &["engagement", "show", "d.ismap"]));

    // decrypt, killed: the encrypted original stays.
    let plain_part =
        kill_midway(&run, &["engagement", "decrypt", "d.ismap"], &[("WORKBENCH_ENGAGEMENT_PASSPHRASE", PASSPHRASE)]);
    assert_eq!(sha(&run.path("d.ismap")), before, "decrypt, killed, changed the original");
    whole(Some(PASSPHRASE), true);
    // What the killed writers left (the decrypted part among it) goes with the next rewrite in the folder.
    assert!(plain_part.exists());
    let new = "次のパスフレーズ 2027";
    let rekeyed = run
        .command("佐藤 花子")
        .env("WORKBENCH_ENGAGEMENT_PASSPHRASE", PASSPHRASE)
        .env("WORKBENCH_NEW_ENGAGEMENT_PASSPHRASE", new)
        .args(["engagement", "rekey", "d.ismap"])
        .output()
        .unwrap();
    ok(rekeyed);
    assert_eq!(run.files(), ["d.ismap"]);
    whole(Some(new), true);
}
