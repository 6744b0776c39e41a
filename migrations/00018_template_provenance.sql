-- +goose Up

-- Which template text a message was rendered from. template_id and
-- template_version are the author's names for it; two deployments (or one
-- before and after an edit that kept the version) can hold different
-- bytes under the same pair. template_digest is the hex SHA-256 of the
-- template file's bytes as the gateway read them, template_source whether
-- that file was built into the binary or read from the deployment's
-- templates directory (GATEWAY_TEMPLATES_DIR): with the two, her contact
-- log shows exactly which text she was sent, and the same pair is in the
-- message.accepted audit event, inside the hash chain.
--
-- NULL for free text and for messages written before this migration
-- (their template file's bytes were not recorded and cannot be known now).
--
-- Adding nullable columns without a default rewrites nothing. The checks
-- are NOT VALID: every existing row has both columns NULL, which passes
-- them, so a scan of the whole table under its exclusive lock would prove
-- nothing; PostgreSQL enforces a NOT VALID check on every row written
-- from now on all the same.
ALTER TABLE messages
    ADD COLUMN template_digest text,
    ADD COLUMN template_source text,
    ADD CONSTRAINT messages_template_source CHECK (template_source IN ('builtin', 'deployment')) NOT VALID,
    ADD CONSTRAINT messages_template_digest CHECK (template_digest ~ '^[0-9a-f]{64}$') NOT VALID,
    -- Both or neither, and only on a templated message.
    ADD CONSTRAINT messages_template_provenance CHECK (
        (template_digest IS NULL) = (template_source IS NULL)
        AND (template_digest IS NULL OR template_id IS NOT NULL)) NOT VALID;

-- +goose Down
ALTER TABLE messages
    DROP CONSTRAINT messages_template_provenance,
    DROP CONSTRAINT messages_template_digest,
    DROP CONSTRAINT messages_template_source,
    DROP COLUMN template_source,
    DROP COLUMN template_digest;
