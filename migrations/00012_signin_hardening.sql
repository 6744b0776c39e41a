-- +goose Up

-- Console sign-in, hardened (gateway/auth/signin).

-- A new TOTP secret waits on the session that asked for it, not on the
-- user: a second browser (or a passer-by at another of her sessions)
-- cannot see, confirm or replace a secret someone else is enrolling.
-- reauth_at is when she last typed her password (and code) again while
-- signed in: changing her second step or recovery codes needs it recent.
ALTER TABLE console_sessions
    ADD COLUMN reauth_at        timestamptz,
    ADD COLUMN totp_pending_enc bytea,
    ADD COLUMN totp_pending_at  timestamptz,
    ADD CONSTRAINT console_sessions_pending_pair CHECK ((totp_pending_enc IS NULL) = (totp_pending_at IS NULL)),
    ADD CONSTRAINT console_sessions_times CHECK (last_seen_at >= created_at AND expires_at > created_at),
    -- The second factor is recorded once it is passed, never before.
    ADD CONSTRAINT console_sessions_factor_stage CHECK (stage <> 'second_factor' OR second_factor IS NULL);
ALTER TABLE console_accounts
    DROP COLUMN totp_pending_enc,
    DROP COLUMN totp_pending_at,
    ADD CONSTRAINT console_accounts_password_set CHECK (password_hash IS NULL OR password_set_at IS NOT NULL),
    ADD CONSTRAINT console_accounts_must_change CHECK (NOT must_change_password OR password_hash IS NOT NULL),
    ADD CONSTRAINT console_accounts_last_step CHECK (totp_last_step IS NULL OR totp_last_step >= 0),
    ADD CONSTRAINT console_accounts_prefs CHECK (length(language) <= 35 AND length(time_zone) <= 64);

-- Throttle keys: "user:" (a keyed hash of a known name, or one of 65,536
-- shared buckets for names nobody has), "addr:" (an IPv4 address, an
-- IPv6 /64 or /48), "device:", "code:" (her second-step failures),
-- "reauth:" (her password typed again while signed in). failures is the
-- count after decay, counted from last_failure_at.
ALTER TABLE signin_throttle
    ADD CONSTRAINT signin_throttle_key CHECK (key ~ '^(user|addr|device|code|reauth):' AND length(key) <= 80),
    ADD CONSTRAINT signin_throttle_failures CHECK (failures >= 0);

-- Devices that signed a user in: a browser's long-lived device cookie
-- (256 random bits; only its SHA-256 kept) and each user it completed a
-- sign-in for. A known device is exempt from the per-name and
-- per-address blocks (it has its own count), so nobody who merely knows
-- her name or shares her office's address can keep her out. At most ten
-- per user are kept; an entry older than the device lifetime is ignored
-- and pruned.
CREATE TABLE console_devices (
    token_hash   bytea NOT NULL CHECK (length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES users (id),
    signed_in_at timestamptz NOT NULL,
    PRIMARY KEY (token_hash, user_id)
);
CREATE INDEX console_devices_user ON console_devices (user_id, signed_in_at);

-- +goose Down
DROP TABLE console_devices;
ALTER TABLE signin_throttle
    DROP CONSTRAINT signin_throttle_key,
    DROP CONSTRAINT signin_throttle_failures;
ALTER TABLE console_accounts
    DROP CONSTRAINT console_accounts_password_set,
    DROP CONSTRAINT console_accounts_must_change,
    DROP CONSTRAINT console_accounts_last_step,
    DROP CONSTRAINT console_accounts_prefs,
    ADD COLUMN totp_pending_enc bytea,
    ADD COLUMN totp_pending_at  timestamptz;
ALTER TABLE console_sessions
    DROP CONSTRAINT console_sessions_pending_pair,
    DROP CONSTRAINT console_sessions_times,
    DROP CONSTRAINT console_sessions_factor_stage,
    DROP COLUMN reauth_at,
    DROP COLUMN totp_pending_enc,
    DROP COLUMN totp_pending_at;
