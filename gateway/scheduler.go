package gateway

import (
	"context"
	"log/slog"
	"time"

	"safecontact/db"
	"safecontact/gateway/runner"
)

// leaderLockKey is the Postgres advisory lock the scheduler leader holds.
// One serve process at a time runs the scheduler; the others wait for the
// lock and take over when its session ends.
const leaderLockKey = 0x5afec0de

// schedulerBatch bounds the rows one scheduler step claims per
// transaction.
const schedulerBatch = 1000

// Scheduler moves due work from Postgres into the outbox: the runner's
// scheduler, with the steps of this service. Reconciliation runs beside
// the tick under the same lock.
type Scheduler struct {
	*runner.Scheduler
	s     *Server
	batch int
	log   *slog.Logger
}

// NewScheduler makes the scheduler.
func (s *Server) NewScheduler() *Scheduler {
	sc := &Scheduler{s: s, batch: schedulerBatch, log: s.log}
	// Each capability's steps, in the order a tick runs them.
	steps := []runner.Step{{Name: "release_due", Run: sc.releaseDueSetBased}}
	steps = append(steps, s.participants.Steps()...)
	steps = append(steps, s.safety.Steps()...)
	steps = append(steps, s.messages.Steps()...)
	sc.Scheduler = &runner.Scheduler{
		Leader: runner.Leader{DB: s.db, Key: leaderLockKey, Name: "scheduler", Log: s.log},
		Every:  time.Second,
		Now:    s.now,
		Moved:  s.kickRelay,
		Steps:  steps,
		// Referral deliveries post to partners' servers, which may be
		// slow: beside the tick, not in it.
		Beside: []func(context.Context){s.delivery.ReconcileLoop, s.referrals.DeliveryLoop},
	}
	return sc
}

// releaseDueSetBased queues the due scheduled messages (reminders among
// them) with their outbox rows and events, in one statement per batch
// (measured in docs/benchmarks.md: 2 round trips per message made a
// 1,000-message tick miss its 200 ms budget).
func (sc *Scheduler) releaseDueSetBased(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		n, err := sc.s.q.ReleaseDueMessagesSetBased(ctx, db.ReleaseDueMessagesSetBasedParams{Now: now, MaxRows: int32(sc.batch)})
		total += int(n)
		if err != nil || int(n) < sc.batch {
			return total, err
		}
	}
}
