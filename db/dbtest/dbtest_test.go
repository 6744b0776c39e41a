package dbtest

import (
	"context"
	"sync"
	"testing"
)

// TestNewCapsPool: a test's pool opens no more than its cap, and a burst
// beyond it waits for a connection instead of opening more.
func TestNewCapsPool(t *testing.T) {
	t.Setenv("TEST_DATABASE_MAX_CONNS", "")
	pool, _ := New(t)
	if got := pool.Stats().MaxOpenConnections; got != MaxConns {
		t.Fatalf("pool cap %d, want %d", got, MaxConns)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4*MaxConns)
	for range 4 * MaxConns {
		wg.Go(func() {
			_, err := pool.ExecContext(ctx, "SELECT pg_sleep(0.05)")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := pool.Stats(); st.OpenConnections > MaxConns || st.WaitCount == 0 {
		t.Fatalf("%d connections open, %d waits; want at most %d and some waits", st.OpenConnections, st.WaitCount, MaxConns)
	}
}

// TestNewCapOverride: TEST_DATABASE_MAX_CONNS sets the cap.
func TestNewCapOverride(t *testing.T) {
	t.Setenv("TEST_DATABASE_MAX_CONNS", "3")
	pool, _ := New(t)
	if got := pool.Stats().MaxOpenConnections; got != 3 {
		t.Fatalf("pool cap %d, want 3", got)
	}
}
