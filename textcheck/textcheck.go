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
//   - Contact: no phone number or long digit sequence (numbers.go; dates,
//     times and a short list of form-reference shapes excepted), no e-mail
//     address or social-media handle, no link or domain name under any
//     real top-level domain (links.go), no street address (address.go).
//     Every check reads the text folded (normalize.go), so full-width or
//     Arabic-Indic digits, no-break spaces and en dashes change nothing.
//     Staff reference the paper form instead ("signed form, filed"): the
//     form is under lock, the database is not.
//   - UserName: a slug (letters, ASCII digits, ".", "-", "_"), starting
//     with a letter, 2 to 64 characters counted as characters, letters of
//     one script only, unchanged by NFKC (no full-width letters, ligatures
//     or long s). Skeleton gives its look-alike key (Unicode TR 39 over
//     the NFKC, case-folded name) so a name that looks like an existing
//     one is refused.
//
// Errors are *errs.Error with stable codes and never quote the input.
package textcheck

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
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
	Handle  Kind = "a social-media handle"
	Address Kind = "a street address"
)

// Find reports the first kind of contact detail in s, or None. Every
// check reads s folded (normalize.go): NFKC, any script's digits as ASCII
// digits, every kind of space, dash, dot, comma, slash and bracket as its
// ASCII form, so "６１２ ３４５ ６７８", "٦١٢٣٤٥٦٧٨", "612\u00a0345\u00a0678"
// and "612–345–678" are one number.
func Find(s string) Kind {
	f := fold(s)
	if hasNumber(f) {
		return Number
	}
	for _, w := range strings.Fields(f) {
		if k := linkOrEmail(w); k != None {
			return k
		}
	}
	if hasAddress(tokens(f)) {
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

// Required is the check of every free-text field kept in clear (evidence,
// venue, note, meeting point): trimmed, 1 to max characters, then Free.
// It returns the trimmed text.
func Required(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n == 0 || n > max {
		return "", errs.Field(errs.CodeMissingField, field, "%s is required (at most %d characters)", field, max)
	}
	if err := Free(field, s); err != nil {
		return "", err
	}
	return s, nil
}

// ---- user names ----

// UserName normalises (NFC: canonically equivalent spellings, which look
// the same, become one) and validates a staff user name. A name NFKC
// would change is refused rather than changed: "ａｄｍｉｎ", "ﬁona" and
// "uſer" are look-alikes of other names, not spellings of them.
func UserName(field, s string) (string, error) {
	s = norm.NFC.String(strings.TrimSpace(s))
	bad := func(why string) (string, error) {
		return "", errs.Field(CodeInvalidUserName, field, "a user name is 2 to 64 characters: letters of one alphabet, digits 0-9, \".\", \"-\" or \"_\", starting with a letter (%s)", why)
	}
	if err := Chars(field, s); err != nil {
		return "", err
	}
	if norm.NFKC.String(s) != s {
		return bad("no full-width letters, ligatures or other compatibility characters: type the plain letters")
	}
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 64 {
		return bad("length")
	}
	var script oneScript
	for i, r := range s {
		switch {
		case unicode.IsLetter(r):
			if why := script.letter(r); why != "" {
				return bad(why)
			}
		case i == 0:
			return bad("it must start with a letter")
		case r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return bad("only letters, digits, \".\", \"-\" and \"_\"")
		}
	}
	if hasNumber(fold(s)) {
		return bad("no long numbers")
	}
	return s, nil
}

// scripts are the scripts a user name's or a signature name's letters
// may come from (all of them, checked in this order: Latin first, the
// common case).
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

// oneScript checks that the letters of a name (a user name, a signature
// name) are all of one script, a known one (scripts), the letters given
// one by one in order.
type oneScript struct {
	script *unicode.RangeTable // the letters' script; nil before the first
}

// letter takes the name's next letter r and returns why the name is
// refused ("" when it is not).
func (o *oneScript) letter(r rune) string {
	sc := scriptOf(r)
	if sc == nil {
		return "letters of an unknown script"
	}
	if o.script != nil && sc != o.script {
		return "letters of more than one alphabet"
	}
	o.script = sc
	return ""
}

// Skeleton is the look-alike key of a user name: the Unicode TR 39
// skeleton of its NFKC, case-folded form, with ".", "_" and "-" taken as
// one separator. Two names with one skeleton look the same ("ADMIN-USER",
// "adrnin-user", "admın-user", "admin_user" all look like "admin-user").
func Skeleton(name string) string {
	s := cases.Fold().String(norm.NFKC.String(name))
	s = strings.Map(func(r rune) rune {
		if r == '_' || r == '.' {
			return '-'
		}
		return r
	}, s)
	return confusables.Skeleton(s)
}
