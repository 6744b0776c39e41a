// Package callback is how she and the staff reach each other by voice and
// how her messages come in: the call-back queue and its masked calls
// (staff phone first, then hers, both from the organisation's number),
// automated reminder calls, the staff member's own phone, inbound
// messages (stop words, "call me", replies) and the inbox they fill.
//
// A reply to a pending safety check-in belongs to the capability above
// this one: it reaches it through the CheckinReplies hook in Deps.
package callback

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
	"safecontact/keys"
)

// CheckinReplies is the safety check-in hook: given every inbound message
// of a known participant that is not a stop word, it says whether the
// message was a reply to a pending check-in (then it is not put in the
// inbox). It runs in q's transaction, the one the inbound row is written
// in. body is decrypted: never log it.
type CheckinReplies interface {
	HandleCheckinReply(ctx context.Context, q *db.Queries, p db.Participant, body string, now time.Time) (handled bool, err error)
}

// CheckinReplyFunc is a function as a CheckinReplies hook.
type CheckinReplyFunc func(ctx context.Context, q *db.Queries, p db.Participant, body string, now time.Time) (bool, error)

// HandleCheckinReply calls f.
func (f CheckinReplyFunc) HandleCheckinReply(ctx context.Context, q *db.Queries, p db.Participant, body string, now time.Time) (bool, error) {
	return f(ctx, q, p, body, now)
}

// Deps are what the callback service uses. Checkins may be nil (no reply
// is then a check-in reply); the rest are required.
type Deps struct {
	DB   *sql.DB
	Keys *keys.Ring
	Now  func() time.Time // UTC
	Log  *slog.Logger
	// Participants decides whether she may be called now, and revokes a
	// channel's consent on a stop word.
	Participants *participant.Service
	// Twilio checks the webhooks; its PublicURL is also where the calls
	// this service places send theirs.
	Twilio   httpx.Twilio
	Checkins CheckinReplies
	// MoveStatus moves a message forward to status with its event, in q's
	// transaction; moved=false when it already has an equal or later
	// status. The voice message of a call-back gets the task's end.
	MoveStatus func(ctx context.Context, q *db.Queries, id uuid.UUID, status, code string, now time.Time) (moved bool, err error)
	// MessageText opens the text of a message (what a reminder call
	// says); "" if it was erased.
	MessageText func(m db.Message) (string, error)
}

// Config is the callback part of the service configuration (its defaults
// are set with the rest, in gateway.Config).
type Config struct {
	// From is the organisation's neutral voice number (E.164): the caller
	// id both she and the staff member see. Calls are refused
	// (voice_not_configured) without it.
	From string
	// MaxAttempts: times her phone is rung for one call-back before it is
	// closed as no_answer.
	MaxAttempts int
	// RetrySpacing: a re-queued call-back waits at least this long, then
	// for her next safe window.
	RetrySpacing time.Duration
	// RingTimeout: how long her phone (and the staff phone) rings.
	RingTimeout time.Duration
	// ReminderTemplates: voice messages made from these templates are
	// automated reminder calls instead of call-back tasks.
	ReminderTemplates []string
	// StopWords: nil means the built-in list (DefaultStopWords);
	// ExtraStopWords are added to it, for every language.
	StopWords      []StopWord
	ExtraStopWords []string
	// DefaultRegion (ISO 3166 alpha-2) reads a staff phone typed without +.
	DefaultRegion string
}

// Service is the callback capability.
type Service struct {
	db           *sql.DB
	q            *db.Queries
	keys         *keys.Ring
	now          func() time.Time
	log          *slog.Logger
	participants *participant.Service
	twilio       httpx.Twilio
	checkins     CheckinReplies
	moveStatus   func(ctx context.Context, q *db.Queries, id uuid.UUID, status, code string, now time.Time) (bool, error)
	messageText  func(m db.Message) (string, error)
	cfg          Config
	stops        *stopMatcher
	// caller places calls (Twilio); nil: no calls can be made.
	caller channels.Caller
}

// New makes the callback service.
func New(d Deps, cfg Config) *Service {
	words := cfg.StopWords
	if words == nil {
		words = DefaultStopWords
	}
	for _, w := range cfg.ExtraStopWords {
		words = append(words[:len(words):len(words)], StopWord{Word: w})
	}
	return &Service{db: d.DB, q: db.New(d.DB), keys: d.Keys, now: d.Now, log: d.Log, participants: d.Participants,
		twilio: d.Twilio, checkins: d.Checkins, moveStatus: d.MoveStatus, messageText: d.MessageText,
		cfg: cfg, stops: newStopMatcher(words)}
}

// UseCaller wires the call provider (Open does it once Twilio or the dev
// sink exists). Call it before serving.
func (s *Service) UseCaller(c channels.Caller) { s.caller = c }

// SetCheckinReplies replaces the check-in hook. Call it before serving.
func (s *Service) SetCheckinReplies(h CheckinReplies) { s.checkins = h }
