-- name: AppendAudit :one
-- Rows are inserted unsealed (seq NULL); the sequencer seals them.
INSERT INTO audit_events (
    actor_id, actor_name, actor_role, action, participant_code, request_id, actor_ip, details, sealed_content
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: AppendAuditManySealed :exec
-- System events of one actor, many participants, each with its sealed
-- content (message.sent from the batched worker). An empty sealed value
-- stores NULL.
INSERT INTO audit_events (actor_name, actor_role, action, participant_code, request_id, details, sealed_content)
SELECT sqlc.arg(actor_name), sqlc.arg(actor_role), unnest(sqlc.arg(actions)::text::text[]),
       unnest(sqlc.arg(participant_codes)::text::text[]), '', unnest(sqlc.arg(details)::text::text[])::jsonb,
       nullif(unnest(sqlc.arg(sealed_contents)::text::bytea[]), ''::bytea);

-- name: AuditForParticipant :many
SELECT * FROM audit_events WHERE participant_code = $1 ORDER BY id;

-- The chain. Every read that feeds a hash takes the columns in the
-- canonical form of gateway/audit/chain.go: inet and jsonb as the text
-- Postgres prints for them, '' for NULL (neither text can be empty).
-- Sealing and verifying (the hot statements) run through pgx directly:
-- see gateway/audit/chain.go.

-- name: AuditChainHead :one
SELECT seq, hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;

-- name: UnsealedStats :one
SELECT count(*)::bigint AS n, coalesce(min(occurred_at), 'epoch'::timestamptz)::timestamptz AS oldest
FROM audit_events WHERE seq IS NULL;

-- name: InsertCheckpoint :one
INSERT INTO audit_checkpoints (seq, hash, at, created_by) VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: ListCheckpoints :many
SELECT * FROM audit_checkpoints ORDER BY id;

-- name: LatestCheckpoint :one
SELECT * FROM audit_checkpoints ORDER BY seq DESC, id DESC LIMIT 1;

-- Supervisor reads.

-- name: ListAudit :many
-- Newest first, keyset by id, optional filters.
SELECT id, occurred_at, actor_id, actor_name, actor_role, action, participant_code, request_id,
       coalesce(actor_ip::text, '')::text AS actor_ip, coalesce(details::text, '')::text AS details, (sealed_content IS NOT NULL)::boolean AS has_sealed_content, seq
FROM audit_events
WHERE (sqlc.narg(participant)::text IS NULL OR participant_code = sqlc.narg(participant))
  AND (sqlc.narg(actor)::text IS NULL OR actor_name = sqlc.narg(actor))
  AND (sqlc.narg(action)::text IS NULL OR action = sqlc.narg(action))
  AND (sqlc.narg(from_time)::timestamptz IS NULL OR occurred_at >= sqlc.narg(from_time))
  AND (sqlc.narg(to_time)::timestamptz IS NULL OR occurred_at < sqlc.narg(to_time))
  AND (sqlc.narg(before_id)::bigint IS NULL OR id < sqlc.narg(before_id))
ORDER BY id DESC
LIMIT sqlc.arg(max_rows);

-- name: ExportSealedPage :many
-- Export, first part: sealed rows in chain order (keyset by seq).
SELECT seq, id, occurred_at, actor_id, actor_name, actor_role, action, participant_code, request_id,
       coalesce(actor_ip::text, '')::text AS actor_ip, coalesce(details::text, '')::text AS details, sealed_content, prev_hash, hash, sealed_at
FROM audit_events
WHERE seq > sqlc.arg(after_seq)
  AND (sqlc.narg(participant)::text IS NULL OR participant_code = sqlc.narg(participant))
  AND (sqlc.narg(actor)::text IS NULL OR actor_name = sqlc.narg(actor))
  AND (sqlc.narg(action)::text IS NULL OR action = sqlc.narg(action))
  AND (sqlc.narg(from_time)::timestamptz IS NULL OR occurred_at >= sqlc.narg(from_time))
  AND (sqlc.narg(to_time)::timestamptz IS NULL OR occurred_at < sqlc.narg(to_time))
ORDER BY seq
LIMIT sqlc.arg(max_rows);

-- name: ExportUnsealedPage :many
-- Export, second part: rows not sealed yet (keyset by id).
SELECT seq, id, occurred_at, actor_id, actor_name, actor_role, action, participant_code, request_id,
       coalesce(actor_ip::text, '')::text AS actor_ip, coalesce(details::text, '')::text AS details, sealed_content, prev_hash, hash, sealed_at
FROM audit_events
WHERE seq IS NULL AND id > sqlc.arg(after_id)
  AND (sqlc.narg(participant)::text IS NULL OR participant_code = sqlc.narg(participant))
  AND (sqlc.narg(actor)::text IS NULL OR actor_name = sqlc.narg(actor))
  AND (sqlc.narg(action)::text IS NULL OR action = sqlc.narg(action))
  AND (sqlc.narg(from_time)::timestamptz IS NULL OR occurred_at >= sqlc.narg(from_time))
  AND (sqlc.narg(to_time)::timestamptz IS NULL OR occurred_at < sqlc.narg(to_time))
ORDER BY id
LIMIT sqlc.arg(max_rows);

-- name: ParticipantTimeline :many
-- Her audit events in order, keyset by id (index audit_events_participant).
SELECT id, occurred_at, actor_name, actor_role, action, coalesce(details::text, '')::text AS details, seq
FROM audit_events
WHERE participant_code = sqlc.arg(participant) AND id > sqlc.arg(after_id)
ORDER BY id
LIMIT sqlc.arg(max_rows);

-- name: MessagesForTimeline :many
SELECT id, channel, status, variant, template_id, template_version, template_digest, template_source,
       consent_version, language, send_at, error_code, created_at
FROM messages WHERE id = ANY(sqlc.arg(ids)::uuid[]);

-- Retention.

-- name: PurgeFinalBodies :execrows
-- Bodies of final messages older than the cutoff. created_at < cutoff is
-- implied by final_at < cutoff and lets the index messages_retention
-- (created_at, rows with a body) find them.
UPDATE messages m SET content_enc = NULL, promised_call_at = NULL, rendered_tz = NULL
WHERE m.id IN (
    SELECT x.id FROM messages x
    WHERE x.content_enc IS NOT NULL AND x.created_at < sqlc.arg(cutoff) AND x.final_at < sqlc.arg(cutoff)
    ORDER BY x.created_at
    LIMIT sqlc.arg(max_rows)
    FOR UPDATE SKIP LOCKED
);

-- name: PurgeSentBodies :execrows
-- Bodies of messages the provider took but that never got a final status
-- (index messages_retention, as above). Nothing will send them again.
UPDATE messages m SET content_enc = NULL, promised_call_at = NULL, rendered_tz = NULL
WHERE m.id IN (
    SELECT x.id FROM messages x
    WHERE x.content_enc IS NOT NULL AND x.created_at < sqlc.arg(cutoff) AND x.status = 'sent' AND x.updated_at < sqlc.arg(cutoff)
    ORDER BY x.created_at
    LIMIT sqlc.arg(max_rows)
    FOR UPDATE SKIP LOCKED
);
