package gateway

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/runner"
)

// The audit actions this file records.
const (
	ActionConsentExpired = "consent.expired"
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
	sc.Scheduler = &runner.Scheduler{
		Leader: runner.Leader{DB: s.db, Key: leaderLockKey, Name: "scheduler", Log: s.log},
		Every:  time.Second,
		Now:    s.now,
		Moved:  s.kickRelay,
		Steps: []runner.Step{
			{Name: "release_due", Run: sc.releaseDueSetBased},
			{Name: "expire_consents", Run: sc.expireConsents},
			{Name: "start_checkins", Run: sc.startDueCheckins},
			{Name: "checkin_deadlines", Run: sc.checkinDeadlines},
			{Name: "escalate", Run: sc.escalateDue},
			{Name: "escalation_events", Run: sc.publishEscalationEvents},
			s.purgeBodiesStep(),
		},
		Beside: []func(context.Context){sc.reconcileLoop},
	}
	return sc
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
		sys := auth.SystemActor("scheduler")
		for _, g := range due {
			ev, err := q.AppendConsentEvent(ctx, db.AppendConsentEventParams{
				ParticipantID: g.ParticipantID, Channel: g.Channel, Kind: "expired", At: g.ExpiresAt.Time,
				Actor: sys.Name, Source: "expiry", Reason: "expiry date reached",
			})
			if err != nil {
				return err
			}
			if _, err := audit.Append(ctx, q, sys, audit.Event{Action: ActionConsentExpired, ParticipantCode: g.ParticipantCode, Details: map[string]any{
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
