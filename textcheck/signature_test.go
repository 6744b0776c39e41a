package textcheck

import (
	"strings"
	"testing"

	"safecontact/errs"
)

// SignatureName: one or two capitalised words of letters of one script,
// an apostrophe or hyphen only between letters, at most 40 bytes; the
// value is returned trimmed and in NFC, and an error never quotes it.
func TestSignatureName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string // want "": refused
	}{
		{"Marta", "Marta"},
		{"  Marta ", "Marta"},
		{"Ana María", "Ana María"},
		{"Ana Mari\u0301a", "Ana María"}, // NFC composes the accent
		{"Jean-Luc", "Jean-Luc"},
		{"D'Angelo", "D'Angelo"},
		{"D\u2019Angelo", "D\u2019Angelo"},
		{"McKenzie", "McKenzie"},
		{"Łucja", "Łucja"},
		{"Мария", "Мария"},
		{"Ἀλεξάνδρα", "Ἀλεξάνδρα"},
		{"مريم", "مريم"}, // no capitals in the script
		{"नेहा", "नेहा"}, // a vowel sign after a letter
		{"Li", "Li"},
		{"A", "A"},
		{strings.Repeat("Abcdefghij", 4), strings.Repeat("Abcdefghij", 4)},
		// Refused.
		{"", ""},
		{"   ", ""},
		{strings.Repeat("Abcdefghij", 4) + "k", ""}, // 41 bytes
		{"Ñañañañañañañañañañañañañañañaña", ""},    // 31 letters, 46 bytes
		{"marta", ""},
		{"Marta lópez", ""},
		{"MARTA", ""},
		{"Ana María José", ""},
		{"Ana  María", ""},
		{"Marta2", ""},
		{"Marta!", ""},
		{"Marta.", ""},
		{"-Marta", ""},
		{"Marta-", ""},
		{"Jean--Luc", ""},
		{"'Marta", ""},
		{"Ana-'Luc", ""},
		{"Mаrta", ""}, // Cyrillic а in a Latin name
		{"Marta Мария", ""},
		{"Ｍａｒｔａ", ""},       // full-width
		{"Marta\u200b", ""}, // zero-width space
		{"Mar\u202eta", ""}, // bidi override
		{"Marta\tLópez", ""},
		{"Marta\nLópez", ""},
		{"\u0301Marta", ""},
		{"@marta", ""},
		{"Marta_López", ""},
	} {
		got, err := SignatureName("signature_name", tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: accepted as %q", tc.in, got)
				continue
			}
			e := errs.As(err)
			if e.Field != "signature_name" || (e.Code != CodeInvalidParam && e.Code != CodeInvalidText) {
				t.Errorf("%q: %s on %q", tc.in, e.Code, e.Field)
			}
			if v := strings.TrimSpace(tc.in); v != "" && strings.Contains(e.Message, v) {
				t.Errorf("%q: the error quotes the value: %s", tc.in, e.Message)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
}
