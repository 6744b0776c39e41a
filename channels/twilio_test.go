package channels

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"safecontact/channels/twiliotest"
)

const (
	testToken   = "authtoken0123456789abcdef"
	herNumber   = "+447700900123" // the number that must never show up in an error
	smsFrom     = "+15005550006"
	waFrom      = "+15005550007"
	testMSS     = "MG0123456789abcdef0123456789abcdef"
	testContent = "HX0123456789abcdef0123456789abcdef"
	callbackURL = "https://gw.example.org/webhooks/twilio/status"
)

// newTwilio starts a fake and a Twilio sender pointed at it.
func newTwilio(t *testing.T, cfg TwilioConfig) (*Twilio, *twiliotest.Fake) {
	t.Helper()
	f := twiliotest.New(t, testToken)
	cfg.AccountSID, cfg.APIBaseURL = f.AccountSID(), f.URL()
	if cfg.AuthToken == "" {
		cfg.AuthToken = testToken
	}
	tw, err := NewTwilio(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tw.Close)
	return tw, f
}

// assertNoNumber fails if any 4 consecutive digits of her number appear
// in the error or anything it wraps.
func assertNoNumber(t *testing.T, err error) {
	t.Helper()
	digits := strings.TrimPrefix(herNumber, "+")
	for e := err; e != nil; e = errors.Unwrap(e) {
		s := e.Error()
		for i := 0; i+4 <= len(digits); i++ {
			if strings.Contains(s, digits[i:i+4]) {
				t.Fatalf("error text %q contains digits %q of her number", s, digits[i:i+4])
			}
		}
	}
}

func lastRequest(t *testing.T, f *twiliotest.Fake) twiliotest.Request {
	t.Helper()
	reqs := f.Requests()
	if len(reqs) == 0 {
		t.Fatal("the fake received no request")
	}
	return reqs[len(reqs)-1]
}

func TestTwilioSendFormFields(t *testing.T) {
	body := "Your appointment is on Tuesday at 10:00"
	for _, tc := range []struct {
		name       string
		cfg        TwilioConfig
		out        Outgoing
		want       url.Values
		wantStatus string
	}{{
		name:       "sms from number",
		cfg:        TwilioConfig{From: smsFrom},
		out:        Outgoing{MessageID: "m1", Channel: "sms", To: herNumber, Body: body, StatusCallback: callbackURL},
		want:       url.Values{"To": {herNumber}, "From": {smsFrom}, "Body": {body}, "StatusCallback": {callbackURL}},
		wantStatus: "queued",
	}, {
		name:       "sms messaging service",
		cfg:        TwilioConfig{MessagingServiceSID: testMSS},
		out:        Outgoing{Channel: "sms", To: herNumber, Body: body, StatusCallback: callbackURL},
		want:       url.Values{"To": {herNumber}, "MessagingServiceSid": {testMSS}, "Body": {body}, "StatusCallback": {callbackURL}},
		wantStatus: "accepted",
	}, {
		name:       "sms both senders, no callback",
		cfg:        TwilioConfig{From: smsFrom, MessagingServiceSID: testMSS},
		out:        Outgoing{Channel: "sms", To: herNumber, Body: body},
		want:       url.Values{"To": {herNumber}, "From": {smsFrom}, "MessagingServiceSid": {testMSS}, "Body": {body}},
		wantStatus: "accepted",
	}, {
		name:       "whatsapp body",
		cfg:        TwilioConfig{From: smsFrom, WhatsAppFrom: waFrom},
		out:        Outgoing{Channel: "whatsapp", To: herNumber, Body: body, StatusCallback: callbackURL},
		want:       url.Values{"To": {"whatsapp:" + herNumber}, "From": {"whatsapp:" + waFrom}, "Body": {body}, "StatusCallback": {callbackURL}},
		wantStatus: "queued",
	}, {
		name:       "whatsapp already prefixed, sender configured with prefix",
		cfg:        TwilioConfig{WhatsAppFrom: "whatsapp:" + waFrom},
		out:        Outgoing{Channel: "whatsapp", To: "whatsapp:" + herNumber, Body: body},
		want:       url.Values{"To": {"whatsapp:" + herNumber}, "From": {"whatsapp:" + waFrom}, "Body": {body}},
		wantStatus: "queued",
	}, {
		name: "whatsapp template replaces body",
		cfg:  TwilioConfig{WhatsAppFrom: waFrom},
		out: Outgoing{Channel: "whatsapp", To: herNumber, Body: "free text is not sent", ContentSID: testContent,
			ContentVariables: map[string]string{"2": "10:00", "1": "Tuesday"}, StatusCallback: callbackURL},
		want: url.Values{"To": {"whatsapp:" + herNumber}, "From": {"whatsapp:" + waFrom}, "ContentSid": {testContent},
			"ContentVariables": {`{"1":"Tuesday","2":"10:00"}`}, "StatusCallback": {callbackURL}},
		wantStatus: "queued",
	}, {
		name:       "whatsapp template without variables",
		cfg:        TwilioConfig{WhatsAppFrom: waFrom},
		out:        Outgoing{Channel: "whatsapp", To: herNumber, ContentSID: testContent},
		want:       url.Values{"To": {"whatsapp:" + herNumber}, "From": {"whatsapp:" + waFrom}, "ContentSid": {testContent}},
		wantStatus: "queued",
	}, {
		name:       "whatsapp through messaging service",
		cfg:        TwilioConfig{MessagingServiceSID: testMSS},
		out:        Outgoing{Channel: "whatsapp", To: herNumber, Body: body},
		want:       url.Values{"To": {"whatsapp:" + herNumber}, "MessagingServiceSid": {testMSS}, "Body": {body}},
		wantStatus: "accepted",
	}, {
		name: "redaction and validity period",
		cfg:  TwilioConfig{From: smsFrom, RequestRedaction: true, ValidityPeriod: 15 * time.Minute},
		out:  Outgoing{Channel: "sms", To: herNumber, Body: body},
		want: url.Values{"To": {herNumber}, "From": {smsFrom}, "Body": {body},
			"ContentRetention": {"discard"}, "AddressRetention": {"obfuscate"}, "ValidityPeriod": {"900"}},
		wantStatus: "queued",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tw, f := newTwilio(t, tc.cfg)
			rc, err := tw.Send(context.Background(), tc.out)
			if err != nil {
				t.Fatal(err)
			}
			if !isSid(rc.ProviderID, "SM") || rc.Status != tc.wantStatus {
				t.Fatalf("receipt %+v, want SM… / %s", rc, tc.wantStatus)
			}
			req := lastRequest(t, f)
			if req.Method != http.MethodPost || req.Path != "/2010-04-01/Accounts/"+f.AccountSID()+"/Messages.json" || !req.AuthOK {
				t.Fatalf("request %s %s auth=%v", req.Method, req.Path, req.AuthOK)
			}
			if !reflect.DeepEqual(req.Form, tc.want) {
				t.Fatalf("form\n got %v\nwant %v", req.Form, tc.want)
			}
			if _, ok := req.Form["ProvideFeedback"]; ok {
				t.Fatal("ProvideFeedback must never be sent")
			}
			if m, ok := f.Message(rc.ProviderID); !ok || m.To != tc.want.Get("To") {
				t.Fatalf("the fake does not have the message the receipt names: %+v", m)
			}
		})
	}
}

func TestTwilioErrorMapping(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom, WhatsAppFrom: waFrom})
	for _, tc := range []struct {
		name       string
		fail       twiliotest.Failure
		code       string
		retryable  bool
		optOut     bool
		wantStatus int
		wantCode   int
	}{
		{"opted out", twiliotest.Failure{HTTPStatus: 400, Code: 21610}, "opted_out", false, true, 400, 21610},
		{"invalid number 21211", twiliotest.Failure{HTTPStatus: 400, Code: 21211}, "invalid_number", false, false, 400, 21211},
		{"not a mobile 21614", twiliotest.Failure{HTTPStatus: 400, Code: 21614}, "invalid_number", false, false, 400, 21614},
		{"unreachable 21612", twiliotest.Failure{HTTPStatus: 400, Code: 21612}, "invalid_number", false, false, 400, 21612},
		{"429 with 20429", twiliotest.Failure{HTTPStatus: 429, Code: 20429}, "rate_limited", true, false, 429, 20429},
		{"429 without code", twiliotest.Failure{HTTPStatus: 429}, "rate_limited", true, false, 429, 0},
		{"whatsapp rate 63018", twiliotest.Failure{HTTPStatus: 400, Code: 63018}, "rate_limited", true, false, 400, 63018},
		{"whatsapp window 63016", twiliotest.Failure{HTTPStatus: 400, Code: 63016}, "template_required", false, false, 400, 63016},
		{"500", twiliotest.Failure{HTTPStatus: 500, Code: 20500}, "provider_unavailable", true, false, 500, 20500},
		{"503 without code", twiliotest.Failure{HTTPStatus: 503}, "provider_unavailable", true, false, 503, 0},
		{"502 html page", twiliotest.Failure{HTTPStatus: 502, Body: "<html>Bad Gateway " + herNumber + "</html>"}, "provider_unavailable", true, false, 502, 0},
		{"429 text page", twiliotest.Failure{HTTPStatus: 429, Body: "slow down"}, "rate_limited", true, false, 429, 0},
		{"auth", twiliotest.Failure{HTTPStatus: 401, Code: 20003}, "provider_auth", true, false, 401, 20003},
		{"redaction not enabled", twiliotest.Failure{HTTPStatus: 400, Code: 30029}, "provider_config", true, false, 400, 30029},
		{"other 4xx", twiliotest.Failure{HTTPStatus: 400, Code: 21408}, "rejected", false, false, 400, 21408},
		{"403", twiliotest.Failure{HTTPStatus: 403, Code: 20008}, "rejected", false, false, 403, 20008},
		{"404", twiliotest.Failure{HTTPStatus: 404, Code: 20404}, "rejected", false, false, 404, 20404},
		{"dropped connection", twiliotest.Failure{HTTPStatus: 0}, "provider_unreachable", true, false, 0, 0},
	} {
		for _, channel := range []string{"sms", "whatsapp"} {
			t.Run(tc.name+"/"+channel, func(t *testing.T) {
				before := f.RequestCount()
				f.FailNextWith(1, tc.fail)
				_, err := tw.Send(context.Background(), Outgoing{Channel: channel, To: herNumber, Body: "secret body text"})
				var se *SendError
				if !errors.As(err, &se) {
					t.Fatalf("error %v (%T) is not a *SendError", err, err)
				}
				if se.Code != tc.code || se.Retryable != tc.retryable || se.OptOut != tc.optOut ||
					se.HTTPStatus != tc.wantStatus || se.ProviderCode != tc.wantCode {
					t.Fatalf("got %+v, want code=%s retryable=%v optout=%v http=%d provider=%d",
						*se, tc.code, tc.retryable, tc.optOut, tc.wantStatus, tc.wantCode)
				}
				if IsRetryable(err) != tc.retryable {
					t.Fatal("IsRetryable disagrees")
				}
				if f.RequestCount() != before+1 {
					t.Fatalf("%d requests, want exactly 1 (no hidden retries)", f.RequestCount()-before)
				}
				assertNoNumber(t, err)
				if strings.Contains(err.Error(), "secret") {
					t.Fatal("body in error")
				}
			})
		}
	}
	// A number-specific failure, where Twilio's own text quotes the number.
	f.FailTo(herNumber, 400, 21211)
	_, err := tw.Send(context.Background(), Outgoing{Channel: "whatsapp", To: herNumber, Body: "x"})
	var se *SendError
	if !errors.As(err, &se) || se.Code != "invalid_number" {
		t.Fatalf("FailTo: %v", err)
	}
	assertNoNumber(t, err)
}

func TestTwilioBadCredentialsAtFake(t *testing.T) {
	tw, _ := newTwilio(t, TwilioConfig{From: smsFrom, AuthToken: "wrongtoken123"})
	_, err := tw.Send(context.Background(), Outgoing{Channel: "sms", To: herNumber, Body: "x"})
	var se *SendError
	if !errors.As(err, &se) || se.Code != "provider_auth" || se.HTTPStatus != 401 || se.ProviderCode != 20003 || !se.Retryable {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "wrongtoken123") {
		t.Fatal("token in error")
	}
}

func TestTwilioLocalValidation(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	for _, tc := range []struct {
		name string
		out  Outgoing
		code string
	}{
		{"voice is not a message channel", Outgoing{Channel: "voice", To: herNumber, Body: "x"}, "invalid_request"},
		{"not E.164", Outgoing{Channel: "sms", To: "07700900123", Body: "x"}, "invalid_number"},
		{"prefixed sms", Outgoing{Channel: "sms", To: "whatsapp:" + herNumber, Body: "x"}, "invalid_number"},
		{"letters", Outgoing{Channel: "sms", To: "+44770090012a", Body: "x"}, "invalid_number"},
		{"empty body", Outgoing{Channel: "sms", To: herNumber}, "invalid_request"},
		{"bad content sid", Outgoing{Channel: "sms", To: herNumber, ContentSID: "HX../../x"}, "invalid_request"},
		{"no whatsapp sender", Outgoing{Channel: "whatsapp", To: herNumber, Body: "x"}, "channel_not_configured"},
		{"relative callback", Outgoing{Channel: "sms", To: herNumber, Body: "x", StatusCallback: "/status"}, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tw.Send(context.Background(), tc.out)
			var se *SendError
			if !errors.As(err, &se) || se.Code != tc.code || se.Retryable || se.HTTPStatus != 0 {
				t.Fatalf("got %v, want permanent %s", err, tc.code)
			}
			assertNoNumber(t, err)
		})
	}
	if n := f.RequestCount(); n != 0 {
		t.Fatalf("%d requests reached the provider for invalid messages", n)
	}
}

func TestTwilioNetworkFailures(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		tw, f := newTwilio(t, TwilioConfig{From: smsFrom, Timeout: 100 * time.Millisecond})
		f.SetLatency(3 * time.Second)
		start := time.Now()
		_, err := tw.Send(context.Background(), Outgoing{Channel: "sms", To: herNumber, Body: "x"})
		var se *SendError
		if !errors.As(err, &se) || se.Code != "provider_unreachable" || !se.Retryable || se.HTTPStatus != 0 {
			t.Fatalf("got %v", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v does not wrap DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("timeout not applied: %v", d)
		}
	})
	t.Run("caller context", func(t *testing.T) {
		tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
		f.SetLatency(3 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: "x"})
		if !errors.Is(err, context.DeadlineExceeded) || !IsRetryable(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("already canceled", func(t *testing.T) {
		tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: "x"})
		if !errors.Is(err, context.Canceled) || f.RequestCount() != 0 {
			t.Fatalf("got %v after %d requests", err, f.RequestCount())
		}
	})
	t.Run("connection refused keeps the dial error", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		tw, err := NewTwilio(TwilioConfig{AccountSID: "AC" + strings.Repeat("0", 32), AuthToken: testToken, From: smsFrom, APIBaseURL: "http://" + addr})
		if err != nil {
			t.Fatal(err)
		}
		_, err = tw.Send(context.Background(), Outgoing{Channel: "sms", To: herNumber, Body: "x"})
		var se *SendError
		var op *net.OpError
		if !errors.As(err, &se) || se.Code != "provider_unreachable" || !errors.As(err, &op) || op.Op != "dial" {
			t.Fatalf("got %v", err)
		}
		assertNoNumber(t, err)
	})
}

func TestTwilioBaseURLWithPathPrefix(t *testing.T) {
	f := twiliotest.New(t, testToken)
	target, _ := url.Parse(f.URL())
	proxy := httptest.NewServer(http.StripPrefix("/twilio", httputil.NewSingleHostReverseProxy(target)))
	defer proxy.Close()
	tw, err := NewTwilio(TwilioConfig{AccountSID: f.AccountSID(), AuthToken: testToken, From: smsFrom, APIBaseURL: proxy.URL + "/twilio/"})
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	if _, err := tw.Send(context.Background(), Outgoing{Channel: "sms", To: herNumber, Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if p := lastRequest(t, f).Path; p != "/2010-04-01/Accounts/"+f.AccountSID()+"/Messages.json" {
		t.Fatalf("path %s", p)
	}
}

func TestTwilioRedactDeleteFetch(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	ctx := context.Background()
	rc, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: "a sensitive text"})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := tw.FetchMessageStatus(ctx, rc.ProviderID); err != nil || st != "queued" {
		t.Fatalf("fetch queued: %q %v", st, err)
	}
	// Twilio refuses to redact a message still on its way.
	err = tw.RedactMessage(ctx, rc.ProviderID)
	var se *SendError
	if !errors.As(err, &se) || se.Code != "rejected" || se.ProviderCode != 20009 {
		t.Fatalf("redact in flight: %v", err)
	}
	if err := f.SetStatus(rc.ProviderID, "delivered"); err != nil {
		t.Fatal(err)
	}
	if st, err := tw.FetchMessageStatus(ctx, rc.ProviderID); err != nil || st != "delivered" {
		t.Fatalf("fetch delivered: %q %v", st, err)
	}
	if err := tw.RedactMessage(ctx, rc.ProviderID); err != nil {
		t.Fatal(err)
	}
	req := lastRequest(t, f)
	if req.Method != http.MethodPost || !strings.HasSuffix(req.Path, "/Messages/"+rc.ProviderID+".json") ||
		!reflect.DeepEqual(req.Form, url.Values{"Body": {""}}) {
		t.Fatalf("redaction request %s %s %v", req.Method, req.Path, req.Form)
	}
	if m, _ := f.Message(rc.ProviderID); m.Body != "" {
		t.Fatal("body still at the provider")
	}
	if err := tw.DeleteMessage(ctx, rc.ProviderID); err != nil {
		t.Fatal(err)
	}
	if req := lastRequest(t, f); req.Method != http.MethodDelete {
		t.Fatalf("delete used %s", req.Method)
	}
	if _, ok := f.Message(rc.ProviderID); ok {
		t.Fatal("message still at the provider")
	}
	for name, call := range map[string]func() error{
		"fetch":  func() error { _, err := tw.FetchMessageStatus(ctx, rc.ProviderID); return err },
		"redact": func() error { return tw.RedactMessage(ctx, rc.ProviderID) },
		"delete": func() error { return tw.DeleteMessage(ctx, rc.ProviderID) },
	} {
		err := call()
		if !errors.As(err, &se) || se.Code != "not_found" || se.Retryable || se.HTTPStatus != 404 {
			t.Fatalf("%s after delete: %v", name, err)
		}
	}
	// A SID goes into the URL path: anything else is refused locally.
	n := f.RequestCount()
	for _, bad := range []string{"", "SM123", "../Calls", "SM" + strings.Repeat("0", 31) + "/", "CA" + strings.Repeat("0", 32)} {
		if err := tw.RedactMessage(ctx, bad); err == nil {
			t.Fatalf("redact %q accepted", bad)
		}
		if err := tw.DeleteMessage(ctx, bad); err == nil {
			t.Fatalf("delete %q accepted", bad)
		}
		if _, err := tw.FetchMessageStatus(ctx, bad); err == nil {
			t.Fatalf("fetch %q accepted", bad)
		}
	}
	if f.RequestCount() != n {
		t.Fatal("invalid SIDs reached the provider")
	}
}

func TestTwilioConcurrentSends(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom, WhatsAppFrom: waFrom})
	f.SetRecord(false)
	const n = 200
	var wg sync.WaitGroup
	sids := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ch := "sms"
			if i%2 == 1 {
				ch = "whatsapp"
			}
			if i%10 == 0 {
				f.FailNext(1, 429, 20429)
			}
			rc, err := tw.Send(context.Background(), Outgoing{Channel: ch, To: herNumber, Body: "x"})
			sids[i], errs[i] = rc.ProviderID, err
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	failed := 0
	for i := range sids {
		if errs[i] != nil {
			if !IsRetryable(errs[i]) {
				t.Fatalf("unexpected error %v", errs[i])
			}
			failed++
			continue
		}
		if seen[sids[i]] {
			t.Fatalf("duplicate sid %s", sids[i])
		}
		seen[sids[i]] = true
	}
	if failed != n/10 || int(f.Created()) != n-failed {
		t.Fatalf("failed %d, created %d", failed, f.Created())
	}
}

func TestNewTwilioConfig(t *testing.T) {
	ok := TwilioConfig{AccountSID: "AC" + strings.Repeat("a", 32), AuthToken: "secrettoken42", From: smsFrom}
	for _, tc := range []struct {
		name   string
		mutate func(*TwilioConfig)
		valid  bool
	}{
		{"ok", func(*TwilioConfig) {}, true},
		{"whatsapp only", func(c *TwilioConfig) { c.From, c.WhatsAppFrom = "", waFrom }, true},
		{"service only", func(c *TwilioConfig) { c.From, c.MessagingServiceSID = "", testMSS }, true},
		{"loopback http", func(c *TwilioConfig) { c.APIBaseURL = "http://127.0.0.1:8080" }, true},
		{"regional https", func(c *TwilioConfig) { c.APIBaseURL = "https://api.dublin.ie1.twilio.com" }, true},
		{"bad account", func(c *TwilioConfig) { c.AccountSID = "AC123" }, false},
		{"no token", func(c *TwilioConfig) { c.AuthToken = "" }, false},
		{"token with symbols", func(c *TwilioConfig) { c.AuthToken = "secret:token42" }, false},
		{"no sender", func(c *TwilioConfig) { c.From = "" }, false},
		{"bad service", func(c *TwilioConfig) { c.MessagingServiceSID = "MG1" }, false},
		{"bad whatsapp sender", func(c *TwilioConfig) { c.WhatsAppFrom = "15005550007" }, false},
		{"prefixed sms sender", func(c *TwilioConfig) { c.From = "whatsapp:" + smsFrom }, false},
		{"remote http", func(c *TwilioConfig) { c.APIBaseURL = "http://api.example.org" }, false},
		{"base with credentials", func(c *TwilioConfig) { c.APIBaseURL = "https://u:p@api.example.org" }, false},
		{"base with query", func(c *TwilioConfig) { c.APIBaseURL = "https://api.example.org/?x=1" }, false},
		{"relative base", func(c *TwilioConfig) { c.APIBaseURL = "/twilio" }, false},
		{"validity too long", func(c *TwilioConfig) { c.ValidityPeriod = 11 * time.Hour }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.mutate(&cfg)
			tw, err := NewTwilio(cfg)
			if (err == nil) != tc.valid {
				t.Fatalf("err = %v, valid = %v", err, tc.valid)
			}
			if err != nil && (strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "token42")) {
				t.Fatalf("credential in error: %v", err)
			}
			if tw != nil {
				tw.Close()
			}
		})
	}
}

func TestClassifyTwilioErrorTable(t *testing.T) {
	for _, tc := range []struct {
		code, status int
		want         string
		retryable    bool
	}{
		{21610, 400, "opted_out", false},
		{21211, 400, "invalid_number", false},
		{21614, 400, "invalid_number", false},
		{21612, 400, "invalid_number", false},
		{20429, 429, "rate_limited", true},
		{0, 429, "rate_limited", true},
		{63018, 400, "rate_limited", true},
		{63016, 400, "template_required", false},
		{0, 500, "provider_unavailable", true},
		{20500, 503, "provider_unavailable", true},
		{20003, 401, "provider_auth", true},
		{30030, 400, "provider_config", true},
		{21408, 400, "rejected", false},
		{0, 418, "rejected", false},
	} {
		se := ClassifyTwilioError(tc.code, tc.status)
		if se.Code != tc.want || se.Retryable != tc.retryable || se.ProviderCode != tc.code || se.HTTPStatus != tc.status || se.OptOut != (tc.code == 21610) {
			t.Errorf("%d/%d: got %+v, want %s retryable=%v", tc.code, tc.status, *se, tc.want, tc.retryable)
		}
		var pe *ProviderError
		if !errors.As(se, &pe) || pe.Code != tc.code {
			t.Errorf("%d/%d: cause %v", tc.code, tc.status, se.Err)
		}
	}
}

// BenchmarkTwilioSendThroughFake measures the real twilio-go path against
// the fake with recording off (the load-test configuration).
func BenchmarkTwilioSendThroughFake(b *testing.B) {
	f := twiliotest.New(b, testToken)
	f.SetRecord(false)
	tw, err := NewTwilio(TwilioConfig{AccountSID: f.AccountSID(), AuthToken: testToken, From: smsFrom, APIBaseURL: f.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer tw.Close()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tw.Send(context.Background(), Outgoing{Channel: "sms", To: herNumber, Body: "x", StatusCallback: callbackURL}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestTwilioListMessagesTo: twilio-go's list call against the fake finds
// what was sent to her since a time, and nothing to anyone else; a message
// still in the provider's queue (no date_sent) is not listed.
func TestTwilioListMessagesTo(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	ctx := context.Background()
	before := time.Now().Add(-time.Minute)
	rc, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: "one text"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Send(ctx, Outgoing{Channel: "sms", To: "+34600000999", Body: "other"}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := tw.ListMessagesTo(ctx, "sms", herNumber, before, 20); err != nil || len(got) != 0 {
		t.Fatalf("list while queued: %+v %v", got, err)
	}
	if err := f.SetStatus(rc.ProviderID, "sent"); err != nil {
		t.Fatal(err)
	}
	got, covered, err := tw.ListMessagesTo(ctx, "sms", herNumber, before, 20)
	if err != nil || !covered || len(got) != 1 || got[0].Sid != rc.ProviderID || got[0].Body != "one text" || got[0].Status != "sent" ||
		got[0].SentAt.Before(before) {
		t.Fatalf("list: %+v %v", got, err)
	}
	if got, _, err := tw.ListMessagesTo(ctx, "sms", herNumber, time.Now().Add(time.Minute), 20); err != nil || len(got) != 0 {
		t.Fatalf("list after: %+v %v", got, err)
	}
}

// TestTwilioListMessagesToPages: her listing is read page by page (100 a
// page) down to after, past any number of her later messages, and says
// whether it got there: limit, the messages read, cuts it (covered false).
func TestTwilioListMessagesToPages(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	ctx := context.Background()
	after := time.Now().Add(-time.Minute)
	for i := range 130 {
		rc, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: fmt.Sprintf("text %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		f.SetStatus(rc.ProviderID, "delivered")
	}
	n0 := len(f.Requests())
	got, covered, err := tw.ListMessagesTo(ctx, "sms", herNumber, after, 1000)
	if err != nil || !covered || len(got) != 130 {
		t.Fatalf("list: %d covered %v %v, want all 130, covered", len(got), covered, err)
	}
	pages := 0
	for _, r := range f.Requests()[n0:] {
		if r.Method == "GET" {
			pages++
			if ps := r.Form.Get("PageSize"); ps != "100" {
				t.Fatalf("PageSize %q, want 100", ps)
			}
		}
	}
	if pages != 2 {
		t.Fatalf("%d pages, want 2", pages)
	}
	got, covered, err = tw.ListMessagesTo(ctx, "sms", herNumber, after, 60)
	if err != nil || covered || len(got) != 60 {
		t.Fatalf("cut list: %d covered %v %v, want 60, not covered", len(got), covered, err)
	}
}

// TestTwilioListMessagesToPageTimeout: each page of her listing is one
// request with its own timeout, so a listing deeper than one timeout still
// completes; a page that does not answer in time is an error wherever it
// falls, never a shorter listing (covered false is kept for the limit).
func TestTwilioListMessagesToPageTimeout(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	f.SetMaxPageSize(20)
	ctx := context.Background()
	after := time.Now().Add(-time.Minute)
	for i := range 70 {
		rc, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: fmt.Sprintf("text %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		f.SetStatus(rc.ProviderID, "delivered")
	}
	// Four pages of 150 ms each: more than one 300 ms timeout over all of
	// them, within 300 ms each.
	f.SetLatency(150 * time.Millisecond)
	got, covered, err := tw.ListMessagesToPaged(ctx, "sms", herNumber, after, 1000, 300*time.Millisecond)
	if err != nil || !covered || len(got) != 70 {
		t.Fatalf("slow pages: %d covered %v %v, want all 70, covered", len(got), covered, err)
	}
	f.SetLatency(0)

	f.SetPageLatency(2, time.Second)
	if got, _, err := tw.ListMessagesToPaged(ctx, "sms", herNumber, after, 1000, 200*time.Millisecond); err == nil {
		t.Fatalf("third page slow: %d listed, want an error", len(got))
	}
	f.SetPageLatency(0, time.Second)
	if got, _, err := tw.ListMessagesToPaged(ctx, "sms", herNumber, after, 1000, 200*time.Millisecond); err == nil {
		t.Fatalf("first page slow: %d listed, want an error", len(got))
	}
	// The caller's context ending is an error, not a cut listing.
	f.SetPageLatency(1, time.Second)
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if got, _, err := tw.ListMessagesToPaged(cctx, "sms", herNumber, after, 1000, time.Second); err == nil {
		t.Fatalf("caller's deadline: %d listed, want an error", len(got))
	}
}

// TestTwilioListMessagesSent: the window listing goes through twilio-go's
// paging (next_page_uri with PageToken, as Twilio pages) and returns every
// message sent in the window, newest first, without bodies; messages sent
// outside it or still queued are left out, and limit stops the paging.
func TestTwilioListMessagesSent(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	f.SetMaxPageSize(4)
	ctx := context.Background()
	send := func(status string) string {
		rc, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: "text"})
		if err != nil {
			t.Fatal(err)
		}
		if status != "" {
			if err := f.SetStatus(rc.ProviderID, status); err != nil {
				t.Fatal(err)
			}
		}
		return rc.ProviderID
	}
	send("delivered") // before the window
	time.Sleep(5 * time.Millisecond)
	from := time.Now()
	want := map[string]string{}
	for i := range 10 {
		st := []string{"delivered", "sent", "undelivered"}[i%3]
		want[send(st)] = st
	}
	queued := send("") // still queued: no date_sent
	to := time.Now()
	time.Sleep(5 * time.Millisecond)
	send("delivered") // after the window
	// The window is given to the second: widen it by the rounding.
	got, covered, err := tw.ListMessagesSent(ctx, "", "", from.Truncate(time.Second), to.Add(time.Second), 100)
	if err != nil || !covered {
		t.Fatal(covered, err)
	}
	seen := map[string]string{}
	for i, m := range got {
		if i > 0 && m.SentAt.After(got[i-1].SentAt) {
			t.Fatalf("not newest first at %d", i)
		}
		if m.Body != "" {
			t.Fatal("the window listing kept a body")
		}
		seen[m.Sid] = m.Status
	}
	if _, ok := seen[queued]; ok {
		t.Fatal("a queued message (no date_sent) was listed")
	}
	for sid, st := range want {
		if seen[sid] != st {
			t.Fatalf("%s: listed as %q, want %q", sid, seen[sid], st)
		}
	}
	pages := 0
	for _, r := range f.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/Messages.json") {
			pages++
			if pages > 1 && !strings.HasPrefix(r.Form.Get("PageToken"), "PA") {
				t.Fatalf("page %d without a PageToken: %v", pages, r.Form)
			}
			if r.Form.Get("DateSent>") == "" || r.Form.Get("DateSent<") == "" {
				t.Fatalf("page %d lost the window: %v", pages, r.Form)
			}
		}
	}
	if pages < 3 {
		t.Fatalf("%d pages for %d messages at 4 a page", pages, len(got))
	}
	if got, covered, err := tw.ListMessagesSent(ctx, "", "", from.Truncate(time.Second), to.Add(time.Second), 5); err != nil || len(got) != 5 || covered {
		t.Fatalf("limit 5: %d covered %v %v", len(got), covered, err)
	}
	// To one recipient: only hers.
	other, err := tw.Send(ctx, Outgoing{Channel: "sms", To: "+34600000999", Body: "other"})
	if err != nil {
		t.Fatal(err)
	}
	f.SetStatus(other.ProviderID, "delivered")
	hers, covered, err := tw.ListMessagesSent(ctx, "sms", herNumber, from.Truncate(time.Second), time.Now().Add(time.Second), 100)
	if err != nil || !covered || len(hers) < len(want)+1 { // and the one after the window (and the one before, in the same second)
		t.Fatalf("to her: %d covered %v %v", len(hers), covered, err)
	}
	for _, m := range hers {
		if m.Sid == other.ProviderID {
			t.Fatal("listed another recipient's message")
		}
	}
}

// TestTwilioListMessagesSentByDay: the provider filters DateSent by whole
// days (as Twilio documents, and the fake does), yet the listing returns
// only the window, and stops reading at the first page that reaches past it.
func TestTwilioListMessagesSentByDay(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	f.SetMaxPageSize(3)
	ctx := context.Background()
	send := func() string {
		rc, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: "text"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetStatus(rc.ProviderID, "delivered"); err != nil {
			t.Fatal(err)
		}
		return rc.ProviderID
	}
	for range 12 {
		send() // earlier the same day: outside the window
	}
	time.Sleep(1100 * time.Millisecond) // date_sent has whole seconds
	from := time.Now()
	want := map[string]bool{send(): true, send(): true}
	to := time.Now()
	time.Sleep(1100 * time.Millisecond)
	later := send() // newer than the window, still that day
	n0 := f.RequestCount()
	got, covered, err := tw.ListMessagesSent(ctx, "", "", from, to, 1000)
	if err != nil || !covered {
		t.Fatal(covered, err)
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d, want the %d in the window (later one: %s)", len(got), len(want), later)
	}
	for _, m := range got {
		if !want[m.Sid] {
			t.Fatalf("%s listed, not in the window", m.Sid)
		}
	}
	// 15 messages that day at 3 a page: the window is on the first page
	// or two, and reading stops past it instead of walking all 5.
	if pages := f.RequestCount() - n0; pages > 2 {
		t.Fatalf("%d pages read for a window on the first two", pages)
	}
}

// TestTwilioListMessagesSentAcrossMidnight: a window across midnight GMT
// finds the messages sent on both days and none outside the window; the
// request's DateSent filters are GMT dates (the fake refuses a time, as
// Twilio may), covering the window's days.
func TestTwilioListMessagesSentAcrossMidnight(t *testing.T) {
	tw, f := newTwilio(t, TwilioConfig{From: smsFrom})
	f.SetMaxPageSize(2)
	ctx := context.Background()
	midnight := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	sentAt := func(at time.Time) string {
		rc, err := tw.Send(ctx, Outgoing{Channel: "sms", To: herNumber, Body: "text"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetStatus(rc.ProviderID, "delivered"); err != nil {
			t.Fatal(err)
		}
		if err := f.SetDateSent(rc.ProviderID, at); err != nil {
			t.Fatal(err)
		}
		return rc.ProviderID
	}
	sentAt(midnight.Add(-2 * time.Minute)) // before the window, the day before
	want := map[string]bool{
		sentAt(midnight.Add(-20 * time.Second)): true,
		sentAt(midnight.Add(-time.Second)):      true,
		sentAt(midnight):                        true,
		sentAt(midnight.Add(20 * time.Second)):  true,
	}
	sentAt(midnight.Add(2 * time.Minute)) // after the window, the day after
	n0 := len(f.Requests())
	// In another zone: the days are GMT's whatever the caller's.
	madrid := time.FixedZone("CET", 3600)
	got, covered, err := tw.ListMessagesSent(ctx, "", "", midnight.Add(-30*time.Second).In(madrid), midnight.Add(30*time.Second).In(madrid), 100)
	if err != nil || !covered {
		t.Fatal(covered, err)
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d, want the %d on both sides of midnight", len(got), len(want))
	}
	for _, m := range got {
		if !want[m.Sid] {
			t.Fatalf("%s listed, not in the window", m.Sid)
		}
	}
	for _, r := range f.Requests()[n0:] {
		if r.Method != http.MethodGet {
			continue
		}
		if a, b := r.Form.Get("DateSent>"), r.Form.Get("DateSent<"); a != "2026-11-28" || b != "2026-12-01" {
			t.Fatalf("DateSent> %q DateSent< %q, want the GMT days 2026-11-28 and 2026-12-01", a, b)
		}
	}
	// Her listing since a time takes days too, and keeps only what was
	// sent since that time.
	hers, covered, err := tw.ListMessagesTo(ctx, "sms", herNumber, midnight.Add(-30*time.Second), 100)
	if err != nil || !covered || len(hers) != len(want)+1 {
		t.Fatalf("ListMessagesTo: %d %v, want the %d since the window's start", len(hers), err, len(want)+1)
	}
}
