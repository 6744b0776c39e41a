package templates

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// caught: the text has a finding covering want.
func caught(f *Filter, o ScanOptions, text, want string) bool {
	i := strings.Index(text, want)
	if i < 0 {
		panic("probe not in text: " + want)
	}
	for _, x := range f.ScanWith(text, o) {
		if x.Start <= i && i+len(want) <= x.End {
			return true
		}
	}
	return false
}

// Inflected forms match by stem, in the message's language.
func TestStemmedForms(t *testing.T) {
	f := mustFilter(t)
	for _, c := range []struct{ lang, text, want string }{
		{"es", "los tratantes ya no están", "tratantes"},
		{"es", "tu declaración y tus declaraciones", "declaraciones"},
		{"es", "el abogado y las abogadas", "abogadas"},
		{"es", "el fiscal quiere que declares", "declares"},
		{"en", "the men who arrested him", "arrested"},
		{"en", "she was exploited", "exploited"},
		{"en", "your witness statements", "witness statements"},
		{"fr", "les proxénètes sont partis", "proxénètes"},
		{"fr", "elle a témoigné hier", "témoigné"},
		{"it", "gli sfruttatori e le avvocate", "avvocate"},
		{"pt", "as testemunhas protegidas", "testemunhas protegidas"},
		{"ro", "traficanților și avocaților", "traficanților"},
		{"ro", "poliției", "poliției"},
		{"ca", "les advocades del torn", "advocades"},
		{"ca", "els tractants", "tractants"},
		{"es", "las casas de acogida", "casas de acogida"},
		{"es", "los permisos de residencia", "permisos de residencia"},
	} {
		if !caught(f, ScanOptions{Lang: c.lang}, c.text, c.want) {
			t.Errorf("%s: %q not caught in %q: %+v", c.lang, c.want, c.text, f.ScanWith(c.text, ScanOptions{Lang: c.lang}))
		}
	}
}

// The over-reach guard: stems shared with common benign words are not
// used, so those benign words pass; the exceptions are listed.
func TestStemExceptions(t *testing.T) {
	f := mustFilter(t)
	ex := strings.Join(f.StemExceptions(), " ")
	for _, want := range []string{"es:trafic", "en:hear", "es:trat", "pt:abrig"} {
		if !strings.Contains(" "+ex+" ", " "+want+" ") {
			t.Errorf("stem exception %s missing from %s", want, ex)
		}
	}
	for _, c := range []struct{ lang, text string }{
		{"es", "Tienes cita el martes, te cito a las 10"},
		{"es", "Hay mucho tráfico en la M-30"},
		{"en", "I can't hear you, I heard the bus"},
		{"en", "Traffic is bad today"},
		{"fr", "On se voit à l'arrêt de bus, je m'arrête là"},
		{"it", "C'è traffico in centro"},
		{"pt", "Leva um abrigo, está frio"},
		{"es", "Se trata de una reunión corta"},
		{"es", "Me apunto al curso de política"},
	} {
		if fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang}); len(fs) != 0 {
			t.Errorf("%s: benign %q flagged: %+v", c.lang, c.text, fs)
		}
	}
}

// The stop list: benign look-alikes named in the issue.
func TestStopList(t *testing.T) {
	f := mustFilter(t)
	for _, c := range []struct{ lang, text string }{
		{"en", "Tennis is on court 3 at 6pm"},
		{"en", "Meet me outside Tottenham Court Road"},
		{"en", "Wait for me at the bus shelter"},
		{"en", "It's a free trial week"},
		{"fr", "Mets le titre en police Arial, taille de police 14"},
		{"fr", "Le court 3 du gymnase"},
		{"es", "Quedamos en Metro Tribunal a las 10"},
		{"es", "A mi juicio es mejor el lunes"},
		{"es", "Te ayudo con la declaración de la renta"},
		// A stop phrase around the word a clause grew from drops the clause.
		{"en", "My treat, I owe you a coffee!"},
		{"it", "Tuo figlio ha il debito formativo in matematica"},
	} {
		if fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang}); len(fs) != 0 {
			t.Errorf("%s: %q flagged: %+v", c.lang, c.text, fs)
		}
	}
	// A stop phrase does not hide a real finding next to it.
	if !caught(f, ScanOptions{Lang: "en"}, "court 3, then the court hearing", "hearing") {
		t.Error("hearing next to a stop phrase not caught")
	}
	// A deployment's own stop list.
	g, err := NewFilterFrom(FilterConfig{Stop: []string{"Plaza del Juzgado"}})
	if err != nil {
		t.Fatal(err)
	}
	if fs := g.Scan("Nos vemos en la Plaza del Juzgado"); len(fs) != 0 {
		t.Errorf("deployment stop phrase: %+v", fs)
	}
}

// Obfuscation probes: separators inside a word, digits for letters,
// repeated letters, look-alike letters of other scripts.
func TestObfuscationFolds(t *testing.T) {
	f := mustFilter(t)
	probes := []string{
		"p.o.l.i.c.e", "p o l i c e", "p-o-l-i-c-e", "p_o_l_i_c_e", "p*o*l*i*c*e", "s.h.e.l.t.e.r", "s h e l t e r",
		"p0lice", "v1ct1m", "tr4ff1ck3r", "abu$o", "sh_elter", "sh*elter", "poliiiicia", "shellllter",
		"pоlice" /* Cyrillic о */, "ѕhelter" /* Cyrillic ѕ */, "αsylum" /* Greek α */, "ＰＯＬＩＣＥ", "O.N.G",
	}
	for _, p := range probes {
		if !caught(f, ScanOptions{}, "hola "+p+" adiós", p) {
			t.Errorf("%q not caught: %+v", p, f.Scan("hola "+p+" adiós"))
		}
	}
	for _, s := range []string{"10h00", "9h30-11h00", "Metro L3", "bus V15", "2º 1ª", "1er juin", "mp3", "SW1A", "a.m.", "p.ej.",
		"E.E.U.U.", "S.L.", "plan A o B", "Hola!!! Qué tal???", "siiii", "besooos"} {
		if fs := f.Scan(s); len(fs) != 0 {
			t.Errorf("benign %q flagged: %+v", s, fs)
		}
	}
}

// Domains whatever their case and however the dot is written; handles.
func TestDomainsSpelledAndCased(t *testing.T) {
	f := mustFilter(t)
	for _, c := range []struct{ text, want string }{
		{"mira Bit.Ly/x hoy", "Bit.Ly/x"},
		{"en EXAMPLE.ORG", "EXAMPLE.ORG"},
		{"example dot org", "example dot org"},
		{"ejemplo punto org", "ejemplo punto org"},
		{"example[.]org", "example[.]org"},
		{"example(.)org/help", "example(.)org/help"},
		{"EXAMPLE (dot) ORG", "EXAMPLE (dot) ORG"},
		{"esperanza。org", "esperanza。org"},
		{"sígueme en @ayuda_ong", "@ayuda_ong"},
	} {
		if !caught(f, ScanOptions{}, c.text, c.want) {
			t.Errorf("%q not caught in %q: %+v", c.want, c.text, f.Scan(c.text))
		}
	}
	for _, s := range []string{"mañana.Es tarde", "el punto es que vienes", "un point de rendez-vous", "a las 10.30"} {
		if fs := f.Scan(s); len(fs) != 0 {
			t.Errorf("benign %q flagged: %+v", s, fs)
		}
	}
}

// Phone numbers spelt in words or split by a word; emergency numbers alone
// or after a word for calling.
func TestNumbersInWordsAndHotlines(t *testing.T) {
	f := mustFilter(t)
	for _, c := range []struct{ text, want string }{
		{"llámame al seis uno dos tres cuatro cinco seis siete ocho", "seis uno dos tres cuatro cinco seis siete ocho"},
		{"call six one two, three four five, six seven eight", "six one two, three four five, six seven eight"},
		{"mi número es 612 345 y luego 678", "612 345 y luego 678"},
		{"llama al 016", "016"},
		{"call 999 now", "999"},
		{"appelle le 17", "17"},
		{"le 3919 est gratuit", "3919"},
		{"chiama il 1522", "1522"},
		{"116 006", "116 006"},
		{"sună la 112", "112"},
	} {
		if !caught(f, ScanOptions{}, c.text, c.want) {
			t.Errorf("%q not caught in %q: %+v", c.want, c.text, f.Scan(c.text))
		}
	}
	for _, s := range []string{"el 17 de junio", "a las 17", "je t'appelle mercredi 15 janvier", "uno o dos", "a las dos y media",
		"de 10 a 12 y de 16 a 18", "el bus 17", "tres y cuatro"} {
		if fs := f.Scan(s); len(fs) != 0 {
			t.Errorf("benign %q flagged: %+v", s, fs)
		}
	}
}

// The address scanner does not join an acronym ending a sentence with the
// next sentence: the day and time of the meeting stay.
func TestAddressDoesNotCrossSentence(t *testing.T) {
	f := mustFilter(t)
	for _, s := range []string{
		"Ha llamado la del SOS. Martes 3 a las 10 en Metro Sol.",
		"Ve al PG. Dijous 5 a les 10.",
		"Avisa a la ST. Lunes 12 nos vemos.",
	} {
		for _, x := range f.Scan(s) {
			if x.Category == CategoryAddress {
				t.Errorf("%q: address %q", s, x.Match)
			}
		}
	}
	expectSpans(t, f, "Av. Diagonal 123", "address:Av. Diagonal 123")
	// A time before a place name is no house number.
	for _, s := range []string{"On se voit lundi 10h Place de la République", "Meet at 11 at Trafalgar Square?"} {
		for _, x := range f.Scan(s) {
			if x.Category == CategoryAddress {
				t.Errorf("%q: address %q", s, x.Match)
			}
		}
	}
	expectSpans(t, f, "at 10 Downing Street", "address:10 Downing Street")
	// A postcode completes the address or the place with its district
	// before it; a day is no place.
	expectSpans(t, f, "Str. Baba Novac 10, 031621, merg eu", "address:Str. Baba Novac 10, 031621")
	expectSpans(t, f, "au CeGIDD (Paris 18e, 75018) demain", "health:au CeGIDD", "address:Paris 18e, 75018")
	expectSpans(t, f, "C/ Ample 2, 08002 Barcelona, 1r pis", "address:C/ Ample 2, 08002 Barcelona", "address:1r pis")
	expectSpans(t, f, "Nos vemos el Lunes, 12345 es el código")
}

// Monitored phones: format controls and mixed scripts are refused.
func TestMonitoredProblem(t *testing.T) {
	for in, want := range map[string]string{
		"hola \u202eecilop\u202c mañana": ReasonFormatControl,
		"la poli\u200bcía":               ReasonFormatControl,
		"la poli\u00adcía":               ReasonFormatControl,
		"la pоlicía":                     ReasonMixedScript, // Cyrillic о
		"hola, ¿qué tal? 😊":              "",
		"👩\u200d👧 abrazos":               "",
		"Привет, как дела":               "",
		"Bună, ce faci? Mulțumesc":       "",
	} {
		if got := MonitoredProblem(in); got != want {
			t.Errorf("MonitoredProblem(%q) = %q, want %q", in, got, want)
		}
	}
}

// unknown_name: acronyms and capitalised names the filter cannot place,
// except known names, days, months, greetings, the name a greeting
// addresses and sentence starts.
func TestUnknownNames(t *testing.T) {
	f := mustFilter(t)
	o := ScanOptions{Lang: "es", UnknownNames: true, KnownNames: []string{"Metro Sol"}}
	fs := f.ScanWith("Hola María, el lunes vamos al SAPS con Juan en Metro Sol. Mañana te llama Ana Pérez de Fundación Lila.", o)
	var got []string
	for _, x := range fs {
		if x.Category == CategoryUnknownName {
			got = append(got, x.Match)
		}
	}
	// "María" is the name the greeting addresses: her own. An acronym
	// takes its article ("al SAPS").
	if want := "al SAPS Juan Ana Pérez"; !strings.HasPrefix(strings.Join(got, " "), want) {
		t.Errorf("unknown names %q, want %q first", got, want)
	}
	for _, x := range got {
		if x == "Metro Sol" || x == "Hola" || x == "Mañana" || x == "lunes" || x == "María" {
			t.Errorf("%q flagged", x)
		}
	}
	if fs := f.ScanWith("LOS MOSSOS TE ESPERAN EN LA PUERTA", o); len(fs) != 1 {
		t.Errorf("all capitals: %+v", fs)
	}
	if fs := f.ScanWith("Te mando un SMS, OK?", o); len(fs) != 0 {
		t.Errorf("benign acronyms: %+v", fs)
	}
	// Informal greetings and wishes address her; the sender presents
	// herself in the first sentence; a bus line is no name.
	for _, c := range []struct{ lang, text string }{
		{"es", "Oye Fati, haz los deberes antes del viernes"},
		{"es", "Feliz cumple Rosa!! Nos vemos a las 18h"},
		{"en", "Happy bday Rosa!! see u at 6"},
		{"ro", "La multi ani Rosa!! ne vedem la 18"},
		{"it", "Auguri Rosa!! ci vediamo alle 18"},
		{"es", "Hola, soy Carmen. Te llamo el lunes"},
		{"ca", "Hola, soc la Montse. Et truco dilluns"},
		{"fr", "Bonjour c'est Sophie. Je t'appelle lundi"},
		{"en", "Hi its Kate. Ring u tmrw"},
		{"ca", "quan surtis agafa el V15 fins a la plaça"},
	} {
		if fs := f.ScanWith(c.text, ScanOptions{Lang: c.lang, UnknownNames: true}); len(fs) != 0 {
			t.Errorf("%s: %q flagged: %+v", c.lang, c.text, fs)
		}
	}
	// Only in the first sentence: later, "soy" does not make a name known.
	if !caught(f, ScanOptions{Lang: "es", UnknownNames: true}, "Mañana a las 10. Dile que soy Kalayaan", "Kalayaan") {
		t.Error("a name after an introduction verb later in the text not flagged")
	}
}

// TestFoldCost measures what each obfuscation fold costs in false
// positives on the corpus's items that must stay and the benign sentences
// of the language tests: over-strip with the fold, and without it (-v).
func TestFoldCost(t *testing.T) {
	msgs, err := loadCorpusDir(filepath.Join("testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	msgs = heldoutPart(msgs, false)
	f := mustFilter(t)
	var benign []string
	for _, l := range ShippedLanguages {
		benign = append(benign, corpus[l].benign...)
	}
	flagged := func() (int, int) {
		over := evalCorpus(f, msgs, false).all.over
		b := 0
		for _, s := range benign {
			if len(f.Scan(s)) > 0 {
				b++
			}
		}
		return over, b
	}
	o0, b0 := flagged()
	t.Logf("all folds: %d corpus items over-stripped, %d of %d benign sentences flagged", o0, b0, len(benign))
	for _, fold := range []struct {
		name string
		bit  uint8
	}{{"spelt letters", foldSpelled}, {"digits for letters", foldLeet}, {"glued _ *", foldGlue}, {"repeated letters", foldSqueeze}} {
		disabledFolds = fold.bit
		g, err := newFilter(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		over := evalCorpus(g, msgs, false).all.over
		b := 0
		for _, s := range benign {
			if len(g.Scan(s)) > 0 {
				b++
			}
		}
		disabledFolds = 0
		t.Logf("without %-18s %d corpus items over-stripped, %d benign sentences flagged: the fold costs %d and %d",
			fold.name+":", over, b, o0-over, b0-b)
		if o0-over > 0 || b0-b > 0 {
			t.Errorf("fold %s costs false positives", fold.name)
		}
	}
	_ = fmt.Sprint()
}

// TestLexiconCounts keeps the table of lexicon/README.md true.
func TestLexiconCounts(t *testing.T) {
	ts, err := BuiltinTerms()
	if err != nil {
		t.Fatal(err)
	}
	cnt := map[string][6]int{}
	col := map[Category]int{CategoryOrganisation: 0, CategoryExploitation: 1, CategoryLegal: 3, CategoryHealth: 4}
	for i, tm := range ts {
		l := "common"
		if builtinTermLang[i] != langAny {
			l = stemLangs[builtinTermLang[i]]
		}
		c := cnt[l]
		k, ok := col[tm.Category]
		if tm.Clause {
			k, ok = 2, true
		}
		if !ok {
			t.Fatalf("%s: a term of category %s", l, tm.Category)
		}
		c[k]++
		c[5]++
		cnt[l] = c
	}
	readme, err := lexiconFS.ReadFile("lexicon/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for l, c := range cnt {
		row := fmt.Sprintf("| %s | %d | %d | %d | %d | %d | %d |", l, c[0], c[1], c[2], c[3], c[4], c[5])
		if !strings.Contains(string(readme), row) {
			t.Errorf("lexicon/README.md lacks the row %s", row)
		}
	}
}

// Two lexicon heads with one 32-bit hash share a slot of the token index:
// both must still be found.
func TestTokenIndexHashCollision(t *testing.T) {
	seen := map[uint32]string{}
	var a, b string
	for i := 0; a == ""; i++ {
		w := "zq" + strconv.FormatInt(int64(i), 26)
		w = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return 'a' + (r - '0') + 16
			}
			return r
		}, w)
		h := hash32(hashStr(w))
		if o, ok := seen[h]; ok && o != w {
			a, b = o, w
		}
		seen[h] = w
	}
	f, err := NewFilterWithTerms([]Term{{Category: CategoryOrganisation, Text: a}, {Category: CategoryLegal, Text: b}})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{a, b} {
		if fs := f.Scan("hola " + w + " adios"); len(fs) != 1 || fs[0].Match != w {
			t.Errorf("%q (colliding with the other) not found: %+v", w, fs)
		}
	}
}

// A first name that opens the sentence of a clause is her name, not part
// of the clause; a name right before the matched words is the one the
// clause is about. An offer's clause ends before "this weekend" as
// before "on Saturday". A name after "Hiya", "Bjr" or "Bonne soirée" is
// the one addressed.
func TestClauseVocativeAndGreetings(t *testing.T) {
	f := mustFilter(t)
	scan := func(lang, text string) []string {
		var got []string
		for _, x := range f.ScanWith(text, ScanOptions{Lang: lang, UnknownNames: true}) {
			got = append(got, string(x.Category)+":"+x.Match)
		}
		return got
	}
	cases := []struct{ lang, text, want string }{
		{"en", "Amina u dont owe them a penny. See u Fri", "exploitation:u dont owe them a penny"},
		{"ro", "Maria nu le datorezi nimic. Vb vineri", "exploitation:nu le datorezi nimic"},
		{"en", "Rose who brought you here is not your friend", "exploitation:Rose who brought you here"},
		{"en", "they can house u this weekend", "organisation:can house u"},
		{"en", "Hiya Sophie, r u free Sat afternoon?", ""},
		{"fr", "Ok c noté pour jeudi 10h. Bonne soirée Mirela", ""},
		{"it", "Coraggio Peace, ci vediamo sabato alle 11", ""},
	}
	for _, c := range cases {
		if got := strings.Join(scan(c.lang, c.text), " | "); got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.lang, c.text, got, c.want)
		}
	}
}
