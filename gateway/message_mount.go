package gateway

import (
	"context"
	"time"

	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
	"safecontact/gateway/safety"
	"safecontact/templates"
)

// The message capability (gateway/message: accept, preview, status
// callbacks, erase, retention) is built here from the server's parts: the
// participants capability, the catalogue and its discreet filter, the
// Twilio webhook check, the relay's kick and the accept metric. It runs on
// the server's clock, read at each call (a test may replace it after New).

func newMessages(s *Server, d Deps) *message.Service {
	m := message.New(message.Deps{
		DB: d.DB, Keys: d.Keys, Log: s.log, Catalog: s.catalog, Participants: s.participants, Twilio: s.twilio(),
		Kick: s.kickRelay, Redecided: s.metrics.redecided.Inc, Sink: d.Sink,
		Now: func() time.Time { return s.now() },
	}, message.Config{
		ConsentReviewAge: s.cfg.ConsentReviewAge, APIDBTimeout: s.cfg.APIDBTimeout, BodyRetention: s.cfg.BodyRetention,
		FreeText: s.cfg.Discreet.MonitoredFreeText, UnknownNames: s.cfg.Discreet.UnknownNamesOn(),
	})
	if r := s.cfg.Voice.Redactor; r != nil {
		m.UseRedactor(r)
	}
	return m
}

// twilio checks Twilio's webhooks with the configured token and URL.
func (s *Server) twilio() httpx.Twilio {
	return httpx.Twilio{AuthToken: s.cfg.TwilioAuthToken, PublicURL: s.cfg.PublicURL, Forged: s.metrics.forgedWebhooks.Inc}
}

// safetyMessages is safety.Messages on the message service.
type safetyMessages struct{ m *message.Service }

func (m safetyMessages) StoreTemplated(ctx context.Context, q *db.Queries, a *auth.Actor, t safety.Templated, now time.Time) (uuid.UUID, string, error) {
	return m.m.StoreTemplated(ctx, q, a, message.Templated(t), now)
}

func (m safetyMessages) SealContent(r templates.Rendered) []byte { return m.m.SealContent(r) }
