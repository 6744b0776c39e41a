// Package gateway is the service: the HTTP API, authentication and roles,
// the send pipeline that composes consent, templates and channels, the
// outbox relay, the scheduler and the audit log.
package gateway

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/callback"
	"safecontact/gateway/delivery"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
	"safecontact/gateway/participant"
	"safecontact/gateway/referrals"
	"safecontact/gateway/safety"
	"safecontact/keys"
	"safecontact/templates"
)

// Deps are what the service is built from. Open (app.go) makes them from a
// Config; tests make them directly.
type Deps struct {
	DB     *sql.DB
	Keys   *keys.Ring
	NC     *nats.Conn
	JS     jetstream.JetStream
	Log    *slog.Logger
	Now    func() time.Time // injectable clock; UTC
	Config Config
	// Catalog renders templates and carries the discreet-content filter;
	// nil means the built-in catalogue and lexicon.
	Catalog *templates.Catalog
	// Sink is set on a test instance only: then GET /v1/dev/sink exists.
	Sink *channels.Sink
}

// Server is the gateway service.
type Server struct {
	db           *sql.DB
	q            *db.Queries
	keys         *keys.Ring
	nc           *nats.Conn
	js           jetstream.JetStream
	log          *slog.Logger
	now          func() time.Time
	cfg          Config
	reg          *prometheus.Registry
	metrics      *metrics
	router       *gin.Engine
	audit        *audit.Service
	participants *participant.Service
	catalog      *templates.Catalog
	filter       *templates.Filter
	// delivery: outbox relay, channel workers, reconciliation.
	delivery *delivery.Service
	sink     *channels.Sink // test instance only
	// messages: accept, preview, status callbacks, erase, retention.
	messages *message.Service
	// tokens authenticates the /v1 routes (and throttles failures).
	tokens *auth.Tokens
	users  *auth.Users
	stop   context.CancelFunc
	// console serves every path the API does not (console_mount.go);
	// set by NewConsole before serving. nil: none mounted.
	console http.Handler
	signin  *signin.Service
	// referrals: the partner directory and referrals between organisations.
	referrals *referrals.Service
	// callbacks: call-backs, reminder calls, inbound messages and the inbox.
	callbacks *callback.Service
	// safety: meeting points, appointments, check-ins, escalations.
	safety *safety.Service
}

// Close stops the server's own background work (not the relay, workers or
// scheduler, which their runner owns).
func (s *Server) Close() { s.stop() }

func init() { gin.SetMode(gin.ReleaseMode) }

// New builds the service and its routes.
func New(d Deps) *Server {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	d.Config.setDefaults()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{
		db: d.DB, q: db.New(d.DB), keys: d.Keys, nc: d.NC, js: d.JS,
		log: d.Log, now: d.Now, cfg: d.Config, reg: reg, metrics: newMetrics(reg), sink: d.Sink,
	}
	s.audit = audit.New(audit.Deps{DB: d.DB, Now: d.Now, Log: d.Log, Reg: reg}, audit.Config{
		SealInterval: d.Config.AuditSealInterval, CheckpointInterval: d.Config.AuditCheckpointInterval, PublicKey: d.Config.AuditPublicKey})
	s.participants = participant.New(participant.Deps{DB: d.DB, Keys: d.Keys, Now: d.Now, Log: d.Log}, participant.Config{
		DefaultRegion: d.Config.DefaultRegion, ConsentReviewAge: d.Config.ConsentReviewAge, Supervisors: d.Config.Supervisors,
		RiskEvaluationMaxAge: d.Config.RiskEvaluationMaxAge,
		RevealBurst:          d.Config.RevealBurst, RevealBurstWindow: d.Config.RevealBurstWindow, RevealDailyBudget: d.Config.RevealDailyBudget,
		NumberRefusalBurst: d.Config.NumberRefusalBurst, NumberRefusalDailyBudget: d.Config.NumberRefusalDailyBudget})
	if d.Catalog == nil {
		// Open builds it (and refuses a bad configuration); here only the
		// built-in one, tested at build time, or a test's configuration.
		cat, err := DiscreetCatalog(d.Config.Discreet)
		if err != nil {
			panic(err)
		}
		d.Catalog = cat
	}
	s.catalog, s.filter = d.Catalog, d.Catalog.Filter()
	s.delivery = newDelivery(s)
	reg.MustRegister(newOutboxCollector(s))
	s.tokens = auth.NewTokens(s.q, s.metrics.authFailures, d.Config.Tokens)
	s.users = auth.NewUsers(auth.UsersDeps{DB: d.DB, Audit: recordAudit, SigninAudit: SigninAudit, Tokens: s.tokens})
	s.messages = newMessages(s, d)
	s.stop = s.messages.Close
	s.referrals = newReferrals(s, d)
	s.callbacks = newCallbacks(s)
	s.safety = newSafety(s, d)
	s.router = s.routes()
	return s
}

// kickRelay wakes the outbox relay after a commit.
func (s *Server) kickRelay() { s.delivery.Kick() }

// Handler is the HTTP handler of the whole service.
func (s *Server) Handler() http.Handler { return s.router }

// Registry exposes the Prometheus registry (for workers to add collectors).
func (s *Server) Registry() *prometheus.Registry { return s.reg }

func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// "/v1/participants/" is a JSON 404 like any unknown route, not a
	// redirect gin writes without the /v1 headers.
	r.RedirectTrailingSlash = false
	// Handlers pass c.Request.Context() down, never c itself: gin pools its
	// contexts, and database/sql goroutines can outlive the handler.
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		s.log.Warn("trusted proxies", "err", err)
	}
	r.Use(httpx.RequestID, httpx.AccessLog(s.log, s.metrics.observe), httpx.Recovery(s.log))
	r.NoRoute(s.noRoute)
	r.NoMethod(httpx.NoMethod)

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)

	hooks := r.Group("/webhooks")

	// The API's own description is public (see serveOpenAPI).
	r.GET("/v1/openapi.json", serveOpenAPI)
	// The route groups: every role check is here, none in a handler.
	v1 := r.Group("/v1", s.apiDeadline, httpx.APIHeaders, httpx.LimitBody(1<<20), s.tokens.Authenticate)
	staff := v1.Group("", auth.Require(auth.RoleStaff))
	sup := v1.Group("", auth.Require(auth.RoleSupervisor))
	admin := v1.Group("", auth.Require(auth.RoleAdmin))

	// Each capability mounts its routes on the groups it is given,
	// bottom-up.
	s.users.Routes(admin, staff)
	s.audit.Routes(sup)
	s.participants.Routes(staff, sup)
	s.messages.Routes(staff, hooks)
	// The referral inbox has no user token: a package's signature is its
	// authentication (gateway/referrals).
	public := r.Group("/v1", httpx.APIHeaders, httpx.LimitBody(1<<20))
	s.referrals.Routes(admin, staff, public)
	s.callbacks.Routes(staff, hooks)

	s.safety.Routes(staff)

	return r
}

// runners are the background work of a serve process, each run until its
// context ends: the outbox relay and the send workers (gateway/delivery),
// the scheduler (reconciliation with the provider runs beside its tick,
// scheduler.go) and the audit sequencer (each on the leader only,
// runner.Leader) and the staff alerter.
func (s *Server) runners(senders map[string]channels.Sender, worker WorkerConfig, sc *Scheduler) []func(context.Context) {
	return []func(context.Context){
		s.delivery.Relay().Run,
		s.delivery.NewWorker(senders, worker).Run,
		sc.Run,
		s.audit.NewSequencer().Run,
		s.safety.NewStaffAlerter(senders["sms"]).Run,
	}
}
