package gateway

import (
	"context"
	"time"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/console/supervisorui"
)

// The console's supervisor and admin pages get the capability services
// the API's supervisor and admin routes use, and the dashboard's figures
// from consoleStats.

// oversight is what the console's supervisor and admin pages call.
func (s *Server) oversight(svc *signin.Service) supervisorui.Deps {
	return supervisorui.Deps{Audit: s.audit, Participants: s.participants, Users: s.users, Signin: svc, Stats: consoleStats{s}}
}

// consoleStats implements supervisorui.Stats over the server's database.
type consoleStats struct{ s *Server }

// Dashboard reads the dashboard's aggregates (db/query/dashboard.sql),
// for a supervisor only.
func (cs consoleStats) Dashboard(ctx context.Context, a *auth.Actor, zone *time.Location, days int) (supervisorui.DashboardStats, error) {
	var out supervisorui.DashboardStats
	if a == nil || !a.Oversees() {
		return out, errs.New(errs.CodeForbidden, "only a supervisor can see the dashboard")
	}
	q := cs.s.q
	now := cs.s.now()
	out.Days = supervisorui.DashboardDays(now, zone, days)
	since := out.Days[0]
	perDay, err := q.DashboardMessagesPerDay(ctx, db.DashboardMessagesPerDayParams{Zone: zone.String(), Since: since})
	if err != nil {
		return out, errs.Internal(err)
	}
	for _, r := range perDay {
		// A date from Postgres: midnight UTC of that day.
		out.PerDay = append(out.PerDay, supervisorui.DayCount{Day: time.Date(r.Day.Year(), r.Day.Month(), r.Day.Day(), 0, 0, 0, 0, zone), Channel: r.Channel, N: r.N})
	}
	statuses, err := q.DashboardMessageStatuses(ctx, since)
	if err != nil {
		return out, errs.Internal(err)
	}
	for _, r := range statuses {
		out.Statuses = append(out.Statuses, supervisorui.Count{Key: r.Status, N: r.N})
	}
	refusals, err := q.DashboardRefusals(ctx, since)
	if err != nil {
		return out, errs.Internal(err)
	}
	for _, r := range refusals {
		out.Refusals = append(out.Refusals, supervisorui.Count{Key: r.Code, N: r.N})
	}
	cbs, err := q.DashboardOpenCallbacks(ctx, now)
	if err != nil {
		return out, errs.Internal(err)
	}
	for _, r := range cbs {
		if r.Bucket >= 0 && int(r.Bucket) < len(out.Callbacks) {
			out.Callbacks[r.Bucket] = r.N
		}
	}
	ess, err := q.DashboardOpenEscalations(ctx, now)
	if err != nil {
		return out, errs.Internal(err)
	}
	for _, r := range ess {
		if r.Bucket >= 0 && int(r.Bucket) < len(out.Escalations) {
			out.Escalations[r.Bucket] = r.N
		}
	}
	return out, nil
}
