package consent

import (
	"strings"
	"testing"

	"safecontact/errs"
)

func TestParseChannel(t *testing.T) {
	tests := []struct {
		in        string
		allowAuto bool
		want      Channel
		ok        bool
	}{
		{"sms", false, SMS, true},
		{" SMS ", false, SMS, true},
		{"WhatsApp", false, WhatsApp, true},
		{"voice", false, Voice, true},
		{"auto", true, Auto, true},
		{"AUTO", true, Auto, true},
		{"auto", false, "", false},
		{"", true, "", false},
		{"email", true, "", false},
		{"s ms", false, "", false},
	}
	for _, tc := range tests {
		got, err := ParseChannel(tc.in, tc.allowAuto)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseChannel(%q, %v) = %q, %v", tc.in, tc.allowAuto, got, err)
			continue
		}
		if err != nil {
			e := errs.As(err)
			if e.Code != "invalid_channel" || e.Field != "channel" || strings.Contains(e.Message, "auto") != tc.allowAuto {
				t.Errorf("ParseChannel(%q, %v) error %+v", tc.in, tc.allowAuto, e)
			}
		}
	}
}

func TestNewCodeAndValidCode(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c := NewCode()
		if !ValidCode(c) {
			t.Fatalf("NewCode() = %q is not ValidCode", c)
		}
		if strings.ContainsAny(c[2:], "ILOU") {
			t.Fatalf("code %q has an ambiguous letter", c)
		}
		seen[c] = true
	}
	// 25 bits: 2000 draws collide with probability ~6%; demand most unique.
	if len(seen) < 1990 {
		t.Fatalf("only %d distinct codes in 2000", len(seen))
	}
	for _, c := range []string{"P-7K3QX", "P-00000", "P-ZZZZZ"} {
		if !ValidCode(c) {
			t.Errorf("ValidCode(%q) = false", c)
		}
	}
	for _, c := range []string{"", "P-", "P-7K3Q", "P-7K3QXX", "p-7K3QX", "Q-7K3QX", "P-7k3qx", "P-7K3QI", "P-7K3QO", "P-7K3QU", "P-7K3QL", "P_7K3QX", "P-7K3Q\u00c9"} {
		if ValidCode(c) {
			t.Errorf("ValidCode(%q) = true", c)
		}
	}
}

func TestParseInitials(t *testing.T) {
	ok := map[string]string{
		"M.R.":    "MR",
		"m r":     "MR",
		" a ":     "A",
		"ABCD":    "ABCD",
		"é.ñ.":    "ÉÑ",
		"А.Б.":    "АБ", // Cyrillic
		"M-R":     "MR",
		"m. r. a": "MRA",
	}
	for in, want := range ok {
		got, err := ParseInitials(in)
		if err != nil || got != want {
			t.Errorf("ParseInitials(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "  ", "...", "Maria", "M.R.A.B.C", "M1", "M,R", "+34600000000", "M_R"} {
		_, err := ParseInitials(in)
		if errs.Code(err) != "invalid_initials" {
			t.Errorf("ParseInitials(%q) error %v, want invalid_initials", in, err)
		}
		if err != nil && strings.Contains(err.Error(), in) && strings.TrimSpace(in) != "" {
			t.Errorf("ParseInitials(%q) error echoes the input", in)
		}
	}
}

func TestParseLanguage(t *testing.T) {
	for in, want := range map[string]string{"es": "es", " ro ": "ro", "pt-BR": "pt-BR", "PT-br": "pt-BR", "en_US": "en-US", "uk": "uk", "ar": "ar"} {
		got, err := ParseLanguage(in)
		if err != nil || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "und", "spanish", "e", "zz", "12", "es-", "-es"} {
		if _, err := ParseLanguage(in); errs.Code(err) != "invalid_language" {
			t.Errorf("ParseLanguage(%q) error %v, want invalid_language", in, err)
		}
	}
}

func TestParseTimeZone(t *testing.T) {
	for _, in := range []string{"Europe/Madrid", " Europe/Rome ", "UTC", "America/Sao_Paulo"} {
		loc, err := ParseTimeZone(in)
		if err != nil || loc.String() != strings.TrimSpace(in) {
			t.Errorf("ParseTimeZone(%q) = %v, %v", in, loc, err)
		}
	}
	for _, in := range []string{"", "Local", "local", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "+01:00"} {
		if _, err := ParseTimeZone(in); errs.Code(err) != "invalid_time_zone" {
			t.Errorf("ParseTimeZone(%q) error %v, want invalid_time_zone", in, err)
		}
	}
}

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in, region, want string
	}{
		{"+34 600 00 56 78", "", "+34600005678"},
		{"600 005 678", "ES", "+34600005678"},
		{"600005678", "es", "+34600005678"},
		{"+40 721 234 567", "ES", "+40721234567"},
		{"(202) 456-1111", "US", "+12024561111"},
		{"+34 100 00 56 78", "", ""}, // Spanish numbers do not start with 1
		{"+1 202 456 1111", "", "+12024561111"},
	}
	for _, tc := range tests {
		got, err := ParsePhone(tc.in, tc.region, "phone")
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParsePhone(%q) = %q, want error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParsePhone(%q, %q) = %q, %v; want %q", tc.in, tc.region, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "   ", "600005678", "hello", "+34 61", strings.Repeat("6", 33), "+999 600 005 678"} {
		_, err := ParsePhone(in, "", "mobile")
		e := errs.As(err)
		if e.Code != "invalid_phone" || e.Field != "mobile" {
			t.Errorf("ParsePhone(%q) error %+v", in, e)
		}
		if strings.TrimSpace(in) != "" && strings.Contains(e.Error(), strings.TrimSpace(in)) {
			t.Errorf("ParsePhone error echoes the number")
		}
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+34600005678": "+34•••••5678",
		"+12024561111": "+1••••••1111",
		"+40721234567": "+40•••••4567",
		"":             "•••",
		"garbage":      "•••",
		"+3460":        "•••",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsRealNameField(t *testing.T) {
	for _, k := range []string{"name", "Name", "FIRST_NAME", "surname", "full_name", "given_name", "family_name", "lastname"} {
		if !IsRealNameField(k) {
			t.Errorf("IsRealNameField(%q) = false", k)
		}
	}
	for _, k := range []string{"initials", "names_of", "code", "", "nickname"} {
		if IsRealNameField(k) {
			t.Errorf("IsRealNameField(%q) = true", k)
		}
	}
}
