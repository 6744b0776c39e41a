package templates

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
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
			// The longest lead CheckAtFormWords allows: the language's
			// longest lead words, as many as allowed.
			form := longestLead(l) + name
			if err := CheckAtFormWords(l, form, name); err != nil {
				t.Fatalf("%s: %q: %v", l, form, err)
			}
			base.AtForms = map[string]map[string]string{"place": {l: form}}
			long := render(t, c, base)
			if long.SMS.Segments > def.SMS.Segments+1 {
				t.Errorf("%s %s: %d segments with a %d-byte at form, %d with the default", id, l, long.SMS.Segments, len(form), def.SMS.Segments)
			}
		}
	}
}

// longestLead is lang's longest lead: its MaxAtFormLeadWords longest lead
// words that are not elided, each followed by a space, without their
// diacritics (which CheckAtFormWords folds) so that the SMS stays in the
// GSM alphabet as with the default construction.
func longestLead(lang string) string {
	ws := slices.Clone(atLeadWords[atLang(lang)])
	ws = slices.DeleteFunc(ws, func(w string) bool { return strings.HasSuffix(w, "'") })
	slices.SortFunc(ws, func(a, b string) int { return len(b) - len(a) })
	var sb strings.Builder
	for _, w := range ws[:min(MaxAtFormLeadWords, len(ws))] {
		for _, r := range norm.NFD.String(w) {
			if !unicode.Is(unicode.Mn, r) {
				sb.WriteRune(r)
			}
		}
		sb.WriteByte(' ')
	}
	return sb.String()
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
		{"es", "enfrente de la Puerta del Sol", "Puerta del Sol", ok}, // in front of: the place itself
		{"es", "al lado del Metro Sol", "Metro Sol", ok},
		{"es", "cerca de la Puerta del Sol", "Puerta del Sol", ok},
		{"es", "detrás de la Puerta del Sol", "Puerta del Sol", extra},  // behind
		{"es", "fuera de la Puerta del Sol", "Puerta del Sol", extra},   // outside
		{"es", "al lado de la Puerta del Sol", "Puerta del Sol", extra}, // four words
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
		{"ca", "darrere la Plaça Reial", "Plaça Reial", extra},                 // behind
		{"ca", "a prop de la Plaça Reial", "Plaça Reial", extra},               // four words
		{"ca", "al costat de l'Estació de França", "Estació de França", extra}, // four words
		{"ca", "a prop del Mercat de Sant Antoni", "Mercat de Sant Antoni", ok},
		{"ca", "a l’Estació de França", "Estació de França", ok},
		{"ca", "al Mercat", "Mercat de Sant Antoni", lacks},
		// it
		{"it", "alla Stazione Termini", "Stazione Termini", ok},
		{"it", "all'Arsenale", "Arsenale", ok},
		{"it", "presso la Stazione Termini", "Stazione Termini", ok},
		{"it", "nell'atrio dell'Arsenale", "Arsenale", extra}, // "nell'atrio" has 9 letters
		{"it", "all'Arsenale, secondo piano", "Arsenale", extra},
		{"it", "davanti alla Stazione Termini", "Stazione Termini", ok}, // in front of: the place itself
		{"it", "nella Stazione Termini", "Stazione Termini", ok},
		{"it", "vicino alla Stazione Termini", "Stazione Termini", ok},
		{"it", "dietro la Stazione Termini", "Stazione Termini", extra},   // behind
		{"it", "fuori dalla Stazione Termini", "Stazione Termini", extra}, // outside
		// fr
		{"fr", "au Café de Flore", "Café de Flore", ok},
		{"fr", "près de la Gare de Lyon", "Gare de Lyon", ok},
		{"fr", "à l'Hôtel de Ville", "Hôtel de Ville", ok},
		{"fr", "au Café de Flore, 2e étage, porte B", "Café de Flore", extra},
		{"fr", "au 2e étage du Café de Flore", "Café de Flore", extra},
		{"fr", "au-Café de Flore", "Café de Flore", extra},
		{"fr", "devant la Gare de Lyon", "Gare de Lyon", ok},
		{"fr", "à côté de la Gare de Lyon", "Gare de Lyon", extra}, // four words
		{"fr", "à côté du Café de Flore", "Café de Flore", ok},
		{"fr", "dans le Jardin du Luxembourg", "Jardin du Luxembourg", ok},
		{"fr", "derrière la Gare de Lyon", "Gare de Lyon", extra}, // behind
		{"fr", "au Café", "Café de Flore", lacks},
		// pt
		{"pt", "na Estação do Rossio", "Estação do Rossio", ok},
		{"pt", "junto à Estação do Rossio", "Estação do Rossio", ok},
		{"pt", "em frente à Estação do Rossio", "Estação do Rossio", ok},
		{"pt", "mesmo em frente à Estação do Rossio", "Estação do Rossio", extra}, // four words
		{"pt", "na Estação do Rossio (saída norte)", "Estação do Rossio", extra},
		{"pt", "no Rossio", "Estação do Rossio", lacks},
		{"pt", "ao lado da Estação do Rossio", "Estação do Rossio", ok},
		{"pt", "perto da Estação do Rossio", "Estação do Rossio", ok},
		{"pt", "atrás da Estação do Rossio", "Estação do Rossio", extra}, // behind
		{"pt", "no no no Rossio", "Rossio", extra},                       // a word twice
		// ro
		{"ro", "la Piața Unirii", "Piața Unirii", ok},
		{"ro", "în fața Gării de Nord", "Gării de Nord", ok},
		{"ro", "lângă Piața Unirii", "Piața Unirii", ok},
		{"ro", "la ieșirea spre Piața Unirii", "Piața Unirii", extra}, // 7 letters
		{"ro", "la Piața Unirii, lângă farmacie", "Piața Unirii", extra},
		{"ro", "în faţa Gării de Nord", "Gării de Nord", ok}, // ţ with a cedilla
		{"ro", "aproape de Piața Unirii", "Piața Unirii", ok},
		{"ro", "pe Bulevardul Unirii", "Bulevardul Unirii", ok},
		{"ro", "după Piața Unirii", "Piața Unirii", extra}, // behind
		// en
		{"en", "at Victoria station", "Victoria station", ok},
		{"en", "at the Victoria bus station", "Victoria bus station", ok},
		{"en", "near the Victoria bus station", "Victoria bus station", ok},
		{"en", "at the \"Victoria bus station\"", "Victoria bus station", extra}, // an opening quote is no letter
		{"en", "near the Victoria bus station behind the clinic", "Victoria bus station", extra},
		{"en", "at door 3 of Victoria station", "Victoria station", extra},
		{"en", "on the top floor of Victoria station", "Victoria station", extra},
		{"en", "outside Victoria station", "Victoria station", extra},
		{"en", "behind Victoria station", "Victoria station", extra},
		{"en", "opposite Victoria station", "Victoria station", extra},
		{"en", "next to Victoria station", "Victoria station", ok},
		{"en", "in front of Victoria station", "Victoria station", ok},
		{"en", "in front of the Victoria station", "Victoria station", extra}, // four words
		{"en", "by the Victoria station", "Victoria station", ok},
		{"en", "the the the Victoria station", "Victoria station", extra}, // a word twice
		{"en", "AT THE Victoria station", "Victoria station", ok},
		{"en", "at Victoria station at Victoria station", "Victoria station", extra},
		{"en", "at Victoria", "Victoria station", lacks},
		{"en", "", "Victoria station", lacks},
	}
	for _, tc := range cases {
		if got := CheckAtFormWords(tc.lang, tc.form, tc.name); !errors.Is(got, tc.want) || (tc.want == nil) != (got == nil) {
			t.Errorf("%s: CheckAtFormWords(%q, %q) = %v, want %v", tc.lang, tc.form, tc.name, got, tc.want)
		}
	}
}

// Render refuses, never falls back, when a stored form says more than the
// name and its preposition.
func TestRenderRefusesAtFormExtraWords(t *testing.T) {
	t.Parallel()
	c := mustBuiltin(t)
	for lang, form := range map[string]string{"fr": "au Café de Flore, 2e étage, porte B", "en": "near the Café de Flore behind the clinic",
		"es": "huye al Café de Flore", "it": "sbirri al Café de Flore", "pt": "foge ao Café de Flore", "ro": "fugi la Café de Flore", "ca": "fuig al Café de Flore"} {
		_, err := c.Render(RenderRequest{TemplateID: "appointment_reminder", Lang: lang, Variant: Discreet, Channel: "sms", TimeZone: "Europe/Paris",
			Params: map[string]string{"when": "2026-06-03T08:00:00Z", "place": "Café de Flore"}, AtForms: map[string]map[string]string{"place": {lang: form}}})
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidParam || e.Field != "place.at" {
			t.Errorf("%s: %v, want %s on place.at", lang, err, CodeInvalidParam)
			continue
		}
		if strings.Contains(e.Message, "Flore") || strings.Contains(e.Message, "clinic") || strings.Contains(e.Message, "Café") {
			t.Errorf("%s: the message echoes the form: %s", lang, e.Message)
		}
	}
}

// A lead is made of her language's prepositions and articles only: any
// other short word could tell whoever reads her phone something of its
// own.
func TestCheckAtFormLeadWords(t *testing.T) {
	t.Parallel()
	const cafe = "Café de Flore"
	refused := []struct{ lang, form string }{
		{"fr", "fuir au Café de Flore"},
		{"fr", "flics au Café de Flore"},
		{"en", "cops at the Café de Flore"},
		{"en", "run to Café de Flore"},
		{"en", "flee to Café de Flore"},
		{"en", "ICE at Café de Flore"},
		{"en", "pills at Café de Flore"},
		{"es", "huye al Café de Flore"},
		{"es", "pasma al Café de Flore"},
		{"it", "scappa al Café de Flore"},
		{"it", "sbirri al Café de Flore"},
		{"pt", "foge ao Café de Flore"},
		{"ro", "fugi la Café de Flore"},
		{"ca", "fuig al Café de Flore"},
		{"ca", "mossos al Café de Flore"},
		// The name again, before itself.
		{"fr", "Café de Flore Café de Flore"},
		{"fr", "au Café de Flore au Café de Flore"},
		// Another language's preposition.
		{"en", "au Café de Flore"},
		{"fr", "at the Café de Flore"},
		{"ro", "al Café de Flore"},
		// No at forms in this language: the name alone.
		{"de", "am Café de Flore"},
		// Digits and punctuation are no preposition.
		{"it", "a1 Café de Flore"},
		{"fr", "à, Café de Flore"},
		{"en", "at: Café de Flore"},
	}
	for _, tc := range refused {
		if err := CheckAtFormWords(tc.lang, tc.form, cafe); !errors.Is(err, ErrAtFormExtraWords) {
			t.Errorf("%s: CheckAtFormWords(%q) = %v, want %v", tc.lang, tc.form, err, ErrAtFormExtraWords)
		}
	}
	accepted := []struct{ lang, form, name string }{
		{"es", "en el Café de Flore", cafe},
		{"es", "junto al Café de Flore", cafe},
		{"es", "delante del Café de Flore", cafe},
		{"ca", "davant del Café de Flore", cafe},
		{"ca", "a l'Estació de França", "Estació de França"},
		{"ca", "d'Estació de França", "Estació de França"},
		{"it", "al Café de Flore", cafe},
		{"it", "dell'Arsenale", "Arsenale"},
		{"it", "sull'Arsenale", "Arsenale"},
		{"it", "dall'Arsenale", "Arsenale"},
		{"it", "nell'Arsenale", "Arsenale"},
		{"it", "accanto al Café de Flore", cafe},
		{"fr", "au Café de Flore", cafe},
		{"fr", "près du Café de Flore", cafe},
		{"fr", "face au Café de Flore", cafe},
		{"fr", "de l'Hôtel de Ville", "Hôtel de Ville"},
		{"pt", "ao Café de Flore", cafe},
		{"pt", "às Portas do Sol", "Portas do Sol"},
		{"pt", "do Café de Flore", cafe},
		{"pt", "diante do Café de Flore", cafe},
		{"ro", "la Café de Flore", cafe},
		{"ro", "în fața Café de Flore", cafe},
		{"ro", "lângă Café de Flore", cafe},
		{"ro", "lîngă Café de Flore", cafe},
		{"ro", "de la Café de Flore", cafe},
		{"en", "at the Café de Flore", cafe},
		{"en", "near the Café de Flore", cafe},
		{"en", "beside the Café de Flore", cafe},
		{"en", "Café de Flore", cafe},
		{"pt-BR", "no Café de Flore", cafe},
		{"de", "Café de Flore", cafe},
	}
	for _, tc := range accepted {
		if err := CheckAtFormWords(tc.lang, tc.form, tc.name); err != nil {
			t.Errorf("%s: CheckAtFormWords(%q, %q) = %v, want nil", tc.lang, tc.form, tc.name, err)
		}
	}
	// Every apostrophe the normaliser folds elides.
	for _, a := range []string{"'", "’", "‘", "`", "´", "ʼ"} {
		for lang, lead := range map[string]string{"fr": "à l" + a, "it": "all" + a, "ca": "de l" + a} {
			if err := CheckAtFormWords(lang, lead+"Arsenale", "Arsenale"); err != nil {
				t.Errorf("%s: %q: %v", lang, lead+"Arsenale", err)
			}
		}
	}
}

// An at form says the place in plain letters: a lead, a name or closing
// punctuation drawn with compatibility characters (full-width letters,
// superscript letters, a full-width apostrophe or bracket) is refused as
// extra words, not read as its plain form, at registration and in Render.
// The name may keep the compatibility characters it is registered with,
// and the ellipsis stays a closing punctuation.
func TestCheckAtFormCompatibilityCharacters(t *testing.T) {
	t.Parallel()
	refused := []struct{ lang, form, name string }{
		{"es", "ｅｎ ｅｌ Café X", "Café X"},
		{"es", "ｅｎ el Café X", "Café X"},
		{"es", "ＥＮ ＥＬ Café X", "Café X"},
		{"fr", "ａｕ Café de Flore", "Café de Flore"},
		{"en", "ａｔ ｔｈｅ Victoria station", "Victoria station"},
		{"it", "all＇Arsenale", "Arsenale"},
		{"es", "ᵉⁿ Café X", "Café X"},
		{"ca", "a ˡa Plaça Reial", "Plaça Reial"},
		{"es", "en el Ｃａｆé Ｘ", "Café X"},
		{"es", "en el Café Ｘ", "Café X"},
		{"es", "en el Café X）", "Café X"},
		// A compatibility character of the registered name is compared
		// as itself: another case, width or height of it is another
		// character.
		{"es", "en el Café ｘ", "Café Ｘ"},
		{"es", "en el Café ˣ", "Café Ｘ"},
		{"es", "en el Café ᵃ", "Café a"},
		{"es", "en el Café ᵃ", "Café ª"},
		{"es", "en el Ｃａｆé Ｘ", "Café Ｘ"},
	}
	for _, tc := range refused {
		if err := CheckAtFormWords(tc.lang, tc.form, tc.name); !errors.Is(err, ErrAtFormExtraWords) {
			t.Errorf("%s: CheckAtFormWords(%q, %q) = %v, want %v", tc.lang, tc.form, tc.name, err, ErrAtFormExtraWords)
		}
	}
	accepted := []struct{ lang, form, name string }{
		{"es", "en el Café X", "Café X"},
		{"es", "en el Ｃａｆé Ｘ", "Ｃａｆé Ｘ"},
		{"fr", "a\u0300 l'Arsenale", "Arsenale"}, // à decomposed: a canonical equivalent
		{"ca", "a la Plaça Reial…", "Plaça Reial"},
		{"es", "en el Café X)", "Café X"},
		// º, ª, ° and the Catalan ŀ are letters the normaliser folds by
		// name (to o, a, o and l), as in an ordinary name.
		{"es", "en la Plaza 1º de Mayo", "Plaza 1° de Mayo"},
		{"es", "en la Plaza 1º de Mayo", "Plaza 1o de Mayo"},
		{"es", "en la Plaza 1° de Mayo", "Plaza 1º de Mayo"},
		{"es", "en la Calle 2ª", "Calle 2a"},
		{"es", "en la Calle 2ª", "Calle 2ª"},
		{"ca", "al Coŀlegi Major", "Col·legi Major"},
		{"ca", "al COĿLEGI Major", "Col·legi Major"},
		// With a compatibility character of the registered name in it, the
		// rest of the name is compared as without: case and accents folded.
		{"es", "en el cafe Ｘ", "Café Ｘ"},
		{"es", "en el CAFÉ  Ｘ", "Café Ｘ"},
		{"es", "en el Cafe\u0301 Ｘ", "café Ｘ"},
	}
	for _, tc := range accepted {
		if err := CheckAtFormWords(tc.lang, tc.form, tc.name); err != nil {
			t.Errorf("%s: CheckAtFormWords(%q, %q) = %v, want nil", tc.lang, tc.form, tc.name, err)
		}
	}
	c := mustBuiltin(t)
	for _, form := range []string{"ｅｎ ｅｌ Café de Flore", "en el Ｃａｆé de Flore"} {
		_, err := c.Render(RenderRequest{TemplateID: "appointment_reminder", Lang: "es", Variant: Discreet, Channel: "sms", TimeZone: "Europe/Madrid",
			Params: map[string]string{"when": "2026-06-03T08:00:00Z", "place": "Café de Flore"}, AtForms: map[string]map[string]string{"place": {"es": form}}})
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidParam || e.Field != "place.at" {
			t.Errorf("render %q: %v, want %s on place.at", form, err, CodeInvalidParam)
		}
	}
}

// Every lead word is a word of its own: letters and an elision mark, no
// space; every at-form language has lead words, and only they.
func TestAtLeadWords(t *testing.T) {
	t.Parallel()
	for _, l := range AtFormLanguages {
		if len(atLeadWords[l]) == 0 {
			t.Errorf("at-form language %s has no lead words", l)
		}
		if !slices.Contains(atLeadWords[l], strings.TrimSpace(DefaultAtForm(l, ""))) {
			t.Errorf("%s: the default construction %q is no lead word", l, DefaultAtForm(l, ""))
		}
	}
	for l, ws := range atLeadWords {
		if !slices.Contains(AtFormLanguages, l) {
			t.Errorf("lead words for %s, which has no at forms", l)
		}
		for _, w := range ws {
			if strings.TrimRight(w, "'") != strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) || strings.Count(w, "'") > 1 {
				t.Errorf("%s: lead word %q", l, w)
			}
		}
	}
}
