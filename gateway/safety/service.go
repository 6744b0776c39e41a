// Package safety is what keeps her safe between contacts: the registry of
// neutral meeting points, appointments and their reminders, check-in
// plans and her replies to them, and the escalation ladder with its SMS
// alerts to staff phones. It stores messages through Messages and opens
// call-back tasks through Callback, both given by the service that builds
// it; it never sends to her itself.
package safety

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"safecontact/consent"
	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/participant"
	"safecontact/gateway/runner"
	"safecontact/keys"
	"safecontact/templates"
)

// Templated is one templated message to store for her: now (queued) or at
// SendAt (scheduled), by the channel and variant of Decision.
type Templated struct {
	Participant db.Participant
	Decision    consent.Decision
	Template    string
	Params      map[string]string
	// AtForms are the meeting points' at forms by parameter and language
	// (templates.RenderRequest.AtForms).
	AtForms map[string]map[string]string
	SendAt  time.Time
	// Priority 1 is the safety lane.
	Priority int16
	// Details are added to the message.accepted audit event.
	Details map[string]any
}

// Messages is the part of the send pipeline safety uses.
type Messages interface {
	// StoreTemplated renders and stores m with its first event, its
	// outbox row if due now and its audit event, in q's transaction. It
	// returns the message id and its status (queued or scheduled).
	StoreTemplated(ctx context.Context, q *db.Queries, a *auth.Actor, m Templated, now time.Time) (uuid.UUID, string, error)
	// SealContent is a rendered text sealed as message bodies are stored.
	SealContent(r templates.Rendered) []byte
}

// CallbackFunc queues a call-back task for her, in q's transaction,
// idempotent per sourceKey, and returns the task's id.
type CallbackFunc func(ctx context.Context, q *db.Queries, a *auth.Actor, p db.Participant, urgent bool, sourceKey string, now time.Time) (int64, error)

// Deps are what the safety service uses. JS, Kick and MeetingPointAdded
// may be nil.
type Deps struct {
	DB           *sql.DB
	Keys         *keys.Ring
	Catalog      *templates.Catalog
	Participants *participant.Service
	Messages     Messages
	Callback     CallbackFunc
	// JS publishes escalation events; nil leaves them pending.
	JS  jetstream.JetStream
	Now func() time.Time // UTC
	Log *slog.Logger
	// Kick wakes the outbox relay after a commit that queued messages.
	Kick func()
	// MeetingPointAdded is called after a meeting point is registered
	// (its name becomes a known name to the discreet filter).
	MeetingPointAdded func()
}

// Config is the safety part of the service configuration (its defaults
// are set with the rest, in gateway.Config).
type Config struct {
	// SessionSpacing: individual sessions at one venue are at least this
	// far apart.
	SessionSpacing time.Duration
	// EscalationAckTimeout: an escalation nobody acknowledged within this
	// climbs one rung.
	EscalationAckTimeout time.Duration
	// OnCallUser is alerted first (""; her caseworker).
	OnCallUser string
	// EmergencyProtocol is shown with every escalation.
	EmergencyProtocol string
	// ConsentReviewAge is the consent fold's review age (participant's).
	ConsentReviewAge time.Duration
	// Batch bounds the rows one scheduler step claims per transaction.
	Batch int
	// SendClaimLease: a message marked sending longer ago is no longer in
	// a worker's hands (delivery.ClaimLease of the workers' SendTimeout;
	// default 30 s, that of the default 10 s): a meet_proposal claimed by
	// a worker that stopped does not block its meeting point's rename.
	SendClaimLease time.Duration
}

// Service is the safety capability.
type Service struct {
	db           *sql.DB
	q            *db.Queries
	keys         *keys.Ring
	catalog      *templates.Catalog
	filter       *templates.Filter
	participants *participant.Service
	msgs         Messages
	callback     CallbackFunc
	js           jetstream.JetStream
	now          func() time.Time
	log          *slog.Logger
	kick         func()
	mpAdded      func()
	cfg          Config
}

// New makes the safety service.
func New(d Deps, cfg Config) *Service {
	s := &Service{db: d.DB, q: db.New(d.DB), keys: d.Keys, catalog: d.Catalog, filter: d.Catalog.Filter(), participants: d.Participants,
		msgs: d.Messages, callback: d.Callback, js: d.JS, now: d.Now, log: d.Log, kick: d.Kick, mpAdded: d.MeetingPointAdded, cfg: cfg}
	if s.kick == nil {
		s.kick = func() {}
	}
	if s.mpAdded == nil {
		s.mpAdded = func() {}
	}
	if s.cfg.SendClaimLease <= 0 {
		s.cfg.SendClaimLease = 30 * time.Second
	}
	return s
}

// Routes mounts meeting points, appointments, check-in plans and
// escalations (staff; who may act on her is the access rule's).
func (s *Service) Routes(staff *gin.RouterGroup) {
	h := handlers{s}
	staff.POST("/meeting-points", h.createMeetingPoint)
	staff.GET("/meeting-points", h.listMeetingPoints)
	staff.PATCH("/meeting-points/:id", h.patchMeetingPoint)
	staff.POST("/appointments", h.createAppointment)
	staff.GET("/appointments", h.listAppointments)
	staff.PATCH("/appointments/:id", h.patchAppointment)
	staff.DELETE("/appointments/:id", h.cancelAppointment)
	staff.POST("/participants/:code/checkin-plan", h.putCheckinPlan)
	staff.GET("/participants/:code/checkin-plan", h.getCheckinPlan)
	staff.DELETE("/participants/:code/checkin-plan", h.deleteCheckinPlan)
	staff.GET("/escalations", h.listEscalations)
	staff.GET("/escalations/:id", h.getEscalation)
	staff.POST("/escalations/:id/ack", h.ackEscalation)
	staff.POST("/escalations/:id/resolve", h.resolveEscalation)
}

// Steps are the scheduler's safety work, in the order a tick runs it:
// send due check-ins, nudge or escalate the unanswered ones, climb the
// ladder, publish escalation events.
func (s *Service) Steps() []runner.Step {
	return []runner.Step{
		{Name: "start_checkins", Run: checkins{s}.startDueCheckins},
		{Name: "checkin_deadlines", Run: checkins{s}.checkinDeadlines},
		{Name: "escalate", Run: escalations{s}.escalateDue},
		{Name: "escalation_events", Run: escalations{s}.publishEscalationEvents},
	}
}
