//! The team's roster of public keys: which key signs for whom on an
//! engagement, added and removed by a manager's signed events.

use serde::{Deserialize, Serialize};

use super::engagement::Role;

/// A signature by a key of the roster: the key's fingerprint and the
/// signature (ECDSA P-256, 64 bytes, hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeySignature {
    pub fingerprint: String,
    pub value: String,
}

/// A member's public key on the engagement's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberKey {
    pub name: String,
    pub role: Role,
    pub public_key: String,
    pub fingerprint: String,
    pub added_at: String,
    pub added_by: String,
    /// The manager's signature over the addition (the key's own, for the
    /// first manager's key of an engagement).
    pub signature: KeySignature,
}

/// A key taken off the roster: it keeps its past signatures valid and can
/// make no new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyRemoval {
    pub fingerprint: String,
    pub reason: String,
    pub removed_at: String,
    pub removed_by: String,
    pub signature: KeySignature,
}

/// A key of the roster as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterEntry {
    pub key: MemberKey,
    pub removal: Option<KeyRemoval>,
}

impl RosterEntry {
    pub fn is_active(&self) -> bool {
        self.removal.is_none()
    }
}
