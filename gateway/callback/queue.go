package callback

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/message"
	"safecontact/gateway/participant"
)

// The voice call-back queue.
//
// A message on channel voice is accepted and queued like any other; the
// batched worker re-checks her consent and safe window and hands it to
// the voice Sender (Service.Sender). That Sender does not call her: it puts a
// call-back task in the queue (idempotent per message id), so a staff
// member calls her back through the gateway, masked (api.go, webhooks.go). The
// message becomes "sent" with provider id "CB<task id>", then "delivered"
// when a call reached her, "undelivered"/"failed" when the task was given
// up. Messages of the templates in Config.ReminderTemplates are
// automated reminder calls instead (reminder.go).

// The audit actions this file records.
const (
	ActionCallbackCompleted = "callback.completed"
	ActionCallbackCreated   = "callback.created"
	ActionCallbackRequeued  = "callback.requeued"
)

// Call-back reasons (a fixed vocabulary: tasks carry no free text).
const (
	ReasonMessage    = "message"            // a voice message from staff
	ReasonCallMe     = "call_me_reply"      // she replied "call me"
	ReasonEscalation = "checkin_escalation" // a check-in went wrong
	ReasonStaff      = "staff_request"
)

// Call-back outcomes, as staff record them (and as the gateway records
// them itself when the call screen decides).
const (
	OutcomeReached      = "reached"
	OutcomeNoAnswer     = "no_answer"
	OutcomeUnsafeToTalk = "unsafe_to_talk"
	OutcomeWrongPerson  = "wrong_person"
)

// Task statuses and call states.
const (
	taskOpen    = "open"
	taskClaimed = "claimed"
	taskDone    = "done"

	callIdle         = "idle"
	callDialing      = "dialing"       // connect is asking the provider for the call
	callStaffRinging = "staff_ringing" // the staff member's phone rings
	callHerRinging   = "her_ringing"   // the staff member answered; her phone rings
	callScreening    = "screening"     // she answered; the "press 1" screen plays
	callBridged      = "bridged"       // they are talking (or a voicemail is being left, if allowed)
	callEnded        = "ended"
)

// Sender is the channels.Sender for channel voice: see above.
func (s *Service) Sender() channels.Sender { return &voiceQueue{s: s} }

type voiceQueue struct{ s *Service }

// The send-error codes the voice Sender answers the worker with (besides
// the contact decision's own).
const (
	codeQueueUnavailable     = "queue_unavailable"
	codeInvalidRequest       = "invalid_request"
	codeChannelNotConfigured = "channel_not_configured"
)

// queueErr: the queue (Postgres) could not take the task now. The insert is
// idempotent, so a retry is safe: HTTPStatus marks it "refused, not sent".
func queueErr(err error) error {
	return &channels.SendError{Code: codeQueueUnavailable, Retryable: true, HTTPStatus: 503, Err: err}
}

// Send turns a voice message into a call-back task (or an automated
// reminder call). m.To and m.Body are not used for a task: nothing about
// her number or the text goes into the queue.
func (v *voiceQueue) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	s := v.s
	id, err := uuid.Parse(m.MessageID)
	if err != nil {
		return channels.Receipt{}, &channels.SendError{Code: codeInvalidRequest, Err: errors.New("voice: not a message id")}
	}
	msg, err := s.q.MessageByID(ctx, id)
	if err != nil {
		return channels.Receipt{}, queueErr(err)
	}
	if msg.TemplateID.Valid && slices.Contains(s.cfg.ReminderTemplates, msg.TemplateID.String) {
		return voiceHooks{s}.placeReminder(ctx, msg, m.To)
	}
	now := s.now()
	var task db.CallbackTask
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		p, err := q.ParticipantByID(ctx, msg.ParticipantID)
		if err != nil {
			return err
		}
		d, err := s.participants.Decide(ctx, q, p, consent.Voice, now)
		if err != nil {
			return err
		}
		if !d.Allowed {
			// The worker's re-check passed a moment ago; refused now means
			// it changed in between. Not queued, never retried.
			return &channels.SendError{Code: d.Code, Err: errors.New("voice: contact decision refused")}
		}
		task, _, err = Create(ctx, q, auth.SystemActor("worker"), Request{
			Participant: p, Reason: ReasonMessage, Urgent: msg.Priority > 0,
			EarliestAt: d.SendAt, Language: msg.Language, MessageID: msg.ID,
			MaxAttempts: s.cfg.MaxAttempts, Now: now,
		})
		return err
	})
	var se *channels.SendError
	if errors.As(err, &se) {
		return channels.Receipt{}, se
	}
	if err != nil {
		return channels.Receipt{}, queueErr(err)
	}
	return channels.Receipt{ProviderID: callbackProviderID(task.ID), Status: "queued"}, nil
}

func callbackProviderID(id int64) string { return "CB" + strconv.FormatInt(id, 10) }

// Request asks for a call-back task.
type Request struct {
	Participant db.Participant
	Reason      string // a Reason…
	Urgent      bool   // safety: ahead of everything else in the queue
	// EarliestAt: not before; zero means now, or the start of her next
	// safe window if now is outside her windows.
	EarliestAt time.Time
	Language   string // "" = hers
	// MessageID (the voice message) or SourceKey (e.g. "checkin:<id>",
	// "inbound:<id>": ids only, never text) make the request idempotent:
	// asking twice gives the same task.
	MessageID   uuid.UUID
	SourceKey   string
	MaxAttempts int // 0 = 3
	CreatedBy   int64
	Now         time.Time
}

// Create puts a call-back task in the queue with q (the caller's
// transaction) and audits it (callback.created). It is idempotent per
// MessageID / SourceKey: a repeat returns the existing task and
// created=false. The check-in escalation logic calls it directly.
func Create(ctx context.Context, q *db.Queries, a *auth.Actor, r Request) (task db.CallbackTask, created bool, err error) {
	switch r.Reason {
	case ReasonMessage, ReasonCallMe, ReasonEscalation, ReasonStaff:
	default:
		return task, false, fmt.Errorf("callback: unknown reason %q", r.Reason)
	}
	if r.Participant.ID == 0 {
		return task, false, errors.New("callback: no participant")
	}
	if r.Now.IsZero() {
		r.Now = time.Now().UTC()
	}
	if r.EarliestAt.IsZero() {
		r.EarliestAt = nextCallbackTime(r.Participant, r.Now)
	}
	if r.Language == "" {
		r.Language = r.Participant.Language
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 3
	}
	prio := "normal"
	if r.Urgent {
		prio = "urgent"
	}
	p := db.InsertCallbackTaskParams{
		ParticipantID: r.Participant.ID, Reason: r.Reason, Priority: prio, Language: r.Language,
		EarliestAt: r.EarliestAt.UTC(), MaxAttempts: int32(r.MaxAttempts), Now: r.Now,
		MessageID: uuid.NullUUID{UUID: r.MessageID, Valid: r.MessageID != uuid.Nil},
		SourceKey: sql.NullString{String: r.SourceKey, Valid: r.SourceKey != ""},
		CreatedBy: sql.NullInt64{Int64: r.CreatedBy, Valid: r.CreatedBy != 0},
	}
	task, err = q.InsertCallbackTask(ctx, p)
	if errors.Is(err, sql.ErrNoRows) {
		// Already queued for this message / source.
		if p.MessageID.Valid {
			task, err = q.CallbackTaskByMessage(ctx, p.MessageID)
		} else {
			task, err = q.CallbackTaskBySourceKey(ctx, p.SourceKey)
		}
		return task, false, err
	}
	if err != nil {
		return task, false, err
	}
	details := map[string]any{"task_id": task.ID, "reason": r.Reason, "priority": prio, "earliest_at": task.EarliestAt.UTC(), "max_attempts": r.MaxAttempts}
	if p.MessageID.Valid {
		details["message_id"] = r.MessageID.String()
	}
	if r.SourceKey != "" {
		details["source"] = r.SourceKey
	}
	_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionCallbackCreated, ParticipantCode: r.Participant.Code, Details: details})
	return task, true, err
}

// nextCallbackTime is t if t is inside her safe windows (or she said any
// time is fine), else the start of her next window; t if her profile
// gives no usable window (the contact decision refuses such a profile, so
// connect will refuse the call, not guess).
func nextCallbackTime(p db.Participant, t time.Time) time.Time {
	prof := participant.ProfileOf(p)
	windows, anyTime := consent.EffectiveWindows(prof)
	if anyTime || prof.TimeZone == nil {
		return t.UTC()
	}
	if next, ok := consent.NextSafeTime(windows, prof.TimeZone, t); ok {
		return next.UTC()
	}
	return t.UTC()
}

// saveTask writes a task's mutable columns.
func saveTask(ctx context.Context, q *db.Queries, t *db.CallbackTask, now time.Time) error {
	t.UpdatedAt = now
	return q.SaveCallbackTask(ctx, db.SaveCallbackTaskParams{
		ID: t.ID, Status: t.Status, ClaimedBy: t.ClaimedBy, ClaimedAt: t.ClaimedAt, EarliestAt: t.EarliestAt,
		Attempts: t.Attempts, CallSid: t.CallSid, CalleeSid: t.CalleeSid, CallState: t.CallState,
		CallStartedAt: t.CallStartedAt, LastResult: t.LastResult, Outcome: t.Outcome, ClosedAt: t.ClosedAt,
		UpdatedAt: now,
	})
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// finishAttempt records the outcome of a call-back attempt, by staff or by
// the gateway itself (the screen was not confirmed, a machine answered,
// nobody answered). reached and wrong_person close the task; no_answer and
// unsafe_to_talk re-queue it — unclaimed, no sooner than RetrySpacing and
// inside her next safe window — until MaxAttempts rings, then close it.
// result is the detail kept in last_result (e.g. "machine",
// "not_confirmed", "busy"). It returns whether the task was re-queued.
func (s *Service) finishAttempt(ctx context.Context, q *db.Queries, a *auth.Actor, t *db.CallbackTask, p db.Participant, outcome, result string, now time.Time) (requeued bool, err error) {
	if result == "" {
		result = outcome
	}
	t.LastResult = nullStr(result)
	if t.CallState != callIdle {
		t.CallState = callEnded
	}
	retry := (outcome == OutcomeNoAnswer || outcome == OutcomeUnsafeToTalk) && t.Attempts < t.MaxAttempts
	details := map[string]any{"task_id": t.ID, "outcome": outcome, "result": result, "attempts": t.Attempts, "max_attempts": t.MaxAttempts}
	if retry {
		t.Status = taskOpen
		t.ClaimedBy, t.ClaimedAt = sql.NullInt64{}, sql.NullTime{}
		t.EarliestAt = nextCallbackTime(p, now.Add(s.cfg.RetrySpacing))
		details["requeued"] = true
		details["earliest_at"] = t.EarliestAt.UTC()
	} else {
		t.Status = taskDone
		t.Outcome = nullStr(outcome)
		t.ClosedAt = sql.NullTime{Time: now, Valid: true}
		details["requeued"] = false
	}
	if err := saveTask(ctx, q, t, now); err != nil {
		return false, err
	}
	if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionCallbackCompleted, ParticipantCode: p.Code, Details: details}); err != nil {
		return false, err
	}
	if retry {
		_, err := audit.Append(ctx, q, a, audit.Event{Action: ActionCallbackRequeued, ParticipantCode: p.Code, Details: map[string]any{
			"task_id": t.ID, "earliest_at": t.EarliestAt.UTC(), "attempts": t.Attempts, "after": outcome,
		}})
		return true, err
	}
	// The voice message the task came from gets the task's end.
	if t.MessageID.Valid {
		status, code := "delivered", ""
		switch outcome {
		case OutcomeWrongPerson:
			status, code = message.StatusFailed, OutcomeWrongPerson
		case OutcomeNoAnswer, OutcomeUnsafeToTalk:
			status, code = "undelivered", outcome
		}
		if err := s.advanceMessage(ctx, q, a, t.MessageID.UUID, "", status, "callback_"+outcome, code, p.Code, now); err != nil {
			return false, err
		}
	}
	return false, nil
}

// consentEnded: a refusal that will not pass by waiting (her consent, or
// her number for the channel); timing refusals are faults of her profile
// staff can fix.
func consentEnded(code string) bool {
	switch code {
	case consent.CodeNoConsent, consent.CodeConsentRevoked, consent.CodeConsentExpired, consent.CodeNoNumberForChannel:
		return true
	}
	return false
}

// cancelTask closes a task she can no longer be called for (her voice
// consent ended): it leaves the queue, its message fails with the code.
func (s *Service) cancelTask(ctx context.Context, q *db.Queries, a *auth.Actor, t *db.CallbackTask, p db.Participant, code string, now time.Time) error {
	t.Status = taskDone
	t.ClosedAt = sql.NullTime{Time: now, Valid: true}
	t.LastResult = nullStr("refused_" + code)
	if t.CallState != callIdle {
		t.CallState = callEnded
	}
	if err := saveTask(ctx, q, t, now); err != nil {
		return err
	}
	if _, err := audit.Append(ctx, q, a, audit.Event{Action: ActionCallbackCompleted, ParticipantCode: p.Code, Details: map[string]any{
		"task_id": t.ID, "outcome": "canceled", "code": code, "attempts": t.Attempts, "requeued": false,
	}}); err != nil {
		return err
	}
	if t.MessageID.Valid {
		return s.advanceMessage(ctx, q, a, t.MessageID.UUID, "", message.StatusFailed, "callback_canceled", code, p.Code, now)
	}
	return nil
}

// advanceMessage moves a message forward to status (never back: see
// message.Rank), with its event and audit entry. sid, when set,
// must be the message's provider id once it is recorded (a stale call's
// webhook changes nothing).
func (s *Service) advanceMessage(ctx context.Context, q *db.Queries, a *auth.Actor, id uuid.UUID, sid, status, providerStatus, code, participantCode string, now time.Time) error {
	m, err := q.MessageByIDForUpdate(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if sid != "" && m.ProviderID.Valid && m.ProviderID.String != sid {
		return nil
	}
	if message.Rank(status) <= message.Rank(m.Status) {
		return nil
	}
	if moved, err := s.moveStatus(ctx, q, id, status, code, now); err != nil || !moved {
		return err
	}
	d := map[string]any{"message_id": id.String(), "provider_status": providerStatus}
	if code != "" {
		d["code"] = code
	}
	_, err = audit.Append(ctx, q, a, audit.Event{Action: "message." + status, ParticipantCode: participantCode, Details: d})
	return err
}
