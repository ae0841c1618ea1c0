//! Who signs with which key: the roster's rules and what each signature
//! covers (docs/security.md, "Personal signing keys").
//!
//! A member's key joins an engagement's roster by a manager's signed event;
//! the first manager's key signs its own addition. From then on a sign-off
//! by a person who holds a key on the roster must carry that key's
//! signature over the engagement, the item, the level, the signer, the
//! item's content hash and the time; `log verify` checks every signature
//! against the roster as it was when it was made.

use std::collections::HashMap;

use crate::error::{Error, ProblemCode, Result};
use crate::keys::MemberCard;
use crate::model::engagement::{EngagementFields, Role};
use crate::model::event::Change;
use crate::model::review::{SignOff, SignOffLevel, StoredSignOff};
use crate::model::roster::{KeyRemoval, KeySignature, MemberKey, RosterEntry};

use super::refuse;

/// What a sign-off's signature covers, one field a line.
pub fn signoff_message(uuid: &str, s: &SignOff) -> Vec<u8> {
    signed_fields(uuid, s.item_kind.as_str(), &s.item_id, s.level.as_str(), &s.signer, &s.content_sha256, &s.at)
}

/// The same from its fields as text, for a verifier that has only those
/// (`workbench verify` reading a package's `signoffs.json`).
pub fn signed_fields(uuid: &str, kind: &str, id: &str, level: &str, signer: &str, sha256: &str, at: &str) -> Vec<u8> {
    format!("ismap-workbench-signoff-v1\n{uuid}\n{kind}\n{id}\n{level}\n{signer}\n{sha256}\n{at}").into_bytes()
}

/// What a manager's signature over a key's addition covers.
pub fn key_added_message(uuid: &str, k: &MemberKey) -> Vec<u8> {
    format!(
        "ismap-workbench-member-key-v1\n{uuid}\nadded\n{}\n{}\n{}\n{}\n{}\n{}",
        k.name,
        k.role.as_str(),
        k.public_key,
        k.fingerprint,
        k.added_at,
        k.added_by
    )
    .into_bytes()
}

/// What a manager's signature over a key's removal covers.
pub fn key_removed_message(uuid: &str, r: &KeyRemoval) -> Vec<u8> {
    format!(
        "ismap-workbench-member-key-v1\n{uuid}\nremoved\n{}\n{}\n{}\n{}",
        r.fingerprint, r.reason, r.removed_at, r.removed_by
    )
    .into_bytes()
}

/// What a manager's signature over finalizing covers: the engagement,
/// who, when, and the hash of the event before it, so that a signed
/// finalizing cannot be moved to another point of the log.
pub fn finalize_message(uuid: &str, by: &str, at: &str, prev_hash: &str) -> Vec<u8> {
    format!("ismap-workbench-finalize-v1\n{uuid}\n{by}\n{at}\n{prev_hash}").into_bytes()
}

/// What a manager's signature over reopening covers, likewise.
pub fn reopen_message(uuid: &str, by: &str, at: &str, reason: &str, prev_hash: &str) -> Vec<u8> {
    format!("ismap-workbench-reopen-v1\n{uuid}\n{by}\n{at}\n{reason}\n{prev_hash}").into_bytes()
}

/// Signs a finalizing or reopening (`change`) by a manager who holds a key
/// on the roster, as a sign-off is signed: with their own key, or refused.
pub fn sign_lock(
    roster: &[RosterEntry],
    change: &mut Change,
    signer: Option<&Signer<'_>>,
    uuid: &str,
    prev_hash: &str,
) -> Result<()> {
    let (who, message) = match &*change {
        Change::EngagementFinalized { finalization, .. } => {
            (finalization.by.clone(), finalize_message(uuid, &finalization.by, &finalization.at, prev_hash))
        }
        Change::EngagementReopened { by, at, reason, .. } => {
            (by.clone(), reopen_message(uuid, by, at, reason, prev_hash))
        }
        _ => return Ok(()),
    };
    let theirs = active_keys(roster, &who);
    let signature = match (theirs.is_empty(), signer) {
        (true, None) if roster.iter().any(RosterEntry::is_active) => return Err(no_key_on_roster(&who)),
        (true, None) => return Ok(()),
        (_, Some(s)) if theirs.iter().any(|e| e.key.fingerprint == s.fingerprint) => {
            KeySignature { fingerprint: s.fingerprint.to_string(), value: (s.sign)(&message) }
        }
        (false, None) => {
            return Err(refuse(
                "key",
                ProblemCode::SignatureRequired,
                &[("name", who.clone())],
                format!("{who} holds a key on this engagement's roster: finalizing and reopening need its signature"),
            ))
        }
        (_, Some(s)) => {
            return Err(refuse(
                "key",
                ProblemCode::KeyNotOnRoster,
                &[("name", who.clone()), ("fingerprint", s.fingerprint.to_string())],
                format!("the key {} is not {who}'s on this engagement's roster", s.fingerprint),
            ))
        }
    };
    match change {
        Change::EngagementFinalized { signature: slot, .. } | Change::EngagementReopened { signature: slot, .. } => {
            *slot = Some(signature)
        }
        _ => {}
    }
    Ok(())
}

/// The key a person signs with here: its fingerprint, and the signing
/// itself (the secret never reaches the rules).
pub struct Signer<'a> {
    pub fingerprint: &'a str,
    pub sign: &'a dyn Fn(&[u8]) -> String,
}

impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("fingerprint", &self.fingerprint).finish()
    }
}

fn manager(fields: &EngagementFields, actor: &str) -> Result<()> {
    let role = super::review::team_role(fields, actor)?;
    if !matches!(role, Role::Manager | Role::Partner) {
        return Err(refuse(
            "role",
            ProblemCode::RoleNotAllowed,
            &[("level", "manager".into())],
            format!("{actor} is on the team as {}; only a manager or partner changes the roster", role.as_str()),
        ));
    }
    Ok(())
}

/// Once an engagement's roster holds keys, every signature needs one: a
/// member without a key on it (not added yet, or taken off) signs nothing
/// by name.
fn no_key_on_roster(name: &str) -> Error {
    refuse(
        "key",
        ProblemCode::NoKeyOnRoster,
        &[("name", name.to_string())],
        format!(
            "{name} has no key on this engagement's roster, which holds keys: every signature needs the signer's \
             key; a manager adds it from their member card"
        ),
    )
}

fn active_keys<'r>(roster: &'r [RosterEntry], name: &str) -> Vec<&'r RosterEntry> {
    roster.iter().filter(|e| e.is_active() && e.key.name == name).collect()
}

/// The manager's own key must sign a change of the roster.
fn managers_key(roster: &[RosterEntry], actor: &str, signer: &Signer<'_>) -> Result<()> {
    if active_keys(roster, actor).iter().any(|e| e.key.fingerprint == signer.fingerprint) {
        return Ok(());
    }
    Err(refuse(
        "key",
        ProblemCode::KeyNotOnRoster,
        &[("name", actor.to_string()), ("fingerprint", signer.fingerprint.to_string())],
        format!("the key {} is not {actor}'s on this engagement's roster", signer.fingerprint),
    ))
}

/// Adds `card`'s key to the roster, signed by the manager `actor`. The
/// first key of a manager signs its own addition; every later change is
/// signed by a manager's key already on the roster.
pub fn add_key(
    fields: &EngagementFields,
    roster: &[RosterEntry],
    card: &MemberCard,
    actor: &str,
    signer: &Signer<'_>,
    uuid: &str,
    at: String,
) -> Result<Vec<Change>> {
    manager(fields, actor)?;
    let role = super::review::team_role(fields, &card.name)?;
    if roster.iter().any(|e| e.key.fingerprint == card.fingerprint) {
        return Err(refuse(
            "card",
            ProblemCode::DuplicateKey,
            &[("fingerprint", card.fingerprint.clone())],
            format!("the key {} is on the roster already", card.fingerprint),
        ));
    }
    if !active_keys(roster, &card.name).is_empty() {
        return Err(refuse(
            "card",
            ProblemCode::DuplicateKey,
            &[("fingerprint", card.fingerprint.clone())],
            format!("{} holds a key on the roster already: remove it first", card.name),
        ));
    }
    if roster.is_empty() {
        // Nobody vouches for the first key of an engagement but its
        // manager: it must be their own, signing itself, and only while
        // the roster is empty (else anyone could start a roster of their own).
        if card.name != actor || card.fingerprint != signer.fingerprint {
            return Err(refuse(
                "card",
                ProblemCode::ManagerKeyFirst,
                &[("name", actor.to_string())],
                format!("{actor} has no key on this engagement's roster yet: add your own key first, signed with it"),
            ));
        }
    } else {
        managers_key(roster, actor, signer)?;
    }
    let mut key = MemberKey {
        name: card.name.clone(),
        role,
        public_key: card.public_key.clone(),
        fingerprint: card.fingerprint.clone(),
        added_at: at,
        added_by: actor.to_string(),
        signature: KeySignature { fingerprint: signer.fingerprint.to_string(), value: String::new() },
    };
    key.signature.value = (signer.sign)(&key_added_message(uuid, &key));
    Ok(vec![Change::MemberKeyAdded { key }])
}

/// Takes a key off the roster, with the reason, signed by a manager.
#[allow(clippy::too_many_arguments)]
pub fn remove_key(
    fields: &EngagementFields,
    roster: &[RosterEntry],
    fingerprint: &str,
    reason: &str,
    actor: &str,
    signer: &Signer<'_>,
    uuid: &str,
    at: String,
) -> Result<Vec<Change>> {
    manager(fields, actor)?;
    if reason.trim().is_empty() {
        return Err(Error::required("reason", "say why the key is taken off the roster"));
    }
    if !roster.iter().any(|e| e.is_active() && e.key.fingerprint == fingerprint) {
        return Err(Error::NotFound { what: "signing key", id: fingerprint.to_string() });
    }
    managers_key(roster, actor, signer)?;
    // A roster with keys but no manager's key could never change again,
    // while every sign-off still needs a key on it: the last key of a
    // manager or partner stays until another's is added.
    let manages = |e: &&RosterEntry| {
        super::review::team_role(fields, &e.key.name).is_ok_and(|role| matches!(role, Role::Manager | Role::Partner))
    };
    if !roster.iter().filter(|e| e.is_active() && e.key.fingerprint != fingerprint).any(|e| manages(&e)) {
        return Err(refuse(
            "fingerprint",
            ProblemCode::LastManagerKey,
            &[],
            "this is the roster's last manager's or partner's key: add another manager's or partner's key first, \
             who then takes this one off"
                .into(),
        ));
    }
    let mut removal = KeyRemoval {
        fingerprint: fingerprint.to_string(),
        reason: reason.trim().to_string(),
        removed_at: at,
        removed_by: actor.to_string(),
        signature: KeySignature { fingerprint: signer.fingerprint.to_string(), value: String::new() },
    };
    removal.signature.value = (signer.sign)(&key_removed_message(uuid, &removal));
    Ok(vec![Change::MemberKeyRemoved { removal }])
}

/// Signs `signoff` when its signer holds a key on the roster (then a key
/// of theirs must sign, and, when duties are `separate`, not one that
/// signed another level of the same item); a signer without one signs by
/// name, as before keys.
pub fn sign(
    roster: &[RosterEntry],
    signoff: &mut SignOff,
    other_levels: &[StoredSignOff],
    signer: Option<&Signer<'_>>,
    uuid: &str,
    separate: bool,
) -> Result<()> {
    let theirs = active_keys(roster, &signoff.signer);
    if theirs.is_empty() {
        if signer.is_none() && roster.iter().any(RosterEntry::is_active) {
            return Err(no_key_on_roster(&signoff.signer));
        }
        if let Some(s) = signer {
            return Err(refuse(
                "key",
                ProblemCode::KeyNotOnRoster,
                &[("name", signoff.signer.clone()), ("fingerprint", s.fingerprint.to_string())],
                format!(
                    "{} has no key on this engagement's roster; a manager adds it from their member card",
                    signoff.signer
                ),
            ));
        }
        return Ok(());
    }
    let Some(signer) = signer else {
        return Err(refuse(
            "key",
            ProblemCode::SignatureRequired,
            &[("name", signoff.signer.clone())],
            format!(
                "{} holds a key on this engagement's roster: the sign-off needs its signature (and PIN)",
                signoff.signer
            ),
        ));
    };
    if !theirs.iter().any(|e| e.key.fingerprint == signer.fingerprint) {
        return Err(refuse(
            "key",
            ProblemCode::KeyNotOnRoster,
            &[("name", signoff.signer.clone()), ("fingerprint", signer.fingerprint.to_string())],
            format!("the key {} is not {}'s on this engagement's roster", signer.fingerprint, signoff.signer),
        ));
    }
    // Separation of duties, by key as well as by name: one key never signs
    // two levels of one item.
    let standing = [SignOffLevel::Preparer, SignOffLevel::Reviewer, SignOffLevel::SecondReviewer]
        .into_iter()
        .filter(|l| *l != signoff.level)
        .filter_map(|l| super::review::standing(other_levels, l));
    if let Some(other) = standing
        .into_iter()
        .filter(|_| separate)
        .find(|o| o.signoff.signature.as_ref().is_some_and(|s| s.fingerprint == signer.fingerprint))
    {
        return Err(refuse(
            "level",
            ProblemCode::SameKey,
            &[("level", other.signoff.level.as_str().to_string())],
            format!(
                "the key {} signed {} as {} already; another person's key must sign as {}",
                signer.fingerprint,
                signoff.item_id,
                other.signoff.level.as_str(),
                signoff.level.as_str()
            ),
        ));
    }
    signoff.signature = Some(KeySignature {
        fingerprint: signer.fingerprint.to_string(),
        value: (signer.sign)(&signoff_message(uuid, signoff)),
    });
    Ok(())
}

/// A signature that does not hold, found by `log verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureProblem {
    pub item_kind: String,
    pub item_id: String,
    pub level: String,
    pub problem: String,
}

/// Checks every signature of a log, in order, against the roster as it was
/// at each event: roster changes signed by a manager's key then on it (or a
/// manager's first key by itself), sign-offs signed by their signer's key
/// then on it, and no sign-off left unsigned by a person who held a key.
/// Which key must have signed is decided in one pass, in order; the
/// signatures themselves are then checked on every core at once (they do
/// not depend on each other), each key parsed once.
pub fn check<'a>(uuid: &str, events: impl IntoIterator<Item = (i64, &'a str, &'a Change)>) -> Vec<SignatureProblem> {
    struct Known {
        name: String,
        key: Option<ed25519_dalek::VerifyingKey>,
        active: bool,
    }
    struct Job {
        key: Option<ed25519_dalek::VerifyingKey>,
        message: Vec<u8>,
        signature: String,
        problem: SignatureProblem,
    }
    let mut roster: HashMap<String, Known> = HashMap::new();
    let mut problems = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    let any_active = |roster: &HashMap<String, Known>| roster.values().any(|k| k.active);
    for (seq, prev_hash, change) in events {
        match change {
            Change::MemberKeyAdded { key } => {
                let signed_by = &key.signature.fingerprint;
                let own = crate::keys::public_key(&key.public_key);
                if own.is_none_or(|k| crate::keys::fingerprint(k.as_bytes()) != key.fingerprint) {
                    problems.push(SignatureProblem {
                        item_kind: "member_key".into(),
                        item_id: key.fingerprint.clone(),
                        level: String::new(),
                        problem: format!("event {seq}: {}'s fingerprint is not that of the key it names", key.name),
                    });
                }
                let by = if *signed_by == key.fingerprint && key.name == key.added_by && roster.is_empty() {
                    Some(own)
                } else {
                    roster.get(signed_by).filter(|k| k.active && k.name == key.added_by).map(|k| k.key)
                };
                let problem = SignatureProblem {
                    item_kind: "member_key".into(),
                    item_id: key.fingerprint.clone(),
                    level: String::new(),
                    problem: format!(
                        "event {seq}: adding {}'s key is not signed by a manager's key on the roster",
                        key.name
                    ),
                };
                match by {
                    Some(k) => jobs.push(Job {
                        key: k,
                        message: key_added_message(uuid, key),
                        signature: key.signature.value.clone(),
                        problem,
                    }),
                    None => problems.push(problem),
                }
                roster.insert(key.fingerprint.clone(), Known { name: key.name.clone(), key: own, active: true });
            }
            Change::MemberKeyRemoved { removal } => {
                let by = roster
                    .get(&removal.signature.fingerprint)
                    .filter(|k| k.active && k.name == removal.removed_by)
                    .map(|k| k.key);
                let problem = SignatureProblem {
                    item_kind: "member_key".into(),
                    item_id: removal.fingerprint.clone(),
                    level: String::new(),
                    problem: format!("event {seq}: the key's removal is not signed by a manager's key on the roster"),
                };
                match by {
                    Some(k) => jobs.push(Job {
                        key: k,
                        message: key_removed_message(uuid, removal),
                        signature: removal.signature.value.clone(),
                        problem,
                    }),
                    None => problems.push(problem),
                }
                if let Some(k) = roster.get_mut(&removal.fingerprint) {
                    k.active = false;
                }
            }
            Change::EngagementFinalized { .. } | Change::EngagementReopened { .. } => {
                let (who, message, signature, what) = match change {
                    Change::EngagementFinalized { finalization: f, signature } => {
                        (f.by.clone(), finalize_message(uuid, &f.by, &f.at, prev_hash), signature, "finalized")
                    }
                    Change::EngagementReopened { by, at, reason, signature } => {
                        (by.clone(), reopen_message(uuid, by, at, reason, prev_hash), signature, "reopened")
                    }
                    _ => continue,
                };
                let problem = |text: String| SignatureProblem {
                    item_kind: "engagement".into(),
                    item_id: what.into(),
                    level: String::new(),
                    problem: format!("event {seq}: {text}"),
                };
                match signature {
                    Some(sig) => match roster.get(&sig.fingerprint) {
                        Some(k) if k.active && k.name == who => jobs.push(Job {
                            key: k.key,
                            message,
                            signature: sig.value.clone(),
                            problem: problem(format!("{who}'s signature does not match the engagement {what}")),
                        }),
                        _ => problems.push(problem(format!(
                            "signed with the key {}, which was not {who}'s on the roster then",
                            sig.fingerprint
                        ))),
                    },
                    None if any_active(&roster) => problems.push(problem(format!(
                        "{what} by {who} without a signature, though the roster held keys then"
                    ))),
                    None => {}
                }
            }
            Change::SignedOff { signoff, content } => {
                let problem = |text: String| SignatureProblem {
                    item_kind: signoff.item_kind.as_str().into(),
                    item_id: signoff.item_id.clone(),
                    level: signoff.level.as_str().into(),
                    problem: format!("event {seq}: {text}"),
                };
                // What was signed is the content's hash: content rewritten
                // in the log (the chain rehashed after it) no longer has it.
                if super::review::content_hash(content) != signoff.content_sha256 {
                    problems.push(problem("the content recorded with the sign-off is not the content signed".into()));
                }
                match &signoff.signature {
                    Some(sig) => match roster.get(&sig.fingerprint) {
                        Some(k) if k.active && k.name == signoff.signer => jobs.push(Job {
                            key: k.key,
                            message: signoff_message(uuid, signoff),
                            signature: sig.value.clone(),
                            problem: problem(format!("{}'s signature does not match the sign-off", signoff.signer)),
                        }),
                        _ => problems.push(problem(format!(
                            "signed with the key {}, which was not {}'s on the roster then",
                            sig.fingerprint, signoff.signer
                        ))),
                    },
                    None if any_active(&roster) => problems.push(problem(format!(
                        "signed by {} by name, without a key, though the roster held keys then",
                        signoff.signer
                    ))),
                    None => {}
                }
            }
            _ => {}
        }
    }
    let holds = |job: &Job| job.key.is_some_and(|k| crate::keys::verify_with(&k, &job.message, &job.signature));
    let cores = std::thread::available_parallelism().map_or(1, usize::from).max(1);
    let chunk = jobs.len().div_ceil(cores).max(1);
    let failed: Vec<SignatureProblem> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().filter(|j| !holds(j)).map(|j| j.problem.clone()).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    problems.extend(failed);
    problems
}
