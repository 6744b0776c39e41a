-- +goose NO TRANSACTION
-- +goose Up

-- Reconciliation finds its candidates by when a message was due to be sent
-- (send_at), not when it was created: a reminder written days ahead is
-- sent, and can lose its delivery report, long after created_at leaves any
-- look-back window. This index serves that range for the rows that still
-- hold a body (the same rows messages_retention covers by created_at).
--
-- It costs no HOT update. PostgreSQL updates a row in place (HOT) when no
-- column that any index uses changes, keys and partial-index predicates
-- alike. send_at is already messages_due's key and content_enc already
-- messages_retention's predicate, so the set of columns that block HOT is
-- the same as before: the status changes of the send path (sending, sent,
-- delivered) stay HOT, and an update that moves send_at (a retry, a
-- reschedule) wrote every index before this one too. What it does cost:
-- one more index entry per inserted message.
--
-- Built CONCURRENTLY (no lock on writers while it builds, hence outside a
-- transaction); a build that failed half way leaves an invalid index,
-- dropped first when the migration runs again.
DROP INDEX CONCURRENTLY IF EXISTS messages_reconcile_window;
CREATE INDEX CONCURRENTLY messages_reconcile_window ON messages (send_at) WHERE content_enc IS NOT NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS messages_reconcile_window;
