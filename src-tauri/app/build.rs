//! The app's command permissions come from the operations' declarations:
//! every declared operation is a command the main window may call, and
//! nothing else is (Tauri's ACL refuses any other command).
//!
//! The names are read from the declarations file when this script runs,
//! not compiled into it: a build script compiled once with the file
//! `include!`d kept the names it was compiled with after the file changed,
//! and the app then refused the new operations. The app's test
//! `every_declared_operation_is_a_command_the_window_may_call` checks these
//! names against `workbench_ops::NAMES`, which the declarations macro makes.

/// The operations' names: each declaration starts at four spaces of indent
/// with its name and its request type, `    name(RequestType {`.
fn declared_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("    "))
        .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|line| line.split_once('('))
        .filter(|(name, rest)| {
            name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && rest.starts_with(|c: char| c.is_ascii_uppercase())
        })
        .map(|(name, _)| name.to_string())
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let declarations = "../ops/src/operations/declarations.rs";
    println!("cargo:rerun-if-changed={declarations}");
    let names = declared_names(&std::fs::read_to_string(declarations)?);
    if names.is_empty() {
        return Err(format!("{declarations} declares no operation that this script can read").into());
    }
    let names: &'static [&'static str] =
        Box::leak(names.into_iter().map(|n| &*Box::leak(n.into_boxed_str())).collect::<Vec<_>>().into_boxed_slice());
    // One permission set, `operations`, that allows every declared
    // operation; the main window's capability grants it.
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    let dir = out.join("operation-permissions");
    std::fs::create_dir_all(&dir)?;
    let allowed: Vec<String> = names.iter().map(|n| format!("\"allow-{}\"", n.replace('_', "-"))).collect();
    let set = format!(
        "# Written by build.rs from the operations' declarations.\n[[set]]\nidentifier = \"operations\"\ndescription = \"Every operation declared in workbench-ops.\"\npermissions = [{}]\n",
        allowed.join(", ")
    );
    std::fs::write(dir.join("operations.toml"), set)?;
    let pattern: &'static str = Box::leak(format!("{}/*.toml", dir.display()).into_boxed_str());
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(names).permissions_path_pattern(pattern)),
    )?;
    Ok(())
}
