package gateway

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/gateway/httpx"
	"safecontact/gateway/safety"
)

// The safety capability (gateway/safety) is built here from the server's
// parts: the participants capability, the message service's store of
// templated messages (message_mount.go), the voice queue's call-back
// tasks, the relay's kick and the discreet filter's known names. It runs on the
// server's clock, read at each call.

func newSafety(s *Server, d Deps) *safety.Service {
	return safety.New(safety.Deps{
		DB: d.DB, Keys: d.Keys, Catalog: s.catalog, Participants: s.participants, Messages: safetyMessages{s.messages},
		Callback: escalationCallback, JS: d.JS, Log: s.log, Kick: s.kickRelay, MeetingPointAdded: s.messages.ForgetKnownNames,
		Now: func() time.Time { return s.now() },
	}, safety.Config{
		SessionSpacing: s.cfg.SessionSpacing, EscalationAckTimeout: s.cfg.EscalationAckTimeout, OnCallUser: s.cfg.OnCallUser,
		EmergencyProtocol: s.cfg.EmergencyProtocol, ConsentReviewAge: s.cfg.ConsentReviewAge, Batch: schedulerBatch,
		SendClaimLease: s.cfg.SendClaimLease,
	})
}

// warnRefusedAtForms logs, once at startup, each registered meeting
// point name and at form rendering refuses now (safety.RefusedAtForms):
// its meeting point, the form's language and the reason, never its
// text, which may name where she meets her caseworker.
func warnRefusedAtForms(ctx context.Context, d *sql.DB, log *slog.Logger) {
	refused, err := safety.RefusedAtForms(ctx, db.New(d))
	if err != nil {
		log.Warn("meeting points: the registered names and at forms could not be checked", "err", httpx.RedactErr(err))
		return
	}
	for _, r := range refused {
		switch {
		case r.Lang == "":
			log.Warn("meeting points: a name fails the plain-letters check rendering applies now; messages naming the place fail to render until it is renamed (PATCH /v1/meeting-points/{id})",
				"meeting_point_id", r.MeetingPointID, "reason", r.Reason)
		case r.Reason == safety.ReasonAtFormWords:
			log.Warn("meeting points: an at form says more than the place's name and its preposition; messages naming the place in this language fail to render until it is changed (PATCH /v1/meeting-points/{id})",
				"meeting_point_id", r.MeetingPointID, "lang", r.Lang, "reason", r.Reason)
		default:
			log.Warn("meeting points: an at form fails the plain-letters check rendering applies now; messages naming the place in this language fail to render until it is changed (PATCH /v1/meeting-points/{id})",
				"meeting_point_id", r.MeetingPointID, "lang", r.Lang, "reason", r.Reason)
		}
	}
}

// Safety is the safety capability: its scheduler steps and the staff
// alerter, for a process that runs them itself.
func (s *Server) Safety() *safety.Service { return s.safety }

// escalationCallback queues an escalation's call-back task in the voice
// queue (gateway/callback).
func escalationCallback(ctx context.Context, q *db.Queries, a *auth.Actor, p db.Participant, urgent bool, sourceKey string, now time.Time) (int64, error) {
	task, _, err := callback.Create(ctx, q, a, callback.Request{Participant: p, Reason: callback.ReasonEscalation, Urgent: urgent, SourceKey: sourceKey, Now: now})
	return task.ID, err
}
