package textcheck

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"safecontact/errs"
)

// CodeInvalidParam: a value outside its field's rules (the signature
// name; the code the message API answers a bad parameter with).
const CodeInvalidParam = errs.CodeInvalidParam

// MaxSignatureName is the longest signature name, in bytes.
const MaxSignatureName = 40

// SignatureName normalises (NFC) and validates the first name a staff
// member signs her texts with ("Marta", "Ana María", "Jean-Luc",
// "D'Angelo"): one or two words of letters of one script, each starting
// with a capital letter where the script has capitals and not written
// all in capitals (an acronym is not a name), an apostrophe or a hyphen
// only between two letters, at most MaxSignatureName bytes, unchanged by
// NFKC. It returns the name as it is stored. The discreet filter's check
// of the name is the caller's (gateway/message: CheckSignatureName).
// The error never quotes the value.
func SignatureName(field, s string) (string, error) {
	s = norm.NFC.String(strings.TrimSpace(s))
	bad := func(why string) (string, error) {
		return "", errs.Field(CodeInvalidParam, field,
			"%s is a first name of one or two capitalised words, letters of one alphabet, an apostrophe or hyphen only inside, at most %d bytes (%s)", field, MaxSignatureName, why)
	}
	if s == "" {
		return bad("empty")
	}
	if len(s) > MaxSignatureName {
		return bad("too long")
	}
	if err := Chars(field, s); err != nil {
		return "", err
	}
	if norm.NFKC.String(s) != s {
		return bad("no full-width letters, ligatures or other compatibility characters")
	}
	words := strings.Split(s, " ")
	if len(words) > 2 {
		return bad("at most two words")
	}
	var script oneScript
	for _, w := range words {
		if w == "" {
			return bad("one space between the words")
		}
		letters, upper := 0, 0
		prev := rune(0) // the previous rune of the word; 0 at its start
		for i, r := range w {
			switch {
			case unicode.IsLetter(r):
				if why := script.letter(r); why != "" {
					return bad(why)
				}
				if i == 0 && unicode.IsLower(r) {
					return bad("each word starts with a capital letter")
				}
				letters++
				if unicode.IsUpper(r) || unicode.IsTitle(r) {
					upper++
				}
			case unicode.Is(unicode.M, r):
				// A combining mark (a vowel sign, an accent NFC could not
				// compose) belongs to the letter before it.
				if prev == 0 || !(unicode.IsLetter(prev) || unicode.Is(unicode.M, prev)) {
					return bad("a mark only after a letter")
				}
			case r == '\'' || r == '\u2019' || r == '-':
				next, _ := utf8.DecodeRuneInString(w[i+utf8.RuneLen(r):])
				if prev == 0 || !unicode.IsLetter(next) || !(unicode.IsLetter(prev) || unicode.Is(unicode.M, prev)) {
					return bad("an apostrophe or hyphen only between two letters")
				}
			default:
				return bad("letters only")
			}
			prev = r
		}
		if letters >= 2 && upper == letters {
			return bad("not all in capitals")
		}
	}
	return s, nil
}
