package gateway

import (
	"context"
	"time"

	"safecontact/channels"
	"safecontact/db"
)

// VoiceConfig configures the call-back queue and masked calls,
// automated voice reminders, inbound messages (STOP, replies) and content
// erasure. The first fields are what a deployment tunes (cmd/gateway fills
// them from flags and the environment); the last ones are wired by Open
// (or a test) through UseVoice and SetCheckinReply.
type VoiceConfig struct {
	// From is the organisation's neutral voice number (TWILIO_VOICE_FROM,
	// E.164): the caller id both she and the staff member see. Calls are
	// refused (voice_not_configured) without it.
	From string
	// MaxAttempts: times her phone is rung for one call-back before it is
	// closed as no_answer (GATEWAY_CALLBACK_MAX_ATTEMPTS, default 3).
	MaxAttempts int
	// RetrySpacing: a re-queued call-back waits at least this long, then
	// for her next safe window (GATEWAY_CALLBACK_RETRY_SPACING, default 2h).
	RetrySpacing time.Duration
	// RingTimeout: how long her phone (and the staff phone) rings
	// (default 25s).
	RingTimeout time.Duration
	// ReminderTemplates: voice messages made from these templates are
	// automated reminder calls (spoken text, gated by "press 1") instead of
	// call-back tasks (GATEWAY_VOICE_REMINDER_TEMPLATES, comma-separated;
	// default none: every voice message becomes a call-back task).
	ReminderTemplates []string
	// StopWordsFile replaces the built-in stop words (GATEWAY_STOP_WORDS_FILE;
	// Open loads it into StopWords). Format: one word per line, optionally
	// followed by the languages it is a stop word for ("fine it"); # comments.
	StopWordsFile string
	// StopWords: nil means the built-in list (DefaultStopWords).
	StopWords []StopWord
	// ExtraStopWords are added to StopWords, for every language
	// (GATEWAY_STOP_WORDS, comma-separated).
	ExtraStopWords []string

	// Caller places calls (Twilio); nil: no calls can be made.
	Caller channels.Caller
	// Redactor erases message copies at the provider (Twilio, or the dev
	// sink); nil: erase-content erases only our copies.
	Redactor ContentRedactor
	// CheckinReply is the safety check-in hook: given every
	// inbound message of a known participant that is not a stop word, it
	// says whether the message was a reply to a pending check-in (then it
	// is not put in the inbox). nil: never.
	CheckinReply CheckinReplyFunc

	stops *stopMatcher
}

// ContentRedactor asks a provider to erase its copy of a message body.
// channels.Twilio and channels.Sink implement it.
type ContentRedactor interface {
	RedactMessage(ctx context.Context, sid string) error
}

// InboundMessage is one message she sent, as the check-in hook sees it.
type InboundMessage struct {
	ID         int64
	Channel    string // sms | whatsapp
	Body       string // decrypted; never log it
	ReceivedAt time.Time
}

// CheckinReplyFunc handles a reply to a pending safety check-in, in q's
// transaction (the inbound row is written in it too). handled=false lets
// the message go on to the inbox.
type CheckinReplyFunc func(ctx context.Context, q *db.Queries, p db.Participant, in InboundMessage) (handled bool, err error)

func (v *VoiceConfig) setDefaults() {
	if v.MaxAttempts <= 0 {
		v.MaxAttempts = 3
	}
	if v.RetrySpacing <= 0 {
		v.RetrySpacing = 2 * time.Hour
	}
	if v.RingTimeout <= 0 {
		v.RingTimeout = 25 * time.Second
	}
	words := v.StopWords
	if words == nil {
		words = DefaultStopWords
	}
	for _, w := range v.ExtraStopWords {
		words = append(words[:len(words):len(words)], StopWord{Word: w})
	}
	v.stops = newStopMatcher(words)
}

// UseVoice wires the call provider and the provider redactor (Open does it
// once Twilio or the dev sink exists). Call it before serving.
func (s *Server) UseVoice(caller channels.Caller, redactor ContentRedactor) {
	s.cfg.Voice.Caller, s.cfg.Voice.Redactor = caller, redactor
}

// SetCheckinReply installs the safety check-in hook for inbound replies.
// Call it before serving.
func (s *Server) SetCheckinReply(fn CheckinReplyFunc) { s.cfg.Voice.CheckinReply = fn }

func (s *Server) stopMatcher() *stopMatcher {
	if s.cfg.Voice.stops == nil {
		return defaultStopMatcher
	}
	return s.cfg.Voice.stops
}
