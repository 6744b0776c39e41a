package templates

import (
	"slices"
	"testing"
)

// wholeScan scans text as the gateway does under the whole policy.
func wholeScan(t *testing.T, lang, text string) []Finding {
	t.Helper()
	f, err := NewFilterFrom(FilterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return f.ScanWith(text, ScanOptions{Lang: lang, UnknownNames: true, Plain: true})
}

func hasUnknownName(fs []Finding, match string) bool {
	return slices.ContainsFunc(fs, func(x Finding) bool { return x.Category == CategoryUnknownName && x.Match == match })
}

// TestWholeSentenceStartName: under the whole policy a lone capitalised
// word opening the text or a sentence is a name unless it is an everyday
// word (of any shipped language, or inflected), a greeting or a known
// first name; under the filter and vocabulary policies it stays
// ordinary.
func TestWholeSentenceStartName(t *testing.T) {
	for _, c := range []struct{ lang, text, name string }{
		{"es", "Kessler te espera mañana a las 10.", "Kessler"},
		{"es", "Hola. Kessler te llama luego.", "Kessler"},
		{"en", "Brennan will call you tomorrow at 10.", "Brennan"},
		{"de", "Kessler te espera mañana a las 10.", "Kessler"},
		{"it", "Ciao! Kessler ti aspetta domani.", "Kessler"},
	} {
		if fs := wholeScan(t, c.lang, c.text); !hasUnknownName(fs, c.name) {
			t.Errorf("%s %q: %q not an unknown name (%v)", c.lang, c.text, c.name, fs)
		}
		f := mustVocabFilter(t)
		if fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang, UnknownNames: true}); hasUnknownName(fs, c.name) {
			t.Errorf("filter policy %s %q: %q an unknown name (%v)", c.lang, c.text, c.name, fs)
		}
	}
	for _, c := range []struct{ lang, text string }{
		{"es", "Mañana a las 10 en la puerta. Hasta luego"},
		{"es", "Cómo fue el primer día en la tienda? Cuéntame!!"},
		{"es", "Deberias dormir mas. Descansa y hablamos"},
		{"it", "Ricevuto, grazie! A lunedi"},
		{"en", "Running 15 mins late sorry!!"},
		{"es", "Ana te llama luego."},
		{"es", "Hola. Te llamo luego."},
		{"en", "Thanks, see you tomorrow."},
	} {
		if fs := wholeScan(t, c.lang, c.text); slices.ContainsFunc(fs, func(x Finding) bool { return x.Category == CategoryUnknownName }) {
			t.Errorf("%s %q: unknown name found (%v)", c.lang, c.text, fs)
		}
	}
}

// TestWholeAllCapitals: under the whole policy a text mostly in capitals
// (at least 60% of at least 12 letters) is refused whole, an unknown name
// over the text, as a name in it cannot be told; a short one ("OK") and
// a text with an acronym are not, nor a text in capitals under the filter
// policy.
func TestWholeAllCapitals(t *testing.T) {
	text := "HOLA, PREGUNTA POR KESSLER EN LA ENTRADA"
	fs := wholeScan(t, "es", text)
	if !hasUnknownName(fs, text) {
		t.Errorf("%q: no unknown name over the text (%v)", text, fs)
	}
	if !AllCapitals(text) || !AllCapitals("ÎNTÂLNIRE MÂINE LA ORA 10") {
		t.Error("AllCapitals: a text in capitals not seen")
	}
	for _, s := range []string{"OK", "OK, VALE, HASTA LUEGO", "Nos vemos en la ESOL a las 10", "Ok see you at the GP at 10"} {
		if s == "OK, VALE, HASTA LUEGO" {
			if !AllCapitals(s) {
				t.Errorf("AllCapitals(%q) false", s)
			}
			continue
		}
		if AllCapitals(s) {
			t.Errorf("AllCapitals(%q) true", s)
		}
	}
	f := mustVocabFilter(t)
	if fs := f.ScanWith(text, ScanOptions{Lang: "es", UnknownNames: true}); hasUnknownName(fs, text) {
		t.Errorf("filter policy %q: refused as capitals (%v)", text, fs)
	}
}
