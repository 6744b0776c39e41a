package signin

import (
	"net"
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

func TestThrottleKeys(t *testing.T) {
	t.Parallel()
	ring := keys.NewTestRing()
	u1, a1 := throttleKeys(ring, "Ana.G", net.ParseIP("2001:db8:1:2:aaaa::1"))
	u2, a2 := throttleKeys(ring, " ana.g ", net.ParseIP("2001:db8:1:2:bbbb::7"))
	if u1 != u2 {
		t.Error("a name's key depends on case or spaces")
	}
	if a1 != a2 || a1 != "addr:2001:db8:1:2::/64" {
		t.Errorf("IPv6 addresses of one /64: %q %q", a1, a2)
	}
	if strings.Contains(strings.ToLower(u1), "ana") {
		t.Errorf("the typed name is readable in the key %q", u1)
	}
	if _, a := throttleKeys(ring, "x", net.ParseIP("192.0.2.7")); a != "addr:192.0.2.7" {
		t.Errorf("IPv4 key %q", a)
	}
	if _, a := throttleKeys(ring, "x", net.ParseIP("::ffff:192.0.2.7")); a != "addr:192.0.2.7" {
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
