-- Inbound messages and content erasure.

-- name: InsertInbound :one
-- A duplicate webhook (same MessageSid) inserts nothing and returns no row.
INSERT INTO inbound_messages (provider_sid, participant_id, from_index, channel, kind, body_enc, received_at)
VALUES (sqlc.arg(provider_sid), sqlc.narg(participant_id), sqlc.arg(from_index), sqlc.arg(channel),
        sqlc.arg(kind), sqlc.narg(body_enc), sqlc.arg(received_at))
ON CONFLICT (provider_sid) DO NOTHING
RETURNING id;

-- name: SetInboundKind :exec
UPDATE inbound_messages SET kind = sqlc.arg(kind) WHERE id = sqlc.arg(id);

-- name: Inbox :many
-- What the user's own participants (or, with unassigned, those without a
-- caseworker) wrote: replies, call-me and check-in answers (the check-in
-- logic read the word it looks for; a person reads the rest). Unread
-- first, newest first. A stop word is not here: it is the whole text.
SELECT i.id, i.channel, i.kind, i.body_enc, i.received_at, i.read_at, i.erased_at,
       p.code AS participant_code, p.initials AS participant_initials
FROM inbound_messages i
JOIN participants p ON p.id = i.participant_id
WHERE i.kind IN ('reply', 'call_me', 'checkin_reply')
  AND (p.caseworker_id = sqlc.arg(user_id)::bigint OR (sqlc.arg(unassigned)::boolean AND p.caseworker_id IS NULL))
ORDER BY (i.read_at IS NULL) DESC, i.received_at DESC, i.id DESC
LIMIT sqlc.arg(max_rows);

-- name: MarkInboundShown :exec
-- The inbox showed these texts to a person: from now on erase-content may
-- remove them.
UPDATE inbound_messages SET shown_at = sqlc.arg(now)::timestamptz
WHERE id = ANY(sqlc.arg(ids)::bigint[]) AND shown_at IS NULL;

-- name: InboundForUpdate :one
SELECT i.id, i.kind, i.read_at, p.code AS participant_code, p.caseworker_id
FROM inbound_messages i
JOIN participants p ON p.id = i.participant_id
WHERE i.id = $1
FOR UPDATE OF i;

-- name: MarkInboundRead :exec
UPDATE inbound_messages SET read_at = sqlc.arg(now)::timestamptz, read_by = sqlc.arg(user_id)::bigint
WHERE id = sqlc.arg(id) AND read_at IS NULL;

-- name: EraseMessageBodies :execrows
-- erase-content: our copies of her message texts; the rows (metadata) stay.
UPDATE messages SET content_enc = NULL, promised_call_at = NULL, rendered_tz = NULL, updated_at = sqlc.arg(now)
WHERE participant_id = sqlc.arg(participant_id) AND content_enc IS NOT NULL;

-- name: CancelPendingMessages :many
-- erase-content: messages not yet handed to a provider can no longer be
-- sent (their text is gone): canceled, final.
UPDATE messages SET status = 'canceled', error_code = 'content_erased', updated_at = sqlc.arg(now), final_at = sqlc.arg(now)
WHERE participant_id = sqlc.arg(participant_id) AND status IN ('scheduled', 'queued')
RETURNING id;

-- name: EraseInboundBodies :execrows
-- Her inbound texts, including ones that arrived from her number before
-- it was registered (unmatched, found by the blind index). A reply,
-- call-me or check-in answer no person has been shown yet (shown_at, set
-- by the inbox; marking it read is not reading it) is never erased: it may
-- be a plea for help. A stop word is the whole of its text, and texts from
-- her number before she was registered were never anyone's to read: they go.
UPDATE inbound_messages SET body_enc = NULL, erased_at = sqlc.arg(now)::timestamptz
WHERE body_enc IS NOT NULL
  AND ((participant_id = sqlc.arg(participant_id)::bigint AND (shown_at IS NOT NULL OR kind = 'stop'))
       OR (participant_id IS NULL AND from_index = ANY(sqlc.arg(from_indexes)::bytea[])));

-- name: CountUnreadReplies :one
-- Her texts of every kind a person reads (replies, call-me, check-in
-- answers) that no person has been shown yet: kept.
SELECT count(*)::int FROM inbound_messages
WHERE participant_id = $1 AND body_enc IS NOT NULL AND kind <> 'stop' AND shown_at IS NULL;

-- name: ProviderSidsToRedact :many
-- Provider message sids of her outbound and inbound messages whose copy at
-- the provider has not been redacted yet.
SELECT s.sid::text AS sid FROM (
    SELECT m.provider_id AS sid FROM messages m
    WHERE m.participant_id = sqlc.arg(participant_id) AND m.provider_id ~ '^(SM|MM)[0-9a-fA-F]{32}$'
    UNION
    SELECT i.provider_sid FROM inbound_messages i
    WHERE i.participant_id = sqlc.arg(participant_id)
       OR (i.participant_id IS NULL AND i.from_index = ANY(sqlc.arg(from_indexes)::bytea[]))
) s
WHERE NOT EXISTS (SELECT 1 FROM provider_redactions r WHERE r.provider_sid = s.sid AND r.redacted_at IS NOT NULL)
ORDER BY 1;

-- name: RecordProviderRedaction :exec
INSERT INTO provider_redactions (provider_sid, participant_id, requested_at, redacted_at, last_error)
VALUES (sqlc.arg(provider_sid), sqlc.arg(participant_id), sqlc.arg(now), sqlc.narg(redacted_at), sqlc.narg(last_error))
ON CONFLICT (provider_sid) DO UPDATE SET
    requested_at = excluded.requested_at,
    redacted_at = coalesce(provider_redactions.redacted_at, excluded.redacted_at),
    last_error = excluded.last_error;

-- name: InboundToOpen :one
-- One reply with its sealed text, for the person opening it (the
-- console's inbox), locked until it is marked shown and read.
SELECT i.id, i.channel, i.kind, i.body_enc, i.received_at, i.read_at, i.erased_at,
       p.code AS participant_code, p.initials AS participant_initials, p.caseworker_id
FROM inbound_messages i
JOIN participants p ON p.id = i.participant_id
WHERE i.id = $1
FOR UPDATE OF i;
