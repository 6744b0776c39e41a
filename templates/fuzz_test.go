package templates

import (
	"testing"
	"unicode/utf8"
)

// runeBoundaries returns the offsets reached by decoding text rune by rune
// (an invalid byte counts as one rune), plus len(text).
func runeBoundaries(text string) map[int]bool {
	b := map[int]bool{len(text): true}
	for i := 0; i < len(text); {
		b[i] = true
		_, sz := utf8.DecodeRuneInString(text[i:])
		i += sz
	}
	return b
}

func FuzzFilter(f *testing.F) {
	for _, c := range corpus {
		for _, s := range c.sensitive {
			f.Add(s.text)
		}
		for _, s := range c.benign {
			f.Add(s)
		}
	}
	for _, s := range []string{
		"", " ", "\xff\xfe", "a\u0301", "poli\u0301cia\u0301\u0301", "ß", "ﬁ", "İstanbul", "½", "…",
		"+34 (0) 612-345-678", "((((1234567", "1.2.3.4.5.6.7.8.9", "a@b.c@d.ef", "http://", "www.",
		"c/ 1", "12 rue", "221B Street", "SW1A 1AA", "x.com/" + string(rune(0x1f)), "trata a@b.org de personas",
		"l'avocat l'avocat", "(tel. 612 345 678)", "¿¡()[]{}!?", "\u200b\u200b", "Calle Mayor 5, 2º 1ª",
	} {
		f.Add(s)
	}
	filt, err := NewFilter("")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fs := filt.Scan(text)
		bounds := runeBoundaries(text)
		prev := 0
		for _, x := range fs {
			if x.Start < prev || x.Start >= x.End || x.End > len(text) {
				t.Fatalf("bad span %+v (prev end %d, len %d) in %q", x, prev, len(text), text)
			}
			if !bounds[x.Start] || !bounds[x.End] {
				t.Fatalf("span %+v not on rune boundaries in %q", x, text)
			}
			if x.Match != text[x.Start:x.End] {
				t.Fatalf("Match %q != %q", x.Match, text[x.Start:x.End])
			}
			if _, ok := categoryIndex(x.Category); !ok {
				t.Fatalf("bad category %q", x.Category)
			}
			prev = x.End
		}
		stripped, sfs := filt.Strip(text)
		if len(sfs) != len(fs) {
			t.Fatalf("Strip findings %d != Scan findings %d", len(sfs), len(fs))
		}
		if len(fs) == 0 && stripped != text {
			t.Fatalf("clean text changed: %q -> %q", text, stripped)
		}
		if again := filt.Scan(stripped); len(again) != 0 {
			t.Fatalf("Strip(%q) = %q still has %+v", text, stripped, again)
		}
		if len(stripped) > len(text) {
			t.Fatalf("Strip grew the text: %q -> %q", text, stripped)
		}
	})
}
