-- +goose Up

-- A message's status only moves forward. The order lives here, in one
-- place every writer meets: the queries that change a status carry
-- message_status_may_move in their WHERE (so a late or stale writer
-- changes nothing and learns it from the row count), and a trigger refuses
-- any other update that would move one backwards (a writer that forgot the
-- condition fails loudly instead of rewriting history).
--
-- Ranks (gateway/status.go mirrors them; a test compares the two):
--   1 scheduled, queued       waiting, never handed to the provider
--   2 sending                 handed to the provider, answer not recorded
--   3 unknown                 the provider may have it; reconciliation asks
--   4 sent                    the provider took it
--   5 undelivered, failed, canceled, dropped_consent_revoked,
--     dropped_now_monitored, sent_to_sink   final without a delivery
--   6 delivered
--   7 read
-- A higher rank always wins; the same status may be written again (a
-- provider id added to a sent message). The one way back: a message the
-- provider certainly does not have (no provider id) may return to
-- scheduled or queued from sending or unknown, for a retry or a reschedule
-- (the worker knows the provider refused it).
-- +goose StatementBegin
CREATE FUNCTION message_status_rank(s text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE s
        WHEN 'scheduled' THEN 1 WHEN 'queued' THEN 1
        WHEN 'sending' THEN 2
        WHEN 'unknown' THEN 3
        WHEN 'sent' THEN 4
        WHEN 'undelivered' THEN 5 WHEN 'failed' THEN 5 WHEN 'canceled' THEN 5
        WHEN 'dropped_consent_revoked' THEN 5 WHEN 'dropped_now_monitored' THEN 5 WHEN 'sent_to_sink' THEN 5
        WHEN 'delivered' THEN 6
        WHEN 'read' THEN 7
        ELSE 0 END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION message_status_may_move(cur text, next text, has_provider_id boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT next = cur
        OR message_status_rank(next) > message_status_rank(cur)
        OR (next IN ('scheduled', 'queued') AND cur IN ('scheduled', 'queued', 'sending', 'unknown') AND NOT has_provider_id)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION message_status_refuse_backwards() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'message status may not move from % to %', OLD.status, NEW.status
        USING ERRCODE = 'check_violation', CONSTRAINT = 'message_status_forward';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER message_status_forward BEFORE UPDATE OF status ON messages
    FOR EACH ROW WHEN (NOT message_status_may_move(OLD.status, NEW.status, OLD.provider_id IS NOT NULL))
    EXECUTE FUNCTION message_status_refuse_backwards();

-- Reconciliation's own bookkeeping, so a pass never starves on rows it
-- cannot change: how often the provider was asked about a message, and
-- when to ask again (backoff). A row is asked about only once
-- reconcile_next_at has passed, oldest first; a sent row stops being asked
-- after a few answers of "sent" (many routes never report delivery).
-- Neither column is a status, so the forward trigger does not look at them.
ALTER TABLE messages ADD COLUMN reconcile_checks integer NOT NULL DEFAULT 0,
    ADD COLUMN reconcile_next_at timestamptz;

-- +goose Down
ALTER TABLE messages DROP COLUMN reconcile_next_at, DROP COLUMN reconcile_checks;
DROP TRIGGER message_status_forward ON messages;
DROP FUNCTION message_status_refuse_backwards();
DROP FUNCTION message_status_may_move(text, text, boolean);
DROP FUNCTION message_status_rank(text);
