-- +goose Up

-- Fewer index entries per message on the send path (each message writes
-- about four message_events rows and three audit_events rows).

-- message_events: every read is "the events of one message, in order", so
-- (message_id, id) is the key; the separate index on id alone was written
-- for every event and never read.
ALTER TABLE message_events DROP CONSTRAINT message_events_pkey;
DROP INDEX message_events_message;
ALTER TABLE message_events ADD PRIMARY KEY (message_id, id);

-- audit_events.occurred_at only filters time ranges, and rows arrive in
-- time order: a BRIN index (one small entry per block range, not per row)
-- serves those filters. The B-tree took an entry for every event and
-- another when the sequencer sealed it.
DROP INDEX audit_events_occurred;
CREATE INDEX audit_events_occurred ON audit_events USING brin (occurred_at);

-- +goose Down
DROP INDEX audit_events_occurred;
CREATE INDEX audit_events_occurred ON audit_events (occurred_at);
ALTER TABLE message_events DROP CONSTRAINT message_events_pkey;
ALTER TABLE message_events ADD PRIMARY KEY (id);
CREATE INDEX message_events_message ON message_events (message_id, id);
