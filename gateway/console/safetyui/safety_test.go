package safetyui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/console/consoletest"
	"safecontact/gateway/console/safetyui"
)

// fakeSafety answers the pages' reads with nothing booked, one meeting
// point and no check-in plan; it refuses a meeting point it has already.
type fakeSafety struct {
	safetyui.Safety // the methods these tests do not reach
}

var now = time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC)

func (fakeSafety) Now() time.Time                { return now }
func (fakeSafety) SessionSpacing() time.Duration { return 30 * time.Minute }

func (fakeSafety) Venues(context.Context, *auth.Actor, time.Time) ([]string, error) {
	return []string{"Centro"}, nil
}

func (fakeSafety) VenueWeek(context.Context, *auth.Actor, string, time.Time, time.Time) ([]safetyui.Session, error) {
	return nil, nil
}

func (fakeSafety) MeetingPoints(context.Context, *auth.Actor) ([]safetyui.MeetingPoint, error) {
	return []safetyui.MeetingPoint{{ID: 1, Name: "Plaza Mayor", Kind: "metro", AtForms: map[string]string{"ca": "a la Plaza Mayor"}}}, nil
}

func (fakeSafety) PatchMeetingPointAtForms(_ context.Context, _ *auth.Actor, _ int64, forms map[string]string) error {
	if forms["es"] == "en la plaza" {
		return errs.Field("at_form_lacks_name", "at_forms.es", "an at form must contain the meeting point's name")
	}
	return nil
}

func (fakeSafety) AddMeetingPoint(_ context.Context, _ *auth.Actor, name, kind string) error {
	if name == "Plaza Mayor" {
		return errs.Field("duplicate_meeting_point", "name", "there is a meeting point of that name")
	}
	return nil
}

func (fakeSafety) ParticipantZone(context.Context, *auth.Actor, string) (string, error) {
	return "Europe/Madrid", nil
}

func (fakeSafety) CheckinPlan(_ context.Context, _ *auth.Actor, code string) (safetyui.CheckinPlan, error) {
	return safetyui.CheckinPlan{Participant: code, Zone: "Europe/Madrid"}, nil
}

func mount(t *testing.T) *consoletest.Env {
	t.Helper()
	e := consoletest.New(t)
	safetyui.Mount(e.Console, safetyui.Deps{Safety: fakeSafety{}})
	return e
}

// Every page of the area is for signed-in staff: nobody else reaches it,
// and staff and above see it, with the area's menu.
func TestSafetyPagesByRole(t *testing.T) {
	t.Parallel()
	e := mount(t)
	e.CheckPages(t, []consoletest.PageAccess{
		{Path: "/appointments", Role: "staff", Nav: "/appointments"},
		{Path: "/appointments?venue=Centro", Role: "staff", Nav: "/appointments"},
		{Path: "/meeting-points", Role: "staff", Nav: "/meeting-points"},
		{Path: "/meeting-points/1", Role: "staff", Nav: "/meeting-points"},
		{Path: "/participants/P-7K3QX/checkins", Role: "staff", Nav: "/meeting-points"},
	})
	for _, v := range e.Everyone() {
		if !v.Opens("staff") {
			if pg := v.Post("/meeting-points", url.Values{"name": {"Biblioteca"}, "kind": {"library"}}); !pg.Refused() {
				t.Errorf("%s: add a meeting point: %d", v.Name, pg.Status)
			}
			if pg := v.Post("/meeting-points/1", url.Values{"at_ca": {"a la Plaza Mayor"}}); !pg.Refused() {
				t.Errorf("%s: at forms: %d", v.Name, pg.Status)
			}
		}
	}
}

// The booking and meeting-point forms refuse bad input with a sentence
// in her language.
func TestSafetyFormsRefusedInHerLanguage(t *testing.T) {
	t.Parallel()
	e := mount(t)
	staff := e.As("staff")
	for _, lang := range consoletest.Languages(t) {
		L := consoletest.L(t, lang)
		for _, tc := range []struct {
			name, path string
			form       url.Values
			key        string
		}{
			{"booking without a start", "/appointments", url.Values{"participant": {"P-7K3QX"}, "venue": {"Centro"}, "kind": {"individual"}}, "safety.error.missing_field"},
			{"booking with a bad start", "/appointments", url.Values{"participant": {"P-7K3QX"}, "venue": {"Centro"}, "start": {"tomorrow"}}, "safety.error.missing_field"},
			{"meeting point twice", "/meeting-points", url.Values{"name": {"Plaza Mayor"}, "kind": {"metro"}}, "safety.error.duplicate_meeting_point"},
			{"at form without the name", "/meeting-points/1", url.Values{"at_es": {"en la plaza"}}, "safety.error.at_form_lacks_name"},
		} {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				staff.In(lang).Post(tc.path, tc.form).CheckRefused(t, L.T(tc.key))
			})
		}
	}
	if pg := staff.Post("/meeting-points", url.Values{"name": {"Biblioteca"}, "kind": {"library"}}); pg.Status != http.StatusSeeOther {
		t.Errorf("added: %d", pg.Status)
	}
}
