package templates

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// At forms: how a message says "at" a meeting point. A body writes
// {place.at} for the parameter place of type meeting_point; Render inserts
// the place's registered at form in the body's language ("a la Plaça
// Reial", "al Mercat", "au Café de Flore", "na Estação do Rossio"), which
// the caller passes in RenderRequest.AtForms, or else the language's
// default construction around the name ("en Metro Sol", "à Métro
// Bastille"). The right preposition and article depend on the place
// (gender, number, elision), so only a person who knows the place can
// write them; an ungrammatical "a Mercat" reads oddly on a phone someone
// else may read.
//
// Invariants, each because a form reaches a monitored phone:
//   - only the languages of defaultAt have at forms: a body in any other
//     language that writes {x.at} fails to load (no default to fall back
//     on, and no form can be registered for it);
//   - a form is the place's name with at most a short lead before it (its
//     preposition and article, from a closed list of words per language)
//     and nothing after it but closing punctuation (CheckAtFormWords), so
//     a reader learns nothing the name did not say: a form that merely
//     contained the name could add a floor, a door or a second place the
//     filter does not recognise ("au Café de Flore, 2e étage, porte B"),
//     and a lead of any short words could add a word of its own ("fuir au
//     Café de Flore");
//   - a form is at most MaxAtFormBytes and passes the same checks as a
//     meeting point's name (one line, one script, the filter as a place
//     name); Render checks again and refuses, never falls back, when a
//     registered form fails (a filter made stricter since it was written).

// MaxAtFormBytes bounds one at form: a name of a few words and its
// preposition, and a rendering stays within a few SMS segments.
const MaxAtFormBytes = 120

// defaultAt is each language's construction when no at form is registered:
// the preposition the templates wrote before at forms existed.
var defaultAt = map[string]string{
	"es": "en ",
	"ca": "a ",
	"it": "a ",
	"en": "at ",
	"fr": "à ",
	"pt": "em ",
	"ro": "la ",
}

// AtFormLanguages are the languages an at form may be registered for (the
// shipped languages, each with a default construction).
var AtFormLanguages = ShippedLanguages

// DefaultAtForm is lang's default construction around name ("en Metro
// Sol"); "" when lang has none.
func DefaultAtForm(lang, name string) string {
	p, ok := defaultAt[atLang(lang)]
	if !ok {
		return ""
	}
	return p + name
}

// atLang is the at-form key of a template language: its base language
// ("pt-BR" -> "pt").
func atLang(lang string) string {
	tag, err := language.Parse(lang)
	if err != nil {
		return ""
	}
	b, _ := tag.Base()
	return b.String()
}

// HasPlaceName reports whether form contains name as whole words, compared
// the way the filter compares text: case and diacritics folded, white
// space collapsed ("a la Plaça Reial" contains "Placa reial"; "all'Arsenale"
// contains "Arsenale"; "al Metro Solana" does not contain "Metro Sol").
func HasPlaceName(form, name string) bool {
	return !errors.Is(CheckAtFormWords("", form, name), ErrAtFormLacksName)
}

// The lead of an at form: the words before the name, at most
// MaxAtFormLeadWords of them, each one of her language's locative
// prepositions (contracted or not, elided or not) and articles in
// atLeadWords, and no word twice. The longest real leads are three words
// ("près de la", "junto a la", "a prop de", "em frente à"); elision glues
// the last one to the name ("all'Arsenale", "de l'Estació"), and an
// elided article counts as a word ("a prop de l'Estació" is refused:
// "davant de l'Estació", or the name alone, says the place). Any other
// word could say something besides the place to whoever reads her phone
// ("fuir au Café", "cops at the Café"), and digits or punctuation are
// never part of a preposition.
const MaxAtFormLeadWords = 3

// atLeadWords are, per at-form language, the words a lead may be made of:
// the default construction's preposition, the prepositions that say she
// is at, in, on, near, next to or in front of the place, their
// contractions and elisions with the article, and the articles. They are
// compared as the filter compares text (case and diacritics folded, every
// apostrophe the normaliser knows read as '), so "à l’", "A L'" and "a l'"
// are the same words.
//
// Words that move her away from the named place's public face are left
// out: behind, outside, inside, under, above, opposite/across and the
// like ("darrere", "fuera", "dietro", "derrière", "atrás", "după",
// "outside") pick a side, a level or another spot the name does not
// designate, which is what a floor or a door would add; "near" and "in
// front of" still designate the place itself as a passer-by sees it. The
// directional prepositions ("towards", "spre", "hacia") are left out too:
// a reminder says where she is expected, not where to go.
var atLeadWords = map[string][]string{
	"es": {"a", "al", "en", "de", "del", "el", "la", "los", "las",
		"junto", "cerca", "lado", "frente", "enfrente", "delante"},
	"ca": {"a", "al", "als", "en", "de", "del", "dels", "d'", "el", "els", "la", "les", "l'",
		"prop", "costat", "vora", "davant"},
	"it": {"a", "al", "allo", "alla", "ai", "agli", "alle", "all'",
		"in", "nel", "nello", "nella", "nei", "negli", "nelle", "nell'",
		"su", "sul", "sullo", "sulla", "sui", "sugli", "sulle", "sull'",
		"da", "dal", "dallo", "dalla", "dai", "dagli", "dalle", "dall'",
		"di", "del", "dello", "della", "dei", "degli", "delle", "dell'",
		"il", "lo", "la", "i", "gli", "le", "l'",
		"presso", "vicino", "accanto", "davanti", "fronte"},
	"fr": {"à", "au", "aux", "en", "dans", "sur", "de", "du", "des", "d'", "le", "la", "les", "l'",
		"près", "côté", "devant", "face"},
	"pt": {"a", "à", "às", "ao", "aos", "o", "os", "as", "em", "no", "na", "nos", "nas",
		"de", "do", "da", "dos", "das", "junto", "perto", "lado", "frente", "diante"},
	"ro": {"la", "în", "pe", "de", "lângă", "lîngă", "fața", "aproape"},
	"en": {"at", "in", "on", "by", "near", "next", "beside", "to", "front", "of", "the"},
}

// atLeadSet is atLeadWords normalised, per language.
var atLeadSet = sync.OnceValue(func() map[string]map[string]bool {
	out := make(map[string]map[string]bool, len(atLeadWords))
	for l, ws := range atLeadWords {
		set := make(map[string]bool, len(ws))
		for _, w := range ws {
			set[normalizeString(w)] = true
		}
		out[l] = set
	}
	return out
})

// The faults CheckAtFormWords reports.
var (
	ErrAtFormLacksName  = errors.New("the at form does not contain the place's name")
	ErrAtFormExtraWords = errors.New("the at form says more than the place's name and its preposition")
)

// CheckAtFormWords checks that form, an at form in lang, says the place
// called name and no more: the name as whole words (compared as
// HasPlaceName compares), before it a lead of at most MaxAtFormLeadWords
// of lang's words in atLeadWords (none in a language without at forms)
// that does not contain the name again, and after it nothing but closing
// punctuation. It returns nil, ErrAtFormLacksName or ErrAtFormExtraWords.
// A compatibility character (one NFKC changes and the normaliser does not
// fold by name: full-width or superscript letters, a full-width apostrophe
// or bracket; not º, ª or ŀ) is extra words wherever it stands, except in
// the name where the registered name has the very same character: the
// form is refused, never read as its plain form.
// The registration of a meeting point and Render both check with it, so
// Render never refuses a form registered since.
func CheckAtFormWords(lang, form, name string) error {
	var n normText
	n.normalise(form)
	f, nm := string(n.b), strings.Trim(normalizeString(name), " ")
	if nm == "" {
		return ErrAtFormLacksName
	}
	found := false
	for from := 0; ; {
		i := indexWords(f, nm, from)
		if i < 0 {
			break
		}
		from = i + 1
		found = true
		if indexWords(f[:i], nm, 0) >= 0 {
			continue // the name again in the lead
		}
		start, end := n.origStart(i), n.origEnd(i+len(nm))
		if atFormLead(atLang(lang), form[:start]) && atFormName(form[start:end], name) && atFormTail(form[end:]) {
			return nil
		}
	}
	if !found {
		return ErrAtFormLacksName
	}
	return ErrAtFormExtraWords
}

// indexWords is the index, from from on, of nm in f as whole words (both
// normalised), or -1.
func indexWords(f, nm string, from int) int {
	for from <= len(f)-len(nm) {
		i := strings.Index(f[from:], nm)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(nm)
		if (i > 0 && isWord[f[i-1]] && isWord[nm[0]]) || (end < len(f) && isWord[f[end]] && isWord[nm[len(nm)-1]]) {
			from = i + 1
			continue // part of a longer word
		}
		return i
	}
	return -1
}

// atFormLead reports whether s, the text of a form in lang before the
// name, is a preposition and article: see MaxAtFormLeadWords.
func atFormLead(lang, s string) bool {
	words := strings.Fields(s)
	if len(words) == 0 {
		return true
	}
	if len(words) > MaxAtFormLeadWords {
		return false
	}
	if last := lastRune(s); !unicode.IsSpace(last) && !isApostrophe(last) {
		return false // glued to the name by something else than elision
	}
	allowed := atLeadSet()[lang]
	seen := make(map[string]bool, len(words))
	for _, w := range words {
		for _, r := range w {
			if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && !isApostrophe(r) || compatChar(r) {
				return false
			}
		}
		k := normalizeString(w)
		if !allowed[k] || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// atFormTail reports whether s, the text of a form after the name, is only
// closing punctuation (a full stop, a closing quote or bracket).
func atFormTail(s string) bool {
	for _, r := range s {
		switch {
		case r == ' ', r == '.', r == '!', r == '?', r == '…', r == '"':
		case (isApostrophe(r) || unicode.Is(unicode.Pe, r) || unicode.Is(unicode.Pf, r)) && !compatChar(r):
		default:
			return false
		}
	}
	return true
}

// atFormName reports whether s, the name as an at form spells it (already
// found equal to name once both are normalised), keeps every compatibility
// character where the registered name has the very same one: the rest is
// compared as the filter compares text (case and diacritics folded, white
// space collapsed), a compatibility character only as itself, so a
// full-width "Ｘ" never stands for "X", "ｘ" or "ˣ".
func atFormName(s, name string) bool {
	if !strings.ContainsFunc(s, compatChar) {
		return true
	}
	return compatKey(s) == compatKey(name)
}

// compatKey is s with each run of plain characters normalised and each
// compatibility character kept as itself between two NUL bytes (a byte the
// normaliser never writes).
func compatKey(s string) string {
	s = PlaceKey(s)
	var sb strings.Builder
	plain := 0
	for i, r := range s {
		if !compatChar(r) {
			continue
		}
		sb.WriteString(normalizeString(s[plain:i]))
		sb.WriteByte(0)
		sb.WriteRune(r)
		sb.WriteByte(0)
		plain = i + utf8.RuneLen(r)
	}
	sb.WriteString(normalizeString(s[plain:]))
	return sb.String()
}

// compatChar reports whether NFKC changes r beyond its canonical form: a
// full-width or superscript letter, a ligature, a full-width apostrophe.
// The characters the normaliser folds by name (foldSpecial: the
// apostrophes people type such as "´", whose NFKC is a space and an
// accent; º and ª, read as o and a; the Catalan ŀ, read as l; the dashes
// and full stops) are read as in any other text, so they are not.
func compatChar(r rune) bool {
	if _, ok := foldSpecial[r]; ok {
		return false
	}
	s := string(r)
	return norm.NFKC.String(s) != norm.NFC.String(s)
}

// isApostrophe reports whether the normaliser reads r as an apostrophe
// (' ’ ‘ ʼ ` ´ and the others it folds to '), so an at form accepts every
// apostrophe the filter does.
func isApostrophe(r rune) bool {
	return r != utf8.RuneError && normalizeString(string(r)) == "'"
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// atValue renders {p.at} for the place name in lang: the registered form
// for lang's base language, checked as a meeting point's name is, or the
// default construction.
func (c *Catalog) atValue(p Param, lang, name string, forms map[string]string, v Variant) (string, error) {
	field := p.Name + ".at"
	form, ok := forms[atLang(lang)]
	if !ok || strings.TrimSpace(form) == "" {
		if d := DefaultAtForm(lang, name); d != "" {
			return d, nil
		}
		// Load refuses {x.at} in such a language; never send a bare name.
		return "", newErr(CodeInvalidTemplate, field, fmt.Sprintf("no at form for language %s", lang))
	}
	if len(form) > MaxAtFormBytes {
		return "", newErr(CodeInvalidParam, field, fmt.Sprintf("the at form of parameter %s is longer than %d bytes", p.Name, MaxAtFormBytes))
	}
	s, err := c.cleanText(Param{Name: field, Type: ParamMeetingPoint}, form, v, MaxAtFormBytes)
	if err != nil {
		return "", err
	}
	switch err := CheckAtFormWords(lang, s, name); {
	case errors.Is(err, ErrAtFormLacksName):
		return "", newErr(CodeInvalidParam, field, fmt.Sprintf("the at form of parameter %s must contain the meeting point's name", p.Name))
	case err != nil:
		return "", newErr(CodeInvalidParam, field, fmt.Sprintf("the at form of parameter %s may say only the meeting point's name and its preposition", p.Name))
	}
	return s, nil
}
