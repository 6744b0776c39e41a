package gateway_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// Every refusal about a template parameter names it as the request holds
// it, params.NAME, at preview and at accept: whether Render refused it
// (unparsable, missing, unknown) or the discreet check of a text
// parameter did.
func TestTemplateParamRefusalsNameParamsField(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	note := "id: free_note\nversion: 1\nchannels: sms\nparam note: text\n\n[en standard]\nFrom the team: {note}\n\n[en discreet]\nHi! {note}\n\n[es standard]\nTe escribe el equipo: {note}\n\n[es discreet]\n¡Hola! {note}\n"
	if err := os.WriteFile(filepath.Join(dir, "note.tmpl"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filterPolicy()
	cfg.Discreet.TemplatesDir = dir
	e := gatewaytest.New(t, gatewaytest.WithConfig(cfg))
	code := e.MonitoredParticipant("+34 612 004 131")
	cases := []struct {
		name, template string
		params         map[string]string
		code, field    string
	}{
		{"unparsable when", "appointment_cancelled", map[string]string{"when": "mañana a las diez"}, "invalid_param", "params.when"},
		{"missing when", "appointment_cancelled", map[string]string{}, "missing_param", "params.when"},
		{"blank when", "appointment_cancelled", map[string]string{"when": "  "}, "missing_param", "params.when"},
		{"unknown parameter", "appointment_cancelled", map[string]string{"when": "2026-06-10T10:00:00Z", "where": "x"}, "invalid_param", "params.where"},
		{"text parameter not discreet", "free_note", map[string]string{"note": "¿Vamos a ver a la abogada el sábado?"}, "content_not_discreet", "params.note"},
		{"text parameter with a brace", "free_note", map[string]string{"note": "hola {x}"}, "invalid_param", "params.note"},
		{"missing text parameter", "free_note", map[string]string{}, "missing_param", "params.note"},
	}
	for i, c := range cases {
		body := map[string]any{"participant": code, "channel": "sms", "template": c.template, "params": c.params}
		for _, path := range []string{"/v1/messages/preview", "/v1/messages"} {
			r := e.Do(auth.RoleStaff, "POST", path, body, "Idempotency-Key", fmt.Sprintf("param-field-%d", i))
			if r.Status != 422 || r.ErrCode(t) != c.code {
				t.Errorf("%s %s: %d %s, want 422 %s", c.name, path, r.Status, r.Body, c.code)
				continue
			}
			if f := r.JSON(t)["error"].(map[string]any)["field"]; f != c.field {
				t.Errorf("%s %s: field %v, want %s", c.name, path, f, c.field)
			}
		}
	}
	if n := outboxRows(t, e); n != 0 {
		t.Fatalf("%d messages queued by refusals", n)
	}
}
