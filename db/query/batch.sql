-- Set-based statements for the hot paths (workers, status callbacks,
-- accept): one round trip for many rows.

-- name: MessagesByIDsForUpdate :many
SELECT * FROM messages WHERE id = ANY(sqlc.arg(ids)::uuid[]) ORDER BY id FOR UPDATE;

-- name: ParticipantsByIDs :many
SELECT * FROM participants WHERE id = ANY(sqlc.arg(ids)::bigint[]);

-- name: ConsentHistoryMany :many
SELECT * FROM consent_events WHERE participant_id = ANY(sqlc.arg(ids)::bigint[]) ORDER BY participant_id, at, id;

-- name: MarkSendingMany :exec
UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = sqlc.arg(now)
WHERE id = ANY(sqlc.arg(ids)::uuid[]);

-- name: InsertMessageEventsMany :exec
INSERT INTO message_events (message_id, status, at, code)
SELECT unnest(sqlc.arg(ids)::uuid[]), unnest(sqlc.arg(statuses)::text[]), sqlc.arg(at),
       nullif(unnest(sqlc.arg(codes)::text[]), '');

-- name: SetStatusMany :exec
-- Applies per-message status (and provider id/status when given).
UPDATE messages m SET
    status = u.status,
    provider_id = coalesce(m.provider_id, nullif(u.provider_id, '')),
    provider_status = coalesce(nullif(u.provider_status, ''), m.provider_status),
    error_code = coalesce(nullif(u.error_code, ''), m.error_code),
    updated_at = sqlc.arg(now),
    final_at = CASE WHEN u.final THEN sqlc.arg(now) ELSE m.final_at END
FROM (
    SELECT unnest(sqlc.arg(ids)::uuid[]) AS id,
           unnest(sqlc.arg(statuses)::text[]) AS status,
           unnest(sqlc.arg(provider_ids)::text[]) AS provider_id,
           unnest(sqlc.arg(provider_statuses)::text[]) AS provider_status,
           unnest(sqlc.arg(error_codes)::text[]) AS error_code,
           unnest(sqlc.arg(finals)::boolean[]) AS final
) u
WHERE m.id = u.id;

-- name: MessagesWithCodeByIDsForUpdate :many
SELECT m.id, m.status, m.provider_id, m.participant_id, p.code
FROM messages m JOIN participants p ON p.id = m.participant_id
WHERE m.id = ANY(sqlc.arg(ids)::uuid[])
ORDER BY m.id
FOR UPDATE OF m;

-- name: AppendAuditMany :exec
-- System events of one actor, many participants (workers, callbacks).
INSERT INTO audit_events (actor_name, actor_role, action, participant_code, request_id, details)
SELECT sqlc.arg(actor_name), sqlc.arg(actor_role), unnest(sqlc.arg(actions)::text[]),
       unnest(sqlc.arg(participant_codes)::text[]), '', unnest(sqlc.arg(details)::text[])::jsonb;

-- name: AcceptMessage :one
-- The whole accept write in one statement (so one round trip, atomic
-- without an explicit transaction): the message, its first event, its
-- outbox row when it is due now, and its audit event.
WITH msg AS (
    INSERT INTO messages (
        id, participant_id, channel, status, variant, template_id, template_version,
        language, content_enc, priority, send_at, consent_version, redactions, created_by
    ) VALUES (
        sqlc.arg(id), sqlc.arg(participant_id), sqlc.arg(channel), sqlc.arg(status), sqlc.arg(variant),
        sqlc.narg(template_id), sqlc.narg(template_version), sqlc.arg(language), sqlc.arg(content_enc),
        sqlc.arg(priority), sqlc.arg(send_at), sqlc.arg(consent_version), sqlc.narg(redactions), sqlc.narg(created_by)
    ) RETURNING id
), ev AS (
    INSERT INTO message_events (message_id, status, at) SELECT id, sqlc.arg(status), sqlc.arg(now) FROM msg
), ob AS (
    INSERT INTO outbox (message_id, subject, priority)
    SELECT id, sqlc.arg(subject), sqlc.arg(priority) FROM msg WHERE sqlc.arg(enqueue)::boolean
), au AS (
    INSERT INTO audit_events (actor_id, actor_name, actor_role, action, participant_code, request_id, actor_ip, details)
    VALUES (sqlc.narg(actor_id), sqlc.arg(actor_name), sqlc.arg(actor_role), 'message.accepted', sqlc.arg(participant_code),
            sqlc.arg(request_id), sqlc.narg(actor_ip), sqlc.arg(details))
)
SELECT id FROM msg;
