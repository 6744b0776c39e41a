-- The voice call-back queue and staff phones.

-- name: InsertCallbackTask :one
-- ON CONFLICT covers both unique keys (message_id, source_key): a second
-- insert for the same message or source returns no row.
INSERT INTO callback_tasks (
    participant_id, message_id, source_key, reason, priority, language,
    earliest_at, max_attempts, created_by, created_at, updated_at
) VALUES (
    sqlc.arg(participant_id), sqlc.narg(message_id), sqlc.narg(source_key), sqlc.arg(reason),
    sqlc.arg(priority), sqlc.arg(language), sqlc.arg(earliest_at), sqlc.arg(max_attempts),
    sqlc.narg(created_by), sqlc.arg(now), sqlc.arg(now)
)
ON CONFLICT DO NOTHING
RETURNING *;

-- name: CallbackTaskByMessage :one
SELECT * FROM callback_tasks WHERE message_id = $1;

-- name: CallbackTaskBySourceKey :one
SELECT * FROM callback_tasks WHERE source_key = $1;

-- name: CallbackTaskForUpdate :one
SELECT * FROM callback_tasks WHERE id = $1 FOR UPDATE;

-- name: ListOpenCallbacks :many
-- Open and claimed tasks, urgent first, oldest first (index callback_tasks_queue).
SELECT t.id, t.reason, t.priority, t.language, t.earliest_at, t.status, t.attempts, t.max_attempts,
       t.call_state, t.last_result, t.created_at, t.message_id,
       p.code AS participant_code, p.initials AS participant_initials, p.caseworker_id AS participant_caseworker_id,
       u.name AS claimed_by_name
FROM callback_tasks t
JOIN participants p ON p.id = t.participant_id
LEFT JOIN users u ON u.id = t.claimed_by
WHERE t.status <> 'done'
ORDER BY (t.priority = 'urgent') DESC, t.created_at, t.id
LIMIT sqlc.arg(max_rows);

-- name: SaveCallbackTask :exec
-- Writes every mutable column (the caller holds the row lock).
UPDATE callback_tasks SET
    status = sqlc.arg(status), claimed_by = sqlc.narg(claimed_by), claimed_at = sqlc.narg(claimed_at),
    earliest_at = sqlc.arg(earliest_at), attempts = sqlc.arg(attempts),
    call_sid = sqlc.narg(call_sid), callee_sid = sqlc.narg(callee_sid), call_state = sqlc.arg(call_state),
    call_started_at = sqlc.narg(call_started_at), last_result = sqlc.narg(last_result),
    outcome = sqlc.narg(outcome), closed_at = sqlc.narg(closed_at), updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id);

-- name: SetUserPhone :exec
UPDATE users SET phone_enc = sqlc.narg(phone_enc) WHERE id = sqlc.arg(id);
