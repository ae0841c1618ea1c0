//! The IPC boundary of the app, through Tauri's mock runtime with the app's
//! real configuration and capability: every declared operation is a command
//! the main window may call, nothing else is, and replies, refusals and raw
//! bytes cross as the page expects. What each operation does is tested in
//! `workbench-ops` (and, from the page, by the UI's tests).

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;

struct TestApp {
    _dir: tempfile::TempDir,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
}

/// The app as built for users (its context, hence its capability and the
/// permissions build.rs wrote), over the mock runtime.
fn app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    // The demo the app opens, with one evidence item.
    let actor = workbench_core::model::event::Actor::new("佐藤 花子");
    let ctx =
        || workbench_core::model::event::Context { actor: &actor, clock: &workbench_core::model::event::SystemClock };
    let demo = data_dir.join("demo.ismap");
    workbench_core::api::create_demo(&demo, "u".into(), ctx()).unwrap();
    let memo = dir.path().join("memo.txt");
    std::fs::write(&memo, "ヒアリング記録").unwrap();
    let meta: workbench_core::model::evidence::EvidenceMeta = serde_json::from_value(json!({
        "title": "ヒアリング記録", "description": "", "kind": "interview_memo", "obtained_from": "情報システム部",
        "obtained_by": "佐藤 花子", "obtained_at": "2026-11-20", "as_of": "2026-11-20"
    }))
    .unwrap();
    let intake = [workbench_core::api::IntakeFile { path: memo, meta }];
    workbench_core::api::add_evidence(&demo, &intake, &[], ctx(), &mut |_| true).unwrap();
    let profile = json!({"name": "佐藤 花子", "lang": "ja", "recent": [], "initials": "HS", "role": "assessor"});
    std::fs::write(data_dir.join("profile.json"), profile.to_string()).unwrap();
    let app = crate::builder(mock_builder(), data_dir).build(tauri::generate_context!()).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    TestApp { _dir: dir, webview }
}

fn call(app: &TestApp, cmd: &str, request: Value) -> Result<tauri::ipc::InvokeResponseBody, Value> {
    let invoke = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(json!({ "request": request })),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(&app.webview, invoke)
}

fn invoke(app: &TestApp, cmd: &str, request: Value) -> Result<Value, Value> {
    call(app, cmd, request).map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn every_declared_operation_is_a_command_the_window_may_call() {
    let app = app();
    for name in workbench_ops::NAMES {
        // Requests that are not what the operation takes are refused by the
        // operation itself (`invalid`), which shows the call got through the
        // ACL and the handler to the dispatcher. Operations that take no
        // fields answer; none may be refused as unknown or not allowed.
        let reply = invoke(&app, name, json!({"no_such_field": true}));
        let refusal = reply.expect_err(name);
        assert_eq!(refusal["kind"], "invalid", "{name}: {refusal}");
        assert!(refusal["message"].as_str().unwrap().starts_with(&format!("{name}:")), "{name}: {refusal}");
    }
}

#[test]
fn a_command_that_is_not_declared_is_refused_by_the_acl() {
    let app = app();
    for name in ["open_path", "plugin:fs|read_file", "get_profile_x"] {
        let refusal = invoke(&app, name, json!({})).unwrap_err();
        let text = refusal.to_string();
        // Tauri's ACL answers before the app's handler would (which says
        // "there is no operation").
        assert!(text.contains("not allowed"), "{name}: {text}");
    }
}

#[test]
fn operations_answer_through_ipc_with_handles_not_paths() {
    let app = app();
    let opened = invoke(&app, "open_demo", json!({})).unwrap();
    let engagement = opened["engagement"].clone();
    assert!(engagement.as_str().unwrap().starts_with('f'), "{engagement}");
    assert_eq!(opened["rights"]["role"], "assessor");

    let id = "9.2.3.11.PB/P1";
    let patch = json!({"work_done": "部長に質問した", "result": "exception"});
    let p = invoke(&app, "update_procedure", json!({"engagement": engagement, "procedure_id": id, "patch": patch}));
    assert_eq!(p.unwrap()["result"], "exception");

    // A path where a handle belongs is refused like any handle the app did not give out.
    let refused = invoke(&app, "list_controls", json!({"engagement": opened["view"]["path"]})).unwrap_err();
    assert_eq!(refused["kind"], "not_found");
    let refused = invoke(&app, "list_controls", json!({"engagement": "f999"})).unwrap_err();
    assert_eq!(refused["kind"], "not_found");

    // Content crosses as raw bytes, not as a JSON array.
    let evidence = invoke(&app, "list_evidence", json!({"engagement": engagement, "include_removed": false})).unwrap();
    let first = evidence[0]["id"].as_str().unwrap().to_string();
    let body = call(&app, "evidence_content", json!({"engagement": engagement, "evidence_id": first, "limit": 4}));
    match body.unwrap() {
        tauri::ipc::InvokeResponseBody::Raw(bytes) => assert_eq!(bytes, "ヒアリング記録".as_bytes()[..4]),
        other => panic!("expected raw bytes, got {other:?}"),
    }

    // The acting person is the profile's user, and the log still verifies.
    let history = invoke(&app, "item_history", json!({"engagement": engagement, "item_id": id})).unwrap();
    let last = history.as_array().unwrap().last().unwrap();
    assert_eq!((&last["kind"], &last["actor"]), (&json!("procedure_updated"), &json!("佐藤 花子")));
}

#[test]
fn refusals_cross_with_their_kind_and_problem_code() {
    let app = app();
    let opened = invoke(&app, "open_demo", json!({})).unwrap();
    let engagement = opened["engagement"].clone();
    let refused = invoke(
        &app,
        "sign_off",
        json!({"engagement": engagement, "item_kind": "procedure", "item_id": "9.2.3.11.PB/P1", "level": "reviewer"}),
    )
    .unwrap_err();
    assert_eq!(
        (&refused["kind"], &refused["field_problems"][0]["code"]),
        (&json!("invalid"), &json!("role_not_allowed"))
    );
}
