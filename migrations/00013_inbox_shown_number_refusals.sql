-- +goose Up

-- A reply counts as read by a person only once its text was shown to one
-- (GET /v1/inbox sets shown_at). Marking it read (read_at) without reading
-- it no longer makes it erasable: erase-content keeps every text of hers
-- nobody has been shown. Rows shown before this column existed are found
-- in the audit log (inbox.read events name the inbound ids they showed).
ALTER TABLE inbound_messages ADD COLUMN shown_at timestamptz;
UPDATE inbound_messages i SET shown_at = s.at
FROM (
    SELECT x.id::bigint AS id, min(a.occurred_at) AS at
    FROM audit_events a, jsonb_array_elements_text(a.details->'inbound_ids') AS x(id)
    WHERE a.action = 'inbox.read' AND jsonb_typeof(a.details->'inbound_ids') = 'array'
    GROUP BY x.id
) s
WHERE i.id = s.id;

-- The inbox shows check-in answers too (the check-in logic reads only the
-- word it looks for; a person reads the rest), so its index covers them.
CREATE INDEX inbound_messages_inbox_all ON inbound_messages (participant_id, received_at DESC)
    WHERE kind IN ('reply', 'call_me', 'checkin_reply');
DROP INDEX inbound_messages_inbox;

-- A refusal because another participant has the number (number_unavailable)
-- tells the caller the number is registered; they are counted per staff
-- user per day, like phone reveals, and a burst alerts the supervisors.
CREATE INDEX audit_events_number_refusals ON audit_events (actor_id, occurred_at)
    WHERE action IN ('participant.number_refused', 'participant.number_check_refused');

-- +goose Down
DROP INDEX audit_events_number_refusals;
CREATE INDEX inbound_messages_inbox ON inbound_messages (participant_id, received_at DESC) WHERE kind IN ('reply', 'call_me');
DROP INDEX inbound_messages_inbox_all;
ALTER TABLE inbound_messages DROP COLUMN shown_at;
