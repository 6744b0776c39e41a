package gateway_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/console/consoletest"
	"safecontact/gateway/gatewaytest"
)

// Helpers for the console's task pages, tested through the gateway's own
// handler (the console mounted as in serve) on the env's database, clock
// and services. A page test signs in as one of the env's users (the same
// user the API token of that role belongs to), so what a page does can be
// checked through the API and the audit log.

// consolePassword is every test user's console password.
const consolePassword = "correct horse battery staple"

// webUser is a signed-in console session: requests carry its cookie and
// come from loopback (the plain-HTTP dev cookie).
type webUser struct {
	t      testing.TB
	e      *gatewaytest.Env
	cookie *http.Cookie
}

// webPage is a console answer.
type webPage struct {
	Status int
	Body   string
	Header http.Header
}

// signInAs signs the env's user of role in to the console (mounted with
// withConsole): her password is set, and a supervisor or admin enrols a
// second step at the env's clock, as a browser would.
func signInAs(t testing.TB, e *gatewaytest.Env, svc *signin.Service, role auth.Role) *webUser {
	t.Helper()
	ctx := context.Background()
	name := string(role) + "-user"
	err := db.InTx(ctx, e.DB, func(q *db.Queries, _ *sql.Tx) error {
		u, err := q.UserByName(ctx, name)
		if err != nil {
			return err
		}
		return svc.SetPassword(ctx, q, signin.Actor{Name: "test"}, u.ID, consolePassword, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	cl := consoletest.SignIn(t, e.Server.Handler(), svc, e.Clock.Now, name, consolePassword)
	return &webUser{t: t, e: e, cookie: cl.Cookie()}
}

func (u *webUser) serve(req *http.Request) webPage {
	req.RemoteAddr = "127.0.0.1:5000"
	req.AddCookie(u.cookie)
	w := httptest.NewRecorder()
	u.e.Server.Handler().ServeHTTP(w, req)
	return webPage{Status: w.Code, Body: w.Body.String(), Header: w.Header()}
}

// get fetches a console page.
func (u *webUser) get(path string) webPage {
	u.t.Helper()
	return u.serve(httptest.NewRequest("GET", path, nil))
}

// post submits a form as the browser would (same origin).
func (u *webUser) post(path string, form url.Values) webPage {
	u.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return u.serve(req)
}

// A signed-in staff member and supervisor reach the console's home page.
func TestConsoleSignInAsRoles(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	for _, role := range []auth.Role{auth.RoleStaff, auth.RoleSupervisor} {
		p := signInAs(t, e, svc, role).get("/")
		if p.Status != http.StatusOK || !strings.Contains(p.Body, string(role)+"-user") {
			t.Errorf("%s: home %d", role, p.Status)
		}
	}
}
