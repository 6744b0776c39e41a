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
	// Sealed is content sealed to the programme's audit public key
	// (Server.SealSent): the text actually sent, for message.sent.
	// The server cannot read it back. nil: none.
	Sealed []byte
}

// Append writes an audit event with q, which must be the transaction of
// the change it records: the change and its record commit together or not
// at all.
//
// The row is inserted unsealed (seq NULL): appends never wait on each
// other or on the chain. The sequencer (audit_chain.go) gives it its place
// in the hash chain shortly after it commits.
func Append(ctx context.Context, q *db.Queries, a *Actor, e AuditEvent) (int64, error) {
	var details pqtype.NullRawMessage
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return 0, err
		}
		details = pqtype.NullRawMessage{RawMessage: b, Valid: true}
	}
	var sealed []byte
	if len(e.Sealed) > 0 {
		sealed = e.Sealed
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
		SealedContent:   sealed,
	})
}

// sentContent is what is sealed into a message.sent event.
type sentContent struct {
	MessageID string `json:"message_id"`
	Text      string `json:"text"`
}

// SealSent seals the text actually sent for message messageID to the
// programme's audit public key, for AuditEvent.Sealed of message.sent.
// It returns nil when no audit key is configured (the text is then not
// kept) or if sealing fails (never: it needs only randomness).
func (s *Server) SealSent(messageID, text string) []byte {
	if s.cfg.AuditPublicKey == nil {
		return nil
	}
	b, _ := json.Marshal(sentContent{MessageID: messageID, Text: text})
	sealed, err := s.cfg.AuditPublicKey.Seal(b)
	if err != nil {
		s.log.Error("audit: sealing sent content", "message_id", messageID, "err", err)
		return nil
	}
	return sealed
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
