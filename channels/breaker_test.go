package channels

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestBreakerOpensProbesAndCloses: threshold failures open it; while open
// only one waiter at a time is let through, as a probe, after the
// interval; a successful probe closes it and wakes every waiter at once.
func TestBreakerOpensProbesAndCloses(t *testing.T) {
	var changes []bool
	b := NewBreaker(BreakerConfig{Threshold: 3, ProbeEvery: 50 * time.Millisecond, OnChange: func(open bool) { changes = append(changes, open) }})
	ctx := context.Background()
	for range 2 {
		b.Failure()
	}
	if b.Open() {
		t.Fatal("open before the threshold")
	}
	b.Success() // an answer resets the count
	for range 2 {
		b.Failure()
	}
	if b.Open() {
		t.Fatal("count not reset by a success")
	}
	b.Failure()
	if !b.Open() {
		t.Fatal("not open after 3 failures in a row")
	}
	// Three waiters: one becomes the probe, the others keep waiting.
	var probes, passed atomic.Int32
	done := make(chan struct{}, 3)
	for range 3 {
		go func() {
			probe, err := b.Wait(ctx, 10*time.Millisecond, nil)
			if err == nil {
				passed.Add(1)
				if probe {
					probes.Add(1)
				}
			}
			done <- struct{}{}
		}()
	}
	<-done
	time.Sleep(30 * time.Millisecond)
	if probes.Load() != 1 || passed.Load() != 1 {
		t.Fatalf("probes %d passed %d, want one probe alone", probes.Load(), passed.Load())
	}
	b.Failure() // the probe failed: open for another interval
	time.Sleep(20 * time.Millisecond)
	if passed.Load() != 1 {
		t.Fatal("a waiter passed right after a failed probe")
	}
	<-done // the next probe
	b.Success()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("a successful probe did not wake the last waiter")
	}
	if b.Open() || probes.Load() != 2 || passed.Load() != 3 {
		t.Fatalf("after recovery: open %v probes %d passed %d", b.Open(), probes.Load(), passed.Load())
	}
	if len(changes) != 2 || !changes[0] || changes[1] {
		t.Fatalf("changes %v, want [open closed]", changes)
	}
	// A nil breaker never holds anything back.
	var nb *Breaker
	if probe, err := nb.Wait(ctx, time.Millisecond, nil); probe || err != nil || nb.Open() {
		t.Fatal("nil breaker")
	}
}
