package message

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/templates"
)

// Preview is a message as it would be sent: the decision and, when it is
// allowed, the rendered text.
type Preview struct {
	Decision   consent.Decision
	Content    Content
	TemplateID string
	Version    int
	Language   string
	SMS        templates.SMSInfo
	// Redactions: what the discreet filter removed from free text.
	Redactions []Redaction
	// Field is the request field a refusal is about ("params.when" for a
	// promised call the decision refused), "" otherwise.
	Field string
}

// Preview is the message in would be, decided on fresh data and not
// stored (what POST /v1/messages/preview answers): a refusal is
// Decision.Allowed false with no error.
func (s *Service) Preview(ctx context.Context, a *auth.Actor, in Input) (Preview, error) {
	m, err := s.preview(ctx, a, in)
	return Preview{Decision: m.decision, Content: m.content, TemplateID: m.templateID, Version: m.version, Language: m.language,
		SMS: m.sms, Redactions: m.redactions, Field: m.field}, err
}

// Send accepts in under the Idempotency-Key key (required), as POST
// /v1/messages does: the same key and request again answer what was
// answered the first time (replayed true). A refusal is the error.
func (s *Service) Send(ctx context.Context, a *auth.Actor, key string, in Input) (acc Accepted, replayed bool, err error) {
	if key == "" {
		// Without a key a double submit would send twice.
		return acc, false, errs.Field(errs.CodeMissingField, "Idempotency-Key", "the form has no idempotency key; open it again")
	}
	if err := checkIdempotencyKey(key); err != nil {
		return acc, false, err
	}
	body, err := json.Marshal(in)
	if err != nil {
		return acc, false, errs.Internal(err)
	}
	hash := sha256.Sum256(body)
	status, stored, ok, err := s.storedAnswer(ctx, a, key, hash[:])
	if err != nil {
		return acc, false, err
	}
	ans := sendAnswer{status: status, stored: stored}
	if !ok {
		if ans, err = s.sendMessage(ctx, a, in, key, hash[:]); err != nil {
			return acc, false, err
		}
	}
	var refused httpx.ErrorBody
	switch {
	case ans.stored != nil && ans.status == http.StatusAccepted:
		if err := json.Unmarshal(ans.stored, &acc); err != nil {
			return acc, true, errs.Internal(err)
		}
		return acc, true, nil
	case ans.stored != nil:
		if err := json.Unmarshal(ans.stored, &refused); err != nil || refused.Error == nil {
			return acc, true, errs.Internal(err)
		}
		return acc, true, refused.Error
	case ans.status == http.StatusAccepted:
		return ans.resp.(Accepted), false, nil
	default:
		return acc, false, ans.resp.(httpx.ErrorBody).Error
	}
}

// Templated is one templated message to store for her: now (queued) or at
// SendAt (scheduled), by the channel and variant of Decision.
type Templated struct {
	Participant db.Participant
	Decision    consent.Decision
	Template    string
	Params      map[string]string
	// AtForms are the meeting points' at forms by parameter and language
	// (templates.RenderRequest.AtForms).
	AtForms map[string]map[string]string
	SendAt  time.Time
	// Priority 1 is the safety lane.
	Priority int16
	// Details are added to the message.accepted audit event.
	Details map[string]any
}

// StoreTemplated renders and stores one message with its first event, its
// outbox row if due now, and its message.accepted audit event, in q's
// transaction. The text is sealed; nothing of it is logged. A template
// that promises her a call keeps the promised time, so the worker decides
// the call (consent.DecideCall) before sending, as for one accepted
// through the API.
func (s *Service) StoreTemplated(ctx context.Context, q *db.Queries, a *auth.Actor, m Templated, now time.Time) (uuid.UUID, string, error) {
	r, err := s.d.Catalog.Render(templates.RenderRequest{TemplateID: m.Template, Lang: m.Participant.Language, Variant: templates.Variant(m.Decision.Variant),
		Channel: string(m.Decision.Channel), Params: m.Params, AtForms: m.AtForms, TimeZone: m.Participant.TimeZone})
	if err != nil {
		return uuid.Nil, "", err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, "", err
	}
	st := StatusScheduled
	if !m.SendAt.After(now) {
		st = StatusQueued
		m.SendAt = now
	}
	details := map[string]any{"message_id": id.String(), "channel": m.Decision.Channel, "variant": m.Decision.Variant, "status": st, "send_at": m.SendAt,
		"template_id": r.TemplateID, "template_version": r.Version, "consent_version": m.Decision.ConsentVersion, "language": r.Lang}
	provenance(details, r.Source, r.Digest)
	for k, v := range m.Details {
		details[k] = v
	}
	dj, _ := json.Marshal(details)
	var promised time.Time
	if param, ok := s.d.Catalog.PromisedCall(r.TemplateID); ok {
		// Render read it as RFC 3339 already.
		if promised, err = time.Parse(time.RFC3339, strings.TrimSpace(m.Params[param])); err != nil {
			return uuid.Nil, "", errs.Internal(err)
		}
	}
	_, err = insertMessages(ctx, q, []row{{
		id: id, participantID: m.Participant.ID, participantCode: m.Participant.Code, channel: string(m.Decision.Channel), status: st, variant: string(m.Decision.Variant),
		templateID: r.TemplateID, templateVersion: r.Version, templateSource: r.Source, templateDigest: r.Digest,
		language: r.Lang, contentEnc: s.SealContent(r),
		priority: m.Priority, sendAt: m.SendAt, consentVersion: m.Decision.ConsentVersion, at: now,
		subject: channels.Subject(string(m.Decision.Channel), m.Priority > 0), actor: a, details: dj,
		rowVersion:     -1, // read and written in the caller's transaction
		promisedCallAt: promised,
		renderedTZ:     r.TimeZone,
	}})
	return id, st, err
}
