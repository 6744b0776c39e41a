package referral

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// calmForm is a validated form on which no rule fires: every answer the
// safe one, a recent risk evaluation, her phone not monitored.
func calmForm(t *testing.T) *Form {
	t.Helper()
	f := validForm()
	f.Monitored = No
	f.RiskEvaluation = RiskEvaluation{Date: "2026-05-20", ByRole: "psychologist"}
	f.Safety = Safety{
		CanCoincide:         Question{Answer: Yes},
		ProtectedWitness:    Question{Answer: No},
		JudicialProcess:     Question{Answer: No},
		LivesWithExploiters: Question{Answer: No},
		RecentThreats:       Threats{Answer: No},
		ImminentDanger:      Question{Answer: No},
	}
	if err := f.Validate(now); err != nil {
		t.Fatal(err)
	}
	return f
}

func rulesOf(p PreEvaluation) string {
	var ids []string
	for _, a := range p.Advice {
		id := a.Rule
		if a.Unknown {
			id += "?"
		}
		ids = append(ids, id)
	}
	return strings.Join(ids, ",")
}

func TestPreEvaluate(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(f *Form)
		opt      EvalOptions
		settings Settings
		rules    string // rule ids in table order; "?" marks one fired by unknown answers only
		because  []string
	}{
		{"nothing fires", func(*Form) {}, EvalOptions{}, Settings{}, "", nil},
		{"imminent danger", func(f *Form) { f.Safety.ImminentDanger = Question{Answer: Yes, Details: "He found her address."} }, EvalOptions{},
			Settings{IndividualOnly: true}, "imminent_danger", []string{"safety.imminent_danger=yes"}},
		{"imminent danger unknown", func(f *Form) { f.Safety.ImminentDanger.Answer = Unknown }, EvalOptions{},
			Settings{IndividualOnly: true}, "imminent_danger?", []string{"safety.imminent_danger=unknown"}},
		{"cannot coincide", func(f *Form) { f.Safety.CanCoincide.Answer = No }, EvalOptions{},
			Settings{IndividualOnly: true, SpacingEnforced: true}, "cannot_coincide", []string{"safety.can_coincide=no"}},
		{"can coincide unknown", func(f *Form) { f.Safety.CanCoincide.Answer = Unknown }, EvalOptions{},
			Settings{IndividualOnly: true, SpacingEnforced: true}, "cannot_coincide?", nil},
		{"protected witness", func(f *Form) { f.Safety.ProtectedWitness.Answer = Yes }, EvalOptions{},
			Settings{StrictConfidentiality: true}, "strict_confidentiality", []string{"safety.protected_witness=yes"}},
		{"judicial process", func(f *Form) { f.Safety.JudicialProcess.Answer = Yes }, EvalOptions{},
			Settings{StrictConfidentiality: true}, "strict_confidentiality", []string{"safety.judicial_process=yes"}},
		{"witness and process, one unknown", func(f *Form) { f.Safety.ProtectedWitness.Answer, f.Safety.JudicialProcess.Answer = Unknown, Yes }, EvalOptions{},
			Settings{StrictConfidentiality: true}, "strict_confidentiality", []string{"safety.protected_witness=unknown", "safety.judicial_process=yes"}},
		{"lives with traffickers", func(f *Form) { f.Safety.LivesWithExploiters.Answer = Yes }, EvalOptions{},
			Settings{Monitored: true, DiscreetOnly: true, WhatsAppRefused: true}, "lives_with_exploiters", nil},
		{"monitored phone", func(f *Form) { f.Monitored = Yes }, EvalOptions{},
			Settings{Monitored: true, DiscreetOnly: true}, "monitored_phone", []string{"monitored=yes"}},
		{"monitored unknown", func(f *Form) { f.Monitored = Unknown }, EvalOptions{},
			Settings{Monitored: true, DiscreetOnly: true}, "monitored_phone?", nil},
		{"recent threats", func(f *Form) {
			f.Safety.RecentThreats = Threats{Answer: Yes, When: "2026-05-30", Measures: "Reported."}
		}, EvalOptions{}, Settings{SuggestCheckInPlan: true}, "recent_threats", nil},
		{"no risk evaluation", func(f *Form) { f.RiskEvaluation = RiskEvaluation{} }, EvalOptions{},
			Settings{RiskEvaluationDue: true}, "risk_evaluation_due", []string{"risk_evaluation.date=none"}},
		{"risk evaluation 91 days old", func(f *Form) { f.RiskEvaluation.Date = "2026-03-03" }, EvalOptions{},
			Settings{RiskEvaluationDue: true}, "risk_evaluation_due", []string{"risk_evaluation.date=2026-03-03"}},
		{"risk evaluation 90 days old", func(f *Form) { f.RiskEvaluation.Date = "2026-03-04" }, EvalOptions{},
			Settings{}, "", nil},
		{"configured age: 30 days", func(f *Form) { f.RiskEvaluation.Date = "2026-04-20" }, EvalOptions{RiskEvaluationMaxAge: 30 * 24 * time.Hour},
			Settings{RiskEvaluationDue: true}, "risk_evaluation_due", nil},
		{"everything", func(f *Form) {
			f.Monitored = Unknown
			f.RiskEvaluation = RiskEvaluation{}
			f.Safety = Safety{
				CanCoincide: Question{Answer: No}, ProtectedWitness: Question{Answer: Yes}, JudicialProcess: Question{Answer: Yes},
				LivesWithExploiters: Question{Answer: Yes}, RecentThreats: Threats{Answer: Yes, When: "2026-06", Measures: "None yet."},
				ImminentDanger: Question{Answer: Yes, Details: "Threatened with violence yesterday."},
			}
		}, EvalOptions{},
			Settings{IndividualOnly: true, SpacingEnforced: true, StrictConfidentiality: true, Monitored: true, DiscreetOnly: true, WhatsAppRefused: true, SuggestCheckInPlan: true, RiskEvaluationDue: true},
			"imminent_danger,cannot_coincide,strict_confidentiality,lives_with_exploiters,monitored_phone?,recent_threats,risk_evaluation_due", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := calmForm(t)
			tc.edit(f)
			if err := f.Validate(now); err != nil {
				t.Fatal(err)
			}
			p := PreEvaluate(f, now, tc.opt)
			if p.Settings != tc.settings {
				t.Errorf("settings %+v, want %+v", p.Settings, tc.settings)
			}
			if got := rulesOf(p); got != tc.rules {
				t.Errorf("rules %q, want %q", got, tc.rules)
			}
			if tc.because != nil && (len(p.Advice) == 0 || !reflect.DeepEqual(p.Advice[0].Because, tc.because)) {
				t.Errorf("because %v, want %v", p.Advice, tc.because)
			}
			for _, a := range p.Advice {
				if a.Text == "" || len(a.Because) == 0 {
					t.Errorf("advice without text or reason: %+v", a)
				}
			}
		})
	}
}

// The wording the field asked for is what staff read.
func TestPreEvaluateWording(t *testing.T) {
	f := calmForm(t)
	f.Safety.ImminentDanger = Question{Answer: Yes, Details: "x"}
	f.Safety.LivesWithExploiters.Answer = Yes
	f.RiskEvaluation = RiskEvaluation{}
	p := PreEvaluate(f, now, EvalOptions{})
	text := ""
	for _, a := range p.Advice {
		text += a.Text + "\n"
	}
	for _, want := range []string{"consider a protected-shelter programme; do not place her in group activities", "treated as monitored, discreet wording only, no WhatsApp", "Risk evaluation due", "90 days"} {
		if !strings.Contains(text, want) {
			t.Errorf("advice lacks %q:\n%s", want, text)
		}
	}
}
