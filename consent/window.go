package consent

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Window is one safe contact window in her local time: a set of weekdays and
// a start and end time of day. When End <= Start the window crosses
// midnight: "fri 22:00-01:00" runs from Friday 22:00 to Saturday 01:00, and
// the weekday names the day the window starts on.
type Window struct {
	Days  [7]bool // indexed by time.Weekday
	Start int     // wall-clock minutes after local midnight, 0..1439
	End   int     // wall-clock minutes after local midnight, 0..1440 (1440 = 24:00)
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseWindow reads the textual form "mon-fri 10:00-12:00",
// "sat,sun 18:00-20:00", "daily 09:00-20:00" or "fri 22:00-01:00".
func ParseWindow(s string) (Window, error) {
	bad := func(why string) (Window, error) {
		// The input is not repeated: whatever was typed (a phone number,
		// say) must not travel on in an error message.
		return Window{}, &Error{Code: "invalid_window", Field: "safe_windows", Message: "a safe window is not valid: " + why + " (expected e.g. \"mon-fri 10:00-12:00\")"}
	}
	if len(s) > 64 {
		return bad("too long")
	}
	fields := strings.Fields(strings.ToLower(s))
	if len(fields) != 2 {
		return bad("needs days and a time range")
	}
	var w Window
	for _, part := range strings.Split(fields[0], ",") {
		if part == "daily" || part == "all" {
			for i := range w.Days {
				w.Days[i] = true
			}
			continue
		}
		from, to, isRange := strings.Cut(part, "-")
		a := dayIndex(from)
		if a < 0 {
			return bad("unknown day name (use mon, tue, wed, thu, fri, sat, sun or daily)")
		}
		if !isRange {
			w.Days[a] = true
			continue
		}
		b := dayIndex(to)
		if b < 0 {
			return bad("unknown day name (use mon, tue, wed, thu, fri, sat, sun or daily)")
		}
		for d := a; ; d = (d + 1) % 7 {
			w.Days[d] = true
			if d == b {
				break
			}
		}
	}
	start, end, ok := strings.Cut(fields[1], "-")
	if !ok {
		return bad("time range needs a start and an end")
	}
	var err error
	if w.Start, err = parseClock(start, false); err != nil {
		return bad(err.Error())
	}
	if w.End, err = parseClock(end, true); err != nil {
		return bad(err.Error())
	}
	if w.Start == w.End {
		return bad("start and end are the same")
	}
	return w, nil
}

func dayIndex(s string) int {
	for i, d := range dayNames {
		if s == d {
			return i
		}
	}
	return -1
}

func parseClock(s string, allow24 bool) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) == 0 || len(h) > 2 || len(m) != 2 || !allDigits(h) || !allDigits(m) {
		return 0, fmt.Errorf("times are HH:MM")
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && (mm != 0 || !allow24)) {
		return 0, fmt.Errorf("times are HH:MM")
	}
	return hh*60 + mm, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CrossesMidnight reports whether the window ends on the next day.
func (w Window) CrossesMidnight() bool { return w.End <= w.Start }

// Duration is the length of the window.
func (w Window) Duration() time.Duration {
	m := w.End - w.Start
	if m <= 0 {
		m += 1440
	}
	return time.Duration(m) * time.Minute
}

// String gives the canonical textual form, which ParseWindow reads back.
func (w Window) String() string {
	var days []string
	all := true
	for _, on := range w.Days {
		all = all && on
	}
	if all {
		days = []string{"daily"}
	} else {
		// Compress runs Monday-first so "mon-fri" reads naturally.
		order := []int{1, 2, 3, 4, 5, 6, 0}
		for i := 0; i < len(order); {
			if !w.Days[order[i]] {
				i++
				continue
			}
			j := i
			for j+1 < len(order) && w.Days[order[j+1]] {
				j++
			}
			if j-i >= 2 {
				days = append(days, dayNames[order[i]]+"-"+dayNames[order[j]])
			} else {
				for k := i; k <= j; k++ {
					days = append(days, dayNames[order[k]])
				}
			}
			i = j + 1
		}
	}
	return fmt.Sprintf("%s %02d:%02d-%02d:%02d", strings.Join(days, ","), w.Start/60, w.Start%60, w.End/60, w.End%60)
}

func (w Window) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

func (w *Window) UnmarshalText(b []byte) error {
	v, err := ParseWindow(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// DefaultWindow is used for a participant with no safe windows unless "any
// time" was recorded explicitly: every day 09:00-20:00 local.
var DefaultWindow = Window{Days: [7]bool{true, true, true, true, true, true, true}, Start: 9 * 60, End: 20 * 60}

// Profile is everything the decision needs to know about a participant.
// The phone numbers here are plaintext E.164 (decrypted by the caller) or
// only their presence is needed: the decision uses HasPhone/HasWhatsApp.
type Profile struct {
	Code        string
	Language    string
	TimeZone    *time.Location
	Monitored   bool
	HasPhone    bool
	HasWhatsApp bool // a WhatsApp-capable number: a separate one, or the main phone
	// Windows are her safe contact windows; empty means DefaultWindow unless
	// AnyTime was recorded explicitly.
	Windows []Window
	AnyTime bool
	// Preference is her stated channel order for "auto"; empty means Channels.
	Preference []Channel
}
