package safety

import (
	"maps"
	"strings"
	"testing"

	"safecontact/errs"
	"safecontact/templates"
)

// checkAtForms needs no database: the catalogue and its filter.
func atFormService(t *testing.T) *Service {
	t.Helper()
	c, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return &Service{catalog: c, filter: c.Filter()}
}

func TestCheckAtForms(t *testing.T) {
	t.Parallel()
	s := atFormService(t)
	long := "a la Plaça Reial" + strings.Repeat(" i voltants", 10) // > 120 bytes
	cases := []struct {
		name      string
		place     string
		forms     map[string]string
		code      string // "" = accepted
		field     string
		wantForms map[string]string
	}{
		{"none", "Plaça Reial", nil, "", "", map[string]string{}},
		{"seven languages", "Plaça Reial", map[string]string{"es": "en la Plaça Reial", "ca": "a la Plaça Reial", "it": "alla Plaça Reial",
			"fr": "à la Plaça Reial", "pt": "na Plaça Reial", "ro": "la Plaça Reial", "en": "at the Plaça Reial"}, "", "",
			map[string]string{"es": "en la Plaça Reial", "ca": "a la Plaça Reial", "it": "alla Plaça Reial",
				"fr": "à la Plaça Reial", "pt": "na Plaça Reial", "ro": "la Plaça Reial", "en": "at the Plaça Reial"}},
		{"spaces collapsed, blank dropped", "Mercat de Sant Antoni", map[string]string{"ca": "  al  Mercat de Sant Antoni ", "es": "  "}, "", "",
			map[string]string{"ca": "al Mercat de Sant Antoni"}},
		{"case and accents folded", "Plaça Reial", map[string]string{"ca": "a la placa reial"}, "", "", map[string]string{"ca": "a la placa reial"}},
		{"elision", "Arsenale", map[string]string{"it": "all'Arsenale"}, "", "", map[string]string{"it": "all'Arsenale"}},
		{"unknown language", "Plaça Reial", map[string]string{"de": "an der Plaça Reial"}, CodeAtFormUnknownLanguage, "at_forms.de", nil},
		{"region tag", "Plaça Reial", map[string]string{"pt-BR": "na Plaça Reial"}, CodeAtFormUnknownLanguage, "at_forms.pt-BR", nil},
		{"upper-case tag", "Plaça Reial", map[string]string{"CA": "a la Plaça Reial"}, CodeAtFormUnknownLanguage, "at_forms.CA", nil},
		{"odd key not echoed", "Plaça Reial", map[string]string{"612345678 x": "a la Plaça Reial"}, CodeAtFormUnknownLanguage, "at_forms", nil},
		{"lacks the name", "Mercat de Sant Antoni", map[string]string{"ca": "al Mercat"}, CodeAtFormLacksName, "at_forms.ca", nil},
		{"a longer name is another place", "Metro Sol", map[string]string{"es": "en Metro Solana"}, CodeAtFormLacksName, "at_forms.es", nil},
		{"too long", "Plaça Reial", map[string]string{"ca": long}, CodeAtFormTooLong, "at_forms.ca", nil},
		{"words after the name", "Café de Flore", map[string]string{"fr": "au Café de Flore, côté terrasse"}, CodeAtFormExtraWords, "at_forms.fr", nil},
		{"a floor and a door after the name", "Café de Flore", map[string]string{"fr": "au Café de Flore, 2e étage, porte B"}, CodeMeetingPointNotNeutral, "at_forms.fr", nil},
		{"a place after the name", "Victoria station", map[string]string{"en": "near the Victoria station, next to the kiosk"}, CodeAtFormExtraWords, "at_forms.en", nil},
		{"a long lead", "Plaça Reial", map[string]string{"ca": "a la porta del darrere de la Plaça Reial"}, CodeAtFormExtraWords, "at_forms.ca", nil},
		{"a word of its own in the lead", "Café de Flore", map[string]string{"fr": "fuir au Café de Flore"}, CodeAtFormExtraWords, "at_forms.fr", nil},
		{"a short word of its own", "Café de Flore", map[string]string{"en": "ICE at Café de Flore"}, CodeAtFormExtraWords, "at_forms.en", nil},
		{"another language's preposition", "Café de Flore", map[string]string{"ro": "al Café de Flore"}, CodeAtFormExtraWords, "at_forms.ro", nil},
		{"a short lead", "Café de Flore", map[string]string{"fr": "près du Café de Flore"}, "", "", map[string]string{"fr": "près du Café de Flore"}},
		{"phone", "Plaça Reial", map[string]string{"ca": "a la Plaça Reial, 612 345 678"}, CodeMeetingPointNotNeutral, "at_forms.ca", nil},
		{"street address", "Plaça Reial", map[string]string{"es": "en la Plaça Reial, Calle Mayor 5"}, CodeMeetingPointNotNeutral, "at_forms.es", nil},
		{"shelter", "Plaça Reial", map[string]string{"es": "en la casa de acogida Plaça Reial"}, CodeMeetingPointNotNeutral, "at_forms.es", nil},
		{"police", "Plaça Reial", map[string]string{"es": "en la comisaría de la Plaça Reial"}, CodeMeetingPointNotNeutral, "at_forms.es", nil},
		{"mixed scripts", "Plaça Reial", map[string]string{"ca": "a lа Plaça Reial"}, CodeMeetingPointNotNeutral, "at_forms.ca", nil},
		{"control character", "Plaça Reial", map[string]string{"ca": "a la\nPlaça Reial"}, "invalid_text", "at_forms.ca", nil},
		// Braces are no word of a preposition (the renderer refuses them too).
		{"braces", "Plaça Reial", map[string]string{"ca": "a la {when} Plaça Reial"}, CodeAtFormExtraWords, "at_forms.ca", nil},
		// Languages are checked in order: the first bad one is named.
		{"first bad language named", "Plaça Reial", map[string]string{"ro": "la Plaça", "ca": "a la Plaça"}, CodeAtFormLacksName, "at_forms.ca", nil},
	}
	for _, tc := range cases {
		got, err := s.checkAtForms(tc.place, tc.forms)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if !maps.Equal(got, tc.wantForms) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.wantForms)
			}
			continue
		}
		e := errs.As(err)
		if err == nil || e.Code != tc.code || e.Field != tc.field {
			t.Errorf("%s: got %v (field %q), want %s on %s", tc.name, err, e.Field, tc.code, tc.field)
			continue
		}
		for _, f := range tc.forms {
			if len(f) > 4 && strings.Contains(e.Message, f) {
				t.Errorf("%s: the message echoes the form: %s", tc.name, e.Message)
			}
		}
		if tc.code != "invalid_text" {
			if st := errs.Statuses()[tc.code]; st != 422 {
				t.Errorf("%s: %s answers %d, want 422", tc.name, tc.code, st)
			}
		}
	}
}
