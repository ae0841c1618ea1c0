//! Evidence inside the engagement file: content stored once per SHA-256,
//! streamed in chunks; records, links and the PBC list; re-hashing and
//! export. See ARCHITECTURE.md, "Evidence".

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::engagement_file::EngagementFile;
use crate::error::{Error, Result};
use crate::model::event::{Change, FieldChange};
use crate::model::evidence::{
    Evidence, EvidenceKind, EvidenceLink, EvidenceMeta, LinkKind, PbcRequest, PbcStatus, Removal,
};

/// Content is stored and read in chunks of this size: large enough that
/// SQLite's per-row cost vanishes, small enough that a chunk in flight costs
/// nothing noticeable in memory.
pub const CHUNK_SIZE: usize = 1 << 20;

/// Chunks read ahead of the writer. The reader (which also hashes) and the
/// writer run on two threads, so hashing costs no time of its own.
const CHUNKS_IN_FLIGHT: usize = 4;

/// One file to take in, with what the assessor says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntakeFile {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    pub meta: EvidenceMeta,
}

/// Where a running intake stands, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntakeProgress {
    /// 1-based index of the file being read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub file: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files: usize,
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_done: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_total: u64,
}

/// What the workbench can tell about a file before taking it in: the
/// defaults of the intake form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileFacts {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub media_type: String,
    pub kind: EvidenceKind,
    /// The file name without its extension.
    pub title: String,
}

/// What re-hashing the stored evidence found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EvidenceCheck {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub items: usize,
    /// Distinct contents re-hashed (identical files are stored once).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub contents: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    pub problems: Vec<EvidenceProblem>,
    /// Contents a field copy does not carry (made for some controls only):
    /// their records are there, their bytes stayed in the engagement file.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub not_carried: usize,
}

/// One mismatch: the evidence items concerned and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EvidenceProblem {
    pub evidence_ids: Vec<String>,
    pub sha256: String,
    pub problem: String,
}

/// What `evidence export` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    pub dir: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub manifest: PathBuf,
    /// Items of a field copy whose content the copy does not carry (their
    /// files are in the engagement file's export).
    pub not_carried: Vec<String>,
}

/// The manifest written beside exported evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportManifest {
    pub engagement_uuid: String,
    pub exported_at: String,
    /// The head of the event log at the time of export.
    pub log_head_hash: String,
    pub items: Vec<ManifestItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestItem {
    pub id: String,
    /// The exported file's name, relative to the manifest.
    pub file: String,
    pub original_name: String,
    pub size: u64,
    pub sha256: String,
    pub media_type: String,
    pub title: String,
    pub as_of: NaiveDate,
    pub links: Vec<EvidenceLink>,
}

/// The defaults for a file offered as evidence. Fails clearly for a file
/// that cannot be taken in (missing, not a regular file, empty).
pub fn describe_file(path: &Path) -> Result<FileFacts> {
    let size = check_source(path)?;
    let name = display_name(path);
    let media_type = media_type_of(&name);
    let title = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => name.clone(),
    };
    Ok(FileFacts {
        path: path.to_path_buf(),
        kind: EvidenceKind::guess(&media_type, &name),
        name,
        size,
        media_type,
        title,
    })
}

pub(crate) fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

pub(crate) fn media_type_of(name: &str) -> String {
    mime_guess::from_path(name).first_or_octet_stream().essence_str().to_string()
}

/// Checks that `path` can be taken in and returns its size.
pub(crate) fn check_source(path: &Path) -> Result<u64> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound { what: "file", id: path.display().to_string() },
        _ => Error::io(path, e),
    })?;
    if !meta.is_file() {
        return Err(Error::Source { path: path.into(), reason: "not a regular file".into() });
    }
    if meta.len() == 0 {
        return Err(Error::Source {
            path: path.into(),
            reason: "the file is empty (0 bytes); an empty export is usually a failed one".into(),
        });
    }
    Ok(meta.len())
}

/// A file's content as stored by [`take_in_content`].
#[derive(Debug, Clone)]
pub(crate) struct StoredContent {
    pub sha256: String,
    pub size: u64,
    /// False when the same content was already stored (and is now shared).
    pub new_content: bool,
}

/// Streams one file's content into the file, inside the caller's
/// transaction and a savepoint of its own: kept when it is new, dropped
/// when the same content is stored already. Content is not state: it is
/// addressed by the hash that `EvidenceAdded` records.
pub(crate) fn take_in_content(
    tx: &Transaction<'_>,
    path: &Path,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<StoredContent> {
    tx.execute_batch("SAVEPOINT intake_file")?;
    let stored = store_content(tx, path, progress)?;
    let existing: Option<i64> =
        tx.query_row("SELECT id FROM blob WHERE sha256 = ?1", [&stored.sha256], |r| r.get(0)).optional()?;
    let new_content = existing.is_none();
    if new_content && stored.identical_to.is_some() {
        // The bytes matched a stored content whose hash no longer does (it
        // is damaged; `evidence verify` says so): keep this copy, from the
        // stored chunks, which equal the file's.
        super::exec(
            tx,
            "INSERT INTO blob_chunk (blob_id, seq, data)
             SELECT ?1, seq, data FROM blob_chunk WHERE blob_id = ?2 AND seq < ?3",
            params![stored.blob_id, stored.identical_to, stored.size.div_ceil(CHUNK_SIZE as u64) as i64],
        )?;
    }
    if new_content {
        super::exec(
            tx,
            "UPDATE blob SET sha256 = ?2, size = ?3 WHERE id = ?1",
            params![stored.blob_id, stored.sha256, stored.size as i64],
        )?;
    } else if let Some(here) = existing.filter(|id| !has_chunks(tx, *id).unwrap_or(true)) {
        // A field copy knows this content by its record only (it was left
        // behind when the copy was made): the bytes just read become its
        // content here, so that what was taken in can be opened.
        super::exec(tx, "UPDATE blob_chunk SET blob_id = ?1 WHERE blob_id = ?2", params![here, stored.blob_id])?;
        super::exec(tx, "DELETE FROM blob WHERE id = ?1", params![stored.blob_id])?;
    } else {
        // The same content is already stored: drop the copy just written.
        // Rolling back to the savepoint truncates the pages it added, which
        // costs far less than deleting them.
        tx.execute_batch("ROLLBACK TO intake_file")?;
    }
    tx.execute_batch("RELEASE intake_file")?;
    Ok(StoredContent { sha256: stored.sha256, size: stored.size, new_content })
}

/// Keeps, in a field copy being made, only the contents of the evidence of
/// `controls` (linked to their procedures, exceptions or sample items);
/// other contents lose their chunks and keep their records, so that the
/// copy's log and state stay whole and its file small. Only ever run on the
/// new copy's own file.
pub(crate) fn keep_contents_of(tx: &Transaction<'_>, controls: &[String]) -> Result<()> {
    let carried = carried_contents(tx, controls)?;
    // Overwriting the freed pages would cost as much as writing them, and
    // the VACUUM that follows (before the copy is renamed into place)
    // rewrites the file without them, so nothing of them stays in it.
    tx.execute_batch("PRAGMA secure_delete = OFF")?;
    let blobs: Vec<(i64, Option<String>)> = {
        let mut stmt = tx.prepare("SELECT id, sha256 FROM blob")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, sha) in blobs {
        if !sha.is_some_and(|s| carried.contains(&s)) {
            tx.execute("DELETE FROM blob_chunk WHERE blob_id = ?1", [id])?;
        }
    }
    tx.execute_batch("PRAGMA secure_delete = ON")?;
    Ok(())
}

/// The contents a field copy made for `controls` carries: those of the
/// evidence linked to their procedures, to their procedures' exceptions or
/// to their sample items.
pub(crate) fn carried_contents(conn: &Connection, controls: &[String]) -> Result<std::collections::HashSet<String>> {
    let of_procedure = |id: &str| id.rsplit_once("/P").map(|(c, _)| c.to_string());
    let mut stmt = conn.prepare(
        "SELECT e.sha256, l.target_kind, l.target_id, x.procedure_id
         FROM evidence e JOIN evidence_link l ON l.evidence_id = e.id
         LEFT JOIN exception x ON l.target_kind = 'exception' AND x.id = l.target_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
    })?;
    let mut carried = std::collections::HashSet::new();
    for row in rows {
        let (sha, kind, target, procedure) = row?;
        let control = match kind.as_str() {
            "procedure" | "sample" => of_procedure(&target),
            "exception" => procedure.as_deref().and_then(of_procedure),
            _ => None,
        };
        if control.is_some_and(|c| controls.contains(&c)) {
            carried.insert(sha);
        }
    }
    Ok(carried)
}

/// Brings one content from a field copy (`source`) into this file, inside
/// the caller's transaction, checking its hash and size on the way: the
/// copy is not trusted. Returns whether it was new here (a content added
/// on two laptops is stored once).
pub(crate) fn copy_content(tx: &Transaction<'_>, source: &Connection, sha256: &str, size: u64) -> Result<bool> {
    let here: Option<i64> =
        tx.query_row("SELECT size FROM blob WHERE sha256 = ?1", [sha256], |r| r.get(0)).optional()?;
    if here == Some(size as i64) {
        return Ok(false);
    }
    if here.is_some() {
        return Err(Error::invalid("evidence", format!("{sha256}: stored here with another size")));
    }
    tx.execute("INSERT INTO blob (sha256, size) VALUES (NULL, ?1)", [size as i64])?;
    let blob_id = tx.last_insert_rowid();
    let mut hasher = Sha256::new();
    let mut length = 0u64;
    let mut next_seq = 0i64;
    let mut insert = tx.prepare_cached("INSERT INTO blob_chunk (blob_id, seq, data) VALUES (?1, ?2, ?3)")?;
    let mut failed = None;
    let complete = stream_content(source, sha256, &mut |data| {
        hasher.update(data);
        length += data.len() as u64;
        if length > size {
            return false;
        }
        if let Err(e) = insert.execute(params![blob_id, next_seq, data]) {
            failed = Some(e);
            return false;
        }
        next_seq += 1;
        true
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    if !complete || length != size || hex::encode(hasher.finalize()) != sha256 {
        return Err(Error::invalid("evidence", format!("{sha256}: the copy's content does not match its hash")));
    }
    tx.execute("UPDATE blob SET sha256 = ?2 WHERE id = ?1", params![blob_id, sha256])?;
    Ok(true)
}

/// The highest number the file with copy code `code` used in a list whose
/// numbers are never reused (`evidence`, `pbc_request`, `review_note`):
/// withdrawn items keep theirs. Each code's numbers fill one band of the
/// order column (`model::ids::ord`).
pub(crate) fn highest_ord(conn: &Connection, table: &str, code: &str) -> Result<i64> {
    let band = crate::model::ids::code_number(code) * crate::model::ids::BAND;
    Ok(conn.query_row(
        &format!("SELECT coalesce(max(ord), ?1) - ?1 FROM {table} WHERE ord > ?1 AND ord < ?1 + ?2"),
        [band, crate::model::ids::BAND],
        |r| r.get(0),
    )?)
}

impl EngagementFile {
    /// One evidence item with its links.
    pub fn evidence(&self, id: &str) -> Result<Evidence> {
        Ok(self.evidence_items(&[id])?.remove(0))
    }

    /// The items `ids`, in that order, with their links and warnings.
    pub fn evidence_items(&self, ids: &[&str]) -> Result<Vec<Evidence>> {
        let items = ids.iter().map(|id| read_evidence(&self.conn, id)).collect::<Result<Vec<_>>>()?;
        with_as_of_warnings(&self.conn, items)
    }

    /// Every evidence item in the order taken in; withdrawn ones only on request.
    pub fn evidence_list(&self, include_removed: bool) -> Result<Vec<Evidence>> {
        let mut links = all_links(&self.conn)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {EVIDENCE_COLUMNS} FROM evidence {} ORDER BY ord",
            if include_removed { "" } else { "WHERE removed_at IS NULL" }
        ))?;
        let rows = stmt.query_map([], evidence_row)?;
        let mut items = Vec::new();
        for row in rows {
            let mut e = row?;
            e.links = links.remove(&e.id).unwrap_or_default();
            items.push(e);
        }
        with_as_of_warnings(&self.conn, items)
    }

    /// The evidence linked to a control's procedures or to their exceptions.
    pub fn control_evidence(&self, control_id: &str) -> Result<Vec<Evidence>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT l.evidence_id FROM evidence_link l JOIN evidence e ON e.id = l.evidence_id
             WHERE e.removed_at IS NULL AND (
                 (l.target_kind = 'procedure' AND l.target_id IN (SELECT id FROM procedure WHERE control_id = ?1))
              OR (l.target_kind = 'exception' AND l.target_id IN
                     (SELECT x.id FROM exception x JOIN procedure p ON p.id = x.procedure_id WHERE p.control_id = ?1))
              OR (l.target_kind = 'sample' AND l.target_id IN
                     (SELECT s.id FROM sample_item s JOIN procedure p ON p.id = s.procedure_id WHERE p.control_id = ?1)))
             ORDER BY e.ord",
        )?;
        let ids = stmt.query_map([control_id], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        self.evidence_items(&ids.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Reads an item's content, at most `limit` bytes of it; the flag says
    /// whether it was cut short.
    pub fn evidence_content(&self, id: &str, limit: u64) -> Result<(Vec<u8>, bool)> {
        let e = self.evidence(id)?;
        let mut out = Vec::with_capacity(e.size.min(limit) as usize);
        let mut sink = LimitedSink { out: &mut out, left: limit };
        let complete = stream_content(&self.conn, &e.sha256, &mut |chunk| sink.take(chunk))?;
        Ok((out, !complete))
    }

    /// Writes one item to `dir` under a safe name, checking its hash on the
    /// way, and returns the file's path (for "open with the system viewer").
    pub fn export_one_evidence(&self, id: &str, dir: &Path) -> Result<PathBuf> {
        write_checked(&self.conn, &self.evidence(id)?, dir)
    }

    /// Writes every current evidence item to `out` (created if missing, and
    /// refused if not empty), with `manifest.json` and a `SHA256SUMS` file
    /// that `sha256sum -c` can check.
    pub fn export_evidence(&self, out: &Path, now: &str) -> Result<ExportReport> {
        match crate::files::is_empty_folder(out) {
            Ok(empty) => {
                if !empty {
                    return Err(Error::AlreadyExists {
                        what: "folder with files",
                        id: format!("{} (export into an empty or new folder)", out.display()),
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
            }
            Err(e) => return Err(Error::io(out, e)),
        }
        let mut items = self.evidence_list(false)?;
        let mut not_carried = Vec::new();
        if let Some(controls) = super::copies::this_copy(&self.conn)?.and_then(|c| c.copy.controls) {
            let carried = carried_contents(&self.conn, &controls)?;
            let mut present = Vec::with_capacity(items.len());
            for e in items {
                let blob: Option<i64> = self
                    .conn
                    .query_row("SELECT id FROM blob WHERE sha256 = ?1", [&e.sha256], |r| r.get(0))
                    .optional()?;
                let left_behind =
                    !carried.contains(&e.sha256) && !blob.map_or(Ok(false), |b| has_chunks(&self.conn, b))?;
                if left_behind {
                    not_carried.push(e.id.clone());
                } else {
                    present.push(e);
                }
            }
            items = present;
        }
        let mut manifest_items = Vec::with_capacity(items.len());
        let mut sums = String::new();
        let mut bytes = 0;
        for e in &items {
            let name = safe_file_name(&e.id, &e.original_name);
            write_checked(&self.conn, e, out)?;
            bytes += e.size;
            sums.push_str(&format!("{}  {}\n", e.sha256, name));
            manifest_items.push(ManifestItem {
                id: e.id.clone(),
                file: name,
                original_name: e.original_name.clone(),
                size: e.size,
                sha256: e.sha256.clone(),
                media_type: e.media_type.clone(),
                title: e.meta.title.clone(),
                as_of: e.meta.as_of,
                links: e.links.clone(),
            });
        }
        let head: String = self.conn.query_row("SELECT head_hash FROM engagement WHERE id = 1", [], |r| r.get(0))?;
        let manifest = ExportManifest {
            engagement_uuid: self.uuid()?,
            exported_at: now.to_string(),
            log_head_hash: head,
            items: manifest_items,
        };
        let manifest_path = out.join("manifest.json");
        crate::store::sync_parent(&manifest_path)?;
        let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::invalid("manifest", e.to_string()))?;
        write_new(&manifest_path, text.as_bytes())?;
        write_new(&out.join("SHA256SUMS"), sums.as_bytes())?;
        Ok(ExportReport { dir: out.to_path_buf(), files: items.len(), bytes, manifest: manifest_path, not_carried })
    }

    /// Re-hashes every stored content and checks it against the records and
    /// against the hashes the event log recorded when each item was taken in.
    pub fn verify_evidence(&self, progress: &mut dyn FnMut(u64, u64) -> bool) -> Result<EvidenceCheck> {
        let mut problems = Vec::new();
        let items = self.evidence_list(true)?;
        let ids_of = |sha: &str| items.iter().filter(|e| e.sha256 == sha).map(|e| e.id.clone()).collect::<Vec<_>>();
        let blobs: Vec<(i64, Option<String>, u64)> = {
            let mut stmt = self.conn.prepare("SELECT id, sha256, size FROM blob ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let total: u64 = blobs.iter().map(|b| b.2).sum();
        let mut done = 0u64;
        // In a copy made for some controls, a content is left behind when
        // no evidence of those controls uses it; one of theirs that has no
        // bytes is a problem like any other.
        let carried = match super::copies::this_copy(&self.conn)?.and_then(|c| c.copy.controls) {
            Some(controls) => Some(carried_contents(&self.conn, &controls)?),
            None => None,
        };
        let mut not_carried = 0;
        let mut left_behind = 0u64;
        for (blob_id, sha, size) in &blobs {
            if let (Some(carried), Some(sha)) = (&carried, sha) {
                if !carried.contains(sha) && !has_chunks(&self.conn, *blob_id)? {
                    not_carried += 1;
                    left_behind += size;
                    continue;
                }
            }
            let Some(sha) = sha else {
                problems.push(EvidenceProblem {
                    evidence_ids: Vec::new(),
                    sha256: String::new(),
                    problem: format!("stored content #{blob_id} has no hash (an intake that did not finish)"),
                });
                continue;
            };
            let mut hasher = Sha256::new();
            let mut length = 0u64;
            let mut expected_seq = 0i64;
            let mut gap = None;
            let mut stmt =
                self.conn.prepare_cached("SELECT seq, data FROM blob_chunk WHERE blob_id = ?1 ORDER BY seq")?;
            let mut rows = stmt.query([blob_id])?;
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                if seq != expected_seq && gap.is_none() {
                    gap = Some(expected_seq);
                }
                expected_seq = seq + 1;
                let data = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
                hasher.update(data);
                length += data.len() as u64;
                done += data.len() as u64;
                if !progress(done, total) {
                    return Err(Error::Cancelled);
                }
            }
            let actual = hex::encode(hasher.finalize());
            let mut say = |problem: String| {
                problems.push(EvidenceProblem { evidence_ids: ids_of(sha), sha256: sha.clone(), problem })
            };
            if let Some(missing) = gap {
                say(format!("chunk {missing} of the content is missing"));
            }
            if length != *size {
                say(format!("the content has {length} bytes where {size} were stored"));
            }
            if &actual != sha {
                say(format!("the content's SHA-256 is now {actual}"));
            }
        }
        let known: std::collections::HashMap<&str, u64> =
            blobs.iter().filter_map(|(_, sha, size)| sha.as_deref().map(|s| (s, *size))).collect();
        for e in &items {
            match known.get(e.sha256.as_str()) {
                None => problems.push(EvidenceProblem {
                    evidence_ids: vec![e.id.clone()],
                    sha256: e.sha256.clone(),
                    problem: "its content is missing from the file".into(),
                }),
                Some(size) if *size != e.size => problems.push(EvidenceProblem {
                    evidence_ids: vec![e.id.clone()],
                    sha256: e.sha256.clone(),
                    problem: format!("its record says {} bytes, its content has {size}", e.size),
                }),
                Some(_) => {}
            }
        }
        // The log recorded each item's hash when it was taken in; a record
        // whose hash was rewritten later (with content to match) shows here.
        let mut stmt =
            self.conn.prepare("SELECT seq, payload FROM event WHERE kind = 'evidence_added' ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let payload: String = row.get(1)?;
            if let Ok(Change::EvidenceAdded { evidence, .. }) = serde_json::from_str::<Change>(&payload) {
                match items.iter().find(|e| e.id == evidence.id) {
                    Some(e) if e.sha256 != evidence.sha256 => problems.push(EvidenceProblem {
                        evidence_ids: vec![e.id.clone()],
                        sha256: e.sha256.clone(),
                        problem: format!("its record's hash differs from {} recorded by event #{seq}", evidence.sha256),
                    }),
                    None => problems.push(EvidenceProblem {
                        evidence_ids: vec![evidence.id.clone()],
                        sha256: evidence.sha256.clone(),
                        problem: format!("taken in by event #{seq} but its record is missing"),
                    }),
                    Some(_) => {}
                }
            }
        }
        Ok(EvidenceCheck {
            items: items.len(),
            contents: blobs.len() - not_carried,
            bytes: total - left_behind,
            problems,
            not_carried,
        })
    }

    // ---- The PBC request list ----------------------------------------------

    pub fn pbc_list(&self) -> Result<Vec<PbcRequest>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, item, requested_on, due, from_whom, status, notes FROM pbc_request ORDER BY ord")?;
        let requests = stmt.query_map([], pbc_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        requests.into_iter().map(|r| with_pbc_evidence(&self.conn, r)).collect()
    }

    pub fn pbc(&self, id: &str) -> Result<PbcRequest> {
        read_pbc(&self.conn, id)
    }
}

struct Stored {
    blob_id: i64,
    sha256: String,
    size: u64,
    /// The stored content whose bytes all matched, when nothing was written.
    identical_to: Option<i64>,
}

/// Streams a file into a new blob row's chunks and returns its hash, which
/// the reading thread computes as it reads. The blob row is left without
/// its hash; the caller sets it or rolls the rows back.
fn store_content(tx: &Transaction<'_>, path: &Path, progress: &mut dyn FnMut(u64) -> bool) -> Result<Stored> {
    let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound { what: "file", id: path.display().to_string() },
        _ => Error::io(path, e),
    })?;
    let before = file.metadata().map_err(|e| Error::io(path, e))?;
    if before.len() == 0 {
        // It had bytes when checked; an export being rewritten may have
        // emptied it since.
        return Err(Error::Source { path: path.into(), reason: "the file is empty (0 bytes) now".into() });
    }
    // A stored content of the same size may be the same file again. Its
    // chunks are compared with the file's as they arrive and nothing is
    // written while they agree, so a second copy costs a read, not a write;
    // at the first difference the agreeing chunks are copied over and
    // writing goes on. The file is still read only once.
    let candidate: Option<i64> = tx
        .query_row(
            "SELECT id FROM blob WHERE size = ?1 AND sha256 IS NOT NULL ORDER BY id LIMIT 1",
            [before.len() as i64],
            |r| r.get(0),
        )
        .optional()?;
    super::exec(tx, "INSERT INTO blob (sha256, size) VALUES (NULL, 0)", [])?;
    let blob_id = tx.last_insert_rowid();
    let mut insert = tx.prepare_cached("INSERT INTO blob_chunk (blob_id, seq, data) VALUES (?1, ?2, ?3)")?;
    let mut stored_chunk = tx.prepare_cached("SELECT data FROM blob_chunk WHERE blob_id = ?1 AND seq = ?2")?;
    let mut matching = candidate;
    let (written, read) = std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
        let reader = scope.spawn(move || -> std::io::Result<(String, u64, std::fs::File)> {
            let mut hasher = Sha256::new();
            let mut total = 0u64;
            loop {
                let mut buf = vec![0u8; CHUNK_SIZE];
                let n = read_full(&mut file, &mut buf)?;
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                hasher.update(&buf);
                total += n as u64;
                if sender.send(buf).is_err() {
                    break; // The writer stopped (an error or a cancel); it reports why.
                }
                if n < CHUNK_SIZE {
                    break;
                }
            }
            Ok((hex::encode(hasher.finalize()), total, file))
        });
        let mut written: Result<u64> = Ok(0);
        let mut done = 0u64;
        for (seq, chunk) in receiver.iter().enumerate() {
            if let Some(other) = matching {
                let same = stored_chunk
                    .query_row(params![other, seq as i64], |r| {
                        Ok(r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)? == chunk.as_slice())
                    })
                    .optional();
                match same {
                    Ok(Some(true)) => {
                        done += chunk.len() as u64;
                        if !progress(done) {
                            written = Err(Error::Cancelled);
                            break;
                        }
                        continue;
                    }
                    Ok(_) => {
                        matching = None;
                        let copied = super::exec(
                            tx,
                            "INSERT INTO blob_chunk (blob_id, seq, data)
                             SELECT ?1, seq, data FROM blob_chunk WHERE blob_id = ?2 AND seq < ?3",
                            params![blob_id, other, seq as i64],
                        );
                        if let Err(e) = copied {
                            written = Err(e.into());
                            break;
                        }
                    }
                    Err(e) => {
                        written = Err(e.into());
                        break;
                    }
                }
            }
            if let Err(e) = insert.execute(params![blob_id, seq as i64, chunk]) {
                written = Err(e.into());
                break;
            }
            done += chunk.len() as u64;
            if !progress(done) {
                written = Err(Error::Cancelled);
                break;
            }
        }
        if written.is_ok() {
            written = Ok(done);
        }
        // Dropping the receiver unblocks a reader still waiting to send.
        drop(receiver);
        (written, reader.join())
    });
    let written = written?;
    let (sha256, size, file) = match read {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err(Error::io(path, e)),
        Err(_) => return Err(Error::Source { path: path.into(), reason: "reading the file failed".into() }),
    };
    let after = file.metadata().map_err(|e| Error::io(path, e))?;
    if size != before.len() || after.len() != before.len() || after.modified().ok() != before.modified().ok() {
        return Err(Error::Source {
            path: path.into(),
            reason: format!(
                "the file changed while it was being read ({} bytes when opened, {} read, {} now); take it in again once it is complete",
                before.len(),
                size,
                after.len()
            ),
        });
    }
    debug_assert_eq!(written, size);
    Ok(Stored { blob_id, sha256, size, identical_to: matching })
}

/// Fills `buf` unless the file ends first; returns the bytes read.
fn read_full(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn has_chunks(conn: &Connection, blob_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM blob_chunk WHERE blob_id = ?1)")?
        .query_row([blob_id], |r| r.get(0))?)
}

/// Feeds a stored content's chunks, in order, to `sink`, which returns
/// false to stop early. Returns whether every chunk was fed.
fn stream_content(conn: &Connection, sha256: &str, sink: &mut dyn FnMut(&[u8]) -> bool) -> Result<bool> {
    let blob_id: i64 = conn
        .query_row("SELECT id FROM blob WHERE sha256 = ?1", [sha256], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "evidence content", id: sha256.into() })?;
    // A field copy made for some controls keeps the records of the other
    // evidence but not their bytes.
    if !has_chunks(conn, blob_id)? {
        return Err(Error::NotFound { what: "evidence content", id: sha256.into() });
    }
    let mut stmt = conn.prepare_cached("SELECT data FROM blob_chunk WHERE blob_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([blob_id])?;
    while let Some(row) = rows.next()? {
        let data = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
        if !sink(data) {
            return Ok(false);
        }
    }
    Ok(true)
}

struct LimitedSink<'a> {
    out: &'a mut Vec<u8>,
    left: u64,
}

impl LimitedSink<'_> {
    fn take(&mut self, chunk: &[u8]) -> bool {
        let n = (chunk.len() as u64).min(self.left) as usize;
        self.out.extend_from_slice(&chunk[..n]);
        self.left -= n as u64;
        n == chunk.len()
    }
}

/// Writes an item's content under its safe name in `dir` (refused when it
/// exists) through a partial file, hashing on the way; a content that no
/// longer matches its hash is not written out. Returns the file's path.
fn write_checked(conn: &Connection, e: &Evidence, dir: &Path) -> Result<PathBuf> {
    let target = crate::files::inside(dir, &safe_file_name(&e.id, &e.original_name))?;
    let mut partial = crate::files::Partial::beside(&target)?;
    let mut hasher = Sha256::new();
    let mut failure = None;
    stream_content(conn, &e.sha256, &mut |chunk| {
        hasher.update(chunk);
        match partial.file().write_all(chunk) {
            Ok(()) => true,
            Err(err) => {
                failure = Some(err);
                false
            }
        }
    })?;
    if let Some(err) = failure {
        return Err(Error::io(&target, err));
    }
    let actual = hex::encode(hasher.finalize());
    if actual != e.sha256 {
        return Err(Error::Corrupt {
            path: target,
            detail: format!("{}: the stored content no longer matches its SHA-256 (run evidence verify)", e.id),
        });
    }
    partial.finish(&target, false)?;
    Ok(target)
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut partial = crate::files::Partial::beside(path)?;
    partial.file().write_all(bytes).map_err(|e| Error::io(path, e))?;
    partial.finish(path, false)
}

/// A file name that is safe on every common file system, starting with the
/// evidence ID so that names never collide: path separators, characters
/// Windows refuses and control characters become `_`, leading dots go, and
/// the name is cut (at a character boundary, keeping the extension) to
/// 200 bytes, under the 255-byte limit of most file systems.
pub fn safe_file_name(id: &str, original: &str) -> String {
    const MAX: usize = 200;
    // The ID is checked when read; kept to its safe characters all the same.
    let id: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let id = id.as_str();
    let cleaned: String =
        original
            .chars()
            .map(|c| {
                if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim_end_matches(['.', ' ']).to_string();
    if cleaned.is_empty() {
        return id.to_string();
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.len() <= 16 && !e.contains(' ') => (s.to_string(), format!(".{e}")),
        _ => (cleaned.clone(), String::new()),
    };
    let budget = MAX.saturating_sub(id.len() + 1 + ext.len());
    let mut cut = stem.len().min(budget);
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{id}_{}{ext}", stem[..cut].trim_end())
}

// ---- Rows and links ----------------------------------------------------------

const EVIDENCE_COLUMNS: &str = "id, sha256, size, media_type, original_name, title, description, kind, obtained_from,
     obtained_by, obtained_at, as_of, added_at, added_by, removed_reason, removed_at, removed_by";

/// Whether `id` is an evidence ID as the workbench gives them: `EV-` and
/// at least four digits.
pub(crate) fn is_evidence_id(id: &str) -> bool {
    crate::model::ids::split(id, "EV-").is_some_and(|(code, _)| id.len() - "EV-".len() - code.len() >= 4)
}

/// A stored value this version does not know, at column `i`.
fn unknown_value(i: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, format!("unknown {what}").into())
}

/// A stored `YYYY-MM-DD` date at column `i`.
fn date_value(i: usize, text: String) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| unknown_value(i, "date"))
}

fn evidence_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Evidence> {
    let bad = unknown_value;
    let date = date_value;
    let kind: String = r.get(7)?;
    let obtained_at: Option<String> = r.get(10)?;
    let removed_reason: Option<String> = r.get(14)?;
    let id: String = r.get(0)?;
    // An ID names files written out: one that is not `EV-` and digits (a
    // file made by hand, `../x`) is refused when read, before any use.
    if !is_evidence_id(&id) {
        return Err(bad(0, "evidence ID (not of the form EV-0001)"));
    }
    Ok(Evidence {
        id,
        sha256: r.get(1)?,
        size: r.get::<_, i64>(2)? as u64,
        media_type: r.get(3)?,
        original_name: r.get(4)?,
        meta: EvidenceMeta {
            title: r.get(5)?,
            description: r.get(6)?,
            kind: EvidenceKind::parse(&kind).ok_or_else(|| bad(7, "evidence kind"))?,
            obtained_from: r.get(8)?,
            obtained_by: r.get(9)?,
            obtained_at: obtained_at.map(|t| date(10, t)).transpose()?,
            as_of: date(11, r.get(11)?)?,
        },
        added_at: r.get(12)?,
        added_by: r.get(13)?,
        links: Vec::new(),
        removed: match removed_reason {
            Some(reason) => Some(Removal { reason, at: r.get(15)?, by: r.get(16)? }),
            None => None,
        },
        as_of_warning: None,
    })
}

/// Fills each item's as-of warning, against the engagement's period. The
/// written representation's letter and a subsequent event's evidence are of
/// after the period by their nature, so only a date in the future is odd
/// for them.
fn with_as_of_warnings(conn: &Connection, mut items: Vec<Evidence>) -> Result<Vec<Evidence>> {
    let period_end = super::engagement_file::read_fields(conn)?.period.end;
    let closing = super::closing::view(conn)?;
    let after_the_period = |id: &str| {
        closing.representation.as_ref().is_some_and(|r| r.evidence_id.as_deref() == Some(id))
            || closing.subsequent_events.iter().any(|s| s.evidence.iter().any(|e| e == id))
    };
    for e in &mut items {
        let taken_on = crate::model::event::japan_date_of(&e.added_at).unwrap_or(e.meta.as_of);
        let end = if after_the_period(&e.id) { NaiveDate::MAX } else { period_end };
        e.as_of_warning = crate::domain::evidence::as_of_warning(e.meta.as_of, end, taken_on, e.meta.obtained_at);
    }
    Ok(items)
}

pub(crate) fn read_evidence(conn: &Connection, id: &str) -> Result<Evidence> {
    let mut e = conn
        .query_row(&format!("SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE id = ?1"), [id], evidence_row)
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "evidence", id: id.into() })?;
    let mut stmt = conn.prepare_cached(
        "SELECT target_kind, target_id FROM evidence_link WHERE evidence_id = ?1 ORDER BY target_kind, target_id",
    )?;
    e.links = stmt
        .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|row| row.ok().and_then(|(k, id)| LinkKind::parse(&k).map(|kind| EvidenceLink { kind, id })))
        .collect();
    Ok(e)
}

fn all_links(conn: &Connection) -> Result<std::collections::HashMap<String, Vec<EvidenceLink>>> {
    let mut stmt = conn.prepare(
        "SELECT evidence_id, target_kind, target_id FROM evidence_link ORDER BY evidence_id, target_kind, target_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut links: std::collections::HashMap<String, Vec<EvidenceLink>> = std::collections::HashMap::new();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(1)?;
        if let Some(kind) = LinkKind::parse(&kind) {
            links.entry(r.get(0)?).or_default().push(EvidenceLink { kind, id: r.get(2)? });
        }
    }
    Ok(links)
}

/// Refuses a link to something that does not exist.
pub(crate) fn require_target(conn: &Connection, link: &EvidenceLink) -> Result<()> {
    let (table, what) = match link.kind {
        LinkKind::Procedure => ("procedure", "procedure"),
        LinkKind::Exception => ("exception", "exception"),
        LinkKind::Pbc => ("pbc_request", "PBC request"),
        LinkKind::Sample => ("sample_item", "sample item"),
    };
    let found: Option<i64> =
        conn.query_row(&format!("SELECT 1 FROM {table} WHERE id = ?1"), [&link.id], |r| r.get(0)).optional()?;
    found.map(|_| ()).ok_or_else(|| Error::NotFound { what, id: link.id.clone() })
}

/// The evidence IDs linked to a target, for refusing to delete what
/// evidence still points at.
pub(crate) fn linked_evidence(conn: &Connection, kind: LinkKind, id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT evidence_id FROM evidence_link WHERE target_kind = ?1 AND target_id = ?2 ORDER BY evidence_id",
    )?;
    let ids = stmt.query_map([kind.as_str(), id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// Writes the state of the evidence and PBC changes (called by `work::apply`).
pub(crate) fn apply(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::EvidenceAdded { evidence: e, .. } => {
            let size: Option<i64> =
                tx.query_row("SELECT size FROM blob WHERE sha256 = ?1", [&e.sha256], |r| r.get(0)).optional()?;
            if size != Some(e.size as i64) {
                return Err(Error::invalid("evidence", format!("{}: its content is not stored", e.id)));
            }
            let ord = crate::model::ids::ord(&e.id, "EV-")
                .ok_or_else(|| Error::invalid("evidence", format!("{} is not an evidence ID", e.id)))?;
            let m = &e.meta;
            super::exec(
                tx,
                &format!(
                    "INSERT INTO evidence ({EVIDENCE_COLUMNS}, ord)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULL, NULL, NULL, ?15)"
                ),
                params![
                    e.id,
                    e.sha256,
                    e.size as i64,
                    e.media_type,
                    e.original_name,
                    m.title,
                    m.description,
                    m.kind.as_str(),
                    m.obtained_from,
                    m.obtained_by,
                    m.obtained_at.map(|d| d.to_string()),
                    m.as_of.to_string(),
                    e.added_at,
                    e.added_by,
                    ord
                ],
            )?;
            for link in &e.links {
                insert_link(tx, &e.id, link)?;
            }
            Ok(())
        }
        Change::EvidenceEdited { id, changes } => {
            let mut e = read_evidence(tx, id)?;
            for c in changes {
                set_meta_field(&mut e.meta, c)?;
            }
            let m = &e.meta;
            super::exec(
                tx,
                "UPDATE evidence SET title = ?2, description = ?3, kind = ?4, obtained_from = ?5, obtained_by = ?6,
                        obtained_at = ?7, as_of = ?8 WHERE id = ?1",
                params![
                    id,
                    m.title,
                    m.description,
                    m.kind.as_str(),
                    m.obtained_from,
                    m.obtained_by,
                    m.obtained_at.map(|d| d.to_string()),
                    m.as_of.to_string()
                ],
            )?;
            Ok(())
        }
        Change::EvidenceLinked { id, link } => insert_link(tx, id, link),
        Change::EvidenceUnlinked { id, link } => {
            let deleted = super::exec(
                tx,
                "DELETE FROM evidence_link WHERE evidence_id = ?1 AND target_kind = ?2 AND target_id = ?3",
                params![id, link.kind.as_str(), link.id],
            )?;
            if deleted == 0 {
                return Err(Error::NotFound {
                    what: "link", id: format!("{id} → {} {}", link.kind.as_str(), link.id)
                });
            }
            Ok(())
        }
        Change::EvidenceRemoved { id, removal } => {
            let updated = super::exec(
                tx,
                "UPDATE evidence SET removed_reason = ?2, removed_at = ?3, removed_by = ?4
                 WHERE id = ?1 AND removed_at IS NULL",
                params![id, removal.reason, removal.at, removal.by],
            )?;
            if updated == 0 {
                return Err(Error::NotFound { what: "evidence", id: id.clone() });
            }
            Ok(())
        }
        Change::PbcAdded { request: r } => {
            let ord = crate::model::ids::ord(&r.id, "PBC-")
                .ok_or_else(|| Error::invalid("pbc", format!("{} is not a PBC request ID", r.id)))?;
            super::exec(
                tx,
                "INSERT INTO pbc_request (id, ord, item, requested_on, due, from_whom, status, notes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    r.id,
                    ord,
                    r.item,
                    r.requested_on.to_string(),
                    r.due.map(|d| d.to_string()),
                    r.from_whom,
                    r.status.as_str(),
                    r.notes
                ],
            )?;
            Ok(())
        }
        Change::PbcEdited { id, changes } => {
            let mut r = read_pbc(tx, id)?;
            for c in changes {
                set_pbc_field(&mut r, c)?;
            }
            super::exec(
                tx,
                "UPDATE pbc_request SET item = ?2, requested_on = ?3, due = ?4, from_whom = ?5, status = ?6, notes = ?7
                 WHERE id = ?1",
                params![
                    id,
                    r.item,
                    r.requested_on.to_string(),
                    r.due.map(|d| d.to_string()),
                    r.from_whom,
                    r.status.as_str(),
                    r.notes
                ],
            )?;
            Ok(())
        }
        _ => Err(Error::invalid("event", "not an evidence change")),
    }
}

fn insert_link(tx: &Transaction<'_>, id: &str, link: &EvidenceLink) -> Result<()> {
    require_target(tx, link)?;
    super::exec(
        tx,
        "INSERT INTO evidence_link (evidence_id, target_kind, target_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![id, link.kind.as_str(), link.id],
    )?;
    Ok(())
}

fn field_error(c: &FieldChange) -> Error {
    Error::invalid(&c.field, format!("{} is not a valid value", c.after))
}

fn text_of(c: &FieldChange) -> Result<String> {
    c.after.as_str().map(str::to_string).ok_or_else(|| field_error(c))
}

fn date_of(c: &FieldChange) -> Result<Option<NaiveDate>> {
    serde_json::from_value(c.after.clone()).map_err(|_| field_error(c))
}

fn set_meta_field(m: &mut EvidenceMeta, c: &FieldChange) -> Result<()> {
    match c.field.as_str() {
        "title" => {
            m.title = text_of(c)?;
            if m.title.trim().is_empty() {
                return Err(Error::invalid("title", "an evidence item needs a title"));
            }
        }
        "description" => m.description = text_of(c)?,
        "kind" => m.kind = c.after.as_str().and_then(EvidenceKind::parse).ok_or_else(|| field_error(c))?,
        "obtained_from" => m.obtained_from = text_of(c)?,
        "obtained_by" => m.obtained_by = text_of(c)?,
        "obtained_at" => m.obtained_at = date_of(c)?,
        "as_of" => m.as_of = date_of(c)?.ok_or_else(|| Error::invalid("as_of", "the as-of date is required"))?,
        other => return Err(Error::invalid(other, "not a field of an evidence item")),
    }
    Ok(())
}

fn set_pbc_field(r: &mut PbcRequest, c: &FieldChange) -> Result<()> {
    match c.field.as_str() {
        "item" => r.item = text_of(c)?,
        "requested_on" => {
            r.requested_on =
                date_of(c)?.ok_or_else(|| Error::invalid("requested_on", "the request date is required"))?
        }
        "due" => r.due = date_of(c)?,
        "from_whom" => r.from_whom = text_of(c)?,
        "status" => r.status = c.after.as_str().and_then(PbcStatus::parse).ok_or_else(|| field_error(c))?,
        "notes" => r.notes = text_of(c)?,
        other => return Err(Error::invalid(other, "not a field of a PBC request")),
    }
    Ok(())
}

fn pbc_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PbcRequest> {
    let bad = unknown_value;
    let date = date_value;
    let due: Option<String> = r.get(3)?;
    let status: String = r.get(5)?;
    Ok(PbcRequest {
        id: r.get(0)?,
        item: r.get(1)?,
        requested_on: date(2, r.get(2)?)?,
        due: due.map(|d| date(3, d)).transpose()?,
        from_whom: r.get(4)?,
        status: PbcStatus::parse(&status).ok_or_else(|| bad(5, "PBC status"))?,
        notes: r.get(6)?,
        evidence: Vec::new(),
    })
}

pub(crate) fn read_pbc(conn: &Connection, id: &str) -> Result<PbcRequest> {
    let request = conn
        .query_row(
            "SELECT id, item, requested_on, due, from_whom, status, notes FROM pbc_request WHERE id = ?1",
            [id],
            pbc_row,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "PBC request", id: id.into() })?;
    with_pbc_evidence(conn, request)
}

fn with_pbc_evidence(conn: &Connection, mut request: PbcRequest) -> Result<PbcRequest> {
    request.evidence = linked_evidence(conn, LinkKind::Pbc, &request.id)?;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_keep_japanese_and_drop_what_file_systems_refuse() {
        assert_eq!(safe_file_name("EV-0001", "アクセス権 一覧.xlsx"), "EV-0001_アクセス権 一覧.xlsx");
        // Separators become `_`; the dots left between them are an ordinary name.
        assert_eq!(safe_file_name("EV-0002", "../../etc/passwd"), "EV-0002__.._etc_passwd");
        assert_eq!(safe_file_name("EV-0003", "a:b*c?.txt"), "EV-0003_a_b_c_.txt");
        assert_eq!(safe_file_name("EV-0004", ".hidden"), "EV-0004_hidden");
        assert_eq!(safe_file_name("EV-0005", "   "), "EV-0005");
        assert_eq!(safe_file_name("EV-0006", "line\nbreak.log"), "EV-0006_line_break.log");
    }

    #[test]
    fn long_names_are_cut_at_a_character_boundary_and_keep_their_extension() {
        let long = format!("{}.pdf", "証跡".repeat(100));
        let name = safe_file_name("EV-0001", &long);
        assert!(name.len() <= 200, "{} bytes", name.len());
        assert!(name.ends_with(".pdf"));
        assert!(name.starts_with("EV-0001_証跡"));
    }

    #[test]
    fn a_limited_sink_says_when_it_cut() {
        let mut out = Vec::new();
        let mut sink = LimitedSink { out: &mut out, left: 5 };
        assert!(sink.take(b"abc"));
        assert!(!sink.take(b"defg"));
        assert_eq!(out, b"abcde");
    }
}
