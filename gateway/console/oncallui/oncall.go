// Package oncallui is the console's pages of the worker on call, for
// staff: the call-back queue, the inbox of her participants' replies and
// the escalation ladder. They call OnCall, which the gateway implements
// with the same service methods its /v1 handlers call, so the access rule
// (her caseworker or a supervisor; anyone for the queue and the limited
// view of an escalation) and the audit log are the API's. Every change is
// a POST answered with a redirect to the page (?m= names what was done);
// a refusal re-renders the page with the reason in words. No page shows a
// phone number; a reply's text is shown only on its own page, never in a
// URL or a title.
package oncallui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/text/language"

	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/gateway/console"
)

// Deps are what the on-call pages are built from.
type Deps struct {
	OnCall OnCall
}

// Pages serves the on-call pages.
type Pages struct {
	con    *console.Console
	oncall OnCall
}

// OnCall is what the on-call pages need from the gateway.
type OnCall interface {
	// Callbacks is the open queue, urgent first, oldest first.
	Callbacks(ctx context.Context, a *auth.Actor) ([]Callback, error)
	ClaimCallback(ctx context.Context, a *auth.Actor, id int64) error
	ReleaseCallback(ctx context.Context, a *auth.Actor, id int64) error
	// ConnectCallback starts the call: her phone is rung through the
	// staff member's own phone, as POST /v1/callbacks/{id}/connect does.
	ConnectCallback(ctx context.Context, a *auth.Actor, id int64) error
	// CompleteCallback records the outcome; requeued: she is to be tried
	// again later.
	CompleteCallback(ctx context.Context, a *auth.Actor, id int64, outcome string) (requeued bool, err error)

	// Inbox lists the replies in a's inbox (unassigned: those of
	// participants without a caseworker, for supervisors), unread first,
	// without their texts: listing them reads nothing.
	Inbox(ctx context.Context, a *auth.Actor, unassigned bool) ([]Reply, error)
	// OpenReply is one reply with her text; it counts as shown to a and
	// read, both audited, as the API's read path records them.
	OpenReply(ctx context.Context, a *auth.Actor, id int64) (Reply, error)

	// Escalations is the open ladder: escalations not yet resolved.
	Escalations(ctx context.Context, a *auth.Actor) ([]Escalation, error)
	// Escalation is one, as a sees it.
	Escalation(ctx context.Context, a *auth.Actor, id string) (Escalation, error)
	// EmergencyProtocol is the programme's emergency protocol, in full.
	EmergencyProtocol() string
	AckEscalation(ctx context.Context, a *auth.Actor, id string) error
	// ResolveEscalation closes it with an outcome and a note (a duress
	// escalation needs the note, and her caseworker or a supervisor).
	ResolveEscalation(ctx context.Context, a *auth.Actor, id, outcome, note string) error
}

// The queue and inbox rows are the callback capability's: the console
// shows them as *callback.Service returns them.
type (
	Callback = callback.Task
	Reply    = callback.Reply
)

// Escalation is an escalation as the actor may see it: staff outside her
// team get the limited view (state, level, age), as from the API.
type Escalation struct {
	ID          string
	Participant string
	Initials    string
	Limited     bool
	// Status: open, acknowledged, resolved.
	Status string
	// Level: 1 call-back and on-call alert, 2 supervisors alerted, 3 the
	// emergency protocol.
	Level     int16
	CreatedAt time.Time
	Age       time.Duration
	// The rest is for her team (zero in the limited view). Reason:
	// no_reply, help_requested, duress.
	Reason     string
	Urgent     bool
	NextStepAt time.Time
	AckedAt    time.Time
}

// Mount registers the on-call pages (role staff) on c.
func Mount(c *console.Console, d Deps) {
	p := &Pages{con: c, oncall: d.OnCall}
	c.Page("GET /callbacks", "staff", p.callbacksPage)
	c.Page("POST /callbacks/{id}/{action}", "staff", p.callbackPost)
	c.Page("GET /inbox", "staff", p.inboxPage)
	c.Page("GET /inbox/{id}", "staff", p.replyPage)
	c.Page("GET /escalations", "staff", p.escalationsPage)
	c.Page("POST /escalations/{id}/ack", "staff", p.ackPost)
	c.Page("GET /escalations/{id}/resolve", "staff", p.resolvePage)
	c.Page("POST /escalations/{id}/resolve", "staff", p.resolvePost)
	c.Nav(console.NavEntry{Label: "nav.callbacks", Path: "/callbacks", Order: console.NavOrderOnCall + 1})
	c.Nav(console.NavEntry{Label: "nav.inbox", Path: "/inbox", Order: console.NavOrderOnCall + 2})
	c.Nav(console.NavEntry{Label: "nav.escalations", Path: "/escalations", Order: console.NavOrderOnCall + 3})
}

// age is a wait in hours and minutes (the catalogue's plural forms take
// ints).
type age struct {
	Hours, Minutes int
}

func ageOf(d time.Duration) age {
	d = max(d, 0)
	return age{Hours: int(d / time.Hour), Minutes: int(d%time.Hour) / int(time.Minute)}
}

type callbackRow struct {
	Callback
	Age age
	// Mine: claimed by the reader; Other: by someone else.
	Mine, Other bool
	// CanRelease: her own claim, or a supervisor's power over anyone's.
	CanRelease bool
	// LanguageName is her language in that language ("español").
	LanguageName string
}

type callbacksData struct {
	Items []callbackRow
	// Done is what the last form did (?m=); Refused the code of a refusal.
	Done    string
	Refused string
}

func (p *Pages) callbacksData(r *http.Request) (*callbacksData, error) {
	a := p.con.ActorOf(r)
	items, err := p.oncall.Callbacks(r.Context(), a)
	if err != nil {
		return nil, err
	}
	d := &callbacksData{}
	for _, it := range items {
		row := callbackRow{Callback: it, Age: ageOf(it.Age), LanguageName: it.Language}
		if tag, err := language.Parse(it.Language); err == nil {
			row.LanguageName = console.LanguageName(tag)
		}
		if it.Status == "claimed" {
			row.Mine = it.ClaimedBy == a.Name
			row.Other = !row.Mine
			row.CanRelease = row.Mine || a.Oversees()
		}
		d.Items = append(d.Items, row)
	}
	return d, nil
}

func (p *Pages) callbacksPage(w http.ResponseWriter, r *http.Request) {
	d, err := p.callbacksData(r)
	if err != nil {
		p.con.Fail(w, r, err)
		return
	}
	switch m := r.URL.Query().Get("m"); m {
	case "claimed", "released", "connected", "completed", "requeued":
		d.Done = m
	}
	p.con.Render(w, r, http.StatusOK, "oncall_callbacks", d)
}

func (p *Pages) callbackPost(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.con.NotFound(w, r)
		return
	}
	a, ctx := p.con.ActorOf(r), r.Context()
	done := ""
	switch r.PathValue("action") {
	case "claim":
		err, done = p.oncall.ClaimCallback(ctx, a, id), "claimed"
	case "release":
		err, done = p.oncall.ReleaseCallback(ctx, a, id), "released"
	case "connect":
		err, done = p.oncall.ConnectCallback(ctx, a, id), "connected"
	case "complete":
		var requeued bool
		requeued, err = p.oncall.CompleteCallback(ctx, a, id, r.PostFormValue("outcome"))
		done = "completed"
		if requeued {
			done = "requeued"
		}
	default:
		p.con.NotFound(w, r)
		return
	}
	if err != nil {
		p.onCallRefused(w, r, err, func(status int, code string) {
			d, err := p.callbacksData(r)
			if err != nil {
				p.con.Fail(w, r, err)
				return
			}
			d.Refused = code
			p.con.Render(w, r, status, "oncall_callbacks", d)
		})
		return
	}
	console.Redirect(w, r, "/callbacks?m="+done)
}

// onCallRefused answers a refused service call: not found is its page,
// another refusal (forbidden too) re-renders the page with its code
// (the template says it in words), an internal error is the error page.
func (p *Pages) onCallRefused(w http.ResponseWriter, r *http.Request, err error, rerender func(status int, code string)) {
	var e *errs.Error
	switch {
	case !errors.As(err, &e) || e.Code == "internal":
		p.con.Fail(w, r, err)
	case e.Code == errs.CodeNotFound:
		p.con.NotFound(w, r)
	default:
		rerender(errs.Status(e), e.Code)
	}
}

type inboxData struct {
	Mine replyList
	// Unassigned: supervisors also see the replies of participants
	// without a caseworker, so that none is left unread by nobody.
	Unassigned replyList
	Oversees   bool
}

// replyList is a table of replies, with the reader's localizer for the
// template that draws it.
type replyList struct {
	L     *console.Localizer
	Items []Reply
}

func (p *Pages) inboxPage(w http.ResponseWriter, r *http.Request) {
	a := p.con.ActorOf(r)
	L := console.LocalizerOf(r)
	d := &inboxData{Oversees: a.Oversees(), Mine: replyList{L: L}, Unassigned: replyList{L: L}}
	var err error
	if d.Mine.Items, err = p.oncall.Inbox(r.Context(), a, false); err != nil {
		p.con.Fail(w, r, err)
		return
	}
	if d.Oversees {
		if d.Unassigned.Items, err = p.oncall.Inbox(r.Context(), a, true); err != nil {
			p.con.Fail(w, r, err)
			return
		}
	}
	p.con.Render(w, r, http.StatusOK, "oncall_inbox", d)
}

// replyPage opens one reply: the service records the reading.
func (p *Pages) replyPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.con.NotFound(w, r)
		return
	}
	rep, err := p.oncall.OpenReply(r.Context(), p.con.ActorOf(r), id)
	if err != nil {
		p.onCallRefused(w, r, err, func(int, string) { p.con.NotFound(w, r) })
		return
	}
	p.con.Render(w, r, http.StatusOK, "oncall_reply", rep)
}

type escalationRow struct {
	Escalation
	Age age
	// CanAck: not acknowledged yet; or, for her team, acknowledged by
	// someone outside it while the ladder goes on (their acknowledgement
	// stops it).
	CanAck bool
	// TeamAckNeeded: acknowledged outside her team, the ladder goes on.
	TeamAckNeeded bool
}

type escalationsData struct {
	Items    []escalationRow
	Protocol string
	// Done is what the last form did (?m=); Refused the code of a refusal.
	Done    string
	Refused string
}

func (p *Pages) escalationsData(r *http.Request) (*escalationsData, error) {
	items, err := p.oncall.Escalations(r.Context(), p.con.ActorOf(r))
	if err != nil {
		return nil, err
	}
	d := &escalationsData{Protocol: p.oncall.EmergencyProtocol()}
	for _, it := range items {
		row := escalationRow{Escalation: it, Age: ageOf(it.Age)}
		row.TeamAckNeeded = it.Status == "acknowledged" && !it.Limited && !it.NextStepAt.IsZero()
		row.CanAck = it.Status == "open" || row.TeamAckNeeded
		d.Items = append(d.Items, row)
	}
	return d, nil
}

// escalationsPage is the ladder; the page polls itself (htmx, marked with
// console.RefreshHeader so that a poll is not her activity), and without
// JavaScript a link reloads it.
func (p *Pages) escalationsPage(w http.ResponseWriter, r *http.Request) {
	d, err := p.escalationsData(r)
	if err != nil {
		p.con.Fail(w, r, err)
		return
	}
	switch m := r.URL.Query().Get("m"); m {
	case "acknowledged", "resolved":
		d.Done = m
	}
	p.con.Render(w, r, http.StatusOK, "oncall_escalations", d)
}

func (p *Pages) ackPost(w http.ResponseWriter, r *http.Request) {
	if err := p.oncall.AckEscalation(r.Context(), p.con.ActorOf(r), r.PathValue("id")); err != nil {
		p.onCallRefused(w, r, err, func(status int, code string) {
			d, err := p.escalationsData(r)
			if err != nil {
				p.con.Fail(w, r, err)
				return
			}
			d.Refused = code
			p.con.Render(w, r, status, "oncall_escalations", d)
		})
		return
	}
	console.Redirect(w, r, "/escalations?m=acknowledged")
}

type resolveData struct {
	Escalation
	Age      age
	Protocol string
	Outcome  string
	Refused  string
}

func (p *Pages) resolveView(w http.ResponseWriter, r *http.Request, status int, d resolveData) {
	e, err := p.oncall.Escalation(r.Context(), p.con.ActorOf(r), r.PathValue("id"))
	if err != nil {
		p.onCallRefused(w, r, err, func(int, string) { p.con.NotFound(w, r) })
		return
	}
	d.Escalation, d.Age, d.Protocol = e, ageOf(e.Age), p.oncall.EmergencyProtocol()
	p.con.Render(w, r, status, "oncall_resolve", d)
}

func (p *Pages) resolvePage(w http.ResponseWriter, r *http.Request) {
	p.resolveView(w, r, http.StatusOK, resolveData{})
}

// resolvePost resolves an escalation. A refusal shows the form again
// with the outcome chosen; the note is not shown back (she types it
// again): it is free text about her, and the page may be re-rendered on a
// shared screen.
func (p *Pages) resolvePost(w http.ResponseWriter, r *http.Request) {
	outcome := r.PostFormValue("outcome")
	if err := p.oncall.ResolveEscalation(r.Context(), p.con.ActorOf(r), r.PathValue("id"), outcome, r.PostFormValue("note")); err != nil {
		p.onCallRefused(w, r, err, func(status int, code string) {
			p.resolveView(w, r, status, resolveData{Outcome: outcome, Refused: code})
		})
		return
	}
	console.Redirect(w, r, "/escalations?m=resolved")
}
