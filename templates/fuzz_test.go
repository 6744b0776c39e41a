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
		"llama al ⑹⑴⑵-⑶⑷-⑸⑹-⑺⑻", "⒍⒈⒉ ⒊⒋⒌ ⒍⒎⒏", "⒃ ⑿ ⒁ ⒂ ⒄", "❻❶❷ ➏➊➋", "la 𝐏𝐎𝐋𝐈𝐂𝐈𝐀 y el 𝐦𝐞𝐝𝐢𝐜𝐨",
		"𝟔𝟏𝟐 𝟑𝟒𝟓 𝟔𝟕𝟖", "ℐnmigración ℙolicía", "６１２ ３４５ ６７８ ＰＯＬＩＣＩＡ",
		"6. 1. 2. 3. 4. 5. 6. 7. 8.", "[6][1][2][3][4][5][6][7][8]", "(6 (1 [2] {3}) 4_5_6_7_8", "6🌸1🌸2🌸3🌸4🌸5🌸6🌸7",
		"6 / 1 / 2 / 3 / 4 / 5 / 6 / 7", "6,1,2,3,4,5,6,7,8", "6l2 O45 678", "O6l2O45678oli", "l1l1l1l1 o0o0o0",
		"six 1 2 three 4 5 6 7 8", "(six)(1)(2)(three)(4)(5)(6)(7)(8)", "six_1_2_three_4_5_6_7_8", "1,50, 2,30 y 6,20",
		"1, 2, 3, 4, 5, 6, 7, 8, 9, 10", "3-1, 2-0, 4-2, 1-1", "6 - 1 -- 2 --- 3 ---- 4 - 5 - 6 - 7", "6)(1)(2)(3)(4)(5)(6)(7)(",
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

// FuzzStemmedMatcher drives the stemmed, language-scoped matcher with
// unknown names on, as the gateway does for a monitored phone, and under
// the vocabulary policy (l&16) and the plain policy's risky phrases
// (l&32): no panic, every span inside the text on
// rune boundaries, and stripping is idempotent (stripping a stripped
// text changes nothing).
func FuzzStemmedMatcher(f *testing.F) {
	for _, s := range []string{
		"los tratantes y las declaraciones", "p.o.l.i.c.e", "p0lice v1ct1m", "poliiiicia", "pоlice", "example dot org",
		"seis uno dos tres cuatro cinco seis siete", "llama al 016", "No le debes nada, esa deuda no es legal y ya",
		"Hola María, el SAPS te espera en Metro Sol", "court 3, then the court hearing", "tr4ff1ck3r", "@maria_b",
		"Traficanții nu", "il·legal", "ÉÉÉ", "a.b.c.d.e", "1 2 3 4 5 6 7", "x\u202ey",
		"lapolicía thepolice laabogada", "tr@tante ana@b.org", "pol*cía", "Ci vediamo alla Metro Tribunali",
		"save it as Ana", "Hola Ana, besos, Marta", "zéro six douze trente quatre", "L'OFPRA, l'entretien", "SW1A 1AA p1mp",
		"llama al ⑹⑴⑵-⑶⑷-⑸⑹-⑺⑻", "⒍⒈⒉ ⒊⒋⒌ ⒍⒎⒏", "la 𝐏𝐎𝐋𝐈𝐂𝐈𝐀 y el 𝐦𝐞𝐝𝐢𝐜𝐨", "ℐnmigración", "６１２ ３４５ ６７８",
	} {
		for l := byte(0); l < 8; l++ {
			f.Add(s, l)
			f.Add(s, l|16)
		}
	}
	for _, s := range []string{
		"Hola, el jueves a las 10:30 quedamos en Metro Sol y vamos al mercadillo", "10h 18h30 9am 1º 08001 612345678",
		"See you Thursday at 4pm, then the Kalayaan office", "Metro Sol Metro Sol metro sol", "l'l'l' d'accord jusqu'à",
	} {
		for l := byte(16); l < 24; l++ {
			f.Add(s, l)
		}
	}
	for _, s := range []string{
		"come... with us tonight", "we'll come and pick u up", "te paso a buscar, no le digas nada",
		"dis-lui rien", "vieni con noi stasera", "fa-ti bagajul", "passem a per tu", "vem com a gente",
		"come come come with with us us", "come~with|us",
	} {
		for l := byte(0); l < 8; l++ {
			f.Add(s, l|32)
			f.Add(s, l|48)
		}
	}
	filt, err := NewFilterFrom(FilterConfig{Vocabulary: true})
	if err != nil {
		f.Fatal(err)
	}
	langs := append([]string{""}, stemLangs...)
	f.Fuzz(func(t *testing.T, text string, l byte) {
		o := ScanOptions{Lang: langs[int(l)%len(langs)], UnknownNames: l&8 != 0, Vocabulary: l&16 != 0, Plain: l&32 != 0, KnownNames: []string{"Metro Sol"}}
		fs := filt.ScanWith(text, o)
		bounds := runeBoundaries(text)
		prev := 0
		for _, x := range fs {
			if x.Start < prev || x.Start >= x.End || x.End > len(text) || !bounds[x.Start] || !bounds[x.End] {
				t.Fatalf("bad span %+v (prev end %d, len %d) in %q", x, prev, len(text), text)
			}
			if x.Match != text[x.Start:x.End] {
				t.Fatalf("Match %q != %q", x.Match, text[x.Start:x.End])
			}
			prev = x.End
		}
		stripped, _ := filt.StripWith(text, o)
		again, afs := filt.StripWith(stripped, o)
		if again != stripped || len(afs) != 0 {
			t.Fatalf("not idempotent: %q -> %q -> %q (%+v)", text, stripped, again, afs)
		}
	})
}
