// Package consent owns what the gateway knows about how a participant may be
// contacted: her contact profile (code, initials, language, time zone, safe
// contact windows, whether her phone may be monitored), the consent ledger,
// and the pure decision "may we contact her on channel X now, and how".
//
// The package has no I/O in its decision path so it can be tested
// exhaustively; storage lives with the gateway.
package consent

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
	"unicode"

	"safecontact/errs"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// Channel is a way of reaching a participant.
type Channel string

const (
	SMS      Channel = "sms"
	WhatsApp Channel = "whatsapp"
	Voice    Channel = "voice"
	// Auto asks the decision to pick the first consented channel in her
	// preference order.
	Auto Channel = "auto"
)

// Channels lists the concrete channels in their default preference order.
var Channels = []Channel{SMS, WhatsApp, Voice}

// ParseChannel validates a channel name. allowAuto admits "auto".
func ParseChannel(s string, allowAuto bool) (Channel, error) {
	switch c := Channel(strings.ToLower(strings.TrimSpace(s))); c {
	case SMS, WhatsApp, Voice:
		return c, nil
	case Auto:
		if allowAuto {
			return c, nil
		}
	}
	return "", &Error{Code: "invalid_channel", Field: "channel", Message: "channel must be one of sms, whatsapp, voice" + map[bool]string{true: " or auto", false: ""}[allowAuto]}
}

// Error is the gateway's one error type (stable code, human message,
// field); messages here never contain a phone number or other contact detail.
type Error = errs.Error

// codeAlphabet is Crockford's base32 alphabet: no I, L, O, U, so codes read
// aloud over the phone are not confused.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewCode returns a random participant code like "P-7K3QX" (25 bits of
// entropy; uniqueness is enforced by the database, callers retry on clash).
func NewCode() string {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out := []byte("P-")
	for _, x := range b {
		out = append(out, codeAlphabet[int(x)%32])
	}
	return string(out)
}

// ValidCode reports whether s has the participant code shape.
func ValidCode(s string) bool {
	if len(s) != 7 || !strings.HasPrefix(s, "P-") {
		return false
	}
	for _, r := range s[2:] {
		if !strings.ContainsRune(codeAlphabet, r) {
			return false
		}
	}
	return true
}

// ParseInitials accepts 1-4 letters (any script), optionally separated by
// dots or spaces, and returns them upper-cased without separators.
// A longer run of letters is refused: it is probably a name.
func ParseInitials(s string) (string, error) {
	var out []rune
	// NFC first, so "E" + combining accent counts as one letter.
	for _, r := range norm.NFC.String(strings.TrimSpace(s)) {
		switch {
		case unicode.IsLetter(r):
			out = append(out, unicode.ToUpper(r))
		case r == '.' || r == ' ' || r == '-':
		default:
			return "", &Error{Code: "invalid_initials", Field: "initials", Message: "initials are 1 to 4 letters, e.g. \"M.R.\""}
		}
	}
	if len(out) == 0 || len(out) > 4 {
		return "", &Error{Code: "invalid_initials", Field: "initials", Message: "initials are 1 to 4 letters, e.g. \"M.R.\"; real names are never stored"}
	}
	return string(out), nil
}

// ParseLanguage validates a BCP 47 tag and returns its canonical form.
func ParseLanguage(s string) (string, error) {
	t, err := language.Parse(strings.TrimSpace(s))
	if err != nil || t == language.Und || strings.HasPrefix(t.String(), "und") || strings.HasPrefix(t.String(), "x-") {
		return "", &Error{Code: "invalid_language", Field: "language", Message: "language must be a BCP 47 tag such as \"es\", \"ro\" or \"pt-BR\""}
	}
	return t.String(), nil
}

// ParseTimeZone validates an IANA zone name.
func ParseTimeZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "local") {
		return nil, &Error{Code: "invalid_time_zone", Field: "time_zone", Message: "time_zone must be an IANA zone such as \"Europe/Madrid\""}
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, &Error{Code: "invalid_time_zone", Field: "time_zone", Message: "time_zone must be an IANA zone such as \"Europe/Madrid\""}
	}
	return loc, nil
}

// ParsePhone normalises a phone number to E.164. defaultRegion (ISO 3166
// alpha-2, e.g. "ES") is used when the number has no + prefix. The error
// never repeats the number.
func ParsePhone(s, defaultRegion string, field string) (string, error) {
	bad := &Error{Code: "invalid_phone", Field: field, Message: "not a valid phone number; use international format, e.g. +34 600 000 000"}
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return "", bad
	}
	n, err := phonenumbers.Parse(s, strings.ToUpper(defaultRegion))
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", bad
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// MaskPhone shows a number the way responses may: country code and the last
// four digits, e.g. "+34•••••5678". At least four digits always stay
// hidden, so a short national number shows fewer at the end.
func MaskPhone(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil || len(e164) < 8 {
		return "•••"
	}
	cc := fmt.Sprintf("+%d", n.GetCountryCode())
	national := len(e164) - len(cc)
	show := min(4, national-4)
	if show < 1 {
		return cc + strings.Repeat("•", national)
	}
	return cc + strings.Repeat("•", national-show) + e164[len(e164)-show:]
}
