package gateway_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// TestHungQueryGives503: with PostgreSQL up but the tables an API request
// needs locked by another session (a stuck transaction, a long migration),
// each request ends at the API's database deadline with 503 unavailable
// and Retry-After, never a 500 and never an open-ended wait; both accept
// paths (with an Idempotency-Key, and batched without one) included. A
// query outside any request (a background runner's) is not held to that
// bound: it waits for the lock and completes. Once the lock is gone the
// client's retry with its key lands exactly once.
func TestHungQueryGives503(t *testing.T) {
	const bound = 300 * time.Millisecond
	e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{APIDBTimeout: bound}))
	code := e.CreateParticipant(gatewaytest.Maria())
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	msg := map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"}

	locker, err := sql.Open("pgx", e.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	ctx := context.Background()
	tx, err := locker.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`LOCK TABLE participants, messages IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	reqs := []struct {
		method, path string
		body         any
		hdr          []string
	}{
		{"GET", "/v1/participants", nil, nil},
		{"GET", "/v1/participants/" + code, nil, nil},
		{"POST", "/v1/messages", msg, []string{"Idempotency-Key", "hung-1"}},
		{"POST", "/v1/messages", msg, nil},
	}
	for _, rq := range reqs {
		start := time.Now()
		r := e.Do(auth.RoleStaff, rq.method, rq.path, rq.body, rq.hdr...)
		took := time.Since(start)
		if r.Status != 503 || r.ErrCode(t) != "unavailable" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s %s behind a lock: %d %s (Retry-After %q)", rq.method, rq.path, r.Status, r.Body, r.Header.Get("Retry-After"))
		}
		if took < bound || took > 10*bound {
			t.Errorf("%s %s answered after %v, want about %v", rq.method, rq.path, took, bound)
		}
	}

	// A background runner's query has no API deadline: it waits.
	done := make(chan error, 1)
	go func() {
		var n int
		done <- e.Server.DB().QueryRowContext(context.Background(), `SELECT count(*) FROM messages`).Scan(&n)
	}()
	select {
	case err := <-done:
		t.Fatalf("a query outside any request gave up behind the lock: %v", err)
	case <-time.After(4 * bound):
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("background query after the lock: %v", err)
	}

	first := e.Do(auth.RoleStaff, "POST", "/v1/messages", msg, "Idempotency-Key", "hung-1")
	if first.Status != 202 {
		t.Fatalf("retry after the lock: %d %s", first.Status, first.Body)
	}
	again := e.Do(auth.RoleStaff, "POST", "/v1/messages", msg, "Idempotency-Key", "hung-1")
	if again.Status != 202 || string(again.Body) != string(first.Body) {
		t.Fatalf("second retry: %d %s", again.Status, again.Body)
	}
	var n int
	if err := e.DB.QueryRow(`SELECT count(*) FROM messages`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("messages after the retries: %d %v", n, err)
	}
}

// TestLongAPIRoutesExist: every route given a longer deadline is a route
// of the API (a renamed route would silently fall back to the short one).
func TestLongAPIRoutesExist(t *testing.T) {
	e := gatewaytest.New(t)
	routes := map[string]bool{}
	for _, r := range e.Server.Router().Routes() {
		routes[r.Path] = true
	}
	for path := range gateway.LongAPIRoutes {
		if !routes[path] {
			t.Errorf("longAPIRoutes names %s, which is not a route", path)
		}
	}
}
