package gateway_test

import (
	"bytes"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/gatewaytest"
	"safecontact/keys"
)

// The console's referral pages, between two gateways: the sender drafts
// and exports through the API, the receiver's staff import, review and
// decide in the console; the partner directory is the admin's.

// newConsoleOrg is newE2EOrg with the console mounted.
func newConsoleOrg(t *testing.T, name string) (e2eOrg, *signin.Service) {
	org := keys.NewTestOrg(name)
	e, svc := withConsoleConfig(t, gateway.Config{Org: org})
	web := httptest.NewServer(e.Server.Handler())
	t.Cleanup(web.Close)
	return e2eOrg{Env: e, org: org, web: web}, svc
}

// refPair is a sender (API only) and a receiver with the console, each a
// verified partner of the other.
func refPair(t *testing.T) (a, b e2eOrg, svc *signin.Service, bAtA string) {
	a = newE2EOrg(t, "Fundación Puente")
	b, svc = newConsoleOrg(t, "Casa Aurora")
	bAtA = a.befriend(t, b)
	b.befriend(t, a)
	return a, b, svc, bAtA
}

// refPackage drafts a referral at a for its partner b and exports it.
func refPackage(t *testing.T, a e2eOrg, partner string, phone bool) []byte {
	t.Helper()
	var pid int
	fmt.Sscan(partner, &pid)
	sent := a.id(t, a.ok(t, auth.RoleStaff, "POST", "/v1/referrals", map[string]any{"partner": pid, "form": e2eForm(phone)}, 201), "referral", "id")
	return []byte(a.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+sent+"/package", nil, 200).Body)
}

// upload posts a package file to the console's import form.
func (u *webUser) upload(pkg []byte) webPage {
	u.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("package", "referral.scref")
	if err != nil {
		u.t.Fatal(err)
	}
	fw.Write(pkg)
	mw.Close()
	req := httptest.NewRequest("POST", "/referrals/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return u.serve(req)
}

// noReferralNumber fails if the page shows the referral's phone number
// in any form.
func noReferralNumber(t *testing.T, what string, p webPage) {
	t.Helper()
	body := html.UnescapeString(p.Body)
	for _, n := range []string{e2ePhone, e2eDigits, "+34612987654", "612 987 654"} {
		if strings.Contains(body, n) {
			t.Errorf("%s: the page shows her number", what)
		}
	}
}

// refAuditActions is every audit event's action, as text.
func refAuditActions(t *testing.T, e *gatewaytest.Env) string {
	t.Helper()
	var s string
	if err := e.DB.QueryRow(`SELECT coalesce(string_agg(action, ' '), '') FROM audit_events`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

var refLocation = regexp.MustCompile(`^/referrals/(\d+)\?m=`)

// A staff member imports a package in the console, reads the referral
// with its pre-evaluation in words, and accepts it: her participant is
// created and the page says consent is needed. No page shows her number,
// and a number typed into a refused accept form is not echoed back.
func TestConsoleReferralImportReviewAccept(t *testing.T) {
	t.Parallel()
	a, b, svc, bAtA := refPair(t)
	pkg := refPackage(t, a, bAtA, false)
	staff := signInAs(t, b.Env, svc, auth.RoleStaff)

	p := staff.upload(pkg)
	m := refLocation.FindStringSubmatch(p.Header.Get("Location"))
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("import: %d %q %s", p.Status, p.Header.Get("Location"), p.Body)
	}
	id := m[1]
	page := "/referrals/" + id

	list := staff.get("/referrals")
	if list.Status != 200 || !strings.Contains(list.Body, `href="`+page+`"`) || !strings.Contains(list.Body, "Fundación Puente") ||
		!strings.Contains(list.Body, "Waiting for a decision") {
		t.Errorf("list: %d %s", list.Status, list.Body)
	}
	if strings.Contains(list.Body, "Criminal case") || strings.Contains(list.Body, "AK") {
		t.Error("the list shows the form's content")
	}

	show := staff.get(page + "?m=imported")
	for _, want := range []string{
		"The referral was imported",
		"Protected witness or judicial process: strict confidentiality",          // rule in words
		"Whether her phone is monitored is unknown",                              // an unknown answer's words
		"Risk evaluation due",                                                    // evaluation older than 90 days
		"She was threatened recently: suggest a safety check-in plan",            // recent threats
		"(b) Is she a protected witness?", "Criminal case open since March 2026", // a question with details
		"2026-01-10, by: psychologist", "Legal advice", "mon-fri 10:00-13:00", "Europe/Madrid",
		`type="tel"`, "Not included: give it to accept the referral.",
		`action="` + page + `/decline"`, `action="` + page + `/redirect"`,
	} {
		if !strings.Contains(html.UnescapeString(show.Body), want) {
			t.Errorf("referral page lacks %q", want)
		}
	}
	if show.Status != 200 || strings.Contains(show.Body, "<title>") && strings.Contains(strings.SplitN(show.Body, "</title>", 2)[0], "AK") {
		t.Errorf("referral page: %d", show.Status)
	}

	// Replaying the file is refused in words.
	if p := staff.upload(pkg); p.Status != http.StatusConflict && p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "This package was imported before.") {
		t.Errorf("replay: %d %s", p.Status, p.Body)
	}
	// A file that is not a package.
	if p := staff.upload([]byte("not a package")); p.Status < 400 || !strings.Contains(p.Body, `role="alert"`) {
		t.Errorf("garbage: %d", p.Status)
	}

	// Accepting without a number, then with a bad one: refused, not echoed.
	if p := staff.post(page+"/accept", url.Values{}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "type hers to accept it") {
		t.Errorf("accept without a phone: %d", p.Status)
	}
	bad := "+34 61298"
	if p := staff.post(page+"/accept", url.Values{"phone": {bad}}); p.Status < 400 || strings.Contains(p.Body, bad) || strings.Contains(p.Body, "61298") || !strings.Contains(p.Body, `role="alert"`) {
		t.Errorf("accept with a bad phone: %d (echoed: %v)", p.Status, strings.Contains(p.Body, "61298"))
	}
	p = staff.post(page+"/accept", url.Values{"phone": {e2ePhone}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != page+"?m=accepted" {
		t.Fatalf("accept: %d %s", p.Status, p.Body)
	}
	noReferralNumber(t, "accept answer", p)
	after := staff.get(page + "?m=accepted")
	code := regexp.MustCompile(`href="/participants/([A-Z0-9-]+)"`).FindStringSubmatch(after.Body)
	if code == nil || !strings.Contains(after.Body, "record her consent to this organisation before anything is sent") {
		t.Fatalf("after accept: %s", after.Body)
	}
	if strings.Contains(after.Body, `action="`+page+`/accept"`) {
		t.Error("the decision forms are still shown")
	}
	part := b.ok(t, auth.RoleStaff, "GET", "/v1/participants/"+code[1], nil, 200).JSON(t)
	if part["initials"] != "AK" || part["monitored"] != true {
		t.Errorf("participant: %v", part)
	}
	if c := b.ok(t, auth.RoleStaff, "GET", "/v1/participants/"+code[1]+"/contactability?channel=sms", nil, 200).JSON(t); c["allowed"] != false || c["code"] != "no_consent" {
		t.Errorf("consent was carried over: %v", c)
	}
	for path, pg := range map[string]webPage{"list": staff.get("/referrals"), "page": after, "show": show} {
		noReferralNumber(t, path, pg)
	}
	if !strings.Contains(refAuditActions(t, b.Env), "referral.accepted") {
		t.Error("no accept in the audit log")
	}
}

// Declining and redirecting need a reason; the refusal keeps the referral
// waiting and the form as typed.
func TestConsoleReferralDeclineNeedsReason(t *testing.T) {
	t.Parallel()
	a, b, svc, bAtA := refPair(t)
	id1 := b.id(t, b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/import", string(refPackage(t, a, bAtA, true)), 201, octet...), "referral", "id")
	id2 := b.id(t, b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/import", string(refPackage(t, a, bAtA, true)), 201, octet...), "referral", "id")
	staff := signInAs(t, b.Env, svc, auth.RoleStaff)

	show := staff.get("/referrals/" + id1)
	if show.Status != 200 || strings.Contains(show.Body, `type="tel"`) || !strings.Contains(show.Body, "Included in the sealed referral") {
		t.Errorf("a referral with a number asks for one: %d", show.Status)
	}
	noReferralNumber(t, "page", show)

	p := staff.post("/referrals/"+id1+"/decline", url.Values{"reason": {""}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Give a reason") {
		t.Errorf("decline without a reason: %d", p.Status)
	}
	if st := b.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+id1, nil, 200).JSON(t)["state"]; st != "received" {
		t.Errorf("state after a refused decline: %v", st)
	}
	p = staff.post("/referrals/"+id1+"/decline", url.Values{"reason": {"No places until March."}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("decline: %d %s", p.Status, p.Body)
	}
	if st := b.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+id1, nil, 200).JSON(t)["state"]; st != "declined" {
		t.Errorf("state after decline: %v", st)
	}
	if pg := staff.get("/referrals/" + id1); !strings.Contains(pg.Body, "No places until March.") || strings.Contains(pg.Body, "/decline\"") {
		t.Errorf("declined page: %s", pg.Body)
	}
	// A second decision is refused in words.
	if p := staff.post("/referrals/"+id1+"/decline", url.Values{"reason": {"Again, no places."}}); p.Status < 400 || !strings.Contains(p.Body, "decided before") {
		t.Errorf("second decision: %d", p.Status)
	}

	p = staff.post("/referrals/"+id2+"/redirect", url.Values{"redirected_to": {"protected-shelter programme"}, "reason": {"ok"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "protected-shelter programme") {
		t.Errorf("redirect with a short reason: %d", p.Status)
	}
	p = staff.post("/referrals/"+id2+"/redirect", url.Values{"redirected_to": {"protected-shelter programme"}, "reason": {"Imminent danger needs a shelter."}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("redirect: %d %s", p.Status, p.Body)
	}
	if st := b.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+id2, nil, 200).JSON(t)["state"]; st != "redirected" {
		t.Errorf("state after redirect: %v", st)
	}
	if p := staff.get("/referrals/999999"); p.Status != http.StatusNotFound {
		t.Errorf("unknown referral: %d", p.Status)
	}
}

// The admin adds, verifies and removes a partner in the console (staff
// may not); every change is the service's, audited there.
func TestConsoleAdminPartners(t *testing.T) {
	t.Parallel()
	b, svc := newConsoleOrg(t, "Casa Aurora")
	other := keys.NewTestOrg("Fundación Puente")
	card, err := other.Card("", b.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p := signInAs(t, b.Env, svc, auth.RoleStaff).get("/admin/partners"); p.Status != http.StatusForbidden {
		t.Errorf("staff: %d", p.Status)
	}
	admin := signInAs(t, b.Env, svc, auth.RoleAdmin)
	if p := admin.get("/admin/partners"); p.Status != 200 || !strings.Contains(p.Body, "No partners yet.") {
		t.Fatalf("empty directory: %d", p.Status)
	}
	if p := admin.post("/admin/partners", url.Values{"card": {"not a card"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "not a valid partner card") {
		t.Errorf("bad card: %d", p.Status)
	}
	p := admin.post("/admin/partners", url.Values{"card": {string(card)}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/admin/partners?m=added" {
		t.Fatalf("add: %d %s", p.Status, p.Body)
	}
	fp := other.Public().Fingerprint()
	list := admin.get("/admin/partners?m=added")
	if !strings.Contains(list.Body, "Fundación Puente") || !strings.Contains(list.Body, fp) || !strings.Contains(list.Body, "Not verified") {
		t.Fatalf("directory: %s", list.Body)
	}
	pid := regexp.MustCompile(`action="/admin/partners/(\d+)/verify"`).FindStringSubmatch(list.Body)
	if pid == nil {
		t.Fatal("no verify form")
	}
	wrong := string('0'+(fp[0]-'0'+1)%10) + fp[1:]
	if p := admin.post("/admin/partners/"+pid[1]+"/verify", url.Values{"fingerprint": {wrong}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "not the card") {
		t.Errorf("wrong fingerprint: %d", p.Status)
	}
	if p := admin.post("/admin/partners/"+pid[1]+"/verify", url.Values{"fingerprint": {strings.ReplaceAll(fp, " ", "")}}); p.Status != http.StatusSeeOther {
		t.Fatalf("verify: %d %s", p.Status, p.Body)
	}
	ps := b.ok(t, auth.RoleAdmin, "GET", "/v1/partners", nil, 200).Body
	if !strings.Contains(string(ps), `"verified":true`) {
		t.Errorf("not verified through the API: %s", ps)
	}
	if p := admin.post("/admin/partners/"+pid[1]+"/remove", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", p.Status, p.Body)
	}
	if ps := b.ok(t, auth.RoleAdmin, "GET", "/v1/partners", nil, 200).Body; strings.Contains(string(ps), "Fundación Puente") {
		t.Errorf("still listed: %s", ps)
	}
	audit := refAuditActions(t, b.Env)
	for _, act := range []string{"partner.added", "partner.verify_refused", "partner.verified", "partner.removed"} {
		if !strings.Contains(audit, act) {
			t.Errorf("audit lacks %s", act)
		}
	}
	if p := signInAs(t, b.Env, svc, auth.RoleStaff).post("/admin/partners", url.Values{"card": {string(card)}}); p.Status != http.StatusForbidden {
		t.Errorf("staff add: %d", p.Status)
	}
}
