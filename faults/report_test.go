package faults

import "testing"

func TestBackwards(t *testing.T) {
	for _, c := range []struct {
		prev, next string
		want       bool
	}{
		{"queued", "sending", false},
		{"sending", "sent", false},
		{"sent", "delivered", false},
		{"delivered", "read", false},
		{"failed", "delivered", false},  // a later, better-known outcome
		{"sending", "queued", false},    // a retry
		{"unknown", "scheduled", false}, // proven never sent, back to the queue
		{"delivered", "unknown", true},  // a late timeout overwriting a delivery
		{"sent", "unknown", true},       // the provider took it: never "maybe" again
		{"delivered", "failed", true},   // a late failure after a delivery
		{"sent", "queued", true},        // the provider has it: a resend would duplicate
		{"read", "delivered", true},
		{"queued", "mystery", false}, // an unknown status is not judged
	} {
		if got := backwards(c.prev, c.next); got != c.want {
			t.Errorf("backwards(%s, %s) = %v, want %v", c.prev, c.next, got, c.want)
		}
	}
}
