package channels

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseTwilioWebhook feeds arbitrary form bodies to the webhook
// parsers and the signature check: they must never panic, errors must be
// one of the fixed sentinels (so no form value can leak into them), and
// accepted input must come out in our vocabulary.
func FuzzParseTwilioWebhook(f *testing.F) {
	for _, seed := range []string{
		"MessageSid=SM0123456789abcdef0123456789abcdef&MessageStatus=delivered",
		"SmsSid=MM0123456789abcdef0123456789abcdef&SmsStatus=undelivered&ErrorCode=30003",
		"MessageSid=SM0123456789abcdef0123456789abcdef&From=%2B447700900123&To=%2B15005550006&Body=STOP",
		"MessageSid=SM0123456789abcdef0123456789abcdef&From=whatsapp%3A%2B447700900123&To=whatsapp%3A%2B15005550007&Body=ok",
		"MessageSid=SM0123456789abcdef0123456789abcdef&MessageStatus=read&MessageStatus=sent",
		"From=messenger%3A123&To=%2B1&MessageSid=x",
		"MessageStatus=%ff%fe&ErrorCode=99999999999999999999",
		"Body=%ff&From=%2B4&To=12",
		"",
		"%",
		";;&&==",
	} {
		f.Add(seed)
	}
	fixed := map[error]bool{}
	for _, e := range webhookErrors {
		fixed[e] = true
	}
	f.Fuzz(func(t *testing.T, raw string) {
		form, _ := url.ParseQuery(raw) // keeps what parsed
		up, err := ParseTwilioStatus(form)
		if err != nil {
			if !fixed[err] {
				t.Fatalf("status: error %q is not a fixed sentinel", err)
			}
		} else {
			if StatusRank(up.Status) == 0 || !isMessageSid(up.ProviderID) || up.ErrorCode < 0 {
				t.Fatalf("status: accepted %+v", up)
			}
			if twilioStatuses[up.ProviderStatus] != up.Status {
				t.Fatalf("status: provider status %q not canonical", up.ProviderStatus)
			}
		}
		in, err := ParseTwilioInbound(form)
		if err != nil {
			if !fixed[err] {
				t.Fatalf("inbound: error %q is not a fixed sentinel", err)
			}
		} else {
			if (in.Channel != "sms" && in.Channel != "whatsapp") || !isE164(in.From) ||
				strings.Contains(in.To, ":") || !utf8.ValidString(in.Body) || !isMessageSid(in.ProviderID) {
				t.Fatalf("inbound: accepted %+v", in)
			}
		}
		sig := form.Get("Sig")
		_ = VerifyTwilioSignature("token", "https://gw.example.org/hook?"+raw, form, sig)
		_ = VerifyTwilioSignature("token", raw, form, sig)
	})
}
