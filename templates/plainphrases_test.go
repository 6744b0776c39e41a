package templates

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"safecontact/errs"
)

// hasRiskyPhrase: a risky_phrase finding among fs.
func hasRiskyPhrase(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(x Finding) bool { return x.Category == CategoryRiskyPhrase })
}

// plainOpts are the scan options serve sets under the plain policy.
func plainOpts(lang string) ScanOptions {
	return ScanOptions{Lang: lang, Vocabulary: true, Plain: true, UnknownNames: DefaultUnknownNames}
}

// TestRiskyPhrasePunctuation: punctuation between the words of a risky
// phrase ("come... with us", "Come. With. Us.") does not break it.
func TestRiskyPhrasePunctuation(t *testing.T) {
	f := mustVocabFilter(t)
	for _, c := range []struct{ lang, text string }{
		{"en", "come... with us tonight"},
		{"en", "come… with us tonight"},
		{"en", "Come. With. Us."},
		{"en", "come with... us"},
		{"en", "come: with us"},
		{"en", "come! with us"},
		{"en", "come?? with; us"},
		{"en", "come\nwith\nus"},
		{"es", "te paso... a buscar"},
		{"es", "te paso. a. buscar"},
	} {
		if fs := f.ScanWith(c.text, plainOpts(c.lang)); !hasRiskyPhrase(fs) {
			t.Errorf("%s %q: no risky_phrase finding (%v)", c.lang, c.text, fs)
		}
	}
}

// TestRiskyPhraseNotStopped: a stop phrase exempts the words inside it
// from the lexicon, never from the plain policy's risky phrases (nor from
// the vocabulary).
func TestRiskyPhraseNotStopped(t *testing.T) {
	f, err := NewFilterFrom(FilterConfig{Vocabulary: true, Stop: []string{"come with us tonight to the party", "come with us"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"come with us tonight to the party", "come with us"} {
		if fs := f.ScanWith(text, plainOpts("en")); !hasRiskyPhrase(fs) {
			t.Errorf("%q: no risky_phrase finding inside a stop phrase (%v)", text, fs)
		}
	}
}

// TestRiskyPhrasesLoad: the phrase lists load for every shipped language
// and every filter builds; a shipped language without a phrases file, or
// a file that does not parse, is an error naming the file.
func TestRiskyPhrasesLoad(t *testing.T) {
	if _, err := loadRiskyPhrases(riskyFS); err != nil {
		t.Fatal(err)
	}
	full := fstest.MapFS{}
	for _, l := range stemLangs {
		full["vocabulary/phrases/"+l+".txt"] = &fstest.MapFile{Data: []byte("come with us\n")}
	}
	if _, err := loadRiskyPhrases(full); err != nil {
		t.Fatal(err)
	}
	missing := fstest.MapFS{}
	for k, v := range full {
		if k != "vocabulary/phrases/ro.txt" {
			missing[k] = v
		}
	}
	if _, err := loadRiskyPhrases(missing); err == nil || !strings.Contains(err.Error(), "vocabulary/phrases/ro.txt") {
		t.Errorf("a missing ro.txt: %v", err)
	}
	bad := fstest.MapFS{}
	for k, v := range full {
		bad[k] = v
	}
	bad["vocabulary/phrases/it.txt"] = &fstest.MapFile{Data: []byte("vieni con noi\n~ stasera\n")}
	if _, err := loadRiskyPhrases(bad); err == nil || !strings.Contains(err.Error(), "vocabulary/phrases/it.txt:2") {
		t.Errorf("an it.txt that does not parse: %v", err)
	}
	if err := checkRiskyPhrases(errors.New("vocabulary/phrases/it.txt:2: bad")); err == nil || !strings.Contains(err.Error(), "vocabulary/phrases/it.txt:2") || errs.Code(err) != CodeInvalidTerms {
		t.Errorf("checkRiskyPhrases: %v", err)
	}
	for _, cfg := range []FilterConfig{{}, {Vocabulary: true}, {Stop: []string{"x y"}}} {
		if _, err := NewFilterFrom(cfg); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

// TestRiskyPhrasesDuplicateAlternatives: an alternative written twice in
// a slot does not parse; "ni pío" is a phrase of its own.
func TestRiskyPhrasesDuplicateAlternatives(t *testing.T) {
	for _, c := range []struct {
		l    uint8
		data string
	}{{langEn, "come|come with us\n"}, {langEn, "come with us|Us\n"}, {langRo, "te ~ luam|luăm|luăm\n"}} {
		if _, err := parseRiskyPhrases("dup", c.l, []byte(c.data), sbEnv()); err == nil || !strings.Contains(err.Error(), "dup:1: ") {
			t.Errorf("parsed %q (%v)", c.data, err)
		}
	}
	ps, err := parseRiskyPhrases("accents", langRo, []byte("te ~ luam|luăm\n"), sbEnv())
	if err != nil || len(ps) != 1 || len(ps[0][1].alts) != 1 {
		t.Errorf("luam|luăm: %+v, %v", ps, err)
	}
	f := mustVocabFilter(t)
	for _, text := range []string{"ni pío eh", "ni pio", "ni una palabra"} {
		if fs := f.ScanWith(text, plainOpts("es")); !hasRiskyPhrase(fs) {
			t.Errorf("es %q: no risky_phrase finding (%v)", text, fs)
		}
	}
}

// TestRiskyPhraseAnyLanguage: a risky phrase is found whatever language
// it is written in, not only in her language on record, and for a woman
// whose language the lists do not ship ("de", "ar"), under both
// whole-or-nothing policies; each language's phrase matches with its own
// stems ("veniamo" for "venire").
func TestRiskyPhraseAnyLanguage(t *testing.T) {
	vf := mustVocabFilter(t)
	wf, err := NewFilterFrom(FilterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, text string }{
		{"es", "Hi, come with us tonight, ok?"},
		{"ro", "Hi, come with us tonight, ok?"},
		{"en", "Ciao, stasera ti veniamo a prendere, ok?"},
		{"fr", "Ciao, stasera ti veniamo a prendere, ok?"},
		{"it", "Hola, esta noche te paso a buscar"},
		{"de", "Hi, come with us tonight, ok?"},
		{"de", "Ciao, stasera ti veniamo a prendere, ok?"},
		{"ar", "Hola, esta noche te paso a buscar"},
		{"", "Hi, come with us tonight, ok?"},
	} {
		if fs := vf.ScanWith(c.text, plainOpts(c.lang)); !hasRiskyPhrase(fs) {
			t.Errorf("plain %s %q: no risky_phrase finding (%v)", c.lang, c.text, fs)
		}
		if fs := wf.ScanWith(c.text, ScanOptions{Lang: c.lang, UnknownNames: true, Plain: true}); !hasRiskyPhrase(fs) {
			t.Errorf("whole %s %q: no risky_phrase finding (%v)", c.lang, c.text, fs)
		}
	}
	// Everyday texts in another language than hers stay clear of phrases.
	for _, c := range []struct{ lang, text string }{
		{"es", "Hi, see you at the class tomorrow, ok?"},
		{"en", "Ciao, ci vediamo domani alla lezione, ok?"},
		{"de", "Hola, nos vemos mañana en la clase"},
	} {
		if fs := wf.ScanWith(c.text, ScanOptions{Lang: c.lang, UnknownNames: true, Plain: true}); hasRiskyPhrase(fs) {
			t.Errorf("whole %s %q: risky_phrase finding %v", c.lang, c.text, fs)
		}
	}
}
