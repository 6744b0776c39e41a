package gateway_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
	"safecontact/gateway/console/browsertest"
	"safecontact/gateway/gatewaytest"
)

// In Chromium, under the plain policy: on the compose page of a monitored
// phone a caseworker saves her signature name, and her greeting with it
// then previews exactly as typed. Both pages pass axe-core.
func TestBrowserSignatureName(t *testing.T) {
	b := browsertest.New(t)
	p := gatewaytest.NewPipeline(t, gatewaytest.WithConfig(plainPolicy()))
	svc, _, err := p.Server.NewConsole(gateway.ConsoleConfig{Signin: signin.Config{Params: signintest.FastParams}, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	code := p.MonitoredParticipant("+34 612 006 121")
	u := signInAs(t, p.Env, svc, auth.RoleStaff)
	base := p.HTTP.URL
	b.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "sc_session", Value: u.cookie.Value, URL: base,
			HTTPOnly: new(true), SameSite: network.CookieSameSiteStrict})
		return err
	}))

	b.Navigate(base + "/participants/" + code + "/compose")
	b.SetValue("#signature_name", "Marta")
	b.Click("#signature-save")
	if s := b.Text("#signature-saved"); !strings.Contains(s, "saved") {
		t.Fatalf("saved: %q", s)
	}
	if v := b.Value("#signature_name"); v != "Marta" {
		t.Fatalf("the form shows %q", v)
	}
	b.CheckAxe("signature saved")

	text := "Hola, soy Marta. Nos vemos a las 10"
	b.SetValue("#body", text)
	b.SetValue("#channel", "sms")
	b.Click("#preview-button")
	if got := b.Text("#preview-text"); got != text {
		t.Fatalf("preview shows %q", got)
	}
	b.Screenshot("preview with signature name")
	b.CheckAxe("preview with signature name")
}
