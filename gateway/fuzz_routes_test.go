package gateway_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"safecontact/gateway/auth"
	"strings"
	"testing"

	"safecontact/gateway"
	"safecontact/gateway/gatewaytest"
	"safecontact/keys"
)

// FuzzWriteRoutes feeds random bytes as the JSON body of every write
// route under /v1, through the real router, as an admin (who passes every
// role check, so the body reaches the handler). It asserts: no 5xx; every
// error in the standard shape {"error": {"code", "message"[, "field"]}};
// no part of the input echoed back in an error.
//
// `go test` runs the seeds (CI); `go test -run XXX -fuzz FuzzWriteRoutes
// ./gateway` explores. The environment (database, NATS) is made once.
func FuzzWriteRoutes(f *testing.F) {
	seeds := []string{
		`{}`, `[]`, `null`, `{"reason":"she asked us\u0000"}`, `{"name":"a\u202eb","role":"staff"}`,
		`{"evidence":"612 345 678","channel":"sms","notice_language":"es"}`, `{"venue":"Calle Mayor 5"}`,
		`{"phone":"+34 612 345 678","initials":"MR","language":"es","time_zone":"Europe/Madrid"}`,
		`{"outcome":"safe","note":"\u0000"}`, `{"starts_at":"2026-13-40"}`, `{"every":["mon"],"at":"25:00"}`,
		`{"caseworker":"x\u0000"}`, `{"participant":"P-00000","body":"\u0000","channel":"sms"}`,
		`{"params":{"\u0000":"x"}}`, `{"expires":"99999999d"}`, "\xff\xfe", `{"a":1}{"b":2}`, strings.Repeat("[", 10000),
	}
	// One environment for every input, made before the target runs (the
	// target may not use f); it lives as long as the fuzz test.
	// With an organisation identity, so the referral routes (the inbox and
	// the import read packages) answer rather than refuse as unconfigured.
	e := gatewaytest.New(f, gatewaytest.WithConfig(gateway.Config{Org: keys.NewTestOrg("Here")}))
	code := e.CreateParticipant(gatewaytest.Maria())
	var routes []string
	for _, rt := range e.Server.Router().Routes() {
		if rt.Method != "GET" && strings.HasPrefix(rt.Path, "/v1/") {
			p := strings.NewReplacer(":code", code, ":channel", "sms", ":id", "1", ":name", "nobody").Replace(rt.Path)
			routes = append(routes, rt.Method+" "+p)
		}
	}
	// Every seed on every route.
	for r := range routes {
		for _, s := range seeds {
			f.Add(uint8(r), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		method, path, _ := strings.Cut(routes[int(route)%len(routes)], " ")
		if path == "/v1/me/rotate-token" || strings.HasSuffix(path, "/rotate-token") {
			return // would change the admin's own token (or fail on "nobody")
		}
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.Tokens[auth.RoleAdmin])
		w := httptest.NewRecorder()
		e.Server.Handler().ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != 503 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body)
		}
		if w.Code == 503 && !strings.Contains(path, "/connect") {
			t.Fatalf("%s %s %q: 503 %s", method, path, body, w.Body)
		}
		if w.Code < 400 {
			return
		}
		var eb struct {
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Field   string `json:"field"`
			} `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil || eb.Error == nil || eb.Error.Code == "" || eb.Error.Message == "" {
			t.Fatalf("%s %s %q: %d not in the standard shape: %s", method, path, body, w.Code, w.Body)
		}
		// No input echoed: no run of 6 bytes of the body appears in the
		// error, except the route's own field names and words of ours.
		msg := eb.Error.Message + " " + eb.Error.Field
		for _, tok := range strings.FieldsFunc(string(body), func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) {
			if len(tok) >= 6 && strings.Contains(msg, tok) && !ourWord(tok) {
				t.Fatalf("%s %s: error echoes %q: %s", method, path, tok, w.Body)
			}
		}
	})
}

// ourWord: a word that our own messages use (field names, codes, the
// words of our sentences), so finding it in a message is not an echo.
func ourWord(tok string) bool {
	return strings.Contains(ourVocabulary, strings.ToLower(tok))
}

// ourVocabulary is every field name the write routes take and the words
// their messages use.
var ourVocabulary = strings.ToLower(`participant initials language time_zone phone whatsapp monitored safe_windows any_time
channel_preference caseworker region channel evidence notice_language expires_at allow_voicemail accept_whatsapp_risk
reason template params body priority starts_at meeting_point kind venue reminders every ok_reply help_reply duress_words
outcome note name role expires grace required characters between request should string number object cannot
allowed fields contains control formatting direction invalid plain text unknown participant appointment escalation
individual group staff supervisor admin metro landmark office reached no_answer unsafe_to_talk wrong_person
callback_done emergency_services false_alarm unreachable other before after future minutes hours whole duration
weekdays between format expected`)
