//! The desktop app: a Tauri shell over the operations of `workbench-ops`.
//! Every command the page may call is an operation declared there: the
//! invoke handler below hands each to `workbench_ops::dispatch` on a worker
//! thread, and the build script makes each name a permission of the main
//! window (Tauri refuses any other). The page never sends a path: files are
//! chosen in native dialogs (or dropped) here and known to the page by
//! opaque handles.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use tauri::ipc::{Invoke, InvokeBody, JavaScriptChannelId};
use tauri::{AppHandle, Builder, Emitter, Manager, Runtime};
use workbench_core::error::{ErrorKind, ErrorPayload};
use workbench_ops::{Host, Payload, Session};

/// The event that brings files dropped on the window to the page, as
/// `Dropped` (handles, never paths, or the error that refused them).
pub const DROPPED_EVENT: &str = "workbench://dropped";

/// Native dialogs (rfd, on the main thread as GTK requires) and the
/// system's apps. The end-to-end tests cannot drive GTK's dialogs, so a few
/// environment variables stand in for the user's choice there; everything
/// after the choice is the same.
struct AppHost<R: Runtime> {
    /// Set once the app runs (`setup`); no dialog is asked for before that.
    app: Arc<OnceLock<AppHandle<R>>>,
}

impl<R: Runtime> std::fmt::Debug for AppHost<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppHost")
    }
}

impl<R: Runtime> AppHost<R> {
    /// Runs a dialog on the main thread and waits for the user's answer.
    fn dialog<T: Send + 'static>(&self, show: impl FnOnce(rfd::FileDialog) -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        let app = self.app.get()?.clone();
        app.clone()
            .run_on_main_thread(move || {
                let mut dialog = rfd::FileDialog::new();
                if let Some(window) = app.get_webview_window("main") {
                    dialog = dialog.set_parent(&window);
                }
                let _ = tx.send(show(dialog));
            })
            .ok()?;
        rx.recv().ok()
    }
}

/// `WORKBENCH_E2E_PICK_FILES`: paths separated like PATH.
fn e2e_files() -> Option<Vec<PathBuf>> {
    std::env::var_os("WORKBENCH_E2E_PICK_FILES").map(|paths| std::env::split_paths(&paths).collect())
}

const ENGAGEMENT: (&str, &[&str]) = ("ISMAP Workbench", &["ismap"]);

impl<R: Runtime> Host for AppHost<R> {
    fn pick_engagement_to_open(&self) -> Option<PathBuf> {
        if let Some(files) = e2e_files() {
            return files.into_iter().find(|p| p.extension().is_some_and(|e| e == "ismap"));
        }
        self.dialog(|d| d.add_filter(ENGAGEMENT.0, ENGAGEMENT.1).pick_file()).flatten()
    }

    fn pick_engagement_to_create(&self, suggested: &Path) -> Option<PathBuf> {
        // The end-to-end tests save where exports go, under the suggested name.
        if let Some(dir) = std::env::var_os("WORKBENCH_E2E_EXPORT_DIR") {
            return suggested.file_name().map(|name| PathBuf::from(dir).join(name));
        }
        let dir = suggested.parent().map(Path::to_path_buf);
        let name = suggested.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.dialog(move |mut d| {
            if let Some(dir) = dir.filter(|d| d.is_dir()) {
                d = d.set_directory(dir);
            }
            d.add_filter(ENGAGEMENT.0, ENGAGEMENT.1).set_file_name(name).save_file()
        })
        .flatten()
    }

    fn pick_evidence_files(&self) -> Vec<PathBuf> {
        if let Some(files) = e2e_files() {
            return files;
        }
        self.dialog(|d| d.pick_files()).flatten().unwrap_or_default()
    }

    fn pick_population_file(&self) -> Option<PathBuf> {
        if let Some(files) = e2e_files() {
            return files.into_iter().next();
        }
        self.dialog(|d| d.add_filter("CSV / Excel", &["csv", "xlsx", "CSV", "XLSX"]).pick_file()).flatten()
    }

    fn pick_export_destination(&self, suggested_name: &str, package: bool) -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("WORKBENCH_E2E_EXPORT_DIR") {
            return Some(PathBuf::from(dir).join(suggested_name));
        }
        let name = suggested_name.to_string();
        self.dialog(move |d| {
            let d = if package { d.add_filter("ZIP", &["zip"]) } else { d.add_filter("PDF", &["pdf"]) };
            d.set_file_name(name).save_file()
        })
        .flatten()
    }

    fn pick_certificate(&self) -> Option<PathBuf> {
        if let Some(file) = std::env::var_os("WORKBENCH_E2E_PICK_CERTIFICATE") {
            return Some(PathBuf::from(file));
        }
        self.dialog(|d| d.add_filter("PKCS#12", &["p12", "pfx"]).pick_file()).flatten()
    }

    fn pick_member_card(&self) -> Option<PathBuf> {
        if let Some(files) = e2e_files() {
            return files.into_iter().find(|p| p.extension().is_some_and(|e| e == "json" || e == "card"));
        }
        self.dialog(|d| d.add_filter("Member card", &["json", "card"]).pick_file()).flatten()
    }

    fn pick_key_file(&self) -> Option<PathBuf> {
        if let Some(files) = e2e_files() {
            return files.into_iter().find(|p| p.extension().is_some_and(|e| e == "json" || e == "key"));
        }
        self.dialog(|d| d.add_filter("Signing key", &["json", "key"]).pick_file()).flatten()
    }

    fn pick_key_destination(&self, suggested_name: &str) -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("WORKBENCH_E2E_EXPORT_DIR") {
            return Some(PathBuf::from(dir).join(suggested_name));
        }
        let name = suggested_name.to_string();
        self.dialog(move |d| d.add_filter("JSON", &["json"]).set_file_name(name).save_file()).flatten()
    }

    fn open(&self, path: &Path) -> std::io::Result<()> {
        open::that_detached(path)
    }

    fn show_in_folder(&self, path: &Path) -> std::io::Result<()> {
        open::that_detached(path.parent().unwrap_or(Path::new(".")))
    }
}

/// A refusal that is not the core's: an unknown command, a body that is not JSON.
fn refusal(kind: ErrorKind, message: String) -> ErrorPayload {
    ErrorPayload { kind, message, input_problems: Vec::new(), field_problems: Vec::new() }
}

/// Hands the page's call to the operation of that name, on a worker thread
/// (an intake or an export takes seconds to minutes; a dialog waits for
/// the user). The page sends `{request, progress?}`: the request as the
/// operation takes it, and the channel its progress goes to.
fn dispatch_invoke<R: Runtime>(invoke: Invoke<R>) -> bool {
    let name = invoke.message.command().to_string();
    let webview = invoke.message.webview();
    let (request, progress) = match invoke.message.payload() {
        InvokeBody::Json(body) => (
            body.get("request").cloned().unwrap_or_else(|| serde_json::json!({})),
            body.get("progress").and_then(|p| p.as_str()).and_then(|p| JavaScriptChannelId::from_str(p).ok()),
        ),
        InvokeBody::Raw(_) => {
            invoke.resolver.reject(refusal(ErrorKind::Invalid, format!("{name}: the request is not JSON")));
            return true;
        }
    };
    let Some(session) = webview.try_state::<Arc<Session>>().map(|s| s.inner().clone()) else {
        invoke.resolver.reject(refusal(ErrorKind::Internal, "the app has not started yet".into()));
        return true;
    };
    let channel = progress.map(|id| id.channel_on::<R, serde_json::Value>(webview.clone()));
    let resolver = invoke.resolver;
    std::thread::spawn(move || {
        // A closed channel (the window went away) must not stop the work.
        let mut send = |value: serde_json::Value| {
            if let Some(channel) = &channel {
                let _ = channel.send(value);
            }
        };
        match workbench_ops::dispatch(&session, &name, request, &mut send) {
            Ok(Payload::Json(value)) => resolver.resolve(value),
            Ok(Payload::Bytes(bytes)) => resolver.resolve(tauri::ipc::Response::new(bytes)),
            Err(error) => resolver.reject(error),
        }
    });
    true
}

/// The app's builder, generic over the runtime so that the operations can
/// be called through IPC in tests (`tauri::test::mock_builder()`).
pub fn builder<R: Runtime>(builder: Builder<R>, data_dir: PathBuf) -> Builder<R> {
    let handle = Arc::new(OnceLock::new());
    let host = AppHost { app: handle.clone() };
    builder
        .manage(Arc::new(Session::new(data_dir, Box::new(host))))
        .setup(move |app| {
            let _ = handle.set(app.handle().clone());
            Ok(())
        })
        .invoke_handler(dispatch_invoke)
        .on_window_event(|window, event| {
            // Files dropped on the window reach the page as handles, with
            // the intake form's defaults, never as paths.
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, position }) = event {
                if let Some(session) = window.try_state::<Arc<Session>>() {
                    let dropped = workbench_ops::operations::dropped(&session, paths.clone(), position.x, position.y);
                    let _ = window.emit(DROPPED_EVENT, dropped);
                }
            }
        })
}

/// Starts the app with the user's data folder (`WORKBENCH_DATA_DIR` moves it).
pub fn run() {
    let data_dir = match workbench_core::api::default_data_dir() {
        Ok(dir) => dir,
        Err(err) => {
            rfd::MessageDialog::new()
                .set_title("ISMAP Assessor Workbench")
                .set_description(err.to_string())
                .set_level(rfd::MessageLevel::Error)
                .show();
            return;
        }
    };
    // Copies made for the system viewer by an earlier run are removed now;
    // a viewer may still have had them open when that run ended.
    let _ = workbench_core::api::clear_viewer_copies();
    let app = builder(Builder::default(), data_dir).build(tauri::generate_context!());
    match app {
        // At exit the copies go too: confidential evidence does not stay in
        // a temporary folder after the app is closed.
        Ok(app) => app.run(|_, event| {
            if let tauri::RunEvent::Exit = event {
                let _ = workbench_core::api::clear_viewer_copies();
            }
        }),
        Err(err) => {
            rfd::MessageDialog::new()
                .set_title("ISMAP Assessor Workbench")
                .set_description(format!("The app could not start: {err}"))
                .set_level(rfd::MessageLevel::Error)
                .show();
        }
    }
}

#[cfg(test)]
mod tests;
