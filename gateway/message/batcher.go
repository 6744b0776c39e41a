package message

import (
	"context"
	"errors"
	"sync"
	"time"

	"safecontact/channels"
)

// batcher groups concurrent requests into one database round trip. At high
// load PostgreSQL's cost is mostly per statement (parse, plan, executor
// start, network), not per row, so N requests in one statement cost little
// more than one. A request waits only while earlier batches are in flight
// (no timer): alone, it goes at once; under load, up to max go together.
// lanes batches may be in flight at the same time.
//
// With linger > 0 a batch waits that long for more after its first item:
// for work nobody waits on interactively (provider callbacks), bigger
// batches at moderate load leave the CPU to what people wait for.
type batcher[T, R any] struct {
	in     chan batchItem[T, R]
	max    int
	linger time.Duration
	// target, stretch: a lingering batch smaller than target after linger
	// waits up to stretch longer (channels.GatherStretched).
	target  int
	stretch time.Duration
	fn      func(ctx context.Context, items []T) ([]R, error)
	// timeout bounds one batch's database work (batchTimeout unless set
	// before start: the API's batchers take the API's bound).
	timeout time.Duration
	// exited is closed once every lane has stopped and answered what was
	// waiting.
	exited chan struct{}
}

type batchItem[T, R any] struct {
	v    T
	done chan batchResult[R]
}

type batchResult[R any] struct {
	r   R
	err error
}

// batchTimeout bounds one batch's database work: a stalled database fails
// the requests instead of holding them forever.
const batchTimeout = 30 * time.Second

var errBatcherStopped = errors.New("gateway: shutting down")

func newBatcher[T, R any](max int, linger time.Duration, fn func(ctx context.Context, items []T) ([]R, error)) *batcher[T, R] {
	return &batcher[T, R]{in: make(chan batchItem[T, R], 4*max), max: max, linger: linger, fn: fn, timeout: batchTimeout, exited: make(chan struct{})}
}

// start runs lanes batches at a time until ctx ends.
func (b *batcher[T, R]) start(ctx context.Context, lanes int) {
	var wg sync.WaitGroup
	for range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.run(ctx)
		}()
	}
	go func() {
		wg.Wait()
		close(b.exited)
	}()
}

// do submits v and waits for its result. Once submitted, it waits for the
// batch even if ctx ends: the batch may commit, and the caller must not
// answer "failed" for something that was stored.
func (b *batcher[T, R]) do(ctx context.Context, v T) (R, error) {
	it := batchItem[T, R]{v: v, done: make(chan batchResult[R], 1)}
	var zero R
	select {
	case b.in <- it:
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-b.exited:
		return zero, errBatcherStopped
	}
	select {
	case res := <-it.done:
		return res.r, res.err
	case <-b.exited:
		// Every lane has stopped; an item they handled was answered
		// before they did.
		select {
		case res := <-it.done:
			return res.r, res.err
		default:
			return zero, errBatcherStopped
		}
	}
}

// run serves batches until ctx ends, then answers what is still waiting
// with errBatcherStopped.
func (b *batcher[T, R]) run(ctx context.Context) {
	items := make([]T, 0, b.max)
	waiting := make([]batchItem[T, R], 0, b.max)
	for {
		select {
		case <-ctx.Done():
			b.refuseWaiting()
			return
		case it := <-b.in:
			if ctx.Err() != nil {
				it.done <- batchResult[R]{err: errBatcherStopped}
				b.refuseWaiting()
				return
			}
			waiting = append(waiting[:0], it)
		}
		waiting = channels.GatherStretched(ctx, waiting, b.in, b.max, b.linger, b.target, b.stretch)
		items = items[:0]
		for _, it := range waiting {
			items = append(items, it.v)
		}
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.timeout)
		rs, err := b.fn(bctx, items)
		cancel()
		for i, it := range waiting {
			var res batchResult[R]
			if err != nil {
				res.err = err
			} else {
				res.r = rs[i]
			}
			it.done <- res
		}
	}
}

// refuseWaiting answers everything queued with errBatcherStopped.
func (b *batcher[T, R]) refuseWaiting() {
	for {
		select {
		case it := <-b.in:
			it.done <- batchResult[R]{err: errBatcherStopped}
		default:
			return
		}
	}
}
