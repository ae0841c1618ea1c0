//! Replay: the state an engagement's event log gives, rebuilt from the
//! events alone in a scratch database in memory, and compared table by
//! table, row by row, with the state stored in the file. This is what makes
//! "state = replay(log)" checkable: a change made around the log (with the
//! `sqlite3` shell, say) is named by the item and field it touched.
//!
//! Evidence content is not re-hashed here (that is `evidence verify`); its
//! rows (hash and size) are compared.

use std::cmp::Ordering;

use rusqlite::types::Value;
use rusqlite::Connection;
use serde::Serialize;

use super::apply::{apply, apply_creation, EventMeta};
use super::engagement_file::{read_catalog, EngagementFile, SCHEMA};
use super::events::ChainReport;
use crate::error::{Error, Result};
use crate::model::catalog::Catalog;
use crate::model::event::Change;

/// How a stored item differs from what the log gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DifferenceKind {
    /// A field of the item holds another value than the log gives.
    Changed,
    /// The log gives the item, the file does not hold it (it was deleted).
    Missing,
    /// The file holds an item the log does not give (it was added).
    Extra,
    /// An event of the log cannot be applied to the state before it.
    Unreplayable,
}

/// One difference between the stored state and the replayed log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Difference {
    /// What sort of item: `engagement`, `catalog`, `control`, `scope`,
    /// `procedure`, `exception`, `content`, `evidence`, `evidence_link`,
    /// `pbc`, `signoff`, `note`, `population`, `population_item`, `sample`,
    /// `sample_item`, `attribute`, `cell`, `tickmark` or `event`.
    pub item_kind: String,
    /// The item as people name it: `9.2.1.2/P1`, `E-0001`, `EV-0003`, ...
    pub item_id: String,
    /// The field that differs (a column, or for the engagement's fields a
    /// path such as `provider.name`); none for a missing or extra item.
    pub field: Option<String>,
    pub kind: DifferenceKind,
    /// The value stored in the file, shortened.
    pub stored: Option<String>,
    /// The value the log gives, shortened.
    pub replayed: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let item = if self.item_id.is_empty() {
            self.item_kind.clone()
        } else {
            format!("{} {}", self.item_kind, self.item_id)
        };
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        match self.kind {
            DifferenceKind::Changed => write!(
                f,
                "the {} of {item} does not match the log (stored: {}; log: {})",
                self.field.as_deref().unwrap_or("content"),
                show(&self.stored),
                show(&self.replayed)
            ),
            DifferenceKind::Missing => write!(f, "{item} is in the log but not in the file"),
            DifferenceKind::Extra => write!(f, "{item} is in the file but not in the log"),
            DifferenceKind::Unreplayable => write!(f, "{item} cannot be applied: {}", show(&self.replayed)),
        }
    }
}

/// At most this many differences are reported; the first names the problem.
const MAX_DIFFERENCES: usize = 100;

/// Checks the log of `file` in one pass: the hash chain, and the state its
/// events give, rebuilt in memory and compared with the stored state. An
/// event that cannot be applied is reported as a difference and ends the
/// replay (what follows it could only report its consequences); the chain
/// is checked to its end regardless.
pub fn check(file: &EngagementFile) -> Result<ChainReport> {
    let at = |e| Error::from_sqlite_at(file.path(), e);
    let mut replayed = scratch()?;
    let mut differences = Vec::new();
    let tx = replayed.transaction()?;
    let mut stop = false;
    let mut report = super::events::walk(&file.conn, |seq, at, change| {
        if stop {
            return Ok(());
        }
        let meta = EventMeta { seq, at };
        let applied = match &change {
            Change::EngagementCreated { .. } if seq == 1 => {
                let catalog = creation_catalog(file, &change, &mut differences)?;
                apply_creation(&tx, meta, &change, &catalog)
            }
            Change::EvidenceAdded { evidence, new_content: true } => {
                // Content is stored beside the log, not in it: the row that
                // addresses it is what the log vouches for.
                tx.prepare_cached("INSERT INTO blob (sha256, size) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING")
                    .and_then(|mut s| s.execute(rusqlite::params![evidence.sha256, evidence.size as i64]))
                    .map_err(Error::from)
                    .and_then(|_| apply(&tx, meta, &change))
            }
            _ => apply(&tx, meta, &change),
        };
        if let Err(e) = applied {
            differences.push(Difference {
                item_kind: "event".into(),
                item_id: format!("#{seq} ({})", change.kind()),
                field: None,
                kind: DifferenceKind::Unreplayable,
                stored: None,
                replayed: Some(e.to_string()),
            });
            stop = true;
        }
        Ok(())
    })
    .map_err(|e| match e {
        Error::Storage(s) => at(s),
        other => other,
    })?;
    tx.commit()?;
    if report.first_broken.is_some() {
        return Ok(report);
    }
    if differences.is_empty() {
        for table in TABLES {
            compare(&file.conn, &replayed, table, &mut differences).map_err(at)?;
            if differences.len() >= MAX_DIFFERENCES {
                break;
            }
        }
    }
    differences.truncate(MAX_DIFFERENCES);
    report.differences = differences;
    Ok(report)
}

/// An empty database of the engagement schema, in memory. Replay applies a
/// log already checked link by link, so it needs neither a journal nor
/// foreign-key checks, which would only slow it down.
fn scratch() -> Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.pragma_update(None, "journal_mode", "OFF")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    for sql in SCHEMA.migrations {
        conn.execute_batch(sql)?;
    }
    Ok(conn)
}

/// The catalog the engagement was created on: the one its creation event
/// holds, or, for files made before it held one, the frozen copy in the
/// file, which must match the hash the event recorded.
fn creation_catalog(file: &EngagementFile, change: &Change, differences: &mut Vec<Difference>) -> Result<Catalog> {
    let Change::EngagementCreated { catalog: named, catalog_content, .. } = change else {
        return Err(Error::invalid("event", "not a creation"));
    };
    let catalog = match catalog_content {
        Some(catalog) => (**catalog).clone(),
        None => read_catalog(&file.conn)?,
    };
    let hash = catalog.content_hash();
    if hash != named.content_sha256 {
        differences.push(Difference {
            item_kind: "catalog".into(),
            item_id: format!("{}@{}", named.name, named.version),
            field: Some("content_sha256".into()),
            kind: DifferenceKind::Changed,
            stored: Some(hash),
            replayed: Some(named.content_sha256.clone()),
        });
    }
    Ok(catalog)
}

/// A state table as replay compares it: the columns that order and
/// identify its rows, those that name a row for people, and every other
/// column that is state.
#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    /// The item kind in a difference.
    pub item: &'static str,
    pub key: &'static [&'static str],
    /// Columns that name the row (joined with a space), when not the key.
    pub label: &'static [&'static str],
    pub columns: &'static [&'static str],
}

/// Every state table and column. Columns left out are not state: the log's
/// head in the engagement row (checked by the chain), the row number of a
/// content, content bytes (`evidence verify`) and the log itself. A test
/// checks that every column of the schema is either here or left out on
/// purpose.
pub(crate) const TABLES: &[Table] = &[
    Table { name: "representation", item: "representation", key: &["id"], label: &[], columns: &["content"] },
    Table {
        name: "subsequent_event",
        item: "subsequent_event",
        key: &["id"],
        label: &[],
        columns: &["ord", "content"],
    },
    Table { name: "subsequent_review", item: "subsequent_review", key: &["id"], label: &[], columns: &["content"] },
    Table { name: "field_copy", item: "field_copy", key: &["id"], label: &[], columns: &["code", "here", "content"] },
    Table {
        name: "merge_conflict",
        item: "conflict",
        key: &["key"],
        label: &[],
        columns: &["item_kind", "item_id", "control_id", "open", "content"],
    },
    Table {
        name: "control_change",
        item: "control_change",
        key: &["id"],
        label: &[],
        columns: &["control_id", "content"],
    },
    Table {
        name: "engagement",
        item: "engagement",
        key: &["id"],
        label: &[],
        columns: &["uuid", "fields", "rules", "created_at", "procedure_library", "finalized_by", "finalized_at"],
    },
    Table {
        name: "catalog_info",
        item: "catalog",
        key: &["id"],
        label: &["name", "version"],
        columns: &["name", "version", "title", "id_scheme", "sample", "content_sha256", "suffix_legend"],
    },
    Table {
        name: "control",
        item: "control",
        key: &["item_id"],
        label: &[],
        columns: &[
            "ord",
            "grp",
            "parent_id",
            "level",
            "suffix",
            "title_ja",
            "title_en",
            "text_ja",
            "text_en",
            "source_refs",
            "importance",
            "audit_cycle",
            "liu_scope",
            "mandatory",
            "assessable",
        ],
    },
    Table {
        name: "scope",
        item: "scope",
        key: &["control_id"],
        label: &[],
        columns: &["decision", "reason", "inherited_from"],
    },
    Table {
        name: "procedure",
        item: "procedure",
        key: &["id"],
        label: &[],
        columns: &[
            "control_id",
            "ord",
            "kind",
            "evaluation",
            "text_ja",
            "text_en",
            "assignee",
            "work_done",
            "result",
            "notes",
            "target",
        ],
    },
    Table {
        name: "exception",
        item: "exception",
        key: &["id"],
        label: &[],
        columns: &["procedure_id", "ord", "text", "sample_item", "attribute"],
    },
    Table { name: "blob", item: "content", key: &["sha256"], label: &[], columns: &["size"] },
    Table {
        name: "evidence",
        item: "evidence",
        key: &["id"],
        label: &[],
        columns: &[
            "ord",
            "sha256",
            "size",
            "media_type",
            "original_name",
            "title",
            "description",
            "kind",
            "obtained_from",
            "obtained_by",
            "obtained_at",
            "as_of",
            "added_at",
            "added_by",
            "removed_reason",
            "removed_at",
            "removed_by",
        ],
    },
    Table {
        name: "evidence_link",
        item: "evidence_link",
        key: &["evidence_id", "target_kind", "target_id"],
        label: &[],
        columns: &[],
    },
    Table {
        name: "pbc_request",
        item: "pbc",
        key: &["id"],
        label: &[],
        columns: &["ord", "item", "requested_on", "due", "from_whom", "status", "notes"],
    },
    Table {
        name: "signoff",
        item: "signoff",
        key: &["id"],
        label: &["item_id", "level"],
        columns: &[
            "item_kind",
            "item_id",
            "level",
            "signer",
            "role",
            "at",
            "content_sha256",
            "content",
            "seq",
            "changed_seq",
            "withdrawn_reason",
            "withdrawn_at",
            "withdrawn_seq",
            "signature",
        ],
    },
    Table {
        name: "member_key",
        item: "member_key",
        key: &["fingerprint"],
        label: &["name"],
        columns: &["name", "active", "content"],
    },
    Table {
        name: "review_note",
        item: "note",
        key: &["id"],
        label: &[],
        columns: &[
            "ord",
            "target_kind",
            "target_id",
            "text",
            "author",
            "created_at",
            "status",
            "answer",
            "answered_by",
            "answered_at",
            "cleared_by",
            "cleared_at",
        ],
    },
    Table { name: "population", item: "population", key: &["procedure_id"], label: &[], columns: &["record"] },
    Table {
        name: "population_item",
        item: "population_item",
        key: &["procedure_id", "row"],
        label: &[],
        columns: &["item_id", "date", "description", "extra", "out_of_period"],
    },
    Table { name: "sample", item: "sample", key: &["procedure_id"], label: &[], columns: &["record"] },
    Table {
        name: "sample_item",
        item: "sample_item",
        key: &["id"],
        label: &[],
        columns: &["procedure_id", "no", "row", "item_id", "origin", "reason"],
    },
    Table {
        name: "test_attribute",
        item: "attribute",
        key: &["procedure_id", "key"],
        label: &[],
        columns: &["ord", "text"],
    },
    Table {
        name: "test_cell",
        item: "cell",
        key: &["procedure_id", "no", "attribute"],
        label: &[],
        columns: &["result", "tickmark", "comment", "exception_id"],
    },
    Table {
        name: "tickmark",
        item: "tickmark",
        key: &["mark"],
        label: &[],
        columns: &["ord", "meaning_ja", "meaning_en"],
    },
];

/// Columns of the schema that are not state, by table (`*`: the whole table).
#[cfg(test)]
const NOT_STATE: &[(&str, &str)] =
    &[("engagement", "head_seq"), ("engagement", "head_hash"), ("blob", "id"), ("blob_chunk", "*"), ("event", "*")];

/// Compares one table of the two databases, merging their rows in key order.
fn compare(
    stored: &Connection,
    replayed: &Connection,
    table: &Table,
    out: &mut Vec<Difference>,
) -> rusqlite::Result<()> {
    let columns: Vec<&str> = table.key.iter().chain(table.label).chain(table.columns).copied().collect();
    let sql = format!("SELECT {} FROM {} ORDER BY {}", quoted(&columns), table.name, quoted(table.key));
    let mut left = stored.prepare(&sql)?;
    let mut right = replayed.prepare(&sql)?;
    let mut left_rows = left.query([])?;
    let mut right_rows = right.query([])?;
    let read = |row: Option<&rusqlite::Row<'_>>| -> rusqlite::Result<Option<Vec<Value>>> {
        row.map(|r| (0..columns.len()).map(|i| r.get::<_, Value>(i)).collect()).transpose()
    };
    let mut a = read(left_rows.next()?)?;
    let mut b = read(right_rows.next()?)?;
    let keys = table.key.len();
    let labels = table.label.len();
    let name = |row: &[Value]| -> String {
        let parts: &[Value] = if labels > 0 { &row[keys..keys + labels] } else { &row[..keys] };
        parts.iter().map(show).collect::<Vec<_>>().join(" ")
    };
    while a.is_some() || b.is_some() {
        if out.len() >= MAX_DIFFERENCES {
            return Ok(());
        }
        let order = match (&a, &b) {
            (Some(x), Some(y)) => compare_keys(&x[..keys], &y[..keys]),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        let difference = |row: &[Value], kind| Difference {
            item_kind: table.item.into(),
            item_id: if table.name == "engagement" { String::new() } else { name(row) },
            field: None,
            kind,
            stored: None,
            replayed: None,
        };
        match order {
            Ordering::Less => {
                if let Some(x) = &a {
                    out.push(difference(x, DifferenceKind::Extra));
                }
                a = read(left_rows.next()?)?;
            }
            Ordering::Greater => {
                if let Some(y) = &b {
                    out.push(difference(y, DifferenceKind::Missing));
                }
                b = read(right_rows.next()?)?;
            }
            Ordering::Equal => {
                if let (Some(x), Some(y)) = (&a, &b) {
                    for (i, column) in table.columns.iter().enumerate() {
                        let at = keys + labels + i;
                        if x[at] != y[at] {
                            let base = difference(x, DifferenceKind::Changed);
                            out.extend(changed_fields(base, column, &x[at], &y[at]));
                        }
                    }
                }
                a = read(left_rows.next()?)?;
                b = read(right_rows.next()?)?;
            }
        }
    }
    Ok(())
}

/// The differences of one changed column; the engagement's fields (one
/// JSON document) are named by the path of each changed field.
fn changed_fields(base: Difference, column: &str, stored: &Value, replayed: &Value) -> Vec<Difference> {
    let json = |v: &Value| match v {
        Value::Text(t) => serde_json::from_str::<serde_json::Value>(t).ok(),
        _ => None,
    };
    // A column that holds a JSON record (the engagement's fields, a closing
    // record, a change, a legend) is compared field by field, so that the
    // field that differs is named even deep inside a long record.
    let record = |v: serde_json::Value| (v.is_object() || v.is_array()).then_some(v);
    if let (Some(s), Some(r)) = (json(stored).and_then(record), json(replayed).and_then(record)) {
        let mut fields = Vec::new();
        crate::domain::review::diff(&r, &s, "", &mut fields);
        let prefix =
            if base.item_kind == "engagement" && column == "fields" { String::new() } else { format!("{column}.") };
        if !fields.is_empty() {
            let text = |v: &serde_json::Value| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(shorten(s)),
                other => Some(shorten(&other.to_string())),
            };
            return fields
                .into_iter()
                .map(|f| Difference {
                    field: Some(format!("{prefix}{}", f.field)),
                    stored: text(&f.after),
                    replayed: text(&f.before),
                    ..base.clone()
                })
                .collect();
        }
    }
    // Two texts are shown from a little before where they first differ, so
    // that a difference past the shown length is not hidden.
    let (a, b) = (show(stored), show(replayed));
    let from = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count().saturating_sub(20);
    let text = |v: &Value, t: &str| if *v == Value::Null { None } else { Some(shorten_from(t, from)) };
    vec![Difference { field: Some(column.to_string()), stored: text(stored, &a), replayed: text(replayed, &b), ..base }]
}

/// `text` from its `from`-th character (marked `…` when that is not the
/// start), shortened.
fn shorten_from(text: &str, from: usize) -> String {
    match text.char_indices().nth(from) {
        Some((at, _)) if from > 0 => format!("…{}", shorten(&text[at..])),
        _ => shorten(text),
    }
}

fn quoted(columns: &[&str]) -> String {
    columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "(none)".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => format!("({} bytes)", b.len()),
    }
}

/// Long values (texts, JSON records) are shown by their start.
fn shorten(text: &str) -> String {
    const SHOWN: usize = 80;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Orders keys as SQLite's `ORDER BY` does with the binary collation: by
/// storage class first (null, numbers, text, blobs), then by value.
fn compare_keys(a: &[Value], b: &[Value]) -> Ordering {
    fn class(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }
    for (x, y) in a.iter().zip(b) {
        let order = class(x).cmp(&class(y)).then_with(|| match (x, y) {
            (Value::Integer(i), Value::Integer(j)) => i.cmp(j),
            (Value::Integer(i), Value::Real(r)) => (*i as f64).partial_cmp(r).unwrap_or(Ordering::Equal),
            (Value::Real(r), Value::Integer(i)) => r.partial_cmp(&(*i as f64)).unwrap_or(Ordering::Equal),
            (Value::Real(r), Value::Real(s)) => r.partial_cmp(s).unwrap_or(Ordering::Equal),
            (Value::Text(s), Value::Text(t)) => s.as_bytes().cmp(t.as_bytes()),
            (Value::Blob(s), Value::Blob(t)) => s.cmp(t),
            _ => Ordering::Equal,
        });
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_of_the_schema_is_compared_or_left_out_on_purpose() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in SCHEMA.migrations {
            conn.execute_batch(sql).unwrap();
        }
        let mut tables = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").unwrap();
        let names: Vec<String> = tables.query_map([], |r| r.get(0)).unwrap().map(|n| n.unwrap()).collect();
        for table in &names {
            let mut info = conn.prepare(&format!("PRAGMA table_info(\"{table}\")")).unwrap();
            let columns: Vec<String> = info.query_map([], |r| r.get(1)).unwrap().map(|c| c.unwrap()).collect();
            for column in columns {
                let compared = TABLES
                    .iter()
                    .find(|t| t.name == table)
                    .is_some_and(|t| t.key.contains(&column.as_str()) || t.columns.contains(&column.as_str()));
                let left_out = NOT_STATE.iter().any(|(t, c)| t == table && (*c == "*" || *c == column));
                assert!(compared ^ left_out, "{table}.{column} must be compared by replay or listed in NOT_STATE");
            }
        }
    }

    #[test]
    fn keys_order_like_sqlite() {
        let t = |s: &str| Value::Text(s.into());
        assert_eq!(compare_keys(&[t("9.2.1.2/P1")], &[t("9.2.1.2/P10")]), Ordering::Less);
        assert_eq!(compare_keys(&[Value::Integer(10)], &[t("1")]), Ordering::Less);
        assert_eq!(compare_keys(&[Value::Null], &[Value::Integer(-5)]), Ordering::Less);
        assert_eq!(compare_keys(&[t("b"), Value::Integer(2)], &[t("b"), Value::Integer(1)]), Ordering::Greater);
    }
}
