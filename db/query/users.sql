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
-- Phone reveals by one user in the last day and the last burst window,
-- refusals over the budget in the last day, and refusals for access (not
-- her caseworker) in the burst window (audit_events_reveals).
SELECT
    count(*) FILTER (WHERE action = 'phone.revealed')::int AS day,
    count(*) FILTER (WHERE action = 'phone.revealed' AND occurred_at >= now() - make_interval(secs => sqlc.arg(burst_secs)::float8))::int AS burst,
    count(*) FILTER (WHERE action = 'phone.reveal_refused' AND details->>'code' = 'reveal_budget_exhausted')::int AS refused_day,
    count(*) FILTER (WHERE action = 'phone.reveal_refused' AND details->>'code' = 'forbidden'
                     AND occurred_at >= now() - make_interval(secs => sqlc.arg(burst_secs)::float8))::int AS forbidden_burst
FROM audit_events
WHERE actor_id = sqlc.arg(user_id) AND action IN ('phone.revealed', 'phone.reveal_refused')
  AND occurred_at >= now() - interval '24 hours';

-- name: LockRevealsOf :exec
-- One reveal at a time per user, so the budget holds under concurrency.
SELECT pg_advisory_xact_lock(7262002, sqlc.arg(user_id)::int);

-- name: NumberRefusalCounts :one
-- Refusals of a number another participant has (number_unavailable), and
-- refusals because that budget was spent, by one user in the last day and
-- the last burst window (audit_events_number_refusals).
SELECT
    count(*) FILTER (WHERE action = 'participant.number_refused')::int AS day,
    count(*) FILTER (WHERE action = 'participant.number_refused'
                     AND occurred_at >= now() - make_interval(secs => sqlc.arg(burst_secs)::float8))::int AS burst,
    count(*) FILTER (WHERE action = 'participant.number_check_refused')::int AS over_budget
FROM audit_events
WHERE actor_id = sqlc.arg(user_id) AND action IN ('participant.number_refused', 'participant.number_check_refused')
  AND occurred_at >= now() - interval '24 hours';

-- name: LockNumberChecksOf :exec
-- One number check at a time per user, so the budget holds under concurrency.
SELECT pg_advisory_xact_lock(7262003, sqlc.arg(user_id)::int);

-- name: ActiveTokenHashes :many
-- The token hashes of every user not disabled (the authentication
-- throttle's index; expiry is checked on lookup).
SELECT token_hash FROM users WHERE disabled_at IS NULL;

-- name: SetUserRole :one
UPDATE users SET role = sqlc.arg(role)
WHERE name = sqlc.arg(name) AND disabled_at IS NULL
RETURNING *;

-- name: UserAccounts :many
-- Every user with her console account's state for the admin's list: a
-- password set, one she must change, a second step, and when she was
-- last seen (her live sessions; after they end, her last sign-in within
-- the window since, from the audit log's index audit_events_occurred;
-- the epoch when neither is known).
SELECT u.id, u.name, u.role, u.disabled_at, u.created_at,
       (a.password_hash IS NOT NULL)::boolean AS has_password,
       coalesce(a.must_change_password, false)::boolean AS must_change_password,
       (a.totp_enabled_at IS NOT NULL)::boolean AS totp_enabled,
       coalesce(greatest(
           (SELECT max(s.last_seen_at) FROM console_sessions s WHERE s.user_id = u.id),
           (SELECT max(e.occurred_at) FROM audit_events e
            WHERE e.actor_id = u.id AND e.action = 'signin.succeeded' AND e.occurred_at >= sqlc.arg(since))
       ), 'epoch'::timestamptz)::timestamptz AS last_active_at
FROM users u LEFT JOIN console_accounts a ON a.user_id = u.id
ORDER BY u.name;

-- name: SetUserSignatureName :execrows
-- Sets (or, with null, clears) an active user's own signature name.
UPDATE users SET signature_name = sqlc.narg(signature_name)
WHERE id = sqlc.arg(id) AND disabled_at IS NULL;

-- name: UserSignatureName :one
-- The signature name of an active user (null: none), read for each of her
-- free texts to a monitored phone.
SELECT signature_name FROM users WHERE id = $1 AND disabled_at IS NULL;
