package gateway

import (
	"context"
	"time"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/callback"
	"safecontact/gateway/message"
)

// The callback capability (gateway/callback: call-backs, reminder calls,
// inbound messages and the inbox) is built here from the server's own
// parts: the participants capability, the Twilio webhook check, the
// message status move and the sealed message content. Replies to a
// check-in go to the server's check-in logic (HandleCheckinReply).

// VoiceConfig configures the call-back queue and masked calls,
// automated voice reminders, inbound messages (STOP, replies) and content
// erasure. The first fields are what a deployment tunes (cmd/gateway fills
// them from flags and the environment); the last ones are wired by Open
// (or a test) through UseVoice.
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
	// StopWords: nil means the built-in list (callback.DefaultStopWords).
	StopWords []callback.StopWord
	// ExtraStopWords are added to StopWords, for every language
	// (GATEWAY_STOP_WORDS, comma-separated).
	ExtraStopWords []string

	// Caller places calls (Twilio); nil: no calls can be made.
	Caller channels.Caller
	// Redactor erases message copies at the provider (Twilio, or the dev
	// sink); nil: erase-content erases only our copies.
	Redactor ContentRedactor
}

// ContentRedactor asks a provider to erase its copy of a message body.
// channels.Twilio and channels.Sink implement it.
type ContentRedactor interface {
	RedactMessage(ctx context.Context, sid string) error
}

func newCallbacks(s *Server) *callback.Service {
	v := s.cfg.Voice
	cb := callback.New(callback.Deps{
		DB: s.db, Keys: s.keys, Log: s.log, Participants: s.participants, Twilio: s.twilio(),
		// The server's clock, read at each call: a test may replace it
		// after New.
		Now: func() time.Time { return s.now() },
		// Her replies reach the safety check-in logic before the inbox.
		// Read at each reply: the safety service is built after this one.
		Checkins: callback.CheckinReplyFunc(func(ctx context.Context, q *db.Queries, p db.Participant, body string, now time.Time) (bool, error) {
			return s.safety.HandleCheckinReply(ctx, q, p, body, now)
		}),
		MoveStatus:  message.MoveStatus,
		MessageText: s.messages.MessageText,
	}, callback.Config{
		From: v.From, MaxAttempts: v.MaxAttempts, RetrySpacing: v.RetrySpacing, RingTimeout: v.RingTimeout,
		ReminderTemplates: v.ReminderTemplates, StopWords: v.StopWords, ExtraStopWords: v.ExtraStopWords,
		DefaultRegion: s.cfg.DefaultRegion,
	})
	cb.UseCaller(v.Caller)
	return cb
}

// UseVoice wires the call provider and the provider redactor (Open does it
// once Twilio or the dev sink exists). Call it before serving.
func (s *Server) UseVoice(caller channels.Caller, redactor ContentRedactor) {
	s.cfg.Voice.Caller, s.cfg.Voice.Redactor = caller, redactor
	s.messages.UseRedactor(redactor)
	s.callbacks.UseCaller(caller)
}

// SetCheckinReply replaces the check-in hook for inbound replies (the
// server's check-in logic by default). Call it before serving.
func (s *Server) SetCheckinReply(h callback.CheckinReplies) { s.callbacks.SetCheckinReplies(h) }

// VoiceQueue is the channels.Sender for channel voice: a voice message
// becomes a call-back task or a reminder call (gateway/callback).
func (s *Server) VoiceQueue() channels.Sender { return s.callbacks.Sender() }

// Callbacks is the callback capability.
func (s *Server) Callbacks() *callback.Service { return s.callbacks }
