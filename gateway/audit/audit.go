// Package audit is the tamper-evident log of every contact and every
// change: Append (in the transaction of the change it records), the hash
// chain and its sequencer (chain.go states the chain's invariants),
// verification, export, and the supervisor routes that read the log.
//
// It depends on auth (who acted), httpx and runner (the sequencer's leader
// lock); every capability above it records through Append.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"net"

	"github.com/sqlc-dev/pqtype"

	"safecontact/db"
	"safecontact/gateway/auth"
)

// The audit service's own actions: every read of the log is recorded.
const (
	ActionRead     = "audit.read"
	ActionExported = "audit.exported"
	ActionVerified = "audit.verified"
)

// The codes of a log that does not verify (GET /v1/audit/verify, 409).
const (
	CodeChainBroken        = "audit_chain_broken"
	CodeCheckpointMismatch = "checkpoint_mismatch"
	CodeCheckpointNotFound = "checkpoint_not_found"
)

// Event is one entry of the contact log. Details carry codes, ids,
// field names and counts: never a phone number or a message body.
type Event struct {
	Action          string
	ParticipantCode string
	Details         map[string]any
	// Sealed is content sealed to the programme's audit public key
	// (Service.SealSent): the text actually sent, for message.sent.
	// The server cannot read it back. nil: none.
	Sealed []byte
}

// Append writes an audit event with q, which must be the transaction of
// the change it records: the change and its record commit together or not
// at all.
//
// The row is inserted unsealed (seq NULL): appends never wait on each
// other or on the chain. The sequencer (chain.go) gives it its place
// in the hash chain shortly after it commits.
func Append(ctx context.Context, q *db.Queries, a *auth.Actor, e Event) (int64, error) {
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

// SentContent is what is sealed into a message.sent event.
type SentContent struct {
	MessageID string `json:"message_id"`
	Text      string `json:"text"`
}

// SealSent seals the text actually sent for message messageID to the
// programme's audit public key, for Event.Sealed of message.sent.
// It returns nil when no audit key is configured (the text is then not
// kept) or if sealing fails (never: it needs only randomness).
func (s *Service) SealSent(messageID, text string) []byte {
	if s.cfg.PublicKey == nil {
		return nil
	}
	b, _ := json.Marshal(SentContent{MessageID: messageID, Text: text})
	sealed, err := s.cfg.PublicKey.Seal(b)
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
