package channels

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// CallRequest is one outbound call. To is decrypted just before the call
// and is never logged, stored or put in an error.
type CallRequest struct {
	To   string // E.164: the staff member's own phone, or hers for a reminder
	From string // E.164: the organisation's neutral voice number (caller id)
	// URL is the TwiML webhook Twilio fetches when the call is answered.
	URL string
	// StatusCallback receives the call's progress; StatusCallbackEvents
	// chooses which (initiated, ringing, answered, completed; Twilio's
	// default is completed only).
	StatusCallback       string
	StatusCallbackEvents []string
	// MachineDetection: "" (off), "Enable" or "DetectMessageEnd"
	// (answering-machine detection; AnsweredBy reaches URL).
	MachineDetection string
	// Timeout is how long it rings before Twilio gives up (5s…600s;
	// 0 = Twilio's 60s).
	Timeout time.Duration
	// TimeLimit bounds the whole call (0 = Twilio's 4h).
	TimeLimit time.Duration
}

// CallReceipt is what the provider said when it took the call.
type CallReceipt struct {
	Sid    string // CA…
	Status string // Twilio's call status at creation, e.g. "queued"
}

// Caller places and ends phone calls (Twilio; a fake in tests).
type Caller interface {
	CreateCall(ctx context.Context, c CallRequest) (CallReceipt, error)
	HangUpCall(ctx context.Context, sid string) error
}

// twilioCallStatuses are Twilio's call statuses (safe to store: fixed list).
var twilioCallStatuses = map[string]bool{
	"queued": true, "initiated": true, "ringing": true, "in-progress": true, "completed": true,
	"busy": true, "no-answer": true, "failed": true, "canceled": true,
}

// CreateCall creates one outbound call with twilio-go's Calls API. It
// never sets Record: calls through the gateway are not recorded. Errors
// are *SendError without the number (HTTPStatus set only when Twilio
// refused the call).
func (t *Twilio) CreateCall(ctx context.Context, c CallRequest) (CallReceipt, error) {
	p, se := callParams(c)
	if se != nil {
		return CallReceipt{}, se
	}
	if err := ctx.Err(); err != nil {
		return CallReceipt{}, &SendError{Code: "provider_unreachable", Retryable: true, Err: err}
	}
	api, tc, cancel := t.api(ctx)
	defer cancel()
	call, err := api.CreateCall(p)
	if err != nil {
		return CallReceipt{}, tc.classify(err, false)
	}
	if call == nil || call.Sid == nil || !IsCallSid(*call.Sid) {
		return CallReceipt{}, badResponse()
	}
	status := "queued"
	if call.Status != nil {
		status = strings.ToLower(*call.Status)
		if !twilioCallStatuses[status] {
			status = "unrecognized"
		}
	}
	return CallReceipt{Sid: *call.Sid, Status: status}, nil
}

// HangUpCall ends a call in progress (an update with Status=completed; a
// call still ringing is canceled by Twilio the same way). A call Twilio no
// longer knows is a *SendError with Code "not_found".
func (t *Twilio) HangUpCall(ctx context.Context, sid string) error {
	if !IsCallSid(sid) {
		return invalid("invalid_request", "not a call SID")
	}
	api, tc, cancel := t.api(ctx)
	defer cancel()
	if _, err := api.UpdateCall(sid, (&openapi.UpdateCallParams{}).SetStatus("completed")); err != nil {
		return tc.classify(err, true)
	}
	return nil
}

func callParams(c CallRequest) (*openapi.CreateCallParams, *SendError) {
	if !isE164(c.To) {
		return nil, invalid("invalid_number", "callee is not an E.164 number")
	}
	if !isE164(c.From) {
		return nil, invalid("channel_not_configured", "the voice caller id is not an E.164 number")
	}
	if !absoluteHTTP(c.URL) {
		return nil, invalid("invalid_request", "TwiML URL is not an absolute http(s) URL")
	}
	p := &openapi.CreateCallParams{}
	p.SetTo(c.To)
	p.SetFrom(c.From)
	p.SetUrl(c.URL)
	p.SetMethod("POST")
	if c.StatusCallback != "" {
		if !absoluteHTTP(c.StatusCallback) {
			return nil, invalid("invalid_request", "status callback is not an absolute http(s) URL")
		}
		p.SetStatusCallback(c.StatusCallback)
		p.SetStatusCallbackMethod("POST")
		if len(c.StatusCallbackEvents) > 0 {
			for _, e := range c.StatusCallbackEvents {
				switch e {
				case "initiated", "ringing", "answered", "completed":
				default:
					return nil, invalid("invalid_request", "unknown status callback event")
				}
			}
			p.SetStatusCallbackEvent(c.StatusCallbackEvents)
		}
	}
	switch c.MachineDetection {
	case "":
	case "Enable", "DetectMessageEnd":
		p.SetMachineDetection(c.MachineDetection)
	default:
		return nil, invalid("invalid_request", "machine detection must be Enable or DetectMessageEnd")
	}
	if c.Timeout != 0 {
		s := int(c.Timeout / time.Second)
		if s < 5 || s > 600 {
			return nil, invalid("invalid_request", "ring timeout must be between 5s and 600s")
		}
		p.SetTimeout(s)
	}
	if c.TimeLimit != 0 {
		s := int(c.TimeLimit / time.Second)
		if s < 1 || s > 4*3600 {
			return nil, invalid("invalid_request", "time limit must be between 1s and 4h")
		}
		p.SetTimeLimit(s)
	}
	return p, nil
}

func absoluteHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http") && u.User == nil
}

// IsCallSid: CA followed by 32 hex digits.
func IsCallSid(s string) bool { return isSid(s, "CA") }

// ---- voice webhooks ----

// CallEvent is a Twilio voice webhook (TwiML request, <Gather> action,
// <Dial> action, status or AMD callback) in our terms. Every field is
// from a fixed vocabulary or a checked SID: safe to store and log.
type CallEvent struct {
	CallSid       string // the call the request is about
	ParentCallSid string // for a <Dial>ed leg: the call that dialled it
	CallStatus    string // Twilio's call status (twilioCallStatuses), or ""
	// AnsweredBy (answering-machine detection): human, machine_start,
	// machine_end_beep, machine_end_silence, machine_end_other, fax,
	// unknown; "" when detection was off.
	AnsweredBy string
	// Digits pressed (a <Gather> action): only 0-9 * #, at most 20.
	Digits string
	// <Dial> action: the dialled leg's outcome and sid.
	DialCallStatus string
	DialCallSid    string
	// Duration in seconds (CallDuration), 0 if absent.
	Duration int
}

// Voice webhook parse errors: fixed texts, never a form value.
var (
	ErrWebhookBadCallSid    = errors.New("twilio voice webhook: CallSid is missing or not a call SID")
	ErrWebhookBadCallStatus = errors.New("twilio voice webhook: unknown CallStatus")
	ErrWebhookBadAnsweredBy = errors.New("twilio voice webhook: unknown AnsweredBy")
	ErrWebhookBadDigits     = errors.New("twilio voice webhook: Digits is not a key sequence")
	ErrWebhookBadDuration   = errors.New("twilio voice webhook: CallDuration is not a number")
)

var answeredBy = map[string]bool{
	"human": true, "machine_start": true, "machine_end_beep": true, "machine_end_silence": true,
	"machine_end_other": true, "fax": true, "unknown": true,
}

// ParseTwilioCall reads a Twilio voice webhook (already signature-checked).
func ParseTwilioCall(form url.Values) (CallEvent, error) {
	var ev CallEvent
	get := func(name string) (string, error) { return single(form, name) }
	var err error
	if ev.CallSid, err = get("CallSid"); err != nil {
		return ev, err
	}
	if !IsCallSid(ev.CallSid) {
		return ev, ErrWebhookBadCallSid
	}
	if ev.ParentCallSid, err = get("ParentCallSid"); err != nil {
		return ev, err
	}
	if ev.ParentCallSid != "" && !IsCallSid(ev.ParentCallSid) {
		return ev, ErrWebhookBadCallSid
	}
	if ev.CallStatus, err = get("CallStatus"); err != nil {
		return ev, err
	}
	ev.CallStatus = strings.ToLower(ev.CallStatus)
	if ev.CallStatus != "" && !twilioCallStatuses[ev.CallStatus] {
		return ev, ErrWebhookBadCallStatus
	}
	if ev.AnsweredBy, err = get("AnsweredBy"); err != nil {
		return ev, err
	}
	ev.AnsweredBy = strings.ToLower(ev.AnsweredBy)
	if ev.AnsweredBy != "" && !answeredBy[ev.AnsweredBy] {
		return ev, ErrWebhookBadAnsweredBy
	}
	if ev.Digits, err = get("Digits"); err != nil {
		return ev, err
	}
	if len(ev.Digits) > 20 || strings.Trim(ev.Digits, "0123456789*#") != "" {
		return ev, ErrWebhookBadDigits
	}
	if ev.DialCallStatus, err = get("DialCallStatus"); err != nil {
		return ev, err
	}
	ev.DialCallStatus = strings.ToLower(ev.DialCallStatus)
	if ev.DialCallStatus != "" && !twilioCallStatuses[ev.DialCallStatus] {
		return ev, ErrWebhookBadCallStatus
	}
	if ev.DialCallSid, err = get("DialCallSid"); err != nil {
		return ev, err
	}
	if ev.DialCallSid != "" && !IsCallSid(ev.DialCallSid) {
		return ev, ErrWebhookBadCallSid
	}
	d, err := get("CallDuration")
	if err != nil {
		return ev, err
	}
	if d != "" {
		n := 0
		for _, r := range d {
			if r < '0' || r > '9' || n > 1e7 {
				return ev, ErrWebhookBadDuration
			}
			n = n*10 + int(r-'0')
		}
		ev.Duration = n
	}
	return ev, nil
}

// IsMachine reports whether AnsweredBy says a machine (or fax) answered.
func (e CallEvent) IsMachine() bool {
	return strings.HasPrefix(e.AnsweredBy, "machine_") || e.AnsweredBy == "fax"
}

// MaybeMachine is IsMachine or an undecided detection ("unknown"). Where
// no voicemail may be left, an undecided answer is treated as a machine:
// the neutral prompt must not end up recorded on her voicemail.
func (e CallEvent) MaybeMachine() bool {
	return e.IsMachine() || e.AnsweredBy == "unknown"
}

// CallEnded reports whether a call status is final.
func CallEnded(status string) bool {
	switch status {
	case "completed", "busy", "no-answer", "failed", "canceled":
		return true
	}
	return false
}
