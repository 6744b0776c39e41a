package message

import "testing"

// A final status is never followed by a wait: nothing moves a final message
// back to scheduled or queued, with or without a provider id.
func TestFinalNeverWaitsAgain(t *testing.T) {
	t.Parallel()
	all := []string{StatusScheduled, StatusQueued, StatusSending, StatusUnknown, StatusSent,
		"undelivered", StatusFailed, "canceled", StatusDropped, StatusDroppedUnsafe, "delivered", "read"}
	for _, s := range all {
		if Rank(s) == 0 {
			t.Errorf("Rank(%q) = 0: a known status has no rank", s)
		}
		if !Final(s) || s == StatusUnknown {
			continue
		}
		for _, w := range []string{StatusScheduled, StatusQueued} {
			for _, pid := range []bool{false, true} {
				if MayMove(s, w, pid) {
					t.Errorf("MayMove(%q, %q, %v): a final message went back to waiting", s, w, pid)
				}
			}
		}
	}
}
