package runner

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Step is one part of a scheduler tick: it moves what is due at now and
// returns how much work it moved for the relay (0 for housekeeping).
type Step struct {
	Name string
	Run  func(ctx context.Context, now time.Time) (int, error)
}

// Scheduler runs its Steps every tick on the leader. Due work is found
// through partial indexes on due time, so a tick costs what is due, not
// the table size.
type Scheduler struct {
	Leader Leader
	// Every is the tick; a follower tries for the lock every 2*Every
	// unless Leader.Retry says otherwise.
	Every time.Duration
	Now   func() time.Time
	Steps []Step
	// Moved is called after a tick that moved work (it wakes the relay).
	Moved func()
	// Beside run beside the tick while this process leads, under the same
	// lock; each is cancelled, and waited for, before the lock is given up.
	Beside []func(ctx context.Context)
}

// Add adds steps to every tick, after the ones already there.
func (s *Scheduler) Add(steps ...Step) { s.Steps = append(s.Steps, steps...) }

// Run waits for leadership, then ticks until ctx ends or the lock is lost,
// and waits for leadership again.
func (s *Scheduler) Run(ctx context.Context) {
	l := s.Leader
	if l.Retry == 0 {
		l.Retry = 2 * s.Every
	}
	l.Run(ctx, func(ctx context.Context, conn *sql.Conn) error {
		bctx, stop := context.WithCancel(ctx)
		var beside sync.WaitGroup
		for _, fn := range s.Beside {
			beside.Go(func() { fn(bctx) })
		}
		defer beside.Wait()
		defer stop()
		return l.Tick(ctx, conn, s.Every, func(ctx context.Context) error {
			_, err := s.Tick(ctx)
			return err
		})
	})
}

// Tick runs every step once and returns how much work it moved. The first
// step to fail ends the tick; the next tick starts from the first step.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	now := s.Now()
	total := 0
	for _, step := range s.Steps {
		n, err := step.Run(ctx, now)
		total += n
		if err != nil {
			return total, err
		}
	}
	if total > 0 && s.Moved != nil {
		s.Moved()
	}
	return total, nil
}
