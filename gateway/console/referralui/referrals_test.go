package referralui_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/console/consoletest"
	"safecontact/gateway/console/referralui"
	"safecontact/gateway/referrals"
	"safecontact/keys"
)

// mount mounts the pages on the referrals capability over the env's
// database and clock, as a configured organisation.
func mount(t *testing.T) *consoletest.Env {
	t.Helper()
	e := consoletest.New(t)
	svc := referrals.New(referrals.Deps{
		DB: e.DB, Keys: keys.NewTestRing(), Org: keys.NewTestOrg("Test org"), Now: e.Clock.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Audit: func(ctx context.Context, q *db.Queries, a referrals.Actor, ev referrals.Event) error {
			_, err := audit.Append(ctx, q, &auth.Actor{UserID: a.UserID, Name: a.Name, Role: auth.Role(a.Role), RequestID: a.RequestID, IP: a.IP},
				audit.Event{Action: ev.Action, ParticipantCode: ev.ParticipantCode, Details: ev.Details})
			return err
		},
	}, referrals.Config{})
	referralui.Mount(e.Console, referralui.Deps{Referrals: svc})
	return e
}

// The referral pages are for staff, the partner directory for admins:
// anyone else gets the 403 page (or the sign-in page), whose menu has no
// link to them; the right role sees them and their links.
func TestReferralPagesByRole(t *testing.T) {
	t.Parallel()
	e := mount(t)
	e.CheckPages(t, []consoletest.PageAccess{
		{Path: "/referrals", Role: "staff", Nav: "/referrals"},
		{Path: "/referrals/new", Role: "staff", Nav: "/referrals"},
		{Path: "/admin/partners", Role: "admin", Nav: "/admin/partners"},
	})
	for _, v := range e.Everyone() {
		if !v.Opens("staff") {
			if pg := v.Post("/referrals", url.Values{"initials": {"AB"}}); !pg.Refused() {
				t.Errorf("%s: draft %d", v.Name, pg.Status)
			}
		}
		if !v.Opens("admin") {
			if pg := v.Post("/admin/partners", url.Values{"card": {"x"}}); !pg.Refused() {
				t.Errorf("%s: add a partner %d", v.Name, pg.Status)
			}
		}
	}
}

// The new-referral form refuses a form without a partner, a field asking
// for her name and a field it does not have, with a sentence in her
// language.
func TestNewReferralRefusedInHerLanguage(t *testing.T) {
	t.Parallel()
	e := mount(t)
	staff := e.As("staff")
	for _, lang := range consoletest.Languages(t) {
		L := consoletest.L(t, lang)
		for _, tc := range []struct {
			name string
			form url.Values
			want string
		}{
			{"no partner", url.Values{"initials": {"AB"}}, L.T("referrals.send.partner") + ": " + L.T("referrals.error.missing_field")},
			{"her name", url.Values{"partner": {"1"}, "name": {"María Ruiz"}}, L.T("referrals.error.real_name_forbidden")},
			{"a field the form lacks", url.Values{"partner": {"1"}, "colour": {"red"}}, L.T("referrals.error.unknown_field")},
		} {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				staff.In(lang).Post("/referrals", tc.form).CheckRefused(t, L.T("referrals.send.refused", "error", tc.want))
			})
		}
	}
}
