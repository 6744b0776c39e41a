package gateway_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// A staff member's signature name is a known name in her own free text
// to a monitored phone under the plain policy: her greeting is refused
// without it and sent with it, in a body and in a template's text
// parameter, outside confirm_names' limit; another user's does not
// help; a name the filter flags is refused without being echoed;
// clearing it refuses the text again; the name is never in the audit
// log's details nor in the logs.
func TestSignatureNameUnderPlain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	note := "id: free_note\nversion: 1\nchannels: sms\nparam note: text\n\n[en standard]\nFrom the team: {note}\n\n[en discreet]\nHi! {note}\n\n[es standard]\nTe escribe el equipo: {note}\n\n[es discreet]\n¡Hola! {note}\n"
	if err := os.WriteFile(filepath.Join(dir, "note.tmpl"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := plainPolicy()
	cfg.Discreet.TemplatesDir = dir
	e := gatewaytest.New(t, gatewaytest.WithConfig(cfg))
	code := e.MonitoredParticipant("+34 612 004 121")
	const greeting = "Hola, soy Marta. Nos vemos a las 10"
	send := func(role auth.Role, path string, confirm ...string) gatewaytest.Resp {
		t.Helper()
		m := map[string]any{"participant": code, "channel": "sms", "body": greeting}
		if len(confirm) > 0 {
			m["confirm_names"] = confirm
		}
		return e.Do(role, "POST", path, m)
	}
	param := func(role auth.Role) gatewaytest.Resp {
		t.Helper()
		return e.Do(role, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "free_note",
			"params": map[string]string{"note": "Soy Marta, ¿tomamos un café el sábado?"}})
	}
	refused := func(what string, r gatewaytest.Resp) {
		t.Helper()
		if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
			t.Fatalf("%s: %d %s, want content_not_discreet", what, r.Status, r.Body)
		}
	}
	setName := func(role auth.Role, v any) gatewaytest.Resp {
		t.Helper()
		return e.Do(role, "PUT", "/v1/me/signature-name", map[string]any{"signature_name": v})
	}
	nameOf := func(role auth.Role) any {
		t.Helper()
		r := e.Do(role, "GET", "/v1/me/signature-name", nil)
		if r.Status != 200 {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
		v, ok := r.JSON(t)["signature_name"]
		if !ok {
			t.Fatalf("get: no signature_name: %s", r.Body)
		}
		return v
	}

	// Without a signature name: refused; with confirm_names: sent (the
	// greeting itself is plain).
	if v := nameOf(auth.RoleStaff); v != nil {
		t.Fatalf("a new user has signature name %v", v)
	}
	refused("no signature name, preview", send(auth.RoleStaff, "/v1/messages/preview"))
	refused("no signature name, send", send(auth.RoleStaff, "/v1/messages"))
	refused("no signature name, parameter", param(auth.RoleStaff))
	if r := send(auth.RoleStaff, "/v1/messages/preview", "Marta"); r.Status != 200 {
		t.Fatalf("confirmed: %d %s", r.Status, r.Body)
	}

	// Another user's signature name does not help.
	if r := setName(auth.RoleSupervisor, "Marta"); r.Status != 200 || r.JSON(t)["signature_name"] != "Marta" {
		t.Fatalf("supervisor sets hers: %d %s", r.Status, r.Body)
	}
	refused("another user's signature name", send(auth.RoleStaff, "/v1/messages"))
	if r := setName(auth.RoleSupervisor, nil); r.Status != 200 || r.JSON(t)["signature_name"] != nil {
		t.Fatalf("supervisor clears hers: %d %s", r.Status, r.Body)
	}

	// Names the filter flags on its own, and names of the wrong shape,
	// are refused with invalid_param on signature_name, never echoed,
	// and change nothing.
	for _, bad := range []string{"Police", "Caritas", "Calle Mayor", "marta", "Marta López García", strings.Repeat("Ab", 21)} {
		r := setName(auth.RoleStaff, bad)
		errObj, _ := r.JSON(t)["error"].(map[string]any)
		if r.Status != 422 || r.ErrCode(t) != "invalid_param" || errObj["field"] != "signature_name" {
			t.Fatalf("%q: %d %s", bad, r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), bad) {
			t.Fatalf("%q is echoed: %s", bad, r.Body)
		}
	}
	if v := nameOf(auth.RoleStaff); v != nil {
		t.Fatalf("a refused name was stored: %v", v)
	}

	// Hers: the greeting goes out as written, at preview and accept, and
	// in a text parameter.
	if r := setName(auth.RoleStaff, " Marta "); r.Status != 200 || r.JSON(t)["signature_name"] != "Marta" {
		t.Fatalf("set: %d %s", r.Status, r.Body)
	}
	if v := nameOf(auth.RoleStaff); v != "Marta" {
		t.Fatalf("get: %v", v)
	}
	if r := send(auth.RoleStaff, "/v1/messages/preview"); r.Status != 200 || r.JSON(t)["text"] != greeting {
		t.Fatalf("preview with her signature name: %d %s", r.Status, r.Body)
	}
	if r := send(auth.RoleStaff, "/v1/messages"); r.Status != 202 || len(redactionsOf(t, r.JSON(t))) != 0 {
		t.Fatalf("send with her signature name: %d %s", r.Status, r.Body)
	}
	if r := param(auth.RoleStaff); r.Status != 200 || !strings.Contains(r.JSON(t)["text"].(string), "Soy Marta") {
		t.Fatalf("parameter with her signature name: %d %s", r.Status, r.Body)
	}
	// Outside confirm_names' limit: twenty confirmed names and hers.
	twenty := []string{"Ana", "Bea", "Carla", "Diana", "Elena", "Eva", "Gema", "Irene", "Julia", "Laura",
		"Lidia", "Luisa", "Nuria", "Olga", "Paula", "Sara", "Silvia", "Teresa", "Vera", "Inés"}
	if r := send(auth.RoleStaff, "/v1/messages/preview", twenty...); r.Status != 200 {
		t.Fatalf("twenty confirmed names and her signature name: %d %s", r.Status, r.Body)
	}
	// It is hers only: the supervisor's own greeting is still refused.
	refused("her signature name in another's message", send(auth.RoleSupervisor, "/v1/messages/preview"))
	// A signature name does not make another finding pass.
	r := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms",
		"body": "Hola, soy Marta. Mañana vamos a ver a la abogada"})
	refused("a sensitive word beside her name", r)

	// Cleared (an empty string, as null): refused again.
	if r := setName(auth.RoleStaff, ""); r.Status != 200 || r.JSON(t)["signature_name"] != nil {
		t.Fatalf("clear: %d %s", r.Status, r.Body)
	}
	if v := nameOf(auth.RoleStaff); v != nil {
		t.Fatalf("cleared, still %v", v)
	}
	refused("cleared", send(auth.RoleStaff, "/v1/messages"))

	// Audited without the name; the name is in no audit details and no log.
	_, d, actor := e.LastAudit("user.signature_name_set")
	if actor != "staff-user" || d["user"] != "staff-user" || d["cleared"] != true {
		t.Fatalf("audit: %s %v", actor, d)
	}
	var n, leaked int
	if err := e.DB.QueryRow(`SELECT count(*) FILTER (WHERE action = 'user.signature_name_set'),
		count(*) FILTER (WHERE details::text LIKE '%Marta%' OR details::text LIKE '%Police%' OR details::text LIKE '%Caritas%')
		FROM audit_events`).Scan(&n, &leaked); err != nil {
		t.Fatal(err)
	}
	if n != 4 || leaked != 0 {
		t.Fatalf("%d signature name events (want 4), %d with a name in their details", n, leaked)
	}
	for _, w := range []string{"Marta", "Police", "Caritas"} {
		if strings.Contains(e.Logs.String(), w) {
			t.Fatalf("%s is in the logs", w)
		}
	}
}

// The column holds 1 to 40 characters, whatever writes it (the API holds
// a name to 40 bytes).
func TestSignatureNameColumnCheck(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	for _, v := range []string{"", strings.Repeat("a", 41)} {
		if _, err := e.DB.Exec(`UPDATE users SET signature_name = $1 WHERE name = 'staff-user'`, v); err == nil {
			t.Fatalf("%d characters stored", len(v))
		}
	}
}

// The compose page of a monitored phone under plain shows the reader's
// own signature name with a form to change it: a name the filter flags
// is refused in words, without being shown again; a good one is saved
// (the API reads it back) and her greeting with it then previews as typed.
func TestConsoleSignatureName(t *testing.T) {
	t.Parallel()
	e, svc := withConsoleConfig(t, plainPolicy())
	code := e.MonitoredParticipant("+34 612 005 121")
	u := signInAs(t, e, svc, auth.RoleStaff)
	page := u.get("/participants/" + code + "/compose")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="signature_name"`) || !strings.Contains(page.Body, `value=""`) {
		t.Fatalf("compose page: %d %s", page.Status, page.Body)
	}
	path := "/participants/" + code + "/compose/signature-name"
	p := u.post(path, url.Values{"signature_name": {"Caritas"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="signature-refused"`) || strings.Contains(p.Body, "Caritas") {
		t.Fatalf("refused name: %d %s", p.Status, p.Body)
	}
	p = u.post(path, url.Values{"signature_name": {"Marta"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/participants/"+code+"/compose?m=signature_saved" {
		t.Fatalf("save: %d %v %s", p.Status, p.Header, p.Body)
	}
	page = u.get(p.Header.Get("Location"))
	if !strings.Contains(page.Body, `id="signature-saved"`) || !strings.Contains(page.Body, `value="Marta"`) {
		t.Fatalf("after saving: %s", page.Body)
	}
	if r := e.Do(auth.RoleStaff, "GET", "/v1/me/signature-name", nil); r.JSON(t)["signature_name"] != "Marta" {
		t.Fatalf("API: %s", r.Body)
	}
	p = u.post("/participants/"+code+"/compose/preview", url.Values{"idempotency_key": {composeForm(t, u, code)}, "kind": {"text"},
		"body": {"Hola, soy Marta. Nos vemos a las 10"}, "channel": {"sms"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="send"`) {
		t.Fatalf("preview with her signature name: %d %s", p.Status, p.Body)
	}
	// A phone that is not monitored: no signature form.
	b := gatewaytest.Maria()
	b["phone"], b["monitored"] = "+34 612 005 122", false
	other := e.CreateParticipant(b)
	if page := u.get("/participants/" + other + "/compose"); page.Status != http.StatusOK || strings.Contains(page.Body, `id="signature_name"`) {
		t.Fatalf("not monitored: %d", page.Status)
	}
}

// A signature name that is also a word is known only where the text
// writes it capitalised as stored: with "Dolores" (or a "Socorro" stored
// before such names were refused) the lower-case word is still refused
// under plain, and the name as stored still passes. A confirmed name is
// known the same way. A name that is a word asking for help is refused
// at PUT, never echoed.
func TestSignatureNameThatIsAWord(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithConfig(plainPolicy()))
	code := e.MonitoredParticipant("+34 612 004 122")
	preview := func(body string, confirm ...string) gatewaytest.Resp {
		t.Helper()
		m := map[string]any{"participant": code, "channel": "sms", "body": body}
		if len(confirm) > 0 {
			m["confirm_names"] = confirm
		}
		return e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", m)
	}
	refused := func(what string, r gatewaytest.Resp) {
		t.Helper()
		if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
			t.Fatalf("%s: %d %s, want content_not_discreet", what, r.Status, r.Body)
		}
	}
	for _, bad := range []string{"Socorro", "Amparo", "Libertad", "Ajutor", "Liberté"} {
		r := e.Do(auth.RoleStaff, "PUT", "/v1/me/signature-name", map[string]any{"signature_name": bad})
		errObj, _ := r.JSON(t)["error"].(map[string]any)
		if r.Status != 422 || r.ErrCode(t) != "invalid_param" || errObj["field"] != "signature_name" || strings.Contains(string(r.Body), bad) {
			t.Fatalf("%q: %d %s", bad, r.Status, r.Body)
		}
	}

	if r := e.Do(auth.RoleStaff, "PUT", "/v1/me/signature-name", map[string]any{"signature_name": "Dolores"}); r.Status != 200 {
		t.Fatalf("Dolores: %d %s", r.Status, r.Body)
	}
	if r := preview("Hola, nos vemos mañana. Un abrazo, Dolores"); r.Status != 200 {
		t.Fatalf("her name as stored: %d %s", r.Status, r.Body)
	}
	refused("the word in lower case", preview("Hola, dolores dolores. Un abrazo, Dolores"))

	// Stored before the check refused it.
	if _, err := e.DB.Exec(`UPDATE users SET signature_name = 'Socorro' WHERE name = 'staff-user'`); err != nil {
		t.Fatal(err)
	}
	const help = "Hola, socorro socorro. Un abrazo, Socorro"
	refused("socorro under a stored Socorro", preview(help))
	refused("SOCORRO under a stored Socorro", preview("Hola, SOCORRO. Un abrazo, Socorro"))
	if r := preview("Hola, nos vemos mañana. Un abrazo, Socorro"); r.Status != 200 {
		t.Fatalf("Socorro as stored: %d %s", r.Status, r.Body)
	}

	// A confirmed name likewise.
	if _, err := e.DB.Exec(`UPDATE users SET signature_name = NULL WHERE name = 'staff-user'`); err != nil {
		t.Fatal(err)
	}
	refused("socorro with Socorro confirmed", preview(help, "Socorro"))
	if r := preview("Hola, nos vemos mañana. Un abrazo, Socorro", "Socorro"); r.Status != 200 {
		t.Fatalf("Socorro confirmed: %d %s", r.Status, r.Body)
	}
}
