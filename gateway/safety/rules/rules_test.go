package rules

import (
	"testing"
	"time"

	"safecontact/consent"
)

func TestLatestSafeAtOrBefore(t *testing.T) {
	madrid, _ := time.LoadLocation("Europe/Madrid")
	w := func(s string) consentWindow { return mustWindow(t, s) }
	cases := []struct {
		windows        []consentWindow
		target, notBef time.Time
		want           time.Time
		ok             bool
	}{
		// Inside with room: as asked.
		{[]consentWindow{w("mon-fri 10:00-12:00")}, time.Date(2026, 6, 3, 8, 30, 0, 0, time.UTC), time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 3, 8, 30, 0, 0, time.UTC), true},
		// Inside but too close to the end: 5 minutes before it closes.
		{[]consentWindow{w("mon-fri 10:00-12:00")}, time.Date(2026, 6, 3, 9, 58, 0, 0, time.UTC), time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 3, 9, 55, 0, 0, time.UTC), true},
		// A window shorter than the margin: its last minute.
		{[]consentWindow{w("wed 10:00-10:03")}, time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC), time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 3, 8, 2, 0, 0, time.UTC), true},
		// Nothing between notBefore and target.
		{[]consentWindow{w("mon-fri 10:00-12:00")}, time.Date(2026, 6, 3, 7, 0, 0, 0, time.UTC), time.Date(2026, 6, 2, 10, 30, 0, 0, time.UTC), time.Time{}, false},
		// Fall-back night (2026-10-25): "sun 02:00-04:00" pauses in the repeated hour.
		{[]consentWindow{w("sun 02:00-04:00")}, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 0, 55, 0, 0, time.UTC), true},
	}
	for i, c := range cases {
		got, ok := LatestSafeAtOrBefore(c.windows, madrid, c.target, c.notBef)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("case %d: got %v %v, want %v %v", i, got, ok, c.want, c.ok)
		}
	}
}

type consentWindow = consent.Window

func mustWindow(t *testing.T, s string) consent.Window {
	t.Helper()
	w, err := consent.ParseWindow(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
