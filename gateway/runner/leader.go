// Package runner runs the gateway's leader-only background work: one
// leader elector (Leader, a PostgreSQL advisory lock held by one session)
// and a Scheduler that ticks the Steps the capability packages give it.
//
// Invariants, and why:
//   - One holder per lock key across every serve process: the lock is a
//     session-level pg_try_advisory_lock on a connection taken out of the
//     pool for as long as the process leads. When that session ends (the
//     process dies, the connection breaks, the database restarts) the
//     lock is gone with it, and another process takes it on its next try
//     (Leader.Retry): failover within seconds, with no lease to expire.
//   - A leader stops leading as soon as its session is gone: Lead pings
//     the lock's connection before each tick, so a leader whose session
//     broke does not go on working beside the new one.
//   - Work that runs beside the tick under the same lock (Scheduler.Beside)
//     is stopped, and waited for, before the lock is given up.
//
// It depends on db and httpx only (for the log's error redaction); the
// packages give it work, it does not know them.
package runner

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"safecontact/gateway/httpx"
)

// Leader elects one leader per Key among every process sharing the database.
type Leader struct {
	DB  *sql.DB
	Key int64
	// Name names the work in the log ("scheduler", "audit sequencer").
	Name string
	// Retry is how often a follower tries for the lock.
	Retry time.Duration
	Log   *slog.Logger
}

// errorPause: how long Run waits after leading failed (no connection, a
// broken session) before it tries again.
const errorPause = 2 * time.Second

// Run waits for leadership and calls lead with the lock held, on the
// lock's own connection, until ctx ends. When lead returns an error the
// lock is released and Run tries again.
func (l Leader) Run(ctx context.Context, lead func(ctx context.Context, conn *sql.Conn) error) {
	log := l.log()
	for ctx.Err() == nil {
		if err := l.lead(ctx, lead); err != nil && ctx.Err() == nil {
			log.Warn(l.Name, "err", httpx.RedactErr(err))
			Sleep(ctx, errorPause)
		}
	}
}

func (l Leader) log() *slog.Logger {
	if l.Log == nil {
		return slog.Default()
	}
	return l.Log
}

func (l Leader) lead(ctx context.Context, lead func(ctx context.Context, conn *sql.Conn) error) error {
	conn, err := l.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for {
		var got bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", l.Key).Scan(&got); err != nil {
			return err
		}
		if got {
			break
		}
		Sleep(ctx, l.Retry)
		if ctx.Err() != nil {
			return nil
		}
	}
	l.log().Info(l.Name + ": leader")
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", l.Key)
	return lead(ctx, conn)
}

// Tick calls fn every interval on the leader until ctx ends. Before each
// call it checks that the lock's session is still up (returning its error
// ends leadership); fn's own errors are logged and the ticks go on.
func (l Leader) Tick(ctx context.Context, conn *sql.Conn, every time.Duration, fn func(ctx context.Context) error) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		// The lock lives as long as this session: check it is still up.
		if err := conn.PingContext(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			l.log().Warn(l.Name+": tick", "err", httpx.RedactErr(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
