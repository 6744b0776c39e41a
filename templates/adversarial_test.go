package templates

import (
	"strings"
	"testing"
	"time"
)

// Pathological repetitions of what the anchored scanners look for must
// not make a scan super-linear: 200 KB of each is scanned and stripped well
// within a generous bound (a quadratic scanner would take minutes).

func TestAdversarialInputsStayLinear(t *testing.T) {
	f := mustFilter(t)
	pats := map[string]string{
		"digits":      "1",
		"digitsep":    "1 ",
		"digitdot":    "1.",
		"at":          "a@",
		"atdom":       "a@b.co ",
		"dots":        "a.",
		"dotcom":      "ab.com",
		"street":      "calle ",
		"streetA":     "Calle Mayor ",
		"streetEn":    "Baker Street ",
		"rue":         "1 rue ",
		"victim":      "victim ",
		"victimglued": "victim",
		"marks":       "a\u0301",
		"cjk":         "日本語",
		"emoji":       "😀",
		"invalid":     "\xff",
		"parens":      "(",
		"plus":        "+1",
		"trata":       "trata a@b.org de personas ",
		"nested":      "la policía ",
		"http":        "http://",
		"apos":        "l'",
		"upper":       "SW1A 1AA ",
		"debt":        "deuda ",
		"spelt":       "a b c d ",
		"spelt2":      "a.b.",
		"dotword":     "a dot org ",
		"digitwords":  "uno dos ",
		"fillers":     "12 y ",
		"names":       "Ana Pérez ",
		"acronyms":    "ABC ",
		"leet":        "p0l1c3 ",
		"stems":       "tratantes declaraciones ",
		"handle":      "@a ",
		"hotline":     "llama al 112 ",
		"context":     "entretien OFPRA ",
		"contextlong": "entretien entretien OFPRA. ",
		"glued":       "lapolicía ",
		"gluedlong":   "laabogadalaabogada",
		"atleet":      "tr@t@nte ",
		"masked":      "pol*cía ",
		"cover":       "guárdalo como Ana ",
		"station":     "Metro Tribunali ",
		"pairs":       "douze trente ",
		"casade":      "casa de ",
		"piso":        "piso 4 ",
		"placewords":  "la casa és gran. ",
	}
	for name, p := range pats {
		s := strings.Repeat(p, 200000/len(p)+1)
		t0 := time.Now()
		o := ScanOptions{Lang: "es", UnknownNames: true}
		if name == "context" || name == "contextlong" {
			o.Lang = "fr"
		}
		fs := f.ScanWith(s, o)
		d1 := time.Since(t0)
		t0 = time.Now()
		f.StripWith(s, o)
		d2 := time.Since(t0)
		checkFindings(t, s, fs)
		if d1 > 3*time.Second || d2 > 6*time.Second {
			t.Errorf("%s: scan %v, strip %v for %d bytes", name, d1, d2, len(s))
		}
	}
}
