package safety

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
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
	// An at form for a language other than the shipped seven.
	CodeAtFormUnknownLanguage = "at_form_unknown_language"
	// An at form that does not contain the place's name (compared as the
	// filter compares: case and accents folded).
	CodeAtFormLacksName = "at_form_lacks_name"
	// An at form longer than templates.MaxAtFormBytes.
	CodeAtFormTooLong = "at_form_too_long"
	// An at form that says more than the place's name and a short lead
	// (its language's prepositions and articles) before it:
	// templates.CheckAtFormWords.
	CodeAtFormExtraWords = "at_form_extra_words"
	// CodeMeetingPointInUse: a booked appointment still to come, or a
	// pending message, names the point, so it is not renamed (its stored
	// reminders, or its stored text, carry the name).
	CodeMeetingPointInUse = "meeting_point_in_use"
)

// The audit actions this file records.
const (
	ActionMeetingPointCreated = "meeting_point.created"
	ActionMeetingPointChanged = "meeting_point.changed"
)

// MeetingPointInput is the body of POST /v1/meeting-points.
type MeetingPointInput struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// AtForms: per language (es ca it fr pt ro en), how a message says
	// "at" the place ("ca": "a la Plaça Reial"); optional.
	AtForms map[string]string `json:"at_forms,omitempty"`
}

// MeetingPointPatch is the body of PATCH /v1/meeting-points/{id}: a new
// name and/or a change of the at forms. A rename keeps the at forms, which
// must then contain the new name.
type MeetingPointPatch struct {
	Name    *string      `json:"name"`
	AtForms AtFormsPatch `json:"at_forms"`
}

// AtFormsPatch is the at_forms of a PATCH: a JSON merge patch (RFC 7396)
// of the registered forms, so two people editing different languages do
// not undo each other. A language given a string gets that form (""
// removes it), a language given null loses its form, a language left out
// keeps what is registered; at_forms null removes every form. A language
// without a form uses its default construction.
type AtFormsPatch struct {
	// Given: the body has at_forms.
	Given bool
	// ClearAll: at_forms is null.
	ClearAll bool
	// Langs are the languages the patch names: a form, or nil to remove.
	Langs map[string]*string
}

// UnmarshalJSON reads at_forms: null or an object of strings and nulls.
func (p *AtFormsPatch) UnmarshalJSON(b []byte) error {
	*p = AtFormsPatch{Given: true}
	if string(bytes.TrimSpace(b)) == "null" {
		p.ClearAll = true
		return nil
	}
	return json.Unmarshal(b, &p.Langs)
}

// apply is the registered forms stored with the patch applied: a removed
// language is kept as "" so checkAtForms still refuses a key that is no
// at-form language, and leaves it out.
func (p AtFormsPatch) apply(stored map[string]string) map[string]string {
	out := map[string]string{}
	if !p.ClearAll {
		maps.Copy(out, stored)
	}
	for l, f := range p.Langs {
		if f == nil {
			out[l] = ""
		} else {
			out[l] = *f
		}
	}
	return out
}

type meetingPointView struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	AtForms   map[string]string `json:"at_forms"`
	CreatedAt time.Time         `json:"created_at"`
}

func viewMeetingPoint(m db.MeetingPoint) meetingPointView {
	return meetingPointView{ID: m.ID, Name: m.Name, Kind: m.Kind, AtForms: atFormsOf(m), CreatedAt: m.CreatedAt.UTC()}
}

// atFormsOf is a meeting point's registered at forms (never nil). The
// column holds what checkAtForms returned; anything else reads as none,
// and the templates fall back to their default construction.
func atFormsOf(m db.MeetingPoint) map[string]string {
	out := map[string]string{}
	if len(m.AtForms) > 0 {
		if err := json.Unmarshal(m.AtForms, &out); err != nil {
			return map[string]string{}
		}
	}
	return out
}

// placeAtForms are the at forms to render a template whose meeting point
// parameter is "place" (RenderRequest.AtForms).
func placeAtForms(m db.MeetingPoint) map[string]map[string]string {
	return map[string]map[string]string{"place": atFormsOf(m)}
}

// checkMeetingPointName refuses a name in which the discreet-content
// filter finds anything: an address, a phone number, a URL, an e-mail, an
// organisation name — and also the filter's other categories,
// because the renderer refuses any finding in a meeting_point parameter,
// so such a name could never be sent. The error names the category, never
// the text.
func (s *Service) checkMeetingPointName(name string) (string, error) {
	name, err := s.checkPlaceText("name", name)
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", errs.Field(errs.CodeMissingField, "name", "name is required (a neutral public place such as \"Metro Sants, exit Carrer de Sants\")")
	}
	// The renderer's own checks (length, one line, no braces).
	if _, err := s.catalog.Render(templates.RenderRequest{TemplateID: "appointment_reminder", Lang: "en", Variant: templates.Discreet,
		Channel: "sms", TimeZone: "UTC", Params: map[string]string{"when": "2026-01-01T10:00:00Z", "place": name}}); err != nil {
		e := errs.As(err)
		return "", errs.Field(CodeMeetingPointNotNeutral, "name", "%s", e.Message)
	}
	return name, nil
}

// checkPlaceText is the discreet check of a place's name and of each of
// its at forms: plain characters, no contact detail, one script, nothing
// the filter finds in a place name. It returns text as the renderer
// writes it (templates.PlaceKey: NFC, white space collapsed), the form
// names are stored and locked in.
func (s *Service) checkPlaceText(field, text string) (string, error) {
	if err := textcheck.Chars(field, text); err != nil {
		return "", err
	}
	text = templates.PlaceKey(text)
	if err := textcheck.Contact(field, text); err != nil {
		return "", errs.Field(CodeMeetingPointNotNeutral, field, "%s", errs.As(err).Message)
	}
	if reason := templates.MonitoredProblem(text); reason != "" {
		return "", errs.Field(CodeMeetingPointNotNeutral, field, "a meeting point must be written in plain letters of one script (%s)", reason)
	}
	if fs := s.filter.ScanWith(text, templates.ScanOptions{PlaceName: true}); len(fs) > 0 {
		return "", errs.Field(CodeMeetingPointNotNeutral, field,
			"a meeting point must be the neutral name of a public place (metro, bus stop, landmark); this text contains %s content", fs[0].Category)
	}
	return text, nil
}

// checkAtForms validates the at forms of the place called name (already
// checked by checkMeetingPointName), language by language in a fixed
// order, and returns them with white space collapsed and blank ones left
// out. Each form:
//   - is for one of the shipped languages (at_form_unknown_language): a
//     template in another language has no {place.at};
//   - is at most templates.MaxAtFormBytes (at_form_too_long), so a
//     reminder stays within a segment more than with the name alone;
//   - contains the name (at_form_lacks_name) and says no more than the
//     name plus a short lead, its language's preposition and article, before it
//     (at_form_extra_words): templates.CheckAtFormWords, which the
//     renderer checks too, so it never refuses a registered form;
//   - passes the name's discreet check (meeting_point_not_neutral), and
//     renders in its language's appointment reminder.
//
// Errors name the field ("at_forms.ca"), never the text.
func (s *Service) checkAtForms(name string, forms map[string]string) (map[string]string, error) {
	langs := make([]string, 0, len(forms))
	for l := range forms {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	out := make(map[string]string, len(forms))
	for _, l := range langs {
		if !slices.Contains(templates.AtFormLanguages, l) {
			// The key is named back only when it looks like a language
			// tag (letters and "-"), never a text typed into it.
			field := "at_forms"
			if len(l) <= 8 && strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") == "" {
				field = "at_forms." + l
			}
			return nil, errs.Field(CodeAtFormUnknownLanguage, field, "at forms are for the languages %s", strings.Join(templates.AtFormLanguages, ", "))
		}
		field := "at_forms." + l
		form, err := s.checkPlaceText(field, forms[l])
		if err != nil {
			return nil, err
		}
		if form == "" {
			continue // the language's default construction
		}
		if len(form) > templates.MaxAtFormBytes {
			return nil, errs.Field(CodeAtFormTooLong, field, "an at form is at most %d bytes", templates.MaxAtFormBytes)
		}
		switch err := templates.CheckAtFormWords(l, form, name); {
		case errors.Is(err, templates.ErrAtFormLacksName):
			return nil, errs.Field(CodeAtFormLacksName, field, "an at form must contain the meeting point's name, with its preposition and article (\"au Café de Flore\")")
		case err != nil:
			return nil, errs.Field(CodeAtFormExtraWords, field,
				"an at form is the meeting point's name with at most %d words before it, each a preposition or article of its language (\"au Café de Flore\"), and nothing after it",
				templates.MaxAtFormLeadWords)
		}
		if _, err := s.catalog.Render(templates.RenderRequest{TemplateID: "appointment_reminder", Lang: l, Variant: templates.Discreet,
			Channel: "sms", TimeZone: "UTC", Params: map[string]string{"when": "2026-01-01T10:00:00Z", "place": name},
			AtForms: map[string]map[string]string{"place": {l: form}}}); err != nil {
			return nil, errs.Field(CodeMeetingPointNotNeutral, field, "%s", errs.As(err).Message)
		}
		out[l] = form
	}
	return out, nil
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
	forms, err := s.checkAtForms(name, in.AtForms)
	if err != nil {
		return meetingPointView{}, err
	}
	fj, err := json.Marshal(forms)
	if err != nil {
		return meetingPointView{}, errs.Internal(err)
	}
	var out db.MeetingPoint
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		// A message being written that names the place as no point's
		// is waited for, or waits and then sees the point.
		if err := q.LockMeetingPointName(ctx, name); err != nil {
			return err
		}
		mp, err := q.CreateMeetingPoint(ctx, db.CreateMeetingPointParams{Name: name, Kind: in.Kind, CreatedBy: sql.NullInt64{Int64: a.UserID, Valid: a.UserID != 0}, AtForms: fj})
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Field(CodeDuplicateMeetingPoint, "name", "a meeting point with this name exists")
		}
		if err != nil {
			return err
		}
		out = mp
		_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionMeetingPointCreated, Details: map[string]any{"meeting_point_id": mp.ID, "kind": mp.Kind, "at_forms": sortedKeys(forms)}})
		return err
	})
	if err != nil {
		return meetingPointView{}, err
	}
	s.mpAdded()
	return viewMeetingPoint(out), nil
}

// changeMeetingPoint renames meeting point id and/or changes its at
// forms by a merge patch (AtFormsPatch): the API's PATCH
// /v1/meeting-points/{id} and the console's form. The point is read with
// FOR UPDATE, the patch applied to what it holds and the result written in
// the one transaction, so two patches at once each keep the other's
// languages. Messages already stored keep the text they were rendered
// with; the next reminder or notice uses the new name and forms. A
// rename of a point a booked appointment still to come names is refused
// (refuseRenameInUse).
func (s *Service) changeMeetingPoint(ctx context.Context, a *auth.Actor, id int64, in MeetingPointPatch) (meetingPointView, error) {
	if in.Name == nil && !in.AtForms.Given {
		return meetingPointView{}, errs.Field(errs.CodeMissingField, "at_forms", "give name and/or at_forms")
	}
	var out db.MeetingPoint
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if in.Name != nil {
			// The new name as checkMeetingPointName gives it, locked
			// before the point's row, as a message's write takes them
			// (ShareMeetingPointNames, then the point FOR SHARE): a
			// message naming the place as no point's is waited for, or
			// waits and then sees the point under its new name.
			if err := q.LockMeetingPointName(ctx, templates.PlaceKey(*in.Name)); err != nil {
				return err
			}
		}
		mp, err := q.LockMeetingPoint(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return httpx.NotFound("meeting point")
		}
		if err != nil {
			return err
		}
		name, forms := mp.Name, atFormsOf(mp)
		if in.Name != nil {
			if name, err = s.checkMeetingPointName(*in.Name); err != nil {
				return err
			}
		}
		forms = in.AtForms.apply(forms)
		if forms, err = s.checkAtForms(name, forms); err != nil {
			return err
		}
		fj, err := json.Marshal(forms)
		if err != nil {
			return err
		}
		if out, err = q.UpdateMeetingPoint(ctx, db.UpdateMeetingPointParams{ID: id, Name: name, AtForms: fj}); err != nil {
			if e := duplicateMeetingPointName(err); e != nil {
				return e
			}
			return err
		}
		// After the checks of the new name and forms, which answer first;
		// a refusal rolls the update back.
		if err := s.refuseRenameInUse(ctx, q, mp, name); err != nil {
			return err
		}
		// The audit names what changed, never the texts (a place can say
		// where she goes).
		_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionMeetingPointChanged, Details: map[string]any{"meeting_point_id": id,
			"renamed": name != mp.Name, "at_forms": sortedKeys(forms)}})
		return err
	})
	if err != nil {
		return meetingPointView{}, err
	}
	s.mpAdded()
	return viewMeetingPoint(out), nil
}

// duplicateMeetingPointName maps a unique violation of the meeting
// points' name (a rename onto another point's name) to
// duplicate_meeting_point; nil for any other error. It matches the
// constraint by name, so a unique index added later is not reported as a
// duplicate name.
func duplicateMeetingPointName(err error) error {
	if db.UniqueViolation(err) == "meeting_points_name_key" {
		return errs.Field(CodeDuplicateMeetingPoint, "name", "a meeting point with this name exists")
	}
	return nil
}

// refuseRenameInUse refuses to rename mp to name while a booked (not
// canceled) appointment still to come names it, whoever booked it, or a
// message whose template's meeting point parameter named it (a
// meet_proposal held back until her safe hours) is still scheduled,
// queued or sending: its reminders, or its text, already rendered and
// stored, would send her to a place under the old name while the console
// shows the new one. A message counts as sending for SendClaimLease after
// a worker claimed it: one claimed longer ago was left by a worker that
// stopped and is never sent again (delivery.ClaimLease), so a worker that
// died mid-send does not block the rename for ever. An unchanged name
// (changing the at forms only) is not a rename. Called with mp locked FOR
// UPDATE: a booking, a move or a message's write (AcceptMessages) that
// read the point FOR SHARE has committed before the lock is granted, and
// its appointment or message is seen here; one that reads it after waits
// for the rename and sees the new name and at forms.
func (s *Service) refuseRenameInUse(ctx context.Context, q *db.Queries, mp db.MeetingPoint, name string) error {
	if name == mp.Name {
		return nil
	}
	now := s.now()
	// The claims' lease counted from now plus the time spent inside the
	// statement: the database's clock is never compared with the claims'
	// times, written on the application's clock.
	booked, err := q.MeetingPointBookedAfter(ctx, db.MeetingPointBookedAfterParams{MeetingPointID: mp.ID, After: now,
		Now: now, LeaseUs: s.cfg.SendClaimLease.Microseconds()})
	if err != nil {
		return err
	}
	if booked {
		return errs.Field(CodeMeetingPointInUse, "name",
			"a booked appointment or a pending message names this meeting point and its stored text carries this name; add a new meeting point instead, or rename it once the appointments are past or canceled and the messages have gone out")
	}
	return nil
}

// sortedKeys are the languages of a set of at forms.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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

// RefusedAtForm names a registered meeting point's name or at form that
// rendering refuses now: its meeting point, the at form's language ("":
// the name itself) and why (ReasonAtFormWords or a
// templates.MonitoredProblem reason), never its text.
type RefusedAtForm struct {
	MeetingPointID int64
	Lang           string
	Reason         string
}

// ReasonAtFormWords: an at form says more than the place's name and its
// preposition (templates.CheckAtFormWords).
const ReasonAtFormWords = "at_form_words"

// RefusedAtForms lists the registered names and at forms that rendering
// refuses now (registered under an older, looser rule): a name or a form
// templates.MonitoredProblem refuses (a letter drawn as a symbol, "🅿️"),
// a form CheckAtFormWords refuses. Render refuses each, so a reminder
// naming the place (in that language, for a form) fails until the point
// is renamed or the form changed or removed (PATCH
// /v1/meeting-points/{id}).
func RefusedAtForms(ctx context.Context, q *db.Queries) ([]RefusedAtForm, error) {
	mps, err := q.ListMeetingPoints(ctx)
	if err != nil {
		return nil, err
	}
	var out []RefusedAtForm
	for _, mp := range mps {
		if reason := templates.MonitoredProblem(mp.Name); reason != "" {
			out = append(out, RefusedAtForm{MeetingPointID: mp.ID, Reason: reason})
		}
		forms := atFormsOf(mp)
		for _, l := range sortedKeys(forms) {
			if !slices.Contains(templates.AtFormLanguages, l) || strings.TrimSpace(forms[l]) == "" {
				continue // never rendered: the default construction
			}
			if reason := templates.MonitoredProblem(forms[l]); reason != "" {
				out = append(out, RefusedAtForm{MeetingPointID: mp.ID, Lang: l, Reason: reason})
			} else if templates.CheckAtFormWords(l, forms[l], mp.Name) != nil {
				out = append(out, RefusedAtForm{MeetingPointID: mp.ID, Lang: l, Reason: ReasonAtFormWords})
			}
		}
	}
	return out, nil
}
