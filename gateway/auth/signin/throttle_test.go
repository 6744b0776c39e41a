package signin

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"safecontact/keys"
)

func TestThrottleDelay(t *testing.T) {
	t.Parallel()
	rule := Throttle{Free: 3, Base: 5 * time.Second, Max: time.Minute}
	want := []time.Duration{0, 0, 0, 0, 5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	for n, w := range want {
		if got := rule.Delay(n); got != w {
			t.Errorf("failure %d: %v, want %v", n, got, w)
		}
	}
	if DefaultUserThrottle.Delay(1000) != 15*time.Minute || DefaultAddrThrottle.Delay(20) != 0 || DefaultAddrThrottle.Delay(21) != 5*time.Second {
		t.Error("default rules")
	}
}

func TestThrottleDecay(t *testing.T) {
	t.Parallel()
	rule := Throttle{Free: 3, Base: 5 * time.Second, Max: time.Minute, Decay: 10 * time.Minute}
	at := time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		n       int
		after   time.Duration
		want    int
		wantAnc time.Duration // the instant the rest counts from, after at
	}{
		{5, 0, 5, 0},
		{5, 9 * time.Minute, 5, 0},
		{5, 10 * time.Minute, 4, 10 * time.Minute},
		{5, 25 * time.Minute, 3, 20 * time.Minute}, // the part-way period is kept
		{5, 50 * time.Minute, 0, 50 * time.Minute},
		{5, 24 * time.Hour, 0, 24 * time.Hour},
		{0, time.Minute, 0, time.Minute},
	} {
		n, anchor := rule.decayed(c.n, at, at.Add(c.after))
		if n != c.want || !anchor.Equal(at.Add(c.wantAnc)) {
			t.Errorf("%d failures, %v later: %d from %v, want %d from +%v", c.n, c.after, n, anchor, c.want, c.wantAnc)
		}
	}
}

func TestThrottleKeys(t *testing.T) {
	t.Parallel()
	ring := keys.NewTestRing()
	if nameKey(ring, "Ana.G", true) != nameKey(ring, " ana.g ", true) {
		t.Error("a name's key depends on case or spaces")
	}
	if k := nameKey(ring, "Ana.G", true); strings.Contains(strings.ToLower(k), "ana") || len(k) != len("user:")+32 {
		t.Errorf("the typed name is readable in the key %q", k)
	}
	// Names nobody has share 65,536 buckets: the table cannot grow with
	// whatever anyone types.
	buckets := map[string]bool{}
	for i := range 200000 {
		k := nameKey(ring, "nobody"+strconv.Itoa(i), false)
		if !strings.HasPrefix(k, "user:~") || len(k) != len("user:~")+4 {
			t.Fatalf("unknown-name key %q", k)
		}
		buckets[k] = true
	}
	if len(buckets) > unknownNameBuckets {
		t.Errorf("%d buckets", len(buckets))
	}
	a1 := addrKeys(net.ParseIP("2001:db8:1:2:aaaa::1"))
	a2 := addrKeys(net.ParseIP("2001:db8:1:2:bbbb::7"))
	if !slices.Equal(a1, a2) || !slices.Equal(a1, []string{"addr:2001:db8:1:2::/64", "addr:2001:db8:1::/48"}) {
		t.Errorf("IPv6 addresses of one /64: %q %q", a1, a2)
	}
	if a := addrKeys(net.ParseIP("2001:db8:1:ffff::1")); a[1] != a1[1] || a[0] == a1[0] {
		t.Errorf("another /64 of the same /48: %q", a)
	}
	if a := addrKeys(net.ParseIP("192.0.2.7")); !slices.Equal(a, []string{"addr:192.0.2.7"}) {
		t.Errorf("IPv4 key %q", a)
	}
	if a := addrKeys(net.ParseIP("::ffff:192.0.2.7")); !slices.Equal(a, []string{"addr:192.0.2.7"}) {
		t.Errorf("IPv4-mapped key %q", a)
	}
}

func TestNextStage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		after                          Stage
		totp, mustChange, totpRequired bool
		want                           Stage
	}{
		{"", false, false, false, StageSignedIn},
		{"", true, false, false, StageSecondFactor},
		{"", false, true, true, StageChangePassword},
		{"", false, false, true, StageEnrol},
		{"", true, true, true, StageSecondFactor},
		{StageSecondFactor, true, true, true, StageChangePassword},
		{StageSecondFactor, true, false, true, StageSignedIn},
		{StageChangePassword, false, false, true, StageEnrol},
		{StageChangePassword, true, false, true, StageSignedIn},
		{StageEnrol, true, false, true, StageSignedIn},
	} {
		if got := nextStage(c.after, c.totp, c.mustChange, c.totpRequired); got != c.want {
			t.Errorf("%+v: got %s", c, got)
		}
	}
}
