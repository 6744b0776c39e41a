package channels

// Breaker is one channel's circuit breaker. Invariants:
//   - Closed: every send goes. Threshold consecutive failures that say the
//     provider is down (5xx, 429, no answer) open it; a refusal of one
//     message (4xx) says the provider is up and resets the count.
//   - Open: no batch is handed to the handler (Wait blocks; the consumer
//     keeps its queue entries alive meanwhile), so a down provider is not
//     hammered and no message spends an attempt on it.
//   - Every ProbeEvery one waiter is let through alone with a single
//     message (half-open). Its success closes the breaker and wakes every
//     waiter at once: sending resumes as soon as the provider answers, not
//     when some backoff runs out. Its failure opens it for another interval.
// Transitions are reported to OnChange (log line and metric).

import (
	"context"
	"sync"
	"time"
)

// BreakerConfig tunes a Breaker.
type BreakerConfig struct {
	// Threshold: consecutive provider-down failures that open it (default 5).
	Threshold int
	// ProbeEvery: the wait between probes while open (default 1 s).
	ProbeEvery time.Duration
	// OnChange is called (outside the lock) when it opens or closes.
	OnChange func(open bool)
}

// Breaker states.
const (
	breakerClosed = iota
	breakerOpen
	breakerProbing
)

// Breaker is safe for concurrent use. A nil *Breaker is always closed.
type Breaker struct {
	cfg      BreakerConfig
	mu       sync.Mutex
	state    int
	failures int
	since    time.Time     // when it opened, or when the probe started
	wake     chan struct{} // closed and replaced on every state change
}

// NewBreaker makes a closed breaker.
func NewBreaker(cfg BreakerConfig) *Breaker {
	if cfg.Threshold <= 0 {
		cfg.Threshold = 5
	}
	if cfg.ProbeEvery <= 0 {
		cfg.ProbeEvery = time.Second
	}
	return &Breaker{cfg: cfg, wake: make(chan struct{})}
}

// Open reports whether sends are held back now.
func (b *Breaker) Open() bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state != breakerClosed
}

func (b *Breaker) setLocked(state int) (changed func()) {
	was := b.state
	b.state = state
	b.since = time.Now()
	close(b.wake)
	b.wake = make(chan struct{})
	if (was == breakerClosed) != (state == breakerClosed) && b.cfg.OnChange != nil {
		open := state != breakerClosed
		return func() { b.cfg.OnChange(open) }
	}
	return func() {}
}

// Wait returns when the caller may send: at once when closed; while open,
// when this caller is the probe (probe true: send one message only and
// report its outcome, then call ProbeDone) or when the breaker closed.
// beat is called about every tick while it waits (to keep queue entries
// alive). It fails only when ctx ends.
func (b *Breaker) Wait(ctx context.Context, tick time.Duration, beat func()) (probe bool, err error) {
	if b == nil {
		return false, nil
	}
	for {
		b.mu.Lock()
		switch {
		case b.state == breakerClosed:
			b.mu.Unlock()
			return false, nil
		case b.state == breakerOpen && time.Since(b.since) >= b.cfg.ProbeEvery,
			// A probe that never reported (its message needed no send)
			// does not hold the breaker forever.
			b.state == breakerProbing && time.Since(b.since) >= b.cfg.ProbeEvery+tick:
			done := b.setLocked(breakerProbing)
			b.mu.Unlock()
			done()
			return true, nil
		}
		wake := b.wake
		left := b.cfg.ProbeEvery - time.Since(b.since)
		b.mu.Unlock()
		step := tick
		if left > 0 && left < step {
			step = left
		}
		if step <= 0 {
			step = 10 * time.Millisecond
		}
		t := time.NewTimer(step)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-wake:
			t.Stop()
		case <-t.C:
			if beat != nil {
				beat()
			}
		}
	}
}

// Success records a send the provider took (or refused for the message's
// own reason: it answered). It closes the breaker.
func (b *Breaker) Success() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.failures = 0
	done := func() {}
	if b.state != breakerClosed {
		done = b.setLocked(breakerClosed)
	}
	b.mu.Unlock()
	done()
}

// Failure records a send that found the provider down. A failed probe
// opens the breaker for another interval.
func (b *Breaker) Failure() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.failures++
	done := func() {}
	if b.state == breakerProbing || (b.state == breakerClosed && b.failures >= b.cfg.Threshold) {
		done = b.setLocked(breakerOpen)
	}
	b.mu.Unlock()
	done()
}

// ProbeDone ends a probe that reported nothing (its message was dropped or
// rescheduled without a send): the next waiter probes at once.
func (b *Breaker) ProbeDone() {
	if b == nil {
		return
	}
	b.mu.Lock()
	done := func() {}
	if b.state == breakerProbing {
		done = b.setLocked(breakerOpen)
		b.since = time.Now().Add(-b.cfg.ProbeEvery)
	}
	b.mu.Unlock()
	done()
}
