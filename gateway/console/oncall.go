package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"safecontact/errs"
	"safecontact/gateway/auth"
)

// The pages of the worker on call: the call-back queue, the inbox of her
// participants' replies and the escalation ladder. They call OnCall, which
// the gateway implements with the same service methods its /v1 handlers
// call, so the access rule (her caseworker or a supervisor; anyone for the
// queue and the limited view of an escalation) and the audit log are the
// API's. Every change is a POST answered with a redirect to the page
// (?m= names what was done); a refusal re-renders the page with the reason
// in words. No page shows a phone number; a reply's text is shown only on
// its own page, never in a URL or a title.

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
}

// Callback is one task of the queue as the actor may see it.
type Callback struct {
	ID          int64
	Participant string
	Initials    string
	// Reason: message, call_me_reply, checkin_escalation, staff_request.
	Reason string
	Urgent bool
	// Language is the language to speak with her (BCP 47).
	Language   string
	EarliestAt time.Time
	Due        bool
	// Status: open or claimed.
	Status      string
	ClaimedBy   string
	Attempts    int32
	MaxAttempts int32
	// CallState: idle, dialing, staff_ringing, her_ringing, screening,
	// bridged, ended.
	CallState string
	CreatedAt time.Time
	// Age is how long the task has waited, by the gateway's clock.
	Age time.Duration
}

func (c *Console) onCallRoutes() {
	c.Page("GET /callbacks", "staff", c.callbacksPage)
	c.Page("POST /callbacks/{id}/{action}", "staff", c.callbackPost)
}

// age is how long ago t was, for "waiting 2 h 05 min".
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
}

type callbacksData struct {
	Items []callbackRow
	// Done is what the last form did (?m=); Refused the code of a refusal.
	Done    string
	Refused string
}

func (c *Console) callbacksData(r *http.Request) (*callbacksData, error) {
	a := c.ActorOf(r)
	items, err := c.oncall.Callbacks(r.Context(), a)
	if err != nil {
		return nil, err
	}
	d := &callbacksData{}
	for _, it := range items {
		row := callbackRow{Callback: it, Age: ageOf(it.Age)}
		if it.Status == "claimed" {
			row.Mine = it.ClaimedBy == a.Name
			row.Other = !row.Mine
			row.CanRelease = row.Mine || a.Oversees()
		}
		d.Items = append(d.Items, row)
	}
	return d, nil
}

func (c *Console) callbacksPage(w http.ResponseWriter, r *http.Request) {
	d, err := c.callbacksData(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	switch m := r.URL.Query().Get("m"); m {
	case "claimed", "released", "connected", "completed", "requeued":
		d.Done = m
	}
	c.Render(w, r, http.StatusOK, "oncall_callbacks", d)
}

func (c *Console) callbackPost(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.notFound(w, r)
		return
	}
	a, ctx := c.ActorOf(r), r.Context()
	done := ""
	switch r.PathValue("action") {
	case "claim":
		err, done = c.oncall.ClaimCallback(ctx, a, id), "claimed"
	case "release":
		err, done = c.oncall.ReleaseCallback(ctx, a, id), "released"
	case "connect":
		err, done = c.oncall.ConnectCallback(ctx, a, id), "connected"
	case "complete":
		var requeued bool
		requeued, err = c.oncall.CompleteCallback(ctx, a, id, r.PostFormValue("outcome"))
		done = "completed"
		if requeued {
			done = "requeued"
		}
	default:
		c.notFound(w, r)
		return
	}
	if err != nil {
		c.onCallRefused(w, r, err, func(status int, code string) {
			d, err := c.callbacksData(r)
			if err != nil {
				c.fail(w, r, err)
				return
			}
			d.Refused = code
			c.Render(w, r, status, "oncall_callbacks", d)
		})
		return
	}
	redirect(w, r, "/callbacks?m="+done)
}

// onCallRefused answers a refused service call: not found and forbidden
// are their pages, another refusal re-renders the page with its code
// (the template says it in words), an internal error is the error page.
func (c *Console) onCallRefused(w http.ResponseWriter, r *http.Request, err error, rerender func(status int, code string)) {
	var e *errs.Error
	switch {
	case !errors.As(err, &e) || e.Code == "internal":
		c.fail(w, r, err)
	case e.Code == errs.CodeNotFound:
		c.notFound(w, r)
	case e.Code == errs.CodeForbidden:
		c.render(w, r, http.StatusForbidden, "forbidden", &View{})
	default:
		rerender(errs.Status(e), e.Code)
	}
}
