// Package participant is the women the programme supports, as the gateway
// knows them: the profile (a code and initials, her number sealed), the
// consent ledger and the contact decision over it, contactability, the
// contact log and the audited phone reveal. The access rule (access.go)
// says who may act on her; every capability above asks it through For or
// Authorize.
package participant

import (
	"database/sql"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/keys"
)

// Deps are what the participant service uses; all are required.
type Deps struct {
	DB   *sql.DB
	Keys *keys.Ring
	Now  func() time.Time // UTC
	Log  *slog.Logger
}

// Config is the participant part of the service configuration (its
// defaults are set with the rest, in gateway.Config).
type Config struct {
	// DefaultRegion (ISO 3166 alpha-2) reads phone numbers typed without +.
	DefaultRegion string
	// ConsentReviewAge: consent older than this shows consent_review_due.
	ConsentReviewAge time.Duration
	// RiskEvaluationMaxAge: a followed risk evaluation older than this
	// shows risk_evaluation_due.
	RiskEvaluationMaxAge time.Duration
	// Supervisors names the users staff notices go to (none: every active
	// supervisor).
	Supervisors []string
	// RevealBurst reveals within RevealBurstWindow notify the supervisors;
	// RevealDailyBudget is each user's daily limit (0: reveals disabled).
	RevealBurst       int
	RevealBurstWindow time.Duration
	RevealDailyBudget *int
	// NumberRefusalBurst and NumberRefusalDailyBudget bound how often a
	// user may be told a number is already registered.
	NumberRefusalBurst       int
	NumberRefusalDailyBudget int
}

// Service is the participant capability.
type Service struct {
	db   *sql.DB
	q    *db.Queries
	keys *keys.Ring
	now  func() time.Time
	log  *slog.Logger
	cfg  Config
}

// New makes the participant service.
func New(d Deps, cfg Config) *Service {
	return &Service{db: d.DB, q: db.New(d.DB), keys: d.Keys, now: d.Now, log: d.Log, cfg: cfg}
}

// handlers are the participant routes' gin handlers: each reads the
// request, calls the Service method of the same name and writes its answer.
type handlers struct{ s *Service }

// Routes mounts the participant routes: her profile, consent ledger and
// contactability and the phone reveal for staff; her contact log for
// supervisors.
func (s *Service) Routes(staff, sup *gin.RouterGroup) {
	h := handlers{s}
	staff.POST("/participants", h.createParticipant)
	staff.GET("/participants", h.listParticipants)
	staff.GET("/participants/:code", h.getParticipant)
	staff.PATCH("/participants/:code", h.patchParticipant)
	staff.POST("/participants/:code/consents", h.grantConsent)
	staff.GET("/participants/:code/consents", h.getConsents)
	staff.DELETE("/participants/:code/consents/:channel", h.revokeConsent)
	staff.GET("/participants/:code/contactability", h.contactability)
	staff.POST("/participants/:code/reveal-phone", h.revealPhone)
	sup.GET("/participants/:code/contact-log", h.contactLog)
}

// Now is the service's clock (UTC): what its decisions call now, for a
// page that draws her week around the same instant.
func (s *Service) Now() time.Time { return s.now() }
