-- name: CreateParticipant :one
INSERT INTO participants (
    code, initials, language, time_zone, phone_enc, phone_index, phone_mask,
    whatsapp_enc, whatsapp_index, whatsapp_mask, monitored, safe_windows,
    any_time, channel_preference, caseworker_id,
    individual_only, strict_confidentiality, risk_evaluated_at, risk_evaluation_tracked
) VALUES (
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
    $16, $17, $18, $19
)
RETURNING *;

-- name: ParticipantByCode :one
SELECT * FROM participants WHERE code = $1;

-- name: ParticipantByCodeForUpdate :one
SELECT * FROM participants WHERE code = $1 FOR UPDATE;

-- name: ParticipantByPhoneIndex :one
SELECT * FROM participants WHERE phone_index = $1 OR whatsapp_index = $1 LIMIT 1;

-- name: PhoneIndexTaken :one
-- Is this number already some other participant's phone or WhatsApp number?
SELECT EXISTS (
    SELECT 1 FROM participants
    WHERE (phone_index = sqlc.arg(idx) OR whatsapp_index = sqlc.arg(idx))
      AND id <> sqlc.arg(except_id)
);

-- name: ListParticipants :many
-- Keyset pagination by id.
SELECT * FROM participants
WHERE id > sqlc.arg(after_id)
ORDER BY id
LIMIT sqlc.arg(max_rows);

-- name: SearchParticipants :many
-- The participants whose code or initials are exactly term (the console's
-- search), keyset pagination by id.
SELECT * FROM participants
WHERE id > sqlc.arg(after_id) AND (code = sqlc.arg(term)::text OR initials = sqlc.arg(term)::text)
ORDER BY id
LIMIT sqlc.arg(max_rows);

-- name: UpdateParticipant :one
UPDATE participants SET
    initials = $2, language = $3, time_zone = $4,
    phone_enc = $5, phone_index = $6, phone_mask = $7,
    whatsapp_enc = $8, whatsapp_index = $9, whatsapp_mask = $10,
    monitored = $11, safe_windows = $12, any_time = $13,
    channel_preference = $14, caseworker_id = $15,
    individual_only = $16, strict_confidentiality = $17,
    risk_evaluated_at = $18, risk_evaluation_tracked = $19, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: ParticipantByID :one
SELECT * FROM participants WHERE id = $1;

-- name: OtherParticipantWithNumber :one
-- The other participant whose phone or WhatsApp number this is, if any.
SELECT * FROM participants
WHERE (phone_index = sqlc.arg(idx) OR whatsapp_index = sqlc.arg(idx)) AND id <> sqlc.arg(except_id)
LIMIT 1;
