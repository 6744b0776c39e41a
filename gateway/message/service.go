package message

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
	"safecontact/gateway/runner"
	"safecontact/keys"
	"safecontact/templates"
)

// Deps are what the message service uses. Kick, Redecided and Sink may be
// nil.
type Deps struct {
	DB   *sql.DB
	Keys *keys.Ring
	// Now is the clock (UTC), read at each call.
	Now          func() time.Time
	Log          *slog.Logger
	Catalog      *templates.Catalog
	Participants *participant.Service
	// Twilio checks the signature of status callbacks.
	Twilio httpx.Twilio
	// Kick wakes the outbox relay after an accepted message commits.
	Kick func()
	// Redecided counts an accept decided again on fresh data (a metric).
	Redecided func()
	// Sink is set on a test instance only: then GET /v1/dev/sink exists.
	Sink *channels.Sink
}

// Config is what a deployment tunes.
type Config struct {
	// ConsentReviewAge: consent older than this shows consent_review_due.
	ConsentReviewAge time.Duration
	// APIDBTimeout bounds one batch of the accept path (requests wait
	// for it).
	APIDBTimeout time.Duration
	// BodyRetention: message bodies are deleted this long after the
	// message became final (PurgeBodies).
	BodyRetention time.Duration
	// FreeText is the free-text policy for a monitored phone
	// (FreeTextRefuse, FreeTextFilter or FreeTextVocabulary; anything
	// else is FreeTextRefuse).
	FreeText string
	// UnknownNames: free text to a monitored phone is scanned for names
	// the filter cannot place.
	UnknownNames bool
}

// Redactor asks a provider to erase its copy of a message body
// (channels.Twilio and channels.Sink implement it).
type Redactor interface {
	RedactMessage(ctx context.Context, sid string) error
}

// Service accepts messages (batched), answers their status callbacks,
// shows them, erases her contents and purges expired bodies.
type Service struct {
	d   Deps
	cfg Config
	q   *db.Queries
	// filter is the catalogue's discreet filter, for free text.
	filter *templates.Filter
	// statuses batches provider status callbacks; lookups and accepts
	// the accept path's reads and writes. They run until Close.
	statuses *batcher[StatusReport, struct{}]
	lookups  *batcher[string, found]
	parts    *partCache
	accepts  *batcher[row, error]
	stop     context.CancelFunc
	// known: registered meeting points, known names for the filter.
	known knownNameCache
	// redactor erases the provider's copies (UseRedactor); nil: none.
	redactor Redactor
}

// batchLanes: batches of one kind in flight at once; while one is at the
// database the next one forms.
const batchLanes = 2

// New builds the service and starts its batchers (stopped by Close).
func New(d Deps, cfg Config) *Service {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Kick == nil {
		d.Kick = func() {}
	}
	if d.Redecided == nil {
		d.Redecided = func() {}
	}
	s := &Service{d: d, cfg: cfg, q: db.New(d.DB), filter: d.Catalog.Filter()}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.parts = newPartCache(30*time.Second, 100_000)
	s.lookups = newBatcher(64, 0, s.lookupBatch)
	s.accepts = newBatcher(64, 0, s.acceptBatch)
	// Requests wait for these two: their batches take the API's bound.
	s.lookups.timeout, s.accepts.timeout = cfg.APIDBTimeout, cfg.APIDBTimeout
	// Callbacks: the provider waits a few milliseconds longer for its 204.
	s.statuses = newBatcher(256, 10*time.Millisecond, s.applyStatuses)
	// With the callbacks spread over several processes, each waits up to
	// 20 ms more for a batch of 8: one commit for 8 callbacks, however
	// many processes share them.
	s.statuses.target, s.statuses.stretch = 8, 20*time.Millisecond
	s.statuses.start(bg, 1)
	s.lookups.start(bg, batchLanes)
	s.accepts.start(bg, batchLanes)
	return s
}

// Close stops the batchers; what waits in them is refused.
func (s *Service) Close() { s.stop() }

// UseRedactor wires the provider redactor erase asks for the provider's
// copies (nil: only ours are erased). Call it before serving.
func (s *Service) UseRedactor(r Redactor) { s.redactor = r }

// Routes mounts the message routes: staff's on staff, the provider's
// status callbacks on hooks.
func (s *Service) Routes(staff, hooks *gin.RouterGroup) {
	h := handlers{s}
	hooks.POST("/twilio/status", h.twilioStatus)
	staff.GET("/participants/:code/messages", h.listParticipantMessages)
	staff.POST("/messages", h.acceptMessage)
	staff.POST("/messages/preview", h.previewMessage)
	staff.GET("/messages/:id", h.getMessage)
	staff.GET("/templates", h.listTemplates)
	// Her own signature name only: the actor is the user it is set on.
	staff.GET("/me/signature-name", h.getSignatureName)
	staff.PUT("/me/signature-name", h.putSignatureName)
	if s.d.Sink != nil {
		// A test instance only: elsewhere the route does not exist.
		staff.GET("/dev/sink", h.devSink)
	}
	staff.POST("/participants/:code/erase-content", h.eraseContent)
}

// Steps is the scheduler work of messages: purging expired bodies.
func (s *Service) Steps() []runner.Step {
	return []runner.Step{purgeBodiesStep(s.d.DB, s.cfg.BodyRetention)}
}
