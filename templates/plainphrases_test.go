package templates

import (
	"slices"
	"testing"
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
