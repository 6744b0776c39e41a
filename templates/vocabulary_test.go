package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVocabularyDisjointFromLexicon: no word of the built-in vocabulary
// is one the built-in lexicon matches on its own (as written, by prefix
// or by its stem in the vocabulary's language); the filter refuses to
// build with one.
func TestVocabularyDisjointFromLexicon(t *testing.T) {
	f, err := newFilter(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, bad, err := buildVocabulary(f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s:%d %q collides with the lexicon in %s", b.file, b.line, b.word, b.lang)
	}
	if _, err := NewFilterFrom(FilterConfig{Vocabulary: true}); err != nil {
		t.Fatal(err)
	}
}

func mustVocabFilter(t testing.TB) *Filter {
	t.Helper()
	f, err := NewFilterFrom(FilterConfig{Vocabulary: true})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestVocabularyCollisionFailsClosed: a deployment vocabulary word the
// lexicon matches (as written or by stem), or a deployment term that
// makes a built-in vocabulary word one, stops the filter from being
// built; the error names the file and line, never the word.
func TestVocabularyCollisionFailsClosed(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, c := range map[string]struct {
		cfg  FilterConfig
		want string
	}{
		"lexicon word":      {FilterConfig{VocabularyFile: write("v1.txt", "# ours\nzumba\npolicía\n")}, "v1.txt:3:"},
		"inflected by stem": {FilterConfig{VocabularyFile: write("v2.txt", "tratantes\n")}, "v2.txt:1:"},
		"prefix term":       {FilterConfig{VocabularyFile: write("v3.txt", "psicologia\n")}, "v3.txt:1:"},
		"term over vocab": {FilterConfig{Vocabulary: true, TermsFile: write("t.txt", "organisation: biblioteca\n")},
			"vocabulary/"},
		"two words":  {FilterConfig{VocabularyFile: write("v4.txt", "buenas tardes\n")}, "v4.txt:1: one word per line"},
		"unreadable": {FilterConfig{VocabularyFile: filepath.Join(dir, "missing.txt")}, "vocabulary file"},
	} {
		_, err := NewFilterFrom(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, c.want)
			continue
		}
		for _, w := range []string{"policía", "tratantes", "psicologia", "biblioteca"} {
			if strings.Contains(err.Error(), w) {
				t.Errorf("%s: the error names the word: %v", name, err)
			}
		}
	}
	f, err := NewFilterFrom(FilterConfig{VocabularyFile: write("ok.txt", "# our activities\nzumba\nganchillo\n")})
	if err != nil {
		t.Fatal(err)
	}
	if fs := f.ScanWith("El lunes hay zumba y ganchillo", ScanOptions{Lang: "es", Vocabulary: true}); len(fs) != 0 {
		t.Errorf("deployment words not allowed: %+v", fs)
	}
	if fs := mustVocabFilter(t).ScanWith("El lunes hay zumba", ScanOptions{Lang: "es", Vocabulary: true}); len(fs) != 1 || fs[0].Match != "zumba" {
		t.Errorf("without the deployment file: %+v", fs)
	}
}
