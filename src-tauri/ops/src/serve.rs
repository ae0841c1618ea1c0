//! `workbench serve --dev`: every operation over HTTP on 127.0.0.1, for the
//! UI's tests (and the UI in a browser while developing it), so that they
//! run against the real core. Not for production: it listens on loopback
//! only, on a random port, and answers only requests that carry the token
//! it printed when it started.
//!
//! - `POST /op/NAME` with the request as JSON: `{"ok": reply, "progress":
//!   [...]}` or `{"error": {kind, message, ...}, "progress": [...]}`; an
//!   operation that answers with bytes answers `application/octet-stream`.
//! - `POST /dev/choose` with `{"paths": [...]}`: what the user "chooses" in
//!   the next native dialog (a test stands in for the user).
//! - `GET /dev/opened`: the files handed to the system's app so far.
//! - `POST /dev/stop`: stops the server.

use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::{Host, Payload, Session};

/// Dialogs answered by the choices a test queued, and files "opened" by
/// being recorded: the host of the development server and of the
/// operations' own tests. Clones share their queue.
#[derive(Debug, Default, Clone)]
pub struct DevHost(Arc<DevChoices>);

#[derive(Debug, Default)]
struct DevChoices {
    choices: Mutex<VecDeque<Vec<PathBuf>>>,
    opened: Mutex<Vec<PathBuf>>,
}

impl DevHost {
    /// What the user "chooses" in the next dialog (none: cancelled).
    pub fn choose(&self, paths: Vec<PathBuf>) {
        self.0.choices.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push_back(paths);
    }

    /// The files handed to the system's app (or shown in their folder) so far.
    pub fn opened(&self) -> Vec<PathBuf> {
        self.0.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn next(&self) -> Vec<PathBuf> {
        self.0.choices.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front().unwrap_or_default()
    }

    fn first(&self) -> Option<PathBuf> {
        self.next().into_iter().next()
    }
}

impl Host for DevHost {
    fn pick_engagement_to_open(&self) -> Option<PathBuf> {
        self.first()
    }
    fn pick_engagement_to_create(&self, _suggested: &Path) -> Option<PathBuf> {
        self.first()
    }
    fn pick_evidence_files(&self) -> Vec<PathBuf> {
        self.next()
    }
    fn pick_population_file(&self) -> Option<PathBuf> {
        self.first()
    }
    fn pick_export_destination(&self, _suggested_name: &str, _package: bool) -> Option<PathBuf> {
        self.first()
    }
    fn pick_certificate(&self) -> Option<PathBuf> {
        self.first()
    }
    fn pick_member_card(&self) -> Option<PathBuf> {
        self.first()
    }
    fn pick_key_file(&self) -> Option<PathBuf> {
        self.first()
    }
    fn pick_key_destination(&self, _suggested_name: &str) -> Option<PathBuf> {
        self.first()
    }
    fn open(&self, path: &Path) -> std::io::Result<()> {
        self.0.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(path.to_path_buf());
        Ok(())
    }
    fn show_in_folder(&self, path: &Path) -> std::io::Result<()> {
        self.open(path)
    }
}

/// The largest request body: a request is a few fields, never a file.
const MAX_REQUEST: u64 = 16 << 20;

/// Serves until `/dev/stop`; calls `started` with the server's address and
/// token once it listens.
pub fn serve(data_dir: PathBuf, started: impl FnOnce(&str, &str)) -> std::io::Result<()> {
    let server = tiny_http::Server::http("127.0.0.1:0").map_err(std::io::Error::other)?;
    let address = server.server_addr().to_ip().map(|a| a.to_string()).unwrap_or_default();
    let token = uuid::Uuid::new_v4().to_string();
    let host = DevHost::default();
    let session = Arc::new(Session::new(data_dir, Box::new(host.clone())));
    started(&format!("http://{address}"), &token);
    for request in server.incoming_requests() {
        if request.url() == "/dev/stop" && authorized(&request, &token) {
            let _ = request.respond(tiny_http::Response::empty(204));
            break;
        }
        let (session, host, token) = (session.clone(), host.clone(), token.clone());
        std::thread::spawn(move || answer(request, &session, &host, &token));
    }
    Ok(())
}

fn authorized(request: &tiny_http::Request, token: &str) -> bool {
    request.headers().iter().any(|h| h.field.equiv("x-workbench-token") && h.value.as_str() == token)
}

fn json_response(status: u16, value: &serde_json::Value) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut response = tiny_http::Response::from_data(value.to_string().into_bytes()).with_status_code(status);
    if let Ok(header) = tiny_http::Header::from_bytes("content-type", "application/json; charset=utf-8") {
        response.add_header(header);
    }
    response
}

fn answer(mut request: tiny_http::Request, session: &Session, host: &DevHost, token: &str) {
    if !authorized(&request, token) {
        let _ = request.respond(json_response(403, &serde_json::json!({"error": "a token is needed"})));
        return;
    }
    let url = request.url().to_string();
    let mut body = Vec::new();
    let read = request.as_reader().take(MAX_REQUEST).read_to_end(&mut body);
    let parsed: serde_json::Value = match read {
        Ok(_) if body.is_empty() => serde_json::json!({}),
        Ok(_) => serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        Err(_) => serde_json::Value::Null,
    };
    let response = if let Some(name) = url.strip_prefix("/op/") {
        let mut progress = Vec::new();
        match crate::dispatch(session, name, parsed, &mut |p| progress.push(p)) {
            Ok(Payload::Json(reply)) => json_response(200, &serde_json::json!({"ok": reply, "progress": progress})),
            Ok(Payload::Bytes(bytes)) => {
                let mut response = tiny_http::Response::from_data(bytes);
                if let Ok(header) = tiny_http::Header::from_bytes("content-type", "application/octet-stream") {
                    response.add_header(header);
                }
                response
            }
            Err(error) => json_response(200, &serde_json::json!({"error": error, "progress": progress})),
        }
    } else if url == "/dev/choose" {
        let paths: Vec<PathBuf> = parsed["paths"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p.as_str()).map(PathBuf::from).collect())
            .unwrap_or_default();
        host.choose(paths);
        json_response(200, &serde_json::json!({"ok": null}))
    } else if url == "/dev/opened" {
        json_response(200, &serde_json::json!({"ok": host.opened()}))
    } else {
        json_response(404, &serde_json::json!({"error": format!("no such address: {url}")}))
    };
    let _ = request.respond(response);
}
