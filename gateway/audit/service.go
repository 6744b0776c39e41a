package audit

import (
	"database/sql"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"safecontact/db"
	"safecontact/keys"
)

// Deps are what the audit service uses: the database, the clock, the log
// and the metrics registry.
type Deps struct {
	DB  *sql.DB
	Now func() time.Time // UTC
	Log *slog.Logger
	Reg prometheus.Registerer // nil: the sequencer's counter is not registered
}

// Config is the audit part of the service configuration (its defaults are
// set with the rest, in gateway.Config).
type Config struct {
	// SealInterval: how often the sequencer seals new events.
	SealInterval time.Duration
	// CheckpointInterval: how often the sequencer records a verified head.
	CheckpointInterval time.Duration
	// PublicKey seals the text actually sent (SealSent); nil: not kept.
	PublicKey *keys.AuditPublicKey
}

// Service is the audit log: the supervisor routes, the sequencer and the
// sealing of sent content. Append itself needs no service: it runs in the
// caller's transaction.
type Service struct {
	db  *sql.DB
	q   *db.Queries
	now func() time.Time
	log *slog.Logger
	reg prometheus.Registerer
	cfg Config
}

// New makes the audit service.
func New(d Deps, cfg Config) *Service {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{db: d.DB, q: db.New(d.DB), now: d.Now, log: d.Log, reg: d.Reg, cfg: cfg}
}
