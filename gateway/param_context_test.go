package gateway_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
)

// A template's text parameter is scanned as it stands in the rendered
// discreet text, as the same sentence written as a body would be: a
// name in the middle of the template's sentence is not a sentence start,
// and a name in capitals is not read as a text in capitals. Under plain
// and whole its redactions are spans of the value as given (leading
// spaces included); under filter the refusal names categories only.
func TestTextParamScannedInRenderedText(t *testing.T) {
	t.Parallel()
	wantReason := map[string]string{gateway.FreeTextWhole: "flagged", gateway.FreeTextPlain: "not_plain", gateway.FreeTextFilter: "sensitive_param"}
	for _, policy := range []string{gateway.FreeTextWhole, gateway.FreeTextPlain, gateway.FreeTextFilter} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			note := "id: ask_for\nversion: 1\nchannels: sms\nparam note: text\n\n[en standard]\nAsk for {note} at the door.\n\n[en discreet]\nHi! Ask for {note} at the door.\n\n[es standard]\nPregunta por {note} en la entrada.\n\n[es discreet]\n¡Hola! Pregunta por {note} en la entrada.\n"
			if err := os.WriteFile(filepath.Join(dir, "ask.tmpl"), []byte(note), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: policy, TemplatesDir: dir}}
			e := gatewaytest.New(t, gatewaytest.WithConfig(cfg))
			code := e.MonitoredParticipant("+34 612 004 131")
			do := func(path, v string, confirm ...string) gatewaytest.Resp {
				m := map[string]any{"participant": code, "channel": "sms", "template": "ask_for", "params": map[string]string{"note": v}}
				if len(confirm) > 0 {
					m["confirm_names"] = confirm
				}
				return e.Do(auth.RoleStaff, "POST", path, m)
			}
			// The body the template renders is refused or cut for the name.
			if r := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms",
				"body": "¡Hola! Pregunta por Kessler en la entrada."}); !strings.Contains(string(r.Body), "unknown_name") {
				t.Fatalf("body: %d %s", r.Status, r.Body)
			}
			for _, v := range []string{"Kessler", "KESSLER", "  Ver a Kessler"} {
				for _, path := range []string{"/v1/messages/preview", "/v1/messages"} {
					r := do(path, v)
					if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" {
						t.Fatalf("%s %q: %d %s", path, v, r.Status, r.Body)
					}
					errObj := r.JSON(t)["error"].(map[string]any)
					d := errObj["details"].(map[string]any)
					if errObj["field"] != "params.note" || d["reason"] != wantReason[policy] || !strings.Contains(strings.Join(anyStrings(d["categories"]), ","), "unknown_name") {
						t.Fatalf("%s %q: %s", path, v, r.Body)
					}
					reds, _ := d["redactions"].([]any)
					if policy == gateway.FreeTextFilter {
						// sensitive_param names categories only.
						if len(reds) != 0 || strings.Contains(string(r.Body), "essler") {
							t.Fatalf("%s %q: the value is echoed: %s", path, v, r.Body)
						}
						continue
					}
					if len(reds) == 0 {
						t.Fatalf("%s %q: no redactions: %s", path, v, r.Body)
					}
					for _, x := range reds {
						rr := x.(map[string]any)
						s, en := int(rr["start"].(float64)), int(rr["end"].(float64))
						if s < 0 || en > len(v) || v[s:en] != rr["match"] || !strings.EqualFold(v[s:en], "Kessler") {
							t.Fatalf("%s %q: span %v is not the name in the value", path, v, rr)
						}
					}
				}
			}
			// Confirmed, the name is known; a neutral value renders.
			if r := do("/v1/messages/preview", "Kessler", "Kessler"); r.Status != 200 || r.JSON(t)["text"] != "¡Hola! Pregunta por Kessler en la entrada." {
				t.Fatalf("confirmed name: %d %s", r.Status, r.Body)
			}
			if r := do("/v1/messages", "tu amiga"); r.Status != 202 {
				t.Fatalf("neutral value: %d %s", r.Status, r.Body)
			}
		})
	}
}

// Under whole, a risky everyday phrase the template's words begin and
// the value ends refuses the value, its span cut to the value.
func TestTextParamCompletesRiskyPhrase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	note := "id: tonight\nversion: 1\nchannels: sms\nparam note: text\n\n[en standard]\nTonight: {note}.\n\n[en discreet]\nHi! Tonight: {note}.\n\n[es standard]\nEsta noche te paso a {note}.\n\n[es discreet]\n¡Hola! Esta noche te paso a {note}.\n"
	if err := os.WriteFile(filepath.Join(dir, "tonight.tmpl"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Discreet: gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextWhole, TemplatesDir: dir}}))
	code := e.MonitoredParticipant("+34 612 004 141")
	do := func(v string) gatewaytest.Resp {
		return e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "tonight", "params": map[string]string{"note": v}})
	}
	r := do("buscar")
	if r.Status != 422 || r.ErrCode(t) != "content_not_discreet" || !strings.Contains(string(r.Body), "risky_phrase") {
		t.Fatalf("risky phrase: %d %s", r.Status, r.Body)
	}
	reds := r.JSON(t)["error"].(map[string]any)["details"].(map[string]any)["redactions"].([]any)
	if rr := reds[0].(map[string]any); rr["match"] != "buscar" || rr["start"].(float64) != 0 || rr["end"].(float64) != 6 {
		t.Fatalf("span: %v", rr)
	}
	if r := do("saludar"); r.Status != 200 {
		t.Fatalf("neutral value: %d %s", r.Status, r.Body)
	}
}
