package gatewaytest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"safecontact/channels/twiliotest"
	"safecontact/gateway"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/keys"
)

// HookBase and HookToken are the public URL and Twilio auth token of an
// Env built WithWebhooks: PostHook signs for them.
const (
	HookBase  = "https://gw.example.org"
	HookToken = "inboundtesttoken0123456789abcdef"
)

// WithWebhooks sets the public URL and Twilio token to HookBase and
// HookToken (over WithConfig's), so PostHook's signatures verify.
func WithWebhooks() Option {
	return func(o *options) { o.publicURL, o.twilioToken = HookBase, HookToken }
}

// Maria is the body of a participant to create: monitored phone, Spanish,
// two safe windows. Each call returns a fresh map the test may change.
func Maria() map[string]any {
	return map[string]any{
		"initials": "M.R.", "language": "es", "time_zone": "Europe/Madrid",
		"phone": "+34 612 345 678", "monitored": true,
		"safe_windows": []string{"mon-fri 10:00-12:00", "sat 18:00-02:00"},
	}
}

// Grant is the body of a consent to channel ch.
func Grant(ch string) map[string]any {
	return map[string]any{"channel": ch, "evidence": "signed form F-2026-114", "notice_language": "es"}
}

// CreateParticipant creates one through the API as staff-user (so she is
// her caseworker) and returns her code.
func (e *Env) CreateParticipant(body map[string]any) string {
	e.T.Helper()
	r := e.Do(auth.RoleStaff, "POST", "/v1/participants", body)
	if r.Status != http.StatusCreated {
		e.T.Fatalf("create participant: %d %s", r.Status, r.Body)
	}
	return r.JSON(e.T)["code"].(string)
}

// MonitoredParticipant creates a monitored participant who consented to
// SMS, reachable at any time, and returns her code.
func (e *Env) MonitoredParticipant(phone string) string {
	e.T.Helper()
	b := Maria()
	b["phone"] = phone
	b["any_time"] = true
	b["safe_windows"] = []string{}
	code := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", Grant("sms")); r.Status != 201 {
		e.T.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	return code
}

// MeetingPoint adds a metro meeting point called name through the API.
func (e *Env) MeetingPoint(name string) {
	e.T.Helper()
	r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": name, "kind": "metro"})
	if r.Status != http.StatusCreated {
		e.T.Fatalf("meeting point: %d %s", r.Status, r.Body)
	}
}

// AddUser inserts a user of role directly and returns her token.
func (e *Env) AddUser(name string, role auth.Role) string {
	e.T.Helper()
	tok, err := gateway.AddUser(context.Background(), e.DB, auth.SystemActor("test"), name, role)
	if err != nil {
		e.T.Fatal(err)
	}
	return tok
}

// AuditActions returns the actions of the audit log in id order.
func (e *Env) AuditActions() []string {
	e.T.Helper()
	rows, err := e.DB.Query(`SELECT action FROM audit_events ORDER BY id`)
	if err != nil {
		e.T.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		out = append(out, a)
	}
	return out
}

// LastAudit returns the participant, details and actor of the last audit
// event of action, failing the test if there is none.
func (e *Env) LastAudit(action string) (participant string, details map[string]any, actor string) {
	e.T.Helper()
	var p *string
	var d []byte
	if err := e.DB.QueryRow(`SELECT participant_code, coalesce(details, 'null'), actor_name FROM audit_events WHERE action = $1 ORDER BY id DESC LIMIT 1`, action).Scan(&p, &d, &actor); err != nil {
		e.T.Fatalf("no %s event: %v", action, err)
	}
	json.Unmarshal(d, &details)
	if p != nil {
		participant = *p
	}
	return participant, details, actor
}

// Seal seals the pending audit events into the chain at the clock's time.
func (e *Env) Seal() {
	e.T.Helper()
	if _, err := audit.SealPending(context.Background(), e.DB, e.Clock.Now()); err != nil {
		e.T.Fatal(err)
	}
}

// PostHook posts a form webhook to route, signed with the Env's Twilio
// token for its public URL as Twilio would sign it (sign=false: unsigned).
func (e *Env) PostHook(route, query string, form url.Values, sign bool) Resp {
	e.T.Helper()
	target := route
	if query != "" {
		target += "?" + query
	}
	req := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sign {
		req.Header.Set("X-Twilio-Signature", twiliotest.Sign(e.Config.TwilioAuthToken, e.Config.PublicURL+target, form))
	}
	return e.Serve(req)
}

var sidN atomic.Int64

// NextMessageSid is a Twilio message SID no other call returned.
func NextMessageSid() string { return fmt.Sprintf("SM%032x", sidN.Add(1)) }

// Inbound posts Twilio's incoming-message webhook and checks the answer
// is an empty TwiML response (never an auto-reply).
func (e *Env) Inbound(sid, from, body string) {
	e.T.Helper()
	to := "+15005550006"
	if strings.HasPrefix(from, "whatsapp:") {
		to = "whatsapp:+15005550007"
	}
	r := e.PostHook(callback.RouteInbound, "", url.Values{"MessageSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {"AC" + strings.Repeat("0", 32)},
		"From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}}, true)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") ||
		strings.TrimSpace(string(r.Body)) != `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response></Response>" {
		e.T.Fatalf("inbound: %d %q %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
}

// InboxItems lists the inbox as role sees it (query: "?…" or "").
func (e *Env) InboxItems(role auth.Role, query string) []map[string]any {
	e.T.Helper()
	r := e.Do(role, "GET", "/v1/inbox"+query, nil)
	if r.Status != 200 {
		e.T.Fatalf("inbox: %d %s", r.Status, r.Body)
	}
	var out []map[string]any
	for _, it := range r.JSON(e.T)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// AuditKeyPair makes a programme audit key pair (keys.GenerateAuditKeyPair
// in a temporary directory).
func AuditKeyPair(t testing.TB) (*keys.AuditPublicKey, *keys.AuditSecretKey) {
	t.Helper()
	pubPath, secPath, err := keys.GenerateAuditKeyPair(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.LoadAuditPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := keys.LoadAuditSecretKey(secPath)
	if err != nil {
		t.Fatal(err)
	}
	return pub, sec
}

// ParticipantAuditActions is the actions of the audit events of the
// participant code, in order, joined by commas.
func (e *Env) ParticipantAuditActions(code string) string {
	e.T.Helper()
	evs, err := e.Queries.AuditForParticipant(context.Background(), sql.NullString{String: code, Valid: true})
	if err != nil {
		e.T.Fatal(err)
	}
	var acts []string
	for _, ev := range evs {
		acts = append(acts, ev.Action)
	}
	return strings.Join(acts, ",")
}
