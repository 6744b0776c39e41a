package referral

import (
	"strconv"
	"time"
)

// The risk pre-evaluation: what the receiving team sees first when a
// referral arrives, derived from the answers by this table and nothing
// else. Every rule that fires adds its settings and its advice; settings
// are only ever switched on, so the order of the rules does not matter.
//
// An answer of "unknown" counts as the risky answer (for (a), as "she
// cannot coincide"): not knowing whether she is a protected witness is a
// reason to be as careful as if she were. The advice then says the answer
// is unknown and must be asked at the first interview.
//
//	rule                   fires when                                   settings                                   advice
//	imminent_danger        safety.imminent_danger yes/unknown            IndividualOnly                             consider a protected-shelter programme; do not place in group activities
//	cannot_coincide        safety.can_coincide no/unknown                IndividualOnly, SpacingEnforced            individual sessions only, spaced so she meets no other user
//	strict_confidentiality safety.protected_witness or                   StrictConfidentiality                      her contact log and phone reveal restricted to supervisors
//	                       safety.judicial_process yes/unknown
//	lives_with_exploiters  safety.lives_with_exploiters yes/unknown      Monitored, DiscreetOnly, WhatsAppRefused   phone treated as monitored, discreet wording only, WhatsApp refused
//	monitored_phone        monitored yes/unknown                         Monitored, DiscreetOnly                    her phone may be monitored: discreet wording only
//	recent_threats         safety.recent_threats yes/unknown             SuggestCheckInPlan                         suggest a check-in plan
//	risk_evaluation_due    no risk evaluation date, or one older than    RiskEvaluationDue                          risk evaluation due: do one at entry
//	                       EvalOptions.RiskEvaluationMaxAge (90 days)
//
// The settings are what the gateway applies when staff accept the
// referral (a participant that is individual-only cannot be booked into a
// group session, a monitored phone gets discreet wording, ...); the advice
// is for people and is not acted on by itself.

// DefaultRiskEvaluationMaxAge is how old the last risk evaluation may be
// before one is due ("the last 3 months").
const DefaultRiskEvaluationMaxAge = 90 * 24 * time.Hour

// Rule ids, stable: the console translates them and the audit records them.
const (
	RuleImminentDanger        = "imminent_danger"
	RuleCannotCoincide        = "cannot_coincide"
	RuleStrictConfidentiality = "strict_confidentiality"
	RuleLivesWithExploiters   = "lives_with_exploiters"
	RuleMonitoredPhone        = "monitored_phone"
	RuleRecentThreats         = "recent_threats"
	RuleRiskEvaluationDue     = "risk_evaluation_due"
)

// Settings are what the answers require of the gateway for her.
type Settings struct {
	IndividualOnly        bool `json:"individual_only"`        // never booked into group sessions or activities
	SpacingEnforced       bool `json:"spacing_enforced"`       // her individual sessions keep the venue's spacing rule
	StrictConfidentiality bool `json:"strict_confidentiality"` // her contact log and phone reveal: supervisors only
	Monitored             bool `json:"monitored"`              // her phone is treated as monitored
	DiscreetOnly          bool `json:"discreet_only"`          // discreet wording only
	WhatsAppRefused       bool `json:"whatsapp_refused"`       // no WhatsApp, even with her acceptance of the risk
	SuggestCheckInPlan    bool `json:"suggest_checkin_plan"`   // staff are prompted to offer safety check-ins
	RiskEvaluationDue     bool `json:"risk_evaluation_due"`    // a risk evaluation is done at entry
}

// Advice is one rule that fired, for the people reviewing the referral.
type Advice struct {
	Rule string `json:"rule"`
	Text string `json:"text"`
	// Because lists the answers that made it fire, as "path=answer"
	// (e.g. "safety.imminent_danger=unknown"); for risk_evaluation_due,
	// "risk_evaluation.date=none" or "risk_evaluation.date=2025-01-10".
	Because []string `json:"because"`
	// Unknown: only unknown answers made it fire; ask them at the first
	// interview.
	Unknown bool `json:"unknown,omitempty"`
}

// PreEvaluation is the result of PreEvaluate.
type PreEvaluation struct {
	Settings Settings `json:"settings"`
	Advice   []Advice `json:"advice"`
}

// EvalOptions tune PreEvaluate.
type EvalOptions struct {
	// RiskEvaluationMaxAge: older than this, a risk evaluation is due;
	// 0 means DefaultRiskEvaluationMaxAge.
	RiskEvaluationMaxAge time.Duration
}

type trigger struct {
	path   string
	answer Answer
	risky  []Answer
}

// rule is one row of the table.
type rule struct {
	id          string
	triggers    func(f *Form) []trigger
	apply       func(s *Settings)
	text        string
	unknownText string
}

var rules = []rule{
	{RuleImminentDanger,
		func(f *Form) []trigger {
			return []trigger{{"safety.imminent_danger", f.Safety.ImminentDanger.Answer, []Answer{Yes, Unknown}}}
		},
		func(s *Settings) { s.IndividualOnly = true },
		"Imminent danger: consider a protected-shelter programme; do not place her in group activities.",
		"Imminent danger was not assessed: assess it at the first contact; until then, do not place her in group activities."},
	{RuleCannotCoincide,
		func(f *Form) []trigger {
			return []trigger{{"safety.can_coincide", f.Safety.CanCoincide.Answer, []Answer{No, Unknown}}}
		},
		func(s *Settings) { s.IndividualOnly, s.SpacingEnforced = true, true },
		"She cannot coincide with other users: individual sessions only, spaced so she meets no one arriving or leaving.",
		"Whether she can coincide with other users is unknown: individual sessions only, spaced, until it is asked."},
	{RuleStrictConfidentiality,
		func(f *Form) []trigger {
			return []trigger{
				{"safety.protected_witness", f.Safety.ProtectedWitness.Answer, []Answer{Yes, Unknown}},
				{"safety.judicial_process", f.Safety.JudicialProcess.Answer, []Answer{Yes, Unknown}},
			}
		},
		func(s *Settings) { s.StrictConfidentiality = true },
		"Protected witness or judicial process: strict confidentiality; her contact log and phone reveal are restricted to supervisors.",
		"Protected-witness or judicial status is unknown: strict confidentiality until it is asked; her contact log and phone reveal are restricted to supervisors."},
	{RuleLivesWithExploiters,
		func(f *Form) []trigger {
			return []trigger{{"safety.lives_with_exploiters", f.Safety.LivesWithExploiters.Answer, []Answer{Yes, Unknown}}}
		},
		func(s *Settings) { s.Monitored, s.DiscreetOnly, s.WhatsAppRefused = true, true, true },
		"She lives or shares spaces with traffickers or exploited people: her phone is treated as monitored, discreet wording only, no WhatsApp.",
		"Whether she lives with traffickers or exploited people is unknown: her phone is treated as monitored, discreet wording only, no WhatsApp, until it is asked."},
	{RuleMonitoredPhone,
		func(f *Form) []trigger {
			return []trigger{{"monitored", f.Monitored, []Answer{Yes, Unknown}}}
		},
		func(s *Settings) { s.Monitored, s.DiscreetOnly = true, true },
		"Her phone may be monitored: discreet wording only.",
		"Whether her phone is monitored is unknown: treated as monitored, discreet wording only, until it is asked."},
	{RuleRecentThreats,
		func(f *Form) []trigger {
			return []trigger{{"safety.recent_threats", f.Safety.RecentThreats.Answer, []Answer{Yes, Unknown}}}
		},
		func(s *Settings) { s.SuggestCheckInPlan = true },
		"She was threatened recently: suggest a safety check-in plan.",
		"Whether she was threatened recently is unknown: ask, and consider a safety check-in plan."},
}

// PreEvaluate applies the rule table to a validated form. It is pure: now
// is only compared with the date of the last risk evaluation, in whole
// days.
func PreEvaluate(f *Form, now time.Time, opt EvalOptions) PreEvaluation {
	if opt.RiskEvaluationMaxAge <= 0 {
		opt.RiskEvaluationMaxAge = DefaultRiskEvaluationMaxAge
	}
	out := PreEvaluation{Advice: []Advice{}}
	for _, r := range rules {
		var because []string
		onlyUnknown := true
		for _, t := range r.triggers(f) {
			for _, a := range t.risky {
				if t.answer == a {
					because = append(because, t.path+"="+string(a))
					onlyUnknown = onlyUnknown && a == Unknown
				}
			}
		}
		if because == nil {
			continue
		}
		r.apply(&out.Settings)
		text := r.text
		if onlyUnknown {
			text = r.unknownText
		}
		out.Advice = append(out.Advice, Advice{Rule: r.id, Text: text, Because: because, Unknown: onlyUnknown})
	}
	// Whole days: an evaluation dated 90 days before today (UTC) is
	// within 90 days, whatever the hour.
	today := now.UTC().Truncate(24 * time.Hour)
	if d := f.RiskEvaluation.Date; d == "" || today.Sub(dateOf(d)) > opt.RiskEvaluationMaxAge {
		out.Settings.RiskEvaluationDue = true
		because := "risk_evaluation.date=" + d
		if d == "" {
			because += "none"
		}
		out.Advice = append(out.Advice, Advice{Rule: RuleRiskEvaluationDue, Because: []string{because},
			Text: "Risk evaluation due: no evaluation in the last " + days(opt.RiskEvaluationMaxAge) + "; do one at entry."})
	}
	return out
}

func days(d time.Duration) string {
	return strconv.Itoa(int(d/(24*time.Hour))) + " days"
}
