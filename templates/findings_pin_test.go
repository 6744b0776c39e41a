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
	"plain":         "342938a32c1b95570f4eea5955dd269f7d3ab7a83d68b3a46422a3b5cf96c9ae",
	"lang":          "a6d0b4ded9fec3f559107148d532e2b1b7c1721c2b243b19aa63912c42e18ccb",
	"gateway":       "ce6fb4ea38a763cc24477b514b5fe0325d7a33c3941bddac0879e11fea38f49e",
	"placename":     "e45440a297d77030b432aa6aaec913b5095c684fd9e2204ffd0adbce4e5c74d5",
	"vocabulary":    "500ce3efc2fa6ce93e10961a18a947d7cb923a73b2512ebb0152f22b239ac979",
	"plainPolicy":   "0a2e8cdd24817fe2bd5372825cd41dd0f012b3b22b30bf463dccd05b39c63004",
	"vocabAnyLang":  "023932a69f4f2786ab98d82117df26534de30bdbb096d5f56baafd2e05c2c5b3",
	"mixed":         "537f2c635f0c9f70145eb4a5fe01082a766f38992ce8a9e630e47c26a4972163",
	"extra1000":     "4c8456510a78c6820d505bb0cacb6c47e48489bd760b06b8ddaf29b6cc4863f1",
	"strip":         "300c65881b310db1cb651b1245199bc2ea2abd34f13b46e4f2f47f4a5b0023a8",
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
