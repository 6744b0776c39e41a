package rules

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"safecontact/errs"
)

func fieldOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func TestParseEvery(t *testing.T) {
	cases := []struct {
		raw      string
		days     int
		weekdays []int32
		field    string
	}{
		{`"72h"`, 3, []int32{}, ""},
		{`["mon","Thu"," mon "]`, 0, []int32{1, 4}, ""},
		{`"36h"`, 0, nil, "every"},
		{`"744h"`, 0, nil, "every"},
		{`["someday"]`, 0, nil, "every"},
		{`[]`, 0, nil, "every"},
		{``, 0, nil, "every"},
	}
	for _, c := range cases {
		days, wd, err := ParseEvery(json.RawMessage(c.raw))
		if c.field != "" {
			if fieldOf(err) != c.field {
				t.Errorf("%s: err %v, want a %s field error", c.raw, err, c.field)
			}
			continue
		}
		if err != nil || days != c.days || len(wd) != len(c.weekdays) || wd == nil {
			t.Errorf("%s: got %d %v %v, want %d %v", c.raw, days, wd, err, c.days, c.weekdays)
			continue
		}
		for i := range wd {
			if wd[i] != c.weekdays[i] {
				t.Errorf("%s: weekdays %v, want %v", c.raw, wd, c.weekdays)
			}
		}
	}
}

func TestPlanReplies(t *testing.T) {
	rep, err := PlanReplies(" Todo bien! ", "AYUDA", []string{"Café  con leche"})
	if err != nil || rep.Ok != "todo bien" || rep.Help != "ayuda" || len(rep.Duress) != 1 || rep.Duress[0] != "cafe con leche" {
		t.Fatalf("got %+v %v", rep, err)
	}
	for _, c := range []struct {
		ok, help string
		duress   []string
		field    string
	}{
		{"", "ayuda", nil, "ok_reply"},
		{"bien", "!!", nil, "ok_reply"},
		{"bien", "ayuda", []string{"?"}, "duress_words"},
		{"bien", "ayuda", []string{"Bien"}, "duress_words"},
		{"bien", "bien", nil, "duress_words"},
	} {
		if _, err := PlanReplies(c.ok, c.help, c.duress); fieldOf(err) != c.field {
			t.Errorf("%q %q %v: err %v, want a %s field error", c.ok, c.help, c.duress, err, c.field)
		}
	}
}

func TestContainsPhrase(t *testing.T) {
	body := NormalizeReply("Sí, todo BIEN, gracias")
	for phrase, want := range map[string]bool{"todo bien": true, "si": true, "bien gracias": true, "odo": false, "": false} {
		if got := ContainsPhrase(body, phrase); got != want {
			t.Errorf("ContainsPhrase(%q, %q) = %v", body, phrase, got)
		}
	}
}

func TestNextSlot(t *testing.T) {
	madrid, _ := time.LoadLocation("Europe/Madrid")
	from := time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC) // Wednesday 14:00 in Madrid
	// Weekday plan: Wednesday 10:00 has passed, so next Monday 10:00 (08:00 UTC).
	if got, want := NextSlot(0, []int32{1, 3}, "10:00", madrid, time.Time{}, from), time.Date(2026, 6, 8, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("weekdays: %v, want %v", got, want)
	}
	// Interval plan counts from the previous slot, across the DST change.
	prev := time.Date(2026, 10, 24, 7, 0, 0, 0, time.UTC) // Saturday 09:00 CEST
	if got, want := NextSlot(2, nil, "09:00", madrid, prev, prev), time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("interval: %v, want %v", got, want)
	}
}

func TestFreeSlots(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 6, 3, h, m, 0, 0, time.UTC) }
	starts := []time.Time{at(11, 0), at(10, 0)}
	earlier, later := FreeSlots(starts, at(10, 30), time.Hour)
	if !earlier.Equal(at(9, 0)) || !later.Equal(at(12, 0)) {
		t.Errorf("got %v %v, want 09:00 and 12:00", earlier, later)
	}
}

func TestCheckReminders(t *testing.T) {
	if err := CheckReminders([]string{"24h", "2h", "2d"}); err != nil {
		t.Errorf("valid leads: %v", err)
	}
	for _, leads := range [][]string{{"5m"}, {"2h", "2h"}, {"1h", "2h", "3h", "4h", "5h", "6h"}, {"15d"}} {
		if fieldOf(CheckReminders(leads)) != "reminders" {
			t.Errorf("%v: want a reminders field error", leads)
		}
	}
}

func TestCheckinCode(t *testing.T) {
	for range 50 {
		if c := CheckinCode(); len(c) != 4 || c[0] < '0' || c[0] > '9' {
			t.Fatalf("code %q", c)
		}
	}
}
