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

-- name: EnableTOTP :exec
-- A confirmed secret becomes her second factor (replacing any earlier
-- one); the step of the code she confirmed it with counts as used.
UPDATE console_accounts SET totp_secret_enc = sqlc.arg(secret_enc), totp_enabled_at = sqlc.arg(now)::timestamptz,
    totp_last_step = sqlc.arg(step), updated_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id);

-- name: UseTOTPStep :execrows
-- Accepts a code's time step once: 0 rows when that step or a later one
-- was already used (a replayed code).
UPDATE console_accounts SET totp_last_step = sqlc.arg(step), updated_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id) AND totp_secret_enc IS NOT NULL
  AND (totp_last_step IS NULL OR totp_last_step < sqlc.arg(step));

-- name: ResetTOTP :execrows
UPDATE console_accounts SET totp_secret_enc = NULL, totp_enabled_at = NULL, totp_last_step = NULL,
    updated_at = sqlc.arg(now)
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
SELECT s.id, s.user_id, s.stage, s.created_at, s.last_seen_at, s.expires_at, s.second_factor, s.reauth_at,
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
-- cookie stops working), only from the stage the caller saw. The caller
-- gives the stage's start and end: a signed-in session that only gets a
-- new token keeps both (its 12 hours run from sign-in).
UPDATE console_sessions SET token_hash = sqlc.arg(new_token_hash), stage = sqlc.arg(stage),
    created_at = sqlc.arg(started_at)::timestamptz, last_seen_at = sqlc.arg(now)::timestamptz, expires_at = sqlc.arg(expires_at),
    second_factor = coalesce(sqlc.narg(second_factor), second_factor), reauth_at = NULL,
    totp_pending_enc = NULL, totp_pending_at = NULL
WHERE id = sqlc.arg(id) AND stage = sqlc.arg(from_stage);

-- name: LockSessionAt :one
-- Holds a session at a stage for the rest of the transaction, so attempts
-- on one session are checked one at a time; no row: it moved on or ended.
SELECT id FROM console_sessions WHERE id = sqlc.arg(id) AND stage = sqlc.arg(stage) FOR UPDATE;

-- name: SetSessionReauth :exec
-- She typed her password (and code) again in this session; NULL: used up.
UPDATE console_sessions SET reauth_at = sqlc.narg(reauth_at) WHERE id = sqlc.arg(id);

-- name: SessionPendingTOTP :one
SELECT totp_pending_enc, totp_pending_at FROM console_sessions WHERE id = $1;

-- name: SetSessionPendingTOTP :exec
UPDATE console_sessions SET totp_pending_enc = sqlc.arg(secret_enc), totp_pending_at = sqlc.arg(now)::timestamptz
WHERE id = sqlc.arg(id);

-- name: TakeSessionPendingTOTP :execrows
-- Takes the pending secret off the session, only if it is still the one
-- the caller confirmed (another tab may have replaced it).
UPDATE console_sessions SET totp_pending_enc = NULL, totp_pending_at = NULL
WHERE id = sqlc.arg(id) AND totp_pending_enc = sqlc.arg(secret_enc);

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

-- name: ThrottleEnsure :exec
-- Rows for keys not seen yet (zero failures), so they can be locked.
INSERT INTO signin_throttle (key, failures, last_failure_at, blocked_until)
SELECT k, 0, sqlc.arg(now)::timestamptz, 'epoch'::timestamptz FROM unnest(sqlc.arg(keys)::text[]) AS k
ON CONFLICT (key) DO NOTHING;

-- name: ThrottleLock :many
-- The keys' rows, locked until the transaction ends, always in key order
-- (no deadlock between two attempts sharing keys).
SELECT key, failures, last_failure_at, blocked_until FROM signin_throttle
WHERE key = ANY(sqlc.arg(keys)::text[]) ORDER BY key FOR UPDATE;

-- name: ThrottleSet :exec
UPDATE signin_throttle SET failures = sqlc.arg(failures), last_failure_at = sqlc.arg(last_failure_at), blocked_until = sqlc.arg(blocked_until)
WHERE key = sqlc.arg(key);

-- name: ThrottleRefund :exec
-- Takes back one attempt counted in advance that did not fail, and the
-- block it started (if no later attempt changed it).
UPDATE signin_throttle SET failures = greatest(failures - 1, 0),
    blocked_until = CASE WHEN blocked_until = sqlc.arg(ours)::timestamptz THEN sqlc.arg(before)::timestamptz ELSE blocked_until END
WHERE key = sqlc.arg(key);

-- name: ThrottleDropIdle :exec
-- A row back at zero failures and not blocked carries nothing.
DELETE FROM signin_throttle WHERE key = ANY(sqlc.arg(keys)::text[]) AND failures = 0 AND blocked_until <= sqlc.arg(now)::timestamptz;

-- name: ThrottleClear :exec
DELETE FROM signin_throttle WHERE key = ANY(sqlc.arg(keys)::text[]);

-- name: PruneThrottle :execrows
-- Rows whose failures have all decayed (at the slowest rule's rate) and
-- that block nothing.
DELETE FROM signin_throttle
WHERE blocked_until < sqlc.arg(now)::timestamptz
  AND last_failure_at + make_interval(secs => failures * sqlc.arg(decay_secs)::float8) <= sqlc.arg(now)::timestamptz;

-- name: SigninNameTaken :one
-- Whether a user has this name, whatever its case (a name nobody has
-- counts in a shared bucket).
SELECT EXISTS (SELECT 1 FROM users WHERE lower(name) = lower(sqlc.arg(name)::text))::boolean;

-- name: DeviceKnown :one
-- Whether this device completed a sign-in of this user since the given
-- time.
SELECT EXISTS (SELECT 1 FROM console_devices
    WHERE token_hash = sqlc.arg(token_hash) AND user_id = sqlc.arg(user_id) AND signed_in_at >= sqlc.arg(since)::timestamptz)::boolean;

-- name: DeviceRegistered :one
-- Whether any user signed in on this device (a token nobody has is not
-- adopted: a fresh one is issued).
SELECT EXISTS (SELECT 1 FROM console_devices WHERE token_hash = $1)::boolean;

-- name: RememberDevice :exec
INSERT INTO console_devices (token_hash, user_id, signed_in_at)
VALUES (sqlc.arg(token_hash), sqlc.arg(user_id), sqlc.arg(now)::timestamptz)
ON CONFLICT (token_hash, user_id) DO UPDATE SET signed_in_at = excluded.signed_in_at;

-- name: TrimDevices :exec
-- Keeps a user's most recent devices only.
DELETE FROM console_devices d
WHERE d.user_id = sqlc.arg(user_id) AND d.token_hash NOT IN (
    SELECT token_hash FROM console_devices WHERE user_id = sqlc.arg(user_id)
    ORDER BY signed_in_at DESC LIMIT sqlc.arg(keep)::int);

-- name: ForgetUserDevices :exec
-- Her devices are strangers again (her password or second step was
-- reset by an administrator).
DELETE FROM console_devices WHERE user_id = $1;

-- name: PruneDevices :execrows
DELETE FROM console_devices WHERE signed_in_at < sqlc.arg(before)::timestamptz;
