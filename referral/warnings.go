package referral

import "safecontact/templates"

// Warning is a finding of the discreet filter in a free-text field of a
// form or a receipt. It is shown to the sender before sending; it does not
// stop the package. Start and End are byte offsets into the field's
// (validated) text; the matched text itself is left out, so a warning can
// be logged.
type Warning struct {
	Field    string             `json:"field"`
	Category templates.Category `json:"category"`
	Start    int                `json:"start"`
	End      int                `json:"end"`
}

// TextField is a free-text field and its path.
type TextField struct{ Field, Text string }

// FreeText lists the form's non-empty free-text fields with their paths,
// in the order of the form: every field a person writes in, the evidence
// of her consent included (a reference, but typed by hand).
func (f *Form) FreeText() []TextField {
	s := &f.Safety
	return nonEmpty([]TextField{
		{"needs_other", f.NeedsOther},
		{"referral_consent.evidence", f.Consent.Evidence},
		{"safety.can_coincide.details", s.CanCoincide.Details},
		{"safety.protected_witness.details", s.ProtectedWitness.Details},
		{"safety.judicial_process.details", s.JudicialProcess.Details},
		{"safety.lives_with_exploiters.details", s.LivesWithExploiters.Details},
		{"safety.recent_threats.measures", s.RecentThreats.Measures},
		{"safety.recent_threats.details", s.RecentThreats.Details},
		{"safety.imminent_danger.details", s.ImminentDanger.Details},
		{"notes", f.Notes},
	})
}

// FreeText lists the receipt's non-empty free-text fields.
func (r *Receipt) FreeText() []TextField {
	return nonEmpty([]TextField{{"reason", r.Reason}, {"redirected_to", r.RedirectedTo}})
}

func nonEmpty(all []TextField) []TextField {
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
func (f *Form) Warnings(filter *templates.Filter) []Warning { return scan(filter, f.FreeText()) }

// Warnings is Form.Warnings for a receipt's reason and redirected_to.
func (r *Receipt) Warnings(filter *templates.Filter) []Warning { return scan(filter, r.FreeText()) }

func scan(filter *templates.Filter, fields []TextField) []Warning {
	out := []Warning{}
	for _, t := range fields {
		for _, x := range filter.Scan(t.Text) {
			out = append(out, Warning{Field: t.Field, Category: x.Category, Start: x.Start, End: x.End})
		}
	}
	return out
}
