-- name: CreateMeetingPoint :one
INSERT INTO meeting_points (name, kind, created_by, at_forms) VALUES ($1, $2, $3, sqlc.arg(at_forms)::jsonb)
ON CONFLICT (name) DO NOTHING
RETURNING *;

-- name: LockMeetingPointName :exec
-- Held by a create of a meeting point, or a rename, for the name it gives
-- the point (transaction-scoped), taken before any row lock: a message
-- naming that place as no point's (ShareMeetingPointNames) waits for the
-- create or rename to end, and one that holds it first is waited for.
SELECT pg_advisory_xact_lock(hashtextextended('meeting_point_name:' || sqlc.arg(name)::text, 0));

-- name: ShareMeetingPointNames :exec
-- Held by a message's write for the places it names that no point has
-- (AcceptMessages), in the transaction that writes it and before it:
-- shared, so messages do not wait for each other, only for a create or
-- rename to one of the names (LockMeetingPointName). In name order.
SELECT pg_advisory_xact_lock_shared(hashtextextended('meeting_point_name:' || n, 0))
FROM (SELECT DISTINCT unnest(sqlc.arg(names)::text::text[]) AS n ORDER BY 1) s;

-- name: LockMeetingPoint :one
SELECT * FROM meeting_points WHERE id = $1 FOR UPDATE;

-- name: UpdateMeetingPoint :one
-- A rename or new at forms (the gateway checked both against each other).
UPDATE meeting_points SET name = $2, at_forms = sqlc.arg(at_forms)::jsonb WHERE id = $1
RETURNING *;

-- name: ListMeetingPoints :many
SELECT * FROM meeting_points ORDER BY name;

-- name: MeetingPointByNameForShare :one
-- A booking's or a move's read of the point it names, held to the end of
-- its transaction: a rename (LockMeetingPoint) waits for it and then sees
-- the appointment, or it waits for the rename and no longer finds the old
-- name.
SELECT * FROM meeting_points WHERE name = $1 FOR SHARE;

-- name: ShareMeetingPoint :exec
-- A retry's read of the point its message's text names (before
-- ScheduleRetry, in its transaction), held to the end of that
-- transaction: a rename holding the point (LockMeetingPoint) is waited
-- for, and the claim's lease is then checked on a clock read after the
-- rename's check; a rename that comes after waits for the retry's commit
-- and then finds the message scheduled (MeetingPointBookedAfter).
SELECT id FROM meeting_points WHERE id = $1 FOR SHARE;

-- name: MeetingPointByID :one
SELECT * FROM meeting_points WHERE id = $1;

-- name: LockVenue :exec
-- Serialises bookings at one venue for the spacing rule (transaction-scoped).
SELECT pg_advisory_xact_lock(hashtextextended('venue:' || sqlc.arg(venue)::text, 0));

-- name: VenueSessionsNear :many
-- Booked individual sessions at a venue within a time range (index
-- appointments_spacing), excluding one appointment (when moving it).
SELECT id, starts_at FROM appointments
WHERE venue = sqlc.arg(venue) AND status = 'booked' AND kind = 'individual'
  AND starts_at > sqlc.arg(from_time) AND starts_at < sqlc.arg(to_time)
  AND id <> sqlc.arg(except_id)
ORDER BY starts_at;

-- name: CreateAppointment :one
INSERT INTO appointments (id, participant_id, starts_at, meeting_point_id, kind, venue, reminders, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
RETURNING *;

-- name: AppointmentByIDForUpdate :one
SELECT * FROM appointments WHERE id = $1 FOR UPDATE;

-- name: MoveAppointment :one
UPDATE appointments SET starts_at = $2, meeting_point_id = $3, updated_at = $4, kind = $5
WHERE id = $1
RETURNING *;

-- name: CancelAppointment :one
UPDATE appointments SET status = 'canceled', updated_at = $2
WHERE id = $1
RETURNING *;

-- name: ListAppointments :many
SELECT a.*, mp.name AS meeting_point_name FROM appointments a
JOIN meeting_points mp ON mp.id = a.meeting_point_id
WHERE a.participant_id = $1
ORDER BY a.starts_at;

-- name: LinkAppointmentMessage :exec
INSERT INTO appointment_messages (message_id, appointment_id, kind, lead) VALUES ($1, $2, $3, $4);

-- name: AppointmentMessages :many
SELECT am.message_id, am.kind, am.lead, m.status, m.send_at FROM appointment_messages am
JOIN messages m ON m.id = am.message_id
WHERE am.appointment_id = $1
ORDER BY m.send_at;

-- name: CancelPendingAppointmentMessages :many
-- Pending reminders of an appointment become canceled: scheduled ones, and
-- queued ones a worker has not taken yet (the worker skips a message that
-- is no longer queued, so its outbox entry sends nothing).
UPDATE messages SET status = 'canceled', updated_at = sqlc.arg(now), final_at = sqlc.arg(now), error_code = sqlc.arg(code)
WHERE id IN (
    SELECT am.message_id FROM appointment_messages am
    WHERE am.appointment_id = sqlc.arg(appointment_id) AND am.kind = 'reminder'
) AND status IN ('scheduled', 'queued')
RETURNING id;

-- name: ReleaseDueMessagesSetBased :execrows
-- Set-based form of ClaimDueMessages + per-row InsertOutbox and
-- InsertMessageEvent (the scheduler's releaseDue): one statement for the
-- whole batch. Uses the partial index messages_due (due = status is
-- 'scheduled', a generated column: see migration 00008).
WITH due AS (
    UPDATE messages SET status = 'queued', updated_at = sqlc.arg(now)
    WHERE id IN (
        SELECT m.id FROM messages m
        WHERE m.due AND m.send_at <= sqlc.arg(now)
        ORDER BY m.send_at
        LIMIT sqlc.arg(max_rows)
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, channel, priority
), ob AS (
    INSERT INTO outbox (message_id, subject, priority)
    SELECT id, 'contact.' || channel || CASE WHEN priority > 0 THEN '.priority' ELSE '' END, priority FROM due
)
INSERT INTO message_events (message_id, status, at)
SELECT id, 'queued', sqlc.arg(now) FROM due;

-- name: MeetingPointBookedAfter :one
-- Does a booked (not canceled) appointment at or after a time name the
-- meeting point, or a message whose text names it not gone out yet
-- (scheduled, queued, or sending under a live claim: marked sending less
-- than lease_us microseconds before now, the application's clock read
-- just before this statement, plus the time spent inside it,
-- clock_timestamp() - statement_timestamp(); only the database's clock
-- differences, never its time, are compared with updated_at, written on
-- the application's clock)? The appointment's stored reminders and the
-- message's stored text carry the point's name. A message sending for
-- longer was claimed by a worker that stopped: it is never
-- sent again (a redelivery marks it unknown, reconciliation never queues
-- it), so it no longer holds the name.
SELECT (EXISTS (
    SELECT 1 FROM appointments a
    WHERE a.meeting_point_id = sqlc.arg(meeting_point_id)::bigint AND a.status = 'booked' AND a.starts_at >= sqlc.arg(after)
) OR EXISTS (
    SELECT 1 FROM messages m
    WHERE m.meeting_point_id = sqlc.arg(meeting_point_id)::bigint
      AND (m.status IN ('scheduled', 'queued')
           OR (m.status = 'sending'
               AND sqlc.arg(now)::timestamptz + (clock_timestamp() - statement_timestamp())
                   < m.updated_at + sqlc.arg(lease_us)::bigint * interval '1 microsecond'))
))::boolean AS booked;
