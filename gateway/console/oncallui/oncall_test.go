package oncallui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/console/consoletest"
	"safecontact/gateway/console/oncallui"
)

// fakeOnCall answers the pages' reads with one open escalation and empty
// queues; its resolve refuses as the service does without a note.
type fakeOnCall struct {
	oncallui.OnCall // the methods these tests do not reach
}

func (fakeOnCall) Callbacks(context.Context, *auth.Actor) ([]oncallui.Callback, error) {
	return nil, nil
}

func (fakeOnCall) Inbox(context.Context, *auth.Actor, bool) ([]oncallui.Reply, error) {
	return nil, nil
}

func (fakeOnCall) Escalations(context.Context, *auth.Actor) ([]oncallui.Escalation, error) {
	return []oncallui.Escalation{esc}, nil
}

func (fakeOnCall) Escalation(_ context.Context, _ *auth.Actor, id string) (oncallui.Escalation, error) {
	if id != esc.ID {
		return oncallui.Escalation{}, errs.New(errs.CodeNotFound, "no such escalation")
	}
	return esc, nil
}

func (fakeOnCall) EmergencyProtocol() string { return "Call 112." }

func (fakeOnCall) ResolveEscalation(_ context.Context, _ *auth.Actor, id, outcome, note string) error {
	switch {
	case outcome == "":
		return errs.Field("missing_field", "outcome", "the outcome is required")
	case note == "":
		return errs.Field("note_required", "note", "a duress escalation needs a note")
	}
	return nil
}

var esc = oncallui.Escalation{ID: "e1", Participant: "P-7K3QX", Initials: "AB", Status: "open", Level: 1,
	CreatedAt: time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC), Age: 5 * time.Minute, Reason: "duress"}

func mount(t *testing.T) *consoletest.Env {
	t.Helper()
	e := consoletest.New(t)
	oncallui.Mount(e.Console, oncallui.Deps{OnCall: fakeOnCall{}})
	return e
}

// Every page of the area is for signed-in staff: nobody else reaches it
// (the sign-in page, or her pending step), and staff and above see it,
// with the area's menu.
func TestOnCallPagesByRole(t *testing.T) {
	t.Parallel()
	e := mount(t)
	e.CheckPages(t, []consoletest.PageAccess{
		{Path: "/callbacks", Role: "staff", Nav: "/callbacks"},
		{Path: "/inbox", Role: "staff", Nav: "/inbox"},
		{Path: "/escalations", Role: "staff", Nav: "/escalations"},
		{Path: "/escalations/e1/resolve", Role: "staff", Nav: "/escalations"},
	})
	// Posts too.
	for _, v := range e.Everyone()[:2] {
		if pg := v.Post("/escalations/e1/resolve", url.Values{"outcome": {"safe"}, "note": {"x"}}); !pg.Refused() {
			t.Errorf("%s: resolve %d", v.Name, pg.Status)
		}
	}
}

// The resolve form shows a refusal in her language, the outcome she
// chose kept.
func TestOnCallResolveRefusedInHerLanguage(t *testing.T) {
	t.Parallel()
	e := mount(t)
	staff := e.As("staff")
	for _, lang := range consoletest.Languages(t) {
		L := consoletest.L(t, lang)
		for _, tc := range []struct {
			name string
			form url.Values
			key  string
		}{
			{"no note", url.Values{"outcome": {"safe"}}, "oncall.refused.note_required"},
			{"no outcome", url.Values{"note": {"she is safe"}}, "oncall.refused.invalid_text"},
		} {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				staff.In(lang).Post("/escalations/e1/resolve", tc.form).CheckRefused(t, L.T(tc.key))
			})
		}
	}
	if pg := staff.Post("/escalations/e1/resolve", url.Values{"outcome": {"safe"}, "note": {"she is safe"}}); pg.Status != http.StatusSeeOther || pg.Header.Get("Location") != "/escalations?m=resolved" {
		t.Errorf("resolved: %d %v", pg.Status, pg.Header)
	}
}
