package gateway

import (
	"context"
	"database/sql"
	"encoding/json"
	"net"

	"github.com/sqlc-dev/pqtype"

	"safecontact/db"
)

// AuditEvent is one entry of the contact log. Details carry codes, ids,
// field names and counts: never a phone number or a message body.
type AuditEvent struct {
	Action          string
	ParticipantCode string
	Details         map[string]any
}

// Append writes an audit event with q, which must be the transaction of
// the change it records: the change and its record commit together or not
// at all.
func Append(ctx context.Context, q *db.Queries, a *Actor, e AuditEvent) (int64, error) {
	var details pqtype.NullRawMessage
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return 0, err
		}
		details = pqtype.NullRawMessage{RawMessage: b, Valid: true}
	}
	return q.AppendAudit(ctx, db.AppendAuditParams{
		ActorID:         sql.NullInt64{Int64: a.UserID, Valid: a.UserID != 0},
		ActorName:       a.Name,
		ActorRole:       string(a.Role),
		Action:          e.Action,
		ParticipantCode: sql.NullString{String: e.ParticipantCode, Valid: e.ParticipantCode != ""},
		RequestID:       a.RequestID,
		ActorIp:         inet(a.IP),
		Details:         details,
	})
}

func inet(ip net.IP) pqtype.Inet {
	if ip == nil {
		return pqtype.Inet{}
	}
	bits := 128
	if v4 := ip.To4(); v4 != nil {
		ip, bits = v4, 32
	}
	return pqtype.Inet{IPNet: net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, Valid: true}
}
