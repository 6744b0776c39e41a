-- +goose Up

-- Staff users. Staff names are fine to store: they are not participants.
CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    role        text NOT NULL CHECK (role IN ('staff', 'supervisor', 'admin')),
    -- sha256 of the API token; the token itself is shown once and never stored.
    token_hash  bytea NOT NULL UNIQUE,
    -- E.164 of the staff member's own phone, encrypted (for call-backs and on-call alerts).
    phone_enc   bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);

-- Participants: a code and initials, never a name.
CREATE TABLE participants (
    id                 bigserial PRIMARY KEY,
    code               text NOT NULL UNIQUE CHECK (code ~ '^P-[0-9A-HJKMNP-TV-Z]{5}$'),
    initials           text NOT NULL CHECK (length(initials) BETWEEN 1 AND 4),
    language           text NOT NULL,
    time_zone          text NOT NULL,
    -- secretbox ciphertext (key id prefixed) of the E.164 number.
    phone_enc          bytea NOT NULL,
    -- HMAC-SHA256 blind index of the E.164 number: finds her from an
    -- inbound number and refuses duplicates without decrypting.
    phone_index        bytea NOT NULL UNIQUE,
    -- Display mask only (country code and last four digits).
    phone_mask         text NOT NULL,
    whatsapp_enc       bytea,
    whatsapp_index     bytea,
    whatsapp_mask      text,
    monitored          boolean NOT NULL DEFAULT false,
    safe_windows       text[] NOT NULL DEFAULT '{}',
    -- Contact at any hour only if recorded explicitly; otherwise no windows
    -- means the default 09:00-20:00 local.
    any_time           boolean NOT NULL DEFAULT false,
    channel_preference text[] NOT NULL DEFAULT '{}',
    caseworker_id      bigint REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX participants_whatsapp_index ON participants (whatsapp_index) WHERE whatsapp_index IS NOT NULL;
CREATE INDEX participants_caseworker ON participants (caseworker_id);

-- The audit log. Appended in the same transaction as the change it records.
-- Details never carry a phone number or a message body.
CREATE TABLE audit_events (
    id               bigserial PRIMARY KEY,
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    actor_id         bigint,
    actor_name       text NOT NULL DEFAULT '',
    actor_role       text NOT NULL DEFAULT '',
    action           text NOT NULL,
    participant_code text,
    request_id       text NOT NULL DEFAULT '',
    actor_ip         inet,
    details          jsonb
);
CREATE INDEX audit_events_participant ON audit_events (participant_code, id) WHERE participant_code IS NOT NULL;
CREATE INDEX audit_events_occurred ON audit_events (occurred_at);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE participants;
DROP TABLE users;
