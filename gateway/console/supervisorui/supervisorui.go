// Package supervisorui is the console's oversight pages: for
// supervisors, a participant's contact log, the audit log with its
// filters, CSV export and the chain's state, and the dashboard; for
// administrators, the users (admin.go). They call the same service
// methods as the API's supervisor and admin routes (audit.Service,
// participant.Service, auth.Users), which check the role again and record
// every read and change in the audit log.
package supervisorui

import (
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/console"
	"safecontact/gateway/participant"
)

// Deps are what the supervisor's and the administrator's pages call.
type Deps struct {
	Audit        *audit.Service
	Participants *participant.Service
	// Users and Signin: user management (the admin's pages).
	Users  *auth.Users
	Signin *signin.Service
	// Stats are the dashboard's figures.
	Stats Stats
}

// Pages serves the supervisor's and the administrator's pages.
type Pages struct {
	con       *console.Console
	oversight Deps
}

// Mount registers the supervisor's pages (role supervisor) and the
// administrator's user pages (role admin) on c.
func Mount(c *console.Console, d Deps) {
	p := &Pages{con: c, oversight: d}
	c.Page("GET /participants/{code}/contact-log", "supervisor", p.contactLogPage)
	c.Page("GET /audit", "supervisor", p.auditPage)
	c.Page("GET /audit.csv", "supervisor", p.auditCSV)
	c.Page("POST /audit/verify", "supervisor", p.auditVerifyPost)
	c.Page("GET /dashboard", "supervisor", p.dashboardPage)

	c.Page("GET /admin/users", "admin", p.usersPage)
	c.Page("POST /admin/users", "admin", p.userCreatePost)
	c.Page("POST /admin/users/{name}/role", "admin", p.userRolePost)
	c.Page("POST /admin/users/{name}/disable", "admin", p.userDisablePost)
	c.Page("POST /admin/users/{name}/password", "admin", p.userPasswordPost)
	c.Page("POST /admin/users/{name}/second-factor", "admin", p.userSecondFactorPost)
	c.Nav(console.NavEntry{Label: "supervisor.nav_dashboard", Path: "/dashboard", Order: console.NavOrderSupervision + 1})
	c.Nav(console.NavEntry{Label: "supervisor.nav_audit", Path: "/audit", Order: console.NavOrderSupervision + 2})
	c.Nav(console.NavEntry{Label: "supervisor.nav_users", Path: "/admin/users", Order: console.NavOrderAdmin + 1})
}
