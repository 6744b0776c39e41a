package gateway

import (
	"strings"
	"unicode/utf8"

	"safecontact/errs"
	"safecontact/textcheck"
)

// checkText is the check of every free-text field kept in clear (evidence,
// venue, note, meeting point): trimmed, 1 to max characters, plain text
// (textcheck.Chars) and no contact details (textcheck.Contact). It
// returns the trimmed text.
func checkText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n == 0 || n > max {
		return "", errs.Field("missing_field", field, "%s is required (at most %d characters)", field, max)
	}
	if err := textcheck.Free(field, s); err != nil {
		return "", err
	}
	return s, nil
}

// checkNote checks an escalation note: 5 to 500 characters of plain text
// without contact details.
func checkNote(note string) error {
	if utf8.RuneCountInString(note) < 5 {
		return errs.Field("note_required", "note", "a note says what was done, in 5 to 500 characters")
	}
	_, err := checkText("note", note, 500)
	return err
}
