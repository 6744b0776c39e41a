-- name: AppendConsentEvent :one
INSERT INTO consent_events (
    participant_id, channel, kind, at, actor, source, evidence, notice_language,
    expires_at, reason, allow_voicemail, accept_whatsapp_risk
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING *;

-- name: ConsentHistory :many
SELECT * FROM consent_events WHERE participant_id = $1 ORDER BY at, id;

-- name: DueConsentExpiries :many
-- Grants whose expiry has passed and that nothing has superseded yet.
SELECT g.*, p.code AS participant_code FROM consent_events g
JOIN participants p ON p.id = g.participant_id
WHERE g.kind = 'granted' AND g.expires_at IS NOT NULL AND g.expires_at <= sqlc.arg(now)::timestamptz
  AND NOT EXISTS (
      SELECT 1 FROM consent_events l
      WHERE l.participant_id = g.participant_id AND l.channel = g.channel
        AND (l.at, l.id) > (g.at, g.id)
  )
ORDER BY g.expires_at
LIMIT sqlc.arg(max_rows);
