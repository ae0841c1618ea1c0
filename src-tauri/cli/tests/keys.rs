//! Personal signing keys through the `workbench` binary: made under a PIN
//! taken from the environment (never the command line), listed with their
//! fingerprints, a member card written, a wrong PIN refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

mod common;
use common::{stderr, stdout, Run};

impl Run {
    /// Runs `workbench` in English as 佐藤 花子, with `pin` as the signing PIN when given.
    fn workbench(&self, pin: Option<&str>, args: &[&str]) -> Output {
        let mut command = self.command("佐藤 花子");
        command.args(args).env("WORKBENCH_LANG", "en");
        if let Some(pin) = pin {
            command.env("WORKBENCH_SIGNING_PIN", pin);
        }
        command.output().unwrap()
    }
}

#[test]
fn a_key_is_made_listed_carded_and_checked_with_its_pin() {
    let run = Run::new();
    let made = run.workbench(Some("24681357"), &["key", "new"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let text = stdout(&made);
    assert!(text.contains("Made 佐藤 花子's signing key. Fingerprint: "), "{text}");
    let fingerprint = text.lines().next().unwrap().rsplit("Fingerprint: ").next().unwrap().to_string();
    assert_eq!(fingerprint.split(' ').count(), 8, "{fingerprint}");

    // The key file holds no PIN and is its owner's only.
    let keys: Vec<_> = std::fs::read_dir(run.path("data/keys")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(keys.len(), 1);
    let stored = std::fs::read_to_string(&keys[0]).unwrap();
    assert!(!stored.contains("24681357"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&keys[0]).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let listed = run.workbench(None, &["key", "list"]);
    assert!(stdout(&listed).contains(&format!("佐藤 花子  {fingerprint}")), "{}", stdout(&listed));

    let card = run.workbench(None, &["key", "card", "--key", "佐藤 花子", "--role", "assessor", "--out", "card.json"]);
    assert!(card.status.success(), "{}", stderr(&card));
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.path("card.json")).unwrap()).unwrap();
    assert_eq!(card["fingerprint"], fingerprint.as_str());
    assert_eq!(card["role"], "assessor");
    assert!(card.get("sealed").is_none(), "a card carries the public half only");

    let right = run.workbench(Some("24681357"), &["key", "check", "--key", &fingerprint]);
    assert!(right.status.success(), "{}", stderr(&right));
    let wrong = run.workbench(Some("11112222"), &["key", "check", "--key", "佐藤 花子"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("wrong PIN for 佐藤 花子's key"), "{}", stderr(&wrong));
    let ja = run.workbench(Some("11112222"), &["--lang", "ja", "key", "check", "--key", "佐藤 花子"]);
    assert!(stderr(&ja).contains("PIN が違います"), "{}", stderr(&ja));
}

#[test]
fn a_short_pin_is_refused_and_nothing_is_kept() {
    let run = Run::new();
    let short = run.workbench(Some("12"), &["key", "new"]);
    assert_eq!(short.status.code(), Some(1), "{}", stderr(&short));
    assert!(stderr(&short).contains("at least 4 characters"), "{}", stderr(&short));
    assert!(!run.path("data/keys").exists() || std::fs::read_dir(run.path("data/keys")).unwrap().next().is_none());
    let missing = run.workbench(Some("12345678"), &["key", "check", "--key", "誰か"]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn the_roster_is_built_from_member_cards_and_a_key_holder_signs_with_the_pin() {
    let run = Run::new();
    let as_person = |who: &str, pin: Option<&str>, args: &[&str]| {
        let mut all = vec!["--as", who];
        all.extend_from_slice(args);
        run.workbench(pin, &all)
    };
    // The demo's own keys stay out: this roster is built by hand.
    assert!(run.workbench(None, &["demo", "--out", "demo.ismap", "--without-keys"]).status.success());
    for (who, pin) in [("山田 太郎", "manager-pin"), ("佐藤 花子", "assessor-pin")] {
        assert!(as_person(who, Some(pin), &["key", "new"]).status.success());
        let card = format!("{who}.card");
        assert!(as_person(who, None, &["key", "card", "--key", who, "--out", &card]).status.success());
    }
    let own = as_person("山田 太郎", Some("manager-pin"), &["roster", "add", "demo.ismap", "--card", "山田 太郎.card"]);
    assert!(own.status.success(), "{}", stderr(&own));
    let added =
        as_person("山田 太郎", Some("manager-pin"), &["roster", "add", "demo.ismap", "--card", "佐藤 花子.card"]);
    assert!(added.status.success(), "{}", stderr(&added));
    let listed = stdout(&as_person("山田 太郎", None, &["roster", "list", "demo.ismap"]));
    assert!(listed.contains("佐藤 花子 (assessor)") && listed.contains("added by 山田 太郎"), "{listed}");

    assert!(as_person(
        "佐藤 花子",
        None,
        &["procedure", "record", "demo.ismap", "9.2.1.2/P1", "--work-done", "質問した", "--result", "no_exception"]
    )
    .status
    .success());
    let wrong = as_person("佐藤 花子", Some("not-her-pin"), &["signoff", "demo.ismap", "9.2.1.2/P1"]);
    assert_eq!(wrong.status.code(), Some(1), "{}", stderr(&wrong));
    assert!(stderr(&wrong).contains("wrong PIN"), "{}", stderr(&wrong));
    let signed = as_person("佐藤 花子", Some("assessor-pin"), &["signoff", "demo.ismap", "9.2.1.2/P1"]);
    assert!(signed.status.success(), "{}", stderr(&signed));
    let verified = run.workbench(None, &["log", "verify", "demo.ismap"]);
    assert!(stdout(&verified).contains("intact"), "{}{}", stdout(&verified), stderr(&verified));
}

#[test]
fn a_key_carried_to_another_computer_arrives_only_with_its_pin() {
    let laptop = Run::new();
    let made = laptop.workbench(Some("24681357"), &["key", "new"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let out = laptop.path("my-key.json");
    let exported = laptop.workbench(None, &["key", "export", "--key", "佐藤 花子", "--out", out.to_str().unwrap()]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    assert!(stdout(&exported).contains("still sealed under its PIN"), "{}", stdout(&exported));

    // Another computer: another data folder.
    let desktop = Run::new();
    let file = out.to_str().unwrap();
    let wrong = desktop.workbench(Some("00000000"), &["key", "import", file]);
    assert_eq!(wrong.status.code(), Some(1), "{}", stderr(&wrong));
    assert!(stderr(&wrong).contains("wrong PIN"), "{}", stderr(&wrong));
    assert!(!desktop.path("data/keys").exists() || std::fs::read_dir(desktop.path("data/keys")).unwrap().count() == 0);

    let imported = desktop.workbench(Some("24681357"), &["key", "import", file, "--json"]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let summary: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(summary["name"], "佐藤 花子");
    let checked = desktop.workbench(Some("24681357"), &["key", "check", "--key", "佐藤 花子"]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    let twice = desktop.workbench(Some("24681357"), &["key", "import", file]);
    assert_eq!(twice.status.code(), Some(1), "a key already here is refused");

    // Something else dressed as a key file is refused before any PIN is tried.
    std::fs::write(desktop.path("card.json"), b"{\"format\":\"ismap-workbench-member-card-v1\"}").unwrap();
    let card = desktop.workbench(Some("24681357"), &["key", "import", desktop.path("card.json").to_str().unwrap()]);
    assert_eq!(card.status.code(), Some(1));
    assert!(stderr(&card).contains("card.json"), "names the file: {}", stderr(&card));
}

#[test]
fn a_pin_that_is_not_text_is_refused_rather_than_made_into_another() {
    use std::os::unix::ffi::OsStrExt;
    let run = Run::new();
    let not_text = std::ffi::OsStr::from_bytes(b"\xff\xfe\xfd\xfc");
    let out = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(["key", "new"])
        .env("WORKBENCH_DATA_DIR", run.path("data"))
        .env("WORKBENCH_USER", "佐藤 花子")
        .env("WORKBENCH_LANG", "en")
        .env("WORKBENCH_SIGNING_PIN", not_text)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not text"), "{}", stderr(&out));
    assert!(!run.path("data/keys").exists());
    // A name a card could not carry is refused when the key is made.
    let long = "A".repeat(201);
    let out = run.workbench(Some("24681357"), &["key", "new", "--name", &long]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}
