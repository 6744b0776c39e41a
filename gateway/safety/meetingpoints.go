package safety

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/templates"
	"safecontact/textcheck"
)

// Meeting points are neutral public places (a metro exit, a bus stop, a
// landmark, an office that does not say what it is). Appointments name one
// from this registry; nobody types a street address into a message, and a
// shelter address is never stored.

// The error codes this file answers with (statuses: errs/status.go).
const (
	CodeDuplicateMeetingPoint  = "duplicate_meeting_point"
	CodeMeetingPointNotNeutral = "meeting_point_not_neutral"
)

// The audit actions this file records.
const (
	ActionMeetingPointCreated = "meeting_point.created"
)

// MeetingPointInput is the body of POST /v1/meeting-points.
type MeetingPointInput struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type meetingPointView struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

func viewMeetingPoint(m db.MeetingPoint) meetingPointView {
	return meetingPointView{ID: m.ID, Name: m.Name, Kind: m.Kind, CreatedAt: m.CreatedAt.UTC()}
}

// checkMeetingPointName refuses a name in which the discreet-content
// filter finds anything: an address, a phone number, a URL, an e-mail, an
// organisation name — and also the filter's other categories,
// because the renderer refuses any finding in a meeting_point parameter,
// so such a name could never be sent. The error names the category, never
// the text.
func (s *Service) checkMeetingPointName(name string) (string, error) {
	if err := textcheck.Chars("name", name); err != nil {
		return "", err
	}
	name = strings.Join(strings.Fields(name), " ")
	if err := textcheck.Contact("name", name); err != nil {
		return "", errs.Field(CodeMeetingPointNotNeutral, "name", "%s", errs.As(err).Message)
	}
	if name == "" {
		return "", errs.Field(errs.CodeMissingField, "name", "name is required (a neutral public place such as \"Metro Sants, exit Carrer de Sants\")")
	}
	if reason := templates.MonitoredProblem(name); reason != "" {
		return "", errs.Field(CodeMeetingPointNotNeutral, "name", "a meeting point must be written in plain letters of one script (%s)", reason)
	}
	if fs := s.filter.ScanWith(name, templates.ScanOptions{PlaceName: true}); len(fs) > 0 {
		return "", errs.Field(CodeMeetingPointNotNeutral, "name",
			"a meeting point must be the neutral name of a public place (metro, bus stop, landmark); this name contains %s content", fs[0].Category)
	}
	// The renderer's own checks (length, one line, no braces).
	if _, err := s.catalog.Render(templates.RenderRequest{TemplateID: "appointment_reminder", Lang: "en", Variant: templates.Discreet,
		Channel: "sms", TimeZone: "UTC", Params: map[string]string{"when": "2026-01-01T10:00:00Z", "place": name}}); err != nil {
		e := errs.As(err)
		return "", errs.Field(CodeMeetingPointNotNeutral, "name", "%s", e.Message)
	}
	return name, nil
}

// addMeetingPoint registers a meeting point whose name passes the
// discreet filter: the API's POST /v1/meeting-points and the console's form.
func (s *Service) addMeetingPoint(ctx context.Context, a *auth.Actor, in MeetingPointInput) (meetingPointView, error) {
	switch in.Kind {
	case "metro", "bus", "landmark", "office":
	default:
		return meetingPointView{}, errs.Field(CodeInvalidOption, "kind", "kind is metro, bus, landmark or office")
	}
	name, err := s.checkMeetingPointName(in.Name)
	if err != nil {
		return meetingPointView{}, err
	}
	var out db.MeetingPoint
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		mp, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: name, Kind: in.Kind, CreatedBy: sql.NullInt64{Int64: a.UserID, Valid: a.UserID != 0}, AtForms: json.RawMessage(`{}`)})
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Field(CodeDuplicateMeetingPoint, "name", "a meeting point with this name exists")
		}
		if err != nil {
			return err
		}
		out = mp
		_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionMeetingPointCreated, Details: map[string]any{"meeting_point_id": mp.ID, "kind": mp.Kind}})
		return err
	})
	if err != nil {
		return meetingPointView{}, err
	}
	s.mpAdded()
	return viewMeetingPoint(out), nil
}

// meetingPoints is the registry, by name.
func (s *Service) meetingPoints(ctx context.Context) ([]meetingPointView, error) {
	rows, err := s.q.ListMeetingPoints(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := make([]meetingPointView, len(rows))
	for i, m := range rows {
		out[i] = viewMeetingPoint(m)
	}
	return out, nil
}
