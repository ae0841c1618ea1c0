-- Engagement file, schema 8: controls that changed during the period
-- (CC2022 §2.2.4, FAQ KB0010866), each change kept as the JSON of its model
-- as its event records it, so that replay compares it whole.

CREATE TABLE control_change (
    id          TEXT PRIMARY KEY,
    control_id  TEXT NOT NULL REFERENCES control (item_id),
    content     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX control_change_by_control ON control_change (control_id);

-- The main assessment target of a procedure (CC2022 Attached table 8):
-- regulations, design documents, records, settings or facilities. Empty
-- for procedures planned before it was known.
ALTER TABLE procedure ADD COLUMN target TEXT;

-- What the suffixes P, B and PB mean, when the catalog's file gives it
-- (JSON); NULL when it does not, and the shipped legend is shown.
ALTER TABLE catalog_info ADD COLUMN suffix_legend TEXT;
