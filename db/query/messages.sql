-- name: InsertMessageEvent :exec
INSERT INTO message_events (message_id, status, at, code) VALUES ($1, $2, $3, $4);

-- name: ClaimOutbox :many
-- Safety lane first, then oldest first. SKIP LOCKED lets several relays
-- share the table without waiting on each other.
SELECT * FROM outbox
ORDER BY priority DESC, id
LIMIT sqlc.arg(max_rows)
FOR UPDATE SKIP LOCKED;

-- name: DeleteOutbox :exec
DELETE FROM outbox WHERE id = ANY(sqlc.arg(ids)::bigint[]);

-- name: MessageByID :one
SELECT * FROM messages WHERE id = $1;

-- name: MessageByIDForUpdate :one
SELECT * FROM messages WHERE id = $1 FOR UPDATE;

-- name: MessageByProviderIDForUpdate :one
SELECT * FROM messages WHERE provider_id = $1 FOR UPDATE;

-- name: MessageEvents :many
SELECT * FROM message_events WHERE message_id = $1 ORDER BY id;

-- name: ListParticipantMessages :many
SELECT * FROM messages
WHERE participant_id = sqlc.arg(participant_id)
  AND (sqlc.narg(before_created)::timestamptz IS NULL OR (created_at, id) < (sqlc.narg(before_created)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(max_rows);

-- name: SetMessageStatus :execrows
-- Moves one message forward (migration 00014: message_status_may_move);
-- 0 rows when the move would go backwards, and nothing changes.
UPDATE messages SET
    status = $2, updated_at = $3, error_code = $4,
    final_at = CASE WHEN sqlc.arg(final)::boolean THEN $3 ELSE final_at END
WHERE id = $1 AND message_status_may_move(status, $2, provider_id IS NOT NULL);

-- name: Reschedule :execrows
UPDATE messages SET status = 'scheduled', send_at = $2, updated_at = $3
WHERE id = $1 AND message_status_may_move(status, 'scheduled', provider_id IS NOT NULL);

-- name: ScheduleRetry :execrows
-- A send the provider refused for a passing reason (or a send it never
-- saw) waits in the database for its next attempt, not in the queue: the
-- scheduler releases it at send_at. Only from sending under a live claim
-- (marked sending less than lease_us microseconds before checked_at, the
-- application's clock read just before this statement, plus the time spent
-- inside it, clock_timestamp() - statement_timestamp(), e.g. waiting for
-- the row's lock; only the database's clock differences, never its time,
-- are compared with updated_at, written on the application's clock),
-- never once the provider has a record of it. A claim past its lease is taken
-- to be dead (a redelivery marks the message unknown, the rename check of
-- a meeting point no longer counts it), so its message is never sent
-- again, and an unknown one is not retried either. A message whose text
-- names a meeting point is retried with the point locked FOR SHARE
-- (ShareMeetingPoint, a statement before this one, and checked_at read
-- after it), so a retry and a rename of the point are serialized: the
-- retry never moves back to scheduled a message whose claim the rename's
-- check found lapsed. refund gives back the attempt the claim counted:
-- the provider, not this message, was down, and an outage must not use
-- up her message's attempts.
UPDATE messages SET status = 'scheduled', send_at = sqlc.arg(send_at), updated_at = sqlc.arg(now),
    error_code = nullif(sqlc.arg(code)::text, ''),
    attempts = CASE WHEN sqlc.arg(refund)::boolean THEN greatest(attempts - 1, 0) ELSE attempts END
WHERE id = sqlc.arg(id) AND status = 'sending'
  AND sqlc.arg(checked_at)::timestamptz + (clock_timestamp() - statement_timestamp())
      < updated_at + sqlc.arg(lease_us)::bigint * interval '1 microsecond'
  AND provider_id IS NULL;

-- name: GetIdempotency :one
SELECT * FROM idempotency_keys WHERE user_id = $1 AND key = $2;

-- name: PutIdempotency :execrows
INSERT INTO idempotency_keys (user_id, key, request_hash, status, response)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING;

-- name: MessageCaseworkers :many
-- The caseworker of each message's participant (GET /v1/dev/sink shows a
-- staff member only her own participants' messages).
SELECT m.id, p.caseworker_id FROM messages m
JOIN participants p ON p.id = m.participant_id
WHERE m.id = ANY(sqlc.arg(ids)::text::uuid[]);

-- name: ReconcileCandidates :many
-- Messages whose outcome the provider may know better than we do: unknown
-- (settled for a while), or sending/sent for longer than a delivery takes.
-- Only rows that still hold their text (the list match needs it), due to be
-- sent since a bound: the window is send_at (a reminder created days ahead
-- is sent, and can be stuck, long after its created_at), read through
-- messages_reconcile_window (send_at, rows with a body), so the scan costs
-- the recent sends, not the table.
SELECT m.id, m.channel, m.status, m.provider_id, m.participant_id, m.send_at, m.updated_at, m.reconcile_checks
FROM messages m
WHERE m.content_enc IS NOT NULL AND m.send_at >= sqlc.arg(since)
  -- Nothing due within the settle time can be a candidate: the scan skips
  -- the newest rows (at high volume, most of the range).
  AND m.send_at < sqlc.arg(unknown_before)
  AND m.channel IN ('sms', 'whatsapp')
  AND ((m.status = 'unknown' AND m.updated_at < sqlc.arg(unknown_before))
       OR (m.status IN ('sending', 'sent') AND m.updated_at < sqlc.arg(stuck_before)))
  -- Each row waits for its own next check (backoff), and a row the
  -- provider keeps calling sent is left alone after a few answers: the
  -- pass reaches every row instead of the same oldest ones.
  AND (m.reconcile_next_at IS NULL OR m.reconcile_next_at <= sqlc.arg(now)::timestamptz)
  AND NOT (m.status = 'sent' AND m.reconcile_checks >= sqlc.arg(sent_checks)::int)
ORDER BY coalesce(m.reconcile_next_at, m.updated_at)
LIMIT sqlc.arg(max_rows);

-- name: ReconcileListCandidates :many
-- The candidates of ReconcileCandidates that carry a provider id, in send
-- order, for settling by a listing of the provider's messages in their
-- send window (one call for many). ids already looked at in this pass are
-- left out.
SELECT m.id, m.channel, m.status, m.provider_id, m.participant_id, m.send_at, m.updated_at, m.reconcile_checks
FROM messages m
WHERE m.content_enc IS NOT NULL AND m.send_at >= sqlc.arg(since)
  AND m.send_at < sqlc.arg(unknown_before)
  AND m.channel IN ('sms', 'whatsapp')
  AND m.provider_id IS NOT NULL
  AND ((m.status = 'unknown' AND m.updated_at < sqlc.arg(unknown_before))
       OR (m.status IN ('sending', 'sent') AND m.updated_at < sqlc.arg(stuck_before)))
  AND (m.reconcile_next_at IS NULL OR m.reconcile_next_at <= sqlc.arg(now)::timestamptz)
  AND NOT (m.status = 'sent' AND m.reconcile_checks >= sqlc.arg(sent_checks)::int)
  AND NOT (m.id = ANY(sqlc.arg(seen)::text::uuid[]))
ORDER BY m.send_at
LIMIT sqlc.arg(max_rows);

-- name: MarkReconcileChecked :exec
-- One more look at a message by reconciliation, whatever came of it, and
-- when to look again.
UPDATE messages SET reconcile_checks = reconcile_checks + 1, reconcile_next_at = sqlc.arg(next_at)
WHERE id = sqlc.arg(id);

-- name: MarkReconcileCheckedMany :exec
-- MarkReconcileChecked for many messages, each with its own next check.
UPDATE messages m SET reconcile_checks = m.reconcile_checks + 1, reconcile_next_at = c.next_at
FROM (
    SELECT unnest(sqlc.arg(ids)::text::uuid[]) AS id,
           unnest(sqlc.arg(next_ats)::text::timestamptz[]) AS next_at
) c
WHERE m.id = c.id AND m.id = ANY(sqlc.arg(ids)::text::uuid[]);

-- name: ProviderIDRecorded :one
SELECT EXISTS (SELECT 1 FROM messages WHERE provider_id = $1);
