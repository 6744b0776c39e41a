package safety

import (
	"context"
	"encoding/json"
	"time"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/participant"
)

// The console's safety pages (gateway/console/safetyui, its Safety
// interface) call these: the same service methods the API's handlers
// call, with the pages' types. The week view is read here (the API has no
// venue view): every booked session at the venue, her code, zone and
// meeting point only when the reader may act on her.

// Session is one booked session in the week view.
type Session struct {
	ID           string
	Start        time.Time
	Kind         string // individual | group
	MeetingPoint string
	// Participant is her code and Zone her time zone, both empty when
	// the reader may not act on her.
	Participant string
	Zone        string
}

// Booking is the booking form.
type Booking struct {
	Participant  string
	Venue        string
	MeetingPoint string
	Start        time.Time
	Kind         string
	Reminders    []string
}

// Booked is what a booking, move or cancellation did.
type Booked struct {
	ID       string
	Outcomes []Outcome
	// Refused is the contact decision's code when no reminder could be
	// scheduled at all (she cannot be contacted).
	Refused string
}

// Outcome is one reminder or notice as the API reports it.
type Outcome struct {
	Kind   string // reminder | changed | cancelled
	Lead   string
	Status string // scheduled | queued | skipped | refused | canceled
	Code   string
	SendAt time.Time
}

// SpacingError is a slot refused by the spacing rule, with the nearest
// free start times before and after it.
type SpacingError struct {
	Spacing        time.Duration
	Earlier, Later time.Time
}

func (e *SpacingError) Error() string { return CodeSessionSpacing }

// MeetingPoint is one entry of the registry.
type MeetingPoint struct {
	ID         int64
	Name, Kind string
	Created    time.Time
	// AtForms are its registered at forms by language (never nil).
	AtForms map[string]string
}

// PlanForm is the console's check-in plan form. EveryDays > 0, or Weekdays.
type PlanForm struct {
	EveryDays   int
	Weekdays    []string
	At          string
	Channel     string
	Grace       string
	OkReply     string
	HelpReply   string
	DuressWords []string
	// KeepDuress keeps her current duress words when none are typed.
	KeepDuress bool
}

// CheckinPlan is her plan as the page shows it: never the duress words.
type CheckinPlan struct {
	Participant string
	Zone        string
	Exists      bool
	EveryDays   int
	Weekdays    []string
	At          string
	Channel     string
	Grace       string
	OkReply     string
	HelpReply   string
	DuressWords int
	NextDue     time.Time
	Recent      []Checkin
}

// Checkin is one recent check-in.
type Checkin struct {
	Slot     time.Time
	Status   string
	ClosedAt time.Time
}

// Now is the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now() }

// SessionSpacing is the least time between two individual sessions at
// one venue.
func (s *Service) SessionSpacing() time.Duration { return s.cfg.SessionSpacing }

// Venues are the venues with sessions booked from since on.
func (s *Service) Venues(ctx context.Context, _ *auth.Actor, since time.Time) ([]string, error) {
	return s.q.BookedVenues(ctx, since)
}

// VenueWeek is the booked sessions at venue in [from, to).
func (s *Service) VenueWeek(ctx context.Context, a *auth.Actor, venue string, from, to time.Time) ([]Session, error) {
	rows, err := s.q.VenueWeek(ctx, db.VenueWeekParams{Venue: venue, FromTime: from, ToTime: to})
	if err != nil {
		return nil, err
	}
	out := make([]Session, 0, len(rows))
	for _, r := range rows {
		se := Session{ID: r.ID.String(), Start: r.StartsAt.UTC(), Kind: r.Kind}
		if participant.Authorize(a, db.Participant{Code: r.Code, CaseworkerID: r.CaseworkerID}, participant.ActAppointments) == nil {
			se.Participant, se.Zone, se.MeetingPoint = r.Code, r.TimeZone, r.MeetingPointName
		}
		out = append(out, se)
	}
	return out, nil
}

// ParticipantZone is her time zone (ActView on her).
func (s *Service) ParticipantZone(ctx context.Context, a *auth.Actor, code string) (string, error) {
	p, err := s.participants.For(ctx, s.q, a, code, false, participant.ActView)
	if err != nil {
		return "", err
	}
	return p.TimeZone, nil
}

// booked is what an appointment change did, for the pages.
func booked(v appointmentView) Booked {
	b := Booked{ID: v.ID}
	if v.RemindersRefused != nil {
		b.Refused = v.RemindersRefused.Code
	}
	for _, m := range v.Messages {
		o := Outcome{Kind: m.Kind, Lead: m.Lead, Status: m.Status, Code: m.Code}
		if m.SendAt != nil {
			o.SendAt = *m.SendAt
		}
		b.Outcomes = append(b.Outcomes, o)
	}
	return b
}

// Book books a session (bookAppointment); a refusal by the spacing rule
// is a *SpacingError.
func (s *Service) Book(ctx context.Context, a *auth.Actor, in Booking) (Booked, error) {
	start := in.Start
	v, err := bookings{s}.bookAppointment(ctx, a, AppointmentInput{Participant: in.Participant, StartsAt: &start, MeetingPoint: in.MeetingPoint,
		Kind: in.Kind, Venue: in.Venue, Reminders: in.Reminders})
	if err != nil {
		return Booked{}, err
	}
	return booked(v), nil
}

// Move moves appointment id to start (moveAppointment).
func (s *Service) Move(ctx context.Context, a *auth.Actor, id string, start time.Time) (Booked, error) {
	v, err := bookings{s}.moveAppointment(ctx, a, id, AppointmentPatch{StartsAt: &start})
	if err != nil {
		return Booked{}, err
	}
	return booked(v), nil
}

// Cancel cancels appointment id (cancelBooking).
func (s *Service) Cancel(ctx context.Context, a *auth.Actor, id string) (Booked, error) {
	v, err := bookings{s}.cancelBooking(ctx, a, id)
	if err != nil {
		return Booked{}, err
	}
	return booked(v), nil
}

// MeetingPoints is the registry, by name.
func (s *Service) MeetingPoints(ctx context.Context, _ *auth.Actor) ([]MeetingPoint, error) {
	items, err := s.meetingPoints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MeetingPoint, len(items))
	for i, m := range items {
		out[i] = MeetingPoint{ID: m.ID, Name: m.Name, Kind: m.Kind, Created: m.CreatedAt, AtForms: m.AtForms}
	}
	return out, nil
}

// PatchMeetingPointAtForms changes the at forms of meeting point id for
// the languages in forms only ("" removes a language's form), keeping the
// others as registered (changeMeetingPoint): the console's at-forms form.
func (s *Service) PatchMeetingPointAtForms(ctx context.Context, a *auth.Actor, id int64, forms map[string]string) error {
	patch := AtFormsPatch{Given: true, Langs: make(map[string]*string, len(forms))}
	for l, f := range forms {
		patch.Langs[l] = &f
	}
	_, err := s.changeMeetingPoint(ctx, a, id, MeetingPointPatch{AtForms: patch})
	return err
}

// AddMeetingPoint registers a meeting point (addMeetingPoint).
func (s *Service) AddMeetingPoint(ctx context.Context, a *auth.Actor, name, kind string) error {
	_, err := s.addMeetingPoint(ctx, a, MeetingPointInput{Name: name, Kind: kind})
	return err
}

// CheckinPlan is her plan as the page shows it (Exists false when she
// has none); never the duress words.
func (s *Service) CheckinPlan(ctx context.Context, a *auth.Actor, code string) (CheckinPlan, error) {
	p, err := s.participants.For(ctx, s.q, a, code, false, participant.ActView)
	if err != nil {
		return CheckinPlan{}, err
	}
	out := CheckinPlan{Participant: p.Code, Zone: p.TimeZone}
	plan, recent, err := checkins{s}.checkinPlanOf(ctx, a, code)
	if errs.Code(err) == errs.CodeNotFound {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	out.Exists = true
	out.EveryDays, out.Weekdays, out.At, out.Channel, out.Grace = plan.EveryDays, plan.Weekdays, plan.At, plan.Channel, plan.Grace
	out.OkReply, out.HelpReply, out.DuressWords, out.NextDue = plan.OkReply, plan.HelpReply, plan.DuressWords, plan.NextDueAt
	for _, r := range recent {
		ci := Checkin{Slot: r.Slot, Status: r.Status}
		if r.ClosedAt != nil {
			ci.ClosedAt = *r.ClosedAt
		}
		out.Recent = append(out.Recent, ci)
	}
	return out, nil
}

// SetCheckinPlan sets her plan from the page's form (setCheckinPlan).
func (s *Service) SetCheckinPlan(ctx context.Context, a *auth.Actor, code string, in PlanForm) error {
	every, _ := json.Marshal(in.Weekdays)
	if len(in.Weekdays) == 0 {
		// Whole days as the API's duration ("72h"); 0 is refused there.
		every, _ = json.Marshal((time.Duration(in.EveryDays) * 24 * time.Hour).String())
	}
	_, err := checkins{s}.setCheckinPlan(ctx, a, code, CheckinPlanInput{Every: every, At: in.At, Channel: in.Channel, Grace: in.Grace,
		OkReply: in.OkReply, HelpReply: in.HelpReply, DuressWords: in.DuressWords, keepDuress: in.KeepDuress})
	return err
}

// StopCheckinPlan deletes her plan (stopCheckinPlan).
func (s *Service) StopCheckinPlan(ctx context.Context, a *auth.Actor, code string) error {
	return checkins{s}.stopCheckinPlan(ctx, a, code)
}
