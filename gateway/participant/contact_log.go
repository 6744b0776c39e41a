package participant

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/templates"
)

// TimelineEntry is one line of a participant's contact log.
type TimelineEntry struct {
	At            time.Time `json:"at"`
	Seq           *int64    `json:"seq"`
	Who           string    `json:"who"`
	Role          string    `json:"role"`
	Action        string    `json:"action"`
	Summary       string    `json:"summary"`
	Channel       string    `json:"channel,omitempty"`
	Status        string    `json:"status,omitempty"`
	MessageID     string    `json:"message_id,omitempty"`
	MessageStatus string    `json:"message_status,omitempty"` // its status now
	Variant       string    `json:"variant,omitempty"`
	Template      string    `json:"template,omitempty"`
	TemplateVer   *int32    `json:"template_version,omitempty"`
	// TemplateDigest (hex SHA-256 of the template file) and TemplateSource
	// (builtin or deployment): exactly which text she was sent; absent
	// for free text and for messages written before they were recorded.
	TemplateDigest string `json:"template_digest,omitempty"`
	TemplateSource string `json:"template_source,omitempty"`
	ConsentVersion *int32 `json:"consent_version,omitempty"`
	Code           string `json:"code,omitempty"`
	Reason         string `json:"reason,omitempty"`
}

// timelineDetails are the details fields the contact log uses.
type timelineDetails struct {
	MessageID      string   `json:"message_id"`
	Channel        string   `json:"channel"`
	Status         string   `json:"status"`
	Variant        string   `json:"variant"`
	TemplateID     string   `json:"template_id"`
	TemplateVer    *int32   `json:"template_version"`
	TemplateDigest string   `json:"template_digest"`
	TemplateSource string   `json:"template_source"`
	ConsentVersion *int32   `json:"consent_version"`
	Code           string   `json:"code"`
	Reason         string   `json:"reason"`
	Source         string   `json:"source"`
	Fields         []string `json:"fields"`
	View           string   `json:"view"`
	Format         string   `json:"format"`
	Requested      string   `json:"requested"`
	ProviderStatus string   `json:"provider_status"`
}

// ContactLog is one page of a participant's contact log.
type ContactLog struct {
	Participant string
	Items       []TimelineEntry
	// More: later entries remain (the next page is after NextAfter).
	More      bool
	NextAfter int64
}

// ContactLog is who did what to participant code, when, how and under
// which consent, oldest first, after the event afterID (0: from the
// start), at most limit entries; built from her audit events and her
// messages. Only a supervisor (or admin) reads it, and the read is
// recorded (audit.read) before it is returned. The API's GET
// /v1/participants/{code}/contact-log and the console call it.
func (s *Service) ContactLog(ctx context.Context, a *auth.Actor, code string, afterID int64, limit int32) (ContactLog, error) {
	if a == nil || !a.Role.Includes(auth.RoleSupervisor) {
		return ContactLog{}, errs.New(errs.CodeForbidden, "only a supervisor can read a contact log")
	}
	// The access rule too: strict confidentiality keeps her log for
	// supervisors whatever the routes say.
	p, err := s.For(ctx, s.q, a, code, false, ActContactLog)
	if err != nil {
		return ContactLog{}, err
	}
	rows, err := s.q.ParticipantTimeline(ctx, db.ParticipantTimelineParams{Participant: sql.NullString{String: p.Code, Valid: true}, AfterID: afterID, MaxRows: limit + 1})
	if err != nil {
		return ContactLog{}, errs.Internal(err)
	}
	out := ContactLog{Participant: p.Code}
	if len(rows) > int(limit) {
		rows, out.More = rows[:limit], true
		out.NextAfter = rows[len(rows)-1].ID
	}
	dets := make([]timelineDetails, len(rows))
	var ids []uuid.UUID
	for i, r := range rows {
		if r.Details != "" {
			_ = json.Unmarshal([]byte(r.Details), &dets[i])
		}
		if id, err := uuid.Parse(dets[i].MessageID); err == nil {
			ids = append(ids, id)
		}
	}
	msgs := map[string]db.MessagesForTimelineRow{}
	if len(ids) > 0 {
		ms, err := s.q.MessagesForTimeline(ctx, ids)
		if err != nil {
			return ContactLog{}, errs.Internal(err)
		}
		for _, m := range ms {
			msgs[m.ID.String()] = m
		}
	}
	out.Items = make([]TimelineEntry, 0, len(rows))
	for i, r := range rows {
		out.Items = append(out.Items, timelineEntry(r, dets[i], msgs))
	}
	if _, err := audit.Append(ctx, s.q, a, audit.Event{Action: audit.ActionRead, ParticipantCode: p.Code,
		Details: map[string]any{"view": "contact_log", "returned": len(out.Items)}}); err != nil {
		return ContactLog{}, errs.Internal(err)
	}
	return out, nil
}

// contactLog is GET /v1/participants/{code}/contact-log (ContactLog).
func (h handlers) contactLog(c *gin.Context) {
	after, limit, ok := httpx.PageArgs(c)
	if !ok {
		return
	}
	l, err := h.s.ContactLog(c.Request.Context(), auth.ActorOf(c), c.Param("code"), after, limit)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	var next *string
	if l.More {
		n := httpx.EncodeCursor(l.NextAfter)
		next = &n
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"participant": l.Participant, "items": l.Items, "next_cursor": next})
}

func timelineEntry(r db.ParticipantTimelineRow, d timelineDetails, msgs map[string]db.MessagesForTimelineRow) TimelineEntry {
	e := TimelineEntry{At: r.OccurredAt.UTC(), Seq: seqOf(r.Seq), Who: r.ActorName, Role: r.ActorRole, Action: r.Action,
		Channel: d.Channel, MessageID: d.MessageID, Variant: d.Variant, Template: d.TemplateID, TemplateVer: d.TemplateVer,
		TemplateDigest: d.TemplateDigest, TemplateSource: d.TemplateSource, ConsentVersion: d.ConsentVersion, Code: d.Code, Reason: d.Reason}
	if m, ok := msgs[d.MessageID]; ok {
		e.MessageStatus = m.Status
		if e.Channel == "" {
			e.Channel = m.Channel
		}
		if e.Variant == "" {
			e.Variant = m.Variant
		}
		if e.Template == "" && m.TemplateID.Valid {
			e.Template = m.TemplateID.String
			v := m.TemplateVersion.Int32
			e.TemplateVer = &v
		}
		if e.TemplateDigest == "" && e.Template == m.TemplateID.String && m.TemplateDigest.Valid {
			e.TemplateDigest, e.TemplateSource = m.TemplateDigest.String, m.TemplateSource.String
		}
		if e.ConsentVersion == nil {
			v := m.ConsentVersion
			e.ConsentVersion = &v
		}
	}
	if e.Template == "" {
		e.TemplateVer, e.TemplateDigest, e.TemplateSource = nil, "", ""
	}
	kind, what, _ := strings.Cut(r.Action, ".")
	how := e.Channel
	if how == "" {
		how = "a channel"
	}
	switch kind {
	case "message":
		e.Status = what
		switch what {
		case "accepted":
			e.Status = d.Status
			e.Summary = "message accepted for " + how
			if e.Template != "" {
				e.Summary += fmt.Sprintf(" (template %s", e.Template)
				if e.TemplateVer != nil {
					e.Summary += fmt.Sprintf(" v%d", *e.TemplateVer)
				}
				if e.TemplateDigest != "" {
					e.Summary += fmt.Sprintf(", %s text %s", e.TemplateSource, templates.ShortDigest(e.TemplateDigest))
				}
				e.Summary += ")"
			} else {
				e.Summary += " (free text)"
			}
			if e.Variant != "" {
				e.Summary += ", " + e.Variant + " wording"
			}
			if d.Status != "" {
				e.Summary += ", " + d.Status
			}
		case "refused":
			e.Summary = "message refused (" + d.Code + ")"
			if d.Requested != "" {
				e.Summary += ", requested channel " + d.Requested
			}
		case "dropped":
			e.Summary = "message not sent: consent re-check refused (" + d.Code + ")"
		case "sent":
			e.Summary = "message sent by " + how
		case "unknown":
			e.Summary = "message outcome unknown (" + d.Code + d.Reason + "): staff to check; not resent"
		case "bodies_purged":
			e.Summary = "message texts deleted after the retention period"
		default:
			e.Summary = "message " + what
			if d.Code != "" {
				e.Summary += " (" + d.Code + ")"
			}
		}
		if e.ConsentVersion != nil && what != "bodies_purged" {
			e.Summary += fmt.Sprintf("; consent version %d", *e.ConsentVersion)
		}
	case "consent":
		e.Summary = "consent " + what + " for " + how
		if d.Source != "" && d.Source != "staff" {
			e.Summary += " (" + d.Source + ")"
		}
	case "participant":
		e.Summary = "profile " + what
		if len(d.Fields) > 0 {
			e.Summary += ": " + strings.Join(d.Fields, ", ")
		}
	case "phone":
		e.Summary = "phone number revealed to " + r.ActorName
	case "audit":
		switch what {
		case "read":
			e.Summary = "contact log read"
			if d.View == "audit" {
				e.Summary = "audit log read, filtered to her"
			}
		case "exported":
			e.Summary = "audit log exported (" + d.Format + "), filtered to her"
		default:
			e.Summary = "audit " + what
		}
	default:
		// An action with no sentence of its own, in words rather than
		// repeating the action beside it ("appointment created").
		e.Summary = strings.NewReplacer(".", " ", "_", " ").Replace(r.Action)
	}
	return e
}

// seqOf is an event's place in the chain, nil until it is sealed.
func seqOf(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}
