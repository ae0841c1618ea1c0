-- Catalog library, schema 2: procedure libraries, stored whole like catalogs.

CREATE TABLE procedure_library (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    title          TEXT NOT NULL,
    source_file    TEXT NOT NULL,
    imported_at    TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    content        TEXT NOT NULL,
    entry_count    INTEGER NOT NULL,
    UNIQUE (name, version)
);
