-- Engagement file, schema 9: field copies and merging them back
-- (docs/team-fieldwork.md). Each copy and each conflict is kept as the JSON
-- of its model, as its events record it, so that replay compares it whole.

-- The copies a file issued; in a copy, also the copy itself (here = 1).
CREATE TABLE field_copy (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    here        INTEGER NOT NULL DEFAULT 0,
    content     TEXT NOT NULL
) WITHOUT ROWID;

-- Fields changed on both sides since a fork, until and after decided.
CREATE TABLE merge_conflict (
    key         TEXT PRIMARY KEY,
    item_kind   TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    control_id  TEXT,
    open        INTEGER NOT NULL,
    content     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX merge_conflict_by_control ON merge_conflict (control_id);
