//! Integration tests of workbench-core: one test binary, one module per area.

// Tests state their expectations with unwrap: a failure shows the value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog_import;
mod changes;
mod encryption;
mod engagement_file;
mod evidence;
mod hostile_files;
mod hostile_xlsx;
mod merge;
mod replay;
mod review;
mod sampling;
mod signing;
mod support;
mod withdrawal;
mod work;
mod workday;
