// Package delivery is the send side of the message pipeline: the outbox
// relay (committed outbox rows to JetStream), the channel workers (claim,
// re-decide, send, record), the receipt spill (accepted sends whose record
// waits for the database) and reconciliation with the provider (messages
// whose outcome we do not know). The accept side, the status rules and
// the status callbacks live elsewhere; what this package needs of them
// comes through Deps.
package delivery

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/message"
	"safecontact/keys"
)

// Content is a stored message's text as the phone will show it, opened
// from messages.content_enc.
type Content = message.Content

// Deps are what the delivery side is built from.
type Deps struct {
	DB   *sql.DB
	JS   jetstream.JetStream // nil: no relay (an API-only instance)
	Keys *keys.Ring
	Log  *slog.Logger
	// Now is the service clock, read at each use.
	Now func() time.Time
	// Reg takes the workers' and reconciliation's metrics.
	Reg *prometheus.Registry

	// OpenContent opens a message's sealed content (messages.content_enc).
	OpenContent func(sealed []byte) (Content, error)
	// SealSent seals the text actually sent for its message.sent audit
	// event.
	SealSent func(messageID, text string) []byte
	// PromisesCall: does this template promise her a call (its
	// "promises: call at {when}" header)? The worker drops such a message
	// when it has no promised time to decide (a row written before that
	// time was kept, or by an older process). Nil: the catalogue is not
	// known, and a template message is taken to promise one (fail closed).
	PromisesCall func(templateID string) bool
}

// Config is what the delivery side needs of the service configuration.
// The workers' and reconciliation's own settings are given to NewWorker
// and SetProviderLookup.
type Config struct {
	// ConsentReviewAge: the consent fold's review age, as on the accept
	// side, so the worker's re-decision matches the accept decision.
	ConsentReviewAge time.Duration
}

// Service is the delivery side of one serve process.
type Service struct {
	d     Deps
	db    *sql.DB
	q     *db.Queries
	js    jetstream.JetStream
	keys  *keys.Ring
	log   *slog.Logger
	now   func() time.Time
	reg   *prometheus.Registry
	cfg   Config
	relay *Relay
	// providers: the workers' circuit breakers, for readiness and for
	// reconciliation (a failing provider is not asked).
	providers providerHealth
	// providerLookup asks the provider about messages for reconciliation
	// (nil: off).
	providerLookup ProviderLookup
	reconcileCfg   ReconcileConfig
	// reconcileUnproven counts messages the provider's answers could not place, by reason.
	reconcileUnproven *prometheus.CounterVec
	reconcileListed   prometheus.Counter
	reconciler        *reconciler
}

// New builds the delivery side. The relay exists only with JetStream.
func New(d Deps, cfg Config) *Service {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Reg == nil {
		d.Reg = prometheus.NewRegistry()
	}
	s := &Service{d: d, db: d.DB, q: db.New(d.DB), js: d.JS, keys: d.Keys, log: d.Log, now: d.Now, reg: d.Reg, cfg: cfg}
	if d.JS != nil {
		s.relay = NewRelay(d.DB, d.JS, d.Log)
	}
	s.reconciler = &reconciler{s: s, log: d.Log}
	return s
}

// Relay is the outbox relay; nil without JetStream.
func (s *Service) Relay() *Relay { return s.relay }

// Kick wakes the outbox relay after a commit.
func (s *Service) Kick() {
	if s.relay != nil {
		s.relay.Kick()
	}
}

// ReconcileLoop runs reconciliation passes until ctx ends. It belongs
// beside the scheduler's tick on the leader (see reconcile.go).
func (s *Service) ReconcileLoop(ctx context.Context) { s.reconciler.reconcileLoop(ctx) }

// Reconcile runs one reconciliation pass at now and returns how many
// messages changed.
func (s *Service) Reconcile(ctx context.Context, now time.Time) (int, error) {
	return s.reconciler.reconcile(ctx, now)
}

// ProviderStates is each channel's provider as this process's workers see
// it: "ok", or "failing" while its circuit breaker is open.
func (s *Service) ProviderStates() map[string]string { return s.providers.states() }

// SetBreaker registers a channel's circuit breaker (NewWorker does, for
// each channel it sends on).
func (s *Service) SetBreaker(ch string, b *channels.Breaker) { s.providers.set(ch, b) }

// providerHealth is filled in by the workers of this process: each
// channel's breaker (open = the provider is failing and is being probed).
type providerHealth struct {
	mu       sync.Mutex
	breakers map[string]*channels.Breaker
}

func (p *providerHealth) set(ch string, b *channels.Breaker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.breakers == nil {
		p.breakers = map[string]*channels.Breaker{}
	}
	p.breakers[ch] = b
}

// failing: the channel's breaker is open in this process.
func (p *providerHealth) failing(ch string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.breakers[ch]
	return b != nil && b.Open()
}

func (p *providerHealth) states() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]string{}
	for ch, b := range p.breakers {
		out[ch] = "ok"
		if b.Open() {
			out[ch] = "failing"
		}
	}
	return out
}

// register registers c, or returns the collector already registered under
// its name (a second worker over the same registry shares the metrics).
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
