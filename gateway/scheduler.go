package gateway

import (
	"context"
	"log/slog"
	"time"

	"safecontact/gateway/runner"
)

// leaderLockKey is the Postgres advisory lock the scheduler leader holds.
// One serve process at a time runs the scheduler; the others wait for the
// lock and take over when its session ends.
const leaderLockKey = 0x5afec0de

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
	sc := &Scheduler{s: s, batch: 1000, log: s.log}
	// Each capability's steps, in the order a tick runs them.
	steps := []runner.Step{{Name: "release_due", Run: sc.releaseDueSetBased}}
	steps = append(steps, s.participants.Steps()...)
	steps = append(steps,
		runner.Step{Name: "start_checkins", Run: sc.startDueCheckins},
		runner.Step{Name: "checkin_deadlines", Run: sc.checkinDeadlines},
		runner.Step{Name: "escalate", Run: sc.escalateDue},
		runner.Step{Name: "escalation_events", Run: sc.publishEscalationEvents},
		s.purgeBodiesStep(),
	)
	sc.Scheduler = &runner.Scheduler{
		Leader: runner.Leader{DB: s.db, Key: leaderLockKey, Name: "scheduler", Log: s.log},
		Every:  time.Second,
		Now:    s.now,
		Moved:  s.kickRelay,
		Steps:  steps,
		// Referral deliveries post to partners' servers, which may be
		// slow: beside the tick, not in it.
		Beside: []func(context.Context){sc.reconcileLoop, s.referrals.DeliveryLoop},
	}
	return sc
}
