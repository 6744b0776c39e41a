package message

import (
	"strings"
	"testing"

	"safecontact/errs"
	"safecontact/templates"
)

// CheckSignatureName: a name of the right shape passes unless the filter
// flags it on its own in any language (an organisation, a service, a
// legal word, a street), as it would flag it as a confirmed name; the
// refusal is invalid_param on the field and never quotes the name.
func TestCheckSignatureName(t *testing.T) {
	t.Parallel()
	f, err := templates.NewFilter("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"Marta", true},
		{"Ana María", true},
		{"Jean-Luc", true},
		{"Lucía", true},
		{"Police", false},
		{"Policía", false},
		{"Caritas", false},
		{"Cruz Roja", false},
		{"Calle Mayor", false},
		{"Abogada", false},
		{"Juzgado", false},
		{"marta", false},
		{"Marta3", false},
	} {
		got, err := CheckSignatureName(f, "signature_name", tc.in)
		if tc.ok {
			if err != nil || got != tc.in {
				t.Errorf("%q: %q %v", tc.in, got, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: accepted", tc.in)
			continue
		}
		e := errs.As(err)
		if e.Code != CodeInvalidParam || e.Field != "signature_name" || strings.Contains(e.Message, tc.in) {
			t.Errorf("%q: %s on %s: %s", tc.in, e.Code, e.Field, e.Message)
		}
	}
}

// A name whose lower-case form asks for help or names a way out, in any
// shipped language, is refused; one that is only an everyday word is not
// (in a text it is known only capitalised as stored).
func TestCheckSignatureNameWords(t *testing.T) {
	t.Parallel()
	f, err := templates.NewFilter("")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Socorro", "Amparo", "Libertad", "Auxilio", "Refugio", "Ajutor", "Aiuto", "Liberdade", "Libertate", "Liberté", "Ana Socorro", "Maria-Amparo"} {
		_, err := CheckSignatureName(f, "signature_name", n)
		if e := errs.As(err); err == nil || e.Code != CodeInvalidParam || e.Field != "signature_name" || strings.Contains(e.Message, n) {
			t.Errorf("%q: %v", n, err)
		}
	}
	for _, n := range []string{"Dolores", "Consuelo", "Rosa", "Luz", "Paz", "Esperanza"} {
		if _, err := CheckSignatureName(f, "signature_name", n); err != nil {
			t.Errorf("%q: %v", n, err)
		}
	}
}
