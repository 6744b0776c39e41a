package safety_test

import (
	"testing"

	"safecontact/errs"
	"safecontact/gateway/safety"
	"safecontact/templates"
)

// A code that reads as a helpline number in the discreet check-in is
// redrawn; a standard rendering keeps the first code; a render error keeps
// its own code (not unsupported_channel).
func TestRenderCheckinRedrawsFlaggedCode(t *testing.T) {
	cat, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	seq := func(codes ...string) func() string {
		i := 0
		return func() string {
			c := codes[i%len(codes)]
			i++
			return c
		}
	}
	req := templates.RenderRequest{TemplateID: "safety_checkin", Lang: "es", Variant: templates.Discreet, Channel: "sms"}
	code, r, err := safety.RenderCheckin(cat, req, seq("1522", "3114", "4821"))
	if err != nil || code != "4821" || r.Text == "" {
		t.Fatalf("redraw: %q %+v %v", code, r, err)
	}
	if _, _, err := safety.RenderCheckin(cat, req, seq("3919")); errs.Code(err) != templates.CodeSensitiveContent {
		t.Fatalf("always flagged: %v", err)
	}
	req.Variant = templates.Standard
	if code, _, err := safety.RenderCheckin(cat, req, seq("1522", "4821")); err != nil || code != "1522" {
		t.Fatalf("standard: %q %v", code, err)
	}
	req.Variant, req.Channel = templates.Discreet, "voice"
	if _, _, err := safety.RenderCheckin(cat, req, seq("4821")); errs.Code(err) != templates.CodeUnsupportedChannel {
		t.Fatalf("voice: %v", err)
	}
}
