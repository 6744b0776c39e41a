package consoletest_test

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"testing"

	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/console/consoletest"
	"safecontact/gateway/gatewaytest"
)

// The menu of the console as the gateway mounts it (every area), for
// each role: exactly the pages of the menu her role may open, in order,
// and every link answers 200 for her.
func TestMenuOfEveryRoleOpens(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	svc, _, err := e.Server.NewConsole(gateway.ConsoleConfig{Signin: signin.Config{Params: signintest.FastParams}, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	staff := []string{"/", "/participants", "/callbacks", "/inbox", "/escalations", "/appointments", "/meeting-points", "/referrals"}
	supervisor := append(slices.Clone(staff), "/dashboard", "/audit")
	admin := append(slices.Clone(supervisor), "/admin/users", "/admin/partners")
	for _, tc := range []struct {
		role string
		want []string
	}{
		{"staff", append(staff, "/account")},
		{"supervisor", append(supervisor, "/account")},
		{"admin", append(admin, "/account")},
	} {
		t.Run(tc.role, func(t *testing.T) {
			ctx := context.Background()
			name := tc.role + "-user"
			err := db.InTx(ctx, e.DB, func(q *db.Queries, _ *sql.Tx) error {
				u, err := q.UserByName(ctx, name)
				if err != nil {
					return err
				}
				return svc.SetPassword(ctx, q, signin.Actor{Name: "test"}, u.ID, consoletest.Password, false)
			})
			if err != nil {
				t.Fatal(err)
			}
			c := consoletest.SignIn(t, e.Server.Handler(), svc, e.Clock.Now, name, consoletest.Password)
			home := c.Get("/")
			if home.Status != http.StatusOK {
				t.Fatalf("/: %d", home.Status)
			}
			got := home.NavLinks()
			if !slices.Equal(got, tc.want) {
				t.Errorf("menu:\n got %v\nwant %v", got, tc.want)
			}
			for _, p := range got {
				pg := c.Get(p)
				if pg.Status != http.StatusOK {
					t.Errorf("%s: %d", p, pg.Status)
				}
				if links := pg.NavLinks(); !slices.Equal(links, got) {
					t.Errorf("%s: menu %v, on / %v", p, links, got)
				}
			}
		})
	}
}
