package safety_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/safety"
	"safecontact/keys"
)

const (
	herPhone        = "+34612000456"
	onCallPhone     = "+34600000001"
	supervisorPhone = "+34600000002"
)

// checkinRig is a pipeline with an injectable clock for the scheduler,
// a participant on a check-in plan, staff phones and a staff alerter.
type checkinRig struct {
	*gatewaytest.Pipeline
	clock   *gatewaytest.Clock
	sc      *gateway.Scheduler
	alerter *safety.StaffAlerter
	code    string
	part    db.Participant
}

func newCheckinRig(t *testing.T, plan map[string]any) *checkinRig {
	t.Helper()
	p := gatewaytest.NewPipeline(t, gatewaytest.WithConfig(gateway.Config{OnCallUser: "staff-user"}))
	p.Fake.AutoDeliver("delivered")
	p.Stop()
	// Tue 2026-06-02 10:30 UTC (12:30 Madrid).
	clock := p.Clock
	clock.Set(time.Date(2026, 6, 2, 10, 30, 0, 0, time.UTC))
	p.Start()
	code := p.ConsentingParticipant("+34 612 000 456", false)
	for name, phone := range map[string]string{"staff-user": onCallPhone, "supervisor-user": supervisorPhone} {
		if _, err := p.DB.Exec(`UPDATE users SET phone_enc = $1 WHERE name = $2`, p.Keys.Seal(keys.Contact, []byte(phone)), name); err != nil {
			t.Fatal(err)
		}
	}
	if plan == nil {
		plan = map[string]any{"every": "72h", "at": "13:00", "channel": "sms", "grace": "2h",
			"ok_reply": "Vale", "help_reply": "ayuda", "duress_words": []string{"tomate", "Perro negro"}}
	}
	r := p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/checkin-plan", plan)
	if r.Status != 200 {
		t.Fatalf("plan: %d %s\n%s", r.Status, r.Body, p.Logs.String())
	}
	v := r.JSON(t)
	// 13:00 Madrid = 11:00 UTC, today.
	if v["next_due_at"] != "2026-06-02T11:00:00Z" || v["duress_words"] != float64(2) || strings.Contains(string(r.Body), "tomate") {
		t.Fatalf("plan view: %s", r.Body)
	}
	part, err := db.New(p.DB).ParticipantByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return &checkinRig{Pipeline: p, clock: clock, sc: p.Server.NewScheduler(), alerter: p.Server.Safety().NewStaffAlerter(p.Twilio()), code: code, part: part}
}

// safetyStep is the safety service's scheduler step of that name.
func safetyStep(t testing.TB, s *gateway.Server, name string) func(context.Context, time.Time) (int, error) {
	t.Helper()
	for _, st := range s.Safety().Steps() {
		if st.Name == name {
			return st.Run
		}
	}
	t.Fatalf("no safety step %q", name)
	return nil
}

func (r *checkinRig) at(t time.Time) {
	r.T.Helper()
	r.clock.Set(t)
	if _, err := r.sc.Tick(context.Background()); err != nil {
		r.T.Fatalf("tick: %v", err)
	}
}

// sentTo returns the bodies the fake Twilio received for a number.
func (r *checkinRig) sentTo(number string) []string {
	var out []string
	for _, rq := range r.Fake.Requests() {
		if rq.Method == "POST" && strings.HasSuffix(rq.Path, "/Messages.json") && rq.Form.Get("To") == number {
			out = append(out, rq.Form.Get("Body"))
		}
	}
	return out
}

// waitSent waits until n messages went to number.
func (r *checkinRig) waitSent(number string, n int) []string {
	r.T.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if got := r.sentTo(number); len(got) >= n {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.T.Fatalf("%d messages to the number, want %d", len(r.sentTo(number)), n)
	return nil
}

func (r *checkinRig) reply(body string) bool {
	r.T.Helper()
	var handled bool
	err := db.InTx(context.Background(), r.DB, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		handled, err = r.Server.Safety().HandleCheckinReply(context.Background(), q, r.part, body, r.clock.Now())
		return err
	})
	if err != nil {
		r.T.Fatal(err)
	}
	return handled
}

func (r *checkinRig) checkinStatus() string {
	var st string
	if err := r.DB.QueryRow(`SELECT status FROM checkins WHERE participant_id = $1 ORDER BY created_at DESC LIMIT 1`, r.part.ID).Scan(&st); err != nil {
		r.T.Fatal(err)
	}
	return st
}

func (r *checkinRig) escalations() []map[string]any {
	r.T.Helper()
	resp := r.Do(auth.RoleStaff, "GET", "/v1/escalations", nil)
	var out []map[string]any
	for _, it := range resp.JSON(r.T)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

var codeRe = regexp.MustCompile(`\b\d{4}\b`)

// start sends the first check-in and returns its text.
func (r *checkinRig) start() string {
	r.T.Helper()
	r.at(time.Date(2026, 6, 2, 11, 0, 30, 0, time.UTC))
	body := r.waitSent(herPhone, 1)[0]
	var prio int
	var tmpl, digest, source, sentDigest string
	if err := r.DB.QueryRow(`SELECT priority, template_id, template_digest, template_source, a.details->>'template_digest'
		FROM messages m JOIN checkins c ON c.message_id = m.id
		JOIN audit_events a ON a.action = 'checkin.sent' AND a.details->>'message_id' = m.id::text
		WHERE c.participant_id = $1`, r.part.ID).Scan(&prio, &tmpl, &digest, &source, &sentDigest); err != nil {
		r.T.Fatal(err)
	}
	if prio != 1 || tmpl != "safety_checkin" {
		r.T.Fatalf("check-in message: priority %d template %s", prio, tmpl)
	}
	// Which text: the built-in file's digest, on the row and in the
	// checkin.sent event.
	file, err := os.ReadFile(filepath.Join("..", "..", "templates", "builtin", "safety_checkin.tmpl"))
	if err != nil {
		r.T.Fatal(err)
	}
	if sum := sha256.Sum256(file); digest != hex.EncodeToString(sum[:]) || source != "builtin" || sentDigest != digest {
		r.T.Fatalf("check-in message: digest %s source %s, checkin.sent digest %s", digest, source, sentDigest)
	}
	return body
}

func TestCheckinOK(t *testing.T) {
	t.Parallel()
	r := newCheckinRig(t, nil)
	body := r.start()
	code := codeRe.FindString(body)
	if code == "" {
		t.Fatalf("no code in the check-in")
	}
	if r.reply("hola") {
		t.Fatal("an unrelated text was taken as a check-in reply")
	}
	if !r.reply("  VALE!! ") || r.checkinStatus() != "ok" {
		t.Fatalf("ok reply: %s", r.checkinStatus())
	}
	// Grace passes: nothing more is sent, nothing escalates.
	r.at(time.Date(2026, 6, 2, 16, 0, 0, 0, time.UTC))
	time.Sleep(200 * time.Millisecond)
	if n := len(r.sentTo(herPhone)); n != 1 || len(r.escalations()) != 0 {
		t.Fatalf("after ok: %d messages, %d escalations", n, len(r.escalations()))
	}
	// The next check-in is 72h later; the code alone also closes it.
	r.at(time.Date(2026, 6, 5, 11, 0, 30, 0, time.UTC))
	body = r.waitSent(herPhone, 2)[1]
	if !r.reply(codeRe.FindString(body)) || r.checkinStatus() != "ok" {
		t.Fatalf("code reply: %s", r.checkinStatus())
	}
	if a := r.Env.ParticipantAuditActions(r.code); strings.Count(a, "checkin.sent") != 2 || strings.Count(a, "checkin.ok") != 2 {
		t.Fatalf("audit: %s", a)
	}
}

func TestCheckinHelp(t *testing.T) {
	t.Parallel()
	r := newCheckinRig(t, nil)
	r.start()
	if !r.reply("Ayuda") || r.checkinStatus() != "help" {
		t.Fatalf("help: %s", r.checkinStatus())
	}
	es := r.escalations()
	if len(es) != 1 || es[0]["reason"] != "help_requested" || es[0]["urgent"] != false {
		t.Fatalf("escalations: %v", es)
	}
	d := r.Do(auth.RoleStaff, "GET", "/v1/escalations/"+es[0]["id"].(string), nil).JSON(t)
	steps, _ := json.Marshal(d["steps"])
	if !strings.Contains(string(steps), `"kind":"callback_created"`) || !strings.Contains(string(steps), `"note":"normal task`) {
		t.Fatalf("steps: %s", steps)
	}
	var tasks int
	r.DB.QueryRow(`SELECT count(*) FROM callback_tasks WHERE participant_id = $1 AND reason = 'checkin_escalation' AND priority = 'normal'`, r.part.ID).Scan(&tasks)
	if tasks != 1 {
		t.Fatalf("%d normal call-back tasks", tasks)
	}
	r.at(time.Date(2026, 6, 2, 16, 0, 0, 0, time.UTC))
	time.Sleep(200 * time.Millisecond)
	if n := len(r.sentTo(herPhone)); n != 1 {
		t.Fatalf("%d messages to her", n)
	}
}

func TestCheckinDuressIsSilent(t *testing.T) {
	t.Parallel()
	r := newCheckinRig(t, nil)
	r.start()
	if !r.reply("sí, compré TOMATES... no, tomate") || r.checkinStatus() != "duress" {
		t.Fatalf("duress: %s", r.checkinStatus())
	}
	// The same word again (or a webhook retry): handled, no second escalation.
	if !r.reply("tomate") {
		t.Fatal("repeated duress word not handled")
	}
	es := r.escalations()
	if len(es) != 1 || es[0]["reason"] != "duress" || es[0]["urgent"] != true || es[0]["level"] != float64(1) {
		t.Fatalf("escalations: %v", es)
	}
	var tasks int
	r.DB.QueryRow(`SELECT count(*) FROM callback_tasks WHERE participant_id = $1 AND reason = 'checkin_escalation' AND priority = 'urgent'`, r.part.ID).Scan(&tasks)
	if tasks != 1 {
		t.Fatalf("%d urgent call-back tasks", tasks)
	}
	if es[0]["emergency_protocol"] == "" {
		t.Fatal("no emergency protocol shown")
	}
	id := es[0]["id"].(string)
	// The on-call member gets an alert naming the escalation only.
	if _, err := r.alerter.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	alerts := r.waitSent(onCallPhone, 1)
	if !strings.Contains(alerts[0], id) || strings.Contains(alerts[0], r.code) {
		t.Fatalf("alert text: %q", alerts[0])
	}
	// The scheduler publishes the event; ticks go on; nothing reaches her.
	r.at(time.Date(2026, 6, 2, 11, 5, 0, 0, time.UTC))
	r.at(time.Date(2026, 6, 2, 16, 0, 0, 0, time.UTC))
	time.Sleep(300 * time.Millisecond)
	if got := r.sentTo(herPhone); len(got) != 1 {
		t.Fatalf("%d messages went to her phone after a duress reply; want only the check-in", len(got))
	}
	var n int
	r.DB.QueryRow(`SELECT count(*) FROM messages WHERE participant_id = $1`, r.part.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("%d messages stored for her", n)
	}
	// Acknowledged: the ladder stops.
	if resp := r.Do(auth.RoleStaff, "POST", "/v1/escalations/"+id+"/ack", nil); resp.Status != 200 || resp.JSON(t)["status"] != "acknowledged" {
		t.Fatalf("ack: %d %s", resp.Status, resp.Body)
	}
	if resp := r.Do(auth.RoleStaff, "POST", "/v1/escalations/"+id+"/resolve", map[string]any{"outcome": "safe", "note": "called her back, she is safe"}); resp.Status != 200 || resp.JSON(t)["status"] != "resolved" {
		t.Fatalf("resolve: %d %s", resp.Status, resp.Body)
	}
	// Outside any check-in, a duress word still escalates (silently).
	if !r.reply("Perro  NEGRO") || len(r.escalations()) != 2 {
		t.Fatalf("duress outside a check-in: %d escalations", len(r.escalations()))
	}
	if got := r.sentTo(herPhone); len(got) != 1 {
		t.Fatalf("%d messages to her", len(got))
	}
	// No duress word in any column, log or audit detail.
	assertNowhere(t, r, "tomate", "perro negro")
}

// assertNowhere reads every text column of the tables this feature writes
// and the logs.
func assertNowhere(t *testing.T, r *checkinRig, needles ...string) {
	t.Helper()
	for _, tbl := range []string{"checkin_plans", "checkins", "escalations", "escalation_steps", "escalation_outbox", "audit_events", "messages"} {
		rows, err := r.DB.Query(`SELECT t::text FROM ` + tbl + ` t`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			for _, n := range needles {
				if strings.Contains(strings.ToLower(s), n) {
					t.Errorf("%s holds %q", tbl, n)
				}
			}
		}
		rows.Close()
	}
	for _, n := range needles {
		if strings.Contains(strings.ToLower(r.Logs.String()), n) {
			t.Errorf("logs hold %q", n)
		}
	}
}

func TestCheckinNoReplyNudgeEscalation(t *testing.T) {
	t.Parallel()
	r := newCheckinRig(t, nil)
	r.start()
	// Grace (2h) passes: one neutral nudge, in the safety lane.
	r.at(time.Date(2026, 6, 2, 13, 1, 0, 0, time.UTC))
	got := r.waitSent(herPhone, 2)
	if !strings.Contains(got[1], "equipo") && !strings.Contains(strings.ToLower(got[1]), "llam") {
		t.Logf("nudge text: %q", got[1])
	}
	if st := r.checkinStatus(); st != "nudged" {
		t.Fatalf("after grace: %s", st)
	}
	var tmpl string
	var prio int
	r.DB.QueryRow(`SELECT m.template_id, m.priority FROM messages m JOIN checkins c ON c.nudge_message_id = m.id`).Scan(&tmpl, &prio)
	if tmpl != "please_contact" || prio != 1 {
		t.Fatalf("nudge: %s %d", tmpl, prio)
	}
	// Another tick before the second grace: nothing.
	r.at(time.Date(2026, 6, 2, 14, 0, 0, 0, time.UTC))
	if len(r.escalations()) != 0 {
		t.Fatal("escalated early")
	}
	// Second grace passes: missed, urgent escalation, on-call alert, event.
	r.at(time.Date(2026, 6, 2, 15, 2, 0, 0, time.UTC))
	if st := r.checkinStatus(); st != "missed" {
		t.Fatalf("after second grace: %s", st)
	}
	es := r.escalations()
	if len(es) != 1 || es[0]["reason"] != "no_reply" || es[0]["urgent"] != true {
		t.Fatalf("escalations: %v", es)
	}
	id := es[0]["id"].(string)
	r.alerter.Flush(context.Background())
	r.waitSent(onCallPhone, 1)
	// Not acknowledged within 15 minutes: the supervisors are alerted.
	r.at(time.Date(2026, 6, 2, 15, 10, 0, 0, time.UTC))
	if d := r.Do(auth.RoleStaff, "GET", "/v1/escalations/"+id, nil).JSON(t); d["level"] != float64(1) {
		t.Fatalf("level before timeout: %v", d["level"])
	}
	r.at(time.Date(2026, 6, 2, 15, 18, 0, 0, time.UTC))
	d := r.Do(auth.RoleStaff, "GET", "/v1/escalations/"+id, nil).JSON(t)
	if d["level"] != float64(2) {
		t.Fatalf("level after timeout: %v", d["level"])
	}
	r.alerter.Flush(context.Background())
	sup := r.waitSent(supervisorPhone, 1)
	if !strings.Contains(sup[0], id) {
		t.Fatalf("supervisor alert: %q", sup[0])
	}
	// Never more than one extra message to her.
	r.at(time.Date(2026, 6, 2, 18, 0, 0, 0, time.UTC))
	time.Sleep(300 * time.Millisecond)
	if n := len(r.sentTo(herPhone)); n != 2 {
		t.Fatalf("%d messages to her, want check-in + one nudge", n)
	}
	// The events on safety.escalations carry ids and codes only.
	ctx := context.Background()
	st, err := r.JS.Stream(ctx, "SAFETY")
	if err != nil {
		t.Fatal(err)
	}
	var levels []float64
	for seq := uint64(1); seq <= 10; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			break
		}
		if m.Subject != safety.SubjectEscalations {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			t.Fatal(err)
		}
		if ev["escalation_id"] != id || ev["participant"] != r.code || ev["reason"] != "no_reply" || len(ev) != 4 {
			t.Fatalf("event: %s", m.Data)
		}
		if strings.Contains(string(m.Data), "612000456") {
			t.Fatalf("event carries a number: %s", m.Data)
		}
		levels = append(levels, ev["level"].(float64))
	}
	// Still nobody acknowledged 15 minutes later: level 3 (protocol).
	if len(levels) != 3 || levels[0] != 1 || levels[1] != 2 || levels[2] != 3 {
		t.Fatalf("event levels: %v", levels)
	}
	if a := r.Env.ParticipantAuditActions(r.code); !strings.Contains(a, "checkin.nudged") || !strings.Contains(a, "checkin.missed") || !strings.Contains(a, "escalation.opened") || !strings.Contains(a, "escalation.raised") {
		t.Fatalf("audit: %s", a)
	}
	for _, n := range []string{"612000456", "600000001", "600000002"} {
		if strings.Contains(r.Logs.String(), n) {
			t.Fatalf("logs carry a number")
		}
	}
}

// TestCheckinSchedulerRestart: a scheduler that claimed a due plan and
// died before committing leaves it due; another instance sends it once;
// a further instance continues the cycle from the database.
func TestCheckinSchedulerRestart(t *testing.T) {
	t.Parallel()
	r := newCheckinRig(t, nil)
	r.clock.Set(time.Date(2026, 6, 2, 11, 0, 30, 0, time.UTC))
	ctx := context.Background()
	// Scheduler A claims the plan (row locked) and "crashes" mid-transaction.
	tx, err := r.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := db.New(tx).ClaimDueCheckinPlans(ctx, db.ClaimDueCheckinPlansParams{Now: r.clock.Now(), MaxRows: 10})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %d", err, len(claimed))
	}
	// While A holds it, B skips it (SKIP LOCKED) rather than doubling it.
	b := safetyStep(t, r.Server, "start_checkins")
	if n, err := b(ctx, r.clock.Now()); err != nil || n != 0 {
		t.Fatalf("B while A holds the row: %d %v", n, err)
	}
	tx.Rollback() // A's session ends
	if n, err := b(ctx, r.clock.Now()); err != nil || n != 1 {
		t.Fatalf("B after A died: %d %v", n, err)
	}
	// A new instance at the same moment finds nothing due.
	c := safetyStep(t, r.Server, "start_checkins")
	if n, err := c(ctx, r.clock.Now()); err != nil || n != 0 {
		t.Fatalf("C: %d %v", n, err)
	}
	var checkins, msgs int
	r.DB.QueryRow(`SELECT count(*) FROM checkins`).Scan(&checkins)
	r.DB.QueryRow(`SELECT count(*) FROM messages`).Scan(&msgs)
	if checkins != 1 || msgs != 1 {
		t.Fatalf("%d check-ins, %d messages", checkins, msgs)
	}
	r.waitSent(herPhone, 1)
	// Yet another instance continues: nudge, then escalation, once each.
	r.sc = r.Server.NewScheduler()
	r.at(time.Date(2026, 6, 2, 13, 1, 0, 0, time.UTC))
	r.sc = r.Server.NewScheduler()
	r.at(time.Date(2026, 6, 2, 13, 1, 0, 0, time.UTC))
	r.waitSent(herPhone, 2)
	r.sc = r.Server.NewScheduler()
	r.at(time.Date(2026, 6, 2, 15, 2, 0, 0, time.UTC))
	r.at(time.Date(2026, 6, 2, 15, 2, 0, 0, time.UTC))
	r.DB.QueryRow(`SELECT count(*) FROM messages`).Scan(&msgs)
	if msgs != 2 || len(r.escalations()) != 1 {
		t.Fatalf("%d messages, %d escalations", msgs, len(r.escalations()))
	}
}

func TestCheckinPlanValidation(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria()) // mon-fri 10:00-12:00, sat 18:00-02:00 Madrid
	base := "/v1/participants/" + code + "/checkin-plan"
	plan := func(every any, at string) gatewaytest.Resp {
		return e.Do(auth.RoleStaff, "POST", base, map[string]any{"every": every, "at": at, "ok_reply": "bien", "help_reply": "llámame", "duress_words": []string{"pan"}})
	}
	if r := plan([]string{"mon", "sat"}, "11:00"); r.Status != 422 || r.ErrCode(t) != "checkin_time_unsafe" {
		t.Fatalf("saturday 11:00: %d %s", r.Status, r.Body)
	}
	if r := plan("36h", "11:00"); r.Status != 400 {
		t.Fatalf("36h: %d %s", r.Status, r.Body)
	}
	r := plan([]string{"mon", "thu"}, "11:00")
	if r.Status != 200 {
		t.Fatalf("mon,thu: %d %s\n%s", r.Status, r.Body, e.Logs.String())
	}
	g := e.Do(auth.RoleStaff, "GET", base, nil)
	if g.Status != 200 || strings.Contains(string(g.Body), "pan\"") || g.JSON(t)["plan"].(map[string]any)["duress_words"] != float64(1) {
		t.Fatalf("get: %s", g.Body)
	}
	if r := e.Do(auth.RoleStaff, "DELETE", base, nil); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := e.Do(auth.RoleStaff, "GET", base, nil); r.Status != 404 {
		t.Fatalf("get after delete: %d", r.Status)
	}
}

// TestCheckinDiscreetOnMonitoredPhone: the decision's variant is used, and
// the message goes to the safety lane.
func TestCheckinDiscreetOnMonitoredPhone(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)                          // clock Tue 2026-06-02 10:30 UTC
	code := e.CreateParticipant(gatewaytest.Maria()) // monitored; mon-fri 10:00-12:00 Madrid
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/checkin-plan", map[string]any{"every": []string{"tue", "fri"}, "at": "11:30",
		"ok_reply": "bien", "help_reply": "llámame", "duress_words": []string{"pan"}})
	if r.Status != 200 || r.JSON(t)["next_due_at"] != "2026-06-05T09:30:00Z" {
		t.Fatalf("plan: %d %s", r.Status, r.Body)
	}
	e.Clock.Set(time.Date(2026, 6, 5, 9, 30, 5, 0, time.UTC))
	if n, err := e.Server.NewScheduler().Tick(context.Background()); err != nil || n != 1 {
		t.Fatalf("tick: %d %v", n, err)
	}
	var variant, subject, status string
	var prio int
	if err := e.DB.QueryRow(`SELECT m.variant, m.priority, m.status, o.subject FROM messages m JOIN outbox o ON o.message_id = m.id`).Scan(&variant, &prio, &status, &subject); err != nil {
		t.Fatal(err)
	}
	if variant != "discreet" || prio != 1 || status != "queued" || subject != channels.Subject("sms", true) {
		t.Fatalf("check-in message: %s %d %s %s", variant, prio, status, subject)
	}
	// The next slot is the following Tuesday.
	g := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code+"/checkin-plan", nil).JSON(t)
	if g["plan"].(map[string]any)["next_due_at"] != "2026-06-09T09:30:00Z" {
		t.Fatalf("next: %v", g["plan"])
	}
}
