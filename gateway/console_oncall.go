package gateway

import (
	"context"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"safecontact/gateway/httpx"

	"safecontact/gateway/auth"
	"safecontact/gateway/console"
	"safecontact/gateway/safety"
)

// onCallPages is console.OnCall on the server: the methods the /v1
// handlers of the call-back queue, the inbox and the escalations call,
// with their answers turned into the console's types. The access rule and
// the audit events are theirs.
type onCallPages struct{ s *Server }

// onCallQueueRows bounds the queue a page shows (the API's largest page).
const onCallQueueRows = 500

func (o onCallPages) Callbacks(ctx context.Context, a *auth.Actor) ([]console.Callback, error) {
	items, err := o.s.callbackQueue(ctx, a, onCallQueueRows)
	if err != nil {
		return nil, err
	}
	now := o.s.now()
	out := make([]console.Callback, 0, len(items))
	zones := map[string]string{} // by participant code
	for _, v := range items {
		cb := console.Callback{ID: v.ID, Participant: v.Participant, Initials: v.Initials, Reason: v.Reason,
			Urgent: v.Priority == "urgent", Language: v.Language, EarliestAt: v.EarliestAt, Due: v.Due, Status: v.Status,
			Attempts: v.Attempts, MaxAttempts: v.MaxAttempts, CallState: v.CallState, CreatedAt: v.CreatedAt, Age: now.Sub(v.CreatedAt)}
		if v.ClaimedBy != nil {
			cb.ClaimedBy = *v.ClaimedBy
		}
		zone, ok := zones[v.Participant]
		if !ok {
			p, err := o.s.participants.ByCode(ctx, o.s.q, v.Participant, false)
			if err != nil {
				return nil, err
			}
			if a.ActsOn(p.CaseworkerID) {
				zone = p.TimeZone
			}
			zones[v.Participant] = zone
		}
		cb.TimeZone = zone
		out = append(out, cb)
	}
	return out, nil
}

func taskRef(id int64) string { return strconv.FormatInt(id, 10) }

func (o onCallPages) ClaimCallback(ctx context.Context, a *auth.Actor, id int64) error {
	_, err := o.s.claimTask(ctx, a, taskRef(id))
	return err
}

func (o onCallPages) ReleaseCallback(ctx context.Context, a *auth.Actor, id int64) error {
	_, err := o.s.releaseTask(ctx, a, taskRef(id))
	return err
}

func (o onCallPages) ConnectCallback(ctx context.Context, a *auth.Actor, id int64) error {
	_, _, err := o.s.connectTask(ctx, a, taskRef(id))
	return err
}

func (o onCallPages) CompleteCallback(ctx context.Context, a *auth.Actor, id int64, outcome string) (bool, error) {
	_, requeued, err := o.s.completeTask(ctx, a, taskRef(id), outcome)
	return requeued, err
}

// onCallInboxRows bounds the inbox a page lists.
const onCallInboxRows = 200

func consoleReply(it inboxItem) console.Reply {
	r := console.Reply{ID: it.ID, Participant: it.Participant, Initials: it.Initials, Channel: it.Channel, Kind: it.Kind,
		ReceivedAt: it.ReceivedAt, Read: it.Read, Erased: it.Erased}
	if it.Text != nil {
		r.Text = *it.Text
	}
	return r
}

func (o onCallPages) Inbox(ctx context.Context, a *auth.Actor, unassigned bool) ([]console.Reply, error) {
	items, err := o.s.inboxItems(ctx, a, inboxQuery{Unassigned: unassigned, Limit: onCallInboxRows})
	if err != nil {
		return nil, err
	}
	out := make([]console.Reply, 0, len(items))
	for _, it := range items {
		out = append(out, consoleReply(it))
	}
	return out, nil
}

func (o onCallPages) OpenReply(ctx context.Context, a *auth.Actor, id int64) (console.Reply, error) {
	it, err := o.s.openInboxItem(ctx, a, id)
	if err != nil {
		return console.Reply{}, err
	}
	return consoleReply(it), nil
}

// consoleEscalation is v (a safety.EscalationView or, outside her team, a
// safety.EscalationSummary) as the console shows it.
func (o onCallPages) consoleEscalation(v any) console.Escalation {
	now := o.s.now()
	switch v := v.(type) {
	case safety.EscalationView:
		e := console.Escalation{ID: v.ID, Participant: v.Participant, Initials: v.Initials, Status: v.Status, Level: v.Level,
			CreatedAt: v.CreatedAt, Age: now.Sub(v.CreatedAt), Reason: v.Reason, Urgent: v.Urgent}
		if v.NextStepAt != nil {
			e.NextStepAt = *v.NextStepAt
		}
		if v.AckedAt != nil {
			e.AckedAt = *v.AckedAt
		}
		return e
	case safety.EscalationSummary:
		return console.Escalation{ID: v.ID, Participant: v.Participant, Initials: v.Initials, Limited: true, Status: v.Status,
			Level: v.Level, CreatedAt: v.CreatedAt, Age: now.Sub(v.CreatedAt)}
	}
	// Not reached: the safety service gives one of the two. Fail closed.
	return console.Escalation{Limited: true}
}

// Escalations: the open ones first, then the acknowledged ones still
// unresolved; the longest waiting first in each.
func (o onCallPages) Escalations(ctx context.Context, a *auth.Actor) ([]console.Escalation, error) {
	var out []console.Escalation
	for _, st := range []string{"open", "acknowledged"} {
		items, err := o.s.safety.Escalations(ctx, a, st)
		if err != nil {
			return nil, err
		}
		var part []console.Escalation
		for _, v := range items {
			part = append(part, o.consoleEscalation(v))
		}
		slices.SortStableFunc(part, func(x, y console.Escalation) int { return x.CreatedAt.Compare(y.CreatedAt) })
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

func (o onCallPages) Escalation(ctx context.Context, a *auth.Actor, id string) (console.Escalation, error) {
	u, err := escalationRef(id)
	if err != nil {
		return console.Escalation{}, err
	}
	v, err := o.s.safety.Escalation(ctx, a, u)
	if err != nil {
		return console.Escalation{}, err
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
