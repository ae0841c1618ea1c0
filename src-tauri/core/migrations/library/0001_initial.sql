-- Catalog library, schema 1. Never edit a released migration: add a new one.

CREATE TABLE catalog (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    title          TEXT NOT NULL,
    id_scheme      TEXT NOT NULL,
    sample         INTEGER NOT NULL,
    source_file    TEXT NOT NULL,
    imported_at    TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    -- The whole catalog as JSON: a catalog is read and written whole, and
    -- one value keeps import all-or-nothing without a row per item.
    content        TEXT NOT NULL,
    item_count     INTEGER NOT NULL,
    control_count  INTEGER NOT NULL,
    UNIQUE (name, version)
);
