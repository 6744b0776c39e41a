-- +goose Up

-- What a referral's risk pre-evaluation requires of the gateway for her,
-- held on her participant row so that the rest of the gateway acts on it
-- (gateway/participant/access.go, gateway/appointments.go). Accepting a
-- referral sets them from the rule table (referral/risk.go); afterwards
-- a supervisor sets or clears the two restrictions, and her team records
-- each new risk evaluation. A default of false and null changes nothing
-- for participants created before.
ALTER TABLE participants
    -- Never booked into a group session (imminent danger, or she cannot
    -- coincide with other users); her individual sessions keep the venue's
    -- spacing rule like every individual session.
    ADD COLUMN individual_only boolean NOT NULL DEFAULT false,
    -- Her contact log and her phone reveal are for supervisors only
    -- (protected witness, judicial process).
    ADD COLUMN strict_confidentiality boolean NOT NULL DEFAULT false,
    -- When her last risk evaluation was done (a date from a referral form
    -- is stored as midnight UTC); null: none known.
    ADD COLUMN risk_evaluated_at timestamptz,
    -- Her risk evaluations are followed: set when a referral made her or
    -- a risk evaluation was recorded. A followed participant without an
    -- evaluation, or with one older than the configured age, shows
    -- risk_evaluation_due.
    ADD COLUMN risk_evaluation_tracked boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT participants_risk_evaluation_tracked CHECK (risk_evaluated_at IS NULL OR risk_evaluation_tracked);

-- +goose Down
ALTER TABLE participants
    DROP CONSTRAINT participants_risk_evaluation_tracked,
    DROP COLUMN risk_evaluation_tracked,
    DROP COLUMN risk_evaluated_at,
    DROP COLUMN strict_confidentiality,
    DROP COLUMN individual_only;
