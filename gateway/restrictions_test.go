package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// A referral's risk pre-evaluation acts on the rest of the gateway: the
// participant accepting it makes is individual-only (no group sessions;
// her individual sessions spaced), under strict confidentiality (her
// contact log and phone reveal for supervisors only) and shows her risk
// evaluation due until a new one is recorded.
func TestReferralRestrictionsAct(t *testing.T) {
	t.Parallel()
	a, b := newE2EOrg(t, "Fundación Puente"), newE2EOrg(t, "Casa Aurora")
	bAtA := a.befriend(t, b)
	b.befriend(t, a)
	// e2eForm: can coincide unknown, protected witness and judicial
	// process yes, last risk evaluation 2026-01-10 (the clock is at
	// 2026-06-02: 143 days).
	sent := a.id(t, a.ok(t, auth.RoleStaff, "POST", "/v1/referrals", map[string]any{"partner": atoi(t, bAtA), "form": e2eForm(true)}, 201), "referral", "id")
	pkg := a.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+sent+"/package", nil, 200).Body
	recv := b.id(t, b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/import", string(pkg), 201, octet...), "referral", "id")
	dec := b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/"+recv+"/decision", map[string]any{"outcome": "accepted"}, 200).JSON(t)
	code := dec["participant"].(string)

	p := b.ok(t, auth.RoleStaff, "GET", "/v1/participants/"+code, nil, 200).JSON(t)
	if p["individual_only"] != true || p["strict_confidentiality"] != true || p["risk_evaluated_at"] != "2026-01-10T00:00:00Z" || p["risk_evaluation_due"] != true {
		t.Fatalf("participant from the referral: %v", p)
	}
	_, details, _ := b.LastAudit("participant.created")
	if details["individual_only"] != true || details["strict_confidentiality"] != true || details["from_referral"] != true {
		t.Errorf("participant.created: %v", details)
	}

	// Strict confidentiality: her caseworker (the staff user who
	// accepted) may not reveal her number nor read her contact log.
	reveal := map[string]any{"reason": "she asked to be called back"}
	if r := b.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/reveal-phone", reveal); r.Status != 403 || r.ErrCode(t) != "strict_confidentiality" {
		t.Errorf("reveal by her caseworker: %d %s", r.Status, r.Body)
	}
	if _, d, _ := b.LastAudit("phone.reveal_refused"); d["code"] != "strict_confidentiality" {
		t.Errorf("the refusal's audit: %v", d)
	}
	if r := b.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/contact-log", nil); r.Status != 403 {
		t.Errorf("contact log by her caseworker: %d %s", r.Status, r.Body)
	}
	if r := b.ok(t, auth.RoleSupervisor, "POST", "/v1/participants/"+code+"/reveal-phone", reveal, 200).JSON(t); r["phone"] != "+34612987654" {
		t.Errorf("reveal by a supervisor: %v", r)
	}
	b.ok(t, auth.RoleSupervisor, "GET", "/v1/participants/"+code+"/contact-log", nil, 200)
	// Nor read her number, or her answers, in the referral she accepted:
	// once decided, its form is a supervisor's to read.
	got := b.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+recv, nil, 200)
	if d := got.JSON(t); d["form"] != nil || d["pre_evaluation"] != nil || d["form_withheld"] != true || d["state"] != "accepted" ||
		strings.Contains(string(got.Body), "612987654") || strings.Contains(string(got.Body), "protected_witness") {
		t.Errorf("the accepted referral read by her caseworker: %s", got.Body)
	}
	if _, d, _ := b.LastAudit("referral.read"); d["form_withheld"] != true {
		t.Errorf("the read's audit: %v", d)
	}
	if d := b.ok(t, auth.RoleSupervisor, "GET", "/v1/referrals/"+recv, nil, 200).JSON(t); d["form"] == nil || d["form_withheld"] != nil {
		t.Errorf("the accepted referral read by a supervisor: %v", d)
	}
	// Her caseworker still works with her otherwise.
	b.ok(t, auth.RoleStaff, "GET", "/v1/participants/"+code+"/consents", nil, 200)

	// Individual only: no group session, booked or by changing one; her
	// individual sessions keep the spacing rule.
	b.MeetingPoint("Metro Sants")
	book := func(at, kind string) gatewaytest.Resp {
		return b.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": at,
			"meeting_point": "Metro Sants", "kind": kind, "venue": "sala 1", "reminders": []string{}})
	}
	if r := book("2026-06-10T10:00:00Z", "group"); r.Status != 409 || r.ErrCode(t) != "individual_only" {
		t.Errorf("group session: %d %s", r.Status, r.Body)
	}
	r := book("2026-06-10T10:00:00Z", "individual")
	if r.Status != 201 {
		t.Fatalf("individual session: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	if r := book("2026-06-10T10:15:00Z", "individual"); r.Status != 409 || r.ErrCode(t) != "session_spacing" {
		t.Errorf("a second individual session 15 minutes later: %d %s", r.Status, r.Body)
	}
	if r := b.Do(auth.RoleStaff, "PATCH", "/v1/appointments/"+id, map[string]any{"kind": "group"}); r.Status != 409 || r.ErrCode(t) != "individual_only" {
		t.Errorf("changing her session to group: %d %s", r.Status, r.Body)
	}
	if r := b.Do(auth.RoleStaff, "PATCH", "/v1/appointments/"+id, map[string]any{"starts_at": "2026-06-10T11:00:00Z"}); r.Status != 200 {
		t.Errorf("moving her individual session: %d %s", r.Status, r.Body)
	}

	// Recording a new risk evaluation: her caseworker may; it is no
	// longer due, and is again once it is older than the configured age.
	p = b.ok(t, auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"risk_evaluated_at": "2026-06-01"}, 200).JSON(t)
	if p["risk_evaluation_due"] != false || p["risk_evaluated_at"] != "2026-06-01T00:00:00Z" {
		t.Errorf("after a new risk evaluation: %v", p)
	}
	if _, d, _ := b.LastAudit("participant.updated"); !strings.Contains(strings.Join(anyStrings(d["fields"]), ","), "risk_evaluated_at") {
		t.Errorf("participant.updated: %v", d)
	}
	b.ok(t, auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"risk_evaluated_at": "2026-07-01"}, 422) // in the future
	b.Clock.Set(b.Clock.Now().Add(91 * 24 * time.Hour))
	if p := b.ok(t, auth.RoleStaff, "GET", "/v1/participants/"+code, nil, 200).JSON(t); p["risk_evaluation_due"] != true {
		t.Errorf("91 days later: %v", p)
	}
	b.Clock.Set(b.Clock.Now().Add(-91 * 24 * time.Hour))

	// The restrictions are a supervisor's to clear (and to set).
	for _, f := range []string{"individual_only", "strict_confidentiality"} {
		if r := b.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{f: false}); r.Status != 403 || r.ErrCode(t) != "forbidden" {
			t.Errorf("her caseworker clearing %s: %d %s", f, r.Status, r.Body)
		}
	}
	p = b.ok(t, auth.RoleSupervisor, "PATCH", "/v1/participants/"+code, map[string]any{"individual_only": false, "strict_confidentiality": false}, 200).JSON(t)
	if p["individual_only"] != false || p["strict_confidentiality"] != false {
		t.Errorf("cleared: %v", p)
	}
	if _, d, _ := b.LastAudit("participant.updated"); d["individual_only"] != false || d["strict_confidentiality"] != false {
		t.Errorf("participant.updated: %v", d)
	}
	r = book("2026-06-11T10:00:00Z", "group")
	if r.Status != 201 {
		t.Fatalf("group session once cleared: %d %s", r.Status, r.Body)
	}
	group := r.JSON(t)["id"].(string)
	b.ok(t, auth.RoleStaff, "POST", "/v1/participants/"+code+"/reveal-phone", reveal, 200)

	// Switching individual_only on while she has a future group session
	// booked is refused, naming it; once it is canceled, it is accepted.
	r = b.Do(auth.RoleSupervisor, "PATCH", "/v1/participants/"+code, map[string]any{"individual_only": true})
	if r.Status != 409 || r.ErrCode(t) != "individual_only" {
		t.Fatalf("individual_only on with a group session booked: %d %s", r.Status, r.Body)
	}
	if e, _ := r.JSON(t)["error"].(map[string]any); !strings.Contains(fmt.Sprint(e["details"]), group) {
		t.Errorf("the refusal names her group session %s: %s", group, r.Body)
	}
	if p := b.ok(t, auth.RoleStaff, "GET", "/v1/participants/"+code, nil, 200).JSON(t); p["individual_only"] != false {
		t.Errorf("after the refusal: %v", p)
	}
	b.ok(t, auth.RoleStaff, "DELETE", "/v1/appointments/"+group, nil, 200)
	if p := b.ok(t, auth.RoleSupervisor, "PATCH", "/v1/participants/"+code, map[string]any{"individual_only": true}, 200).JSON(t); p["individual_only"] != true {
		t.Errorf("individual_only on once her group session is canceled: %v", p)
	}
}

// A participant created directly has no restriction and no risk
// evaluation followed; setting a restriction at creation is a
// supervisor's; recording an evaluation starts following it.
func TestParticipantRestrictionsDirect(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	p := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code, nil).JSON(t)
	if p["individual_only"] != false || p["strict_confidentiality"] != false || p["risk_evaluated_at"] != nil || p["risk_evaluation_due"] != false {
		t.Fatalf("a new participant: %v", p)
	}
	in := gatewaytest.Maria()
	in["phone"], in["strict_confidentiality"] = "+34 612 345 679", true
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants", in); r.Status != 403 || r.ErrCode(t) != "forbidden" {
		t.Errorf("staff creating under strict confidentiality: %d %s", r.Status, r.Body)
	}
	r := e.Do(auth.RoleSupervisor, "POST", "/v1/participants", in)
	if r.Status != 201 || r.JSON(t)["strict_confidentiality"] != true {
		t.Errorf("a supervisor creating under strict confidentiality: %d %s", r.Status, r.Body)
	}
	old := e.Clock.Now().Add(-100 * 24 * time.Hour).Format(time.RFC3339)
	if p := e.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"risk_evaluated_at": old}).JSON(t); p["risk_evaluation_due"] != true {
		t.Errorf("an evaluation 100 days old: %v", p)
	}
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"risk_evaluated_at": "yesterday"}); r.Status != 422 {
		t.Errorf("not a date: %d %s", r.Status, r.Body)
	}
	// A configured age.
	e2 := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{RiskEvaluationMaxAge: 200 * 24 * time.Hour}))
	c2 := e2.CreateParticipant(gatewaytest.Maria())
	if p := e2.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+c2, map[string]any{"risk_evaluated_at": old}).JSON(t); p["risk_evaluation_due"] != false {
		t.Errorf("100 days old with a 200-day age: %v", p)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func anyStrings(v any) []string {
	var out []string
	if vs, ok := v.([]any); ok {
		for _, x := range vs {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
