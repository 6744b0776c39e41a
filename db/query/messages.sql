-- name: InsertMessage :exec
INSERT INTO messages (
    id, participant_id, channel, status, variant, template_id, template_version,
    language, content_enc, priority, send_at, consent_version, redactions, created_by
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14);

-- name: InsertMessageEvent :exec
INSERT INTO message_events (message_id, status, at, code) VALUES ($1, $2, $3, $4);

-- name: InsertOutbox :exec
INSERT INTO outbox (message_id, subject, priority) VALUES ($1, $2, $3);

-- name: ClaimOutbox :many
-- Safety lane first, then oldest first. SKIP LOCKED lets several relays
-- share the table without waiting on each other.
SELECT * FROM outbox
ORDER BY priority DESC, id
LIMIT sqlc.arg(max_rows)
FOR UPDATE SKIP LOCKED;

-- name: DeleteOutbox :exec
DELETE FROM outbox WHERE id = ANY(sqlc.arg(ids)::bigint[]);

-- name: MessageByID :one
SELECT * FROM messages WHERE id = $1;

-- name: MessageByIDForUpdate :one
SELECT * FROM messages WHERE id = $1 FOR UPDATE;

-- name: MessageByProviderIDForUpdate :one
SELECT * FROM messages WHERE provider_id = $1 FOR UPDATE;

-- name: MessageEvents :many
SELECT * FROM message_events WHERE message_id = $1 ORDER BY id;

-- name: ListParticipantMessages :many
SELECT * FROM messages
WHERE participant_id = sqlc.arg(participant_id)
  AND (sqlc.narg(before_created)::timestamptz IS NULL OR (created_at, id) < (sqlc.narg(before_created)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(max_rows);

-- name: SetMessageStatus :exec
UPDATE messages SET
    status = $2, updated_at = $3, error_code = $4,
    final_at = CASE WHEN sqlc.arg(final)::boolean THEN $3 ELSE final_at END
WHERE id = $1;

-- name: MarkSending :exec
UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = $2 WHERE id = $1;

-- name: SetProviderAccepted :exec
UPDATE messages SET
    status = $2, provider_id = $3, provider_status = $4, updated_at = $5,
    final_at = CASE WHEN sqlc.arg(final)::boolean THEN $5 ELSE final_at END
WHERE id = $1;

-- name: SetProviderStatus :exec
UPDATE messages SET
    status = $2, provider_status = $3, error_code = $4, updated_at = $5,
    provider_id = coalesce(provider_id, sqlc.arg(provider_id)),
    final_at = CASE WHEN sqlc.arg(final)::boolean THEN $5 ELSE final_at END
WHERE id = $1;

-- name: Reschedule :exec
UPDATE messages SET status = 'scheduled', send_at = $2, updated_at = $3 WHERE id = $1;

-- name: GetIdempotency :one
SELECT * FROM idempotency_keys WHERE user_id = $1 AND key = $2;

-- name: PutIdempotency :execrows
INSERT INTO idempotency_keys (user_id, key, request_hash, status, response)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING;
