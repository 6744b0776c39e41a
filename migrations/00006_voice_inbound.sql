-- +goose Up

-- Issue 6: the voice call-back queue, inbound messages (STOP, replies) and
-- content erasure.

-- One call-back task: a staff member is to call her back through the
-- gateway (masked: neither side sees the other's number). A voice message
-- becomes one (message_id, unique: the worker may deliver it twice); other
-- sources (her "call me" reply, a check-in escalation) name themselves in
-- source_key, unique too. No number and no text is stored here.
CREATE TABLE callback_tasks (
    id             bigserial PRIMARY KEY,
    participant_id bigint NOT NULL REFERENCES participants (id),
    message_id     uuid UNIQUE REFERENCES messages (id),
    source_key     text UNIQUE CHECK (source_key IS NULL OR length(source_key) BETWEEN 1 AND 200),
    reason         text NOT NULL CHECK (reason IN ('message', 'call_me_reply', 'checkin_escalation', 'staff_request')),
    priority       text NOT NULL CHECK (priority IN ('urgent', 'normal')),
    language       text NOT NULL,
    -- Not before this (inside her safe window; moved on by a re-queue).
    earliest_at    timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'done')),
    -- Times her phone was rung (the bridge to her number was dialled).
    attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts   integer NOT NULL CHECK (max_attempts > 0),
    claimed_by     bigint REFERENCES users (id),
    claimed_at     timestamptz,
    -- The current (or last) call: the staff leg's sid and her leg's sid.
    call_sid       text,
    callee_sid     text,
    call_state     text NOT NULL DEFAULT 'idle' CHECK (call_state IN (
                       'idle', 'dialing', 'staff_ringing', 'her_ringing', 'screening', 'bridged', 'ended')),
    call_started_at timestamptz,
    -- What the last attempt gave (reached, no_answer, unsafe_to_talk,
    -- wrong_person, machine, busy, failed, staff_no_answer, not_confirmed).
    last_result    text,
    outcome        text CHECK (outcome IN ('reached', 'no_answer', 'unsafe_to_talk', 'wrong_person')),
    created_by     bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    closed_at      timestamptz,
    CHECK (status <> 'claimed' OR claimed_by IS NOT NULL),
    CHECK (status <> 'open' OR claimed_by IS NULL),
    CHECK ((status = 'done') = (closed_at IS NOT NULL))
);
-- The queue: open and claimed tasks, urgent first, oldest first.
CREATE INDEX callback_tasks_queue ON callback_tasks ((priority = 'urgent') DESC, created_at, id) WHERE status <> 'done';
CREATE INDEX callback_tasks_participant ON callback_tasks (participant_id, created_at DESC);

-- What she sent us. The sender is matched through the blind index of the
-- E.164 number (participants.phone_index / whatsapp_index); an unknown
-- sender's message is kept as 'unmatched' (participant NULL) and never
-- answered. Bodies are sealed (keys.Body); a STOP keeps no body.
CREATE TABLE inbound_messages (
    id             bigserial PRIMARY KEY,
    -- Twilio's MessageSid: a duplicate webhook is applied once.
    provider_sid   text NOT NULL UNIQUE,
    participant_id bigint REFERENCES participants (id),
    from_index     bytea NOT NULL,
    channel        text NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
    kind           text NOT NULL CHECK (kind IN ('reply', 'call_me', 'stop', 'checkin_reply', 'unmatched')),
    body_enc       bytea,
    received_at    timestamptz NOT NULL,
    read_at        timestamptz,
    read_by        bigint REFERENCES users (id),
    erased_at      timestamptz,
    CHECK ((participant_id IS NULL) = (kind = 'unmatched'))
);
-- The inbox: her caseworker's replies, unread first, newest first.
CREATE INDEX inbound_messages_inbox ON inbound_messages (participant_id, received_at DESC) WHERE kind IN ('reply', 'call_me');
CREATE INDEX inbound_messages_unmatched ON inbound_messages (from_index) WHERE participant_id IS NULL;

-- Provider copies of her messages we asked the provider to redact
-- (erase-content): done once per sid, retried while the provider refuses
-- (a message still on its way cannot be redacted yet).
CREATE TABLE provider_redactions (
    provider_sid   text PRIMARY KEY,
    participant_id bigint NOT NULL REFERENCES participants (id),
    requested_at   timestamptz NOT NULL,
    redacted_at    timestamptz,
    last_error     text
);

-- +goose Down
DROP TABLE provider_redactions;
DROP TABLE inbound_messages;
DROP TABLE callback_tasks;
