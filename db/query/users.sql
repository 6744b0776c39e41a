-- name: CreateUser :one
INSERT INTO users (name, role, token_hash)
VALUES ($1, $2, $3)
RETURNING *;

-- name: UserByTokenHash :one
SELECT * FROM users WHERE token_hash = $1;

-- name: UserByName :one
SELECT * FROM users WHERE name = $1;

-- name: UserByID :one
SELECT * FROM users WHERE id = $1;

-- name: ListUsers :many
SELECT * FROM users ORDER BY id;

-- name: DisableUser :one
UPDATE users SET disabled_at = now()
WHERE name = $1 AND disabled_at IS NULL
RETURNING *;

-- name: CreateUserExpiring :one
INSERT INTO users (name, role, token_hash, expires_at)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: LockUsers :exec
-- Serialises user creation and disabling (look-alike names, the last admin).
SELECT pg_advisory_xact_lock(7262001);

-- name: ActiveAdminsExcept :one
-- Active admins other than the named user: not disabled, not expired.
SELECT count(*) FROM users
WHERE role = 'admin' AND disabled_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AND name <> sqlc.arg(name);

-- name: RotateUserToken :one
UPDATE users SET token_hash = $2, expires_at = $3, token_rotated_at = now()
WHERE name = $1 AND disabled_at IS NULL
RETURNING *;

-- name: RevealCounts :one
-- Phone reveals (and refusals) by one user in the last day and the last
-- burst window (audit_events_reveals).
SELECT
    count(*) FILTER (WHERE action = 'phone.revealed')::int AS day,
    count(*) FILTER (WHERE action = 'phone.revealed' AND occurred_at >= now() - make_interval(secs => sqlc.arg(burst_secs)::float8))::int AS burst,
    count(*) FILTER (WHERE action = 'phone.reveal_refused')::int AS refused_day
FROM audit_events
WHERE actor_id = sqlc.arg(user_id) AND action IN ('phone.revealed', 'phone.reveal_refused')
  AND occurred_at >= now() - interval '24 hours';

-- name: LockRevealsOf :exec
-- One reveal at a time per user, so the budget holds under concurrency.
SELECT pg_advisory_xact_lock(7262002, sqlc.arg(user_id)::int);
