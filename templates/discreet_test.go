package templates

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Neutral meeting points staff really use: metro and bus stops.
var samplePlaces = []string{
	"Metro Sol", "Metro Sants Estació", "Parada de bus Plaça Catalunya", "Metro L3 Liceu",
	"Línea 5, parada Diagonal", "Fermata Termini", "Metro Duomo", "Gare du Nord", "Métro Bastille",
	"Estação do Rossio", "Metro Baixa-Chiado", "Piața Unirii", "Stația de autobuz Romană",
	"Victoria bus station", "Bus stop 24", "Intercambiador de Moncloa", "Plaza de España",
}

// Every shipped discreet body, rendered for every day of a year at varied
// times, in every language, with every sample meeting point and with
// check-in codes of every length, has no finding, with the built-in filter
// and with a deployment's own terms. A bad template (or a date or time
// rendering that trips the filter) fails the build.
func TestDiscreetVariantsPassFilter(t *testing.T) {
	c := mustBuiltin(t)
	filters := map[string]*Filter{"builtin": mustFilter(t)}
	dep, err := NewFilter(filepath.Join("testdata", "terms.txt"))
	if err != nil {
		t.Fatal(err)
	}
	filters["deployment"] = dep
	mad, _ := time.LoadLocation("Europe/Madrid")
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, mad)
	codes := []string{"0", "7", "42", "314", "2718", "31415", "271828"}
	minutes := []string{"1", "5", "10", "15", "20", "30", "45", "60", "90", "120", "180"}
	rendered := 0
	for _, br := range allBodyRenderings(c) {
		if br.variant != Discreet {
			continue
		}
		tm := c.tmpl[br.id]
		chans := []string{br.channel}
		if !br.own {
			chans = nil
			for _, ch := range tm.channels {
				if tm.langs[br.lang].bodies[bodyKey{Discreet, ch}] == nil {
					chans = append(chans, ch)
				}
			}
		}
		for day := 0; day < 366; day++ {
			when := start.AddDate(0, 0, day).Add(time.Duration(day%24)*time.Hour + time.Duration(day*7%60)*time.Minute)
			params := map[string]string{}
			for _, p := range tm.params {
				switch p.Type {
				case ParamDatetime:
					params[p.Name] = when.Format(time.RFC3339)
				case ParamMeetingPoint:
					params[p.Name] = samplePlaces[day%len(samplePlaces)]
				case ParamDigits:
					params[p.Name] = codes[day%len(codes)]
				case ParamMinutes:
					params[p.Name] = minutes[day%len(minutes)]
				case ParamText:
					params[p.Name] = "hola " + strconv.Itoa(day)
				}
			}
			for _, ch := range chans {
				for name, f := range filters {
					r, err := c.WithFilter(f).Render(RenderRequest{TemplateID: br.id, Lang: br.lang, Variant: Discreet,
						Channel: ch, Params: params, TimeZone: "Europe/Madrid"})
					if err != nil {
						t.Fatalf("%s %s %s (%s filter) %v: %v", br.id, br.lang, ch, name, params, err)
					}
					if fs := f.Scan(r.Text); len(fs) != 0 {
						t.Fatalf("%s %s %s: %q has findings %+v", br.id, br.lang, ch, r.Text, fs)
					}
					rendered++
				}
			}
		}
	}
	if rendered < 13*7*366 {
		t.Errorf("only %d renderings checked", rendered)
	}
	t.Logf("%d discreet renderings checked", rendered)
}

// The sample meeting points are accepted as they are.
func TestSamplePlacesAreNeutral(t *testing.T) {
	f := mustFilter(t)
	for _, p := range samplePlaces {
		if fs := f.Scan(p); len(fs) != 0 {
			t.Errorf("%q: %+v", p, fs)
		}
	}
}
