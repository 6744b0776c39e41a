package console_test

import (
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"safecontact/db/dbtest"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/console"
)

// The console is served by the real sign-in service on a fresh database.
var _ console.Auth = (*signin.Service)(nil)

const pw = "correct horse battery staple"

type bundle struct {
	srv     *httptest.Server
	console *console.Console
	svc     *signin.Service
	db      *sql.DB
	clock   *signintest.Clock
}

// setup starts the console over plain HTTP on loopback (the dev cookie)
// with the sign-in service hashing with params. A supervisor-only page at
// /test/supervisor stands in for the task pages.
func setup(t *testing.T, params signin.Params) bundle {
	t.Helper()
	pool, _ := dbtest.New(t)
	svc, b := signintest.New(t, pool, signin.Config{Params: params})
	c, err := console.New(console.Deps{
		Auth: svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Config: console.Config{DefaultZone: "Europe/Madrid", AllowLoopbackHTTP: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Page("GET /test/supervisor", "supervisor", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "supervisor page for "+console.SessionOf(r).Name)
	})
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(srv.Close)
	return bundle{srv: srv, console: c, svc: svc, db: pool, clock: b.Clock}
}

func (b bundle) addUser(t *testing.T, name, role string) int64 {
	t.Helper()
	return signintest.AddUser(t, b.svc, b.db, name, role, pw)
}

func newRequest(acceptLanguage string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", acceptLanguage)
	return r
}
