package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/console"
	"safecontact/gateway/participant"
)

// consoleSafety is the console's Safety: the appointment, meeting-point
// and check-in service methods the API's handlers call, with the
// console's types. The week view is read here (the API has no venue
// view): every booked session at the venue, her code, zone and meeting
// point only when the reader may act on her.
type consoleSafety struct{ s *Server }

var _ console.Safety = consoleSafety{}

func (c consoleSafety) Now() time.Time { return c.s.now() }

func (c consoleSafety) SessionSpacing() time.Duration { return c.s.cfg.SessionSpacing }

func (c consoleSafety) Venues(ctx context.Context, _ *auth.Actor, since time.Time) ([]string, error) {
	return c.s.q.BookedVenues(ctx, since)
}

func (c consoleSafety) VenueWeek(ctx context.Context, a *auth.Actor, venue string, from, to time.Time) ([]console.Session, error) {
	rows, err := c.s.q.VenueWeek(ctx, db.VenueWeekParams{Venue: venue, FromTime: from, ToTime: to})
	if err != nil {
		return nil, err
	}
	out := make([]console.Session, 0, len(rows))
	for _, r := range rows {
		se := console.Session{ID: r.ID.String(), Start: r.StartsAt.UTC(), Kind: r.Kind}
		if participant.Authorize(a, db.Participant{Code: r.Code, CaseworkerID: r.CaseworkerID}, participant.ActAppointments) == nil {
			se.Participant, se.Zone, se.MeetingPoint = r.Code, r.TimeZone, r.MeetingPointName
		}
		out = append(out, se)
	}
	return out, nil
}

func (c consoleSafety) ParticipantZone(ctx context.Context, a *auth.Actor, code string) (string, error) {
	p, err := c.s.participants.For(ctx, c.s.q, a, code, false, participant.ActView)
	if err != nil {
		return "", err
	}
	return p.TimeZone, nil
}

// consoleErr gives the console the spacing refusal in its own type.
func consoleErr(err error) error {
	var se *spacingError
	if errors.As(err, &se) {
		return &console.SpacingError{Spacing: se.spacing, Earlier: se.earlier, Later: se.later}
	}
	return err
}

func booked(v appointmentView) console.Booked {
	b := console.Booked{ID: v.ID}
	if v.RemindersRefused != nil {
		b.Refused = v.RemindersRefused.Code
	}
	for _, m := range v.Messages {
		o := console.Outcome{Kind: m.Kind, Lead: m.Lead, Status: m.Status, Code: m.Code}
		if m.SendAt != nil {
			o.SendAt = *m.SendAt
		}
		b.Outcomes = append(b.Outcomes, o)
	}
	return b
}

func (c consoleSafety) Book(ctx context.Context, a *auth.Actor, in console.Booking) (console.Booked, error) {
	start := in.Start
	v, err := c.s.bookAppointment(ctx, a, appointmentInput{Participant: in.Participant, StartsAt: &start, MeetingPoint: in.MeetingPoint,
		Kind: in.Kind, Venue: in.Venue, Reminders: in.Reminders})
	if err != nil {
		return console.Booked{}, consoleErr(err)
	}
	return booked(v), nil
}

func (c consoleSafety) Move(ctx context.Context, a *auth.Actor, id string, start time.Time) (console.Booked, error) {
	v, err := c.s.moveAppointment(ctx, a, id, appointmentPatch{StartsAt: &start})
	if err != nil {
		return console.Booked{}, consoleErr(err)
	}
	return booked(v), nil
}

func (c consoleSafety) Cancel(ctx context.Context, a *auth.Actor, id string) (console.Booked, error) {
	v, err := c.s.cancelBooking(ctx, a, id)
	if err != nil {
		return console.Booked{}, consoleErr(err)
	}
	return booked(v), nil
}

func (c consoleSafety) MeetingPoints(ctx context.Context, _ *auth.Actor) ([]console.MeetingPoint, error) {
	items, err := c.s.meetingPoints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]console.MeetingPoint, len(items))
	for i, m := range items {
		out[i] = console.MeetingPoint{Name: m.Name, Kind: m.Kind, Created: m.CreatedAt}
	}
	return out, nil
}

func (c consoleSafety) AddMeetingPoint(ctx context.Context, a *auth.Actor, name, kind string) error {
	_, err := c.s.addMeetingPoint(ctx, a, meetingPointInput{Name: name, Kind: kind})
	return err
}

func (c consoleSafety) CheckinPlan(ctx context.Context, a *auth.Actor, code string) (console.CheckinPlan, error) {
	p, err := c.s.participants.For(ctx, c.s.q, a, code, false, participant.ActView)
	if err != nil {
		return console.CheckinPlan{}, err
	}
	out := console.CheckinPlan{Participant: p.Code, Zone: p.TimeZone}
	plan, recent, err := c.s.checkinPlanOf(ctx, a, code)
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
		ci := console.Checkin{Slot: r.Slot, Status: r.Status}
		if r.ClosedAt != nil {
			ci.ClosedAt = *r.ClosedAt
		}
		out.Recent = append(out.Recent, ci)
	}
	return out, nil
}

func (c consoleSafety) SetCheckinPlan(ctx context.Context, a *auth.Actor, code string, in console.CheckinPlanInput) error {
	every, _ := json.Marshal(in.Weekdays)
	if len(in.Weekdays) == 0 {
		// Whole days as the API's duration ("72h"); 0 is refused there.
		every, _ = json.Marshal((time.Duration(in.EveryDays) * 24 * time.Hour).String())
	}
	_, err := c.s.setCheckinPlan(ctx, a, code, checkinPlanInput{Every: every, At: in.At, Channel: in.Channel, Grace: in.Grace,
		OkReply: in.OkReply, HelpReply: in.HelpReply, DuressWords: in.DuressWords, keepDuress: in.KeepDuress})
	return err
}

func (c consoleSafety) StopCheckinPlan(ctx context.Context, a *auth.Actor, code string) error {
	return c.s.stopCheckinPlan(ctx, a, code)
}
