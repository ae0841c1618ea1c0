-- Engagement file, schema 6: the state is what the event log gives when
-- replayed (ARCHITECTURE.md, "The log is the truth").

-- An engagement's creation time is its first event's time. Files made
-- before read the clock once more for it, a moment earlier.
UPDATE engagement SET created_at = (SELECT at FROM event WHERE seq = 1)
 WHERE EXISTS (SELECT 1 FROM event WHERE seq = 1);
