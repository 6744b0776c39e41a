package gateway_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"safecontact/gateway"
	"safecontact/gateway/gatewaytest"
	"safecontact/keys"
)

// The referral inbox has no user token: an address whose packages were
// refused too often is answered 429 inbox_rate_limited, with Retry-After,
// before its package is read (nothing opened, nothing audited); other
// addresses are not affected; one refusal comes back per minute.
func TestReferralInboxRateLimit(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Org: keys.NewTestOrg("Casa Aurora")}))
	post := func(from string) gatewaytest.Resp {
		req := httptest.NewRequest("POST", "/v1/referrals/inbox", strings.NewReader("not a package"))
		req.Header.Set("Content-Type", "application/octet-stream")
		req.RemoteAddr = from + ":40000"
		w := httptest.NewRecorder()
		e.Server.Handler().ServeHTTP(w, req)
		return gatewaytest.Resp{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
	}
	refusals := func() int {
		var n int
		if err := e.DB.QueryRow("SELECT count(*) FROM audit_events WHERE action = 'referral.refused'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range gateway.InboxRefusalBurst {
		if r := post("198.51.100.7"); r.Status != 422 || r.ErrCode(t) != "package_refused" {
			t.Fatalf("refusal %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := post("198.51.100.7")
	if r.Status != 429 || r.ErrCode(t) != "inbox_rate_limited" || r.Header.Get("Retry-After") != "61" {
		t.Fatalf("past the burst: %d %s %v", r.Status, r.Body, r.Header)
	}
	if n := refusals(); n != gateway.InboxRefusalBurst {
		t.Errorf("audited refusals: %d, want %d (the limited one is not opened)", n, gateway.InboxRefusalBurst)
	}
	// Another address is not limited.
	if r := post("203.0.113.9"); r.Status != 422 {
		t.Errorf("another address: %d %s", r.Status, r.Body)
	}
	// One refusal back per minute.
	e.Clock.Set(e.Clock.Now().Add(gateway.InboxRefusalRefill))
	if r := post("198.51.100.7"); r.Status != 422 {
		t.Errorf("a minute later: %d %s", r.Status, r.Body)
	}
	if r := post("198.51.100.7"); r.Status != 429 {
		t.Errorf("and again: %d %s", r.Status, r.Body)
	}
}
