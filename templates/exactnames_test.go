package templates

import "testing"

// An exact name is known only where the text spells it as given: a
// signature or a confirmed name that is also a word ("Socorro") passes
// where capitalised as stored and is still a word where written
// otherwise; a known name (a meeting point) passes whatever its case.
func TestExactNames(t *testing.T) {
	t.Parallel()
	f := mustVocabFilter(t)
	const text = "Hola, socorro socorro. Un abrazo, Socorro"
	scan := func(o ScanOptions) []Finding {
		o.Lang, o.UnknownNames, o.Vocabulary = "es", true, true
		return f.ScanWith(text, o)
	}
	if fs := scan(ScanOptions{KnownNames: []string{"Socorro"}}); len(fs) != 0 {
		t.Fatalf("as a known name the word passes in any case (the hole ExactNames closes): %v", fs)
	}
	fs := scan(ScanOptions{ExactNames: []string{"Socorro"}})
	if len(fs) == 0 {
		t.Fatal("an exact name let the lower-case word through")
	}
	for _, fd := range fs {
		if fd.Start >= len("Hola, socorro socorro. Un abrazo, ") {
			t.Errorf("the signature as stored is a finding: %+v", fd)
		}
		if fd.Match != "socorro" && fd.Match != "socorro socorro" {
			t.Errorf("finding %+v, want the lower-case words", fd)
		}
	}
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"Un abrazo, Socorro", true},
		{"Un abrazo, SOCORRO", false},
		{"Un abrazo, socorro", false},
		{"Un abrazo, Socorros", false},
		{"Un abrazo, Socorrro", false},
	} {
		fs := f.ScanWith(tc.text, ScanOptions{Lang: "es", UnknownNames: true, Vocabulary: true, ExactNames: []string{"Socorro"}})
		if (len(fs) == 0) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.text, fs, tc.ok)
		}
	}
	// Accents composed or not, and the spacing of a two-word name.
	for _, text := range []string{"Un abrazo, Ana María", "Un abrazo, Ana Mari\u0301a", "Un abrazo, Ana  María"} {
		if fs := f.ScanWith(text, ScanOptions{Lang: "es", UnknownNames: true, Vocabulary: true, ExactNames: []string{"Ana María"}}); len(fs) != 0 {
			t.Errorf("%q: %v", text, fs)
		}
	}
	if fs := f.ScanWith("Un abrazo, Ana Maria", ScanOptions{Lang: "es", UnknownNames: true, Vocabulary: true, ExactNames: []string{"Ana María"}}); len(fs) == 0 {
		t.Error("a name spelt without its accent passed as the exact name")
	}
}
