package message

import (
	"testing"

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
