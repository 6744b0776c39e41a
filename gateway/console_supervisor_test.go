package gateway_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// The console's supervisor pages (console/supervisor.go), through the
// gateway's handler on a real database.

// fullPhone is any phone number written out in full (E.164 or spaced).
var fullPhone = regexp.MustCompile(`\+\d[\d ]{8,}\d`)

func noFullNumber(t *testing.T, where string, p webPage) {
	t.Helper()
	if m := fullPhone.FindString(p.Body); m != "" {
		t.Errorf("%s shows a full phone number %q", where, m)
	}
}

// A caseworker gets the 403 page on every supervisor and admin page; the
// pages carry the console's headers.
func TestConsoleSupervisorPagesRefuseStaff(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	staff := signInAs(t, e, svc, auth.RoleStaff)
	for _, path := range []string{"/dashboard", "/audit", "/audit?action=user.added", "/audit.csv", "/participants/" + code + "/contact-log", "/admin/users"} {
		p := staff.get(path)
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "<h1>") || p.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s as staff: %d", path, p.Status)
		}
		if p.Header.Get("Content-Disposition") != "" {
			t.Errorf("GET %s as staff: a file", path)
		}
	}
	posts := []string{"/audit/verify", "/admin/users", "/admin/users/admin-user/disable", "/admin/users/admin-user/role",
		"/admin/users/admin-user/password", "/admin/users/admin-user/second-factor"}
	for _, path := range posts {
		if p := staff.post(path, url.Values{"name": {"mallory"}, "role": {"admin"}}); p.Status != http.StatusForbidden {
			t.Errorf("POST %s as staff: %d", path, p.Status)
		}
	}
	// The admin's pages are not a supervisor's.
	sup := signInAs(t, e, svc, auth.RoleSupervisor)
	for _, path := range posts[1:] {
		if p := sup.post(path, url.Values{"name": {"mallory"}, "role": {"admin"}}); p.Status != http.StatusForbidden {
			t.Errorf("POST %s as supervisor: %d", path, p.Status)
		}
	}
	if p := sup.get("/admin/users"); p.Status != http.StatusForbidden {
		t.Errorf("/admin/users as supervisor: %d", p.Status)
	}
	for _, a := range e.AuditActions() {
		switch a {
		case "audit.read", "audit.exported", "audit.verified", "user.disabled", "user.role_changed", "totp.reset":
			t.Errorf("a refused page recorded %s", a)
		}
	}
	var n int
	if err := e.DB.QueryRow(`SELECT count(*) FROM users WHERE name = 'mallory'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("a refused page added a user: %d %v", n, err)
	}
}

// A supervisor reads her contact log (recorded as a read), verifies the
// chain from the audit page and sees it verified; no full phone number
// on any of it.
func TestConsoleSupervisorContactLogAndChain(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	sup := signInAs(t, e, svc, auth.RoleSupervisor)

	p := sup.get("/participants/" + code + "/contact-log")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, code) || !strings.Contains(p.Body, "participant.created") {
		t.Fatalf("contact log: %d %s", p.Status, p.Body)
	}
	noFullNumber(t, "contact log", p)
	if who, d, actor := e.LastAudit("audit.read"); who != code || d["view"] != "contact_log" || actor != "supervisor-user" {
		t.Errorf("the read was recorded as %q %v by %q", who, d, actor)
	}
	if p := sup.get("/participants/P-AAAAA/contact-log"); p.Status != http.StatusNotFound {
		t.Errorf("an unknown participant's log: %d", p.Status)
	}

	p = sup.get("/audit")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `data-state="none"`) {
		t.Fatalf("audit before a check: %d", p.Status)
	}
	e.Seal()
	p = sup.post("/audit/verify", nil)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/audit?m=verified" {
		t.Fatalf("verify: %d %v", p.Status, p.Header)
	}
	p = sup.get("/audit?m=verified")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `data-state="verified"`) || !strings.Contains(p.Body, `role="status"`) {
		t.Fatalf("audit after a check: %d %s", p.Status, p.Body)
	}
	noFullNumber(t, "audit", p)
	if _, d, actor := e.LastAudit("audit.verified"); d["ok"] != true || actor != "supervisor-user" {
		t.Errorf("verification recorded as %v by %q", d, actor)
	}

	// A broken chain says so, with the first bad number.
	for _, q := range []string{
		`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`,
		`UPDATE audit_events SET actor_name = 'someone else' WHERE seq = 2`,
		`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`,
	} {
		if _, err := e.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	sup.post("/audit/verify", nil)
	if p := sup.get("/audit"); !strings.Contains(p.Body, `data-state="broken"`) || !strings.Contains(p.Body, "number 2") {
		t.Errorf("a broken chain shown as %s", p.Body)
	}
}

// The audit page's filters narrow the list, and the CSV has the same
// rows; a bad filter is told in words.
func TestConsoleSupervisorAuditFilterAndCSV(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	a := e.CreateParticipant(gatewaytest.Maria())
	m := gatewaytest.Maria()
	m["phone"] = "+34 612 345 999"
	b := e.CreateParticipant(m)
	sup := signInAs(t, e, svc, auth.RoleSupervisor)

	actions := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<td><code>([a-z_.]+)</code></td>`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	all := actions(sup.get("/audit").Body)
	if len(all) < 4 {
		t.Fatalf("the whole log shows %v", all)
	}
	p := sup.get("/audit?action=participant.created")
	got := actions(p.Body)
	if len(got) != 2 || got[0] != "participant.created" || got[1] != "participant.created" {
		t.Errorf("action filter: %v", got)
	}
	p = sup.get("/audit?action=participant.created&participant=" + b)
	if got := actions(p.Body); len(got) != 1 || !strings.Contains(p.Body, b) || strings.Contains(p.Body, ">"+a+"<") {
		t.Errorf("participant filter: %v", got)
	}
	if got := actions(sup.get("/audit?actor=nobody").Body); len(got) != 0 {
		t.Errorf("actor filter: %v", got)
	}
	// Events are stamped by the database's clock; the reader's zone is UTC.
	today := time.Now().UTC().Format("2006-01-02")
	if got := actions(sup.get("/audit?action=participant.created&from=" + today + "&to=" + today).Body); len(got) != 2 {
		t.Errorf("today: %v", got)
	}
	if got := actions(sup.get("/audit?action=participant.created&from=2020-01-01&to=2020-01-31").Body); len(got) != 0 {
		t.Errorf("2020: %v", got)
	}
	for _, q := range []string{"participant=not-a-code", "from=yesterday", "from=2026-06-03&to=2026-06-01"} {
		if p := sup.get("/audit?" + q); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `role="alert"`) {
			t.Errorf("%s: %d", q, p.Status)
		}
	}
	if _, d, _ := e.LastAudit("audit.read"); d["view"] != "audit" {
		t.Errorf("the page's read recorded as %v", d)
	}

	// The CSV link keeps the filter; the file has exactly its rows.
	p = sup.get("/audit?action=participant.created")
	if !strings.Contains(p.Body, `href="/audit.csv?action=participant.created"`) {
		t.Errorf("no CSV link with the filter")
	}
	f := sup.get("/audit.csv?action=participant.created")
	if f.Status != http.StatusOK || !strings.HasPrefix(f.Header.Get("Content-Disposition"), "attachment; filename=") || !strings.HasPrefix(f.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %v", f.Status, f.Header)
	}
	if f.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("csv cache: %q", f.Header.Get("Cache-Control"))
	}
	recs, err := csv.NewReader(strings.NewReader(f.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][6] != "action" {
		t.Fatalf("csv rows: %v", recs)
	}
	codes := map[string]bool{}
	for _, r := range recs[1:] {
		if r[6] != "participant.created" {
			t.Errorf("csv row %v", r)
		}
		codes[r[7]] = true
	}
	if !codes[a] || !codes[b] {
		t.Errorf("csv participants %v", codes)
	}
	noFullNumber(t, "csv", f)
	if _, d, actor := e.LastAudit("audit.exported"); d["format"] != "csv" || actor != "supervisor-user" {
		t.Errorf("export recorded as %v by %q", d, actor)
	}
}

// The dashboard renders with nothing to show, and with a message and a
// refusal.
func TestConsoleSupervisorDashboard(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	// Messages are stamped by the database's clock: the dashboard's days
	// (the server's clock) must be the same days.
	e.Clock.Set(time.Now())
	sup := signInAs(t, e, svc, auth.RoleSupervisor)
	p := sup.get("/dashboard")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "<svg") || !strings.Contains(p.Body, "No message was refused") {
		t.Fatalf("empty dashboard: %d %s", p.Status, p.Body)
	}

	code := e.MonitoredParticipant("+34 612 004 777")
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "please_contact"}); r.Status != http.StatusAccepted && r.Status != http.StatusCreated {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "whatsapp", "template": "please_contact"}); r.Status < 400 {
		t.Fatalf("a whatsapp message without consent: %d", r.Status)
	}
	p = sup.get("/dashboard")
	if p.Status != http.StatusOK {
		t.Fatalf("dashboard: %d", p.Status)
	}
	for _, want := range []string{"1 message in these days.", "<rect", "no_consent", "<table"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	noFullNumber(t, "dashboard", p)
}
