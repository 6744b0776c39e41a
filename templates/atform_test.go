package templates

import (
	"errors"
	"strings"
	"testing"
)

func TestHasPlaceName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		form, name string
		want       bool
	}{
		{"a la Plaça Reial", "Plaça Reial", true},
		{"a la plaça reial", "Plaça Reial", true},   // case
		{"a la Placa Reial", "Plaça Reial", true},   // accents folded
		{"A LA PLAÇA  REIAL", "Plaça Reial", true},  // spaces collapsed
		{"all'Arsenale", "Arsenale", true},          // elision
		{"au Café de Flore", "Café de Flore", true}, // contraction
		{"na Estação do Rossio", "Estação do Rossio", true},
		{"Plaça Reial", "Plaça Reial", true}, // the name alone
		{"al Metro Solana", "Metro Sol", false},
		{"al Metro Sola", "Metro Sol", false},
		{"al Mercat", "Mercat de Sant Antoni", false},
		{"a la plaza", "Plaça Reial", false},
		{"", "Metro Sol", false},
		{"en Metro Sol", "", false},
		{"en Metro Sol, salida 2", "Metro Sol", true},
		{"en el Bus 24", "Bus 24", true},
		{"en el Bus 245", "Bus 24", false},
	}
	for _, tc := range cases {
		if got := HasPlaceName(tc.form, tc.name); got != tc.want {
			t.Errorf("HasPlaceName(%q, %q) = %v, want %v", tc.form, tc.name, got, tc.want)
		}
	}
}

func TestDefaultAtForm(t *testing.T) {
	t.Parallel()
	want := map[string]string{"es": "en X", "ca": "a X", "it": "a X", "en": "at X", "fr": "à X", "pt": "em X", "ro": "la X",
		"pt-BR": "em X", "es-MX": "en X", "de": "", "": "", "!!": ""}
	for lang, w := range want {
		if got := DefaultAtForm(lang, "X"); got != w {
			t.Errorf("DefaultAtForm(%q) = %q, want %q", lang, got, w)
		}
	}
	for _, l := range AtFormLanguages {
		if DefaultAtForm(l, "X") == "" {
			t.Errorf("at-form language %s has no default construction", l)
		}
	}
}

// {place.at}: her language's registered form, else its default; a form
// is checked as the name is and refused, never replaced, when it fails.
func TestRenderAtForm(t *testing.T) {
	t.Parallel()
	c := mustBuiltin(t)
	forms := map[string]string{"ca": "a la Plaça Reial", "fr": "à la Plaça Reial", "it": "alla Plaça Reial", "pt": "na Plaça Reial"}
	req := func(lang string, forms map[string]string) RenderRequest {
		return RenderRequest{TemplateID: "appointment_reminder", Lang: lang, Variant: Discreet, Channel: "sms", TimeZone: "Europe/Madrid",
			Params: map[string]string{"when": "2026-06-03T08:00:00Z", "place": "Plaça Reial"}, AtForms: map[string]map[string]string{"place": forms}}
	}
	for lang, want := range map[string]string{
		"ca": ", a la Plaça Reial.", "fr": ", à la Plaça Reial.", "it": ", alla Plaça Reial.", "pt": ", na Plaça Reial.", "pt-BR": ", na Plaça Reial.",
		"es": ", en Plaça Reial.", "en": ", at Plaça Reial.", "ro": ", la Plaça Reial.", "de": ", at Plaça Reial.", // de gets English
	} {
		r := render(t, c, req(lang, forms))
		if !strings.Contains(r.Text, want) {
			t.Errorf("%s: %q lacks %q", lang, r.Text, want)
		}
	}
	// No forms at all: every language's default.
	if r := render(t, c, req("ca", nil)); !strings.Contains(r.Text, ", a Plaça Reial.") {
		t.Errorf("no forms: %q", r.Text)
	}
	// A template without {place.at} ignores the forms.
	r := render(t, c, RenderRequest{TemplateID: "appointment_cancelled", Lang: "ca", Variant: Discreet, Channel: "sms", TimeZone: "Europe/Madrid",
		Params: map[string]string{"when": "2026-06-03T08:00:00Z"}, AtForms: map[string]map[string]string{"place": {"ca": "612345678"}}})
	if strings.Contains(r.Text, "612") {
		t.Errorf("cancelled: %q", r.Text)
	}

	refused := []struct {
		name, form, code string
	}{
		{"lacks the name", "a la plaça", CodeInvalidParam},
		{"too long", "a la Plaça Reial" + strings.Repeat(" molt bonica", 10), CodeInvalidParam},
		{"phone", "a la Plaça Reial, 612 345 678", CodeInvalidParam},
		{"shelter", "a la casa de acogida Plaça Reial", CodeInvalidParam},
		{"two lines", "a la\nPlaça Reial", CodeInvalidParam},
		{"braces", "a la {when} Plaça Reial", CodeInvalidParam},
		{"mixed scripts", "a lа Plaça Reial", CodeSensitiveContent},
	}
	for _, tc := range refused {
		_, err := c.Render(req("ca", map[string]string{"ca": tc.form}))
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Field != "place.at" {
			t.Errorf("%s: %v, want %s on place.at", tc.name, err, tc.code)
			continue
		}
		if strings.Contains(e.Message, "Reial") {
			t.Errorf("%s: message echoes the form: %s", tc.name, e.Message)
		}
	}
}

// {x.at} only for a meeting point, and only in a language with at forms.
func TestLoadRejectsAt(t *testing.T) {
	t.Parallel()
	withPlace := strings.NewReplacer("param when: datetime", "param when: datetime\nparam place: meeting_point",
		"Hello, see you on {when}.", "Hello, see you on {when}, {place.at}.", "Hi, see you on {when}.", "Hi, see you on {when}, {place.at}.").Replace(minimalTmpl)
	cases := []struct{ name, body, wantMsg string }{
		{"at of a datetime", strings.Replace(minimalTmpl, "Hi, see you on {when}.", "Hi, see you {when.at}, {when}.", 1), "only a meeting_point param"},
		{"at of an undeclared param", strings.Replace(minimalTmpl, "Hi, see you on {when}.", "Hi, see you on {when}, {place.at}.", 1), "undeclared param {place.at}"},
		{"at in a language without forms", withPlace + "\n[de standard]\nHallo, {when}, {place.at}.\n\n[de discreet]\nHallo, {when}, {place}.\n", "language de"},
		{"whatsapp at of a datetime", strings.Replace(withPlace, "channels: sms", "channels: sms, whatsapp\nwhatsapp en discreet: HX0123456789abcdef0123456789abcdef 1=when.at 2=place", 1), "only a meeting_point param"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		writeTmpl(t, dir, "t.tmpl", tc.body)
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.wantMsg)
		}
	}
	// A WhatsApp variable may carry the at form.
	dir := t.TempDir()
	writeTmpl(t, dir, "t.tmpl", strings.Replace(withPlace, "channels: sms", "channels: sms, whatsapp\nwhatsapp en discreet: HX0123456789abcdef0123456789abcdef 1=when 2=place.at", 1))
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := render(t, c, RenderRequest{TemplateID: "x_note", Lang: "en", Variant: Discreet, Channel: "whatsapp", TimeZone: "Europe/London",
		Params:  map[string]string{"when": "2026-06-03T08:00:00Z", "place": "Victoria bus station"},
		AtForms: map[string]map[string]string{"place": {"en": "at the Victoria bus station"}}})
	if r.ContentVariables["2"] != "at the Victoria bus station" || !strings.Contains(r.Text, ", at the Victoria bus station.") {
		t.Errorf("whatsapp: %q %v", r.Text, r.ContentVariables)
	}
}

// The longest at form a place may register (the longest lead before the
// name) costs a discreet SMS of the
// three meeting-point templates at most one segment more than the longest
// name with the default construction.
func TestAtFormSMSLength(t *testing.T) {
	t.Parallel()
	c := mustBuiltin(t)
	name := strings.Repeat("Sol ", 19) + "Sur" // 79 runes
	for _, id := range []string{"appointment_reminder", "appointment_changed", "meet_proposal"} {
		for _, l := range ShippedLanguages {
			base := RenderRequest{TemplateID: id, Lang: l, Variant: Discreet, Channel: "sms", TimeZone: "Europe/Madrid",
				Params: map[string]string{"when": "2026-09-30T20:30:00Z", "place": name}}
			def := render(t, c, base)
			// The longest lead: as many words, of as many letters, as
			// CheckAtFormWords allows.
			form := strings.Repeat("dentro ", MaxAtFormLeadWords) + name
			base.AtForms = map[string]map[string]string{"place": {l: form}}
			long := render(t, c, base)
			if long.SMS.Segments > def.SMS.Segments+1 {
				t.Errorf("%s %s: %d segments with a %d-byte at form, %d with the default", id, l, long.SMS.Segments, len(form), def.SMS.Segments)
			}
		}
	}
}

// An at form is the name with at most a short lead (preposition, article)
// before it and nothing but closing punctuation after it, in every
// language at forms are registered for.
func TestCheckAtFormWords(t *testing.T) {
	t.Parallel()
	ok, lacks, extra := error(nil), ErrAtFormLacksName, ErrAtFormExtraWords
	cases := []struct {
		lang, form, name string
		want             error
	}{
		// es
		{"es", "en Metro Sol", "Metro Sol", ok},
		{"es", "en la Plaza Mayor", "Plaza Mayor", ok},
		{"es", "a la parada de Sol", "parada de Sol", ok},
		{"es", "junto a la Puerta del Sol", "Puerta del Sol", ok},
		{"es", "Metro Sol", "Metro Sol", ok},
		{"es", "en Metro Sol, salida 2", "Metro Sol", extra},
		{"es", "en Metro Sol salida Preciados", "Metro Sol", extra},
		{"es", "enfrente de la Puerta del Sol", "Puerta del Sol", extra}, // a 8-letter word
		{"es", "al lado de la Puerta del Sol", "Puerta del Sol", extra},  // four words
		{"es", "en el 2º piso de Metro Sol", "Metro Sol", extra},
		{"es", "en Metro Solana", "Metro Sol", lacks},
		// ca
		{"ca", "a la Plaça Reial", "Plaça Reial", ok},
		{"ca", "al Mercat de Sant Antoni", "Mercat de Sant Antoni", ok},
		{"ca", "davant de l'Estació de França", "Estació de França", ok},
		{"ca", "a prop de l'Estació de França", "Estació de França", extra}, // four words: an elided article counts
		{"ca", "de l’Estació de França", "Estació de França", ok},           // typographic apostrophe
		{"ca", "a la placa reial.", "Plaça Reial", ok},
		{"ca", "a la Plaça Reial, porta B", "Plaça Reial", extra},
		{"ca", "darrere la Plaça Reial", "Plaça Reial", extra}, // 7 letters
		{"ca", "al Mercat", "Mercat de Sant Antoni", lacks},
		// it
		{"it", "alla Stazione Termini", "Stazione Termini", ok},
		{"it", "all'Arsenale", "Arsenale", ok},
		{"it", "presso la Stazione Termini", "Stazione Termini", ok},
		{"it", "nell'atrio dell'Arsenale", "Arsenale", extra}, // "nell'atrio" has 9 letters
		{"it", "all'Arsenale, secondo piano", "Arsenale", extra},
		{"it", "davanti alla Stazione Termini", "Stazione Termini", extra},
		// fr
		{"fr", "au Café de Flore", "Café de Flore", ok},
		{"fr", "près de la Gare de Lyon", "Gare de Lyon", ok},
		{"fr", "à l'Hôtel de Ville", "Hôtel de Ville", ok},
		{"fr", "au Café de Flore, 2e étage, porte B", "Café de Flore", extra},
		{"fr", "au 2e étage du Café de Flore", "Café de Flore", extra},
		{"fr", "au-Café de Flore", "Café de Flore", extra},
		{"fr", "au Café", "Café de Flore", lacks},
		// pt
		{"pt", "na Estação do Rossio", "Estação do Rossio", ok},
		{"pt", "junto à Estação do Rossio", "Estação do Rossio", ok},
		{"pt", "em frente à Estação do Rossio", "Estação do Rossio", ok},
		{"pt", "mesmo em frente à Estação do Rossio", "Estação do Rossio", extra}, // four words
		{"pt", "na Estação do Rossio (saída norte)", "Estação do Rossio", extra},
		{"pt", "no Rossio", "Estação do Rossio", lacks},
		// ro
		{"ro", "la Piața Unirii", "Piața Unirii", ok},
		{"ro", "în fața Gării de Nord", "Gării de Nord", ok},
		{"ro", "lângă Piața Unirii", "Piața Unirii", ok},
		{"ro", "la ieșirea spre Piața Unirii", "Piața Unirii", extra}, // 7 letters
		{"ro", "la Piața Unirii, lângă farmacie", "Piața Unirii", extra},
		// en
		{"en", "at Victoria station", "Victoria station", ok},
		{"en", "at the Victoria bus station", "Victoria bus station", ok},
		{"en", "near the Victoria bus station", "Victoria bus station", ok},
		{"en", "at the \"Victoria bus station\"", "Victoria bus station", extra}, // an opening quote is no letter
		{"en", "near the Victoria bus station behind the clinic", "Victoria bus station", extra},
		{"en", "at door 3 of Victoria station", "Victoria station", extra},
		{"en", "on the top floor of Victoria station", "Victoria station", extra},
		{"en", "outside Victoria station", "Victoria station", extra},
		{"en", "at Victoria station at Victoria station", "Victoria station", extra},
		{"en", "at Victoria", "Victoria station", lacks},
		{"en", "", "Victoria station", lacks},
	}
	for _, tc := range cases {
		if got := CheckAtFormWords(tc.form, tc.name); !errors.Is(got, tc.want) || (tc.want == nil) != (got == nil) {
			t.Errorf("%s: CheckAtFormWords(%q, %q) = %v, want %v", tc.lang, tc.form, tc.name, got, tc.want)
		}
	}
}

// Render refuses, never falls back, when a stored form says more than the
// name and its preposition.
func TestRenderRefusesAtFormExtraWords(t *testing.T) {
	t.Parallel()
	c := mustBuiltin(t)
	for lang, form := range map[string]string{"fr": "au Café de Flore, 2e étage, porte B", "en": "near the Café de Flore behind the clinic"} {
		_, err := c.Render(RenderRequest{TemplateID: "appointment_reminder", Lang: lang, Variant: Discreet, Channel: "sms", TimeZone: "Europe/Paris",
			Params: map[string]string{"when": "2026-06-03T08:00:00Z", "place": "Café de Flore"}, AtForms: map[string]map[string]string{"place": {lang: form}}})
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidParam || e.Field != "place.at" {
			t.Errorf("%s: %v, want %s on place.at", lang, err, CodeInvalidParam)
			continue
		}
		if strings.Contains(e.Message, "Flore") || strings.Contains(e.Message, "clinic") {
			t.Errorf("%s: the message echoes the form: %s", lang, e.Message)
		}
	}
}
