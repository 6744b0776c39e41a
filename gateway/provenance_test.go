package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"safecontact/db/dbtest"
	"safecontact/gateway"
	"safecontact/gateway/auth"
)

// A templated message records exactly which template text it was rendered
// from: the SHA-256 of the template file (template_digest) and whether the
// file was built in or the deployment's (template_source). The accept
// answer, GET message, the row, the message.accepted audit event (inside
// the hash chain: an edited digest breaks verification), her contact log
// and the console timeline all carry them; a deployment's override of the
// same template changes both. Free text has neither.
func TestTemplateProvenance(t *testing.T) {
	t.Parallel()
	builtin, err := os.ReadFile(filepath.Join("..", "templates", "builtin", "how_are_you.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	const builtinText, overrideText = "¿cómo estás?", "¿qué tal estás?"
	override := strings.Replace(strings.Replace(string(builtin), "version: 2\n", "version: 3\n", 1),
		"Hola, "+builtinText+" Escríbeme", "Hola, "+overrideText+" Escríbeme", 1)
	if !strings.Contains(override, "version: 3") || !strings.Contains(override, overrideText) {
		t.Fatal("the built-in how_are_you changed: update the override")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "how_are_you.tmpl"), []byte(override), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	for _, tc := range []struct {
		name, dir, digest, source, text string
		version                         float64
	}{
		{"built-in", "", sum(builtin), "builtin", builtinText, 2},
		{"deployment override", dir, sum([]byte(override)), "deployment", overrideText, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, svc := withConsoleConfig(t, gateway.Config{Discreet: gateway.DiscreetConfig{TemplatesDir: tc.dir}})
			code := e.MonitoredParticipant("+34 612 345 678")
			r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "template": "how_are_you", "channel": "sms"})
			if r.Status != http.StatusAccepted {
				t.Fatalf("accept: %d %s", r.Status, r.Body)
			}
			acc := r.JSON(t)
			id := acc["id"].(string)
			if acc["template_digest"] != tc.digest || acc["template_source"] != tc.source || acc["template_version"] != tc.version {
				t.Errorf("accept answer: %s", r.Body)
			}
			g := e.Do(auth.RoleStaff, "GET", "/v1/messages/"+id, nil)
			if m := g.JSON(t); g.Status != 200 || m["template_digest"] != tc.digest || m["template_source"] != tc.source {
				t.Errorf("GET message: %d %s", g.Status, g.Body)
			}
			var digest, source string
			if err := e.DB.QueryRow(`SELECT template_digest, template_source FROM messages WHERE id = $1`, id).Scan(&digest, &source); err != nil || digest != tc.digest || source != tc.source {
				t.Errorf("row: %q %q %v", digest, source, err)
			}

			// The audit event: digest and source, never the text.
			var details string
			if err := e.DB.QueryRow(`SELECT details::text FROM audit_events WHERE action = 'message.accepted' AND details->>'message_id' = $1`, id).Scan(&details); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(details, `"template_digest": "`+tc.digest+`"`) || !strings.Contains(details, `"template_source": "`+tc.source+`"`) {
				t.Errorf("message.accepted details: %s", details)
			}
			if strings.Contains(details, tc.text) || strings.Contains(details, "Escríbeme") {
				t.Errorf("message.accepted details carry the text: %s", details)
			}

			// Her contact log.
			cl := e.Do(auth.RoleSupervisor, "GET", "/v1/participants/"+code+"/contact-log", nil)
			found := false
			for _, it := range cl.JSON(t)["items"].([]any) {
				it := it.(map[string]any)
				if it["action"] != "message.accepted" {
					continue
				}
				found = true
				if it["template_digest"] != tc.digest || it["template_source"] != tc.source ||
					!strings.Contains(it["summary"].(string), tc.source+" text "+tc.digest[:12]) {
					t.Errorf("contact log entry: %v", it)
				}
			}
			if !found {
				t.Errorf("no message.accepted in the contact log: %s", cl.Body)
			}

			// The console timeline: the version and 12 hex digits beside
			// the template id, the whole digest on hover.
			page := signInAs(t, e, svc, auth.RoleStaff).get("/participants/" + code + "/messages")
			wantWords := "built-in text " + tc.digest[:12]
			if tc.source == "deployment" {
				wantWords = "this programme's own text " + tc.digest[:12]
			}
			if page.Status != http.StatusOK || !strings.Contains(page.Body, fmt.Sprintf("how_are_you v%d", int(tc.version))) ||
				!strings.Contains(page.Body, `title="`+tc.digest+`"`) || !strings.Contains(html.UnescapeString(page.Body), wantWords) {
				t.Errorf("console timeline: %d, want %q\n%s", page.Status, wantWords, page.Body)
			}

			// Free text: neither, anywhere.
			r = e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "body": "Hola, ¿nos vemos pronto?", "channel": "sms"})
			if r.Status != http.StatusAccepted {
				t.Fatalf("free text: %d %s", r.Status, r.Body)
			}
			free := r.JSON(t)["id"].(string)
			if m := e.Do(auth.RoleStaff, "GET", "/v1/messages/"+free, nil).JSON(t); m["template_digest"] != nil || m["template_source"] != nil {
				t.Errorf("free text GET: %v", m)
			}
			if _, d, _ := e.LastAudit("message.accepted"); d["message_id"] != free || d["template_digest"] != nil || d["template_source"] != nil {
				t.Errorf("free text audit details: %v", d)
			}

			// Sealed into the chain: a superuser who edits the recorded
			// digest (to pass off another text as the one sent) is caught.
			e.Seal()
			var seq int64
			if err := e.DB.QueryRow(`SELECT seq FROM audit_events WHERE action = 'message.accepted' AND details->>'message_id' = $1`, id).Scan(&seq); err != nil {
				t.Fatal(err)
			}
			if v := e.Do(auth.RoleSupervisor, "GET", "/v1/audit/verify", nil); v.Status != 200 {
				t.Fatalf("verify: %d %s", v.Status, v.Body)
			}
			dbtest.Tamper(t, e.DB, fmt.Sprintf(`UPDATE audit_events SET details = details || '{"template_digest": "%s"}' WHERE seq = %d`, strings.Repeat("0", 64), seq))
			v := e.Do(auth.RoleSupervisor, "GET", "/v1/audit/verify", nil)
			if v.Status != http.StatusConflict || v.ErrCode(t) != "audit_chain_broken" || v.JSON(t)["first_bad_seq"] != float64(seq) {
				t.Errorf("verify after an edited digest: %d %s", v.Status, v.Body)
			}
		})
	}
}
