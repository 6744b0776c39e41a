package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"safecontact/errs"
)

func mustFilter(t testing.TB) *Filter {
	t.Helper()
	f, err := NewFilter("")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// expectSpans: text -> the matches (in order) with their categories.
func expectSpans(t *testing.T, f *Filter, text string, want ...string) {
	t.Helper()
	fs := f.Scan(text)
	checkFindings(t, text, fs)
	var got []string
	for _, x := range fs {
		got = append(got, string(x.Category)+":"+x.Match)
	}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("Scan(%q)\n got  %q\n want %q", text, got, want)
	}
}

func TestNormalisationAndOffsets(t *testing.T) {
	f := mustFilter(t)
	expectSpans(t, f, "La POLICÍA llega", "legal:POLICÍA")
	expectSpans(t, f, "la polici\u0301a llega", "legal:polici\u0301a")                  // NFD: the mark is part of the match
	expectSpans(t, f, "la psico\u0301loga\u0301 llega", "health:psico\u0301loga\u0301") // trailing combining mark
	expectSpans(t, f, "la poli\u200bcía llega", "legal:poli\u200bcía")                  // zero-width space inside
	expectSpans(t, f, "la poli\u00adcía llega", "legal:poli\u00adcía")                  // soft hyphen
	expectSpans(t, f, "ＰＯＬＩＣＥ station", "legal:ＰＯＬＩＣＥ station")                         // full-width
	expectSpans(t, f, "Poliţia a sunat", "legal:Poliţia")                               // ţ with cedilla
	expectSpans(t, f, "Poliția a sunat", "legal:Poliția")                               // ț with comma below
	expectSpans(t, f, "l’avocat arrive", "legal:avocat")                                // typographic apostrophe
	expectSpans(t, f, "GUARDIA\n  CIVIL", "legal:GUARDIA\n  CIVIL")                     // white space runs
	expectSpans(t, f, "anti-trafficking unit", "exploitation:trafficking")
	expectSpans(t, f, "col·lectiu de víctimes", "exploitation:víctimes")
	expectSpans(t, f, "Tel.\u00a0+34\u00a0612\u00a0345\u00a0678", "phone:+34\u00a0612\u00a0345\u00a0678") // NBSP
	expectSpans(t, f, "tel ６１２３４５６７８", "phone:６１２３４５６７８")
	expectSpans(t, f, "mail: ana@Ejemplo.ORG.", "email:ana@Ejemplo.ORG")
}

func TestStemsAndBoundaries(t *testing.T) {
	f := mustFilter(t)
	for _, s := range []string{"psicóloga", "psicólogos", "psicología", "Psychologist", "psihologul", "psicòleg",
		"avvocati", "abogadas", "traficantes", "traffickers", "víctimas", "victime", "vítimas", "vittime", "victimă"} {
		if fs := f.Scan("x " + s + " y"); len(fs) != 1 || fs[0].Match != s {
			t.Errorf("%q not caught as a whole word: %+v", s, fs)
		}
	}
	for _, s := range []string{
		"se trata de algo", "polideportivo", "deportes", "policy", "politics", "política", "long", "Hong Kong",
		"strong", "mongo", "courtesy", "trafic routier", "traffic jam", "tráfico en la M-30", "programa de radio",
		"sessionem", "abierto", "Juicy", "nieve", "assist", "crossroads", "contracting", "testing",
		"la tratta Roma-Milano", "si tratta di", "vei ști", "șeful", "rapeseed", "appointment", "cita", "meeting",
	} {
		if fs := f.Scan(s); len(fs) != 0 {
			t.Errorf("%q flagged: %+v", s, fs)
		}
	}
	// Multi-word terms need the whole phrase.
	expectSpans(t, f, "la trata de personas", "exploitation:trata de personas")
	expectSpans(t, f, "casa de acogida", "organisation:casa de acogida")
	expectSpans(t, f, "casa de campo")
}

func TestPhonesAndNumbers(t *testing.T) {
	f := mustFilter(t)
	phones := []string{
		"612345678", "612 345 678", "612 34 56 78", "+34 612 345 678", "+34612345678", "0034 612 345 678",
		"(93) 123 45 67", "(+34) 93 123 45 67", "93.123.45.67", "06.12.34.56.78", "06 12 34 56 78",
		"333 123 4567", "0722-123-456", "+40 722 123 456", "+44 (0)20 7946 0958", "1234567",
		"800 290 290",
	}
	for _, p := range phones {
		expectSpans(t, f, "llama al "+p+" hoy", "phone:"+p)
	}
	expectSpans(t, f, "tlf612345678", "phone:612345678") // glued to a label
	notPhones := []string{
		"10:00", "reply 1", "responde 1", "Responde 1234", "3/6/2025", "03/06/2025", "2025-06-03", "3.6.2025",
		"10.00-12.30", "de 10.00 a 12.00", "2024-2025", "curso 2024/25", "3.6.2025 10.00", "1 o 2", "123456",
		"el 3 de junio de 2025", "10h00", "9h30-11h00", "12/05/2025 a las 17.00", "mardi 3 juin à 10h00",
		"3 6 2025", "1.500 euros",
	}
	for _, s := range notPhones {
		if fs := f.Scan(s); len(fs) != 0 {
			t.Errorf("%q flagged: %+v", s, fs)
		}
	}
}

func TestEmailsAndURLs(t *testing.T) {
	f := mustFilter(t)
	expectSpans(t, f, "escribe a maria.lopez+ngo@correo-seguro.es.", "email:maria.lopez+ngo@correo-seguro.es")
	expectSpans(t, f, "(ana_b@mail.co.uk)", "email:ana_b@mail.co.uk")
	expectSpans(t, f, "visit https://example.org/a/b?c=d.", "url:https://example.org/a/b?c=d")
	expectSpans(t, f, "HTTP://EXAMPLE.ORG", "url:HTTP://EXAMPLE.ORG")
	expectSpans(t, f, "en www.ejemplo.com/ayuda, gracias", "url:www.ejemplo.com/ayuda")
	expectSpans(t, f, "mira bit.ly/3xYz!", "url:bit.ly/3xYz")
	expectSpans(t, f, "fundacion-esperanza.org", "url:fundacion-esperanza.org")
	expectSpans(t, f, "ajuda.cat:8080/x", "url:ajuda.cat:8080/x")
	// Social-media handles are contact details too.
	expectSpans(t, f, "búscame en @maria_b.22 o en IG", "url:@maria_b.22")
	expectSpans(t, f, "@maria", "url:@maria")
	for _, s := range []string{"Hola.Qué tal", "a las 10.30", "a.m.", "correo @ casa", "mañana.Es tarde",
		"v1.2", "etc.", "S.L.", "p.ej. mañana", "hola@", "a@b", "x@y.z1"} {
		if fs := f.Scan(s); len(fs) != 0 {
			t.Errorf("%q flagged: %+v", s, fs)
		}
	}
}

func TestAddresses(t *testing.T) {
	f := mustFilter(t)
	cases := map[string]string{
		"Ven a Calle Mayor 5.":             "Calle Mayor 5",
		"en c/ Pelai 12, 2º 1ª, gracias":   "c/ Pelai 12, 2º 1ª",
		"en C/Pelai,12 hoy":                "C/Pelai,12",
		"al Carrer de Pelai, 3":            "Carrer de Pelai, 3",
		"Carrer d'Aragó 255":               "Carrer d'Aragó 255",
		"in Via Roma 10":                   "Via Roma 10",
		"in via Roma 10":                   "via Roma 10",
		"au 12 rue de la Paix ce soir":     "12 rue de la Paix",
		"au 3 bis, avenue Foch":            "3 bis, avenue Foch",
		"rue de la Loi 16":                 "rue de la Loi 16",
		"na Rua Augusta 25":                "Rua Augusta 25",
		"na Rua do Ouro, n.º 3":            "Rua do Ouro, n.º 3",
		"pe Strada Lipscani nr. 5":         "Strada Lipscani nr. 5",
		"pe str. Lipscani 5":               "str. Lipscani 5",
		"Bd. Unirii nr. 1":                 "Bd. Unirii nr. 1",
		"at 221B Baker Street":             "221B Baker Street",
		"at 10 Downing St today":           "10 Downing St",
		"at 42 acacia avenue":              "42 acacia avenue",
		"Calle Mayor s/n":                  "Calle Mayor s/n",
		"Avenida de la Constitución nº 20": "Avenida de la Constitución nº 20",
		"Passeig de Gràcia 92":             "Passeig de Gràcia 92",
		"Piazza Garibaldi 3":               "Piazza Garibaldi 3",
		"5 place Bellecour":                "5 place Bellecour",
		"Calea Victoriei 12":               "Calea Victoriei 12",
		"calle mayor 5":                    "calle mayor 5",
		"CP 28013":                         "28013",
		"código postal: 08001":             "08001",
		"08001 Barcelona":                  "08001",
		"1000-001 Lisboa":                  "1000-001",
		"London SW1A 1AA":                  "SW1A 1AA",
		"Manchester M1 1AE":                "M1 1AE",
		"010011 București":                 "010011",
	}
	for in, want := range cases {
		fs := f.Scan(in)
		checkFindings(t, in, fs)
		if len(fs) != 1 || fs[0].Category != CategoryAddress || fs[0].Match != want {
			t.Errorf("Scan(%q) = %+v, want address %q", in, fs, want)
		}
	}
	for _, s := range []string{
		"Vado via alle 10.", "en la calle a las 5", "Plaza Mayor", "camino 5 minutos", "la calle 3 veces",
		"il reste 5 places", "5 close friends", "by the way 10 people", "nos vemos en Plaza de España",
		"ci vediamo a Piazza Venezia alle 10", "strada lunga 3 km",
		"road 66", "Responde 12345", "12345 gracias", "at 10:00 on 3 June",
		"Ne vedem la Piața Unirii la ora 10", "el paseo de 2 horas",
	} {
		if fs := f.Scan(s); len(fs) != 0 {
			t.Errorf("%q flagged: %+v", s, fs)
		}
	}
}

func TestFindingsSortedMerged(t *testing.T) {
	f := mustFilter(t)
	// "ong" inside the e-mail and the URL inside it merge into one span;
	// a removed acronym takes its article.
	text := "ayuda@ong.org y la ONG, la ONG"
	fs := f.Scan(text)
	checkFindings(t, text, fs)
	if len(fs) != 3 || fs[0].Category != CategoryEmail || fs[0].Match != "ayuda@ong.org" || fs[1].Match != "la ONG" {
		t.Errorf("%+v", fs)
	}
	// An address swallows a term inside it.
	expectSpans(t, f, "Calle Policía Nacional 5", "address:Calle Policía Nacional 5")
}

func TestExtraTerms(t *testing.T) {
	f, err := NewFilter(filepath.Join("testdata", "terms.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Terms() <= mustFilter(t).Terms() {
		t.Errorf("extra terms not added: %d", f.Terms())
	}
	expectSpans(t, f, "Saludos de la FUNDACION ESPERANZA NUEVA", "organisation:FUNDACION ESPERANZA NUEVA")
	expectSpans(t, f, "Lucia Ferrer te llamará", "organisation:Lucia Ferrer")
	expectSpans(t, f, "al carrer d’Elisabets", "address:carrer d’Elisabets")
	expectSpans(t, f, "la UFAM", "legal:la UFAM") // an acronym takes its article
	expectSpans(t, f, "esperanza nueva", "organisation:esperanza nueva")
	expectSpans(t, f, "una nueva esperanza")

	// NewFilterWithTerms, stems.
	f2, err := NewFilterWithTerms([]Term{{Category: CategoryOrganisation, Text: "Aurora*"}, {Category: "organization", Text: "Casa Lila"}})
	if err != nil {
		t.Fatal(err)
	}
	expectSpans(t, f2, "de Aurorae y casa lila", "organisation:Aurorae", "organisation:casa lila")

	bad := []struct{ body, want string }{
		{"nonsense line\n", "expected"},
		{"colour: red\n", "unknown category"},
		{"organisation: x\n", "too short"},
		{"organisation: ---\n", "no letter"},
		{"organisation: ab-*\n", "stem"},
		{"organisation: " + strings.Repeat("a", 300) + "\n", "too long"},
	}
	for _, b := range bad {
		p := filepath.Join(t.TempDir(), "terms.txt")
		os.WriteFile(p, []byte("# ok\n\norganisation: Casa Lila\n"+b.body), 0o644)
		_, err := NewFilter(p)
		if errs.Code(err) != CodeInvalidTerms || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), ":4:") {
			t.Errorf("%q: %v", b.body, err)
		}
		if err != nil && strings.Contains(err.Error(), "red") && b.want == "unknown category" {
			t.Errorf("error echoes the line: %v", err)
		}
	}
	if _, err := NewFilter(filepath.Join(t.TempDir(), "none.txt")); errs.Code(err) != CodeInvalidTerms {
		t.Errorf("missing file: %v", err)
	}
	if _, err := NewFilterWithTerms([]Term{{Category: "bogus", Text: "abc"}}); errs.Code(err) != CodeInvalidTerms {
		t.Errorf("bad category: %v", err)
	}
}

func TestStripPolicy(t *testing.T) {
	f := mustFilter(t)
	cases := []struct{ in, want string }{
		{"Hola, te espera la psicóloga mañana.", "Hola, te espera mañana."},
		{"Nos vemos en la comisaría a las 10.", "Nos vemos a las 10."},
		{"Llámame (tel. 612 345 678) mañana.", "Llámame mañana."},
		{"Mi correo: maria@ong.org. Gracias", "Gracias"},
		{"Je t'attends au 12 rue de la Paix, à 10h.", "Je t'attends, à 10h."},
		{"Call me at 07700 900123 or email a@b.org!", "Call me!"},
		{"Ve a ver a tu abogada (la de siempre).", "Ve a ver (la de siempre)."},
		{"La policía, el juez y la abogada.", ""},
		{"¿Has hablado con la policía?", "¿Has hablado?"},
		{"¿La policía?", ""},
		{"Vieni con l'avvocato domani", "Vieni domani"},
		{"Parla con dell'avvocato", "Parla"},
		{"trata maria@x.org de personas", ""},
		{"Hola,\nla psicóloga te llamará.\n\n\n\nAdiós", "Hola,\nte llamará.\n\nAdiós"},
		{"Cita:  martes [www.ong.org]  10:00", "Cita: martes 10:00"},
		{"Hola ,  mira www.x.com , ¿vale ?", "Hola, mira, ¿vale?"},
		{"Quedamos en Calle Mayor 5, 28013 Madrid.", "Quedamos."}, // the postcode and its city complete the address
		{"Il mio numero è 333 123 4567", "Il mio numero è"},
		{"O meu número é 912 345 678", "O meu número é"},
		{"Mon téléphone : 06 12 34 56 78, à bientôt", "à bientôt"},
		{"Ne vedem în Piața Unirii nr. 3", "Ne vedem"},
	}
	for _, c := range cases {
		got, fs := f.Strip(c.in)
		if got != c.want {
			t.Errorf("Strip(%q) = %q, want %q", c.in, got, c.want)
		}
		if len(fs) == 0 {
			t.Errorf("Strip(%q): no findings", c.in)
		}
		checkFindings(t, c.in, fs)
		if again := f.Scan(got); len(again) != 0 {
			t.Errorf("Strip(%q) = %q still has %+v", c.in, got, again)
		}
	}
	// A benign text is returned as is, spacing and all.
	for _, s := range []string{"Hola  ,  ¿qué tal ?", "Salut, ça va ? Bisous !", ""} {
		if got, fs := f.Strip(s); got != s || fs != nil {
			t.Errorf("Strip(%q) = %q, %v", s, got, fs)
		}
	}
}
