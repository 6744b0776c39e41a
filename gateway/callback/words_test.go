package callback

import (
	"strings"
	"testing"
)

func TestStopWords(t *testing.T) {
	m := defaultStopMatcher
	for _, c := range []struct {
		body, lang string
		stop       bool
	}{
		{"STOP", "es", true}, {" stop. ", "en", true}, {"Stop!!", "ro", true}, {"StopAll", "en", true}, {"stop all", "en", true},
		{"baja", "en", true}, {"BAJA", "es", true}, {"Parar", "es", true}, {"alto", "es", true}, {"basta", "it", true},
		{"ARRÊT", "fr", true}, {"arret", "fr", true}, {"Arrête", "fr", true}, {"stopp", "de", true}, {"SAIR", "pt-BR", true},
		{"pare", "pt", true}, {"oprire", "ro", true}, {"prou", "ca", true}, {"unsubscribe", "es", true},
		{"fine", "it", true}, {"FINE", "it-IT", true}, {"fine", "en", false}, {"Fine!", "es", false},
		{"stop calling at night", "en", false}, {"no quiero baja", "es", false}, {"", "es", false}, {"ok", "es", false},
		{"bajar", "es", false}, {"gracias", "es", false},
	} {
		if got := m.IsStop(c.body, c.lang); got != c.stop {
			t.Errorf("IsStop(%q, %s) = %v", c.body, c.lang, got)
		}
	}
	for _, s := range []string{"Llámame", "llamame", "CALL ME", "Appelle-moi", "Sună-mă", "liga-me", "chiamami", "truca'm"} {
		if !m.IsCallMe(s) {
			t.Errorf("IsCallMe(%q) = false", s)
		}
	}
	if m.IsCallMe("no me llames") {
		t.Error("\"no me llames\" read as call me")
	}
	// A deployment's list replaces the built-in one.
	words, err := ParseStopWords(strings.NewReader("# ours\nSTOP\nfine | it\npara\tes,pt\n"))
	if err != nil {
		t.Fatal(err)
	}
	m2 := newStopMatcher(words)
	if !m2.IsStop("para", "pt") || m2.IsStop("para", "en") || m2.IsStop("baja", "es") || !m2.IsStop("stop", "en") {
		t.Fatalf("custom list: %+v", words)
	}
	if _, err := ParseStopWords(strings.NewReader("stop | not a tag!\n")); err == nil {
		t.Fatal("bad language accepted")
	}
	// A deployment's extra words are added to the built-in ones.
	s := New(Deps{}, Config{ExtraStopWords: []string{"Prou ja"}})
	if !s.stops.IsStop("prou ja", "es") || !s.stops.IsStop("baja", "es") {
		t.Fatal("extra stop words")
	}
}

// "Gata" on its own is Romanian for "done / ready / I'm here", the
// likely answer to "tell me when you've arrived" or to a check-in: it is
// not a stop word for her or anyone, while Romanian's stop words still
// are.
func TestStopWordsCommonRepliesAreNotStop(t *testing.T) {
	m := defaultStopMatcher
	for _, c := range []struct {
		body, lang string
		stop       bool
	}{
		{"Gata", "ro", false}, {"gata!", "ro", false}, {"GATA.", "ro", false}, {"Gata", "ro-RO", false},
		{"Gata", "es", false}, {"gata!", "pt", false}, {"GATA.", "en", false}, {"gata", "it", false},
		// An answer to the reminder's "reply if you cannot come".
		{"Cancelar", "es", false}, {"cancel·lar", "ca", false}, {"Cancella", "it", false}, {"cancelar", "pt", false},
		{"STOP", "ro", true}, {"oprire", "ro", true}, {"Oprire!", "ro", true}, {"dezabonare", "ro", true}, {"STOP", "es", true},
	} {
		if got := m.IsStop(c.body, c.lang); got != c.stop {
			t.Errorf("IsStop(%q, %s) = %v, want %v", c.body, c.lang, got, c.stop)
		}
	}
}
