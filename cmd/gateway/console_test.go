package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"safecontact/db"
	"safecontact/db/dbtest"
)

// served is a gateway started with `gateway serve --sink` on a fresh
// database, as an operator would run it.
type served struct {
	base, dbURL string
	log         *lockedBuffer
}

// startServe makes a key file, runs users add for each "name:role" with a
// generated console password, starts serve and waits until it answers.
// It returns the passwords printed by users add.
func startServe(t *testing.T, users ...string) (served, map[string]string) {
	t.Helper()
	_, dbURL := dbtest.New(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys.json")
	if code, _, stderr := runCmd(t, "keys", "init", "--key-file", keyFile); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}
	passwords := map[string]string{}
	for _, u := range users {
		name, role, _ := strings.Cut(u, ":")
		code, out, stderr := runCmd(t, "users", "add", "--database-url", dbURL, "--name", name, "--role", role, "--generate-password")
		m := regexp.MustCompile(`console password \(shown once[^)]*\): (\S+)`).FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("users add %s: %d %q %q", name, code, out, stderr)
		}
		passwords[name] = m[1]
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	s := served{base: "http://" + addr, dbURL: dbURL, log: &lockedBuffer{}}
	wg.Add(1)
	go func() {
		defer wg.Done()
		run(ctx, []string{"serve", "--sink", "--database-url", dbURL, "--key-file", keyFile, "--data-dir", dir, "--addr", addr,
			"--metrics-addr", ""}, &bytes.Buffer{}, s.log)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if t.Failed() {
			t.Logf("serve's log:\n%s", s.log.String())
		}
	})
	// Generous: on a loaded machine migrations and NATS can take a while.
	deadline := time.Now().Add(90 * time.Second)
	for {
		if res, err := http.Get(s.base + "/healthz"); err == nil && res.StatusCode == 200 {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s, passwords
}

// browserish is an HTTP client with a cookie jar that follows redirects.
func browserish(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// The console is served by `gateway serve` beside the API: a user made
// with `users add --generate-password` signs in with the printed
// password, must choose her own, and reaches the home page; the API, its
// health checks and its 404s keep their JSON answers and headers; a
// password reset by an administrator ends her session and is audited;
// no password reaches the log or the audit log.
func TestConsoleMountedSignInWithUsersAddPassword(t *testing.T) {
	s, pw := startServe(t, "ana:staff")
	c := browserish(t)

	res, body := get(t, c, s.base+"/")
	if res.StatusCode != 200 || res.Request.URL.Path != "/signin" || !strings.Contains(body, `name="password"`) {
		t.Fatalf("GET / signed out: %d at %s", res.StatusCode, res.Request.URL)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("console headers: %v", res.Header)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Error("console answer without the gateway's request id")
	}

	// A wrong password is refused.
	if res, _ := post(t, c, s.base+"/signin", url.Values{"name": {"ana"}, "password": {"not her password at all"}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	// The printed one leads to choosing her own.
	res, _ = post(t, c, s.base+"/signin", url.Values{"name": {"ana"}, "password": {pw["ana"]}})
	if res.StatusCode != 200 || res.Request.URL.Path != "/signin/password" {
		t.Fatalf("sign in with the printed password: %d at %s", res.StatusCode, res.Request.URL)
	}
	mine := "a kettle sings on the third floor"
	res, body = post(t, c, s.base+"/signin/password", url.Values{"new": {mine}, "confirm": {mine}})
	if res.StatusCode != 200 || res.Request.URL.Path != "/" || !strings.Contains(body, "ana") {
		t.Fatalf("forced change: %d at %s", res.StatusCode, res.Request.URL)
	}
	for _, cookie := range c.Jar.Cookies(res.Request.URL) {
		if strings.Contains(cookie.Name, "session") && cookie.Value == "" {
			t.Fatalf("empty session cookie")
		}
	}

	// The API side is untouched: JSON 404s with the API headers, no CSP
	// page for an API client.
	for _, p := range []string{"/v1/nothing", "/v1", "/webhooks/nothing"} {
		res, body := get(t, http.DefaultClient, s.base+p)
		if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"not_found"`) {
			t.Errorf("%s: %d %s %q", p, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		if res.Header.Get("Content-Security-Policy") != "" {
			t.Errorf("%s: the console's headers on an API answer", p)
		}
	}
	if res, _ := get(t, http.DefaultClient, s.base+"/v1/participants"); res.StatusCode != 401 || res.Header.Get("Content-Security-Policy") != "" {
		t.Errorf("/v1 without a token: %d %v", res.StatusCode, res.Header)
	}
	if res, body := get(t, http.DefaultClient, s.base+"/readyz"); res.StatusCode != 200 || !strings.Contains(body, `"ready":true`) {
		t.Errorf("/readyz: %d %q", res.StatusCode, body)
	}
	// A static file is served with 200 (gin's NoRoute status is not kept).
	if m := regexp.MustCompile(`/static/[0-9a-f]+/app\.css`).FindString(body); m != "" {
		if res, _ := get(t, c, s.base+m); res.StatusCode != 200 {
			t.Errorf("%s: %d", m, res.StatusCode)
		}
	}
	// A cross-origin form post is refused.
	req, _ := http.NewRequest("POST", s.base+"/signout", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, err := c.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin post: %v %v", res, err)
	}

	// An administrator resets her password: her session ends.
	code, out, stderr := runCmd(t, "users", "reset-password", "ana", "--database-url", s.dbURL, "--generate-password")
	m := regexp.MustCompile(`console password \(shown once\): (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("reset-password: %d %q %q", code, out, stderr)
	}
	if res, _ := get(t, c, s.base+"/account"); res.Request.URL.Path != "/signin" {
		t.Fatalf("after reset her session still works: %s", res.Request.URL)
	}
	res, _ = post(t, c, s.base+"/signin", url.Values{"name": {"ana"}, "password": {m[1]}})
	if res.Request.URL.Path != "/signin/password" {
		t.Fatalf("the reset password must be changed: %s", res.Request.URL)
	}

	pool, err := db.Open(context.Background(), s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	if err := pool.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'password.set' AND actor_name = 'system:cli' AND details->>'must_change' = 'true'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("password.set by the CLI audited %d times (%v), want 2", n, err)
	}
	var dump string
	pool.QueryRow(`SELECT coalesce(string_agg(action || ' ' || coalesce(details::text, ''), E'\n'), '') FROM audit_events`).Scan(&dump)
	for _, secret := range []string{pw["ana"], m[1], mine} {
		if strings.Contains(dump, secret) || strings.Contains(s.log.String(), secret) {
			t.Fatalf("a password reached the audit log or the server log")
		}
	}
	for _, want := range []string{"signin.succeeded", "signin.failed", "password.changed"} {
		if !strings.Contains(dump, want) {
			t.Errorf("no %s in the audit log", want)
		}
	}
	// Console requests are logged under one route name, never their
	// paths (which can hold a participant's code).
	if !strings.Contains(s.log.String(), `"route":"console"`) {
		t.Errorf("console requests not logged as route=console")
	}
}

// A user added without a terminal or a flag gets no password: users add
// says how to give one, and nothing is created.
func TestUsersAddPasswordFromStdin(t *testing.T) {
	_, dbURL := dbtest.New(t)
	stdin = strings.NewReader("")
	defer func() { stdin = os.Stdin }()
	if code, _, stderr := runCmd(t, "users", "add", "--database-url", dbURL, "--name", "bea", "--role", "staff"); code != 1 || !strings.Contains(stderr, "--generate-password") {
		t.Fatalf("no password: %d %q", code, stderr)
	}
	stdin = strings.NewReader("short\n")
	if code, _, stderr := runCmd(t, "users", "add", "--database-url", dbURL, "--name", "bea", "--role", "staff"); code != 1 || !strings.Contains(stderr, "password_too_short") {
		t.Fatalf("short password: %d %q", code, stderr)
	}
	stdin = strings.NewReader("a long enough password for the first day\n")
	code, out, stderr := runCmd(t, "users", "add", "--database-url", dbURL, "--name", "bea", "--role", "staff")
	if code != 0 || !strings.Contains(out, "console password set") || strings.Contains(out, "first day") {
		t.Fatalf("password from stdin: %d %q %q", code, out, stderr)
	}
}
