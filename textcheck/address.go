package textcheck

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Street addresses: a street word and a house number that belongs to it.
//
//   - After the street word, up to four words of its name and then the
//     number ("Calle Mayor 5", "Carrer de Pelai, 3", "ул. Ленина 5",
//     "Strada Lipscani nr. 5"). For a weak street word — one that is also
//     an ordinary word ("plaza", "via", "place", "st") — it must be
//     followed by a capitalised name, and the name may hold only
//     capitalised words and particles ("de", "la", "di", …): "Plaza Mayor
//     meeting 3 times" is not an address, "Plaza Mayor 3" is.
//   - Before the street word, a number and at most two capitalised words
//     or particles ("12 rue de la Paix", "221B Baker Street").
//   - A German or Dutch compound ("Hauptstraße 5", "Kalverstraat 12") is
//     its own street word.
//   - "C/Mayor", "Av.Diagonal", "ул.Ленина": an abbreviation glued to the
//     name counts as two words.

type token struct {
	low   string // lower case, punctuation around it trimmed
	upper bool   // starts with an upper-case letter
	num   bool   // a house number: 1 to 4 digits, a letter or "bis"/"ter" after, "12-14", "5/2"
	mark  bool   // a number marker: "nº", "no.", "nr.", "núm.", "д.", …
	part  bool   // a particle inside a street name
}

func tokens(s string) []token {
	var out []token
	for _, f := range strings.Fields(s) {
		for _, w := range splitGlued(f) {
			out = append(out, makeToken(w))
		}
	}
	return out
}

func makeToken(w string) token {
	low := strings.ToLower(strings.TrimRight(strings.TrimLeft(w, "\"'(«“"), ",;:!?\"')»”"))
	r, _ := utf8.DecodeRuneInString(strings.TrimLeft(w, "\"'(«“"))
	t := token{low: low, upper: unicode.IsUpper(r), mark: numberMarks[low], part: particles[low]}
	n := low
	for _, p := range []string{"nº", "n°", "no.", "nr.", "n."} {
		if strings.HasPrefix(n, p) && len(n) > len(p) {
			n = n[len(p):]
			break
		}
	}
	t.num = houseNumber(n)
	return t
}

// splitGlued splits a street abbreviation glued to the name after it.
func splitGlued(w string) []string {
	low := strings.ToLower(w)
	for _, a := range gluedAbbrevs {
		if strings.HasPrefix(low, a) && len(low) > len(a) {
			r, _ := utf8.DecodeRuneInString(w[len(a):])
			if unicode.IsLetter(r) {
				return []string{w[:len(a)], w[len(a):]}
			}
		}
	}
	return []string{w}
}

func houseNumber(s string) bool {
	s = strings.TrimRight(s, ".,º°ª")
	d := 0
	for d < len(s) && isDigit(s[d]) {
		d++
	}
	if d == 0 || d > 4 {
		return false
	}
	rest := s[d:]
	switch {
	case rest == "", rest == "bis", rest == "ter":
		return true
	case len(rest) == 1 && rest[0] >= 'a' && rest[0] <= 'z':
		return true
	case (rest[0] == '-' || rest[0] == '/') && len(rest) > 1 && len(rest) <= 5:
		for i := 1; i < len(rest); i++ {
			if !isDigit(rest[i]) && !(i == len(rest)-1 && rest[i] >= 'a' && rest[i] <= 'z') {
				return false
			}
		}
		return true
	}
	return false
}

// streetWords are street types in es, ca, it, fr, pt, ro, en, de, nl, ru
// and uk. true: weak (also an ordinary word; needs a capitalised name).
var streetWords = func() map[string]bool {
	m := map[string]bool{}
	add := func(weak bool, list string) {
		for _, w := range strings.Fields(list) {
			m[w] = weak
		}
	}
	add(false, `calle c/ cl. cl avenida avda avda. av. av carretera ctra. ctra camino travesía travesia glorieta urbanización urb. pza. pº
		carrer avinguda avgda. passeig pg. travessera ptge. passatge
		viale vicolo piazzale v.le p.za lungomare contrada
		rue avenue boulevard bd bd. chemin impasse allée allee quai
		rua travessa tv. calçada calcada rodovia praceta
		bulevardul b-dul b-dul. șoseaua soseaua șos. sos. splaiul intrarea str. str
		street road rd rd. avenue ave ave. blvd blvd. crescent terrace
		straße strasse gasse allee
		straat laan gracht
		улица ул. ул проспект пр-т просп. переулок пер. бульвар б-р шоссе набережная наб. проезд
		вулиця вул. вул провулок пров. площа набережна`)
	add(true, `c. plaza paseo ronda plaça placa rambla via piazza corso largo strada place route square
		praça praca estrada alameda beco calea aleea piața piata
		st st. lane drive platz weg damm ufer plein
		площадь пл. пр. бул. пл`)
	return m
}()

// streetSuffixes make a capitalised word a street on their own.
var streetSuffixes = []string{"straße", "strasse", "str.", "gasse", "platz", "allee", "weg", "damm", "ufer", "straat", "laan", "plein", "gracht"}

// gluedAbbrevs are split from a name glued to them ("C/Mayor").
var gluedAbbrevs = []string{"c/", "av.", "avda.", "ctra.", "pza.", "pg.", "str.", "ул.", "вул.", "пр.", "пер.", "просп.", "пл.", "наб.", "b-dul.", "bd."}

// particles may appear inside a street name.
var particles = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`de del la las los el d' l' i y e di della dello delle dei degli da do dos das du des le les of the von van der den am an im zum zur sant santa san são`) {
		m[w] = true
	}
	return m
}()

// timesWords after a number make it a count, not a house number ("via
// WhatsApp 3 times").
var timesWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`times time x veces vez vegades cops volte volta fois vezes ori oară oara mal keer раз раза рази`) {
		m[w] = true
	}
	return m
}()

// numberMarks stand before a house number.
var numberMarks = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`nº n° no no. nr nr. n. núm. num. número numero nummer д. дом буд. будинок n.º`) {
		m[w] = true
	}
	return m
}()

func streetWord(t token) (street, weak bool) {
	if weak, ok := streetWords[t.low]; ok {
		return true, weak
	}
	if t.upper {
		for _, s := range streetSuffixes {
			if strings.HasSuffix(t.low, s) && utf8.RuneCountInString(t.low) > utf8.RuneCountInString(s)+2 {
				return true, false
			}
		}
	}
	return false, false
}

// namedAfter: a capitalised name follows toks[i], after any particles
// ("Piazza della Signoria").
func namedAfter(toks []token, i int) bool {
	for j := i + 1; j < len(toks); j++ {
		if !toks[j].part {
			return toks[j].upper
		}
	}
	return false
}

func hasAddress(toks []token) bool {
	for i, t := range toks {
		street, weak := streetWord(t)
		if !street {
			continue
		}
		if weak && !namedAfter(toks, i) {
			continue
		}
		// After: the name, then the number.
		for j := i + 1; j < len(toks) && j <= i+5; j++ {
			if toks[j].num {
				if weak && j+1 < len(toks) && timesWords[toks[j+1].low] {
					break
				}
				return true
			}
			if toks[j].mark {
				continue
			}
			if weak && !toks[j].upper && !toks[j].part {
				break
			}
		}
		// Before: the number, then a capitalised name.
		for j := i - 1; j >= 0 && j >= i-3; j-- {
			if toks[j].num {
				return true
			}
			if !toks[j].upper && !toks[j].part {
				break
			}
		}
	}
	return false
}
