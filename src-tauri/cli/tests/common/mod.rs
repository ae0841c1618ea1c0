//! What the CLI's integration tests share: a private folder per test, and
//! the `workbench` binary run in it with its own data folder, as a user
//! would run it. Each test file says who runs it, in which language and
//! with which PIN.

// Each test binary uses the part it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    pub fn new() -> Run {
        Run { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The names of the files in the test's folder, sorted, without its data folder.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "data")
            .collect();
        names.sort();
        names
    }

    /// The binary in the test's folder, with the folder's own data folder,
    /// acting as `who`; nothing of the caller's language, PIN or terminal
    /// reaches it (a prompt reads an empty stdin and gives up).
    pub fn command(&self, who: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_workbench"));
        command
            .env("WORKBENCH_DATA_DIR", self.path("data"))
            .env("WORKBENCH_USER", who)
            .env_remove("WORKBENCH_LANG")
            .env_remove("WORKBENCH_SIGNING_PIN")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        command
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A throwaway firm certificate and key made with openssl in the run's
/// folder: `firm.pem`, `firm.key`, and `firm.p12` (passphrase `pw`), with
/// `subject` as its subject.
pub fn firm_certificate(run: &Run, subject: &str) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(run.dir()).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "firm.key",
        "-out",
        "firm.pem",
        "-days",
        "2",
        "-subj",
        subject,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,digitalSignature,keyCertSign",
    ]);
    openssl(&["pkcs12", "-export", "-inkey", "firm.key", "-in", "firm.pem", "-out", "firm.p12", "-passout", "pass:pw"]);
}
