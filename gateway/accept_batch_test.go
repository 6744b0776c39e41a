package gateway_test

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// The accept path keeps participants it has read in a cache. Every
// change between two sends must still reach the second decision: the
// write refuses a message decided on a changed row or ledger, and a
// refusal is never decided on cached data.
func TestAcceptSeesChangesAfterCaching(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	b := gatewaytest.Maria()
	b["monitored"] = false
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := e.CreateParticipant(b)
	base := "/v1/participants/" + code
	send := func() gatewaytest.Resp {
		return e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, ¿hablamos mañana por la tarde?"})
	}
	redecided := func() float64 {
		var m dto.Metric
		if err := e.Server.Redecided().Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue()
	}
	messages := func() int {
		var n int
		e.DB.QueryRow(`SELECT count(*) FROM messages`).Scan(&n)
		return n
	}

	// Refused (no consent yet); then granted: the next send goes,
	// although the refusal's read was cached.
	if r := send(); r.Status != 403 || r.ErrCode(t) != "no_consent" {
		t.Fatalf("before consent: %d %s", r.Status, r.Body)
	}
	e.Do(auth.RoleStaff, "POST", base+"/consents", gatewaytest.Grant("sms"))
	r := send()
	if r.Status != 202 || r.JSON(t)["variant"] != "standard" {
		t.Fatalf("after grant: %d %s", r.Status, r.Body)
	}

	// A send with nothing changed is decided from the cache.
	n := redecided()
	if r := send(); r.Status != 202 || redecided() != n {
		t.Fatalf("unchanged: %d %s, redecided %v → %v", r.Status, r.Body, n, redecided())
	}

	// Her phone becomes monitored (the row changes): the cached decision
	// (standard wording) is refused at write and made again: discreet.
	if r := e.Do(auth.RoleStaff, "PATCH", base, map[string]any{"monitored": true}); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	n = redecided()
	if r := send(); r.Status != 202 || r.JSON(t)["variant"] != "discreet" || redecided() != n+1 {
		t.Fatalf("after monitored: %d %s, redecided %v → %v", r.Status, r.Body, n, redecided())
	}

	// Consent revoked (the ledger grows): refused, and nothing stored.
	before := messages()
	if r := e.Do(auth.RoleStaff, "DELETE", base+"/consents/sms", map[string]any{"reason": "she asked by phone"}); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	n = redecided()
	if r := send(); r.Status != 403 || r.ErrCode(t) != "consent_revoked" || redecided() != n+1 {
		t.Fatalf("after revoke: %d %s, redecided %v → %v", r.Status, r.Body, n, redecided())
	}
	if n := messages(); n != before {
		t.Fatalf("%d messages stored after the revocation, want %d", n, before)
	}

	// A change made behind the gateway's back (another process, an
	// operator) is caught by the row version too.
	e.Do(auth.RoleStaff, "POST", base+"/consents", gatewaytest.Grant("sms"))
	if r := send(); r.Status != 202 || r.JSON(t)["variant"] != "discreet" {
		t.Fatalf("regranted: %d %s", r.Status, r.Body)
	}
	if _, err := e.DB.Exec(`UPDATE participants SET monitored = false WHERE code = $1`, code); err != nil {
		t.Fatal(err)
	}
	n = redecided()
	if r := send(); r.Status != 202 || r.JSON(t)["variant"] != "standard" || redecided() != n+1 {
		t.Fatalf("after an outside change: %d %s, redecided %v → %v", r.Status, r.Body, n, redecided())
	}
}
