package participant

import (
	"context"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth"
)

// Object-level access: who may act on which participant. This file is the
// one place the rule lives; handlers name the action and call Authorize
// (or For). auth.Actor.ActsOn and Oversees are its two role facts.
//
// The rule: her caseworker acts on her; a supervisor (and so an admin)
// acts on anyone; the system (scheduler, workers, webhooks) acts on
// anyone. Every other staff member sees only what shared work needs —
// her code, initials and caseworker in the participant list, the open
// call-backs, the escalations to acknowledge — and may do only the
// actions marked anyStaff below. There are no teams yet: a caseworker's
// colleague covers through a supervisor, who may also reassign her.
//
// Why a caseworker and not every staff member: a staff token that leaks
// (or a staff member who turns) otherwise reaches every woman's number,
// texts and safety plan; with this rule it reaches her own caseload.
//
// Two settings of hers narrow it further (set from a referral's risk
// pre-evaluation, changed by supervisors only: ActRestrict):
// strict_confidentiality makes her phone reveal (strictActs) supervisors
// only, as her contact log always is — her own caseworker is refused the
// reveal with CodeStrictConfidentiality, anyone else outside her team with
// the usual forbidden, so that staff who do not act on her do not learn
// she is under it. individual_only is not about who acts but what may be booked for
// her: gateway/safety (appointments) refuses group sessions for her (booking
// and moving lock her row, as a change of her profile does). Switching it
// on while she has future group sessions booked is refused with
// CodeIndividualOnly and their ids (noGroupSessions): a supervisor changes
// them to individual or cancels them first, rather than the setting
// standing while a group session still waits for her.

// need is who may do an action on a participant.
type need int

const (
	// herTeam: her caseworker or a supervisor.
	herTeam need = iota
	// anyStaff: any staff member. Only actions that are either shared
	// work (the call-back queue, acknowledging an escalation) or protect
	// her (revoking consent: she may phone anyone at the office to say
	// stop) are here.
	anyStaff
	// supervisors: a supervisor (and so an admin) or the system, whoever
	// her caseworker is.
	supervisors
)

// CodeStrictConfidentiality refuses her caseworker what strict
// confidentiality keeps for supervisors (status: errs/status.go).
const CodeStrictConfidentiality = "strict_confidentiality"

// CodeIndividualOnly refuses a group session for her, or switching
// individual_only on while she has one booked (status: errs/status.go).
const CodeIndividualOnly = "individual_only"

// Participant actions, as the refusal names them ("only her caseworker or
// a supervisor can …").
const (
	ActView         = "see her profile, consents, messages and plans"
	ActEdit         = "change her profile"
	ActReassign     = "reassign her to another caseworker"
	ActChangeNumber = "change her phone number or WhatsApp number"
	ActMonitored    = "change whether her phone may be monitored"
	ActGrant        = "record her consent"
	ActRevoke       = "revoke her consent"
	ActSend         = "send her a message"
	ActAppointments = "book, move or cancel her appointments"
	ActCheckins     = "set or remove her check-in plan"
	ActReveal       = "see her phone number"
	ActErase        = "erase her message contents"
	ActResolve      = "resolve an escalation about her"
	ActAck          = "acknowledge an escalation about her"
	ActCallback     = "work a call-back to her"
	ActContactLog   = "read her contact log"
	ActRestrict     = "set or clear her individual-only or strict-confidentiality restriction"
	ActRiskEval     = "record her risk evaluation"
)

// strictActs are what strict confidentiality keeps for supervisors. Her
// contact log is already supervisors only (needs), so her caseworker is
// refused it with forbidden before this is looked at; the entry stays so
// that the log stays closed under strict confidentiality should its need
// ever widen.
var strictActs = map[string]bool{ActReveal: true, ActContactLog: true}

// participantActions is the table: every action above, and who may do it.
var participantActions = map[string]need{
	ActView: herTeam, ActEdit: herTeam, ActReassign: herTeam, ActChangeNumber: herTeam, ActMonitored: herTeam,
	ActGrant: herTeam, ActSend: herTeam, ActAppointments: herTeam, ActCheckins: herTeam,
	ActReveal: herTeam, ActErase: herTeam, ActResolve: herTeam, ActRiskEval: herTeam,
	ActRevoke: anyStaff, ActAck: anyStaff, ActCallback: anyStaff,
	// Her contact log is the supervisors' view of everything done about
	// her, whoever she is; the restrictions are a supervisor's decision
	// both ways (switching one on also takes work away from her
	// caseworker).
	ActContactLog: supervisors, ActRestrict: supervisors,
}

// Authorize is the rule: nil if a may do act on p, else 403 forbidden
// naming the action (never her data).
func Authorize(a *auth.Actor, p db.Participant, act string) error {
	n, ok := participantActions[act]
	if !ok {
		// An action missing from the table is refused: fail closed.
		return errs.New(errs.CodeForbidden, "this action is not allowed")
	}
	if n == supervisors {
		if a.Oversees() {
			return nil
		}
		return errs.New(errs.CodeForbidden, "only a supervisor can %s", act)
	}
	if !(n == anyStaff && a.Role.Includes(auth.RoleStaff) || a.ActsOn(p.CaseworkerID)) {
		return errs.New(errs.CodeForbidden, "only her caseworker or a supervisor can %s", act)
	}
	if strictActs[act] && p.StrictConfidentiality && !a.Oversees() {
		return errs.New(CodeStrictConfidentiality, "she is under strict confidentiality: only a supervisor can %s", act)
	}
	return nil
}

// For loads a participant by code and authorizes act on her.
func (s *Service) For(ctx context.Context, q *db.Queries, a *auth.Actor, code string, forUpdate bool, act string) (db.Participant, error) {
	p, err := s.ByCode(ctx, q, code, forUpdate)
	if err != nil {
		return p, err
	}
	return p, Authorize(a, p, act)
}

// participantSummary is what staff who do not act on her see: enough to
// route work to her caseworker, nothing about her contact or safety.
type participantSummary struct {
	Code       string  `json:"code"`
	Initials   string  `json:"initials"`
	Caseworker *string `json:"caseworker"`
	// Access "limited": the rest of her profile is for her caseworker and
	// the supervisors.
	Access string `json:"access"`
}

func summaryOf(v ParticipantView) participantSummary {
	return participantSummary{Code: v.Code, Initials: v.Initials, Caseworker: v.Caseworker, Access: "limited"}
}

// Visible is a participant as one user may see her: her whole profile
// for her caseworker and the supervisors; for other staff, Limited, with
// only her code, initials and caseworker filled in (the rest is zero, so
// no page or answer can show it by mistake).
type Visible struct {
	ParticipantView
	Limited bool
}

// API is v as the API answers it.
func (v Visible) API() any {
	if v.Limited {
		return summaryOf(v.ParticipantView)
	}
	return v.ParticipantView
}

// visibleFor is v as a may see it.
func visibleFor(a *auth.Actor, p db.Participant, v ParticipantView) Visible {
	if a.ActsOn(p.CaseworkerID) {
		return Visible{ParticipantView: v}
	}
	return Visible{ParticipantView: ParticipantView{Code: v.Code, Initials: v.Initials, Caseworker: v.Caseworker}, Limited: true}
}

// profileActions are the actions a PATCH of her profile performs, from
// the fields it changed.
func profileActions(changed []string) []string {
	acts := []string{ActEdit}
	for _, f := range changed {
		switch f {
		case "caseworker":
			acts = append(acts, ActReassign)
		case "phone", "whatsapp":
			acts = append(acts, ActChangeNumber)
		case "monitored":
			acts = append(acts, ActMonitored)
		case "individual_only", "strict_confidentiality":
			acts = append(acts, ActRestrict)
		case "risk_evaluated_at":
			acts = append(acts, ActRiskEval)
		}
	}
	return acts
}
