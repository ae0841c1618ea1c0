-- Engagement file, schema 7: what closes an audit besides the workpapers:
-- the written representation (経営者確認書, CC2022 §2.2.8) and the
-- subsequent events (後発事象, CC2022 §2.2.6). Each is kept as the JSON of
-- its model, as the events record it, so that replay compares it whole.

CREATE TABLE representation (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    content TEXT NOT NULL
);

CREATE TABLE subsequent_event (
    id      TEXT PRIMARY KEY,
    ord     INTEGER NOT NULL UNIQUE,
    content TEXT NOT NULL
) WITHOUT ROWID;

-- A control inherited from a registered service names it (JSON), CC2022 §2.2.4.
ALTER TABLE scope ADD COLUMN inherited_from TEXT;

CREATE TABLE subsequent_review (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    content TEXT NOT NULL
);
