package templates

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"safecontact/errs"
)

func mustBuiltin(t testing.TB) *Catalog {
	t.Helper()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFormatDateTime(t *testing.T) {
	mad, _ := time.LoadLocation("Europe/Madrid")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, mad)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		lang, when, want string
	}{
		{"es", "2025-06-03 10:00", "martes 3 de junio, 10:00"},
		{"es", "2025-01-01 09:05", "miércoles 1 de enero, 9:05"},
		{"es-MX", "2025-06-07 18:30", "sábado 7 de junio, 18:30"},
		{"ca", "2025-06-03 10:00", "dimarts 3 de juny, 10:00"},
		{"ca", "2025-04-03 09:30", "dijous 3 d'abril, 9:30"},
		{"ca", "2025-08-15 12:00", "divendres 15 d'agost, 12:00"},
		{"ca", "2025-10-05 12:00", "diumenge 5 d'octubre, 12:00"},
		{"ca", "2025-03-10 08:00", "dilluns 10 de març, 8:00"},
		{"it", "2025-06-03 10:00", "martedì 3 giugno, ore 10:00"},
		{"it", "2025-06-01 00:00", "domenica 1 giugno, ore 0:00"},
		{"en", "2025-06-03 10:00", "Tuesday 3 June, 10:00"},
		{"en", "2025-12-25 17:45", "Thursday 25 December, 17:45"},
		{"fr", "2025-06-03 10:00", "mardi 3 juin à 10h00"},
		{"fr", "2025-06-01 09:30", "dimanche 1er juin à 9h30"},
		{"fr", "2025-08-14 14:00", "jeudi 14 août à 14h00"},
		{"pt", "2025-06-03 10:00", "terça-feira, 3 de junho, às 10:00"},
		{"pt-BR", "2025-03-08 11:15", "sábado, 8 de março, às 11:15"},
		{"pt", "2025-06-03 00:00", "terça-feira, 3 de junho, à 0:00"},
		{"pt", "2025-06-03 00:45", "terça-feira, 3 de junho, à 0:45"},
		{"pt", "2025-06-03 01:00", "terça-feira, 3 de junho, à 1:00"},
		{"pt", "2025-06-03 01:59", "terça-feira, 3 de junho, à 1:59"},
		{"pt", "2025-06-03 02:00", "terça-feira, 3 de junho, às 2:00"},
		{"pt", "2025-06-03 12:00", "terça-feira, 3 de junho, às 12:00"},
		{"pt", "2025-06-03 13:00", "terça-feira, 3 de junho, às 13:00"},
		{"pt", "2025-06-03 21:00", "terça-feira, 3 de junho, às 21:00"},
		{"ro", "2025-06-03 10:00", "marți, 3 iunie, ora 10:00"},
		{"ro", "2025-11-30 16:00", "duminică, 30 noiembrie, ora 16:00"},
		{"de", "2025-06-03 10:00", "2025-06-03 10:00"},
	}
	for _, c := range cases {
		if got := FormatDateTime(c.lang, at(c.when)); got != c.want {
			t.Errorf("FormatDateTime(%s, %s) = %q, want %q", c.lang, c.when, got, c.want)
		}
	}
	// Every weekday and month name is used in a week / a year.
	for _, l := range ShippedLanguages {
		seen := map[string]bool{}
		d := at("2025-01-01 10:00")
		for i := 0; i < 365; i++ {
			seen[FormatDateTime(l, d.AddDate(0, 0, i))] = true
		}
		if len(seen) != 365 {
			t.Errorf("%s: %d distinct renderings of 365 days", l, len(seen))
		}
	}
}

func render(t *testing.T, c *Catalog, req RenderRequest) Rendered {
	t.Helper()
	r, err := c.Render(req)
	if err != nil {
		t.Fatalf("Render(%s %s %s): %v", req.TemplateID, req.Lang, req.Variant, err)
	}
	return r
}

func TestRenderTimeZoneAndLanguage(t *testing.T) {
	c := mustBuiltin(t)
	base := RenderRequest{TemplateID: "callback_notice", Variant: Discreet, Channel: "sms",
		Params: map[string]string{"when": "2025-01-14T09:00:00Z"}}
	cases := []struct{ lang, tz, wantLang, want string }{
		{"es", "Europe/Madrid", "es", "Hola, te llamo el martes 14 de enero, 10:00. ¡Hablamos!"},
		{"es-419", "America/Mexico_City", "es", "Hola, te llamo el martes 14 de enero, 3:00. ¡Hablamos!"},
		{"ro", "Europe/Bucharest", "ro", "Bună, te sun marți, 14 ianuarie, ora 11:00. Vorbim!"},
		{"ro-MD", "Europe/Chisinau", "ro", "Bună, te sun marți, 14 ianuarie, ora 11:00. Vorbim!"},
		{"en-GB", "Europe/London", "en", "Hi, I'll call you on Tuesday 14 January, 9:00. Speak soon!"},
		{"fr-BE", "Europe/Brussels", "fr", "Salut, je t'appelle mardi 14 janvier à 10h00. À bientôt !"},
		{"pt-BR", "America/Sao_Paulo", "pt", "Olá, ligo-te terça-feira, 14 de janeiro, às 6:00. Falamos!"},
		{"it", "Europe/Rome", "it", "Ciao, ti chiamo martedì 14 gennaio, ore 10:00. A presto!"},
		{"ca", "Europe/Madrid", "ca", "Hola, et truco el dimarts 14 de gener, 10:00. Parlem!"},
		// Not shipped: fall back through x/text matching, English last.
		{"de", "Europe/Berlin", "en", "Hi, I'll call you on Tuesday 14 January, 10:00. Speak soon!"},
		{"ar-MA", "Africa/Casablanca", "en", "Hi, I'll call you on Tuesday 14 January, 10:00. Speak soon!"},
		{"", "Europe/London", "en", "Hi, I'll call you on Tuesday 14 January, 9:00. Speak soon!"},
		{"gl", "Europe/Madrid", "es", "Hola, te llamo el martes 14 de enero, 10:00. ¡Hablamos!"},
	}
	for _, tc := range cases {
		req := base
		req.Lang, req.TimeZone = tc.lang, tc.tz
		r := render(t, c, req)
		if r.Lang != tc.wantLang || r.Text != tc.want {
			t.Errorf("%s/%s: got (%s) %q, want (%s) %q", tc.lang, tc.tz, r.Lang, r.Text, tc.wantLang, tc.want)
		}
		if r.TemplateID != "callback_notice" || r.Version != 1 || r.Variant != Discreet || r.Channel != "sms" {
			t.Errorf("record fields: %+v", r)
		}
	}
	// Summer time.
	req := base
	req.Lang, req.TimeZone = "es", "Europe/Madrid"
	req.Params = map[string]string{"when": "2025-06-03T08:00:00Z"}
	if r := render(t, c, req); !strings.Contains(r.Text, "martes 3 de junio, 10:00") {
		t.Errorf("summer time: %q", r.Text)
	}
	// An offset in the input is honoured, the output is in her zone.
	req.Params = map[string]string{"when": "2025-06-03T12:00:00+04:00"}
	if r := render(t, c, req); !strings.Contains(r.Text, "martes 3 de junio, 10:00") {
		t.Errorf("offset: %q", r.Text)
	}
}

func TestRenderChannelBodiesAndPreview(t *testing.T) {
	c := mustBuiltin(t)
	req := RenderRequest{TemplateID: "appointment_reminder", Lang: "es", Variant: Discreet,
		Params: map[string]string{"when": "2025-06-03T08:00:00Z", "place": "Metro Sol"}, TimeZone: "Europe/Madrid"}
	req.Channel = "sms"
	sms := render(t, c, req)
	req.Channel = "voice"
	voice := render(t, c, req)
	req.Channel = "WhatsApp"
	wa := render(t, c, req)
	if sms.Text != wa.Text || wa.Channel != "whatsapp" {
		t.Errorf("sms and whatsapp share the default body: %q / %q", sms.Text, wa.Text)
	}
	if !strings.HasPrefix(voice.Text, "Hola, soy yo.") || voice.Text == sms.Text {
		t.Errorf("voice has its own body: %q", voice.Text)
	}
	if wa.ContentSID != "" || wa.ContentVariables != nil {
		t.Errorf("built-in templates configure no WhatsApp content: %+v", wa)
	}
	p, err := c.Preview(req)
	if err != nil || p != wa.Text {
		t.Errorf("Preview = %q, %v; want %q", p, err, wa.Text)
	}
	if sms.SMS != SMSSegments(sms.Text) || sms.SMS.Encoding != EncodingGSM7 || sms.SMS.Segments != 1 {
		t.Errorf("SMS info %+v", sms.SMS)
	}
	// NFD input comes out NFC, so the phone shows (and we count) the same.
	req.Channel = "sms"
	req.Params = map[string]string{"when": "2025-06-03T08:00:00Z", "place": "Metro Sants Estacio\u0301"}
	r := render(t, c, req)
	if !strings.Contains(r.Text, "Sants Estació.") || strings.ContainsRune(r.Text, '\u0301') {
		t.Errorf("not NFC: %q", r.Text)
	}
	// Extra spaces in a meeting point are collapsed.
	req.Params = map[string]string{"when": "2025-06-03T08:00:00Z", "place": "  Metro   Sol "}
	if r := render(t, c, req); !strings.Contains(r.Text, "en Metro Sol.") {
		t.Errorf("spaces: %q", r.Text)
	}
}

func TestRenderErrors(t *testing.T) {
	c := mustBuiltin(t)
	const secret = "Calle Mayor 5"
	ok := RenderRequest{TemplateID: "appointment_reminder", Lang: "es", Variant: Discreet, Channel: "sms",
		Params: map[string]string{"when": "2025-06-03T08:00:00Z", "place": "Metro Sol"}, TimeZone: "Europe/Madrid"}
	with := func(f func(r *RenderRequest)) RenderRequest {
		r := ok
		r.Params = map[string]string{}
		for k, v := range ok.Params {
			r.Params[k] = v
		}
		f(&r)
		return r
	}
	cases := []struct {
		name        string
		req         RenderRequest
		code, field string
	}{
		{"unknown template", with(func(r *RenderRequest) { r.TemplateID = "nope" }), CodeUnknownTemplate, "template_id"},
		{"bad variant", with(func(r *RenderRequest) { r.Variant = "loud" }), CodeInvalidParam, "variant"},
		{"empty variant", with(func(r *RenderRequest) { r.Variant = "" }), CodeInvalidParam, "variant"},
		{"unknown channel", with(func(r *RenderRequest) { r.Channel = "fax" }), CodeUnsupportedChannel, "channel"},
		{"empty channel", with(func(r *RenderRequest) { r.Channel = "" }), CodeUnsupportedChannel, "channel"},
		{"channel not declared", RenderRequest{TemplateID: "safety_checkin", Lang: "es", Variant: Discreet, Channel: "voice",
			Params: map[string]string{"code": "12"}}, CodeUnsupportedChannel, "channel"},
		{"bad lang", with(func(r *RenderRequest) { r.Lang = "!!not a tag" }), CodeInvalidParam, "lang"},
		{"missing param", with(func(r *RenderRequest) { delete(r.Params, "place") }), CodeMissingParam, "place"},
		{"blank param", with(func(r *RenderRequest) { r.Params["when"] = "  " }), CodeMissingParam, "when"},
		{"unknown param", with(func(r *RenderRequest) { r.Params["extra"] = secret }), CodeInvalidParam, "extra"},
		{"weird unknown param", with(func(r *RenderRequest) { r.Params[secret] = "x" }), CodeInvalidParam, "params"},
		{"missing tz", with(func(r *RenderRequest) { r.TimeZone = "" }), CodeMissingParam, "time_zone"},
		{"bad tz", with(func(r *RenderRequest) { r.TimeZone = "Mars/Olympus" }), CodeInvalidParam, "time_zone"},
		{"local tz", with(func(r *RenderRequest) { r.TimeZone = "Local" }), CodeInvalidParam, "time_zone"},
		{"bad datetime", with(func(r *RenderRequest) { r.Params["when"] = "3 June " + secret }), CodeInvalidParam, "when"},
		{"date without time", with(func(r *RenderRequest) { r.Params["when"] = "2025-06-03" }), CodeInvalidParam, "when"},
		{"address as meeting point", with(func(r *RenderRequest) { r.Params["place"] = secret }), CodeInvalidParam, "place"},
		{"phone as meeting point", with(func(r *RenderRequest) { r.Params["place"] = "612 345 678" }), CodeInvalidParam, "place"},
		{"shelter as meeting point", with(func(r *RenderRequest) { r.Params["place"] = "Casa de acogida Sol" }), CodeInvalidParam, "place"},
		{"police station as meeting point", with(func(r *RenderRequest) { r.Params["place"] = "Comisaría de Sol" }), CodeInvalidParam, "place"},
		{"multi-line meeting point", with(func(r *RenderRequest) { r.Params["place"] = "Metro\nSol" }), CodeInvalidParam, "place"},
		{"braces in meeting point", with(func(r *RenderRequest) { r.Params["place"] = "{when}" }), CodeInvalidParam, "place"},
		{"long meeting point", with(func(r *RenderRequest) { r.Params["place"] = strings.Repeat("Sol ", 30) }), CodeInvalidParam, "place"},
		{"invalid utf8", with(func(r *RenderRequest) { r.Params["place"] = "Sol\xff" }), CodeInvalidParam, "place"},
		{"digits with letters", RenderRequest{TemplateID: "safety_checkin", Lang: "es", Variant: Discreet, Channel: "sms",
			Params: map[string]string{"code": "12a"}}, CodeInvalidParam, "code"},
		{"too many digits", RenderRequest{TemplateID: "safety_checkin", Lang: "es", Variant: Discreet, Channel: "sms",
			Params: map[string]string{"code": "1234567"}}, CodeInvalidParam, "code"},
	}
	for _, tc := range cases {
		_, err := c.Render(tc.req)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %T is not *templates.Error", tc.name, err)
			continue
		}
		if e.Code != tc.code || e.Field != tc.field {
			t.Errorf("%s: got %s/%s (%s), want %s/%s", tc.name, e.Code, e.Field, e.Message, tc.code, tc.field)
		}
		if errs.Code(err) != tc.code {
			t.Errorf("%s: errs.Code = %s", tc.name, errs.Code(err))
		}
		for _, v := range []string{secret, "Mayor", "612 345 678", "acogida", "Comisar", "1234567", "12a"} {
			if strings.Contains(err.Error(), v) {
				t.Errorf("%s: error message leaks a parameter value: %q", tc.name, err.Error())
			}
		}
	}
	// Standard variant: the meeting point is still checked (it is never an address).
	r := with(func(r *RenderRequest) { r.Variant = Standard; r.Params["place"] = secret })
	if _, err := c.Render(r); errs.Code(err) != CodeInvalidParam {
		t.Errorf("standard with address meeting point: %v", err)
	}
}

func TestLoadOverridesAndWhatsApp(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "override"))
	if err != nil {
		t.Fatal(err)
	}
	infos := map[string]TemplateInfo{}
	for _, i := range c.List() {
		infos[i.ID] = i
	}
	if n := len(mustBuiltin(t).List()); len(infos) != n+1 {
		t.Errorf("want %d built-in + 1 added, got %d", n, len(infos))
	}
	ar := infos["appointment_reminder"]
	if ar.Version != 4 || !strings.HasSuffix(ar.File, "appointment_reminder.tmpl") || strings.HasPrefix(ar.File, "builtin/") || ar.Source != SourceDeployment {
		t.Errorf("override not applied: %+v", ar)
	}
	if strings.Join(ar.WhatsAppContent, ",") != "en/discreet,es/discreet" {
		t.Errorf("WhatsAppContent = %v", ar.WhatsAppContent)
	}
	if pc := infos["please_contact"]; pc.File != "builtin/please_contact.tmpl" || pc.Source != SourceBuiltin {
		t.Errorf("untouched built-in: %+v", infos["please_contact"])
	}
	req := RenderRequest{TemplateID: "appointment_reminder", Lang: "es", Variant: Discreet, Channel: "whatsapp",
		Params: map[string]string{"when": "2025-06-03T08:00:00Z", "place": "Metro Sol"}, TimeZone: "Europe/Madrid"}
	r := render(t, c, req)
	if r.Version != 4 || r.ContentSID != "HX0123456789abcdef0123456789abcdef" {
		t.Errorf("whatsapp: %+v", r)
	}
	want := map[string]string{"1": "martes 3 de junio, 10:00", "2": "Metro Sol"}
	if len(r.ContentVariables) != 2 || r.ContentVariables["1"] != want["1"] || r.ContentVariables["2"] != want["2"] {
		t.Errorf("ContentVariables = %v", r.ContentVariables)
	}
	req.Lang = "en"
	req.TimeZone = "Europe/London"
	r = render(t, c, req)
	if r.ContentSID != "HXfedcba9876543210fedcba9876543210" || r.ContentVariables["1"] != "Metro Sol" || r.ContentVariables["2"] != "Tuesday 3 June, 9:00" {
		t.Errorf("en whatsapp: %+v", r)
	}
	// Not configured for this language/variant or channel: no content.
	req.Lang, req.Variant = "fr", Discreet
	if r := render(t, c, req); r.ContentSID != "" {
		t.Errorf("fr has no content: %+v", r)
	}
	req.Lang, req.Channel = "es", "sms"
	if r := render(t, c, req); r.ContentSID != "" || r.ContentVariables != nil {
		t.Errorf("sms has no content: %+v", r)
	}
	// The builtin catalogue is untouched.
	if mustBuiltin(t).tmpl["appointment_reminder"].version != 3 {
		t.Error("Load modified the built-in catalogue")
	}

	// A free-text parameter: allowed in standard, filtered in discreet.
	note := RenderRequest{TemplateID: "free_note", Lang: "es", Variant: Discreet, Channel: "sms",
		Params: map[string]string{"note": "¿Vienes al cine el sábado?"}}
	if r := render(t, c, note); r.Text != "¡Hola! ¿Vienes al cine el sábado?" || r.Version != 3 {
		t.Errorf("free_note: %+v", r)
	}
	note.Params = map[string]string{"note": "Mañana viene la abogada"}
	_, err = c.Render(note)
	if e := errs.As(err); e.Code != CodeSensitiveContent || e.Field != "note" || strings.Contains(e.Message, "abogada") {
		t.Errorf("discreet sensitive text: %v", err)
	}
	note.Variant = Standard
	if r := render(t, c, note); !strings.Contains(r.Text, "abogada") {
		t.Errorf("standard may carry it: %q", r.Text)
	}
}

func writeTmpl(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const minimalTmpl = `id: x_note
version: 1
channels: sms
param when: datetime

[en standard]
Hello, see you on {when}.

[en discreet]
Hi, see you on {when}.
`

func TestLoadRejects(t *testing.T) {
	builtinAR := strings.Replace(minimalTmpl, "id: x_note", "id: appointment_reminder", 1)
	cases := []struct{ name, body, wantMsg string }{
		{"version not above built-in", builtinAR, "higher version"},
		{"no id", strings.Replace(minimalTmpl, "id: x_note\n", "", 1), "missing id"},
		{"bad id", strings.Replace(minimalTmpl, "x_note", "X Note", 1), "id must be"},
		{"no version", strings.Replace(minimalTmpl, "version: 1\n", "", 1), "missing version"},
		{"bad version", strings.Replace(minimalTmpl, "version: 1", "version: one", 1), "version must be"},
		{"no channels", strings.Replace(minimalTmpl, "channels: sms\n", "", 1), "missing channels"},
		{"bad channel", strings.Replace(minimalTmpl, "channels: sms", "channels: sms, pigeon", 1), "unknown channel"},
		{"bad param type", strings.Replace(minimalTmpl, "datetime", "date", 1), "param type"},
		{"undeclared param", strings.Replace(minimalTmpl, "see you on {when}.\n\n[en discreet]", "see you on {when} at {place}.\n\n[en discreet]", 1), "undeclared param"},
		{"unused param", strings.Replace(minimalTmpl, "Hi, see you on {when}.", "Hi, see you soon.", 1), "does not use param"},
		{"stray brace", strings.Replace(minimalTmpl, "Hi, see", "Hi} see", 1), "stray }"},
		{"unclosed brace", strings.Replace(minimalTmpl, "Hi, see you on {when}.", "Hi, see you on {when", 1), "unclosed"},
		{"no english", strings.ReplaceAll(minimalTmpl, "[en ", "[es "), "English"},
		{"missing discreet", strings.Replace(minimalTmpl, "[en discreet]\nHi, see you on {when}.\n", "", 1), "lacks a [en discreet]"},
		{"bad variant", strings.Replace(minimalTmpl, "[en discreet]", "[en loud]", 1), "variant must be"},
		{"channel body for undeclared channel", minimalTmpl + "\n[en discreet voice]\nHi, {when}.\n", "does not declare"},
		{"unknown key", "colour: blue\n" + minimalTmpl, "unknown key"},
		{"sensitive discreet", strings.Replace(minimalTmpl, "Hi, see you on {when}.", "Hi, the police will see you on {when}.", 1), "must pass the filter"},
		{"address in discreet", strings.Replace(minimalTmpl, "Hi, see you on {when}.", "Hi, see you on {when} at 10 Downing Street.", 1), "address"},
		{"whatsapp without channel", strings.Replace(minimalTmpl, "param when: datetime", "param when: datetime\nwhatsapp en discreet: HX0123456789abcdef0123456789abcdef 1=when", 1), "does not declare the whatsapp channel"},
		{"bad content sid", strings.Replace(strings.Replace(minimalTmpl, "channels: sms", "channels: sms, whatsapp", 1), "param when: datetime", "param when: datetime\nwhatsapp en discreet: HX123 1=when", 1), "ContentSid"},
		{"whatsapp var unknown param", strings.Replace(strings.Replace(minimalTmpl, "channels: sms", "channels: sms, whatsapp", 1), "param when: datetime", "param when: datetime\nwhatsapp en discreet: HX0123456789abcdef0123456789abcdef 1=place", 1), "undeclared param"},
		{"whatsapp vars out of order", strings.Replace(strings.Replace(minimalTmpl, "channels: sms", "channels: sms, whatsapp", 1), "param when: datetime", "param when: datetime\nwhatsapp en discreet: HX0123456789abcdef0123456789abcdef 2=when", 1), "numbered"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		writeTmpl(t, dir, "t.tmpl", tc.body)
		_, err := Load(dir)
		if err == nil {
			t.Errorf("%s: loaded", tc.name)
			continue
		}
		if errs.Code(err) != CodeInvalidTemplate || !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("%s: %v (want %s containing %q)", tc.name, err, CodeInvalidTemplate, tc.wantMsg)
		}
	}
	// The error names the category, never the matched words.
	dir := t.TempDir()
	writeTmpl(t, dir, "t.tmpl", strings.Replace(minimalTmpl, "Hi, see you on {when}.", "Hi, the police will see you on {when}.", 1))
	if _, err := Load(dir); err == nil || strings.Contains(err.Error(), "police") || !strings.Contains(err.Error(), "[en discreet]") {
		t.Errorf("sensitive discreet error: %v", err)
	}
	// Two files with one id.
	dir = t.TempDir()
	writeTmpl(t, dir, "a.tmpl", minimalTmpl)
	writeTmpl(t, dir, "b.tmpl", minimalTmpl)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "already defined") {
		t.Errorf("duplicate id: %v", err)
	}
	// A missing directory.
	if _, err := Load(filepath.Join(dir, "nope")); errs.Code(err) != CodeInvalidTemplate {
		t.Errorf("missing dir: %v", err)
	}
	// A path that is a file, an empty directory, or one whose files only
	// look like templates (*.TMPL, *.tmpl.bak): refused, never the
	// built-in catalogue alone.
	file := filepath.Join(dir, "a.tmpl")
	empty := t.TempDir()
	upper := t.TempDir()
	writeTmpl(t, upper, "A.TMPL", minimalTmpl)
	writeTmpl(t, upper, "b.tmpl.bak", minimalTmpl)
	for name, d := range map[string]string{"file": file, "empty": empty, "upper case": upper} {
		if c, err := Load(d); errs.Code(err) != CodeInvalidTemplate || c != nil {
			t.Errorf("%s dir: %v", name, err)
		}
	}
	if _, err := Load(empty); err == nil || !strings.Contains(err.Error(), "holds no *.tmpl file") {
		t.Errorf("empty dir: %v", err)
	}
	if os.Geteuid() != 0 {
		locked := t.TempDir()
		writeTmpl(t, locked, "ok.tmpl", minimalTmpl)
		if err := os.Chmod(locked, 0o300); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(locked, 0o700)
		if _, err := Load(locked); errs.Code(err) != CodeInvalidTemplate {
			t.Errorf("unlistable dir: %v", err)
		}
	}
	// A valid addition; multi-paragraph bodies keep one line break.
	dir = t.TempDir()
	writeTmpl(t, dir, "ok.tmpl", strings.Replace(minimalTmpl, "Hi, see you on {when}.", "Hi, see you\non {when}.\n\n# a comment\nBye!", 1))
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Render(RenderRequest{TemplateID: "x_note", Lang: "ro", Variant: Discreet, Channel: "sms",
		Params: map[string]string{"when": "2025-06-03T08:00:00Z"}, TimeZone: "UTC"})
	if err != nil || r.Text != "Hi, see you on Tuesday 3 June, 8:00.\nBye!" || r.Lang != "en" {
		t.Errorf("x_note: %+v %v", r, err)
	}
	if ids := c.DirTemplates(); len(ids) != 1 || ids[0] != "x_note" || len(mustBuiltin(t).DirTemplates()) != 0 {
		t.Errorf("DirTemplates = %v", ids)
	}
	// Load("") is the built-in catalogue.
	if c, err := Load(""); err != nil || c != mustBuiltin(t) {
		t.Errorf("Load(\"\"): %v", err)
	}
}

func TestDeploymentFilter(t *testing.T) {
	c := mustBuiltin(t)
	// The deployment's own terms apply to parameters and to the final text.
	f, err := NewFilter(filepath.Join("testdata", "terms.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckDiscreet(f); err != nil {
		t.Errorf("shipped discreet variants vs deployment terms: %v", err)
	}
	dc := c.WithFilter(f)
	if dc.Filter() != f || c.Filter() == f {
		t.Error("WithFilter must not modify the receiver")
	}
	req := RenderRequest{TemplateID: "appointment_reminder", Lang: "ca", Variant: Discreet, Channel: "sms",
		Params: map[string]string{"when": "2025-06-03T08:00:00Z", "place": "Plaça Elisabets"}, TimeZone: "Europe/Madrid"}
	if _, err := c.Render(req); err != nil {
		t.Errorf("built-in filter does not know the street: %v", err)
	}
	if _, err := dc.Render(req); errs.Code(err) != CodeInvalidParam {
		t.Errorf("deployment filter knows the street: %v", err)
	}
	// A term that hits a shipped discreet text is reported by CheckDiscreet.
	f2, err := NewFilterWithTerms([]Term{{Category: CategoryOrganisation, Text: "abrazo"}})
	if err != nil {
		t.Fatal(err)
	}
	// It names the file, language and category, never the term.
	if err := c.CheckDiscreet(f2); err == nil || strings.Contains(err.Error(), "abrazo") || !strings.Contains(err.Error(), "[es discreet]") || !strings.Contains(err.Error(), "organisation") {
		t.Errorf("CheckDiscreet: %v", err)
	}
	_, err = c.WithFilter(f2).Render(RenderRequest{TemplateID: "safety_checkin", Lang: "es", Variant: Discreet, Channel: "sms",
		Params: map[string]string{"code": "7"}})
	if errs.Code(err) != CodeSensitiveContent {
		t.Errorf("render with a hit: %v", err)
	}
}

// Catalogue and filter are shared by every request: use them from many
// goroutines at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	c := mustBuiltin(t)
	f := mustFilter(t)
	text := mixedText(4 << 10)
	want := f.Scan(text)
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 20; i++ {
				if got := f.Scan(text); len(got) != len(want) {
					done <- errors.New("concurrent Scan differs")
					return
				}
				if _, err := c.Render(RenderRequest{TemplateID: "safety_checkin", Lang: ShippedLanguages[(g+i)%7],
					Variant: Discreet, Channel: "sms", Params: map[string]string{"code": "12"}}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// An override of a built-in template must keep what the gateway renders it
// with on its own: exactly the built-in's parameters, and at least its
// channels and languages.
func TestLoadRejectsOverrideBreakingBuiltin(t *testing.T) {
	builtin := func(id string) string {
		data, err := builtinFS.ReadFile("builtin/" + id + ".tmpl")
		if err != nil {
			t.Fatal(err)
		}
		return regexp.MustCompile(`(?m)^version: \d+$`).ReplaceAllString(string(data), "version: 9")
	}
	checkin := builtin("safety_checkin")
	reminder := builtin("appointment_reminder")
	// Drop a language: every section of "ro" goes.
	dropRo := func(s string) string {
		var out []string
		skip := false
		for _, ln := range strings.Split(s, "\n") {
			if strings.HasPrefix(ln, "[") {
				skip = strings.HasPrefix(ln, "[ro ")
			}
			if !skip {
				out = append(out, ln)
			}
		}
		return strings.Join(out, "\n")
	}
	cases := []struct{ name, body, wantMsg string }{
		{"checkin without code", strings.ReplaceAll(strings.Replace(checkin, "param code: digits\n", "", 1), "{code}", "1"), "lacks param code"},
		{"checkin code renamed", strings.ReplaceAll(strings.Replace(checkin, "param code: digits", "param reply: digits", 1), "{code}", "{reply}"), "lacks param code"},
		{"checkin code as text", strings.Replace(checkin, "param code: digits", "param code: text", 1), "declares param code as text"},
		{"checkin extra param", strings.ReplaceAll(strings.Replace(checkin, "param code: digits", "param code: digits\nparam when: datetime", 1), "{code}", "{code} {when}"), "declares param when"},
		{"checkin drops whatsapp", strings.Replace(checkin, "channels: sms, whatsapp", "channels: sms", 1), "drops channel whatsapp"},
		{"checkin drops ro", dropRo(checkin), "drops language ro"},
		{"reminder place renamed", strings.NewReplacer("param place: meeting_point", "param spot: meeting_point", "{place}", "{spot}", "{place.at}", "{spot.at}").Replace(reminder), "lacks param place"},
		{"reminder place as text", strings.NewReplacer("param place: meeting_point", "param place: text", "{place.at}", "{place}").Replace(reminder), "declares param place as text"},
		{"reminder drops voice", strings.Replace(dropVoice(reminder), "channels: sms, whatsapp, voice", "channels: sms, whatsapp", 1), "drops channel voice"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		writeTmpl(t, dir, "t.tmpl", tc.body)
		_, err := Load(dir)
		if err == nil {
			t.Errorf("%s: loaded", tc.name)
			continue
		}
		if errs.Code(err) != CodeInvalidTemplate || !strings.Contains(err.Error(), tc.wantMsg) || !strings.Contains(err.Error(), "overrides built-in") {
			t.Errorf("%s: %v (want %s containing %q)", tc.name, err, CodeInvalidTemplate, tc.wantMsg)
		}
	}
	// The built-in texts with a higher version, a channel and a language
	// more: accepted.
	dir := t.TempDir()
	writeTmpl(t, dir, "c.tmpl", strings.Replace(checkin, "channels: sms, whatsapp", "channels: sms, whatsapp, voice", 1)+
		"\n[de standard]\nHallo, hier ist das Team. Antworte {code}.\n\n[de discreet]\nHallo, wie geht's? Antworte {code}.\n")
	writeTmpl(t, dir, "r.tmpl", reminder)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := render(t, c, RenderRequest{TemplateID: "safety_checkin", Lang: "es", Variant: Discreet, Channel: "sms",
		Params: map[string]string{"code": "4821"}}); r.Version != 9 || !strings.Contains(r.Text, "4821") {
		t.Errorf("override: %+v", r)
	}
}

// dropVoice removes the voice sections of a template file.
func dropVoice(s string) string {
	var out []string
	skip := false
	for _, ln := range strings.Split(s, "\n") {
		if strings.HasPrefix(ln, "[") {
			skip = strings.HasSuffix(ln, " voice]")
		}
		if !skip {
			out = append(out, ln)
		}
	}
	return strings.Join(out, "\n")
}

// running_late's minutes: 1 to 180 without a leading zero.
func TestRenderMinutesParam(t *testing.T) {
	c := mustBuiltin(t)
	req := func(v string) RenderRequest {
		return RenderRequest{TemplateID: "running_late", Lang: "es", Variant: Standard, Channel: "sms", Params: map[string]string{"minutes": v}}
	}
	for _, ok := range []string{"1", "10", "45", "180", " 15 "} {
		if r, err := c.Render(req(ok)); err != nil || !strings.Contains(r.Text, strings.TrimSpace(ok)+" min") {
			t.Errorf("%q: %+v %v", ok, r, err)
		}
	}
	for _, bad := range []string{"0", "000", "016", "05", "181", "999999", "-5", "+5", "1e2", "١٠"} {
		_, err := c.Render(req(bad))
		if e := errs.As(err); e.Code != CodeInvalidParam || e.Field != "minutes" || (len(bad) > 3 && strings.Contains(e.Message, bad)) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
