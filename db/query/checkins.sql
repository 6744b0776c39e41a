-- name: UpsertCheckinPlan :one
INSERT INTO checkin_plans (participant_id, every_seconds, weekdays, at_local, channel, grace_seconds, replies_enc, duress_count, next_due_at, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
ON CONFLICT (participant_id) DO UPDATE SET
    every_seconds = EXCLUDED.every_seconds, weekdays = EXCLUDED.weekdays, at_local = EXCLUDED.at_local,
    channel = EXCLUDED.channel, grace_seconds = EXCLUDED.grace_seconds, replies_enc = EXCLUDED.replies_enc,
    duress_count = EXCLUDED.duress_count, next_due_at = EXCLUDED.next_due_at, updated_at = EXCLUDED.updated_at
RETURNING *;

-- name: CheckinPlan :one
SELECT * FROM checkin_plans WHERE participant_id = $1;

-- name: DeleteCheckinPlan :execrows
DELETE FROM checkin_plans WHERE participant_id = $1;

-- name: ClaimDueCheckinPlans :many
-- Plans whose next check-in is due (index checkin_plans_due), locked so a
-- second scheduler (or a restarted one) skips them.
SELECT cp.*, p.code, p.language, p.time_zone FROM checkin_plans cp
JOIN participants p ON p.id = cp.participant_id
WHERE cp.participant_id IN (
    SELECT c.participant_id FROM checkin_plans c
    WHERE c.next_due_at <= sqlc.arg(now)
    ORDER BY c.next_due_at
    LIMIT sqlc.arg(max_rows)
    FOR UPDATE SKIP LOCKED
)
ORDER BY cp.next_due_at;

-- name: AdvanceCheckinPlans :exec
UPDATE checkin_plans cp SET next_due_at = u.next_due_at
FROM (SELECT unnest(sqlc.arg(participant_ids)::bigint[]) AS participant_id,
             unnest(sqlc.arg(next_due)::timestamptz[]) AS next_due_at) u
WHERE cp.participant_id = u.participant_id;

-- name: StartCheckins :exec
-- Set-based: messages (sealed text), their first events, outbox rows for
-- those due now, the check-ins, and audit events, in one statement.
WITH input AS (
    SELECT unnest(sqlc.arg(checkin_ids)::uuid[]) AS checkin_id,
           unnest(sqlc.arg(message_ids)::uuid[]) AS message_id,
           unnest(sqlc.arg(participant_ids)::bigint[]) AS participant_id,
           unnest(sqlc.arg(participant_codes)::text[]) AS participant_code,
           unnest(sqlc.arg(slots)::timestamptz[]) AS slot,
           unnest(sqlc.arg(codes)::text[]) AS code,
           unnest(sqlc.arg(channels)::text[]) AS channel,
           unnest(sqlc.arg(statuses)::text[]) AS status,
           unnest(sqlc.arg(variants)::text[]) AS variant,
           unnest(sqlc.arg(languages)::text[]) AS language,
           unnest(sqlc.arg(template_versions)::int[]) AS template_version,
           unnest(sqlc.arg(template_digests)::text[]) AS template_digest,
           unnest(sqlc.arg(template_sources)::text[]) AS template_source,
           unnest(sqlc.arg(contents)::bytea[]) AS content_enc,
           unnest(sqlc.arg(send_ats)::timestamptz[]) AS send_at,
           unnest(sqlc.arg(consent_versions)::int[]) AS consent_version,
           unnest(sqlc.arg(graces)::bigint[]) AS grace_seconds,
           unnest(sqlc.arg(details)::text[]) AS details
), msg AS (
    INSERT INTO messages (id, participant_id, channel, status, variant, template_id, template_version,
                          template_digest, template_source,
                          language, content_enc, priority, send_at, consent_version, created_at, updated_at)
    SELECT message_id, participant_id, channel, status, variant, 'safety_checkin', template_version,
           template_digest, template_source,
           language, content_enc, 1, send_at, consent_version, sqlc.arg(now), sqlc.arg(now) FROM input
    RETURNING id
), ev AS (
    INSERT INTO message_events (message_id, status, at) SELECT message_id, status, sqlc.arg(now) FROM input
), ob AS (
    INSERT INTO outbox (message_id, subject, priority)
    SELECT message_id, 'contact.' || channel || '.priority', 1 FROM input WHERE status = 'queued'
), ci AS (
    INSERT INTO checkins (id, participant_id, slot, code, message_id, status, grace_seconds, due_at, created_at)
    SELECT checkin_id, participant_id, slot, code, message_id, 'open', grace_seconds,
           send_at + make_interval(secs => grace_seconds), sqlc.arg(now) FROM input
)
INSERT INTO audit_events (actor_name, actor_role, action, participant_code, request_id, details)
SELECT sqlc.arg(actor_name), 'system', 'checkin.sent', participant_code, '', details::jsonb FROM input;

-- name: RecordRefusedCheckin :exec
INSERT INTO checkins (id, participant_id, slot, code, status, grace_seconds, created_at, closed_at)
VALUES ($1, $2, $3, $4, 'refused', $5, $6, $6)
ON CONFLICT (participant_id, slot) DO NOTHING;

-- name: OpenCheckinForParticipant :one
SELECT * FROM checkins WHERE participant_id = $1 AND status IN ('open', 'nudged')
ORDER BY created_at DESC LIMIT 1 FOR UPDATE;

-- name: CloseCheckin :exec
UPDATE checkins SET status = $2, closed_at = $3, due_at = NULL WHERE id = $1;

-- name: ClaimDueCheckins :many
-- Open check-ins whose grace has run out (index checkins_due).
SELECT c.*, p.code AS participant_code FROM checkins c
JOIN participants p ON p.id = c.participant_id
WHERE c.id IN (
    SELECT x.id FROM checkins x
    WHERE x.status IN ('open', 'nudged') AND x.due_at <= sqlc.arg(now)::timestamptz
    ORDER BY x.due_at
    LIMIT sqlc.arg(max_rows)
    FOR UPDATE SKIP LOCKED
);

-- name: SetCheckinNudged :exec
UPDATE checkins SET status = 'nudged', nudge_message_id = $2, due_at = $3 WHERE id = $1;

-- name: CancelOpenCheckins :exec
UPDATE checkins SET status = 'canceled', closed_at = $2, due_at = NULL
WHERE participant_id = $1 AND status IN ('open', 'nudged');

-- name: CheckinsForParticipant :many
SELECT * FROM checkins WHERE participant_id = $1 ORDER BY created_at DESC LIMIT 20;

-- name: CreateEscalation :one
INSERT INTO escalations (id, participant_id, checkin_id, reason, urgent, level, next_step_at, created_at)
VALUES ($1, $2, $3, $4, $5, 1, $6, $7)
RETURNING *;

-- name: AddEscalationStep :exec
INSERT INTO escalation_steps (escalation_id, level, kind, user_id, at, note) VALUES ($1, $2, $3, $4, $5, $6);

-- name: EscalationSteps :many
SELECT * FROM escalation_steps WHERE escalation_id = $1 ORDER BY id;

-- name: EscalationByID :one
SELECT e.*, p.code AS participant_code, p.initials AS participant_initials, p.caseworker_id AS participant_caseworker_id FROM escalations e
JOIN participants p ON p.id = e.participant_id
WHERE e.id = $1;

-- name: EscalationByIDForUpdate :one
SELECT * FROM escalations WHERE id = $1 FOR UPDATE;

-- name: ListEscalations :many
SELECT e.*, p.code AS participant_code, p.initials AS participant_initials, p.caseworker_id AS participant_caseworker_id FROM escalations e
JOIN participants p ON p.id = e.participant_id
WHERE (sqlc.arg(status)::text = '' OR e.status = sqlc.arg(status)::text)
ORDER BY e.created_at DESC, e.id DESC
LIMIT sqlc.arg(max_rows);

-- name: ClaimDueEscalations :many
-- Escalations whose next rung is due: open ones, and duress escalations
-- acknowledged by staff outside her team (the ladder goes on until her
-- caseworker or a supervisor acknowledges; AckEscalation clears it).
SELECT e.*, p.code AS participant_code FROM escalations e
JOIN participants p ON p.id = e.participant_id
WHERE e.id IN (
    SELECT x.id FROM escalations x
    WHERE x.status <> 'resolved' AND x.next_step_at IS NOT NULL AND x.next_step_at <= sqlc.arg(now)::timestamptz
    ORDER BY x.next_step_at
    LIMIT sqlc.arg(max_rows)
    FOR UPDATE SKIP LOCKED
);

-- name: SetEscalationLevel :exec
UPDATE escalations SET level = $2, next_step_at = $3 WHERE id = $1;

-- name: AckEscalation :exec
UPDATE escalations SET status = 'acknowledged', acked_at = $2, acked_by = $3, next_step_at = NULL WHERE id = $1;

-- name: AckEscalationByOther :exec
-- Acknowledged by a staff member who is not her caseworker nor a
-- supervisor: recorded, but the next rung stays scheduled.
UPDATE escalations SET status = 'acknowledged', acked_at = $2, acked_by = $3 WHERE id = $1;

-- name: ResolveEscalation :exec
UPDATE escalations SET status = 'resolved', resolved_at = $2, resolved_by = $3, outcome = $4, next_step_at = NULL,
    acked_at = coalesce(acked_at, $2), acked_by = coalesce(acked_by, $3)
WHERE id = $1;

-- name: InsertEscalationOutbox :exec
INSERT INTO escalation_outbox (escalation_id, kind, user_id, level, created_at) VALUES ($1, $2, $3, $4, $5);

-- name: ClaimEscalationOutbox :many
SELECT o.*, e.reason, p.code AS participant_code FROM escalation_outbox o
JOIN escalations e ON e.id = o.escalation_id
JOIN participants p ON p.id = e.participant_id
WHERE o.id IN (
    SELECT x.id FROM escalation_outbox x
    WHERE x.kind = sqlc.arg(kind) AND x.status = 'pending'
    ORDER BY x.id
    LIMIT sqlc.arg(max_rows)
    FOR UPDATE SKIP LOCKED
)
ORDER BY o.id;

-- name: FinishEscalationOutbox :exec
UPDATE escalation_outbox SET status = $2, attempts = attempts + 1, error_code = $3, done_at = $4 WHERE id = $1;

-- name: RetryEscalationOutbox :exec
UPDATE escalation_outbox SET attempts = attempts + 1, error_code = $2 WHERE id = $1;

-- name: ActiveUsersByRole :many
SELECT * FROM users WHERE role = $1 AND disabled_at IS NULL ORDER BY id;

-- name: RecentOpenEscalation :one
-- An escalation for the same reason still open (not resolved) since a
-- given time: a repeated duress text (or a provider's webhook retry) does
-- not open a second one.
SELECT id FROM escalations
WHERE participant_id = $1 AND reason = $2 AND status <> 'resolved' AND created_at >= sqlc.arg(since)::timestamptz
ORDER BY created_at DESC LIMIT 1;

-- name: InsertStaffNotice :exec
INSERT INTO staff_notices (user_id, notice, created_at) VALUES ($1, $2, $3);

-- name: ClaimStaffNotices :many
SELECT * FROM staff_notices
WHERE status = 'pending'
ORDER BY id
LIMIT sqlc.arg(max_rows)
FOR UPDATE SKIP LOCKED;

-- name: FinishStaffNotice :exec
UPDATE staff_notices SET status = $2, attempts = attempts + 1, error_code = $3, done_at = $4 WHERE id = $1;

-- name: RetryStaffNotice :exec
UPDATE staff_notices SET attempts = attempts + 1, error_code = $2 WHERE id = $1;
