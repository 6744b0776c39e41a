package auth

import (
	"container/list"
	"context"
	"net/netip"
	"sync"
	"time"

	"safecontact/db"
)

// Throttling failed authentication (Tokens.Authenticate, tokens.go).
//
// Invariants, and why:
//
//   - Only failures spend. Each source key has a bucket of authBurst
//     failures, refilled at one per authRefill; an empty bucket turns the
//     401 into 429 too_many_attempts. A request whose token is valid is
//     never refused by the throttle, whatever its address: behind a proxy
//     (or a carrier NAT) many staff share one address, and one person's bad
//     guesses must not lock them all out.
//   - Guessing stays cheap for us: once a key's bucket is empty, a token is
//     looked up in the database only if tokenIndex (the hashes of every
//     active user's token, in memory) knows it. The index reloads at most
//     once a second, on a miss from such a key, so a flood of guesses costs
//     at most one small query a second, whatever the number of addresses.
//   - The key is the client address gin reports (X-Forwarded-For only
//     from --trusted-proxies), an IPv6 address cut to its /64: one host
//     usually owns a whole /64 and can rotate through it at will.
//   - Memory is bounded: at most authMaxKeys buckets, the least recently
//     used evicted first, each step O(1) under the lock (no sweeps). An
//     evicted key starts again with a full bucket; an attacker who cycles
//     through more than authMaxKeys keys gets authBurst guesses per key per
//     cycle, each refused from the index.
type authThrottle struct {
	mu     sync.Mutex
	max    int
	burst  float64                  // failures a key may spend at once
	refill time.Duration            // one failure back per refill
	m      map[string]*list.Element // of *authBucket
	lru    *list.List               // front: most recently failed
}

type authBucket struct {
	key    string
	tokens float64
	at     time.Time
}

const (
	authBurst   = 10
	authRefill  = 6 * time.Second // 10 a minute
	authMaxKeys = 100_000
)

func newAuthThrottle() *authThrottle {
	return newThrottle(authBurst, authRefill)
}

func newThrottle(burst int, refill time.Duration) *authThrottle {
	return &authThrottle{max: authMaxKeys, burst: float64(burst), refill: refill, m: map[string]*list.Element{}, lru: list.New()}
}

func (t *authThrottle) refillBucket(b *authBucket, now time.Time) {
	b.tokens = min(t.burst, b.tokens+now.Sub(b.at).Seconds()/t.refill.Seconds())
	b.at = now
}

// tripped reports whether key has spent its failures.
func (t *authThrottle) tripped(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	if !ok {
		return false
	}
	b := e.Value.(*authBucket)
	t.refillBucket(b, now)
	return b.tokens < 1
}

// failed records a failure of key and returns how long it must wait
// before its next failure is answered 401 again: 0 while it had failures
// left (this one is a 401), else the wait (a 429).
func (t *authThrottle) failed(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b *authBucket
	if e, ok := t.m[key]; ok {
		t.lru.MoveToFront(e)
		b = e.Value.(*authBucket)
		t.refillBucket(b, now)
	} else {
		if t.lru.Len() >= t.max {
			old := t.lru.Back()
			t.lru.Remove(old)
			delete(t.m, old.Value.(*authBucket).key)
		}
		b = &authBucket{key: key, tokens: t.burst, at: now}
		t.m[key] = t.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(t.refill))
}

// Throttle is the same throttle for another route without user
// authentication (the referral inbox): per source key (ThrottleKey), only
// failures spend, burst failures at once and one back per refill,
// memory bounded as above. What counts as a failure, and what a tripped
// key is answered, are the route's.
type Throttle struct{ t *authThrottle }

// NewThrottle makes a Throttle.
func NewThrottle(burst int, refill time.Duration) *Throttle {
	return &Throttle{t: newThrottle(burst, refill)}
}

// Wait is how long the client at ip must wait before a request of its
// may fail again: 0 while it has failures left.
func (th *Throttle) Wait(ip string, now time.Time) time.Duration {
	t := th.t
	key := throttleKey(ip)
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	if !ok {
		return 0
	}
	b := e.Value.(*authBucket)
	t.refillBucket(b, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(t.refill))
}

// Failed records a failure of the client at ip.
func (th *Throttle) Failed(ip string, now time.Time) {
	th.t.failed(throttleKey(ip), now)
}

// throttleKey is the throttle's key for a client address: the address,
// or its /64 for IPv6 (IPv4-mapped addresses count as IPv4).
func throttleKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// tokenIndex is the set of token hashes of active users, so a token from a
// tripped address is refused without a database lookup unless it may be
// real. It only says "maybe": the lookup that follows checks the user
// (disabled, expired) as for any request.
type tokenIndex struct {
	every time.Duration // the shortest time between two reloads
	mu    sync.Mutex
	set   map[string]struct{}
	at    time.Time
}

func newTokenIndex() *tokenIndex { return &tokenIndex{every: time.Second} }

// has reports whether hash may be an active token: it is in the index,
// reloading it first if the last load is older than every. A token made
// less than every ago, used from a tripped address, may be refused once.
func (ix *tokenIndex) has(ctx context.Context, q *db.Queries, hash []byte) (bool, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if _, ok := ix.set[string(hash)]; ok {
		return true, nil
	}
	if time.Since(ix.at) < ix.every {
		return false, nil
	}
	hashes, err := q.ActiveTokenHashes(ctx)
	if err != nil {
		return false, err
	}
	ix.set = make(map[string]struct{}, len(hashes))
	for _, h := range hashes {
		ix.set[string(h)] = struct{}{}
	}
	ix.at = time.Now()
	_, ok := ix.set[string(hash)]
	return ok, nil
}

// stale makes the next miss reload the index (a token was made or changed
// through this process).
func (ix *tokenIndex) stale() {
	ix.mu.Lock()
	ix.at = time.Time{}
	ix.mu.Unlock()
}
