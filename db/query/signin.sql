-- Web console sign-in (gateway/auth/signin). Times come from the caller's
-- clock, never now(), so tests can move it.

-- name: SigninUserByName :one
-- The user a sign-in names, with her console account if she has one.
SELECT u.id, u.name, u.role, u.disabled_at,
       a.password_hash, coalesce(a.must_change_password, false)::boolean AS must_change_password,
       (a.totp_enabled_at IS NOT NULL)::boolean AS totp_enabled
FROM users u LEFT JOIN console_accounts a ON a.user_id = u.id
WHERE u.name = $1;

-- name: ConsoleAccount :one
SELECT * FROM console_accounts WHERE user_id = $1;

-- name: SetPassword :exec
INSERT INTO console_accounts (user_id, password_hash, password_set_at, must_change_password, updated_at)
VALUES (sqlc.arg(user_id), sqlc.arg(password_hash), sqlc.arg(now)::timestamptz, sqlc.arg(must_change), sqlc.arg(now)::timestamptz)
ON CONFLICT (user_id) DO UPDATE SET
    password_hash = excluded.password_hash, password_set_at = excluded.password_set_at,
    must_change_password = excluded.must_change_password, updated_at = excluded.updated_at;

-- name: RehashPassword :exec
-- A stored hash made with older parameters, replaced after a successful
-- sign-in; only if it has not changed meanwhile.
UPDATE console_accounts SET password_hash = sqlc.arg(new_hash), updated_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id) AND password_hash = sqlc.arg(old_hash);

-- name: SetPreferences :exec
UPDATE console_accounts SET language = sqlc.narg(language), time_zone = sqlc.narg(time_zone), updated_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id);

-- name: SetPendingTOTP :exec
UPDATE console_accounts SET totp_pending_enc = sqlc.arg(secret_enc), totp_pending_at = sqlc.arg(now)::timestamptz, updated_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id);

-- name: EnableTOTP :execrows
-- The pending secret becomes her second factor; the step of the code she
-- confirmed it with counts as used.
UPDATE console_accounts SET totp_secret_enc = totp_pending_enc, totp_enabled_at = sqlc.arg(now)::timestamptz,
    totp_last_step = sqlc.arg(step), totp_pending_enc = NULL, totp_pending_at = NULL, updated_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id) AND totp_pending_enc = sqlc.arg(secret_enc);

-- name: UseTOTPStep :execrows
-- Accepts a code's time step once: 0 rows when that step or a later one
-- was already used (a replayed code).
UPDATE console_accounts SET totp_last_step = sqlc.arg(step), updated_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id) AND totp_secret_enc IS NOT NULL
  AND (totp_last_step IS NULL OR totp_last_step < sqlc.arg(step));

-- name: ResetTOTP :execrows
UPDATE console_accounts SET totp_secret_enc = NULL, totp_enabled_at = NULL, totp_last_step = NULL,
    totp_pending_enc = NULL, totp_pending_at = NULL, updated_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id);

-- name: DeleteRecoveryCodes :exec
DELETE FROM console_recovery_codes WHERE user_id = $1;

-- name: InsertRecoveryCodes :exec
INSERT INTO console_recovery_codes (user_id, code_hash, created_at)
SELECT sqlc.arg(user_id), unnest(sqlc.arg(code_hashes)::bytea[]), sqlc.arg(now)::timestamptz;

-- name: UseRecoveryCode :execrows
DELETE FROM console_recovery_codes WHERE user_id = $1 AND code_hash = $2;

-- name: CountRecoveryCodes :one
SELECT count(*)::int FROM console_recovery_codes WHERE user_id = $1;

-- name: CreateSession :one
INSERT INTO console_sessions (token_hash, user_id, stage, created_at, last_seen_at, expires_at)
VALUES (sqlc.arg(token_hash), sqlc.arg(user_id), sqlc.arg(stage), sqlc.arg(now)::timestamptz, sqlc.arg(now)::timestamptz, sqlc.arg(expires_at))
RETURNING id;

-- name: SessionByTokenHash :one
-- A session with what the console shows of its user. Validity (expiry,
-- idle time, a disabled user) is decided by the caller with its clock.
SELECT s.id, s.user_id, s.stage, s.created_at, s.last_seen_at, s.expires_at, s.second_factor,
       u.name, u.role, u.disabled_at,
       coalesce(a.language, '')::text AS language, coalesce(a.time_zone, '')::text AS time_zone,
       (a.totp_enabled_at IS NOT NULL)::boolean AS totp_enabled,
       coalesce(a.must_change_password, false)::boolean AS must_change_password
FROM console_sessions s
JOIN users u ON u.id = s.user_id
LEFT JOIN console_accounts a ON a.user_id = s.user_id
WHERE s.token_hash = $1;

-- name: TouchSession :exec
UPDATE console_sessions SET last_seen_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND last_seen_at < sqlc.arg(now)::timestamptz;

-- name: AdvanceSession :execrows
-- Moves a session to its next sign-in stage under a new token (the old
-- cookie stops working), only from the stage the caller saw.
UPDATE console_sessions SET token_hash = sqlc.arg(new_token_hash), stage = sqlc.arg(stage),
    created_at = sqlc.arg(now)::timestamptz, last_seen_at = sqlc.arg(now)::timestamptz, expires_at = sqlc.arg(expires_at),
    second_factor = coalesce(sqlc.narg(second_factor), second_factor)
WHERE id = sqlc.arg(id) AND stage = sqlc.arg(from_stage);

-- name: DeleteSession :exec
DELETE FROM console_sessions WHERE id = $1;

-- name: DeleteUserSessions :execrows
-- Every session of a user: she was disabled, or reset.
DELETE FROM console_sessions WHERE user_id = $1;

-- name: DeleteOtherUserSessions :execrows
-- Her other sessions, after she changed her password.
DELETE FROM console_sessions WHERE user_id = $1 AND id <> sqlc.arg(keep_id);

-- name: PruneSessions :execrows
DELETE FROM console_sessions WHERE expires_at <= sqlc.arg(now)::timestamptz OR last_seen_at <= sqlc.arg(idle_before);

-- name: ThrottleBlockedUntil :one
SELECT coalesce(max(blocked_until), 'epoch'::timestamptz)::timestamptz
FROM signin_throttle WHERE key = ANY(sqlc.arg(keys)::text[]);

-- name: ThrottleFailure :one
-- Counts one failure against key; a failure after a quiet period
-- (last failure before forget_before) starts the count again.
INSERT INTO signin_throttle (key, failures, last_failure_at, blocked_until)
VALUES (sqlc.arg(key), 1, sqlc.arg(now)::timestamptz, sqlc.arg(now)::timestamptz)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN signin_throttle.last_failure_at < sqlc.arg(forget_before) THEN 1 ELSE signin_throttle.failures + 1 END,
    last_failure_at = excluded.last_failure_at
RETURNING failures;

-- name: ThrottleBlock :exec
UPDATE signin_throttle SET blocked_until = greatest(blocked_until, sqlc.arg(until)) WHERE key = sqlc.arg(key);

-- name: ThrottleClear :exec
DELETE FROM signin_throttle WHERE key = $1;

-- name: PruneThrottle :execrows
DELETE FROM signin_throttle WHERE last_failure_at < sqlc.arg(forget_before) AND blocked_until < sqlc.arg(now)::timestamptz;
