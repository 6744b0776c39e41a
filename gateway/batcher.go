package gateway

import (
	"context"
	"time"
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
	fn     func(ctx context.Context, items []T) ([]R, error)
}

type batchItem[T, R any] struct {
	v    T
	done chan batchResult[R]
}

type batchResult[R any] struct {
	r   R
	err error
}

func newBatcher[T, R any](max int, linger time.Duration, fn func(ctx context.Context, items []T) ([]R, error)) *batcher[T, R] {
	return &batcher[T, R]{in: make(chan batchItem[T, R], 4*max), max: max, linger: linger, fn: fn}
}

// do submits v and waits for its result. Once submitted, it waits for the
// batch even if ctx ends: the batch may commit, and the caller must not
// answer "failed" for something that was stored.
func (b *batcher[T, R]) do(ctx context.Context, v T) (R, error) {
	it := batchItem[T, R]{v: v, done: make(chan batchResult[R], 1)}
	select {
	case b.in <- it:
	case <-ctx.Done():
		var zero R
		return zero, ctx.Err()
	}
	res := <-it.done
	return res.r, res.err
}

// run serves batches until ctx ends; start it in lanes goroutines.
func (b *batcher[T, R]) run(ctx context.Context) {
	items := make([]T, 0, b.max)
	waiting := make([]batchItem[T, R], 0, b.max)
	for {
		select {
		case <-ctx.Done():
			return
		case it := <-b.in:
			waiting = append(waiting[:0], it)
		}
		waiting = b.fill(ctx, waiting)
		items = items[:0]
		for _, it := range waiting {
			items = append(items, it.v)
		}
		rs, err := b.fn(ctx, items)
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

// fill adds what is waiting, up to max; with linger, it waits that long
// for more.
func (b *batcher[T, R]) fill(ctx context.Context, waiting []batchItem[T, R]) []batchItem[T, R] {
	var deadline <-chan time.Time
	if b.linger > 0 {
		t := time.NewTimer(b.linger)
		defer t.Stop()
		deadline = t.C
	}
	for len(waiting) < b.max {
		select {
		case it := <-b.in:
			waiting = append(waiting, it)
			continue
		default:
		}
		if deadline == nil {
			return waiting
		}
		select {
		case it := <-b.in:
			waiting = append(waiting, it)
		case <-deadline:
			return waiting
		case <-ctx.Done():
			return waiting
		}
	}
	return waiting
}
