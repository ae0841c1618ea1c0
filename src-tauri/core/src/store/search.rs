//! The catalog's full-text index: SQLite FTS5 with the trigram tokenizer,
//! which finds any run of three or more characters, so Japanese is searched
//! without a dictionary or word splitting. Terms of one or two characters
//! (「特権」) are beyond a trigram's reach; they are matched with `LIKE` on
//! the same table, which scans it in memory.
//!
//! The index lives in memory, built once per engagement file and catalog
//! and kept for the next searches: an engagement's catalog never changes
//! after it is created, so the index cannot go stale, and nothing derived
//! is written into the engagement file (whose every table is checked
//! against its event log). A file opened again with another catalog gets
//! another index.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::{params_from_iter, Connection};

use crate::error::{Error, Result};
use crate::search::{context, folded, normalize, terms, terms_in, SearchField, SearchHit, SearchResult};

/// One catalog item's searchable texts, by field.
struct Entry {
    id: String,
    fields: [(SearchField, String); 5],
}

/// An index over one engagement's catalog.
pub(crate) struct CatalogIndex {
    conn: Mutex<Connection>,
    entries: Vec<Entry>,
}

/// Indexes kept: the files an assessor switches between in a day.
const KEPT: usize = 4;

type Key = (PathBuf, String);
/// The indexes kept, the most recently used last.
type Kept = Mutex<Vec<(Key, Arc<CatalogIndex>)>>;

fn kept() -> &'static Kept {
    static KEPT_INDEXES: OnceLock<Kept> = OnceLock::new();
    KEPT_INDEXES.get_or_init(|| Mutex::new(Vec::new()))
}

/// The index of the catalog in `conn` (the engagement file at `path`, whose
/// catalog's content hash is `catalog_sha256`), built on first use.
pub(crate) fn index_for(conn: &Connection, path: &Path, catalog_sha256: &str) -> Result<Arc<CatalogIndex>> {
    let key: Key = (std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()), catalog_sha256.to_string());
    let mut kept = kept().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(at) = kept.iter().position(|(k, _)| *k == key) {
        let found = kept.remove(at);
        let index = Arc::clone(&found.1);
        kept.push(found);
        return Ok(index);
    }
    let index = Arc::new(build(conn)?);
    if kept.len() >= KEPT {
        kept.remove(0);
    }
    kept.push((key, Arc::clone(&index)));
    Ok(index)
}

fn build(conn: &Connection) -> Result<CatalogIndex> {
    let mut stmt = conn.prepare("SELECT item_id, title_ja, title_en, text_ja, text_en FROM control ORDER BY ord")?;
    let entries: Vec<Entry> = stmt
        .query_map([], |r| {
            Ok(Entry {
                id: r.get(0)?,
                fields: [
                    (SearchField::Id, normalize(&r.get::<_, String>(0)?)),
                    (SearchField::TitleJa, normalize(&r.get::<_, String>(1)?)),
                    (SearchField::TitleEn, normalize(&r.get::<_, String>(2)?)),
                    (SearchField::TextJa, normalize(&r.get::<_, String>(3)?)),
                    (SearchField::TextEn, normalize(&r.get::<_, String>(4)?)),
                ],
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let index = Connection::open_in_memory()?;
    index.execute_batch("CREATE VIRTUAL TABLE catalog_text USING fts5(body, tokenize = 'trigram');")?;
    {
        let tx = index.unchecked_transaction()?;
        let mut insert = tx.prepare("INSERT INTO catalog_text (rowid, body) VALUES (?1, ?2)")?;
        for (row, entry) in entries.iter().enumerate() {
            // Fields are joined by a line break, which no term holds (terms
            // are split on white space), so no match spans two fields.
            let body: Vec<String> = entry.fields.iter().map(|(_, text)| folded(text)).collect();
            insert.execute(rusqlite::params![row as i64, body.join("\n")])?;
        }
        drop(insert);
        tx.commit()?;
    }
    Ok(CatalogIndex { conn: Mutex::new(index), entries })
}

/// A term as an FTS5 string: in double quotes, its own quotes doubled, so
/// that no word of the user's is read as a query operator.
fn quoted(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// A term as a `LIKE` pattern matching it anywhere, with `\` escaping the
/// pattern's own wildcards.
fn like_pattern(term: &str) -> String {
    let escaped = term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

impl CatalogIndex {
    /// Every item holding all the query's terms, in catalog order, each with
    /// its context.
    pub(crate) fn search(&self, query: &str) -> Result<SearchResult> {
        let terms = terms(query);
        let cut: String = query.chars().take(crate::search::MAX_QUERY_CHARS).collect();
        let query_shown = normalize(&cut);
        if terms.is_empty() {
            return Ok(SearchResult { query: query_shown.trim().to_string(), terms, hits: Vec::new() });
        }
        let (long, short): (Vec<&String>, Vec<&String>) = terms.iter().partition(|t| t.chars().count() >= 3);
        let mut conditions = Vec::new();
        let mut values: Vec<String> = Vec::new();
        if !long.is_empty() {
            conditions.push("catalog_text MATCH ?".to_string());
            values.push(long.iter().map(|t| quoted(t)).collect::<Vec<_>>().join(" AND "));
        }
        for term in &short {
            conditions.push("body LIKE ? ESCAPE '\\'".to_string());
            values.push(like_pattern(term));
        }
        let sql = format!("SELECT rowid FROM catalog_text WHERE {} ORDER BY rowid", conditions.join(" AND "));
        let rows: Vec<i64> = {
            let conn = self.conn.lock().map_err(|_| Error::invalid("search", "the search index is unusable"))?;
            let mut stmt = conn.prepare_cached(&sql)?;
            let found =
                stmt.query_map(params_from_iter(values.iter()), |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            found
        };
        let hits = rows
            .into_iter()
            .filter_map(|row| self.entries.get(usize::try_from(row).ok()?))
            .map(|entry| {
                // The context comes from the field holding most terms; on a
                // tie, the first in the order ID, titles, texts.
                let (field, text) = entry
                    .fields
                    .iter()
                    .enumerate()
                    .max_by_key(|(i, (_, text))| (terms_in(text, &terms), std::cmp::Reverse(*i)))
                    .map(|(_, f)| f)
                    .unwrap_or(&entry.fields[0]);
                SearchHit { id: entry.id.clone(), field: *field, context: context(text, &terms) }
            })
            .collect();
        Ok(SearchResult { query: query_shown.trim().to_string(), terms, hits })
    }
}
