package httpx

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"safecontact/channels"
	"safecontact/errs"
)

// MaxWebhookBody bounds what a provider callback may send.
const MaxWebhookBody = 64 << 10

// Twilio checks Twilio's webhooks to this service.
type Twilio struct {
	// AuthToken signs the webhooks; PublicURL is this service's address
	// as Twilio calls it. Either empty: every webhook is refused.
	AuthToken, PublicURL string
	// Forged is called for each webhook refused for a bad signature.
	Forged func()
}

// Form reads and verifies a Twilio webhook: the body is bounded, and
// X-Twilio-Signature must match the configured public URL of this route.
// It fails closed with 403 and never says what the expected signature was.
func (t Twilio) Form(c *gin.Context, route string) (url.Values, bool) {
	if t.AuthToken == "" || t.PublicURL == "" {
		Fail(c, errs.New(errs.CodeInvalidSignature, "webhooks are not configured (public URL and Twilio auth token)"))
		return nil, false
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxWebhookBody)
	if err := c.Request.ParseForm(); err != nil {
		Fail(c, errs.New(errs.CodeBodyTooLarge, "webhook body is too large or not a form"))
		return nil, false
	}
	full := strings.TrimRight(t.PublicURL, "/") + route
	if q := c.Request.URL.RawQuery; q != "" {
		full += "?" + q
	}
	form := c.Request.PostForm
	if !channels.VerifyTwilioSignature(t.AuthToken, full, form, c.GetHeader("X-Twilio-Signature")) {
		if t.Forged != nil {
			t.Forged()
		}
		Fail(c, errs.New(errs.CodeInvalidSignature, "signature check failed"))
		return nil, false
	}
	return form, true
}

// WriteTwiML answers a voice webhook with t.
func WriteTwiML(c *gin.Context, t *channels.TwiML) {
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, channels.ContentTypeTwiML, t.Bytes())
}
