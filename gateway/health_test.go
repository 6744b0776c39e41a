package gateway

import (
	"strings"
	"testing"
)

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t)
	if r := e.do("", "GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}
	r := e.do("", "GET", "/readyz", nil)
	if r.Status != 200 || r.json(t)["ready"] != true {
		t.Fatalf("readyz: %d %s", r.Status, r.Body)
	}
	m := e.metrics()
	if m.Status != 200 || !strings.Contains(string(m.Body), `safecontact_http_requests_total{method="GET",route="/readyz",status="200"} 1`) {
		t.Fatalf("metrics: %d %s", m.Status, m.Body)
	}
	if r := e.do("", "GET", "/nowhere", nil); r.Status != 404 || r.errCode(t) != "not_found" {
		t.Fatalf("unknown route: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(string(m.Body), "safecontact_outbox_rows 0") || !strings.Contains(string(m.Body), "safecontact_outbox_oldest_seconds 0") {
		t.Fatalf("outbox metrics missing: %s", m.Body)
	}
	// NATS down: still ready (the outbox holds what is accepted); the
	// verbose answer says NATS is unreachable.
	e.srv.nc.Close()
	if r := e.do("", "GET", "/readyz", nil); r.Status != 200 || r.json(t)["ready"] != true {
		t.Fatalf("readyz with NATS closed: %d %s", r.Status, r.Body)
	}
	r = e.do("", "GET", "/readyz?verbose", nil)
	checks := r.json(t)["checks"].(map[string]any)
	if r.Status != 200 || checks["nats"] != "unreachable" || checks["postgres"] != "ok" || checks["outbox"] == nil {
		t.Fatalf("readyz?verbose with NATS closed: %d %s", r.Status, r.Body)
	}
}
