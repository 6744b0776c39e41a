// Package message is the accept side of messages: a staff member's request
// decided against her consent and contactability, rendered, filtered for a
// monitored phone and stored with its outbox row (batched, idempotent);
// the preview, her message list and a message's history; the provider's
// status callbacks; erasing her contents; purging expired bodies. The
// delivery side (outbox relay, workers, reconciliation) writes statuses
// through MoveStatus and ApplyStatusUpdatesTx.
//
// This file holds the rules of a message's status that need no database:
// the statuses, their forward-only ranks and which are final.
//
// The database holds the same rule (migration 00014: every status write is
// an UPDATE whose WHERE carries message_status_may_move, and a trigger
// refuses any other backwards update); Rank and MayMove mirror the SQL for
// the decisions made in Go, and gateway's TestStatusRankMatchesSQL keeps the
// two equal.
package message

import "safecontact/channels"

// Message statuses. A message moves forward only, by the ranks of
// migration 00014 that the database enforces:
//
//	scheduled → queued → sending → sent → delivered → read
//	                              ↘ undelivered | failed
//	queued|scheduled → dropped_consent_revoked (re-check before sending refused)
//	queued|scheduled → dropped_call_refused (re-check: the promised call or the time the text states no longer holds)
//	sending (crash or timeout, the provider may have it) → unknown → (reconciliation) sent | delivered | …
//	sending (provider refused, retry) → scheduled
//	sending (stuck, the provider cannot place it) → unknown (reconcile_unproven)
const (
	StatusScheduled = "scheduled"
	StatusQueued    = "queued"
	StatusSending   = "sending"
	StatusSent      = "sent"
	StatusDropped   = "dropped_consent_revoked"
	// StatusDroppedUnsafe: her phone became monitored after the message
	// was written in standard wording; it is not sent.
	StatusDroppedUnsafe = "dropped_now_monitored"
	// StatusDroppedCallRefused: the re-check before sending refused the
	// call the message promises (its time has passed, is outside her safe
	// hours or too far ahead) or found the text's time written in a time
	// zone no longer hers (migration 00022). Not a consent withdrawal:
	// the message's code says which.
	StatusDroppedCallRefused = "dropped_call_refused"
	StatusFailed             = "failed"
	StatusUnknown            = "unknown"
)

// Rank is message_status_rank of migration 00014 (00022 added
// dropped_call_refused).
func Rank(s string) int {
	switch s {
	case StatusScheduled, StatusQueued:
		return 1
	case StatusSending:
		return 2
	case StatusUnknown:
		return 3
	case StatusSent:
		return 4
	case "undelivered", StatusFailed, "canceled", StatusDropped, StatusDroppedUnsafe, StatusDroppedCallRefused, channels.SinkStatus:
		return 5
	case "delivered":
		return 6
	case "read":
		return 7
	}
	return 0
}

// MayMove is message_status_may_move of migration 00014: forward, the
// same status again, or back to waiting for a message the provider does not
// have.
func MayMove(cur, next string, hasProviderID bool) bool {
	if next == cur || Rank(next) > Rank(cur) {
		return true
	}
	waiting := next == StatusScheduled || next == StatusQueued
	switch cur {
	case StatusScheduled, StatusQueued, StatusSending, StatusUnknown:
		return waiting && !hasProviderID
	}
	return false
}

// Final: nothing more will happen to the message.
func Final(s string) bool {
	switch s {
	case "delivered", "read", "undelivered", "failed", "canceled", StatusDropped, StatusDroppedUnsafe, StatusDroppedCallRefused, StatusUnknown, channels.SinkStatus:
		return true
	}
	return false
}
