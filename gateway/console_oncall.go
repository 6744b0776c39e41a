package gateway

import (
	"context"
	"strconv"

	"safecontact/gateway/auth"
	"safecontact/gateway/console"
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
	for _, v := range items {
		cb := console.Callback{ID: v.ID, Participant: v.Participant, Initials: v.Initials, Reason: v.Reason,
			Urgent: v.Priority == "urgent", Language: v.Language, EarliestAt: v.EarliestAt, Due: v.Due, Status: v.Status,
			Attempts: v.Attempts, MaxAttempts: v.MaxAttempts, CallState: v.CallState, CreatedAt: v.CreatedAt, Age: now.Sub(v.CreatedAt)}
		if v.ClaimedBy != nil {
			cb.ClaimedBy = *v.ClaimedBy
		}
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
