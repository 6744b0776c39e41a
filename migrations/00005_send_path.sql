-- +goose Up
-- The relay claims the safety lane first, then the oldest rows: an index
-- in that order keeps each claim proportional to the batch, not the table.
CREATE INDEX outbox_claim_order ON outbox (priority DESC, id);

-- An Idempotency-Key replay returns the first answer byte for byte; jsonb
-- would reorder its keys.
ALTER TABLE idempotency_keys ALTER COLUMN response TYPE bytea USING convert_to(response::text, 'UTF8');

-- The scheduler writes an "expired" event when a grant's expiry passes
-- (the decision already treats it as expired at that instant; the event
-- puts it in the ledger and the audit log). Only grants with an expiry.
CREATE INDEX consent_events_expiry ON consent_events (expires_at) WHERE kind = 'granted' AND expires_at IS NOT NULL;

-- +goose Down
DROP INDEX consent_events_expiry;
ALTER TABLE idempotency_keys ALTER COLUMN response TYPE jsonb USING convert_from(response, 'UTF8')::jsonb;
DROP INDEX outbox_claim_order;
