package gateway

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"safecontact/db"
	"safecontact/gateway/httpx"
)

// leaderLockKey is the Postgres advisory lock the scheduler leader holds.
// One serve process at a time runs the scheduler; the others wait for the
// lock and take over when its session ends.
const leaderLockKey = 0x5afec0de

// Scheduler moves due work from Postgres into the outbox. Due work is
// found through partial indexes on due time, so a tick costs what is due,
// not the table size.
type Scheduler struct {
	s     *Server
	tick  time.Duration
	batch int
	log   *slog.Logger
	// extra tick steps (reminders, check-ins) register here.
	steps []func(ctx context.Context, now time.Time) (int, error)
}

// NewScheduler makes the scheduler.
func (s *Server) NewScheduler() *Scheduler {
	sc := &Scheduler{s: s, tick: time.Second, batch: 1000, log: s.log}
	sc.steps = append(sc.steps, sc.releaseDueSetBased, sc.expireConsents,
		sc.startDueCheckins, sc.checkinDeadlines, sc.escalateDue, sc.publishEscalationEvents)
	return sc
}

// Run waits for leadership, then ticks until ctx ends or the lock is lost.
func (sc *Scheduler) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if err := sc.lead(ctx); err != nil && ctx.Err() == nil {
			sc.log.Warn("scheduler", "err", err)
			sleep(ctx, 2*time.Second)
		}
	}
}

func (sc *Scheduler) lead(ctx context.Context) error {
	conn, err := sc.s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for {
		var got bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", leaderLockKey).Scan(&got); err != nil {
			return err
		}
		if got {
			break
		}
		sleep(ctx, 2*sc.tick)
		if ctx.Err() != nil {
			return nil
		}
	}
	sc.log.Info("scheduler: leader")
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", leaderLockKey)
	// Reconciliation runs beside the tick, under the same lock: it stops
	// (and is waited for) before the lock is given up.
	rctx, stopReconcile := context.WithCancel(ctx)
	var reconciling sync.WaitGroup
	reconciling.Go(func() { sc.reconcileLoop(rctx) })
	defer reconciling.Wait()
	defer stopReconcile()
	t := time.NewTicker(sc.tick)
	defer t.Stop()
	for {
		// The lock lives as long as this session: check it is still up.
		if err := conn.PingContext(ctx); err != nil {
			return err
		}
		if _, err := sc.Tick(ctx); err != nil {
			sc.log.Warn("scheduler: tick", "err", httpx.RedactErr(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick runs every step once and returns how much work it moved.
func (sc *Scheduler) Tick(ctx context.Context) (int, error) {
	now := sc.s.now()
	total := 0
	for _, step := range sc.steps {
		n, err := step(ctx, now)
		total += n
		if err != nil {
			return total, err
		}
	}
	if total > 0 {
		sc.s.kickRelay()
	}
	return total, nil
}

// expireConsents records an "expired" event (and its audit event) for each
// grant whose expiry has passed. The decision never waits for this: a
// grant is expired at its ExpiresAt whether or not the event exists.
func (sc *Scheduler) expireConsents(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := db.InTx(ctx, sc.s.db, func(q *db.Queries, _ *sql.Tx) error {
		due, err := q.DueConsentExpiries(ctx, db.DueConsentExpiriesParams{Now: now, MaxRows: int32(sc.batch)})
		if err != nil {
			return err
		}
		sys := SystemActor("scheduler")
		for _, g := range due {
			ev, err := q.AppendConsentEvent(ctx, db.AppendConsentEventParams{
				ParticipantID: g.ParticipantID, Channel: g.Channel, Kind: "expired", At: g.ExpiresAt.Time,
				Actor: sys.Name, Source: "expiry", Reason: "expiry date reached",
			})
			if err != nil {
				return err
			}
			if _, err := Append(ctx, q, sys, AuditEvent{Action: "consent.expired", ParticipantCode: g.ParticipantCode, Details: map[string]any{
				"channel": g.Channel, "consent_event": ev.ID, "grant_event": g.ID,
			}}); err != nil {
				return err
			}
		}
		n = len(due)
		return nil
	})
	return n, err
}
