package safety

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
	"safecontact/keys"
	"safecontact/textcheck"
)

// Escalations: the ladder after a check-in goes wrong.
//
//  1. at once: a call-back task (urgent for duress and no reply, normal for
//     help) and, when urgent, an SMS alert to the on-call staff member's
//     own phone (users.phone_enc; the text names the escalation id only),
//     plus a safety.escalations JetStream event {escalation_id,
//     participant, level, reason} — no number, no text;
//  2. not acknowledged within EscalationAckTimeout: the supervisors are
//     alerted the same way (level 2);
//  3. still not acknowledged after another EscalationAckTimeout: level 3,
//     recorded; the programme's emergency protocol text is in every GET
//     response of an escalation, so whoever holds it has it at hand.
//
// Alerts and events go through escalation_outbox, written in the
// transaction that opens or raises the escalation: a crash never loses
// one. Events are published by the scheduler step (Nats-Msg-Id dedupes a
// republish); staff SMS by StaffAlerter (at least once: a crash between
// the provider's answer and the commit can repeat an alert, which is
// harmless, whereas losing one is not).
//
// The call-back task is created through Deps.Callback (the voice queue)
// in the same transaction, idempotent per escalation (source key
// "escalation:<id>"), and recorded as the step "callback_created".

// The error codes this file answers with (statuses: errs/status.go).
const (
	CodeEscalationClosed = "escalation_closed"
	CodeNoteRequired     = "note_required"
)

// The audit actions this file records.
const (
	ActionEscalationAcknowledged = "escalation.acknowledged"
	ActionEscalationOpened       = "escalation.opened"
	ActionEscalationRaised       = "escalation.raised"
	ActionEscalationResolved     = "escalation.resolved"
)

// DefaultEmergencyProtocol is the emergency protocol text when the
// configuration gives none.
const DefaultEmergencyProtocol = "Emergency protocol: call her back now from the call-back queue. If she does not answer or says she is not safe, follow the programme's emergency plan and contact the emergency services (112). Do not send her any message that mentions this alert."

// SubjectEscalations is the JetStream subject of escalation events.
const SubjectEscalations = "safety.escalations"

type escalationEvent struct {
	EscalationID string `json:"escalation_id"`
	Participant  string `json:"participant"`
	Level        int16  `json:"level"`
	Reason       string `json:"reason"`
}

// OpenEscalation records a new escalation and its first rung, in q's
// transaction: the check-in steps and her replies open them.
func (s *Service) OpenEscalation(ctx context.Context, q *db.Queries, a *auth.Actor, p db.Participant, checkin uuid.NullUUID, reason string, urgent bool, now time.Time) (uuid.UUID, error) {
	id, _ := uuid.NewV7()
	next := sql.NullTime{}
	if urgent {
		next = sql.NullTime{Time: now.Add(s.cfg.EscalationAckTimeout), Valid: true}
	}
	if _, err := q.CreateEscalation(ctx, db.CreateEscalationParams{ID: id, ParticipantID: p.ID, CheckinID: checkin, Reason: reason, Urgent: urgent, NextStepAt: next, CreatedAt: now}); err != nil {
		return id, err
	}
	prio := "normal"
	if urgent {
		prio = "urgent"
	}
	// The call-back task, in the voice queue, same transaction.
	task, err := s.callback(ctx, q, a, p, urgent, "escalation:"+id.String(), now)
	if err != nil {
		return id, err
	}
	if err := q.AddEscalationStep(ctx, db.AddEscalationStepParams{EscalationID: id, Level: 1, Kind: "callback_created", At: now,
		Note: prio + " task " + strconv.FormatInt(task, 10)}); err != nil {
		return id, err
	}
	if urgent {
		u, ok, err := escalations{s}.onCallUser(ctx, q, p)
		if err != nil {
			return id, err
		}
		if ok {
			if err := (escalations{s}).queueStaffAlert(ctx, q, id, u.ID, 1, "alert_on_call", now); err != nil {
				return id, err
			}
		} else if err := q.AddEscalationStep(ctx, db.AddEscalationStepParams{EscalationID: id, Level: 1, Kind: "no_on_call_user", At: now}); err != nil {
			return id, err
		}
	}
	if err := q.InsertEscalationOutbox(ctx, db.InsertEscalationOutboxParams{EscalationID: id, Kind: "event", Level: 1, CreatedAt: now}); err != nil {
		return id, err
	}
	_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionEscalationOpened, ParticipantCode: p.Code, Details: map[string]any{
		"escalation_id": id.String(), "reason": reason, "urgent": urgent, "level": 1, "checkin_id": nullUUIDString(checkin)}})
	return id, err
}

func nullUUIDString(u uuid.NullUUID) any {
	if !u.Valid {
		return nil
	}
	return u.UUID.String()
}

// escalations are the ladder's steps behind OpenEscalation and the
// exported escalation methods: staff alerts, climbing, publishing
// events, and the views and closing of one escalation.
type escalations struct{ *Service }

// queueStaffAlert queues an SMS alert to a staff member's phone and
// records the rung's step, in q's transaction.
func (s escalations) queueStaffAlert(ctx context.Context, q *db.Queries, esc uuid.UUID, userID int64, level int16, kind string, now time.Time) error {
	if err := q.InsertEscalationOutbox(ctx, db.InsertEscalationOutboxParams{EscalationID: esc, Kind: "staff_sms", UserID: sql.NullInt64{Int64: userID, Valid: true}, Level: level, CreatedAt: now}); err != nil {
		return err
	}
	return q.AddEscalationStep(ctx, db.AddEscalationStepParams{EscalationID: esc, Level: level, Kind: kind, UserID: sql.NullInt64{Int64: userID, Valid: true}, At: now})
}

// onCallUser: the configured on-call user, else her caseworker.
func (s escalations) onCallUser(ctx context.Context, q *db.Queries, p db.Participant) (db.User, bool, error) {
	var u db.User
	var err error
	switch {
	case s.cfg.OnCallUser != "":
		u, err = q.UserByName(ctx, s.cfg.OnCallUser)
	case p.CaseworkerID.Valid:
		u, err = q.UserByID(ctx, p.CaseworkerID.Int64)
	default:
		return u, false, nil
	}
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.DisabledAt.Valid) {
		return u, false, nil
	}
	return u, err == nil, err
}

// escalateDue is the scheduler step that climbs the ladder for
// escalations nobody acknowledged in time.
func (s escalations) escalateDue(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		due, err := q.ClaimDueEscalations(ctx, db.ClaimDueEscalationsParams{Now: now, MaxRows: int32(s.cfg.Batch)})
		if err != nil {
			return err
		}
		n = len(due)
		sys := auth.SystemActor("scheduler")
		for _, e := range due {
			level := e.Level + 1
			next := sql.NullTime{}
			switch level {
			case 2:
				sups, err := s.participants.Supervisors(ctx, q)
				if err != nil {
					return err
				}
				for _, u := range sups {
					if err := s.queueStaffAlert(ctx, q, e.ID, u.ID, 2, "alert_supervisor", now); err != nil {
						return err
					}
				}
				if len(sups) == 0 {
					if err := q.AddEscalationStep(ctx, db.AddEscalationStepParams{EscalationID: e.ID, Level: 2, Kind: "no_supervisor", At: now}); err != nil {
						return err
					}
				}
				next = sql.NullTime{Time: now.Add(s.cfg.EscalationAckTimeout), Valid: true}
			default:
				level = 3
				if err := q.AddEscalationStep(ctx, db.AddEscalationStepParams{EscalationID: e.ID, Level: 3, Kind: "emergency_protocol", At: now}); err != nil {
					return err
				}
			}
			if err := q.SetEscalationLevel(ctx, db.SetEscalationLevelParams{ID: e.ID, Level: level, NextStepAt: next}); err != nil {
				return err
			}
			if err := q.InsertEscalationOutbox(ctx, db.InsertEscalationOutboxParams{EscalationID: e.ID, Kind: "event", Level: level, CreatedAt: now}); err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, sys, audit.Event{Action: ActionEscalationRaised, ParticipantCode: e.ParticipantCode, Details: map[string]any{
				"escalation_id": e.ID.String(), "level": level, "reason": e.Reason}}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// publishEscalationEvents is the scheduler step that publishes pending
// safety.escalations events (ids and codes only).
func (s escalations) publishEscalationEvents(ctx context.Context, now time.Time) (int, error) {
	if s.js == nil {
		return 0, nil
	}
	n := 0
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		rows, err := q.ClaimEscalationOutbox(ctx, db.ClaimEscalationOutboxParams{Kind: "event", MaxRows: int32(s.cfg.Batch)})
		if err != nil {
			return err
		}
		for _, r := range rows {
			b, _ := json.Marshal(escalationEvent{EscalationID: r.EscalationID.String(), Participant: r.ParticipantCode, Level: r.Level, Reason: r.Reason})
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := s.js.Publish(pctx, SubjectEscalations, b, jetstream.WithMsgID("escalation-event-"+strconv.FormatInt(r.ID, 10)))
			cancel()
			if err != nil {
				return err // rows stay pending; the next tick retries
			}
			if err := q.FinishEscalationOutbox(ctx, db.FinishEscalationOutboxParams{ID: r.ID, Status: "done", DoneAt: sql.NullTime{Time: now, Valid: true}}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// StaffAlerter sends escalation alerts and staff notices by SMS to staff
// members' own phones through a channels.Sender (Twilio or the dev sink).
// It runs next to the workers, on every serve process: a row is claimed
// in the transaction that sends it.
type StaffAlerter struct {
	s      *Service
	sender channels.Sender
	every  time.Duration
}

// NewStaffAlerter makes the staff-alert sender.
func (s *Service) NewStaffAlerter(sender channels.Sender) *StaffAlerter {
	return &StaffAlerter{s: s, sender: sender, every: time.Second}
}

// Run sends pending alerts until ctx ends.
func (al *StaffAlerter) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := al.Flush(ctx); err != nil && ctx.Err() == nil {
			al.s.log.Warn("staff alerts", "err", httpx.RedactErr(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(al.every):
		}
	}
}

// StaffAlertText is the whole alert: the escalation id, nothing about her.
func StaffAlertText(esc uuid.UUID, level int16) string {
	return "SafeContact: escalation " + esc.String() + " (level " + strconv.Itoa(int(level)) + ") needs you now. Open the gateway."
}

// sendCode is the provider's error code of a failed send.
func sendCode(err error) string {
	var se *channels.SendError
	if errors.As(err, &se) {
		return se.Code
	}
	return "send_error"
}

// Flush sends one batch of pending alerts and returns how many it sent.
func (al *StaffAlerter) Flush(ctx context.Context) (int, error) {
	s := al.s
	sent := 0
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		rows, err := q.ClaimEscalationOutbox(ctx, db.ClaimEscalationOutboxParams{Kind: "staff_sms", MaxRows: 50})
		if err != nil {
			return err
		}
		now := s.now()
		for _, r := range rows {
			finish := func(status, code string) error {
				return q.FinishEscalationOutbox(ctx, db.FinishEscalationOutboxParams{ID: r.ID, Status: status,
					ErrorCode: sql.NullString{String: code, Valid: code != ""}, DoneAt: sql.NullTime{Time: now, Valid: true}})
			}
			step := func(kind, note string) error {
				return q.AddEscalationStep(ctx, db.AddEscalationStepParams{EscalationID: r.EscalationID, Level: r.Level, Kind: kind, UserID: r.UserID, At: now, Note: note})
			}
			// A bad row (user gone, phone sealed under a removed key) fails
			// alone: returning the error would roll back the rows already
			// sent in this batch and send their alerts again next second.
			u, err := q.UserByID(ctx, r.UserID.Int64)
			if errors.Is(err, sql.ErrNoRows) {
				if err := finish("failed", "no_user"); err != nil {
					return err
				}
				continue
			} else if err != nil {
				return err
			}
			if len(u.PhoneEnc) == 0 {
				if err := finish("failed", "no_staff_phone"); err != nil {
					return err
				}
				if err := step("alert_failed", "no_staff_phone"); err != nil {
					return err
				}
				s.log.Warn("staff alert: user has no phone", "escalation_id", r.EscalationID.String(), "user_id", u.ID)
				continue
			}
			num, err := s.keys.Open(keys.Contact, u.PhoneEnc)
			if err != nil {
				if err := finish("failed", "decrypt_failed"); err != nil {
					return err
				}
				if err := step("alert_failed", "decrypt_failed"); err != nil {
					return err
				}
				s.log.Error("staff alert: cannot decrypt the staff phone", "escalation_id", r.EscalationID.String(), "user_id", u.ID)
				continue
			}
			rcpt, sendErr := al.sender.Send(ctx, channels.Outgoing{MessageID: "alert-" + strconv.FormatInt(r.ID, 10), Channel: "sms", To: string(num),
				Body: StaffAlertText(r.EscalationID, r.Level)})
			switch {
			case sendErr == nil:
				if err := finish("done", ""); err != nil {
					return err
				}
				if err := step("alert_sent", rcpt.Status); err != nil {
					return err
				}
				sent++
			case channels.IsRetryable(sendErr) && r.Attempts < 5:
				if err := q.RetryEscalationOutbox(ctx, db.RetryEscalationOutboxParams{ID: r.ID, ErrorCode: sql.NullString{String: sendCode(sendErr), Valid: true}}); err != nil {
					return err
				}
			default:
				if err := finish("failed", sendCode(sendErr)); err != nil {
					return err
				}
				if err := step("alert_failed", sendCode(sendErr)); err != nil {
					return err
				}
			}
			s.log.Info("staff alert", "escalation_id", r.EscalationID.String(), "user_id", u.ID, "ok", sendErr == nil)
		}
		return nil
	})
	if err != nil {
		return sent, err
	}
	// Notices that are not about an escalation (gateway/participant queues
	// them: reveals, acknowledgements outside her team).
	n, err := al.flushNotices(ctx)
	return sent + n, err
}

// EscalationStep is one rung or action of an escalation.
type EscalationStep struct {
	Level int16     `json:"level"`
	Kind  string    `json:"kind"`
	User  *int64    `json:"user_id,omitempty"`
	At    time.Time `json:"at"`
	Note  string    `json:"note,omitempty"`
}

// EscalationView is an escalation as her caseworker and the supervisors
// see it: why, what was done, who was alerted.
type EscalationView struct {
	ID          string           `json:"id"`
	Participant string           `json:"participant"`
	Initials    string           `json:"initials"`
	CheckinID   *string          `json:"checkin_id,omitempty"`
	Reason      string           `json:"reason"`
	Urgent      bool             `json:"urgent"`
	Level       int16            `json:"level"`
	Status      string           `json:"status"`
	NextStepAt  *time.Time       `json:"next_step_at,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	AckedAt     *time.Time       `json:"acked_at,omitempty"`
	ResolvedAt  *time.Time       `json:"resolved_at,omitempty"`
	Outcome     *string          `json:"outcome,omitempty"`
	Steps       []EscalationStep `json:"steps,omitempty"`
	Protocol    string           `json:"emergency_protocol"`
}

// EscalationSummary is an escalation as staff outside her team see it:
// enough to recognise it, see how long it has waited and follow the
// emergency protocol — not why it was opened, what was done, its notes or
// who was alerted. Her caseworker and the supervisors see EscalationView.
type EscalationSummary struct {
	ID          string    `json:"id"`
	Participant string    `json:"participant"`
	Initials    string    `json:"initials"`
	Status      string    `json:"status"`
	Level       int16     `json:"level"`
	CreatedAt   time.Time `json:"created_at"`
	AgeSeconds  int64     `json:"age_seconds"`
	Protocol    string    `json:"emergency_protocol"`
	Access      string    `json:"access"`
}

// escalationFor is v as a sees it (participant's access rule): whole for
// her team, the summary for anyone else.
func (s escalations) escalationFor(a *auth.Actor, caseworker sql.NullInt64, v EscalationView) any {
	if a.ActsOn(caseworker) {
		return v
	}
	return EscalationSummary{ID: v.ID, Participant: v.Participant, Initials: v.Initials, Status: v.Status, Level: v.Level,
		CreatedAt: v.CreatedAt, AgeSeconds: int64(s.now().Sub(v.CreatedAt).Seconds()), Protocol: v.Protocol, Access: "limited"}
}

func (s escalations) viewEscalation(r db.EscalationByIDRow) EscalationView {
	v := EscalationView{ID: r.ID.String(), Participant: r.ParticipantCode, Initials: r.ParticipantInitials, Reason: r.Reason, Urgent: r.Urgent, Level: r.Level, Status: r.Status,
		NextStepAt: db.TimeOrNil(r.NextStepAt), CreatedAt: r.CreatedAt.UTC(), AckedAt: db.TimeOrNil(r.AckedAt), ResolvedAt: db.TimeOrNil(r.ResolvedAt), Protocol: s.cfg.EmergencyProtocol}
	if r.CheckinID.Valid {
		c := r.CheckinID.UUID.String()
		v.CheckinID = &c
	}
	if r.Outcome.Valid {
		v.Outcome = &r.Outcome.String
	}
	return v
}

// Escalations is the escalations of a status ("" = all), newest first,
// each as a sees it: an EscalationView for her team, else an
// EscalationSummary.
func (s *Service) Escalations(ctx context.Context, a *auth.Actor, status string) ([]any, error) {
	e := escalations{s}
	switch status {
	case "", "open", "acknowledged", "resolved":
	default:
		return nil, errs.Field(errs.CodeInvalidParameter, "status", "status is open, acknowledged or resolved")
	}
	rows, err := s.q.ListEscalations(ctx, db.ListEscalationsParams{Status: status, MaxRows: 200})
	if err != nil {
		return nil, errs.Internal(err)
	}
	items := []any{}
	for _, r := range rows {
		items = append(items, e.escalationFor(a, r.ParticipantCaseworkerID, e.viewEscalation(db.EscalationByIDRow(r))))
	}
	return items, nil
}

// Escalation is escalation id with its steps, as a sees it (an
// EscalationView or an EscalationSummary).
func (s *Service) Escalation(ctx context.Context, a *auth.Actor, id uuid.UUID) (any, error) {
	return escalations{s}.escalationDetail(ctx, s.q, a, id)
}

// EmergencyProtocol is the programme's emergency protocol text.
func (s *Service) EmergencyProtocol() string { return s.cfg.EmergencyProtocol }

// Acknowledge acknowledges escalation id as a, and returns it as a sees
// it afterwards.
func (s *Service) Acknowledge(ctx context.Context, a *auth.Actor, id uuid.UUID) (any, error) {
	return escalations{s}.closeEscalationAs(ctx, a, id, false, escalationClose{})
}

// Resolve resolves escalation id as a with an outcome and a note.
func (s *Service) Resolve(ctx context.Context, a *auth.Actor, id uuid.UUID, outcome, note string) (any, error) {
	return escalations{s}.closeEscalationAs(ctx, a, id, true, escalationClose{Outcome: outcome, Note: note})
}

// escalationDetail is Escalation in q's transaction.
func (s escalations) escalationDetail(ctx context.Context, q *db.Queries, a *auth.Actor, id uuid.UUID) (any, error) {
	r, err := q.EscalationByID(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, httpx.NotFound("escalation")
	}
	if err != nil {
		return nil, err
	}
	v := s.viewEscalation(r)
	if !a.ActsOn(r.ParticipantCaseworkerID) {
		return s.escalationFor(a, r.ParticipantCaseworkerID, v), nil
	}
	steps, err := q.EscalationSteps(ctx, id)
	if err != nil {
		return v, err
	}
	for _, st := range steps {
		sv := EscalationStep{Level: st.Level, Kind: st.Kind, At: st.At.UTC(), Note: st.Note}
		if st.UserID.Valid {
			u := st.UserID.Int64
			sv.User = &u
		}
		v.Steps = append(v.Steps, sv)
	}
	return v, nil
}

var escalationOutcomes = map[string]bool{"safe": true, "callback_done": true, "emergency_services": true, "false_alarm": true, "unreachable": true, "other": true}

// escalationClose is the body of ack and resolve.
type escalationClose struct {
	Outcome string `json:"outcome"`
	// Note: what was done, in a sentence (required to resolve a
	// duress escalation); kept in clear, so no contact details.
	Note string `json:"note"`
}

// closeEscalationAs acknowledges (resolve false) or resolves escalation
// id as a, and returns it as a sees it afterwards.
func (s escalations) closeEscalationAs(ctx context.Context, a *auth.Actor, id uuid.UUID, resolve bool, in escalationClose) (any, error) {
	if resolve && !escalationOutcomes[in.Outcome] {
		return nil, errs.Field(CodeInvalidOption, "outcome", "outcome is safe, callback_done, emergency_services, false_alarm, unreachable or other")
	}
	in.Note = strings.TrimSpace(in.Note)
	if in.Note != "" {
		if err := checkNote(in.Note); err != nil {
			return nil, err
		}
	}
	now := s.now()
	var v any
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		e, err := q.EscalationByIDForUpdate(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return httpx.NotFound("escalation")
		}
		if err != nil {
			return err
		}
		p, err := q.ParticipantByID(ctx, e.ParticipantID)
		if err != nil {
			return err
		}
		if resolve {
			err = participant.Authorize(a, p, participant.ActResolve)
		} else {
			err = participant.Authorize(a, p, participant.ActAck)
		}
		if err != nil {
			return err
		}
		if resolve && e.Reason == "duress" && e.Status != "resolved" && in.Note == "" {
			return errs.Field(CodeNoteRequired, "note", "a duress escalation is resolved with a note saying what was done (5 to 500 characters, no contact details)")
		}
		user := sql.NullInt64{Int64: a.UserID, Valid: a.UserID != 0}
		switch {
		case e.Status == "resolved":
			return errs.New(CodeEscalationClosed, "this escalation is already resolved")
		case resolve:
			if err := q.ResolveEscalation(ctx, db.ResolveEscalationParams{ID: id, ResolvedAt: sql.NullTime{Time: now, Valid: true}, ResolvedBy: user, Outcome: sql.NullString{String: in.Outcome, Valid: true}}); err != nil {
				return err
			}
			note := in.Outcome
			if in.Note != "" {
				note += ": " + in.Note
			}
			if err := q.AddEscalationStep(ctx, db.AddEscalationStepParams{EscalationID: id, Level: e.Level, Kind: "resolved", UserID: user, At: now, Note: note}); err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionEscalationResolved, ParticipantCode: p.Code, Details: map[string]any{"escalation_id": id.String(), "outcome": in.Outcome, "note": in.Note}}); err != nil {
				return err
			}
		case e.Reason == "duress" && !a.ActsOn(p.CaseworkerID):
			// A duress escalation acknowledged by someone outside her
			// team: recorded, her caseworker and the supervisors are told,
			// and the next rung stays scheduled until one of them
			// acknowledges it. One colleague's click must not silence it.
			if e.Status == "acknowledged" {
				break
			}
			if err := q.AckEscalationByOther(ctx, db.AckEscalationByOtherParams{ID: id, AckedAt: sql.NullTime{Time: now, Valid: true}, AckedBy: user}); err != nil {
				return err
			}
			if err := q.AddEscalationStep(ctx, db.AddEscalationStepParams{EscalationID: id, Level: e.Level, Kind: "acknowledged_outside_team", UserID: user, At: now}); err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionEscalationAcknowledged, ParticipantCode: p.Code, Details: map[string]any{
				"escalation_id": id.String(), "level": e.Level, "outside_team": true, "ladder_continues": e.NextStepAt.Valid}}); err != nil {
				return err
			}
			if err := s.participants.NoticeTeam(ctx, q, a, p, participant.NoticeAckOutsideTeam, now); err != nil {
				return err
			}
		case e.Status == "acknowledged" && !(a.ActsOn(p.CaseworkerID) && e.NextStepAt.Valid):
			// Acknowledging twice is harmless.
		default:
			if err := q.AckEscalation(ctx, db.AckEscalationParams{ID: id, AckedAt: sql.NullTime{Time: now, Valid: true}, AckedBy: user}); err != nil {
				return err
			}
			if err := q.AddEscalationStep(ctx, db.AddEscalationStepParams{EscalationID: id, Level: e.Level, Kind: "acknowledged", UserID: user, At: now}); err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionEscalationAcknowledged, ParticipantCode: p.Code, Details: map[string]any{"escalation_id": id.String(), "level": e.Level}}); err != nil {
				return err
			}
		}
		v, err = s.escalationDetail(ctx, q, a, id)
		return err
	})
	return v, err
}

// checkNote checks an escalation note: 5 to 500 characters of plain text
// without contact details.
func checkNote(note string) error {
	if utf8.RuneCountInString(note) < 5 {
		return errs.Field(CodeNoteRequired, "note", "a note says what was done, in 5 to 500 characters")
	}
	_, err := textcheck.Required("note", note, 500)
	return err
}
