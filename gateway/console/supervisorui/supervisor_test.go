package supervisorui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/console/consoletest"
	"safecontact/gateway/console/supervisorui"
	"safecontact/gateway/participant"
	"safecontact/keys"
)

// fakeStats counts nothing, for a supervisor only (as the gateway's).
type fakeStats struct{ now func() time.Time }

func (s fakeStats) Dashboard(_ context.Context, a *auth.Actor, zone *time.Location, days int) (supervisorui.DashboardStats, error) {
	return supervisorui.DashboardStats{Days: supervisorui.DashboardDays(s.now(), zone, days)}, nil
}

// mount mounts the pages on the audit log, participant and user
// capabilities over the env's database and clock.
func mount(t *testing.T) *consoletest.Env {
	t.Helper()
	e := consoletest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	appendAudit := func(ctx context.Context, q *db.Queries, a *auth.Actor, action string, details map[string]any) error {
		_, err := audit.Append(ctx, q, a, audit.Event{Action: action, Details: details})
		return err
	}
	supervisorui.Mount(e.Console, supervisorui.Deps{
		Audit:        audit.New(audit.Deps{DB: e.DB, Now: e.Clock.Now, Log: log}, audit.Config{}),
		Participants: participant.New(participant.Deps{DB: e.DB, Keys: keys.NewTestRing(), Now: e.Clock.Now, Log: log}, participant.Config{}),
		Users:        auth.NewUsers(auth.UsersDeps{DB: e.DB, Audit: appendAudit, SigninAudit: signintest.Audit}),
		Signin:       e.Signin,
		Stats:        fakeStats{e.Clock.Now},
	})
	return e
}

// The supervisor's pages are for supervisors and admins, the user pages
// for admins: anyone else gets the 403 page (or the sign-in page), whose
// menu has no link to them; the right role sees them and their links.
func TestSupervisorPagesByRole(t *testing.T) {
	t.Parallel()
	e := mount(t)
	e.CheckPages(t, []consoletest.PageAccess{
		{Path: "/dashboard", Role: "supervisor", Nav: "/dashboard"},
		{Path: "/audit", Role: "supervisor", Nav: "/audit"},
		{Path: "/audit?action=user.created", Role: "supervisor", Nav: "/audit"},
		{Path: "/admin/users", Role: "admin", Nav: "/admin/users"},
	})
	for _, v := range e.Everyone() {
		// Her contact log: the core refuses staff; a supervisor is told
		// there is no such participant.
		pg := v.Get("/participants/P-0000000/contact-log")
		switch {
		case !v.Opens("supervisor") && !pg.Refused():
			t.Errorf("%s: contact log %d", v.Name, pg.Status)
		case v.Opens("supervisor") && pg.Status != http.StatusNotFound:
			t.Errorf("%s: contact log %d", v.Name, pg.Status)
		}
		if !v.Opens("admin") {
			if pg := v.Post("/admin/users", url.Values{"name": {"nuria"}, "role": {"staff"}}); !pg.Refused() {
				t.Errorf("%s: add a user %d", v.Name, pg.Status)
			}
		}
	}
}

// The new-user form refuses a bad name, a name in use and a role that is
// none with a sentence in her language.
func TestNewUserRefusedInHerLanguage(t *testing.T) {
	t.Parallel()
	e := mount(t)
	admin := e.As("admin")
	if pg := admin.Post("/admin/users", url.Values{"name": {"nuria"}, "role": {"staff"}}); pg.Status != http.StatusOK {
		t.Fatalf("add: %d %s", pg.Status, pg.Alert())
	}
	for _, lang := range consoletest.Languages(t) {
		L := consoletest.L(t, lang)
		for _, tc := range []struct {
			name string
			form url.Values
			key  string
		}{
			{"a bad name", url.Values{"name": {"n uria!"}, "role": {"staff"}}, "supervisor.error_user_name"},
			{"a name in use", url.Values{"name": {"nuria"}, "role": {"staff"}}, "supervisor.error_duplicate_user"},
			{"no such role", url.Values{"name": {"olga"}, "role": {"owner"}}, "supervisor.error_role"},
		} {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				pg := admin.In(lang).Post("/admin/users", tc.form)
				if pg.Status != http.StatusUnprocessableEntity {
					t.Fatalf("%d", pg.Status)
				}
				if got, want := pg.Alert(), L.T(tc.key); got != want {
					t.Errorf("alert %q, want %q", got, want)
				}
			})
		}
	}
}
