-- The supervisor's dashboard (gateway/console_supervisor.go): read-only
-- aggregates over a recent window. Each reads only that window's rows,
-- but messages has no index on created_at alone, so the message counts
-- scan the table (fine at a small programme's volume).

-- name: DashboardMessagesPerDay :many
-- Messages created per channel per day since a time, the day taken in
-- the reader's time zone (an IANA name).
SELECT (created_at AT TIME ZONE sqlc.arg(zone)::text)::date AS day, channel, count(*)::bigint AS n
FROM messages
WHERE created_at >= sqlc.arg(since)
GROUP BY 1, 2
ORDER BY 1, 2;

-- name: DashboardMessageStatuses :many
-- Messages created since a time, by their status now.
SELECT status, count(*)::bigint AS n
FROM messages
WHERE created_at >= sqlc.arg(since)
GROUP BY status
ORDER BY status;

-- name: DashboardRefusals :many
-- Messages refused since a time, by the refusal's code (index
-- audit_events_occurred).
SELECT coalesce(details->>'code', '')::text AS code, count(*)::bigint AS n
FROM audit_events
WHERE action = 'message.refused' AND occurred_at >= sqlc.arg(since)
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 20;

-- name: DashboardOpenCallbacks :many
-- Call-backs not done, by age: 0 under an hour, 1 under four hours, 2
-- under a day, 3 under a week, 4 older (index callback_tasks_queue).
SELECT (CASE
    WHEN created_at > sqlc.arg(now)::timestamptz - interval '1 hour' THEN 0
    WHEN created_at > sqlc.arg(now)::timestamptz - interval '4 hours' THEN 1
    WHEN created_at > sqlc.arg(now)::timestamptz - interval '1 day' THEN 2
    WHEN created_at > sqlc.arg(now)::timestamptz - interval '7 days' THEN 3
    ELSE 4 END)::int AS bucket, count(*)::bigint AS n
FROM callback_tasks
WHERE status <> 'done'
GROUP BY 1
ORDER BY 1;

-- name: DashboardOpenEscalations :many
-- Escalations not resolved (open or acknowledged), by age, in the
-- buckets of DashboardOpenCallbacks.
SELECT (CASE
    WHEN created_at > sqlc.arg(now)::timestamptz - interval '1 hour' THEN 0
    WHEN created_at > sqlc.arg(now)::timestamptz - interval '4 hours' THEN 1
    WHEN created_at > sqlc.arg(now)::timestamptz - interval '1 day' THEN 2
    WHEN created_at > sqlc.arg(now)::timestamptz - interval '7 days' THEN 3
    ELSE 4 END)::int AS bucket, count(*)::bigint AS n
FROM escalations
WHERE status <> 'resolved'
GROUP BY 1
ORDER BY 1;
