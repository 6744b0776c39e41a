package templates

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Strip returns text without its sensitive spans, and the findings of
// text (offsets into text).
//
// Replacement policy: every span is removed, whatever its category; no
// neutral word is put in its place (a neutral word would have to be right
// for the unknown language, gender and grammar of the sentence). Around
// each removed span:
//
//   - up to four function words right before it are removed with it
//     (articles, prepositions, possessives, conjunctions of the shipped
//     languages: "con la", "to the", "à la", "la", "cu", "and"), and elided
//     articles glued to it ("l'", "d'", "dell'"), so "nos vemos en la
//     comisaría a las 10" becomes "nos vemos a las 10";
//   - before a phone, e-mail, URL or address, labels are removed too
//     ("Tel.:", "e-mail", "correo", "web", "dirección", "CP"), so
//     "(tel. 612 345 678)" disappears whole;
//   - then white space and punctuation are tidied: no double spaces, no
//     space before , . ; : ! ? ) or after ( ¿ ¡, no empty (), [] or ¿?,
//     no doubled , ; : (", ." becomes "."), no , ; : at the end of the
//     text, no , ; : . at the start of a line, at most one blank line in a
//     row.
//
// If the removals join words into a new sensitive phrase, that is removed
// as well (the result is scanned again until clean), so Strip's result
// always scans clean. A text without findings is returned unchanged.
func (f *Filter) Strip(text string) (string, []Finding) { return f.StripWith(text, ScanOptions{}) }

// StripWith is Strip with what is known about the message (ScanWith).
func (f *Filter) StripWith(text string, o ScanOptions) (string, []Finding) {
	findings := f.ScanWith(text, o)
	if len(findings) == 0 {
		return text, nil
	}
	out := removeSpans(text, findings)
	for i := 0; ; i++ {
		fs := f.ScanWith(out, o)
		if len(fs) == 0 {
			break
		}
		if i >= 64 { // each pass shrinks the text; this is a fail-safe only
			out = ""
			break
		}
		out = removeSpans(out, fs)
	}
	return out, findings
}

var danglingWords = wordSet(`a al el la los las lo un una unos unas del de con en por para tu su mi tus sus mis
	nuestra nuestro nuestras nuestros vuestra vuestro y e
	els les amb pel pels per teu teva teus teves seu seva meu meva i
	il gli le uno di da in alla allo ai agli alle dal dallo dalla dai dagli dalle dello della dei degli
	delle nel nello nella nei negli nelle col sul sulla sullo sui tuo tuoi tue suo mio ed
	the an to at with from of for by on your my our her his their this that and or
	à des du au aux chez avec pour par ton ta tes votre vos mon ma ce cette et ou
	às um uma do dos das na nas ao aos em com pelo pela pelos pelas seu sua
	cu din pe pentru spre unui unei către în sau`)

var elidedWords = wordSet(`l d dell all dall nell sull un s qu`)

var contactLabels = normWordSet(`tel telf tlf tlfn tfno telefono telefone telephone telefon phone mobile movil mobil
	cel cell cellulare portable whatsapp wa email e-mail mail correo correu courriel web website url link
	enlace enllac sito site pagina page direccion direccio adresse address indirizzo endereco morada adresa
	numero num nr contacto contact contatto contacte cp c.p cap postal codigo codi code codice cod postale
	postcode zip calle carrer`)

func isContactCat(c Category) bool {
	return c == CategoryPhone || c == CategoryEmail || c == CategoryURL || c == CategoryAddress
}

// removeSpans cuts the findings (and their dangling words) out of text and
// tidies the result.
func removeSpans(text string, fs []Finding) string {
	var b strings.Builder
	b.Grow(len(text))
	prev := 0
	for _, f := range fs {
		if f.Start < prev {
			continue
		}
		s := extendLeft(text, prev, f.Start, isContactCat(f.Category))
		b.WriteString(text[prev:s])
		b.WriteByte(' ')
		prev = f.End
	}
	b.WriteString(text[prev:])
	return tidy(b.String())
}

// extendLeft moves start left over words that would dangle once the span
// is gone, never before floor.
func extendLeft(text string, floor, start int, contact bool) int {
	p := start
	// Elided article glued to the span: l'avocat, dell'avvocato.
	if q, ok := apostropheBefore(text, p); ok && q > floor {
		ws := q
		for ws > floor {
			r, sz := utf8.DecodeLastRuneInString(text[:ws])
			if !unicode.IsLetter(r) {
				break
			}
			ws -= sz
		}
		if ws < q && elidedWords[strings.ToLower(text[ws:q])] {
			p = ws
		}
	}
	for k := 0; k < 4; k++ {
		q := p
		for q > floor && (text[q-1] == ' ' || text[q-1] == '\t' || text[q-1] == ':' && contact) {
			q--
		}
		if q == p && p != start {
			break
		}
		if q == p && p == start && q > floor && text[q-1] != ' ' {
			break
		}
		ws := q
		for ws > floor {
			r, sz := utf8.DecodeLastRuneInString(text[:ws])
			if unicode.IsSpace(r) {
				break
			}
			ws -= sz
		}
		if ws == q {
			break
		}
		// An opening bracket or mark glued to the word stays: "(tel." -> "tel."
		opened := false
		for ws < q {
			r, sz := utf8.DecodeRuneInString(text[ws:])
			if !isOpeningPunct(r) && r != '"' && r != '«' && r != '“' && r != '\'' {
				break
			}
			ws += sz
			opened = true
		}
		// Function words compare with their accents (Italian "è" is a verb,
		// "e" a conjunction); labels compare folded ("teléfono", "telefono").
		raw := strings.TrimRight(text[ws:q], ".:")
		w := strings.ToLower(strings.ReplaceAll(raw, "’", "'"))
		if w == "" || !(danglingWords[w] || contact && contactLabels[normalizeString(raw)]) {
			break
		}
		p = ws
		if opened {
			break
		}
	}
	return p
}

// apostropheBefore: is there an apostrophe right before p? returns its
// start.
func apostropheBefore(text string, p int) (int, bool) {
	if p == 0 {
		return 0, false
	}
	r, sz := utf8.DecodeLastRuneInString(text[:p])
	if r == '\'' || r == '\u2019' {
		return p - sz, true
	}
	return 0, false
}

func isClosingPunct(r rune) bool {
	switch r {
	case ',', '.', ';', ':', '!', '?', ')', ']', '}':
		return true
	}
	return false
}

func isOpeningPunct(r rune) bool {
	switch r {
	case '(', '[', '{', '¿', '¡':
		return true
	}
	return false
}

func matchingOpen(r rune) rune {
	switch r {
	case ')':
		return '('
	case ']':
		return '['
	case '}':
		return '{'
	case '?':
		return '¿'
	case '!':
		return '¡'
	}
	return 0
}

// tidy fixes white space and punctuation after removals. It copies the
// bytes it keeps as they are (invalid UTF-8 included).
func tidy(s string) string {
	out := make([]byte, 0, len(s))
	last := func() rune {
		if len(out) == 0 {
			return 0
		}
		r, _ := utf8.DecodeLastRune(out)
		return r
	}
	pop := func() {
		_, sz := utf8.DecodeLastRune(out)
		out = out[:len(out)-sz]
	}
	beforeLast := func() rune {
		_, sz := utf8.DecodeLastRune(out)
		if len(out)-sz <= 0 {
			return 0
		}
		r, _ := utf8.DecodeLastRune(out[:len(out)-sz])
		return r
	}
	trimSpaces := func() {
		for len(out) > 0 && (out[len(out)-1] == ' ' || out[len(out)-1] == '\t') {
			out = out[:len(out)-1]
		}
	}
	pending := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		raw := s[i : i+size]
		i += size
		var next rune
		if i < len(s) {
			next, _ = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case r == ' ' || r == '\t':
			pending = true
		case r == '\r':
			if next != '\n' {
				pending = true
			}
		case r == '\n':
			trimSpaces()
			nl := 0
			for k := len(out) - 1; k >= 0 && out[k] == '\n'; k-- {
				nl++
			}
			if len(out) > 0 && nl < 2 {
				out = append(out, '\n')
			}
			pending = false
		case isClosingPunct(r):
			pending = false
			trimSpaces()
			l := last()
			if o := matchingOpen(r); o != 0 && l == o {
				// empty (), [], ¿?, ¡!
				pop()
				trimSpaces()
				pending = len(out) > 0
				continue
			}
			if (r == ')' || r == ']' || r == '}') && (l == ',' || l == ';' || l == ':') {
				pop()
				trimSpaces()
				if last() == matchingOpen(r) {
					pop()
					trimSpaces()
					pending = len(out) > 0
					continue
				}
				l = last()
			}
			switch {
			case l == 0 || l == '\n' || isOpeningPunct(l):
				if r == ',' || r == ';' || r == ':' || r == '.' {
					continue // nothing before it to punctuate
				}
			case (r == ',' || r == ';' || r == ':') && strings.ContainsRune(",;:.!?", l):
				continue
			case (r == '.' || r == '!' || r == '?') && (l == ',' || l == ';' || l == ':'):
				pop()
			case r == '.' && l == '.':
				if beforeLast() != '.' && next != '.' {
					continue // ". ." left by a removal, not an ellipsis
				}
			}
			out = append(out, raw...)
		default:
			if pending && len(out) > 0 && last() != '\n' && !isOpeningPunct(last()) {
				out = append(out, ' ')
			}
			pending = false
			out = append(out, raw...)
		}
	}
	for len(out) > 0 {
		switch out[len(out)-1] {
		case ',', ';', ':', ' ', '\t', '\n':
			out = out[:len(out)-1]
			continue
		}
		break
	}
	return string(out)
}
