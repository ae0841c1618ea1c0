-- Engagement file, schema 2: scope decisions, procedures, exceptions.

-- A control without a row here is in scope.
CREATE TABLE scope (
    control_id TEXT PRIMARY KEY REFERENCES control (item_id),
    decision   TEXT NOT NULL,
    reason     TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE procedure (
    id          TEXT PRIMARY KEY,
    control_id  TEXT NOT NULL REFERENCES control (item_id),
    ord         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    evaluation  TEXT NOT NULL,
    text_ja     TEXT NOT NULL,
    text_en     TEXT NOT NULL,
    assignee    TEXT,
    work_done   TEXT NOT NULL DEFAULT '',
    result      TEXT,
    notes       TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX procedure_by_control ON procedure (control_id, ord);

-- Exceptions (例外事項), each a fact of its own, numbered per engagement.
CREATE TABLE exception (
    id           TEXT PRIMARY KEY,
    procedure_id TEXT NOT NULL REFERENCES procedure (id),
    ord          INTEGER NOT NULL,
    text         TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX exception_by_procedure ON exception (procedure_id, ord);

-- The procedure library the engagement was planned with (name@version), if any.
ALTER TABLE engagement ADD COLUMN procedure_library TEXT;
