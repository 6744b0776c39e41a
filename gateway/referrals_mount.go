package gateway

import (
	"context"
	"database/sql"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/gateway/referrals"
)

// The referrals capability (gateway/referrals) is built here from the
// server's own parts: its audit append, its participant creation (the same
// validation, number checks and audit as POST /v1/participants) and its
// actor. Errors and strict binding are httpx's.

func newReferrals(s *Server, d Deps) *referrals.Service {
	return referrals.New(referrals.Deps{
		DB: d.DB, Keys: d.Keys, Org: d.Config.Org, Filter: s.filter, Now: s.now, Log: s.log,
		Audit: func(ctx context.Context, q *db.Queries, a referrals.Actor, e referrals.Event) error {
			_, err := Append(ctx, q, fromReferralActor(a), AuditEvent{Action: e.Action, ParticipantCode: e.ParticipantCode, Details: e.Details})
			return err
		},
		CreateParticipant: s.createReferred,
		ActorOf:           func(c *gin.Context) referrals.Actor { return ReferralActor(actorOf(c)) },
	}, d.Config.Referrals)
}

func fromReferralActor(a referrals.Actor) *Actor {
	return &Actor{UserID: a.UserID, Name: a.Name, Role: Role(a.Role), RequestID: a.RequestID, IP: a.IP}
}

// createReferred creates the participant an accepted referral makes, in
// the accepting transaction q. The accepting staff member is her
// caseworker. Consent is not part of it: staff record hers afterwards.
func (s *Server) createReferred(ctx context.Context, q *db.Queries, ra referrals.Actor, np referrals.NewParticipant) (string, error) {
	a := fromReferralActor(ra)
	in := participantInput{Initials: &np.Initials, Language: &np.Language, TimeZone: &np.TimeZone, Phone: &np.Phone,
		Monitored: &np.Monitored, SafeWindows: &np.SafeWindows, ChannelPreference: &np.ChannelPreference}
	p := db.UpdateParticipantParams{SafeWindows: []string{}, ChannelPreference: []string{}}
	if np.CaseworkerID != 0 {
		p.CaseworkerID = sql.NullInt64{Int64: np.CaseworkerID, Valid: true}
	}
	if _, err := s.applyInput(ctx, a, in, &p, true); err != nil {
		return "", err
	}
	created, err := s.insertParticipant(ctx, q, a, p, map[string]any{"from_referral": true})
	if err != nil {
		if dup := uniqueViolation(err); dup != nil {
			return "", dup
		}
		return "", err
	}
	return created.Code, nil
}

// Referrals is the referrals capability, for the CLI.
func (s *Server) Referrals() *referrals.Service { return s.referrals }

// ReferralActor is a as the referrals capability records it.
func ReferralActor(a *Actor) referrals.Actor {
	return referrals.Actor{UserID: a.UserID, Name: a.Name, Role: string(a.Role), RequestID: a.RequestID, IP: a.IP}
}
