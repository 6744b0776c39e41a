-- +goose Up

-- API tokens may expire (users add --expires 90d) and can be rotated
-- without losing the user; NULL expires_at: the token does not expire.
ALTER TABLE users ADD COLUMN expires_at timestamptz;
ALTER TABLE users ADD COLUMN token_rotated_at timestamptz;

-- Phone reveals are counted per staff user over the last day (the daily
-- budget) and the last hour (a burst alerts the supervisors). The audit
-- log is the record of reveals; this partial index keeps the count a
-- short index scan however large the log grows.
CREATE INDEX audit_events_reveals ON audit_events (actor_id, occurred_at)
    WHERE action IN ('phone.revealed', 'phone.reveal_refused');

-- Staff alerts that are not about an escalation (a burst of phone
-- reveals): sent by the same staff-alert sender as escalation alerts, to
-- each supervisor's own phone. The text is fixed per notice code and
-- names neither her nor the staff member; the audit log has the details.
CREATE TABLE staff_notices (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    notice      text NOT NULL,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    error_code  text,
    created_at  timestamptz NOT NULL,
    done_at     timestamptz
);
CREATE INDEX staff_notices_pending ON staff_notices (id) WHERE status = 'pending';

-- +goose Down
DROP TABLE staff_notices;
DROP INDEX audit_events_reveals;
ALTER TABLE users DROP COLUMN token_rotated_at;
ALTER TABLE users DROP COLUMN expires_at;
