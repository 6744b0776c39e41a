-- +goose Up

-- The consent ledger: an append-only history per participant and channel.
-- The current state is derived from it (consent.Fold); nothing is ever
-- rewritten, so the history is the evidence.
CREATE TABLE consent_events (
    id                   bigserial PRIMARY KEY,
    participant_id       bigint NOT NULL REFERENCES participants (id),
    channel              text NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'voice')),
    kind                 text NOT NULL CHECK (kind IN ('granted', 'revoked', 'expired')),
    at                   timestamptz NOT NULL,
    actor                text NOT NULL DEFAULT '',
    source               text NOT NULL CHECK (source IN ('staff', 'inbound_stop', 'provider_opt_out', 'expiry')),
    evidence             text NOT NULL DEFAULT '',
    notice_language      text NOT NULL DEFAULT '',
    expires_at           timestamptz,
    reason               text NOT NULL DEFAULT '',
    allow_voicemail      boolean NOT NULL DEFAULT false,
    accept_whatsapp_risk boolean NOT NULL DEFAULT false
);
CREATE INDEX consent_events_participant ON consent_events (participant_id, id);

-- +goose StatementBegin
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER consent_events_append_only
    BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE consent_events;
DROP FUNCTION refuse_change();
