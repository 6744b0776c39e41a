package console_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/text/language"

	"safecontact/gateway/console"
)

func builtin(t *testing.T) *console.Catalog {
	t.Helper()
	cat, err := console.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// Every key the templates and handlers use is in English, and every other
// language has every English key with the same placeholders.
func TestCatalogueComplete(t *testing.T) {
	t.Parallel()
	cat := builtin(t)
	en := cat.Localizer(language.English, nil)
	used := map[string]bool{}
	files, _ := filepath.Glob("templates/*.html")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, m := range regexp.MustCompile(`\.L\.T "([a-z_.0-9]+)"`).FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	// Keys the handlers choose in Go (a page's words for a service's
	// answer): quoted catalogue keys in the non-test files of the core and
	// of the area packages beside it, which share its catalogue.
	for _, f := range goSources(t) {
		b, _ := os.ReadFile(f)
		for _, m := range regexp.MustCompile(`"([a-z_]+\.[a-z_.0-9]+)"`).FindAllStringSubmatch(string(b), -1) {
			if en.T(m[1]) != "⟦"+m[1]+"⟧" {
				used[m[1]] = true
			}
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in the templates", len(used))
	}
	// Keys built at run time.
	for _, k := range []string{
		"role.staff", "role.supervisor", "role.admin",
		"flash.signed_out", "flash.ended", "flash.second_step", "flash.password_changed", "flash.preferences_saved",
		"error.signin_busy", "error.client_address_unknown",
		"error.signin_failed", "error.signin_throttled", "error.code_wrong", "error.code_used",
		"error.session_ended", "error.wrong_stage", "error.password_too_short", "error.password_too_long",
		"error.password_contains_name", "error.password_invalid", "error.password_unchanged",
		"error.password_wrong", "error.password_mismatch", "error.enrolment_expired",
		"error.invalid_language", "error.invalid_time_zone", "error.generic", "forbidden.cross_origin",
		"date.weekdays", "date.months", "date.datetime", "date.date", "date.short",
		"time.hers", "time.same_for_her", "time.hers_unknown", "enrol.qr_label",
	} {
		used[k] = true
	}
	enKeys := cat.Keys(language.English)
	for k := range used {
		if !slices.Contains(enKeys, k) {
			t.Errorf("key %q is used but not in en.json", k)
		}
	}
	// Keys a page's Go code names as literals ("safety.flash.booked").
	inCode := map[string]bool{}
	for _, f := range goSources(t) {
		b, _ := os.ReadFile(f)
		for _, m := range regexp.MustCompile(`"([a-z_]+(?:\.[a-z_0-9]+)+)"`).FindAllStringSubmatch(string(b), -1) {
			inCode[m[1]] = true
		}
	}
	for _, k := range enKeys {
		if !used[k] && !inCode[k] {
			t.Errorf("key %q in en.json is used nowhere", k)
		}
	}
	// Every other language has every English key, with the same
	// placeholders, and no key English lacks.
	ph := regexp.MustCompile(`\{[a-z_]+\}`)
	langs := cat.Languages()
	for _, want := range []language.Tag{language.Spanish, language.Italian, language.French, language.Portuguese, language.Catalan, language.Romanian} {
		if !slices.Contains(langs, want) {
			t.Errorf("no %s catalogue", want)
		}
	}
	for _, tag := range langs {
		if tag == language.English {
			continue
		}
		L := cat.Localizer(tag, nil)
		keys := cat.Keys(tag)
		for _, k := range enKeys {
			if !slices.Contains(keys, k) {
				t.Errorf("%s.json lacks %q", tag, k)
				continue
			}
			// Several counts, so each plural form is seen.
			for _, n := range []int{1, 2, 5, 21, 1000000} {
				a, b := ph.FindAllString(en.T(k, "count", n), -1), ph.FindAllString(L.T(k, "count", n), -1)
				slices.Sort(a)
				slices.Sort(b)
				if !slices.Equal(a, b) {
					t.Errorf("%s %q (count %d): placeholders %v in en, %v", tag, k, n, a, b)
				}
			}
		}
		for _, k := range keys {
			if !slices.Contains(enKeys, k) {
				t.Errorf("%s.json has %q, which en.json lacks", tag, k)
			}
		}
	}
}

// goSources are the non-test Go files of the console: the core's and its
// area packages' (one directory down).
func goSources(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"*.go", "*/*.go"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				out = append(out, f)
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d Go files", len(out))
	}
	return out
}

// Adding a language is adding a file: what it lacks comes in English,
// and its plural rules are CLDR's.
func TestCatalogueNewLanguageIsAFile(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"en.json": {Data: []byte(`{"a": "Hello {name}", "n": {"one": "{count} code", "other": "{count} codes"}}`)},
		"pl.json": {Data: []byte(`{"n": {"one": "{count} kod", "few": "{count} kody", "many": "{count} kodów", "other": "{count} kodu"}}`)},
	}
	cat, err := console.LoadCatalog(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.Languages(); len(got) != 2 || got[0] != language.English {
		t.Fatalf("languages %v", got)
	}
	pl := cat.Localizer(language.Polish, nil)
	for n, want := range map[int]string{1: "1 kod", 3: "3 kody", 5: "5 kodów", 22: "22 kody"} {
		if got := pl.T("n", "count", n); got != want {
			t.Errorf("pl %d: %q, want %q", n, got, want)
		}
	}
	if got := pl.T("a", "name", "Ana"); got != "Hello Ana" {
		t.Errorf("fallback to English: %q", got)
	}
	if got := pl.T("missing"); got != "⟦missing⟧" {
		t.Errorf("missing key: %q", got)
	}
	for name, bad := range map[string]string{
		"not json":         `{`,
		"no other form":    `{"n": {"one": "x"}}`,
		"unknown form":     `{"n": {"other": "x", "dual": "y"}}`,
		"number value":     `{"n": 3}`,
		"list of non-text": `{"n": [1]}`,
	} {
		if _, err := console.LoadCatalog(fstest.MapFS{"en.json": {Data: []byte(bad)}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := console.LoadCatalog(fstest.MapFS{"xx-not-a-tag!.json": {Data: []byte(`{}`)}, "en.json": {Data: []byte(`{}`)}}); err == nil {
		t.Error("a file named by no language tag accepted")
	}
}

func TestTimesInTheReadersZone(t *testing.T) {
	t.Parallel()
	cat := builtin(t)
	madrid, _ := time.LoadLocation("Europe/Madrid")
	bogota, _ := time.LoadLocation("America/Bogota")
	at := time.Date(2026, 6, 2, 21, 30, 0, 0, time.UTC) // 23:30 in Madrid, 16:30 in Bogotá
	en := cat.Localizer(language.English, madrid)
	es := cat.Localizer(language.Spanish, madrid)
	for _, c := range []struct{ got, want string }{
		{en.DateTime(at), "Tue 2 Jun 2026, 23:30"},
		{es.DateTime(at), "mar 2 jun 2026, 23:30"},
		{en.Date(at), "Tue 2 Jun 2026"},
		{en.Clock(at), "23:30"},
		{en.ISO(at), "2026-06-02T23:30:00+02:00"},
		{en.Hers(at, "America/Bogota"), "16:30 her time"},
		{es.Hers(at, "America/Bogota"), "16:30 hora de ella"},
		{en.Hers(at, "Asia/Tokyo"), "Wed 3 Jun, 06:30 her time"},
		{en.Hers(at, "Europe/Paris"), "same time for her"},
		{en.Hers(at, "Mars/Olympus"), "her time zone is not known"},
		{en.Hers(at, ""), "her time zone is not known"},
		{cat.Localizer(language.English, bogota).DateTime(at), "Tue 2 Jun 2026, 16:30"},
		{en.T("home.recovery_low", "count", 1), "You have 1 recovery code left."},
		{en.T("home.recovery_low", "count", 0), "You have 0 recovery codes left."},
		{es.T("home.recovery_low", "count", 2), "Te quedan 2 códigos de recuperación."},
		{en.Zone(), "Europe/Madrid"},
		{console.LanguageName(language.Spanish), "español"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// The reader's language: her choice, else her browser's, else English.
	r := newRequest("es-AR,es;q=0.9,en;q=0.5")
	if got := cat.Pick("", r); got != language.Spanish {
		t.Errorf("Accept-Language es-AR: %v", got)
	}
	if got := cat.Pick("en", r); got != language.English {
		t.Errorf("her choice over her browser: %v", got)
	}
	if got := cat.Pick("", newRequest("ja")); got != language.English {
		t.Errorf("no match: %v", got)
	}
	if !strings.Contains(cat.Localizer(language.Japanese, nil).T("signin.title"), "Sign in") {
		t.Error("a language the catalogue lacks is English")
	}
}

// An area of the console keeps its text in its own file per language
// (es.participants.json); a key in two files of one language is refused.
func TestCatalogueAreaFiles(t *testing.T) {
	t.Parallel()
	cat, err := console.LoadCatalog(fstest.MapFS{
		"en.json":              {Data: []byte(`{"a": "A"}`)},
		"en.participants.json": {Data: []byte(`{"p": "P"}`)},
		"es.participants.json": {Data: []byte(`{"p": "P es"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	en, es := cat.Localizer(language.English, nil), cat.Localizer(language.Spanish, nil)
	if en.T("a") != "A" || en.T("p") != "P" || es.T("p") != "P es" || es.T("a") != "A" {
		t.Errorf("en %q %q, es %q %q", en.T("a"), en.T("p"), es.T("p"), es.T("a"))
	}
	if _, err := console.LoadCatalog(fstest.MapFS{
		"en.json":              {Data: []byte(`{"a": "A"}`)},
		"en.participants.json": {Data: []byte(`{"a": "again"}`)},
	}); err == nil {
		t.Error("a key in two files of one language accepted")
	}
}
