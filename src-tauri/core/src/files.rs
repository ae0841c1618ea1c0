//! Files the workbench writes outside engagement files (exports, reports,
//! viewer copies, the firm's settings): whole or not at all, never outside
//! the folder chosen for them, and never leaving confidential bytes behind
//! when the writer is killed.

use std::fs::File;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The prefix of a file being written. Its writer holds a lock on it for as
/// long as it lives, so the next writer in the folder can tell a file whose
/// writer was killed (unlocked) from one being written now (locked).
pub(crate) const PARTIAL: &str = ".workbench-partial-";

/// A file under construction in the folder of its destination: the name
/// stays on one file system, so the final rename is atomic.
#[derive(Debug)]
pub struct Partial {
    temp: tempfile::NamedTempFile,
}

impl Partial {
    /// Starts a file for `target`, clearing what killed writers left in its
    /// folder first.
    pub fn beside(target: &Path) -> Result<Partial> {
        let dir = parent_of(target);
        sweep(dir);
        let temp = tempfile::Builder::new().prefix(PARTIAL).tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
        temp.as_file().try_lock().map_err(|e| Error::io(temp.path(), std::io::Error::other(e.to_string())))?;
        Ok(Partial { temp })
    }

    pub fn file(&mut self) -> &mut File {
        self.temp.as_file_mut()
    }

    /// Makes the file durable and moves it to `target`, which must not exist
    /// when `replace` is false; then makes the folder's entry durable too.
    pub fn finish(self, target: &Path, replace: bool) -> Result<()> {
        self.temp.as_file().sync_all().map_err(|e| Error::io(target, e))?;
        let persisted = if replace { self.temp.persist(target) } else { self.temp.persist_noclobber(target) };
        persisted.map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => {
                Error::AlreadyExists { what: "file", id: target.display().to_string() }
            }
            _ => Error::io(target, e.error),
        })?;
        crate::store::sync_parent(target)
    }
}

/// Writes `bytes` to `path` whole or not at all (replacing a file there).
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut partial = Partial::beside(path)?;
    partial.file().write_all(bytes).map_err(|e| Error::io(path, e))?;
    partial.finish(path, true)
}

/// Removes the file at `path`; one that is not there is already removed
/// (going back to a shipped default twice is not an error).
pub fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Removes the partial files of writers that were killed (their lock is
/// gone). Best effort: a file that cannot be opened or removed stays, and
/// one whose writer still runs is left to it.
pub fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // A partial engagement file has SQLite's journal beside it while it
        // is written; the journal goes with its file, never alone.
        if !name.starts_with(PARTIAL) || name.ends_with("-journal") {
            continue;
        }
        let path = entry.path();
        let abandoned = File::options().read(true).write(true).open(&path).is_ok_and(|f| f.try_lock().is_ok());
        if abandoned {
            let _ = std::fs::remove_file(&path);
            let mut journal = path.into_os_string();
            journal.push("-journal");
            let _ = std::fs::remove_file(PathBuf::from(journal));
        }
    }
}

/// Whether a folder holds nothing but the partial files of killed writers.
pub fn is_empty_folder(dir: &Path) -> std::io::Result<bool> {
    sweep(dir);
    Ok(std::fs::read_dir(dir)?.next().is_none())
}

/// `dir` joined with `name`, refused unless `name` is one plain file name:
/// no separator, no `..`, no drive or root, so that nothing read from a
/// file decides where something is written.
pub fn inside(dir: &Path, name: &str) -> Result<PathBuf> {
    let mut components = Path::new(name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(_)), None) if !name.contains(['/', '\\']) => Ok(dir.join(name)),
        _ => Err(Error::invalid("name", format!("\"{}\" is not a plain file name", name.escape_debug()))),
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A folder for this user only (the runtime folder where the system has
/// one, else the temporary folder), made readable by its owner alone and
/// checked to be so: a folder someone else made, or that others can read,
/// is refused rather than used.
pub fn private_dir(name: &str) -> Result<PathBuf> {
    let base = dirs::runtime_dir().unwrap_or_else(std::env::temp_dir);
    let dir = inside(&base, name)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(&dir, e)),
        }
        let meta = std::fs::symlink_metadata(&dir).map_err(|e| Error::io(&dir, e))?;
        // Our own user's id, as the owner of a file we have just made.
        let probe = tempfile::tempfile_in(&base).map_err(|e| Error::io(&base, e))?;
        let me = probe.metadata().map_err(|e| Error::io(&base, e))?.uid();
        let private = meta.is_dir() && !meta.file_type().is_symlink() && meta.uid() == me;
        if !private {
            return Err(Error::Source {
                path: dir,
                reason: "this folder belongs to someone else or is not a folder".into(),
            });
        }
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| Error::io(&dir, e))?;
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}

/// Kinds of file that may be handed to the system's viewer: documents and
/// images that run nothing when opened. Office formats with macros, HTML,
/// SVG, scripts and programs are not among them: a copy of such a file is
/// never opened by the workbench (it can be exported and opened with care).
const VIEWABLE: &[(&str, &[&[u8]])] = &[
    ("pdf", &[b"%PDF-"]),
    ("png", &[b"\x89PNG\r\n\x1a\n"]),
    ("jpg", &[b"\xff\xd8\xff"]),
    ("jpeg", &[b"\xff\xd8\xff"]),
    ("gif", &[b"GIF87a", b"GIF89a"]),
    ("bmp", &[b"BM"]),
    ("webp", &[b"RIFF"]),
    ("tif", &[b"II*\0", b"MM\0*"]),
    ("tiff", &[b"II*\0", b"MM\0*"]),
    ("txt", &[]),
    ("log", &[]),
    ("csv", &[]),
    ("tsv", &[]),
    ("json", &[]),
    ("md", &[]),
    ("docx", &[b"PK\x03\x04"]),
    ("xlsx", &[b"PK\x03\x04"]),
    ("pptx", &[b"PK\x03\x04"]),
    ("odt", &[b"PK\x03\x04"]),
    ("ods", &[b"PK\x03\x04"]),
    ("odp", &[b"PK\x03\x04"]),
];

/// Why a file may not be handed to the system's viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotViewable {
    /// No extension: nobody can tell what the viewer would do with it.
    NoExtension,
    /// A kind of file that can run code when opened (programs, scripts,
    /// HTML, SVG, office files with macros, ...).
    MayRunCode,
    /// The content is not what its extension says (a program named `.pdf`).
    ContentMismatch,
}

impl NotViewable {
    pub fn code(self) -> crate::error::ProblemCode {
        use crate::error::ProblemCode;
        match self {
            NotViewable::NoExtension => ProblemCode::NoExtension,
            NotViewable::MayRunCode => ProblemCode::MayRunCode,
            NotViewable::ContentMismatch => ProblemCode::ContentMismatch,
        }
    }
}

/// Why a file may not be handed to the system's viewer, or `None` when it
/// may: its extension must be one of the allowed kinds, and its first bytes
/// what that kind begins with (text kinds must not begin like a program).
pub fn not_viewable(name: &str, head: &[u8]) -> Option<NotViewable> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if ext.is_empty() {
        return Some(NotViewable::NoExtension);
    }
    let Some((_, magics)) = VIEWABLE.iter().find(|(e, _)| *e == ext) else {
        return Some(NotViewable::MayRunCode);
    };
    let starts_like_program = [b"MZ".as_slice(), b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe"]
        .iter()
        .any(|m| head.starts_with(m));
    if magics.is_empty() && starts_like_program || !magics.is_empty() && !magics.iter().any(|m| head.starts_with(m)) {
        return Some(NotViewable::ContentMismatch);
    }
    None
}

/// Marks a copy as coming from another computer, so that Windows opens it
/// with the care it gives downloads (Protected View in Office).
pub fn mark_from_elsewhere(path: &Path) -> Result<()> {
    #[cfg(windows)]
    {
        let mut stream = path.as_os_str().to_owned();
        stream.push(":Zone.Identifier");
        std::fs::write(&stream, "[ZoneTransfer]\r\nZoneId=3\r\n").map_err(|e| Error::io(path, e))?;
    }
    #[cfg(not(windows))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_files_stay_inside_their_folder() {
        let dir = Path::new("/tmp/out");
        assert_eq!(inside(dir, "EV-0001_規程.pdf").unwrap(), dir.join("EV-0001_規程.pdf"));
        for name in ["../x", "..\\x", "a/b", "/etc/passwd", "..", ".", "", "C:\\x", "a\\..\\..\\b"] {
            assert!(inside(dir, name).is_err(), "{name}");
        }
    }

    #[test]
    fn only_documents_and_images_that_run_nothing_are_viewable() {
        assert_eq!(not_viewable("EV-0001_規程.pdf", b"%PDF-1.7"), None);
        assert_eq!(not_viewable("EV-0004_setup.exe", b"MZ"), Some(NotViewable::MayRunCode));
        assert_eq!(not_viewable("EV-0010_fake.pdf", b"MZ"), Some(NotViewable::ContentMismatch));
        assert_eq!(not_viewable("EV-0009_noextension", b"x"), Some(NotViewable::NoExtension));
        assert_eq!(not_viewable("EV-0002_画面.PNG", b"\x89PNG\r\n\x1a\nIHDR"), None);
        assert_eq!(not_viewable("EV-0003_log.txt", "ログ".as_bytes()), None);
        for (name, head) in [
            ("EV-0004_setup.exe", b"MZ\x90\0".as_slice()),
            ("EV-0005_report.docm", b"PK\x03\x04"),
            ("EV-0006_page.html", b"<html>"),
            ("EV-0007_diagram.svg", b"<svg"),
            ("EV-0008_run.bat", b"@echo off"),
            ("EV-0009_noextension", b"x"),
            ("EV-0010_fake.pdf", b"MZ\x90\0"),
            ("EV-0011_fake.txt", b"MZ\x90\0"),
        ] {
            assert!(not_viewable(name, head).is_some(), "{name}");
        }
    }

    #[test]
    fn a_killed_writers_partial_file_is_swept_and_a_live_ones_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(format!("{PARTIAL}dead"));
        std::fs::write(&dead, b"confidential").unwrap();
        let live = Partial::beside(&dir.path().join("report.pdf")).unwrap();
        sweep(dir.path());
        assert!(!dead.exists(), "nobody holds its lock");
        assert!(live.temp.path().exists(), "its writer still runs");
        live.finish(&dir.path().join("report.pdf"), false).unwrap();
        assert_eq!(names(dir.path()), ["report.pdf"]);
    }

    fn names(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
    }
}
