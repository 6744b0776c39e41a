package gateway

import (
	"context"
	"encoding/json"

	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/gateway/message"
	"safecontact/gateway/safety"
	"safecontact/keys"
	"safecontact/templates"
)

// The safety capability (gateway/safety) is built here from the server's
// parts: the participants capability, the send pipeline's store of
// templated messages (below), the voice queue's call-back tasks, the
// relay's kick and the discreet filter's known names. It runs on the
// server's clock, read at each call.

func newSafety(s *Server, d Deps) *safety.Service {
	return safety.New(safety.Deps{
		DB: d.DB, Keys: d.Keys, Catalog: s.catalog, Participants: s.participants, Messages: safetyMessages{s},
		Callback: escalationCallback, JS: d.JS, Log: s.log, Kick: s.kickRelay, MeetingPointAdded: s.known.forget,
		Now: func() time.Time { return s.now() },
	}, safety.Config{
		SessionSpacing: s.cfg.SessionSpacing, EscalationAckTimeout: s.cfg.EscalationAckTimeout, OnCallUser: s.cfg.OnCallUser,
		EmergencyProtocol: s.cfg.EmergencyProtocol, ConsentReviewAge: s.cfg.ConsentReviewAge, Batch: schedulerBatch,
	})
}

// escalationCallback queues an escalation's call-back task in the voice
// queue (gateway/callback).
func escalationCallback(ctx context.Context, q *db.Queries, a *auth.Actor, p db.Participant, urgent bool, sourceKey string, now time.Time) (int64, error) {
	task, _, err := callback.Create(ctx, q, a, callback.Request{Participant: p, Reason: callback.ReasonEscalation, Urgent: urgent, SourceKey: sourceKey, Now: now})
	return task.ID, err
}

// safetyMessages is safety.Messages on the server's send pipeline.
type safetyMessages struct{ s *Server }

func (m safetyMessages) StoreTemplated(ctx context.Context, q *db.Queries, a *auth.Actor, t safety.Templated, now time.Time) (uuid.UUID, string, error) {
	return m.s.storeTemplated(ctx, q, a, t, now)
}

func (m safetyMessages) SealContent(r templates.Rendered) []byte { return m.s.sealContent(r) }

// sealContent is a rendered text sealed (keys.Body) as messages.content_enc
// holds it.
func (s *Server) sealContent(r templates.Rendered) []byte {
	sealed, _ := json.Marshal(content{Text: r.Text, ContentSID: r.ContentSID, ContentVariables: r.ContentVariables})
	return s.keys.Seal(keys.Body, sealed)
}

// storeTemplated renders and stores one message with its first event, its
// outbox row if due now, and its message.accepted audit event, in q's
// transaction. The text is sealed; nothing of it is logged.
func (s *Server) storeTemplated(ctx context.Context, q *db.Queries, a *auth.Actor, m safety.Templated, now time.Time) (uuid.UUID, string, error) {
	r, err := s.catalog.Render(templates.RenderRequest{TemplateID: m.Template, Lang: m.Participant.Language, Variant: templates.Variant(m.Decision.Variant),
		Channel: string(m.Decision.Channel), Params: m.Params, TimeZone: m.Participant.TimeZone})
	if err != nil {
		return uuid.Nil, "", err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, "", err
	}
	st := message.StatusScheduled
	if !m.SendAt.After(now) {
		st = message.StatusQueued
		m.SendAt = now
	}
	details := map[string]any{"message_id": id.String(), "channel": m.Decision.Channel, "variant": m.Decision.Variant, "status": st, "send_at": m.SendAt,
		"template_id": r.TemplateID, "template_version": r.Version, "consent_version": m.Decision.ConsentVersion, "language": r.Lang}
	for k, v := range m.Details {
		details[k] = v
	}
	dj, _ := json.Marshal(details)
	_, err = insertMessages(ctx, q, []newMessage{{
		id: id, participantID: m.Participant.ID, participantCode: m.Participant.Code, channel: string(m.Decision.Channel), status: st, variant: string(m.Decision.Variant),
		templateID: r.TemplateID, templateVersion: r.Version, language: r.Lang, contentEnc: s.sealContent(r),
		priority: m.Priority, sendAt: m.SendAt, consentVersion: m.Decision.ConsentVersion, at: now,
		subject: channels.Subject(string(m.Decision.Channel), m.Priority > 0), actor: a, details: dj,
		rowVersion: -1, // read and written in the caller's transaction
	}})
	return id, st, err
}
