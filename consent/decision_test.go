package consent

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func mustWindows(t testing.TB, specs ...string) []Window {
	t.Helper()
	var out []Window
	for _, s := range specs {
		w, err := ParseWindow(s)
		if err != nil {
			t.Fatalf("ParseWindow(%q): %v", s, err)
		}
		out = append(out, w)
	}
	return out
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// ---------------------------------------------------------------------------
// Decide

// A Monday 10:30 in Madrid (09:30 UTC, CET in January): inside the default
// 09:00-20:00 window, so an allowed decision is immediate.
var monMorning = utc("2026-01-12T09:30:00Z")

func granted(ch Channel, mods ...func(*ChannelConsent)) ChannelConsent {
	c := ChannelConsent{Channel: ch, State: StateGranted, GrantedAt: ptr(monMorning.Add(-day)), Version: 1}
	for _, m := range mods {
		m(&c)
	}
	return c
}

func withState(s State) func(*ChannelConsent) { return func(c *ChannelConsent) { c.State = s } }
func withVersion(v int) func(*ChannelConsent) { return func(c *ChannelConsent) { c.Version = v } }
func voicemail(c *ChannelConsent)             { c.AllowVoicemail = true }
func waRisk(c *ChannelConsent)                { c.AcceptWhatsAppRisk = true }
func reviewDue(c *ChannelConsent)             { c.ReviewDue = true }
func expiresAt(x time.Time) func(*ChannelConsent) {
	return func(c *ChannelConsent) { c.ExpiresAt = &x }
}

func consents(cs ...ChannelConsent) map[Channel]ChannelConsent {
	m := map[Channel]ChannelConsent{}
	for _, c := range cs {
		m[c.Channel] = c
	}
	return m
}

func TestDecideConcreteChannels(t *testing.T) {
	madrid := mustLoc(t, "Europe/Madrid")
	base := Profile{Code: "P-7K3QX", Language: "es", TimeZone: madrid, HasPhone: true, HasWhatsApp: true}
	mon := func(p Profile) Profile { p.Monitored = true; return p }
	noPhone := func(p Profile) Profile { p.HasPhone = false; return p }
	noWA := func(p Profile) Profile { p.HasWhatsApp = false; return p }

	type want struct {
		allowed bool
		code    string
		variant Variant
		vm      bool
		version int
		review  bool
	}
	allow := func(v Variant) want { return want{allowed: true, variant: v, version: 1} }
	refuse := func(code string, v Variant) want { return want{code: code, variant: v, version: 1} }
	std, disc := VariantStandard, VariantDiscreet

	type tc struct {
		name string
		p    Profile
		cs   map[Channel]ChannelConsent
		ch   Channel
		want want
	}
	var tests []tc
	// Every consent refusal on every channel, monitored or not. Consent is
	// checked first, so a missing number does not hide it.
	for _, ch := range Channels {
		for _, monitored := range []bool{false, true} {
			p, v := base, std
			if monitored {
				p, v = mon(base), disc
			}
			sfx := fmt.Sprintf("%s monitored=%v", ch, monitored)
			tests = append(tests,
				tc{"none (missing) " + sfx, p, consents(), ch, want{code: CodeNoConsent, variant: v}},
				tc{"none (explicit) " + sfx, p, consents(granted(ch, withState(StateNone), withVersion(0))), ch, want{code: CodeNoConsent, variant: v}},
				tc{"unknown state fails closed " + sfx, p, consents(granted(ch, withState("paused"))), ch, refuse(CodeNoConsent, v)},
				tc{"revoked " + sfx, p, consents(granted(ch, withState(StateRevoked))), ch, refuse(CodeConsentRevoked, v)},
				tc{"revoked, no numbers " + sfx, noWA(noPhone(p)), consents(granted(ch, withState(StateRevoked))), ch, refuse(CodeConsentRevoked, v)},
				tc{"expired state " + sfx, p, consents(granted(ch, withState(StateExpired))), ch, refuse(CodeConsentExpired, v)},
				tc{"expires exactly now " + sfx, p, consents(granted(ch, expiresAt(monMorning))), ch, refuse(CodeConsentExpired, v)},
				tc{"expired earlier " + sfx, p, consents(granted(ch, expiresAt(monMorning.Add(-time.Hour)))), ch, refuse(CodeConsentExpired, v)},
				tc{"no numbers at all " + sfx, noWA(noPhone(p)), consents(granted(ch, waRisk)), ch, refuse(CodeNoNumberForChannel, v)},
			)
		}
	}
	tests = append(tests,
		// Expiry one nanosecond in the future is still valid.
		tc{"sms expires in 1ns", base, consents(granted(SMS, expiresAt(monMorning.Add(1)))), SMS, allow(std)},
		// Numbers: sms/voice use the phone, whatsapp the WhatsApp number.
		tc{"sms without phone", noPhone(base), consents(granted(SMS)), SMS, refuse(CodeNoNumberForChannel, std)},
		tc{"voice without phone", noPhone(base), consents(granted(Voice)), Voice, refuse(CodeNoNumberForChannel, std)},
		tc{"whatsapp without phone but with whatsapp", noPhone(base), consents(granted(WhatsApp)), WhatsApp, allow(std)},
		tc{"whatsapp without whatsapp number", noWA(base), consents(granted(WhatsApp)), WhatsApp, refuse(CodeNoNumberForChannel, std)},
		tc{"sms without whatsapp number", noWA(base), consents(granted(SMS)), SMS, allow(std)},
		tc{"voice without whatsapp number", noWA(base), consents(granted(Voice)), Voice, allow(std)},
		// Monitored phone and WhatsApp.
		tc{"whatsapp monitored without risk", mon(base), consents(granted(WhatsApp)), WhatsApp, refuse(CodeChannelUnsafeForMonitoredPhone, disc)},
		tc{"whatsapp monitored with risk", mon(base), consents(granted(WhatsApp, waRisk)), WhatsApp, allow(disc)},
		tc{"whatsapp monitored, no number beats unsafe", noWA(mon(base)), consents(granted(WhatsApp)), WhatsApp, refuse(CodeNoNumberForChannel, disc)},
		tc{"whatsapp not monitored without risk", base, consents(granted(WhatsApp)), WhatsApp, allow(std)},
		tc{"sms monitored", mon(base), consents(granted(SMS)), SMS, allow(disc)},
		tc{"voice monitored", mon(base), consents(granted(Voice)), Voice, allow(disc)},
		// Voicemail: voice only, consent must allow it, never monitored.
		tc{"voice voicemail allowed", base, consents(granted(Voice, voicemail)), Voice, want{allowed: true, variant: std, vm: true, version: 1}},
		tc{"voice voicemail not consented", base, consents(granted(Voice)), Voice, allow(std)},
		tc{"voice voicemail monitored", mon(base), consents(granted(Voice, voicemail)), Voice, allow(disc)},
		tc{"sms never voicemail", base, consents(granted(SMS, voicemail)), SMS, allow(std)},
		tc{"whatsapp never voicemail", base, consents(granted(WhatsApp, voicemail)), WhatsApp, allow(std)},
		// Review and version propagate.
		tc{"review due propagated", base, consents(granted(SMS, reviewDue, withVersion(7))), SMS, want{allowed: true, variant: std, version: 7, review: true}},
		tc{"version on refusal", base, consents(granted(SMS, withState(StateRevoked), withVersion(4))), SMS, want{code: CodeConsentRevoked, variant: std, version: 4}},
		// Malformed requests fail closed.
		tc{"unknown channel", base, consents(granted(SMS)), "email", want{code: CodeInvalidChannel, variant: std}},
		tc{"empty channel", base, consents(granted(SMS)), "", want{code: CodeInvalidChannel, variant: std}},
		tc{"no time zone", func() Profile { p := base; p.TimeZone = nil; return p }(), consents(granted(SMS)), SMS, refuse(CodeNoTimeZone, std)},
		tc{"windows without days", func() Profile { p := base; p.Windows = []Window{{Start: 600, End: 700}}; return p }(), consents(granted(SMS)), SMS, refuse(CodeNoSafeWindow, std)},
		tc{"no time zone but any time", func() Profile { p := base; p.TimeZone = nil; p.AnyTime = true; return p }(), consents(granted(SMS)), SMS, allow(std)},
	)

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.p, tc.cs, tc.ch, monMorning)
			w := tc.want
			if d.Allowed != w.allowed || d.Code != w.code || d.Variant != w.variant || d.AllowVoicemail != w.vm || d.ConsentVersion != w.version || d.ReviewDue != w.review {
				t.Fatalf("got %+v\nwant %+v", d, w)
			}
			if d.Channel != tc.ch {
				t.Fatalf("Channel = %q, want %q", d.Channel, tc.ch)
			}
			if d.Reason == "" && !d.Allowed {
				t.Fatal("refusal without a reason")
			}
			if d.Allowed {
				if d.Code != "" || !d.Immediate || !d.SendAt.Equal(monMorning) || d.SendAt.Location() != time.UTC {
					t.Fatalf("allowed inside window: want immediate UTC SendAt=now, got %+v", d)
				}
			} else if !d.SendAt.IsZero() || d.Immediate || d.AllowVoicemail {
				t.Fatalf("refusal carries sending details: %+v", d)
			}
		})
	}
}

func TestDecideAuto(t *testing.T) {
	madrid := mustLoc(t, "Europe/Madrid")
	base := Profile{TimeZone: madrid, HasPhone: true, HasWhatsApp: true}
	pref := func(p Profile, chs ...Channel) Profile { p.Preference = chs; return p }
	tests := []struct {
		name    string
		p       Profile
		cs      map[Channel]ChannelConsent
		allowed bool
		ch      Channel
		code    string
	}{
		{"default order picks sms first", base, consents(granted(SMS), granted(WhatsApp), granted(Voice)), true, SMS, ""},
		{"default order skips missing sms", base, consents(granted(WhatsApp), granted(Voice)), true, WhatsApp, ""},
		{"default order skips revoked and expired", base, consents(granted(SMS, withState(StateRevoked)), granted(WhatsApp, withState(StateExpired)), granted(Voice)), true, Voice, ""},
		{"preference order respected", pref(base, Voice, SMS), consents(granted(SMS), granted(Voice)), true, Voice, ""},
		{"preference skips refused voice (no phone) to whatsapp", pref(func() Profile { p := base; p.HasPhone = false; return p }(), Voice, WhatsApp, SMS), consents(granted(SMS), granted(Voice), granted(WhatsApp)), true, WhatsApp, ""},
		{"preference skips unsafe whatsapp when monitored", pref(func() Profile { p := base; p.Monitored = true; return p }(), WhatsApp, SMS), consents(granted(WhatsApp), granted(SMS)), true, SMS, ""},
		{"monitored whatsapp with risk accepted is chosen", pref(func() Profile { p := base; p.Monitored = true; return p }(), WhatsApp, SMS), consents(granted(WhatsApp, waRisk), granted(SMS)), true, WhatsApp, ""},
		{"channels outside her preference are not tried", pref(base, WhatsApp), consents(granted(SMS), granted(Voice)), false, Auto, CodeNoConsent},
		{"junk and duplicates in preference ignored", pref(base, "fax", Auto, Voice, Voice, SMS), consents(granted(SMS)), true, SMS, ""},
		{"only junk in preference means default order", pref(base, "fax"), consents(granted(WhatsApp)), true, WhatsApp, ""},
		{"nothing recorded anywhere", base, consents(), false, Auto, CodeNoConsent},
		{"explicit none everywhere", base, consents(granted(SMS, withState(StateNone)), granted(Voice, withState(StateNone))), false, Auto, CodeNoConsent},
		{"refusal of first channel with consent recorded (revoked sms)", base, consents(granted(SMS, withState(StateRevoked)), granted(Voice, withState(StateExpired))), false, SMS, CodeConsentRevoked},
		{"first recorded is later in order (expired voice)", base, consents(granted(Voice, withState(StateExpired))), false, Voice, CodeConsentExpired},
		{"first recorded follows preference not default order", pref(base, Voice, SMS), consents(granted(SMS, withState(StateRevoked)), granted(Voice, withState(StateExpired))), false, Voice, CodeConsentExpired},
		{"granted but no number is blamed before a later revoked", pref(func() Profile { p := base; p.HasWhatsApp = false; return p }(), WhatsApp, SMS), consents(granted(WhatsApp), granted(SMS, withState(StateRevoked))), false, WhatsApp, CodeNoNumberForChannel},
		{"unsafe whatsapp blamed when it is the only consent", func() Profile { p := base; p.Monitored = true; return p }(), consents(granted(WhatsApp)), false, WhatsApp, CodeChannelUnsafeForMonitoredPhone},
		{"grant expiring exactly now is skipped", base, consents(granted(SMS, expiresAt(monMorning)), granted(Voice)), true, Voice, ""},
		{"grant expiring exactly now blamed", base, consents(granted(SMS, expiresAt(monMorning))), false, SMS, CodeConsentExpired},
		{"profile without time zone is reported, not a revoked channel", func() Profile { p := base; p.TimeZone = nil; return p }(), consents(granted(SMS, withState(StateRevoked)), granted(Voice)), false, Voice, CodeNoTimeZone},
		{"profile with unusable windows is reported", func() Profile { p := base; p.Windows = []Window{{Start: 1, End: 2}}; return p }(), consents(granted(SMS, withState(StateRevoked)), granted(Voice)), false, Voice, CodeNoSafeWindow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.p, tc.cs, Auto, monMorning)
			if d.Allowed != tc.allowed || d.Channel != tc.ch || d.Code != tc.code {
				t.Fatalf("got allowed=%v channel=%q code=%q, want allowed=%v channel=%q code=%q", d.Allowed, d.Channel, d.Code, tc.allowed, tc.ch, tc.code)
			}
			wantVariant := VariantStandard
			if tc.p.Monitored {
				wantVariant = VariantDiscreet
			}
			if d.Variant != wantVariant {
				t.Fatalf("variant %q, want %q", d.Variant, wantVariant)
			}
			if tc.allowed {
				// Auto must agree with asking for the chosen channel directly.
				if direct := Decide(tc.p, tc.cs, d.Channel, monMorning); direct != d {
					t.Fatalf("auto %+v differs from direct %+v", d, direct)
				}
			}
		})
	}
}

// TestDecideInvariants runs every combination of profile flags and consent
// states through Decide and checks the safety rules that must hold whatever
// the order of checks.
func TestDecideInvariants(t *testing.T) {
	madrid := mustLoc(t, "Europe/Madrid")
	states := []State{"", StateNone, StateGranted, StateRevoked, StateExpired}
	n := 0
	for mask := 0; mask < 1<<3; mask++ {
		p := Profile{TimeZone: madrid, Monitored: mask&1 != 0, HasPhone: mask&2 != 0, HasWhatsApp: mask&4 != 0}
		for si := 0; si < len(states)*len(states)*len(states); si++ {
			for opts := 0; opts < 1<<3; opts++ {
				cs := map[Channel]ChannelConsent{}
				for i, ch := range Channels {
					s := states[si/pow(len(states), i)%len(states)]
					cs[ch] = ChannelConsent{Channel: ch, State: s, AllowVoicemail: opts&1 != 0, AcceptWhatsAppRisk: opts&2 != 0, Version: i + 1}
					if opts&4 != 0 && ch == SMS {
						c := cs[ch]
						c.ExpiresAt = ptr(monMorning)
						cs[ch] = c
					}
				}
				for _, req := range []Channel{SMS, WhatsApp, Voice, Auto} {
					n++
					d := Decide(p, cs, req, monMorning)
					check := func(ok bool, what string) {
						if !ok {
							t.Fatalf("%s: profile=%+v consents=%+v req=%s → %+v", what, p, cs, req, d)
						}
					}
					check((d.Variant == VariantDiscreet) == p.Monitored, "discreet iff monitored")
					check(d.Allowed == (d.Code == ""), "code iff refused")
					check(!d.AllowVoicemail || (d.Allowed && d.Channel == Voice && !p.Monitored && cs[Voice].AllowVoicemail), "voicemail rule")
					if !d.Allowed {
						check(d.SendAt.IsZero() && !d.Immediate, "refusal has no send time")
						continue
					}
					c := cs[d.Channel]
					check(IsConcrete(d.Channel), "allowed channel is concrete")
					check(req == Auto || d.Channel == req, "concrete request keeps its channel")
					check(c.State == StateGranted && (c.ExpiresAt == nil || monMorning.Before(*c.ExpiresAt)), "allowed only under unexpired grant")
					check((d.Channel == WhatsApp && p.HasWhatsApp) || (d.Channel != WhatsApp && p.HasPhone), "number present")
					check(d.Channel != WhatsApp || !p.Monitored || c.AcceptWhatsAppRisk, "whatsapp to monitored phone needs risk acceptance")
					check(d.ConsentVersion == c.Version, "consent version recorded")
				}
			}
		}
	}
	if n < 5000 {
		t.Fatalf("only %d combinations ran", n)
	}
}

func pow(b, e int) int {
	r := 1
	for range e {
		r *= b
	}
	return r
}

func TestDecideSendAt(t *testing.T) {
	madrid := mustLoc(t, "Europe/Madrid")
	cs := consents(granted(SMS))
	tests := []struct {
		name      string
		p         Profile
		now       time.Time
		sendAt    time.Time
		immediate bool
	}{
		// Default window 09:00-20:00 Madrid (CET = UTC+1 in January).
		{"default window, inside", Profile{TimeZone: madrid, HasPhone: true}, utc("2026-01-12T10:00:00.5Z"), utc("2026-01-12T10:00:00.5Z"), true},
		{"default window, before", Profile{TimeZone: madrid, HasPhone: true}, utc("2026-01-12T06:59:00Z"), utc("2026-01-12T08:00:00Z"), false},
		{"default window, at end", Profile{TimeZone: madrid, HasPhone: true}, utc("2026-01-12T19:00:00Z"), utc("2026-01-13T08:00:00Z"), false},
		{"any time", Profile{TimeZone: madrid, HasPhone: true, AnyTime: true}, utc("2026-01-12T02:00:00Z"), utc("2026-01-12T02:00:00Z"), true},
		{"own windows beat any time", Profile{TimeZone: madrid, HasPhone: true, AnyTime: true, Windows: mustWindows(t, "mon-fri 10:00-12:00")}, utc("2026-01-12T02:00:00Z"), utc("2026-01-12T09:00:00Z"), false},
		{"own window crossing midnight, saturday 00:30", Profile{TimeZone: madrid, HasPhone: true, Windows: mustWindows(t, "fri 22:00-01:00")}, utc("2026-01-16T23:30:00Z"), utc("2026-01-16T23:30:00Z"), true},
		{"own window, weekend jump", Profile{TimeZone: madrid, HasPhone: true, Windows: mustWindows(t, "mon-fri 10:00-12:00")}, utc("2026-01-16T11:00:00Z"), utc("2026-01-19T09:00:00Z"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.p, cs, SMS, tc.now)
			if !d.Allowed || !d.SendAt.Equal(tc.sendAt) || d.Immediate != tc.immediate || d.SendAt.Location() != time.UTC {
				t.Fatalf("got allowed=%v sendAt=%s immediate=%v, want %s immediate=%v", d.Allowed, d.SendAt, d.Immediate, tc.sendAt, tc.immediate)
			}
		})
	}
}

func TestEffectiveWindows(t *testing.T) {
	own := mustWindows(t, "sat 10:00-11:00")
	if w, any := EffectiveWindows(Profile{Windows: own}); any || len(w) != 1 || w[0] != own[0] {
		t.Errorf("own windows: got %v %v", w, any)
	}
	if w, any := EffectiveWindows(Profile{Windows: own, AnyTime: true}); any || len(w) != 1 || w[0] != own[0] {
		t.Errorf("own windows + any time: got %v %v (own windows must win)", w, any)
	}
	if w, any := EffectiveWindows(Profile{AnyTime: true}); !any || w != nil {
		t.Errorf("any time: got %v %v", w, any)
	}
	if w, any := EffectiveWindows(Profile{}); any || len(w) != 1 || w[0] != DefaultWindow {
		t.Errorf("nothing recorded: got %v %v, want DefaultWindow", w, any)
	}
}

func TestDecisionReasonsCarryNoContactDetails(t *testing.T) {
	// The profile has no phone in it, but make sure reasons are fixed text
	// that cannot carry anything from the input.
	madrid := mustLoc(t, "Europe/Madrid")
	p := Profile{Code: "P-7K3QX", TimeZone: madrid, Monitored: true}
	for _, ch := range []Channel{SMS, WhatsApp, Voice, Auto, "+34600000000"} {
		d := Decide(p, consents(granted(SMS), granted(WhatsApp), granted(Voice)), ch, monMorning)
		if strings.ContainsAny(d.Reason, "0123456789+") || strings.Contains(d.Reason, p.Code) {
			t.Errorf("reason %q may carry input", d.Reason)
		}
	}
}

// ---------------------------------------------------------------------------
// Windows in time

func TestNextSafeTimeBasics(t *testing.T) {
	tests := []struct {
		name    string
		windows []string
		now     string
		want    string
		in      bool
	}{
		// 2026-01-12 is a Monday.
		{"inside", []string{"mon 10:00-12:00"}, "2026-01-12T11:00:00Z", "2026-01-12T11:00:00Z", true},
		{"exactly at start is inside", []string{"mon 10:00-12:00"}, "2026-01-12T10:00:00Z", "2026-01-12T10:00:00Z", true},
		{"exactly at end is outside", []string{"mon 10:00-12:00"}, "2026-01-12T12:00:00Z", "2026-01-19T10:00:00Z", false},
		{"one ns before end is inside", []string{"mon 10:00-12:00"}, "2026-01-12T11:59:59.999999999Z", "2026-01-12T11:59:59.999999999Z", true},
		{"before start same day", []string{"mon 10:00-12:00"}, "2026-01-12T09:59:59Z", "2026-01-12T10:00:00Z", false},
		{"seconds are kept when inside", []string{"daily 00:00-24:00"}, "2026-01-12T03:04:05.678Z", "2026-01-12T03:04:05.678Z", true},
		{"earliest of several windows", []string{"wed 08:00-09:00", "tue 18:00-19:00", "sun 10:00-11:00"}, "2026-01-12T12:00:00Z", "2026-01-13T18:00:00Z", false},
		{"overlapping windows", []string{"mon 10:00-12:00", "mon 11:00-13:00"}, "2026-01-12T12:30:00Z", "2026-01-12T12:30:00Z", true},
		{"end 24:00", []string{"mon 22:00-24:00"}, "2026-01-12T23:59:00Z", "2026-01-12T23:59:00Z", true},
		{"end 24:00 excludes midnight", []string{"mon 22:00-24:00"}, "2026-01-13T00:00:00Z", "2026-01-19T22:00:00Z", false},
		// Crossing midnight: the weekday is the day the window starts.
		{"fri 22-01 covers sat 00:30", []string{"fri 22:00-01:00"}, "2026-01-17T00:30:00Z", "2026-01-17T00:30:00Z", true},
		{"fri 22-01 covers fri 23:00", []string{"fri 22:00-01:00"}, "2026-01-16T23:00:00Z", "2026-01-16T23:00:00Z", true},
		{"fri 22-01 does not cover fri 00:30", []string{"fri 22:00-01:00"}, "2026-01-16T00:30:00Z", "2026-01-16T22:00:00Z", false},
		{"fri 22-01 ends sat 01:00", []string{"fri 22:00-01:00"}, "2026-01-17T01:00:00Z", "2026-01-23T22:00:00Z", false},
		{"fri 22-01 does not cover sat 22:30", []string{"fri 22:00-01:00"}, "2026-01-17T22:30:00Z", "2026-01-23T22:00:00Z", false},
		{"sun 23-00:00 crossing into monday", []string{"sun 23:00-00:00"}, "2026-01-11T23:30:00Z", "2026-01-11T23:30:00Z", true},
		{"sat-sun 23:00-06:00 covers monday 05:00", []string{"sat-sun 23:00-06:00"}, "2026-01-12T05:00:00Z", "2026-01-12T05:00:00Z", true},
		{"sat-sun 23:00-06:00 not tuesday 05:00", []string{"sat-sun 23:00-06:00"}, "2026-01-13T05:00:00Z", "2026-01-17T23:00:00Z", false},
		{"crossing window started yesterday on a day it is off today", []string{"sun 20:00-10:00"}, "2026-01-12T09:00:00Z", "2026-01-12T09:00:00Z", true},
		{"daily 00:00-24:00 always", []string{"daily 00:00-24:00"}, "2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws := mustWindows(t, tc.windows...)
			now := utc(tc.now)
			got, ok := NextSafeTime(ws, time.UTC, now)
			if !ok || !got.Equal(utc(tc.want)) || got.Location() != time.UTC {
				t.Fatalf("NextSafeTime = %s, %v; want %s", got, ok, tc.want)
			}
			if InWindow(ws, time.UTC, now) != tc.in {
				t.Fatalf("InWindow(now) = %v, want %v", !tc.in, tc.in)
			}
			if !InWindow(ws, time.UTC, got) {
				t.Fatalf("result %s not InWindow", got)
			}
			// nil location means UTC.
			if g2, _ := NextSafeTime(ws, nil, now); !g2.Equal(got) || InWindow(ws, nil, now) != tc.in {
				t.Fatalf("nil location differs from UTC")
			}
		})
	}
}

func TestNextSafeTimeNotOK(t *testing.T) {
	now := monMorning
	for name, ws := range map[string][]Window{
		"nil":                nil,
		"empty":              {},
		"no days":            {{Start: 60, End: 120}},
		"start == end":       {{Days: DefaultWindow.Days, Start: 60, End: 60}},
		"start out of range": {{Days: DefaultWindow.Days, Start: 1440, End: 60}},
		"end out of range":   {{Days: DefaultWindow.Days, Start: 0, End: 1441}},
		"negative":           {{Days: DefaultWindow.Days, Start: -5, End: 60}},
	} {
		if got, ok := NextSafeTime(ws, time.UTC, now); ok || !got.IsZero() {
			t.Errorf("%s: got %s, %v; want zero, false", name, got, ok)
		}
		if InWindow(ws, time.UTC, now) {
			t.Errorf("%s: InWindow true", name)
		}
	}
	// One usable window among unusable ones is enough.
	ws := []Window{{Start: 60, End: 120}, mustWindows(t, "mon 10:00-11:00")[0]}
	if got, ok := NextSafeTime(ws, time.UTC, now); !ok || !got.Equal(utc("2026-01-12T10:00:00Z")) {
		t.Errorf("mixed: got %s, %v", got, ok)
	}
}

// TestNextSafeTimeDST covers the two DST changes of 2026 in Madrid and Rome
// (same rules: last Sunday of March 02:00 CET → 03:00 CEST at 01:00 UTC;
// last Sunday of October 03:00 CEST → 02:00 CET at 01:00 UTC).
func TestNextSafeTimeDST(t *testing.T) {
	tests := []struct {
		name    string
		windows []string
		now     string // UTC
		want    string // UTC
		in      bool
	}{
		// --- spring forward, Sunday 2026-03-29 ---
		{"start in gap starts at first valid instant 03:00 CEST", []string{"daily 02:30-04:00"}, "2026-03-28T22:00:00Z", "2026-03-29T01:00:00Z", false},
		{"start in gap: inside right after the jump", []string{"daily 02:30-04:00"}, "2026-03-29T01:00:00Z", "2026-03-29T01:00:00Z", true},
		{"start in gap: one ns before the jump is outside", []string{"daily 02:30-04:00"}, "2026-03-29T00:59:59.999999999Z", "2026-03-29T01:00:00Z", false},
		{"start exactly 02:00 (gap start)", []string{"sun 02:00-05:00"}, "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z", false},
		{"window wholly in gap is skipped that day", []string{"daily 02:15-02:45"}, "2026-03-28T22:00:00Z", "2026-03-30T00:15:00Z", false},
		{"weekly window wholly in gap skips a week", []string{"sun 02:15-02:45"}, "2026-03-28T22:00:00Z", "2026-04-05T00:15:00Z", false},
		{"end in gap ends at the jump", []string{"daily 01:30-02:30"}, "2026-03-29T00:50:00Z", "2026-03-29T00:50:00Z", true},
		{"end in gap: at the jump it is over", []string{"daily 01:30-02:30"}, "2026-03-29T01:00:00Z", "2026-03-29T23:30:00Z", false},
		{"crossing midnight into the gap", []string{"sat 23:00-02:30"}, "2026-03-29T00:59:00Z", "2026-03-29T00:59:00Z", true},
		{"crossing midnight into the gap: over at jump, next week in CEST", []string{"sat 23:00-02:30"}, "2026-03-29T01:00:00Z", "2026-04-04T21:00:00Z", false},
		{"window after the gap, same day", []string{"daily 03:00-04:00"}, "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", false},
		{"window spanning the gap stays open", []string{"daily 01:00-05:00"}, "2026-03-29T01:30:00Z", "2026-03-29T01:30:00Z", true},
		{"10:00 CEST after the change is 08:00 UTC", []string{"sun 10:00-12:00"}, "2026-03-29T00:00:00Z", "2026-03-29T08:00:00Z", false},
		{"10:00 CET the day before is 09:00 UTC", []string{"sat 10:00-12:00"}, "2026-03-28T00:00:00Z", "2026-03-28T09:00:00Z", false},
		// --- fall back, Sunday 2026-10-25 ---
		{"window in repeated hour opens on its first showing (CEST)", []string{"daily 02:00-02:30"}, "2026-10-24T22:00:00Z", "2026-10-25T00:00:00Z", false},
		{"repeated hour is not a second opening", []string{"daily 02:00-02:30"}, "2026-10-25T00:45:00Z", "2026-10-26T01:00:00Z", false},
		{"inside repeated showing is outside", []string{"daily 02:00-02:30"}, "2026-10-25T01:10:00Z", "2026-10-26T01:00:00Z", false},
		{"window over the repeated hour pauses and resumes at 03:00 CET", []string{"daily 01:00-04:00"}, "2026-10-25T01:10:00Z", "2026-10-25T02:00:00Z", false},
		{"window over the repeated hour open before the change", []string{"daily 01:00-04:00"}, "2026-10-25T00:59:59Z", "2026-10-25T00:59:59Z", true},
		{"window over the repeated hour open after it", []string{"daily 01:00-04:00"}, "2026-10-25T02:00:00Z", "2026-10-25T02:00:00Z", true},
		{"window starting at 03:00 starts at 03:00 CET, not at the jump", []string{"daily 03:00-05:00"}, "2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z", false},
		{"window ending 03:00 does not extend into repeated hour", []string{"daily 02:30-03:00"}, "2026-10-25T01:35:00Z", "2026-10-26T01:30:00Z", false},
		{"window ending 03:00 open in CEST", []string{"daily 02:30-03:00"}, "2026-10-25T00:59:00Z", "2026-10-25T00:59:00Z", true},
		{"crossing midnight into the repeated hour", []string{"sat 22:00-02:30"}, "2026-10-25T00:15:00Z", "2026-10-25T00:15:00Z", true},
		{"crossing midnight: repeated 02:15 CET is outside", []string{"sat 22:00-02:30"}, "2026-10-25T01:15:00Z", "2026-10-31T21:00:00Z", false},
		{"crossing midnight over the repeated hour resumes at 03:00 CET", []string{"sat 22:00-04:00"}, "2026-10-25T01:15:00Z", "2026-10-25T02:00:00Z", false},
		{"crossing midnight over the repeated hour, open after it", []string{"sat 22:00-04:00"}, "2026-10-25T02:59:00Z", "2026-10-25T02:59:00Z", true},
		{"crossing midnight over the repeated hour, closed at 04:00 CET", []string{"sat 22:00-04:00"}, "2026-10-25T03:00:00Z", "2026-10-31T21:00:00Z", false},
		{"10:00 CET after the change is 09:00 UTC", []string{"sun 10:00-12:00"}, "2026-10-25T00:00:00Z", "2026-10-25T09:00:00Z", false},
		{"10:00 CEST the day before is 08:00 UTC", []string{"sat 10:00-12:00"}, "2026-10-24T00:00:00Z", "2026-10-24T08:00:00Z", false},
		{"default window next morning after fall back", []string{"daily 09:00-20:00"}, "2026-10-24T19:00:00Z", "2026-10-25T08:00:00Z", false},
	}
	for _, zone := range []string{"Europe/Madrid", "Europe/Rome"} {
		loc := mustLoc(t, zone)
		for _, tc := range tests {
			t.Run(zone+"/"+tc.name, func(t *testing.T) {
				ws := mustWindows(t, tc.windows...)
				now := utc(tc.now)
				got, ok := NextSafeTime(ws, loc, now)
				if !ok || !got.Equal(utc(tc.want)) {
					t.Fatalf("NextSafeTime(%s) = %s (%s), want %s (%s)", now.In(loc), got.UTC(), got.In(loc), tc.want, utc(tc.want).In(loc))
				}
				if got := InWindow(ws, loc, now); got != tc.in {
					t.Fatalf("InWindow(%s) = %v, want %v", now.In(loc), got, tc.in)
				}
				checkEarliest(t, ws, loc, now, got)
			})
		}
	}
}

// TestDSTEachWallMinuteOnce walks through the DST weeks opening after
// opening, the way a scheduler would, and checks that a daily window opens
// once per local date with the expected number of open minutes: never twice
// on fall-back night, never skipped, and only a window wholly inside the
// spring gap does not open that day.
func TestDSTEachWallMinuteOnce(t *testing.T) {
	type dayWant struct{ openings, minutes int }
	for _, zone := range []string{"Europe/Madrid", "Europe/Rome"} {
		loc := mustLoc(t, zone)
		for _, tc := range []struct {
			window  string
			from    string // UTC, noon of the day before the first date checked
			normal  dayWant
			special map[string]dayWant // by the local date the window starts on
		}{
			{"daily 02:00-02:30", "2026-10-21T10:00:00Z", dayWant{1, 30}, nil},
			{"daily 02:30-03:00", "2026-10-21T10:00:00Z", dayWant{1, 30}, nil},
			// 01:30-03:00 CEST (90), pause in the repeated hour, 03:00-03:30 CET (30)
			{"daily 01:30-03:30", "2026-10-21T10:00:00Z", dayWant{1, 120}, map[string]dayWant{"2026-10-25": {2, 120}}},
			// 22:00 CEST to the jump at 03:00 CEST; the repeated hour is not reopened
			{"daily 22:00-03:00", "2026-10-21T10:00:00Z", dayWant{1, 300}, nil},
			{"daily 03:00-04:00", "2026-10-21T10:00:00Z", dayWant{1, 60}, nil},
			{"daily 02:30-04:00", "2026-03-25T11:00:00Z", dayWant{1, 90}, map[string]dayWant{"2026-03-29": {1, 60}}},
			{"daily 02:15-02:45", "2026-03-25T11:00:00Z", dayWant{1, 30}, map[string]dayWant{"2026-03-29": {0, 0}}},
			{"daily 01:30-02:30", "2026-03-25T11:00:00Z", dayWant{1, 60}, map[string]dayWant{"2026-03-29": {1, 30}}},
			{"daily 22:00-03:00", "2026-03-25T11:00:00Z", dayWant{1, 300}, map[string]dayWant{"2026-03-28": {1, 240}}},
			{"daily 09:00-20:00", "2026-03-25T11:00:00Z", dayWant{1, 660}, nil},
			{"daily 09:00-20:00", "2026-10-21T10:00:00Z", dayWant{1, 660}, nil},
		} {
			ws := mustWindows(t, tc.window)
			from := utc(tc.from)
			got := map[string]dayWant{}
			for now := from; now.Before(from.Add(9 * day)); {
				start, ok := NextSafeTime(ws, loc, now)
				if !ok || !InWindow(ws, loc, start) || start.Before(now) {
					t.Fatalf("%s %q: NextSafeTime(%s) = %s, %v: not a window opening", zone, tc.window, now, start, ok)
				}
				lt := start.In(loc)
				// The date the opening belongs to: a crossing window's
				// morning part belongs to the evening before.
				if ws[0].CrossesMidnight() && lt.Hour() < 12 {
					lt = lt.AddDate(0, 0, -1)
				}
				date := lt.Format("2006-01-02")
				g := got[date]
				g.openings++
				end := start
				for InWindow(ws, loc, end) {
					end = end.Add(time.Minute)
					g.minutes++
				}
				got[date] = g
				now = end
			}
			for d := 1; d <= 7; d++ {
				date := from.AddDate(0, 0, d).Format("2006-01-02")
				want, ok := tc.special[date]
				if !ok {
					want = tc.normal
				}
				if got[date] != want {
					t.Errorf("%s %q on %s: got %+v, want %+v", zone, tc.window, date, got[date], want)
				}
			}
		}
	}
}

// checkEarliest asserts that got is in a window, not before now, and that
// no minute step in [now, got) nor the instant just before got is.
func checkEarliest(t testing.TB, ws []Window, loc *time.Location, now, got time.Time) {
	t.Helper()
	if got.Before(now) {
		t.Fatalf("SendAt %s before now %s", got, now)
	}
	if !InWindow(ws, loc, got) {
		t.Fatalf("SendAt %s (%s) not in window", got, got.In(loc))
	}
	if got.After(now) && InWindow(ws, loc, got.Add(-time.Nanosecond)) {
		t.Fatalf("SendAt %s: the instant before is already in window", got)
	}
	for s := now; s.Before(got); s = s.Add(time.Minute) {
		if InWindow(ws, loc, s) {
			t.Fatalf("SendAt %s is not the earliest: %s (%s) is in window", got, s, s.In(loc))
		}
	}
}
