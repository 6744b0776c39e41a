package callback

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
)

// Automated voice reminders: a voice message of one of the templates in
// Config.ReminderTemplates is an outbound call straight to her,
// placed by the worker (after its consent and window re-check) instead of
// a call-back task. The text is the template rendered for channel voice
// (the discreet variant for a monitored phone). The same rules as a
// call-back hold:
//
//   - answering-machine detection on the call: a machine → hang up, unless
//     her consent allows a voicemail (never on a monitored phone), then
//     the text is left after the greeting;
//   - a person → the "press 1 if you can talk now" screen first; only a 1
//     plays the text, anything else hangs up;
//   - consent is decided again when the call is answered.
//
// The message goes sent (call placed) → delivered (text played after a 1,
// or voicemail left) or undelivered (machine, not confirmed, no answer).

const (
	RouteReminder       = "/webhooks/twilio/voice/reminder"
	RouteReminderGate   = "/webhooks/twilio/voice/reminder/gate"
	RouteReminderStatus = "/webhooks/twilio/voice/reminder/status"
)

// The codes a reminder call writes as its message's status reason.
const (
	CodeMachineDetected = "machine_detected"
	CodeContentErased   = "content_erased"
	CodeNotConfirmed    = "not_confirmed"
)

// placeReminder calls her for message msg. to is her number, decrypted by
// the worker just before; it goes to the provider only.
func (h voiceHooks) placeReminder(ctx context.Context, msg db.Message, to string) (channels.Receipt, error) {
	v := h.s.cfg
	if h.s.caller == nil || v.From == "" || h.s.twilio.PublicURL == "" {
		return channels.Receipt{}, &channels.SendError{Code: codeChannelNotConfigured, Err: errors.New("voice: no caller, TWILIO_VOICE_FROM or public URL")}
	}
	p, err := h.s.q.ParticipantByID(ctx, msg.ParticipantID)
	if err != nil {
		return channels.Receipt{}, queueErr(err)
	}
	d, err := h.s.participants.Decide(ctx, h.s.q, p, consent.Voice, h.s.now())
	if err != nil {
		return channels.Receipt{}, queueErr(err)
	}
	if !d.Allowed {
		return channels.Receipt{}, &channels.SendError{Code: d.Code, Err: errors.New("voice: contact decision refused")}
	}
	md := "Enable"
	if d.AllowVoicemail {
		md = "DetectMessageEnd" // speak after the beep
	}
	q := "m=" + msg.ID.String()
	rcpt, err := h.s.caller.CreateCall(ctx, channels.CallRequest{
		To: to, From: v.From,
		URL:              h.s.publicURL(RouteReminder, q),
		StatusCallback:   h.s.publicURL(RouteReminderStatus, q),
		MachineDetection: md,
		Timeout:          v.RingTimeout,
		TimeLimit:        5 * time.Minute,
	})
	if err != nil {
		return channels.Receipt{}, err
	}
	return channels.Receipt{ProviderID: rcpt.Sid, Status: "queued"}, nil
}

// withReminder runs fn on the reminder message named by ?m=, locked, if
// the webhook is about its call. ok=false: not ours (or not any more).
func (h voiceHooks) withReminder(ctx context.Context, raw, callSid string, fn func(q *db.Queries, m db.Message, p db.Participant) error) (ok bool, err error) {
	id, perr := uuid.Parse(raw)
	if perr != nil {
		return false, nil
	}
	err = db.InTx(ctx, h.s.db, func(q *db.Queries, _ *sql.Tx) error {
		m, err := q.MessageByIDForUpdate(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		// The call's sid is recorded when the worker records the send; a
		// webhook can overtake it only while the message is "sending".
		if m.Channel != string(consent.Voice) ||
			(m.ProviderID.Valid && m.ProviderID.String != callSid) ||
			(!m.ProviderID.Valid && m.Status != message.StatusSending) {
			return nil
		}
		p, err := q.ParticipantByID(ctx, m.ParticipantID)
		if err != nil {
			return err
		}
		ok = true
		return fn(q, m, p)
	})
	return ok, err
}

func (h voiceHooks) reminderOutcome(ctx context.Context, q *db.Queries, m db.Message, p db.Participant, callSid, status, providerStatus, code string) error {
	return h.s.advanceMessage(ctx, q, voiceSystem, m.ID, callSid, status, providerStatus, code, p.Code, h.s.now())
}

// voiceReminder answers when her phone picks up a reminder call.
func (h voiceHooks) voiceReminder(c *gin.Context) {
	ev, ok := h.voiceHook(c, RouteReminder)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	now := h.s.now()
	tw := &channels.TwiML{}
	found, err := h.withReminder(ctx, c.Query("m"), ev.CallSid, func(q *db.Queries, m db.Message, p db.Participant) error {
		d, err := h.s.participants.Decide(ctx, q, p, consent.Voice, now)
		if err != nil {
			return err
		}
		if !d.Allowed {
			tw.Hangup()
			return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "undelivered", "answered", d.Code)
		}
		if d.SendAt.After(now) {
			// Her safe window closed while the phone rang (or was
			// changed): nothing is said, not even the prompt. The call
			// already happened, so the reminder is not tried again by
			// itself; staff see why.
			tw.Hangup()
			return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "undelivered", "answered", CodeOutsideSafeWindow)
		}
		v := voiceFor(m.Language)
		// An undecided detection counts as a machine where no voicemail
		// may be left.
		if ev.IsMachine() || (ev.MaybeMachine() && !d.AllowVoicemail) {
			if !d.AllowVoicemail {
				tw.Hangup()
				return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "undelivered", "machine", CodeMachineDetected)
			}
			text, err := h.s.messageText(m)
			if err != nil {
				return err
			}
			if text == "" {
				tw.Hangup()
				return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "undelivered", "machine", CodeContentErased)
			}
			tw.Say(text, v.tag, v.voice).Hangup()
			return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "delivered", "voicemail", "")
		}
		tw.Gather(h.s.publicURL(RouteReminderGate, "m="+m.ID.String()), 1, screenTimeout, v.prompt, v.tag, v.voice).Hangup()
		return nil
	})
	answerReminder(c, tw, found, err)
}

// answerReminder ends a reminder webhook: the TwiML built, or a hang-up
// when the call is not (or no longer) a reminder of ours.
func answerReminder(c *gin.Context, tw *channels.TwiML, found bool, err error) {
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	if !found {
		tw = (&channels.TwiML{}).Hangup()
	}
	httpx.WriteTwiML(c, tw)
}

// voiceReminderGate: 1 plays the text; anything else hangs up.
func (h voiceHooks) voiceReminderGate(c *gin.Context) {
	ev, ok := h.voiceHook(c, RouteReminderGate)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	tw := &channels.TwiML{}
	found, err := h.withReminder(ctx, c.Query("m"), ev.CallSid, func(q *db.Queries, m db.Message, p db.Participant) error {
		if ev.Digits != "1" {
			tw.Hangup()
			return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "undelivered", "not_confirmed", CodeNotConfirmed)
		}
		text, err := h.s.messageText(m)
		if err != nil {
			return err
		}
		if text == "" {
			tw.Hangup()
			return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "undelivered", "confirmed", CodeContentErased)
		}
		v := voiceFor(m.Language)
		tw.Say(text, v.tag, v.voice).Hangup()
		return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "delivered", "confirmed", "")
	})
	answerReminder(c, tw, found, err)
}

// voiceReminderStatus: a call that ended without the text being played is
// undelivered (forward-only: a played one stays delivered).
func (h voiceHooks) voiceReminderStatus(c *gin.Context) {
	ev, ok := h.voiceHook(c, RouteReminderStatus)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if channels.CallEnded(ev.CallStatus) {
		code := "call_" + ev.CallStatus
		if ev.CallStatus == "completed" {
			code = CodeNotConfirmed // answered, but no "1" was recorded
		}
		_, err := h.withReminder(ctx, c.Query("m"), ev.CallSid, func(q *db.Queries, m db.Message, p db.Participant) error {
			return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "undelivered", ev.CallStatus, code)
		})
		if err != nil {
			httpx.Fail(c, errs.Internal(err))
			return
		}
	}
	c.Status(http.StatusNoContent)
}

// reminderMachine applies an asynchronous AMD result to a reminder call;
// hangUp: the caller must end the call.
func (h voiceHooks) reminderMachine(ctx context.Context, raw string, ev channels.CallEvent, now time.Time) (hangUp bool, err error) {
	_, err = h.withReminder(ctx, raw, ev.CallSid, func(q *db.Queries, m db.Message, p db.Participant) error {
		d, err := h.s.participants.Decide(ctx, q, p, consent.Voice, now)
		if err != nil {
			return err
		}
		if d.Allowed && d.AllowVoicemail {
			return nil
		}
		hangUp = true
		return h.reminderOutcome(ctx, q, m, p, ev.CallSid, "undelivered", "machine", CodeMachineDetected)
	})
	return hangUp, err
}
