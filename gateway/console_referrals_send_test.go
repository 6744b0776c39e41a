package gateway_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// Sending a referral from the console: staff fill in the form, the
// console drafts it through the service (the same form JSON as the API),
// and the referral's page downloads the sealed package, delivers it to
// the partner's inbox, and shows the delivery's state.

// sendPair is a sender and a receiver, each with the console and each a
// verified partner of the other (the receiver's card names its inbox).
func sendPair(t *testing.T) (a, b e2eOrg, aWeb, bWeb *webUser, bAtA string) {
	a, aSvc := newConsoleOrg(t, "Fundación Puente")
	b, bSvc := newConsoleOrg(t, "Casa Aurora")
	bAtA = a.befriend(t, b)
	b.befriend(t, a)
	return a, b, signInAs(t, a.Env, aSvc, auth.RoleStaff), signInAs(t, b.Env, bSvc, auth.RoleStaff), bAtA
}

// sendValues is e2eForm as the new-referral form posts it.
func sendValues(partner string, phone bool) url.Values {
	v := url.Values{
		"partner": {partner}, "initials": {"AK"}, "languages": {"uk, es"}, "notice_language": {"uk"},
		"time_zone": {"Europe/Madrid"}, "safe_windows": {"mon-fri 10:00-13:00"}, "monitored": {"unknown"},
		"channels": {"sms", "whatsapp"}, "needs": {"legal_advice", "psychological_support"}, "needs_other": {""},
		"consent_agreed": {"on"}, "consent_evidence": {e2eReference}, "consent_date": {"2026-05-30"},
		"risk_date": {"2026-01-10"}, "risk_role": {"psychologist"},
		"can_coincide": {"unknown"}, "protected_witness": {"yes"},
		"judicial_process": {"yes"}, "judicial_process_details": {e2eDetails},
		"lives_with_exploiters": {"no"},
		"recent_threats":        {"yes"}, "recent_threats_when": {"2026-05-20"}, "recent_threats_measures": {e2eMeasures},
		"imminent_danger": {"no"},
		"notes":           {"She lives at Calle Mayor 5."},
	}
	if phone {
		v.Set("phone", e2ePhone)
	}
	return v
}

func referralCount(t *testing.T, e *gatewaytest.Env, direction string) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(`SELECT count(*) FROM referrals WHERE direction = $1`, direction).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var draftedLocation = regexp.MustCompile(`^/referrals/(\d+)\?m=drafted$`)

// A staff member fills in the form: a refused form comes back with the
// refusal in words beside its field, her number not echoed and nothing
// drafted; a valid one is drafted and its page shows the filter's
// warnings; the package downloaded there imports at the partner.
func TestConsoleReferralSendDraftAndPackage(t *testing.T) {
	t.Parallel()
	a, b, staff, _, bAtA := sendPair(t)

	form := staff.get("/referrals/new")
	if form.Status != http.StatusOK {
		t.Fatalf("new referral page: %d %s", form.Status, form.Body)
	}
	for _, want := range []string{
		`action="/referrals"`, `<option value="` + bAtA + `">Casa Aurora</option>`,
		"(a) Can she coincide with other users in the same space?", "(f) Is there any imminent danger?",
		`name="recent_threats_when"`, `name="risk_role"`, `name="notice_language"`, `name="consent_evidence"`,
		`name="needs" type="checkbox" value="legal_advice"`, `name="channels" type="checkbox" value="whatsapp"`,
		`name="phone" type="tel"`,
	} {
		if !strings.Contains(html.UnescapeString(form.Body), want) {
			t.Errorf("form lacks %q", want)
		}
	}
	if regexp.MustCompile(`name="[a-z_]*(name|surname)"`).MatchString(form.Body) {
		t.Error("the form has a name field")
	}
	if !strings.Contains(staff.get("/referrals").Body, `href="/referrals/new"`) {
		t.Error("the list does not link to the form")
	}

	// Refused: a threat without its date. Her number is not shown back.
	bad := sendValues(bAtA, true)
	bad.Del("recent_threats_when")
	p := staff.post("/referrals", bad)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "A yes here needs the facts") ||
		!strings.Contains(p.Body, `id="recent_threats_when-error"`) || !strings.Contains(p.Body, "The referral was not saved.") {
		t.Errorf("threat without a date: %d %s", p.Status, p.Body)
	}
	noReferralNumber(t, "refused form", p)
	if !strings.Contains(p.Body, "The number you typed is not shown again") || !strings.Contains(html.UnescapeString(p.Body), e2eMeasures) {
		t.Error("the refused form does not keep what was typed, or does not say the number was cleared")
	}
	// A field the form does not have, a name above all, is refused.
	named := sendValues(bAtA, false)
	named.Set("full_name", "Anna K")
	if p := staff.post("/referrals", named); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Names are never sent") || strings.Contains(p.Body, "Anna K") {
		t.Errorf("a name field: %d", p.Status)
	}
	noPartner := sendValues("", false)
	if p := staff.post("/referrals", noPartner); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="partner-error"`) {
		t.Errorf("no partner: %d", p.Status)
	}
	// From another origin: refused before the handler.
	cross := httptest.NewRequest("POST", "/referrals", strings.NewReader(sendValues(bAtA, false).Encode()))
	cross.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cross.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := staff.serve(cross); p.Status != http.StatusForbidden {
		t.Errorf("cross-site post: %d", p.Status)
	}
	if n := referralCount(t, a.Env, "sent"); n != 0 {
		t.Fatalf("%d referrals drafted by refused forms", n)
	}

	// Drafted: 303 to its page, which shows the filter's warnings.
	p = staff.post("/referrals", sendValues(bAtA, true))
	m := draftedLocation.FindStringSubmatch(p.Header.Get("Location"))
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("draft: %d %q %s", p.Status, p.Header.Get("Location"), p.Body)
	}
	page := "/referrals/" + m[1]
	show := staff.get(page + "?m=drafted")
	for _, want := range []string{
		"The referral was saved as a draft", "Sent to Casa Aurora", "Draft",
		"Warnings on the free text", "Notes: the text mentions",
		`action="` + page + `/package"`, `action="` + page + `/deliver"`, "Not delivered",
		"Included in the sealed package; not shown here.",
	} {
		if !strings.Contains(html.UnescapeString(show.Body), want) {
			t.Errorf("the draft's page lacks %q", want)
		}
	}
	noReferralNumber(t, "draft page", show)
	if !strings.Contains(refAuditActions(t, a.Env), "referral.drafted") {
		t.Error("no draft in the audit log")
	}

	// The package: an attachment, not stored, that the partner imports.
	pkg := staff.post(page+"/package", url.Values{})
	if pkg.Status != http.StatusOK || pkg.Header.Get("Content-Type") != "application/octet-stream" ||
		!regexp.MustCompile(`^attachment; filename="referral-[0-9a-f-]{36}\.scref"$`).MatchString(pkg.Header.Get("Content-Disposition")) ||
		pkg.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("package: %d %v", pkg.Status, pkg.Header)
	}
	recv := b.id(t, b.ok(t, auth.RoleStaff, "POST", "/v1/referrals/import", pkg.Body, 201, octet...), "referral", "id")
	detail := b.ok(t, auth.RoleStaff, "GET", "/v1/referrals/"+recv, nil, 200).JSON(t)
	if f := detail["form"].(map[string]any); f["initials"] != "AK" || f["phone"] == nil {
		t.Errorf("imported form: %v", f)
	}
	// The same bytes on a second download; the list shows the state.
	if again := staff.post(page+"/package", url.Values{}); again.Body != pkg.Body {
		t.Error("a second download gave other bytes")
	}
	if list := staff.get("/referrals"); !strings.Contains(list.Body, `href="`+page+`"`) || !strings.Contains(list.Body, "Exported as a file") {
		t.Errorf("list: %s", list.Body)
	}
	if !strings.Contains(refAuditActions(t, a.Env), "referral.exported") {
		t.Error("no export in the audit log")
	}
}

// Delivery from the referral's page: to the partner's inbox, and a
// failed one shows its attempts; the receiver's receipt is downloaded and
// imported back. Nobody but the drafter (or a supervisor) may package or
// deliver a referral, as through the API.
func TestConsoleReferralSendDeliver(t *testing.T) {
	t.Parallel()
	a, b, staff, bStaff, bAtA := sendPair(t)

	p := staff.post("/referrals", sendValues(bAtA, false))
	m := draftedLocation.FindStringSubmatch(p.Header.Get("Location"))
	if m == nil {
		t.Fatalf("draft: %d %s", p.Status, p.Body)
	}
	page := "/referrals/" + m[1]
	if p := staff.post(page+"/deliver", url.Values{}); p.Status != http.StatusSeeOther || p.Header.Get("Location") != page+"?m=delivered" {
		t.Fatalf("deliver: %d %s", p.Status, p.Body)
	}
	show := staff.get(page + "?m=delivered")
	if !strings.Contains(show.Body, "Delivered to the partner&#39;s inbox.") || !strings.Contains(show.Body, "Delivered ") ||
		strings.Contains(show.Body, `action="`+page+`/deliver"`) {
		t.Errorf("delivered page: %s", show.Body)
	}
	if n := referralCount(t, b.Env, "received"); n != 1 {
		t.Fatalf("the partner received %d referrals", n)
	}

	// The receiver declines; its page offers the receipt, which the
	// sender imports in its console.
	var rid string
	if err := b.DB.QueryRow(`SELECT id::text FROM referrals WHERE direction = 'received'`).Scan(&rid); err != nil {
		t.Fatal(err)
	}
	if p := bStaff.post("/referrals/"+rid+"/decline", url.Values{"reason": {"No places until July."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("decline: %d %s", p.Status, p.Body)
	}
	rpage := bStaff.get("/referrals/" + rid)
	if !strings.Contains(rpage.Body, `action="/referrals/`+rid+`/receipt"`) || !strings.Contains(rpage.Body, `action="/referrals/`+rid+`/deliver"`) ||
		!strings.Contains(rpage.Body, "delivered by itself shortly") {
		t.Fatalf("no receipt download on the decided referral: %s", rpage.Body)
	}
	receipt := bStaff.post("/referrals/"+rid+"/receipt", url.Values{})
	if receipt.Status != http.StatusOK || !strings.HasPrefix(receipt.Header.Get("Content-Disposition"), `attachment; filename="receipt-`) {
		t.Fatalf("receipt: %d %v", receipt.Status, receipt.Header)
	}
	if p := staff.upload([]byte(receipt.Body)); p.Status != http.StatusSeeOther || p.Header.Get("Location") != page+"?m=receipt" {
		t.Fatalf("receipt import: %d %q %s", p.Status, p.Header.Get("Location"), p.Body)
	}
	if after := staff.get(page); !strings.Contains(after.Body, "No places until July.") || !strings.Contains(after.Body, "Declined") {
		t.Errorf("the sender's page after the receipt: %s", after.Body)
	}

	// A partner whose inbox refuses: the attempt is counted and shown.
	c := newE2EOrg(t, "Refugio Norte")
	cAtA := a.befriend(t, c) // c does not know a: its inbox refuses
	p = staff.post("/referrals", sendValues(cAtA, false))
	m = draftedLocation.FindStringSubmatch(p.Header.Get("Location"))
	if m == nil {
		t.Fatalf("draft to c: %d %s", p.Status, p.Body)
	}
	cpage := "/referrals/" + m[1]
	if p := staff.post(cpage+"/deliver", url.Values{}); p.Status < 400 || !strings.Contains(p.Body, "did not take the package") {
		t.Errorf("refused delivery: %d %s", p.Status, p.Body)
	}
	if pg := staff.get(cpage); !strings.Contains(pg.Body, "1 attempt failed; retried by itself at") {
		t.Errorf("the page does not show the failed attempt: %s", pg.Body)
	}
	if list := staff.get("/referrals"); !strings.Contains(list.Body, "delivery failed 1 time") {
		t.Errorf("the list does not show the failed delivery: %s", list.Body)
	}

	// A referral another user drafted (through the API): staff may not
	// open, package or deliver it; a supervisor may.
	var pid int
	if _, err := fmt.Sscan(bAtA, &pid); err != nil {
		t.Fatal(err)
	}
	other := a.id(t, a.ok(t, auth.RoleAdmin, "POST", "/v1/referrals", map[string]any{"partner": pid, "form": e2eForm(true)}, 201), "referral", "id")
	before := referralCount(t, b.Env, "received")
	for _, try := range []webPage{staff.get("/referrals/" + other), staff.post("/referrals/"+other+"/package", url.Values{}), staff.post("/referrals/"+other+"/deliver", url.Values{})} {
		if try.Status != http.StatusForbidden {
			t.Errorf("another's referral: %d", try.Status)
		}
	}
	if st := a.ok(t, auth.RoleAdmin, "GET", "/v1/referrals/"+other, nil, 200).JSON(t)["state"]; st != "draft" || referralCount(t, b.Env, "received") != before {
		t.Errorf("refused requests changed the referral: %v", st)
	}
	// Signed out: the sign-in page, nothing drafted.
	anon := &webUser{t: t, e: a.Env, cookie: &http.Cookie{Name: "sc_session", Value: "none"}}
	if p := anon.post("/referrals", sendValues(bAtA, false)); p.Status/100 != 3 && p.Status != http.StatusUnauthorized {
		t.Errorf("signed out post: %d", p.Status)
	}
	if n := referralCount(t, a.Env, "sent"); n != 3 {
		t.Errorf("sent referrals: %d, want 3", n)
	}
}
