package referrals_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/sqlc-dev/pqtype"

	"safecontact/consent"
	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/errs"
	"safecontact/gateway/referrals"
	"safecontact/keys"
	"safecontact/referral"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// org is one gateway of a test: its own database, key ring and identity,
// its service, and an HTTP server with the routes mounted (every request
// acts as the staff user "staff-<name>", the inbox as the system).
type org struct {
	name  string
	db    *sql.DB
	q     *db.Queries
	ring  *keys.Ring
	id    *keys.OrgIdentity
	clock *clock
	svc   *referrals.Service
	srv   *httptest.Server
	staff referrals.Actor
	// down makes the inbox answer 503 (a partner's server out of service).
	down atomic.Bool
}

func (o *org) inbox() string { return o.srv.URL + "/v1/referrals/inbox" }

// card is o's partner card naming its inbox.
func (o *org) card(t *testing.T) []byte {
	t.Helper()
	b, err := o.id.Card(o.inbox(), o.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testAudit(ctx context.Context, q *db.Queries, a referrals.Actor, e referrals.Event) error {
	var details pqtype.NullRawMessage
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return err
		}
		details = pqtype.NullRawMessage{RawMessage: b, Valid: true}
	}
	_, err := q.AppendAudit(ctx, db.AppendAuditParams{ActorName: a.Name, ActorRole: a.Role, Action: e.Action,
		ParticipantCode: sql.NullString{String: e.ParticipantCode, Valid: e.ParticipantCode != ""}, Details: details})
	return err
}

// newOrg makes one gateway. Its participant creation seals the number
// like the gateway does (the gateway's own is tested there).
func newOrg(t *testing.T, name string, c *clock) *org {
	t.Helper()
	pool, _ := dbtest.New(t)
	o := &org{name: name, db: pool, q: db.New(pool), ring: keys.NewTestRing(), id: keys.NewTestOrg(name), clock: c,
		staff: referrals.Actor{Name: "staff-" + name, Role: "staff"}}
	create := func(ctx context.Context, q *db.Queries, a referrals.Actor, p referrals.NewParticipant) (string, error) {
		e164, err := consent.ParsePhone(p.Phone, "", "phone")
		if err != nil {
			return "", err
		}
		code := consent.NewCode()
		_, err = q.CreateParticipant(ctx, db.CreateParticipantParams{Code: code, Initials: p.Initials, Language: p.Language,
			TimeZone: p.TimeZone, PhoneEnc: o.ring.Seal(keys.Contact, []byte(e164)), PhoneIndex: o.ring.BlindIndex(e164),
			PhoneMask: consent.MaskPhone(e164), Monitored: p.Monitored, SafeWindows: p.SafeWindows, ChannelPreference: p.ChannelPreference})
		return code, err
	}
	o.svc = referrals.New(referrals.Deps{DB: pool, Keys: o.ring, Org: o.id, Now: c.Now, Log: slog.New(slog.DiscardHandler),
		Audit: testAudit, CreateParticipant: create,
		ActorOf: func(c *gin.Context) referrals.Actor {
			a := o.staff
			a.IP = net.ParseIP(c.ClientIP())
			return a
		},
	}, referrals.Config{})
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	v1 := r.Group("/v1")
	o.svc.Routes(v1, v1, v1)
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if o.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		r.ServeHTTP(w, req)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// partners makes a and b verified partners of each other, through the
// service's own steps.
func partners(t *testing.T, a, b *org) {
	t.Helper()
	ctx := context.Background()
	for _, p := range [][2]*org{{a, b}, {b, a}} {
		me, other := p[0], p[1]
		admin := referrals.Actor{Name: "admin-" + me.name, Role: "admin"}
		v, created, err := me.svc.AddPartner(ctx, admin, other.card(t))
		if err != nil || !created || v.Verified {
			t.Fatalf("%s adds %s: %+v %v %v", me.name, other.name, v, created, err)
		}
		if _, err := me.svc.VerifyPartner(ctx, admin, v.ID, "00000 "+v.Fingerprint[6:]); errs.Code(err) != referrals.CodeFingerprintMatch {
			t.Fatalf("a wrong fingerprint: %v", err)
		}
		if v, err = me.svc.VerifyPartner(ctx, admin, v.ID, strings.ReplaceAll(other.id.Public().Fingerprint(), " ", "-")); err != nil || !v.Verified {
			t.Fatalf("verify: %+v %v", v, err)
		}
	}
}

func partnerID(t *testing.T, me, other *org) int64 {
	t.Helper()
	p, err := me.q.LivePartnerByKeyID(context.Background(), other.id.KeyID().String())
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// Her answers, her initials in a phrase, her number: none of these may be
// found in either database in clear.
const (
	testPhone       = "+34 612 345 678"
	testPhoneDigits = "612345678"
	secretDetails   = "Criminal case open since March 2026 in Valladolid."
	secretMeasures  = "Changed her phone number; the police were informed."
)

func testForm() map[string]any {
	q := func(a string) map[string]any { return map[string]any{"answer": a} }
	return map[string]any{
		"schema": referral.SchemaV1, "initials": "MR", "languages": []string{"ro", "es"}, "notice_language": "ro",
		"time_zone": "Europe/Madrid", "safe_windows": []string{"mon-fri 10:00-12:00"}, "monitored": "no",
		"channels": []string{"sms", "whatsapp"}, "phone": testPhone, "needs": []string{"housing", "legal_advice"},
		"referral_consent": map[string]any{"agreed": true, "evidence": "signed form R-2026-014", "date": "2026-05-28"},
		"risk_evaluation":  map[string]any{"date": "2026-05-20", "by_role": "social_worker"},
		"safety": map[string]any{
			"can_coincide": q("no"), "protected_witness": q("no"),
			"judicial_process":      map[string]any{"answer": "yes", "details": secretDetails},
			"lives_with_exploiters": q("yes"),
			"recent_threats":        map[string]any{"answer": "yes", "when": "2026-05", "measures": secretMeasures},
			"imminent_danger":       q("no"),
		},
		"sender_reference": "P-7K3QX",
	}
}

func formJSON(t *testing.T, f map[string]any) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var start = time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T) (a, b *org) {
	t.Helper()
	c := &clock{t: start}
	a, b = newOrg(t, "A", c), newOrg(t, "B", c)
	partners(t, a, b)
	return a, b
}

// draftPackage drafts the test form at a for b and returns its package.
func draftPackage(t *testing.T, a, b *org) (int64, []byte) {
	t.Helper()
	ctx := context.Background()
	d, err := a.svc.Draft(ctx, a.staff, partnerID(t, a, b), formJSON(t, testForm()))
	if err != nil {
		t.Fatal(err)
	}
	if d.Referral.State != "draft" || d.Referral.PackageID != nil {
		t.Fatalf("draft: %+v", d.Referral)
	}
	pkg, v, err := a.svc.Package(ctx, a.staff, d.Referral.ID)
	if err != nil || v.State != "exported" {
		t.Fatalf("package: %+v %v", v, err)
	}
	again, _, err := a.svc.Package(ctx, a.staff, d.Referral.ID)
	if err != nil || !bytes.Equal(again, pkg) {
		t.Fatalf("a second export gave other bytes (%v)", err)
	}
	return d.Referral.ID, pkg
}

func count(t *testing.T, o *org, query string, args ...any) int {
	t.Helper()
	var n int
	if err := o.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestExchangeByFile: a referral travels as a file, is reviewed and
// accepted (a participant with the derived settings, no consent), and the
// receipt travels back as a file; the sender sees the outcome.
func TestExchangeByFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := setup(t)
	sentID, pkg := draftPackage(t, a, b)

	imp, err := b.svc.Import(ctx, b.staff, pkg, referrals.ViaFile)
	if err != nil || imp.Kind != "referral" || imp.Referral.State != "received" {
		t.Fatalf("import: %+v %v", imp, err)
	}
	d, err := b.svc.Get(ctx, b.staff, imp.Referral.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Form.Safety.JudicialProcess.Details != secretDetails || d.PreEvaluation == nil {
		t.Fatalf("detail: %+v", d)
	}
	st := d.PreEvaluation.Settings
	if !st.Monitored || !st.WhatsAppRefused || !st.StrictConfidentiality || !st.IndividualOnly || !st.SuggestCheckInPlan || st.RiskEvaluationDue {
		t.Fatalf("settings: %+v", st)
	}

	res, err := b.svc.Decide(ctx, b.staff, imp.Referral.ID, referrals.Decision{Outcome: referral.Accepted})
	if err != nil || res.Participant == nil || !res.ConsentRequired {
		t.Fatalf("accept: %+v %v", res, err)
	}
	p, err := b.q.ParticipantByCode(ctx, *res.Participant)
	if err != nil {
		t.Fatal(err)
	}
	if p.Initials != "MR" || !p.Monitored || p.Language != "ro" || strings.Join(p.ChannelPreference, ",") != "sms" || p.Code == "P-7K3QX" {
		t.Fatalf("participant: %+v", p)
	}
	if n := count(t, b, "SELECT count(*) FROM consent_events WHERE participant_id = $1", p.ID); n != 0 {
		t.Fatalf("consent carried over: %d events", n)
	}
	if _, err := b.svc.Decide(ctx, b.staff, imp.Referral.ID, referrals.Decision{Outcome: referral.Declined, Reason: "changed my mind"}); errs.Code(err) != referrals.CodeReferralState {
		t.Fatalf("decided twice: %v", err)
	}

	receipt, _, err := b.svc.Receipt(ctx, b.staff, imp.Referral.ID)
	if err != nil {
		t.Fatal(err)
	}
	back, err := a.svc.Import(ctx, a.staff, receipt, referrals.ViaFile)
	if err != nil || back.Kind != "receipt" || back.Referral.ID != sentID || back.Referral.State != "accepted" {
		t.Fatalf("receipt: %+v %v", back, err)
	}
	sent, err := a.svc.Get(ctx, a.staff, sentID)
	if err != nil || sent.Outcome == nil || sent.Outcome.Outcome != referral.Accepted || sent.PreEvaluation != nil {
		t.Fatalf("sender's view: %+v %v", sent, err)
	}
	if _, err := a.svc.Import(ctx, a.staff, receipt, referrals.ViaFile); errs.Code(err) != referral.CodeReplayed {
		t.Fatalf("receipt replayed: %v", err)
	}
	for _, o := range []*org{a, b} {
		noClearText(t, o)
	}
}

// TestExchangeByInbox: the same through the partners' inbox URLs, with a
// decline; the inbox answers a refusal with the one public code.
func TestExchangeByInbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := setup(t)
	d, err := a.svc.Draft(ctx, a.staff, partnerID(t, a, b), formJSON(t, testForm()))
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.svc.Deliver(ctx, a.staff, d.Referral.ID)
	if err != nil || v.State != "delivered" || v.DeliveredAt == nil {
		t.Fatalf("deliver: %+v %v", v, err)
	}
	var rid int64
	if err := b.db.QueryRow("SELECT id FROM referrals WHERE direction = 'received'").Scan(&rid); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Decide(ctx, b.staff, rid, referrals.Decision{Outcome: referral.Redirected, Reason: "She needs a protected shelter first.",
		RedirectedTo: "protected-shelter programme"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Deliver(ctx, b.staff, rid); err != nil {
		t.Fatal(err)
	}
	sent, err := a.svc.Get(ctx, a.staff, d.Referral.ID)
	if err != nil || sent.State != "redirected" || sent.Outcome.RedirectedTo != "protected-shelter programme" {
		t.Fatalf("sender's view: %+v %v", sent, err)
	}
	if n := count(t, b, "SELECT count(*) FROM participants"); n != 0 {
		t.Fatalf("a redirect created %d participants", n)
	}

	// Delivering again: the inbox refuses the replay with the public code
	// only; the audit has why.
	pkg, _, err := a.svc.Package(ctx, a.staff, d.Referral.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(b.inbox(), "application/octet-stream", bytes.NewReader(pkg))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(body), referral.CodeRefused) || strings.Contains(string(body), referral.CodeReplayed) {
		t.Fatalf("replay at the inbox: %d %s", resp.StatusCode, body)
	}
	if n := count(t, b, "SELECT count(*) FROM audit_events WHERE action = 'referral.refused' AND details->>'code' = $1 AND details->>'via' = 'inbox'", referral.CodeReplayed); n != 1 {
		t.Fatalf("replay audited %d times", n)
	}
	for _, o := range []*org{a, b} {
		noClearText(t, o)
	}
}

// TestImportRefusals: every refusal has its code, stores nothing, and is
// audited with that code.
func TestImportRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := setup(t)
	_, pkg := draftPackage(t, a, b)
	stranger := newOrg(t, "C", a.clock)

	// reseal opens pkg as b, changes the inner bytes, and seals it again
	// to b: the box opens, the signature does not verify.
	reseal := func(pkg []byte, change func([]byte)) []byte {
		inner, err := b.id.Open(pkg[34:])
		if err != nil {
			t.Fatal(err)
		}
		change(inner)
		box, err := b.id.Public().SealTo(inner)
		if err != nil {
			t.Fatal(err)
		}
		return append(bytes.Clone(pkg[:34]), box...)
	}
	toStranger := func() []byte {
		partners(t, a, stranger)
		d, err := a.svc.Draft(ctx, a.staff, partnerID(t, a, stranger), formJSON(t, testForm()))
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := a.svc.Package(ctx, a.staff, d.Referral.ID)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	fromStranger := func() []byte {
		// stranger knows b, b does not know stranger.
		if _, _, err := stranger.svc.AddPartner(ctx, referrals.Actor{Name: "admin"}, b.card(t)); err != nil {
			t.Fatal(err)
		}
		id := partnerID(t, stranger, b)
		if _, err := stranger.svc.VerifyPartner(ctx, referrals.Actor{Name: "admin"}, id, b.id.Public().Fingerprint()); err != nil {
			t.Fatal(err)
		}
		d, err := stranger.svc.Draft(ctx, stranger.staff, id, formJSON(t, testForm()))
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := stranger.svc.Package(ctx, stranger.staff, d.Referral.ID)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	cases := []struct {
		name string
		pkg  func() []byte
		code string
		// before runs before the import and after after it (the clock).
		before, after func()
	}{
		{"tampered ciphertext", func() []byte { p := bytes.Clone(pkg); p[len(p)-20] ^= 1; return p }, referral.CodeTampered, nil, nil},
		{"tampered signature", func() []byte { return reseal(pkg, func(in []byte) { in[len(in)-1] ^= 1 }) }, referral.CodeBadSignature, nil, nil},
		{"tampered body", func() []byte { return reseal(pkg, func(in []byte) { in[100] ^= 1 }) }, referral.CodeBadSignature, nil, nil},
		{"wrong recipient", toStranger, referral.CodeWrongRecipient, nil, nil},
		{"unknown sender", fromStranger, referral.CodeUnknownSender, nil, nil},
		{"expired", func() []byte { return pkg }, referral.CodeExpired,
			func() { a.clock.Add(31 * 24 * time.Hour) }, func() { a.clock.Add(-31 * 24 * time.Hour) }},
		{"oversized", func() []byte { return make([]byte, referral.MaxPackageSize+1) }, referral.CodeTooLarge, nil, nil},
		{"malformed", func() []byte { return []byte("this is not a package") }, referral.CodeMalformed, nil, nil},
		{"truncated", func() []byte { return pkg[:len(pkg)-10] }, referral.CodeTampered, nil, nil},
	}
	for _, c := range cases {
		p := c.pkg()
		refBefore := count(t, b, "SELECT count(*) FROM referrals")
		impBefore := count(t, b, "SELECT count(*) FROM referral_imports")
		if c.before != nil {
			c.before()
		}
		_, err := b.svc.Import(ctx, b.staff, p, referrals.ViaFile)
		if c.after != nil {
			c.after()
		}
		if errs.Code(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
			continue
		}
		if count(t, b, "SELECT count(*) FROM referrals") != refBefore || count(t, b, "SELECT count(*) FROM referral_imports") != impBefore {
			t.Errorf("%s: something was stored", c.name)
		}
		if n := count(t, b, "SELECT count(*) FROM audit_events WHERE action = 'referral.refused' AND details->>'code' = $1", c.code); n == 0 {
			t.Errorf("%s: refusal not audited", c.name)
		}
	}

	// The real package still imports once, then is a replay.
	if _, err := b.svc.Import(ctx, b.staff, pkg, referrals.ViaFile); err != nil {
		t.Fatal(err)
	}
	n := count(t, b, "SELECT count(*) FROM referrals")
	if _, err := b.svc.Import(ctx, b.staff, pkg, referrals.ViaFile); errs.Code(err) != referral.CodeReplayed {
		t.Fatalf("replay: %v", err)
	}
	if count(t, b, "SELECT count(*) FROM referrals") != n {
		t.Fatal("a replay was stored")
	}

	// An unverified or removed partner is an unknown sender.
	id := partnerID(t, b, a)
	if _, err := b.svc.RemovePartner(ctx, referrals.Actor{Name: "admin"}, id); err != nil {
		t.Fatal(err)
	}
	_, pkg2 := draftPackage(t, a, b)
	if _, err := b.svc.Import(ctx, b.staff, pkg2, referrals.ViaFile); errs.Code(err) != referral.CodeUnknownSender {
		t.Fatalf("removed partner: %v", err)
	}
	if _, _, err := b.svc.AddPartner(ctx, referrals.Actor{Name: "admin"}, a.card(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Import(ctx, b.staff, pkg2, referrals.ViaFile); errs.Code(err) != referral.CodeUnknownSender {
		t.Fatalf("unverified partner: %v", err)
	}
}

// TestDraftRefusals: a form with a name, an unverified partner, and the
// filter's warnings.
func TestDraftRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := setup(t)
	f := testForm()
	f["surname"] = "Popescu"
	if _, err := a.svc.Draft(ctx, a.staff, partnerID(t, a, b), formJSON(t, f)); errs.Code(err) != referral.CodeRealNameForbidden {
		t.Fatalf("a name: %v", err)
	}
	if _, err := a.svc.Draft(ctx, a.staff, 9999, formJSON(t, testForm())); errs.Code(err) != referrals.CodePartnerNotUsable {
		t.Fatalf("no such partner: %v", err)
	}
	f = testForm()
	f["notes"] = "She stays at the shelter on Calle Mayor 12."
	d, err := a.svc.Draft(ctx, a.staff, partnerID(t, a, b), formJSON(t, f))
	if err != nil || len(d.Warnings) == 0 {
		t.Fatalf("warnings: %+v %v", d.Warnings, err)
	}
	// Another staff member may not open a referral she did not draft.
	if _, err := a.svc.Get(ctx, referrals.Actor{Name: "someone-else", Role: "staff"}, d.Referral.ID); errs.Code(err) != "forbidden" {
		t.Fatalf("another staff member opened the referral: %v", err)
	}
	if _, _, err := a.svc.Package(ctx, referrals.Actor{Name: "someone-else", Role: "staff"}, d.Referral.ID); errs.Code(err) != "forbidden" {
		t.Fatalf("another staff member exported the referral: %v", err)
	}
	if _, err := a.svc.Get(ctx, referrals.Actor{Name: "sup", Role: "supervisor"}, d.Referral.ID); err != nil {
		t.Fatalf("a supervisor: %v", err)
	}
	// Accepting needs a number when the form has none.
	f = testForm()
	delete(f, "phone")
	d, err = a.svc.Draft(ctx, a.staff, partnerID(t, a, b), formJSON(t, f))
	if err != nil {
		t.Fatal(err)
	}
	pkg, _, err := a.svc.Package(ctx, a.staff, d.Referral.ID)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := b.svc.Import(ctx, b.staff, pkg, referrals.ViaFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Decide(ctx, b.staff, imp.Referral.ID, referrals.Decision{Outcome: referral.Accepted}); errs.Code(err) != referrals.CodePhoneRequired {
		t.Fatalf("accept without a number: %v", err)
	}
	res, err := b.svc.Decide(ctx, b.staff, imp.Referral.ID, referrals.Decision{Outcome: referral.Accepted, Phone: "+34 699 000 111"})
	if err != nil || res.Participant == nil {
		t.Fatalf("accept with a number: %+v %v", res, err)
	}
}

// noClearText reads every text, bytea and jsonb value of every table of
// o's database: her answers' details and her number appear nowhere.
func noClearText(t *testing.T, o *org) {
	t.Helper()
	rows, err := o.db.Query(`SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type IN ('text', 'bytea', 'jsonb', 'ARRAY', 'character varying')`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var tb, col string
		if err := rows.Scan(&tb, &col); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, [2]string{tb, col})
	}
	rows.Close()
	needles := []string{secretDetails, secretMeasures, testPhoneDigits, "Valladolid", "R-2026-014"}
	read := false // the scan reads what is there: the staff name is in the audit
	for _, c := range cols {
		q := `SELECT coalesce(string_agg(` + pqIdent(c[1]) + `::text, ' '), '') FROM ` + pqIdent(c[0])
		var all string
		if err := o.db.QueryRow(q).Scan(&all); err != nil {
			t.Fatalf("%s.%s: %v", c[0], c[1], err)
		}
		read = read || strings.Contains(all, o.staff.Name)
		for _, n := range needles {
			if strings.Contains(all, n) || strings.Contains(all, hexOf(n)) {
				t.Errorf("%s: %s.%s holds %q in clear", o.name, c[0], c[1], n)
			}
		}
	}
	if !read {
		t.Errorf("%s: the scan of %d columns found not even the staff name", o.name, len(cols))
	}
}

func pqIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// hexOf is how PostgreSQL prints bytea holding s.
func hexOf(s string) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, digits[s[i]>>4], digits[s[i]&15])
	}
	return string(out)
}

// TestDeliveryRetries: a delivery the partner's inbox refused is retried
// with backoff until it goes through, or given up after the last attempt;
// a decision sends its receipt back by itself.
func TestDeliveryRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := setup(t)
	due := func(o *org, id int64) (bool, int) {
		var at sql.NullTime
		var n int
		if err := o.db.QueryRow("SELECT delivery_due_at, delivery_attempts FROM referrals WHERE id = $1", id).Scan(&at, &n); err != nil {
			t.Fatal(err)
		}
		return at.Valid, n
	}
	d, err := a.svc.Draft(ctx, a.staff, partnerID(t, a, b), formJSON(t, testForm()))
	if err != nil {
		t.Fatal(err)
	}
	b.down.Store(true)
	if _, err := a.svc.Deliver(ctx, a.staff, d.Referral.ID); errs.Code(err) != referrals.CodeDeliveryFailed {
		t.Fatalf("deliver to a server out of service: %v", err)
	}
	if pending, n := due(a, d.Referral.ID); !pending || n != 1 {
		t.Fatalf("after a failure: pending %v, attempts %d", pending, n)
	}
	if n, err := a.svc.DeliverDue(ctx, 10); err != nil || n != 0 {
		t.Fatalf("a retry before its time: %d %v", n, err)
	}
	b.down.Store(false)
	a.clock.Add(2 * time.Minute)
	if n, err := a.svc.DeliverDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("the retry: %d %v", n, err)
	}
	if pending, _ := due(a, d.Referral.ID); pending {
		t.Fatal("still pending after it went through")
	}
	var rid int64
	if err := b.db.QueryRow("SELECT id FROM referrals WHERE direction = 'received'").Scan(&rid); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Decide(ctx, b.staff, rid, referrals.Decision{Outcome: referral.Declined, Reason: "No places until July."}); err != nil {
		t.Fatal(err)
	}
	if n, err := b.svc.DeliverDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("the receipt: %d %v", n, err)
	}
	if v, err := a.svc.Get(ctx, a.staff, d.Referral.ID); err != nil || v.State != "declined" {
		t.Fatalf("the sender's referral: %+v %v", v.ReferralView, err)
	}

	// Given up after the last attempt.
	d2, err := a.svc.Draft(ctx, a.staff, partnerID(t, a, b), formJSON(t, testForm()))
	if err != nil {
		t.Fatal(err)
	}
	b.down.Store(true)
	a.svc.Deliver(ctx, a.staff, d2.Referral.ID)
	for range 10 {
		a.clock.Add(2 * time.Hour)
		if _, err := a.svc.DeliverDue(ctx, 10); err != nil {
			t.Fatal(err)
		}
	}
	if pending, n := due(a, d2.Referral.ID); pending || n != 8 {
		t.Fatalf("given up: pending %v after %d attempts", pending, n)
	}
	if n := count(t, a, "SELECT count(*) FROM audit_events WHERE action = $1 AND details->>'retry' = 'false'", referrals.ActionDeliveryFailed); n != 1 {
		t.Fatalf("giving up audited %d times", n)
	}
}
