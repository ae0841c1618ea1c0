//! `workbench-core`: the domain of the ISMAP Assessor Workbench.
//!
//! Front ends (the `workbench` CLI, later the desktop app) call [`api`] and
//! nothing else; see ARCHITECTURE.md for the map of this crate.

pub mod api;
#[cfg(feature = "ts")]
mod bindings;
pub mod corporate_number;
pub mod domain;
pub mod error;
pub mod files;
pub mod generate;
pub mod import;
pub mod ismap_id;
pub mod model;
pub mod profile;
pub mod sample;
pub(crate) mod store;

pub use error::{Error, Result};
