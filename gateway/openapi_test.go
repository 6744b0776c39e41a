package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"safecontact/channels"
	"safecontact/channels/twiliotest"
	"safecontact/errs"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
	"safecontact/gateway/participant"
	"safecontact/gateway/referrals"
	"safecontact/gateway/safety"
	"safecontact/keys"
	"safecontact/referral"
)

// loadOpenAPI fetches the document the way a client does (GET
// /v1/openapi.json, no token) and loads it with kin-openapi.
func loadOpenAPI(t *testing.T, e *gatewaytest.Env) *openapi3.T {
	t.Helper()
	r := e.Do("", "GET", "/v1/openapi.json", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /v1/openapi.json: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET /v1/openapi.json: Cache-Control %q, want the /v1 headers", r.Header.Get("Cache-Control"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.Body)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("document is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	return doc
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// openAPIPath is gin's "/v1/participants/:code" as "/v1/participants/{code}".
func openAPIPath(ginPath string) string { return ginParam.ReplaceAllString(ginPath, "{$1}") }

// registered lists an engine's routes as "METHOD /openapi/path".
func registered(s *gateway.Server) map[string]bool {
	out := map[string]bool{}
	for _, r := range s.Router().Routes() {
		out[r.Method+" "+openAPIPath(r.Path)] = true
	}
	return out
}

// documented lists the document's operations as "METHOD /path".
func documented(doc *openapi3.T) map[string]*openapi3.Operation {
	out := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+path] = op
		}
	}
	return out
}

// TestOpenAPIRoutes: every route gin serves is documented, and every
// documented operation is served (GET /v1/dev/sink only by an instance with
// a sink, which the document says). Each operation's security matches the
// route's guard: a token for /v1, a Twilio signature for webhooks, nothing
// for health checks and the document itself.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	doc := loadOpenAPI(t, e)
	docd := documented(doc)
	reg := registered(e.Server)

	regSink := registered(sinkServer(t, e))

	var missing, extra []string
	for r := range reg {
		if docd[r] == nil {
			missing = append(missing, r)
		}
	}
	for r := range regSink {
		if !reg[r] && docd[r] == nil {
			missing = append(missing, r+" (test instance)")
		}
	}
	for r, op := range docd {
		switch {
		case reg[r]:
		case regSink[r] && op.Extensions["x-registered-when"] != nil:
		default:
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes not in gateway/openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("documented in gateway/openapi.yaml but not registered:\n  %s", strings.Join(extra, "\n  "))
	}

	for r, op := range docd {
		_, path, _ := strings.Cut(r, " ")
		var want []string
		switch {
		case path == "/v1/openapi.json" || path == "/healthz" || path == "/readyz":
		case path == "/v1/referrals/inbox":
			// A partner's gateway: the package's signature authenticates it.
		case strings.HasPrefix(path, "/v1/"):
			want = []string{"bearer"}
		case strings.HasPrefix(path, "/webhooks/"):
			want = []string{"twilioSignature"}
		default:
			t.Errorf("%s: a path outside /v1 and /webhooks; say which guard it has", r)
		}
		if got := schemes(doc, op); !slices.Equal(got, want) {
			t.Errorf("%s: security %v, want %v", r, got, want)
		}
		if op.OperationID == "" || op.Summary == "" {
			t.Errorf("%s: needs an operationId and a summary", r)
		}
	}

	// x-role is the route group's guard: the role below it is refused
	// before the handler runs; the role itself is not (a body of "{" stops
	// every handler at its first read, so nothing changes).
	below := map[string]auth.Role{"supervisor": auth.RoleStaff, "admin": auth.RoleSupervisor}
	fill := strings.NewReplacer("{code}", "P-00000", "{id}", "1", "{name}", "nobody", "{channel}", "sms")
	for r, op := range docd {
		method, path, _ := strings.Cut(r, " ")
		role, _ := op.Extensions["x-role"].(string)
		switch {
		case role == "none":
			if slices.Contains(schemes(doc, op), "bearer") {
				t.Errorf("%s: x-role none but a bearer token is required", r)
			}
			continue
		case role != "staff" && role != "supervisor" && role != "admin":
			t.Errorf("%s: x-role %q", r, role)
			continue
		}
		if !reg[r] {
			continue // the sink route: checked as staff in TestOpenAPIResponses
		}
		target := fill.Replace(path)
		needs := "this needs the " + role + " role"
		if lower, ok := below[role]; ok {
			if a := e.Do(lower, method, target, "{"); a.Status != 403 || !strings.Contains(string(a.Body), needs) {
				t.Errorf("%s as %s: %d %s, want 403 %q", r, lower, a.Status, a.Body, needs)
			}
		}
		if a := e.Do(auth.Role(role), method, target, "{"); a.Status == 403 && strings.Contains(string(a.Body), "this needs the") {
			t.Errorf("%s as %s (its x-role): %s", r, role, a.Body)
		}
	}

	// The route is public: no token, and it still works with a bad one.
	if r := e.Do("", "GET", "/v1/openapi.json", nil, "Authorization", "Bearer nope"); r.Status != 200 {
		t.Errorf("openapi.json with a bad token: %d", r.Status)
	}
}

// schemes are the security schemes an operation asks for (its own, else
// the document's).
func schemes(doc *openapi3.T, op *openapi3.Operation) []string {
	sec := doc.Security
	if op.Security != nil {
		sec = *op.Security
	}
	var out []string
	for _, req := range sec {
		for name := range req {
			out = append(out, name)
		}
	}
	return out
}

// sinkServer is a test instance (--sink) over e's database: the same
// engine plus GET /v1/dev/sink.
func sinkServer(t *testing.T, e *gatewaytest.Env) *gateway.Server {
	s := gateway.New(gateway.Deps{DB: e.DB, Keys: e.Keys, Log: slog.New(slog.DiscardHandler), Now: e.Clock.Now,
		Sink: channels.NewSink(t.TempDir())})
	t.Cleanup(s.Close)
	return s
}

// TestOpenAPIErrorCodes: x-error-codes is exactly errs.Statuses(), so the
// document names every code a client can meet, with its status.
func TestOpenAPIErrorCodes(t *testing.T) {
	t.Parallel()
	var doc struct {
		Codes map[string]int `json:"x-error-codes"`
	}
	if err := json.Unmarshal(gateway.OpenAPIJSON, &doc); err != nil {
		t.Fatal(err)
	}
	for code, status := range errs.Statuses() {
		if got, ok := doc.Codes[code]; !ok {
			t.Errorf("x-error-codes lacks %q (%d)", code, status)
		} else if got != status {
			t.Errorf("x-error-codes[%q] = %d, errors.go says %d", code, got, status)
		}
	}
	for code := range doc.Codes {
		if _, ok := errs.Statuses()[code]; !ok {
			t.Errorf("x-error-codes has %q, which errors.go does not", code)
		}
	}
}

// TestOpenAPIDocument validates the document (kin-openapi, JSON Schema
// 2020-12 for 3.1, examples included), then each request example again
// explicitly, and requires an example on every JSON request body.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	doc := loadOpenAPI(t, e)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document does not validate: %v", err)
	}
	checked := 0
	for r, op := range documented(doc) {
		if op.RequestBody == nil {
			continue
		}
		mt := op.RequestBody.Value.Content.Get("application/json")
		if mt == nil {
			continue
		}
		if len(mt.Examples) == 0 {
			t.Errorf("%s: the JSON body has no example", r)
		}
		for name, ex := range mt.Examples {
			if err := mt.Schema.Value.VisitJSON(ex.Value.Value, openapi3.EnableJSONSchema2020(), openapi3.VisitAsRequest()); err != nil {
				t.Errorf("%s: example %q does not match its schema: %v", r, name, err)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d request examples checked", checked)
	}

	// The schemas are as strict as the binding: an unknown or real-name
	// field is refused by both.
	op := documented(doc)["POST /v1/participants"]
	schema := op.RequestBody.Value.Content.Get("application/json").Schema.Value
	for _, bad := range []map[string]any{
		{"initials": "MR", "language": "es", "time_zone": "Europe/Madrid", "phone": "+34612345678", "surname": "R"},
		{"initials": "MR", "language": "es", "time_zone": "Europe/Madrid"},
	} {
		if schema.VisitJSON(bad, openapi3.EnableJSONSchema2020()) == nil {
			t.Errorf("the participant schema accepts %v", bad)
		}
	}
}

// bodyFields are the properties a request schema allows, allOf included.
func bodyFields(s *openapi3.Schema) (props map[string]bool, required []string) {
	props = map[string]bool{}
	for name := range s.Properties {
		props[name] = true
	}
	required = append(required, s.Required...)
	for _, sub := range s.AllOf {
		p, r := bodyFields(sub.Value)
		for name := range p {
			props[name] = true
		}
		required = append(required, r...)
	}
	return props, required
}

// TestOpenAPIRequestFields: a body's documented properties are exactly the
// fields its Go input type takes (the strict binding refuses any other),
// for the routes whose input is a named type.
func TestOpenAPIRequestFields(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	doc := loadOpenAPI(t, e)
	for op, typ := range map[string]reflect.Type{
		"POST /v1/participants":                     reflect.TypeFor[participant.ParticipantInput](),
		"PATCH /v1/participants/{code}":             reflect.TypeFor[participant.ParticipantInput](),
		"POST /v1/participants/{code}/consents":     reflect.TypeFor[participant.GrantInput](),
		"POST /v1/messages":                         reflect.TypeFor[message.Input](),
		"POST /v1/messages/preview":                 reflect.TypeFor[message.Input](),
		"POST /v1/meeting-points":                   reflect.TypeFor[safety.MeetingPointInput](),
		"PATCH /v1/meeting-points/{id}":             reflect.TypeFor[safety.MeetingPointPatch](),
		"POST /v1/appointments":                     reflect.TypeFor[safety.AppointmentInput](),
		"PATCH /v1/appointments/{id}":               reflect.TypeFor[safety.AppointmentPatch](),
		"POST /v1/participants/{code}/checkin-plan": reflect.TypeFor[safety.CheckinPlanInput](),
		"POST /v1/partners/{id}/verify":             reflect.TypeFor[referrals.VerifyInput](),
		"POST /v1/referrals":                        reflect.TypeFor[referrals.DraftInput](),
		"POST /v1/referrals/{id}/decision":          reflect.TypeFor[referrals.Decision](),
	} {
		o := documented(doc)[op]
		if o == nil || o.RequestBody == nil {
			t.Errorf("%s: no documented body", op)
			continue
		}
		props, _ := bodyFields(o.RequestBody.Value.Content.Get("application/json").Schema.Value)
		if want := httpx.JSONFields(typ); !maps.Equal(props, want) {
			t.Errorf("%s: documented fields %v, %s takes %v", op, slices.Sorted(maps.Keys(props)), typ.Name(), slices.Sorted(maps.Keys(want)))
		}
	}
}

// refusedWithout sends body once per required field with that field left
// out: the server must refuse each with a documented 4xx error (a field the
// document says is required is required by the code too).
func refusedWithout(t *testing.T, e *gatewaytest.Env, doc *openapi3.T, check func(method, target string, r gatewaytest.Resp, want int) gatewaytest.Resp,
	role auth.Role, op, target string, body map[string]any) {
	t.Helper()
	method, _, _ := strings.Cut(op, " ")
	_, required := bodyFields(documented(doc)[op].RequestBody.Value.Content.Get("application/json").Schema.Value)
	if len(required) == 0 {
		t.Fatalf("%s: no required field", op)
	}
	for _, f := range required {
		b := maps.Clone(body)
		delete(b, f)
		r := e.Do(role, method, target, b)
		if r.Status < 400 || r.Status > 499 {
			t.Errorf("%s without %s: %d, want a refusal: %s", op, f, r.Status, r.Body)
			continue
		}
		check(method, target, r, r.Status)
	}
}

// example is a request example of the document, by operation and name.
func example(t *testing.T, doc *openapi3.T, key, name string) map[string]any {
	t.Helper()
	op := documented(doc)[key]
	if op == nil || op.RequestBody == nil {
		t.Fatalf("%s: no request body documented", key)
	}
	ex := op.RequestBody.Value.Content.Get("application/json").Examples[name]
	if ex == nil {
		t.Fatalf("%s: no example %q", key, name)
	}
	m := map[string]any{}
	for k, v := range ex.Value.Value.(map[string]any) {
		m[k] = v
	}
	return m
}

func init() {
	// Answers that are not JSON are checked as text (status and type).
	for _, ct := range []string{"application/x-ndjson", "text/xml"} {
		if openapi3filter.RegisteredBodyDecoder(ct) == nil {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
		}
	}
}

// TestOpenAPIResponses sends representative requests through the real
// server, the documented request examples among them, and validates each
// answer (status, content type, body) against the operation's documented
// responses with openapi3filter. Operations it does not reach are listed
// in the test log.
func TestOpenAPIResponses(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Org: keys.NewTestOrg("Here")}), gatewaytest.WithWebhooks())
	doc := loadOpenAPI(t, e)
	reached := map[string]bool{}
	check := func(method, target string, r gatewaytest.Resp, want int) gatewaytest.Resp {
		t.Helper()
		if r.Status != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, target, r.Status, want, r.Body)
		}
		reached[method+" "+validateAnswer(t, doc, method, target, r)] = true
		return r
	}
	call := func(role auth.Role, method, target string, body any, want int, hdr ...string) gatewaytest.Resp {
		t.Helper()
		return check(method, target, e.Do(role, method, target, body, hdr...), want)
	}

	call("", "GET", "/healthz", nil, 200)
	call("", "GET", "/readyz", nil, 200)
	call("", "GET", "/v1/openapi.json", nil, 200)

	// Participants, from the documented example.
	p := example(t, doc, "POST /v1/participants", "sms_only")
	code := call(auth.RoleStaff, "POST", "/v1/participants", p, 201).JSON(t)["code"].(string)
	base := "/v1/participants/" + code
	call(auth.RoleStaff, "GET", "/v1/participants?limit=10", nil, 200)
	call(auth.RoleStaff, "GET", base, nil, 200)
	call(auth.RoleStaff, "PATCH", base, example(t, doc, "PATCH /v1/participants/{code}", "monitored"), 200)

	// Consent, contactability, messages.
	call(auth.RoleStaff, "POST", base+"/consents", example(t, doc, "POST /v1/participants/{code}/consents", "sms"), 201)
	call(auth.RoleStaff, "GET", base+"/consents", nil, 200)
	call(auth.RoleStaff, "GET", base+"/contactability?channel=sms", nil, 200)
	call(auth.RoleStaff, "GET", "/v1/templates", nil, 200)
	msg := example(t, doc, "POST /v1/messages", "template")
	msg["participant"] = code
	call(auth.RoleStaff, "POST", "/v1/messages/preview", msg, 200)
	free := example(t, doc, "POST /v1/messages/preview", "free_text")
	free["participant"] = code
	call(auth.RoleStaff, "POST", "/v1/messages/preview", free, 200)
	id := call(auth.RoleStaff, "POST", "/v1/messages", msg, 202, "Idempotency-Key", "openapi-1").JSON(t)["id"].(string)
	call(auth.RoleStaff, "GET", "/v1/messages/"+id, nil, 200)
	call(auth.RoleStaff, "GET", base+"/messages", nil, 200)

	// Twilio: a status callback, her reply, a bad signature.
	target := "/webhooks/twilio/status?m=" + id
	check("POST", target, e.PostHook("/webhooks/twilio/status", "m="+id, url.Values{"MessageSid": {gatewaytest.NextMessageSid()},
		"MessageStatus": {"delivered"}, "AccountSid": {"AC" + strings.Repeat("0", 32)}}, true), 204)
	check("POST", callback.RouteInbound, e.PostHook(callback.RouteInbound, "", url.Values{"MessageSid": {gatewaytest.NextMessageSid()}, "AccountSid": {"AC" + strings.Repeat("0", 32)},
		"From": {"+34612345678"}, "To": {"+15005550006"}, "Body": {"ok"}, "NumMedia": {"0"}}, true), 200)
	check("POST", callback.RouteInbound, e.PostHook(callback.RouteInbound, "", url.Values{"Body": {"x"}}, false), 403)
	inbox := call(auth.RoleStaff, "GET", "/v1/inbox", nil, 200).JSON(t)["items"].([]any)
	if len(inbox) != 1 {
		t.Fatalf("inbox: %v", inbox)
	}
	call(auth.RoleStaff, "POST", fmt.Sprintf("/v1/inbox/%.0f/read", inbox[0].(map[string]any)["id"]), nil, 200)

	// Safety: meeting points, appointments, check-ins, escalations.
	call(auth.RoleStaff, "POST", "/v1/meeting-points", example(t, doc, "POST /v1/meeting-points", "metro"), 201)
	mp := call(auth.RoleStaff, "POST", "/v1/meeting-points", example(t, doc, "POST /v1/meeting-points", "with_at_forms"), 201).JSON(t)
	call(auth.RoleStaff, "PATCH", fmt.Sprintf("/v1/meeting-points/%.0f", mp["id"]), example(t, doc, "PATCH /v1/meeting-points/{id}", "forms"), 200)
	call(auth.RoleStaff, "GET", "/v1/meeting-points", nil, 200)
	appt := example(t, doc, "POST /v1/appointments", "session")
	appt["participant"] = code
	apptID := call(auth.RoleStaff, "POST", "/v1/appointments", appt, 201).JSON(t)["id"].(string)
	call(auth.RoleStaff, "GET", "/v1/appointments?participant="+code, nil, 200)
	call(auth.RoleStaff, "PATCH", "/v1/appointments/"+apptID, example(t, doc, "PATCH /v1/appointments/{id}", "later"), 200)
	call(auth.RoleStaff, "DELETE", "/v1/appointments/"+apptID, nil, 200)
	call(auth.RoleStaff, "POST", base+"/checkin-plan", example(t, doc, "POST /v1/participants/{code}/checkin-plan", "every_three_days"), 200)
	call(auth.RoleStaff, "POST", base+"/checkin-plan", example(t, doc, "POST /v1/participants/{code}/checkin-plan", "twice_a_week"), 200)
	call(auth.RoleStaff, "GET", base+"/checkin-plan", nil, 200)
	call(auth.RoleStaff, "DELETE", base+"/checkin-plan", nil, 204)
	call(auth.RoleStaff, "GET", "/v1/escalations?status=open", nil, 200)
	call(auth.RoleStaff, "GET", "/v1/escalations/00000000-0000-0000-0000-000000000000", nil, 404)
	call(auth.RoleStaff, "POST", "/v1/escalations/00000000-0000-0000-0000-000000000000/ack", nil, 404)

	// Call-backs and the staff member's own phone.
	call(auth.RoleStaff, "GET", "/v1/callbacks", nil, 200)
	call(auth.RoleStaff, "POST", "/v1/callbacks/999999/claim", nil, 404)
	call(auth.RoleStaff, "PUT", "/v1/me/phone", example(t, doc, "PUT /v1/me/phone", "work_phone"), 200)
	call(auth.RoleStaff, "GET", "/v1/me/phone", nil, 200)
	call(auth.RoleStaff, "DELETE", "/v1/me/phone", nil, 204)
	call(auth.RoleStaff, "PUT", "/v1/me/signature-name", example(t, doc, "PUT /v1/me/signature-name", "marta"), 200)
	call(auth.RoleStaff, "GET", "/v1/me/signature-name", nil, 200)
	call(auth.RoleStaff, "PUT", "/v1/me/signature-name", map[string]any{"signature_name": "Police"}, 422)
	call(auth.RoleStaff, "PUT", "/v1/me/signature-name", example(t, doc, "PUT /v1/me/signature-name", "clear"), 200)

	// Her number and her contents, with the documented reasons.
	call(auth.RoleStaff, "POST", base+"/reveal-phone", example(t, doc, "POST /v1/participants/{code}/reveal-phone", "call"), 200)
	call(auth.RoleStaff, "POST", base+"/erase-content", example(t, doc, "POST /v1/participants/{code}/erase-content", "asked"), 200)
	call(auth.RoleStaff, "DELETE", base+"/consents/sms", example(t, doc, "DELETE /v1/participants/{code}/consents/{channel}", "asked"), 200)

	// Users and tokens.
	tok := call(auth.RoleAdmin, "POST", "/v1/users", example(t, doc, "POST /v1/users", "caseworker"), 201).JSON(t)["token"].(string)
	call(auth.RoleAdmin, "GET", "/v1/users", nil, 200)
	tok = call("", "POST", "/v1/me/rotate-token", example(t, doc, "POST /v1/me/rotate-token", "thirty_days"), 200,
		"Authorization", "Bearer "+tok).JSON(t)["token"].(string)
	call(auth.RoleAdmin, "POST", "/v1/users/ana/rotate-token", example(t, doc, "POST /v1/users/{name}/rotate-token", "ninety_days"), 200)
	call(auth.RoleAdmin, "POST", "/v1/users/ana/disable", nil, 204)
	call("", "GET", "/v1/templates", nil, 401, "Authorization", "Bearer "+tok)

	// Call-backs and escalations that do not exist: the error shape.
	call(auth.RoleStaff, "POST", "/v1/callbacks/999999/release", nil, 404)
	call(auth.RoleStaff, "POST", "/v1/callbacks/999999/connect", nil, 503) // no voice provider here
	call(auth.RoleStaff, "POST", "/v1/callbacks/999999/complete", example(t, doc, "POST /v1/callbacks/{id}/complete", "reached"), 404)
	call(auth.RoleStaff, "POST", "/v1/escalations/00000000-0000-0000-0000-000000000000/resolve",
		example(t, doc, "POST /v1/escalations/{id}/resolve", "safe"), 404)
	// Every voice webhook refuses an unsigned request.
	for _, route := range []string{callback.RouteVoiceBridge, callback.RouteVoiceScreen, callback.RouteVoiceGate, callback.RouteVoiceDial, callback.RouteVoiceStatus,
		callback.RouteVoiceAMD, callback.RouteReminder, callback.RouteReminderGate, callback.RouteReminderStatus} {
		check("POST", route, e.PostHook(route, "", url.Values{"CallSid": {"CA" + strings.Repeat("0", 32)}}, false), 403)
	}
	// A test instance's sink.
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/v1/dev/sink", nil)
	req.Header.Set("Authorization", "Bearer "+e.Tokens[auth.RoleStaff])
	sinkServer(t, e).Handler().ServeHTTP(w, req)
	check("GET", "/v1/dev/sink", gatewaytest.Resp{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}, 200)

	// The audit log.
	call(auth.RoleSupervisor, "GET", "/v1/audit?limit=5", nil, 200)
	call(auth.RoleSupervisor, "GET", "/v1/audit/export?format=jsonl&participant="+code, nil, 200)
	call(auth.RoleSupervisor, "GET", "/v1/audit/verify", nil, 200)
	call(auth.RoleSupervisor, "GET", "/v1/audit/verify?checkpoint_seq=x", nil, 400)
	call(auth.RoleSupervisor, "GET", base+"/contact-log", nil, 200)

	// Referrals: a partner, a draft and its package; a package from the
	// partner imported, decided, its receipt; the inbox's one refusal.
	partner := keys.NewTestOrg("Partner")
	card, err := partner.Card("", e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	pid := call(auth.RoleAdmin, "POST", "/v1/partners", string(card), 201).JSON(t)["id"].(float64)
	pbase := fmt.Sprintf("/v1/partners/%d", int(pid))
	call(auth.RoleAdmin, "POST", pbase+"/verify", map[string]any{"fingerprint": partner.Public().Fingerprint()}, 200)
	call(auth.RoleAdmin, "GET", "/v1/partners", nil, 200)
	draft := example(t, doc, "POST /v1/referrals", "referral")
	draft["partner"] = int(pid)
	sent := call(auth.RoleStaff, "POST", "/v1/referrals", draft, 201).JSON(t)["referral"].(map[string]any)["id"].(float64)
	sbase := fmt.Sprintf("/v1/referrals/%d", int(sent))
	call(auth.RoleStaff, "GET", sbase+"/package", nil, 200)
	call(auth.RoleStaff, "GET", sbase, nil, 200)
	call(auth.RoleStaff, "POST", sbase+"/deliver", nil, 409) // no inbox URL on the card
	call(auth.RoleStaff, "GET", "/v1/referrals?direction=sent", nil, 200)
	f, err := referral.DecodeForm(mustJSON(t, draft["form"]))
	if err != nil {
		t.Fatal(err)
	}
	pkg, _, err := referral.SealReferral(f, partner, e.Server.Config().Org.Public(), e.Clock.Now(), referral.SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	octet := []string{"Content-Type", "application/octet-stream"}
	rid := call(auth.RoleStaff, "POST", "/v1/referrals/import", string(pkg), 201, octet...).JSON(t)["referral"].(map[string]any)["id"].(float64)
	rbase := fmt.Sprintf("/v1/referrals/%d", int(rid))
	call(auth.RoleStaff, "POST", rbase+"/decision", example(t, doc, "POST /v1/referrals/{id}/decision", "redirect"), 200)
	call(auth.RoleStaff, "GET", rbase+"/receipt", nil, 200)
	call("", "POST", "/v1/referrals/inbox", string(pkg), 422, octet...)
	call(auth.RoleAdmin, "DELETE", pbase, nil, 200)

	// Every field the document marks required is refused when missing.
	for _, c := range []struct {
		role       auth.Role
		op, target string
		body       map[string]any
	}{
		{auth.RoleStaff, "POST /v1/participants", "/v1/participants", example(t, doc, "POST /v1/participants", "sms_only")},
		{auth.RoleStaff, "POST /v1/participants/{code}/consents", base + "/consents", example(t, doc, "POST /v1/participants/{code}/consents", "sms")},
		{auth.RoleStaff, "POST /v1/messages/preview", "/v1/messages/preview", msg},
		{auth.RoleStaff, "POST /v1/meeting-points", "/v1/meeting-points", example(t, doc, "POST /v1/meeting-points", "metro")},
		{auth.RoleStaff, "POST /v1/appointments", "/v1/appointments", appt},
		{auth.RoleStaff, "POST /v1/participants/{code}/checkin-plan", base + "/checkin-plan", example(t, doc, "POST /v1/participants/{code}/checkin-plan", "twice_a_week")},
		{auth.RoleStaff, "POST /v1/participants/{code}/reveal-phone", base + "/reveal-phone", example(t, doc, "POST /v1/participants/{code}/reveal-phone", "call")},
		{auth.RoleStaff, "PUT /v1/me/phone", "/v1/me/phone", example(t, doc, "PUT /v1/me/phone", "work_phone")},
		{auth.RoleStaff, "POST /v1/callbacks/{id}/complete", "/v1/callbacks/999999/complete", example(t, doc, "POST /v1/callbacks/{id}/complete", "reached")},
		{auth.RoleStaff, "POST /v1/escalations/{id}/resolve", "/v1/escalations/00000000-0000-0000-0000-000000000000/resolve", example(t, doc, "POST /v1/escalations/{id}/resolve", "safe")},
		{auth.RoleAdmin, "POST /v1/users", "/v1/users", map[string]any{"name": "bea", "role": "staff"}},
		{auth.RoleStaff, "POST /v1/referrals", "/v1/referrals", draft},
		{auth.RoleStaff, "POST /v1/referrals/{id}/decision", rbase + "/decision", example(t, doc, "POST /v1/referrals/{id}/decision", "accept")},
		{auth.RoleAdmin, "POST /v1/partners/{id}/verify", pbase + "/verify", map[string]any{"fingerprint": partner.Public().Fingerprint()}},
	} {
		refusedWithout(t, e, doc, check, c.role, c.op, c.target, c.body)
	}

	// The one error shape, at each status a client meets first.
	call("", "GET", "/v1/participants", nil, 401)
	call(auth.RoleStaff, "GET", "/v1/audit", nil, 403)
	call(auth.RoleStaff, "GET", "/v1/participants/P-00000", nil, 404)
	call(auth.RoleStaff, "GET", "/v1/participants?limit=0", nil, 400)
	bad := example(t, doc, "POST /v1/participants", "sms_only")
	bad["surname"] = "R"
	call(auth.RoleStaff, "POST", "/v1/participants", bad, 422)
	call(auth.RoleStaff, "POST", "/v1/participants", p, 409)

	var notReached []string
	for op := range documented(doc) {
		if !reached[op] {
			notReached = append(notReached, op)
		}
	}
	sort.Strings(notReached)
	if len(notReached) > 0 {
		t.Errorf("operations no request here reaches (add one): %s", strings.Join(notReached, ", "))
	}
}

// validateAnswer checks one answer against its documented operation.
func validateAnswer(t *testing.T, doc *openapi3.T, method, target string, r gatewaytest.Resp) string {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	tmpl := templateOf(doc, req.URL.Path)
	item := doc.Paths.Value(tmpl)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("%s %s: no documented operation", method, target)
	}
	route := &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: item.GetOperation(method)}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 r.Status,
		Header:                 r.Header,
		Body:                   io.NopCloser(bytes.NewReader(r.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: the %d answer does not match the document: %v\n%s", method, target, r.Status, err, truncate(r.Body))
	}
	return tmpl
}

// templateOf is the documented path that matches path, the one with the
// fewest parameters winning like gin's static-before-parameter rule
// ("/v1/messages/preview" over "/v1/messages/{id}").
func templateOf(doc *openapi3.T, path string) string {
	best, bestParams := "", -1
	segs := strings.Split(path, "/")
	for tmpl := range doc.Paths.Map() {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		n, ok := 0, true
		for i, s := range ts {
			if strings.HasPrefix(s, "{") {
				n++
			} else if s != segs[i] {
				ok = false
			}
		}
		if ok && (bestParams < 0 || n < bestParams) {
			best, bestParams = tmpl, n
		}
	}
	return best
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// TestOpenAPIQueueAnswers checks the success answers TestOpenAPIResponses
// reaches only as errors: a call-back claimed, released, connected and
// completed, the Twilio call webhooks on the way, and an escalation read,
// acknowledged and resolved (the fixtures of the voice and check-in tests).
func TestOpenAPIQueueAnswers(t *testing.T) {
	t.Parallel()
	t.Run("callbacks", func(t *testing.T) {
		t.Parallel()
		p := gatewaytest.NewVoicePipeline(t, nil)
		doc := loadOpenAPI(t, p.Env)
		call := func(method, target string, body any, want int) gatewaytest.Resp {
			t.Helper()
			r := p.Do(auth.RoleStaff, method, target, body)
			if r.Status != want {
				t.Fatalf("%s %s: %d, want %d: %s", method, target, r.Status, want, r.Body)
			}
			validateAnswer(t, doc, method, target, r)
			return r
		}
		hook := func(target string, form url.Values, want int) {
			t.Helper()
			req := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", twiliotest.Sign(p.Fake.AuthToken(), p.HTTP.URL+target, form))
			w := httptest.NewRecorder()
			p.Server.Handler().ServeHTTP(w, req)
			r := gatewaytest.Resp{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
			if r.Status != want {
				t.Fatalf("POST %s: %d, want %d: %s", target, r.Status, want, r.Body)
			}
			validateAnswer(t, doc, "POST", target, r)
		}
		call("PUT", "/v1/me/phone", map[string]any{"phone": gatewaytest.StaffPhone}, 200)
		code := p.VoiceParticipant("+34 612 100 001", false, false)
		_, task := p.QueueVoice(code, true)
		id := gatewaytest.TaskID(task)
		call("GET", "/v1/callbacks", nil, 200)
		call("POST", fmt.Sprintf("/v1/callbacks/%d/claim", id), nil, 200)
		call("POST", fmt.Sprintf("/v1/callbacks/%d/release", id), nil, 200)
		call("POST", fmt.Sprintf("/v1/callbacks/%d/claim", id), nil, 200)
		sid := call("POST", fmt.Sprintf("/v1/callbacks/%d/connect", id), nil, 202).JSON(t)["call"].(map[string]any)["sid"].(string)
		leg := url.Values{"CallSid": {sid}, "AccountSid": {p.Fake.AccountSID()}, "From": {gatewaytest.OrgVoiceNumber}, "To": {gatewaytest.StaffE164}}
		answered := maps.Clone(leg)
		answered["CallStatus"] = []string{"in-progress"}
		hook(fmt.Sprintf("/webhooks/twilio/voice/bridge?task=%d", id), answered, 200)
		done := maps.Clone(leg)
		done["CallStatus"], done["CallDuration"] = []string{"completed"}, []string{"30"}
		hook(fmt.Sprintf("/webhooks/twilio/voice/status?task=%d", id), done, 204)
		call("POST", fmt.Sprintf("/v1/callbacks/%d/complete", id), example(t, doc, "POST /v1/callbacks/{id}/complete", "reached"), 200)
	})
	t.Run("escalations", func(t *testing.T) {
		t.Parallel()
		r := helpEscalation(t)
		doc := loadOpenAPI(t, r.Env)
		es := r.Do(auth.RoleStaff, "GET", "/v1/escalations", nil).JSON(t)["items"].([]any)
		if len(es) != 1 {
			t.Fatalf("%d escalations", len(es))
		}
		base := "/v1/escalations/" + es[0].(map[string]any)["id"].(string)
		for _, c := range []struct {
			method, target string
			body           any
		}{
			{"GET", "/v1/escalations", nil},
			{"GET", base, nil},
			{"POST", base + "/ack", example(t, doc, "POST /v1/escalations/{id}/ack", "calling")},
			{"POST", base + "/resolve", example(t, doc, "POST /v1/escalations/{id}/resolve", "safe")},
		} {
			a := r.Do(auth.RoleStaff, c.method, c.target, c.body)
			if a.Status != 200 {
				t.Fatalf("%s %s: %d %s", c.method, c.target, a.Status, a.Body)
			}
			validateAnswer(t, doc, c.method, c.target, a)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// helpEscalation is a pipeline where a participant on a check-in plan
// answered her first check-in with her help reply (through the inbound
// webhook): one escalation open.
func helpEscalation(t *testing.T) *gatewaytest.Pipeline {
	t.Helper()
	p := gatewaytest.NewPipeline(t, gatewaytest.WithConfig(gateway.Config{OnCallUser: "staff-user"}))
	p.Fake.AutoDeliver("delivered")
	// Tue 2026-06-02 10:30 UTC (12:30 Madrid).
	p.Clock.Set(time.Date(2026, 6, 2, 10, 30, 0, 0, time.UTC))
	const phone = "+34612000456"
	code := p.ConsentingParticipant(phone, false)
	r := p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/checkin-plan", map[string]any{"every": "72h", "at": "13:00",
		"channel": "sms", "grace": "2h", "ok_reply": "Vale", "help_reply": "ayuda", "duress_words": []string{"tomate"}})
	if r.Status != 200 {
		t.Fatalf("plan: %d %s", r.Status, r.Body)
	}
	// 13:00 Madrid: the check-in is due and sent.
	p.Clock.Set(time.Date(2026, 6, 2, 11, 0, 30, 0, time.UTC))
	if _, err := p.Server.NewScheduler().Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(p.Fake.Requests()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the check-in was not sent")
		}
		time.Sleep(20 * time.Millisecond)
	}
	form := url.Values{"MessageSid": {gatewaytest.NextMessageSid()}, "AccountSid": {p.Fake.AccountSID()}, "From": {phone},
		"To": {"+15005550006"}, "Body": {"ayuda"}, "NumMedia": {"0"}}
	req := httptest.NewRequest("POST", callback.RouteInbound, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(p.Fake.AuthToken(), p.HTTP.URL+callback.RouteInbound, form))
	if a := p.Serve(req); a.Status != 200 {
		t.Fatalf("inbound webhook: %d %s", a.Status, a.Body)
	}
	return p
}
