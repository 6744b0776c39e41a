package templates

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// pinnedFindings are the SHA-256 of every finding (category, start, end)
// of the texts below under each group of scan options, as the filter
// found them when they were pinned. A change of the scanner that is meant
// to be a pure speed-up must leave every hash as it is; a change that is
// meant to change the findings updates them (PIN_FINDINGS_DUMP=FILE
// writes the findings of each group, one per line, to FILE.GROUP, to diff
// them before and after).
var pinnedFindings = map[string]string{
	"plain":         "b42141d7e2882f56f79d0af4a6fc246a26e9612e295fd8af24261b4e33bca03e",
	"lang":          "906d327bbdfcc81dae527374c76f6c60379aa0498562508054e9dcc5b435a0ae",
	"gateway":       "3b4c08259a0018e0aa874fed03a5d31ee7cefc6222c708cada90e74b91573871",
	"placename":     "232e80428069ca0006d1a466688632d2c8f7e3a9dfef497d6f0aae26585cff7d",
	"vocabulary":    "8bdb461b326349ab06f86d8afea82ed3053c00dc405c36b89e4cc8e770815bc5",
	"plainPolicy":   "488bba61e8fc63bbd3daf4e2aee738bc4b8367c1c5308592e14bc8b1f1ff2e18",
	"wholePolicy":   "1f3725cfe456ec534806a83e71e4449c18f4ee80279702d615461b06a6274b1c",
	"vocabAnyLang":  "8c5f8c8eb8b4edffced3420b23acadf4bb4eecac8220ba0d3d2398336d946d4a",
	"mixed":         "d364ff0c3fbaaf6fe69f4f27e399a9c18642e0c16c30b50aa27878ebaa87d3a6",
	"extra1000":     "e02d9ae5d51cd58f096aaa00e7605ae4701de80bdec30cc70a1b841e40eae3ef",
	"strip":         "2e7633f4d986f2e5bab8d9346fc66639bc72305d29ffec26a9af145eb288eb15",
	"adversarial":   "c97e6688b69258056979163a6eef89b1c3f7a9eaf77fad42336915893eeefe5f",
	"adversarialMo": "1cf994ec14c6294cbdf0cc45e809f685aa3dd945d5660592dbac7f95b572ed0a",
}

// pinTexts: every message of testdata/corpus (with its language and
// meeting points), the in-code corpus, the golden renderings, and the
// mixed text the benchmarks scan.
type pinText struct {
	lang, text string
	points     []string
}

func pinTexts(t *testing.T) []pinText {
	msgs, err := loadCorpusDir(filepath.Join("testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	var out []pinText
	for _, m := range msgs {
		out = append(out, pinText{m.lang, m.text, m.points})
	}
	for _, l := range ShippedLanguages {
		for _, s := range corpus[l].sensitive {
			out = append(out, pinText{lang: l, text: s.text})
		}
		for _, s := range corpus[l].benign {
			out = append(out, pinText{lang: l, text: s})
		}
	}
	c := mustBuiltin(t)
	for _, br := range allBodyRenderings(c) {
		r, err := c.Render(RenderRequest{TemplateID: br.id, Lang: br.lang, Variant: br.variant, Channel: br.channel,
			Params: goldenParams(c.tmpl[br.id], br.lang), TimeZone: goldenSample[br.lang].tz})
		if err == nil {
			out = append(out, pinText{lang: br.lang, text: r.Text, points: []string{goldenSample[br.lang].place}})
		}
	}
	return out
}

// pinAdversarial are texts that stress the normaliser and the scanners.
var pinAdversarial = []string{
	"", " ", "\xff\xfe", "a\u0301", "poli\u0301cia\u0301\u0301", "ß", "ﬁ", "İstanbul", "½", "…",
	"+34 (0) 612-345-678", "((((1234567", "1.2.3.4.5.6.7.8.9", "a@b.c@d.ef", "http://", "www.",
	"c/ 1", "12 rue", "221B Street", "SW1A 1AA", "x.com/" + string(rune(0x1f)), "trata a@b.org de personas",
	"l'avocat l'avocat", "(tel. 612 345 678)", "¿¡()[]{}!?", "\u200b\u200b", "Calle Mayor 5, 2º 1ª",
	"P.O.L.I.C.I.A", "p-o-l-i-c-i-a y la a.b.o.g.a.d.a", "ab0gada p0l1c1a", "la POLICÍA y el Juzgado de Guardia",
	"ＰＯＬＩＣＩＡ", "lapolicía", "tu abogadamañana", "psicóloga psicólogas psicologías", "Metro Sol Metro Sol",
	"Ana María López y Juan de la Cruz, ONG Esperanza", "AB CD EF GH", "escríbeme: ana (at) gmail (dot) com",
	"ana arroba gmail punto com", "seis uno dos tres cuatro cinco seis siete ocho", "6 1 2 3 4 5 6 7 8",
}

type pinHasher struct {
	h    hash.Hash
	dump io.Writer
	n    int
}

func newPinHasher(t *testing.T, group string) *pinHasher {
	p := &pinHasher{h: sha256.New()}
	if d := os.Getenv("PIN_FINDINGS_DUMP"); d != "" {
		f, err := os.Create(d + "." + group)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		p.dump = f
	}
	return p
}

func (p *pinHasher) add(i int, fs []Finding) {
	for _, x := range fs {
		line := fmt.Sprintf("%d %s %d %d\n", i, x.Category, x.Start, x.End)
		io.WriteString(p.h, line)
		if p.dump != nil {
			fmt.Fprintf(p.dump, "%s\t%q\n", line[:len(line)-1], x.Match)
		}
		p.n++
	}
	fmt.Fprintf(p.h, "%d end\n", i)
}

func (p *pinHasher) sum() string { return hex.EncodeToString(p.h.Sum(nil)) }

// TestPinnedFindings checks the findings of the scanner have not changed:
// the options are those of the benchmarks and of the gateway (no
// language; her language with unknown names and the meeting points; the
// vocabulary, plain and whole policies; a meeting point's name), with and
// without extra terms.
func TestPinnedFindings(t *testing.T) {
	texts := pinTexts(t)
	f := mustFilter(t)
	vf, err := NewFilterFrom(FilterConfig{Vocabulary: true})
	if err != nil {
		t.Fatal(err)
	}
	xf, err := NewFilterWithTerms(syntheticTerms(1000))
	if err != nil {
		t.Fatal(err)
	}
	mixed := mixedText(64 << 10)
	groups := []struct {
		name string
		run  func(p *pinHasher)
	}{
		{"plain", func(p *pinHasher) {
			for i, x := range texts {
				p.add(i, f.ScanWith(x.text, ScanOptions{}))
			}
		}},
		{"lang", func(p *pinHasher) {
			for i, x := range texts {
				for _, l := range ShippedLanguages {
					p.add(i, f.ScanWith(x.text, ScanOptions{Lang: l, UnknownNames: true}))
				}
			}
		}},
		{"gateway", func(p *pinHasher) {
			for i, x := range texts {
				p.add(i, f.ScanWith(x.text, ScanOptions{Lang: x.lang, UnknownNames: true, KnownNames: x.points}))
			}
		}},
		{"placename", func(p *pinHasher) {
			for i, x := range texts {
				p.add(i, f.ScanWith(x.text, ScanOptions{PlaceName: true}))
				p.add(i, f.ScanWith(x.text, ScanOptions{Lang: x.lang, UnknownNames: true, PlaceName: true}))
			}
		}},
		{"vocabulary", func(p *pinHasher) {
			for i, x := range texts {
				p.add(i, vf.ScanWith(x.text, ScanOptions{Lang: x.lang, UnknownNames: true, Vocabulary: true, KnownNames: x.points}))
			}
		}},
		{"plainPolicy", func(p *pinHasher) {
			for i, x := range texts {
				p.add(i, vf.ScanWith(x.text, ScanOptions{Lang: x.lang, UnknownNames: true, Vocabulary: true, Plain: true, KnownNames: x.points}))
			}
		}},
		{"wholePolicy", func(p *pinHasher) {
			for i, x := range texts {
				p.add(i, f.ScanWith(x.text, ScanOptions{Lang: x.lang, UnknownNames: true, Plain: true, KnownNames: x.points}))
			}
		}},
		{"vocabAnyLang", func(p *pinHasher) {
			for i, x := range texts {
				p.add(i, vf.ScanWith(x.text, ScanOptions{UnknownNames: true, Vocabulary: true}))
				p.add(i, vf.ScanWith(x.text, ScanOptions{Lang: "es", UnknownNames: false}))
			}
		}},
		{"mixed", func(p *pinHasher) {
			p.add(0, f.ScanWith(mixed, ScanOptions{}))
			p.add(1, f.ScanWith(mixed, ScanOptions{Lang: "es", UnknownNames: true}))
			p.add(2, vf.ScanWith(mixed, ScanOptions{Lang: "es", UnknownNames: true, Vocabulary: true, KnownNames: []string{"Metro Sol"}}))
			// again, with the stem cache warm
			p.add(3, f.ScanWith(mixed, ScanOptions{Lang: "es", UnknownNames: true}))
		}},
		{"extra1000", func(p *pinHasher) {
			p.add(0, xf.ScanWith(mixed, ScanOptions{}))
			p.add(1, xf.ScanWith(mixed, ScanOptions{Lang: "es", UnknownNames: true}))
			for i, x := range texts {
				p.add(2+i, xf.ScanWith(x.text, ScanOptions{Lang: x.lang, UnknownNames: true}))
			}
		}},
		{"strip", func(p *pinHasher) {
			for i, x := range texts {
				s, fs := f.Strip(x.text)
				fmt.Fprintf(p.h, "%q\n", s)
				p.add(i, fs)
			}
		}},
		{"adversarial", func(p *pinHasher) {
			for i, s := range pinAdversarial {
				p.add(i, f.ScanWith(s, ScanOptions{}))
				for _, l := range ShippedLanguages {
					p.add(i, f.ScanWith(s, ScanOptions{Lang: l, UnknownNames: true}))
				}
			}
		}},
		{"adversarialMo", func(p *pinHasher) {
			for i, s := range pinAdversarial {
				p.add(i, vf.ScanWith(s, ScanOptions{Lang: "es", UnknownNames: true, Vocabulary: true}))
				p.add(i, f.ScanWith(s, ScanOptions{PlaceName: true}))
			}
		}},
	}
	for _, g := range groups {
		p := newPinHasher(t, g.name)
		g.run(p)
		got := p.sum()
		want, ok := pinnedFindings[g.name]
		if !ok {
			t.Errorf("%s: no pinned hash", g.name)
		}
		if got != want {
			t.Errorf("%s: findings changed (%d findings): hash %s, pinned %s", g.name, p.n, got, want)
		}
	}
}
