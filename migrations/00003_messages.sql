-- +goose Up

-- One row per staff-to-participant message. The body is sealed with
-- secretbox (key id prefixed) and deleted after the retention period; the
-- metadata stays for the contact log.
CREATE TABLE messages (
    id               uuid PRIMARY KEY,
    participant_id   bigint NOT NULL REFERENCES participants (id),
    channel          text NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'voice')),
    status           text NOT NULL,
    variant          text NOT NULL CHECK (variant IN ('standard', 'discreet')),
    template_id      text,
    template_version integer,
    language         text NOT NULL,
    -- Sealed JSON of what the phone shows: text, WhatsApp content sid and variables.
    content_enc      bytea,
    -- 1 = safety lane (check-ins, escalations), ahead of bulk reminders.
    priority         smallint NOT NULL DEFAULT 0,
    send_at          timestamptz NOT NULL,
    consent_version  integer NOT NULL,
    -- Categories and counts of what the discreet filter removed (never the text).
    redactions       jsonb,
    provider_id      text UNIQUE,
    provider_status  text,
    error_code       text,
    attempts         integer NOT NULL DEFAULT 0,
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    final_at         timestamptz
);
CREATE INDEX messages_participant ON messages (participant_id, created_at DESC);
-- The scheduler looks only at what is due: proportional to the due set.
CREATE INDEX messages_due ON messages (send_at) WHERE status = 'scheduled';
CREATE INDEX messages_retention ON messages (final_at) WHERE content_enc IS NOT NULL AND final_at IS NOT NULL;

-- Status history of each message.
CREATE TABLE message_events (
    id         bigserial PRIMARY KEY,
    message_id uuid NOT NULL REFERENCES messages (id),
    status     text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    code       text
);
CREATE INDEX message_events_message ON message_events (message_id, id);

-- Transactional outbox: written in the accept transaction, published to
-- JetStream by the relay (Nats-Msg-Id = message id), then deleted.
CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    message_id uuid NOT NULL,
    subject    text NOT NULL,
    priority   smallint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key: a retried request returns the first answer.
CREATE TABLE idempotency_keys (
    user_id      bigint NOT NULL REFERENCES users (id),
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    status       integer NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE outbox;
DROP TABLE message_events;
DROP TABLE messages;
