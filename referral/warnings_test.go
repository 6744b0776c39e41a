package referral

import (
	"testing"

	"safecontact/templates"
)

func TestWarnings(t *testing.T) {
	filter, err := templates.NewFilter("")
	if err != nil {
		t.Fatal(err)
	}
	f := validForm()
	f.Notes = "She lives at Calle Mayor 5; her sister's number is +34 612 345 678."
	f.Consent.Evidence = "verbal, witnessed at Calle Mayor 5"
	if err := f.Validate(now); err != nil {
		t.Fatal(err)
	}
	ws := f.Warnings(filter)
	found := map[string]bool{}
	for _, w := range ws {
		text := ""
		for _, ft := range f.FreeText() {
			if ft.Field == w.Field {
				text = ft.Text
			}
		}
		if text == "" || w.Start < 0 || w.End > len(text) || w.Start >= w.End {
			t.Fatalf("warning %+v does not point into its field", w)
		}
		found[w.Field+"/"+string(w.Category)+"/"+text[w.Start:w.End]] = true
	}
	for _, want := range []string{
		"notes/address/Calle Mayor 5",
		"referral_consent.evidence/address/Calle Mayor 5",
		"notes/phone/+34 612 345 678",
		"safety.recent_threats.measures/legal/police",
	} {
		if !found[want] {
			t.Errorf("no warning %s in %v", want, found)
		}
	}
	// Warnings do not refuse: the form still seals.
	x := newExchange()
	if _, _, err := SealReferral(f, x.a, x.b.Public(), now, SealOptions{}); err != nil {
		t.Fatal(err)
	}
	// Plain facts give none, and an empty form's free text is empty.
	calm := calmForm(t)
	calm.NeedsOther, calm.Notes, calm.Consent.Evidence = "Winter clothes.", "Prefers mornings.", "signed form no. 14 of 2026"
	calm.Safety.JudicialProcess.Details = ""
	if ws := calm.Warnings(filter); len(ws) != 0 {
		t.Fatalf("warnings on plain facts: %+v", ws)
	}
}
