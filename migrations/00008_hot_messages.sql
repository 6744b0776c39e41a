-- +goose Up

-- Room in each page for the new versions of its rows; set first so the
-- rewrite below (ADD COLUMN … STORED rewrites the table under an
-- exclusive lock: plan a pause on a large table) leaves that room.
ALTER TABLE messages SET (fillfactor = 80);

-- Status changes become HOT updates (no index is written again).
--
-- A message row is updated three times on its way (sending, sent,
-- delivered). PostgreSQL can update a row in place in its page, without
-- a new entry in every index, only if no indexed column changes, and the
-- columns in a partial index's WHERE count as indexed. Before this
-- migration status was in the WHERE of messages_due and
-- messages_retention_sent, and final_at and updated_at were index keys, so
-- every update wrote every index again (docs/benchmarks.md: 0 HOT updates
-- in a load run).
--
-- messages_due: the scheduler's work list now reads a generated column,
-- due = (status = 'scheduled'), which stays false on the whole send path.
-- Binaries older than this migration still ask for status = 'scheduled'
-- and no longer find an index for it: deploy the new binary with it.
ALTER TABLE messages ADD COLUMN due boolean GENERATED ALWAYS AS (status = 'scheduled') STORED;
DROP INDEX messages_due;
CREATE INDEX messages_due ON messages (send_at) WHERE due;

-- Retention: one index on created_at (never changes) for the rows that
-- still hold a body. The purge queries keep their conditions (final_at or
-- updated_at before the cutoff) and add created_at < cutoff, which those
-- imply; a body is purged exactly when it was before.
DROP INDEX messages_retention;
DROP INDEX messages_retention_sent;
CREATE INDEX messages_retention ON messages (created_at) WHERE content_enc IS NOT NULL;

-- +goose Down
ALTER TABLE messages RESET (fillfactor);
DROP INDEX messages_retention;
CREATE INDEX messages_retention ON messages (final_at) WHERE content_enc IS NOT NULL AND final_at IS NOT NULL;
CREATE INDEX messages_retention_sent ON messages (updated_at) WHERE content_enc IS NOT NULL AND status = 'sent';
DROP INDEX messages_due;
ALTER TABLE messages DROP COLUMN due;
CREATE INDEX messages_due ON messages (send_at) WHERE status = 'scheduled';
