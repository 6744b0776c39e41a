package callback

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/keys"
)

// The staff side of the call-back queue:
//
//	GET  /v1/callbacks                 open tasks, urgent first, oldest first
//	POST /v1/callbacks/{id}/claim      take a task
//	POST /v1/callbacks/{id}/release    give it back
//	POST /v1/callbacks/{id}/connect    call: Twilio rings the staff member's own phone, then bridges to hers
//	POST /v1/callbacks/{id}/complete   {"outcome": reached|no_answer|unsafe_to_talk|wrong_person}
//	PUT  /v1/me/phone                  {"phone": "+34…"}: the staff member's own phone (encrypted, shown masked)
//	GET  /v1/me/phone, DELETE /v1/me/phone
//
// No response ever carries her number (nor the staff member's, but masked).

// The error codes this file answers with (statuses: errs/status.go).
const (
	CodeCallInProgress      = "call_in_progress"
	CodeCallbackClaimed     = "callback_claimed"
	CodeCallbackClosed      = "callback_closed"
	CodeCallbackNotClaimed  = "callback_not_claimed"
	CodeCallbackNotDue      = "callback_not_due"
	CodeInvalidOutcome      = "invalid_outcome"
	CodeOutsideSafeWindow   = "outside_safe_window"
	CodeProviderUnavailable = "provider_unavailable"
	CodeStaffPhoneMissing   = "staff_phone_missing"
	CodeVoiceNotConfigured  = "voice_not_configured"
)

// The audit actions this file records.
const (
	ActionCallbackClaimed        = "callback.claimed"
	ActionCallbackConnectFailed  = "callback.connect_failed"
	ActionCallbackConnectRefused = "callback.connect_refused"
	ActionCallbackConnected      = "callback.connected"
	ActionCallbackReleased       = "callback.released"
	ActionUserPhoneRemoved       = "user.phone_removed"
	ActionUserPhoneSet           = "user.phone_set"
)

// callActiveFor: a call whose state has not moved for this long is taken
// as over (its callbacks were lost), so a new one may be placed.
const callActiveFor = 15 * time.Minute

type callbackView struct {
	ID          int64      `json:"id"`
	Participant string     `json:"participant"`
	Initials    string     `json:"initials"`
	Reason      string     `json:"reason"`
	Priority    string     `json:"priority"`
	Language    string     `json:"language"`
	EarliestAt  time.Time  `json:"earliest_at"`
	Due         bool       `json:"due"`
	Status      string     `json:"status"`
	ClaimedBy   *string    `json:"claimed_by"`
	Attempts    int32      `json:"attempts"`
	MaxAttempts int32      `json:"max_attempts"`
	CallState   string     `json:"call_state"`
	LastResult  *string    `json:"last_result"`
	Outcome     *string    `json:"outcome,omitempty"`
	MessageID   *string    `json:"message_id"`
	CreatedAt   time.Time  `json:"created_at"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
}

func strPtr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}

func (s *Service) taskView(ctx context.Context, q *db.Queries, t db.CallbackTask, p db.Participant, now time.Time) callbackView {
	v := callbackView{ID: t.ID, Participant: p.Code, Initials: p.Initials, Reason: t.Reason, Priority: t.Priority,
		Language: t.Language, EarliestAt: t.EarliestAt.UTC(), Due: !t.EarliestAt.After(now), Status: t.Status,
		Attempts: t.Attempts, MaxAttempts: t.MaxAttempts, CallState: t.CallState, LastResult: strPtr(t.LastResult),
		Outcome: strPtr(t.Outcome), CreatedAt: t.CreatedAt.UTC()}
	if t.ClaimedBy.Valid {
		if u, err := q.UserByID(ctx, t.ClaimedBy.Int64); err == nil {
			v.ClaimedBy = &u.Name
		}
	}
	if t.MessageID.Valid {
		id := t.MessageID.UUID.String()
		v.MessageID = &id
	}
	if t.ClosedAt.Valid {
		c := t.ClosedAt.Time.UTC()
		v.ClosedAt = &c
	}
	return v
}

// forActor is v as a sees it. Any staff member works the queue, and the
// work needs her code, initials, language and the task's state; which
// message of hers the task carries (message_id) is for her caseworker and
// the supervisors (participant/access.go).
func (v callbackView) forActor(a *auth.Actor, p db.Participant) callbackView {
	if !a.ActsOn(p.CaseworkerID) {
		v.MessageID = nil
	}
	return v
}

func (s *Service) listCallbacks(c *gin.Context) {
	limit, err := httpx.PageLimit(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	items, err := s.callbackQueue(c.Request.Context(), auth.ActorOf(c), limit)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// callbackQueue is the open and claimed tasks, urgent first, oldest first,
// as a sees them (GET /v1/callbacks, the console's queue).
func (s *Service) callbackQueue(ctx context.Context, a *auth.Actor, limit int32) ([]callbackView, error) {
	rows, err := s.q.ListOpenCallbacks(ctx, limit)
	if err != nil {
		return nil, errs.Internal(err)
	}
	now := s.now()
	items := make([]callbackView, 0, len(rows))
	for _, r := range rows {
		v := callbackView{ID: r.ID, Participant: r.ParticipantCode, Initials: r.ParticipantInitials, Reason: r.Reason,
			Priority: r.Priority, Language: r.Language, EarliestAt: r.EarliestAt.UTC(), Due: !r.EarliestAt.After(now),
			Status: r.Status, ClaimedBy: strPtr(r.ClaimedByName), Attempts: r.Attempts, MaxAttempts: r.MaxAttempts,
			CallState: r.CallState, LastResult: strPtr(r.LastResult), CreatedAt: r.CreatedAt.UTC()}
		if r.MessageID.Valid {
			id := r.MessageID.UUID.String()
			v.MessageID = &id
		}
		items = append(items, v.forActor(a, db.Participant{CaseworkerID: r.ParticipantCaseworkerID}))
	}
	return items, nil
}

// withTask runs fn on a locked task and its participant, in a transaction.
func (s *Service) withTask(ctx context.Context, raw string, fn func(q *db.Queries, t *db.CallbackTask, p db.Participant) error) error {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return httpx.NotFound("call-back")
	}
	return db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		t, err := q.CallbackTaskForUpdate(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return httpx.NotFound("call-back")
		} else if err != nil {
			return errs.Internal(err)
		}
		p, err := q.ParticipantByID(ctx, t.ParticipantID)
		if err != nil {
			return errs.Internal(err)
		}
		return fn(q, &t, p)
	})
}

var (
	errTaskClosed = errs.New(CodeCallbackClosed, "this call-back is already completed")
	errNotClaimed = errs.New(CodeCallbackNotClaimed, "claim this call-back first (it may have been re-queued automatically after an unanswered or unconfirmed call)")
)

func (s *Service) claimCallback(c *gin.Context) {
	out, err := s.claimTask(c.Request.Context(), auth.ActorOf(c), c.Param("id"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// claimTask gives task id (as typed in the path) to actor; claiming one's
// own claim again changes nothing.
func (s *Service) claimTask(ctx context.Context, actor *auth.Actor, id string) (callbackView, error) {
	now := s.now()
	var out callbackView
	err := s.withTask(ctx, id, func(q *db.Queries, t *db.CallbackTask, p db.Participant) error {
		switch {
		case t.Status == taskDone:
			return errTaskClosed
		case t.Status == taskClaimed && t.ClaimedBy.Int64 != actor.UserID:
			return errs.New(CodeCallbackClaimed, "another staff member has claimed this call-back")
		case t.Status == taskOpen:
			t.Status = taskClaimed
			t.ClaimedBy = sql.NullInt64{Int64: actor.UserID, Valid: true}
			t.ClaimedAt = sql.NullTime{Time: now, Valid: true}
			if err := saveTask(ctx, q, t, now); err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionCallbackClaimed, ParticipantCode: p.Code, Details: map[string]any{"task_id": t.ID}}); err != nil {
				return err
			}
		}
		out = s.taskView(ctx, q, *t, p, now).forActor(actor, p)
		return nil
	})
	return out, err
}

func (s *Service) releaseCallback(c *gin.Context) {
	out, err := s.releaseTask(c.Request.Context(), auth.ActorOf(c), c.Param("id"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// releaseTask puts a task actor claimed (or, for a supervisor, anyone's)
// back in the queue, unless a call for it is under way.
func (s *Service) releaseTask(ctx context.Context, actor *auth.Actor, id string) (callbackView, error) {
	now := s.now()
	var out callbackView
	err := s.withTask(ctx, id, func(q *db.Queries, t *db.CallbackTask, p db.Participant) error {
		if t.Status == taskDone {
			return errTaskClosed
		}
		if t.Status != taskClaimed || !actor.ActsOn(t.ClaimedBy) {
			return errNotClaimed
		}
		if callActive(*t, now) {
			return errs.New(CodeCallInProgress, "a call for this call-back is in progress")
		}
		t.Status, t.ClaimedBy, t.ClaimedAt = taskOpen, sql.NullInt64{}, sql.NullTime{}
		if err := saveTask(ctx, q, t, now); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionCallbackReleased, ParticipantCode: p.Code, Details: map[string]any{"task_id": t.ID}}); err != nil {
			return err
		}
		out = s.taskView(ctx, q, *t, p, now).forActor(actor, p)
		return nil
	})
	return out, err
}

// callActive: a call for the task is under way.
func callActive(t db.CallbackTask, now time.Time) bool {
	switch t.CallState {
	case callDialing, callStaffRinging, callHerRinging, callScreening, callBridged:
		return now.Sub(t.UpdatedAt) < callActiveFor
	}
	return false
}

func (s *Service) completeCallback(c *gin.Context) {
	var in struct {
		Outcome string `json:"outcome"`
	}
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	out, requeued, err := s.completeTask(c.Request.Context(), auth.ActorOf(c), c.Param("id"), in.Outcome)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"callback": out, "requeued": requeued})
}

// completeTask records the outcome of the attempt on a task actor
// claimed: reached or wrong person closes it, no answer or unsafe to talk
// re-queue it (requeued) while attempts remain.
func (s *Service) completeTask(ctx context.Context, actor *auth.Actor, id, outcome string) (out callbackView, requeued bool, err error) {
	switch outcome {
	case OutcomeReached, OutcomeNoAnswer, OutcomeUnsafeToTalk, OutcomeWrongPerson:
	default:
		return out, false, errs.Field(CodeInvalidOutcome, "outcome", "outcome is reached, no_answer, unsafe_to_talk or wrong_person")
	}
	now := s.now()
	err = s.withTask(ctx, id, func(q *db.Queries, t *db.CallbackTask, p db.Participant) error {
		if t.Status == taskDone {
			return errTaskClosed
		}
		if t.Status != taskClaimed || !actor.ActsOn(t.ClaimedBy) {
			return errNotClaimed
		}
		var err error
		if requeued, err = s.finishAttempt(ctx, q, actor, t, p, outcome, outcome, now); err != nil {
			return err
		}
		out = s.taskView(ctx, q, *t, p, now).forActor(actor, p)
		return nil
	})
	return out, requeued, err
}

// connectCallback is POST /v1/callbacks/{id}/connect. The staff member
// must have claimed the task and set their own phone. Her consent for
// voice and her safe window are checked now (and again when the staff
// member answers). Twilio then calls the staff member's phone from the
// organisation's number; when they answer, the bridge webhook dials her,
// again from the organisation's number: neither sees the other's number.
func (s *Service) connectCallback(c *gin.Context) {
	out, sid, err := s.connectTask(c.Request.Context(), auth.ActorOf(c), c.Param("id"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"callback": out, "call": gin.H{"sid": sid, "state": out.CallState}})
}

// connectTask places the call of a task actor claimed and returns the
// task and the provider's call sid.
func (s *Service) connectTask(ctx context.Context, actor *auth.Actor, id string) (callbackView, string, error) {
	v := s.cfg
	if s.caller == nil || v.From == "" || s.twilio.PublicURL == "" || s.twilio.AuthToken == "" {
		return callbackView{}, "", errs.New(CodeVoiceNotConfigured, "calls need Twilio credentials, TWILIO_VOICE_FROM and GATEWAY_PUBLIC_URL")
	}
	u, err := s.q.UserByID(ctx, actor.UserID)
	if err != nil {
		return callbackView{}, "", errs.Internal(err)
	}
	if len(u.PhoneEnc) == 0 {
		return callbackView{}, "", errs.New(CodeStaffPhoneMissing, "set your own phone first (PUT /v1/me/phone): the call rings it, then connects you to her")
	}
	staffPhone, err := s.keys.Open(keys.Contact, u.PhoneEnc)
	if err != nil {
		return callbackView{}, "", errs.Internal(err)
	}
	defer clear(staffPhone)
	now := s.now()
	var taskID int64
	var refused *errs.Error
	err = s.withTask(ctx, id, func(q *db.Queries, t *db.CallbackTask, p db.Participant) error {
		if t.Status == taskDone {
			return errTaskClosed
		}
		if t.Status != taskClaimed || t.ClaimedBy.Int64 != actor.UserID {
			return errNotClaimed
		}
		if callActive(*t, now) {
			return errs.New(CodeCallInProgress, "a call for this call-back is already in progress")
		}
		d, err := s.participants.Decide(ctx, q, p, consent.Voice, now)
		if err != nil {
			return errs.Internal(err)
		}
		switch {
		case !d.Allowed:
			refused = errs.New(d.Code, "%s", d.Reason)
		case d.SendAt.After(now):
			refused = errs.New(CodeOutsideSafeWindow, "now is outside her safe contact window; the next one starts at %s", d.SendAt.UTC().Format(time.RFC3339))
		case t.EarliestAt.After(now):
			refused = errs.New(CodeCallbackNotDue, "this call-back is not due before %s", t.EarliestAt.UTC().Format(time.RFC3339))
		}
		if refused != nil {
			// Recorded like a refused message: who tried, and why not.
			if _, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionCallbackConnectRefused, ParticipantCode: p.Code, Details: map[string]any{
				"task_id": t.ID, "code": refused.Code, "consent_version": d.ConsentVersion,
			}}); err != nil {
				return err
			}
			if !d.Allowed && consentEnded(d.Code) {
				// She can no longer be called: the task leaves the queue.
				return s.cancelTask(ctx, q, actor, t, p, d.Code, now)
			}
			return nil
		}
		t.CallState = callDialing
		t.CallSid, t.CalleeSid, t.LastResult = sql.NullString{}, sql.NullString{}, sql.NullString{}
		t.CallStartedAt = sql.NullTime{Time: now, Valid: true}
		taskID = t.ID
		return saveTask(ctx, q, t, now)
	})
	if err == nil && refused != nil {
		err = refused
	}
	if err != nil {
		return callbackView{}, "", err
	}
	// From here the call may exist: it is placed and recorded even if the
	// client goes away meanwhile.
	rctx := context.WithoutCancel(ctx)
	q := "task=" + strconv.FormatInt(taskID, 10)
	rcpt, callErr := s.caller.CreateCall(rctx, channels.CallRequest{
		To: string(staffPhone), From: v.From,
		URL:                  s.publicURL(RouteVoiceBridge, q),
		StatusCallback:       s.publicURL(RouteVoiceStatus, q),
		StatusCallbackEvents: []string{"initiated", "ringing", "answered", "completed"},
		Timeout:              v.RingTimeout,
		TimeLimit:            time.Hour,
	})
	var out callbackView
	err = s.withTask(rctx, id, func(q *db.Queries, t *db.CallbackTask, p db.Participant) error {
		if callErr != nil {
			t.CallState = callIdle
			t.LastResult = nullStr("call_failed")
			if err := saveTask(rctx, q, t, now); err != nil {
				return err
			}
			_, err := audit.Append(rctx, q, actor, audit.Event{Action: ActionCallbackConnectFailed, ParticipantCode: p.Code, Details: map[string]any{
				"task_id": t.ID, "code": sendCode(callErr),
			}})
			return err
		}
		t.CallSid = nullStr(rcpt.Sid)
		if t.CallState == callDialing {
			t.CallState = callStaffRinging
		}
		if err := saveTask(rctx, q, t, s.now()); err != nil {
			return err
		}
		if _, err := audit.Append(rctx, q, actor, audit.Event{Action: ActionCallbackConnected, ParticipantCode: p.Code, Details: map[string]any{
			"task_id": t.ID, "call_sid": rcpt.Sid, "attempt": t.Attempts + 1, "leg": "staff",
		}}); err != nil {
			return err
		}
		out = s.taskView(rctx, q, *t, p, now).forActor(actor, p)
		return nil
	})
	if err != nil {
		return callbackView{}, "", err
	}
	if callErr != nil {
		s.log.WarnContext(ctx, "callback: call not placed", "task_id", taskID, "code", sendCode(callErr))
		return callbackView{}, "", errs.New(CodeProviderUnavailable, "the call could not be placed (%s); try again", sendCode(callErr))
	}
	return out, rcpt.Sid, nil
}

// sendCode is the provider's error code of err ("send_error" when it has
// none): what logs and audit details may say of a failed call.
func sendCode(err error) string {
	var se *channels.SendError
	if errors.As(err, &se) {
		return se.Code
	}
	return "send_error"
}

// publicURL is a webhook URL as Twilio will call it (and sign it).
func (s *Service) publicURL(path, query string) string {
	u := strings.TrimRight(s.twilio.PublicURL, "/") + path
	if query != "" {
		u += "?" + query
	}
	return u
}

// ---- the staff member's own phone ----

func (s *Service) putMyPhone(c *gin.Context) {
	ctx := c.Request.Context()
	var in struct {
		Phone  string `json:"phone"`
		Region string `json:"region"`
	}
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	region := s.cfg.DefaultRegion
	if in.Region != "" {
		region = in.Region
	}
	e164, err := consent.ParsePhone(in.Phone, region, "phone")
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	actor := auth.ActorOf(c)
	if actor.UserID == 0 {
		httpx.Fail(c, errs.New(errs.CodeForbidden, "only a staff user has a phone"))
		return
	}
	enc := s.keys.Seal(keys.Contact, []byte(e164))
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.SetUserPhone(ctx, db.SetUserPhoneParams{ID: actor.UserID, PhoneEnc: enc}); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionUserPhoneSet, Details: map[string]any{"user": actor.Name, "key_id": keys.KeyID(enc)}})
		return err
	})
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"phone": consent.MaskPhone(e164)})
}

func (s *Service) getMyPhone(c *gin.Context) {
	u, err := s.q.UserByID(c.Request.Context(), auth.ActorOf(c).UserID)
	if errors.Is(err, sql.ErrNoRows) {
		httpx.Fail(c, httpx.NotFound("user"))
		return
	} else if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	if len(u.PhoneEnc) == 0 {
		c.JSON(http.StatusOK, gin.H{"phone": nil})
		return
	}
	n, err := s.keys.Open(keys.Contact, u.PhoneEnc)
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"phone": consent.MaskPhone(string(n))})
}

func (s *Service) deleteMyPhone(c *gin.Context) {
	ctx := c.Request.Context()
	actor := auth.ActorOf(c)
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.SetUserPhone(ctx, db.SetUserPhoneParams{ID: actor.UserID}); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionUserPhoneRemoved, Details: map[string]any{"user": actor.Name}})
		return err
	})
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	c.Status(http.StatusNoContent)
}
