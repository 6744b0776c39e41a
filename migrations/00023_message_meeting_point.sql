-- +goose Up

-- The meeting point a templated message's text names (a meet_proposal's
-- place), so a rename of the point is refused while such a message is
-- still to be sent: its text, rendered and stored, carries the old name.
-- Null: the text names no registered point (free text, a template
-- without a meeting point parameter, an appointment's reminder, which
-- the appointment links to its point). Not content: the point's name is
-- in the registry whoever's message names it, so it stays when the text
-- goes (retention purge, erase-content), as appointments keep theirs.
-- Nullable without a default: adding it rewrites no row.
ALTER TABLE messages ADD COLUMN meeting_point_id bigint REFERENCES meeting_points (id);

-- For the rename check (which then keeps the messages whose text has not
-- gone out yet). Not partial on status: a column an index or its
-- predicate reads would make every status change on the send path a
-- non-HOT update (migration 00008); meeting_point_id never changes.
CREATE INDEX messages_meeting_point ON messages (meeting_point_id)
    WHERE meeting_point_id IS NOT NULL;

-- +goose Down
DROP INDEX messages_meeting_point;
ALTER TABLE messages DROP COLUMN meeting_point_id;
