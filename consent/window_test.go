package consent

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"safecontact/errs"
)

func days(ds ...time.Weekday) [7]bool {
	var out [7]bool
	for _, d := range ds {
		out[d] = true
	}
	return out
}

var allDays = days(0, 1, 2, 3, 4, 5, 6)

func TestParseWindow(t *testing.T) {
	tests := []struct {
		in    string
		want  Window
		canon string
	}{
		{"mon-fri 10:00-12:00", Window{days(1, 2, 3, 4, 5), 600, 720}, "mon-fri 10:00-12:00"},
		{"sat,sun 18:00-20:00", Window{days(6, 0), 1080, 1200}, "sat,sun 18:00-20:00"},
		{"daily 09:00-20:00", Window{allDays, 540, 1200}, "daily 09:00-20:00"},
		{"all 09:00-20:00", Window{allDays, 540, 1200}, "daily 09:00-20:00"},
		{"fri 22:00-01:00", Window{days(5), 1320, 60}, "fri 22:00-01:00"},
		{"MON-Fri 10:00-12:00", Window{days(1, 2, 3, 4, 5), 600, 720}, "mon-fri 10:00-12:00"},
		{"  mon \t 9:05-10:00  ", Window{days(1), 545, 600}, "mon 09:05-10:00"},
		{"fri-mon 09:00-10:00", Window{days(5, 6, 0, 1), 540, 600}, "mon,fri-sun 09:00-10:00"},
		{"sun-sat 09:00-10:00", Window{allDays, 540, 600}, "daily 09:00-10:00"},
		{"mon-mon 09:00-10:00", Window{days(1), 540, 600}, "mon 09:00-10:00"},
		{"mon,mon,tue 09:00-10:00", Window{days(1, 2), 540, 600}, "mon,tue 09:00-10:00"},
		{"mon,wed,fri 09:00-10:00", Window{days(1, 3, 5), 540, 600}, "mon,wed,fri 09:00-10:00"},
		{"mon-wed,sat 09:00-10:00", Window{days(1, 2, 3, 6), 540, 600}, "mon-wed,sat 09:00-10:00"},
		{"mon 00:00-24:00", Window{days(1), 0, 1440}, "mon 00:00-24:00"},
		{"mon 22:00-00:00", Window{days(1), 1320, 0}, "mon 22:00-00:00"},
		{"mon 23:59-00:00", Window{days(1), 1439, 0}, "mon 23:59-00:00"},
		{"daily,mon 09:00-10:00", Window{allDays, 540, 600}, "daily 09:00-10:00"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseWindow(tc.in)
			if err != nil {
				t.Fatalf("ParseWindow: %v", err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if s := got.String(); s != tc.canon {
				t.Fatalf("String() = %q, want %q", s, tc.canon)
			}
			again, err := ParseWindow(got.String())
			if err != nil || again != got {
				t.Fatalf("round trip: %+v, %v", again, err)
			}
		})
	}
}

func TestParseWindowErrors(t *testing.T) {
	for _, in := range []string{
		"", "   ", "mon", "10:00-12:00", "mon 10:00", "mon 10-12", "mon 1000-1200",
		"funday 10:00-12:00", "mon-xyz 10:00-12:00", "mon-fri-sat 10:00-12:00", "mon,,tue 10:00-12:00", ", 10:00-12:00",
		"mon 24:00-01:00", "mon 10:60-11:00", "mon 25:00-26:00", "mon 10:00-24:01", "mon 10:0-11:00", "mon 100:00-101:00",
		"mon 10:00-10:00", "mon 00:00-00:00", "mon 10:00-12:00 extra", "mon 10:00--12:00", "mon :00-12:00",
		strings.Repeat("mon,", 20) + "mon 10:00-12:00",
	} {
		t.Run(in, func(t *testing.T) {
			w, err := ParseWindow(in)
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseWindow(%q) = %+v, %v; want *errs.Error", in, w, err)
			}
			if e.Code != "invalid_window" || e.Field != "safe_windows" || e.Message == "" {
				t.Fatalf("got %+v", e)
			}
			if w != (Window{}) {
				t.Fatalf("window returned with error: %+v", w)
			}
		})
	}
}

// TestWindowRoundTripAllDaySets checks String/ParseWindow for every
// non-empty set of weekdays and a spread of times, including midnight
// crossings and 24:00.
func TestWindowRoundTripAllDaySets(t *testing.T) {
	times := [][2]int{{0, 1}, {0, 1440}, {540, 1200}, {1320, 60}, {1439, 0}, {1439, 1440}, {61, 60}, {600, 601}}
	n := 0
	for mask := 1; mask < 1<<7; mask++ {
		var d [7]bool
		for i := range d {
			d[i] = mask&(1<<i) != 0
		}
		for _, tm := range times {
			w := Window{Days: d, Start: tm[0], End: tm[1]}
			s := w.String()
			got, err := ParseWindow(s)
			if err != nil || got != w {
				t.Fatalf("%+v → %q → %+v, %v", w, s, got, err)
			}
			if got.String() != s {
				t.Fatalf("String not stable: %q → %q", s, got.String())
			}
			n++
		}
	}
	if n != 127*len(times) {
		t.Fatalf("ran %d cases", n)
	}
}

func TestWindowCrossesMidnightAndDuration(t *testing.T) {
	tests := []struct {
		in      string
		crosses bool
		dur     time.Duration
	}{
		{"mon 10:00-12:00", false, 2 * time.Hour},
		{"mon 00:00-24:00", false, 24 * time.Hour},
		{"mon 22:00-24:00", false, 2 * time.Hour},
		{"fri 22:00-01:00", true, 3 * time.Hour},
		{"mon 22:00-00:00", true, 2 * time.Hour},
		{"mon 10:00-09:59", true, 23*time.Hour + 59*time.Minute},
		{"mon 00:01-00:00", true, 23*time.Hour + 59*time.Minute},
	}
	for _, tc := range tests {
		w, err := ParseWindow(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if w.CrossesMidnight() != tc.crosses || w.Duration() != tc.dur {
			t.Errorf("%s: crosses=%v dur=%v, want %v %v", tc.in, w.CrossesMidnight(), w.Duration(), tc.crosses, tc.dur)
		}
	}
}

func TestWindowJSON(t *testing.T) {
	type profileJSON struct {
		Windows []Window `json:"safe_windows"`
	}
	in := `{"safe_windows":["mon-fri 10:00-12:00","fri 22:00-01:00"]}`
	var p profileJSON
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	want := []Window{{days(1, 2, 3, 4, 5), 600, 720}, {days(5), 1320, 60}}
	if len(p.Windows) != 2 || p.Windows[0] != want[0] || p.Windows[1] != want[1] {
		t.Fatalf("decoded %+v", p.Windows)
	}
	out, err := json.Marshal(p)
	if err != nil || string(out) != in {
		t.Fatalf("encoded %s, %v", out, err)
	}
	err = json.Unmarshal([]byte(`{"safe_windows":["mon 10:00"]}`), &p)
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != "invalid_window" {
		t.Fatalf("bad window in JSON: %v", err)
	}
}

func TestDefaultWindow(t *testing.T) {
	if DefaultWindow.String() != "daily 09:00-20:00" {
		t.Fatalf("DefaultWindow = %s", DefaultWindow)
	}
}

// FuzzParseWindow: whatever ParseWindow accepts, String prints in a form
// that parses back to the same window, and that form is stable.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"mon-fri 10:00-12:00", "sat,sun 18:00-20:00", "daily 09:00-20:00", "fri 22:00-01:00", "fri-mon 9:00-24:00", "mon 1:00-0:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWindow(s)
		if err != nil {
			if errs.Code(err) != "invalid_window" {
				t.Fatalf("error code %q", errs.Code(err))
			}
			return
		}
		if !usable(w) {
			t.Fatalf("ParseWindow(%q) accepted an unusable window %+v", s, w)
		}
		c := w.String()
		again, err := ParseWindow(c)
		if err != nil || again != w || again.String() != c {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, w, c, again, err)
		}
	})
}
