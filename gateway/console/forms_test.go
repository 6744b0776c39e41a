package console_test

import (
	"strings"
	"testing"

	"safecontact/errs"
	"safecontact/gateway/console"
)

// A refused form's sentence comes from the catalogue in every language:
// the area's key, the core's error.<code>, or the sentence naming the
// code; never the error's English message.
func TestFormErrorTextIsTranslated(t *testing.T) {
	t.Parallel()
	cat := builtin(t)
	const english = "an English sentence from the service"
	for _, tag := range cat.Languages() {
		L := cat.Localizer(tag, nil)
		for _, tc := range []struct {
			err  error
			keys map[string]string
			want string
		}{
			{errs.New("odd_code", english), map[string]string{"odd_code": "error.generic"}, L.T("error.generic")},
			{errs.New("password_mismatch", english), nil, L.T("error.password_mismatch")},
			{errs.New("odd_code", english), nil, L.T("error.form_refused", "code", "odd_code")},
		} {
			got := console.FormErrorText(L, tc.err, tc.keys)
			if got != tc.want || strings.Contains(got, english) || strings.Contains(got, "⟦") {
				t.Errorf("%s %v: %q, want %q", tag, tc.err, got, tc.want)
			}
		}
		if got := console.FormErrorText(L, errs.New("odd_code", english), nil); !strings.Contains(got, "odd_code") {
			t.Errorf("%s: the code is not named: %q", tag, got)
		}
	}
}
