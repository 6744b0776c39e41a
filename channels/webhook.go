package channels

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/twilio/twilio-go/client"
)

// VerifyTwilioSignature checks X-Twilio-Signature for a form-encoded
// webhook POST. fullURL must be the URL exactly as configured at Twilio
// (scheme, host, path and query as Twilio called it, which behind a proxy
// is not r.URL); form is the parsed POST body (r.PostForm).
//
// Single-valued forms (every Twilio status and message webhook) go through
// twilio-go's RequestValidator, which compares in constant time and also
// accepts the URL with or without an explicit default port. twilio-go's
// validator takes one value per name, so a form where a name repeats is
// checked here with Twilio's documented rule instead (the values of a
// name sorted, each preceded by the name): an extra value smuggled into a
// signed request therefore fails. An empty token or signature never
// verifies.
func VerifyTwilioSignature(authToken, fullURL string, form url.Values, signature string) bool {
	if authToken == "" || fullURL == "" || signature == "" {
		return false
	}
	params := make(map[string]string, len(form))
	for k, vs := range form {
		if len(vs) != 1 {
			return verifyMultiValued(authToken, fullURL, form, signature)
		}
		params[k] = vs[0]
	}
	rv := client.NewRequestValidator(authToken)
	return rv.Validate(fullURL, params, signature)
}

func verifyMultiValued(authToken, fullURL string, form url.Values, signature string) bool {
	want, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return false
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ok := false
	for _, u := range urlVariants(fullURL) {
		mac := hmac.New(sha1.New, []byte(authToken))
		io.WriteString(mac, u)
		for _, k := range keys {
			vs := append([]string(nil), form[k]...)
			sort.Strings(vs)
			for i, v := range vs {
				if i > 0 && v == vs[i-1] {
					continue
				}
				io.WriteString(mac, k)
				io.WriteString(mac, v)
			}
		}
		// hmac.Equal is constant-time; every variant is computed.
		if hmac.Equal(mac.Sum(nil), want) {
			ok = true
		}
	}
	return ok
}

// urlVariants: the URL as given, with the scheme's default port added,
// and without a port (Twilio signs either, as twilio-go accepts).
func urlVariants(raw string) []string {
	out := []string{raw}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		v := *u
		v.Host = host + ":" + port
		out = append(out, v.String())
	} else {
		v := *u
		v.Host = host
		out = append(out, v.String())
	}
	return out
}

// StatusUpdate is a delivery status callback in our terms.
type StatusUpdate struct {
	ProviderID     string // Twilio message SID (SM…/MM…)
	Status         string // ours: queued, sending, sent, delivered, read, undelivered, failed, canceled
	ProviderStatus string // Twilio's status, canonical lower case (from a fixed list, safe to store)
	ErrorCode      int    // Twilio ErrorCode, 0 if none
}

// twilioStatuses maps Twilio message statuses to ours.
//
//	accepted, scheduled, queued  → queued   (Twilio has it, not yet handed on)
//	sending                      → sending
//	sent                         → sent     (handed to the carrier / WhatsApp)
//	partially_delivered          → sent     (not every part confirmed: no delivery claimed)
//	delivered                    → delivered
//	read                         → read     (WhatsApp)
//	undelivered                  → undelivered
//	failed                       → failed
//	canceled                     → canceled
//	receiving, received          → sending, delivered (inbound-message statuses:
//	                               the message is on its way / has arrived)
var twilioStatuses = map[string]string{
	"accepted": "queued", "scheduled": "queued", "queued": "queued",
	"sending": "sending", "sent": "sent", "partially_delivered": "sent",
	"delivered": "delivered", "read": "read",
	"undelivered": "undelivered", "failed": "failed", "canceled": "canceled",
	"receiving": "sending", "received": "delivered",
}

// Webhook parse errors. They are fixed texts: never a form value.
var (
	ErrWebhookMissingSid    = errors.New("twilio webhook: missing MessageSid")
	ErrWebhookBadSid        = errors.New("twilio webhook: MessageSid is not a message SID")
	ErrWebhookMissingStatus = errors.New("twilio webhook: missing MessageStatus")
	ErrWebhookUnknownStatus = errors.New("twilio webhook: unknown MessageStatus")
	ErrWebhookBadErrorCode  = errors.New("twilio webhook: ErrorCode is not a number")
	ErrWebhookMissingFrom   = errors.New("twilio webhook: missing From")
	ErrWebhookMissingTo     = errors.New("twilio webhook: missing To")
	ErrWebhookBadAddress    = errors.New("twilio webhook: From or To is not a phone number")
	ErrWebhookUnsupported   = errors.New("twilio webhook: unsupported channel")
	ErrWebhookChannelMixed  = errors.New("twilio webhook: From and To are on different channels")
	ErrWebhookRepeatedField = errors.New("twilio webhook: a field is repeated")
)

// single returns the value of a field that must not repeat.
func single(form url.Values, name string) (string, error) {
	vs := form[name]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", ErrWebhookRepeatedField
}

// firstOf returns the first present field of names (Twilio's current name
// first, then the legacy Sms* ones).
func firstOf(form url.Values, names ...string) (string, error) {
	for _, n := range names {
		v, err := single(form, n)
		if err != nil || v != "" {
			return v, err
		}
	}
	return "", nil
}

// ParseTwilioStatus reads a Twilio message status callback (already
// signature-checked). Its errors are fixed texts, never form values.
func ParseTwilioStatus(form url.Values) (StatusUpdate, error) {
	sid, err := firstOf(form, "MessageSid", "SmsSid")
	if err != nil {
		return StatusUpdate{}, err
	}
	if sid == "" {
		return StatusUpdate{}, ErrWebhookMissingSid
	}
	if !isMessageSid(sid) {
		return StatusUpdate{}, ErrWebhookBadSid
	}
	raw, err := firstOf(form, "MessageStatus", "SmsStatus")
	if err != nil {
		return StatusUpdate{}, err
	}
	if raw == "" {
		return StatusUpdate{}, ErrWebhookMissingStatus
	}
	ps := strings.ToLower(raw)
	st, ok := twilioStatuses[ps]
	if !ok {
		return StatusUpdate{}, ErrWebhookUnknownStatus
	}
	up := StatusUpdate{ProviderID: sid, Status: st, ProviderStatus: ps}
	ec, err := single(form, "ErrorCode")
	if err != nil {
		return StatusUpdate{}, err
	}
	if ec != "" {
		n, err := strconv.Atoi(ec)
		if err != nil || n < 0 || n > 999999 {
			return StatusUpdate{}, ErrWebhookBadErrorCode
		}
		up.ErrorCode = n
	}
	return up, nil
}

// StatusRank orders our statuses so out-of-order and repeated callbacks
// are applied safely: apply a new status only if its rank is higher than
// the current one (StatusAdvances).
//
//	0  anything else ("", scheduled, unknown, … — any provider status beats it)
//	1  queued
//	2  sending
//	3  sent
//	4  undelivered, failed, canceled,  (terminal: they beat queued…sent,
//	   sent_to_sink                     never delivered/read; the first of them wins;
//	                                    sent_to_sink: a test instance's sink, never delivered)
//	5  delivered
//	6  read
//
// So delivered never goes back to sent, a late "sent" never hides a
// failure, and a failure never hides a delivery: a delivery report after
// "undelivered" is believed, because it is news that she has the message.
func StatusRank(s string) int {
	switch s {
	case "queued":
		return 1
	case "sending":
		return 2
	case "sent":
		return 3
	case "undelivered", "failed", "canceled", SinkStatus:
		return 4
	case "delivered":
		return 5
	case "read":
		return 6
	}
	return 0
}

// StatusAdvances reports whether next should replace current.
func StatusAdvances(current, next string) bool { return StatusRank(next) > StatusRank(current) }

// Inbound is a message she sent to one of our numbers.
type Inbound struct {
	ProviderID string
	From       string // E.164, without the whatsapp: prefix
	To         string // our number, E.164, without the prefix
	Body       string // may be empty (media only); invalid UTF-8 replaced
	Channel    string // "sms" | "whatsapp"
}

// ParseTwilioInbound reads Twilio's incoming-message webhook (already
// signature-checked). Its errors are fixed texts, never form values.
func ParseTwilioInbound(form url.Values) (Inbound, error) {
	sid, err := firstOf(form, "MessageSid", "SmsMessageSid", "SmsSid")
	if err != nil {
		return Inbound{}, err
	}
	if sid == "" {
		return Inbound{}, ErrWebhookMissingSid
	}
	if !isMessageSid(sid) {
		return Inbound{}, ErrWebhookBadSid
	}
	from, err := single(form, "From")
	if err != nil {
		return Inbound{}, err
	}
	if from == "" {
		return Inbound{}, ErrWebhookMissingFrom
	}
	to, err := single(form, "To")
	if err != nil {
		return Inbound{}, err
	}
	if to == "" {
		return Inbound{}, ErrWebhookMissingTo
	}
	body, err := single(form, "Body")
	if err != nil {
		return Inbound{}, err
	}
	fch, fnum, err := splitAddress(from)
	if err != nil {
		return Inbound{}, err
	}
	tch, tnum, err := splitAddress(to)
	if err != nil {
		return Inbound{}, err
	}
	if fch != tch {
		return Inbound{}, ErrWebhookChannelMixed
	}
	if !isE164(fnum) || !(isE164(tnum) || isShortCode(tnum)) {
		return Inbound{}, ErrWebhookBadAddress
	}
	if !utf8.ValidString(body) {
		body = strings.ToValidUTF8(body, "\uFFFD")
	}
	return Inbound{ProviderID: sid, From: fnum, To: tnum, Body: body, Channel: fch}, nil
}

// splitAddress: "whatsapp:+…" → whatsapp; a bare number → sms; any other
// channel prefix (messenger:, rcs:, …) is not ours.
func splitAddress(a string) (channel, number string, err error) {
	if n, ok := strings.CutPrefix(a, "whatsapp:"); ok {
		return "whatsapp", n, nil
	}
	if strings.Contains(a, ":") {
		return "", "", ErrWebhookUnsupported
	}
	return "sms", a, nil
}

func isShortCode(s string) bool {
	if len(s) < 3 || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
