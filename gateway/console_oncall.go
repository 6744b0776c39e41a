package gateway

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"safecontact/gateway/httpx"

	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/gateway/console/oncallui"
	"safecontact/gateway/safety"
)

// onCallPages is oncallui.OnCall on the server: the call-back queue and
// the inbox are the callback capability's (its exported methods, the ones
// its /v1 handlers call); the escalations are the methods the /v1
// escalation handlers call, with their answers turned into the console's
// types. The access rule and the audit events are theirs.
type onCallPages struct {
	*callback.Service
	s *Server
}

// consoleEscalation is v (a safety.EscalationView or, outside her team, a
// safety.EscalationSummary) as the console shows it.
func (o onCallPages) consoleEscalation(v any) oncallui.Escalation {
	now := o.s.now()
	switch v := v.(type) {
	case safety.EscalationView:
		e := oncallui.Escalation{ID: v.ID, Participant: v.Participant, Initials: v.Initials, Status: v.Status, Level: v.Level,
			CreatedAt: v.CreatedAt, Age: now.Sub(v.CreatedAt), Reason: v.Reason, Urgent: v.Urgent}
		if v.NextStepAt != nil {
			e.NextStepAt = *v.NextStepAt
		}
		if v.AckedAt != nil {
			e.AckedAt = *v.AckedAt
		}
		return e
	case safety.EscalationSummary:
		return oncallui.Escalation{ID: v.ID, Participant: v.Participant, Initials: v.Initials, Limited: true, Status: v.Status,
			Level: v.Level, CreatedAt: v.CreatedAt, Age: now.Sub(v.CreatedAt)}
	}
	// Not reached: the safety service gives one of the two. Fail closed.
	return oncallui.Escalation{Limited: true}
}

// Escalations: the open ones first, then the acknowledged ones still
// unresolved; the longest waiting first in each.
func (o onCallPages) Escalations(ctx context.Context, a *auth.Actor) ([]oncallui.Escalation, error) {
	var out []oncallui.Escalation
	for _, st := range []string{"open", "acknowledged"} {
		items, err := o.s.safety.Escalations(ctx, a, st)
		if err != nil {
			return nil, err
		}
		var part []oncallui.Escalation
		for _, v := range items {
			part = append(part, o.consoleEscalation(v))
		}
		slices.SortStableFunc(part, func(x, y oncallui.Escalation) int { return x.CreatedAt.Compare(y.CreatedAt) })
		out = append(out, part...)
	}
	return out, nil
}

func escalationRef(id string) (uuid.UUID, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return u, httpx.NotFound("escalation")
	}
	return u, nil
}

func (o onCallPages) Escalation(ctx context.Context, a *auth.Actor, id string) (oncallui.Escalation, error) {
	u, err := escalationRef(id)
	if err != nil {
		return oncallui.Escalation{}, err
	}
	v, err := o.s.safety.Escalation(ctx, a, u)
	if err != nil {
		return oncallui.Escalation{}, err
	}
	return o.consoleEscalation(v), nil
}

func (o onCallPages) EmergencyProtocol() string { return o.s.safety.EmergencyProtocol() }

func (o onCallPages) AckEscalation(ctx context.Context, a *auth.Actor, id string) error {
	u, err := escalationRef(id)
	if err != nil {
		return err
	}
	_, err = o.s.safety.Acknowledge(ctx, a, u)
	return err
}

func (o onCallPages) ResolveEscalation(ctx context.Context, a *auth.Actor, id, outcome, note string) error {
	u, err := escalationRef(id)
	if err != nil {
		return err
	}
	_, err = o.s.safety.Resolve(ctx, a, u, outcome, note)
	return err
}
