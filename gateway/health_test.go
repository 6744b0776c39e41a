package gateway_test

import (
	"safecontact/gateway/gatewaytest"
	"strings"
	"testing"
)

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	if r := e.Do("", "GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}
	r := e.Do("", "GET", "/readyz", nil)
	if r.Status != 200 || r.JSON(t)["ready"] != true {
		t.Fatalf("readyz: %d %s", r.Status, r.Body)
	}
	m := e.Metrics()
	if m.Status != 200 || !strings.Contains(string(m.Body), `safecontact_http_requests_total{method="GET",route="/readyz",status="200"} 1`) {
		t.Fatalf("metrics: %d %s", m.Status, m.Body)
	}
	if r := e.Do("", "GET", "/nowhere", nil); r.Status != 404 || r.ErrCode(t) != "not_found" {
		t.Fatalf("unknown route: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(string(m.Body), "safecontact_outbox_rows 0") || !strings.Contains(string(m.Body), "safecontact_outbox_oldest_seconds 0") {
		t.Fatalf("outbox metrics missing: %s", m.Body)
	}
	// NATS down: still ready (the outbox holds what is accepted); the
	// verbose answer says NATS is unreachable.
	e.Server.NC().Close()
	if r := e.Do("", "GET", "/readyz", nil); r.Status != 200 || r.JSON(t)["ready"] != true {
		t.Fatalf("readyz with NATS closed: %d %s", r.Status, r.Body)
	}
	r = e.Do("", "GET", "/readyz?verbose", nil)
	checks := r.JSON(t)["checks"].(map[string]any)
	if r.Status != 200 || checks["nats"] != "unreachable" || checks["postgres"] != "ok" || checks["outbox"] == nil {
		t.Fatalf("readyz?verbose with NATS closed: %d %s", r.Status, r.Body)
	}
}
