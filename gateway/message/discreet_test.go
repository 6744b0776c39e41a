package message

import (
	"slices"
	"strings"
	"testing"

	"safecontact/errs"
	"safecontact/templates"
)

// FlaggedConfirmedName: a confirmed name the filter flags on its own, as
// free text (a street without its number is an address; an organisation,
// a court), is refused with its index and what was found, whether or not
// the text uses it; a neutral name is not, nor is a finding of the text
// outside the names (the body's scan reports it).
func TestFlaggedConfirmedName(t *testing.T) {
	t.Parallel()
	f, err := templates.NewFilter("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, text string
		confirm    []string
		want       int
		cat        templates.Category
	}{
		{"none", "Hola Lucía, el lunes a las 11.", nil, 0, ""},
		{"neutral", "Hola Lucía, el lunes a las 11.", []string{"Lucía"}, 0, ""},
		{"street es", "Nos vemos en la calle Murcia mañana.", []string{"Lucía", "calle Murcia"}, 2, templates.CategoryAddress},
		{"street ca", "Ens veiem al carrer Pelai demà.", []string{"carrer Pelai"}, 1, templates.CategoryAddress},
		{"street fr", "On se voit rue Oberkampf demain.", []string{"rue Oberkampf"}, 1, templates.CategoryAddress},
		{"street pt", "Encontramo-nos na rua Augusta amanhã.", []string{"rua Augusta"}, 1, templates.CategoryAddress},
		{"street it", "Ci vediamo in vicolo Stretto domani.", []string{"vicolo Stretto"}, 1, templates.CategoryAddress},
		{"a court", "Te espero en la parada Juzgado de Guardia el lunes.", []string{"Juzgado de Guardia"}, 1, templates.CategoryLegal},
		{"flagged, not in the text", "Hola Lucía, el lunes a las 11.", []string{"calle Murcia"}, 1, templates.CategoryAddress},
		{"a finding outside the name", "Hola Lucía, vamos a la casa de acogida el lunes.", []string{"Lucía"}, 0, ""},
	} {
		i, cat := FlaggedConfirmedName(f, tc.text, tc.confirm, templates.ScanOptions{Lang: "es", UnknownNames: true, Vocabulary: true})
		if i != tc.want || cat != tc.cat {
			t.Errorf("%s: %d %q, want %d %q", tc.name, i, cat, tc.want, tc.cat)
		}
	}
}

// The free-text policies: whole is a policy of its own, scans without the
// vocabulary and always for unknown names, and shares plain's whole or
// nothing; an unknown value is refuse.
func TestFreeTextPolicies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		configured, policy      string
		vocabulary, wholeOrNone bool
		namesOff                bool // unknown names scanned when configured off
	}{
		{"", FreeTextRefuse, false, false, false},
		{"sometimes", FreeTextRefuse, false, false, false},
		{FreeTextFilter, FreeTextFilter, false, false, false},
		{FreeTextVocabulary, FreeTextVocabulary, true, false, false},
		{FreeTextPlain, FreeTextPlain, true, true, false},
		{FreeTextWhole, FreeTextWhole, false, true, true},
	} {
		if p := FreeTextPolicy(tc.configured); p != tc.policy {
			t.Errorf("%q: policy %q, want %q", tc.configured, p, tc.policy)
		}
		if v := UsesVocabulary(tc.configured); v != tc.vocabulary {
			t.Errorf("%q: vocabulary %v", tc.configured, v)
		}
		if w := WholeOrNothing(tc.configured); w != tc.wholeOrNone {
			t.Errorf("%q: whole or nothing %v", tc.configured, w)
		}
		if n := ScansUnknownNames(tc.configured, false); n != tc.namesOff {
			t.Errorf("%q: unknown names off scanned %v", tc.configured, n)
		}
		if !ScansUnknownNames(tc.configured, true) {
			t.Errorf("%q: unknown names on not scanned", tc.configured)
		}
	}
}

// WholeRefusal: nothing found is no refusal; a finding refuses the text
// with the policy's reason, the categories once each in order and every
// finding as a redaction, and its sentence names no finding.
func TestWholeRefusal(t *testing.T) {
	t.Parallel()
	if reds, err := WholeRefusal(FreeTextWhole, nil); reds != nil || err != nil {
		t.Fatalf("nothing found: %v %v", reds, err)
	}
	fs := []templates.Finding{
		{Category: templates.CategoryUnknownName, Match: "Kessler", Start: 3, End: 10},
		{Category: templates.CategoryLegal, Match: "abogada", Start: 20, End: 27},
		{Category: templates.CategoryUnknownName, Match: "Ortiz", Start: 30, End: 35},
	}
	for policy, reason := range map[string]string{FreeTextWhole: ReasonFlagged, FreeTextPlain: ReasonNotPlain} {
		reds, err := WholeRefusal(policy, fs)
		e, ok := err.(*errs.Error)
		if !ok || e.Code != CodeContentNotDiscreet || e.Field != "body" || len(reds) != 3 {
			t.Fatalf("%s: %v %v", policy, reds, err)
		}
		d := e.Details.(map[string]any)
		if d["reason"] != reason || WholeReason(policy) != reason || !slices.Equal(d["categories"].([]string), []string{"unknown_name", "legal"}) {
			t.Fatalf("%s: details %v", policy, d)
		}
		for _, f := range fs {
			if strings.Contains(e.Error(), f.Match) {
				t.Fatalf("%s: %q in %q", policy, f.Match, e.Error())
			}
		}
	}
}
