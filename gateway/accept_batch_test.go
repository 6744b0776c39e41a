package gateway

import (
	"context"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"safecontact/consent"
	"safecontact/gateway/auth"
)

// One statement reads a batch of participants with their ledgers: each
// code gets her own participant and events in ledger order, an unknown
// code gets nothing, a code asked twice gets the same answer twice.
func TestLookupBatch(t *testing.T) {
	e := newEnv(t)
	withTwo := e.createParticipant(maria())
	e.do(auth.RoleStaff, "POST", "/v1/participants/"+withTwo+"/consents", grant("sms"))
	e.do(auth.RoleStaff, "POST", "/v1/participants/"+withTwo+"/consents", grant("voice"))
	b := maria()
	b["phone"] = "+34 612 000 111"
	none := e.createParticipant(b)

	codes := []string{withTwo, "P-ZZZZZ", none, withTwo}
	got, err := e.srv.lookupBatch(context.Background(), codes)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(codes) {
		t.Fatalf("%d answers for %d codes", len(got), len(codes))
	}
	tests := []struct {
		name     string
		f        found
		code     string
		channels []consent.Channel
	}{
		{"two grants, in ledger order", got[0], withTwo, []consent.Channel{consent.SMS, consent.Voice}},
		{"the same code again", got[3], withTwo, []consent.Channel{consent.SMS, consent.Voice}},
		{"no consent yet", got[2], none, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.f.ok || tc.f.p.Code != tc.code {
				t.Fatalf("got %q (found %v), want %q", tc.f.p.Code, tc.f.ok, tc.code)
			}
			var chs []consent.Channel
			for _, ev := range tc.f.hist {
				if ev.Kind != consent.KindGranted || ev.At.IsZero() || ev.ID == 0 {
					t.Errorf("event %+v", ev)
				}
				chs = append(chs, ev.Channel)
			}
			if len(chs) != len(tc.channels) || (len(chs) > 0 && (chs[0] != tc.channels[0] || chs[1] != tc.channels[1])) {
				t.Fatalf("channels %v, want %v", chs, tc.channels)
			}
		})
	}
	if got[1].ok {
		t.Fatalf("unknown code found: %+v", got[1].p.Code)
	}
}

// The accept path keeps participants it has read in a cache. Every
// change between two sends must still reach the second decision: the
// write refuses a message decided on a changed row or ledger, and a
// refusal is never decided on cached data.
func TestAcceptSeesChangesAfterCaching(t *testing.T) {
	e := newEnv(t)
	b := maria()
	b["monitored"] = false
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := e.createParticipant(b)
	base := "/v1/participants/" + code
	send := func() resp {
		return e.do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, ¿hablamos mañana por la tarde?"})
	}
	redecided := func() float64 {
		var m dto.Metric
		if err := e.srv.metrics.redecided.Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue()
	}
	messages := func() int {
		var n int
		e.db.QueryRow(`SELECT count(*) FROM messages`).Scan(&n)
		return n
	}

	// Refused (no consent yet); then granted: the next send goes,
	// although the refusal's read was cached.
	if r := send(); r.Status != 403 || r.errCode(t) != "no_consent" {
		t.Fatalf("before consent: %d %s", r.Status, r.Body)
	}
	e.do(auth.RoleStaff, "POST", base+"/consents", grant("sms"))
	r := send()
	if r.Status != 202 || r.json(t)["variant"] != "standard" {
		t.Fatalf("after grant: %d %s", r.Status, r.Body)
	}

	// A send with nothing changed is decided from the cache.
	n := redecided()
	if r := send(); r.Status != 202 || redecided() != n {
		t.Fatalf("unchanged: %d %s, redecided %v → %v", r.Status, r.Body, n, redecided())
	}

	// Her phone becomes monitored (the row changes): the cached decision
	// (standard wording) is refused at write and made again: discreet.
	if r := e.do(auth.RoleStaff, "PATCH", base, map[string]any{"monitored": true}); r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	n = redecided()
	if r := send(); r.Status != 202 || r.json(t)["variant"] != "discreet" || redecided() != n+1 {
		t.Fatalf("after monitored: %d %s, redecided %v → %v", r.Status, r.Body, n, redecided())
	}

	// Consent revoked (the ledger grows): refused, and nothing stored.
	before := messages()
	if r := e.do(auth.RoleStaff, "DELETE", base+"/consents/sms", map[string]any{"reason": "she asked by phone"}); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	n = redecided()
	if r := send(); r.Status != 403 || r.errCode(t) != "consent_revoked" || redecided() != n+1 {
		t.Fatalf("after revoke: %d %s, redecided %v → %v", r.Status, r.Body, n, redecided())
	}
	if n := messages(); n != before {
		t.Fatalf("%d messages stored after the revocation, want %d", n, before)
	}

	// A change made behind the gateway's back (another process, an
	// operator) is caught by the row version too.
	e.do(auth.RoleStaff, "POST", base+"/consents", grant("sms"))
	if r := send(); r.Status != 202 || r.json(t)["variant"] != "discreet" {
		t.Fatalf("regranted: %d %s", r.Status, r.Body)
	}
	if _, err := e.db.Exec(`UPDATE participants SET monitored = false WHERE code = $1`, code); err != nil {
		t.Fatal(err)
	}
	n = redecided()
	if r := send(); r.Status != 202 || r.json(t)["variant"] != "standard" || redecided() != n+1 {
		t.Fatalf("after an outside change: %d %s, redecided %v → %v", r.Status, r.Body, n, redecided())
	}
}

// The write itself: a message decided on an old row version or a shorter
// ledger is not written; on current data it is.
func TestAcceptWriteChecksVersion(t *testing.T) {
	e := newEnv(t)
	b := maria()
	b["any_time"] = true
	code := e.createParticipant(b)
	e.do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", grant("sms"))
	f, _, err := e.srv.lookup(context.Background(), code, true)
	if err != nil {
		t.Fatal(err)
	}
	in := messageInput{Participant: code, Channel: "sms", Body: "Hola, ¿hablamos mañana?"}
	tests := []struct {
		name    string
		version int64
		ledger  int
		written int
	}{
		{"current", f.version, len(f.hist), 1},
		{"older row", f.version - 1, len(f.hist), 0},
		{"shorter ledger", f.version, len(f.hist) - 1, 0},
		{"check skipped", -1, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := e.srv.compose(in, f.p, f.hist, e.clock.Now())
			if err != nil || !m.decision.Allowed {
				t.Fatalf("compose: %v %+v", err, m.decision)
			}
			g := f
			g.version = tc.version
			g.hist = f.hist[:tc.ledger]
			nm, _, err := e.srv.newMessage(auth.SystemActor("test"), g, m, 0, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			n, err := insertMessages(context.Background(), e.srv.q, []newMessage{nm})
			if err != nil || n != tc.written {
				t.Fatalf("written %d, %v; want %d", n, err, tc.written)
			}
		})
	}
}
