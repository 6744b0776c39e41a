package gateway_test

import (
	"testing"
	"time"

	"safecontact/db/dbtest"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// TestDatabaseOutageGives503: with PostgreSQL stopped under a running
// gateway, every kind of route answers 503 unavailable with Retry-After,
// quickly, never 500; /readyz says not ready. When it is back, the client's
// retry with the same Idempotency-Key lands exactly once.
func TestDatabaseOutageGives503(t *testing.T) {
	cluster, pool, url := dbtest.NewCluster(t)
	e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Tokens: auth.TokenConfig{CacheTTL: time.Minute}}), gatewaytest.WithDatabase(pool, url))
	code := e.CreateParticipant(gatewaytest.Maria())
	for _, ch := range []string{"sms"} {
		g := gatewaytest.Grant(ch)
		if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", g); r.Status != 201 {
			t.Fatalf("grant: %d %s", r.Status, r.Body)
		}
	}
	msg := map[string]any{"participant": code, "channel": "sms", "body": "Hola, un saludo cordial"}
	reqs := []struct{ method, path string }{
		{"GET", "/v1/participants"},
		{"GET", "/v1/participants/" + code},
		{"POST", "/v1/messages"},
		{"GET", "/v1/escalations"},
	}
	// First with the tokens cached (the handlers meet the outage), then
	// with the cache empty (authentication meets it).
	if r := e.Do(auth.RoleSupervisor, "GET", "/v1/participants", nil); r.Status != 200 {
		t.Fatalf("warm up: %d", r.Status)
	}
	cluster.Stop()
	for i, rq := range append(reqs, reqs[0]) {
		if i == len(reqs) {
			e.Server.Tokens().Forget()
		}
		var body any
		var hdr []string
		if rq.method == "POST" {
			body, hdr = msg, []string{"Idempotency-Key", "retry-me-1"}
		}
		start := time.Now()
		r := e.Do(auth.RoleSupervisor, rq.method, rq.path, body, hdr...)
		took := time.Since(start)
		if r.Status != 503 || r.ErrCode(t) != "unavailable" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s %s with the database down: %d %s (Retry-After %q)", rq.method, rq.path, r.Status, r.Body, r.Header.Get("Retry-After"))
		}
		if took > 5*time.Second {
			t.Errorf("%s %s took %v to say unavailable", rq.method, rq.path, took)
		}
	}
	if r := e.Do("", "GET", "/readyz", nil); r.Status != 503 || r.JSON(t)["ready"] != false {
		t.Fatalf("readyz with the database down: %d %s", r.Status, r.Body)
	}
	cluster.Start()
	// The client retries with its key: accepted once; a second retry
	// gets the same answer, not a second message.
	var first gatewaytest.Resp
	deadline := time.Now().Add(15 * time.Second)
	for {
		first = e.Do(auth.RoleSupervisor, "POST", "/v1/messages", msg, "Idempotency-Key", "retry-me-1")
		if first.Status != 503 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if first.Status != 202 {
		t.Fatalf("retry after the outage: %d %s", first.Status, first.Body)
	}
	again := e.Do(auth.RoleSupervisor, "POST", "/v1/messages", msg, "Idempotency-Key", "retry-me-1")
	if again.Status != 202 || string(again.Body) != string(first.Body) {
		t.Fatalf("second retry: %d %s", again.Status, again.Body)
	}
	var n int
	if err := pool.QueryRow("SELECT count(*) FROM messages").Scan(&n); err != nil || n != 1 {
		t.Fatalf("messages after retries: %d %v", n, err)
	}
}
