package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/delivery"
	"safecontact/keys"
)

// The delivery capability (gateway/delivery: outbox relay, channel
// workers, receipt spill, reconciliation) is built here from the server's
// parts: the message status move and late outcomes, the status-callback
// update (applyStatusUpdatesTx), the sealed message content and the audit
// seal of a sent text. It runs on the server's clock, read at each call.

// The delivery settings, named here as the serve configuration (app.go)
// and the tests know them.
type (
	WorkerConfig    = delivery.WorkerConfig
	ReconcileConfig = delivery.ReconcileConfig
	ProviderLookup  = delivery.ProviderLookup
)

func newDelivery(s *Server) *delivery.Service {
	return delivery.New(delivery.Deps{
		DB: s.db, JS: s.js, Keys: s.keys, Log: s.log, Reg: s.reg,
		Now:         func() time.Time { return s.now() },
		MoveStatus:  moveStatus,
		LateOutcome: lateOutcome,
		ApplyStatuses: func(ctx context.Context, q *db.Queries, ids []uuid.UUID, ups []channels.StatusUpdate, sys *auth.Actor, source string, now time.Time) (int, error) {
			batch := make([]statusReq, len(ids))
			for i := range ids {
				batch[i] = statusReq{id: ids[i], up: ups[i]}
			}
			return applyStatusUpdatesTx(ctx, q, batch, sys, source, now)
		},
		OpenContent: func(sealed []byte) (delivery.Content, error) { return openContent(s.keys, sealed) },
		// Read at each call: a test may replace the audit service (and its
		// public key) after New.
		SealSent: func(messageID, text string) []byte { return s.audit.SealSent(messageID, text) },
	}, delivery.Config{ConsentReviewAge: s.cfg.ConsentReviewAge})
}

// openContent opens a message's sealed content (messages.content_enc).
func openContent(k *keys.Ring, sealed []byte) (delivery.Content, error) {
	raw, err := k.Open(keys.Body, sealed)
	if err != nil {
		return delivery.Content{}, err
	}
	var c content
	if err := json.Unmarshal(raw, &c); err != nil {
		return delivery.Content{}, err
	}
	return delivery.Content{Text: c.Text, ContentSID: c.ContentSID, ContentVariables: c.ContentVariables}, nil
}

// SetProviderLookup turns reconciliation on (serve does, with Twilio).
func (s *Server) SetProviderLookup(l ProviderLookup, cfg ReconcileConfig) {
	s.delivery.SetProviderLookup(l, cfg)
}

// errCode is a send error's code ("send_error" if it has none); erasure
// reads the provider redaction's errors with it.
func errCode(err error) string {
	var se *channels.SendError
	if errors.As(err, &se) {
		return se.Code
	}
	return "send_error"
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
