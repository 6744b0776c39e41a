package templates

import (
	"unicode"
	"unicode/utf8"
)

// Reasons a text cannot go to a monitored phone as it is, whatever the
// filter finds in it. They are refused, not cleaned: a text built to
// slip past the filter says something about its author.
const (
	// ReasonFormatControl: bidirectional overrides and isolates,
	// zero-width and other invisible format characters (a word written
	// backwards between U+202E and U+202C displays normally and matches
	// nothing).
	ReasonFormatControl = "format_control"
	// ReasonMixedScript: a word mixing letters of two scripts (a Cyrillic
	// "о" in a Latin word).
	ReasonMixedScript = "mixed_script"
	// ReasonMaskedWord: a letter masked inside a word ("pol*cía"): the
	// reader fills it in, the filter cannot.
	ReasonMaskedWord = "masked_word"
)

// MonitoredProblem returns why text must be refused for a monitored
// phone before filtering (ReasonFormatControl, ReasonMixedScript,
// ReasonMaskedWord), or "".
// A zero-width joiner between two non-letters (inside an emoji sequence)
// is allowed.
func MonitoredProblem(text string) string {
	var wordScript *unicode.RangeTable
	prev := rune(' ')
	for i := 0; i < len(text); {
		r, sz := utf8.DecodeRuneInString(text[i:])
		i += sz
		if r == '*' && unicode.IsLetter(prev) {
			k := i
			for k < len(text) && text[k] == '*' {
				k++
			}
			if next, _ := utf8.DecodeRuneInString(text[k:]); k < len(text) && unicode.IsLetter(next) {
				return ReasonMaskedWord
			}
		}
		if unicode.Is(unicode.Cf, r) {
			next, _ := utf8.DecodeRuneInString(text[i:])
			if !(r == '\u200d' && !unicode.IsLetter(prev) && !unicode.IsLetter(next) && i < len(text)) {
				return ReasonFormatControl
			}
		}
		prev = r
		if !unicode.IsLetter(r) {
			if !unicode.Is(unicode.Mn, r) {
				wordScript = nil
			}
			continue
		}
		s := scriptOf(r)
		if s == nil {
			continue
		}
		if wordScript != nil && wordScript != s {
			return ReasonMixedScript
		}
		wordScript = s
	}
	return ""
}

var scripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Cherokee, unicode.Georgian,
	unicode.Arabic, unicode.Hebrew, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
	unicode.Devanagari, unicode.Thai, unicode.Ethiopic,
}

func scriptOf(r rune) *unicode.RangeTable {
	for _, s := range scripts {
		if unicode.Is(s, r) {
			return s
		}
	}
	return nil
}
