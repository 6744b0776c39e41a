// Package rules holds the safety service's pure timing and matching
// rules, with no database or clock of their own: reminder lead times and
// the latest safe moment to send one, check-in slots, and how her reply
// is matched against her plan's words.
package rules

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"safecontact/consent"
	"safecontact/errs"
)

// WindowMargin: a reminder placed at "the latest safe moment" leaves this
// much of the window for the relay and worker.
const WindowMargin = 5 * time.Minute

// ParseLead reads "24h", "2h", "30m", "2d".
func ParseLead(s string) (time.Duration, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(t, "d"); ok {
		var days int
		if _, e := fmt.Sscanf(n, "%d", &days); e != nil || fmt.Sprint(days) != n {
			err = e
			if err == nil {
				err = errors.New("bad")
			}
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(t)
	}
	if err != nil || d < 10*time.Minute || d > 14*24*time.Hour {
		return 0, errs.Field(errs.CodeInvalidParameter, "reminders", "a reminder is a lead time between 10m and 14d, e.g. \"24h\" or \"2h\"")
	}
	return d, nil
}

// LatestSafeAtOrBefore returns the latest instant t with notBefore <= t <=
// target at which she may be contacted (inside a safe window, leaving
// WindowMargin before the window closes when the window is long enough).
// Minute steps backwards from target: windows start and end on whole
// minutes, and InWindow applies the DST rules.
func LatestSafeAtOrBefore(windows []consent.Window, loc *time.Location, target, notBefore time.Time) (time.Time, bool) {
	if target.Before(notBefore) {
		return time.Time{}, false
	}
	if consent.InWindow(windows, loc, target) && consent.InWindow(windows, loc, target.Add(WindowMargin-time.Second)) {
		return target, true
	}
	t := target.Truncate(time.Minute)
	var fallback time.Time
	found := false
	// A check over at most two weeks of minutes (leads are ≤ 14 days).
	for i := 0; i < 15*24*60 && !t.Before(notBefore); i++ {
		if consent.InWindow(windows, loc, t) {
			if consent.InWindow(windows, loc, t.Add(WindowMargin-time.Second)) {
				return t, true
			}
			if !found {
				fallback, found = t, true
			}
		} else if found {
			// We walked through a whole window shorter than the margin.
			return fallback, true
		}
		t = t.Add(-time.Minute)
	}
	if found {
		return fallback, true
	}
	return time.Time{}, false
}

// NormalizeReply: case- and accent-insensitive, trimmed, punctuation
// dropped, white space collapsed.
func NormalizeReply(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// ContainsPhrase: phrase (normalised) occurs in body (normalised) on word
// boundaries.
func ContainsPhrase(body, phrase string) bool {
	if phrase == "" {
		return false
	}
	return strings.Contains(" "+body+" ", " "+phrase+" ")
}

// ParseClock reads a local "HH:MM".
func ParseClock(s string) (int, int, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 23 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// AtLocal is the instant showing h:m on the local date of day in loc.
func AtLocal(day time.Time, loc *time.Location, h, m int) time.Time {
	y, mo, d := day.In(loc).Date()
	return time.Date(y, mo, d, h, m, 0, 0, loc).UTC()
}

// NextSlot returns the first slot strictly after from. prev, if not zero,
// is the previous slot (interval plans count from it).
func NextSlot(everyDays int, weekdays []int32, at string, loc *time.Location, prev, from time.Time) time.Time {
	h, m, _ := ParseClock(at)
	if everyDays > 0 && !prev.IsZero() {
		t := prev
		for i := 0; i < 10000; i++ {
			lt := t.In(loc)
			t = AtLocal(time.Date(lt.Year(), lt.Month(), lt.Day()+everyDays, 12, 0, 0, 0, loc), loc, h, m)
			if t.After(from) {
				return t
			}
		}
	}
	days := map[int]bool{}
	for _, w := range weekdays {
		days[int(w)] = true
	}
	lf := from.In(loc)
	for i := 0; i < 15; i++ {
		day := time.Date(lf.Year(), lf.Month(), lf.Day()+i, 12, 0, 0, 0, loc)
		if len(days) > 0 && !days[int(day.Weekday())] {
			continue
		}
		if t := AtLocal(day, loc, h, m); t.After(from) {
			return t
		}
	}
	return from.Add(24 * time.Hour) // unreachable with a valid plan
}

// Later is the later of a and b.
func Later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
