//! The operations as every front end calls them: by name, with a JSON
//! request, through `dispatch`, with a host whose dialogs answer what the
//! test chose for the user.

// Tests state their expectations with unwrap: a failure shows the value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use workbench_ops::serve::DevHost;
use workbench_ops::{Payload, Session};

struct Front {
    _dir: tempfile::TempDir,
    data_dir: PathBuf,
    host: DevHost,
    session: Session,
}

/// A session of 佐藤 花子, the demo's assessor.
fn front() -> Front {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let profile = json!({"name": "佐藤 花子", "lang": "ja", "recent": [], "initials": "HS", "role": "assessor"});
    std::fs::write(data_dir.join("profile.json"), profile.to_string()).unwrap();
    let host = DevHost::default();
    let session = Session::new(data_dir.clone(), Box::new(host.clone()));
    Front { _dir: dir, data_dir, host, session }
}

impl Front {
    fn call(&self, name: &str, request: Value) -> Result<Value, Value> {
        self.call_with_progress(name, request).0
    }

    fn call_with_progress(&self, name: &str, request: Value) -> (Result<Value, Value>, Vec<Value>) {
        let mut progress = Vec::new();
        let reply = workbench_ops::dispatch(&self.session, name, request, &mut |p| progress.push(p));
        let reply = match reply {
            Ok(Payload::Json(v)) => Ok(v),
            Ok(Payload::Bytes(b)) => Ok(json!({ "bytes": b.len() })),
            Err(e) => Err(serde_json::to_value(e).unwrap()),
        };
        (reply, progress)
    }

    fn ok(&self, name: &str, request: Value) -> Value {
        self.call(name, request).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn refused(&self, name: &str, request: Value) -> Value {
        self.call(name, request).expect_err(name)
    }

    /// Opens `path` as the user would: chosen in the open dialog.
    fn open(&self, path: &Path) -> Value {
        self.host.choose(vec![path.to_path_buf()]);
        let file = self.ok("pick_engagement_to_open", json!({}));
        self.ok("open_engagement", json!({ "file": file }))
    }
}

fn demo_list() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/change-tickets.csv")
}

#[test]
fn the_demo_opens_and_a_procedure_is_recorded() {
    let f = front();
    let opened = f.ok("open_demo", json!({}));
    let engagement = &opened["engagement"];
    assert_eq!(opened["view"]["fields"]["provider"]["name"], "株式会社サンプルクラウド");
    assert_eq!(opened["rights"]["role"], "assessor");
    assert_eq!(opened["rights"]["may_sign"], json!(["preparer"]));
    assert_eq!((&opened["rights"]["may_finalize"], &opened["rights"]["may_reopen"]), (&json!(false), &json!(false)));

    let id = "9.2.3.11.PB/P1";
    let patch = json!({"work_done": "部長に質問した", "result": "exception"});
    let p = f.ok("update_procedure", json!({"engagement": engagement, "procedure_id": id, "patch": patch}));
    assert_eq!(p["result"], "exception");
    let e = f.ok("add_exception", json!({"engagement": engagement, "procedure_id": id, "text": "記録がなかった。"}));
    assert_eq!(e["id"], "E-0002", "the demo's test grid holds E-0001");
    let detail = f.ok("control_detail", json!({"engagement": engagement, "control_id": "9.2.3.11.PB"}));
    assert_eq!(detail["procedures"][0]["status"], "done");
    let rows = f.ok("list_controls", json!({"engagement": engagement}));
    let row = rows.as_array().unwrap().iter().find(|r| r["id"] == "9.2.3.11.PB").unwrap();
    assert_eq!(row["status"], "in_progress");

    // The actor is the profile's user; opening again remembers it once, first.
    let history = f.ok("item_history", json!({"engagement": engagement, "item_id": id}));
    assert_eq!(history.as_array().unwrap().last().unwrap()["actor"], "佐藤 花子");
    f.ok("open_demo", json!({}));
    let profile = f.ok("get_profile", json!({}));
    assert_eq!(profile["recent"].as_array().unwrap().len(), 1);
    assert_eq!(profile["recent"][0]["file"], *engagement, "the recent entry opens by the same handle");
}

#[test]
fn files_are_named_by_handles_the_session_gave_out() {
    let f = front();
    let opened = f.ok("open_demo", json!({}));
    // A path, or a handle never given out, is refused, whatever it names.
    for bad in [opened["view"]["path"].clone(), json!("f999"), json!("../../etc/passwd")] {
        let refused = f.refused("list_controls", json!({ "engagement": bad }));
        assert_eq!(refused["kind"], "not_found", "{bad}");
    }
    // A cancelled dialog gives no handle.
    assert_eq!(f.ok("pick_engagement_to_open", json!({})), Value::Null);
    // A request with a field the operation does not take is refused whole.
    let refused = f.refused("list_controls", json!({"engagement": opened["engagement"], "path": "/etc"}));
    assert_eq!(refused["kind"], "invalid");
    assert_eq!(f.refused("no_such_operation", json!({}))["kind"], "not_found");
    // Only files the app wrote are handed to the system's app.
    let refused = f.refused("open_exported", json!({"file": opened["engagement"]}));
    assert_eq!(refused["kind"], "not_found");
    assert!(f.host.opened().is_empty());
}

#[test]
fn new_engagements_are_checked_field_by_field_and_written_only_when_valid() {
    let f = front();
    let mut fields = serde_json::to_value(workbench_core::sample::demo_fields()).unwrap();
    fields["provider"]["corporate_number"] = json!("7123456789013");
    let check = f.ok("check_fields", json!({ "fields": fields }));
    assert_eq!(
        (&check["problems"][0]["field"], &check["problems"][0]["code"]),
        (&json!("provider.corporate_number"), &json!("corporate_number"))
    );

    let target = f.data_dir.join("new.ismap");
    f.host.choose(vec![target.clone()]);
    let chosen = f.ok("pick_engagement_to_create", json!({"service_name": "テストSaaS"}));
    assert_eq!(chosen["location"], target.display().to_string());
    let refused = f.refused("create_engagement", json!({"file": chosen["file"], "catalog": "", "fields": fields}));
    assert_eq!(
        (&refused["kind"], &refused["field_problems"][0]["code"]),
        (&json!("invalid"), &json!("corporate_number"))
    );
    assert!(!target.exists());

    fields["provider"]["corporate_number"] = json!("7123456789012");
    let created = f.ok("create_engagement", json!({"file": chosen["file"], "catalog": "", "fields": fields}));
    assert_eq!(created["view"]["catalog"]["name"], "ismap-sample");
    assert!(target.exists());
    let missing =
        f.refused("create_engagement", json!({"file": chosen["file"], "catalog": "nope@1", "fields": fields}));
    assert_eq!(missing["kind"], "not_found");

    // The suggested file is free and named after the service.
    std::env::set_var("WORKBENCH_DOCUMENTS_DIR", &f.data_dir);
    let suggested = f.ok("suggest_engagement_file", json!({"service_name": "new"}));
    assert_eq!(suggested["location"], f.data_dir.join("new (2).ismap").display().to_string());
}

#[test]
fn sampling_imports_a_list_draws_a_sample_and_records_a_failed_cell() {
    let f = front();
    let engagement = f.ok("open_demo", json!({}))["engagement"].clone();
    let demo = f.ok("sampling", json!({"engagement": engagement, "procedure_id": "4.4.1.1/P3"}));
    assert_eq!(demo["state"]["sample"]["items"].as_array().unwrap().len(), 25);
    assert_eq!(demo["state"]["sample"]["seed"], 20_261_126);

    f.host.choose(vec![demo_list()]);
    let list = f.ok("pick_population_file", json!({}));
    let preview = f.ok("preview_population", json!({"file": list["file"]}));
    assert_eq!(preview["total_rows"], 120);
    assert_eq!(preview["guess"], json!({"item_id": 0, "date": 1, "description": 2}));
    let id = "9.2.3.11.PB/P1";
    let args = json!({"engagement": engagement, "procedure_id": id, "file": list["file"], "columns": preview["guess"]});
    let view = f.ok("import_population", args);
    assert_eq!(view["state"]["population_summary"]["frame"], 118);
    // The rule table's size for each frequency, for this population, comes with the panel.
    let monthly = view["sizes"].as_array().unwrap().iter().find(|s| s["frequency"] == "monthly").unwrap();
    assert_eq!(monthly["size"], 2);

    let mut rules = f.ok("sample_rules", json!({}));
    rules["sizes"][3]["size"] = json!(3);
    let refused = f.refused("save_sample_rules", json!({"table": rules}));
    assert_eq!(refused["field_problems"][0]["code"], "version_unchanged");
    rules["version"] = json!("2026.2");
    f.ok("save_sample_rules", json!({"table": rules}));
    let view = f.ok("sampling", json!({"engagement": engagement, "procedure_id": id}));
    let monthly = view["sizes"].as_array().unwrap().iter().find(|s| s["frequency"] == "monthly").unwrap();
    assert_eq!(monthly["size"], 3, "the firm's table decides the size shown");

    let request =
        json!({"frequency": "monthly", "size_override": null, "override_reason": null, "seed": 5, "by_quarter": false});
    let view = f.ok("select_sample", json!({"engagement": engagement, "procedure_id": id, "request": request}));
    assert_eq!(view["state"]["sample"]["size"], 3);
    f.ok("add_attribute", json!({"engagement": engagement, "procedure_id": id, "text": "承認済み"}));
    let fail = |comment: &str| json!({"result": "fail", "tickmark": "×", "comment": comment});
    let cell =
        |input: Value| json!({"engagement": engagement, "procedure_id": id, "no": 1, "attribute": "A", "input": input});
    assert_eq!(f.refused("set_cell", cell(fail("")))["field_problems"][0]["code"], "fail_needs_comment");
    let view = f.ok("set_cell", cell(fail("承認がない")));
    assert_eq!(view["state"]["cells"][0]["exception_id"], "E-0002");
    let reproduction = f.ok("reproduce_sample", json!({"engagement": engagement, "procedure_id": id}));
    assert_eq!(reproduction["problems"], json!([]));
}

#[test]
fn pbc_rows_say_whether_they_are_open_and_overdue() {
    let f = front();
    let engagement = f.ok("open_demo", json!({}))["engagement"].clone();
    let fields = |status: &str, due: &str| json!({"item": "アクセスログ", "requested_on": "2020-01-06", "due": due, "from_whom": "情報システム部", "status": status, "notes": ""});
    let late = f.ok("add_pbc", json!({"engagement": engagement, "fields": fields("requested", "2020-01-10")}));
    assert_eq!((&late["open"], &late["overdue"]), (&json!(true), &json!(true)));
    let id = late["request"]["id"].clone();
    let received = f.ok(
        "edit_pbc",
        json!({"engagement": engagement, "request_id": id, "fields": fields("received", "2020-01-10")}),
    );
    assert_eq!((&received["open"], &received["overdue"]), (&json!(false), &json!(false)));
    let future = f.ok("add_pbc", json!({"engagement": engagement, "fields": fields("follow_up", "2999-12-31")}));
    assert_eq!((&future["open"], &future["overdue"]), (&json!(true), &json!(false)));
    let refused = f.refused("add_pbc", json!({"engagement": engagement, "fields": fields("requested", "2019-12-31")}));
    assert_eq!(refused["field_problems"][0]["code"], "due_before");
}

#[test]
fn review_rights_follow_the_team_and_a_finalized_file_is_locked() {
    let f = front();
    let opened = f.ok("open_demo", json!({}));
    let engagement = &opened["engagement"];
    let id = "9.2.3.11.PB/P1";
    f.ok(
        "update_procedure",
        json!({"engagement": engagement, "procedure_id": id, "patch": {"work_done": "規程を閲覧した", "result": "no_exception"}}),
    );
    // The demo's team holds demo keys: signing asks for hers first (PIN 0000).
    let unsigned = f.refused(
        "sign_off",
        json!({"engagement": engagement, "item_kind": "procedure", "item_id": id, "level": "preparer"}),
    );
    assert_eq!(unsigned["field_problems"][0]["code"], "signature_required");
    assert_eq!(f.ok("unlock_signing_key", json!({"pin": "0000"}))["demo"], true);
    let state = f.ok(
        "sign_off",
        json!({"engagement": engagement, "item_kind": "procedure", "item_id": id, "level": "preparer"}),
    );
    assert_eq!(state["signoffs"][0]["signer"], "佐藤 花子");
    assert!(state["signoffs"][0]["signature"]["fingerprint"].is_string(), "{state}");
    let refused = f.refused(
        "sign_off",
        json!({"engagement": engagement, "item_kind": "procedure", "item_id": id, "level": "reviewer"}),
    );
    assert_eq!(refused["field_problems"][0]["code"], "role_not_allowed");
    let check = f.ok("finalize_check", json!({ "engagement": engagement }));
    assert_eq!(check["ready"], false);

    // The demo's manager, 山田 太郎, finalized this one: the assessor may not change it or reopen it.
    let final_path = f.data_dir.join("final.ismap");
    let actor = workbench_core::model::event::Actor::new("山田 太郎");
    let ctx =
        workbench_core::model::event::Context { actor: &actor, clock: &workbench_core::model::event::SystemClock };
    workbench_core::api::create_demo_finalized(&final_path, "u".into(), ctx).unwrap();
    let opened = f.open(&final_path);
    assert_eq!(opened["view"]["finalized"]["by"], "山田 太郎");
    let locked = f.refused(
        "update_procedure",
        json!({"engagement": opened["engagement"], "procedure_id": id, "patch": {"notes": "x"}}),
    );
    assert_eq!(locked["kind"], "locked");
    let refused = f.refused("reopen", json!({"engagement": opened["engagement"], "reason": "修正"}));
    assert_eq!(refused["field_problems"][0]["code"], "role_not_allowed");

    // As the manager, the rights say so.
    let mut profile = f.ok("get_profile", json!({}));
    profile["name"] = json!("山田 太郎");
    let edit = json!({"name": profile["name"], "initials": "TY", "role": "manager", "lang": "en"});
    // His demo key is on this computer: switching to him takes its PIN.
    assert_eq!(f.refused("save_profile", json!({ "profile": edit }))["field_problems"][0]["field"], "pin");
    assert_eq!(f.ok("save_profile", json!({ "profile": edit, "pin": "0000" }))["lang"], "en");
    let opened = f.open(&final_path);
    assert_eq!((&opened["rights"]["may_reopen"], &opened["rights"]["may_finalize"]), (&json!(true), &json!(true)));
}

#[test]
fn a_draft_report_is_exported_with_its_stages_and_only_it_may_be_opened() {
    let f = front();
    let engagement = f.ok("open_demo", json!({}))["engagement"].clone();
    let plan = f.ok("plan_export", json!({"engagement": engagement, "kind": "report", "lang": "ja", "report_date": "2026-12-01", "signing": false}));
    assert_eq!(plan["stages"], json!(["read", "layout", "write"]));
    assert_eq!(plan["report_date"], "2026-12-01");
    let name = plan["file_name"].as_str().unwrap().to_string();
    assert!(name.ends_with(".pdf") && name.contains("2026-12-01"), "{name}");

    let out = f.data_dir.join(&name);
    f.host.choose(vec![out.clone()]);
    let destination = f.ok("pick_export_destination", json!({"kind": "report", "file_name": name}));
    let choice = json!({"kind": "report", "lang": "ja", "destination": destination["file"], "certificate": null, "passphrase": null, "report_date": "2026-12-01"});
    let (reply, progress) = f.call_with_progress("export", json!({"engagement": engagement, "choice": choice}));
    let exported = reply.unwrap();
    assert_eq!(exported["result"]["signed"], false);
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF"));
    let stages: Vec<&str> = progress.iter().map(|p| p["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["read", "layout", "write"]);
    assert_eq!(progress.last().unwrap()["step"], progress.last().unwrap()["steps"]);

    f.ok("open_exported", json!({"file": exported["file"]}));
    assert_eq!(f.host.opened(), [out]);

    // A package of an open engagement is refused before anything is written.
    let package = f.data_dir.join("package.zip");
    f.host.choose(vec![package.clone()]);
    let destination = f.ok("pick_export_destination", json!({"kind": "package", "file_name": "p.zip"}));
    let choice = json!({"kind": "package", "lang": "ja", "destination": destination["file"], "certificate": null, "passphrase": null, "report_date": null});
    let refused = f.refused("export", json!({"engagement": engagement, "choice": choice}));
    assert_eq!(refused["kind"], "invalid");
    assert!(!package.exists());
}
