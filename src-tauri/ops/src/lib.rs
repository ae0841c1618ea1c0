//! `workbench-ops`: every operation the front ends use, declared once
//! (`operations.rs`). From each declaration come its request type, its place
//! in the one dispatcher (`dispatch`), its name in the desktop app's command
//! permissions, and its typed function in the UI's generated client. The
//! desktop app calls `dispatch` from its IPC handler; `workbench serve
//! --dev` calls it from a loopback HTTP server for the UI's tests. Each
//! operation is a few lines over `workbench_core::api` (and the report crate
//! for exports): front ends orchestrate nothing.

#[macro_use]
mod declare;
pub mod operations;
pub mod serve;
mod session;
pub mod typescript;

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use operations::{dispatch, NAMES};
pub use session::{FileHandle, Host, Session};

/// A reply as it crosses to the page: JSON, or raw bytes (evidence content
/// for previews, which would be four times larger as a JSON array).
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Json(serde_json::Value),
    Bytes(Vec<u8>),
}

/// Raw bytes as a reply (an `ArrayBuffer` in the page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

#[cfg(feature = "ts")]
impl ts_rs::TS for Bytes {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "ArrayBuffer".into()
    }
    fn inline(cfg: &ts_rs::Config) -> String {
        Self::name(cfg)
    }
}

/// How a reply becomes a payload.
pub trait IntoPayload {
    fn into_payload(self) -> Payload;
}

impl<T: Serialize> IntoPayload for T {
    fn into_payload(self) -> Payload {
        // Replies are plain data; serialising them cannot fail.
        Payload::Json(serde_json::to_value(self).unwrap_or(serde_json::Value::Null))
    }
}

impl IntoPayload for Bytes {
    fn into_payload(self) -> Payload {
        Payload::Bytes(self.0)
    }
}

/// How often progress crosses to the page: often enough for a smooth bar,
/// rarely enough that ten thousand small files do not flood the web view.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Where an operation sends its progress, of type `T`.
pub struct Progress<'a, T> {
    sink: &'a mut dyn FnMut(serde_json::Value),
    last: Option<Instant>,
    _kind: PhantomData<fn(&T)>,
}

impl<T> std::fmt::Debug for Progress<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").field("last", &self.last).finish()
    }
}

impl<'a, T: Serialize> Progress<'a, T> {
    pub fn new(sink: &'a mut dyn FnMut(serde_json::Value)) -> Self {
        Progress { sink, last: None, _kind: PhantomData }
    }

    /// Sends `value`, unless one was sent very recently and this one is not
    /// the `last`.
    pub fn send(&mut self, value: &T, last: bool) {
        if last || self.last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
            if let Ok(v) = serde_json::to_value(value) {
                (self.sink)(v);
            }
            self.last = Some(Instant::now());
        }
    }
}

/// A passphrase as it arrives from the page: zeroed when dropped, and never
/// shown by `Debug`.
#[derive(Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
pub struct Passphrase(zeroize::Zeroizing<String>);

impl<'de> Deserialize<'de> for Passphrase {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Passphrase(zeroize::Zeroizing::new(s)))
    }
}

impl Passphrase {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The passphrase itself, still zeroed when dropped.
    pub fn take(self) -> zeroize::Zeroizing<String> {
        self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(hidden)")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_debug_output_shows_a_passphrase() {
        let choice: crate::operations::ExportChoice = serde_json::from_value(serde_json::json!({
            "kind": "package", "lang": "ja", "destination": "f2", "certificate": "f3",
            "passphrase": "s3cret-passphrase", "report_date": null
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{choice:?} {choice:#?}");
        assert!(!shown.contains("s3cret-passphrase") && shown.contains("f3"), "{shown}");
        assert_eq!(choice.passphrase.as_ref().map(crate::Passphrase::expose), Some("s3cret-passphrase"));
    }
}
