package channels

import (
	"context"
	"testing"
	"time"
)

// TestGatherStretched: a lingering batch short of its target waits up to
// the stretch for more; one that reached it, or one without linger, does
// not wait longer; what has already arrived joins up to max.
func TestGatherStretched(t *testing.T) {
	ctx := context.Background()
	t.Run("waits for the target", func(t *testing.T) {
		in := make(chan int, 16)
		go func() {
			// Items trickle in after the linger has passed.
			for i := range 4 {
				time.Sleep(15 * time.Millisecond)
				in <- i
			}
		}()
		got := GatherStretched(ctx, []int{-1}, in, 32, 5*time.Millisecond, 5, 5*time.Second)
		if len(got) != 5 {
			t.Fatalf("batch of %d, want the target 5", len(got))
		}
	})
	t.Run("stretch bounds the wait", func(t *testing.T) {
		in := make(chan int)
		start := time.Now()
		got := GatherStretched(ctx, []int{-1}, in, 32, 5*time.Millisecond, 8, 30*time.Millisecond)
		if len(got) != 1 || time.Since(start) < 35*time.Millisecond {
			t.Fatalf("batch of %d after %s, want 1 after linger + stretch", len(got), time.Since(start))
		}
	})
	t.Run("target reached: what has arrived joins, no more waiting", func(t *testing.T) {
		in := make(chan int, 64)
		for i := range 20 {
			in <- i
		}
		start := time.Now()
		got := GatherStretched(ctx, []int{-1}, in, 16, time.Hour, 8, time.Hour)
		if len(got) != 16 || time.Since(start) > time.Minute {
			t.Fatalf("batch of %d, want max 16 at once", len(got))
		}
	})
	t.Run("no linger, no stretch", func(t *testing.T) {
		in := make(chan int, 4)
		in <- 1
		got := GatherStretched(ctx, []int{-1}, in, 32, 0, 8, time.Hour)
		if len(got) != 2 {
			t.Fatalf("batch of %d, want what had arrived (2)", len(got))
		}
	})
}
