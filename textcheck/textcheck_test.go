package textcheck

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"safecontact/errs"
)

func code(err error) string {
	if err == nil {
		return ""
	}
	return errs.Code(err)
}

func TestChars(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"plain", "she asked us to stop", true},
		{"accents", "consentimiento verbal, anotado por la técnica", true},
		{"cyrillic", "устное согласие", true},
		{"no-break space", "formulaire signé\u00a0: oui", true},
		{"emoji", "ok 👍", true},
		{"NUL", "abc\x00def", false},
		{"newline", "line one\nline two", false},
		{"tab", "a\tb", false},
		{"CR", "a\rb", false},
		{"ESC (terminal escape)", "a\x1b[2Kb", false},
		{"DEL", "a\x7fb", false},
		{"C1 (CSI)", "a\u009bb", false},
		{"RLO bidi override", "abc\u202edef", false},
		{"LRI bidi isolate", "abc\u2066def", false},
		{"Arabic letter mark", "abc\u061cdef", false},
		{"zero-width space", "ab\u200bcd", false},
		{"zero-width joiner", "ab\u200dcd", false},
		{"soft hyphen", "ab\u00adcd", false},
		{"BOM", "\ufeffabc", false},
		{"tag character", "ab\U000E0041", false},
		{"line separator", "ab\u2028cd", false},
		{"private use", "ab\ue000cd", false},
		{"noncharacter", "ab\ufffecd", false},
		{"ideographic space", "ab\u3000cd", false},
		{"invalid UTF-8", "ab\xffcd", false},
		{"replacement character", "ab\ufffdcd", false},
	} {
		err := Chars("reason", tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: ok=%v, got %v", tc.name, tc.ok, err)
		}
		if err != nil && (code(err) != CodeInvalidText || strings.Contains(err.Error(), tc.in)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Kind
	}{
		{"she asked us to stop", None},
		{"verbal consent, recorded by the caseworker on 2026-05-12", None},
		{"signed 12/05/2026, form filed", None},
		{"signed 12.05.2026", None},
		{"Room 2, second floor", None},
		{"form 117", None},
		{"signed form F-2026-114", None},
		{"form SC/2026/0042", None},
		{"call 612 34", None}, // too short to be a number
		{"F-612345678", Number},
		{"sala 1234", None},
		{"M.R. agreed in person", None},
		{"via WhatsApp twice", None},
		{"call her on 612 345 678", Number},
		{"612345678", Number},
		{"new number is 612 345 999", Number},
		{"+34 6", Number},
		{"ends in 45678", Number},
		{"NIE X1234567L", Number},
		{"postcode 08014", Number},
		{"(93) 412-00-1", Number},
		{"2026-13-40 is not a date", Number},
		{"write to ayuda@ong.org", Email},
		{"see https://example.org/x", Link},
		{"www.example.com", Link},
		{"ong-ayuda.es", Link},
		{"Calle Mayor 5", Address},
		{"c/ Pelai 12", Address},
		{"Carrer de Pelai, 3", Address},
		{"Via Roma 10", Address},
		{"12 rue de la Paix", Address},
		{"221B Baker Street", Address},
		{"Rua Augusta 25", Address},
		{"Strada Lipscani nr. 5", Address},
		{"Strada Lipscani 5", Address},
		{"Plaza Mayor 3", Address},
		{"Plaza Mayor meeting 3 times", None},
		{"contacted via WhatsApp 3 times", None},
	} {
		if got := Find(tc.in); got != tc.want {
			t.Errorf("Find(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Numbers however they are typed: other scripts' digits, full-width
// forms, every kind of space, dash, comma or underscore between the
// groups, letters glued before them.
func TestFindNumbersHoweverTyped(t *testing.T) {
	for _, s := range []string{
		"call her on ６１２ ３４５ ６７８",           // full-width digits
		"call her on ٦١٢٣٤٥٦٧٨",             // Arabic-Indic digits
		"call her on ۶۱۲۳۴۵۶۷۸",             // Extended Arabic-Indic (Persian)
		"call her on ६१२३४५६७८",             // Devanagari
		"call her on 612\u00a0345\u00a0678", // no-break spaces
		"call her on 612\u2009345\u2009678", // thin spaces
		"call her on 612\u202f345\u202f678", // narrow no-break spaces
		"call her on 612 - 345 - 678",       // space, hyphen, space
		"call her on 612, 345, 678",         // commas
		"call her on 612_345_678",           // underscores
		"call her on 612–345–678",           // en dash
		"call her on 612—345—678",           // em dash
		"call her on 612‐345‐678",           // Unicode hyphen
		"call her on 612 / 345 / 678",       // slashes
		"call her on 612   345   678",       // three spaces
		"call her on (612) [345] 678",       // brackets
		"call her on 612.345.678",           // dots
		"call her on 612:345:678",           // colons
		"call her on 612·345·678",           // middle dots
		"tel-612 34 56 78",                  // a label glued with a dash
		"Tel/612345678x",                    // glued both sides
		"M-612-345-678",                     // the shape of a form reference
		"F-612345678",
		"her sister: +  34 612 345 678", // plus, then spaces
		"(+34) 6",
		"grant of 1.500.000 lire", // 7 digits in groups: refused, write "1.5 million"
		"02/06/2026 612 345 678",  // a date does not hide the number after it
		"F-2026-114 567",          // a reference followed by more digits
		"F-2026-12345",            // a serial of 5 significant digits
		"F-1234-5678",             // not a year
		"F-2026-114-678",
		"1.24 220 442",        // a time followed by more digits starts a number
		"10:30 013/55 44",     // idem
		"612 (2009-38",        // a bracket inside a run: no date after it
		"0812 +5.00",          // nor after a plus
		"call +34 02/06/2026", // a plus: the rest is the number
	} {
		if k := Find(s); k != Number {
			t.Errorf("Find(%q) = %q, want a number", s, k)
		}
	}
}

// What staff write that is not a contact detail.
func TestFindAllows(t *testing.T) {
	for _, s := range []string{
		"moved to 02/06/2026 10:30 at her request",
		"moved to 2026-06-02 14:00",
		"visit moved to 02/06/2026 10:30, calling to confirm",
		"visit moved to 2026-06-02 14:00, calling to confirm",
		"seen 01/06/2026-05/06/2026",
		"from 10.00-12.30 on 3.6.2025",
		"at 10:30:00",
		"school year 2024-2025, then 2025/26",
		"she came in on 3 June 2026, 10 30 to 11 00",
		"on June 3, 2026, 10 30",
		"el 3 de junio de 2026, 10 30",
		"room 12, third floor",
		"via Zoom with interpreter",
		"Plaza Mayor meeting 3 times",
		"St. Anne hospital 2nd visit",
		"M.R. agreed in person",
		"M.R.es consent",
		"2+3 sessions",
		"+1 visit",
		"ok.then we agreed",
		"she came (02/06/2026) with her sister",
		"room 12, 02/06/2026 at 10:30",
	} {
		if k := Find(s); k != None {
			t.Errorf("Find(%q) = %q, want none", s, k)
		}
	}
}

// Form references: a short list of explicit shapes — a year, "-" or "/",
// and a serial of at most 4 significant digits, as the whole number, with
// any letters or words before it. Table-tested both ways.
func TestFormReferences(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"signed form F-2026-114", true},
		{"see form F-2026-00114", true},
		{"form SC/2026/0042", true},
		{"form SC 2026-114 signed", true},
		{"paper form 2026/114 filed", true},
		{"ref. 2026-7", true},
		{"F-2026-000114", true}, // six digits, four significant
		{"F-612345678", false},
		{"M-612-345-678", false},
		{"tel-612 34 56 78", false},
		{"F-2026-12345", false},
		{"F-2026-0012345", false},
		{"F-2026-114 567", false},
		{"F-2026-114-678", false},
		{"F-1234-5678", false},
		{"F-2026 114 567", false},
		{"+2026-114", false},
		{"F-2026-114/612 345", false},
	} {
		if got := Find(c.in) == None; got != c.ok {
			t.Errorf("Find(%q) = %q, want allowed=%v", c.in, Find(c.in), c.ok)
		}
	}
}

func TestFindLinksAndHandles(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Kind
	}{
		{"contact t.me/anna_k", Link},
		{"see gmail.com/anna", Link},
		{"see anna.ru", Link},
		{"see anna.ru.", Link},
		{"(anna.ru)", Link},
		{"her page facebook.com/anna.k", Link},
		{"write to пример.рф", Link},
		{"tg://resolve?domain=anna", Link},
		{"instagram @anna_k_1990", Handle},
		{"on telegram @anna", Handle},
		{"anna＠gmail.com", Email},
		{"anna@gmail", Email},
		{"meet @ 10", None},
		{"she said ok.", None},
		{"version 1.5 of the form", None},
		{"a.m. and p.m.", None},
	} {
		if got := Find(c.in); got != c.want {
			t.Errorf("Find(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Street addresses in the programme's languages and the ones the
// review found (de, ru, uk), including glued abbreviations.
func TestFindAddresses(t *testing.T) {
	for _, s := range []string{
		"lives at C/Mayor 5",         // es, glued
		"calle del Carmen 12",        // es
		"Avda. de la Constitución 3", // es
		"Av.Diagonal 640",            // es, glued
		"Carrer de Pelai, 3",         // ca
		"Passeig de Gràcia 21",       // ca
		"Via Roma 10",                // it
		"Piazza della Signoria 5",    // it
		"Corso Buenos Aires 45",      // it
		"12 rue de la Paix",          // fr
		"Boulevard Haussmann 40",     // fr
		"Rua Augusta 25",             // pt
		"Praça do Comércio 8",        // pt
		"Strada Lipscani nr. 5",      // ro
		"Calea Victoriei 12",         // ro
		"221B Baker Street",          // en
		"lives at 5th Avenue 12",     // en
		"Oak Road 14",                // en
		"lives at Hauptstraße 5",     // de
		"Berliner Straße 12",         // de
		"Musterweg 3a",               // de
		"Kalverstraat 92",            // nl
		"lives at ул. Ленина 5",      // ru
		"ул.Ленина, д. 5",            // ru, glued
		"проспект Мира 10",           // ru
		"lives at вул. Шевченка 12",  // uk
		"вулиця Хрещатик 22",         // uk
	} {
		if k := Find(s); k != Address {
			t.Errorf("Find(%q) = %q, want an address", s, k)
		}
	}
}

// The old reason check (the discreet filter's phone detection) refused
// these; textcheck refuses at least as much (testdata/reason_refusals.txt,
// also run through the filter itself in the gateway package).
func TestRefusesWhatTheOldReasonCheckRefused(t *testing.T) {
	cases := ReadCases(t, "testdata/reason_refusals.txt")
	if len(cases) < 40 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, s := range cases {
		if err := Free("reason", s); err == nil {
			t.Errorf("accepted %q", s)
		}
	}
}

// ReadCases reads a file of Go-quoted strings, one a line ("#" comments).
func ReadCases(t testing.TB, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := strconv.Unquote(line)
		if err != nil {
			t.Fatalf("%s: %q: %v", path, line, err)
		}
		out = append(out, s)
	}
	return out
}

func TestFreeNeverEchoes(t *testing.T) {
	for _, in := range []string{"call 612345678", "ayuda@ong.org", "Calle Mayor 5", "a\x00b"} {
		err := Free("evidence", in)
		if err == nil {
			t.Fatalf("%q accepted", in)
		}
		e := err.(*errs.Error)
		if e.Field != "evidence" || strings.Contains(e.Message, in) {
			t.Errorf("%q: %+v", in, e)
		}
	}
}

func TestUserName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		code     string
	}{
		{"alice", "alice", ""},
		{"  maria.lopez ", "maria.lopez", ""},
		{"jose_m-2", "jose_m-2", ""},
		{"josé", "jos\u00e9", ""},
		{"jose\u0301", "jos\u00e9", ""}, // NFC
		{"Ольга", "Ольга", ""},
		{"a", "", CodeInvalidUserName},
		{strings.Repeat("a", 64), strings.Repeat("a", 64), ""},
		{strings.Repeat("é", 64), strings.Repeat("é", 64), ""}, // characters, not bytes
		{strings.Repeat("a", 65), "", CodeInvalidUserName},
		{"al ice", "", CodeInvalidUserName},
		{"ali/ce", "", CodeInvalidUserName},
		{"1alice", "", CodeInvalidUserName},
		{"аdmin", "", CodeInvalidUserName}, // Cyrillic а + Latin
		{"ad\x1b[2Kmin", "", CodeInvalidText},
		{"admin\nroot", "", CodeInvalidText},
		{"adm\u202ein", "", CodeInvalidText},
		{"a612345678", "", CodeInvalidUserName},
		{"+34612345678", "", CodeInvalidUserName},
		{"a\x00", "", CodeInvalidText},
		{"ａｄｍｉｎ-user", "", CodeInvalidUserName}, // full-width
		{"ﬁona", "", CodeInvalidUserName},       // ligature
		{"admin-uſer", "", CodeInvalidUserName}, // long s
		{"admin²", "", CodeInvalidUserName},     // superscript digit
		{"Ꭺdmin-user", "", CodeInvalidUserName}, // Cherokee and Latin
		{"admin—user", "", CodeInvalidUserName}, // em dash
		{"maria-2026-01", "maria-2026-01", ""},
	} {
		got, err := UserName("name", tc.in)
		if code(err) != tc.code || got != tc.want {
			t.Errorf("UserName(%q) = %q, %v; want %q, %s", tc.in, got, err, tc.want, tc.code)
		}
	}
}

func TestSkeleton(t *testing.T) {
	if Skeleton("аdmin") != Skeleton("admin") || Skeleton("ADMIN") != Skeleton("admin") || Skeleton("a1ice") != Skeleton("alice") {
		t.Fatal("look-alikes have different skeletons")
	}
	base := Skeleton("admin-user")
	for _, n := range []string{"ADMIN-USER", "Admin-User", "adrnin-user", "admın-user", "admin_user", "admin.user", "ａｄｍｉｎ-user", "admin-uſer"} {
		if Skeleton(n) != base {
			t.Errorf("%q is a look-alike of admin-user but its skeleton differs", n)
		}
	}
	if Skeleton("ﬁona") != Skeleton("fiona") {
		t.Error("ligature")
	}
	if Skeleton("admin-user1") == base || Skeleton("admin-users") == base {
		t.Error("a different name has the same skeleton")
	}
	if Skeleton("alice") == Skeleton("bob") {
		t.Fatal("different names, same skeleton")
	}
}

func FuzzFree(f *testing.F) {
	for _, s := range []string{"", "ok", "call 612 345 678", "Calle Mayor 5", "a\x00b", "\u202e", "x@y.es", "2026-06-02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Free("reason", s)
		if err != nil {
			e := err.(*errs.Error)
			if len(s) >= 3 && strings.Contains(e.Message, s) {
				t.Fatalf("message quotes the input")
			}
			return
		}
		// Accepted text is valid UTF-8 without NUL or controls.
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\n\r\t\x1b") {
			t.Fatalf("accepted %q", s)
		}
		if n, err := UserName("name", s); err == nil && (strings.ContainsAny(n, " /\x00") || utf8.RuneCountInString(n) > 64) {
			t.Fatalf("user name %q accepted", n)
		}
	})
}
