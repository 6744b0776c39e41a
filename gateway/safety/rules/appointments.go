package rules

import (
	"sort"
	"time"

	"safecontact/errs"
)

// CheckReminders checks an appointment's reminder leads: each a lead
// ParseLead reads, none twice, at most 5.
func CheckReminders(leads []string) error {
	seen := map[string]bool{}
	for _, r := range leads {
		if _, err := ParseLead(r); err != nil {
			return err
		}
		if seen[r] {
			return errs.Field(errs.CodeInvalidParameter, "reminders", "a reminder lead is listed twice")
		}
		seen[r] = true
	}
	if len(leads) > 5 {
		return errs.Field(errs.CodeInvalidParameter, "reminders", "at most 5 reminders")
	}
	return nil
}

// FreeSlots are the nearest start times before and after start that are
// at least spacing away from every one of starts (the venue's sessions
// around start): it walks outwards past the sessions that clash. starts
// is sorted in place.
func FreeSlots(starts []time.Time, start time.Time, spacing time.Duration) (earlier, later time.Time) {
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	clash := func(t time.Time) (time.Time, bool) {
		for _, x := range starts {
			if d := t.Sub(x); d > -spacing && d < spacing {
				return x, true
			}
		}
		return time.Time{}, false
	}
	earlier, later = start, start
	for i := 0; i < len(starts)+1; i++ {
		x, ok := clash(earlier)
		if !ok {
			break
		}
		earlier = x.Add(-spacing)
	}
	for i := 0; i < len(starts)+1; i++ {
		x, ok := clash(later)
		if !ok {
			break
		}
		later = x.Add(spacing)
	}
	return earlier, later
}
