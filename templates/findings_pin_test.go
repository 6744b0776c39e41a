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
	"plain":         "6a5fbeb7db58ce77c29f73d6828a565e2b4c86142e7918ba6bf5c3b75f53543c",
	"lang":          "238c293886a129c222401b9bdb822eae20de2c8245ea99e3e72dd664d842f5a2",
	"gateway":       "cf1212977394253400187752f49202d77d0c1666e4ef6b94bd76a4edc7289467",
	"placename":     "98e3dc3f31b72520bce37bbaa07dee71edb510a5d402c6e59f6d89872af9d461",
	"vocabulary":    "5a8a3ea3f99dd1d76e972b7e434370a35ef5827ef75e7a7f2ba39f974f9eee98",
	"plainPolicy":   "19d310865f5b3548f317b356e4cf68996cbbb9c63bc0ec276e230714f41111cf",
	"vocabAnyLang":  "d914fa04a24648f712b802a19f0da629da167b0c33c3a0f702a407e371b8b5c1",
	"mixed":         "537f2c635f0c9f70145eb4a5fe01082a766f38992ce8a9e630e47c26a4972163",
	"extra1000":     "7080c0dd53cab8e5017ca50a9b2acc1e1911d971793381489f9c24b598f73e18",
	"strip":         "22ccf1334c7aadb56ba0f31617cd3ebe589440b124c4575c7b4907a403d79328",
	"adversarial":   "3a7147bc287fc190559b2b8d8e8482bfa77e0b43d8e63576008603fb0fa6ebd8",
	"adversarialMo": "7bc096d7436f765480666e86b3934c3b969ffa73dfe1105debbc6b40cc904e78",
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
// vocabulary policy; a meeting point's name), with and without extra
// terms.
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
