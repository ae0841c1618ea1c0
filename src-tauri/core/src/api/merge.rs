//! Field copies and merging them back (docs/team-fieldwork.md): making a
//! copy for one team member, bringing its events back into the file, and
//! deciding the conflicts found on the way.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde::Serialize;

use super::execute::{self, execute, record};
use super::{read, recorded, unexpected};
use crate::domain::merge::{self as rules, Made, Ours};
use crate::error::{Error, ProblemCode, Result};
use crate::model::copy::{Choice, Conflict, CopyRecord, FieldCopy, Fork, MergeOutcome, MergeRecord};
use crate::model::event::{format_time, Actor, Change, Clock, Context};
use crate::store::engagement_file::EngagementFile;
use crate::store::{self, Access};

/// A field copy written.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CopyMade {
    pub copy: FieldCopy,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    /// The events the copy holds (the file's, then its own opening).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: i64,
}

/// Which controls' evidence a copy carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyScope {
    /// All of it.
    All,
    /// The evidence of these controls (and of their procedures,
    /// exceptions and sample items).
    Controls(Vec<String>),
    /// The controls with a procedure assigned to the person the copy is for.
    Assigned,
}

fn refused(code: ProblemCode, params: &[(&str, String)], message: String) -> Error {
    crate::domain::refuse("copy", code, params, message)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Writes a field copy of the engagement at `path` to `out` for `for_name`:
/// the same engagement, its events up to now, its evidence (of the
/// controls in `scope`), and where it forked. The file records that the
/// copy was made (an event), so that the manager sees which copies are out.
/// `copy_id` is the copy's new UUID (front ends make it, as for an engagement).
pub fn make_copy(
    path: &Path,
    out: &Path,
    for_name: &str,
    scope: CopyScope,
    copy_id: String,
    ctx: Context<'_>,
) -> Result<CopyMade> {
    let for_name = for_name.trim();
    if for_name.is_empty() {
        return Err(Error::required("for", "a field copy is made for a person: give their name"));
    }
    if for_name.chars().any(char::is_control) {
        return Err(crate::domain::refuse(
            "for",
            ProblemCode::ControlCharacter,
            &[],
            "the name holds a control character".into(),
        ));
    }
    if out.exists() {
        return Err(Error::AlreadyExists { what: "file", id: out.display().to_string() });
    }
    let issued = execute(
        path,
        ctx,
        |tx| {
            if let Some(this) = store::copies::this_copy(tx)? {
                return Err(refused(
                    ProblemCode::CopyOfCopy,
                    &[("code", this.copy.code.clone())],
                    format!("this file is field copy {}; make copies from the engagement file", this.copy.code),
                ));
            }
            let controls = match &scope {
                CopyScope::All => None,
                CopyScope::Controls(ids) => {
                    for id in ids {
                        store::work::control_facts(tx, id)?;
                    }
                    Some(ids.clone())
                }
                CopyScope::Assigned => Some(store::work::controls_assigned_to(tx, for_name)?),
            };
            let next = store::copies::copies(tx)?
                .iter()
                .map(|c| crate::model::ids::code_number(&c.copy.code))
                .max()
                .unwrap_or(0)
                + 1;
            let copy = FieldCopy {
                id: copy_id,
                code: crate::model::ids::code_at(next),
                for_name: for_name.to_string(),
                controls,
                made_at: format_time(ctx.clock.now()),
                made_by: ctx.actor.name.clone(),
            };
            Ok(vec![Change::FieldCopyIssued { copy }].into())
        },
        |_, events| match recorded(events)? {
            Change::FieldCopyIssued { copy } => Ok(copy),
            other => Err(unexpected(&other)),
        },
    )?;
    write_copy(path, out, &issued, ctx)
}

/// Writes the copy's file: a snapshot of the engagement (SQLite's `VACUUM
/// INTO`, or SQLCipher's export in one read transaction for an encrypted
/// copy, each consistent even while another program writes), under a
/// temporary name beside `out`, given its opening event, trimmed of the
/// evidence it does not carry, and renamed into place only when complete.
/// The copy is encrypted with the passphrase given for it, else with the
/// engagement's own key; a plain engagement gives a plain copy unless a
/// passphrase was given for it.
fn write_copy(path: &Path, out: &Path, copy: &FieldCopy, ctx: Context<'_>) -> Result<CopyMade> {
    let temp = store::engagement_file::temp_beside(out)?;
    let key = {
        let source = EngagementFile::open(path, Access::Read)?;
        let key = store::cipher::key_for_new(out).or_else(|| source.key.clone());
        match &key {
            Some(key) => store::cipher::export(&source.conn, source.key.as_ref(), temp.path(), Some(key))?,
            None => {
                source
                    .conn
                    .execute("VACUUM INTO ?1", [temp.path().to_string_lossy()])
                    .map_err(|e| Error::from_sqlite_at(out, e))?;
            }
        }
        key
    };
    let keying = match key {
        Some(key) => store::cipher::Keying::With(key),
        None => store::cipher::Keying::Plain,
    };
    let mut file = EngagementFile::open_with(temp.path(), Access::Write, &keying)?;
    let (seq, hash) = file.head()?;
    let fork = Fork { copy_id: copy.id.clone(), source_name: file_name(path), seq, hash };
    let events = execute::run(
        &mut file,
        ctx,
        |tx| {
            if let Some(controls) = &copy.controls {
                store::evidence::keep_contents_of(tx, controls)?;
            }
            Ok(vec![Change::FieldCopyOpened { fork }].into())
        },
        |file, _| file.event_count(),
    )?;
    if copy.controls.is_some() {
        file.reclaim_space()?;
    }
    drop(file);
    temp.persist_noclobber(out).map_err(|e| match e.error.kind() {
        std::io::ErrorKind::AlreadyExists => Error::AlreadyExists { what: "file", id: out.display().to_string() },
        _ => Error::io(out, e.error),
    })?;
    store::sync_parent(out)?;
    Ok(CopyMade { copy: copy.clone(), path: out.to_path_buf(), events })
}

/// The copies the engagement issued (and, in a copy, the copy itself).
pub fn copies(path: &Path) -> Result<Vec<CopyRecord>> {
    read(path, |file| store::copies::copies(&file.conn))
}

/// The conflicts merges found, open ones only unless `all`.
pub fn conflicts(path: &Path, all: bool) -> Result<Vec<Conflict>> {
    read(path, |file| store::copies::conflicts(&file.conn, all))
}

/// One event of a copy, as its log holds it.
struct CopyEvent {
    seq: i64,
    actor: String,
    at: String,
    change: Change,
}

/// What a copy's log says about it, checked link by link.
struct CopyLog {
    uuid: String,
    fork: Fork,
    events: Vec<CopyEvent>,
    head: (i64, String),
    finalized: bool,
}

fn copy_refused(copy: &Path, code: ProblemCode, params: &[(&str, String)], message: String) -> Error {
    let mut all = vec![("file", copy.display().to_string())];
    all.extend(params.iter().map(|(k, v)| (*k, v.clone())));
    crate::domain::refuse("copy", code, &all, format!("{}: {message}", copy.display()))
}

/// Reads a copy's log, which must verify from its first event to its head,
/// and the facts a merge needs from it: its engagement, where it forked,
/// its events.
fn read_copy(copy: &EngagementFile) -> Result<CopyLog> {
    let path = copy.path();
    let mut uuid = None;
    let mut fork = None;
    let mut finalized = false;
    let mut codes: HashMap<String, String> = HashMap::new();
    let mut changes: Vec<(i64, String, Change)> = Vec::new();
    let report = store::events::walk(&copy.conn, |seq, at, change| {
        match &change {
            Change::EngagementCreated { engagement_uuid, .. } => uuid = Some(engagement_uuid.clone()),
            Change::FieldCopyOpened { fork: f } if fork.is_none() => fork = Some(f.clone()),
            Change::FieldCopyIssued { copy } => {
                codes.insert(copy.id.clone(), copy.code.clone());
            }
            Change::EngagementFinalized { .. } => finalized = true,
            Change::EngagementReopened { .. } => finalized = false,
            _ => {}
        }
        if fork.is_some() {
            changes.push((seq, at.to_string(), change));
        }
        Ok(())
    })?;
    if let Some(broken) = &report.first_broken {
        return Err(copy_refused(
            path,
            ProblemCode::CopyBroken,
            &[("seq", broken.seq.to_string())],
            format!("its event log does not verify at event {}: {}", broken.seq, broken.reason),
        ));
    }
    let Some(fork) = fork else {
        return Err(copy_refused(path, ProblemCode::NotACopy, &[], "it is not a field copy".into()));
    };
    let broken = |seq: i64, why: String| {
        copy_refused(path, ProblemCode::CopyBroken, &[("seq", seq.to_string())], format!("event {seq}: {why}"))
    };
    // The copy's opening comes right after the fork, and only once.
    match changes.first() {
        Some((seq, _, Change::FieldCopyOpened { .. })) if *seq == fork.seq + 1 => {}
        _ => return Err(broken(fork.seq + 1, "the copy's opening does not follow its fork".into())),
    }
    for (seq, at, change) in &changes {
        // Times as the workbench writes them, so that which side is later
        // means the same in this file as in the copy.
        let canonical = DateTime::parse_from_rfc3339(at).ok().map(|t| format_time(t.with_timezone(&Utc)));
        if canonical.as_deref() != Some(at.as_str()) {
            return Err(broken(*seq, format!("its time {at:?} is not one the workbench writes")));
        }
        if matches!(change, Change::FieldCopyOpened { .. }) && *seq != fork.seq + 1 {
            return Err(broken(*seq, "the copy is opened twice".into()));
        }
        // What the copy made carries its code; an ID of the file's own (or
        // of another copy) could take the place of an item removed there.
        if let Some((prefix, id)) = rules::created_id(change).filter(|(prefix, id)| {
            crate::model::ids::split(id, prefix)
                .is_none_or(|(c, _)| Some(c) != codes.get(&fork.copy_id).map(String::as_str))
        }) {
            return Err(broken(*seq, format!("it makes {id}, which is not an ID of this copy ({prefix}…)")));
        }
    }
    let actors: HashMap<i64, String> = {
        let mut stmt = copy.conn.prepare("SELECT seq, actor FROM event WHERE seq > ?1")?;
        let rows = stmt.query_map([fork.seq], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let events = changes
        .into_iter()
        .map(|(seq, at, change)| CopyEvent { seq, actor: actors.get(&seq).cloned().unwrap_or_default(), at, change })
        .collect();
    Ok(CopyLog { uuid: uuid.unwrap_or_default(), fork, events, head: (report.events, report.head_hash), finalized })
}

/// A clock that gives one time: a copy's event is recorded at the time it
/// was made on the copy.
#[derive(Debug)]
struct At(DateTime<Utc>);

impl Clock for At {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Brings a field copy's events since its fork (or since its last merge)
/// into the engagement at `path`, as one transaction: each is checked (the
/// copy's log must verify, and be of this engagement and of a copy this
/// file issued), applied through the same path as any change, with the
/// copy's author and time, and the merge is recorded with the copy's head.
/// Fields both sides changed become conflicts (`domain::merge`). Merging
/// the same copy again brings in only what is new, and nothing when
/// nothing is.
pub fn merge(path: &Path, copy_path: &Path, ctx: Context<'_>) -> Result<MergeOutcome> {
    let copy_file = EngagementFile::open(copy_path, Access::Read)?;
    let log = read_copy(&copy_file)?;
    let mut file = execute::writable(path)?;
    let located = |e: Error| match e {
        Error::Storage(s) => Error::from_sqlite_at(path, s),
        other => other,
    };
    // Every check reads the file inside the write transaction, so that two
    // merges of one copy at once (the app and the CLI) cannot both bring it
    // in; a refusal rolls back, which leaves the file's bytes as they were.
    let tx = file
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| Error::from_sqlite_at(path, e))?;
    let outcome = (|| {
        let record = check_copy(&tx, &copy_file, &log, ctx.clock.now())?;
        let new: Vec<&CopyEvent> = log.events.iter().filter(|e| e.seq > record.merged_through).collect();
        let mut outcome = MergeOutcome {
            code: record.copy.code.clone(),
            for_name: record.copy.for_name.clone(),
            imported: 0,
            new_contents: 0,
            new_content_bytes: 0,
            conflicts: Vec::new(),
            open_conflicts: Vec::new(),
            copy_head_seq: log.head.0,
            copy_head_hash: log.head.1.clone(),
        };
        let merged_before = record.merged_through.max(log.fork.seq + 1);
        if !new.iter().any(|e| rules::is_brought_in(&e.change)) && log.head.0 <= merged_before {
            outcome.open_conflicts = store::copies::conflicts(&tx, false)?;
            return Ok((outcome, false));
        }
        bring_in(&tx, &copy_file, &log, &record, &new, &mut outcome, ctx)?;
        outcome.open_conflicts = store::copies::conflicts(&tx, false)?;
        Ok((outcome, true))
    })()
    .map_err(located)?;
    match outcome {
        (outcome, true) => {
            tx.commit().map_err(|e| Error::from_sqlite_at(path, e))?;
            Ok(outcome)
        }
        (outcome, false) => {
            drop(tx);
            Ok(outcome)
        }
    }
}

/// The hash of a copy's event `seq`, if it has one.
fn hash_at(conn: &rusqlite::Connection, seq: i64) -> Option<String> {
    conn.query_row("SELECT hash FROM event WHERE seq = ?1", [seq], |r| r.get(0)).ok()
}

/// Everything that must hold before a copy is brought in, read from the
/// file in the merge's transaction: the record of the copy this file
/// issued.
fn check_copy(
    tx: &Transaction<'_>,
    copy_file: &EngagementFile,
    log: &CopyLog,
    now: DateTime<Utc>,
) -> Result<CopyRecord> {
    let copy_path = copy_file.path();
    // Which side of a conflict stands until decided goes by time, so a
    // copy's clock may not run ahead of today by more than a day (a laptop
    // set to the wrong year would otherwise win every conflict).
    let latest = now + chrono::Duration::days(1);
    if let Some(e) = log.events.iter().find(|e| DateTime::parse_from_rfc3339(&e.at).is_ok_and(|t| t > latest)) {
        return Err(copy_refused(
            copy_path,
            ProblemCode::CopyBroken,
            &[("seq", e.seq.to_string())],
            format!("event {} is dated {}, after today: the clock of the laptop it was made on is wrong", e.seq, e.at),
        ));
    }
    if let Some(this) = store::copies::this_copy(tx)? {
        return Err(crate::domain::refuse(
            "copy",
            ProblemCode::CopyOfCopy,
            &[("code", this.copy.code.clone())],
            format!("this file is field copy {}; merge copies into the engagement file", this.copy.code),
        ));
    }
    let uuid: String = tx.query_row("SELECT uuid FROM engagement WHERE id = 1", [], |r| r.get(0))?;
    if log.uuid != uuid {
        return Err(copy_refused(
            copy_path,
            ProblemCode::CopyOfOtherEngagement,
            &[("uuid", log.uuid.clone())],
            format!("it is a copy of another engagement ({}), not of this one ({uuid})", log.uuid),
        ));
    }
    let not_from_here = |why: String| copy_refused(copy_path, ProblemCode::CopyNotFromHere, &[], why);
    let record = match store::copies::copy(tx, &log.fork.copy_id) {
        Ok(record) if !record.here => record,
        _ => {
            return Err(not_from_here(
                "this file did not issue that copy (it was made from another file of the engagement)".into(),
            ))
        }
    };
    // The copy's history and the file's meet at the fork, event for event
    // (the chains are verified, so equal hashes there mean equal histories).
    if hash_at(tx, log.fork.seq).as_deref() != Some(log.fork.hash.as_str())
        || hash_at(&copy_file.conn, log.fork.seq).as_deref() != Some(log.fork.hash.as_str())
    {
        return Err(not_from_here(format!(
            "its history does not meet this file's at event {} (where it says it forked)",
            log.fork.seq
        )));
    }
    // A copy merged before must still hold what was merged: a copy taken
    // back to an older backup, or worked on two laptops, has other events
    // under the same numbers, which would otherwise be skipped unseen.
    if record.merged_through > 0
        && hash_at(&copy_file.conn, record.merged_through).as_deref() != record.merged_head.as_deref()
    {
        return Err(copy_refused(
            copy_path,
            ProblemCode::CopyDiverged,
            &[("seq", record.merged_through.to_string())],
            format!(
                "its event {} is not the one merged last time (an older backup of the copy, or a copy of the copy)",
                record.merged_through
            ),
        ));
    }
    if log.finalized {
        return Err(copy_refused(
            copy_path,
            ProblemCode::CopyFinalized,
            &[],
            "the copy is finalized; reopen it first".into(),
        ));
    }
    Ok(record)
}

/// What the file did since the fork, as one side of the merge: every event
/// after the fork, named by where it came from (a copy merged earlier is
/// known by the merge event that follows its events), except those of this
/// copy itself.
fn ours_since(tx: &Transaction<'_>, fork_seq: i64, copy_id: &str) -> Result<Ours> {
    let copies: HashMap<String, (String, String)> =
        store::copies::copies(tx)?.into_iter().map(|c| (c.copy.id.clone(), (c.copy.code, c.copy.for_name))).collect();
    let mut stmt = tx.prepare("SELECT seq, actor, at, payload FROM event WHERE seq > ?1 ORDER BY seq")?;
    let rows = stmt.query_map([fork_seq], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut events = Vec::new();
    for row in rows {
        let (seq, actor, at, payload) = row?;
        let change: Change = serde_json::from_str(&payload).map_err(|e| Error::invalid("event", e.to_string()))?;
        events.push((seq, actor, at, change));
    }
    // Which copy each earlier merge brought events from, by range.
    let mut ranges: Vec<(i64, i64, String)> = Vec::new();
    for (seq, _, _, change) in &events {
        if let Change::CopyMerged { merge } = change {
            ranges.push((merge.first_seq, *seq, merge.copy_id.clone()));
        }
    }
    let origin_of =
        |seq: i64| ranges.iter().find(|(first, last, _)| (*first..*last).contains(&seq)).map(|r| r.2.as_str());
    let mut ours = Ours::default();
    for (seq, actor, at, change) in events {
        let origin = origin_of(seq);
        if origin == Some(copy_id) {
            ours.merged_before(&change);
            continue;
        }
        let (code, name) = origin.and_then(|id| copies.get(id).cloned()).unwrap_or_default();
        ours.add(Made { change, by: actor, at, origin: code, origin_name: name });
    }
    Ok(ours)
}

fn bring_in(
    tx: &Transaction<'_>,
    copy_file: &EngagementFile,
    log: &CopyLog,
    issued: &CopyRecord,
    new: &[&CopyEvent],
    outcome: &mut MergeOutcome,
    ctx: Context<'_>,
) -> Result<()> {
    let mut ours = ours_since(tx, log.fork.seq, &issued.copy.id)?;
    let open: HashMap<String, Conflict> =
        store::copies::conflicts(tx, false)?.into_iter().map(|c| (c.key.clone(), c)).collect();
    let first_seq = tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM event", [], |r| r.get::<_, i64>(0))?;
    let mut found: Vec<Conflict> = Vec::new();
    let control_of = |item: &rules::Item| store::copies::control_of(tx, item);
    for event in new {
        if !rules::is_brought_in(&event.change) {
            continue;
        }
        let at = DateTime::parse_from_rfc3339(&event.at).map_err(|_| {
            copy_refused(
                copy_file.path(),
                ProblemCode::CopyBroken,
                &[("seq", event.seq.to_string())],
                format!("event {} has no valid time ({:?})", event.seq, event.at),
            )
        })?;
        let clock = At(at.with_timezone(&Utc));
        let actor = Actor::new(event.actor.clone());
        let theirs_ctx = Context { actor: &actor, clock: &clock };
        // The change is brought in inside a savepoint of its own, with the
        // content it needs: a change that does not fit leaves neither.
        tx.execute_batch("SAVEPOINT merge_change")?;
        let mut change = event.change.clone();
        let mut new_bytes = None;
        if let Change::EvidenceAdded { evidence, new_content } = &mut change {
            let stored = store::evidence::copy_content(tx, &copy_file.conn, &evidence.sha256, evidence.size).map_err(
                |e| match e {
                    Error::Invalid { .. } | Error::NotFound { .. } => copy_refused(
                        copy_file.path(),
                        ProblemCode::CopyContentMismatch,
                        &[("id", evidence.id.clone())],
                        format!("the content of {} is missing or does not match its recorded hash", evidence.id),
                    ),
                    other => other,
                },
            )?;
            new_bytes = stored.then_some(evidence.size);
            // Whether this file stored the content anew, as replay needs it.
            *new_content = stored;
        }
        let made = Made {
            change,
            by: event.actor.clone(),
            at: event.at.clone(),
            origin: issued.copy.code.clone(),
            origin_name: issued.copy.for_name.clone(),
        };
        let mut open_now = open.clone();
        for c in &found {
            open_now.insert(c.key.clone(), c.clone());
        }
        let step = rules::decide(&mut ours, &open_now, &made, &control_of);
        let applied = (|| -> Result<bool> {
            for restore in &step.restore {
                record(tx, ctx, restore)?;
            }
            if let Some(change) = &step.apply {
                record(tx, theirs_ctx, change)?;
                return Ok(true);
            }
            Ok(false)
        })();
        match applied {
            Ok(imported) => {
                tx.execute_batch("RELEASE merge_change")?;
                outcome.imported += u32::from(imported);
                if let Some(bytes) = new_bytes {
                    outcome.new_contents += 1;
                    outcome.new_content_bytes += bytes;
                }
            }
            // A change that no longer fits the file (its item gone in a way
            // no rule foresaw) is not lost: it becomes a conflict that a
            // person decides, and the rest of the merge goes on.
            Err(Error::NotFound { .. } | Error::Invalid { .. } | Error::AlreadyExists { .. }) => {
                tx.execute_batch("ROLLBACK TO merge_change; RELEASE merge_change")?;
                found.push(rules::unapplied(&made, event.seq));
                continue;
            }
            Err(other) => return Err(other),
        }
        for c in step.conflicts {
            found.retain(|f| f.key != c.key);
            found.push(c);
        }
    }
    for c in &found {
        record(tx, ctx, &Change::ConflictFound { conflict: Box::new(c.clone()) })?;
    }
    outcome.conflicts = found.iter().map(|c| c.key.clone()).collect();
    let merge = MergeRecord {
        copy_id: issued.copy.id.clone(),
        code: issued.copy.code.clone(),
        for_name: issued.copy.for_name.clone(),
        copy_head_seq: log.head.0,
        copy_head_hash: log.head.1.clone(),
        first_seq,
        imported: outcome.imported,
        conflicts: outcome.conflicts.clone(),
    };
    record(tx, ctx, &Change::CopyMerged { merge })?;
    Ok(())
}

/// Decides the conflict `key` with `choice`: records the chosen value as a
/// change of its item (so that sign-offs covering it see the change), then
/// the decision.
pub fn resolve_conflict(path: &Path, key: &str, choice: Choice, ctx: Context<'_>) -> Result<Conflict> {
    execute(
        path,
        ctx,
        |tx| {
            let conflict = store::copies::conflict(tx, key)?;
            // A removal chosen now is the removal the item allows now, by the
            // same rules as removing it by hand (no exceptions or evidence
            // left on it), so that nothing is left pointing at it.
            let removal_now = |removal: &Change| -> Result<Change> {
                use crate::model::evidence::LinkKind;
                let mut changes = match removal {
                    Change::ProcedureRemoved { procedure } => {
                        let procedure = store::work::read_procedure(tx, &procedure.id)?;
                        let attached = crate::domain::work::Attachments {
                            evidence: store::evidence::linked_evidence(tx, LinkKind::Procedure, &procedure.id)?,
                            sampled: store::work::is_sampled(tx, &procedure.id)?,
                        };
                        crate::domain::work::remove_procedure(&procedure, &attached)?
                    }
                    Change::ExceptionRemoved { exception } => {
                        let exception = store::work::read_exception(tx, &exception.id)?;
                        let evidence = store::evidence::linked_evidence(tx, LinkKind::Exception, &exception.id)?;
                        crate::domain::work::remove_exception(&exception, &evidence)?
                    }
                    other => vec![other.clone()],
                };
                changes.pop().ok_or_else(|| Error::invalid("resolve", "nothing to remove"))
            };
            let at = format_time(ctx.clock.now());
            Ok(rules::resolve(&conflict, &choice, &ctx.actor.name, at, &removal_now)?.into())
        },
        |file, _| store::copies::conflict(&file.conn, key),
    )
}
