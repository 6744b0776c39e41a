package consent

import (
	"testing"
	"time"
)

// Zones with interesting histories: the two the issue names, zones with
// DST changes at midnight (Sao Paulo, Havana, Santiago), half-hour DST
// (Lord Howe), two-hour DST (Troll), odd offsets (Kathmandu, Chatham),
// a skipped calendar day (Apia, 2011-12-30), DST suspended for Ramadan
// (Casablanca) and plain UTC.
var fuzzZones = []string{
	"Europe/Madrid", "Europe/Rome", "UTC", "America/Sao_Paulo", "America/Havana",
	"America/Santiago", "Australia/Lord_Howe", "Antarctica/Troll", "Asia/Kathmandu",
	"Pacific/Chatham", "Pacific/Apia", "Africa/Casablanca", "Europe/London",
	"America/St_Johns", "America/New_York", "Asia/Tehran",
}

var (
	fuzzMin  = time.Date(1890, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	fuzzSpan = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix() - fuzzMin
)

// decodeWindow turns 40 bits into a window: 7 day bits (all off is
// allowed, to exercise "no days"), a start minute and an end minute.
func decodeWindow(x uint64) Window {
	var w Window
	for d := range 7 {
		w.Days[d] = x&(1<<d) != 0
	}
	w.Start = int((x >> 8) & 0xffff % 1440)
	w.End = int((x >> 24) & 0xffff % 1441)
	if w.End == w.Start {
		w.End = w.Start + 1
	}
	return w
}

// FuzzNextSafeTime checks, for random windows, zones and instants, that
// the decision's SendAt is inside her windows, never before now, and the
// earliest such instant; and that InWindow agrees everywhere it is looked
// at with an oracle written independently of decision.go (it only asks
// package time for the clock reading of instants, and finds transitions by
// bisection).
func FuzzNextSafeTime(f *testing.F) {
	madridSpring := time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC).Unix()
	madridFall := time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC).Unix()
	enc := func(days byte, start, end int) uint64 {
		return uint64(days) | uint64(start)<<8 | uint64(end)<<24
	}
	daily := byte(0x7f)
	f.Add(madridSpring-1800, uint32(0), uint8(0), uint8(0), enc(daily, 150, 240), uint64(0), uint64(0), false)
	f.Add(madridSpring-1800, uint32(0), uint8(1), uint8(0), enc(daily, 135, 165), uint64(0), uint64(0), false)
	f.Add(madridSpring-7200, uint32(0), uint8(0), uint8(0), enc(1, 135, 165), uint64(0), uint64(0), false) // sunday only, inside the gap
	f.Add(madridFall+600, uint32(0), uint8(0), uint8(0), enc(daily, 120, 150), uint64(0), uint64(0), false)
	f.Add(madridFall+600, uint32(0), uint8(1), uint8(1), enc(daily, 60, 240), enc(1<<6, 22*60, 150), uint64(0), false)
	f.Add(madridFall-3600, uint32(5e8), uint8(0), uint8(0), enc(daily, 180, 300), uint64(0), uint64(0), false)
	f.Add(int64(0), uint32(0), uint8(2), uint8(0), enc(1<<5, 22*60, 60), uint64(0), uint64(0), false) // fri 22:00-01:00
	f.Add(int64(1700000000), uint32(0), uint8(3), uint8(2), enc(0x3e, 600, 720), enc(0x41, 18*60, 20*60), enc(0, 0, 1), true)
	f.Add(int64(1325203200), uint32(0), uint8(10), uint8(0), enc(1<<5, 22*60, 60), uint64(0), uint64(0), false) // Apia, around the skipped Friday
	f.Add(int64(1000000000), uint32(123), uint8(4), uint8(0), enc(daily, 0, 60), uint64(0), uint64(0), true)    // Havana midnight change
	f.Add(int64(-2000000000), uint32(0), uint8(6), uint8(0), enc(daily, 90, 150), uint64(0), uint64(0), true)   // Lord Howe half hour
	f.Add(int64(1500000000), uint32(0), uint8(7), uint8(0), enc(daily, 60, 180), uint64(0), uint64(0), true)    // Troll two hours
	f.Add(int64(1000), uint32(0), uint8(0), uint8(0), enc(0, 600, 700), uint64(0), uint64(0), false)            // no days

	f.Fuzz(func(t *testing.T, sec int64, nsec uint32, zone uint8, n uint8, w1, w2, w3 uint64, nearTransition bool) {
		loc := mustLoc(t, fuzzZones[int(zone)%len(fuzzZones)])
		ws := []Window{decodeWindow(w1), decodeWindow(w2), decodeWindow(w3)}[:1+int(n)%3] // n: extra windows
		// Seeds are plain Unix times; anything else is folded into 1890-2200.
		now := time.Unix(fuzzMin+mod(sec-fuzzMin, fuzzSpan), int64(nsec%1e9)).UTC()
		if nearTransition {
			// Move close to the zone's next change, where the bugs live.
			if _, end := now.In(loc).ZoneBounds(); !end.IsZero() {
				now = end.Add(time.Duration(int64(nsec)%(6*3600)-3*3600) * time.Second).UTC()
			}
		}

		anyDays := false
		for _, w := range ws {
			for _, on := range w.Days {
				anyDays = anyDays || on
			}
		}
		got, ok := NextSafeTime(ws, loc, now)
		d := Decide(Profile{TimeZone: loc, HasPhone: true, Windows: ws}, consents(granted(SMS)), SMS, now)
		if !anyDays {
			if ok || InWindow(ws, loc, now) || d.Allowed || d.Code != CodeNoSafeWindow {
				t.Fatalf("windows without days: ok=%v decision=%+v", ok, d)
			}
			return
		}
		if !ok {
			t.Fatalf("NextSafeTime not ok for usable windows %v", ws)
		}
		if !d.Allowed || !d.SendAt.Equal(got) || d.Immediate != got.Equal(now) {
			t.Fatalf("Decide disagrees with NextSafeTime: %+v vs %s", d, got)
		}
		if got.Before(now) {
			t.Fatalf("SendAt %s before now %s", got, now)
		}
		// Weekly windows can lose one week to a DST gap (or a skipped day).
		if got.Sub(now) > 15*day {
			t.Fatalf("SendAt %s is more than 15 days after now %s", got, now)
		}

		t.Logf("zone=%s now=%s windows=%v sendAt=%s wait=%s", loc, now.In(loc), ws, got.In(loc), got.Sub(now))
		o := newOracle(ws, loc, now.Add(-maxOffsetSpan-time.Hour))
		o.advance(now)
		check := func(s time.Time, want bool, what string) {
			in := o.advance(s)
			if in != want {
				t.Fatalf("%s: oracle says in=%v at %s (%s), windows %v, now %s (%s), SendAt %s (%s)",
					what, in, s, s.In(loc), ws, now, now.In(loc), got, got.In(loc))
			}
			if iw := InWindow(ws, loc, s); iw != in {
				t.Fatalf("InWindow(%s = %s) = %v, oracle %v; windows %v", s, s.In(loc), iw, in, ws)
			}
		}
		for s := now; s.Before(got); s = s.Add(time.Minute) {
			check(s, false, "minute before SendAt")
		}
		if got.After(now) {
			check(got.Add(-time.Nanosecond), false, "instant before SendAt")
		}
		check(got, true, "SendAt")
		// Cross-check InWindow for the following hour as well.
		for s := got.Add(time.Minute); s.Before(got.Add(time.Hour)); s = s.Add(time.Minute) {
			o.advance(s)
			if iw := InWindow(ws, loc, s); iw != o.in {
				t.Fatalf("after SendAt: InWindow(%s = %s) = %v, oracle %v; windows %v", s, s.In(loc), iw, o.in, ws)
			}
		}
	})
}

func mod(a, m int64) int64 {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

// oracle evaluates the window rule ("her clock shows a time inside the
// window, for the first time") on an increasing sequence of instants, by
// brute force: it tracks the highest clock reading seen so far, finding the
// exact instant of each offset change by bisection, and tests readings
// against windows laid out on a week of seconds.
type oracle struct {
	ws   []Window
	loc  *time.Location
	last time.Time
	off  int
	high time.Time // highest reading approached before last (naive UTC)
	in   bool
}

func newOracle(ws []Window, loc *time.Location, from time.Time) *oracle {
	_, off := from.In(loc).Zone()
	r := reading(from, off)
	return &oracle{ws: ws, loc: loc, last: from, off: off, high: r}
}

func reading(t time.Time, off int) time.Time {
	return t.UTC().Add(time.Duration(off) * time.Second)
}

// advance moves to s (>= last) and reports whether s is in a window. Long
// jumps are walked in one-minute steps so no offset change is missed.
func (o *oracle) advance(s time.Time) bool {
	for next := o.last.Add(time.Minute); next.Before(s); next = o.last.Add(time.Minute) {
		o.step(next)
	}
	return o.step(s)
}

func (o *oracle) step(s time.Time) bool {
	_, off := s.In(o.loc).Zone()
	if off != o.off {
		// Bisect for the first instant with a different offset; assume
		// one change between samples.
		lo, hi := o.last, s
		for hi.Sub(lo) > time.Nanosecond {
			mid := lo.Add(hi.Sub(lo) / 2)
			if _, mo := mid.In(o.loc).Zone(); mo == o.off {
				lo = mid
			} else {
				hi = mid
			}
		}
		// Readings just before hi approached hi+old offset.
		if peak := reading(hi, o.off); peak.After(o.high) {
			o.high = peak
		}
	}
	r := reading(s, off)
	fresh := !r.Before(o.high)
	if r.After(o.high) {
		o.high = r
	}
	o.last, o.off = s, off
	o.in = fresh && weekReadingIn(o.ws, r)
	return o.in
}

// weekReadingIn lays each window's days out as intervals of seconds from
// Sunday 00:00 and tests the reading's position in the week (and in the
// next week, for a Saturday window running into Sunday).
func weekReadingIn(ws []Window, r time.Time) bool {
	const weekSec = 7 * 86400
	pos := int(r.Weekday())*86400 + r.Hour()*3600 + r.Minute()*60 + r.Second()
	for _, w := range ws {
		length := w.End - w.Start
		if length <= 0 {
			length += 1440
		}
		for d := range 7 {
			if !w.Days[d] {
				continue
			}
			from := d*86400 + w.Start*60
			to := from + length*60
			if (pos >= from && pos < to) || (pos+weekSec >= from && pos+weekSec < to) {
				return true
			}
		}
	}
	return false
}
