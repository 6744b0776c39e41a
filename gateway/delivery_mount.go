package gateway

import (
	"time"

	"safecontact/gateway/delivery"
	"safecontact/gateway/message"
)

// The delivery capability (gateway/delivery: outbox relay, channel
// workers, receipt spill, reconciliation) is built here from the server's
// parts: the sealed message content and the audit seal of a sent text
// (status writes it makes through gateway/message's rank-checked
// functions). It runs on the server's clock, read at each call.

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
		OpenContent: func(sealed []byte) (delivery.Content, error) { return message.OpenContent(s.keys, sealed) },
		// Read at each call: a test may replace the audit service (and its
		// public key) after New.
		SealSent: func(messageID, text string) []byte { return s.audit.SealSent(messageID, text) },
		PromisesCall: func(templateID string) bool {
			_, ok := s.catalog.PromisedCall(templateID)
			return ok
		},
	}, delivery.Config{ConsentReviewAge: s.cfg.ConsentReviewAge})
}

// Delivery is the delivery capability: the outbox relay, the send
// workers and reconciliation, for a process that runs them itself.
func (s *Server) Delivery() *delivery.Service { return s.delivery }

// SetProviderLookup turns reconciliation on (serve does, with Twilio).
func (s *Server) SetProviderLookup(l ProviderLookup, cfg ReconcileConfig) {
	s.delivery.SetProviderLookup(l, cfg)
}
