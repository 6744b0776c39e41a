-- +goose Up

-- Tamper evidence for the audit log (issue 8).
--
-- Appends stay as they were: any transaction INSERTs a row with seq NULL,
-- so the send path is never serialised behind the chain. One sequencer
-- (the holder of a Postgres advisory lock, see gateway/audit_chain.go)
-- later seals committed rows, once each: it sets seq (1, 2, 3, … with no
-- gap), prev_hash (the hash of seq - 1; 32 zero bytes for seq 1), hash
-- (SHA-256 over prev_hash and the canonical encoding of the row, specified
-- in gateway/audit_chain.go) and sealed_at.
--
-- sealed_content: the text actually sent (message.sent), sealed with
-- nacl/box (anonymous sealed box) to the programme's audit public key. The
-- server can write it but not read it.
ALTER TABLE audit_events
    ADD COLUMN sealed_content bytea,
    ADD COLUMN seq            bigint,
    ADD COLUMN prev_hash      bytea,
    ADD COLUMN hash           bytea,
    ADD COLUMN sealed_at      timestamptz,
    ADD CONSTRAINT audit_events_seq_key UNIQUE (seq),
    ADD CONSTRAINT audit_events_sealed_whole CHECK (
        (seq IS NULL AND prev_hash IS NULL AND hash IS NULL AND sealed_at IS NULL)
        OR (seq > 0 AND octet_length(prev_hash) = 32 AND octet_length(hash) = 32 AND sealed_at IS NOT NULL));

-- The sequencer's work list. Unsealed rows are found through this partial
-- index whatever their id, so a transaction that took an id early and
-- committed late is simply sealed in a later pass: no "sealed up to id N"
-- watermark, hence no row can be skipped. It stays small (only the rows of
-- the last moments).
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seq IS NULL;

-- Append-only, with one exception: the sequencer's one-time sealing. An
-- UPDATE is let through only if the row was unsealed, the new row is
-- sealed (seq, prev_hash, hash, sealed_at all set) and nothing else about
-- the row changed (compared as a whole row, so a column added later is
-- protected without editing this function). Re-sealing, un-sealing and
-- any other change are refused. DELETE and TRUNCATE are refused, and an
-- INSERT may not arrive already sealed.
-- +goose StatementBegin
CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unsealed audit_events;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.seq IS NULL AND NEW.prev_hash IS NULL AND NEW.hash IS NULL AND NEW.sealed_at IS NULL THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_events: a row is inserted unsealed; only the sequencer seals it'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE'
       AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL AND OLD.sealed_at IS NULL
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL AND NEW.sealed_at IS NOT NULL THEN
        unsealed := NEW;
        unsealed.seq := NULL;
        unsealed.prev_hash := NULL;
        unsealed.hash := NULL;
        unsealed.sealed_at := NULL;
        IF unsealed IS NOT DISTINCT FROM OLD THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused (only the one-time sealing of seq, prev_hash, hash, sealed_at is allowed)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Checkpoints of the chain head: {seq, hash, at}. The sequencer writes one
-- periodically, `gateway audit checkpoint` on demand; a supervisor keeps a
-- copy elsewhere and later proves with `gateway audit verify --checkpoint`
-- that the chain still holds that hash at that seq (a rewrite of history,
-- even with every later hash recomputed, cannot keep it).
CREATE TABLE audit_checkpoints (
    id         bigserial PRIMARY KEY,
    seq        bigint NOT NULL CHECK (seq >= 0),
    hash       bytea NOT NULL CHECK (octet_length(hash) = 32),
    at         timestamptz NOT NULL,
    created_by text NOT NULL
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq);
CREATE TRIGGER audit_checkpoints_append_only
    BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate
    BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Retention: bodies of messages the provider took ("sent") but that never
-- reached a final status (no delivery report) are purged by updated_at;
-- final ones by final_at (index messages_retention, migration 00003).
CREATE INDEX messages_retention_sent ON messages (updated_at) WHERE content_enc IS NOT NULL AND status = 'sent';

-- Roles. Triggers bind every role except superusers (who can set
-- session_replication_role = replica) and the table owner (who can
-- ALTER TABLE … DISABLE TRIGGER). In production, run migrations as an owner
-- role and the gateway as an application role that is neither, with only:
--
--   REVOKE ALL ON audit_events, audit_checkpoints FROM PUBLIC;
--   GRANT SELECT, INSERT ON audit_events, audit_checkpoints TO safecontact_app;
--   GRANT UPDATE (seq, prev_hash, hash, sealed_at) ON audit_events TO safecontact_app;
--   GRANT USAGE ON SEQUENCE audit_events_id_seq, audit_checkpoints_id_seq TO safecontact_app;
--
-- (no DELETE, TRUNCATE, TRIGGER or REFERENCES). The column-level UPDATE
-- grant admits only the sealing columns; the trigger admits setting them
-- once. A supervisor's read-only role needs SELECT only.

-- +goose Down
DROP INDEX messages_retention_sent;
DROP TABLE audit_checkpoints;
DROP TRIGGER audit_events_no_truncate ON audit_events;
DROP TRIGGER audit_events_append_only ON audit_events;
DROP FUNCTION audit_events_guard();
DROP INDEX audit_events_unsealed;
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_sealed_whole,
    DROP CONSTRAINT audit_events_seq_key,
    DROP COLUMN sealed_at,
    DROP COLUMN hash,
    DROP COLUMN prev_hash,
    DROP COLUMN seq,
    DROP COLUMN sealed_content;
