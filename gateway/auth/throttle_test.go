package auth

import (
	"fmt"
	"testing"
	"time"
)

// IPv6 clients are throttled per /64 (one host can rotate through its
// whole /64); IPv4-mapped addresses count as IPv4.
func TestThrottleKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2001:db8:1:2:aaaa:bbbb:cccc:dddd": "2001:db8:1:2::/64", "::ffff:192.0.2.7": "192.0.2.7",
		"192.0.2.7": "192.0.2.7", "fe80::1%eth0": "fe80::/64", "garbage": "garbage",
	} {
		if got := throttleKey(in); got != want {
			t.Errorf("throttleKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// The throttle's memory is bounded, least recently failed
// first out, without sweeping the map under the lock.
func TestThrottleIsBoundedLRU(t *testing.T) {
	t.Parallel()
	th := newAuthThrottle()
	th.max = 1000
	now := time.Now()
	for range authBurst {
		th.failed("10.9.9.9", now) // spent
	}
	for i := range 5000 {
		th.failed(fmt.Sprintf("10.0.%d.%d", i>>8, i&255), now)
		if i%100 == 0 {
			th.failed("10.9.9.9", now) // recently used: kept
		}
	}
	if len(th.m) != 1000 || th.lru.Len() != 1000 {
		t.Fatalf("%d keys", len(th.m))
	}
	if !th.tripped("10.9.9.9", now) {
		t.Error("a recently failing key was evicted")
	}
	if _, ok := th.m["10.0.0.1"]; ok {
		t.Error("the oldest key was kept")
	}
}
