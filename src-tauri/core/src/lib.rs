//! `workbench-core`: the domain of the ISMAP Assessor Workbench.
//!
//! Front ends (the `workbench` CLI, later the desktop app) call [`api`] and
//! nothing else; see ARCHITECTURE.md for the map of this crate.

/// Declares a closed enum that is stored and shown as snake_case text, with
/// `ALL` (its texts, for command-line value lists), `as_str` and `parse`.
/// One definition for every such enum of the model.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),* }

        impl $name {
            pub const ALL: &'static [&'static str] = &[$($text),*];
            /// Every value, in the order declared.
            pub const VARIANTS: &'static [Self] = &[$(Self::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// So that a value compares with its text (`err.kind() == "invalid"`).
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

pub mod api;
#[cfg(feature = "ts")]
mod bindings;
#[cfg(feature = "ts")]
pub use bindings::export_bindings;
pub mod corporate_number;
pub mod domain;
pub mod error;
pub mod files;
pub mod generate;
pub mod import;
pub mod ismap_id;
pub mod keys;
pub mod model;
pub mod profile;
pub mod sample;
pub mod search;
pub(crate) mod store;

pub use error::{Error, Result};
pub use profile::Lang;
