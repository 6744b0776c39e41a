package safety_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"safecontact/channels/twiliotest"
	"safecontact/gateway/auth"
	"safecontact/gateway/callback"
	"safecontact/gateway/gatewaytest"
)

// postInbound posts her reply through the real inbound webhook, signed as
// Twilio signs it for the pipeline's public URL.
func (r *checkinRig) postInbound(body string) {
	r.T.Helper()
	form := url.Values{"MessageSid": {gatewaytest.NextMessageSid()}, "AccountSid": {r.Fake.AccountSID()}, "From": {herPhone},
		"To": {"+15005550006"}, "Body": {body}, "NumMedia": {"0"}}
	req, _ := http.NewRequest("POST", r.HTTP.URL+callback.RouteInbound, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(r.Fake.AuthToken(), r.HTTP.URL+callback.RouteInbound, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.T.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		r.T.Fatalf("inbound webhook: %d", resp.StatusCode)
	}
}

// TestCheckinRepliesThroughInboundWebhook: the inbound webhook hands her
// replies to the check-in logic; the inbox shows them as handled check-in
// answers (kind checkin_reply), since she may have written more than the
// word, and a text no person has read is never erased.
func TestCheckinRepliesThroughInboundWebhook(t *testing.T) {
	t.Parallel()
	r := newCheckinRig(t, nil)
	r.start()
	r.postInbound("vale")
	if st := r.checkinStatus(); st != "ok" {
		t.Fatalf("check-in status = %s, want ok", st)
	}
	if items := r.InboxItems(auth.RoleStaff, ""); len(items) != 1 || items[0]["kind"] != "checkin_reply" || items[0]["text"] != "vale" {
		t.Fatalf("inbox: %v", items)
	}
}

func TestCheckinDuressThroughInboundWebhook(t *testing.T) {
	t.Parallel()
	r := newCheckinRig(t, nil)
	r.start()
	r.postInbound("Perro negro")
	if st := r.checkinStatus(); st != "duress" {
		t.Fatalf("check-in status = %s, want duress", st)
	}
	if es := r.escalations(); len(es) != 1 {
		t.Fatalf("escalations = %v", es)
	}
	// Silent: nothing more went to her phone than the check-in itself.
	if sent := r.sentTo(herPhone); len(sent) != 1 {
		t.Fatalf("%d messages to her phone, want only the check-in", len(sent))
	}
}
