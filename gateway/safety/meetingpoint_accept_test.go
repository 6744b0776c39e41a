package safety_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"safecontact/channels"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/delivery"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
	"safecontact/gateway/safety"
)

// proposalEnv is a gateway with one participant (Maria: Spanish, her
// phone monitored, outside her safe hours at gatewaytest.Start, so a
// proposal is held back, scheduled) and the point Plaça Reial with a
// Spanish at form.
func proposalEnv(t *testing.T) (e *gatewaytest.Env, code, point string) {
	t.Helper()
	e = gatewaytest.New(t)
	code = e.CreateParticipant(gatewaytest.Maria())
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Plaça Reial", "kind": "landmark",
		"at_forms": map[string]string{"es": "en la Plaça Reial"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	return e, code, fmt.Sprint(r.JSON(t)["id"])
}

// propose asks e for a meet_proposal at place (hdr: extra headers).
func propose(e *gatewaytest.Env, code, place string, hdr ...string) gatewaytest.Resp {
	return e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "meet_proposal",
		"params": map[string]string{"when": "2026-06-05T09:00:00Z", "place": place}}, hdr...)
}

// proposed is the id of an accepted proposal.
func proposed(t *testing.T, r gatewaytest.Resp) string {
	t.Helper()
	if r.Status != 202 || r.JSON(t)["status"] != "scheduled" {
		t.Fatalf("proposal: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)["id"].(string)
}

// linkedTo is the meeting point a message is linked to ("" none).
func linkedTo(t *testing.T, e *gatewaytest.Env, id string) string {
	t.Helper()
	var mp sql.NullInt64
	if err := e.DB.QueryRow(`SELECT meeting_point_id FROM messages WHERE id = $1`, id).Scan(&mp); err != nil {
		t.Fatal(err)
	}
	if !mp.Valid {
		return ""
	}
	return fmt.Sprint(mp.Int64)
}

// checkTextsNameTheirPoints: every stored message linked to a meeting
// point says the point's name, with its Spanish at form when it has one,
// as the point is now.
func checkTextsNameTheirPoints(t *testing.T, e *gatewaytest.Env) {
	t.Helper()
	rows, err := e.DB.Query(`SELECT m.id::text, mp.name, coalesce(mp.at_forms->>'es', '') FROM messages m
		JOIN meeting_points mp ON mp.id = m.meeting_point_id`)
	if err != nil {
		t.Fatal(err)
	}
	type linked struct{ id, name, form string }
	var all []linked
	for rows.Next() {
		var l linked
		if err := rows.Scan(&l.id, &l.name, &l.form); err != nil {
			t.Fatal(err)
		}
		all = append(all, l)
	}
	rows.Close()
	for _, l := range all {
		text := messageText(t, e, l.id)
		want := l.name
		if l.form != "" {
			want = l.form
		}
		if !strings.Contains(text, want) {
			t.Errorf("message %s is linked to the point %q (at form %q) and says %q", l.id, l.name, l.form, text)
		}
	}
}

// waitForLockWaits returns once n backends of e's database wait on a lock
// in a statement of those these tests hold up: a message's write
// (AcceptMessages, whose text names meeting points only past what
// pg_stat_activity keeps of it), a create or rename of a point (meeting
// points, their name locks) or the write of an idempotency key; a backend of the gateway's own work
// (scheduler, relay) waiting on anything else is not counted. It fails if
// answered (a request that should be waiting) says anything first, or
// nothing happens within 10 seconds.
func waitForLockWaits(t *testing.T, e *gatewaytest.Env, n int, answered <-chan gatewaytest.Resp) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		var waiting int
		if err := e.DB.QueryRow(`SELECT count(DISTINCT a.pid) FROM pg_stat_activity a
			JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
			WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'
			  AND l.locktype IN ('advisory', 'transactionid', 'tuple', 'relation')
			  AND a.query ~* '(meeting_point|idempotency|AcceptMessages)'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		select {
		case r := <-answered:
			t.Fatalf("answered without waiting for the other transaction: %d %s", r.Status, r.Body)
		case <-deadline:
			t.Fatalf("%d of %d backends waiting on a lock after 10 s", waiting, n)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// answer is the response on c, failing after 10 seconds.
func answer(t *testing.T, c <-chan gatewaytest.Resp) gatewaytest.Resp {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no answer within 10 s")
		return gatewaytest.Resp{}
	}
}

// A proposal accepted while a rename of the point it names is being
// written waits for the rename, then is rendered again from the point as
// it is: the old name is no registered point's any more, so the text is
// linked to none and has no registered at form. A rename that starts
// while a proposal's write is open waits for it, then finds the message
// and is refused (409 meeting_point_in_use). Both orders are made by two
// transactions, each open until the other waits on it.
func TestProposalAndRenameSerialize(t *testing.T) {
	t.Parallel()
	e, code, point := proposalEnv(t)
	ctx := context.Background()
	// This process has read the points (its cache knows Plaça Reial).
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "meet_proposal",
		"params": map[string]string{"when": "2026-06-05T09:00:00Z", "place": "Plaça Reial"}}); r.Status != 200 ||
		!strings.Contains(r.JSON(t)["text"].(string), "en la Plaça Reial") {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}

	// The rename first: its transaction holds the point (as
	// changeMeetingPoint does: LockMeetingPoint, then the update) while
	// the proposal is written.
	tx, err := e.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT id FROM meeting_points WHERE id = $1 FOR UPDATE`, point); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE meeting_points SET name = 'Plaça del Rei', at_forms = '{"es": "en la Plaça del Rei"}' WHERE id = $1`, point); err != nil {
		t.Fatal(err)
	}
	done := make(chan gatewaytest.Resp, 1)
	go func() { done <- propose(e, code, "Plaça Reial") }()
	waitForLockWaits(t, e, 1, done)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	first := proposed(t, answer(t, done))
	if mp := linkedTo(t, e, first); mp != "" {
		t.Errorf("the proposal at the old name is linked to point %s", mp)
	}
	if text := messageText(t, e, first); strings.Contains(text, "en la Plaça Reial") {
		t.Errorf("the proposal has the renamed point's old at form: %q", text)
	}
	checkTextsNameTheirPoints(t, e)

	// The proposal first: its write (a request with an Idempotency-Key,
	// in one transaction) is held open after the message is written by a
	// transaction holding the same key, until the rename waits on it.
	var staff int64
	if err := e.DB.QueryRow(`SELECT id FROM users WHERE name = 'staff-user'`).Scan(&staff); err != nil {
		t.Fatal(err)
	}
	hold, err := e.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, status, response) VALUES ($1, 'held', '\x00', 202, '\x00')`, staff); err != nil {
		t.Fatal(err)
	}
	proposing := make(chan gatewaytest.Resp, 1)
	go func() { proposing <- propose(e, code, "Plaça del Rei", "Idempotency-Key", "held") }()
	waitForLockWaits(t, e, 1, proposing)
	renaming := make(chan gatewaytest.Resp, 1)
	go func() {
		renaming <- e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+point, map[string]any{"name": "Metro Liceu", "at_forms": map[string]any{"es": nil}})
	}()
	waitForLockWaits(t, e, 2, renaming)
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	second := proposed(t, answer(t, proposing))
	if mp := linkedTo(t, e, second); mp != point {
		t.Errorf("the proposal at Plaça del Rei is linked to %q, want %s", mp, point)
	}
	if r := answer(t, renaming); r.Status != 409 || r.ErrCode(t) != safety.CodeMeetingPointInUse {
		t.Errorf("rename while the proposal was being written: %d %s", r.Status, r.Body)
	}
	if meetingPointsNamed(t, e, "Plaça del Rei") != 1 {
		t.Error("the refused rename changed the point")
	}
	checkTextsNameTheirPoints(t, e)
}

// The points a proposal names are read from a cache (30 s) on each
// gateway process. A rename through one process is seen at once by a
// proposal on another that read the points before it: a proposal at the
// old name is rendered again as a place no point has (no link, no
// registered at form), one at the new name is linked to the point with
// its new at form (so the point is not renamed again while it waits).
// On the process that renamed it, the same.
func TestProposalAfterARenameElsewhere(t *testing.T) {
	t.Parallel()
	e, code, point := proposalEnv(t)
	other := *e
	other.Server = gateway.New(gateway.Deps{DB: e.DB, Keys: e.Keys, JS: e.JS, Log: slog.New(slog.DiscardHandler), Now: e.Clock.Now, Config: e.Config})
	t.Cleanup(other.Server.Close)
	// Both processes have read the points.
	for _, g := range []*gatewaytest.Env{e, &other} {
		r := g.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "meet_proposal",
			"params": map[string]string{"when": "2026-06-05T09:00:00Z", "place": "Plaça Reial"}})
		if r.Status != 200 || !strings.Contains(r.JSON(t)["text"].(string), "en la Plaça Reial") {
			t.Fatalf("preview: %d %s", r.Status, r.Body)
		}
	}
	r := e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+point, map[string]any{"name": "Plaça del Rei", "at_forms": map[string]any{"es": "en la Plaça del Rei"}})
	if r.Status != 200 {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}
	for _, g := range []struct {
		name string
		env  *gatewaytest.Env
	}{{"same process", e}, {"other process", &other}} {
		old := proposed(t, propose(g.env, code, "Plaça Reial"))
		if mp := linkedTo(t, e, old); mp != "" {
			t.Errorf("%s: the proposal at the old name is linked to point %s", g.name, mp)
		}
		if text := messageText(t, e, old); strings.Contains(text, "en la Plaça Reial") {
			t.Errorf("%s: the proposal at the old name has its old at form: %q", g.name, text)
		}
		renamed := proposed(t, propose(g.env, code, "Plaça del Rei"))
		if mp := linkedTo(t, e, renamed); mp != point {
			t.Errorf("%s: the proposal at the new name is linked to %q, want %s", g.name, mp, point)
		}
		if text := messageText(t, e, renamed); !strings.Contains(text, "en la Plaça del Rei") {
			t.Errorf("%s: the proposal at the new name: %q", g.name, text)
		}
	}
	checkTextsNameTheirPoints(t, e)
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+point, map[string]any{"name": "Metro Liceu", "at_forms": map[string]any{"es": nil}}); r.Status != 409 {
		t.Fatalf("rename while proposals at the new name wait: %d %s", r.Status, r.Body)
	}
}

// A proposal a worker claimed (marked sending) and never finished, the
// worker having stopped mid-send, blocks its point's rename only while the
// claim may still be live (SendClaimLease, 30 s by default: three of the
// workers' 10 s send timeout); after that it is never sent again, and the
// point can be renamed.
func TestRenameAfterAStoppedWorkersClaim(t *testing.T) {
	t.Parallel()
	if l := delivery.ClaimLease(delivery.WorkerConfig{}.WithDefaults().SendTimeout); l != 30*time.Second {
		t.Fatalf("the workers' default claim lease is %v, safety's default 30 s", l)
	}
	e, code, point := proposalEnv(t)
	msg := proposed(t, propose(e, code, "Plaça Reial"))
	// What a worker's claim writes (MarkSendingMany), at the clock's now.
	if _, err := e.DB.Exec(`UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = $2 WHERE id = $1`, msg, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	rename := func() gatewaytest.Resp {
		return e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+point, map[string]any{"name": "Plaça del Rei", "at_forms": map[string]any{"es": nil}})
	}
	if r := rename(); r.Status != 409 || r.ErrCode(t) != safety.CodeMeetingPointInUse {
		t.Fatalf("rename just after the claim: %d %s", r.Status, r.Body)
	}
	e.Clock.Advance(29 * time.Second)
	if r := rename(); r.Status != 409 {
		t.Fatalf("rename within the claim's lease: %d %s", r.Status, r.Body)
	}
	e.Clock.Advance(2 * time.Second)
	if r := rename(); r.Status != 200 {
		t.Fatalf("rename after the claim's lease: %d %s", r.Status, r.Body)
	}
}

// A proposal at a place no point has (the process's points do not know
// it) written while a point of that name is being created, or while a
// point is being renamed to it, waits for that transaction, then is
// rendered again and linked to the point, so the point is not renamed
// while the proposal waits. Each create or rename is held open by a
// transaction it waits on (an uncommitted row of the same name, the
// point locked FOR UPDATE) until the proposal waits too.
func TestProposalAtANameBeingRegistered(t *testing.T) {
	t.Parallel()
	e, code, _ := proposalEnv(t)
	ctx := context.Background()
	r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Metro Sants", "kind": "metro"})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	sants := fmt.Sprint(r.JSON(t)["id"])
	// This process has read the points: Metro Liceu and Metro Drassanes
	// are no point's.
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "meet_proposal",
		"params": map[string]string{"when": "2026-06-05T09:00:00Z", "place": "Metro Liceu"}}); r.Status != 200 {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}

	// A create: held by an uncommitted row of the same name.
	hold, err := e.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.ExecContext(ctx, `INSERT INTO meeting_points (name, kind) VALUES ('Metro Liceu', 'metro')`); err != nil {
		t.Fatal(err)
	}
	creating := make(chan gatewaytest.Resp, 1)
	go func() {
		creating <- e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Metro Liceu", "kind": "metro"})
	}()
	waitForLockWaits(t, e, 1, creating)
	proposing := make(chan gatewaytest.Resp, 1)
	go func() { proposing <- propose(e, code, "Metro Liceu") }()
	waitForLockWaits(t, e, 2, proposing)
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	c := answer(t, creating)
	if c.Status != 201 {
		t.Fatalf("create: %d %s", c.Status, c.Body)
	}
	liceu := fmt.Sprint(c.JSON(t)["id"])
	if mp := linkedTo(t, e, proposed(t, answer(t, proposing))); mp != liceu {
		t.Errorf("the proposal at Metro Liceu, written while the point was created, is linked to %q, want %s", mp, liceu)
	}

	// A rename to the name: held by a transaction holding the point.
	hold2, err := e.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold2.Rollback()
	if _, err := hold2.ExecContext(ctx, `SELECT id FROM meeting_points WHERE id = $1 FOR UPDATE`, sants); err != nil {
		t.Fatal(err)
	}
	renaming := make(chan gatewaytest.Resp, 1)
	go func() {
		renaming <- e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+sants, map[string]any{"name": "Metro Drassanes"})
	}()
	waitForLockWaits(t, e, 1, renaming)
	go func() { proposing <- propose(e, code, "Metro Drassanes") }()
	waitForLockWaits(t, e, 2, proposing)
	if err := hold2.Commit(); err != nil {
		t.Fatal(err)
	}
	if r := answer(t, renaming); r.Status != 200 {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}
	if mp := linkedTo(t, e, proposed(t, answer(t, proposing))); mp != sants {
		t.Errorf("the proposal at Metro Drassanes, written while a point was renamed to it, is linked to %q, want %s", mp, sants)
	}
	checkTextsNameTheirPoints(t, e)
	for _, id := range []string{liceu, sants} {
		if r := e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+id, map[string]any{"name": "Metro Paral·lel"}); r.Status != 409 {
			t.Errorf("rename of point %s while a proposal naming it waits: %d %s", id, r.Status, r.Body)
		}
	}
}

// slowRefusal is a provider that takes as long as during (run while the
// send is in flight) and then refuses the send for a passing reason (503:
// it did not take it).
type slowRefusal struct{ during func() }

func (s slowRefusal) Send(context.Context, channels.Outgoing) (channels.Receipt, error) {
	s.during()
	return channels.Receipt{}, &channels.SendError{Code: "provider_unavailable", HTTPStatus: 503, Retryable: true}
}

// A send whose failure is recorded after the claim's lease (the worker
// held up: the database slow, its record tried again) is not scheduled for a
// retry: the point it names may have been renamed once the lease ran out
// (the rename no longer counts the claim), and a retry would send the
// old name. It is marked failed (claim_lapsed: the provider refused it,
// so reconciliation has nothing to ask), never sent again. Within
// the lease the same refusal is retried.
func TestRetryAfterTheClaimLease(t *testing.T) {
	t.Parallel()
	e, _, point := proposalEnv(t)
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 000 778"
	b["any_time"] = true
	b["safe_windows"] = []string{}
	anyTime := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+anyTime+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	send := func(during func()) string {
		t.Helper()
		r := propose(e, anyTime, "Plaça Reial")
		if r.Status != 202 || r.JSON(t)["status"] != message.StatusQueued {
			t.Fatalf("proposal: %d %s", r.Status, r.Body)
		}
		id := r.JSON(t)["id"].(string)
		w := e.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": slowRefusal{during}}, gateway.WorkerConfig{})
		if out := w.Handle(context.Background(), id, 1); out != channels.Done {
			t.Fatalf("outcome %v, want done", out)
		}
		return id
	}
	status := func(id string) (st, code string) {
		t.Helper()
		var c sql.NullString
		if err := e.DB.QueryRow(`SELECT status, error_code FROM messages WHERE id = $1`, id).Scan(&st, &c); err != nil {
			t.Fatal(err)
		}
		return st, c.String
	}
	// Within the lease: retried.
	within := send(func() { e.Clock.Advance(29 * time.Second) })
	if st, _ := status(within); st != message.StatusScheduled {
		t.Errorf("a refusal recorded within the claim's lease: %s, want scheduled", st)
	}
	if _, err := e.DB.Exec(`UPDATE messages SET status = 'failed' WHERE id = $1`, within); err != nil {
		t.Fatal(err)
	}
	// Past the lease, the point renamed meanwhile: never retried.
	var renamed gatewaytest.Resp
	late := send(func() {
		e.Clock.Advance(31 * time.Second)
		renamed = e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+point, map[string]any{"name": "Plaça del Rei", "at_forms": map[string]any{"es": nil}})
	})
	if renamed.Status != 200 {
		t.Fatalf("rename after the claim's lease: %d %s", renamed.Status, renamed.Body)
	}
	if st, c := status(late); st != message.StatusFailed || c != message.CodeClaimLapsed {
		t.Errorf("a refusal recorded after the claim's lease, the point renamed: %s %s, want failed %s", st, c, message.CodeClaimLapsed)
	}
	if !strings.Contains(e.Logs.String(), `"level":"ERROR","msg":"worker: a passing send failure recorded after the claim's lease`) {
		t.Errorf("the lapsed claim is not logged at error level")
	}
}

// A place typed with decomposed accents ("c" + U+0327) is the point
// stored precomposed: the proposal is linked to it, with its at form, and
// the point is then not renamed. A name given decomposed is stored NFC,
// and a point stored decomposed (before names were stored NFC) still
// matches a text naming it precomposed.
func TestDecomposedPlaceNameIsThePoint(t *testing.T) {
	t.Parallel()
	e, code, point := proposalEnv(t)
	// A point stored decomposed, as names were before they were stored NFC.
	r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Metro Liceu", "kind": "metro"})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	old := fmt.Sprint(r.JSON(t)["id"])
	if _, err := e.DB.Exec(`UPDATE meeting_points SET name = 'Pla'||'c'||chr(807)||'a de Catalunya' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	msg := proposed(t, propose(e, code, "Plac\u0327a  Reial"))
	if mp := linkedTo(t, e, msg); mp != point {
		t.Fatalf("a proposal at the decomposed name is linked to %q, want point %s", mp, point)
	}
	if text := messageText(t, e, msg); !strings.Contains(text, "en la Plaça Reial") {
		t.Errorf("the proposal lacks the point's at form: %q", text)
	}
	checkTextsNameTheirPoints(t, e)
	r = e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+point, map[string]any{"name": "Plaça del Rei", "at_forms": map[string]any{"es": nil}})
	if r.Status != 409 || r.ErrCode(t) != safety.CodeMeetingPointInUse {
		t.Fatalf("rename of the point a decomposed proposal names: %d %s", r.Status, r.Body)
	}

	r = e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Estacio\u0301 de Franc\u0327a", "kind": "metro"})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var name string
	if err := e.DB.QueryRow(`SELECT name FROM meeting_points WHERE id = $1`, r.JSON(t)["id"]).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "Estació de França" {
		t.Errorf("stored name %q, want it NFC", name)
	}

	msg = proposed(t, propose(e, code, "Plaça de Catalunya"))
	if mp := linkedTo(t, e, msg); mp != old {
		t.Fatalf("a proposal at the precomposed name is linked to %q, want the point stored decomposed %s", mp, old)
	}
}

// The lease is checked again when the retry is written, counting the time
// the statement spent waiting in the database: a record held up inside its
// statement (here its update waits on the message's row, updated by
// another transaction, for longer than the lease) is not scheduled for a
// retry even though the worker's clock (a test's, standing still) says the
// claim is live.
func TestRetryLeaseCountsTheStatementsWait(t *testing.T) {
	t.Parallel()
	e, _, _ := proposalEnv(t)
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 000 779"
	b["any_time"] = true
	b["safe_windows"] = []string{}
	anyTime := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+anyTime+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	r := propose(e, anyTime, "Plaça Reial")
	if r.Status != 202 || r.JSON(t)["status"] != message.StatusQueued {
		t.Fatalf("proposal: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	const sendTimeout = 100 * time.Millisecond // a lease of 300 ms
	released := make(chan error, 1)
	hold := func() {
		tx, err := e.DB.Begin()
		if err != nil {
			t.Error(err)
			return
		}
		// An update that changes nothing, committed: the waiting update
		// checks its condition again on the row as committed, then.
		if _, err := tx.Exec(`UPDATE messages SET updated_at = updated_at WHERE id = $1`, id); err != nil {
			t.Error(err)
		}
		go func() {
			time.Sleep(3 * delivery.ClaimLease(sendTimeout))
			released <- tx.Commit()
		}()
	}
	w := e.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": slowRefusal{hold}}, gateway.WorkerConfig{SendTimeout: sendTimeout})
	if out := w.Handle(context.Background(), id, 1); out != channels.Done {
		t.Fatalf("outcome %v, want done", out)
	}
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	var st string
	var c sql.NullString
	if err := e.DB.QueryRow(`SELECT status, error_code FROM messages WHERE id = $1`, id).Scan(&st, &c); err != nil {
		t.Fatal(err)
	}
	if st != message.StatusFailed || c.String != message.CodeClaimLapsed {
		t.Errorf("a retry whose statement waited past the claim's lease: %s %s, want failed %s", st, c.String, message.CodeClaimLapsed)
	}
	if !strings.Contains(e.Logs.String(), `"level":"ERROR","msg":"worker: a passing send failure recorded after the claim's lease`) {
		t.Errorf("the lapsed claim is not logged at error level")
	}
}
