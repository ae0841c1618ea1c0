//! The desktop app: a Tauri shell over `workbench_core::api`. Commands are a
//! few lines each (see `commands`); everything they do is also reachable
//! from the `workbench` CLI through the same API calls.

mod commands;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use tauri::{Builder, Runtime};
use workbench_core::profile::Profile;

pub use commands::CommandError;

/// What the app holds between commands: where its data lives and the
/// user's profile. Engagement files are opened per command, so that the
/// file on disk is always the truth (and the CLI may work on it too).
#[derive(Debug)]
pub struct AppState {
    pub data_dir: PathBuf,
    pub profile: Mutex<Profile>,
    /// Set by `cancel_intake`; the running evidence intake checks it after
    /// every chunk.
    pub intake_cancel: Arc<AtomicBool>,
}

impl AppState {
    /// The state for `data_dir`; a damaged profile is replaced by a new one
    /// (it holds only preferences and the recent list, nothing of an audit).
    pub fn load(data_dir: PathBuf) -> AppState {
        let mut profile = Profile::load(&data_dir).unwrap_or_default();
        if profile.name.trim().is_empty() {
            // The same fallbacks as the CLI: $WORKBENCH_USER, then the login name.
            profile.name = std::env::var("WORKBENCH_USER")
                .or_else(|_| std::env::var("USER"))
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_default();
        }
        AppState { data_dir, profile: Mutex::new(profile), intake_cancel: Arc::new(AtomicBool::new(false)) }
    }
}

/// The app's builder, generic over the runtime so that commands can be
/// tested with `tauri::test::mock_builder()` without a window.
pub fn builder<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    builder.manage(state).invoke_handler(tauri::generate_handler![
        commands::get_profile,
        commands::save_profile,
        commands::pick_engagement_to_open,
        commands::pick_engagement_to_create,
        commands::suggest_engagement_path,
        commands::open_engagement,
        commands::open_demo,
        commands::list_catalogs,
        commands::check_fields,
        commands::create_engagement,
        commands::dashboard,
        commands::list_controls,
        commands::control_detail,
        commands::set_scope,
        commands::add_procedure,
        commands::update_procedure,
        commands::remove_procedure,
        commands::add_exception,
        commands::edit_exception,
        commands::remove_exception,
        commands::pick_evidence_files,
        commands::describe_files,
        commands::add_evidence,
        commands::cancel_intake,
        commands::list_evidence,
        commands::edit_evidence,
        commands::link_evidence,
        commands::unlink_evidence,
        commands::remove_evidence,
        commands::evidence_content,
        commands::open_evidence,
        commands::verify_evidence,
        commands::list_pbc,
        commands::add_pbc,
        commands::edit_pbc,
        commands::review_summary,
        commands::sign_off,
        commands::add_note,
        commands::answer_note,
        commands::clear_note,
        commands::finalize_check,
        commands::finalize,
        commands::reopen,
        commands::item_history,
        commands::pick_population_file,
        commands::preview_population,
        commands::sampling,
        commands::import_population,
        commands::set_population_count,
        commands::sample_rules,
        commands::save_sample_rules,
        commands::reset_sample_rules,
        commands::select_sample,
        commands::select_sample_manually,
        commands::add_sample_item,
        commands::discard_sample,
        commands::reproduce_sample,
        commands::add_attribute,
        commands::edit_attribute,
        commands::remove_attribute,
        commands::set_cell,
        commands::set_tickmark,
        commands::pick_export_destination,
        commands::pick_certificate_file,
        commands::export_report,
        commands::export_package,
        commands::open_path,
        commands::show_in_folder,
    ])
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
    let app = builder(Builder::default(), AppState::load(data_dir)).build(tauri::generate_context!());
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
