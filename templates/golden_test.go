package templates

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current templates")

// goldenSample gives, per language, the time zone and meeting point used
// for golden renderings: realistic, and each a neutral public place; and
// the place's registered at form where its language needs an article
// (the others show the default construction).
var goldenSample = map[string]struct{ tz, place, at string }{
	"es": {"Europe/Madrid", "Metro Sol", ""},
	"ca": {"Europe/Madrid", "Metro Sants Estació", "al Metro Sants Estació"},
	"it": {"Europe/Rome", "Metro Termini", "alla Metro Termini"},
	"en": {"Europe/London", "Victoria bus station", ""},
	"fr": {"Europe/Paris", "Métro Bastille", "au Métro Bastille"},
	"pt": {"Europe/Lisbon", "Metro Rossio", "no Metro Rossio"},
	"ro": {"Europe/Bucharest", "Piața Unirii", ""},
}

// goldenAtForms are the registered at forms of a template's meeting
// points for a golden rendering in lang.
func goldenAtForms(t *template, lang string) map[string]map[string]string {
	m := map[string]map[string]string{}
	for _, p := range t.params {
		if p.Type == ParamMeetingPoint && goldenSample[lang].at != "" {
			m[p.Name] = map[string]string{lang: goldenSample[lang].at}
		}
	}
	return m
}

func goldenParams(t *template, lang string) map[string]string {
	m := map[string]string{}
	for _, p := range t.params {
		switch p.Type {
		case ParamDatetime:
			m[p.Name] = "2025-06-03T08:00:00Z"
		case ParamMeetingPoint:
			m[p.Name] = goldenSample[lang].place
		case ParamDigits:
			m[p.Name] = "4721"
		case ParamMinutes:
			m[p.Name] = "15"
		case ParamText:
			m[p.Name] = "hola"
		}
	}
	return m
}

// renderingsOf lists one rendering per distinct body: for the default body
// the first channel that uses it, for a channel's own body that channel.
type bodyRendering struct {
	id, lang string
	variant  Variant
	channel  string
	own      bool // a channel-specific body
}

func allBodyRenderings(c *Catalog) []bodyRendering {
	var out []bodyRendering
	for _, info := range c.List() {
		t := c.tmpl[info.ID]
		for _, l := range t.langList {
			for key := range t.langs[l].bodies {
				if key.channel != "" {
					out = append(out, bodyRendering{t.id, l, key.variant, key.channel, true})
					continue
				}
				for _, ch := range t.channels {
					if t.langs[l].bodies[bodyKey{key.variant, ch}] == nil {
						out = append(out, bodyRendering{t.id, l, key.variant, ch, false})
						break
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return fmt.Sprint(a.id, a.lang, a.variant, a.own, a.channel) < fmt.Sprint(b.id, b.lang, b.variant, b.own, b.channel)
	})
	return out
}

func TestGolden(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "golden")
	want := map[string]bool{}
	for _, br := range allBodyRenderings(c) {
		name := fmt.Sprintf("%s.%s.%s.txt", br.id, br.lang, br.variant)
		if br.own {
			name = fmt.Sprintf("%s.%s.%s.%s.txt", br.id, br.lang, br.variant, br.channel)
		}
		want[name] = true
		tm := c.tmpl[br.id]
		r, err := c.Render(RenderRequest{TemplateID: br.id, Lang: br.lang, Variant: br.variant, Channel: br.channel,
			Params: goldenParams(tm, br.lang), TimeZone: goldenSample[br.lang].tz, AtForms: goldenAtForms(tm, br.lang)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := fmt.Sprintf("# %s v%d %s %s %s: %s, %d chars, %d segment(s)\n%s\n",
			r.TemplateID, r.Version, r.Lang, r.Variant, r.Channel, r.SMS.Encoding, r.SMS.Chars, r.SMS.Segments, r.Text)
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		exp, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run go test ./templates -run TestGolden -update)", name, err)
			continue
		}
		if string(exp) != got {
			t.Errorf("%s differs:\n--- want\n%s--- got\n%s", name, exp, got)
		}
	}
	// No stale golden files.
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			if *update {
				os.Remove(f)
				continue
			}
			t.Errorf("stale golden file %s", f)
		}
	}
	if len(want) < 13*7*2 {
		t.Errorf("only %d golden renderings; expected every template x language x variant", len(want))
	}
}

// Every built-in template has both variants in every shipped language.
func TestBuiltinCoverage(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	must := []string{"appointment_reminder", "appointment_changed", "appointment_cancelled", "safety_checkin", "callback_notice", "please_contact",
		// The everyday templates: what a caseworker needs to say to a
		// monitored phone, which gets templates only by default.
		"running_late", "cannot_make_it", "meet_proposal", "message_received", "how_are_you", "call_at", "good_luck"}
	infos := map[string]TemplateInfo{}
	for _, i := range c.List() {
		infos[i.ID] = i
	}
	for _, id := range must {
		info, ok := infos[id]
		if !ok {
			t.Errorf("missing built-in template %s", id)
			continue
		}
		if info.Version < 1 {
			t.Errorf("%s: version %d", id, info.Version)
		}
		if strings.Join(info.Languages, ",") != "ca,en,es,fr,it,pt,ro" {
			t.Errorf("%s: languages %v", id, info.Languages)
		}
		for _, l := range ShippedLanguages {
			for _, v := range []Variant{Standard, Discreet} {
				if c.tmpl[id].langs[l].bodies[bodyKey{variant: v}] == nil {
					t.Errorf("%s %s %s missing", id, l, v)
				}
			}
		}
	}
	if p := infos["safety_checkin"].Params; len(p) != 1 || p[0].Type != ParamDigits {
		t.Errorf("safety_checkin params %v", p)
	}
	if p := infos["appointment_reminder"].Params; len(p) != 2 || p[0].Type != ParamDatetime || p[1].Type != ParamMeetingPoint {
		t.Errorf("appointment_reminder params %v", p)
	}
	if p := infos["meet_proposal"].Params; len(p) != 2 || p[0] != (Param{"when", ParamDatetime}) || p[1] != (Param{"place", ParamMeetingPoint}) {
		t.Errorf("meet_proposal params %v", p)
	}
	if p := infos["running_late"].Params; len(p) != 1 || p[0] != (Param{"minutes", ParamMinutes}) {
		t.Errorf("running_late params %v", p)
	}
	if p := infos["call_at"].Params; len(p) != 1 || p[0] != (Param{"when", ParamDatetime}) {
		t.Errorf("call_at params %v", p)
	}
	for _, id := range []string{"cannot_make_it", "message_received", "how_are_you", "good_luck"} {
		if p := infos[id].Params; len(p) != 0 {
			t.Errorf("%s params %v", id, p)
		}
	}
}

// A discreet message without a date or a meeting point says one short
// thing: it fits one SMS segment in every language, with the longest code
// or number of minutes.
func TestDiscreetShortFitsOneSegment(t *testing.T) {
	c := mustBuiltin(t)
	checked := 0
	for _, br := range allBodyRenderings(c) {
		tm := c.tmpl[br.id]
		if br.variant != Discreet || br.channel == ChannelVoice {
			continue
		}
		params, short := map[string]string{}, true
		for _, p := range tm.params {
			switch p.Type {
			case ParamDigits:
				params[p.Name] = "999999"
			case ParamMinutes:
				params[p.Name] = "180"
			default:
				short = false
			}
		}
		if !short {
			continue
		}
		r, err := c.Render(RenderRequest{TemplateID: br.id, Lang: br.lang, Variant: Discreet, Channel: br.channel, Params: params})
		if err != nil {
			t.Fatalf("%s %s: %v", br.id, br.lang, err)
		}
		if r.SMS.Segments != 1 {
			t.Errorf("%s %s discreet: %d segments (%s, %d chars): %q", br.id, br.lang, r.SMS.Segments, r.SMS.Encoding, r.SMS.Chars, r.Text)
		}
		checked++
	}
	if checked < 7*7 {
		t.Errorf("only %d short discreet bodies checked", checked)
	}
}
