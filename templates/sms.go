package templates

import "unicode/utf8"

// SMSInfo tells how an SMS body will be encoded and billed.
type SMSInfo struct {
	// Encoding is "GSM-7" when every character is in the GSM 03.38 default
	// alphabet or its extension table, else "UCS-2".
	Encoding string `json:"encoding"`
	// Chars counts encoding units: septets for GSM-7 (an extension-table
	// character such as € counts 2), UTF-16 code units for UCS-2 (a
	// character outside the BMP, e.g. most emoji, counts 2).
	Chars int `json:"chars"`
	// Segments is the number of SMS parts: one part holds 160 septets or 70
	// UCS-2 units; a concatenated message holds 153 or 67 per part (the
	// rest is the concatenation header), and an escape pair or a surrogate
	// pair is never split between parts. An empty text has 0 segments.
	Segments int `json:"segments"`
}

const (
	EncodingGSM7 = "GSM-7"
	EncodingUCS2 = "UCS-2"
)

// gsmBasic is the GSM 03.38 default alphabet (the escape code 0x1B left out).
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExt is the extension table: each costs an escape plus the character.
const gsmExt = "\f^{}\\[~]|€"

var (
	gsmBasicSet = map[rune]bool{}
	gsmExtSet   = map[rune]bool{}
	gsmASCII    [128]uint8 // 0 = not GSM, 1 = basic, 2 = extension
)

func init() {
	for _, r := range gsmBasic {
		gsmBasicSet[r] = true
		if r < 128 {
			gsmASCII[r] = 1
		}
	}
	for _, r := range gsmExt {
		gsmExtSet[r] = true
		if r < 128 {
			gsmASCII[r] = 2
		}
	}
}

// gsmSeptets returns the septets r costs in GSM-7, or 0 if r is not in it.
func gsmSeptets(r rune) int {
	if r < 128 {
		return int(gsmASCII[r])
	}
	if gsmBasicSet[r] {
		return 1
	}
	if gsmExtSet[r] {
		return 2
	}
	return 0
}

// SMSSegments computes the encoding, length and number of parts of text
// sent as one SMS. Invalid UTF-8 counts as U+FFFD (UCS-2).
func SMSSegments(text string) SMSInfo {
	if text == "" {
		return SMSInfo{Encoding: EncodingGSM7}
	}
	gsm := true
	for _, r := range text {
		if gsmSeptets(r) == 0 {
			gsm = false
			break
		}
	}
	if gsm {
		total := 0
		for _, r := range text {
			total += gsmSeptets(r)
		}
		info := SMSInfo{Encoding: EncodingGSM7, Chars: total, Segments: 1}
		if total > 160 {
			info.Segments = countParts(text, 153, gsmSeptets)
		}
		return info
	}
	units := func(r rune) int {
		if r >= 0x10000 && r <= utf8.MaxRune {
			return 2
		}
		return 1
	}
	total := 0
	for _, r := range text {
		total += units(r)
	}
	info := SMSInfo{Encoding: EncodingUCS2, Chars: total, Segments: 1}
	if total > 70 {
		info.Segments = countParts(text, 67, units)
	}
	return info
}

// countParts fills parts of size per part, never splitting one character's
// units across two parts.
func countParts(text string, per int, cost func(rune) int) int {
	parts, used := 1, 0
	for _, r := range text {
		c := cost(r)
		if used+c > per {
			parts++
			used = 0
		}
		used += c
	}
	return parts
}
