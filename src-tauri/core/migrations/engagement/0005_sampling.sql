-- Engagement file, schema 5: populations, samples, test grids, tickmarks.

-- A procedure's population. `record` is the population without its items
-- (JSON of model::sampling::Population with an empty item list).
CREATE TABLE population (
    procedure_id TEXT PRIMARY KEY REFERENCES procedure (id),
    record       TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE population_item (
    procedure_id  TEXT NOT NULL REFERENCES population (procedure_id),
    row           INTEGER NOT NULL,
    item_id       TEXT NOT NULL,
    date          TEXT,
    description   TEXT NOT NULL,
    extra         TEXT NOT NULL,
    out_of_period INTEGER NOT NULL,
    PRIMARY KEY (procedure_id, row),
    UNIQUE (procedure_id, item_id)
) WITHOUT ROWID;

-- A procedure's sample: `record` is model::sampling::Sample without items.
CREATE TABLE sample (
    procedure_id TEXT PRIMARY KEY REFERENCES procedure (id),
    record       TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sample_item (
    id           TEXT PRIMARY KEY,
    procedure_id TEXT NOT NULL REFERENCES sample (procedure_id),
    no           INTEGER NOT NULL,
    row          INTEGER NOT NULL,
    item_id      TEXT NOT NULL,
    origin       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    UNIQUE (procedure_id, no),
    UNIQUE (procedure_id, row)
) WITHOUT ROWID;

CREATE TABLE test_attribute (
    procedure_id TEXT NOT NULL REFERENCES procedure (id),
    key          TEXT NOT NULL,
    ord          INTEGER NOT NULL,
    text         TEXT NOT NULL,
    PRIMARY KEY (procedure_id, key)
) WITHOUT ROWID;

CREATE TABLE test_cell (
    procedure_id TEXT NOT NULL,
    no           INTEGER NOT NULL,
    attribute    TEXT NOT NULL,
    result       TEXT NOT NULL,
    tickmark     TEXT,
    comment      TEXT NOT NULL,
    exception_id TEXT,
    PRIMARY KEY (procedure_id, no, attribute),
    FOREIGN KEY (procedure_id, attribute) REFERENCES test_attribute (procedure_id, key)
) WITHOUT ROWID;

-- The engagement's tickmark legend.
CREATE TABLE tickmark (
    mark       TEXT PRIMARY KEY,
    ord        INTEGER NOT NULL,
    meaning_ja TEXT NOT NULL,
    meaning_en TEXT NOT NULL
) WITHOUT ROWID;

-- An exception that a failed grid cell became points at its sample item
-- (`PROCEDURE/Sn`) and attribute.
ALTER TABLE exception ADD COLUMN sample_item TEXT;
ALTER TABLE exception ADD COLUMN attribute TEXT;
