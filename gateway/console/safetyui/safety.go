// Package safetyui is the console's safety pages, for staff: a week view
// of the sessions at a venue with booking, moving and cancelling
// (appointments, with the reminders each change schedules, cancels or
// skips), the meeting-point registry, and a participant's check-in plan.
//
// Invariants, and why:
//   - Every change goes through Safety, whose methods are the ones the
//     API's handlers call: the access rule (her caseworker or a
//     supervisor), the spacing rule and the audit are the same for both.
//   - The week view shows every booked session at the venue (the spacing
//     rule is about all of them) but names a participant only to a reader
//     who may act on her; the others are "booked".
//   - Duress words are typed into password fields and never come back:
//     not in the plan (the service gives a count), not in a form
//     re-rendered after an error, not in a redirect's address.
//   - Participant codes appear in paths only; a redirect after a change
//     carries the venue, the week and the reminder outcomes (leads and
//     codes, nothing about her).
package safetyui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/console"
	"safecontact/gateway/safety"
	"safecontact/templates"
)

// Deps are what the safety pages are built from.
type Deps struct {
	Safety Safety
}

// Pages serves the safety pages.
type Pages struct {
	con    *console.Console
	safety Safety
}

// Safety is what the safety pages need; *safety.Service implements it.
type Safety interface {
	// Now is the gateway's clock (the week shown by default).
	Now() time.Time
	// SessionSpacing is the least time between two individual sessions
	// at one venue.
	SessionSpacing() time.Duration
	// Venues are the venues with sessions booked from since on.
	Venues(ctx context.Context, a *auth.Actor, since time.Time) ([]string, error)
	// VenueWeek is the booked sessions at venue in [from, to).
	VenueWeek(ctx context.Context, a *auth.Actor, venue string, from, to time.Time) ([]Session, error)
	// ParticipantZone is her time zone (ActView on her).
	ParticipantZone(ctx context.Context, a *auth.Actor, code string) (string, error)
	// Book books a session; a refusal by the spacing rule is a
	// *SpacingError.
	Book(ctx context.Context, a *auth.Actor, in Booking) (Booked, error)
	Move(ctx context.Context, a *auth.Actor, id string, start time.Time) (Booked, error)
	Cancel(ctx context.Context, a *auth.Actor, id string) (Booked, error)
	MeetingPoints(ctx context.Context, a *auth.Actor) ([]MeetingPoint, error)
	AddMeetingPoint(ctx context.Context, a *auth.Actor, name, kind string) error
	// PatchMeetingPointAtForms sets the at forms of meeting point id for
	// the languages in forms ("" removes one: the templates' default) and
	// keeps the others as registered.
	PatchMeetingPointAtForms(ctx context.Context, a *auth.Actor, id int64, forms map[string]string) error
	// CheckinPlan is her plan (Exists false when she has none).
	CheckinPlan(ctx context.Context, a *auth.Actor, code string) (CheckinPlan, error)
	SetCheckinPlan(ctx context.Context, a *auth.Actor, code string, in CheckinPlanInput) error
	StopCheckinPlan(ctx context.Context, a *auth.Actor, code string) error
}

// The pages' types are the safety service's own.
type (
	Session          = safety.Session
	Booking          = safety.Booking
	Booked           = safety.Booked
	Outcome          = safety.Outcome
	SpacingError     = safety.SpacingError
	MeetingPoint     = safety.MeetingPoint
	CheckinPlanInput = safety.PlanForm
	CheckinPlan      = safety.CheckinPlan
	Checkin          = safety.Checkin
)

// Mount registers the safety pages (role staff) on c.
func Mount(c *console.Console, d Deps) {
	p := &Pages{con: c, safety: d.Safety}
	c.Page("GET /appointments", "staff", p.appointmentsPage)
	c.Page("POST /appointments", "staff", p.bookPost)
	c.Page("POST /appointments/{id}/move", "staff", p.movePost)
	c.Page("POST /appointments/{id}/cancel", "staff", p.cancelPost)
	c.Page("GET /meeting-points", "staff", p.meetingPointsPage)
	c.Page("POST /meeting-points", "staff", p.meetingPointPost)
	c.Page("GET /meeting-points/{id}", "staff", p.atFormsPage)
	c.Page("POST /meeting-points/{id}", "staff", p.atFormsPost)
	c.Page("GET /participants/{code}/checkins", "staff", p.checkinsPage)
	c.Page("POST /participants/{code}/checkins", "staff", p.checkinsPost)
	c.Page("POST /participants/{code}/checkins/stop", "staff", p.checkinsStopPost)
	c.Nav(console.NavEntry{Label: "safety.nav.appointments", Path: "/appointments", Order: console.NavOrderSafety + 1})
	c.Nav(console.NavEntry{Label: "safety.nav.meeting_points", Path: "/meeting-points", Order: console.NavOrderSafety + 2})
}

// localInput is the layout of <input type="datetime-local">.
const localInput = "2006-01-02T15:04"

// weekStart is the Monday 00:00 (in loc) of ISO week "YYYY-Www", or of
// the week holding now when s is empty or not a week.
func weekStart(s string, now time.Time, loc *time.Location) time.Time {
	var y, w int
	if _, err := fmt.Sscanf(s, "%4d-W%2d", &y, &w); err == nil && len(s) == 8 && w >= 1 && w <= 53 && y >= 2000 && y <= 2100 {
		// 4 January is always in week 1.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
		mon := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
		return mon.AddDate(0, 0, 7*(w-1))
	}
	t := now.In(loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// isoWeek is t's ISO week as "YYYY-Www".
func isoWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// weekURL is the week view of venue (the venue is the programme's room
// label, never anything about her).
func weekURL(venue, week string, extra url.Values) string {
	q := url.Values{}
	for k, v := range extra {
		q[k] = v
	}
	if venue != "" {
		q.Set("venue", venue)
	}
	if week != "" {
		q.Set("week", week)
	}
	if len(q) == 0 {
		return "/appointments"
	}
	return "/appointments?" + q.Encode()
}

// safetyErrorKey is the sentence of a refusal in the safety pages.
func safetyErrorKey(code string) string {
	switch code {
	case "forbidden":
		return "safety.error.forbidden"
	case "not_found":
		return "safety.error.not_found"
	case "missing_field":
		return "safety.error.missing_field"
	case "invalid_parameter", "invalid_option", "invalid_request":
		return "safety.error.invalid"
	case "unknown_meeting_point":
		return "safety.error.unknown_meeting_point"
	case "meeting_point_not_neutral":
		return "safety.error.meeting_point_not_neutral"
	case "duplicate_meeting_point":
		return "safety.error.duplicate_meeting_point"
	case "at_form_unknown_language":
		return "safety.error.at_form_unknown_language"
	case "at_form_lacks_name":
		return "safety.error.at_form_lacks_name"
	case "at_form_too_long":
		return "safety.error.at_form_too_long"
	case "at_form_extra_words":
		return "safety.error.at_form_extra_words"
	case "appointment_canceled":
		return "safety.error.appointment_canceled"
	case "individual_only":
		return "safety.error.individual_only"
	case "checkin_time_unsafe":
		return "safety.error.checkin_time_unsafe"
	case "invalid_time_zone":
		return "safety.error.invalid_time_zone"
	case "invalid_channel":
		return "safety.error.invalid_channel"
	case "invalid_text", "contact_details_in_text":
		return "safety.error.invalid_text"
	}
	return ""
}

// safetyError is the sentence and status of a refused change; ok false
// for an unexpected error (the error page).
func safetyError(L *console.Localizer, err error) (string, int, bool) {
	var se *SpacingError
	if errors.As(err, &se) {
		return L.T("safety.error.session_spacing", "count", int(se.Spacing/time.Minute)), http.StatusConflict, true
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == "internal" {
		return "", 0, false
	}
	if k := safetyErrorKey(e.Code); k != "" {
		return L.T(k), errs.Status(e), true
	}
	return console.ErrorText(L, err), errs.Status(e), true
}

// refused answers a service refusal of a page (not a form): the 403 or
// 404 page with the reason in words, or the error page.
func (p *Pages) refused(w http.ResponseWriter, r *http.Request, err error) {
	L := console.LocalizerOf(r)
	text, status, ok := safetyError(L, err)
	switch {
	case !ok:
		p.con.Fail(w, r, err)
	case status == http.StatusForbidden:
		p.con.RenderView(w, r, status, "forbidden", &console.View{Error: text})
	default:
		p.con.RenderView(w, r, http.StatusNotFound, "notfound", &console.View{Error: text})
	}
}

// ---- Appointments ----

var leadChoices = []string{"2d", "24h", "2h", "1h"}

type weekCell struct {
	Sessions []*sessionRow
}

type weekRow struct {
	Hour  string
	Cells []weekCell
}

type sessionRow struct {
	Session
	// GapMinutes is the time since the previous individual session at
	// the venue (-1: none this week); TooClose when under the rule.
	GapMinutes int
	TooClose   bool
	MoveValue  string
	KindLabel  string
	GapText    string
}

// choice is an option of a select, radio group or checkbox list.
type choice struct {
	Value, Label string
	On           bool
}

type dayHead struct {
	Date time.Time
	ISO  string
}

type bookForm struct {
	Participant  string
	Venue        string
	MeetingPoint string
	Start        string
	Kind         string
	Reminders    []string
	// HerTime is the chosen start in her zone, after a refusal.
	HerTime string
}

type freeSlot struct {
	Value string // datetime-local in the reader's zone
	At    time.Time
	Hers  string
}

type outcomeLine struct {
	Text string
}

type appointmentsData struct {
	Venue, Week, PrevWeek, NextWeek string
	Venues                          []string
	Days                            []dayHead
	Rows                            []weekRow
	Sessions                        []*sessionRow
	SpacingMinutes                  int
	MeetingPoints                   []MeetingPoint
	Form                            bookForm
	LeadChoices                     []string
	FreeSlots                       []freeSlot
	Outcomes                        []outcomeLine
	Zone                            string
	PrevURL, NextURL                string
	MPOptions, LeadOpts, KindOpts   []choice
}

// finish prepares what the template shows in the reader's words.
func (d *appointmentsData) finish(L *console.Localizer) {
	d.PrevURL, d.NextURL = weekURL(d.Venue, d.PrevWeek, nil), weekURL(d.Venue, d.NextWeek, nil)
	d.MPOptions = []choice{{Value: "", Label: L.T("safety.choose_meeting_point")}}
	for _, m := range d.MeetingPoints {
		d.MPOptions = append(d.MPOptions, choice{Value: m.Name, Label: m.Name, On: m.Name == d.Form.MeetingPoint})
	}
	d.LeadOpts = nil
	for _, l := range leadChoices {
		d.LeadOpts = append(d.LeadOpts, choice{Value: l, Label: leadLabel(L, l), On: slices.Contains(d.Form.Reminders, l)})
	}
	d.KindOpts = []choice{
		{Value: "individual", Label: L.T("safety.kind.individual"), On: d.Form.Kind != "group"},
		{Value: "group", Label: L.T("safety.kind.group"), On: d.Form.Kind == "group"},
	}
	for _, s := range d.Sessions {
		s.KindLabel = d.KindOpts[0].Label
		if s.Kind == "group" {
			s.KindLabel = d.KindOpts[1].Label
		}
		switch {
		case s.Kind != "individual":
		case s.GapMinutes < 0:
			s.GapText = L.T("safety.gap.first")
		case s.TooClose:
			s.GapText = L.T("safety.gap.too_close", "count", s.GapMinutes)
		default:
			s.GapText = L.T("safety.gap.after", "count", s.GapMinutes)
		}
	}
}

// leadLabel is a reminder lead in words ("24h" → "24 hours before").
func leadLabel(L *console.Localizer, lead string) string {
	n, _ := strconv.Atoi(lead[:len(lead)-1])
	switch lead[len(lead)-1] {
	case 'd':
		return L.T("safety.lead.days", "count", n)
	case 'm':
		return L.T("safety.lead.minutes", "count", n)
	}
	return L.T("safety.lead.hours", "count", n)
}

func (p *Pages) appointmentsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	L := console.LocalizerOf(r)
	d := p.appointmentsData(r, q.Get("venue"), q.Get("week"))
	if d == nil {
		p.con.Fail(w, r, errors.New("console: appointments: loading the week failed"))
		return
	}
	v := &console.View{Data: d}
	switch q.Get("m") {
	case "booked":
		v.Flash = L.T("safety.flash.booked")
	case "moved":
		v.Flash = L.T("safety.flash.moved")
	case "cancelled":
		v.Flash = L.T("safety.flash.cancelled")
	}
	if v.Flash != "" {
		d.Outcomes = outcomeLines(L, q)
	}
	d.finish(L)
	p.con.RenderView(w, r, http.StatusOK, "safety_appointments", v)
}

// appointmentsData loads the week view of venue (nil on a failure,
// logged).
func (p *Pages) appointmentsData(r *http.Request, venue, week string) *appointmentsData {
	ctx := r.Context()
	L, a := console.LocalizerOf(r), p.con.ActorOf(r)
	loc := console.ZoneOf(L)
	now := p.safety.Now()
	venue = strings.TrimSpace(venue)
	from := weekStart(week, now, loc)
	to := from.AddDate(0, 0, 7)
	d := &appointmentsData{Venue: venue, Week: isoWeek(from), PrevWeek: isoWeek(from.AddDate(0, 0, -7)), NextWeek: isoWeek(from.AddDate(0, 0, 7)),
		SpacingMinutes: int(p.safety.SessionSpacing() / time.Minute), LeadChoices: leadChoices, Zone: loc.String(),
		Form: bookForm{Venue: venue, Kind: "individual", Reminders: []string{"24h", "2h"}}}
	var err error
	if d.Venues, err = p.safety.Venues(ctx, a, now.AddDate(0, 0, -7)); err != nil {
		p.con.Logger().ErrorContext(ctx, "console: venues", "err", err)
		return nil
	}
	if d.MeetingPoints, err = p.safety.MeetingPoints(ctx, a); err != nil {
		p.con.Logger().ErrorContext(ctx, "console: meeting points", "err", err)
		return nil
	}
	for i := range 7 {
		day := from.AddDate(0, 0, i)
		d.Days = append(d.Days, dayHead{Date: day, ISO: day.Format("2006-01-02")})
	}
	if venue == "" {
		return d
	}
	sessions, err := p.safety.VenueWeek(ctx, a, venue, from, to)
	if err != nil {
		p.con.Logger().ErrorContext(ctx, "console: venue week", "err", err)
		return nil
	}
	spacing := p.safety.SessionSpacing()
	var prev time.Time
	first, last := 8, 19
	for _, s := range sessions {
		row := &sessionRow{Session: s, GapMinutes: -1, MoveValue: s.Start.In(loc).Format(localInput)}
		if s.Kind == "individual" {
			if !prev.IsZero() {
				gap := s.Start.Sub(prev)
				row.GapMinutes, row.TooClose = int(gap/time.Minute), gap < spacing
			}
			prev = s.Start
		}
		d.Sessions = append(d.Sessions, row)
		h := s.Start.In(loc).Hour()
		first, last = min(first, h), max(last, h)
	}
	for h := first; h <= last; h++ {
		wr := weekRow{Hour: fmt.Sprintf("%02d:00", h), Cells: make([]weekCell, 7)}
		for i := range 7 {
			day := from.AddDate(0, 0, i)
			start := time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, loc)
			end := start.Add(time.Hour)
			for _, s := range d.Sessions {
				if !s.Start.Before(start) && s.Start.Before(end) {
					wr.Cells[i].Sessions = append(wr.Cells[i].Sessions, s)
				}
			}
		}
		d.Rows = append(d.Rows, wr)
	}
	return d
}

// Outcome statuses and codes the page puts into words; anything else is
// told generically.
var (
	outcomeKinds    = []string{"reminder", "changed", "cancelled"}
	outcomeStatuses = []string{"scheduled", "queued", "skipped", "refused", "canceled"}
	leadPattern     = regexp.MustCompile(`^[0-9]{1,3}[mhd]$`)
)

// encodeOutcomes puts what a change did into the redirect's query: kind,
// lead, status, code and send time (unix seconds) per message.
func encodeOutcomes(b Booked) url.Values {
	q := url.Values{}
	for _, o := range b.Outcomes {
		at := ""
		if !o.SendAt.IsZero() {
			at = strconv.FormatInt(o.SendAt.Unix(), 10)
		}
		q.Add("o", strings.Join([]string{o.Kind, o.Lead, o.Status, o.Code, at}, "."))
	}
	if b.Refused != "" {
		q.Set("refused", b.Refused)
	}
	return q
}

// outcomeLines reads the outcomes back (only known kinds and statuses;
// codes only as the catalogue words them).
func outcomeLines(L *console.Localizer, q url.Values) []outcomeLine {
	var out []outcomeLine
	if q.Get("refused") != "" {
		out = append(out, outcomeLine{Text: L.T("safety.outcome.refused_all")})
	}
	for _, raw := range q["o"] {
		p := strings.Split(raw, ".")
		if len(p) != 5 || !slices.Contains(outcomeKinds, p[0]) || !slices.Contains(outcomeStatuses, p[2]) || (p[1] != "" && !leadPattern.MatchString(p[1])) {
			continue
		}
		what := L.T("safety.outcome.reminder_plain")
		if p[1] != "" {
			what = L.T("safety.outcome.reminder", "lead", leadLabel(L, p[1]))
		}
		switch p[0] {
		case "changed":
			what = L.T("safety.outcome.notice_changed")
		case "cancelled":
			what = L.T("safety.outcome.notice_cancelled")
		}
		var text string
		switch p[2] {
		case "scheduled", "queued":
			when := ""
			if n, err := strconv.ParseInt(p[4], 10, 64); err == nil {
				when = L.DateTime(time.Unix(n, 0))
			}
			text = L.T("safety.outcome.scheduled", "what", what, "when", when)
		case "canceled":
			text = L.T("safety.outcome.canceled", "what", what)
		case "skipped":
			text = L.T("safety.outcome.skipped", "what", what, "why", skipReason(L, p[3]))
		case "refused":
			text = L.T("safety.outcome.refused", "what", what)
		}
		out = append(out, outcomeLine{Text: text})
	}
	return out
}

func skipReason(L *console.Localizer, code string) string {
	switch code {
	case "no_safe_time":
		return L.T("safety.skip.no_safe_time")
	case "reminder_time_passed":
		return L.T("safety.skip.reminder_time_passed")
	case "no_safe_time_before_appointment":
		return L.T("safety.skip.no_safe_time_before_appointment")
	}
	return L.T("safety.skip.other")
}

// bookFormOf reads the booking form.
func bookFormOf(r *http.Request) bookForm {
	f := bookForm{
		Participant:  strings.TrimSpace(r.PostFormValue("participant")),
		Venue:        strings.TrimSpace(r.PostFormValue("venue")),
		MeetingPoint: r.PostFormValue("meeting_point"),
		Start:        r.PostFormValue("start"),
		Kind:         r.PostFormValue("kind"),
		Reminders:    []string{},
	}
	for _, l := range r.PostForm["reminders"] {
		if slices.Contains(leadChoices, l) && !slices.Contains(f.Reminders, l) {
			f.Reminders = append(f.Reminders, l)
		}
	}
	return f
}

var errStartMissing = errs.Field("missing_field", "start", "the start is required")

func (p *Pages) bookPost(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	loc := console.ZoneOf(L)
	f := bookFormOf(r)
	week := r.PostFormValue("week")
	if slot := r.PostFormValue("use_slot"); slot != "" {
		// A free slot's button: fill the form with it, book nothing yet.
		if _, err := time.ParseInLocation(localInput, slot, loc); err == nil {
			f.Start = slot
		}
		p.showBooking(w, r, f, week, nil)
		return
	}
	start, err := time.ParseInLocation(localInput, f.Start, loc)
	if err != nil {
		p.showBooking(w, r, f, week, errStartMissing)
		return
	}
	b, err := p.safety.Book(r.Context(), p.con.ActorOf(r), Booking{Participant: f.Participant, Venue: f.Venue, MeetingPoint: f.MeetingPoint,
		Start: start, Kind: f.Kind, Reminders: f.Reminders})
	if err != nil {
		p.showBooking(w, r, f, week, err)
		return
	}
	q := encodeOutcomes(b)
	q.Set("m", "booked")
	console.Redirect(w, r, weekURL(f.Venue, isoWeek(start.In(loc)), q))
}

// showBooking re-renders the week with the booking form as she filled it
// and, after a refusal, the reason (and the free slots nearby).
func (p *Pages) showBooking(w http.ResponseWriter, r *http.Request, f bookForm, week string, refusal error) {
	L := console.LocalizerOf(r)
	loc := console.ZoneOf(L)
	if start, err := time.ParseInLocation(localInput, f.Start, loc); err == nil {
		// The week of the slot she chose, where the free slots are.
		week = isoWeek(start)
	}
	d := p.appointmentsData(r, f.Venue, week)
	if d == nil {
		p.con.Fail(w, r, errors.New("console: appointments: loading the week failed"))
		return
	}
	zone := ""
	if f.Participant != "" {
		// Her zone for "her time" beside the start; a code she may not
		// see is refused by the booking itself.
		zone, _ = p.safety.ParticipantZone(r.Context(), p.con.ActorOf(r), f.Participant)
	}
	if start, err := time.ParseInLocation(localInput, f.Start, loc); err == nil && zone != "" {
		f.HerTime = L.Hers(start, zone)
	}
	d.Form = f
	v := &console.View{Data: d}
	status := http.StatusOK
	if refusal != nil {
		text, code, ok := safetyError(L, refusal)
		if !ok {
			p.con.Fail(w, r, refusal)
			return
		}
		v.Error, status = text, code
		var se *SpacingError
		if errors.As(refusal, &se) {
			for _, t := range []time.Time{se.Earlier, se.Later} {
				fs := freeSlot{Value: t.In(loc).Format(localInput), At: t}
				if zone != "" {
					fs.Hers = L.Hers(t, zone)
				}
				d.FreeSlots = append(d.FreeSlots, fs)
			}
		}
	}
	d.finish(L)
	p.con.RenderView(w, r, status, "safety_appointments", v)
}

func (p *Pages) movePost(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	loc := console.ZoneOf(L)
	venue, week := r.PostFormValue("venue"), r.PostFormValue("week")
	start, err := time.ParseInLocation(localInput, r.PostFormValue("start"), loc)
	var b Booked
	if err != nil {
		err = errStartMissing
	} else {
		b, err = p.safety.Move(r.Context(), p.con.ActorOf(r), r.PathValue("id"), start)
	}
	if err != nil {
		p.weekRefused(w, r, venue, week, err)
		return
	}
	q := encodeOutcomes(b)
	q.Set("m", "moved")
	console.Redirect(w, r, weekURL(venue, isoWeek(start.In(loc)), q))
}

func (p *Pages) cancelPost(w http.ResponseWriter, r *http.Request) {
	venue, week := r.PostFormValue("venue"), r.PostFormValue("week")
	b, err := p.safety.Cancel(r.Context(), p.con.ActorOf(r), r.PathValue("id"))
	if err != nil {
		p.weekRefused(w, r, venue, week, err)
		return
	}
	q := encodeOutcomes(b)
	q.Set("m", "cancelled")
	console.Redirect(w, r, weekURL(venue, week, q))
}

// weekRefused re-renders the week with a move or cancellation's refusal
// (and the free slots of a refused move).
func (p *Pages) weekRefused(w http.ResponseWriter, r *http.Request, venue, week string, refusal error) {
	L := console.LocalizerOf(r)
	text, status, ok := safetyError(L, refusal)
	if !ok {
		p.con.Fail(w, r, refusal)
		return
	}
	d := p.appointmentsData(r, venue, week)
	if d == nil {
		p.con.Fail(w, r, errors.New("console: appointments: loading the week failed"))
		return
	}
	var se *SpacingError
	if errors.As(refusal, &se) {
		loc := console.ZoneOf(L)
		text += " " + L.T("safety.move_free", "earlier", L.DateTime(se.Earlier.In(loc)), "later", L.DateTime(se.Later.In(loc)))
	}
	d.finish(L)
	p.con.RenderView(w, r, status, "safety_appointments", &console.View{Error: text, Data: d})
}

// ---- Meeting points ----

var meetingPointKinds = []string{"metro", "bus", "landmark", "office"}

type meetingPointsData struct {
	Items []MeetingPoint
	Kinds []choice
}

// meetingPointKind is a registry kind in words.
func meetingPointKind(L *console.Localizer, kind string) string {
	switch kind {
	case "metro":
		return L.T("safety.mp_kind.metro")
	case "bus":
		return L.T("safety.mp_kind.bus")
	case "landmark":
		return L.T("safety.mp_kind.landmark")
	case "office":
		return L.T("safety.mp_kind.office")
	}
	return kind
}

func (p *Pages) meetingPointsPage(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	v := &console.View{}
	if r.URL.Query().Get("m") == "meeting_point_added" {
		v.Flash = L.T("safety.flash.meeting_point_added")
	}
	p.showMeetingPoints(w, r, v, "metro", nil)
}

func (p *Pages) showMeetingPoints(w http.ResponseWriter, r *http.Request, v *console.View, kind string, refusal error) {
	items, err := p.safety.MeetingPoints(r.Context(), p.con.ActorOf(r))
	if err != nil {
		p.con.Fail(w, r, err)
		return
	}
	L := console.LocalizerOf(r)
	d := meetingPointsData{Items: items}
	for i := range d.Items {
		d.Items[i].Kind = meetingPointKind(L, d.Items[i].Kind)
	}
	for _, k := range meetingPointKinds {
		d.Kinds = append(d.Kinds, choice{Value: k, Label: meetingPointKind(L, k), On: k == kind})
	}
	v.Data = d
	status := http.StatusOK
	if refusal != nil {
		text, code, ok := safetyError(console.LocalizerOf(r), refusal)
		if !ok {
			p.con.Fail(w, r, refusal)
			return
		}
		v.Error, status = text, code
	}
	p.con.RenderView(w, r, status, "safety_meeting_points", v)
}

func (p *Pages) meetingPointPost(w http.ResponseWriter, r *http.Request) {
	kind := r.PostFormValue("kind")
	if err := p.safety.AddMeetingPoint(r.Context(), p.con.ActorOf(r), r.PostFormValue("name"), kind); err != nil {
		// The name is not shown back: a refused one may be an address.
		p.showMeetingPoints(w, r, &console.View{}, kind, err)
		return
	}
	console.Redirect(w, r, "/meeting-points?m=meeting_point_added")
}

// atFormField is one language's field of the at-forms form.
type atFormField struct {
	Lang, Label string
	// Value is the registered form; Default the construction used
	// without one (the field's placeholder).
	Value, Default string
	Invalid        bool
}

type atFormsData struct {
	Point  MeetingPoint
	Fields []atFormField
}

// atFormFields are the form's fields for point, one per at-form
// language, filled with its registered forms.
func atFormFields(point MeetingPoint) []atFormField {
	var out []atFormField
	for _, l := range templates.AtFormLanguages {
		out = append(out, atFormField{Lang: l, Label: console.LanguageLabel(l), Value: point.AtForms[l], Default: templates.DefaultAtForm(l, point.Name)})
	}
	return out
}

// meetingPoint is the registry's point with the id of the request's path.
func (p *Pages) meetingPoint(r *http.Request) (MeetingPoint, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return MeetingPoint{}, errs.New("not_found", "meeting point not found")
	}
	items, err := p.safety.MeetingPoints(r.Context(), p.con.ActorOf(r))
	if err != nil {
		return MeetingPoint{}, err
	}
	for _, m := range items {
		if m.ID == id {
			return m, nil
		}
	}
	return MeetingPoint{}, errs.New("not_found", "meeting point not found")
}

// atFormsPage shows a meeting point's at forms in a form: per language,
// how her messages say "at" the place ("a la Plaça Reial").
func (p *Pages) atFormsPage(w http.ResponseWriter, r *http.Request) {
	point, err := p.meetingPoint(r)
	if err != nil {
		p.refused(w, r, err)
		return
	}
	L := console.LocalizerOf(r)
	v := &console.View{Data: atFormsData{Point: point, Fields: atFormFields(point)}}
	if r.URL.Query().Get("m") == "at_forms_saved" {
		v.Flash = L.T("safety.flash.at_forms_saved")
	}
	p.con.RenderView(w, r, http.StatusOK, "safety_meeting_point", v)
}

// atFormsPost saves the at forms the reader changed: each field's value
// as the page loaded it comes back in a hidden field (was_LANG), and only
// a language whose field differs from it is sent (an emptied field means
// the default), so a save does not undo another reader's change to a
// language this reader did not touch. A refusal shows the registered
// forms again, not the typed ones (a refused form may hold an address),
// and marks the field at fault.
func (p *Pages) atFormsPost(w http.ResponseWriter, r *http.Request) {
	point, err := p.meetingPoint(r)
	if err != nil {
		p.refused(w, r, err)
		return
	}
	forms := map[string]string{}
	for _, l := range templates.AtFormLanguages {
		v := strings.TrimSpace(r.PostFormValue("at_" + l))
		if v != strings.TrimSpace(r.PostFormValue("was_"+l)) {
			forms[l] = v
		}
	}
	if len(forms) > 0 {
		err = p.safety.PatchMeetingPointAtForms(r.Context(), p.con.ActorOf(r), point.ID, forms)
	}
	if err == nil {
		console.Redirect(w, r, fmt.Sprintf("/meeting-points/%d?m=at_forms_saved", point.ID))
		return
	}
	text, status, ok := safetyError(console.LocalizerOf(r), err)
	if !ok {
		p.con.Fail(w, r, err)
		return
	}
	d := atFormsData{Point: point, Fields: atFormFields(point)}
	var e *errs.Error
	if errors.As(err, &e) {
		for i := range d.Fields {
			d.Fields[i].Invalid = e.Field == "at_forms."+d.Fields[i].Lang
		}
	}
	p.con.RenderView(w, r, status, "safety_meeting_point", &console.View{Error: text, Data: d})
}

// ---- Check-in plans ----

var (
	weekdayKeys  = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	graceChoices = []string{"30m", "1h", "2h", "4h", "8h", "24h"}
)

// duressFields is how many duress words the form takes at once.
const duressFields = 3

type checkinForm struct {
	Mode      string // every | weekdays
	EveryDays int
	Weekdays  []string
	At        string
	Channel   string
	Grace     string
	OkReply   string
	HelpReply string
	// No duress words: they are never put back into a page.
	KeepDuress bool
}

type checkinsData struct {
	Code         string
	Plan         CheckinPlan
	Form         checkinForm
	DuressFields []int
	WeekdayOpts  []choice
	GraceOpts    []choice
	ChannelOpts  []choice
	// PlanDays, PlanGrace and PlanChannel are the plan's in words.
	PlanDays, PlanGrace, PlanChannel string
}

// finish prepares the form's options in the reader's words.
func (d *checkinsData) finish(L *console.Localizer) {
	names := map[string]string{}
	for i, k := range weekdayKeys {
		names[k] = L.List("date.weekdays", (i+1)%7)
		d.WeekdayOpts = append(d.WeekdayOpts, choice{Value: k, Label: names[k], On: slices.Contains(d.Form.Weekdays, k)})
	}
	for _, g := range graceChoices {
		d.GraceOpts = append(d.GraceOpts, choice{Value: g, Label: durationLabel(L, g), On: g == d.Form.Grace})
	}
	d.ChannelOpts = []choice{
		{Value: "auto", Label: L.T("safety.channel.auto"), On: d.Form.Channel == "auto" || d.Form.Channel == ""},
		{Value: "sms", Label: L.T("safety.channel.sms"), On: d.Form.Channel == "sms"},
		{Value: "whatsapp", Label: L.T("safety.channel.whatsapp"), On: d.Form.Channel == "whatsapp"},
	}
	if d.Plan.Exists {
		if len(d.Plan.Weekdays) > 0 {
			var ds []string
			for _, w := range d.Plan.Weekdays {
				ds = append(ds, names[w])
			}
			d.PlanDays = L.T("safety.checkins.on_days", "days", strings.Join(ds, ", "), "time", d.Plan.At)
		} else {
			d.PlanDays = L.T("safety.checkins.every_days", "count", d.Plan.EveryDays, "time", d.Plan.At)
		}
		d.PlanGrace = durationLabel(L, graceOf(d.Plan.Grace))
		d.PlanChannel = d.Plan.Channel
		for _, o := range d.ChannelOpts {
			if o.Value == d.Plan.Channel {
				d.PlanChannel = o.Label
			}
		}
	}
}

// durationLabel is a grace ("30m", "2h") in words.
func durationLabel(L *console.Localizer, g string) string {
	dur, _ := time.ParseDuration(g)
	if dur < time.Hour {
		return L.T("safety.minutes", "count", int(dur/time.Minute))
	}
	return L.T("safety.hours", "count", int(dur/time.Hour))
}

func (p *Pages) checkinsPage(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	v := &console.View{}
	switch r.URL.Query().Get("m") {
	case "plan_saved":
		v.Flash = L.T("safety.flash.plan_saved")
	case "plan_stopped":
		v.Flash = L.T("safety.flash.plan_stopped")
	}
	p.showCheckins(w, r, v, nil, nil)
}

// showCheckins renders her plan and the form: as the plan is (f nil), or
// as she filled it, without the duress words, after a refusal.
func (p *Pages) showCheckins(w http.ResponseWriter, r *http.Request, v *console.View, f *checkinForm, refusal error) {
	code := r.PathValue("code")
	plan, err := p.safety.CheckinPlan(r.Context(), p.con.ActorOf(r), code)
	if err != nil {
		p.refused(w, r, err)
		return
	}
	d := checkinsData{Code: plan.Participant, Plan: plan}
	for i := range duressFields {
		d.DuressFields = append(d.DuressFields, i+1)
	}
	if f != nil {
		d.Form = *f
	} else {
		d.Form = checkinForm{Mode: "every", EveryDays: 3, At: "10:00", Channel: "auto", Grace: "2h"}
		if plan.Exists {
			d.Form = checkinForm{Mode: "every", EveryDays: plan.EveryDays, Weekdays: plan.Weekdays, At: plan.At, Channel: plan.Channel,
				Grace: plan.Grace, OkReply: plan.OkReply, HelpReply: plan.HelpReply, KeepDuress: plan.DuressWords > 0}
			if len(plan.Weekdays) > 0 {
				d.Form.Mode = "weekdays"
			}
			if !slices.Contains(graceChoices, d.Form.Grace) {
				d.Form.Grace = graceOf(plan.Grace)
			}
		}
	}
	d.finish(console.LocalizerOf(r))
	v.Data = d
	status := http.StatusOK
	if refusal != nil {
		text, code, ok := safetyError(console.LocalizerOf(r), refusal)
		if !ok {
			p.con.Fail(w, r, refusal)
			return
		}
		v.Error, status = text, code
	}
	p.con.RenderView(w, r, status, "safety_checkins", v)
}

// graceOf is the form's choice for a grace the API wrote as a Go
// duration ("2h0m0s" → "2h").
func graceOf(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return "2h"
	}
	for _, g := range graceChoices {
		if gd, _ := time.ParseDuration(g); gd == d {
			return g
		}
	}
	return "2h"
}

func (p *Pages) checkinsPost(w http.ResponseWriter, r *http.Request) {
	f := checkinForm{
		Mode: r.PostFormValue("mode"), At: r.PostFormValue("at"), Channel: r.PostFormValue("channel"), Grace: r.PostFormValue("grace"),
		OkReply: r.PostFormValue("ok_reply"), HelpReply: r.PostFormValue("help_reply"), KeepDuress: r.PostFormValue("keep_duress") == "on",
	}
	f.EveryDays, _ = strconv.Atoi(r.PostFormValue("every_days"))
	for _, wd := range r.PostForm["weekdays"] {
		if slices.Contains(weekdayKeys, wd) && !slices.Contains(f.Weekdays, wd) {
			f.Weekdays = append(f.Weekdays, wd)
		}
	}
	in := CheckinPlanInput{At: f.At, Channel: f.Channel, Grace: f.Grace, OkReply: f.OkReply, HelpReply: f.HelpReply, KeepDuress: f.KeepDuress}
	if f.Mode == "weekdays" {
		in.Weekdays = f.Weekdays
	} else {
		f.Mode, in.EveryDays = "every", f.EveryDays
	}
	for _, dw := range r.PostForm["duress"] {
		if strings.TrimSpace(dw) != "" {
			in.DuressWords = append(in.DuressWords, dw)
		}
	}
	if err := p.safety.SetCheckinPlan(r.Context(), p.con.ActorOf(r), r.PathValue("code"), in); err != nil {
		p.showCheckins(w, r, &console.View{}, &f, err)
		return
	}
	console.Redirect(w, r, "/participants/"+url.PathEscape(r.PathValue("code"))+"/checkins?m=plan_saved")
}

func (p *Pages) checkinsStopPost(w http.ResponseWriter, r *http.Request) {
	if err := p.safety.StopCheckinPlan(r.Context(), p.con.ActorOf(r), r.PathValue("code")); err != nil {
		p.showCheckins(w, r, &console.View{}, nil, err)
		return
	}
	console.Redirect(w, r, "/participants/"+url.PathEscape(r.PathValue("code"))+"/checkins?m=plan_stopped")
}
