//! What a front end holds between operations: the data folder, the user's
//! profile, the files the user chose (known to the page only by opaque
//! handles), the flag that cancels an intake, and the host that shows
//! native dialogs and opens files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use workbench_core::model::event::{Actor, Clock, Context, SystemClock};
use workbench_core::profile::Profile;
use workbench_core::{Error, Result};

/// A file the user chose (in a dialog, by dropping it, or from the recent
/// list), as the page knows it: an opaque name. The page never sends a
/// path; the session keeps the path behind each handle, so a script in the
/// web view cannot make the app read or write anywhere else.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileHandle(pub String);

/// What the host front end does for an operation that the core cannot:
/// native dialogs, and handing a file to the operating system. The desktop
/// app shows real dialogs; the development server takes the choices a test
/// makes for the user.
pub trait Host: Send + Sync + std::fmt::Debug {
    fn pick_engagement_to_open(&self) -> Option<PathBuf>;
    /// `suggested` is a free path the dialog starts at.
    fn pick_engagement_to_create(&self, suggested: &Path) -> Option<PathBuf>;
    fn pick_evidence_files(&self) -> Vec<PathBuf>;
    fn pick_population_file(&self) -> Option<PathBuf>;
    /// `suggested_name` is the file name the dialog proposes; `package` says
    /// whether a zip (the package) or a PDF (the report) is being saved.
    fn pick_export_destination(&self, suggested_name: &str, package: bool) -> Option<PathBuf>;
    fn pick_certificate(&self) -> Option<PathBuf>;
    /// A member card (a team member's public key, JSON).
    fn pick_member_card(&self) -> Option<PathBuf>;
    /// A person's key file, carried from another computer of theirs.
    fn pick_key_file(&self) -> Option<PathBuf>;
    /// Where to save a member card or a key file (JSON), proposing `suggested_name`.
    fn pick_key_destination(&self, suggested_name: &str) -> Option<PathBuf>;
    /// Hands a file to the system's default app (a viewer copy, a report).
    fn open(&self, path: &Path) -> std::io::Result<()>;
    /// Shows a file's folder in the file manager.
    fn show_in_folder(&self, path: &Path) -> std::io::Result<()>;
}

/// Where the answers of one front end live.
#[derive(Debug)]
pub struct Session {
    data_dir: PathBuf,
    profile: Mutex<Profile>,
    files: Mutex<HashMap<FileHandle, PathBuf>>,
    next_handle: AtomicU64,
    /// Files the app itself wrote (exports): the only ones it hands to the
    /// system's app or file manager on the page's request.
    written: Mutex<Vec<FileHandle>>,
    intake_cancel: Arc<AtomicBool>,
    host: Box<dyn Host>,
    /// The person's signing key, opened with their PIN, and when: it stays
    /// open for a short while (as `sudo` does), then the PIN is asked again.
    opened_key: Mutex<Option<(workbench_core::keys::UnlockedKey, std::time::Instant)>>,
}

impl Session {
    /// The session of `data_dir`; a damaged profile is replaced by a new one
    /// (it holds only preferences and the recent list, nothing of an audit).
    pub fn new(data_dir: PathBuf, host: Box<dyn Host>) -> Session {
        let mut profile = Profile::load(&data_dir).unwrap_or_default();
        if profile.name.trim().is_empty() {
            // Empty when the environment names nobody: the page then asks.
            profile.name = Actor::environment_name().unwrap_or_default();
        }
        Session {
            data_dir,
            profile: Mutex::new(profile),
            files: Mutex::new(HashMap::new()),
            next_handle: AtomicU64::new(1),
            written: Mutex::new(Vec::new()),
            intake_cancel: Arc::new(AtomicBool::new(false)),
            host,
            opened_key: Mutex::new(None),
        }
    }

    /// How long an opened key stays open: `$WORKBENCH_PIN_MINUTES`, else
    /// five minutes; `0` asks for the PIN at every signature.
    fn key_lifetime() -> std::time::Duration {
        let minutes =
            std::env::var("WORKBENCH_PIN_MINUTES").ok().and_then(|m| m.trim().parse::<u64>().ok()).unwrap_or(5);
        std::time::Duration::from_secs(minutes.saturating_mul(60))
    }

    /// Keeps a key opened with its PIN, for its person's next signatures.
    pub(crate) fn keep_key(&self, key: workbench_core::keys::UnlockedKey) {
        *self.opened_key.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((key, std::time::Instant::now()));
    }

    /// Closes the opened key (another person takes the laptop).
    pub(crate) fn forget_key(&self) {
        *self.opened_key.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// Runs `f` with `name`'s opened key, when it is open and fresh.
    pub(crate) fn with_key<T>(&self, name: &str, f: impl FnOnce(Option<&workbench_core::keys::UnlockedKey>) -> T) -> T {
        let mut opened = self.opened_key.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if opened.as_ref().is_some_and(|(_, at)| at.elapsed() > Self::key_lifetime()) {
            *opened = None;
        }
        let key = opened.as_ref().map(|(k, _)| k).filter(|k| k.name == name);
        f(key)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn host(&self) -> &dyn Host {
        self.host.as_ref()
    }

    pub(crate) fn profile(&self) -> MutexGuard<'_, Profile> {
        self.profile.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The person on whose behalf changes are made: the profile's name.
    pub(crate) fn actor(&self) -> Actor {
        let name = self.profile().name.clone();
        Actor::new(if name.trim().is_empty() { "unknown".to_string() } else { name })
    }

    /// Runs `f` with the session's actor and the system clock.
    pub(crate) fn with_ctx<T>(&self, f: impl FnOnce(Context<'_>) -> Result<T>) -> Result<T> {
        let actor = self.actor();
        f(Context { actor: &actor, clock: &SystemClock })
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        SystemClock.now()
    }

    /// The handle of a path the user chose (the same path keeps its handle).
    pub fn handle_for(&self, path: PathBuf) -> FileHandle {
        let mut files = self.files.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((handle, _)) = files.iter().find(|(_, p)| **p == path) {
            return handle.clone();
        }
        let handle = FileHandle(format!("f{}", self.next_handle.fetch_add(1, Ordering::SeqCst)));
        files.insert(handle.clone(), path);
        handle
    }

    /// The path behind a handle; a handle the session did not give out is
    /// refused (`not_found`), whatever the page sends.
    pub fn path(&self, handle: &FileHandle) -> Result<PathBuf> {
        let files = self.files.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        files.get(handle).cloned().ok_or_else(|| Error::NotFound { what: "file", id: handle.0.clone() })
    }

    /// Records that the app wrote the file at `path`, and returns its handle.
    pub(crate) fn mark_written(&self, path: PathBuf) -> FileHandle {
        let handle = self.handle_for(path);
        self.written.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(handle.clone());
        handle
    }

    /// The path of a file the app wrote; any other handle is refused.
    pub(crate) fn written(&self, handle: &FileHandle) -> Result<PathBuf> {
        let written = self.written.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !written.contains(handle) {
            return Err(Error::NotFound { what: "written file", id: handle.0.clone() });
        }
        drop(written);
        self.path(handle)
    }

    pub(crate) fn intake_cancel(&self) -> Arc<AtomicBool> {
        self.intake_cancel.clone()
    }
}
