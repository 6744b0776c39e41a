package signin

import (
	"context"
	"sync"

	"safecontact/errs"
)

// ErrBusy refuses a password check when the hashing queue is full. The
// attempt is not counted: she may simply try again.
var ErrBusy = errs.New(CodeSigninBusy, "the server is busy checking other sign-ins: try again in a few seconds")

// hashQueue bounds password hashing. At most run hashes are computed at
// once (each takes Params.Memory), at most wait more wait for a turn, and
// one client address has at most perClient of those places. A request
// that finds no place is refused at once with ErrBusy, never queued: an
// unbounded queue let one address's burst of sign-ins make everyone
// else's wait for all of it. Sign-in attempts are counted by the
// throttle before they get here, so a burst is mostly refused there, and
// what gets through holds a few places at most.
type hashQueue struct {
	slots     chan struct{}
	mu        sync.Mutex
	held      int // running and waiting
	limit     int
	perClient int
	byClient  map[string]int
	// hook, when set (tests), runs in a slot before each hash.
	hook func(client string)
}

func newHashQueue(run, wait, perClient int) *hashQueue {
	return &hashQueue{slots: make(chan struct{}, run), limit: run + wait, perClient: perClient, byClient: map[string]int{}}
}

// enter takes a place for client ("" = not a sign-in: an administrator
// setting a password, not limited per client).
func (h *hashQueue) enter(client string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.held >= h.limit || (client != "" && h.byClient[client] >= h.perClient) {
		return false
	}
	h.held++
	if client != "" {
		h.byClient[client]++
	}
	return true
}

func (h *hashQueue) leave(client string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.held--
	if client != "" {
		if h.byClient[client]--; h.byClient[client] == 0 {
			delete(h.byClient, client)
		}
	}
}

// do runs f in a hashing slot: ErrBusy when there is no place, the
// context's error if it ends while waiting.
func (h *hashQueue) do(ctx context.Context, client string, f func()) error {
	if !h.enter(client) {
		return ErrBusy
	}
	defer h.leave(client)
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.slots }()
	if h.hook != nil {
		h.hook(client)
	}
	f()
	return nil
}
