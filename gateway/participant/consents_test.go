package participant_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

func TestConsentGrantRevokeContactability(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	body := gatewaytest.Maria()
	body["monitored"] = false
	body["safe_windows"] = []string{"daily 09:00-20:00"}
	code := e.CreateParticipant(body)
	base := "/v1/participants/" + code

	// No consent yet: refused with no_consent.
	r := e.Do(auth.RoleStaff, "GET", base+"/contactability?channel=sms", nil)
	if r.Status != 200 || r.JSON(t)["allowed"] != false || r.JSON(t)["code"] != "no_consent" {
		t.Fatalf("before grant: %d %s", r.Status, r.Body)
	}
	// 2026-06-02 10:30 UTC = 12:30 in Madrid: inside her window.
	if r := e.Do(auth.RoleStaff, "POST", base+"/consents", gatewaytest.Grant("sms")); r.Status != http.StatusCreated {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	r = e.Do(auth.RoleStaff, "GET", base+"/contactability?channel=auto", nil)
	m := r.JSON(t)
	if m["allowed"] != true || m["channel"] != "sms" || m["variant"] != "standard" || m["immediate"] != true {
		t.Fatalf("after grant: %s", r.Body)
	}

	// Revoke: refused with consent_revoked; history keeps both events.
	r = e.Do(auth.RoleStaff, "DELETE", base+"/consents/sms", map[string]any{"reason": "she asked by phone"})
	if r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	r = e.Do(auth.RoleStaff, "GET", base+"/contactability?channel=sms", nil)
	if r.JSON(t)["code"] != "consent_revoked" {
		t.Fatalf("after revoke: %s", r.Body)
	}
	r = e.Do(auth.RoleStaff, "GET", base+"/consents", nil)
	m = r.JSON(t)
	hist := m["history"].([]any)
	if len(hist) != 2 || hist[0].(map[string]any)["kind"] != "granted" || hist[1].(map[string]any)["kind"] != "revoked" {
		t.Fatalf("history: %s", r.Body)
	}
	if m["channels"].(map[string]any)["sms"].(map[string]any)["state"] != "revoked" {
		t.Fatalf("state: %s", r.Body)
	}
	// Audit has both.
	events, err := e.Queries.AuditForParticipant(context.Background(), sql.NullString{String: code, Valid: true})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, ","); got != "participant.created,consent.granted,consent.revoked" {
		t.Fatalf("audit = %s", got)
	}
	// The ledger is append-only in the database itself.
	if _, err := e.DB.Exec(`UPDATE consent_events SET kind = 'granted'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("UPDATE on consent_events: %v", err)
	}
	if _, err := e.DB.Exec(`DELETE FROM consent_events`); err == nil {
		t.Fatal("DELETE on consent_events succeeded")
	}
}

func TestConsentValidationAndMonitored(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria()) // monitored, windows mon-fri 10-12 and sat 18-02
	base := "/v1/participants/" + code
	cases := []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"channel": "pigeon", "evidence": "x", "notice_language": "es"}, 422, "invalid_channel"},
		{map[string]any{"channel": "auto", "evidence": "x", "notice_language": "es"}, 422, "invalid_channel"},
		{map[string]any{"channel": "sms", "notice_language": "es"}, 422, "missing_evidence"},
		{map[string]any{"channel": "sms", "evidence": "x", "notice_language": "??"}, 422, "invalid_language"},
		{map[string]any{"channel": "sms", "evidence": "x", "notice_language": "es", "expires_at": "2020-01-01T00:00:00Z"}, 422, "invalid_expiry"},
		{map[string]any{"channel": "sms", "evidence": "x", "notice_language": "es", "name": "Maria"}, 422, "real_name_forbidden"},
	}
	for _, c := range cases {
		r := e.Do(auth.RoleStaff, "POST", base+"/consents", c.body)
		if r.Status != c.status || r.ErrCode(t) != c.code {
			t.Errorf("grant %v: %d %s, want %d %s", c.body, r.Status, r.Body, c.status, c.code)
		}
	}
	if r := e.Do(auth.RoleStaff, "DELETE", base+"/consents/sms", nil); r.Status != 422 || r.ErrCode(t) != "reason_required" {
		t.Errorf("revoke without reason: %d %s", r.Status, r.Body)
	}
	if r := e.Do(auth.RoleStaff, "DELETE", base+"/consents/sms", map[string]any{"reason": "new number is 612 345 999"}); r.Status != 422 || r.ErrCode(t) != "reason_has_number" {
		t.Errorf("revoke with a number in the reason: %d %s", r.Status, r.Body)
	}
	// WhatsApp to a monitored phone is refused without explicit acceptance.
	e.Do(auth.RoleStaff, "POST", base+"/consents", gatewaytest.Grant("whatsapp"))
	r := e.Do(auth.RoleStaff, "GET", base+"/contactability?channel=whatsapp", nil)
	if r.JSON(t)["code"] != "channel_unsafe_for_monitored_phone" {
		t.Fatalf("whatsapp monitored: %s", r.Body)
	}
	g := gatewaytest.Grant("whatsapp")
	g["accept_whatsapp_risk"] = true
	e.Do(auth.RoleStaff, "POST", base+"/consents", g)
	// Tuesday 2026-06-02 10:30 UTC is 12:30 Madrid, after her 10-12 window:
	// the next safe time is Wednesday 10:00 Madrid = 08:00 UTC.
	r = e.Do(auth.RoleStaff, "GET", base+"/contactability?channel=whatsapp", nil)
	m := r.JSON(t)
	if m["allowed"] != true || m["variant"] != "discreet" || m["send_at"] != "2026-06-03T08:00:00Z" || m["immediate"] != false {
		t.Fatalf("whatsapp with accepted risk: %s", r.Body)
	}
	// Stale consent: 91 days later the participant shows consent_review_due.
	e.Clock.Set(e.Clock.Now().Add(91 * 24 * time.Hour))
	if r := e.Do(auth.RoleStaff, "GET", base, nil); r.JSON(t)["consent_review_due"] != true {
		t.Fatalf("review due: %s", r.Body)
	}
}

func TestConsentExpiryRecordedByScheduler(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	body := gatewaytest.Maria()
	body["monitored"] = false
	code := e.CreateParticipant(body)
	g := gatewaytest.Grant("sms")
	exp := e.Clock.Now().Add(48 * time.Hour)
	g["expires_at"] = exp.Format(time.RFC3339)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", g); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	sc := e.Server.NewScheduler()
	sc.Tick(context.Background())
	e.Clock.Set(exp) // at exactly the expiry it is expired
	if r := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/contactability?channel=sms", nil); r.JSON(t)["code"] != "consent_expired" {
		t.Fatalf("at expiry: %s", r.Body)
	}
	for i := 0; i < 2; i++ { // twice: the second tick finds nothing new
		if _, err := sc.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/consents", nil)
	hist := r.JSON(t)["history"].([]any)
	if len(hist) != 2 || hist[1].(map[string]any)["kind"] != "expired" || hist[1].(map[string]any)["source"] != "expiry" {
		t.Fatalf("history: %s", r.Body)
	}
	events, _ := e.Queries.AuditForParticipant(context.Background(), sql.NullString{String: code, Valid: true})
	if last := events[len(events)-1]; last.Action != "consent.expired" {
		t.Fatalf("last audit action = %s", last.Action)
	}
}
