package templates

import "testing"

// TestLexiconEverydayLines: a metro line named by its colour and a
// company's customer or free line are not help lines; the filter leaves
// these errands and meeting points as written (the scan of unknown names
// is off: a brand or a station is its concern, not the lexicon's).
func TestLexiconEverydayLines(t *testing.T) {
	f := mustFilter(t)
	for _, c := range []struct{ lang, text string }{
		{"pt", "Apanha o metro, linha verde, até Cais do Sodré"},
		{"it", "metro linea verde fermata Garibaldi"},
		{"it", "Linea verde, fermata Loreto"},
		{"es", "llama al teléfono de atención al cliente de Movistar"},
		{"es", "número gratuito de Vodafone para la recarga"},
		{"en", "ring the Tesco freephone number about the delivery"},
		{"fr", "appelle la ligne d'assistance de Free pour la box"},
		{"ca", "truca al telèfon d'atenció al client de la companyia"},
		{"ro", "sună la linia de asistență a magazinului pentru comandă"},
	} {
		if fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang}); len(fs) != 0 {
			t.Errorf("%s %q: %+v", c.lang, c.text, fs)
		}
	}
	// The help lines that say what they are still count.
	for _, c := range []struct{ lang, text string }{
		{"en", "call the helpline tonight"},
		{"fr", "appelle la ligne d'écoute"},
		{"es", "llama a la línea de escucha"},
		{"it", "chiama il telefono rosa"},
	} {
		if fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang}); len(fs) == 0 {
			t.Errorf("%s %q: no finding", c.lang, c.text)
		}
	}
}
