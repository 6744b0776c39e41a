package gateway

// Readiness matches what the API can do. Invariants:
//   - /readyz is 200 while PostgreSQL answers, and only that: every accepted
//     message is written to the database with its outbox row, and the relay
//     publishes it when NATS is back, so a NATS outage (or one node of a
//     NATS cluster down) delays sending but loses nothing, and a load
//     balancer must not turn it into a full outage. Without PostgreSQL
//     nothing can be accepted: 503.
//   - NATS, the providers (each channel's circuit breaker) and the outbox
//     (depth, age of its oldest row) are reported in /readyz?verbose, each
//     checked with a short timeout, and never change the status code.
//   - The outbox depth and oldest age are also metrics, read at scrape
//     time (safecontact_outbox_rows, safecontact_outbox_oldest_seconds):
//     a growing age with NATS down is the alert to page on.
//   - An API request's database work has a deadline (Config.APIDBTimeout,
//     5 s by default; apiDeadline): a query that hangs (a lock held
//     elsewhere, a server that stopped answering without refusing the
//     connection) ends the request with 503 unavailable and Retry-After,
//     like a refused connection, never a 500 and never an open-ended wait.
//     The batches accept requests wait for take the same bound. Background
//     runners (workers, scheduler, reconciliation, status callbacks, the
//     relay) keep their own longer bounds: they retry by themselves, and
//     nobody is waiting on a socket for them.

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"safecontact/channels"
	"safecontact/gateway/httpx"
)

// apiDeadline gives an API request its deadline (see the file comment).
// The database driver cancels a statement when it passes, and db.Unavailable
// takes the deadline for what it is, so fail answers 503. Work that must
// outlive it (a provider call that may have happened, and its record)
// detaches with context.WithoutCancel, as it already does for a client
// that hangs up. The routes of longAPIRoutes get their own bound.
func (s *Server) apiDeadline(c *gin.Context) {
	d := s.cfg.APIDBTimeout
	if long, ok := longAPIRoutes[c.FullPath()]; ok {
		d = max(d, long)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), d)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// longAPIRoutes are the API routes whose work legitimately outlasts
// APIDBTimeout, with their own bound: verify and export walk the whole
// audit log (about 120,000 events a second), erasure asks the provider to
// redact each of her messages. TestLongAPIRoutesExist keeps the keys equal
// to registered routes.
var longAPIRoutes = map[string]time.Duration{
	"/v1/audit/verify":                     10 * time.Minute,
	"/v1/audit/export":                     10 * time.Minute,
	"/v1/participants/:code/erase-content": 2 * time.Minute,
}

// outboxState is the outbox's depth and the age of its oldest row.
func (s *Server) outboxState(ctx context.Context) (rows int64, oldest time.Duration, err error) {
	var age sql.NullFloat64
	err = s.db.QueryRowContext(ctx, `SELECT count(*), extract(epoch FROM now() - min(created_at)) FROM outbox`).Scan(&rows, &age)
	if age.Valid && age.Float64 > 0 {
		oldest = time.Duration(age.Float64 * float64(time.Second))
	}
	return rows, oldest, err
}

// readyz: see the file comment. GET /readyz[?verbose]
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	checks := gin.H{}
	ok := true
	if err := s.db.PingContext(ctx); err != nil {
		checks["postgres"] = "unreachable"
		ok = false
		s.log.WarnContext(ctx, "readyz: postgres", "err", httpx.RedactErr(err))
	} else {
		checks["postgres"] = "ok"
	}
	if _, verbose := c.GetQuery("verbose"); verbose {
		nctx, ncancel := context.WithTimeout(c.Request.Context(), 500*time.Millisecond)
		if err := channels.Healthy(nctx, s.nc, s.js); err != nil {
			checks["nats"] = "unreachable"
		} else {
			checks["nats"] = "ok"
		}
		ncancel()
		checks["providers"] = s.delivery.ProviderStates()
		if ok {
			if n, age, err := s.outboxState(ctx); err == nil {
				checks["outbox"] = gin.H{"rows": n, "oldest_seconds": int64(age.Seconds())}
			}
		}
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
		c.Header("Retry-After", httpx.RetryAfterSeconds)
	}
	c.JSON(status, gin.H{"ready": ok, "checks": checks})
}

// outboxCollector reads the outbox's depth and oldest age at scrape time.
type outboxCollector struct {
	s         *Server
	rows, age *prometheus.Desc
}

func newOutboxCollector(s *Server) *outboxCollector {
	return &outboxCollector{s: s,
		rows: prometheus.NewDesc("safecontact_outbox_rows", "Accepted messages waiting in the outbox for the relay to publish them to NATS.", nil, nil),
		age:  prometheus.NewDesc("safecontact_outbox_oldest_seconds", "Age of the oldest outbox row (0 when empty): grows while NATS is unreachable.", nil, nil),
	}
}

func (o *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- o.rows; ch <- o.age }

func (o *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	n, age, err := o.s.outboxState(ctx)
	if err != nil {
		return // the database is down: /readyz says so; no made-up numbers
	}
	ch <- prometheus.MustNewConstMetric(o.rows, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(o.age, prometheus.GaugeValue, age.Seconds())
}
