package gateway

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/participant"
	"safecontact/gateway/referrals"
)

// The referrals capability (gateway/referrals) is built here from the
// server's own parts: the audit append, the participants capability's
// creation (the same validation, number checks and audit as POST
// /v1/participants) and the request's actor. Errors and strict binding
// are httpx's.

func newReferrals(s *Server, d Deps) *referrals.Service {
	return referrals.New(referrals.Deps{
		DB: d.DB, Keys: d.Keys, Org: d.Config.Org, Filter: s.filter, Now: s.now, Log: s.log,
		Audit: func(ctx context.Context, q *db.Queries, a referrals.Actor, e referrals.Event) error {
			_, err := audit.Append(ctx, q, fromReferralActor(a), audit.Event{Action: e.Action, ParticipantCode: e.ParticipantCode, Details: e.Details})
			return err
		},
		CreateParticipant: s.createReferred,
		InboxThrottle:     auth.NewThrottle(inboxRefusalBurst, inboxRefusalRefill),
		ActorOf:           func(c *gin.Context) referrals.Actor { return ReferralActor(auth.ActorOf(c)) },
	}, d.Config.Referrals)
}

// The inbox's throttle: an address may have inboxRefusalBurst packages
// refused at once, then one more per inboxRefusalRefill; past that it is
// answered 429 inbox_rate_limited. A partner's gateway is refused rarely
// (a replay of a delivery whose answer was lost) and retries by itself.
const (
	inboxRefusalBurst  = 10
	inboxRefusalRefill = time.Minute
)

func fromReferralActor(a referrals.Actor) *auth.Actor {
	return &auth.Actor{UserID: a.UserID, Name: a.Name, Role: auth.Role(a.Role), RequestID: a.RequestID, IP: a.IP}
}

// createReferred creates the participant an accepted referral makes, in
// the accepting transaction q. The accepting staff member is her
// caseworker. Consent is not part of it: staff record hers afterwards.
// Her restrictions come from the rule table, not from the accepting
// staff member, so they need no supervisor here (a supervisor may clear
// them afterwards); her risk evaluations are followed from now on.
func (s *Server) createReferred(ctx context.Context, q *db.Queries, ra referrals.Actor, np referrals.NewParticipant) (string, error) {
	in := participant.ParticipantInput{Initials: &np.Initials, Language: &np.Language, TimeZone: &np.TimeZone, Phone: &np.Phone,
		Monitored: &np.Monitored, SafeWindows: &np.SafeWindows, ChannelPreference: &np.ChannelPreference,
		IndividualOnly: &np.IndividualOnly, StrictConfidentiality: &np.StrictConfidentiality, FollowRiskEvaluation: true}
	if np.RiskEvaluated != "" {
		in.RiskEvaluatedAt = &np.RiskEvaluated
	}
	created, err := s.participants.Create(ctx, q, fromReferralActor(ra), in, np.CaseworkerID, map[string]any{"from_referral": true})
	if err != nil {
		return "", err
	}
	return created.Code, nil
}

// Referrals is the referrals capability, for the CLI.
func (s *Server) Referrals() *referrals.Service { return s.referrals }

// ReferralActor is a as the referrals capability records it.
func ReferralActor(a *auth.Actor) referrals.Actor {
	return referrals.Actor{UserID: a.UserID, Name: a.Name, Role: string(a.Role), RequestID: a.RequestID, IP: a.IP}
}
