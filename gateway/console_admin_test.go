package gateway_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/gatewaytest"
)

// The console's user pages (console/supervisor_admin.go), through the
// gateway's handler on a real database.

var shownSecret = regexp.MustCompile(`<code class="secret" id="secret">([^<]+)</code>`)

// auditText is every audit event's details, as text.
func auditText(e *gatewaytest.Env) string {
	e.T.Helper()
	var s string
	if err := e.DB.QueryRow(`SELECT coalesce(string_agg(coalesce(details::text, ''), ' '), '') FROM audit_events`).Scan(&s); err != nil {
		e.T.Fatal(err)
	}
	return s
}

// stage signs name in with password and returns where she stands.
func stage(t *testing.T, svc *signin.Service, name, password string) signin.Stage {
	t.Helper()
	res, err := svc.SignIn(context.Background(), name, password, signin.Client{IP: net.IPv4(127, 0, 0, 1), RequestID: "test"})
	if err != nil {
		t.Fatalf("%s signs in: %v", name, err)
	}
	return res.Stage
}

// An admin adds a user with a first password shown once (never in the
// audit log), disables a user whose open session stops at her next
// request, gives a new password and removes a second step (each ending
// her sessions), changes a role; the last admin stays an admin.
func TestConsoleAdminUsers(t *testing.T) {
	t.Parallel()
	e, svc := withConsole(t)
	admin := signInAs(t, e, svc, auth.RoleAdmin)

	p := admin.get("/admin/users")
	if p.Status != http.StatusOK {
		t.Fatalf("users: %d", p.Status)
	}
	for _, name := range []string{"staff-user", "supervisor-user", "admin-user"} {
		if !strings.Contains(p.Body, `<th scope="row">`+name) {
			t.Errorf("the list lacks %s", name)
		}
	}

	// Create: the password is shown once and she must change it.
	p = admin.post("/admin/users", url.Values{"name": {"nuria"}, "role": {"staff"}})
	m := shownSecret.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || m == nil {
		t.Fatalf("create: %d %s", p.Status, p.Body)
	}
	first := m[1]
	if strings.Contains(p.Body, "<title>"+first) || strings.Contains(admin.get("/admin/users").Body, first) {
		t.Error("the password is shown again")
	}
	if strings.Contains(auditText(e), first) {
		t.Error("the password is in the audit log")
	}
	if _, d, actor := e.LastAudit("user.added"); d["user"] != "nuria" || actor != "admin-user" {
		t.Errorf("user.added %v by %s", d, actor)
	}
	if _, d, _ := e.LastAudit("password.set"); d["user"] != "nuria" || d["must_change"] != true {
		t.Errorf("password.set %v", d)
	}
	if st := stage(t, svc, "nuria", first); st != signin.StageChangePassword {
		t.Errorf("her first sign-in: %v", st)
	}
	if p := admin.post("/admin/users", url.Values{"name": {"nuria"}, "role": {"staff"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "already exists") {
		t.Errorf("a second nuria: %d", p.Status)
	}
	if p := admin.post("/admin/users", url.Values{"name": {"x"}, "role": {"staff"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `role="alert"`) {
		t.Errorf("a one-letter name: %d", p.Status)
	}

	// Disable: her open session stops at her next request.
	staff := signInAs(t, e, svc, auth.RoleStaff)
	if p := staff.get("/"); p.Status != http.StatusOK {
		t.Fatalf("staff home: %d", p.Status)
	}
	if p := admin.post("/admin/users/staff-user/disable", nil); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/admin/users?m=disabled" {
		t.Fatalf("disable: %d %v", p.Status, p.Header)
	}
	if p := staff.get("/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/signin") {
		t.Errorf("a disabled user's next request: %d %v", p.Status, p.Header)
	}
	if r := e.Do(auth.RoleStaff, "GET", "/v1/participants", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("a disabled user's token: %d", r.Status)
	}
	if _, d, actor := e.LastAudit("user.disabled"); d["user"] != "staff-user" || actor != "admin-user" {
		t.Errorf("user.disabled %v by %s", d, actor)
	}
	if p := admin.get("/admin/users?m=disabled"); !strings.Contains(p.Body, `role="status"`) || strings.Contains(p.Body, `action="/admin/users/staff-user/disable"`) {
		t.Error("the list after disabling")
	}

	// Remove her second step: her sessions end; she sets one up again.
	sup := signInAs(t, e, svc, auth.RoleSupervisor)
	if p := admin.post("/admin/users/supervisor-user/second-factor", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("reset second step: %d %s", p.Status, p.Body)
	}
	if p := sup.get("/"); p.Status != http.StatusSeeOther {
		t.Errorf("her session after the reset: %d", p.Status)
	}
	if _, d, actor := e.LastAudit("totp.reset"); d["user"] != "supervisor-user" || actor != "admin-user" {
		t.Errorf("totp.reset %v by %s", d, actor)
	}
	if st := stage(t, svc, "supervisor-user", consolePassword); st != signin.StageEnrol {
		t.Errorf("her next sign-in: %v", st)
	}

	// A new password: shown once, she must change it, her sessions end.
	sup = signInAs(t, e, svc, auth.RoleSupervisor)
	p = admin.post("/admin/users/supervisor-user/password", nil)
	m = shownSecret.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || m == nil {
		t.Fatalf("reset password: %d %s", p.Status, p.Body)
	}
	if p := sup.get("/"); p.Status != http.StatusSeeOther {
		t.Errorf("her session after the new password: %d", p.Status)
	}
	if strings.Contains(auditText(e), m[1]) {
		t.Error("the new password is in the audit log")
	}
	if _, d, actor := e.LastAudit("password.set"); d["user"] != "supervisor-user" || d["must_change"] != true || actor != "admin-user" {
		t.Errorf("password.set %v by %s", d, actor)
	}
	if st := stage(t, svc, "supervisor-user", m[1]); st != signin.StageSecondFactor && st != signin.StageChangePassword {
		t.Errorf("sign-in with the new password: %v", st)
	}

	// A role change applies at her next request, through the API too.
	if p := admin.post("/admin/users/supervisor-user/role", url.Values{"role": {"staff"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("role: %d %s", p.Status, p.Body)
	}
	if r := e.Do(auth.RoleSupervisor, "GET", "/v1/audit", nil); r.Status != http.StatusForbidden {
		t.Errorf("a demoted supervisor's token reads the audit log: %d", r.Status)
	}
	if _, d, _ := e.LastAudit("user.role_changed"); d["user"] != "supervisor-user" || d["from"] != "supervisor" || d["to"] != "staff" {
		t.Errorf("user.role_changed %v", d)
	}

	// The last admin: neither disabled nor demoted.
	for path, form := range map[string]url.Values{
		"/admin/users/admin-user/disable": nil,
		"/admin/users/admin-user/role":    {"role": {"supervisor"}},
	} {
		p := admin.post(path, form)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "last active administrator") {
			t.Errorf("%s: %d", path, p.Status)
		}
	}
	if p := admin.get("/admin/users"); p.Status != http.StatusOK {
		t.Errorf("the last admin after the refusals: %d", p.Status)
	}
	// With a second admin, the first may step down.
	if p := admin.post("/admin/users/nuria/role", url.Values{"role": {"admin"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("promote nuria: %d", p.Status)
	}
	if p := admin.post("/admin/users/admin-user/role", url.Values{"role": {"supervisor"}}); p.Status != http.StatusSeeOther {
		t.Errorf("demote with another admin: %d", p.Status)
	}
	if p := admin.get("/admin/users"); p.Status != http.StatusForbidden {
		t.Errorf("a demoted admin's page: %d", p.Status)
	}
	if p := admin.get("/nothing-here"); p.Status != http.StatusNotFound {
		t.Errorf("404: %d", p.Status)
	}
}
