-- Engagement file, schema 10: the team's roster of public keys, and the
-- signature a sign-off carries when its signer holds a key of the roster
-- (JSON of its model, as its event records it; NULL when unsigned).

CREATE TABLE member_key (
    fingerprint TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    active      INTEGER NOT NULL,
    content     TEXT NOT NULL
) WITHOUT ROWID;

ALTER TABLE signoff ADD COLUMN signature TEXT;
