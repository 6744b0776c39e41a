package templates

import (
	"fmt"
	"strings"

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
//   - a form contains the place's name (HasPlaceName), so it says no more
//     than the name plus a few words, and a reader learns nothing the name
//     did not say;
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
	f, n := normalizeString(form), strings.Trim(normalizeString(name), " ")
	if n == "" {
		return false
	}
	for from := 0; from <= len(f)-len(n); {
		i := strings.Index(f[from:], n)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(n)
		if (i == 0 || !isWord[f[i-1]] || !isWord[n[0]]) && (end == len(f) || !isWord[f[end]] || !isWord[n[len(n)-1]]) {
			return true
		}
		from = i + 1
	}
	return false
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
	if !HasPlaceName(s, name) {
		return "", newErr(CodeInvalidParam, field, fmt.Sprintf("the at form of parameter %s must contain the meeting point's name", p.Name))
	}
	return s, nil
}
