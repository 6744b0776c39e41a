package console

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// The UI message catalogue: JSON files per language in locales/, named
// by its BCP 47 tag (es.json), and optionally one more file per area of
// the console (es.participants.json), so that each group of pages keeps its
// own text; a key may be in only one of a language's files. Adding a
// language is adding its files; keys it lacks fall back to English. English is the reference: every key the
// templates use is in en.json, and the tests hold Spanish complete.
//
// A value is a string with {named} placeholders, or an object of CLDR
// plural forms ("one", "few", "many", "other" …) chosen by the {count}
// argument, or (for the calendar) a list of strings.
//
//go:embed locales/*.json
var localesFS embed.FS

// Catalog holds every language's messages.
type Catalog struct {
	langs   []language.Tag // en first
	msgs    map[language.Tag]map[string]any
	matcher language.Matcher
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// LoadCatalog reads the catalogue from fsys (files *.json).
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	c := &Catalog{msgs: map[language.Tag]map[string]any{}}
	for _, f := range files {
		name, _, _ := strings.Cut(strings.TrimSuffix(path.Base(f), ".json"), ".")
		tag, err := language.Parse(name)
		if err != nil {
			return nil, fmt.Errorf("locale file %s: the name is not a language tag", f)
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("locale file %s: %w", f, err)
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
			case map[string]any:
				for form, s := range v {
					if _, ok := s.(string); !ok || !slices.Contains(pluralForms, form) {
						return nil, fmt.Errorf("locale file %s: %s: plural forms are strings named %v", f, k, pluralForms)
					}
				}
				if _, ok := v["other"]; !ok {
					return nil, fmt.Errorf("locale file %s: %s: the plural form \"other\" is required", f, k)
				}
			case []any:
				for _, s := range v {
					if _, ok := s.(string); !ok {
						return nil, fmt.Errorf("locale file %s: %s: a list holds strings", f, k)
					}
				}
			default:
				return nil, fmt.Errorf("locale file %s: %s: a message is a string, plural forms or a list", f, k)
			}
		}
		all := c.msgs[tag]
		if all == nil {
			all = map[string]any{}
			c.msgs[tag] = all
			c.langs = append(c.langs, tag)
		}
		for k, v := range m {
			if _, dup := all[k]; dup {
				return nil, fmt.Errorf("locale file %s: %s is also in another %s file", f, k, tag)
			}
			all[k] = v
		}
	}
	if c.msgs[language.English] == nil {
		return nil, fmt.Errorf("the catalogue has no en.json")
	}
	slices.SortFunc(c.langs, func(a, b language.Tag) int {
		if a == language.English {
			return -1
		}
		if b == language.English {
			return 1
		}
		return strings.Compare(a.String(), b.String())
	})
	c.matcher = language.NewMatcher(c.langs)
	return c, nil
}

// BuiltinCatalog is the embedded catalogue.
func BuiltinCatalog() (*Catalog, error) {
	sub, err := fs.Sub(localesFS, "locales")
	if err != nil {
		return nil, err
	}
	return LoadCatalog(sub)
}

// Languages are the catalogue's languages, English first.
func (c *Catalog) Languages() []language.Tag { return slices.Clone(c.langs) }

// Keys lists the keys of lang's file.
func (c *Catalog) Keys(lang language.Tag) []string {
	var ks []string
	for k := range c.msgs[lang] {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Has reports whether lang is one of the catalogue's languages.
func (c *Catalog) Has(lang string) bool {
	tag, err := language.Parse(lang)
	return err == nil && c.msgs[tag] != nil
}

// Pick chooses the language for a reader: her preference if the
// catalogue has it, else the best match for her browser's
// Accept-Language, else English.
func (c *Catalog) Pick(preferred string, r *http.Request) language.Tag {
	if tag, err := language.Parse(preferred); err == nil && c.msgs[tag] != nil {
		return tag
	}
	accept, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, conf := c.matcher.Match(accept...)
	if conf == language.No {
		return language.English
	}
	return c.langs[i]
}

var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// formNames names x/text's plural forms as the catalogue does.
var formNames = map[plural.Form]string{
	plural.Other: "other", plural.Zero: "zero", plural.One: "one",
	plural.Two: "two", plural.Few: "few", plural.Many: "many",
}

// Localizer speaks to one reader: her language and time zone.
type Localizer struct {
	cat  *Catalog
	lang language.Tag
	zone *time.Location
}

// Localizer returns the localizer for lang and zone.
func (c *Catalog) Localizer(lang language.Tag, zone *time.Location) *Localizer {
	if c.msgs[lang] == nil {
		lang = language.English
	}
	if zone == nil {
		zone = time.UTC
	}
	return &Localizer{cat: c, lang: lang, zone: zone}
}

// Lang is the reader's language tag (for <html lang>).
func (l *Localizer) Lang() string { return l.lang.String() }

// Zone is the name of the reader's time zone.
func (l *Localizer) Zone() string { return l.zone.String() }

func (l *Localizer) lookup(key string) any {
	if v, ok := l.cat.msgs[l.lang][key]; ok {
		return v
	}
	return l.cat.msgs[language.English][key]
}

// T is the message key in the reader's language with args as name, value
// pairs filling {name} placeholders. A "count" argument (an int, or an
// int64 or int32 from a database count) chooses the plural form. A key missing
// everywhere shows as ⟦key⟧, which the tests catch.
func (l *Localizer) T(key string, args ...any) string {
	var text string
	switch v := l.lookup(key).(type) {
	case string:
		text = v
	case map[string]any:
		n := 0
		for i := 0; i+1 < len(args); i += 2 {
			if args[i] == "count" {
				switch v := args[i+1].(type) {
				case int:
					n = v
				case int64:
					n = int(v)
				case int32:
					n = int(v)
				}
			}
		}
		form := formNames[plural.Cardinal.MatchPlural(l.lang, abs(n), 0, 0, 0, 0)]
		s, ok := v[form].(string)
		if !ok {
			s = v["other"].(string)
		}
		text = s
	default:
		return "⟦" + key + "⟧"
	}
	if len(args) == 0 {
		return text
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// List is the i'th entry of a calendar list (weekday or month names:
// "date.weekdays", Sunday first; "date.months").
func (l *Localizer) List(key string, i int) string {
	v, _ := l.lookup(key).([]any)
	if i < 0 || i >= len(v) {
		return "?"
	}
	return v[i].(string)
}

// LanguageName is a language's name in that language ("español").
func LanguageName(tag language.Tag) string {
	if n := display.Self.Name(tag); n != "" {
		return n
	}
	return tag.String()
}

// DateParts fills a date pattern from the catalogue ("date.short") with
// t's parts, as t's zone reads them.
func (l *Localizer) DateParts(pattern string, t time.Time) string {
	return strings.NewReplacer(
		"{weekday}", l.List("date.weekdays", int(t.Weekday())),
		"{day}", strconv.Itoa(t.Day()),
		"{month}", l.List("date.months", int(t.Month())-1),
		"{year}", strconv.Itoa(t.Year()),
		"{time}", t.Format("15:04"),
	).Replace(l.T(pattern))
}

// DateTime is t in the reader's zone: "Tue 2 Jun 2026, 10:00".
func (l *Localizer) DateTime(t time.Time) string { return l.DateParts("date.datetime", t.In(l.zone)) }

// Date is t's day in the reader's zone: "Tue 2 Jun 2026".
func (l *Localizer) Date(t time.Time) string { return l.DateParts("date.date", t.In(l.zone)) }

// Clock is t's time of day in the reader's zone: "10:00".
func (l *Localizer) Clock(t time.Time) string { return t.In(l.zone).Format("15:04") }

// ISO is t as RFC 3339 in the reader's zone, for <time datetime>.
func (l *Localizer) ISO(t time.Time) string { return t.In(l.zone).Format(time.RFC3339) }

// Hers is t in a participant's zone, to show beside the reader's time:
// "09:00 her time", or "Mon 1 Jun, 23:00 her time" when her day differs
// from the reader's, or "same time for her" when the clocks agree. zone
// is an IANA name; an unknown one says so rather than guess.
func (l *Localizer) Hers(t time.Time, zone string) string {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" || zone == "Local" {
		return l.T("time.hers_unknown")
	}
	mine, hers := t.In(l.zone), t.In(loc)
	_, myOff := mine.Zone()
	_, herOff := hers.Zone()
	if myOff == herOff {
		return l.T("time.same_for_her")
	}
	if mine.YearDay() != hers.YearDay() || mine.Year() != hers.Year() {
		return l.T("time.hers", "time", l.DateParts("date.short", hers))
	}
	return l.T("time.hers", "time", hers.Format("15:04"))
}

// ZoneOf is the reader's time zone, loaded by name (UTC if it cannot be
// loaded), for the pages that compute in her calendar.
func ZoneOf(L *Localizer) *time.Location {
	if z, err := time.LoadLocation(L.Zone()); err == nil {
		return z
	}
	return time.UTC
}

// Location is the reader's time zone itself.
func (l *Localizer) Location() *time.Location { return l.zone }
