package referral

import "safecontact/templates"

// Warning is a finding of the discreet filter in a free-text field of a
// form. It is shown to the sender before sending; it does not stop the
// referral. Start and End are byte offsets into the field's (validated)
// text; the matched text itself is left out, so a warning can be logged.
type Warning struct {
	Field    string             `json:"field"`
	Category templates.Category `json:"category"`
	Start    int                `json:"start"`
	End      int                `json:"end"`
}

// FreeText lists the form's free-text fields with their paths, in the
// order of the form.
func (f *Form) FreeText() []struct{ Field, Text string } {
	s := &f.Safety
	all := []struct{ Field, Text string }{
		{"needs_other", f.NeedsOther},
		{"safety.can_coincide.details", s.CanCoincide.Details},
		{"safety.protected_witness.details", s.ProtectedWitness.Details},
		{"safety.judicial_process.details", s.JudicialProcess.Details},
		{"safety.lives_with_exploiters.details", s.LivesWithExploiters.Details},
		{"safety.recent_threats.measures", s.RecentThreats.Measures},
		{"safety.recent_threats.details", s.RecentThreats.Details},
		{"safety.imminent_danger.details", s.ImminentDanger.Details},
		{"notes", f.Notes},
	}
	out := all[:0]
	for _, t := range all {
		if t.Text != "" {
			out = append(out, t)
		}
	}
	return out
}

// Warnings runs the discreet filter (the gateway's, with its deployment
// terms, or templates.NewFilter("")) over the form's free text and returns
// its findings as warnings, field by field. Call it on a validated form,
// so offsets are those of the text that is sent.
func (f *Form) Warnings(filter *templates.Filter) []Warning {
	out := []Warning{}
	for _, t := range f.FreeText() {
		for _, x := range filter.Scan(t.Text) {
			out = append(out, Warning{Field: t.Field, Category: x.Category, Start: x.Start, End: x.End})
		}
	}
	return out
}
