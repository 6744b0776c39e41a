package callback

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
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

// The voice webhooks of a masked call-back, in the order Twilio calls them:
//
//	bridge  the staff member answered their phone: re-check her consent and
//	        window, then <Dial callerId=ORG><Number url=screen>HER</Number></Dial>
//	        (her number is decrypted here, for this answer only)
//	screen  she (or a machine) answered: a machine → hang up (unless her
//	        consent allows a voicemail); a person → <Gather> "press 1"
//	gate    the key she pressed: 1 → empty TwiML, the bridge proceeds;
//	        anything else or nothing → hang up, unsafe_to_talk, re-queued
//	dial    her leg ended (the staff leg's <Dial> action): unanswered → no_answer, re-queued
//	status  the staff leg's progress (status callback)
//	amd     asynchronous answering-machine detection results
//
// Every one is signature-checked (a forged request is 403 and changes
// nothing) and bound to the task's current call: a request about another
// call (stale, replayed) gets <Hangup/> and changes nothing.

// The audit actions this file records.
const (
	ActionCallbackCallEnded = "callback.call_ended"
	ActionCallbackDialed    = "callback.dialed"
	ActionCallbackScreened  = "callback.screened"
)

const (
	RouteVoiceBridge = "/webhooks/twilio/voice/bridge"
	RouteVoiceScreen = "/webhooks/twilio/voice/screen"
	RouteVoiceGate   = "/webhooks/twilio/voice/gate"
	RouteVoiceDial   = "/webhooks/twilio/voice/dial"
	RouteVoiceStatus = "/webhooks/twilio/voice/status"
	RouteVoiceAMD    = "/webhooks/twilio/voice/amd"
)

// screenTimeout: seconds she has to press 1.
const screenTimeout = 8

// voiceHooks are the handlers of Twilio's voice webhooks (the call-back
// calls here, the reminder calls in reminder.go) and their helpers.
type voiceHooks struct{ s *Service }

// voiceSystem is the actor of what the gateway records from the call itself.
var voiceSystem = auth.SystemActor("voice")

// voiceHook reads and checks a voice webhook.
func (h voiceHooks) voiceHook(c *gin.Context, route string) (channels.CallEvent, bool) {
	form, ok := h.s.twilio.Form(c, route)
	if !ok {
		return channels.CallEvent{}, false
	}
	ev, err := channels.ParseTwilioCall(form)
	if err != nil {
		httpx.Fail(c, errs.New(errs.CodeInvalidParameter, "not a voice webhook"))
		return ev, false
	}
	return ev, true
}

// taskHook runs fn on the task named by ?task= and answers with the TwiML
// fn built. An unknown task gets <Hangup/>.
func (h voiceHooks) taskHook(c *gin.Context, fn func(ctx context.Context, q *db.Queries, t *db.CallbackTask, p db.Participant, tw *channels.TwiML) error) {
	ctx := c.Request.Context()
	tw := &channels.TwiML{}
	err := h.s.withTask(ctx, c.Query("task"), func(q *db.Queries, t *db.CallbackTask, p db.Participant) error {
		return fn(ctx, q, t, p, tw)
	})
	if httpx.IsErr(err, errs.CodeNotFound) {
		httpx.WriteTwiML(c, (&channels.TwiML{}).Hangup())
		return
	}
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	httpx.WriteTwiML(c, tw)
}

// sameLeg: a request about her leg belongs to the task's current call.
func sameLeg(t *db.CallbackTask, ev channels.CallEvent) bool {
	if ev.ParentCallSid != "" && ev.ParentCallSid != t.CallSid.String {
		return false
	}
	return !t.CalleeSid.Valid || t.CalleeSid.String == ev.CallSid
}

func (h voiceHooks) voiceBridge(c *gin.Context) {
	ev, ok := h.voiceHook(c, RouteVoiceBridge)
	if !ok {
		return
	}
	now := h.s.now()
	h.taskHook(c, func(ctx context.Context, q *db.Queries, t *db.CallbackTask, p db.Participant, tw *channels.TwiML) error {
		// The call's sid is recorded right after the provider answers
		// connect; a staff member quicker than that finds it "dialing".
		if t.Status != taskClaimed || (t.CallState != callStaffRinging && t.CallState != callDialing) ||
			(t.CallSid.Valid && t.CallSid.String != ev.CallSid) || (!t.CallSid.Valid && t.CallState != callDialing) {
			tw.Hangup()
			return nil
		}
		t.CallSid = nullStr(ev.CallSid)
		// The staff phone rang for a while: decide again, now.
		d, err := h.s.participants.Decide(ctx, q, p, consent.Voice, now)
		if err != nil {
			return err
		}
		if !d.Allowed || d.SendAt.After(now) {
			code := d.Code
			if code == "" {
				code = CodeOutsideSafeWindow
			}
			t.CallState, t.LastResult = callEnded, nullStr("refused_"+code)
			if err := saveTask(ctx, q, t, now); err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, voiceSystem, audit.Event{Action: ActionCallbackConnectRefused, ParticipantCode: p.Code, Details: map[string]any{
				"task_id": t.ID, "code": code, "at": "bridge", "consent_version": d.ConsentVersion,
			}}); err != nil {
				return err
			}
			if !d.Allowed && consentEnded(code) {
				if err := h.s.cancelTask(ctx, q, voiceSystem, t, p, code, now); err != nil {
					return err
				}
			}
			en := voiceLangs["en"]
			tw.Say(en.unavailable, en.tag, en.voice).Hangup()
			return nil
		}
		// Her number, for this answer only: never stored, logged or audited.
		num, err := h.s.keys.Open(keys.Contact, p.PhoneEnc)
		if err != nil {
			return err
		}
		defer clear(num)
		t.Attempts++
		t.CallState = callHerRinging
		t.CalleeSid = sql.NullString{}
		if err := saveTask(ctx, q, t, now); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, q, voiceSystem, audit.Event{Action: ActionCallbackDialed, ParticipantCode: p.Code, Details: map[string]any{
			"task_id": t.ID, "attempt": t.Attempts, "call_sid": t.CallSid.String, "voicemail_allowed": d.AllowVoicemail,
		}}); err != nil {
			return err
		}
		taskQ := "task=" + strconv.FormatInt(t.ID, 10)
		dial := channels.DialNumber{Number: string(num), URL: h.s.publicURL(RouteVoiceScreen, taskQ), MachineDetection: "Enable"}
		if d.AllowVoicemail {
			// Only when her consent allows a voicemail (never on a
			// monitored phone): wait for the greeting's end, so the staff
			// member can speak after the beep.
			dial.MachineDetection = "DetectMessageEnd"
		}
		tw.Dial(h.s.cfg.From, int(h.s.cfg.RingTimeout/time.Second), h.s.publicURL(RouteVoiceDial, taskQ), dial)
		return nil
	})
}

func (h voiceHooks) voiceScreen(c *gin.Context) {
	ev, ok := h.voiceHook(c, RouteVoiceScreen)
	if !ok {
		return
	}
	now := h.s.now()
	h.taskHook(c, func(ctx context.Context, q *db.Queries, t *db.CallbackTask, p db.Participant, tw *channels.TwiML) error {
		if t.Status != taskClaimed || t.CallState != callHerRinging || !sameLeg(t, ev) {
			tw.Hangup()
			return nil
		}
		t.CalleeSid = nullStr(ev.CallSid)
		machine := ev.IsMachine()
		var d consent.Decision
		if ev.MaybeMachine() {
			var err error
			if d, err = h.s.participants.Decide(ctx, q, p, consent.Voice, now); err != nil {
				return err
			}
			// An undecided detection counts as a machine unless a
			// voicemail would be allowed anyway (then the gate decides).
			machine = machine || !(d.Allowed && d.AllowVoicemail)
		}
		if machine {
			if d.Allowed && d.AllowVoicemail {
				// Her consent allows a voicemail (never on a monitored
				// phone): the bridge proceeds and staff may leave one.
				t.CallState, t.LastResult = callBridged, nullStr("voicemail")
				if err := saveTask(ctx, q, t, now); err != nil {
					return err
				}
				_, err := audit.Append(ctx, q, voiceSystem, audit.Event{Action: ActionCallbackScreened, ParticipantCode: p.Code, Details: map[string]any{
					"task_id": t.ID, "result": "voicemail", "answered_by": ev.AnsweredBy,
				}})
				return err
			}
			tw.Hangup()
			_, err := h.s.finishAttempt(ctx, q, voiceSystem, t, p, OutcomeNoAnswer, "machine", now)
			return err
		}
		t.CallState = callScreening
		if err := saveTask(ctx, q, t, now); err != nil {
			return err
		}
		v := voiceFor(t.Language)
		tw.Gather(h.s.publicURL(RouteVoiceGate, "task="+strconv.FormatInt(t.ID, 10)), 1, screenTimeout, v.prompt, v.tag, v.voice).Hangup()
		return nil
	})
}

func (h voiceHooks) voiceGate(c *gin.Context) {
	ev, ok := h.voiceHook(c, RouteVoiceGate)
	if !ok {
		return
	}
	now := h.s.now()
	h.taskHook(c, func(ctx context.Context, q *db.Queries, t *db.CallbackTask, p db.Participant, tw *channels.TwiML) error {
		if t.Status != taskClaimed || t.CallState != callScreening || !sameLeg(t, ev) {
			tw.Hangup()
			return nil
		}
		if ev.Digits == "1" {
			// An empty answer ends the screen: the bridge proceeds.
			t.CallState, t.LastResult = callBridged, nullStr("confirmed")
			if err := saveTask(ctx, q, t, now); err != nil {
				return err
			}
			_, err := audit.Append(ctx, q, voiceSystem, audit.Event{Action: ActionCallbackScreened, ParticipantCode: p.Code, Details: map[string]any{
				"task_id": t.ID, "result": "confirmed",
			}})
			return err
		}
		// No key, or another key: she cannot talk now (or it is not her).
		tw.Hangup()
		_, err := h.s.finishAttempt(ctx, q, voiceSystem, t, p, OutcomeUnsafeToTalk, CodeNotConfirmed, now)
		return err
	})
}

// voiceDial is the <Dial> action on the staff leg: her leg is over.
func (h voiceHooks) voiceDial(c *gin.Context) {
	ev, ok := h.voiceHook(c, RouteVoiceDial)
	if !ok {
		return
	}
	now := h.s.now()
	h.taskHook(c, func(ctx context.Context, q *db.Queries, t *db.CallbackTask, p db.Participant, tw *channels.TwiML) error {
		tw.Hangup()
		if t.Status != taskClaimed || t.CallSid.String != ev.CallSid {
			return nil
		}
		switch t.CallState {
		case callHerRinging, callScreening:
			switch ev.DialCallStatus {
			case "no-answer", "busy", "failed":
				_, err := h.s.finishAttempt(ctx, q, voiceSystem, t, p, OutcomeNoAnswer, ev.DialCallStatus, now)
				return err
			case "completed":
				// Answered, but the screen ended without a "1" (she hung up
				// during the prompt).
				_, err := h.s.finishAttempt(ctx, q, voiceSystem, t, p, OutcomeUnsafeToTalk, "hung_up", now)
				return err
			}
			t.CallState, t.LastResult = callEnded, nullStr(nonEmpty(ev.DialCallStatus, "ended"))
		case callBridged:
			t.CallState = callEnded
		default:
			return nil
		}
		if err := saveTask(ctx, q, t, now); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, voiceSystem, audit.Event{Action: ActionCallbackCallEnded, ParticipantCode: p.Code, Details: map[string]any{
			"task_id": t.ID, "dial_status": ev.DialCallStatus, "duration": ev.Duration,
		}})
		return err
	})
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// voiceStatus is the staff leg's status callback.
func (h voiceHooks) voiceStatus(c *gin.Context) {
	ev, ok := h.voiceHook(c, RouteVoiceStatus)
	if !ok {
		return
	}
	now := h.s.now()
	ctx := c.Request.Context()
	err := h.s.withTask(ctx, c.Query("task"), func(q *db.Queries, t *db.CallbackTask, p db.Participant) error {
		if t.Status != taskClaimed || t.CallSid.String != ev.CallSid || !channels.CallEnded(ev.CallStatus) {
			return nil
		}
		switch t.CallState {
		case callDialing, callStaffRinging:
			// The staff member did not take the call: her phone never rang.
			t.LastResult = nullStr("staff_" + ev.CallStatus)
		case callHerRinging, callScreening:
			t.LastResult = nullStr("staff_hung_up")
		case callBridged:
		default:
			return nil
		}
		t.CallState = callEnded
		if err := saveTask(ctx, q, t, now); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, voiceSystem, audit.Event{Action: ActionCallbackCallEnded, ParticipantCode: p.Code, Details: map[string]any{
			"task_id": t.ID, "call_status": ev.CallStatus, "duration": ev.Duration, "leg": "staff",
		}})
		return err
	})
	if err != nil && !httpx.IsErr(err, errs.CodeNotFound) {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	c.Status(http.StatusNoContent)
}

// voiceAMD receives asynchronous answering-machine detection (for a
// call-back's leg to her, ?task=, or a reminder call, ?m=). A machine
// where no voicemail is allowed: the call is hung up at once.
func (h voiceHooks) voiceAMD(c *gin.Context) {
	ev, ok := h.voiceHook(c, RouteVoiceAMD)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if !ev.IsMachine() {
		c.Status(http.StatusNoContent)
		return
	}
	now := h.s.now()
	hangUp := false
	var err error
	if c.Query("m") != "" {
		hangUp, err = h.reminderMachine(ctx, c.Query("m"), ev, now)
	} else {
		err = h.s.withTask(ctx, c.Query("task"), func(q *db.Queries, t *db.CallbackTask, p db.Participant) error {
			if t.Status != taskClaimed || !sameLeg(t, ev) {
				return nil
			}
			switch t.CallState {
			case callHerRinging, callScreening, callBridged:
			default:
				return nil
			}
			d, err := h.s.participants.Decide(ctx, q, p, consent.Voice, now)
			if err != nil {
				return err
			}
			if d.Allowed && d.AllowVoicemail {
				return nil
			}
			hangUp = true
			t.CalleeSid = nullStr(ev.CallSid)
			_, err = h.s.finishAttempt(ctx, q, voiceSystem, t, p, OutcomeNoAnswer, "machine", now)
			return err
		})
	}
	if err != nil && !httpx.IsErr(err, errs.CodeNotFound) {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	if hangUp && h.s.caller != nil {
		if err := h.s.caller.HangUpCall(ctx, ev.CallSid); err != nil && sendCode(err) != "not_found" {
			h.s.log.WarnContext(ctx, "voice: hanging up on a machine", "call_sid", ev.CallSid, "code", sendCode(err))
			httpx.Fail(c, errs.New(CodeProviderUnavailable, "could not hang up the call"))
			return
		}
	}
	c.Status(http.StatusNoContent)
}
