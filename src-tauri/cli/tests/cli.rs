//! The `workbench` binary as a user runs it: output, exit codes, and what
//! is left on disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{stderr, stdout, Run};

impl Run {
    /// Runs `workbench` as the demo's assessor, whose signatures (the demo
    /// team's keys) open with the demo's PIN.
    fn workbench(&self, args: &[&str]) -> Output {
        self.command("佐藤 花子").args(args).env("WORKBENCH_SIGNING_PIN", "0000").output().unwrap()
    }
}

fn oscal(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/oscal").join(name).display().to_string()
}

const NEW_ENGAGEMENT: &[&str] = &[
    "engagement",
    "new",
    "--catalog",
    "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog@5.1.1+u4",
    "--provider-name",
    "株式会社テストクラウド",
    "--corporate-number",
    "4011001098993",
    "--service-name",
    "テストSaaS",
    "--service-url",
    "https://saas.example.jp",
    "--program",
    "ismap_liu",
    "--audit-kind",
    "renewal",
    "--registration-number",
    "C-0001",
    "--registered-on",
    "2025-02-01",
    "--registration-expires",
    "2026-05-31",
    "--period-start",
    "2025-01-01",
    "--period-end",
    "2025-12-31",
    "--prior-period-start",
    "2024-01-01",
    "--prior-period-end",
    "2024-12-31",
    "--firm-name",
    "テスト監査法人",
    "--firm-valid-until",
    "2026-02-28",
    "--member",
    "佐藤 花子:assessor",
    "--member",
    "山田 太郎:manager",
];

fn with(base: &[&str], changes: &[(&str, &str)], out: &str) -> Vec<String> {
    let mut args: Vec<String> = base.iter().map(|s| s.to_string()).collect();
    for (flag, value) in changes {
        let i = args.iter().position(|a| a == flag).unwrap();
        args[i + 1] = value.to_string();
    }
    args.extend(["--out".to_string(), out.to_string()]);
    args
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn every_command_has_help() {
    let run = Run::new();
    let commands: &[&[&str]] = &[
        &[],
        &["demo"],
        &["catalog"],
        &["catalog", "import"],
        &["catalog", "list"],
        &["procedure-library"],
        &["procedure-library", "import"],
        &["procedure-library", "list"],
        &["engagement"],
        &["engagement", "new"],
        &["engagement", "show"],
        &["engagement", "edit"],
        &["engagement", "encrypt"],
        &["engagement", "decrypt"],
        &["engagement", "rekey"],
        &["controls"],
        &["review", "queue"],
        &["control"],
        &["control", "show"],
        &["procedure"],
        &["procedure", "list"],
        &["procedure", "add"],
        &["procedure", "record"],
        &["procedure", "remove"],
        &["exception"],
        &["exception", "add"],
        &["exception", "edit"],
        &["exception", "remove"],
        &["exception", "list"],
        &["scope"],
        &["scope", "set"],
        &["evidence"],
        &["evidence", "add"],
        &["evidence", "list"],
        &["evidence", "edit"],
        &["evidence", "link"],
        &["evidence", "unlink"],
        &["evidence", "remove"],
        &["evidence", "verify"],
        &["evidence", "export"],
        &["pbc"],
        &["pbc", "add"],
        &["pbc", "edit"],
        &["pbc", "list"],
        &["signoff"],
        &["review"],
        &["review", "status"],
        &["note"],
        &["note", "add"],
        &["note", "answer"],
        &["note", "clear"],
        &["note", "list"],
        &["finalize"],
        &["reopen"],
        &["history"],
        &["copy"],
        &["merge"],
        &["conflicts"],
        &["copies"],
        &["key"],
        &["key", "new"],
        &["key", "list"],
        &["key", "card"],
        &["key", "check"],
        &["roster"],
        &["roster", "add"],
        &["roster", "remove"],
        &["roster", "list"],
        &["log"],
        &["log", "verify"],
        &["log", "show"],
        &["generate"],
        &["sample"],
        &["sample", "population"],
        &["sample", "select"],
        &["sample", "pick"],
        &["sample", "add"],
        &["sample", "discard"],
        &["sample", "show"],
        &["sample", "reproduce"],
        &["sample", "attribute"],
        &["sample", "test"],
        &["sample", "tickmark"],
        &["sample", "rules"],
        &["report"],
        &["package"],
        &["verify"],
        &["verify", "package"],
        &["verify", "report"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = run.workbench(&args);
        assert!(out.status.success(), "{command:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("Usage: workbench"), "{command:?}: {text}");
        // Every option and subcommand line carries a description: on the
        // same line, or (clap's layout when some help is long) on the next,
        // indented further.
        let lines: Vec<&str> = text.lines().collect();
        let indent = |l: &str| l.len() - l.trim_start().len();
        for (i, line) in lines.iter().enumerate() {
            let bare = line.trim_start().starts_with("--") && line.split_whitespace().count() < 2;
            let described_below =
                lines.get(i + 1).is_some_and(|next| !next.trim().is_empty() && indent(next) > indent(line));
            assert!(!bare || described_below, "{command:?}: {line:?} has no description:\n{text}");
        }
    }
}

#[test]
fn demo_prints_the_summary_in_japanese_and_english() {
    let run = Run::new();
    let out = run.workbench(&["demo", "--out", "demo.ismap"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "デモ用の監査業務を作成しました",
        "被監査事業者:       株式会社サンプルクラウド（法人番号 7123456789012）",
        "監査対象期間:       2025-10-01 〜 2026-09-30",
        "報告書の提出期限:   2026-12-31",
        "登録の有効期限:     2028-01-31",
        "管理基準:           ismap-sample@2026.1",
        "公式の ISMAP 管理基準ではありません",
        "佐藤 花子（監査担当者）",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let en = stdout(&run.workbench(&["--lang", "en", "engagement", "show", "demo.ismap"]));
    assert!(en.contains("Report due:            2026-12-31"), "{en}");
    assert!(en.contains("Program / audit kind:  ISMAP / initial audit"), "{en}");

    let json: serde_json::Value =
        serde_json::from_slice(&run.workbench(&["engagement", "show", "demo.ismap", "--json"]).stdout).unwrap();
    assert_eq!(json["fields"]["provider"]["corporate_number"], "7123456789012");
    assert_eq!(json["derived"]["report_due"], "2026-12-31");
    let log: serde_json::Value =
        serde_json::from_slice(&run.workbench(&["log", "verify", "demo.ismap", "--json"]).stdout).unwrap();
    assert_eq!(json["events"], log["events"], "the view counts the events of the log");
}

#[test]
fn catalogs_import_list_and_refuse_bad_files() {
    let run = Run::new();
    let out = run.workbench(&["catalog", "import", &oscal("NIST_SP-800-53_rev5.0.1_catalog.json")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("うち評価対象 1189"), "{}", stdout(&out));

    std::fs::write(run.path("bad.csv"), "group,id,title_ja\ncontrols,9.2.3,正\ncontrols,9..2,誤\n").unwrap();
    let out = run.workbench(&["catalog", "import", "bad.csv", "--name", "c", "--catalog-version", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.csv") && err.contains("line 3") && err.contains("\"9..2\""), "{err}");
    assert!(err.contains("取り込めませんでした"), "{err}");

    let listed: serde_json::Value =
        serde_json::from_slice(&run.workbench(&["catalog", "list", "--json"]).stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "the refused catalog is not listed");
    assert_eq!(listed[0]["controls"], 1189);
}

#[test]
fn an_engagement_is_created_shown_and_edited() {
    let run = Run::new();
    let imported =
        run.workbench(&["catalog", "import", &oscal("NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json")]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let out = run.workbench(&strs(&with(NEW_ENGAGEMENT, &[], "e.ismap")));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("ISMAP-LIU / 更新監査"), "{text}");
    assert!(text.contains("現在の登録:         C-0001"), "{text}");
    assert!(text.contains("前回の監査対象期間: 2024-01-01 〜 2024-12-31"), "{text}");
    // The firm's registration (2026-02-28) lapses before the report is due (2026-03-31).
    assert!(
        text.contains("警告: 監査機関の登録は 2026-02-28 に期限切れとなり、報告書の提出期限 2026-03-31 より前です。"),
        "{text}"
    );

    let out = run.workbench(&[
        "engagement",
        "edit",
        "e.ismap",
        "--firm-valid-until",
        "2027-06-30",
        "--scope",
        "全リージョン",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("イベント 2、変更 2 項目"), "{}", stdout(&out));
    let shown = stdout(&run.workbench(&["engagement", "show", "e.ismap"]));
    assert!(!shown.contains("警告"), "{shown}");

    let controls: serde_json::Value =
        serde_json::from_slice(&run.workbench(&["controls", "e.ismap", "--json"]).stdout).unwrap();
    assert_eq!(controls.as_array().unwrap().iter().filter(|c| c["assessable"] == true).count(), 149);
    let log = stdout(&run.workbench(&["log", "show", "e.ismap"]));
    assert!(log.contains("佐藤 花子  engagement_edited") && log.contains("engagement_created"), "{log}");
}

#[test]
fn bad_engagement_fields_are_refused_and_leave_no_file() {
    let run = Run::new();
    run.workbench(&["catalog", "import", &oscal("NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json")]);
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("--corporate-number", "4011001098994")], "provider.corporate_number"),
        (&[("--period-end", "2024-12-31")], "ends (2024-12-31) on or before it starts"),
        (&[("--period-end", "2026-01-01")], "longer than 12 months"),
        (&[("--period-end", "2025-02-28")], "shorter than 3 months (it may end on 2025-03-31 at the earliest)"),
        (&[("--prior-period-end", "2024-11-30")], "must start on 2024-12-01, not 2025-01-01"),
        (&[("--prior-period-end", "2025-01-15")], "must start on 2025-01-16, not 2025-01-01"),
        (&[("--registration-expires", "2025-01-01")], "current_registration.expires_on"),
    ];
    for (changes, expected) in cases {
        // In English each refusal is the core's message with its values.
        let args = with(NEW_ENGAGEMENT, changes, "bad.ismap");
        let out = run.workbench(&[&["--lang", "en"][..], &strs(&args)].concat());
        assert_eq!(out.status.code(), Some(1), "{changes:?}");
        assert!(stderr(&out).contains(expected), "{changes:?}: {}", stderr(&out));
        assert!(run.files().is_empty(), "{changes:?} left {:?}", run.files());
    }
    // In Japanese, the same words as the app's, with the values, naming the field.
    let out = run.workbench(&strs(&with(NEW_ENGAGEMENT, &[("--period-end", "2024-12-31")], "bad.ismap")));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("period: 終了日（2024-12-31）が開始日（2025-01-01）以前"), "{}", stderr(&out));
    // A date that is not a date is a usage error.
    let out = run.workbench(&strs(&with(NEW_ENGAGEMENT, &[("--period-end", "2025-13-01")], "bad.ismap")));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // An unknown catalog.
    let out = run.workbench(&strs(&with(NEW_ENGAGEMENT, &[("--catalog", "nope@1")], "bad.ismap")));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nope@1"), "{}", stderr(&out));
    assert!(run.files().is_empty(), "{:?}", run.files());
}

#[test]
fn missing_required_fields_are_named() {
    let run = Run::new();
    let out = run.workbench(&["engagement", "new", "--catalog", "x@1", "--out", "e.ismap", "--provider-name", "A"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for flag in ["--corporate-number", "--service-name", "--firm-name", "--period-start", "--period-end"] {
        assert!(err.contains(flag), "{flag} not named in {err}");
    }
}

#[test]
fn log_verify_names_the_first_event_changed_with_the_sqlite3_shell() {
    let run = Run::new();
    assert!(run.workbench(&["demo", "--out", "demo.ismap"]).status.success());
    for scope in ["A", "B", "C"] {
        assert!(run.workbench(&["engagement", "edit", "demo.ismap", "--scope", scope]).status.success());
    }
    let ok = run.workbench(&["log", "verify", "demo.ismap", "--json"]);
    assert_eq!(ok.status.code(), Some(0));
    let events = serde_json::from_slice::<serde_json::Value>(&ok.stdout).unwrap()["events"].as_i64().unwrap();
    let ok = run.workbench(&["log", "verify", "demo.ismap"]);
    assert!(stdout(&ok).contains(&format!("イベントログは正常です: {events} 件")), "{}", stdout(&ok));

    // Change one byte of the second edit's payload: "B" becomes "X".
    let target = events - 1;
    let sqlite = Command::new("sqlite3")
        .arg(run.path("demo.ismap"))
        .arg(format!("UPDATE event SET payload = replace(payload, '\"after\":\"B\"', '\"after\":\"X\"') WHERE seq = {target}; SELECT changes();"))
        .output()
        .expect("the sqlite3 shell is installed by scripts/setup.sh");
    assert_eq!(String::from_utf8_lossy(&sqlite.stdout).trim(), "1", "{}", String::from_utf8_lossy(&sqlite.stderr));

    let broken = run.workbench(&["--lang", "en", "log", "verify", "demo.ismap"]);
    assert_eq!(broken.status.code(), Some(1));
    let text = stdout(&broken);
    assert!(text.contains(&format!("at event {target} (engagement_edited")), "{text}");
    assert!(text.contains("does not match its hash"), "{text}");
    assert!(text.contains(&format!("The {} event(s) before it are intact.", target - 1)), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&run.workbench(&["log", "verify", "demo.ismap", "--json"]).stdout).unwrap();
    assert_eq!(json["first_broken"]["seq"], target);
}

#[test]
fn foreign_truncated_and_newer_files_are_refused_by_the_cli() {
    let run = Run::new();
    std::fs::write(run.path("notes.ismap"), "これはエンゲージメントではありません").unwrap();
    let out = run.workbench(&["engagement", "show", "notes.ismap"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("監査業務ファイルではありません"), "{}", stderr(&out));
    assert!(stderr(&out).contains("notes.ismap"), "{}", stderr(&out));

    assert!(run
        .workbench(&[
            "generate",
            "--out",
            "big.ismap",
            "--controls",
            "200",
            "--events",
            "20",
            "--evidence",
            "0",
            "--samples",
            "0"
        ])
        .status
        .success());
    let bytes = std::fs::read(run.path("big.ismap")).unwrap();
    std::fs::write(run.path("cut.ismap"), &bytes[..bytes.len() / 3]).unwrap();
    let out = run.workbench(&["log", "verify", "cut.ismap"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("破損") && stderr(&out).contains("truncated"), "{}", stderr(&out));

    let sqlite = Command::new("sqlite3").arg(run.path("big.ismap")).arg("PRAGMA user_version = 42;").output().unwrap();
    assert!(sqlite.status.success());
    let out = run.workbench(&["engagement", "show", "big.ismap"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("schema 42"), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_with_2() {
    let run = Run::new();
    assert_eq!(run.workbench(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(run.workbench(&["catalog", "import"]).status.code(), Some(2));
    assert_eq!(run.workbench(&["engagement", "show"]).status.code(), Some(2));
}

#[test]
fn procedures_results_exceptions_and_scope_from_the_command_line() {
    let run = Run::new();
    assert!(run.workbench(&["demo", "--out", "d.ismap"]).status.success());
    let p = "9.2.3.11.PB/P1";
    let out =
        run.workbench(&["procedure", "record", "d.ismap", p, "--work-done", "部長に質問した", "--result", "exception"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("完了、例外事項あり"), "{}", stdout(&out));
    let out = run.workbench(&["exception", "add", "d.ismap", "--procedure", p, "3月分の確認記録がなかった。"]);
    assert!(stdout(&out).contains("E-0002"), "{}", stdout(&out));

    let shown = stdout(&run.workbench(&["control", "show", "d.ismap", "9.2.3.11.PB"]));
    assert!(shown.contains("例外事項 E-0002: 3月分の確認記録がなかった。"), "{shown}");
    assert!(shown.contains("実施内容: 部長に質問した"), "{shown}");

    let json: serde_json::Value = serde_json::from_slice(
        &run.workbench(&["procedure", "list", "d.ismap", "--control", "9.2.3.11.PB", "--json"]).stdout,
    )
    .unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["status"], "done");
    assert_eq!(list[0]["procedure"]["result"], "exception");
    assert_eq!(list[1]["status"], "not_started");

    let refused = run.workbench(&["scope", "set", "d.ismap", "17.1.2.2.B", "--decision", "not_adopted"]);
    assert_eq!(refused.status.code(), Some(1));
    let out =
        run.workbench(&["scope", "set", "d.ismap", "17.1.2.2.B", "--decision", "not_adopted", "--reason", "非採用"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out_of_scope: serde_json::Value =
        serde_json::from_slice(&run.workbench(&["controls", "d.ismap", "--status", "out_of_scope", "--json"]).stdout)
            .unwrap();
    // Besides it, the demo's inherited control and the .B control its excluded objective exempts.
    let ids: Vec<_> = out_of_scope.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["10.1.1.2.B", "11.1.2.1", "17.1.2.2.B"]);

    let listed = stdout(&run.workbench(&["--lang", "en", "exception", "list", "d.ismap"]));
    assert!(listed.contains("E-0002  9.2.3.11.PB  9.2.3.11.PB/P1"), "{listed}");
    let missing = run.workbench(&["procedure", "record", "d.ismap", "1.1.1.1/P1", "--result", "exception"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("1.1.1.1/P1"), "{}", stderr(&missing));
    assert_eq!(run.workbench(&["procedure", "record", "d.ismap", p, "--result", "maybe"]).status.code(), Some(2));
    // Three events beyond the demo's: the record, the exception, the scope.
    let demo = run.workbench(&["demo", "--out", "fresh.ismap"]);
    assert!(demo.status.success());
    let count = |file: &str| {
        let out = run.workbench(&["log", "verify", file, "--json"]);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["events"].as_i64().unwrap()
    };
    assert_eq!(count("d.ismap"), count("fresh.ismap") + 3);
    assert!(stdout(&run.workbench(&["log", "verify", "d.ismap"])).contains("イベントログは正常です"));
}

#[test]
fn review_from_the_command_line_sign_note_finalize_lock_reopen() {
    let run = Run::new();
    let out = run.workbench(&["--lang", "en", "demo", "--out", "final.ismap", "--finalized"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Finalized: every change is refused with the kind `locked`, exit 1.
    let out = run.workbench(&["--lang", "en", "procedure", "record", "final.ismap", "9.2.3.11.PB/P1", "--notes", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("locked"), "{}", stderr(&out));

    // The assessor (the fixed user) may not reopen; the manager may.
    let out = run.workbench(&["reopen", "final.ismap", "--reason", "訂正"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let out = run.workbench(&["--as", "山田 太郎", "reopen", "final.ismap", "--reason", "報告書の誤記訂正"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = run.workbench(&["procedure", "record", "final.ismap", "9.2.3.11.PB/P1", "--work-done", "再確認した。"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run.workbench(&["--lang", "en", "review", "status", "final.ismap", "--changed"]);
    let text = stdout(&out);
    assert!(text.contains("9.2.3.11.PB/P1  CHANGED AFTER SIGN-OFF"), "{text}");

    let note =
        run.workbench(&["--as", "鈴木 一郎", "note", "add", "final.ismap", "--on", "9.2.3.11.PB/P1", "日付を確認"]);
    assert!(stdout(&note).contains("RN-001"), "{}", stderr(&note));
    let out = run.workbench(&["--lang", "en", "finalize", "final.ismap", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("9.2.3.11.PB/P1: not signed off as reviewer"), "{text}");
    assert!(text.contains("RN-001: review note not cleared"), "{text}");

    run.workbench(&["note", "answer", "final.ismap", "RN-001", "確認済み"]);
    let clear_by_assessor = run.workbench(&["note", "clear", "final.ismap", "RN-001"]);
    assert_eq!(clear_by_assessor.status.code(), Some(1));
    let steps: &[&[&str]] = &[
        &["--as", "鈴木 一郎", "note", "clear", "final.ismap", "RN-001"],
        &["signoff", "final.ismap", "9.2.3.11.PB/P1"],
        &["--as", "鈴木 一郎", "signoff", "final.ismap", "9.2.3.11.PB/P1", "--level", "reviewer"],
        &["signoff", "final.ismap", "9.2.3.11.PB"],
        &["--as", "鈴木 一郎", "signoff", "final.ismap", "9.2.3.11.PB", "--level", "reviewer"],
        &["--as", "山田 太郎", "finalize", "final.ismap"],
        &["log", "verify", "final.ismap"],
    ];
    for step in steps {
        let out = run.workbench(step);
        assert!(out.status.success(), "{step:?}: {}{}", stdout(&out), stderr(&out));
    }
    let out = run.workbench(&["--lang", "en", "history", "final.ismap", "--item", "9.2.3.11.PB/P1"]);
    let text = stdout(&out);
    assert!(text.contains("changed_after_signoff") && text.contains("再確認した。"), "{text}");
}

#[test]
fn search_and_the_work_queue_from_the_command_line() {
    let run = Run::new();
    assert!(run.workbench(&["demo", "--out", "d.ismap"]).status.success());
    // Both words, in the sample catalog only in 9.2.3.1 「特権IDの付与を承認する」, marked where they matched.
    let out = run.workbench(&["controls", "d.ismap", "--search", "特権　承認"]);
    assert_eq!(
        stdout(&out),
        "9.2.3.1  実施中  結果未記録  1/4  特権IDの付与を承認する\n    [特権]IDの付与を[承認]する\n"
    );
    // Only spaces (an ideographic one too): no search, every control.
    let all = stdout(&run.workbench(&["controls", "d.ismap"]));
    assert_eq!(stdout(&run.workbench(&["controls", "d.ismap", "--search", " \u{3000} "])), all);
    let out = run.workbench(&["controls", "d.ismap", "--search", "見つからない語"]);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("「見つからない語」に一致する管理策はありません"), "{}", stdout(&out));

    let steps: &[&[&str]] = &[
        &["procedure", "record", "d.ismap", "9.2.3.11.PB/P1", "--result", "no_exception", "--work-done", "質問した。"],
        &["signoff", "d.ismap", "9.2.3.11.PB/P1"],
    ];
    for step in steps {
        let out = run.workbench(step);
        assert!(out.status.success(), "{step:?}: {}", stderr(&out));
        // The sign-off's time reads in Japan's time, named.
        if step[0] == "signoff" {
            assert!(stdout(&out).contains(" JST）"), "{}", stdout(&out));
        }
    }
    let out = run.workbench(&["--as", "鈴木 一郎", "review", "queue", "d.ismap", "--list", "awaiting_review"]);
    assert_eq!(
        stdout(&out),
        "査閲待ち: 鈴木 一郎 さんを待っているもの 1 件（全 1 件）\n  9.2.3.11.PB/P1  査閲者  署名待ち\n"
    );
    // The assessor's own queue does not hold her work waiting for review, and names levels in words.
    let out = run.workbench(&["--lang", "en", "review", "queue", "d.ismap", "--list", "awaiting_review"]);
    assert_eq!(stdout(&out), "Awaiting review: 0 waiting for 佐藤 花子 (1 in all)\n");
    let out = run.workbench(&["review", "status", "d.ismap"]);
    assert!(stdout(&out).contains("9.2.3.11.PB/P1  署名途中  [作成者: 佐藤 花子]"), "{}", stdout(&out));
    // Times for people are Japan's, to the minute, with the zone named; never the stored UTC text.
    let history = stdout(&run.workbench(&["history", "d.ismap", "--item", "9.2.3.11.PB/P1"]));
    assert!(history.contains(" JST"), "{history}");
    assert!(!history.split_whitespace().any(|w| w.contains('T') && w.ends_with('Z')), "{history}");
}

#[test]
fn sampling_from_the_command_line_import_select_test_and_reproduce() {
    let run = Run::new();
    assert!(run.workbench(&["demo", "--out", "demo.ismap"]).status.success());
    let reproduce = run.workbench(&["sample", "reproduce", "demo.ismap", "--procedure", "4.4.1.1/P3"]);
    assert_eq!(reproduce.status.code(), Some(0), "{}", stderr(&reproduce));
    assert!(stdout(&reproduce).contains("記録どおりの標本を再現できました。"), "{}", stdout(&reproduce));

    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/change-tickets.csv");
    let list = list.to_str().unwrap();
    let p = "4.4.1.1/P1";
    let preview =
        run.workbench(&["sample", "population", "demo.ismap", "--procedure", p, "--import", list, "--preview"]);
    let text = stdout(&preview);
    assert!(text.contains("change-tickets.csv: 120 件"), "{text}");
    assert!(text.contains("使用する列: ID = 変更番号、日付 = 申請日、概要 = 件名"), "{text}");
    let bad_column = run.workbench(&[
        "sample",
        "population",
        "demo.ismap",
        "--procedure",
        p,
        "--import",
        list,
        "--date-column",
        "期日",
    ]);
    assert_eq!(bad_column.status.code(), Some(2));
    assert!(stderr(&bad_column).contains("no column \"期日\""), "{}", stderr(&bad_column));

    let imported = run.workbench(&["sample", "population", "demo.ismap", "--procedure", p, "--import", list]);
    assert!(stdout(&imported).contains("120 件（change-tickets.csv）、監査対象期間外 2 件"), "{}", stdout(&imported));
    let selected = run.workbench(&[
        "sample",
        "select",
        "demo.ismap",
        "--procedure",
        p,
        "--frequency",
        "weekly",
        "--seed",
        "20261126",
    ]);
    let text = stdout(&selected);
    assert!(text.contains("規則表 common-practice 2026.1: 週次 → 5 件"), "{text}");
    assert!(text.contains("シード 20261126"), "{text}");
    let unreasoned =
        run.workbench(&["sample", "select", "demo.ismap", "--procedure", p, "--frequency", "weekly", "--size", "9"]);
    assert_eq!(unreasoned.status.code(), Some(2), "clap requires --reason with --size");

    assert!(run
        .workbench(&["sample", "attribute", "demo.ismap", "--procedure", p, "--add", "実施前に承認"])
        .status
        .success());
    let no_comment = run.workbench(&[
        "sample",
        "test",
        "demo.ismap",
        "--procedure",
        p,
        "--item",
        "2",
        "--attribute",
        "A",
        "--result",
        "fail",
    ]);
    assert_eq!(no_comment.status.code(), Some(1));
    assert!(stderr(&no_comment).contains("a failed test needs its facts in the comment"), "{}", stderr(&no_comment));
    let failed = run.workbench(&[
        "sample",
        "test",
        "demo.ismap",
        "--procedure",
        p,
        "--item",
        "4.4.1.1/P1/S2",
        "--attribute",
        "A",
        "--result",
        "fail",
        "--tickmark",
        "×",
        "--comment",
        "承認記録がない",
    ]);
    let text = stdout(&failed);
    assert!(text.contains("例外事項 E-0002"), "{text}");
    assert!(text.contains("4.4.1.1/P1 の結果: 例外事項あり"), "{text}");
    let exceptions = stdout(&run.workbench(&["exception", "list", "demo.ismap"]));
    assert!(exceptions.contains("承認記録がない"), "{exceptions}");

    // A sample changed behind the workbench's back no longer reproduces.
    let sqlite = Command::new("sqlite3")
        .arg(run.path("demo.ismap"))
        .arg("UPDATE sample_item SET row = row + 1, item_id = 'CHG-0999' WHERE procedure_id = '4.4.1.1/P1' AND no = 1; SELECT changes();")
        .output()
        .expect("the sqlite3 shell is installed by scripts/setup.sh");
    assert_eq!(String::from_utf8_lossy(&sqlite.stdout).trim(), "1");
    let broken = run.workbench(&["--lang", "en", "sample", "reproduce", "demo.ismap", "--procedure", p]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(stdout(&broken).contains("does not match the record"), "{}", stdout(&broken));

    let rules = run.path("firm.json");
    std::fs::write(&rules, r#"{"name":"firm","version":"1","sizes":[{"frequency":"weekly","size":8}]}"#).unwrap();
    let set = run.workbench(&["sample", "rules", "--set", rules.to_str().unwrap()]);
    assert!(stdout(&set).contains("標本数の規則表: firm 1"), "{}", stdout(&set));
    assert!(stdout(&run.workbench(&["sample", "rules", "--reset"])).contains("common-practice"));
}

#[test]
fn report_package_and_verify_from_the_command_line_refuse_what_they_must() {
    let run = Run::new();
    assert!(run.workbench(&["demo", "--out", "open.ismap"]).status.success());
    let draft = run.workbench(&["report", "open.ismap", "--out", "draft.pdf"]);
    assert!(draft.status.success(), "{}", stderr(&draft));
    assert!(stdout(&draft).contains("報告書（草案、"), "{}", stdout(&draft));
    assert!(std::fs::read(run.path("draft.pdf")).unwrap().starts_with(b"%PDF-"));
    // A draft is never signed, and no passphrase is asked for it.
    std::fs::write(run.path("firm.p12"), b"not read").unwrap();
    let signed = run.workbench(&["report", "open.ismap", "--out", "signed.pdf", "--sign", "firm.p12"]);
    assert_eq!(signed.status.code(), Some(1));
    assert!(
        stderr(&signed).contains("only the final report of a finalized engagement is signed"),
        "{}",
        stderr(&signed)
    );
    assert!(!run.path("signed.pdf").exists());
    let package = run.workbench(&["package", "open.ismap", "--sign", "firm.p12", "--out", "p.zip"]);
    assert_eq!(package.status.code(), Some(1));
    assert!(!run.path("p.zip").exists());
    // A final report with an unreadable PKCS#12 file says so and writes nothing.
    assert!(run.workbench(&["demo", "--out", "final.ismap", "--finalized"]).status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(["--lang", "en", "report", "final.ismap", "--out", "final.pdf", "--sign", "firm.p12"])
        .env("WORKBENCH_DATA_DIR", run.path("data"))
        .env("WORKBENCH_P12_PASSPHRASE", "x")
        .current_dir(run.dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("could not be opened"), "{}", stderr(&out));
    assert!(!run.path("final.pdf").exists());
    // The verifier needs a trust anchor.
    assert_eq!(run.workbench(&["verify", "p.zip"]).status.code(), Some(2));
}

/// A zip of one stored entry, written byte by byte (APPNOTE 4.3.7, 4.3.12,
/// 4.3.16), so that its name can be anything.
fn one_entry_zip(name: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let header = |out: &mut Vec<u8>, signature: u32, central: bool| {
        out.extend_from_slice(&signature.to_le_bytes());
        if central {
            out.extend_from_slice(&20u16.to_le_bytes());
        }
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]); // version, flags, stored, 1980-01-01
        out.extend_from_slice(&0u32.to_le_bytes()); // CRC-32 (never read: the name is refused first)
        out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        if central {
            out.extend_from_slice(&[0; 14]); // comment, disk, attributes, local header at 0
        }
        out.extend_from_slice(name);
    };
    header(&mut out, 0x0403_4b50, false);
    out.extend_from_slice(content);
    let cd = out.len();
    header(&mut out, 0x0201_4b50, true);
    let cd_size = out.len() - cd;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&(cd_size as u32).to_le_bytes());
    out.extend_from_slice(&(cd as u32).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[test]
fn verify_package_and_verify_report_are_the_users_choice_and_print_nothing_a_terminal_obeys() {
    let run = Run::new();
    common::firm_certificate(&run, "/O=Throwaway CLI firm/CN=cli signer");
    assert!(run.workbench(&["demo", "--finalized", "--out", "final.ismap"]).status.success());
    let with_passphrase = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_workbench"))
            .args(args)
            .env("WORKBENCH_DATA_DIR", run.path("data"))
            .env("WORKBENCH_P12_PASSPHRASE", "pw")
            .current_dir(run.dir())
            .output()
            .unwrap()
    };
    let made = with_passphrase(&["package", "final.ismap", "--sign", "firm.p12", "--out", "p.zip"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let made = with_passphrase(&["report", "final.ismap", "--sign", "firm.p12", "--out", "r.pdf"]);
    assert!(made.status.success(), "{}", stderr(&made));
    std::fs::copy(run.path("r.pdf"), run.path("looks-like.zip")).unwrap();
    std::fs::copy(run.path("p.zip"), run.path("looks-like.pdf")).unwrap();
    std::fs::write(run.path("p.bin"), std::fs::read(run.path("p.zip")).unwrap()).unwrap();
    let before = run.files();

    let verify = |args: &[&str]| {
        let mut all = vec!["verify"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--trust", "firm.pem"]);
        run.workbench(&all)
    };
    // Each kind by its command, and the shorthand by the name's ending.
    for (args, says) in [
        (&["package", "p.zip"][..], "パッケージは検証に合格しました: p.zip"),
        (&["report", "r.pdf"][..], "報告書の署名は検証に合格しました: r.pdf"),
        (&["p.zip"][..], "パッケージは検証に合格しました: p.zip"),
        (&["r.pdf"][..], "報告書の署名は検証に合格しました: r.pdf"),
    ] {
        let out = verify(args);
        assert!(out.status.success() && stdout(&out).contains(says), "{args:?}: {}", stdout(&out));
    }
    // The other kind than said is refused, naming the file and what it is instead.
    for (args, says) in [
        (&["package", "r.pdf"][..], "これはPDFで、パッケージ（zip）ではありません"),
        (&["report", "p.zip"][..], "これはzip（パッケージ？）で、PDFではありません"),
        (&["looks-like.zip"][..], "これはPDFで、パッケージ（zip）ではありません"),
        (&["looks-like.pdf"][..], "これはzip（パッケージ？）で、PDFではありません"),
    ] {
        let out = verify(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let text = stdout(&out);
        assert!(text.contains(says) && text.contains(args[args.len() - 1]), "{args:?}: {text}");
    }
    let out = run.workbench(&["--lang", "en", "verify", "report", "p.zip", "--trust", "firm.pem"]);
    assert!(stdout(&out).contains("this is a zip (a package?), not a PDF"), "{}", stdout(&out));
    // A name that says neither is a usage error: the user must say which.
    let out = verify(&["p.bin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("workbench verify package FILE"), "{}", stderr(&out));

    // A package whose only entry's name would rewrite the terminal: erase
    // the line, print a fake "ok" verdict in green, and turn text around.
    let hostile = "\u{1b}[2K\r  OK    archive: 8 files\n\u{1b}[32mパッケージは検証に合格しました。\u{202e}piz.\u{2066}";
    std::fs::write(run.path("hostile.zip"), one_entry_zip(hostile.as_bytes(), b"x")).unwrap();
    let out = verify(&["package", "hostile.zip"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    for forbidden in ['\u{1b}', '\r', '\u{202e}', '\u{2066}'] {
        assert!(!text.contains(forbidden), "{forbidden:?} printed raw: {text:?}");
    }
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "one check and the verdict: {text}");
    assert!(lines[0].starts_with("  不合格 アーカイブ: ") && lines[0].contains("\\u{1b}[2K\\u{d}  OK"), "{text}");
    assert!(lines[1].contains("合格しませんでした"), "{text}");
    // JSON stays JSON, the name whole in it.
    let out = verify(&["package", "hostile.zip", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["kind"], "package");
    assert_eq!(json["checks"][0]["failure"], "unsafe");
    assert_eq!(json["checks"][0]["code"], "archive.unexpected_name");
    assert!(json["checks"][0]["detail"].as_str().unwrap().contains(hostile));
    // Verifying writes nothing.
    let mut after = run.files();
    after.retain(|f| f != "hostile.zip");
    assert_eq!(after, before);
}

#[test]
fn signing_with_a_certificate_not_meant_for_signing_is_refused_and_writes_nothing() {
    let run = Run::new();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(run.dir()).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    // A TLS server certificate: key encipherment, serverAuth.
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "tls.key",
        "-out",
        "tls.pem",
        "-days",
        "2",
        "-subj",
        "/CN=www.example.jp",
        "-addext",
        "keyUsage=critical,keyAgreement",
        "-addext",
        "extendedKeyUsage=serverAuth",
    ]);
    openssl(&["pkcs12", "-export", "-inkey", "tls.key", "-in", "tls.pem", "-out", "tls.p12", "-passout", "pass:pw"]);
    assert!(run.workbench(&["demo", "--finalized", "--out", "final.ismap"]).status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(["--lang", "en", "package", "final.ismap", "--sign", "tls.p12", "--out", "p.zip"])
        .env("WORKBENCH_DATA_DIR", run.path("data"))
        .env("WORKBENCH_P12_PASSPHRASE", "pw")
        .current_dir(run.dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("CN=www.example.jp is not meant for signing"), "{}", stderr(&out));
    assert!(!run.path("p.zip").exists());
}

#[test]
fn a_change_made_with_the_sqlite3_shell_is_named_by_log_verify_and_nothing_is_signed_from_the_file() {
    let run = Run::new();
    assert!(run.workbench(&["demo", "--finalized", "--out", "final.ismap"]).status.success());
    let verified = run.workbench(&["log", "verify", "final.ismap", "--json"]);
    assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));
    let head = serde_json::from_slice::<serde_json::Value>(&verified.stdout).unwrap()["head_hash"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = run.workbench(&["log", "verify", "final.ismap", "--expect-head", &head]);
    assert_eq!(expected.status.code(), Some(0), "{}", stdout(&expected));

    // The one exception of the demo made to disappear, its result flipped.
    let sqlite = Command::new("sqlite3")
        .arg(run.path("final.ismap"))
        .arg("UPDATE procedure SET result = 'no_exception' WHERE id = '9.2.1.2/P1'; DELETE FROM exception WHERE procedure_id = '9.2.1.2/P1'; SELECT total_changes();")
        .output()
        .expect("the sqlite3 shell is installed by scripts/setup.sh");
    assert_eq!(String::from_utf8_lossy(&sqlite.stdout).trim(), "2", "{}", String::from_utf8_lossy(&sqlite.stderr));

    let ja = run.workbench(&["log", "verify", "final.ismap"]);
    assert_eq!(ja.status.code(), Some(1));
    assert!(
        stdout(&ja).contains("手続 9.2.1.2/P1の結果が記録と一致しません（ファイル: 例外事項なし／記録: 例外事項あり）"),
        "{}",
        stdout(&ja)
    );
    assert!(stdout(&ja).contains("ファイルにありません"), "{}", stdout(&ja));
    let en = run.workbench(&["--lang", "en", "log", "verify", "final.ismap"]);
    assert!(stdout(&en).contains("The result of procedure 9.2.1.2/P1 does not match the log"), "{}", stdout(&en));
    let json: serde_json::Value =
        serde_json::from_slice(&run.workbench(&["log", "verify", "final.ismap", "--json"]).stdout).unwrap();
    let kinds: Vec<(&str, &str)> = json["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["item_kind"].as_str().unwrap(), d["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("procedure", "changed"), ("exception", "missing")]);

    // A certificate meant for signing: the refusal comes from the file, not the key.
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(run.dir()).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
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
        "/CN=Audit Firm",
        "-addext",
        "keyUsage=critical,digitalSignature",
    ]);
    openssl(&["pkcs12", "-export", "-inkey", "firm.key", "-in", "firm.pem", "-out", "firm.p12", "-passout", "pass:pw"]);
    for (args, out) in [
        (vec!["report", "final.ismap", "--out", "final.pdf", "--sign", "firm.p12"], "final.pdf"),
        (vec!["package", "final.ismap", "--sign", "firm.p12", "--out", "p.zip"], "p.zip"),
        (vec!["evidence", "export", "final.ismap", "--out", "evidence"], "evidence"),
    ] {
        let refused = Command::new(env!("CARGO_BIN_EXE_workbench"))
            .args(&args)
            .env("WORKBENCH_DATA_DIR", run.path("data"))
            .env("WORKBENCH_P12_PASSPHRASE", "pw")
            .env_remove("WORKBENCH_LANG")
            .current_dir(run.dir())
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(1), "{args:?}");
        assert!(stderr(&refused).contains("記録と一致しません"), "{args:?}: {}", stderr(&refused));
        assert!(stderr(&refused).contains("9.2.1.2/P1"), "{args:?}: {}", stderr(&refused));
        assert!(!run.path(out).exists(), "{args:?}: nothing is written");
    }
}

#[test]
fn the_representation_and_subsequent_events_gate_finalizing_and_bound_the_report_date() {
    let run = Run::new();
    let as_manager = |args: &[&str]| {
        let mut all = vec!["--as", "山田 太郎"];
        all.extend_from_slice(args);
        run.workbench(&all)
    };
    assert!(run.workbench(&["demo", "--out", "d.ismap"]).status.success());
    // The demo's representation, with item 7 not confirmed and why.
    let shown = stdout(&run.workbench(&["representation", "show", "d.ismap"]));
    assert!(shown.contains("経営者確認書 2026-10-14"), "{shown}");
    assert!(shown.contains("7. 対象期間の末日から確認書の日付までの重要な事象の有無: 確認されていない"), "{shown}");
    assert!(shown.contains("コメント: 2026-10-20 に大阪リージョンで"), "{shown}");

    // Refusals name the field and write nothing.
    let before = std::fs::read(run.path("d.ismap")).unwrap();
    let out = run.workbench(&["representation", "record", "d.ismap", "--date", "2026-09-30"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("date: 確認書の日付 2026-09-30 は対象期間の終了日（2026-09-30）より後にしてください"),
        "{}",
        stderr(&out)
    );
    let out = run.workbench(&["representation", "record", "d.ismap", "--not-confirmed", "8"]);
    assert_eq!(out.status.code(), Some(2), "a denial needs its --comment: {}", stderr(&out));
    let out = run.workbench(&["subsequent", "add", "d.ismap", "--date", "2026-09-15", "--description", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("occurred_on"), "{}", stderr(&out));
    let out = run.workbench(&["subsequent", "considered", "d.ismap", "--through", "2026-11-30"]);
    assert_eq!(out.status.code(), Some(1), "the assessor may not state it");
    assert_eq!(std::fs::read(run.path("d.ismap")).unwrap(), before, "nothing was written");

    // Recorded: an answer left open blocks finalizing, and so does the missing consideration.
    let out = run.workbench(&["representation", "record", "d.ismap", "--not-confirmed", "8", "--comment", "調査中"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out =
        run.workbench(&["subsequent", "add", "d.ismap", "--date", "2026-11-02", "--description", "鍵の漏えいの疑い"]);
    assert!(stdout(&out).contains("後発事象 SE-002 を記録しました。"), "{}", stdout(&out));
    let check = as_manager(&["finalize", "d.ismap", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("subsequent_events: 後発事象の検討が記録されていません"), "{}", stdout(&check));
    let out = as_manager(&["subsequent", "considered", "d.ismap", "--through", "2026-11-30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&run.workbench(&["subsequent", "list", "d.ismap"]));
    assert!(
        listed.contains("SE-002  2026-11-02  鍵の漏えいの疑い") && listed.contains("2026-11-30 まで（山田 太郎）"),
        "{listed}"
    );
    let check = as_manager(&["finalize", "d.ismap", "--check"]);
    assert!(!stdout(&check).contains("subsequent_events:"), "{}", stdout(&check));
    assert!(log_is_intact(&run, "d.ismap"));

    // A final report's date: after the period, not before finalizing, not
    // in the future, and within the events considered.
    assert!(run.workbench(&["demo", "--finalized", "--out", "f.ismap"]).status.success());
    for (date, expected) in [
        ("2025-01-01", "報告日 2025-01-01 は対象期間の終了日（2026-09-30）より後の日付にしてください"),
        ("2026-10-01", "report_date: 報告日 2026-10-01 は確定した日（"),
        ("2099-01-01", "report_date: 報告日 2099-01-01 は未来の日付です。"),
    ] {
        let out = run.workbench(&["report", "f.ismap", "--out", "r.pdf", "--date", date]);
        assert_eq!(out.status.code(), Some(1), "{date}");
        assert!(stderr(&out).contains(expected), "{date}: {}", stderr(&out));
        assert!(!run.path("r.pdf").exists());
    }
    assert!(run.workbench(&["report", "f.ismap", "--out", "r.pdf"]).status.success());
    // Considered again, after finalizing, up to a date before today: today's report is refused.
    let out = as_manager(&["subsequent", "considered", "f.ismap", "--through", "2026-10-31"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run.workbench(&["report", "f.ismap", "--out", "r2.pdf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("後発事象は 2026-10-31 までしか検討されていません"), "{}", stderr(&out));
}

fn log_is_intact(run: &Run, file: &str) -> bool {
    run.workbench(&["log", "verify", file]).status.success()
}

#[test]
fn a_changed_control_is_recorded_listed_and_its_sample_shows_each_items_version() {
    let run = Run::new();
    assert!(run.workbench(&["demo", "--out", "d.ismap"]).status.success());
    // The demo's change of the change-management control, and the sample across it.
    let listed = stdout(&run.workbench(&["control", "changes", "d.ismap"]));
    assert!(
        listed.contains("版 1: 2025-10-01 〜 2026-03-31") && listed.contains("版 2: 2026-04-01 〜 2026-09-30"),
        "{listed}"
    );
    let shown = stdout(&run.workbench(&["sample", "show", "d.ismap", "--procedure", "4.4.1.1/P3"]));
    assert!(shown.contains("2025-11-01  無作為  版 1") && shown.contains("2026-06-17  無作為  版 2"), "{shown}");

    // Refused with each field named, in Japanese and English; nothing written.
    let before = std::fs::read(run.path("d.ismap")).unwrap();
    let args =
        ["control", "change", "d.ismap", "9.2.3.11.PB", "--effective", "2026-10-01", "--kind", "rename", "--text", "x"];
    let out = run.workbench(&args);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("effective: 変更日 2026-10-01 は、対象期間の初日（2025-10-01）より後"), "{err}");
    assert!(err.contains("kind: 「rename」は変更の種類にありません"), "{err}");
    let out = run.workbench(&[&["--lang", "en"][..], &args].concat());
    assert!(stderr(&out).contains("effective: 2026-10-01 is not within the audit period"), "{}", stderr(&out));
    assert_eq!(std::fs::read(run.path("d.ismap")).unwrap(), before);

    // A date that is not one is a usage error, said in both languages.
    let out = run.workbench(&[
        "control",
        "change",
        "d.ismap",
        "9.2.3.11.PB",
        "--effective",
        "2026-02-30",
        "--kind",
        "operation",
        "--text",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("「2026-02-30」は YYYY-MM-DD の日付ではありません / \"2026-02-30\" is not a date"),
        "{}",
        stderr(&out)
    );

    // Recorded, shown with the control, taken back.
    let out = run.workbench(&[
        "control",
        "change",
        "d.ismap",
        "9.2.3.11.PB",
        "--effective",
        "2026-07-01",
        "--kind",
        "regulations",
        "--text",
        "アクセス権の見直しを四半期ごとに改めた",
        "--before",
        "半期ごとに見直す",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("CHG-002"), "{}", stdout(&out));
    let shown = stdout(&run.workbench(&["control", "show", "d.ismap", "9.2.3.11.PB"]));
    assert!(shown.contains("版 2: 2026-07-01 〜 2026-09-30 （CHG-002: 規程・手順の変更）"), "{shown}");
    assert!(shown.contains("半期ごとに見直す"), "{shown}");
    assert!(log_is_intact(&run, "d.ismap"));
    assert!(run.workbench(&["control", "change-remove", "d.ismap", "CHG-002"]).status.success());
    let shown = stdout(&run.workbench(&["control", "show", "d.ismap", "9.2.3.11.PB"]));
    assert!(!shown.contains("版 2"), "{shown}");
    let kinds = stdout(&run.workbench(&["--lang", "en", "control", "change-kinds"]));
    assert!(kinds.contains("mechanism") && kinds.contains("from manual to a system"), "{kinds}");

    // What is not there, a finalized file and a bad table: said in Japanese, each problem on its line.
    let out = run.workbench(&["control", "change-remove", "d.ismap", "CHG-999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("統制の変更 CHG-999 が見つかりません。"), "{}", stderr(&out));
    assert!(run.workbench(&["demo", "--finalized", "--out", "f.ismap"]).status.success());
    let out = run.workbench(&[
        "control",
        "change",
        "f.ismap",
        "9.2.3.11.PB",
        "--effective",
        "2026-07-01",
        "--kind",
        "operation",
        "--text",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("確定済みのため、何も変更していません"), "{}", stderr(&out));
    std::fs::write(run.path("targets.json"), "{\"targets\": 1}").unwrap();
    let out = run.workbench(&["procedure", "targets", "--set", "targets.json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("取り込んでいません") && err.lines().count() == 2 && !err.contains("\\u{a}"), "{err}");
}

#[test]
fn a_fields_file_is_read_within_its_cap() {
    let run = Run::new();
    // Two megabytes of JSON whitespace: refused before it is parsed, naming the file.
    std::fs::write(run.path("huge.json"), vec![b' '; 2 << 20]).unwrap();
    let args = ["engagement", "new", "--catalog", "ismap-sample@1", "--fields", "huge.json", "--out", "e.ismap"];
    let out = run.workbench(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("huge.json"), "{}", stderr(&out));
    assert!(!run.path("e.ismap").exists());
}
