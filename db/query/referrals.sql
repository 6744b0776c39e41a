-- Partner directory.

-- name: AddPartner :one
INSERT INTO partners (name, key_id, seal_public, sign_public, fingerprint, inbox_url, card_issued, added_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING *;

-- name: LivePartnerByKeyID :one
SELECT * FROM partners WHERE key_id = $1 AND removed_at IS NULL;

-- name: PartnerByID :one
SELECT * FROM partners WHERE id = $1;

-- name: ListPartners :many
-- Live partners first, then removed ones; by id within each.
SELECT * FROM partners
WHERE removed_at IS NULL OR sqlc.arg(with_removed)::boolean
ORDER BY removed_at IS NOT NULL, id;

-- name: UpdatePartnerCard :one
-- A newer card of the same keys (keys.PartnerCard.CheckUpdate): name and
-- inbox URL change, the verification stands (the keys are the same).
UPDATE partners SET name = $2, inbox_url = $3, card_issued = $4
WHERE id = $1 AND removed_at IS NULL
RETURNING *;

-- name: VerifyPartner :one
UPDATE partners SET verified_at = sqlc.arg(at)::timestamptz, verified_by = sqlc.arg(by)::text
WHERE id = sqlc.arg(id) AND removed_at IS NULL
RETURNING *;

-- name: RemovePartner :one
UPDATE partners SET removed_at = sqlc.arg(at)::timestamptz, removed_by = sqlc.arg(by)::text
WHERE id = sqlc.arg(id) AND removed_at IS NULL
RETURNING *;

-- Referrals.

-- name: CreateReferral :one
INSERT INTO referrals (direction, partner_id, state, package_id, form_enc, expires_at, created_at, updated_at, created_by)
VALUES ($1, $2, $3, $4, $5, $6, sqlc.arg(at)::timestamptz, sqlc.arg(at)::timestamptz, $7)
RETURNING *;

-- name: ReferralByID :one
SELECT * FROM referrals WHERE id = $1;

-- name: ReferralByIDForUpdate :one
SELECT * FROM referrals WHERE id = $1 FOR UPDATE;

-- name: SentReferralByPackageForUpdate :one
SELECT * FROM referrals WHERE direction = 'sent' AND package_id = $1 FOR UPDATE;

-- name: ListReferrals :many
-- Keyset pagination by id, newest first; direction '' lists both.
SELECT * FROM referrals
WHERE (sqlc.arg(direction)::text = '' OR direction = sqlc.arg(direction)::text)
  AND (sqlc.arg(before_id)::bigint = 0 OR id < sqlc.arg(before_id)::bigint)
ORDER BY id DESC
LIMIT sqlc.arg(max_rows);

-- name: ExportReferral :one
-- A draft gets its package, once.
UPDATE referrals SET state = 'exported', package_id = $2, package_enc = $3, expires_at = $4, updated_at = sqlc.arg(at)::timestamptz
WHERE id = $1 AND direction = 'sent' AND state = 'draft'
RETURNING *;

-- name: MarkReferralDelivered :exec
-- The partner's inbox took the package (sent) or the receipt (received).
UPDATE referrals SET
    state = CASE WHEN state = 'exported' THEN 'delivered' ELSE state END,
    delivered_at = sqlc.arg(at)::timestamptz, updated_at = sqlc.arg(at)::timestamptz,
    delivery_due_at = NULL
WHERE id = $1;

-- name: ScheduleDelivery :exec
-- A delivery to try at due (NULL: none pending).
UPDATE referrals SET delivery_due_at = sqlc.narg(due)::timestamptz WHERE id = sqlc.arg(id);

-- name: DeliveryFailed :one
-- One more failed attempt; the next is due at next (NULL: given up).
UPDATE referrals SET delivery_attempts = delivery_attempts + 1, delivery_due_at = sqlc.narg(next)::timestamptz
WHERE id = sqlc.arg(id)
RETURNING delivery_attempts;

-- name: DueDeliveries :many
SELECT id FROM referrals
WHERE delivery_due_at <= sqlc.arg(now)::timestamptz
ORDER BY delivery_due_at
LIMIT sqlc.arg(max_rows);

-- name: DecideReferral :one
-- A received referral is accepted, declined or redirected, once.
UPDATE referrals SET state = sqlc.arg(state), participant_id = sqlc.arg(participant_id),
    outcome_enc = sqlc.arg(outcome_enc), decided_at = sqlc.arg(at)::timestamptz, decided_by = sqlc.arg(by)::text,
    receipt_id = sqlc.arg(receipt_id), receipt_enc = sqlc.arg(receipt_enc), updated_at = sqlc.arg(at)::timestamptz
WHERE id = sqlc.arg(id) AND direction = 'received' AND state = 'received'
RETURNING *;

-- name: RecordOutcome :one
-- The receipt for a sent referral arrived: its outcome, once.
UPDATE referrals SET state = sqlc.arg(state), outcome_enc = sqlc.arg(outcome_enc),
    decided_at = sqlc.arg(at)::timestamptz, updated_at = sqlc.arg(at)::timestamptz
WHERE id = sqlc.arg(id) AND direction = 'sent' AND state IN ('exported', 'delivered')
RETURNING *;

-- Replay.

-- name: RecordImport :execrows
-- 0 rows: the pair was imported before (a replay).
INSERT INTO referral_imports (sender_key_id, package_id, kind, keep_until)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING;

-- name: ForgetExpiredImports :execrows
DELETE FROM referral_imports WHERE keep_until < sqlc.arg(now)::timestamptz;
