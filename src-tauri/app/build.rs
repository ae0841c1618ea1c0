//! The app's command permissions come from the operations' declarations:
//! the declarations file is included here with a macro that keeps only the
//! names, so that every declared operation is a command the main window may
//! call, and nothing else is (Tauri's ACL refuses any other command).

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ( $Req:ident { $( $(#[$fattr:meta])* $field:ident : $fty:ty ),* $(,)? } )
            -> $Reply:ty $(, progress = $Prog:ty)?
            | $s:ident , $r:ident , $p:ident | $body:block
    )*) => {
        const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

include!("../ops/src/operations/declarations.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=../ops/src/operations/declarations.rs");
    // One permission set, `operations`, that allows every declared
    // operation; the main window's capability grants it.
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    let dir = out.join("operation-permissions");
    std::fs::create_dir_all(&dir)?;
    let allowed: Vec<String> = NAMES.iter().map(|n| format!("\"allow-{}\"", n.replace('_', "-"))).collect();
    let set = format!(
        "# Written by build.rs from the operations' declarations.\n[[set]]\nidentifier = \"operations\"\ndescription = \"Every operation declared in workbench-ops.\"\npermissions = [{}]\n",
        allowed.join(", ")
    );
    std::fs::write(dir.join("operations.toml"), set)?;
    let pattern: &'static str = Box::leak(format!("{}/*.toml", dir.display()).into_boxed_str());
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(NAMES).permissions_path_pattern(pattern)),
    )?;
    Ok(())
}
