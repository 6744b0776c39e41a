package channels

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"safecontact/channels/twiliotest"
)

const hookURL = "https://gw.example.org/webhooks/twilio/status"

func statusForm() url.Values {
	return url.Values{
		"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "SmsSid": {"SM0123456789abcdef0123456789abcdef"},
		"MessageStatus": {"delivered"}, "SmsStatus": {"delivered"}, "AccountSid": {"AC" + strings.Repeat("1", 32)},
		"From": {smsFrom}, "To": {herNumber}, "ApiVersion": {"2010-04-01"},
	}
}

func TestVerifyTwilioSignature(t *testing.T) {
	form := statusForm()
	sig := twiliotest.Sign(testToken, hookURL, form)
	multi := statusForm()
	multi["MediaUrl"] = []string{"https://m.example.org/b", "https://m.example.org/a"}
	multiSig := twiliotest.Sign(testToken, hookURL, multi)

	with := func(f func(url.Values)) url.Values {
		v := statusForm()
		f(v)
		return v
	}
	for _, tc := range []struct {
		name, token, url string
		form             url.Values
		sig              string
		want             bool
	}{
		{"valid", testToken, hookURL, form, sig, true},
		{"valid, default port spelled out", testToken, "https://gw.example.org:443/webhooks/twilio/status", form, sig, true},
		{"forged signature", testToken, hookURL, form, "dGhpcyBpcyBub3QgYSBzaWduYXR1cmU=", false},
		{"not base64", testToken, hookURL, form, "%%%", false},
		{"other token", "othertoken", hookURL, form, sig, false},
		{"altered status", testToken, hookURL, with(func(v url.Values) { v.Set("MessageStatus", "failed") }), sig, false},
		{"added field", testToken, hookURL, with(func(v url.Values) { v.Set("ErrorCode", "30003") }), sig, false},
		{"removed field", testToken, hookURL, with(func(v url.Values) { v.Del("To") }), sig, false},
		{"other path", testToken, "https://gw.example.org/webhooks/twilio/inbound", form, sig, false},
		{"other host", testToken, "https://evil.example.org/webhooks/twilio/status", form, sig, false},
		{"other scheme", testToken, "http://gw.example.org/webhooks/twilio/status", form, sig, false},
		{"added query", testToken, hookURL + "?x=1", form, sig, false},
		{"empty signature", testToken, hookURL, form, "", false},
		{"empty token never verifies", "", hookURL, form, twiliotest.Sign("", hookURL, form), false},
		{"empty url", testToken, "", form, sig, false},
		{"multi-valued valid", testToken, hookURL, multi, multiSig, true},
		{"multi-valued, values in other order", testToken, hookURL,
			with(func(v url.Values) { v["MediaUrl"] = []string{"https://m.example.org/a", "https://m.example.org/b"} }), multiSig, true},
		{"multi-valued, value dropped", testToken, hookURL,
			with(func(v url.Values) { v["MediaUrl"] = []string{"https://m.example.org/b"} }), multiSig, false},
		// twilio-go's own ValidateBody signs only the first value of each
		// name; a second value smuggled into a signed request must fail.
		{"smuggled second value", testToken, hookURL,
			with(func(v url.Values) { v["MessageStatus"] = []string{"delivered", "read"} }), sig, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := VerifyTwilioSignature(tc.token, tc.url, tc.form, tc.sig); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseTwilioStatus(t *testing.T) {
	for _, tc := range []struct{ twilio, ours string }{
		{"accepted", "queued"}, {"scheduled", "queued"}, {"queued", "queued"},
		{"sending", "sending"}, {"sent", "sent"}, {"partially_delivered", "sent"},
		{"delivered", "delivered"}, {"read", "read"},
		{"undelivered", "undelivered"}, {"failed", "failed"}, {"canceled", "canceled"},
		{"receiving", "sending"}, {"received", "delivered"},
		{"DELIVERED", "delivered"},
	} {
		t.Run(tc.twilio, func(t *testing.T) {
			v := statusForm()
			v.Set("MessageStatus", tc.twilio)
			up, err := ParseTwilioStatus(v)
			if err != nil {
				t.Fatal(err)
			}
			if up.Status != tc.ours || up.ProviderStatus != strings.ToLower(tc.twilio) ||
				up.ProviderID != "SM0123456789abcdef0123456789abcdef" || up.ErrorCode != 0 {
				t.Fatalf("got %+v", up)
			}
			if StatusRank(up.Status) == 0 {
				t.Fatalf("%s has no rank", up.Status)
			}
		})
	}
	t.Run("error code and legacy names", func(t *testing.T) {
		v := url.Values{"SmsSid": {"MM0123456789abcdef0123456789abcdef"}, "SmsStatus": {"undelivered"}, "ErrorCode": {"30003"}}
		up, err := ParseTwilioStatus(v)
		if err != nil || up != (StatusUpdate{ProviderID: "MM0123456789abcdef0123456789abcdef", Status: "undelivered", ProviderStatus: "undelivered", ErrorCode: 30003}) {
			t.Fatalf("got %+v %v", up, err)
		}
	})
	for _, tc := range []struct {
		name   string
		mutate func(url.Values)
		want   error
	}{
		{"no sid", func(v url.Values) { v.Del("MessageSid"); v.Del("SmsSid") }, ErrWebhookMissingSid},
		{"bad sid", func(v url.Values) { v.Set("MessageSid", "SM"+herNumber) }, ErrWebhookBadSid},
		{"call sid", func(v url.Values) { v.Set("MessageSid", "CA0123456789abcdef0123456789abcdef") }, ErrWebhookBadSid},
		{"no status", func(v url.Values) { v.Del("MessageStatus"); v.Del("SmsStatus") }, ErrWebhookMissingStatus},
		{"unknown status", func(v url.Values) { v.Set("MessageStatus", "delivered "+herNumber) }, ErrWebhookUnknownStatus},
		{"bad error code", func(v url.Values) { v.Set("ErrorCode", herNumber) }, ErrWebhookBadErrorCode},
		{"negative error code", func(v url.Values) { v.Set("ErrorCode", "-1") }, ErrWebhookBadErrorCode},
		{"repeated status", func(v url.Values) { v["MessageStatus"] = []string{"sent", "delivered"} }, ErrWebhookRepeatedField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := statusForm()
			tc.mutate(v)
			_, err := ParseTwilioStatus(v)
			if err != tc.want {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			assertNoNumber(t, err)
		})
	}
}

func TestStatusRank(t *testing.T) {
	order := []string{"queued", "sending", "sent", "failed", "delivered", "read"}
	for i := 1; i < len(order); i++ {
		if StatusRank(order[i-1]) >= StatusRank(order[i]) {
			t.Fatalf("rank(%s) >= rank(%s)", order[i-1], order[i])
		}
	}
	if StatusRank("failed") != StatusRank("undelivered") || StatusRank("failed") != StatusRank("canceled") {
		t.Fatal("terminal failures must share a rank")
	}
	for _, s := range []string{"", "unknown", "scheduled", "dropped_consent_revoked", "bogus"} {
		if StatusRank(s) != 0 {
			t.Fatalf("rank(%q) = %d, want 0", s, StatusRank(s))
		}
	}
	// Applying callbacks in any arrival order with StatusAdvances.
	for _, tc := range []struct {
		start    string
		arrivals []string
		want     string
	}{
		{"sent", []string{"sent", "delivered"}, "delivered"},
		{"sent", []string{"delivered", "sent"}, "delivered"},              // late "sent"
		{"sent", []string{"delivered", "sending", "queued"}, "delivered"}, // late everything
		{"sent", []string{"read", "delivered"}, "read"},                   // WhatsApp read first
		{"sent", []string{"delivered", "failed"}, "delivered"},            // a failure never hides a delivery
		{"sent", []string{"undelivered", "sent"}, "undelivered"},          // a late sent never hides a failure
		{"sent", []string{"undelivered", "delivered"}, "delivered"},       // carrier's later DLR is news
		{"sent", []string{"failed", "undelivered"}, "failed"},             // first terminal failure wins
		{"sent", []string{"delivered", "delivered"}, "delivered"},         // duplicates
		{"unknown", []string{"delivered"}, "delivered"},                   // resolves a crash-unknown
		{"", []string{"queued", "sending", "sent", "delivered", "read"}, "read"},
	} {
		cur := tc.start
		for _, s := range tc.arrivals {
			if StatusAdvances(cur, s) {
				cur = s
			}
		}
		if cur != tc.want {
			t.Errorf("%s + %v = %s, want %s", tc.start, tc.arrivals, cur, tc.want)
		}
	}
}

func TestParseTwilioInbound(t *testing.T) {
	sid := "SM0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name string
		form url.Values
		want Inbound
	}{
		{"sms", url.Values{"MessageSid": {sid}, "From": {herNumber}, "To": {smsFrom}, "Body": {"OK"}, "NumMedia": {"0"}},
			Inbound{ProviderID: sid, From: herNumber, To: smsFrom, Body: "OK", Channel: "sms"}},
		{"whatsapp", url.Values{"MessageSid": {sid}, "From": {"whatsapp:" + herNumber}, "To": {"whatsapp:" + waFrom}, "Body": {"Yes, safe"}, "ProfileName": {"x"}},
			Inbound{ProviderID: sid, From: herNumber, To: waFrom, Body: "Yes, safe", Channel: "whatsapp"}},
		{"legacy sid, short code, no body", url.Values{"SmsMessageSid": {sid}, "From": {herNumber}, "To": {"12345"}},
			Inbound{ProviderID: sid, From: herNumber, To: "12345", Channel: "sms"}},
		{"invalid utf-8 replaced", url.Values{"MessageSid": {sid}, "From": {herNumber}, "To": {smsFrom}, "Body": {"ok\xff"}},
			Inbound{ProviderID: sid, From: herNumber, To: smsFrom, Body: "ok\uFFFD", Channel: "sms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTwilioInbound(tc.form)
			if err != nil || got != tc.want {
				t.Fatalf("got %+v %v, want %+v", got, err, tc.want)
			}
		})
	}
	base := func() url.Values {
		return url.Values{"MessageSid": {sid}, "From": {herNumber}, "To": {smsFrom}, "Body": {"STOP"}}
	}
	for _, tc := range []struct {
		name   string
		mutate func(url.Values)
		want   error
	}{
		{"no sid", func(v url.Values) { v.Del("MessageSid") }, ErrWebhookMissingSid},
		{"bad sid", func(v url.Values) { v.Set("MessageSid", herNumber) }, ErrWebhookBadSid},
		{"no from", func(v url.Values) { v.Del("From") }, ErrWebhookMissingFrom},
		{"no to", func(v url.Values) { v.Del("To") }, ErrWebhookMissingTo},
		{"messenger", func(v url.Values) { v.Set("From", "messenger:"+herNumber) }, ErrWebhookUnsupported},
		{"mixed channels", func(v url.Values) { v.Set("From", "whatsapp:"+herNumber) }, ErrWebhookChannelMixed},
		{"from not a number", func(v url.Values) { v.Set("From", "4477009001234") }, ErrWebhookBadAddress},
		{"repeated body", func(v url.Values) { v["Body"] = []string{"a", "b"} }, ErrWebhookRepeatedField},
		{"repeated from", func(v url.Values) { v["From"] = []string{herNumber, smsFrom} }, ErrWebhookRepeatedField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := base()
			tc.mutate(v)
			_, err := ParseTwilioInbound(v)
			if err != tc.want {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			assertNoNumber(t, err)
			if strings.Contains(err.Error(), "STOP") {
				t.Fatal("body in error")
			}
		})
	}
}

// TestStatusCallbackEndToEnd: twilio-go sends through the fake, the fake
// posts signed callbacks, and a webhook handler built on this package
// accepts them and applies them in rank order.
func TestStatusCallbackEndToEnd(t *testing.T) {
	var mu sync.Mutex
	state := map[string]string{}
	rejected := 0
	var hook *httptest.Server
	hook = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		full := hook.URL + r.URL.RequestURI() // what we configured at "Twilio"
		if !VerifyTwilioSignature(testToken, full, r.PostForm, r.Header.Get("X-Twilio-Signature")) {
			mu.Lock()
			rejected++
			mu.Unlock()
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		up, err := ParseTwilioStatus(r.PostForm)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		if StatusAdvances(state[up.ProviderID], up.Status) {
			state[up.ProviderID] = up.Status
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()

	tw, f := newTwilio(t, TwilioConfig{From: smsFrom, WhatsAppFrom: waFrom})
	cb := hook.URL + "/webhooks/twilio/status?src=twilio"
	ctx := context.Background()

	// Manual, out of order.
	rc, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: "x", StatusCallback: cb})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"delivered", "sent", "failed"} {
		if err := f.Deliver(rc.ProviderID, s); err != nil {
			t.Fatalf("deliver %s: %v", s, err)
		}
	}
	// Automatic, for WhatsApp.
	f.AutoDeliver("sent", "delivered", "read")
	var wa []string
	for i := 0; i < 10; i++ {
		rc, err := tw.Send(ctx, Outgoing{Channel: "whatsapp", To: herNumber, Body: "x", StatusCallback: cb})
		if err != nil {
			t.Fatal(err)
		}
		wa = append(wa, rc.ProviderID)
	}
	f.WaitCallbacks()
	if errs := f.CallbackErrors(); len(errs) > 0 {
		t.Fatalf("callbacks failed: %v", errs)
	}
	// A forged callback (right shape, wrong signature) is refused.
	forged := url.Values{"MessageSid": {rc.ProviderID}, "MessageStatus": {"undelivered"}}
	resp, err := http.PostForm(cb, forged)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	mu.Lock()
	defer mu.Unlock()
	if state[rc.ProviderID] != "delivered" {
		t.Fatalf("sms final status %q", state[rc.ProviderID])
	}
	for _, sid := range wa {
		if state[sid] != "read" {
			t.Fatalf("whatsapp %s final status %q", sid, state[sid])
		}
	}
	if rejected != 1 || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged callback: %d rejected, answer %d", rejected, resp.StatusCode)
	}
}

func TestWebhookErrorsAreFixed(t *testing.T) {
	for _, e := range webhookErrors {
		if !strings.HasPrefix(e.Error(), "twilio webhook: ") {
			t.Fatalf("unexpected error text %q", e)
		}
	}
	if !errors.Is(ErrWebhookBadSid, ErrWebhookBadSid) {
		t.Fatal("sentinels")
	}
}

// webhookErrors is every error the parsers may return.
var webhookErrors = []error{
	ErrWebhookMissingSid, ErrWebhookBadSid, ErrWebhookMissingStatus, ErrWebhookUnknownStatus,
	ErrWebhookBadErrorCode, ErrWebhookMissingFrom, ErrWebhookMissingTo, ErrWebhookBadAddress,
	ErrWebhookUnsupported, ErrWebhookChannelMixed, ErrWebhookRepeatedField,
}
