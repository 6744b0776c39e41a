package consent

import (
	"strings"
	"testing"
	"time"
)

func TestDecideCall(t *testing.T) {
	t.Parallel()
	madrid := mustLoc(t, "Europe/Madrid")
	// Weekday mornings in Madrid; monMorning is Monday 10:30 there.
	base := Profile{Code: "P-7K3QX", Language: "es", TimeZone: madrid, HasPhone: true, Windows: mustWindows(t, "mon-fri 10:00-12:00")}
	prof := func(mods ...func(*Profile)) Profile {
		p := base
		for _, m := range mods {
			m(&p)
		}
		return p
	}
	noPhone := func(p *Profile) { p.HasPhone = false }
	noTZ := func(p *Profile) { p.TimeZone = nil }
	anyTime := func(p *Profile) { p.Windows, p.AnyTime = nil, true }
	noWindows := func(p *Profile) { p.Windows = nil }
	windows := func(specs ...string) func(*Profile) {
		return func(p *Profile) { p.Windows = mustWindows(t, specs...) }
	}
	voice := granted(Voice)
	now := monMorning
	// Monday 11:00 Madrid (CET, UTC+1): inside her window.
	inWindow := utc("2026-01-12T10:00:00Z")

	type callCase struct {
		name  string
		voice ChannelConsent
		p     Profile
		now   time.Time
		at    time.Time
		want  string // "" = allowed
	}
	cases := []callCase{
		{"allowed", voice, prof(), now, inWindow, ""},
		{"allowed, last minute of the window", voice, prof(), now, utc("2026-01-12T10:59:00Z"), ""},

		// Consent, before anything else.
		{"no voice consent", ChannelConsent{}, prof(), now, inWindow, CodeCallNotConsented},
		{"voice consent revoked", granted(Voice, withState(StateRevoked)), prof(), now, inWindow, CodeCallNotConsented},
		{"voice consent expired", granted(Voice, withState(StateExpired)), prof(), now, inWindow, CodeCallNotConsented},
		{"grant whose expiry has passed", granted(Voice, expiresAt(now.Add(-time.Minute))), prof(), now, inWindow, CodeCallNotConsented},
		{"grant expiring before the call", granted(Voice, expiresAt(inWindow.Add(-time.Minute))), prof(), now, inWindow, CodeCallNotConsented},
		{"grant expiring at the call", granted(Voice, expiresAt(inWindow)), prof(), now, inWindow, CodeCallNotConsented},
		{"grant expiring after the call", granted(Voice, expiresAt(inWindow.Add(time.Minute))), prof(), now, inWindow, ""},
		{"unknown state fails closed", granted(Voice, withState("paused")), prof(), now, inWindow, CodeCallNotConsented},
		{"no consent and past", ChannelConsent{}, prof(), now, now.Add(-time.Hour), CodeCallNotConsented},
		{"no consent and unsafe", ChannelConsent{}, prof(), now, utc("2026-01-12T20:00:00Z"), CodeCallNotConsented},
		{"no phone", voice, prof(noPhone), now, inWindow, CodeNoNumberForChannel},

		// Past.
		{"now", voice, prof(), now, now, CodeCallTimePast},
		{"a second ago", voice, prof(), now, now.Add(-time.Second), CodeCallTimePast},
		{"yesterday, inside a window", voice, prof(), now, utc("2026-01-09T10:00:00Z"), CodeCallTimePast},
		{"a second ahead", voice, prof(), now, now.Add(time.Second), ""},

		// Too far: 30 days is the limit, inclusive. now+30d is Wednesday
		// 11 February, 10:30 in Madrid: inside her window.
		{"exactly 30 days", voice, prof(), now, now.Add(MaxCallAhead), ""},
		{"30 days and a minute", voice, prof(), now, now.Add(MaxCallAhead + time.Minute), CodeCallTimeTooFar},
		{"next year, outside her hours too", voice, prof(), now, utc("2027-01-16T03:00:00Z"), CodeCallTimeTooFar},

		// Her safe hours.
		{"after her window", voice, prof(), now, utc("2026-01-12T12:00:00Z"), CodeCallTimeUnsafe},
		{"at the window's end (excluded)", voice, prof(), now, utc("2026-01-12T11:00:00Z"), CodeCallTimeUnsafe},
		{"Saturday morning", voice, prof(), now, utc("2026-01-17T10:00:00Z"), CodeCallTimeUnsafe},
		{"in her window in UTC, not in Madrid", voice, prof(), now, utc("2026-01-13T11:30:00Z"), CodeCallTimeUnsafe},
		{"no time zone", voice, prof(noTZ), now, inWindow, CodeCallTimeUnsafe},
		{"windows none usable", voice, prof(func(p *Profile) { p.Windows = []Window{{Start: 600, End: 720}} }), now, inWindow, CodeCallTimeUnsafe},
		{"any time: 3 a.m.", voice, prof(anyTime), now, utc("2026-01-13T02:00:00Z"), ""},
		{"any time without a time zone", voice, prof(anyTime, noTZ), now, utc("2026-01-13T02:00:00Z"), ""},
		{"no windows: the default, 3 a.m.", voice, prof(noWindows), now, utc("2026-01-13T02:00:00Z"), CodeCallTimeUnsafe},
		{"no windows: the default, 19:30", voice, prof(noWindows), now, utc("2026-01-13T18:30:00Z"), ""},
		{"window across midnight, Sunday 01:00", voice, prof(windows("sat 22:00-02:00")), now, utc("2026-01-18T00:00:00Z"), ""},
		{"window across midnight, Sunday 02:00", voice, prof(windows("sat 22:00-02:00")), now, utc("2026-01-18T01:00:00Z"), CodeCallTimeUnsafe},
	}
	// Fall back in Madrid, Sunday 2026-10-25: 02:15 is shown twice; only
	// its first showing (CEST, 00:15 UTC) is inside "sun 02:00-02:30".
	oct := utc("2026-10-20T10:00:00Z")
	cases = append(cases,
		callCase{"DST: first 02:15", voice, prof(windows("sun 02:00-02:30")), oct, utc("2026-10-25T00:15:00Z"), ""},
		callCase{"DST: repeated 02:15", voice, prof(windows("sun 02:00-02:30")), oct, utc("2026-10-25T01:15:00Z"), CodeCallTimeUnsafe},
	)
	for _, tc := range cases {
		got := DecideCall(tc.voice, tc.p, tc.now, tc.at)
		if tc.want == "" {
			if got != nil {
				t.Errorf("%s: refused %s (%s)", tc.name, got.Code, got.Message)
			}
			continue
		}
		if got == nil {
			t.Errorf("%s: allowed, want %s", tc.name, tc.want)
			continue
		}
		if got.Code != tc.want || got.Message == "" || got.Field != "" {
			t.Errorf("%s: %+v, want code %s, a message and no field", tc.name, got, tc.want)
		}
	}
}

// The same inputs always give the same answer (the worker's re-check is
// the accept's decision run again), and nothing is read from the clock.
func TestDecideCallPure(t *testing.T) {
	t.Parallel()
	p := Profile{TimeZone: mustLoc(t, "Europe/Madrid"), HasPhone: true, Windows: mustWindows(t, "daily 09:00-20:00")}
	at := monMorning.Add(26 * time.Hour)
	first := DecideCall(granted(Voice), p, monMorning, at)
	for i := 0; i < 3; i++ {
		if again := DecideCall(granted(Voice), p, monMorning, at); (again == nil) != (first == nil) {
			t.Fatal("DecideCall answered differently for the same inputs")
		}
	}
	// The same call, decided a day after it was due: past.
	if r := DecideCall(granted(Voice), p, at.Add(24*time.Hour), at); r == nil || r.Code != CodeCallTimePast {
		t.Fatalf("re-check after the time: %+v", r)
	}
}

// A text that waits for her next safe window decides its call as of
// then: a call after now but not after the text reaches her is refused
// as past, saying why; one before now keeps "not in the future".
func TestDecideCallSent(t *testing.T) {
	t.Parallel()
	p := Profile{TimeZone: mustLoc(t, "Europe/Madrid"), HasPhone: true, Windows: mustWindows(t, "mon-fri 10:00-12:00")}
	// Friday 9 January 2026, 21:00 in Madrid; her next window opens on
	// Monday 12 January at 10:00 (09:00 UTC).
	now, sendAt := utc("2026-01-09T20:00:00Z"), utc("2026-01-12T09:00:00Z")
	const window, future = "next safe window", "not in the future"
	for _, tc := range []struct {
		name         string
		now, sendAt  time.Time
		at           time.Time
		want, saying string // want "" = allowed
	}{
		{"after now, before the text", now, sendAt, utc("2026-01-10T10:00:00Z"), CodeCallTimePast, window},
		{"at the moment the text goes out", now, sendAt, sendAt, CodeCallTimePast, window},
		{"before now", now, sendAt, now.Add(-time.Hour), CodeCallTimePast, future},
		{"now", now, sendAt, now, CodeCallTimePast, future},
		{"sent now, call past", sendAt, sendAt, sendAt.Add(-time.Minute), CodeCallTimePast, future},
		{"after the text, in her window", now, sendAt, sendAt.Add(time.Hour), "", ""},
	} {
		got := DecideCallSent(granted(Voice), p, tc.now, tc.sendAt, tc.at)
		if tc.want == "" {
			if got != nil {
				t.Errorf("%s: refused %s (%s)", tc.name, got.Code, got.Message)
			}
			continue
		}
		if got == nil || got.Code != tc.want || !strings.Contains(got.Message, tc.saying) {
			t.Errorf("%s: %+v, want %s saying %q", tc.name, got, tc.want, tc.saying)
		}
	}
}
