package referralui

import (
	"slices"
	"strings"
	"testing"

	"safecontact/errs"
	"safecontact/gateway/console"
	"safecontact/referral"
)

// Every catalogue key the referral forms name for a refusal or a field
// is in every language the console ships, and a refusal without words of
// its own is still in the reader's language: never the service's English
// message.
func TestReferralFormErrorsInEveryLocale(t *testing.T) {
	t.Parallel()
	cat, err := console.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{"error.form_refused": true, "referrals.send.refused": true}
	for _, m := range []map[string]string{refErrKeys, refSendErrKeys, fieldKeys} {
		for _, k := range m {
			used[k] = true
		}
	}
	// A field the form names in a refusal has words.
	for path := range refFormFields {
		found := false
		for p := path; p != "" && !found; {
			_, found = fieldKeys[p]
			i := strings.LastIndexByte(p, '.')
			if i < 0 {
				break
			}
			p = p[:i]
		}
		if !found {
			t.Errorf("the form's field %s has no words (fieldKeys)", path)
		}
	}
	langs := cat.Languages()
	if len(langs) < 7 {
		t.Fatalf("only the languages %v", langs)
	}
	const english = "an English sentence from the service"
	for _, tag := range langs {
		keys := cat.Keys(tag)
		for k := range used {
			if !slices.Contains(keys, k) {
				t.Errorf("%s lacks %q", tag, k)
			}
		}
		L := cat.Localizer(tag, nil)
		for _, err := range []error{
			errs.Field("some_new_code", "notes", english),
			errs.New("unknown_field", english),
			errs.Field(referral.CodeConsentRequired, "referral_consent.agreed", english),
		} {
			got := refSendErrText(L, err)
			if got == "" || strings.Contains(got, english) || strings.Contains(got, "⟦") {
				t.Errorf("%s: %v: %q", tag, err, got)
			}
		}
	}
}
