package participantui_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"safecontact/gateway/console/consoletest"
	"safecontact/gateway/console/participantui"
	"safecontact/gateway/participant"
	"safecontact/keys"
)

// mount mounts the pages on the participant capability over the env's
// database and clock.
func mount(t *testing.T) *consoletest.Env {
	t.Helper()
	e := consoletest.New(t)
	parts := participant.New(participant.Deps{DB: e.DB, Keys: keys.NewTestRing(), Now: e.Clock.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, participant.Config{DefaultRegion: "ES", NumberRefusalBurst: 2, NumberRefusalDailyBudget: 3})
	participantui.Mount(e.Console, participantui.Deps{Participants: parts})
	return e
}

// valid is a registration the capability takes.
func valid() url.Values {
	return url.Values{"initials": {"M.R."}, "language": {"es"}, "time_zone": {"Europe/Madrid"}, "phone": {"+34 612 345 678"},
		"safe_windows": {"mon-fri 10:00-13:00"}, "channel_preference": {"sms"}}
}

// The participant pages are for signed-in staff: nobody else reaches
// them (nor registers anyone), and staff and above see them, with the
// menu entry.
func TestParticipantPagesByRole(t *testing.T) {
	t.Parallel()
	e := mount(t)
	staff := e.As("staff")
	pg := staff.Post("/participants", valid())
	if pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.Header.Get("Location"), "/participants/P-") {
		t.Fatalf("register: %d %v %s", pg.Status, pg.Header, pg.Alert())
	}
	her, _, _ := strings.Cut(pg.Header.Get("Location"), "?")
	for _, v := range append(e.Everyone(), consoletest.Visitor{Name: "her caseworker", Role: "staff", Client: staff}) {
		for _, p := range []string{"/participants", "/participants/new", her} {
			t.Run(v.Name+p, func(t *testing.T) {
				pg := v.Get(p)
				if !v.Opens("staff") {
					if !pg.Refused() {
						t.Fatalf("%d %v", pg.Status, pg.Header)
					}
					return
				}
				// Her page is her team's (and supervisors'): another
				// staff member is refused by the capability, not the core.
				if p == her && v.Name == "staff" {
					if pg.Status != http.StatusForbidden && pg.Status != http.StatusNotFound && pg.Status != http.StatusOK {
						t.Fatalf("%d", pg.Status)
					}
					return
				}
				if pg.Status != http.StatusOK {
					t.Fatalf("%d", pg.Status)
				}
				if !slices.Contains(pg.NavLinks(), "/participants") {
					t.Errorf("menu %v", pg.NavLinks())
				}
			})
		}
		if !v.Opens("staff") {
			if pg := v.Post("/participants", valid()); !pg.Refused() {
				t.Errorf("%s: register %d", v.Name, pg.Status)
			}
		}
	}
}

// The registration form refuses bad input with a sentence in her
// language, beside the refused field.
func TestRegistrationRefusedInHerLanguage(t *testing.T) {
	t.Parallel()
	e := mount(t)
	staff := e.As("staff")
	with := func(k, v string) url.Values {
		f := valid()
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	for _, lang := range consoletest.Languages(t) {
		L := consoletest.L(t, lang)
		for _, tc := range []struct {
			name string
			form url.Values
			key  string
		}{
			{"her name", with("name", "María Ruiz"), "participants.error.real_name_forbidden"},
			{"no initials", with("initials", ""), "participants.error.missing_field"},
			{"a zone that is none", with("time_zone", "Mars/Olympus"), "participants.error.invalid_time_zone"},
			{"a window unread", with("safe_windows", "whenever"), "participants.error.invalid_window"},
			{"a field the form lacks", with("notes", "x"), "participants.error.unknown_field"},
		} {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				staff.In(lang).Post("/participants", tc.form).CheckRefused(t, L.T("participants.new.refused", "error", L.T(tc.key)))
			})
		}
	}
}
