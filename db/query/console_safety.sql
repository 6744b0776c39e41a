-- name: VenueWeek :many
-- Booked sessions at a venue in [from_time, to_time), with what the
-- console's week view shows: her code, caseworker (for the access rule)
-- and time zone, and the meeting point's name.
SELECT a.id, a.starts_at, a.kind, a.reminders, p.code, p.caseworker_id, p.time_zone, mp.name AS meeting_point_name
FROM appointments a
JOIN participants p ON p.id = a.participant_id
JOIN meeting_points mp ON mp.id = a.meeting_point_id
WHERE a.venue = sqlc.arg(venue) AND a.status = 'booked'
  AND a.starts_at >= sqlc.arg(from_time) AND a.starts_at < sqlc.arg(to_time)
ORDER BY a.starts_at;

-- name: BookedVenues :many
-- The venues with a booked session from since on, for the week view's
-- venue list.
SELECT DISTINCT venue FROM appointments
WHERE status = 'booked' AND starts_at >= sqlc.arg(since)
ORDER BY venue
LIMIT 200;
