//! Faults during an evidence intake, with the real binary: the process
//! killed mid-intake, a full disk, and tampering found by `evidence verify`.
//! Each ends with an engagement that opens, passes `log verify` and
//! `evidence verify`, and holds the whole item or none of it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const PROCEDURE: &str = "9.2.3.11.PB/P1";

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new() -> Run {
        let run = Run { dir: tempfile::tempdir().unwrap() };
        let out = run.workbench(&["demo", "--out", "d.ismap"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        run
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_workbench"));
        c.env("WORKBENCH_DATA_DIR", self.path("data"))
            .env("WORKBENCH_USER", "佐藤 花子")
            .env("WORKBENCH_LANG", "en")
            .current_dir(self.dir.path());
        c
    }

    fn workbench(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// `log verify` and `evidence verify` pass; returns the evidence IDs listed.
    fn assert_whole(&self) -> Vec<String> {
        self.assert_whole_at(&self.path("d.ismap"))
    }

    fn assert_whole_at(&self, file: &Path) -> Vec<String> {
        for check in [["log", "verify"], ["evidence", "verify"]] {
            let out = self.command().args(check).arg(file).output().unwrap();
            assert!(out.status.success(), "{check:?}: {}{}", text(&out.stdout), text(&out.stderr));
        }
        let out = self.command().args(["evidence", "list", "--all", "--json"]).arg(file).output().unwrap();
        let items: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        items.as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect()
    }

    /// A file of `mib` MiB of bytes that differ from chunk to chunk.
    fn big_file(&self, name: &str, mib: usize) -> PathBuf {
        let path = self.path(name);
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut block: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        for i in 0..mib {
            block[0..8].copy_from_slice(&(i as u64).to_le_bytes());
            file.write_all(&block).unwrap();
        }
        file.flush().unwrap();
        path
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn killing_the_process_mid_intake_leaves_the_engagement_whole_and_without_the_item() {
    let run = Run::new();
    let big = run.big_file("big.bin", 512);
    let engagement = run.path("d.ismap");
    let journal = run.path("d.ismap-journal");
    let initial = size(&engagement);
    let mut child =
        run.command().args(["evidence", "add", "d.ismap", "--procedure", PROCEDURE]).arg(&big).spawn().unwrap();
    // Wait until the intake has written a good part of the content into the
    // engagement file, inside its open transaction, then kill it outright.
    let started = Instant::now();
    loop {
        if journal.exists() && size(&engagement) > initial + (64 << 20) {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the intake ended ({status}) before it could be killed; use a larger file");
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the intake never started writing");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no rollback by the process itself.
    child.wait().unwrap();
    assert!(journal.exists(), "the interrupted transaction left its (hot) journal");

    // The next open rolls the half-written intake back.
    assert!(run.assert_whole().is_empty());
    assert!(!journal.exists());
    assert!(size(&engagement) < initial + (1 << 20), "the half-written content is gone: {}", size(&engagement));

    // And the same file can then be taken in completely.
    let out = run.workbench(&["evidence", "add", "d.ismap", "--procedure", PROCEDURE, "big.bin"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(run.assert_whole(), ["EV-0001"]);
}

/// A small tmpfs mounted for one test and unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    /// Mounting needs privileges (root, or CAP_SYS_ADMIN) that a test
    /// machine may not grant; `None` then.
    fn mount(dir: PathBuf, mib: u32) -> Option<SmallDisk> {
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&dir)
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(SmallDisk { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

#[test]
fn a_full_disk_ends_with_a_clear_message_and_nothing_half_written() {
    let run = Run::new();
    std::fs::write(run.path("memo.txt"), "面談記録").unwrap();
    run.big_file("big.bin", 48);
    // A real full disk where the machine lets the test mount a 16 MiB tmpfs:
    // the engagement is moved onto it. Elsewhere the disk "fills" at 16 MiB
    // through a file-size limit (RLIMIT_FSIZE), which the kernel enforces
    // on the same writes; SIGXFSZ is ignored so that the write fails with
    // an error instead of killing the process.
    let disk = SmallDisk::mount(run.path("small-disk"), 16);
    let engagement = match &disk {
        Some(d) => {
            let target = d.dir.join("d.ismap");
            std::fs::copy(run.path("d.ismap"), &target).unwrap();
            target
        }
        None => run.path("d.ismap"),
    };
    let limit = if disk.is_some() { "unlimited" } else { "16384" };
    let before = size(&engagement);
    let out = Command::new("bash")
        .args(["-c", &format!(r#"trap '' XFSZ; ulimit -f {limit}; exec "$0" "$@""#)])
        .arg(env!("CARGO_BIN_EXE_workbench"))
        .args(["evidence", "add"])
        .arg(&engagement)
        .args(["--procedure", PROCEDURE, "memo.txt", "big.bin"])
        .env("WORKBENCH_DATA_DIR", run.path("data"))
        .env("WORKBENCH_LANG", "en")
        .current_dir(run.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let message = text(&out.stderr);
    let expected = if disk.is_some() { "the disk is full" } else { "the disk refused a read or write" };
    assert!(message.contains(expected), "{message}");
    assert!(message.contains("d.ismap") && message.contains("nothing was written"), "{message}");
    // The next open finishes the rollback (SQLite replays a journal left
    // behind by a failed write): neither the small file, in the same batch,
    // nor any of the big one stayed.
    assert!(run.assert_whole_at(&engagement).is_empty());
    assert!(size(&engagement) <= before + (1 << 20), "{} after {before}", size(&engagement));
    assert!(!engagement.with_extension("ismap-journal").exists());
}

#[test]
fn evidence_verify_and_export_from_the_command_line() {
    let run = Run::new();
    std::fs::write(run.path("設定 一覧.json"), r#"{"mfa": true}"#).unwrap();
    std::fs::write(run.path("画面.png"), [0x89, b'P', b'N', b'G', 0, 1, 2]).unwrap();
    let out = run.workbench(&["evidence", "add", "d.ismap", "--procedure", PROCEDURE, "設定 一覧.json", "画面.png"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("EV-0002"), "{}", text(&out.stdout));
    assert_eq!(run.assert_whole(), ["EV-0001", "EV-0002"]);

    let out = run.workbench(&["evidence", "export", "d.ismap", "--out", "exported"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sums = Command::new("sha256sum")
        .args(["--check", "--strict", "--quiet", "SHA256SUMS"])
        .current_dir(run.path("exported"))
        .status()
        .unwrap();
    assert!(sums.success());

    // Overwriting EV-0002's content with the sqlite3 shell is found, by ID.
    let sqlite = Command::new("sqlite3")
        .arg(run.path("d.ismap"))
        .arg("UPDATE blob_chunk SET data = X'00' WHERE blob_id = (SELECT b.id FROM blob b JOIN evidence e ON e.sha256 = b.sha256 WHERE e.id = 'EV-0002');")
        .output()
        .expect("the sqlite3 shell is installed by scripts/setup.sh");
    assert!(sqlite.status.success(), "{}", text(&sqlite.stderr));
    let out = run.workbench(&["evidence", "verify", "d.ismap"]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("Mismatch EV-0002"), "{report}");
    assert!(!report.contains("EV-0001"), "{report}");
}

#[test]
fn an_export_killed_midway_leaves_no_evidence_bytes_behind_once_the_folder_is_used_again() {
    let run = Run::new();
    let big = run.big_file("big.bin", 512);
    let added =
        run.command().args(["evidence", "add", "d.ismap", "--procedure", PROCEDURE]).arg(&big).output().unwrap();
    assert!(added.status.success(), "{}", text(&added.stderr));
    std::fs::remove_file(&big).unwrap();
    let out = run.path("export");
    let partials = |dir: &Path| -> Vec<(String, u64)> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().map(|m| m.len()).unwrap_or(0)))
                    .filter(|(name, _)| name.starts_with(".workbench-partial-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut child = run.command().args(["evidence", "export", "d.ismap", "--out"]).arg(&out).spawn().unwrap();
    // Wait until the evidence is partly written out, then kill the writer outright.
    let started = Instant::now();
    loop {
        if partials(&out).iter().any(|(_, size)| *size > 32 << 20) {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the export ended ({status}) before it could be killed; use a larger file");
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the export never started writing");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(partials(&out).len(), 1, "the killed writer left its partial file, with evidence bytes");

    // The next export into the folder clears what the killed one left, and completes.
    let again = run.command().args(["evidence", "export", "d.ismap", "--out"]).arg(&out).output().unwrap();
    assert!(again.status.success(), "{}", text(&again.stderr));
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["EV-0001_big.bin", "SHA256SUMS", "manifest.json"]);
    let sums = Command::new("sha256sum").arg("-c").arg("SHA256SUMS").current_dir(&out).output().unwrap();
    assert!(sums.status.success(), "{}", text(&sums.stdout));
}
