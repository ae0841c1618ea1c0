-- Engagement file, schema 1. Never edit a released migration: add a new one.

-- The engagement itself: one row. `fields` is the JSON of EngagementFields,
-- `rules` the JSON of the program rules the engagement was planned with.
CREATE TABLE engagement (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    uuid          TEXT NOT NULL,
    fields        TEXT NOT NULL,
    rules         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    -- The newest event, kept in the same transaction as every event, so that
    -- removing events from the end of the log is noticed by `log verify`.
    head_seq      INTEGER NOT NULL DEFAULT 0,
    head_hash     TEXT NOT NULL
);

-- The frozen copy of the catalog the engagement was planned on: one row.
CREATE TABLE catalog_info (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    title          TEXT NOT NULL,
    id_scheme      TEXT NOT NULL,
    sample         INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL
);

CREATE TABLE control (
    item_id     TEXT PRIMARY KEY,
    ord         INTEGER NOT NULL UNIQUE,
    grp         TEXT NOT NULL,
    parent_id   TEXT REFERENCES control (item_id),
    level       TEXT NOT NULL,
    suffix      TEXT,
    title_ja    TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    text_ja     TEXT NOT NULL,
    text_en     TEXT NOT NULL,
    source_refs TEXT NOT NULL,
    importance  TEXT,
    audit_cycle TEXT,
    liu_scope   INTEGER,
    mandatory   INTEGER NOT NULL,
    assessable  INTEGER NOT NULL
) WITHOUT ROWID;

-- The event log: append-only and hash-chained (see ARCHITECTURE.md).
CREATE TABLE event (
    seq       INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
