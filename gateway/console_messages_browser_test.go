package gateway_test

import (
	"context"
	"safecontact/gateway/gatewaytest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"safecontact/channels"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/console/browsertest"
)

// In Chromium, against a gateway whose worker sends to the dev sink: a
// caseworker writes free text to a participant whose phone is not
// monitored and who consented to SMS (through the API), previews it,
// double-clicks Send, lands on her messages page and watches the status
// reach the end as the page refreshes itself. One message was accepted.
// Every page passes axe-core and carries the security headers; no
// address holds the text or her number.
func TestBrowserComposeAndFollow(t *testing.T) {
	b := browsertest.New(t)
	p := gatewaytest.NewPipeline(t)
	p.Stop()
	sink := channels.NewSink(t.TempDir())
	p.Worker = p.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": sink, "whatsapp": sink}, gateway.WorkerConfig{Concurrency: 1})
	p.Start()
	svc, _, err := p.Server.NewConsole(gateway.ConsoleConfig{Signin: signin.Config{Params: signintest.FastParams}, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	code := p.ConsentingParticipant("+34 612 006 001", false)
	u := signInAs(t, p.Env, svc, auth.RoleStaff)
	base := p.HTTP.URL
	b.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "sc_session", Value: u.cookie.Value, URL: base,
			HTTPOnly: new(true), SameSite: network.CookieSameSiteStrict})
		return err
	}))

	b.Navigate(base + "/participants/" + code + "/compose")
	if h := b.Text("h1"); h != "Write to "+code {
		t.Fatalf("compose page: %q", h)
	}
	b.Screenshot("compose")
	b.CheckAxe("compose")

	text := "Hola, ¿podemos hablar mañana por la mañana?"
	b.SetValue("#body", text)
	b.SetValue("#channel", "sms")
	b.Click("#preview-button")
	if got := b.Text("#preview-text"); got != text {
		t.Fatalf("preview shows %q", got)
	}
	if s := b.Text("#segments"); !strings.Contains(s, "1 SMS part") {
		t.Fatalf("segments: %q", s)
	}
	if s := b.Text("#when"); !strings.Contains(s, "goes now") {
		t.Fatalf("when: %q", s)
	}
	b.Screenshot("preview")
	b.CheckAxe("preview")

	// A double click on Send: two presses before the next page comes.
	xy := browsertest.Get(b, chromedp.Evaluate[[]float64](`(function() { const e = document.querySelector("#send"); e.scrollIntoView({block: "center"}); const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
	b.Do(chromedp.MouseClickXY(xy[0], xy[1]), chromedp.MouseClickXY(xy[0], xy[1]))
	b.WaitFor(`location.pathname.endsWith("/messages") && document.readyState === "complete" && document.querySelector("h1") !== null`)
	if s := b.Text("[role=status]"); !strings.Contains(s, "accepted") {
		t.Fatalf("flash %q", s)
	}
	// The page polls (htmx) until the message is final.
	b.WaitFor(`(function() { const s = document.querySelector(".status"); return s !== null && s.dataset.status === "sent_to_sink"; })()`)
	if h := b.Text("ol.history"); !strings.Contains(h, "queued") || !strings.Contains(h, "kept by the test instance") {
		t.Fatalf("history %q", h)
	}
	b.Screenshot("messages")
	b.CheckAxe("messages")
	if n := messageCount(t, p.Env, code); n != 1 {
		t.Fatalf("a double click sent %d messages", n)
	}

	for _, d := range b.Documents() {
		if !strings.HasPrefix(d.URL, base) {
			continue
		}
		for _, s := range []string{"hablar", "podemos", "612", "%2B34"} {
			if strings.Contains(d.URL, s) {
				t.Errorf("address %s holds %q", d.URL, s)
			}
		}
		for k, v := range map[string]string{
			"content-security-policy": "default-src 'self'", "referrer-policy": "no-referrer",
			"cache-control": "no-store", "x-content-type-options": "nosniff",
		} {
			if !strings.Contains(d.Headers[k], v) {
				t.Errorf("%s (%d): %s = %q", d.URL, d.Status, k, d.Headers[k])
			}
		}
	}
	for _, m := range b.Console() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy") {
			t.Errorf("console: %s (%s)", m, m.URL)
		}
	}
}
