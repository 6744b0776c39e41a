package templates

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// Letters drawn as symbols NFKC leaves as they are (negative circled and
// negative squared letters, regional indicators, squared words, circled
// digits without a decomposition) are refused for a monitored phone in
// every language; the ones NFKC maps are left to the filter, which reads
// them.
func TestMonitoredProblemLetterSymbols(t *testing.T) {
	for _, s := range []string{
		"Hola, la 🅿🅾🅻🅸🅲🅸🅰 te espera mañana 🆘",
		"la 🅟🅞🅛🅘🅒🅘🅐",
		"la 🇵🇴🇱🇮🇨🇮🇦",
		"see you at the 🅟🅞🅛🅘🅒🅔 tomorrow",
		"rendez-vous à la 🇵🇴🇱🇮🇨🇪 demain",
		"ci vediamo dall'🅰🆅🆅🅾🅲🅰🆃🅾 domani",
		"ens veiem als 🅼🅾🆂🆂🅾🆂 demà",
		"até amanhã 🆘",
		"Hola 🇪🇸", // a flag is two regional indicators
		"llama al ❻❶❷ ❸❹❺ ❻❼❽",
		"llama al ➏➊➋ ➌➍➎ ➏➐➑",
		"la ℘olicía",
		"la ⅁uardia",
		"Ve a la ᴘᴏʟɪᴄɪᴀ hoy",
		"Ve a la ⒫⒪⒧⒤⒞⒤⒜ hoy",
		"see the ʟᴀᴡʏᴇʀ",
		"la ʙʀɪɢᴀᴅᴀ",
		"la ꜱᴇɢᴜʀɪᴅᴀᴅ ꜱᴏᴄɪᴀʟ",
	} {
		if got := MonitoredProblem(s); got != ReasonLetterSymbols {
			t.Errorf("MonitoredProblem(%q) = %q, want %q", s, got, ReasonLetterSymbols)
		}
	}
	f := mustFilter(t)
	for _, s := range []string{"la ⓟⓞⓛⓘⓒⓘⓐ", "la ＰＯＬＩＣＩＡ", "Hola 😊 nos vemos ❤️ 👍🏽", "café ☕ ™ ℃ ①"} {
		if got := MonitoredProblem(s); got != "" {
			t.Errorf("MonitoredProblem(%q) = %q, want none", s, got)
		}
	}
	for _, s := range []string{"la ⓟⓞⓛⓘⓒⓘⓐ", "la ＰＯＬＩＣＩＡ", "la 𝐩𝐨𝐥𝐢𝐜𝐢𝐚"} {
		if fs := f.ScanWith(s, ScanOptions{Lang: "es"}); len(fs) == 0 || fs[0].Category != CategoryLegal {
			t.Errorf("%q: %v, want a legal finding", s, fs)
		}
	}
}

// Digits drawn between brackets or before a full stop ("⑹", NFKC "(6)";
// "⒍", NFKC "6."), the dingbat circled digits ("❻", "➏") and the
// mathematical alphabets (bold, italic, script, double-struck, … letters
// and digits, with the ones of the Letterlike Symbols block: "𝐏𝐎𝐋𝐈𝐂𝐈𝐀",
// "ℐ") are refused for a monitored phone: a number written with the
// first ones is a list of bracketed or numbered digits to the scanners
// ("⑹⑴⑵-⑶⑷-⑸⑹-⑺⑻" is no phone number to them), and the filter reads
// the mathematical capital I as an "l" and the small m as "rn". The
// full-width letters and digits and the circled digits are not refused:
// they fold to the plain letter or digit, and the scanners find the
// word or the number in them.
func TestLetterSymbolsDigitsAndMathAlphabets(t *testing.T) {
	for _, s := range []string{
		"llama al ⑹⑴⑵⑶⑷⑸⑹⑺⑻",
		"llama al ⑹⑴⑵-⑶⑷-⑸⑹-⑺⑻",
		"call ⑹ ⑴ ⑵ ⑶ ⑷ ⑸ ⑹ ⑺ ⑻ tonight",
		"llama al ⒍⒈⒉ ⒊⒋⒌ ⒍⒎⒏",
		"appelle le ⒍ ⒈ ⒉ ⒊ ⒋ ⒌ ⒍ ⒎ ⒏",
		"llama al ⒃ ⑿ ⒁ ⒂ ⒄",
		"ligue para ⒗ ⒓ ⒔ ⒕ ⒘",
		"llama al ❻❶❷ ❸❹❺ ❻❼❽",
		"chiama il ➏➊➋ ➌➍➎ ➏➐➑",
		"la 𝐏𝐎𝐋𝐈𝐂𝐈𝐀 te espera",
		"ve al 𝐦𝐞𝐝𝐢𝐜𝐨 mañana",
		"la 𝐩𝐨𝐥𝐢𝐜𝐢𝐚",
		"the 𝕀𝕄𝕄𝕀𝔾ℝ𝔸𝕋𝕀𝕆ℕ office",
		"llama al 𝟔𝟏𝟐 𝟑𝟒𝟓 𝟔𝟕𝟖",
		"la ℐnmigración",
		"ℙolicía",
	} {
		if got := MonitoredProblem(s); got != ReasonLetterSymbols {
			t.Errorf("MonitoredProblem(%q) = %q, want %q", s, got, ReasonLetterSymbols)
		}
	}
	ranges := [][2]rune{{0x2474, 0x249B}, {0x2776, 0x2793}, {0x1D400, 0x1D7FF}}
	for _, rg := range ranges {
		for r := rg[0]; r <= rg[1]; r++ {
			if runenames.Name(r) != "" && !letterSymbol(r) {
				t.Errorf("%U %c %s: not refused", r, r, runenames.Name(r))
			}
		}
	}
	for _, r := range "ℂℊℋℌℍℎℐℑℒℕℙℚℛℜℝℤℨℬℭℯℰℱℳℴⅅⅆⅇⅈⅉ" {
		if !letterSymbol(r) {
			t.Errorf("%U %c %s: not refused", r, r, runenames.Name(r))
		}
	}
	// Folded to the plain letter or digit and read: left to the filter.
	f := mustFilter(t)
	for _, c := range []struct {
		text string
		cat  Category
	}{
		{"llama al ６１２ ３４５ ６７８", CategoryPhone},
		{"llama al ⑥①② ③④⑤ ⑥⑦⑧", CategoryPhone},
		{"la ＰＯＬＩＣＩＡ te espera", CategoryLegal},
		{"escribe a ａｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ", CategoryEmail},
	} {
		if got := MonitoredProblem(c.text); got != "" {
			t.Errorf("MonitoredProblem(%q) = %q, want none", c.text, got)
		}
		if fs := f.ScanWith(c.text, ScanOptions{Lang: "es"}); len(fs) == 0 || fs[0].Category != c.cat {
			t.Errorf("%q: %v, want a %s finding", c.text, fs, c.cat)
		}
	}
	initFold()
	for r := rune(0xFF10); r <= 0xFF5A; r++ {
		k := norm.NFKC.String(string(r))
		if len(k) != 1 || !unicode.IsLetter(rune(k[0])) && !unicode.IsDigit(rune(k[0])) {
			continue
		}
		if letterSymbol(r) || foldRune(r) != strings.ToLower(k) {
			t.Errorf("%U %c: refused %v, folded to %q, want %q", r, r, letterSymbol(r), foldRune(r), strings.ToLower(k))
		}
	}
	// Everyday symbols with a digit or a letter in them stay: the litre
	// sign ℓ is a unit, as ℃ is, not a letter of a word.
	for _, s := range []string{"Nos vemos en ½ hora", "ℹ️ Recordatorio: el lunes a las 10", "2 ℃ mañana, abrígate", "Son 3 m²",
		"2 ℓ de leche", "№", "ª", "º", "1º", "2ª", "Ⅻ", "€", "°", "²", "ℓ", "℃", "Calle Mayor 5, 2º 1ª"} {
		if got := MonitoredProblem(s); got != "" {
			t.Errorf("MonitoredProblem(%q) = %q, want none", s, got)
		}
	}
}

// The IPA letters of African orthographies are letters, not symbols: only
// the IPA Extensions' small capitals that read as a letter are refused.
func TestLetterSymbolsSmallCapitalsOnly(t *testing.T) {
	for _, s := range []string{
		"Ŋdi na wò, ɖevi. Ɛ̃, ƒe ɣeyiɣi ʋu", // Ewe
		"Mema wo akye, wo ho yɛ? Ɔdɔ",       // Twi
		"Ina kwana? Ɓarawo ɗaki ƙofa",       // Hausa
		"Ɛ́ndɔ́ bɔ́ŋ ʊ ɩ ʃ ʒ ə ɲ",
	} {
		if got := MonitoredProblem(s); got != "" {
			t.Errorf("MonitoredProblem(%q) = %q, want none", s, got)
		}
	}
	for r := rune(0x250); r <= 0x2AF; r++ {
		// ʁ (SMALL CAPITAL INVERTED R) reads as no Latin letter.
		if want := strings.Contains(runenames.Name(r), "SMALL CAPITAL") && !strings.Contains(runenames.Name(r), "INVERTED"); letterSymbol(r) != want {
			t.Errorf("%U %c %s: refused %v, want %v", r, r, runenames.Name(r), !want, want)
		}
	}
}

// Every Latin letter or digit drawn as a symbol whose NFKC form has no
// letter and no digit is refused: the list is checked against the
// character names, so a block left out shows here.
func TestLetterSymbolsCoverUnmappedLatin(t *testing.T) {
	for r := rune(0x80); r <= 0x1FFFF; r++ {
		if unicode.IsLetter(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.M, r) {
			continue
		}
		name := runenames.Name(r)
		latin := strings.Contains(name, "LATIN CAPITAL LETTER") || strings.Contains(name, "LATIN SMALL LETTER") ||
			strings.Contains(name, "REGIONAL INDICATOR") || strings.Contains(name, "CIRCLED DIGIT") ||
			strings.Contains(name, "CIRCLED SANS-SERIF DIGIT") || strings.Contains(name, "CIRCLED NUMBER") ||
			strings.HasPrefix(name, "TURNED SANS-SERIF") || strings.HasPrefix(name, "REVERSED SANS-SERIF")
		if !latin || strings.HasPrefix(name, "INPUT SYMBOL") {
			continue
		}
		mapped := false
		for _, x := range norm.NFKD.String(string(r)) {
			mapped = mapped || unicode.IsLetter(x) || unicode.IsNumber(x) && x < 0x80
		}
		if !mapped && !letterSymbol(r) {
			t.Errorf("%U %c %s: not mapped by NFKC and not refused", r, r, name)
		}
	}
}

// Pictographs that say something sensitive are findings of their
// category under every policy; under the vocabulary policy any other
// pictograph outside the greeting ones is not in her vocabulary.
func TestPictographFindings(t *testing.T) {
	f := mustFilter(t)
	vf, err := NewFilterFrom(FilterConfig{Vocabulary: true})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang, text, match string
		cat               Category
	}{
		{"es", "Nos vemos mañana en el 🏥", "🏥", CategoryHealth},
		{"en", "see you tomorrow at the 🏥", "🏥", CategoryHealth},
		{"fr", "n'oublie pas tes 💊 ce soir", "💊", CategoryHealth},
		{"it", "domani alle 10 il 💉", "💉", CategoryHealth},
		{"pt", "amanhã às 10 🩺", "🩺", CategoryHealth},
		{"ca", "demà a les 10 🚑", "🚑", CategoryHealth},
		{"ro", "mâine la 10 🩸", "🩸", CategoryHealth},
		{"es", "mañana vamos a ver al 🧑‍⚕️", "🧑‍⚕️", CategoryHealth},
		{"es", "mañana a las 10 con el 👮", "👮", CategoryLegal},
		{"en", "tomorrow at 10 with the 👮🏽‍♀️", "👮🏽‍♀️", CategoryLegal},
		{"es", "mañana a las 10 con el 👮\ufe0f🏽 en la plaza", "👮\ufe0f🏽", CategoryLegal}, // a skin tone after a variation selector
		{"en", "tomorrow at 10 with the 👮\ufe0f🏽\u200d♀\ufe0f", "👮\ufe0f🏽\u200d♀\ufe0f", CategoryLegal},
		{"fr", "demain 🚓 à 10h", "🚓", CategoryLegal},
		{"it", "domani 🚔", "🚔", CategoryLegal},
		{"es", "el lunes 🚨", "🚨", CategoryLegal},
		{"es", "el lunes vamos al ⚖️", "⚖️", CategoryLegal},
		{"en", "monday we see the 👩‍⚖️", "👩‍⚖️", CategoryLegal},
		{"ca", "dilluns a la 🏛️", "🏛️", CategoryLegal},
		{"es", "trae tu 🪪 el lunes", "🪪", CategoryLegal},
		{"es", "ya no hay ⛓️", "⛓️", CategoryExploitation},
	}
	for _, c := range cases {
		for name, o := range map[string]struct {
			f *Filter
			o ScanOptions
		}{
			"filter":     {f, ScanOptions{Lang: c.lang, UnknownNames: true}},
			"vocabulary": {vf, ScanOptions{Lang: c.lang, UnknownNames: true, Vocabulary: true}},
		} {
			found := false
			for _, fd := range o.f.ScanWith(c.text, o.o) {
				if fd.Match == c.match && fd.Category == c.cat {
					found = true
				}
			}
			if !found {
				t.Errorf("%s %q: want %q as %s, got %v", name, c.text, c.match, c.cat, o.f.ScanWith(c.text, o.o))
			}
		}
		// Cut whole: no joiner or modifier of the sequence is left.
		if out, _ := f.StripWith(c.text, ScanOptions{Lang: c.lang}); strings.ContainsAny(out, "\u200d\ufe0f\U0001F3FD") {
			t.Errorf("strip %q left part of the emoji: %q", c.text, out)
		}
	}

	// The greeting ones go out under the vocabulary policy; any other is
	// not in her vocabulary there, and passes the filter policy.
	for _, s := range []string{"Hola 😊 nos vemos mañana ❤️👍🏽", "Hi! 🙏🌸☀️ see you tomorrow 😘", "Bonjour 💕✨🎉", "Ciao 🤗👋🏾 a domani 💪"} {
		// Only the pictographs' findings are looked at (the words are
		// of several languages).
		for _, fd := range vf.ScanWith(s, ScanOptions{Lang: "es", Vocabulary: true}) {
			if strings.ContainsFunc(fd.Match, isPictograph) {
				t.Errorf("%q: greeting pictograph found: %v", s, fd)
			}
		}
	}
	for _, s := range []string{"Hola 🔒 nos vemos mañana", "mañana 🏠 a las 10", "Hola 👩‍❤️‍👨"} {
		fs := vf.ScanWith(s, ScanOptions{Lang: "es", Vocabulary: true})
		if len(fs) != 1 || fs[0].Category != CategoryNotInVocabulary || !strings.ContainsFunc(fs[0].Match, isPictograph) {
			t.Errorf("vocabulary %q: %v, want one not_in_vocabulary pictograph", s, fs)
		}
		if fs := f.ScanWith(s, ScanOptions{Lang: "es"}); len(fs) != 0 {
			t.Errorf("filter %q: %v, want none", s, fs)
		}
	}
}

// A code point Go's Unicode tables do not assign (a letter of a later
// Unicode version, such as the outlined letters and digits U+1CCD6–1CCF9
// of Unicode 16 that newer phones draw), a noncharacter or a private-use
// character is refused for a monitored phone: the filter reads no letter
// in it, whatever the phone draws. The emoji of the latest Unicode
// version the tables know pass.
func TestMonitoredProblemUnassigned(t *testing.T) {
	outlined := func(s string) string {
		var sb strings.Builder
		for _, r := range s {
			sb.WriteRune(0x1CCD6 + r - 'A')
		}
		return sb.String()
	}
	if !unicode.Is(unicode.Cn, 0x1CCD6) || !unicode.Is(unicode.Cn, 0x1CCF9) {
		t.Skipf("the Unicode tables (%s) assign the outlined letters: pick a code point they do not", unicode.Version)
	}
	for _, s := range []string{
		"la " + outlined("POLICIA") + " te espera",
		"llama al \U0001ccf0\U0001ccf1\U0001ccf2",
		"see you \u0378 there",
		"hola \U0001fae9",
		"hola \ufdd0", "hola \ufffe", "hola \U0010ffff",
		"hola \ue000", "hola \uf8ff", "hola \U000f0000", "hola \U00100000",
	} {
		if got := MonitoredProblem(s); got != ReasonLetterSymbols {
			t.Errorf("MonitoredProblem(%+q) = %q, want %q", s, got, ReasonLetterSymbols)
		}
	}
	for _, s := range []string{
		// Emoji 15.0 (Unicode 15.0), skin tones and a ZWJ sequence.
		"Hola 🫨🩷🩵🩶🫎🫏🪽🪼🪻🫚🫛🪭🪮🪇🪈🪯🛜 🫷🏽🫸🏿 🐦\u200d⬛ nos vemos",
		"Hola 😊 nos vemos ❤️ 👍🏽 👩\u200d👩\u200d👧",
		"Hola ꞔ ꟊ 𝼀", // letters of recent versions
	} {
		if got := MonitoredProblem(s); got != "" {
			t.Errorf("MonitoredProblem(%+q) = %q, want none", s, got)
		}
	}
}
