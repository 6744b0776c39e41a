-- +goose Up

-- The time a message promises her a call at (a template with a
-- "promises: call at {param}" header: call_at, callback_notice), so the
-- send worker's re-check just before sending can decide the call again
-- (consent.DecideCall: voice consent, not past, inside her safe hours) on
-- its own row, without the parameters, which are not stored. Null: the
-- message promises no call. It is part of what the text says, so it goes
-- when the text goes (retention purge, erase-content). Nullable without a
-- default: adding it rewrites no row.
ALTER TABLE messages ADD COLUMN promised_call_at timestamptz;

-- +goose Down
ALTER TABLE messages DROP COLUMN promised_call_at;
