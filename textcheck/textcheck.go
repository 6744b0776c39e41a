// Package textcheck validates the free-text fields staff type into the
// gateway: reasons, consent evidence, venues, meeting points, caseworker,
// user and partner names. It is pure (no I/O, no state) so every rule is
// table-tested and fuzzed on its own.
//
// Why a package of its own: these fields are not message text (the
// discreet-content filter in templates/ judges what her phone will show)
// and not her profile (consent/ parses codes, initials, numbers, windows).
// They are what staff write about their own work, kept in clear — some in
// append-only tables (consent evidence) or the audit chain, where nothing
// can ever be removed. So the rule is the same for all of them and strict:
//
//   - Chars: only graphic characters and plain spaces. NUL (PostgreSQL
//     refuses it in text: it used to give a 500), C0/C1 controls, DEL,
//     line and paragraph separators, bidi controls and every other format
//     character (zero-width, soft hyphen, BOM, tags), private-use,
//     unassigned and invalid UTF-8 are refused with invalid_text. They hide
//     or reorder text in previews, terminals and CSV exports.
//   - Contact: no phone number or long digit sequence (see hasLongNumber;
//     dates and form references excepted), no e-mail address, no link or
//     domain name, no street address. Staff reference the paper form
//     instead ("signed form, filed"): the form is under lock, the database
//     is not.
//   - UserName: a slug (letters, ASCII digits, ".", "-", "_"), starting
//     with a letter, 2 to 64 characters counted as characters, letters of
//     one script only, NFC. Skeleton gives its look-alike key (Unicode
//     TR 39) so a name that looks like an existing one is refused.
//
// Errors are *errs.Error with stable codes and never quote the input.
package textcheck

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"

	"safecontact/errs"
)

// Codes.
const (
	// CodeInvalidText: a character that is not plain visible text.
	CodeInvalidText = "invalid_text"
	// CodeContactDetails: a phone number, long number, e-mail, link or
	// street address in a field kept in clear.
	CodeContactDetails = "contact_details_in_text"
	// CodeInvalidUserName: a user name outside the slug rules.
	CodeInvalidUserName = "invalid_user_name"
)

// Chars refuses anything but graphic characters and the plain space.
func Chars(field, s string) error {
	if !utf8.ValidString(s) {
		return invalid(field)
	}
	for _, r := range s {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			continue // spaces, and the no-break spaces French typing inserts
		}
		if !unicode.IsGraphic(r) || unicode.Is(unicode.Zs, r) || isNonCharacter(r) || r == utf8.RuneError {
			return invalid(field)
		}
	}
	return nil
}

func invalid(field string) error {
	return errs.Field(CodeInvalidText, field, "%s contains a control, formatting or direction character (or invalid UTF-8): type plain text", field)
}

// isNonCharacter: U+FDD0–U+FDEF and the last two code points of each plane.
func isNonCharacter(r rune) bool {
	return (r >= 0xFDD0 && r <= 0xFDEF) || r&0xFFFE == 0xFFFE
}

// Kind names what Contact found, for the error message (never the text).
type Kind string

const (
	None    Kind = ""
	Number  Kind = "a phone number or long number"
	Email   Kind = "an e-mail address"
	Link    Kind = "a link or domain name"
	Address Kind = "a street address"
)

// Find reports the first kind of contact detail in s, or None.
func Find(s string) Kind {
	toks := tokens(s)
	if hasLongNumber(s) {
		return Number
	}
	for _, t := range toks {
		if k := linkOrEmail(t.text); k != None {
			return k
		}
	}
	if hasAddress(toks) {
		return Address
	}
	return None
}

// Contact refuses contact details in s (see Find).
func Contact(field, s string) error {
	if k := Find(s); k != None {
		return errs.Field(CodeContactDetails, field,
			"%s is kept in clear and must not contain %s (nor any phone number, e-mail, link or street address): reference the paper form instead, e.g. \"signed consent form, filed\"", field, k)
	}
	return nil
}

// Free is the whole check for a free-text field: Chars, then Contact.
func Free(field, s string) error {
	if err := Chars(field, s); err != nil {
		return err
	}
	return Contact(field, s)
}

// ---- numbers ----

// Numbers. Refused: a "+" before a digit; any unbroken group of
// minGroup digits or more (a number typed without spaces, a postcode, an
// identity or case-file number); a run of digit groups joined by one or
// two separators (space - . / ( )) holding minDigits digits or more (a phone
// number as people type it). Allowed: dates (2026-06-02, 02/06/2026,
// 02.06.2026), and a run joined to the letters before it by "-" or "/"
// with groups shorter than minGroup: a paper form's reference such as
// "F-2026-114", which is what staff should write instead.
const (
	minGroup  = 5
	minDigits = 7
)

func hasLongNumber(s string) bool {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		if b[i] == '+' && i+1 < len(b) && isDigit(b[i+1]) {
			return true
		}
		if !isDigit(b[i]) || (i > 0 && isDigit(b[i-1])) {
			continue
		}
		// A run starting at i.
		j, digits, group := i, 0, 0
		for j < len(b) {
			if isDigit(b[j]) {
				digits++
				group++
				if group >= minGroup {
					return true
				}
				j++
				continue
			}
			// One or two separators between groups ("612 345", "(93) 412").
			k := j
			for k < len(b) && k-j < 2 && isSep(b[k]) {
				k++
			}
			if k > j && k < len(b) && isDigit(b[k]) && isDigit(b[j-1]) {
				group = 0
				j = k
				continue
			}
			break
		}
		if digits >= minDigits && !isDate(s[i:j]) && !reference(b, i) {
			return true
		}
		i = j
	}
	return false
}

// reference: the run at i is joined to letters before it ("F-2026-114",
// "SC/12/2026").
func reference(b []byte, i int) bool {
	if i < 2 || (b[i-1] != '-' && b[i-1] != '/') {
		return false
	}
	c := b[i-2]
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isSep(c byte) bool   { return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' }

// isDate: YYYY-MM-DD (or / .) or DD-MM-YYYY (or / .), nothing else.
func isDate(s string) bool {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
	if len(parts) != 3 || len(s) != 10 {
		return false
	}
	sep := s[len(parts[0])]
	if s[len(parts[0])+1+len(parts[1])] != sep {
		return false
	}
	y, m, d := parts[0], parts[1], parts[2]
	if len(y) != 4 {
		y, d = d, y
	}
	return len(y) == 4 && len(m) == 2 && len(d) == 2 && inRange(m, 1, 12) && inRange(d, 1, 31) && inRange(y, 1900, 2199)
}

func inRange(s string, lo, hi int) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n >= lo && n <= hi
}

// ---- links and e-mail ----

// tlds are top-level domains that make a bare "word.tld" a domain name:
// the generic ones and those of the countries the programme works with.
var tlds = map[string]bool{
	"com": true, "org": true, "net": true, "info": true, "io": true, "eu": true, "me": true, "app": true,
	"es": true, "cat": true, "it": true, "fr": true, "pt": true, "ro": true, "uk": true, "de": true,
	"be": true, "ch": true, "nl": true, "at": true, "ly": true, "gl": true, "co": true, "ngo": true, "onion": true,
}

func linkOrEmail(tok string) Kind {
	low := strings.ToLower(tok)
	if strings.Contains(low, "://") || strings.HasPrefix(low, "www.") {
		return Link
	}
	if at := strings.IndexByte(low, '@'); at > 0 && at < len(low)-1 {
		return Email
	}
	// A bare domain: labels of letters/digits/hyphens joined by dots,
	// the last a known TLD.
	low = strings.TrimRight(low, ".,;:!?)")
	labels := strings.Split(low, ".")
	if len(labels) < 2 || !tlds[labels[len(labels)-1]] {
		return None
	}
	for _, l := range labels {
		if l == "" {
			return None
		}
	}
	if len(labels[len(labels)-2]) < 2 {
		return None // "M.R.es" style initials are not domains
	}
	return Link
}

// ---- street addresses ----

type token struct {
	text  string // as written
	low   string // lower case, trailing punctuation trimmed
	upper bool   // starts with an upper-case letter
	num   bool   // a house number: 1 to 4 digits, optional letter or "bis"
}

func tokens(s string) []token {
	var out []token
	for _, f := range strings.Fields(s) {
		low := strings.ToLower(strings.TrimRight(f, ",;:!?"))
		r, _ := utf8.DecodeRuneInString(f)
		t := token{text: f, low: low, upper: unicode.IsUpper(r)}
		t.num = houseNumber(strings.TrimPrefix(strings.TrimPrefix(low, "nº"), "n."))
		out = append(out, t)
	}
	return out
}

func houseNumber(s string) bool {
	s = strings.TrimRight(s, ".")
	d := 0
	for d < len(s) && isDigit(s[d]) {
		d++
	}
	if d == 0 || d > 4 {
		return false
	}
	rest := s[d:]
	return rest == "" || rest == "bis" || (len(rest) == 1 && rest[0] >= 'a' && rest[0] <= 'z')
}

// streetWords are street types in the programme's languages (es, ca, it,
// fr, pt, ro, en). Weak ones are also ordinary words ("via", "place") and
// count only before a capitalised name.
var streetWords = map[string]bool{ // value: weak
	"calle": false, "c/": false, "avenida": false, "avda": false, "avda.": false, "av.": false, "plaza": true, "paseo": true,
	"carrer": false, "avinguda": false, "plaça": true, "placa": true, "passeig": false, "rambla": true,
	"via": true, "viale": false, "piazza": true, "corso": true, "vicolo": false, "largo": true,
	"rue": false, "avenue": false, "boulevard": false, "bd": false, "chemin": false, "impasse": false, "allée": false, "quai": false, "place": true,
	"rua": false, "travessa": false, "praça": true, "estrada": true, "alameda": true,
	"strada": true, "str.": false, "bulevardul": false, "calea": true, "aleea": true, "șoseaua": false, "soseaua": false,
	"street": false, "st": true, "st.": true, "road": false, "rd": false, "rd.": false, "lane": true, "drive": true,
}

// hasAddress: a street word with a house number nearby — after it within
// four words ("Calle Mayor 5", "Carrer de Pelai, 3", "Via Roma 10"), or
// before it within two ("12 rue de la Paix", "221B Baker Street").
func hasAddress(toks []token) bool {
	for i, t := range toks {
		weak, ok := streetWords[t.low]
		if !ok {
			continue
		}
		if weak && (i+1 >= len(toks) || !toks[i+1].upper) {
			continue
		}
		for j := i + 1; j < len(toks) && j <= i+4; j++ {
			if toks[j].num {
				return true
			}
		}
		for j := i - 1; j >= 0 && j >= i-2; j-- {
			if toks[j].num {
				return true
			}
		}
	}
	return false
}

// ---- user names ----

// UserName normalises (NFC) and validates a staff user name.
func UserName(field, s string) (string, error) {
	s = norm.NFC.String(strings.TrimSpace(s))
	bad := func(why string) (string, error) {
		return "", errs.Field(CodeInvalidUserName, field, "a user name is 2 to 64 characters: letters of one alphabet, digits 0-9, \".\", \"-\" or \"_\", starting with a letter (%s)", why)
	}
	if err := Chars(field, s); err != nil {
		return "", err
	}
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 64 {
		return bad("length")
	}
	var script *unicode.RangeTable
	for i, r := range s {
		switch {
		case unicode.IsLetter(r):
			sc := scriptOf(r)
			if sc == nil {
				return bad("letters of an unknown script")
			}
			if script != nil && sc != script {
				return bad("letters of more than one alphabet")
			}
			script = sc
		case i == 0:
			return bad("it must start with a letter")
		case r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return bad("only letters, digits, \".\", \"-\" and \"_\"")
		}
	}
	if hasLongNumber(s) {
		return bad("no long numbers")
	}
	return s, nil
}

// scripts are the scripts a user name's letters may come from (all of
// them, checked in this order: Latin first, the common case).
var scripts = func() []*unicode.RangeTable {
	out := []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Arabic, unicode.Hebrew, unicode.Armenian, unicode.Georgian}
	seen := map[*unicode.RangeTable]bool{}
	for _, t := range out {
		seen[t] = true
	}
	for name, t := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && !seen[t] {
			out = append(out, t)
		}
	}
	return out
}()

func scriptOf(r rune) *unicode.RangeTable {
	for _, t := range scripts {
		if unicode.Is(t, r) {
			return t
		}
	}
	return nil
}

// Skeleton is the look-alike key of a user name (Unicode TR 39 skeleton
// of its case-folded form): two names with one skeleton look the same.
func Skeleton(name string) string {
	return confusables.Skeleton(strings.ToLower(norm.NFC.String(name)))
}
