-- Engagement file, schema 4: sign-offs, review notes, finalizing.

-- Every sign-off ever given; the standing one of an item and level is the
-- newest row that is not withdrawn. `content` is the item as signed (JSON),
-- so that what changed since can be shown; `content_sha256` its hash.
CREATE TABLE signoff (
    id               INTEGER PRIMARY KEY,
    item_kind        TEXT NOT NULL,
    item_id          TEXT NOT NULL,
    level            TEXT NOT NULL,
    signer           TEXT NOT NULL,
    role             TEXT NOT NULL,
    at               TEXT NOT NULL,
    content_sha256   TEXT NOT NULL,
    content          TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    -- The event that changed the item after this sign-off (preparers).
    changed_seq      INTEGER,
    withdrawn_reason TEXT,
    withdrawn_at     TEXT,
    withdrawn_seq    INTEGER
);
CREATE INDEX signoff_by_item ON signoff (item_kind, item_id, level, id);

CREATE TABLE review_note (
    id          TEXT PRIMARY KEY,
    ord         INTEGER NOT NULL UNIQUE,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    text        TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    status      TEXT NOT NULL,
    answer      TEXT,
    answered_by TEXT,
    answered_at TEXT,
    cleared_by  TEXT,
    cleared_at  TEXT
) WITHOUT ROWID;
CREATE INDEX review_note_by_target ON review_note (target_kind, target_id);

ALTER TABLE engagement ADD COLUMN finalized_by TEXT;
ALTER TABLE engagement ADD COLUMN finalized_at TEXT;
