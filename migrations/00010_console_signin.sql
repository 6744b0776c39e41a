-- +goose Up

-- Web console sign-in: passwords, a TOTP second factor, recovery codes,
-- server-side sessions and sign-in throttling (gateway/auth/signin).
--
-- Credentials live beside users, not in it: every API request loads a
-- users row (SELECT * FROM users, then cached in memory by the token
-- cache), and such rows must never carry a password hash or a
-- second-factor secret.
CREATE TABLE console_accounts (
    user_id              bigint PRIMARY KEY REFERENCES users (id),
    -- argon2id in the PHC string format, parameters included:
    -- $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>; NULL: cannot sign in.
    password_hash        text CHECK (password_hash LIKE '$argon2id$%'),
    password_set_at      timestamptz,
    -- Set when an administrator (or `gateway users add`) chose the
    -- password: she changes it at her next sign-in.
    must_change_password boolean NOT NULL DEFAULT false,
    -- The TOTP secret, sealed with the key ring (purpose "auth"). A new
    -- secret waits in totp_pending_enc until she confirms it with a code.
    totp_secret_enc      bytea,
    totp_enabled_at      timestamptz,
    totp_pending_enc     bytea,
    totp_pending_at      timestamptz,
    -- The last TOTP time step accepted: a code of this step or an
    -- earlier one is refused, so an overheard code cannot be replayed.
    totp_last_step       bigint,
    -- Her console language (BCP 47) and time zone (IANA); NULL: the
    -- browser's language and the console's default zone.
    language             text,
    time_zone            text,
    updated_at           timestamptz NOT NULL,
    CHECK ((totp_secret_enc IS NULL) = (totp_enabled_at IS NULL))
);

-- Recovery codes: shown once, only their SHA-256 kept (80 random bits
-- each, so a fast hash is enough). Using one deletes it.
CREATE TABLE console_recovery_codes (
    user_id    bigint NOT NULL REFERENCES users (id),
    code_hash  bytea NOT NULL CHECK (length(code_hash) = 32),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- Sessions: only the SHA-256 of the cookie's token is stored. A session
-- is valid while now < expires_at (absolute) and now < last_seen_at +
-- the idle timeout, and its user is not disabled; ended sessions are
-- deleted. stage is how far through signing in she is. Where a session
-- came from is in the audit log (signin.succeeded), not here.
CREATE TABLE console_sessions (
    id           bigserial PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES users (id),
    stage        text NOT NULL CHECK (stage IN ('second_factor', 'change_password', 'enrol', 'signed_in')),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    -- How she passed the second factor: 'totp' or 'recovery_code'; NULL
    -- before that step or without one.
    second_factor text CHECK (second_factor IN ('totp', 'recovery_code'))
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);

-- Failed sign-ins per key ("user:" + a keyed hash of the name typed, or
-- "addr:" + the client address or its /64): after a free allowance each
-- failure blocks the key for a growing time. A quiet day forgets it.
CREATE TABLE signin_throttle (
    key             text PRIMARY KEY,
    failures        integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    blocked_until   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE signin_throttle;
DROP TABLE console_sessions;
DROP TABLE console_recovery_codes;
DROP TABLE console_accounts;
