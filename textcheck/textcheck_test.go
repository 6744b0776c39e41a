package textcheck

import (
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
	} {
		if got := Find(tc.in); got != tc.want {
			t.Errorf("Find(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
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
