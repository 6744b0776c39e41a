package runner

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"safecontact/db/dbtest"
)

// Two processes on one key: never two leaders at once while their
// sessions live; when the leader's session is killed, the other takes
// over within seconds, and the old one stops at its next tick.
func TestLeaderOneAtATimeAndFailover(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var leading, most atomic.Int32
	pids := make(chan int, 2)
	var wg sync.WaitGroup
	for range 2 {
		l := Leader{DB: pool, Key: 42, Name: "test", Retry: 20 * time.Millisecond}
		wg.Go(func() {
			l.Run(ctx, func(ctx context.Context, conn *sql.Conn) error {
				n := leading.Add(1)
				defer leading.Add(-1)
				if n > most.Load() {
					most.Store(n)
				}
				var pid int
				if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
					return err
				}
				pids <- pid
				return l.Tick(ctx, conn, 10*time.Millisecond, func(context.Context) error { return nil })
			})
		})
	}
	var first int
	select {
	case first = <-pids:
	case <-time.After(5 * time.Second):
		t.Fatal("nobody leads")
	}
	time.Sleep(200 * time.Millisecond)
	if most.Load() != 1 {
		t.Fatalf("%d leaders at once", most.Load())
	}
	if _, err := pool.Exec("SELECT pg_terminate_backend($1)", first); err != nil {
		t.Fatal(err)
	}
	select {
	case second := <-pids:
		if second == first {
			t.Fatal("the killed session leads again")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no failover within 5 s")
	}
	// The killed leader finds its session gone at its next tick (10 ms).
	for deadline := time.Now().Add(time.Second); leading.Load() != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d leading a second after the failover", leading.Load())
		}
	}
	cancel()
	wg.Wait()
}

// A tick's steps run in order with the clock's time; work moved wakes
// Moved once; the first failing step ends the tick.
func TestSchedulerTick(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var order []string
	var moved int
	step := func(name string, n int, err error) Step {
		return Step{Name: name, Run: func(_ context.Context, now time.Time) (int, error) {
			if !now.Equal(at) {
				t.Errorf("%s ran at %s", name, now)
			}
			order = append(order, name)
			return n, err
		}}
	}
	s := &Scheduler{Now: func() time.Time { return at }, Moved: func() { moved++ }}
	s.Add(step("a", 2, nil), step("b", 0, nil))
	if n, err := s.Tick(context.Background()); n != 2 || err != nil || moved != 1 {
		t.Fatalf("tick: %d %v, moved %d", n, err, moved)
	}
	s.Add(step("c", 1, context.Canceled), step("d", 1, nil))
	order = nil
	if _, err := s.Tick(context.Background()); err != context.Canceled || len(order) != 3 {
		t.Fatalf("failing tick: %v, ran %v", err, order)
	}
}
