package signin

import (
	"encoding/hex"
	"net"
	"strings"
	"time"

	"safecontact/keys"
)

// Throttle is one growing-delay rule: after Free failures, each further
// failure blocks the key for Base, then twice as long, up to Max. A key
// with no failure for Forget starts again from zero.
//
// A blocked key refuses at once, before any password is hashed: the delay
// is a refusal with a time to wait, never a sleeping request (which would
// let anyone tie up the server's goroutines and memory).
type Throttle struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
}

// Delay is how long the key is blocked after its n-th failure.
func (t Throttle) Delay(n int) time.Duration {
	if n <= t.Free {
		return 0
	}
	d := t.Base
	for i := t.Free + 1; i < n && d < t.Max; i++ {
		d *= 2
	}
	return min(d, t.Max)
}

// DefaultUserThrottle is the rule per user name: three free failures, then
// 5 s, 10 s, 20 s … up to 15 minutes per further failure. Someone
// guessing one name gets a few hundred tries a day; the real user, who
// can be locked out by someone typing her name, waits at most 15 minutes.
var DefaultUserThrottle = Throttle{Free: 3, Base: 5 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}

// DefaultAddrThrottle is the rule per client address: more free failures,
// because a small office signs in from one address, then the same growth.
var DefaultAddrThrottle = Throttle{Free: 20, Base: 5 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}

// throttleKeys are the two keys an attempt counts against. The name is
// stored as a keyed hash: people type passwords into the name field, and
// that text must not sit in a table. An IPv6 address counts by its /64
// (one household or office gets one /64 and can change the rest at will).
func throttleKeys(ring *keys.Ring, name string, ip net.IP) (user, addr string) {
	user = "user:" + hex.EncodeToString(ring.BlindIndex("signin-throttle\x00" + strings.ToLower(strings.TrimSpace(name))))[:32]
	switch {
	case ip == nil:
		addr = "addr:unknown"
	case ip.To4() != nil:
		addr = "addr:" + ip.To4().String()
	default:
		addr = "addr:" + ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return user, addr
}
