package gateway_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"safecontact/gateway"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/gatewaytest"
)

func withConsole(t *testing.T) (*gatewaytest.Env, *signin.Service) {
	t.Helper()
	e := gatewaytest.New(t)
	svc, _, err := e.Server.NewConsole(gateway.ConsoleConfig{Signin: signin.Config{Params: signintest.FastParams}, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	return e, svc
}

// With the console mounted, the API's paths keep their JSON answers and
// headers, and every other path is the console's, with its headers.
func TestConsoleMountSplitsPaths(t *testing.T) {
	t.Parallel()
	e, _ := withConsole(t)
	serve := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = "127.0.0.1:5000"
		e.Server.Handler().ServeHTTP(w, r)
		return w
	}
	for _, p := range []string{"/v1/nothing", "/v1", "/webhooks/nothing", "/webhooks/twilio/nothing"} {
		w := serve("GET", p)
		if w.Code != 404 || !strings.Contains(w.Body.String(), `"not_found"`) || w.Header().Get("Content-Security-Policy") != "" {
			t.Errorf("%s: %d %q %v", p, w.Code, w.Body, w.Header())
		}
	}
	if w := serve("GET", "/healthz"); w.Code != 200 || w.Header().Get("Content-Security-Policy") != "" {
		t.Errorf("/healthz: %d %v", w.Code, w.Header())
	}
	if w := serve("POST", "/healthz"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: %d", w.Code)
	}
	for _, p := range []string{"/", "/signin", "/participants/P-7K3QX", "/v1x"} {
		w := serve("GET", p)
		if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: console headers missing: %d %v", p, w.Code, w.Header())
		}
		if w.Header().Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", p)
		}
	}
	if w := serve("GET", "/signin"); w.Code != 200 || !strings.Contains(w.Body.String(), `name="password"`) {
		t.Errorf("/signin: %d", w.Code)
	}
	if w := serve("GET", "/"); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signin" {
		t.Errorf("/ signed out: %d %v", w.Code, w.Header())
	}
	if strings.Contains(e.Logs.String(), "P-7K3QX") {
		t.Error("a console path reached the log")
	}
}

// The scheduler's pruning step deletes ended sessions, at most every
// pruneEvery.
func TestSchedulerPrunesSignin(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, e.DB, "pruned", "staff", "correct horse battery staple")
	client := signin.Client{IP: net.ParseIP("127.0.0.1"), RequestID: "0123456789abcdef"}
	sessions := func() int {
		var n int
		if err := e.DB.QueryRow(`SELECT count(*) FROM console_sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	signIn := func() {
		if _, err := svc.SignIn(ctx, "pruned", "correct horse battery staple", client); err != nil {
			t.Fatal(err)
		}
	}
	step := gateway.PruneSignin(svc, e.Server.Log())
	run := func(at time.Time) {
		if _, err := step.Run(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	t0 := e.Clock.Now()
	signIn()
	run(t0)
	if sessions() != 1 {
		t.Fatal("a live session was pruned")
	}
	e.Clock.Set(t0.Add(time.Hour))      // idle past the timeout: ended
	run(t0.Add(gateway.PruneEvery / 2)) // the step ran less than pruneEvery ago
	if sessions() != 1 {
		t.Fatal("pruned again within pruneEvery")
	}
	run(e.Clock.Now())
	if n := sessions(); n != 0 {
		t.Fatalf("%d ended sessions left", n)
	}

	// In the scheduler: a tick runs it.
	signIn()
	e.Clock.Set(e.Clock.Now().Add(time.Hour))
	sc := e.Server.NewScheduler()
	sc.Add(gateway.PruneSignin(svc, e.Server.Log()))
	if _, err := sc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sessions(); n != 0 {
		t.Fatalf("the scheduler left %d ended sessions", n)
	}
}
