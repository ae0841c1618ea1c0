//! The TypeScript side of the declarations: every type the page sends or
//! receives (`ui/src/lib/ipc/bindings/`, from ts-rs) and the client with
//! one typed function per operation (`ui/src/lib/ipc/generated/client.ts`).
//! Both are committed; the test below fails when they drift from the Rust
//! declarations, and `UPDATE_BINDINGS=1` rewrites them.

#![cfg(feature = "ts")]

use ts_rs::{Config, TypeVisitor, TS};

/// One operation as the client declares it.
#[derive(Debug)]
pub struct Signature {
    pub name: &'static str,
    pub doc: Vec<&'static str>,
    pub request: String,
    pub reply: String,
    /// `None` for an operation without progress.
    pub progress: Option<String>,
    /// The types the signature names, to import.
    pub imports: Vec<String>,
}

/// How a reply crosses to the page: raw bytes as an `ArrayBuffer`,
/// nothing as `null`, anything else as its JSON type.
pub fn reply_type<T: TS + 'static>(cfg: &Config) -> String {
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<crate::Bytes>() {
        "ArrayBuffer".into()
    } else {
        T::name(cfg)
    }
}

pub fn progress_type<T: TS + 'static>(cfg: &Config) -> Option<String> {
    (std::any::TypeId::of::<T>() != std::any::TypeId::of::<()>()).then(|| T::name(cfg))
}

/// The exported types a type expression names: itself when it is one, or
/// those it is made of (`Array<ControlRow>` names `ControlRow`).
pub fn imports<T: TS + 'static>(cfg: &Config) -> Vec<String> {
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<crate::Bytes>() {
        return Vec::new();
    }
    if T::output_path().is_some() {
        return vec![T::ident(cfg)];
    }
    // A list or an option names the types it holds (its generics), not
    // what those are made of.
    struct Named<'a> {
        cfg: &'a Config,
        names: Vec<String>,
    }
    impl TypeVisitor for Named<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            if U::output_path().is_some() {
                self.names.push(U::ident(self.cfg));
            }
        }
    }
    let mut named = Named { cfg, names: Vec::new() };
    T::visit_generics(&mut named);
    named.names
}

/// Exports `T` and every type it uses, or, for a type that is not exported
/// itself (a list, an option), the types it is made of.
pub fn export_deep<T: TS + 'static>(cfg: &Config) -> Result<(), ts_rs::ExportError> {
    struct Exporter<'a> {
        cfg: &'a Config,
        error: Option<ts_rs::ExportError>,
    }
    impl TypeVisitor for Exporter<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            if self.error.is_none() && U::output_path().is_some() {
                self.error = U::export_all(self.cfg).err();
            }
        }
    }
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<crate::Bytes>() {
        return Ok(());
    }
    if T::output_path().is_some() {
        return T::export_all(cfg);
    }
    let mut exporter = Exporter { cfg, error: None };
    T::visit_generics(&mut exporter);
    exporter.error.map_or(Ok(()), Err)
}

/// `list_controls` as the page calls it: `listControls`.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The client: one function per operation, over a transport (Tauri's IPC in
/// the app, HTTP to the development server in tests).
pub fn client(signatures: &[Signature]) -> String {
    let mut imports: Vec<&str> = signatures.iter().flat_map(|s| s.imports.iter().map(String::as_str)).collect();
    imports.sort_unstable();
    imports.dedup();
    let mut out = String::new();
    out.push_str("// Generated from src-tauri/ops/src/operations/declarations.rs by\n");
    out.push_str("// `UPDATE_BINDINGS=1 cargo test -p workbench-ops --features ts`: do not edit.\n");
    out.push_str("// Each operation of the workbench, declared once in Rust.\n\n");
    out.push_str("import type { Transport } from \"../transport\";\n");
    for name in &imports {
        out.push_str(&format!("import type {{ {name} }} from \"../bindings/{name}\";\n"));
    }
    out.push_str("\n/** Every operation, by the name the transport carries. */\n");
    out.push_str("export const OPERATIONS = [\n");
    for s in signatures {
        out.push_str(&format!("  \"{}\",\n", s.name));
    }
    out.push_str("] as const;\n\nexport type OperationName = (typeof OPERATIONS)[number];\n\n");
    out.push_str("/** The client of every operation over `transport`. */\n");
    out.push_str("export function client(transport: Transport) {\n  return {\n");
    for s in signatures {
        let doc: Vec<&str> = s.doc.iter().map(|d| d.trim()).filter(|d| !d.is_empty()).collect();
        if !doc.is_empty() {
            out.push_str(&format!("    /** {} */\n", doc.join(" ")));
        }
        let progress = match &s.progress {
            Some(p) => format!(", onProgress?: (progress: {p}) => void"),
            None => String::new(),
        };
        let pass = if s.progress.is_some() { ", onProgress" } else { "" };
        out.push_str(&format!(
            "    {}: (request: {}{progress}): Promise<{}> => transport.call(\"{}\", request{pass}),\n",
            camel(s.name),
            s.request,
            s.reply,
            s.name
        ));
    }
    out.push_str("  };\n}\n\n/** What `client` returns: the typed operations. */\nexport type Client = ReturnType<typeof client>;\n");
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    /// The UI's generated folders, next to the hand-written IPC code.
    fn ipc_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/ipc")
    }

    fn read_tree(dir: &Path) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(root, &path, files);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    let name = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                    files.insert(name, text);
                }
            }
        }
        walk(dir, dir, &mut files);
        files
    }

    /// Writes the bindings and the client into `dir` (`bindings/`, `generated/`).
    fn generate(dir: &Path) {
        let cfg = ts_rs::Config::new().with_large_int("number").with_out_dir(dir.join("bindings"));
        workbench_core::export_bindings(&cfg).unwrap_or_else(|e| panic!("core bindings: {e}"));
        crate::operations::export_requests(&cfg).unwrap_or_else(|e| panic!("requests: {e}"));
        // Not a reply: what the app's drop event carries.
        <crate::operations::Dropped as ts_rs::TS>::export_all(&cfg).unwrap_or_else(|e| panic!("Dropped: {e}"));
        let text = super::client(&crate::operations::signatures(&cfg));
        std::fs::create_dir_all(dir.join("generated")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("generated/client.ts"), text).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn the_committed_typescript_matches_the_declarations() {
        let fresh = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        generate(fresh.path());
        let target = ipc_dir();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            for sub in ["bindings", "generated"] {
                let _ = std::fs::remove_dir_all(target.join(sub));
            }
            generate(&target);
            return;
        }
        for sub in ["bindings", "generated"] {
            let expected = read_tree(&fresh.path().join(sub));
            let committed = read_tree(&target.join(sub));
            assert_eq!(
                committed.keys().collect::<Vec<_>>(),
                expected.keys().collect::<Vec<_>>(),
                "ui/src/lib/ipc/{sub} is out of date: run UPDATE_BINDINGS=1 cargo test -p workbench-ops --features ts"
            );
            for (name, text) in &expected {
                assert_eq!(
                    committed.get(name),
                    Some(text),
                    "ui/src/lib/ipc/{sub}/{name} is out of date: run UPDATE_BINDINGS=1 cargo test -p workbench-ops --features ts"
                );
            }
        }
    }

    #[test]
    fn names_become_the_clients_function_names() {
        assert_eq!(super::camel("list_controls"), "listControls");
        assert_eq!(super::camel("sign_off"), "signOff");
    }
}
