package message

import (
	"testing"
	"time"

	"safecontact/consent"
	"safecontact/errs"
)

// A promised time that does not parse (Render reads it the same way, so
// this is a guard) is refused on the parameter as the API names it,
// params.NAME, and not as the bare name.
func TestPromiseCallUnparsedTimeNamesParam(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 2, 8, 30, 0, 0, time.UTC)
	out := composed{decision: consent.Decision{Allowed: true, SendAt: now}}
	for _, raw := range []string{"", "tomorrow at ten", "2026-06-03 10:30"} {
		_, err := promiseCall(out, consent.Profile{HasPhone: true}, consent.ChannelConsent{}, now, "when", raw)
		e := errs.As(err)
		if e == nil || e.Code != CodeInvalidParam || e.Field != "params.when" {
			t.Errorf("%q: %+v", raw, err)
		}
	}
}
