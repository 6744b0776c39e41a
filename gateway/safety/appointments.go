package safety

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
	"safecontact/gateway/safety/rules"
	"safecontact/templates"
	"safecontact/textcheck"
)

// Appointments and their reminders.
//
// Reminders are ordinary scheduled messages (status scheduled, send_at):
// the scheduler's release_due step (package gateway) queues them when
// due, and the worker re-checks consent and her window just before
// sending. Timing rules:
//
//   - A reminder is due at starts_at - lead ("24h", "2h"). If that instant
//     is outside her safe windows it goes at the latest safe moment before
//     it (with a 5-minute margin before the window closes, so the worker's
//     re-check still finds the window open), but never before now. If
//     there is none, the reminder is skipped: audited (reminder.skipped)
//     and listed in the response.
//   - Moving or cancelling cancels the pending reminders (scheduled, or
//     queued but not yet taken by a worker → canceled, with a message event
//     and reminder.canceled audit; the worker skips a canceled id) and sends
//     a notice (appointment_changed / appointment_cancelled) now if she is
//     inside a window, else at her next safe time. The notice is skipped
//     (and said so) when that time is after the appointment it is about
//     (the old start for a cancellation, the new start for a move): a
//     message outside her safe hours is never the answer, and a notice
//     arriving after the fact is useless; staff are told to call instead.
//
// A participant who is individual_only (set from a referral's risk
// pre-evaluation, or by a supervisor) is never in a group session: booking
// her into one, or changing one of hers to group (or moving a group
// session of hers booked before the restriction), is refused with 409
// individual_only. Her individual sessions keep the spacing rule, as
// every individual session does.

// The error codes this file answers with (statuses: errs/status.go).
const (
	CodeAppointmentCanceled = "appointment_canceled"
	CodeIndividualOnly      = "individual_only"
	CodeInvalidOption       = "invalid_option"
	CodeSessionSpacing      = "session_spacing"
	CodeUnknownMeetingPoint = "unknown_meeting_point"
	CodeUnsupportedChannel  = "unsupported_channel"
)

// The audit actions this file records.
const (
	ActionAppointmentCancelled = "appointment.cancelled"
	ActionAppointmentCreated   = "appointment.created"
	ActionAppointmentMoved     = "appointment.moved"
	ActionReminderCanceled     = "reminder.canceled"
	ActionReminderRefused      = "reminder.refused"
	ActionReminderScheduled    = "reminder.scheduled"
	ActionReminderSkipped      = "reminder.skipped"
)

// AppointmentInput is the body of POST /v1/appointments.
type AppointmentInput struct {
	Participant  string     `json:"participant"`
	StartsAt     *time.Time `json:"starts_at"`
	MeetingPoint string     `json:"meeting_point"`
	Kind         string     `json:"kind"`
	Venue        string     `json:"venue"`
	Reminders    []string   `json:"reminders"`
}

// AppointmentPatch is the body of PATCH /v1/appointments/{id}.
type AppointmentPatch struct {
	StartsAt     *time.Time `json:"starts_at"`
	MeetingPoint *string    `json:"meeting_point"`
	Kind         *string    `json:"kind"`
}

// groupRefused refuses a group session for a participant who is
// individual_only.
func groupRefused(p db.Participant, kind string) error {
	if kind == "group" && p.IndividualOnly {
		return errs.Field(CodeIndividualOnly, "kind", "she takes individual sessions only; book an individual session")
	}
	return nil
}

// reminderOutcome is one reminder or notice as the response shows it.
type reminderOutcome struct {
	Kind      string     `json:"kind"` // reminder | changed | cancelled
	Lead      string     `json:"lead,omitempty"`
	MessageID string     `json:"message_id,omitempty"`
	Status    string     `json:"status"` // scheduled | queued | skipped | refused | canceled | …
	SendAt    *time.Time `json:"send_at,omitempty"`
	Code      string     `json:"code,omitempty"` // why skipped/refused
	Adjusted  bool       `json:"adjusted,omitempty"`
}

type appointmentView struct {
	ID           string            `json:"id"`
	Participant  string            `json:"participant"`
	StartsAt     time.Time         `json:"starts_at"`
	MeetingPoint string            `json:"meeting_point"`
	Kind         string            `json:"kind"`
	Venue        string            `json:"venue"`
	Status       string            `json:"status"`
	Reminders    []string          `json:"reminders"`
	Messages     []reminderOutcome `json:"messages"`
	// RemindersRefused: she cannot be contacted (the decision's code); the
	// appointment exists but no reminder was scheduled.
	RemindersRefused *decisionRefusal `json:"reminders_refused,omitempty"`
}

type decisionRefusal struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// safeNoticeTime: now inside a window, else her next safe time.
func safeNoticeTime(p db.Participant, now time.Time) (time.Time, bool) {
	prof := participant.ProfileOf(p)
	ws, any := consent.EffectiveWindows(prof)
	if any {
		return now, true
	}
	return consent.NextSafeTime(ws, prof.TimeZone, now)
}

// bookings are the appointment steps behind Book, Move, Cancel and the
// API's appointment handlers: the spacing rule, the reminders and
// notices, each inside the caller's transaction where it takes q.
type bookings struct{ *Service }

// scheduleReminders stores one reminder per lead, in q's transaction.
func (s bookings) scheduleReminders(ctx context.Context, q *db.Queries, a *auth.Actor, p db.Participant, d consent.Decision, appt db.Appointment, place db.MeetingPoint, now time.Time) ([]reminderOutcome, error) {
	prof := participant.ProfileOf(p)
	ws, anyTime := consent.EffectiveWindows(prof)
	var out []reminderOutcome
	for _, lead := range appt.Reminders {
		ld, err := rules.ParseLead(lead)
		if err != nil {
			return nil, err
		}
		target := appt.StartsAt.Add(-ld)
		ro := reminderOutcome{Kind: "reminder", Lead: lead}
		at, ok := target, !target.Before(now)
		if ok && !anyTime {
			at, ok = rules.LatestSafeAtOrBefore(ws, prof.TimeZone, target, now)
		}
		if !ok {
			ro.Status, ro.Code = "skipped", "no_safe_time"
			if target.Before(now) {
				ro.Code = "reminder_time_passed"
			}
			if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionReminderSkipped, ParticipantCode: p.Code, Details: map[string]any{
				"appointment_id": appt.ID.String(), "lead": lead, "code": ro.Code}}); err != nil {
				return nil, err
			}
			out = append(out, ro)
			continue
		}
		id, st, err := s.msgs.StoreTemplated(ctx, q, a, Templated{Participant: p, Decision: d, Template: "appointment_reminder",
			Params:  map[string]string{"when": appt.StartsAt.UTC().Format(time.RFC3339), "place": place.Name},
			AtForms: placeAtForms(place),
			SendAt:  at,
			Details: map[string]any{"appointment_id": appt.ID.String(), "reminder": lead}}, now)
		if err != nil {
			return nil, err
		}
		if err := q.LinkAppointmentMessage(ctx, db.LinkAppointmentMessageParams{MessageID: id, AppointmentID: appt.ID, Kind: "reminder", Lead: lead}); err != nil {
			return nil, err
		}
		ro.MessageID, ro.Status, ro.Adjusted = id.String(), st, !at.Equal(target)
		t := at.UTC()
		ro.SendAt = &t
		if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionReminderScheduled, ParticipantCode: p.Code, Details: map[string]any{
			"appointment_id": appt.ID.String(), "message_id": id.String(), "lead": lead, "send_at": t, "adjusted_to_window": ro.Adjusted}}); err != nil {
			return nil, err
		}
		out = append(out, ro)
	}
	return out, nil
}

// sendNotice stores the change or cancellation notice.
func (s bookings) sendNotice(ctx context.Context, q *db.Queries, a *auth.Actor, p db.Participant, appt db.Appointment, kind string, place db.MeetingPoint, notAfter, now time.Time) (reminderOutcome, error) {
	ro := reminderOutcome{Kind: kind}
	d, err := s.participants.Decide(ctx, q, p, consent.Auto, now)
	if err != nil {
		return ro, err
	}
	if !d.Allowed {
		ro.Status, ro.Code = "refused", d.Code
		_, err := audit.Append(ctx, q, a, audit.Event{Action: ActionReminderRefused, ParticipantCode: p.Code, Details: map[string]any{"appointment_id": appt.ID.String(), "notice": kind, "code": d.Code}})
		return ro, err
	}
	at, ok := safeNoticeTime(p, now)
	if !ok || at.After(notAfter) {
		ro.Status, ro.Code = "skipped", "no_safe_time_before_appointment"
		_, err := audit.Append(ctx, q, a, audit.Event{Action: ActionReminderSkipped, ParticipantCode: p.Code, Details: map[string]any{"appointment_id": appt.ID.String(), "notice": kind, "code": ro.Code}})
		return ro, err
	}
	tmpl, params, forms := "appointment_changed", map[string]string{"when": appt.StartsAt.UTC().Format(time.RFC3339), "place": place.Name}, placeAtForms(place)
	if kind == "cancelled" {
		tmpl, params, forms = "appointment_cancelled", map[string]string{"when": appt.StartsAt.UTC().Format(time.RFC3339)}, nil
	}
	id, st, err := s.msgs.StoreTemplated(ctx, q, a, Templated{Participant: p, Decision: d, Template: tmpl, Params: params, AtForms: forms, SendAt: at,
		Details: map[string]any{"appointment_id": appt.ID.String(), "notice": kind}}, now)
	if err != nil {
		if httpx.IsErr(err, CodeUnsupportedChannel) {
			ro.Status, ro.Code = "refused", CodeUnsupportedChannel
			return ro, nil
		}
		return ro, err
	}
	if err := q.LinkAppointmentMessage(ctx, db.LinkAppointmentMessageParams{MessageID: id, AppointmentID: appt.ID, Kind: kind}); err != nil {
		return ro, err
	}
	t := at.UTC()
	ro.MessageID, ro.Status, ro.SendAt = id.String(), st, &t
	return ro, nil
}

// cancelPendingReminders: scheduled → canceled, with events and audit.
func (s bookings) cancelPendingReminders(ctx context.Context, q *db.Queries, a *auth.Actor, p db.Participant, apptID uuid.UUID, code string, now time.Time) ([]reminderOutcome, error) {
	ids, err := q.CancelPendingAppointmentMessages(ctx, db.CancelPendingAppointmentMessagesParams{Now: now, AppointmentID: apptID, Code: sql.NullString{String: code, Valid: true}})
	if err != nil {
		return nil, err
	}
	var out []reminderOutcome
	for _, id := range ids {
		if err := q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: id, Status: "canceled", At: now, Code: sql.NullString{String: code, Valid: true}}); err != nil {
			return nil, err
		}
		if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionReminderCanceled, ParticipantCode: p.Code, Details: map[string]any{
			"appointment_id": apptID.String(), "message_id": id.String(), "code": code}}); err != nil {
			return nil, err
		}
		out = append(out, reminderOutcome{Kind: "reminder", MessageID: id.String(), Status: "canceled", Code: code})
	}
	return out, nil
}

// spacingConflict enforces the spacing rule for individual sessions at a
// venue (serialised per venue by an advisory lock in q's transaction).
func (s bookings) spacingConflict(ctx context.Context, q *db.Queries, venue string, start time.Time, except uuid.UUID) error {
	if err := q.LockVenue(ctx, venue); err != nil {
		return err
	}
	sp := s.cfg.SessionSpacing
	near, err := q.VenueSessionsNear(ctx, db.VenueSessionsNearParams{Venue: venue, FromTime: start.Add(-sp), ToTime: start.Add(sp), ExceptID: except})
	if err != nil {
		return err
	}
	if len(near) == 0 {
		return nil
	}
	// Free slots nearby: walk outwards past the sessions around start.
	around, err := q.VenueSessionsNear(ctx, db.VenueSessionsNearParams{Venue: venue, FromTime: start.Add(-24 * time.Hour), ToTime: start.Add(24 * time.Hour), ExceptID: except})
	if err != nil {
		return err
	}
	var starts []time.Time
	for _, r := range around {
		starts = append(starts, r.StartsAt.UTC())
	}
	earlier, later := rules.FreeSlots(starts, start, sp)
	return &SpacingError{Earlier: earlier.UTC(), Later: later.UTC(), Spacing: sp}
}

// meetingPointNamed reads the meeting point a booking or a move names,
// locked FOR SHARE to the end of q's transaction: the reminders it
// renders with the point's name are stored before a rename can commit,
// and the rename then finds the appointment (refuseRenameInUse); a
// rename that committed first leaves the old name unknown here.
func (s bookings) meetingPointNamed(ctx context.Context, q *db.Queries, name string) (db.MeetingPoint, error) {
	if err := textcheck.Chars("meeting_point", name); err != nil {
		return db.MeetingPoint{}, err
	}
	// Names are stored in NFC, white space collapsed (templates.PlaceKey):
	// a name typed with decomposed accents is the point stored precomposed.
	mp, err := q.MeetingPointByNameForShare(ctx, templates.PlaceKey(name))
	if errors.Is(err, sql.ErrNoRows) {
		return mp, errs.Field(CodeUnknownMeetingPoint, "meeting_point", "no meeting point with this name; register it with POST /v1/meeting-points")
	}
	return mp, err
}

// bookAppointment books an appointment and schedules its reminders: the
// API's POST /v1/appointments and the console's booking form.
func (s bookings) bookAppointment(ctx context.Context, a *auth.Actor, in AppointmentInput) (appointmentView, error) {
	now := s.now()
	if in.StartsAt == nil {
		return appointmentView{}, errs.Field(errs.CodeMissingField, "starts_at", "starts_at (RFC 3339) is required")
	}
	start := in.StartsAt.UTC()
	if !start.After(now) {
		return appointmentView{}, errs.Field(errs.CodeInvalidParameter, "starts_at", "starts_at must be in the future")
	}
	if in.Kind == "" {
		in.Kind = "individual"
	}
	if in.Kind != "individual" && in.Kind != "group" {
		return appointmentView{}, errs.Field(CodeInvalidOption, "kind", "kind is individual or group")
	}
	in.Venue = strings.TrimSpace(in.Venue)
	if in.Venue == "" || utf8.RuneCountInString(in.Venue) > 100 {
		return appointmentView{}, errs.Field(errs.CodeMissingField, "venue", "venue (the programme's room or team label, up to 100 characters) is required")
	}
	if err := textcheck.Free("venue", in.Venue); err != nil {
		return appointmentView{}, err
	}
	if in.Reminders == nil {
		in.Reminders = []string{"24h", "2h"}
	}
	if err := rules.CheckReminders(in.Reminders); err != nil {
		return appointmentView{}, err
	}
	var view appointmentView
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		p, err := s.participants.For(ctx, q, a, in.Participant, true, participant.ActAppointments)
		if err != nil {
			if httpx.IsErr(err, errs.CodeNotFound) {
				return errs.Field(errs.CodeNotFound, "participant", "participant not found")
			}
			return err
		}
		if err := groupRefused(p, in.Kind); err != nil {
			return err
		}
		mp, err := s.meetingPointNamed(ctx, q, in.MeetingPoint)
		if err != nil {
			return err
		}
		if in.Kind == "individual" {
			if err := s.spacingConflict(ctx, q, in.Venue, start, uuid.Nil); err != nil {
				return err
			}
		}
		id, _ := uuid.NewV7()
		appt, err := q.CreateAppointment(ctx, db.CreateAppointmentParams{ID: id, ParticipantID: p.ID, StartsAt: start, MeetingPointID: mp.ID,
			Kind: in.Kind, Venue: in.Venue, Reminders: in.Reminders, CreatedBy: sql.NullInt64{Int64: a.UserID, Valid: a.UserID != 0}, CreatedAt: now})
		if err != nil {
			return err
		}
		if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionAppointmentCreated, ParticipantCode: p.Code, Details: map[string]any{
			"appointment_id": id.String(), "starts_at": start, "meeting_point_id": mp.ID, "kind": in.Kind, "reminders": in.Reminders}}); err != nil {
			return err
		}
		view = appointmentView{ID: id.String(), Participant: p.Code, StartsAt: start, MeetingPoint: mp.Name, Kind: in.Kind, Venue: in.Venue,
			Status: appt.Status, Reminders: in.Reminders, Messages: []reminderOutcome{}}
		d, err := s.participants.Decide(ctx, q, p, consent.Auto, now)
		if err != nil {
			return err
		}
		if !d.Allowed {
			view.RemindersRefused = &decisionRefusal{Code: d.Code, Reason: d.Reason}
			_, err := audit.Append(ctx, q, a, audit.Event{Action: ActionReminderRefused, ParticipantCode: p.Code, Details: map[string]any{
				"appointment_id": id.String(), "code": d.Code, "consent_version": d.ConsentVersion}})
			return err
		}
		ros, err := s.scheduleReminders(ctx, q, a, p, d, appt, mp, now)
		if err != nil {
			return err
		}
		view.Messages = append(view.Messages, ros...)
		return nil
	})
	if err != nil {
		return appointmentView{}, err
	}
	s.kick()
	return view, nil
}

func (s bookings) loadAppointment(ctx context.Context, q *db.Queries, a *auth.Actor, raw string) (db.Appointment, db.Participant, error) {
	id, err := uuid.Parse(raw)
	if err != nil {
		return db.Appointment{}, db.Participant{}, httpx.NotFound("appointment")
	}
	appt, err := q.AppointmentByIDForUpdate(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return appt, db.Participant{}, httpx.NotFound("appointment")
	}
	if err != nil {
		return appt, db.Participant{}, err
	}
	// Her row is locked, as patchParticipant locks it: individual_only
	// cannot be switched on between this check and the change.
	p, err := q.ParticipantByID(ctx, appt.ParticipantID)
	if err != nil {
		return appt, p, err
	}
	if p, err = q.ParticipantByCodeForUpdate(ctx, p.Code); err != nil {
		return appt, p, err
	}
	return appt, p, participant.Authorize(a, p, participant.ActAppointments)
}

// moveAppointment moves appointment id (a new start, meeting point and/or
// kind): the API's PATCH /v1/appointments/{id} and the console's move form.
func (s bookings) moveAppointment(ctx context.Context, a *auth.Actor, id string, in AppointmentPatch) (appointmentView, error) {
	if in.StartsAt == nil && in.MeetingPoint == nil && in.Kind == nil {
		return appointmentView{}, errs.Field(errs.CodeMissingField, "starts_at", "give starts_at, meeting_point and/or kind")
	}
	if in.Kind != nil && *in.Kind != "individual" && *in.Kind != "group" {
		return appointmentView{}, errs.Field(CodeInvalidOption, "kind", "kind is individual or group")
	}
	now := s.now()
	var view appointmentView
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		appt, p, err := s.loadAppointment(ctx, q, a, id)
		if err != nil {
			return err
		}
		if appt.Status != "booked" {
			return errs.New(CodeAppointmentCanceled, "this appointment was cancelled")
		}
		start, mpID, kind := appt.StartsAt.UTC(), appt.MeetingPointID, appt.Kind
		if in.Kind != nil {
			kind = *in.Kind
		}
		if err := groupRefused(p, kind); err != nil {
			return err
		}
		if in.StartsAt != nil {
			start = in.StartsAt.UTC()
			if !start.After(now) {
				return errs.Field(errs.CodeInvalidParameter, "starts_at", "starts_at must be in the future")
			}
		}
		var mp db.MeetingPoint
		if in.MeetingPoint != nil {
			if mp, err = s.meetingPointNamed(ctx, q, *in.MeetingPoint); err != nil {
				return err
			}
			mpID = mp.ID
		} else if mp, err = q.MeetingPointByID(ctx, mpID); err != nil {
			return err
		}
		if kind == "individual" && (!start.Equal(appt.StartsAt.UTC()) || appt.Kind != kind) {
			if err := s.spacingConflict(ctx, q, appt.Venue, start, appt.ID); err != nil {
				return err
			}
		}
		old := appt.StartsAt.UTC()
		oldKind, oldMP := appt.Kind, appt.MeetingPointID
		appt, err = q.MoveAppointment(ctx, db.MoveAppointmentParams{ID: appt.ID, StartsAt: start, MeetingPointID: mpID, UpdatedAt: now, Kind: kind})
		if err != nil {
			return err
		}
		details := map[string]any{"appointment_id": appt.ID.String(), "old_starts_at": old, "starts_at": start, "meeting_point_id": mpID}
		if kind != oldKind {
			details["old_kind"], details["kind"] = oldKind, kind
		}
		if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionAppointmentMoved, ParticipantCode: p.Code, Details: details}); err != nil {
			return err
		}
		view = appointmentView{ID: appt.ID.String(), Participant: p.Code, StartsAt: start, MeetingPoint: mp.Name, Kind: appt.Kind, Venue: appt.Venue,
			Status: appt.Status, Reminders: appt.Reminders, Messages: []reminderOutcome{}}
		if start.Equal(old) && mpID == oldMP {
			return nil // only the kind changed: her reminders stand, nothing to tell her
		}
		msgs, err := s.cancelPendingReminders(ctx, q, a, p, appt.ID, "appointment_moved", now)
		if err != nil {
			return err
		}
		view.Messages = append(view.Messages, msgs...)
		notice, err := s.sendNotice(ctx, q, a, p, appt, "changed", mp, start, now)
		if err != nil {
			return err
		}
		view.Messages = append(view.Messages, notice)
		d, err := s.participants.Decide(ctx, q, p, consent.Auto, now)
		if err != nil {
			return err
		}
		if !d.Allowed {
			view.RemindersRefused = &decisionRefusal{Code: d.Code, Reason: d.Reason}
			return nil
		}
		ros, err := s.scheduleReminders(ctx, q, a, p, d, appt, mp, now)
		view.Messages = append(view.Messages, ros...)
		return err
	})
	if err != nil {
		return appointmentView{}, err
	}
	s.kick()
	return view, nil
}

// cancelBooking cancels appointment id: the API's DELETE
// /v1/appointments/{id} and the console's cancel button.
func (s bookings) cancelBooking(ctx context.Context, a *auth.Actor, id string) (appointmentView, error) {
	now := s.now()
	var view appointmentView
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		appt, p, err := s.loadAppointment(ctx, q, a, id)
		if err != nil {
			return err
		}
		if appt.Status != "booked" {
			return errs.New(CodeAppointmentCanceled, "this appointment was already cancelled")
		}
		mp, err := q.MeetingPointByID(ctx, appt.MeetingPointID)
		if err != nil {
			return err
		}
		if appt, err = q.CancelAppointment(ctx, db.CancelAppointmentParams{ID: appt.ID, UpdatedAt: now}); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionAppointmentCancelled, ParticipantCode: p.Code, Details: map[string]any{"appointment_id": appt.ID.String()}}); err != nil {
			return err
		}
		msgs, err := s.cancelPendingReminders(ctx, q, a, p, appt.ID, "appointment_cancelled", now)
		if err != nil {
			return err
		}
		view = appointmentView{ID: appt.ID.String(), Participant: p.Code, StartsAt: appt.StartsAt.UTC(), MeetingPoint: mp.Name, Kind: appt.Kind,
			Venue: appt.Venue, Status: appt.Status, Reminders: appt.Reminders, Messages: append([]reminderOutcome{}, msgs...)}
		if !appt.StartsAt.After(now) {
			return nil // cancelled after the fact: nothing to tell her
		}
		notice, err := s.sendNotice(ctx, q, a, p, appt, "cancelled", mp, appt.StartsAt, now)
		view.Messages = append(view.Messages, notice)
		return err
	})
	if err != nil {
		return appointmentView{}, err
	}
	s.kick()
	return view, nil
}

// Appointments are hers (participant code), with their reminders and
// notices: the API's GET /v1/appointments.
func (s *Service) Appointments(ctx context.Context, a *auth.Actor, code string) ([]appointmentView, error) {
	p, err := s.participants.For(ctx, s.q, a, code, false, participant.ActView)
	if err != nil {
		return nil, err
	}
	rows, err := s.q.ListAppointments(ctx, p.ID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	items := []appointmentView{}
	for _, r := range rows {
		v := appointmentView{ID: r.ID.String(), Participant: p.Code, StartsAt: r.StartsAt.UTC(), MeetingPoint: r.MeetingPointName, Kind: r.Kind,
			Venue: r.Venue, Status: r.Status, Reminders: r.Reminders, Messages: []reminderOutcome{}}
		ms, err := s.q.AppointmentMessages(ctx, r.ID)
		if err != nil {
			return nil, errs.Internal(err)
		}
		for _, m := range ms {
			t := m.SendAt.UTC()
			v.Messages = append(v.Messages, reminderOutcome{Kind: m.Kind, Lead: m.Lead, MessageID: m.MessageID.String(), Status: m.Status, SendAt: &t})
		}
		items = append(items, v)
	}
	return items, nil
}
