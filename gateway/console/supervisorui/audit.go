package supervisorui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/console"
	"safecontact/gateway/participant"
)

// A participant's contact log, and the audit log with its filters, CSV
// export and the chain's state.

// Stats are the dashboard's aggregates, read-only; the gateway implements
// them over its database.
type Stats interface {
	// Dashboard counts the last days days (today included), the days
	// taken in zone; a refuses anyone but a supervisor.
	Dashboard(ctx context.Context, a *auth.Actor, zone *time.Location, days int) (DashboardStats, error)
}

// DashboardStats are the dashboard's figures.
type DashboardStats struct {
	// Days are the days counted, oldest first (midnight in the zone).
	Days []time.Time
	// PerDay: messages created per day and channel.
	PerDay []DayCount
	// Statuses: messages created in the window, by status now.
	Statuses []Count
	// Refusals: messages refused in the window, by code.
	Refusals []Count
	// Callbacks and Escalations not closed, by age: under an hour, under
	// four hours, under a day, under a week, older.
	Callbacks, Escalations [5]int64
}

// DayCount is a count for one day (a date: year, month, day) and channel.
type DayCount struct {
	Day     time.Time
	Channel string
	N       int64
}

// Count is a count for one key (a status, a code).
type Count struct {
	Key string
	N   int64
}

// dashboardDays is the dashboard's window.
const dashboardDays = 14

// auditPageSize is how many events one page of the audit page shows.
const auditPageSize = 50

// supFail answers a refused service call on a supervisor or admin page:
// the 403 or 404 page, the error page for an internal error, else false
// (the caller shows the refusal on its form).
func (p *Pages) supFail(w http.ResponseWriter, r *http.Request, err error) bool {
	var e *errs.Error
	switch {
	case !errors.As(err, &e) || e.Code == errs.CodeInternal:
		p.con.Fail(w, r, err)
	case e.Code == errs.CodeForbidden:
		p.con.RenderView(w, r, http.StatusForbidden, "forbidden", &console.View{})
	case e.Code == errs.CodeNotFound:
		p.con.RenderView(w, r, http.StatusNotFound, "notfound", &console.View{})
	default:
		return false
	}
	return true
}

// supErrorText is the sentence for a refusal on these pages.
func supErrorText(L *console.Localizer, err error) string {
	switch errs.Code(err) {
	case auth.CodeLastAdmin:
		return L.T("supervisor.error_last_admin")
	case auth.CodeDuplicateUser:
		return L.T("supervisor.error_duplicate_user")
	case "invalid_user_name":
		return L.T("supervisor.error_user_name")
	case auth.CodeInvalidRole:
		return L.T("supervisor.error_role")
	case errs.CodeInvalidParameter:
		return L.T("supervisor.error_filter")
	}
	return console.ErrorText(L, err)
}

// supFlash is the confirmation named by ?m= on these pages (only these
// keys).
func supFlash(L *console.Localizer, r *http.Request) string {
	switch r.URL.Query().Get("m") {
	case "verified":
		return L.T("supervisor.flash_verified")
	case "role_changed":
		return L.T("supervisor.flash_role_changed")
	case "disabled":
		return L.T("supervisor.flash_disabled")
	case "totp_reset":
		return L.T("supervisor.flash_totp_reset")
	}
	return ""
}

// ---- Contact log

type contactLogData struct {
	Code  string
	Items []participant.TimelineEntry
	Next  string // the next page's URL, "" if none
}

func (p *Pages) contactLogPage(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if after < 0 {
		after = 0
	}
	l, err := p.oversight.Participants.ContactLog(r.Context(), p.con.ActorOf(r), code, after, 100)
	if err != nil {
		if !p.supFail(w, r, err) {
			p.con.RenderView(w, r, http.StatusNotFound, "notfound", &console.View{})
		}
		return
	}
	d := contactLogData{Code: l.Participant, Items: l.Items}
	if l.More {
		d.Next = "/participants/" + url.PathEscape(l.Participant) + "/contact-log?after=" + strconv.FormatInt(l.NextAfter, 10)
	}
	p.con.RenderView(w, r, http.StatusOK, "supervisor_contactlog", &console.View{Data: d})
}

// ---- Audit log

// auditForm is the audit page's filter as typed (dates in the reader's
// zone, To inclusive).
type auditForm struct {
	Participant, Actor, Action, From, To string
}

func (f auditForm) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"participant": f.Participant, "actor": f.Actor, "action": f.Action, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// auditFilter reads the audit page's filter: participant, actor and
// action as the API reads them; from and to are dates in the reader's
// zone, both days included.
func auditFilter(r *http.Request, zone *time.Location) (auditForm, audit.Filter, error) {
	q := r.URL.Query()
	form := auditForm{Participant: q.Get("participant"), Actor: q.Get("actor"), Action: q.Get("action"), From: q.Get("from"), To: q.Get("to")}
	f, err := audit.ParseFilter(func(k string) string {
		if k == "from" || k == "to" {
			return ""
		}
		return q.Get(k)
	})
	if err != nil {
		return form, f, err
	}
	day := func(name, s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, zone)
		if err != nil {
			return t, errs.Field(errs.CodeInvalidParameter, name, "%s is a date", name)
		}
		return t, nil
	}
	if f.From, err = day("from", form.From); err != nil {
		return form, f, err
	}
	to, err := day("to", form.To)
	if err != nil {
		return form, f, err
	}
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return form, f, errs.Field(errs.CodeInvalidParameter, "to", "to is before from")
	}
	return form, f, nil
}

type auditRow struct {
	audit.AuditEventView
	Details string
}

type auditData struct {
	Form    auditForm
	Actions []string
	Items   []auditRow
	Older   string // the next page's URL, "" if none
	CSV     string // the export's URL, with the same filter
	State   audit.ChainState
}

// auditActions are offered in the action field (any action may be typed).
var auditActions = []string{
	"message.accepted", "message.refused", "message.sent", "message.dropped", "message.unknown",
	"consent.granted", "consent.revoked", "participant.created", "participant.updated", "phone.revealed",
	"signin.succeeded", "signin.failed", "signin.blocked", "password.set", "totp.reset",
	"user.added", "user.disabled", "user.role_changed", "audit.read", "audit.exported", "audit.verified",
}

func (p *Pages) auditPage(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	a := p.con.ActorOf(r)
	d := auditData{Actions: auditActions}
	st, err := p.oversight.Audit.State(r.Context(), a)
	if err != nil {
		p.supFail(w, r, err)
		return
	}
	d.State = st
	form, f, ferr := auditFilter(r, console.ZoneOf(L))
	d.Form = form
	if ferr != nil {
		v := &console.View{Data: d, Error: supErrorText(L, ferr)}
		p.con.RenderView(w, r, http.StatusUnprocessableEntity, "supervisor_audit", v)
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if before < 0 {
		before = 0
	}
	page, err := p.oversight.Audit.List(r.Context(), a, f, before, auditPageSize)
	if err != nil {
		if !p.supFail(w, r, err) {
			p.con.RenderView(w, r, http.StatusUnprocessableEntity, "supervisor_audit", &console.View{Data: d, Error: supErrorText(L, err)})
		}
		return
	}
	for _, e := range page.Items {
		row := auditRow{AuditEventView: e}
		if s := string(e.Details); s != "null" {
			row.Details = s
		}
		d.Items = append(d.Items, row)
	}
	q := form.query()
	if page.More {
		older := form.query()
		older.Set("before", strconv.FormatInt(page.Items[len(page.Items)-1].ID, 10))
		d.Older = "/audit?" + older.Encode()
	}
	d.CSV = "/audit.csv"
	if len(q) > 0 {
		d.CSV += "?" + q.Encode()
	}
	p.con.RenderView(w, r, http.StatusOK, "supervisor_audit", &console.View{Data: d, Flash: supFlash(L, r)})
}

// auditCSV is the CSV export of the audit page's filter (the API's
// export: every column the chain hashes).
func (p *Pages) auditCSV(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	_, f, err := auditFilter(r, console.ZoneOf(L))
	if err != nil {
		p.con.RenderView(w, r, http.StatusUnprocessableEntity, "supervisor_audit", &console.View{Data: auditData{Actions: auditActions}, Error: supErrorText(L, err)})
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	started := false
	err = p.oversight.Audit.Export(r.Context(), p.con.ActorOf(r), f, "csv", w, func(name, ctype string) {
		started = true
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.WriteHeader(http.StatusOK)
	})
	switch {
	case err == nil:
	case !started:
		p.supFail(w, r, err)
	default:
		// The status is out: the file stops short. Say so in the log.
		p.con.Logger().ErrorContext(r.Context(), "console: audit export interrupted", "route", console.RouteOf(r), "err", err)
	}
}

// auditVerifyPost recomputes the chain now; the audit page shows the
// result (the latest audit.verified event).
func (p *Pages) auditVerifyPost(w http.ResponseWriter, r *http.Request) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	if _, err := p.oversight.Audit.VerifyChain(r.Context(), p.con.ActorOf(r), audit.VerifyOptions{}); err != nil {
		p.supFail(w, r, err)
		return
	}
	console.Redirect(w, r, "/audit?m=verified")
}
