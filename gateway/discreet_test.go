package gateway_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"safecontact/gateway/auth"
	"strings"
	"testing"

	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/gateway"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
	"safecontact/templates"
)

// filterPolicy is the configuration of a programme that opted in to
// filtered free text for a monitored phone.
func filterPolicy() gateway.Config {
	return gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextFilter}}
}

func redactionsOf(t *testing.T, m map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	rs, _ := m["redactions"].([]any)
	for _, x := range rs {
		r := x.(map[string]any)
		out[r["match"].(string)] = r["category"].(string)
		if r["start"] == nil || r["end"] == nil {
			t.Fatalf("redaction without span: %v", r)
		}
	}
	return out
}

// The preview shows what is removed from free text to a monitored phone,
// with categories and spans; unknown names can be confirmed.
func TestPreviewFreeTextRedactions(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithConfig(filterPolicy()))
	code := e.MonitoredParticipant("+34 612 004 001")
	body := "Hola guapa, el jueves a las 10 te acompaño a la UCRIF por la declaración. Quedamos en el SAPS con Lucía."
	r := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "body": body})
	if r.Status != 200 {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	red := redactionsOf(t, m)
	if red["la UCRIF"] == "" || red["declaración"] != "legal" || red["el SAPS"] != "unknown_name" || red["Lucía"] != "unknown_name" {
		t.Fatalf("redactions %v", red)
	}
	text := m["text"].(string)
	if strings.Contains(text, "UCRIF") || strings.Contains(text, "declara") || !strings.Contains(text, "jueves a las 10") {
		t.Fatalf("text %q", text)
	}
	// Staff confirm a name: it stays.
	r = e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "body": body, "confirm_names": []string{"Lucía"}})
	if red := redactionsOf(t, r.JSON(t)); red["Lucía"] != "" {
		t.Fatalf("confirmed name removed: %v", red)
	}
	// A registered meeting point is a known name.
	if r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Metro Sol", "kind": "metro"}); r.Status != 201 {
		t.Fatalf("meeting point: %d %s", r.Status, r.Body)
	}
	r = e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "body": "Hola, el lunes a las 11 en Metro Sol, ¿vale?"})
	if m := r.JSON(t); len(redactionsOf(t, m)) != 0 || !strings.Contains(m["text"].(string), "Metro Sol") {
		t.Fatalf("meeting point flagged: %s", r.Body)
	}
}

// Mostly sensitive free text is refused, and the refusal says what would
// have been removed.
func TestFreeTextMostlySensitiveRefusal(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithConfig(filterPolicy()))
	code := e.MonitoredParticipant("+34 612 004 002")
	r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Cita con la psicóloga y la abogada en el juzgado"})
	if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	d := r.JSON(t)["error"].(map[string]any)["details"].(map[string]any)
	if d["reason"] != "mostly_sensitive" || len(d["categories"].([]any)) < 2 || len(redactionsOf(t, d)) < 3 {
		t.Fatalf("details %v", d)
	}
	if strings.Contains(e.Logs.String(), "psicóloga") {
		t.Fatal("the body is in the logs")
	}
}

// Format controls, mixed scripts and masked letters are refused with their reason, for
// free text and for a meeting point.
func TestFreeTextObfuscationRefused(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithConfig(filterPolicy()))
	code := e.MonitoredParticipant("+34 612 004 003")
	for body, reason := range map[string]string{
		"Hola, mañana vamos a la \u202eaícilop\u202c a las 10": "format_control",
		"Hola, mañana vamos a la pоlicía a las 10":             "mixed_script",
		"Hola, mañana vamos a la pol*cía a las 10":             "masked_word",
	} {
		r := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "body": body})
		if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
			t.Fatalf("%q: %d %s", body, r.Status, r.Body)
		}
		if d := r.JSON(t)["error"].(map[string]any)["details"].(map[string]any); d["reason"] != reason {
			t.Fatalf("%q: details %v", body, d)
		}
	}
	// A meeting point's name is a staff free-text field: the one text
	// check refuses a direction control before the filter sees it.
	r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Metro \u202eloS\u202c", "kind": "metro"})
	if r.Status != 422 || r.ErrCode(t) != "invalid_text" {
		t.Fatalf("meeting point: %d %s", r.Status, r.Body)
	}
	// A template parameter too.
	r = e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "appointment_reminder",
		"params": map[string]string{"when": "2026-12-01T09:00:00Z", "place": "Metro \u202eloS\u202c"}})
	if r.Status != 422 {
		t.Fatalf("template parameter: %d %s", r.Status, r.Body)
	}
}

// GATEWAY_MONITORED_FREE_TEXT=refuse: a monitored phone gets templates
// only; a phone that is not monitored still gets free text.
func TestMonitoredFreeTextRefusePolicy(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextRefuse}}))
	code := e.MonitoredParticipant("+34 612 004 004")
	r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "body": "Hola, ¿qué tal? Nos vemos el martes."})
	if r.Status != 422 || r.ErrCode(t) != "free_text_refused" {
		t.Fatalf("free text: %d %s", r.Status, r.Body)
	}
	r = e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "appointment_reminder",
		"params": map[string]string{"when": "2026-12-01T09:00:00Z", "place": "Metro Sants"}})
	if r.Status != 202 {
		t.Fatalf("template: %d %s", r.Status, r.Body)
	}
	b := gatewaytest.Maria()
	b["phone"], b["monitored"], b["any_time"], b["safe_windows"] = "+34 612 004 005", false, true, []string{}
	r = e.Do(auth.RoleStaff, "POST", "/v1/participants", b)
	other := r.JSON(t)["code"].(string)
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+other+"/consents", gatewaytest.Grant("sms"))
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": other, "channel": "sms", "body": "Hola, ¿qué tal?"}); r.Status != 202 {
		t.Fatalf("not monitored: %d %s", r.Status, r.Body)
	}
}

// With the default configuration a monitored phone gets templates only:
// free text to her is refused, and its preview says why, while a template
// message to her goes out in its discreet variant.
func TestDefaultPolicyRefusesFreeTextToMonitoredPhone(t *testing.T) {
	t.Parallel()
	if p := (gateway.DiscreetConfig{}).FreeTextPolicy(); p != gateway.FreeTextRefuse {
		t.Fatalf("default policy %q", p)
	}
	pool, url := dbtest.New(t)
	e := gatewaytest.New(t, gatewaytest.WithDatabase(pool, url), gatewaytest.AsConfigured())
	code := e.MonitoredParticipant("+34 612 004 006")
	body := "Hola, ¿qué tal? Nos vemos el martes a las 10."
	for _, path := range []string{"/v1/messages/preview", "/v1/messages"} {
		r := e.Do(auth.RoleStaff, "POST", path, map[string]any{"participant": code, "channel": "sms", "body": body})
		if r.Status != 422 || r.ErrCode(t) != "free_text_refused" {
			t.Fatalf("%s free text: %d %s", path, r.Status, r.Body)
		}
		msg, _ := r.JSON(t)["error"].(map[string]any)["message"].(string)
		if !strings.Contains(msg, "monitored") || !strings.Contains(msg, "templates only") {
			t.Fatalf("%s: the refusal does not say why: %q", path, msg)
		}
		if strings.Contains(string(r.Body), "martes") || strings.Contains(e.Logs.String(), "martes") {
			t.Fatalf("%s: the body is echoed or logged", path)
		}
	}
	tmpl := map[string]any{"participant": code, "channel": "sms", "template": "appointment_reminder",
		"params": map[string]string{"when": "2026-12-01T09:00:00Z", "place": "Metro Sants"}}
	r := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", tmpl)
	if r.Status != 200 {
		t.Fatalf("template preview: %d %s", r.Status, r.Body)
	}
	if m := r.JSON(t); m["decision"].(map[string]any)["variant"] != "discreet" || m["text"] == "" {
		t.Fatalf("template preview: %s", r.Body)
	}
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages", tmpl); r.Status != 202 {
		t.Fatalf("template: %d %s", r.Status, r.Body)
	}
}

func TestDiscreetConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{MonitoredFreeText: "sometimes"}); err == nil {
		t.Fatal("bad policy accepted")
	}
	if _, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{UnknownNames: "maybe"}); err == nil {
		t.Fatal("bad unknown-names accepted")
	}
	// Whole relies on unknown names: off with it is refused, naming both
	// settings; on, or left to the default, is accepted.
	_, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextWhole, UnknownNames: "off"})
	if err == nil || !strings.Contains(err.Error(), "GATEWAY_UNKNOWN_NAMES") || !strings.Contains(err.Error(), "whole") {
		t.Fatalf("whole with unknown names off: %v", err)
	}
	for _, un := range []string{"", "on"} {
		if _, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextWhole, UnknownNames: un}); err != nil {
			t.Fatalf("whole with unknown names %q: %v", un, err)
		}
	}
	if _, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextFilter, UnknownNames: "off"}); err != nil {
		t.Fatalf("filter with unknown names off: %v", err)
	}
}

// Under the vocabulary policy, free text to a monitored phone keeps only
// her language's everyday words and the registered meeting points: the
// preview lists the other words as not_in_vocabulary, and a text that is
// mostly such words is refused with the categories named.
func TestPreviewVocabularyPolicy(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextVocabulary}}))
	code := e.MonitoredParticipant("+34 612 004 011")
	if r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Metro Sol", "kind": "metro"}); r.Status != 201 {
		t.Fatalf("meeting point: %d %s", r.Status, r.Body)
	}
	preview := func(body string) gatewaytest.Resp {
		return e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "body": body})
	}
	plain := "Hola, el jueves a las 10:30 nos vemos en Metro Sol y tomamos un café, ¿vale?"
	r := preview(plain)
	if m := r.JSON(t); r.Status != 200 || len(redactionsOf(t, m)) != 0 || m["text"] != plain {
		t.Fatalf("plain reminder changed: %d %s", r.Status, r.Body)
	}
	r = preview("Hola, el jueves a las 10 quedamos en Metro Sol y vamos juntas al mercadillo solidario, trae el empadronamiento")
	m := r.JSON(t)
	red := redactionsOf(t, m)
	if r.Status != 200 || red["mercadillo solidario"] != "not_in_vocabulary" || red["empadronamiento"] == "" {
		t.Fatalf("redactions %d %v", r.Status, red)
	}
	if text := m["text"].(string); strings.Contains(text, "mercadillo") || !strings.Contains(text, "jueves a las 10 quedamos en Metro Sol") {
		t.Fatalf("text %q", text)
	}
	r = preview("Kalimera Zoe, ftiaxe kafe gia ti synantisi")
	if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
		t.Fatalf("mostly unknown words: %d %s", r.Status, r.Body)
	}
	d := r.JSON(t)["error"].(map[string]any)["details"].(map[string]any)
	if d["reason"] != "mostly_sensitive" || !strings.Contains(fmt.Sprint(d["categories"]), "not_in_vocabulary") {
		t.Fatalf("details %v", d)
	}
	if strings.Contains(e.Logs.String(), "mercadillo") || strings.Contains(e.Logs.String(), "Kalimera") {
		t.Fatal("the body is in the logs")
	}
}

// DiscreetCatalog loads the deployment's templates directory: an override
// and a new template are in the catalogue; a missing directory, an
// invalid template and a discreet variant with a deployment term are
// errors, never the built-in catalogue.
func TestDiscreetCatalogTemplatesDir(t *testing.T) {
	t.Parallel()
	write := func(files map[string]string) string {
		dir := t.TempDir()
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	const walk = "id: walk_invite\nversion: 1\nchannels: sms\nparam when: datetime\n\n[en standard]\nA walk on {when}?\n\n[en discreet]\nHi! A walk on {when}?\n"
	// An override keeps the built-in's parameters, channels and languages:
	// the built-in file with a higher version and its own English.
	builtin, err := os.ReadFile(filepath.Join("..", "templates", "builtin", "please_contact.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	override := strings.Replace(string(builtin), "version: 2", "version: 5", 1) + "\n[en-GB standard]\nPlease write to us.\n\n[en-GB discreet]\nHi! Write when you can.\n"
	dir := write(map[string]string{"walk.tmpl": walk, "contact.tmpl": override})
	cat, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{TemplatesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]int{}
	for _, i := range cat.List() {
		versions[i.ID] = i.Version
	}
	if versions["walk_invite"] != 1 || versions["please_contact"] != 5 || versions["appointment_reminder"] == 0 {
		t.Fatalf("catalogue %v", versions)
	}

	terms := filepath.Join(t.TempDir(), "terms.txt")
	os.WriteFile(terms, []byte("organisation: Casa Lumbre\n"), 0o600)
	leaky := write(map[string]string{"walk.tmpl": strings.Replace(walk, "Hi! A walk on {when}?", "Hi! A walk from Casa Lumbre on {when}?", 1)})
	// Without the terms file the name is still an unknown name to a
	// monitored phone (unknown names on, the default); off, it passes.
	if _, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{TemplatesDir: leaky, UnknownNames: "off"}); err != nil {
		t.Fatalf("unknown names off, without the terms file: %v", err)
	}
	textParam := "id: free_note\nversion: 1\nchannels: sms\nparam note: text\n\n[en standard]\nFrom the team: {note}\n\n[en discreet]\nHi! {note}\n"
	for name, cfg := range map[string]gateway.DiscreetConfig{
		"missing":           {TemplatesDir: filepath.Join(dir, "nope")},
		"empty":             {TemplatesDir: t.TempDir()},
		"a file":            {TemplatesDir: filepath.Join(dir, "walk.tmpl")},
		"deployment term":   {TemplatesDir: leaky, Filter: templates.FilterConfig{TermsFile: terms}, UnknownNames: "off"},
		"unknown name":      {TemplatesDir: leaky},
		"invalid":           {TemplatesDir: write(map[string]string{"contact.tmpl": strings.Replace(override, "version: 5", "version: 1", 1)})},
		"text param refuse": {TemplatesDir: write(map[string]string{"note.tmpl": textParam})},
	} {
		cat, err := gateway.DiscreetCatalog(cfg)
		if err == nil || cat != nil || !strings.Contains(err.Error(), "GATEWAY_TEMPLATES_DIR") {
			t.Errorf("%s: %v", name, err)
		}
		if want := map[string]string{"empty": "no *.tmpl file", "a file": "not a directory", "deployment term": "organisation content",
			"unknown name": "unknown_name content", "text param refuse": "text parameter note"}[name]; err != nil && want != "" && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v (want %q)", name, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "Casa Lumbre") {
			t.Errorf("%s: the error quotes the matched term: %v", name, err)
		}
	}
	// A text parameter under the filter policy is accepted (the value is
	// scanned when sent).
	if _, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{TemplatesDir: write(map[string]string{"note.tmpl": textParam}),
		MonitoredFreeText: gateway.FreeTextFilter}); err != nil {
		t.Errorf("text param, filter policy: %v", err)
	}
}

// No built-in template has a text parameter: under the refuse policy the
// built-in catalogue never carries free text to a monitored phone.
func TestBuiltinTemplatesHaveNoTextParam(t *testing.T) {
	cat, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range cat.List() {
		for _, p := range i.Params {
			if p.Type == templates.ParamText {
				t.Errorf("%s has the text parameter %s", i.ID, p.Name)
			}
		}
	}
}

// A deployment template's text parameter, in a discreet message, is free
// text to a monitored phone: under the filter policy its value is scanned
// with the options of free text (unknown names included) and refused when
// the filter finds anything; a neutral value renders.
func TestTemplateTextParamToMonitoredPhone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	note := "id: free_note\nversion: 1\nchannels: sms\nparam note: text\n\n[en standard]\nFrom the team: {note}\n\n[en discreet]\nHi! {note}\n\n[es standard]\nTe escribe el equipo: {note}\n\n[es discreet]\n¡Hola! {note}\n"
	if err := os.WriteFile(filepath.Join(dir, "note.tmpl"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filterPolicy()
	cfg.Discreet.TemplatesDir = dir
	e := gatewaytest.New(t, gatewaytest.WithConfig(cfg))
	code := e.MonitoredParticipant("+34 612 004 091")
	preview := func(v string, confirm ...string) gatewaytest.Resp {
		body := map[string]any{"participant": code, "channel": "sms", "template": "free_note", "params": map[string]string{"note": v}}
		if len(confirm) > 0 {
			body["confirm_names"] = confirm
		}
		return e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", body)
	}
	if r := preview("¿Vienes al cine el sábado?"); r.Status != 200 || !strings.Contains(r.JSON(t)["text"].(string), "cine el sábado") {
		t.Fatalf("neutral value: %d %s", r.Status, r.Body)
	}
	// An unknown name: free text would lose it, the parameter is refused
	// (the name is not echoed); confirmed, it renders.
	r := preview("¿Vienes con Lucía al cine?")
	if r.Status != 422 || !strings.Contains(string(r.Body), "content_not_discreet") || !strings.Contains(string(r.Body), "unknown_name") || strings.Contains(string(r.Body), "Lucía") {
		t.Fatalf("unknown name: %d %s", r.Status, r.Body)
	}
	if r := preview("¿Vienes con Lucía al cine?", "Lucía"); r.Status != 200 {
		t.Fatalf("confirmed name: %d %s", r.Status, r.Body)
	}
}

// plainPolicy is the configuration of a programme that sends free text to
// a monitored phone only as written, when the scan finds nothing in it.
func plainPolicy() gateway.Config {
	return gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextPlain}}
}

// outboxRows is how many messages wait in the outbox.
func outboxRows(t *testing.T, e *gatewaytest.Env) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(`SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Under the plain policy free text to a monitored phone goes out as
// written when the vocabulary policy's scan finds nothing, and is refused
// whole otherwise (not_plain, with the categories and the spans to
// rephrase): the preview says the same, nothing is queued, nothing is
// ever sent with words cut out. A phone that is not monitored is not
// concerned; a template's text parameter is held to the same rule.
func TestPlainPolicy(t *testing.T) {
	t.Parallel()
	if !(gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextPlain}).UsesVocabulary() ||
		(gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextFilter}).UsesVocabulary() {
		t.Fatal("UsesVocabulary")
	}
	dir := t.TempDir()
	note := "id: free_note\nversion: 1\nchannels: sms\nparam note: text\n\n[en standard]\nFrom the team: {note}\n\n[en discreet]\nHi! {note}\n\n[es standard]\nTe escribe el equipo: {note}\n\n[es discreet]\n¡Hola! {note}\n"
	if err := os.WriteFile(filepath.Join(dir, "note.tmpl"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := plainPolicy()
	cfg.Discreet.TemplatesDir = dir
	e := gatewaytest.New(t, gatewaytest.WithConfig(cfg))
	code := e.MonitoredParticipant("+34 612 004 021")
	e.MeetingPoint("Metro Sol")
	send := func(path, body string, confirm ...string) gatewaytest.Resp {
		m := map[string]any{"participant": code, "channel": "sms", "body": body}
		if len(confirm) > 0 {
			m["confirm_names"] = confirm
		}
		return e.Do(auth.RoleStaff, "POST", path, m)
	}

	// Nothing found: the text as written, at preview and accept.
	for _, clean := range []string{
		"Hola, el jueves a las 10:30 nos vemos en Metro Sol y tomamos un café, ¿vale?",
		"Hola Lucía, el lunes a las 11 en Metro Sol, ¿vale?",
	} {
		var confirm []string
		if strings.Contains(clean, "Lucía") {
			confirm = []string{"Lucía"}
		}
		r := send("/v1/messages/preview", clean, confirm...)
		if m := r.JSON(t); r.Status != 200 || m["text"] != clean || len(redactionsOf(t, m)) != 0 {
			t.Fatalf("clean preview: %d %s", r.Status, r.Body)
		}
		r = send("/v1/messages", clean, confirm...)
		if m := r.JSON(t); r.Status != 202 || len(redactionsOf(t, m)) != 0 || m["variant"] != "discreet" ||
			int(m["sms_segments"].(float64)) != templates.SMSSegments(clean).Segments {
			t.Fatalf("clean send: %d %s", r.Status, r.Body)
		}
	}
	// The unconfirmed name alone refuses the text.
	if r := send("/v1/messages/preview", "Hola Lucía, el lunes a las 11 en Metro Sol, ¿vale?"); r.Status != 422 {
		t.Fatalf("unconfirmed name: %d %s", r.Status, r.Body)
	}
	queued := outboxRows(t, e)

	// One sensitive word, or one word outside the vocabulary: refused
	// whole, the findings listed with their spans in the text as typed.
	for body, want := range map[string]map[string]string{
		"Hola, el jueves a las 10 nos vemos en Metro Sol y luego vamos a ver a la abogada, ¿vale?": {"abogada": "legal"},
		"Hola, el jueves a las 10 nos vemos en Metro Sol y vamos al mercadillo, ¿vale?":            {"mercadillo": "not_in_vocabulary"},
		// Everyday words that offer to take her away: a phrase plain refuses.
		"Hola, esta noche te paso a buscar a Metro Sol, ¿vale?": {"te paso a buscar": "risky_phrase"},
	} {
		for _, path := range []string{"/v1/messages/preview", "/v1/messages"} {
			r := send(path, body)
			if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
				t.Fatalf("%s %q: %d %s", path, body, r.Status, r.Body)
			}
			errObj := r.JSON(t)["error"].(map[string]any)
			d := errObj["details"].(map[string]any)
			if d["reason"] != "not_plain" || errObj["field"] != "body" {
				t.Fatalf("%s: %s", path, r.Body)
			}
			red := redactionsOf(t, d)
			for w, cat := range want {
				found := false
				for m, c := range red {
					found = found || strings.Contains(m, w) && c == cat
				}
				if !found || !strings.Contains(fmt.Sprint(d["categories"]), cat) {
					t.Fatalf("%s %q: want %s as %s: %v", path, body, w, cat, d)
				}
			}
			for _, x := range d["redactions"].([]any) {
				rr := x.(map[string]any)
				s, en := int(rr["start"].(float64)), int(rr["end"].(float64))
				if s < 0 || en > len(body) || body[s:en] != rr["match"] {
					t.Fatalf("%s: span %v is not in the text", path, rr)
				}
			}
			if _, ok := r.JSON(t)["text"]; ok {
				t.Fatalf("%s: a refusal carries a text: %s", path, r.Body)
			}
		}
	}
	if n := outboxRows(t, e); n != queued {
		t.Fatalf("outbox %d rows after refusals, %d before", n, queued)
	}
	r := e.Do(auth.RoleSupervisor, "GET", "/v1/participants/"+code+"/messages", nil)
	if n := len(r.JSON(t)["items"].([]any)); r.Status != 200 || n != 2 {
		t.Fatalf("she has %d messages, want the 2 clean ones: %s", n, r.Body)
	}
	// A format control is refused with its own reason first.
	r = send("/v1/messages/preview", "Hola, mañana vamos a la \u202eaícilop\u202c a las 10")
	if d, _ := r.JSON(t)["error"].(map[string]any)["details"].(map[string]any); r.Status != 422 || d["reason"] != "format_control" {
		t.Fatalf("format control: %d %s", r.Status, r.Body)
	}
	// A template's text parameter: a clean value renders, any finding
	// refuses the message naming the parameter.
	tmpl := func(v string) gatewaytest.Resp {
		return e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "free_note", "params": map[string]string{"note": v}})
	}
	if r := tmpl("¿Tomamos un café el sábado?"); r.Status != 200 || !strings.Contains(r.JSON(t)["text"].(string), "café el sábado") {
		t.Fatalf("clean parameter: %d %s", r.Status, r.Body)
	}
	r = tmpl("¿Vamos a ver a la abogada el sábado?")
	if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" || r.JSON(t)["error"].(map[string]any)["field"] != "params.note" {
		t.Fatalf("sensitive parameter: %d %s", r.Status, r.Body)
	}
	// Refused as the body is under plain: not_plain, not the filter's
	// sensitive_param (nothing is cut from it either way).
	if d, _ := r.JSON(t)["error"].(map[string]any)["details"].(map[string]any); d["reason"] != "not_plain" {
		t.Fatalf("sensitive parameter under plain: details %v", d)
	}
	// A phone that is not monitored gets free text as written.
	b := gatewaytest.Maria()
	b["phone"], b["monitored"], b["any_time"], b["safe_windows"] = "+34 612 004 022", false, true, []string{}
	other := e.CreateParticipant(b)
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+other+"/consents", gatewaytest.Grant("sms"))
	if r := e.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": other, "channel": "sms",
		"body": "Hola, el jueves vamos a ver a la abogada, ¿vale?"}); r.Status != 202 || len(redactionsOf(t, r.JSON(t))) != 0 {
		t.Fatalf("not monitored: %d %s", r.Status, r.Body)
	}
	if strings.Contains(e.Logs.String(), "abogada") || strings.Contains(e.Logs.String(), "mercadillo") {
		t.Fatal("the body is in the logs")
	}
}

// wholePolicy is the configuration of a programme that sends free text to
// a monitored phone only as written, when the filter's scan (unknown
// names and risky everyday phrases included, no vocabulary) finds nothing
// in it.
func wholePolicy() gateway.Config {
	return gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextWhole}}
}

// Under the whole policy free text to a monitored phone goes out as
// written when the filter's scan finds nothing, a word outside the
// everyday vocabulary included, and is refused whole otherwise (flagged,
// with the categories and the spans to rephrase, nothing sensitive echoed
// in the error's message): the preview says the same, nothing is queued,
// nothing is ever sent with words cut out. An unknown name is flagged
// unless it is a registered meeting point or confirmed. A template's text
// parameter is held to the same rule.
func TestWholePolicy(t *testing.T) {
	t.Parallel()
	if (gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextWhole}).UsesVocabulary() {
		t.Fatal("whole uses the vocabulary")
	}
	if !(gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextWhole}).UnknownNamesOn() {
		t.Fatal("whole without unknown names")
	}
	dir := t.TempDir()
	note := "id: free_note\nversion: 1\nchannels: sms\nparam note: text\n\n[en standard]\nFrom the team: {note}\n\n[en discreet]\nHi! {note}\n\n[es standard]\nTe escribe el equipo: {note}\n\n[es discreet]\n¡Hola! {note}\n"
	if err := os.WriteFile(filepath.Join(dir, "note.tmpl"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := wholePolicy()
	cfg.Discreet.TemplatesDir = dir
	e := gatewaytest.New(t, gatewaytest.WithConfig(cfg))
	code := e.MonitoredParticipant("+34 612 004 051")
	e.MeetingPoint("Metro Sol")
	send := func(path, body string, confirm ...string) gatewaytest.Resp {
		m := map[string]any{"participant": code, "channel": "sms", "body": body}
		if len(confirm) > 0 {
			m["confirm_names"] = confirm
		}
		return e.Do(auth.RoleStaff, "POST", path, m)
	}

	// Nothing found: the text as written, at preview and accept; a word
	// outside the everyday vocabulary ("mercadillo") is not a finding
	// here, the meeting point and a confirmed name are known (a first name
	// after a greeting is not unknown).
	clean := []string{
		"Hola, el jueves a las 10:30 nos vemos en Metro Sol y tomamos un café, ¿vale?",
		"Hola, el jueves a las 10 nos vemos en Metro Sol y vamos al mercadillo, ¿vale?",
		"Hola, el lunes a las 11 en Metro Sol con Kessler, ¿vale?",
		"Hola Lucía, el lunes a las 11 en Metro Sol, ¿vale?",
	}
	for _, body := range clean {
		var confirm []string
		if strings.Contains(body, "Kessler") {
			confirm = []string{"Kessler"}
		}
		r := send("/v1/messages/preview", body, confirm...)
		if m := r.JSON(t); r.Status != 200 || m["text"] != body || len(redactionsOf(t, m)) != 0 {
			t.Fatalf("clean preview %q: %d %s", body, r.Status, r.Body)
		}
		r = send("/v1/messages", body, confirm...)
		m := r.JSON(t)
		if r.Status != 202 || len(redactionsOf(t, m)) != 0 || m["variant"] != "discreet" ||
			int(m["sms_segments"].(float64)) != templates.SMSSegments(body).Segments {
			t.Fatalf("clean send %q: %d %s", body, r.Status, r.Body)
		}
		// What is stored, and sent, is the text exactly as written.
		if got := storedText(t, e, m["id"].(string)); got != body {
			t.Fatalf("clean send %q: stored %q", body, got)
		}
	}
	queued := outboxRows(t, e)

	// A sensitive word, an unknown name, a risky everyday phrase: refused
	// whole, the findings listed with their spans in the text as typed.
	for body, want := range map[string]map[string]string{
		"Hola, el jueves a las 10 nos vemos en Metro Sol y luego vamos a ver a la abogada, ¿vale?": {"abogada": "legal"},
		"Hola, el lunes a las 11 en Metro Sol con Kessler, ¿vale?":                                 {"Kessler": "unknown_name"},
		"Hola, esta noche te paso a buscar a Metro Sol, ¿vale?":                                    {"te paso a buscar": "risky_phrase"},
		"Hola, el lunes a las 11 en Metro Sol o llámame al 612 345 678, ¿vale?":                    {"612 345 678": "phone"},
		"Kessler te espera el lunes a las 11 en Metro Sol.":                                        {"Kessler": "unknown_name"},
		"Hi, come with us tonight, ok?":                                                            {"come with us": "risky_phrase"},
	} {
		for _, path := range []string{"/v1/messages/preview", "/v1/messages"} {
			r := send(path, body)
			if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
				t.Fatalf("%s %q: %d %s", path, body, r.Status, r.Body)
			}
			errObj := r.JSON(t)["error"].(map[string]any)
			d := errObj["details"].(map[string]any)
			if d["reason"] != "flagged" || errObj["field"] != "body" {
				t.Fatalf("%s: %s", path, r.Body)
			}
			red := redactionsOf(t, d)
			for w, cat := range want {
				found := false
				for m, c := range red {
					found = found || strings.Contains(m, w) && c == cat
				}
				if !found || !strings.Contains(fmt.Sprint(d["categories"]), cat) {
					t.Fatalf("%s %q: want %s as %s: %v", path, body, w, cat, d)
				}
				// The sentence names categories, never what was found.
				if msg, _ := errObj["message"].(string); strings.Contains(msg, w) || !strings.Contains(msg, "monitored") {
					t.Fatalf("%s %q: message %q", path, body, msg)
				}
			}
			for _, x := range d["redactions"].([]any) {
				rr := x.(map[string]any)
				s, en := int(rr["start"].(float64)), int(rr["end"].(float64))
				if s < 0 || en > len(body) || body[s:en] != rr["match"] {
					t.Fatalf("%s: span %v is not in the text", path, rr)
				}
			}
			if _, ok := r.JSON(t)["text"]; ok {
				t.Fatalf("%s: a refusal carries a text: %s", path, r.Body)
			}
		}
	}
	if n := outboxRows(t, e); n != queued {
		t.Fatalf("outbox %d rows after refusals, %d before", n, queued)
	}
	r := e.Do(auth.RoleSupervisor, "GET", "/v1/participants/"+code+"/messages", nil)
	if n := len(r.JSON(t)["items"].([]any)); r.Status != 200 || n != len(clean) {
		t.Fatalf("she has %d messages, want the %d clean ones: %s", n, len(clean), r.Body)
	}
	// A text in capitals is refused with its own reason, to be retyped
	// in normal case.
	r = send("/v1/messages/preview", "HOLA, PREGUNTA POR KESSLER EN LA ENTRADA")
	if errObj, _ := r.JSON(t)["error"].(map[string]any); r.Status != 422 || errObj["details"].(map[string]any)["reason"] != "all_capitals" ||
		!strings.Contains(errObj["message"].(string), "normal case") || strings.Contains(string(r.Body), "KESSLER") {
		t.Fatalf("capitals: %d %s", r.Status, r.Body)
	}
	// A format control is refused with its own reason first.
	r = send("/v1/messages/preview", "Hola, mañana vamos a la \u202eaícilop\u202c a las 10")
	if d, _ := r.JSON(t)["error"].(map[string]any)["details"].(map[string]any); r.Status != 422 || d["reason"] != "format_control" {
		t.Fatalf("format control: %d %s", r.Status, r.Body)
	}
	// A confirmed name the filter flags is refused on confirm_names, the
	// name not echoed.
	r = send("/v1/messages/preview", "Hola, el jueves a las 10 en Cruz Roja, ¿vale?", "Cruz Roja")
	if r.Status != 422 || r.ErrCode(t) != "invalid_param" || r.JSON(t)["error"].(map[string]any)["field"] != "confirm_names" || strings.Contains(string(r.Body), "Cruz") {
		t.Fatalf("flagged confirmed name: %d %s", r.Status, r.Body)
	}
	// A template's text parameter: a clean value renders, any finding
	// refuses the message naming the parameter, with the body's reason.
	tmpl := func(v string, confirm ...string) gatewaytest.Resp {
		m := map[string]any{"participant": code, "channel": "sms", "template": "free_note", "params": map[string]string{"note": v}}
		if len(confirm) > 0 {
			m["confirm_names"] = confirm
		}
		return e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", m)
	}
	if r := tmpl("¿Vamos al mercadillo el sábado?"); r.Status != 200 || !strings.Contains(r.JSON(t)["text"].(string), "mercadillo el sábado") {
		t.Fatalf("clean parameter: %d %s", r.Status, r.Body)
	}
	for v, cat := range map[string]string{"¿Vamos a ver a la abogada el sábado?": "legal", "¿Vienes con Lucía al cine?": "unknown_name"} {
		r = tmpl(v)
		if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" || r.JSON(t)["error"].(map[string]any)["field"] != "params.note" {
			t.Fatalf("parameter %q: %d %s", v, r.Status, r.Body)
		}
		if d, _ := r.JSON(t)["error"].(map[string]any)["details"].(map[string]any); d["reason"] != "flagged" || !strings.Contains(fmt.Sprint(d["categories"]), cat) {
			t.Fatalf("parameter %q under whole: details %v", v, d)
		}
	}
	if r := tmpl("¿Vienes con Lucía al cine?", "Lucía"); r.Status != 200 {
		t.Fatalf("confirmed name in a parameter: %d %s", r.Status, r.Body)
	}
	for _, w := range []string{"abogada", "Kessler", "paso a buscar", "612 345 678", "612345678"} {
		if strings.Contains(e.Logs.String(), w) {
			t.Fatalf("%q of a body is in the logs", w)
		}
	}
}

// A confirmed name is for a neutral name the filter cannot place: one the
// filter flags on its own (here an organisation's) is refused with
// invalid_param under every policy that takes confirm_names, for free
// text and for a template's text parameter, and the name is not echoed.
func TestConfirmNamesFlaggedRefused(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{gateway.FreeTextFilter, gateway.FreeTextVocabulary, gateway.FreeTextPlain, gateway.FreeTextWhole} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: policy}}))
			code := e.MonitoredParticipant("+34 612 004 031")
			body := "Hola, el jueves a las 10 en Cruz Roja, ¿vale?"
			for _, path := range []string{"/v1/messages/preview", "/v1/messages"} {
				r := e.Do(auth.RoleStaff, "POST", path, map[string]any{"participant": code, "channel": "sms", "body": body,
					"confirm_names": []string{"Lucía", "Cruz Roja"}})
				if r.Status != 422 || r.ErrCode(t) != "invalid_param" || r.JSON(t)["error"].(map[string]any)["field"] != "confirm_names" {
					t.Fatalf("%s: %d %s", path, r.Status, r.Body)
				}
				if strings.Contains(string(r.Body), "Cruz") {
					t.Fatalf("%s: the name is echoed: %s", path, r.Body)
				}
			}
			// A street named without its number is an address in free
			// text (where she or a service is), not a neutral name: it is
			// refused as a confirmed name, in each language that writes
			// its type before the name, and not sent inside the text.
			for _, c := range []struct{ body, name string }{
				{"Nos vemos en la calle Murcia mañana.", "calle Murcia"},
				{"Ens veiem al carrer Pelai demà.", "carrer Pelai"},
				{"On se voit rue Oberkampf demain.", "rue Oberkampf"},
				{"Encontramo-nos na rua Augusta amanhã.", "rua Augusta"},
				{"Ci vediamo in vicolo Stretto domani.", "vicolo Stretto"},
			} {
				for _, path := range []string{"/v1/messages/preview", "/v1/messages"} {
					r := e.Do(auth.RoleStaff, "POST", path, map[string]any{"participant": code, "channel": "sms", "body": c.body,
						"confirm_names": []string{c.name}})
					if r.Status != 422 || r.ErrCode(t) != "invalid_param" || r.JSON(t)["error"].(map[string]any)["field"] != "confirm_names" {
						t.Fatalf("%s %q: %d %s", path, c.name, r.Status, r.Body)
					}
					if w := strings.Fields(c.name)[1]; strings.Contains(string(r.Body), w) {
						t.Fatalf("%s: the name is echoed: %s", path, r.Body)
					}
				}
			}
			// The same in a template's text parameter: refused on
			// confirm_names, not on the parameter.
			r := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "free_note",
				"params": map[string]string{"note": "Nos vemos en la calle Murcia mañana."}, "confirm_names": []string{"calle Murcia"}})
			if r.Status != 422 || r.ErrCode(t) != "invalid_param" || r.JSON(t)["error"].(map[string]any)["field"] != "confirm_names" ||
				strings.Contains(string(r.Body), "Murcia") {
				t.Fatalf("text parameter: %d %s", r.Status, r.Body)
			}
			// A neutral name is still confirmed.
			r = e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms",
				"body": "Hola Lucía, el lunes a las 11, ¿vale?", "confirm_names": []string{"Lucía"}})
			if r.Status != 200 {
				t.Fatalf("neutral name: %d %s", r.Status, r.Body)
			}
			if n := outboxRows(t, e); n != 0 {
				t.Fatalf("%d queued", n)
			}
		})
	}
}

// Letters drawn as symbols (negative circled or squared letters, regional
// indicators, squared words such as 🆘), digits drawn between brackets,
// with a full stop or as dingbats (a phone number "⑹⑴⑵-⑶⑷-⑸⑹-⑺⑻") and
// the mathematical alphabets are refused for a monitored phone
// under every free-text policy with reason letter_symbols; a pictograph
// that says a sensitive thing is a finding of its category under every
// policy; under plain and vocabulary a pictograph outside the greeting
// ones is not in her vocabulary, the greeting ones go out.
func TestFreeTextLetterSymbolsAndPictographs(t *testing.T) {
	t.Parallel()
	policies := []string{gateway.FreeTextFilter, gateway.FreeTextVocabulary, gateway.FreeTextPlain, gateway.FreeTextWhole}
	envs := map[string]*gatewaytest.Env{}
	codes := map[string]string{}
	for i, p := range policies {
		e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: p}}))
		envs[p], codes[p] = e, e.MonitoredParticipant(fmt.Sprintf("+34 612 004 1%02d", i))
	}
	preview := func(p, body string) gatewaytest.Resp {
		return envs[p].Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": codes[p], "channel": "sms", "body": body})
	}
	for _, body := range []string{
		"Hola, la 🅿🅾🅻🅸🅲🅸🅰 te espera mañana 🆘",
		"Hola, mañana vamos a la 🅟🅞🅛🅘🅒🅘🅐",
		"Hola, mañana vamos a la 🇵🇴🇱🇮🇨🇮🇦",
		"Hi, the 🅟🅞🅛🅘🅒🅔 will wait for you tomorrow",
		"Salut, rendez-vous chez l'🅰🆅🅾🅲🅰🆃 demain",
		"Ve a la ᴘᴏʟɪᴄɪᴀ hoy",
		"Ve a la ⒫⒪⒧⒤⒞⒤⒜ hoy",
		"Hola, llámame al ⑹⑴⑵⑶⑷⑸⑹⑺⑻",
		"Hola, llámame al ⑹⑴⑵-⑶⑷-⑸⑹-⑺⑻",
		"Hola, llámame al ⒍⒈⒉ ⒊⒋⒌ ⒍⒎⒏",
		"Hola, llámame al ❻❶❷ ❸❹❺ ❻❼❽",
		"Hola, la 𝐏𝐎𝐋𝐈𝐂𝐈𝐀 te espera mañana",
		"Hola, mañana vamos al 𝐦𝐞𝐝𝐢𝐜𝐨",
	} {
		for _, p := range policies {
			r := preview(p, body)
			if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
				t.Fatalf("%s %q: %d %s", p, body, r.Status, r.Body)
			}
			if d := r.JSON(t)["error"].(map[string]any)["details"].(map[string]any); d["reason"] != templates.ReasonLetterSymbols {
				t.Fatalf("%s %q: details %v", p, body, d)
			}
		}
	}
	// Sensitive pictographs: refused whole under plain, cut under the
	// others (what is left is sent, the finding listed).
	for body, cat := range map[string]string{
		"Nos vemos mañana en el 🏥":             "health",
		"Mañana a las 10 con el 👮 en la plaza": "legal",
		"See you tomorrow at 10, bring your 💊": "health",
	} {
		for _, p := range policies {
			r := preview(p, body)
			var red map[string]string
			if p == gateway.FreeTextPlain || p == gateway.FreeTextWhole {
				if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
					t.Fatalf("%s %q: %d %s", p, body, r.Status, r.Body)
				}
				red = redactionsOf(t, r.JSON(t)["error"].(map[string]any)["details"].(map[string]any))
			} else {
				if r.Status != 200 {
					if r.Status == 422 && r.ErrCode(t) == "content_not_discreet" {
						red = redactionsOf(t, r.JSON(t)["error"].(map[string]any)["details"].(map[string]any))
					} else {
						t.Fatalf("%s %q: %d %s", p, body, r.Status, r.Body)
					}
				} else {
					m := r.JSON(t)
					red = redactionsOf(t, m)
					if txt, _ := m["text"].(string); strings.ContainsAny(txt, "🏥👮💊") {
						t.Fatalf("%s %q: sent %q", p, body, txt)
					}
				}
			}
			found := false
			for m, c := range red {
				found = found || c == cat && strings.ContainsAny(m, "🏥👮💊")
			}
			if !found {
				t.Fatalf("%s %q: want the pictograph as %s: %v (%s)", p, body, cat, red, r.Body)
			}
		}
	}
	// Greeting pictographs go out as written under plain; another one is
	// a word not in her vocabulary there and passes the filter policy.
	// Full-width digits fold to digits: the number is found, not refused.
	if r := preview(gateway.FreeTextPlain, "Hola, llámame al ６１２ ３４５ ６７８"); r.Status != 422 || r.ErrCode(t) != "content_not_discreet" ||
		r.JSON(t)["error"].(map[string]any)["details"].(map[string]any)["reason"] != "not_plain" {
		t.Fatalf("full-width number under plain: %d %s", r.Status, r.Body)
	}
	greeting := "Hola, el jueves a las 10:30 nos vemos y tomamos un café 😊❤️👍🏽"
	if r := preview(gateway.FreeTextPlain, greeting); r.Status != 200 || r.JSON(t)["text"] != greeting {
		t.Fatalf("greeting under plain: %d %s", r.Status, r.Body)
	}
	other := "Hola, el jueves a las 10:30 nos vemos 🔒"
	r := preview(gateway.FreeTextPlain, other)
	if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
		t.Fatalf("other pictograph under plain: %d %s", r.Status, r.Body)
	}
	if red := redactionsOf(t, r.JSON(t)["error"].(map[string]any)["details"].(map[string]any)); red["🔒"] != "not_in_vocabulary" {
		t.Fatalf("other pictograph under plain: %v", red)
	}
	if r := preview(gateway.FreeTextFilter, other); r.Status != 200 || r.JSON(t)["text"] != other {
		t.Fatalf("other pictograph under filter: %d %s", r.Status, r.Body)
	}
	// Whole scans without the vocabulary: both go out as written; a
	// number is flagged.
	for _, body := range []string{greeting, other} {
		if r := preview(gateway.FreeTextWhole, body); r.Status != 200 || r.JSON(t)["text"] != body {
			t.Fatalf("%q under whole: %d %s", body, r.Status, r.Body)
		}
	}
	if r := preview(gateway.FreeTextWhole, "Hola, llámame al ６１２ ３４５ ６７８"); r.Status != 422 || r.ErrCode(t) != "content_not_discreet" ||
		r.JSON(t)["error"].(map[string]any)["details"].(map[string]any)["reason"] != "flagged" {
		t.Fatalf("full-width number under whole: %d %s", r.Status, r.Body)
	}
}

// storedText is the text stored for message id, what the phone will be
// sent.
func storedText(t *testing.T, e *gatewaytest.Env, id string) string {
	t.Helper()
	msg, err := db.New(e.DB).MessageByID(context.Background(), uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	c, err := message.OpenContent(e.Keys, msg.ContentEnc)
	if err != nil {
		t.Fatal(err)
	}
	return c.Text
}
