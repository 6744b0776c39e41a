package callback

import (
	"context"
	"strconv"
	"time"

	"safecontact/gateway/auth"
)

// The call-back queue and the inbox as the console's on-call pages use
// them (the queue and inbox parts of the console's OnCall interface): the
// methods the /v1 handlers call, with their answers turned into Task and
// Reply, which the console shows as they are (the console imports this
// package, never the other way). The access rule and the audit events are
// theirs.

// Task is one task of the call-back queue as the actor may see it: a
// row of the console's queue page (Callbacks).
type Task struct {
	ID          int64
	Participant string
	Initials    string
	// Reason: message, call_me_reply, checkin_escalation, staff_request.
	Reason string
	Urgent bool
	// Language is the language to speak with her (BCP 47).
	Language   string
	EarliestAt time.Time
	Due        bool
	// Status: open or claimed.
	Status      string
	ClaimedBy   string
	Attempts    int32
	MaxAttempts int32
	// CallState: idle, dialing, staff_ringing, her_ringing, screening,
	// bridged, ended.
	CallState string
	CreatedAt time.Time
	// Age is how long the task has waited, by the gateway's clock.
	Age time.Duration
	// TimeZone is hers (IANA), for her caseworker and the supervisors
	// only (others work the queue without it, as from the API): her
	// local time is shown beside the reader's.
	TimeZone string
}

// Reply is a message she sent: a reply, a "call me" or an answer to a
// safety check-in, as a row of the console's inbox (Inbox) or on its own
// page (OpenReply).
type Reply struct {
	ID          int64
	Participant string
	Initials    string
	// Channel: sms or whatsapp; Kind: reply, call_me, checkin_reply.
	Channel    string
	Kind       string
	ReceivedAt time.Time
	Read       bool
	// Text is her message (OpenReply only; "" when erased).
	Text   string
	Erased bool
}

// consoleQueueRows bounds the queue a page shows (the API's largest page).
const consoleQueueRows = 500

// consoleInboxRows bounds the inbox a page lists.
const consoleInboxRows = 200

// Callbacks is the open queue as a sees it, urgent first, oldest first;
// her time zone is shown to her caseworker and the supervisors only.
func (s *Service) Callbacks(ctx context.Context, a *auth.Actor) ([]Task, error) {
	items, err := s.callbackQueue(ctx, a, consoleQueueRows)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Task, 0, len(items))
	zones := map[string]string{} // by participant code
	for _, v := range items {
		cb := Task{ID: v.ID, Participant: v.Participant, Initials: v.Initials, Reason: v.Reason,
			Urgent: v.Priority == "urgent", Language: v.Language, EarliestAt: v.EarliestAt, Due: v.Due, Status: v.Status,
			Attempts: v.Attempts, MaxAttempts: v.MaxAttempts, CallState: v.CallState, CreatedAt: v.CreatedAt, Age: now.Sub(v.CreatedAt)}
		if v.ClaimedBy != nil {
			cb.ClaimedBy = *v.ClaimedBy
		}
		zone, ok := zones[v.Participant]
		if !ok {
			p, err := s.participants.ByCode(ctx, s.q, v.Participant, false)
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

// ClaimCallback gives task id to a, as POST /v1/callbacks/{id}/claim does.
func (s *Service) ClaimCallback(ctx context.Context, a *auth.Actor, id int64) error {
	_, err := s.claimTask(ctx, a, taskRef(id))
	return err
}

// ReleaseCallback puts task id back in the queue, as POST
// /v1/callbacks/{id}/release does.
func (s *Service) ReleaseCallback(ctx context.Context, a *auth.Actor, id int64) error {
	_, err := s.releaseTask(ctx, a, taskRef(id))
	return err
}

// ConnectCallback places the call of task id, as POST
// /v1/callbacks/{id}/connect does.
func (s *Service) ConnectCallback(ctx context.Context, a *auth.Actor, id int64) error {
	_, _, err := s.connectTask(ctx, a, taskRef(id))
	return err
}

// CompleteCallback records the outcome of task id, as POST
// /v1/callbacks/{id}/complete does; requeued: she is to be tried again.
func (s *Service) CompleteCallback(ctx context.Context, a *auth.Actor, id int64, outcome string) (bool, error) {
	_, requeued, err := s.completeTask(ctx, a, taskRef(id), outcome)
	return requeued, err
}

func consoleReply(it inboxItem) Reply {
	r := Reply{ID: it.ID, Participant: it.Participant, Initials: it.Initials, Channel: it.Channel, Kind: it.Kind,
		ReceivedAt: it.ReceivedAt, Read: it.Read, Erased: it.Erased}
	if it.Text != nil {
		r.Text = *it.Text
	}
	return r
}

// Inbox lists a's inbox without the texts (listing reads nothing).
func (s *Service) Inbox(ctx context.Context, a *auth.Actor, unassigned bool) ([]Reply, error) {
	items, err := replies{s}.inboxItems(ctx, a, inboxQuery{Unassigned: unassigned, Limit: consoleInboxRows})
	if err != nil {
		return nil, err
	}
	out := make([]Reply, 0, len(items))
	for _, it := range items {
		out = append(out, consoleReply(it))
	}
	return out, nil
}

// OpenReply is one reply with her text, shown and read (both audited).
func (s *Service) OpenReply(ctx context.Context, a *auth.Actor, id int64) (Reply, error) {
	it, err := replies{s}.openInboxItem(ctx, a, id)
	if err != nil {
		return Reply{}, err
	}
	return consoleReply(it), nil
}
