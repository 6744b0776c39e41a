package message

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
)

type View struct {
	ID              string  `json:"id"`
	Participant     string  `json:"participant"`
	Channel         string  `json:"channel"`
	Status          string  `json:"status"`
	Variant         string  `json:"variant"`
	TemplateID      *string `json:"template_id"`
	TemplateVersion *int32  `json:"template_version"`
	// TemplateDigest (hex SHA-256 of the template file) and TemplateSource
	// (builtin or deployment): which text was sent; null for free text
	// and for messages written before they were recorded.
	TemplateDigest *string         `json:"template_digest"`
	TemplateSource *string         `json:"template_source"`
	Language       string          `json:"language"`
	SendAt         time.Time       `json:"send_at"`
	ConsentVersion int32           `json:"consent_version"`
	Redactions     json.RawMessage `json:"redactions"`
	ErrorCode      *string         `json:"error_code"`
	Attempts       int32           `json:"attempts"`
	CreatedAt      time.Time       `json:"created_at"`
	History        []StatusChange  `json:"history,omitempty"`
}

type StatusChange struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	Code   *string   `json:"code,omitempty"`
}

func viewOf(m db.Message, code string) View {
	v := View{ID: m.ID.String(), Participant: code, Channel: m.Channel, Status: m.Status, Variant: m.Variant,
		Language: m.Language, SendAt: m.SendAt.UTC(), ConsentVersion: m.ConsentVersion, Attempts: m.Attempts, CreatedAt: m.CreatedAt.UTC(),
		Redactions: json.RawMessage("null")}
	if m.TemplateID.Valid {
		v.TemplateID = &m.TemplateID.String
		v.TemplateVersion = &m.TemplateVersion.Int32
	}
	if m.TemplateDigest.Valid && m.TemplateSource.Valid {
		v.TemplateDigest, v.TemplateSource = &m.TemplateDigest.String, &m.TemplateSource.String
	}
	if m.Redactions.Valid {
		v.Redactions = json.RawMessage(m.Redactions.RawMessage)
	}
	if m.ErrorCode.Valid {
		v.ErrorCode = &m.ErrorCode.String
	}
	return v
}

// History is a message's statuses, oldest first.
func (s *Service) History(ctx context.Context, id uuid.UUID) ([]StatusChange, error) {
	evs, err := s.q.MessageEvents(ctx, id)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []StatusChange
	for _, e := range evs {
		ev := StatusChange{Status: e.Status, At: e.At.UTC()}
		if e.Code.Valid {
			ev.Code = &e.Code.String
		}
		out = append(out, ev)
	}
	return out, nil
}

// Messages is one page of her messages, newest first, from
// cursor ("" the newest), for someone who may see her messages.
func (s *Service) Messages(ctx context.Context, a *auth.Actor, code string, limit int32, cursor string) (httpx.Page[View], error) {
	out := httpx.Page[View]{Items: []View{}}
	p, err := s.d.Participants.For(ctx, s.q, a, code, false, participant.ActView)
	if err != nil {
		return out, err
	}
	params := db.ListParticipantMessagesParams{ParticipantID: p.ID, MaxRows: limit + 1}
	if cursor != "" {
		ts, idStr, ok := strings.Cut(cursor, "_")
		t, err1 := time.Parse(time.RFC3339Nano, ts)
		id, err2 := uuid.Parse(idStr)
		if !ok || err1 != nil || err2 != nil {
			return out, errs.Field(errs.CodeInvalidCursor, "cursor", "cursor is not one this API returned")
		}
		params.BeforeCreated = sql.NullTime{Time: t, Valid: true}
		params.BeforeID = uuid.NullUUID{UUID: id, Valid: true}
	}
	rows, err := s.q.ListParticipantMessages(ctx, params)
	if err != nil {
		return out, errs.Internal(err)
	}
	rows, out.NextCursor = httpx.TrimPage(rows, limit, func(m db.Message) string {
		return m.CreatedAt.UTC().Format(time.RFC3339Nano) + "_" + m.ID.String()
	})
	for _, m := range rows {
		out.Items = append(out.Items, viewOf(m, p.Code))
	}
	return out, nil
}
