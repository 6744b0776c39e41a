package consent

import "time"

// A promised call: a message that tells her "we will call you on Tuesday
// at 10:00" (a template with a "promises: call at {when}" header) is a
// promise, and a broken one, or a call at an hour someone else holds her
// phone, is a harm. DecideCall decides whether such a call may be
// promised: the message's own channel (sms, whatsapp) is decided by
// Decide; this is about the call it announces.
//
// Invariants, each with its reason:
//   - Pure: the same inputs give the same answer, so the accept path, the
//     preview and the send worker's re-check just before sending run the
//     same function with their own clock and ledger.
//   - Voice consent is checked first and at both ends: a call needs her
//     consent now and still at the promised time (a grant that expires
//     before then cannot carry the call), and the absence of consent is
//     reported before any timing problem, as Decide does.
//   - A call needs her phone number; without one the promise cannot be
//     kept (no_number_for_channel, Decide's code for the same fact).
//   - The time is strictly after now: a call "now" or earlier cannot be
//     announced by a message that is still to be sent.
//   - At most MaxCallAhead ahead: her situation changes often (jobs,
//     housing, phones), and a promise a month out is likely to be broken.
//   - Inside her safe hours, by the same rule as every message (her
//     windows, or 09:00-20:00 when none were recorded, in her time zone,
//     DST as InWindow says): a call outside them rings when it may not be
//     safe to answer. "Any time" recorded explicitly allows any time; no
//     time zone fails closed (the hours cannot be placed).
//   - The refusal codes are constants; the message names no number.

// Refusal codes of DecideCall (statuses: errs/status.go).
const (
	// CodeCallNotConsented: she has not consented to voice calls (none,
	// revoked, expired, or a grant that ends before the promised time).
	CodeCallNotConsented = "call_not_consented"
	// CodeCallTimePast: the promised time is not after now.
	CodeCallTimePast = "call_time_past"
	// CodeCallTimeTooFar: the promised time is more than MaxCallAhead ahead.
	CodeCallTimeTooFar = "call_time_too_far"
	// CodeCallTimeUnsafe: the promised time is outside her safe hours (or
	// they cannot be placed in time: no time zone, no usable window).
	CodeCallTimeUnsafe = "call_time_unsafe"
)

// MaxCallAhead is how far ahead a call may be promised.
const MaxCallAhead = 30 * 24 * time.Hour

// DecideCall decides whether a call to her at `at` may be promised at now:
// nil, or a refusal (*Error with one of the CodeCall* codes and a sentence
// for staff; Field is left to the caller, which knows the parameter).
// voice is her folded consent for the voice channel (ChannelConsent{} for
// none). The checks run in this order and the first failure is the
// answer: consent (now, and at `at`), her phone number (a call needs one:
// no_number_for_channel, as Decide answers for voice), past, too far,
// safe hours.
//
// The result is a typed pointer: compare it with nil before storing it in
// an error variable.
func DecideCall(voice ChannelConsent, p Profile, now, at time.Time) *Error {
	switch stateAt(voice, now) {
	case StateGranted:
		if voice.ExpiresAt != nil && !at.Before(*voice.ExpiresAt) {
			return callRefusal(CodeCallNotConsented, "Her consent to voice calls expires before the promised time; record it again before promising this call.")
		}
	case StateRevoked:
		return callRefusal(CodeCallNotConsented, "She has withdrawn her consent to voice calls, so no call may be promised.")
	case StateExpired:
		return callRefusal(CodeCallNotConsented, "Her consent to voice calls has expired, so no call may be promised.")
	default:
		return callRefusal(CodeCallNotConsented, "She has not consented to voice calls, so no call may be promised.")
	}
	if !p.HasPhone {
		return callRefusal(CodeNoNumberForChannel, "Her profile has no phone number a call can be made to.")
	}
	if !at.After(now) {
		return callRefusal(CodeCallTimePast, "The promised time of the call is not in the future.")
	}
	if at.Sub(now) > MaxCallAhead {
		return callRefusal(CodeCallTimeTooFar, "The promised call is more than 30 days ahead; promise it closer to the time.")
	}
	windows, anyTime := EffectiveWindows(p)
	if anyTime {
		return nil
	}
	if p.TimeZone == nil {
		return callRefusal(CodeCallTimeUnsafe, "Her profile has no time zone, so the promised time cannot be checked against her safe hours.")
	}
	if !InWindow(windows, p.TimeZone, at) {
		return callRefusal(CodeCallTimeUnsafe, "The promised time of the call is outside her safe contact hours.")
	}
	return nil
}

// DecideCallSent is DecideCall for a text accepted at now that goes out
// at sendAt (now, or the start of her next safe window): the call is
// decided as of sendAt, when the text reaches her. A call after now but
// not after sendAt is refused as past all the same (the text would
// announce a call already due), with a sentence that says so: "not in
// the future" would read as wrong to staff who promised a later hour.
func DecideCallSent(voice ChannelConsent, p Profile, now, sendAt, at time.Time) *Error {
	r := DecideCall(voice, p, sendAt, at)
	if r != nil && r.Code == CodeCallTimePast && sendAt.After(now) && at.After(now) {
		r.Message = "The text can reach her only at her next safe window, after the promised call; promise a call after the text reaches her."
	}
	return r
}

func callRefusal(code, msg string) *Error { return &Error{Code: code, Message: msg} }
