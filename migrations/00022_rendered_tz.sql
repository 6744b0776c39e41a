-- +goose Up

-- The time zone a message's text was written in (her time zone when a
-- template with a date-time parameter was rendered: a promised call's
-- time, an appointment's), so the send worker's re-check can drop a text
-- that would state the wrong hour after staff changed her time zone.
-- Null: the text states no time of hers. It is part of what the text
-- says, so it goes when the text goes (retention purge, erase-content).
-- Nullable without a default: adding it rewrites no row.
ALTER TABLE messages ADD COLUMN rendered_tz text;

-- dropped_call_refused: the re-check before sending dropped a message
-- whose promised call can no longer be kept as written (the time has
-- passed, fell outside her safe hours, is too far, or her time zone
-- changed): final without a delivery, like dropped_consent_revoked, but
-- it does not say her consent was withdrawn.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION message_status_rank(s text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE s
        WHEN 'scheduled' THEN 1 WHEN 'queued' THEN 1
        WHEN 'sending' THEN 2
        WHEN 'unknown' THEN 3
        WHEN 'sent' THEN 4
        WHEN 'undelivered' THEN 5 WHEN 'failed' THEN 5 WHEN 'canceled' THEN 5
        WHEN 'dropped_consent_revoked' THEN 5 WHEN 'dropped_now_monitored' THEN 5 WHEN 'sent_to_sink' THEN 5
        WHEN 'dropped_call_refused' THEN 5
        WHEN 'delivered' THEN 6
        WHEN 'read' THEN 7
        ELSE 0 END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION message_status_rank(s text) RETURNS integer
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
-- The old schema has no dropped_call_refused: its rows would rank 0 and
-- could move again. They become dropped_consent_revoked, final as they
-- were. After the function above: the forward trigger lets a row move
-- only to a higher rank, and only under the old function is
-- dropped_call_refused (0) below dropped_consent_revoked (5); under the
-- new one both rank 5 and the trigger refuses the move.
UPDATE messages SET status = 'dropped_consent_revoked' WHERE status = 'dropped_call_refused';
ALTER TABLE messages DROP COLUMN rendered_tz;
