package message

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Each caller gets its own result; concurrent callers share batches; an
// error of the batch reaches every caller in it.
func TestBatcherResultsAndSharing(t *testing.T) {
	var calls, biggest atomic.Int64
	release := make(chan struct{})
	b := newBatcher(16, 0, func(ctx context.Context, xs []int) ([]int, error) {
		calls.Add(1)
		if int64(len(xs)) > biggest.Load() {
			biggest.Store(int64(len(xs)))
		}
		<-release // hold the first batch so the others queue up
		out := make([]int, len(xs))
		for i, x := range xs {
			if x < 0 {
				return nil, errors.New("negative")
			}
			out[i] = x * 10
		}
		return out, nil
	})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	b.start(ctx, 1)

	const n = 40
	got := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = b.do(context.Background(), i)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i] != i*10 {
			t.Fatalf("caller %d got %d, %v", i, got[i], errs[i])
		}
	}
	if calls.Load() >= n || biggest.Load() < 2 {
		t.Fatalf("%d batches for %d callers, biggest %d: nothing was shared", calls.Load(), n, biggest.Load())
	}
	if _, err := b.do(context.Background(), -1); err == nil || err.Error() != "negative" {
		t.Fatalf("batch error not passed on: %v", err)
	}
}

// With linger, items that arrive within it share the batch.
func TestBatcherLinger(t *testing.T) {
	var sizes []int
	var mu sync.Mutex
	b := newBatcher(64, 200*time.Millisecond, func(ctx context.Context, xs []int) ([]struct{}, error) {
		mu.Lock()
		sizes = append(sizes, len(xs))
		mu.Unlock()
		return make([]struct{}, len(xs)), nil
	})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	b.start(ctx, 1)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 10 * time.Millisecond) // one by one
			b.do(context.Background(), i)
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 1 || sizes[0] != 5 {
		t.Fatalf("batch sizes %v, want one batch of 5", sizes)
	}
}

// After shutdown nobody waits forever: what was queued and what comes
// later gets errBatcherStopped.
func TestBatcherStopAnswersEveryone(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	b := newBatcher(1, 0, func(ctx context.Context, xs []int) ([]int, error) {
		once.Do(func() { close(started) })
		time.Sleep(100 * time.Millisecond) // in flight while we stop
		return xs, nil
	})
	ctx, stop := context.WithCancel(context.Background())
	b.start(ctx, 1)
	first := make(chan error, 1)
	go func() { _, err := b.do(context.Background(), 1); first <- err }()
	<-started
	queued := make(chan error, 1)
	go func() { _, err := b.do(context.Background(), 2); queued <- err }()
	time.Sleep(20 * time.Millisecond)
	stop()
	for name, ch := range map[string]chan error{"in flight": first} {
		select {
		case err := <-ch:
			if err != nil {
				t.Fatalf("%s: %v (the batch in flight finishes)", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no answer", name)
		}
	}
	select {
	case err := <-queued:
		if err != nil && !errors.Is(err, errBatcherStopped) {
			t.Fatalf("queued: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("queued: no answer")
	}
	<-b.exited
	done := make(chan error, 1)
	go func() { _, err := b.do(context.Background(), 3); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, errBatcherStopped) {
			t.Fatalf("after stop: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("after stop: no answer")
	}
}
