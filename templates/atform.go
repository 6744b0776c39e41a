package templates

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
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
//     preposition and article) and nothing after it but closing
//     punctuation (CheckAtFormWords), so a reader learns nothing the name
//     did not say: a form that merely contained the name could add a
//     floor, a door or a second place the filter does not recognise ("au
//     Café de Flore, 2e étage, porte B");
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
	return !errors.Is(CheckAtFormWords(form, name), ErrAtFormLacksName)
}

// The lead of an at form: the words before the name. The longest plain
// preposition-and-article leads of the seven languages are three words
// ("près de la", "junto a la", "a prop de") of at most six letters
// ("devant", "davant", "presso", "lângă", "near"); elision glues the last
// one to the name ("all'Arsenale", "de l'Estació"), and an elided article
// counts as a word ("a prop de l'Estació" is refused: "davant de
// l'Estació", or the name alone, says the place). Longer words and more
// of them describe something besides the place ("outside", "behind the
// clinic, door"), so they are refused. Digits and other punctuation are
// never part of a preposition.
const (
	MaxAtFormLeadWords   = 3
	MaxAtFormLeadLetters = 6
)

// The faults CheckAtFormWords reports.
var (
	ErrAtFormLacksName  = errors.New("the at form does not contain the place's name")
	ErrAtFormExtraWords = errors.New("the at form says more than the place's name and its preposition")
)

// CheckAtFormWords checks that form says the place called name and no
// more: the name as whole words (compared as HasPlaceName compares), at
// most MaxAtFormLeadWords words before it, each of letters and
// apostrophes only with at most MaxAtFormLeadLetters letters, and after it
// nothing but closing punctuation. It returns nil, ErrAtFormLacksName or
// ErrAtFormExtraWords. The registration of a meeting point and Render
// both check with it, so Render never refuses a form registered since.
func CheckAtFormWords(form, name string) error {
	var n normText
	n.normalise(form)
	f, nm := string(n.b), strings.Trim(normalizeString(name), " ")
	if nm == "" {
		return ErrAtFormLacksName
	}
	found := false
	for from := 0; from <= len(f)-len(nm); {
		i := strings.Index(f[from:], nm)
		if i < 0 {
			break
		}
		i += from
		end := i + len(nm)
		from = i + 1
		if (i > 0 && isWord[f[i-1]] && isWord[nm[0]]) || (end < len(f) && isWord[f[end]] && isWord[nm[len(nm)-1]]) {
			continue // part of a longer word
		}
		found = true
		if atFormLead(form[:n.origStart(i)]) && atFormTail(form[n.origEnd(end):]) {
			return nil
		}
	}
	if !found {
		return ErrAtFormLacksName
	}
	return ErrAtFormExtraWords
}

// atFormLead reports whether s, the text of a form before the name, is a
// preposition and article: see MaxAtFormLeadWords.
func atFormLead(s string) bool {
	words := strings.Fields(s)
	if len(words) > MaxAtFormLeadWords {
		return false
	}
	if last := lastRune(s); len(words) > 0 && !unicode.IsSpace(last) && !isApostrophe(last) {
		return false // glued to the name by something else than elision
	}
	for _, w := range words {
		letters := 0
		for _, r := range w {
			switch {
			case unicode.IsLetter(r):
				letters++
			case unicode.Is(unicode.Mn, r), isApostrophe(r):
			default:
				return false
			}
		}
		if letters == 0 || letters > MaxAtFormLeadLetters {
			return false
		}
	}
	return true
}

// atFormTail reports whether s, the text of a form after the name, is only
// closing punctuation (a full stop, a closing quote or bracket).
func atFormTail(s string) bool {
	for _, r := range s {
		switch {
		case r == ' ', r == '.', r == '!', r == '?', r == '…', r == '"', isApostrophe(r),
			unicode.Is(unicode.Pe, r), unicode.Is(unicode.Pf, r):
		default:
			return false
		}
	}
	return true
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

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
	switch err := CheckAtFormWords(s, name); {
	case errors.Is(err, ErrAtFormLacksName):
		return "", newErr(CodeInvalidParam, field, fmt.Sprintf("the at form of parameter %s must contain the meeting point's name", p.Name))
	case err != nil:
		return "", newErr(CodeInvalidParam, field, fmt.Sprintf("the at form of parameter %s may say only the meeting point's name and its preposition", p.Name))
	}
	return s, nil
}
