-- +goose Up

-- Issue 7: meeting points, appointments and their reminders, safety
-- check-in plans, check-ins and the escalation ladder. Due work lives here,
-- found through partial indexes on due time, so a scheduler tick costs what
-- is due, not the table size.

-- Neutral public places (a metro exit, a bus stop, a landmark). Never a
-- street address: the name is checked by the discreet-content filter.
-- Shelter addresses are never stored anywhere.
CREATE TABLE meeting_points (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    kind       text NOT NULL CHECK (kind IN ('metro', 'bus', 'landmark', 'office')),
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE appointments (
    id               uuid PRIMARY KEY,
    participant_id   bigint NOT NULL REFERENCES participants (id),
    starts_at        timestamptz NOT NULL,
    meeting_point_id bigint NOT NULL REFERENCES meeting_points (id),
    kind             text NOT NULL CHECK (kind IN ('individual', 'group')),
    -- The programme's own label for the room/team ("sala 1"); used for
    -- the session-spacing rule, never sent to her.
    venue            text NOT NULL CHECK (length(venue) BETWEEN 1 AND 100),
    status           text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'canceled')),
    reminders        text[] NOT NULL DEFAULT '{}',
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX appointments_participant ON appointments (participant_id, starts_at);
-- The 30-minute spacing rule looks up booked individual sessions at a venue
-- around a time.
CREATE INDEX appointments_spacing ON appointments (venue, starts_at) WHERE status = 'booked' AND kind = 'individual';

-- Messages sent (or scheduled) for an appointment: reminders and notices.
CREATE TABLE appointment_messages (
    message_id     uuid PRIMARY KEY REFERENCES messages (id),
    appointment_id uuid NOT NULL REFERENCES appointments (id),
    kind           text NOT NULL CHECK (kind IN ('reminder', 'changed', 'cancelled')),
    lead           text NOT NULL DEFAULT ''
);
CREATE INDEX appointment_messages_appointment ON appointment_messages (appointment_id);

-- One safety check-in plan per participant. Reply words are sealed
-- (secretbox, keys.Contact); duress words are never returned by the API.
CREATE TABLE checkin_plans (
    participant_id bigint PRIMARY KEY REFERENCES participants (id),
    every_seconds  bigint CHECK (every_seconds IS NULL OR every_seconds >= 3600),
    weekdays       integer[] NOT NULL DEFAULT '{}',
    at_local       text NOT NULL CHECK (at_local ~ '^[0-2][0-9]:[0-5][0-9]$'),
    channel        text NOT NULL,
    grace_seconds  bigint NOT NULL CHECK (grace_seconds >= 60),
    replies_enc    bytea NOT NULL,
    duress_count   integer NOT NULL DEFAULT 0,
    next_due_at    timestamptz NOT NULL,
    created_by     bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX checkin_plans_due ON checkin_plans (next_due_at);

-- One automated check-in. Written in the same transaction as its message
-- and the plan's next due time, so a crash neither loses nor doubles one.
CREATE TABLE checkins (
    id               uuid PRIMARY KEY,
    participant_id   bigint NOT NULL REFERENCES participants (id),
    slot             timestamptz NOT NULL,
    code             text NOT NULL CHECK (code ~ '^[0-9]{1,6}$'),
    message_id       uuid REFERENCES messages (id),
    nudge_message_id uuid REFERENCES messages (id),
    -- open: waiting for her reply; nudged: the one extra message went.
    status           text NOT NULL CHECK (status IN ('open', 'nudged', 'ok', 'help', 'duress', 'missed', 'refused', 'canceled')),
    grace_seconds    bigint NOT NULL,
    due_at           timestamptz,
    created_at       timestamptz NOT NULL,
    closed_at        timestamptz,
    UNIQUE (participant_id, slot)
);
CREATE INDEX checkins_due ON checkins (due_at) WHERE status IN ('open', 'nudged');
CREATE INDEX checkins_participant_open ON checkins (participant_id, created_at DESC) WHERE status IN ('open', 'nudged');

CREATE TABLE escalations (
    id             uuid PRIMARY KEY,
    participant_id bigint NOT NULL REFERENCES participants (id),
    checkin_id     uuid REFERENCES checkins (id),
    reason         text NOT NULL,
    urgent         boolean NOT NULL,
    level          smallint NOT NULL DEFAULT 1,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    -- When the next rung is due if nobody acknowledged (NULL: none left).
    next_step_at   timestamptz,
    created_at     timestamptz NOT NULL,
    acked_at       timestamptz,
    acked_by       bigint REFERENCES users (id),
    resolved_at    timestamptz,
    resolved_by    bigint REFERENCES users (id),
    outcome        text
);
CREATE INDEX escalations_next_step ON escalations (next_step_at) WHERE status = 'open' AND next_step_at IS NOT NULL;
CREATE INDEX escalations_created ON escalations (created_at DESC, id);

CREATE TABLE escalation_steps (
    id             bigserial PRIMARY KEY,
    escalation_id  uuid NOT NULL REFERENCES escalations (id),
    level          smallint NOT NULL,
    kind           text NOT NULL,
    user_id        bigint REFERENCES users (id),
    at             timestamptz NOT NULL,
    note           text NOT NULL DEFAULT ''
);
CREATE INDEX escalation_steps_escalation ON escalation_steps (escalation_id, id);

-- Work for the staff-alert sender (SMS to a staff member's own phone) and
-- the safety.escalations NATS event: written with the escalation step,
-- sent after commit, marked done. The alert text names the escalation id only.
CREATE TABLE escalation_outbox (
    id            bigserial PRIMARY KEY,
    escalation_id uuid NOT NULL REFERENCES escalations (id),
    kind          text NOT NULL CHECK (kind IN ('event', 'staff_sms')),
    user_id       bigint REFERENCES users (id),
    level         smallint NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    error_code    text,
    created_at    timestamptz NOT NULL,
    done_at       timestamptz
);
CREATE INDEX escalation_outbox_pending ON escalation_outbox (kind, id) WHERE status = 'pending';

-- +goose Down
DROP TABLE escalation_outbox;
DROP TABLE escalation_steps;
DROP TABLE escalations;
DROP TABLE checkins;
DROP TABLE checkin_plans;
DROP TABLE appointment_messages;
DROP TABLE appointments;
DROP TABLE meeting_points;
