package consent

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The consent ledger is append-only: every grant, revocation and expiry is
// an Event, and the current consent of a channel is never stored as a
// mutable flag but derived by Fold. A supervisor can therefore always see
// under which recorded consent a message was sent (ChannelConsent.Version is
// stored with each message), and a revocation can never be "lost" by a later
// update overwriting it.

// EventKind says what happened to a channel's consent.
type EventKind string

const (
	// KindGranted records consent she gave (signed form or verbal, noted by
	// staff), possibly with an expiry.
	KindGranted EventKind = "granted"
	// KindRevoked records that she withdrew consent (told staff, replied
	// STOP, or the provider reported an opt-out).
	KindRevoked EventKind = "revoked"
	// KindExpired records that a grant's expiry passed. It is informational:
	// Fold treats a grant as expired at its ExpiresAt whether or not this
	// event was written, so a late or missing expiry job never lets a
	// message through.
	KindExpired EventKind = "expired"
)

// Source says who or what caused an event.
type Source string

const (
	SourceStaff          Source = "staff"
	SourceInboundStop    Source = "inbound_stop"
	SourceProviderOptOut Source = "provider_opt_out"
	SourceExpiry         Source = "expiry"
)

// Event is one entry of the consent ledger.
type Event struct {
	ID      int64
	Channel Channel
	Kind    EventKind
	At      time.Time
	// Actor is the staff user name or id; "" for system events.
	Actor  string
	Source Source
	// Evidence (granted): a signed-form reference or "verbal, recorded by X".
	Evidence string
	// NoticeLanguage (granted) is the BCP 47 language the privacy notice was
	// explained in, so a supervisor can check she understood what she agreed to.
	NoticeLanguage string
	// ExpiresAt (granted) is an optional expiry.
	ExpiresAt *time.Time
	// Reason (revoked) is why consent was withdrawn.
	Reason string
	// AllowVoicemail (granted, voice): a voicemail may be left. Default false
	// because a voicemail is a recording anyone holding her phone can play.
	AllowVoicemail bool
	// AcceptWhatsAppRisk (granted, whatsapp): she accepted WhatsApp although
	// the sender name shows the organisation and the chat stays visible on a
	// phone that may be monitored.
	AcceptWhatsAppRisk bool
}

// State is the derived consent state of one channel.
type State string

const (
	StateNone    State = "none"
	StateGranted State = "granted"
	StateRevoked State = "revoked"
	StateExpired State = "expired"
)

// ChannelConsent is the current consent of one channel, derived by Fold.
type ChannelConsent struct {
	Channel Channel
	State   State
	// GrantedAt is the time of the latest grant; it is kept after a
	// revocation or expiry so the record shows which grant ended.
	GrantedAt *time.Time
	// RevokedAt is the time of the revocation in force; nil unless State is
	// revoked.
	RevokedAt *time.Time
	// ExpiresAt is the latest grant's expiry, if it had one.
	ExpiresAt *time.Time
	// AllowVoicemail and AcceptWhatsAppRisk describe the grant in force and
	// are false unless State is granted, so no caller can act on an option
	// of a consent that has ended.
	AllowVoicemail     bool
	AcceptWhatsAppRisk bool
	// Version is the number of ledger events on this channel; it is stored
	// with each message so an audit can name the exact consent it was sent under.
	Version int
	// ReviewDue is set when the grant in force is at least the review age
	// old: staff should confirm with her that it still holds. It does not
	// block contact.
	ReviewDue bool
}

// DefaultReviewAge is how old a grant may get before staff should confirm
// it with her again.
const DefaultReviewAge = 90 * 24 * time.Hour

// IsConcrete reports whether c is a channel a message can actually go out
// on (not auto, not an unknown string).
func IsConcrete(c Channel) bool {
	return c == SMS || c == WhatsApp || c == Voice
}

// Fold derives the current consent of every concrete channel from the
// append-only history.
//
// Rules, each chosen to fail closed:
//   - Events are applied in (At, ID) order whatever order they arrive in;
//     the input slice is not modified. Events dated after now are applied
//     too: the ledger order is the truth, and ignoring a row because of a
//     few milliseconds of clock skew between servers would make the send
//     worker's re-check disagree with the check at acceptance.
//   - granted replaces any earlier grant (new time, expiry and options);
//     revoked ends it; expired ends a grant in force and is otherwise
//     recorded only in Version (it never turns a revocation into something
//     weaker).
//   - A grant whose ExpiresAt is at or before now is StateExpired even
//     without an explicit expired event, so a late expiry job never lets a
//     message through.
//   - An event of an unknown kind is treated as a revocation, and a
//     revocation (or unknown kind) on a channel that is not sms/whatsapp/
//     voice (e.g. "auto" or "") revokes every channel: a STOP must never be
//     lost to a malformed row. Grants and expiries on such channels are
//     ignored (ValidateGrant never accepts them).
//   - reviewAge <= 0 means DefaultReviewAge, so a zero config value does
//     not silently disable reviews. ReviewDue is true when
//     now >= GrantedAt+reviewAge (exactly at the boundary counts as due).
//
// The result always has an entry for each of Channels (State none, Version
// 0 when nothing was recorded) so callers can list every channel.
func Fold(history []Event, now time.Time, reviewAge time.Duration) map[Channel]ChannelConsent {
	if reviewAge <= 0 {
		reviewAge = DefaultReviewAge
	}
	events := slices.Clone(history)
	slices.SortStableFunc(events, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})

	out := make(map[Channel]ChannelConsent, len(Channels))
	for _, ch := range Channels {
		out[ch] = ChannelConsent{Channel: ch, State: StateNone}
	}
	for _, e := range events {
		targets := []Channel{e.Channel}
		if !IsConcrete(e.Channel) {
			if e.Kind == KindGranted || e.Kind == KindExpired {
				continue
			}
			targets = Channels
		}
		for _, ch := range targets {
			c := out[ch]
			c.Version++
			apply(&c, e)
			out[ch] = c
		}
	}
	for ch, c := range out {
		if c.State == StateGranted && c.ExpiresAt != nil && !now.Before(*c.ExpiresAt) {
			c.State = StateExpired
			c.AllowVoicemail, c.AcceptWhatsAppRisk = false, false
		}
		c.ReviewDue = c.State == StateGranted && c.GrantedAt != nil && !now.Before(c.GrantedAt.Add(reviewAge))
		out[ch] = c
	}
	return out
}

// apply folds one event into a channel's consent.
func apply(c *ChannelConsent, e Event) {
	switch e.Kind {
	case KindGranted:
		c.State = StateGranted
		c.GrantedAt = timePtr(e.At)
		c.RevokedAt = nil
		c.ExpiresAt = nil
		if e.ExpiresAt != nil {
			c.ExpiresAt = timePtr(*e.ExpiresAt)
		}
		c.AllowVoicemail = e.AllowVoicemail
		// The risk acceptance is only meaningful for WhatsApp; never let a
		// stray flag on another channel's grant carry meaning.
		c.AcceptWhatsAppRisk = e.AcceptWhatsAppRisk && c.Channel == WhatsApp
	case KindExpired:
		if c.State != StateGranted {
			return
		}
		c.State = StateExpired
		c.AllowVoicemail, c.AcceptWhatsAppRisk = false, false
	default: // KindRevoked and, failing closed, any unknown kind
		c.State = StateRevoked
		c.RevokedAt = timePtr(e.At)
		c.AllowVoicemail, c.AcceptWhatsAppRisk = false, false
	}
}

// timePtr returns a pointer to a copy, so a ChannelConsent never aliases
// the caller's events.
func timePtr(t time.Time) *time.Time { return &t }

// MaxEvidenceLen is the longest evidence text accepted, in characters.
const MaxEvidenceLen = 500

// ValidateGrant checks a grant before it is appended to the ledger. It
// returns the first problem as an *Error with a stable code:
//
//	invalid_kind      e.Kind is not granted
//	invalid_channel   not sms, whatsapp or voice (consent is per channel; "auto" is a send-time choice)
//	invalid_source    Source set to something other than staff (only staff record consent)
//	missing_actor     no staff actor: a grant nobody is accountable for is worthless in an audit
//	missing_evidence  evidence empty (or only spaces)
//	invalid_evidence  evidence over 500 characters or not valid UTF-8
//	invalid_language  notice language is not a BCP 47 tag
//	invalid_expiry    ExpiresAt set and not after now
//	invalid_option    AcceptWhatsAppRisk on a channel other than whatsapp, or
//	                  AllowVoicemail on a channel other than voice: a flag that
//	                  cannot mean anything signals a confused form, and an
//	                  audit should not show options nobody could have agreed to
//
// Messages name the field only, never its content.
func ValidateGrant(e Event, now time.Time) error {
	if e.Kind != KindGranted {
		return &Error{Code: "invalid_kind", Field: "kind", Message: "a grant must have kind \"granted\""}
	}
	if !IsConcrete(e.Channel) {
		return &Error{Code: "invalid_channel", Field: "channel", Message: "consent is recorded for one channel: sms, whatsapp or voice"}
	}
	if e.Source != "" && e.Source != SourceStaff {
		return &Error{Code: "invalid_source", Field: "source", Message: "consent can only be granted by staff"}
	}
	if strings.TrimSpace(e.Actor) == "" {
		return &Error{Code: "missing_actor", Field: "actor", Message: "a grant must name the staff member who recorded it"}
	}
	ev := strings.TrimSpace(e.Evidence)
	if ev == "" {
		return &Error{Code: "missing_evidence", Field: "evidence", Message: "evidence is required: a signed-form reference or \"verbal, recorded by <staff>\""}
	}
	if !utf8.ValidString(ev) || utf8.RuneCountInString(ev) > MaxEvidenceLen {
		return &Error{Code: "invalid_evidence", Field: "evidence", Message: "evidence must be valid text of at most 500 characters"}
	}
	// ParseLanguage admits "und-ES" and private-use "x-..." tags; neither
	// names a language a notice can have been explained in.
	if lang, err := ParseLanguage(e.NoticeLanguage); err != nil || lang == "und" || strings.HasPrefix(lang, "und-") || strings.HasPrefix(lang, "x-") {
		return &Error{Code: "invalid_language", Field: "notice_language", Message: "notice_language must be the BCP 47 tag of the language the privacy notice was explained in, e.g. \"es\" or \"ro\""}
	}
	if e.ExpiresAt != nil && !e.ExpiresAt.After(now) {
		return &Error{Code: "invalid_expiry", Field: "expires_at", Message: "expires_at must be in the future"}
	}
	if e.AcceptWhatsAppRisk && e.Channel != WhatsApp {
		return &Error{Code: "invalid_option", Field: "accept_whatsapp_risk", Message: "accept_whatsapp_risk applies only to whatsapp consent"}
	}
	if e.AllowVoicemail && e.Channel != Voice {
		return &Error{Code: "invalid_option", Field: "allow_voicemail", Message: "allow_voicemail applies only to voice consent"}
	}
	return nil
}
