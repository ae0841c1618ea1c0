-- Engagement file, schema 3: evidence content and records, links, the PBC list.

-- Evidence content, addressed by its SHA-256 and stored once however often
-- it is taken in. The hash is known only when the whole file has been read,
-- so a blob is written first and given its hash at the end of the intake,
-- inside the intake's transaction: no committed row lacks its hash.
CREATE TABLE blob (
    id     INTEGER PRIMARY KEY,
    sha256 TEXT UNIQUE,
    size   INTEGER NOT NULL
);

-- The content in chunks of at most 1 MiB, so that neither writing nor
-- reading a multi-gigabyte file needs it in memory.
CREATE TABLE blob_chunk (
    blob_id INTEGER NOT NULL REFERENCES blob (id),
    seq     INTEGER NOT NULL,
    data    BLOB NOT NULL,
    PRIMARY KEY (blob_id, seq)
);

CREATE TABLE evidence (
    id             TEXT PRIMARY KEY,
    ord            INTEGER NOT NULL UNIQUE,
    sha256         TEXT NOT NULL REFERENCES blob (sha256),
    size           INTEGER NOT NULL,
    media_type     TEXT NOT NULL,
    original_name  TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    obtained_from  TEXT NOT NULL,
    obtained_by    TEXT NOT NULL,
    obtained_at    TEXT,
    as_of          TEXT NOT NULL,
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL,
    removed_reason TEXT,
    removed_at     TEXT,
    removed_by     TEXT
) WITHOUT ROWID;

-- Many-to-many: an item supports procedures, exceptions and PBC requests.
CREATE TABLE evidence_link (
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    PRIMARY KEY (evidence_id, target_kind, target_id)
) WITHOUT ROWID;
CREATE INDEX evidence_link_by_target ON evidence_link (target_kind, target_id);

-- What the assessor asked the provider for.
CREATE TABLE pbc_request (
    id           TEXT PRIMARY KEY,
    ord          INTEGER NOT NULL UNIQUE,
    item         TEXT NOT NULL,
    requested_on TEXT NOT NULL,
    due          TEXT,
    from_whom    TEXT NOT NULL,
    status       TEXT NOT NULL,
    notes        TEXT NOT NULL
) WITHOUT ROWID;
