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
	for _, s := range []string{"la ⓟⓞⓛⓘⓒⓘⓐ", "la ＰＯＬＩＣＩＡ", "la 𝐩𝐨𝐥𝐢𝐜𝐢𝐚", "Hola 😊 nos vemos ❤️ 👍🏽", "café ☕ ™ ℃ ①"} {
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
