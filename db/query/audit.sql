-- name: AppendAudit :one
INSERT INTO audit_events (
    actor_id, actor_name, actor_role, action, participant_code, request_id, actor_ip, details
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id;

-- name: AuditForParticipant :many
SELECT * FROM audit_events WHERE participant_code = $1 ORDER BY id;
