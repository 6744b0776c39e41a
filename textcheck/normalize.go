package textcheck

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fold is the text every contact check reads: NFKC (full-width letters,
// digits, "＠" and "／" become their plain forms; ligatures and the long s
// are spelt out), every decimal digit of any script (unicode.Nd: Arabic-
// Indic, Devanagari, …) as its ASCII digit, and each separator a person
// may type between digit groups as one ASCII byte:
//
//	spaces (any Zs, no-break and thin spaces included)  → ' '
//	dashes (Pd: hyphen, en and em dash, …; minus sign)  → '-'
//	dots (full stop, middle dot, one-dot leader, …)     → '.'
//	commas (Arabic, ideographic)                        → ','
//	slashes (fraction, division slash; backslash)       → '/'
//	brackets ( [ { and ) ] }                            → '(' and ')'
//
// So a number looks the same to the checks however it was typed, and the
// checks below work on ASCII bytes for digits and separators (every other
// character stays as it is, multi-byte, and never equals one of them).
func fold(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) rune {
	if r < 0x80 {
		switch r {
		case '\\':
			return '/'
		case '[', '{':
			return '('
		case ']', '}':
			return ')'
		}
		return r
	}
	switch {
	case unicode.Is(unicode.Nd, r):
		return '0' + rune(digitValue(r))
	case unicode.Is(unicode.Zs, r):
		return ' '
	case unicode.Is(unicode.Pd, r), r == '\u2212', r == '\u2043':
		return '-'
	}
	switch r {
	case '\u00b7', '\u2024', '\u2027', '\u2219', '\u22c5', '\u30fb', '\u3002', '\uff61', '\u0701', '\u06d4':
		return '.'
	case '\u060c', '\u3001', '\u066b', '\u066c', '\u2e41':
		return ','
	case '\u2044', '\u2215', '\u29f8', '\u29f9':
		return '/'
	case '\u2768', '\u276a', '\u27ee', '\u2985', '\u3008', '\u300a', '\u3010', '\u3014':
		return '('
	case '\u2769', '\u276b', '\u27ef', '\u2986', '\u3009', '\u300b', '\u3011', '\u3015':
		return ')'
	}
	return r
}

// digitValue is the value of a decimal digit of any script. Unicode
// encodes each set of decimal digits as a contiguous run 0–9, and runs
// that touch (the mathematical digits) start at a zero, so the value is
// the distance from the start of the run, modulo 10.
func digitValue(r rune) int {
	z := r
	for z > 0 && unicode.Is(unicode.Nd, z-1) {
		z--
	}
	return int(r-z) % 10
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isSep: a byte of a separator run between digit groups (after fold).
func isSep(c byte) bool {
	switch c {
	case ' ', '-', '.', ',', '_', '/', '(', ')', ':', '+':
		return true
	}
	return false
}
