package templates

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
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
	// ReasonLetterSymbols: a letter or digit drawn as a symbol that
	// compatibility normalisation (NFKC) leaves as it is, so the filter
	// reads no letter in it while she reads the word: the whole Enclosed
	// Alphanumeric Supplement (negative circled and negative squared
	// letters "🅟🅞🅛", regional indicators "🇵🇴🇱", which also make
	// every flag, squared words such as "🆘"), the letter-like symbols
	// without a decomposition ("℘", "⅁"), the circled digits without
	// one ("❶", "➊", "⓵"), the small capitals ("ᴘᴏʟɪᴄɪᴀ"), the
	// parenthesised letters ("⒫⒪⒧"); and the ones NFKC maps to what the
	// scanners misread: the parenthesised and full-stop digits ("⑹⑴⑵",
	// "⒍⒈⒉") and the mathematical alphabets ("𝐏𝐎𝐋𝐈𝐂𝐈𝐀", "ℐ"); and the
	// code points the filter reads nothing in whatever a phone draws
	// (unreadable: unassigned in Go's Unicode tables, noncharacters,
	// private use).
	ReasonLetterSymbols = "letter_symbols"
)

// MonitoredProblem returns why text must be refused for a monitored
// phone before filtering (ReasonFormatControl, ReasonMixedScript,
// ReasonMaskedWord, ReasonLetterSymbols), or "".
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
		if letterSymbol(r) || unreadable(r) {
			return ReasonLetterSymbols
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

// letterSymbol: r is a letter or a digit drawn as a symbol that NFKC
// does not map to the letter or digit (ReasonLetterSymbols), or maps to
// something the scanners do not read as written. The ones NFKC maps to
// the plain letter or digit ("ⓟ", "Ｐ", "①", "６") are folded by the
// filter and read.
//
// Refused although NFKC maps them: the parenthesised digits and numbers
// ("⑹", NFKC "(6)") and the ones with a full stop ("⒍", NFKC "6."),
// which turn a phone number into a list of bracketed or numbered digits
// to the phone scanner ("⑹⑴⑵-⑶⑷-⑸⑹-⑺⑻"); the mathematical alphabets
// (bold, italic, script, double-struck, … letters and digits: "𝐏𝐎𝐋𝐈𝐂𝐈𝐀"),
// with their letters in the Letterlike Symbols block ("ℐ", "ℙ"; not the
// information sign ℹ nor the litre sign ℓ, which read as themselves), whose
// capital I the filter reads as an "l" and small m as "rn" (the
// look-alike skeleton of a letter outside the Latin script).
//
// Small capitals are letters NFKC leaves as they are ("ᴘᴏʟɪᴄɪᴀ" reads as
// a word and matches nothing): the Phonetic Extensions' (U+1D00–1D2B),
// the few in Latin Extended-D, and in the IPA Extensions only the small
// capitals, never the IPA letters African orthographies write with ("ɛ",
// "ɔ", "ŋ", "ɖ", "ƒ", "ɣ", "ʋ"). The parenthesised letters ("⒫", NFKC
// "(p)") spell a word the filter reads as letters between brackets.
func letterSymbol(r rune) bool {
	switch {
	case r < 0x0250:
		return false
	case r <= 0x02AF: // IPA Extensions
		return ipaSmallCapital(r)
	case r >= 0x1D00 && r <= 0x1D2B: // Phonetic Extensions: small capitals and their kin
		return true
	case r < 0x2100:
		return false
	case r >= 0x2474 && r <= 0x24B5: // parenthesised digits, numbers and Latin small letters, digits and numbers with a full stop
		return true
	case r >= 0xA730 && r <= 0xA731, r == 0xA7AF: // small capitals F, S, Q
		return true
	case r >= 0x1F100 && r <= 0x1F1FF: // Enclosed Alphanumeric Supplement
		return true
	case r >= 0x2100 && r <= 0x214F: // Letterlike Symbols
		if unicode.IsLetter(r) {
			// ℹ, the information sign, reads as the emoji; ℓ, the litre
			// sign, as a unit ("2 ℓ de leche"), as ℃ does.
			return fontLetter(r) && r != 0x2139 && r != 0x2113
		}
		return norm.NFKD.String(string(r)) == string(r)
	case r >= 0x24EA && r <= 0x24FF: // negative and double circled numbers
		return norm.NFKD.String(string(r)) == string(r)
	case r >= 0x2776 && r <= 0x2793: // dingbat circled digits
		return true
	case r >= 0x3248 && r <= 0x324F: // circled numbers on black squares
		return true
	case r >= 0x1D400 && r <= 0x1D7FF: // Mathematical Alphanumeric Symbols
		return true
	}
	return false
}

// unreadable: r is a code point Go's Unicode tables (unicode.Version) do
// not assign (category Cn, which holds the noncharacters too) or one for
// private use (Co). A later Unicode version may assign it a letter or a
// digit newer phones draw (the outlined letters and digits U+1CCD6–1CCF9
// of Unicode 16) and a vendor font may draw anything at a private-use
// one, while the filter reads neither as a letter. An emoji of a Unicode
// version newer than the tables is refused with them.
func unreadable(r rune) bool {
	return r >= 0x0378 && (unicode.Is(unicode.Cn, r) || unicode.Is(unicode.Co, r))
}

// fontLetter: r is a letter NFKC maps to another letter as a font variant
// of it (the script, black-letter and double-struck letters of the
// Letterlike Symbols block, the ones the mathematical alphabets leave to
// it: "ℐ", "ℙ"), not one it maps as a canonical equivalent (the Kelvin
// sign is "K").
func fontLetter(r rune) bool {
	s := string(r)
	return norm.NFD.String(s) == s && norm.NFKD.String(s) != s
}

// ipaSmallCapital: r is one of the IPA Extensions' small capitals (ɢ ɪ ɴ
// ɶ ʀ ʏ ʙ ʛ ʜ ʟ).
func ipaSmallCapital(r rune) bool {
	switch r {
	case 0x0262, 0x026A, 0x0274, 0x0276, 0x0280, 0x028F, 0x0299, 0x029B, 0x029C, 0x029F:
		return true
	}
	return false
}
