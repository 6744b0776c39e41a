package channels

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// TwilioConfig configures the Twilio SMS / WhatsApp sender.
type TwilioConfig struct {
	AccountSID string // AC…
	AuthToken  string
	// APIBaseURL overrides where API requests go ("" = https://api.twilio.com).
	// Tests and load tests point it at a local fake (twiliotest.Fake.URL());
	// it can also name a regional endpoint (https://api.dublin.ie1.twilio.com).
	// Plain http is accepted only for loopback hosts: the requests carry
	// the auth token.
	APIBaseURL          string
	From                string // SMS sender: E.164 number, short code or alphanumeric ID
	MessagingServiceSID string // MG…; used for SMS and WhatsApp when set
	WhatsAppFrom        string // E.164; sent as whatsapp:+…

	// Timeout bounds one API request (default 15s); the caller's context
	// applies as well.
	Timeout time.Duration
	// ValidityPeriod, when set, tells Twilio to drop a message that could
	// not leave its queue within this time (1s…10h; Twilio's default is
	// 10h). A reminder that arrives hours late may land outside her safe
	// contact window.
	ValidityPeriod time.Duration
	// RequestRedaction asks Twilio not to keep message content and to
	// obfuscate her number in its logs (ContentRetention=discard,
	// AddressRetention=obfuscate). Only for accounts with Twilio Message
	// Redaction enabled: otherwise Twilio refuses every message (30029/30030).
	RequestRedaction bool
}

// Twilio sends SMS and WhatsApp messages through Twilio's Messages API
// with twilio-go. It is safe for concurrent use.
type Twilio struct {
	cfg          TwilioConfig
	base         *url.URL // nil: the real API
	transport    *http.Transport
	timeout      time.Duration
	whatsappFrom string // "whatsapp:+…" or ""
}

const defaultTwilioTimeout = 15 * time.Second

// twilioAPIBase is where twilio-go addresses the 2010-04-01 API (a call's
// transport moves it to APIBaseURL).
const twilioAPIBase = "https://api.twilio.com"

// NewTwilio checks cfg and builds the sender. Its errors never contain the
// credentials.
func NewTwilio(cfg TwilioConfig) (*Twilio, error) {
	if !isSid(cfg.AccountSID, "AC") {
		return nil, errors.New("twilio: account SID must be AC followed by 32 hex digits")
	}
	if cfg.AuthToken == "" || !isAlnum(cfg.AuthToken) {
		return nil, errors.New("twilio: auth token is empty or has characters other than letters and digits")
	}
	if cfg.MessagingServiceSID != "" && !isSid(cfg.MessagingServiceSID, "MG") {
		return nil, errors.New("twilio: messaging service SID must be MG followed by 32 hex digits")
	}
	if strings.Contains(cfg.From, ":") {
		return nil, errors.New("twilio: the SMS sender must not carry a channel prefix (set WhatsAppFrom for WhatsApp)")
	}
	t := &Twilio{cfg: cfg, timeout: cfg.Timeout}
	if cfg.WhatsAppFrom != "" {
		n := strings.TrimPrefix(cfg.WhatsAppFrom, "whatsapp:")
		if !isE164(n) {
			return nil, errors.New("twilio: WhatsApp sender must be an E.164 number")
		}
		t.whatsappFrom = "whatsapp:" + n
	}
	if cfg.From == "" && cfg.MessagingServiceSID == "" && t.whatsappFrom == "" {
		return nil, errors.New("twilio: no sender configured (From, MessagingServiceSID or WhatsAppFrom)")
	}
	if cfg.ValidityPeriod != 0 && (cfg.ValidityPeriod < time.Second || cfg.ValidityPeriod > 10*time.Hour) {
		return nil, errors.New("twilio: validity period must be between 1s and 10h")
	}
	if t.timeout <= 0 {
		t.timeout = defaultTwilioTimeout
	}
	if cfg.APIBaseURL != "" {
		u, err := url.Parse(cfg.APIBaseURL)
		if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
			(u.Scheme != "https" && u.Scheme != "http") {
			return nil, errors.New("twilio: API base URL must be an absolute http(s) URL without credentials, query or fragment")
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return nil, errors.New("twilio: plain-http API base URL is allowed for loopback hosts only")
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		t.base = u
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 128 // the default of 2 would reconnect per message under load
	t.transport = tr
	return t, nil
}

// Close releases idle connections.
func (t *Twilio) Close() { t.transport.CloseIdleConnections() }

// Send creates one message. SMS: To, From and/or MessagingServiceSid,
// Body, StatusCallback. WhatsApp: the same with whatsapp: addresses, and
// ContentSid + ContentVariables instead of Body when a template is set.
// Our message id is not sent: Twilio's Messages API has no metadata field.
//
// Errors are *SendError. HTTPStatus is set only when Twilio answered with
// an error, i.e. it refused the message; a network failure, timeout or
// unreadable success answer leaves it 0 (the message may have been taken),
// and a refused connection keeps its *net.OpError (Op "dial") as Err.
func (t *Twilio) Send(ctx context.Context, m Outgoing) (Receipt, error) {
	p, se := t.params(m)
	if se != nil {
		return Receipt{}, se
	}
	if err := ctx.Err(); err != nil {
		return Receipt{}, &SendError{Code: "provider_unreachable", Retryable: true, Err: err}
	}
	api, c, cancel := t.api(ctx)
	defer cancel()
	msg, err := api.CreateMessage(p)
	if err != nil {
		return Receipt{}, c.classify(err, false)
	}
	if msg == nil || msg.Sid == nil || !isMessageSid(*msg.Sid) {
		return Receipt{}, badResponse()
	}
	status := "queued"
	if msg.Status != nil {
		status = strings.ToLower(*msg.Status)
		if _, known := twilioStatuses[status]; !known {
			status = "unrecognized" // never store free text from the wire
		}
	}
	return Receipt{ProviderID: *msg.Sid, Status: status}, nil
}

// params builds the request without touching the network. Validation
// errors are permanent and say nothing about the number or the body.
func (t *Twilio) params(m Outgoing) (*openapi.CreateMessageParams, *SendError) {
	p := &openapi.CreateMessageParams{}
	to := m.To
	switch m.Channel {
	case "sms":
		if !isE164(to) {
			return nil, invalid("invalid_number", "recipient is not an E.164 number")
		}
		if t.cfg.From == "" && t.cfg.MessagingServiceSID == "" {
			return nil, invalid("channel_not_configured", "no SMS sender configured")
		}
		if t.cfg.From != "" {
			p.SetFrom(t.cfg.From)
		}
	case "whatsapp":
		to = strings.TrimPrefix(to, "whatsapp:")
		if !isE164(to) {
			return nil, invalid("invalid_number", "recipient is not an E.164 number")
		}
		to = "whatsapp:" + to
		if t.whatsappFrom == "" && t.cfg.MessagingServiceSID == "" {
			return nil, invalid("channel_not_configured", "no WhatsApp sender configured")
		}
		if t.whatsappFrom != "" {
			p.SetFrom(t.whatsappFrom)
		}
	default:
		return nil, invalid("invalid_request", "unsupported channel")
	}
	p.SetTo(to)
	if t.cfg.MessagingServiceSID != "" {
		p.SetMessagingServiceSid(t.cfg.MessagingServiceSID)
	}
	switch {
	case m.ContentSID != "":
		if !isSid(m.ContentSID, "HX") {
			return nil, invalid("invalid_request", "content SID must be HX followed by 32 hex digits")
		}
		p.SetContentSid(m.ContentSID)
		if len(m.ContentVariables) > 0 {
			b, err := json.Marshal(m.ContentVariables) // keys sorted: stable
			if err != nil {
				return nil, invalid("invalid_request", "content variables")
			}
			p.SetContentVariables(string(b))
		}
	case m.Body == "":
		return nil, invalid("invalid_request", "empty body and no content template")
	default:
		p.SetBody(m.Body)
	}
	if m.StatusCallback != "" {
		u, err := url.Parse(m.StatusCallback)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, invalid("invalid_request", "status callback is not an absolute http(s) URL")
		}
		p.SetStatusCallback(m.StatusCallback)
	}
	// Retention: ProvideFeedback is never set (Twilio would keep feedback
	// records), and neither is anything that makes Twilio keep more.
	if t.cfg.RequestRedaction {
		p.SetContentRetention("discard")
		p.SetAddressRetention("obfuscate")
	}
	if t.cfg.ValidityPeriod > 0 {
		p.SetValidityPeriod(int(t.cfg.ValidityPeriod / time.Second))
	}
	return p, nil
}

// RedactMessage erases a message's body at Twilio (an update with an empty
// Body, Twilio's redaction). Twilio allows it once the message is final
// (delivered, undelivered, failed, …). Errors are *SendError.
func (t *Twilio) RedactMessage(ctx context.Context, sid string) error {
	if !isMessageSid(sid) {
		return invalid("invalid_request", "not a message SID")
	}
	api, c, cancel := t.api(ctx)
	defer cancel()
	msg, err := api.UpdateMessage(sid, (&openapi.UpdateMessageParams{}).SetBody(""))
	if err != nil {
		return c.classify(err, true)
	}
	if msg != nil && msg.Body != nil && *msg.Body != "" {
		return badResponse()
	}
	return nil
}

// DeleteMessage deletes the message record at Twilio (allowed once the
// message is final). Errors are *SendError.
func (t *Twilio) DeleteMessage(ctx context.Context, sid string) error {
	if !isMessageSid(sid) {
		return invalid("invalid_request", "not a message SID")
	}
	api, c, cancel := t.api(ctx)
	defer cancel()
	if err := api.DeleteMessage(sid, nil); err != nil {
		return c.classify(err, true)
	}
	return nil
}

// FetchMessageStatus asks Twilio where a message is, in our status
// vocabulary (see ParseTwilioStatus): after a crash it tells whether a
// message with a known sid left. A message Twilio does not know (never
// created, deleted) is a *SendError with Code "not_found".
func (t *Twilio) FetchMessageStatus(ctx context.Context, sid string) (string, error) {
	if !isMessageSid(sid) {
		return "", invalid("invalid_request", "not a message SID")
	}
	api, c, cancel := t.api(ctx)
	defer cancel()
	msg, err := api.FetchMessage(sid, nil)
	if err != nil {
		return "", c.classify(err, true)
	}
	if msg == nil || msg.Status == nil {
		return "", badResponse()
	}
	st, ok := twilioStatuses[strings.ToLower(*msg.Status)]
	if !ok {
		return "", badResponse()
	}
	return st, nil
}

// ProviderMessage is one message as the provider lists it, for
// reconciliation. Body is hers: compare it, never log it.
type ProviderMessage struct {
	Sid    string
	Status string // our vocabulary (see ParseTwilioStatus); "" if not recognised
	Body   string
	SentAt time.Time // the provider's date_sent; zero if it gave none
}

// ListMessagesTo lists the messages sent to one recipient on a channel
// since after, newest first, with their bodies: reconciliation looks there
// for a message whose send was never recorded. to is E.164. Her listing
// starts at her newest message, so the messages sent since after are all
// read, in pages of herPage (most recipients' windows fit in one, and the
// page that reaches after carries at most herPage older messages, bodies
// and all), unless limit, which bounds the messages read, cuts it first: covered says whether it reached after (a message sent
// since after that is not listed was not sent, or is still queued); false
// when it was cut (her later messages filled limit; the older ones were
// never read).
func (t *Twilio) ListMessagesTo(ctx context.Context, channel, to string, after time.Time, limit int) ([]ProviderMessage, bool, error) {
	return t.ListMessagesToPaged(ctx, channel, to, after, limit, 0)
}

// ListMessagesToPaged is ListMessagesTo with each page's request bounded
// by pageTimeout on its own (0: Timeout), so a deep listing whose pages
// each answer in time is not failed by one deadline over all of them; ctx
// still bounds the whole listing. Any page not answering in time, or ctx
// ending, is an error, never a shorter listing: covered false means only
// that limit cut it, so a caller can tell "her later messages filled the
// listing" (a fact about her) from "the provider was slow" (ask again).
func (t *Twilio) ListMessagesToPaged(ctx context.Context, channel, to string, after time.Time, limit int, pageTimeout time.Duration) ([]ProviderMessage, bool, error) {
	if to == "" {
		return nil, false, invalid("invalid_number", "recipient is not an E.164 number")
	}
	return t.listSent(ctx, channel, to, after, time.Time{}, limit, min(limit, herPage), pageTimeout, true)
}

// herPage is the page size of ListMessagesTo.
const herPage = 100

// ListMessagesSent lists the messages sent between after and before
// (Twilio's date_sent), to one recipient on a channel or, with to "", to
// everyone, newest first, reading the listing's pages (up to 1,000
// messages a page) as next_page_uri gives them until limit messages were
// read or the listing is past the window: reconciliation settles a burst
// of lost delivery reports with a few of these calls instead of one fetch
// per message. Bodies are not kept. A message still in Twilio's queue has
// no date_sent and is not listed. covered says the listing reached the
// window's older edge or its end (a message of the window that is not
// listed was not sent in it); false when limit cut it first.
func (t *Twilio) ListMessagesSent(ctx context.Context, channel, to string, after, before time.Time, limit int) ([]ProviderMessage, bool, error) {
	return t.listSent(ctx, channel, to, after, before, limit, min(limit, 1000), 0, false)
}

// listSent lists the messages sent in [after, before] (before zero: up to
// now), to one recipient or, with to "", to everyone, newest first.
//
// Twilio's DateSent filters take a GMT date (YYYY-MM-DD), not a time
// (twilio-go would send RFC 3339, which Twilio may refuse or misread), so
// the request asks for whole days and the window is applied here: the
// listing runs from the day before after's day (under a reading of
// DateSent> as "after that day", which Twilio-compatible APIs document)
// to the day after before's (likewise for DateSent<), messages outside the
// window are dropped, and reading stops at the first one sent before
// after. That early stop rests on the order Twilio documents for the list
// ("sorted by the DateSent field, with the most recent messages appearing
// first"): nothing older follows. It also makes the widened days cost no
// page below the window; above it, a day-wide answer costs the pages of
// messages sent after the window that day, which for an account sending
// hundreds a second can exceed limit (covered false): limit bounds the
// pages read, whatever the provider answers.
//
// Each page is one request, bounded by pageTimeout (0: Timeout) on its
// own; ctx bounds them all. A page that fails or runs out of time fails
// the listing (what was read is dropped): covered false is kept for a
// listing cut by limit.
func (t *Twilio) listSent(ctx context.Context, channel, to string, after, before time.Time, limit, pageSize int, pageTimeout time.Duration, bodies bool) ([]ProviderMessage, bool, error) {
	if limit < 1 {
		return nil, false, nil
	}
	q := url.Values{}
	if to != "" {
		if !isE164(strings.TrimPrefix(to, "whatsapp:")) {
			return nil, false, invalid("invalid_number", "recipient is not an E.164 number")
		}
		if channel == "whatsapp" && !strings.HasPrefix(to, "whatsapp:") {
			to = "whatsapp:" + to
		}
		q.Set("To", to)
	}
	q.Set("DateSent>", twilioDay(after.AddDate(0, 0, -1)))
	if !before.IsZero() {
		q.Set("DateSent<", twilioDay(before.AddDate(0, 0, 1)))
	}
	q.Set("PageSize", strconv.Itoa(pageSize))
	from := after.Truncate(time.Second) // date_sent has whole seconds
	var out []ProviderMessage
	token, page, read := "", "", 0
	for {
		resp, serr := t.listPage(ctx, pageTimeout, q, token, page)
		if serr != nil {
			return nil, false, serr
		}
		if resp == nil {
			return nil, false, badResponse()
		}
		for _, m := range resp.Messages {
			if read == limit {
				return out, false, nil
			}
			read++
			pm, ok := providerMessage(m, bodies)
			switch {
			case !ok || pm.SentAt.IsZero() || !before.IsZero() && pm.SentAt.After(before):
				continue
			case pm.SentAt.Before(from):
				return out, true, nil // past the window
			}
			out = append(out, pm)
		}
		if resp.NextPageUri == nil || *resp.NextPageUri == "" {
			return out, true, nil
		}
		if read >= limit {
			return out, false, nil
		}
		next, err := url.Parse(*resp.NextPageUri)
		if err != nil {
			return nil, false, badResponse()
		}
		nq := next.Query()
		if nq.Get("PageToken") == token && nq.Get("Page") == page {
			return nil, false, badResponse() // the same page again: never loop
		}
		token, page = nq.Get("PageToken"), nq.Get("Page")
	}
}

// listPage reads one page of a listing as its own request, bounded by
// timeout (0: Timeout) within ctx.
func (t *Twilio) listPage(ctx context.Context, timeout time.Duration, q url.Values, token, page string) (*openapi.ListMessageResponse, *SendError) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	api, c, cancel := t.api(ctx)
	defer cancel()
	resp, err := pageMessages(api, q, token, page)
	if err != nil {
		// Classified before the deferred cancels: a cancelled call's
		// context would read as the cause.
		return nil, c.classify(err, false)
	}
	return resp, nil
}

// twilioDay is t's GMT date, the form of Twilio's DateSent filters.
func twilioDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// pageMessages reads one page of the Messages list with query q (and the
// page's token), through twilio-go's request handler (auth, error
// decoding, the call's transport) like twilio-go's PageMessage, which
// cannot send a date-only DateSent filter.
func pageMessages(api *openapi.ApiService, q url.Values, token, page string) (*openapi.ListMessageResponse, error) {
	rh := api.RequestHandler()
	data := url.Values{}
	for k, v := range q {
		data[k] = v
	}
	if token != "" {
		data.Set("PageToken", token)
	}
	if page != "" {
		data.Set("Page", page)
	}
	path := twilioAPIBase + "/2010-04-01/Accounts/" + rh.Client.AccountSid() + "/Messages.json"
	resp, err := rh.Get(path, data, map[string]any{"Content-Type": "application/x-www-form-urlencoded"}, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	ps := &openapi.ListMessageResponse{}
	if err := json.NewDecoder(resp.Body).Decode(ps); err != nil {
		return nil, err
	}
	return ps, nil
}

// providerMessage reads one listed message; ok is false for a sid of an
// unexpected shape.
func providerMessage(m openapi.ApiV2010Message, body bool) (ProviderMessage, bool) {
	if m.Sid == nil || !isMessageSid(*m.Sid) {
		return ProviderMessage{}, false
	}
	pm := ProviderMessage{Sid: *m.Sid}
	if m.Status != nil {
		pm.Status = twilioStatuses[strings.ToLower(*m.Status)]
	}
	if body && m.Body != nil {
		pm.Body = *m.Body
	}
	if m.DateSent != nil {
		if at, err := time.Parse(time.RFC1123Z, *m.DateSent); err == nil {
			pm.SentAt = at
		}
	}
	return pm, true
}

// ---- transport ----

// api builds a twilio-go API service bound to one call. twilio-go (v1.31)
// builds requests with context.Background(), so the call's context, the
// base-URL override and status capture live in a per-call RoundTripper
// over one shared, pooled http.Transport. The request still goes through
// twilio-go's client.Client (auth, encoding, error decoding).
func (t *Twilio) api(ctx context.Context) (*openapi.ApiService, *twilioCall, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	c := &twilioCall{ctx: ctx, t: t}
	cl := &client.Client{
		Credentials: client.NewCredentials(t.cfg.AccountSID, t.cfg.AuthToken),
		HTTPClient: &http.Client{Transport: c, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
	cl.SetAccountSid(t.cfg.AccountSID)
	// Edge and Region are left empty on purpose: TWILIO_EDGE/TWILIO_REGION
	// from the environment must not silently move traffic (use APIBaseURL).
	return openapi.NewApiService(&client.RequestHandler{Client: cl}), c, cancel
}

// twilioCall is the RoundTripper of one API call.
type twilioCall struct {
	ctx    context.Context
	t      *Twilio
	status int // HTTP status of the last response; 0 if none arrived
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

func (c *twilioCall) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.WithContext(c.ctx)
	if b := c.t.base; b != nil {
		u := *r.URL
		u.Scheme, u.Host = b.Scheme, b.Host
		u.Path, u.RawPath = b.Path+u.Path, ""
		r.URL = &u
		r.Host = ""
	}
	resp, err := c.t.transport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	c.status = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		// twilio-go decodes error bodies without closing them; read it
		// here (bounded) so the connection goes back to the pool.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
	}
	return resp, nil
}

// ---- errors ----

// ProviderError is the sanitised cause inside a SendError when the
// provider answered with an error: its codes only. Twilio's message text
// is dropped because it quotes the phone number.
type ProviderError struct {
	Provider   string
	Code       int // provider error code, 0 if none was readable
	HTTPStatus int
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("%s api error code=%d http=%d", e.Provider, e.Code, e.HTTPStatus)
}

func invalid(code, why string) *SendError {
	return &SendError{Code: code, Err: errors.New("twilio: " + why)}
}

func badResponse() *SendError {
	// The provider said yes but the answer is unreadable: the message may
	// exist, so HTTPStatus stays 0 (not "refused") and it is retryable.
	return &SendError{Code: "provider_bad_response", Retryable: true, Err: errors.New("twilio: unreadable answer")}
}

// classify turns a twilio-go error into a SendError without any of the
// error's text. resource: the call addressed an existing message (404
// means not_found there).
func (c *twilioCall) classify(err error, resource bool) *SendError {
	var tre *client.TwilioRestError
	var v1 *client.RestErrorV1
	code, status := 0, 0
	switch {
	case errors.As(err, &tre):
		code, status = tre.Code, tre.Status
		if c.status >= 400 {
			status = c.status // the transport saw the real one
		}
	case errors.As(err, &v1):
		code, status = v1.Code, v1.HttpStatusCode
		if c.status >= 400 {
			status = c.status
		}
	case c.status >= 400 || (c.status != 0 && c.status < 200):
		status = c.status // an error answer that is not Twilio JSON (a proxy page)
	case c.status != 0:
		return badResponse()
	default:
		return &SendError{Code: "provider_unreachable", Retryable: true, Err: networkCause(err, c.ctx)}
	}
	se := ClassifyTwilioError(code, status)
	if resource && (status == http.StatusNotFound || code == 20404) {
		se.Code, se.Retryable = "not_found", false
	}
	return se
}

// networkCause keeps what callers may test (a dial *net.OpError, context
// errors) and drops the rest of the text (twilio-go wraps the URL).
func networkCause(err error, ctx context.Context) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("twilio: %w", cerr)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("twilio: %w", context.DeadlineExceeded)
	}
	return errors.New("twilio: transport error")
}

// ClassifyTwilioError maps a Twilio error code and HTTP status to our
// SendError taxonomy:
//
//	21610                 opted_out (OptOut)        permanent
//	21211, 21612, 21614   invalid_number            permanent
//	63016                 template_required         permanent (WhatsApp outside 24h: use a template)
//	63018, 20429, HTTP 429 rate_limited             retryable
//	HTTP 5xx              provider_unavailable      retryable
//	20003, HTTP 401       provider_auth             retryable (credentials are ours to fix, not hers)
//	30029, 30030          provider_config           retryable (RequestRedaction on an account without it)
//	other                 rejected                  permanent
//
// Err carries the codes only.
func ClassifyTwilioError(code, httpStatus int) *SendError {
	se := &SendError{ProviderCode: code, HTTPStatus: httpStatus, Err: &ProviderError{Provider: "twilio", Code: code, HTTPStatus: httpStatus}}
	switch {
	case code == 21610:
		se.Code, se.OptOut = "opted_out", true
	case code == 21211 || code == 21612 || code == 21614:
		se.Code = "invalid_number"
	case code == 63016:
		se.Code = "template_required"
	case code == 63018 || code == 20429 || httpStatus == http.StatusTooManyRequests:
		se.Code, se.Retryable = "rate_limited", true
	case httpStatus >= 500:
		se.Code, se.Retryable = "provider_unavailable", true
	case code == 20003 || httpStatus == http.StatusUnauthorized:
		se.Code, se.Retryable = "provider_auth", true
	case code == 30029 || code == 30030:
		se.Code, se.Retryable = "provider_config", true
	default:
		se.Code = "rejected"
	}
	return se
}

// ---- small validators ----

func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isSid: prefix + 32 hex digits, Twilio's SID shape.
func isSid(s, prefix string) bool {
	if len(s) != len(prefix)+32 || !strings.HasPrefix(s, prefix) {
		return false
	}
	for i := len(prefix); i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// isMessageSid: SM… or MM… (it goes into a URL path unescaped by
// twilio-go, so nothing else may pass).
func isMessageSid(s string) bool { return isSid(s, "SM") || isSid(s, "MM") }

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
