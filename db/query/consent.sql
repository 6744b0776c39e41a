-- name: AppendConsentEvent :one
INSERT INTO consent_events (
    participant_id, channel, kind, at, actor, source, evidence, notice_language,
    expires_at, reason, allow_voicemail, accept_whatsapp_risk
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING *;

-- name: ConsentHistory :many
SELECT * FROM consent_events WHERE participant_id = $1 ORDER BY at, id;
