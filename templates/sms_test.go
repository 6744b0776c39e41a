package templates

import (
	"strings"
	"testing"
)

func TestSMSSegments(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		enc   string
		chars int
		segs  int
	}{
		{"empty", "", EncodingGSM7, 0, 0},
		{"one char", "a", EncodingGSM7, 1, 1},
		{"160 gsm", strings.Repeat("a", 160), EncodingGSM7, 160, 1},
		{"161 gsm", strings.Repeat("a", 161), EncodingGSM7, 161, 2},
		{"306 gsm", strings.Repeat("a", 306), EncodingGSM7, 306, 2},
		{"307 gsm", strings.Repeat("a", 307), EncodingGSM7, 307, 3},
		{"gsm accents", "àèéìòùÄÖÑÜäöñü¿¡ÇÉ£¥§", EncodingGSM7, 21, 1},
		{"greek in gsm", "ΔΦΓΛΩΠΨΣΘΞ", EncodingGSM7, 10, 1},
		{"euro costs 2", "€", EncodingGSM7, 2, 1},
		{"ext chars", "^{}\\[~]|€", EncodingGSM7, 18, 1},
		{"159 + euro = 161", strings.Repeat("a", 159) + "€", EncodingGSM7, 161, 2},
		{"158 + euro = 160", strings.Repeat("a", 158) + "€", EncodingGSM7, 160, 1},
		// 152 septets then €: the escape pair may not be split, so it opens part 2.
		{"escape not split", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 10), EncodingGSM7, 164, 2},
		{"escape pushes 3rd part", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), EncodingGSM7, 306, 3},
		{"newline", "a\nb\rc", EncodingGSM7, 5, 1},
		{"á is ucs2", "sábado", EncodingUCS2, 6, 1},
		{"ç is ucs2", "março", EncodingUCS2, 5, 1},
		{"ro diacritics", "marți", EncodingUCS2, 5, 1},
		{"70 ucs2", "á" + strings.Repeat("a", 69), EncodingUCS2, 70, 1},
		{"71 ucs2", "á" + strings.Repeat("a", 70), EncodingUCS2, 71, 2},
		{"134 ucs2", "á" + strings.Repeat("a", 133), EncodingUCS2, 134, 2},
		{"135 ucs2", "á" + strings.Repeat("a", 134), EncodingUCS2, 135, 3},
		{"emoji is 2 units", "😀", EncodingUCS2, 2, 1},
		{"surrogate pair not split", strings.Repeat("a", 66) + "😀" + strings.Repeat("a", 10), EncodingUCS2, 78, 2},
		{"surrogate pair pushes", "á" + strings.Repeat("a", 65) + "😀" + strings.Repeat("a", 66), EncodingUCS2, 134, 3},
		{"euro in ucs2 is 1", "á€", EncodingUCS2, 2, 1},
		{"backtick not gsm", "`", EncodingUCS2, 1, 1},
		{"invalid utf8", "a\xffb", EncodingUCS2, 3, 1},
	}
	for _, c := range cases {
		got := SMSSegments(c.text)
		if got.Encoding != c.enc || got.Chars != c.chars || got.Segments != c.segs {
			t.Errorf("%s: got %+v, want %s %d chars %d segments", c.name, got, c.enc, c.chars, c.segs)
		}
	}
}
