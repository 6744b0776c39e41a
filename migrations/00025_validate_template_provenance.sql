-- +goose Up

-- Migration 00018 added the three checks of a message's template
-- provenance NOT VALID: PostgreSQL has enforced them on every row written
-- or updated since, and the rows from before it have template_digest and
-- template_source both NULL, which passes all three. Validating them now
-- costs one scan of messages and records in the catalog what is already
-- true (pg_constraint.convalidated), so the checks are no longer
-- "enforced from some point on" but hold for the whole table, as any
-- later migration or query that relies on them may assume.
--
-- VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE on messages, not the
-- ACCESS EXCLUSIVE lock adding a valid check would have taken: reads and
-- writes (the send path's inserts and status updates) go on while it
-- scans; only VACUUM, index builds and other schema changes of the table
-- wait for it.
ALTER TABLE messages
    VALIDATE CONSTRAINT messages_template_source,
    VALIDATE CONSTRAINT messages_template_digest,
    VALIDATE CONSTRAINT messages_template_provenance;

-- +goose Down
-- Nothing to undo: a validated check holds the same rows as a NOT VALID
-- one, and 00018's down drops the three checks by name either way.
