package gateway

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"safecontact/channels"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/message"
	"safecontact/keys"
)

// What the gateway's own black-box tests (package gateway_test) reach
// beyond the exported API: nothing here is part of the service's surface.

var (
	PruneSignin        = pruneSignin
	CheckListen        = checkListen
	NewCertHolder      = newCertHolder
	OnHUP              = onHUP
	TLSConfig          = tlsConfig
	Bearer             = bearer
	OpenAPIJSON        = openAPIJSON
	LongAPIRoutes      = longAPIRoutes
	LeaderLockKey      = int64(leaderLockKey)
	PruneEvery         = pruneEvery
	InboxRefusalBurst  = inboxRefusalBurst
	InboxRefusalRefill = inboxRefusalRefill
)

func (h *certHolder) Reload() error { return h.reload() }

func (s *Server) Config() Config             { return s.cfg }
func (s *Server) Tokens() *auth.Tokens       { return s.tokens }
func (s *Server) Router() *gin.Engine        { return s.router }
func (s *Server) Now() time.Time             { return s.now() }
func (s *Server) Messages() *message.Service { return s.messages }
func (s *Server) Log() *slog.Logger          { return s.log }
func (s *Server) DB() *sql.DB                { return s.db }
func (s *Server) NC() *nats.Conn             { return s.nc }
func (s *Server) Audit() *audit.Service      { return s.audit }

// Redecided is the counter of accepts decided again on fresh data.
func (s *Server) Redecided() prometheus.Counter { return s.metrics.redecided }

// SetAuditPublicKey rebuilds the audit service with pub as the key that
// seals the sent text.
func (s *Server) SetAuditPublicKey(pub *keys.AuditPublicKey) {
	s.cfg.AuditPublicKey = pub
	s.audit = audit.New(audit.Deps{DB: s.db, Now: s.now, Log: s.log}, audit.Config{
		SealInterval: s.cfg.AuditSealInterval, CheckpointInterval: s.cfg.AuditCheckpointInterval, PublicKey: pub})
}

// UseSink rebuilds the message service with sink (which mounts its
// route) and the routes with it.
func (s *Server) UseSink(sink *channels.Sink) {
	s.sink = sink
	s.messages.Close()
	s.messages = newMessages(s, Deps{DB: s.db, Keys: s.keys, Sink: sink})
	s.stop = s.messages.Close
	s.router = s.routes()
}

func (sc *Scheduler) ReleaseDueSetBased(ctx context.Context, now time.Time) (int, error) {
	return sc.releaseDueSetBased(ctx, now)
}
