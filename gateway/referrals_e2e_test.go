package gateway_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/keys"
	"safecontact/referral"
)

// Two gateways (two databases, two key rings, two organisation
// identities) exchange referrals through the HTTP API: one as a file, one
// through the inbox URL; the refused packages are refused with their code
// and leave only their audit entry; a dump of each database afterwards
// holds neither her answers nor her number.

// Her answers and her number, to be found nowhere in clear.
const (
	e2ePhone      = "+34 612 987 654"
	e2eDigits     = "612987654"
	e2eDetails    = "Criminal case open since March 2026, court of Burgos."
	e2eMeasures   = "Moved to her sister's flat; restraining order requested."
	e2eReference  = "signed form R-2026-077"
	e2eInboxRoute = "/v1/referrals/inbox"
)

func e2eForm(phone bool) map[string]any {
	q := func(a string) map[string]any { return map[string]any{"answer": a} }
	f := map[string]any{
		"schema": referral.SchemaV1, "initials": "AK", "languages": []string{"uk", "es"}, "notice_language": "uk",
		"time_zone": "Europe/Madrid", "safe_windows": []string{"mon-fri 10:00-13:00"}, "monitored": "unknown",
		"channels": []string{"sms", "whatsapp", "voice"}, "needs": []string{"legal_advice", "psychological_support"},
		"referral_consent": map[string]any{"agreed": true, "evidence": e2eReference, "date": "2026-05-30"},
		"risk_evaluation":  map[string]any{"date": "2026-01-10", "by_role": "psychologist"},
		"safety": map[string]any{
			"can_coincide": q("unknown"), "protected_witness": q("yes"),
			"judicial_process":      map[string]any{"answer": "yes", "details": e2eDetails},
			"lives_with_exploiters": q("no"),
			"recent_threats":        map[string]any{"answer": "yes", "when": "2026-05-20", "measures": e2eMeasures},
			"imminent_danger":       q("no"),
		},
	}
	if phone {
		f["phone"] = e2ePhone
	}
	return f
}

type e2eOrg struct {
	*gatewaytest.Env
	org *keys.OrgIdentity
	web *httptest.Server
}

func newE2EOrg(t *testing.T, name string) e2eOrg {
	org := keys.NewTestOrg(name)
	e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Org: org}))
	web := httptest.NewServer(e.Server.Handler())
	t.Cleanup(web.Close)
	return e2eOrg{Env: e, org: org, web: web}
}

// ok calls the API and fails the test unless the status is want.
func (o e2eOrg) ok(t *testing.T, role auth.Role, method, path string, body any, want int, hdr ...string) gatewaytest.Resp {
	t.Helper()
	r := o.Do(role, method, path, body, hdr...)
	if r.Status != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

func (o e2eOrg) id(t *testing.T, r gatewaytest.Resp, path ...string) string {
	t.Helper()
	m := r.JSON(t)
	for _, k := range path[:len(path)-1] {
		m = m[k].(map[string]any)
	}
	return fmt.Sprint(m[path[len(path)-1]])
}

// befriend adds other to o's directory from its card (naming its inbox)
// and verifies it; it returns the partner's id at o.
func (o e2eOrg) befriend(t *testing.T, other e2eOrg) string {
	t.Helper()
	card, err := other.org.Card(other.web.URL+e2eInboxRoute, other.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	id := o.id(t, o.ok(t, auth.RoleAdmin, "POST", "/v1/partners", string(card), 201), "id")
	fp := other.org.Public().Fingerprint()
	wrong := string('0'+(fp[0]-'0'+1)%10) + fp[1:]
	o.ok(t, auth.RoleAdmin, "POST", "/v1/partners/"+id+"/verify", map[string]any{"fingerprint": wrong}, 422)
	o.ok(t, auth.RoleAdmin, "POST", "/v1/partners/"+id+"/verify", map[string]any{"fingerprint": other.org.Public().Fingerprint()}, 200)
	return id
}

var octet = []string{"Content-Type", "application/octet-stream"}

func TestReferralsBetweenTwoGateways(t *testing.T) {
	t.Parallel()
	a, b := newE2EOrg(t, "Fundación Puente"), newE2EOrg(t, "Casa Aurora")
	bAtA := a.befriend(t, b)
	b.befriend(t, a)
	pid := 0
	fmt.Sscan(bAtA, &pid)

	// 1. Through a file: draft, export, import, review, accept.
	sent := a.id(t, a.ok(t, auth.RoleStaff, "POST", "/v1/referrals", map[string]any{"partner": pid, "form": e2eForm(true)}, 201), "referral", "id")
	pkg := a.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+sent+"/package", nil, 200).Body
	recv := b.id(t, b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/import", string(pkg), 201, octet...), "referral", "id")
	detail := b.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+recv, nil, 200).JSON(t)
	pe := detail["pre_evaluation"].(map[string]any)["settings"].(map[string]any)
	for _, k := range []string{"individual_only", "spacing_enforced", "strict_confidentiality", "monitored", "discreet_only", "suggest_checkin_plan", "risk_evaluation_due"} {
		if pe[k] != true {
			t.Errorf("pre-evaluation: %s not set: %v", k, pe)
		}
	}
	dec := b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/"+recv+"/decision", map[string]any{"outcome": "accepted"}, 200).JSON(t)
	code, _ := dec["participant"].(string)
	if code == "" || dec["consent_required"] != true {
		t.Fatalf("accept: %v", dec)
	}
	p := b.ok(t, auth.RoleStaff, "GET", "/v1/participants/"+code, nil, 200).JSON(t)
	if p["initials"] != "AK" || p["monitored"] != true || p["language"] != "uk" || fmt.Sprint(p["channel_preference"]) != "[sms whatsapp voice]" {
		t.Errorf("participant: %v", p)
	}
	if c := b.ok(t, auth.RoleStaff, "GET", "/v1/participants/"+code+"/contactability?channel=sms", nil, 200).JSON(t); c["allowed"] != false || c["code"] != "no_consent" {
		t.Errorf("consent was carried over: %v", c)
	}
	// The receipt back, as a file.
	receipt := b.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+recv+"/receipt", nil, 200).Body
	a.ok(t, auth.RoleStaff, "POST", "/v1/referrals/import", string(receipt), 200, octet...)
	if st := a.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+sent, nil, 200).JSON(t); st["state"] != "accepted" {
		t.Errorf("the sender's referral: %v", st)
	}

	// 2. Through the inbox URL: deliver, decline, receipt delivered back.
	sent2 := a.id(t, a.ok(t, auth.RoleStaff, "POST", "/v1/referrals", map[string]any{"partner": pid, "form": e2eForm(false)}, 201), "referral", "id")
	if v := a.ok(t, auth.RoleStaff, "POST", "/v1/referrals/"+sent2+"/deliver", nil, 200).JSON(t); v["state"] != "delivered" {
		t.Fatalf("deliver: %v", v)
	}
	list := b.ok(t, auth.RoleStaff, "GET", "/v1/referrals?direction=received&limit=1", nil, 200).JSON(t)["items"].([]any)
	recv2 := fmt.Sprint(list[0].(map[string]any)["id"])
	b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/"+recv2+"/decision", map[string]any{"outcome": "accepted"}, 422) // no phone in the form
	b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/"+recv2+"/decision", map[string]any{"outcome": "declined", "reason": "No places until July."}, 200)
	b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/"+recv2+"/deliver", nil, 200)
	if st := a.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+sent2, nil, 200).JSON(t); st["state"] != "declined" || st["outcome"].(map[string]any)["reason"] != "No places until July." {
		t.Errorf("the sender's second referral: %v", st)
	}

	// 3. Refusals at the inbox: one public answer; the audit says why.
	tampered := bytes.Clone(pkg)
	tampered[len(tampered)-30] ^= 1
	for _, bad := range [][]byte{pkg, tampered, []byte("not a package"), make([]byte, referral.MaxPackageSize+1)} {
		r, err := http.Post(b.web.URL+e2eInboxRoute, "application/octet-stream", bytes.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(r.Body)
		r.Body.Close()
		if r.StatusCode != 422 || !strings.Contains(body.String(), `"package_refused"`) {
			t.Errorf("inbox refusal: %d %s", r.StatusCode, body.String())
		}
	}
	audit := b.ok(t, auth.RoleSupervisor, "GET", "/v1/audit?action=referral.refused&limit=50", nil, 200).Body
	for _, code := range []string{referral.CodeReplayed, referral.CodeTampered, referral.CodeMalformed, referral.CodeTooLarge} {
		if !bytes.Contains(audit, []byte(code)) {
			t.Errorf("the audit lacks the refusal %s: %s", code, audit)
		}
	}
	// Staff importing a file see the detailed code.
	if r := b.Do(auth.RoleStaff, "POST", "/v1/referrals/import", string(tampered), octet...); r.Status != 422 || !bytes.Contains(r.Body, []byte(referral.CodeTampered)) {
		t.Errorf("import of a tampered file: %d %s", r.Status, r.Body)
	}
	var n int
	if err := b.DB.QueryRow("SELECT count(*) FROM referrals").Scan(&n); err != nil || n != 2 {
		t.Errorf("referrals stored at the receiver: %d %v", n, err)
	}

	// 4. Nothing of hers in clear in either database.
	for _, o := range []e2eOrg{a, b} {
		dump := pgDump(t, o.DBURL)
		if !strings.Contains(dump, "referral.imported") && !strings.Contains(dump, "referral.exported") {
			t.Fatal("the dump does not hold the audit: not a dump of this database")
		}
		for _, secret := range []string{e2eDigits, e2eDetails, e2eMeasures, e2eReference, "Burgos", "restraining"} {
			if strings.Contains(dump, secret) || strings.Contains(dump, hex.EncodeToString([]byte(secret))) {
				t.Errorf("the dump of %s holds %q", o.org.Name(), secret)
			}
		}
	}
}

// pgDump is the data of the database at url as pg_dump writes it.
func pgDump(t *testing.T, url string) string {
	t.Helper()
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Skip("pg_dump is not installed")
	}
	out, err := exec.Command(bin, "--data-only", "--no-owner", url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return string(out)
}
