package callback

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"safecontact/consent"
)

// StopWord is one word (or short phrase) that, as her whole message,
// withdraws her consent for the channel it came on. Langs empty: a stop
// word whatever her language; else only for participants whose language
// (its base, "pt" for "pt-BR") is listed.
type StopWord struct {
	Word  string
	Langs []string
}

// DefaultStopWords are the carriers' and Twilio's opt-out keywords and
// their equivalents in every shipped language (es, ca, it, en, fr, pt, ro).
//
// A stop word is her whole message, so a word that in one of these
// languages is a common harmless reply on its own is not one, or counts
// only for the language where it means stop. A false STOP is not
// harmless: it silently ends her consent (no confirmation is ever sent)
// and staff must record it again with her.
//
// "fine" is Italian for "end" but English for "I'm fine" — the likeliest
// answer to a check-in — so it counts only for Italian speakers.
//
// "gata" is not listed at all, not even for Romanian: there "Gata" on its
// own most often means "done", "ready", "I'm here" — the answer to "tell
// me when you've arrived" or to a check-in — far more than "stop it".
// Romanian speakers opt out with "stop", "oprire" or "dezabonare".
//
// "cancelar", "cancel·lar" and "cancella" are not listed either: the
// appointment reminder asks her to reply if she cannot come, and
// "Cancelar" is then "cancel the appointment", not "stop writing to me".
// Her reply reaches her caseworker as any reply does, who can record a
// withdrawal after asking her; a false STOP would end the check-ins
// without anyone knowing. English "cancel" stays, with the other carrier
// keywords.
//
// The rest are kept: each is the opt-out keyword itself or an imperative
// or noun for stop/enough/unsubscribe in its language, and none is an
// everyday one-word reply in another of the seven ("alto", "pare" and
// "sair" are words elsewhere but not whole-message answers). The English
// ones (stop, stopall, unsubscribe, cancel, end, quit, revoke, optout)
// are the carrier and Twilio keywords, which the provider may act on
// whatever the gateway records.
var DefaultStopWords = []StopWord{
	// Twilio / carrier keywords, and common forms in every language.
	{Word: "stop"}, {Word: "stopall"}, {Word: "stop all"}, {Word: "unsubscribe"}, {Word: "cancel"},
	{Word: "end"}, {Word: "quit"}, {Word: "revoke"}, {Word: "optout"}, {Word: "opt out"}, {Word: "stopp"},
	// es
	{Word: "baja"}, {Word: "parar"}, {Word: "alto"}, {Word: "basta"},
	// ca
	{Word: "prou"}, {Word: "baixa"},
	// it
	{Word: "fine", Langs: []string{"it"}}, {Word: "disiscriviti"},
	// fr
	{Word: "arrêt"}, {Word: "arrête"}, {Word: "arrêter"}, {Word: "désabonner"}, {Word: "désinscrire"},
	// pt
	{Word: "sair"}, {Word: "pare"},
	// ro ("gata" is not one: see above)
	{Word: "oprire"}, {Word: "dezabonare"},
}

// callMePhrases: her whole message asks to be called back.
var callMePhrases = []string{
	"call me", "please call me", "call me please", "can you call me",
	"llámame", "llamame", "llámame por favor", "llamadme", "me puedes llamar", "puedes llamarme",
	"truca'm", "truca m", "trucam", "truqueu-me", "em pots trucar",
	"chiamami", "chiamami per favore", "mi puoi chiamare", "puoi chiamarmi",
	"appelle-moi", "appelez-moi", "tu peux m'appeler", "vous pouvez m'appeler",
	"liga-me", "ligue-me", "podes ligar-me", "pode me ligar", "me liga",
	"sună-mă", "sunați-mă", "mă poți suna",
}

// normalizeWords is how an inbound message and a keyword are compared:
// accents removed (NFD without marks), lower case, every run of
// characters that are not letters or digits is one space, trimmed. So
// "  Baja. ", "BAJA!" and "baja" are the same, as are "ARRÊT" and "arret".
func normalizeWords(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// stopMatcher answers "is this whole message a stop word for her?".
type stopMatcher struct {
	any    map[string]bool
	byLang map[string]map[string]bool
	callMe map[string]bool
}

func newStopMatcher(words []StopWord) *stopMatcher {
	m := &stopMatcher{any: map[string]bool{}, byLang: map[string]map[string]bool{}, callMe: map[string]bool{}}
	for _, w := range words {
		k := normalizeWords(w.Word)
		if k == "" {
			continue
		}
		if len(w.Langs) == 0 {
			m.any[k] = true
			continue
		}
		for _, l := range w.Langs {
			l = baseLang(l)
			if m.byLang[l] == nil {
				m.byLang[l] = map[string]bool{}
			}
			m.byLang[l][k] = true
		}
	}
	for _, p := range callMePhrases {
		m.callMe[normalizeWords(p)] = true
	}
	return m
}

var defaultStopMatcher = newStopMatcher(DefaultStopWords)

func baseLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// IsStop reports whether body, as a whole, is a stop word for a
// participant whose language is lang.
func (m *stopMatcher) IsStop(body, lang string) bool {
	k := normalizeWords(body)
	if k == "" {
		return false
	}
	return m.any[k] || m.byLang[baseLang(lang)][k]
}

// IsCallMe reports whether body, as a whole, asks to be called back.
func (m *stopMatcher) IsCallMe(body string) bool {
	k := normalizeWords(body)
	return k != "" && m.callMe[k]
}

// LoadStopWords reads a stop-word file: one word or short phrase per line,
// optionally followed by a tab or " | " and the comma-separated languages
// it applies to ("fine | it"); blank lines and lines starting with # are
// skipped. Errors name the line, never its text.
func LoadStopWords(path string) ([]StopWord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("stop words: %w", err)
	}
	defer f.Close()
	return ParseStopWords(f)
}

// ParseStopWords reads the format of LoadStopWords.
func ParseStopWords(r io.Reader) ([]StopWord, error) {
	var out []StopWord
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, langs, _ := strings.Cut(strings.ReplaceAll(line, "\t", " | "), " | ")
		w := StopWord{Word: strings.TrimSpace(word)}
		if normalizeWords(w.Word) == "" {
			return nil, fmt.Errorf("stop words: line %d has no word", n)
		}
		for _, l := range strings.Split(langs, ",") {
			if l = strings.TrimSpace(l); l != "" {
				if _, err := consent.ParseLanguage(l); err != nil {
					return nil, fmt.Errorf("stop words: line %d: not a language tag", n)
				}
				w.Langs = append(w.Langs, l)
			}
		}
		out = append(out, w)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("stop words: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("stop words: the file lists no word")
	}
	return out, nil
}
