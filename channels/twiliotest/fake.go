// Package twiliotest is a fake of the parts of Twilio's 2010-04-01 REST
// API the gateway uses (Messages and Calls), for tests and load tests.
//
// twilio-go talks to it over real HTTP (point channels.TwilioConfig's
// APIBaseURL at URL()), so the real client code — request encoding, auth,
// error decoding — runs. The fake answers like Twilio does: the same JSON
// shapes, the same error envelope ({"code","message","more_info","status"}),
// the same validation errors for the common mistakes (including Twilio's
// habit of echoing the phone number in an error message, so callers'
// sanitising is tested for real). It can inject failures, add latency,
// and post status callbacks signed with X-Twilio-Signature.
//
// It is safe for concurrent use and cheap per request: every operation is
// O(1), stored messages and recorded requests are bounded rings.
package twiliotest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// Defaults for the bounded stores.
const (
	DefaultMaxMessages   = 100_000
	DefaultRecordLimit   = 10_000
	maxConcurrentPosts   = 64
	poolSender           = "+15005550006" // what a Messaging Service "assigns"
	apiVersion           = "2010-04-01"
	defaultFailErrorCode = 30008 // "Unknown error", Deliver(failed|undelivered)
)

// Request is one API request the fake received.
type Request struct {
	Method string
	Path   string     // URL path, e.g. /2010-04-01/Accounts/AC…/Messages.json
	Form   url.Values // POST form body; the query for GET and DELETE
	AuthOK bool
	At     time.Time
}

// Message is the fake's view of one Message resource.
type Message struct {
	Sid                 string
	To, From            string // as posted, e.g. "whatsapp:+4477…"
	MessagingServiceSid string
	Body                string
	ContentSid          string
	ContentVariables    string
	StatusCallback      string
	Status              string
	ErrorCode           int
	Params              url.Values // every posted parameter
	DateCreated         time.Time
	DateUpdated         time.Time
	// DateSent is when the message left the queue (its first status past
	// queued/accepted/scheduled); zero while it waits. Twilio's listing
	// filters DateSent on it, so a message still queued is not listed.
	DateSent time.Time
}

// Call is the fake's view of one Call resource.
type Call struct {
	Sid            string
	To, From       string
	Status         string
	StatusCallback string
	Params         url.Values // every posted parameter (Url/Twiml, MachineDetection, …), updates merged in
	DateCreated    time.Time
}

// Failure is an injected error answer. HTTPStatus 0 means the fake drops
// the connection without answering (a network failure as the client sees
// it). Body, when set, is sent verbatim as text/html instead of Twilio's
// JSON error envelope (e.g. a proxy's 502 page).
type Failure struct {
	HTTPStatus int
	Code       int // Twilio error code in the JSON envelope
	Body       string
}

// Fake is a running fake Twilio API.
type Fake struct {
	t          testing.TB
	srv        *httptest.Server
	accountSID string
	authToken  string
	cbClient   *http.Client

	latency atomic.Int64 // nanoseconds
	// pageLatency delays one page of every listing (SetPageLatency).
	pageLatency atomic.Pointer[pageLatency]
	record      atomic.Bool
	pageSize    atomic.Int32 // largest list page; 0 = Twilio's 1000

	failMu   sync.Mutex
	failNext []Failure // FIFO of pending one-shot failures
	failAny  atomic.Int32
	failTo   map[string]Failure
	failToN  atomic.Int32

	msgMu    sync.RWMutex
	msgs     map[string]*Message
	msgOrder []string // ring of sids, for eviction
	msgPos   int
	maxMsgs  int
	calls    map[string]*Call
	callOrd  []string
	callPos  int
	created  atomic.Int64
	nCalls   atomic.Int64
	nRequest atomic.Int64

	reqMu    sync.Mutex
	reqs     []Request // ring
	reqPos   int
	reqLimit int

	auto atomic.Pointer[[]string]

	cbMu      sync.Mutex
	cbCond    *sync.Cond
	cbPending int
	cbErrs    []error
	cbSem     chan struct{}
	closed    atomic.Bool

	// OnCreate and OnCallback, when set (before traffic starts), observe
	// each accepted message and each automatic callback's outcome; the
	// load generator measures end-to-end latency with them.
	OnCreate   func(m Message)
	OnCallback func(sid, status string, err error)
}

// New starts a fake Twilio API that accepts Basic auth with AccountSID()
// and authToken, and stops it when the test ends.
func New(t testing.TB, authToken string) *Fake {
	t.Helper()
	if authToken == "" {
		t.Fatal("twiliotest: empty auth token")
	}
	f := newFake(authToken)
	f.t = t
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Start runs a fake outside a test (for the load generator), listening on
// addr (e.g. "127.0.0.1:0"), accepting accountSID (random if "") and
// authToken. Close stops it.
func Start(accountSID, authToken, addr string) (*Fake, error) {
	if authToken == "" {
		return nil, fmt.Errorf("twiliotest: empty auth token")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	f := newFake(authToken)
	if accountSID != "" {
		f.accountSID = accountSID
	}
	f.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(f.serve)}}
	f.srv.Start()
	return f, nil
}

func newFake(authToken string) *Fake {
	f := &Fake{
		accountSID: "AC" + randHex(),
		authToken:  authToken,
		failTo:     map[string]Failure{},
		msgs:       map[string]*Message{},
		calls:      map[string]*Call{},
		maxMsgs:    DefaultMaxMessages,
		reqLimit:   DefaultRecordLimit,
		cbSem:      make(chan struct{}, maxConcurrentPosts),
	}
	f.cbCond = sync.NewCond(&f.cbMu)
	f.record.Store(true)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = maxConcurrentPosts
	f.cbClient = &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return f
}

// Close stops the server and waits for pending automatic callbacks. It is
// called at test cleanup; calling it earlier is fine.
func (f *Fake) Close() {
	if f.closed.Swap(true) {
		return
	}
	f.srv.Close()
	f.cbMu.Lock()
	for f.cbPending > 0 {
		f.cbCond.Wait()
	}
	f.cbMu.Unlock()
	f.cbClient.CloseIdleConnections()
}

// URL is the base URL to give twilio-go (channels.TwilioConfig.APIBaseURL).
func (f *Fake) URL() string { return f.srv.URL }

// AccountSID is the account the fake accepts (Basic auth user and the
// {AccountSid} path segment).
func (f *Fake) AccountSID() string { return f.accountSID }

// AuthToken is the token the fake accepts and signs callbacks with.
func (f *Fake) AuthToken() string { return f.authToken }

// SetLatency delays every API answer by d (0, the default, answers at once).
func (f *Fake) SetLatency(d time.Duration) { f.latency.Store(int64(d)) }

// SetPageLatency delays the answer to page n (0: the first) of every
// listing by d, on top of SetLatency, so a test sees a listing slow
// part-way through; d 0 turns it off.
func (f *Fake) SetPageLatency(n int, d time.Duration) {
	f.pageLatency.Store(&pageLatency{page: n, d: d})
}

type pageLatency struct {
	page int
	d    time.Duration
}

// SetMaxPageSize caps the pages of a listing at n messages whatever
// PageSize asks (Twilio's cap is 1000), so a test sees paging with a few
// messages.
func (f *Fake) SetMaxPageSize(n int) { f.pageSize.Store(int32(n)) }

// SetCallbackConcurrency bounds how many automatic callbacks are posted at
// once (default 64). Call it before traffic starts.
func (f *Fake) SetCallbackConcurrency(n int) {
	if n > 0 {
		f.cbSem = make(chan struct{}, n)
		if tr, ok := f.cbClient.Transport.(*http.Transport); ok {
			tr.MaxIdleConnsPerHost = n
		}
	}
}

// SetRecord turns request recording on (the default) or off. Off, the hot
// path does no recording work at all: use it for load tests.
func (f *Fake) SetRecord(on bool) { f.record.Store(on) }

// SetRecordLimit bounds the recorded requests (default DefaultRecordLimit);
// the oldest are dropped first. It clears what was recorded.
func (f *Fake) SetRecordLimit(n int) {
	if n < 1 {
		n = 1
	}
	f.reqMu.Lock()
	f.reqLimit, f.reqs, f.reqPos = n, nil, 0
	f.reqMu.Unlock()
}

// SetMaxMessages bounds the stored messages and calls (default
// DefaultMaxMessages); beyond it the oldest are forgotten (a fetch answers
// 404, as for a deleted message). It clears the stores.
func (f *Fake) SetMaxMessages(n int) {
	if n < 1 {
		n = 1
	}
	f.msgMu.Lock()
	f.maxMsgs = n
	f.msgs, f.msgOrder, f.msgPos = map[string]*Message{}, nil, 0
	f.calls, f.callOrd, f.callPos = map[string]*Call{}, nil, 0
	f.msgMu.Unlock()
}

// Requests returns the recorded requests, oldest first (a copy).
func (f *Fake) Requests() []Request {
	f.reqMu.Lock()
	defer f.reqMu.Unlock()
	out := make([]Request, 0, len(f.reqs))
	if len(f.reqs) == f.reqLimit {
		out = append(out, f.reqs[f.reqPos:]...)
		out = append(out, f.reqs[:f.reqPos]...)
	} else {
		out = append(out, f.reqs...)
	}
	for i := range out {
		out[i].Form = cloneValues(out[i].Form)
	}
	return out
}

// RequestCount is how many API requests arrived (recorded or not).
func (f *Fake) RequestCount() int64 { return f.nRequest.Load() }

// Created is how many messages the fake accepted.
func (f *Fake) Created() int64 { return f.created.Load() }

// CallsCreated is how many calls the fake accepted.
func (f *Fake) CallsCreated() int64 { return f.nCalls.Load() }

// FailNext makes the next n API requests (any resource, after the auth
// check) fail with httpStatus and Twilio error twilioCode. httpStatus 0
// drops the connection instead of answering.
func (f *Fake) FailNext(n, httpStatus, twilioCode int) {
	f.FailNextWith(n, Failure{HTTPStatus: httpStatus, Code: twilioCode})
}

// FailNextWith is FailNext with a full Failure (e.g. a non-JSON body).
func (f *Fake) FailNextWith(n int, fl Failure) {
	f.failMu.Lock()
	for i := 0; i < n; i++ {
		f.failNext = append(f.failNext, fl)
	}
	f.failAny.Store(int32(len(f.failNext)))
	f.failMu.Unlock()
}

// FailTo makes every message or call created to number (E.164; a
// "whatsapp:" prefix on either side is ignored) fail with httpStatus and
// twilioCode, until ClearFailures.
func (f *Fake) FailTo(number string, httpStatus, twilioCode int) {
	f.failMu.Lock()
	f.failTo[stripChannel(number)] = Failure{HTTPStatus: httpStatus, Code: twilioCode}
	f.failToN.Store(int32(len(f.failTo)))
	f.failMu.Unlock()
}

// ClearFailures removes all pending and per-number failures.
func (f *Fake) ClearFailures() {
	f.failMu.Lock()
	f.failNext, f.failTo = nil, map[string]Failure{}
	f.failAny.Store(0)
	f.failToN.Store(0)
	f.failMu.Unlock()
}

// AutoDeliver makes the fake post these statuses, in order, to each new
// message's StatusCallback right after creating it (asynchronously). No
// arguments turns it off. Errors are collected in CallbackErrors.
func (f *Fake) AutoDeliver(statuses ...string) {
	for _, s := range statuses {
		if !knownStatus[s] {
			if f.t != nil {
				f.t.Errorf("twiliotest: AutoDeliver: unknown Twilio status %q", s)
			}
			return
		}
	}
	if len(statuses) == 0 {
		f.auto.Store(nil)
		return
	}
	s := append([]string(nil), statuses...)
	f.auto.Store(&s)
}

// WaitCallbacks blocks until no automatic callback is pending.
func (f *Fake) WaitCallbacks() {
	f.cbMu.Lock()
	for f.cbPending > 0 {
		f.cbCond.Wait()
	}
	f.cbMu.Unlock()
}

// CallbackErrors returns the errors of automatic callbacks (the first 100).
func (f *Fake) CallbackErrors() []error {
	f.cbMu.Lock()
	defer f.cbMu.Unlock()
	return append([]error(nil), f.cbErrs...)
}

// Message returns a copy of a stored message.
func (f *Fake) Message(sid string) (Message, bool) {
	f.msgMu.RLock()
	defer f.msgMu.RUnlock()
	m, ok := f.msgs[sid]
	if !ok {
		return Message{}, false
	}
	c := *m
	c.Params = cloneValues(c.Params)
	return c, true
}

// Call returns a copy of a stored call.
func (f *Fake) Call(sid string) (Call, bool) {
	f.msgMu.RLock()
	defer f.msgMu.RUnlock()
	c, ok := f.calls[sid]
	if !ok {
		return Call{}, false
	}
	cp := *c
	cp.Params = cloneValues(cp.Params)
	return cp, true
}

// SetStatus changes a stored message's status without posting a callback.
func (f *Fake) SetStatus(sid, status string) error {
	if !knownStatus[status] {
		return fmt.Errorf("twiliotest: unknown Twilio status %q", status)
	}
	f.msgMu.Lock()
	defer f.msgMu.Unlock()
	m, ok := f.msgs[sid]
	if !ok {
		return fmt.Errorf("twiliotest: no message %s", sid)
	}
	m.setStatus(status, time.Now())
	return nil
}

// SetDateSent sets when a stored message left the queue (its date_sent),
// so a test can place messages on either side of a GMT midnight.
func (f *Fake) SetDateSent(sid string, at time.Time) error {
	f.msgMu.Lock()
	defer f.msgMu.Unlock()
	m, ok := f.msgs[sid]
	if !ok {
		return fmt.Errorf("twiliotest: no message %s", sid)
	}
	m.DateSent = at.UTC().Truncate(time.Second)
	return nil
}

// setStatus changes the status and, on the first move out of the queue,
// stamps DateSent. msgMu held.
func (m *Message) setStatus(status string, now time.Time) {
	m.Status, m.DateUpdated = status, now
	if m.DateSent.IsZero() && !waitingStatus(status) {
		m.DateSent = now
	}
}

// waitingStatus: the message has not left Twilio's queue (no date_sent).
func waitingStatus(s string) bool {
	return s == "queued" || s == "accepted" || s == "scheduled"
}

// Deliver sets a message's status and posts Twilio's status callback to
// its StatusCallback, signed with X-Twilio-Signature. failed and
// undelivered carry ErrorCode 30008 (use DeliverError to choose).
func (f *Fake) Deliver(sid, status string) error {
	code := 0
	if status == "failed" || status == "undelivered" {
		code = defaultFailErrorCode
	}
	return f.DeliverError(sid, status, code)
}

// DeliverError is Deliver with an explicit ErrorCode (0: none sent).
func (f *Fake) DeliverError(sid, status string, errorCode int) error {
	return f.deliver(context.Background(), sid, status, errorCode)
}

func (f *Fake) deliver(ctx context.Context, sid, status string, errorCode int) error {
	if !knownStatus[status] {
		return fmt.Errorf("twiliotest: unknown Twilio status %q", status)
	}
	f.msgMu.Lock()
	m, ok := f.msgs[sid]
	if !ok {
		f.msgMu.Unlock()
		return fmt.Errorf("twiliotest: no message %s", sid)
	}
	m.setStatus(status, time.Now())
	m.ErrorCode = errorCode
	cb, to, from, mss := m.StatusCallback, m.To, m.From, m.MessagingServiceSid
	f.msgMu.Unlock()
	if cb == "" {
		return fmt.Errorf("twiliotest: message %s has no StatusCallback", sid)
	}
	if from == "" {
		from = poolSender
		if strings.HasPrefix(to, "whatsapp:") {
			from = "whatsapp:" + poolSender
		}
	}
	form := url.Values{
		"MessageSid":    {sid},
		"SmsSid":        {sid},
		"MessageStatus": {status},
		"SmsStatus":     {status},
		"AccountSid":    {f.accountSID},
		"From":          {from},
		"To":            {to},
		"ApiVersion":    {apiVersion},
	}
	if mss != "" {
		form.Set("MessagingServiceSid", mss)
	}
	if errorCode != 0 {
		form.Set("ErrorCode", fmt.Sprint(errorCode))
	}
	if strings.HasPrefix(to, "whatsapp:") {
		form.Set("ChannelPrefix", "whatsapp")
		form.Set("ChannelToAddress", stripChannel(to))
	}
	return f.PostCallback(ctx, cb, form)
}

// PostCallback posts form to callbackURL the way Twilio posts webhooks:
// form-encoded, with X-Twilio-Signature computed for exactly that URL. Use
// it for callbacks Deliver does not cover (voice status, inbound messages).
// A non-2xx answer is an error.
func (f *Fake) PostCallback(ctx context.Context, callbackURL string, form url.Values) error {
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("twiliotest: callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", Sign(f.authToken, callbackURL, form))
	req.Header.Set("I-Twilio-Idempotency-Token", randHex())
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	resp, err := f.cbClient.Do(req)
	if err != nil {
		return fmt.Errorf("twiliotest: callback: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("twiliotest: callback answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// Sign computes X-Twilio-Signature for a form POST to fullURL, as Twilio
// documents it: the URL, then each parameter name followed by its value,
// names sorted (several values of one name: sorted, each preceded by the
// name), HMAC-SHA1 keyed with the auth token, base64.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(authToken))
	io.WriteString(mac, fullURL)
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
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ---- HTTP side ----

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.nRequest.Add(1)
	if err := r.ParseForm(); err != nil {
		writeErr(w, http.StatusBadRequest, 20001, "Unable to parse request")
		return
	}
	form := r.PostForm
	if r.Method == http.MethodGet || r.Method == http.MethodDelete {
		form = r.URL.Query()
	}
	user, pass, hasAuth := r.BasicAuth()
	authOK := hasAuth &&
		subtle.ConstantTimeCompare([]byte(user), []byte(f.accountSID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(f.authToken)) == 1
	if f.record.Load() {
		f.recordRequest(Request{Method: r.Method, Path: r.URL.Path, Form: form, AuthOK: authOK, At: time.Now()})
	}
	if d := time.Duration(f.latency.Load()); d > 0 {
		tm := time.NewTimer(d)
		select {
		case <-tm.C:
		case <-r.Context().Done():
			tm.Stop()
			return
		}
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+apiVersion+"/Accounts/")
	if !ok {
		writeErr(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	acct, tail, _ := strings.Cut(rest, "/")
	if !authOK || acct != f.accountSID {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeErr(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if fl, ok := f.takeFailure(); ok {
		f.fail(w, fl, stripChannel(form.Get("To")))
		return
	}
	switch {
	case tail == "Messages.json":
		switch r.Method {
		case http.MethodPost:
			f.createMessage(w, form)
		case http.MethodGet:
			f.listMessages(r.Context(), w, form)
		default:
			writeErr(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		}
	case strings.HasPrefix(tail, "Messages/") && strings.HasSuffix(tail, ".json"):
		f.messageInstance(w, r.Method, strings.TrimSuffix(strings.TrimPrefix(tail, "Messages/"), ".json"), form)
	case tail == "Calls.json":
		if r.Method != http.MethodPost {
			writeErr(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
			return
		}
		f.createCall(w, form)
	case strings.HasPrefix(tail, "Calls/") && strings.HasSuffix(tail, ".json"):
		f.callInstance(w, r.Method, strings.TrimSuffix(strings.TrimPrefix(tail, "Calls/"), ".json"), form)
	default:
		writeErr(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	}
}

func (f *Fake) recordRequest(rq Request) {
	rq.Form = cloneValues(rq.Form)
	f.reqMu.Lock()
	if len(f.reqs) < f.reqLimit {
		f.reqs = append(f.reqs, rq)
	} else {
		f.reqs[f.reqPos] = rq
		f.reqPos = (f.reqPos + 1) % f.reqLimit
	}
	f.reqMu.Unlock()
}

func (f *Fake) takeFailure() (Failure, bool) {
	if f.failAny.Load() == 0 {
		return Failure{}, false
	}
	f.failMu.Lock()
	defer f.failMu.Unlock()
	if len(f.failNext) == 0 {
		return Failure{}, false
	}
	fl := f.failNext[0]
	f.failNext = f.failNext[1:]
	f.failAny.Store(int32(len(f.failNext)))
	return fl, true
}

func (f *Fake) failureFor(to string) (Failure, bool) {
	if f.failToN.Load() == 0 {
		return Failure{}, false
	}
	f.failMu.Lock()
	defer f.failMu.Unlock()
	fl, ok := f.failTo[stripChannel(to)]
	return fl, ok
}

// fail answers with an injected failure. Like Twilio, number errors
// mention the number in the message text.
func (f *Fake) fail(w http.ResponseWriter, fl Failure, to string) {
	if fl.HTTPStatus == 0 {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // fallback: abort the response
	}
	if fl.Body != "" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(fl.HTTPStatus)
		io.WriteString(w, fl.Body)
		return
	}
	writeErr(w, fl.HTTPStatus, fl.Code, errorText(fl.Code, to))
}

func errorText(code int, to string) string {
	switch code {
	case 21211:
		return fmt.Sprintf("The 'To' number %s is not a valid phone number.", to)
	case 21610:
		return fmt.Sprintf("Attempt to send to unsubscribed recipient %s", to)
	case 21612:
		return fmt.Sprintf("The 'To' phone number: %s, is not currently reachable using the 'From' phone number via SMS.", to)
	case 21614:
		return fmt.Sprintf("'To' number %s is not a valid mobile number", to)
	case 20429, 0:
		return "Too Many Requests"
	case 63016:
		return "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template."
	case 63018:
		return "Rate limit exceeded for Channel"
	case 20009:
		return "Cannot delete message because delivery has not been completed."
	default:
		return fmt.Sprintf("Error %d (to %s)", code, to)
	}
}

type errBody struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func writeErr(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, errBody{Code: code, Message: msg, MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), Status: status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":20500,"message":"Internal Server Error","status":500}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func (f *Fake) createMessage(w http.ResponseWriter, form url.Values) {
	to, from, mss := form.Get("To"), form.Get("From"), form.Get("MessagingServiceSid")
	body, csid, cvars := form.Get("Body"), form.Get("ContentSid"), form.Get("ContentVariables")
	switch {
	case to == "":
		writeErr(w, 400, 21604, "A 'To' phone number is required.")
		return
	case from == "" && mss == "":
		writeErr(w, 400, 21603, "A 'From' phone number is required.")
		return
	case body == "" && csid == "" && len(form["MediaUrl"]) == 0:
		writeErr(w, 400, 21602, "Message body is required.")
		return
	case !isE164(stripChannel(to)):
		writeErr(w, 400, 21211, errorText(21211, to))
		return
	case from != "" && channelOf(from) != channelOf(to):
		writeErr(w, 400, 21910, "Invalid From and To pair. From and To should be of the same channel")
		return
	case utf8.RuneCountInString(body) > 1600:
		writeErr(w, 400, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	if cvars != "" {
		var m map[string]string
		if csid == "" || json.Unmarshal([]byte(cvars), &m) != nil {
			writeErr(w, 400, 21656, "The ContentVariables Parameter is invalid.")
			return
		}
	}
	if fl, ok := f.failureFor(to); ok {
		f.fail(w, fl, stripChannel(to))
		return
	}
	now := time.Now()
	status := "queued"
	if mss != "" {
		status = "accepted"
	}
	m := &Message{
		Sid: "SM" + randHex(), To: to, From: from, MessagingServiceSid: mss, Body: body,
		ContentSid: csid, ContentVariables: cvars, StatusCallback: form.Get("StatusCallback"),
		Status: status, Params: cloneValues(form), DateCreated: now, DateUpdated: now,
	}
	f.msgMu.Lock()
	f.storeMessage(m)
	out := f.messageJSON(m)
	f.msgMu.Unlock()
	f.created.Add(1)
	if f.OnCreate != nil {
		f.OnCreate(*m)
	}
	writeJSON(w, http.StatusCreated, out)
	if auto := f.auto.Load(); auto != nil && m.StatusCallback != "" {
		f.autoDeliver(m.Sid, *auto)
	}
}

// storeMessage adds m, evicting the oldest beyond maxMsgs. msgMu held.
func (f *Fake) storeMessage(m *Message) {
	if len(f.msgOrder) < f.maxMsgs {
		f.msgOrder = append(f.msgOrder, m.Sid)
	} else {
		delete(f.msgs, f.msgOrder[f.msgPos])
		f.msgOrder[f.msgPos] = m.Sid
		f.msgPos = (f.msgPos + 1) % f.maxMsgs
	}
	f.msgs[m.Sid] = m
}

func (f *Fake) autoDeliver(sid string, statuses []string) {
	f.cbMu.Lock()
	f.cbPending++
	f.cbMu.Unlock()
	go func() {
		defer func() {
			f.cbMu.Lock()
			f.cbPending--
			f.cbCond.Broadcast()
			f.cbMu.Unlock()
		}()
		f.cbSem <- struct{}{}
		defer func() { <-f.cbSem }()
		for _, st := range statuses {
			err := f.Deliver(sid, st)
			if f.OnCallback != nil {
				f.OnCallback(sid, st, err)
			}
			if err != nil {
				f.cbMu.Lock()
				if len(f.cbErrs) < 100 {
					f.cbErrs = append(f.cbErrs, err)
				}
				f.cbMu.Unlock()
				return
			}
		}
	}()
}

// finalMessageStatus: Twilio lets you delete or redact a message only
// once it is no longer on its way.
func finalMessageStatus(s string) bool {
	switch s {
	case "queued", "accepted", "scheduled", "sending", "receiving":
		return false
	}
	return true
}

func (f *Fake) messageInstance(w http.ResponseWriter, method, sid string, form url.Values) {
	f.msgMu.Lock()
	defer f.msgMu.Unlock()
	m, ok := f.msgs[sid]
	if !ok {
		writeErr(w, http.StatusNotFound, 20404, "The requested resource /"+apiVersion+"/Accounts/"+f.accountSID+"/Messages/"+sid+".json was not found")
		return
	}
	switch method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, f.messageJSON(m))
	case http.MethodPost:
		if st, has := form["Status"]; has {
			if st[0] != "canceled" {
				writeErr(w, 400, 20001, "Invalid Status")
				return
			}
			if m.Status != "scheduled" && m.Status != "accepted" && m.Status != "queued" {
				writeErr(w, 400, 20009, "Cannot cancel a message that is already being sent.")
				return
			}
			m.Status = "canceled"
		}
		if b, has := form["Body"]; has {
			if b[0] != "" {
				writeErr(w, 400, 20001, "Body can only be updated to an empty string (redaction)")
				return
			}
			if !finalMessageStatus(m.Status) {
				writeErr(w, 400, 20009, "Cannot redact message because delivery has not been completed.")
				return
			}
			m.Body = ""
			m.Params.Set("Body", "")
		}
		m.DateUpdated = time.Now()
		writeJSON(w, http.StatusOK, f.messageJSON(m))
	case http.MethodDelete:
		if !finalMessageStatus(m.Status) {
			writeErr(w, 400, 20009, errorText(20009, ""))
			return
		}
		delete(f.msgs, sid)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeErr(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

type messageJSON struct {
	AccountSid          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                *string           `json:"from"`
	MessagingServiceSid *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	Sid                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

const rfc2822 = "Mon, 02 Jan 2006 15:04:05 -0700"

func (f *Fake) messageJSON(m *Message) messageJSON {
	base := "/" + apiVersion + "/Accounts/" + f.accountSID + "/Messages/" + m.Sid
	j := messageJSON{
		AccountSid: f.accountSID, APIVersion: apiVersion, Body: m.Body,
		DateCreated: m.DateCreated.UTC().Format(rfc2822), DateUpdated: m.DateUpdated.UTC().Format(rfc2822),
		Direction: "outbound-api", NumMedia: "0", NumSegments: "1", PriceUnit: "USD",
		Sid: m.Sid, Status: m.Status, To: m.To, URI: base + ".json",
		SubresourceURIs: map[string]string{"media": base + "/Media.json", "feedback": base + "/Feedback.json"},
	}
	if m.From != "" {
		j.From = &m.From
	}
	if m.MessagingServiceSid != "" {
		j.MessagingServiceSid = &m.MessagingServiceSid
		if m.From == "" {
			j.NumSegments = "0"
		}
	}
	if m.ErrorCode != 0 {
		c := m.ErrorCode
		j.ErrorCode = &c
	}
	if !m.DateSent.IsZero() {
		d := m.DateSent.UTC().Format(rfc2822)
		j.DateSent = &d
	}
	return j
}

// listMessages answers GET Messages.json like Twilio: the stored messages
// matching To, From and DateSent / DateSent> / DateSent< on date_sent. The
// DateSent filters take a GMT date (YYYY-MM-DD) only, as Twilio documents
// them, and filter by whole days, inclusive: DateSent>=D is from D's
// midnight on, DateSent<=D up to D's end; any other form (a timestamp) is
// refused with 400 and Twilio's error JSON. A message still queued has no
// date_sent and is left out when any is given. Newest sent first, in pages
// of PageSize (default 50, at most 1000). next_page_uri carries the
// filters, Page and a PageToken naming the last message of the page (PA +
// its sid), as Twilio's does.
func (f *Fake) listMessages(ctx context.Context, w http.ResponseWriter, q url.Values) {
	var after, before time.Time
	for _, key := range []string{"DateSent", "DateSent>", "DateSent<"} {
		v := q.Get(key)
		if v == "" {
			continue
		}
		day, err := time.Parse(time.DateOnly, v)
		if err != nil {
			writeErr(w, http.StatusBadRequest, 20001, "Invalid "+key+": expected a GMT date, YYYY-MM-DD")
			return
		}
		end := day.Add(24*time.Hour - time.Nanosecond)
		switch key {
		case "DateSent":
			after, before = latest(after, day), earliest(before, end)
		case "DateSent>":
			after = latest(after, day)
		case "DateSent<":
			before = earliest(before, end)
		}
	}
	size := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeErr(w, http.StatusBadRequest, 20001, "Invalid PageSize")
			return
		}
		size = n
	}
	if c := int(f.pageSize.Load()); c > 0 {
		size = min(size, c)
	}
	page := 0
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeErr(w, http.StatusBadRequest, 20001, "Invalid Page")
			return
		}
		page = n
	}
	if pl := f.pageLatency.Load(); pl != nil && pl.d > 0 && pl.page == page {
		tm := time.NewTimer(pl.d)
		select {
		case <-tm.C:
		case <-ctx.Done():
			tm.Stop()
			return
		}
	}
	token := q.Get("PageToken")
	if token != "" && !strings.HasPrefix(token, "PA") {
		writeErr(w, http.StatusBadRequest, 20001, "Invalid PageToken")
		return
	}
	to, from := q.Get("To"), q.Get("From")
	dated := !after.IsZero() || !before.IsZero()
	f.msgMu.RLock()
	var found []*Message
	for _, m := range f.msgs {
		switch {
		case to != "" && m.To != to, from != "" && m.From != from,
			dated && m.DateSent.IsZero(),
			!after.IsZero() && m.DateSent.Before(after), !before.IsZero() && m.DateSent.After(before):
			continue
		}
		found = append(found, m)
	}
	key := func(m *Message) time.Time {
		if m.DateSent.IsZero() {
			return m.DateCreated
		}
		return m.DateSent
	}
	sort.Slice(found, func(i, j int) bool {
		a, b := key(found[i]), key(found[j])
		if !a.Equal(b) {
			return a.After(b)
		}
		return found[i].Sid > found[j].Sid
	})
	start := 0
	if token != "" {
		// The page after the token's message (found by its place in the
		// order: a message gone since is answered with an empty page).
		start = len(found)
		for i, m := range found {
			if "PA"+m.Sid == token {
				start = i + 1
				break
			}
		}
	}
	end := min(start+size, len(found))
	out := make([]messageJSON, 0, end-start)
	for _, m := range found[start:end] {
		out = append(out, f.messageJSON(m))
	}
	var next any
	if end < len(found) {
		nq := url.Values{}
		for _, k := range []string{"To", "From", "DateSent", "DateSent>", "DateSent<"} {
			if v := q.Get(k); v != "" {
				nq.Set(k, v)
			}
		}
		nq.Set("PageSize", strconv.Itoa(size))
		nq.Set("Page", strconv.Itoa(page+1))
		nq.Set("PageToken", "PA"+found[end-1].Sid)
		next = "/" + apiVersion + "/Accounts/" + f.accountSID + "/Messages.json?" + nq.Encode()
	}
	f.msgMu.RUnlock()
	uri := "/" + apiVersion + "/Accounts/" + f.accountSID + "/Messages.json"
	writeJSON(w, http.StatusOK, map[string]any{"messages": out, "page": page, "page_size": size, "uri": uri,
		"first_page_uri": uri + "?PageSize=" + strconv.Itoa(size) + "&Page=0", "next_page_uri": next,
		"previous_page_uri": nil, "start": page * size, "end": page*size + len(out) - 1})
}

// latest and earliest combine bounds where zero means none.
func latest(a, b time.Time) time.Time {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// ---- Calls ----

func (f *Fake) createCall(w http.ResponseWriter, form url.Values) {
	to, from := form.Get("To"), form.Get("From")
	switch {
	case to == "":
		writeErr(w, 400, 21201, "No 'To' number is specified")
		return
	case from == "":
		writeErr(w, 400, 21213, "No 'From' number is specified")
		return
	case form.Get("Url") == "" && form.Get("Twiml") == "" && form.Get("ApplicationSid") == "":
		writeErr(w, 400, 21205, "Url parameter is required.")
		return
	case !isE164(to):
		writeErr(w, 400, 21211, errorText(21211, to))
		return
	}
	if fl, ok := f.failureFor(to); ok {
		f.fail(w, fl, to)
		return
	}
	c := &Call{Sid: "CA" + randHex(), To: to, From: from, Status: "queued",
		StatusCallback: form.Get("StatusCallback"), Params: cloneValues(form), DateCreated: time.Now()}
	f.msgMu.Lock()
	if len(f.callOrd) < f.maxMsgs {
		f.callOrd = append(f.callOrd, c.Sid)
	} else {
		delete(f.calls, f.callOrd[f.callPos])
		f.callOrd[f.callPos] = c.Sid
		f.callPos = (f.callPos + 1) % f.maxMsgs
	}
	f.calls[c.Sid] = c
	out := f.callJSON(c)
	f.msgMu.Unlock()
	f.nCalls.Add(1)
	writeJSON(w, http.StatusCreated, out)
}

func (f *Fake) callInstance(w http.ResponseWriter, method, sid string, form url.Values) {
	f.msgMu.Lock()
	defer f.msgMu.Unlock()
	c, ok := f.calls[sid]
	if !ok {
		writeErr(w, http.StatusNotFound, 20404, "The requested resource /"+apiVersion+"/Accounts/"+f.accountSID+"/Calls/"+sid+".json was not found")
		return
	}
	switch method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, f.callJSON(c))
	case http.MethodPost:
		if st := form.Get("Status"); st != "" {
			if st != "canceled" && st != "completed" {
				writeErr(w, 400, 20001, "Invalid Status")
				return
			}
			c.Status = st
		}
		for k, v := range form {
			c.Params[k] = append([]string(nil), v...)
		}
		writeJSON(w, http.StatusOK, f.callJSON(c))
	case http.MethodDelete:
		delete(f.calls, sid)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeErr(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

type callJSON struct {
	AccountSid  string `json:"account_sid"`
	APIVersion  string `json:"api_version"`
	DateCreated string `json:"date_created"`
	Direction   string `json:"direction"`
	From        string `json:"from"`
	Sid         string `json:"sid"`
	Status      string `json:"status"`
	To          string `json:"to"`
	URI         string `json:"uri"`
}

func (f *Fake) callJSON(c *Call) callJSON {
	return callJSON{AccountSid: f.accountSID, APIVersion: apiVersion, DateCreated: c.DateCreated.UTC().Format(rfc2822),
		Direction: "outbound-api", From: c.From, Sid: c.Sid, Status: c.Status, To: c.To,
		URI: "/" + apiVersion + "/Accounts/" + f.accountSID + "/Calls/" + c.Sid + ".json"}
}

// ---- helpers ----

var knownStatus = map[string]bool{
	"queued": true, "accepted": true, "scheduled": true, "sending": true, "sent": true,
	"delivered": true, "undelivered": true, "failed": true, "read": true,
	"receiving": true, "received": true, "canceled": true, "partially_delivered": true,
}

func randHex() string {
	var b [16]byte
	for i := 0; i < 2; i++ {
		v := rand.Uint64()
		for j := 0; j < 8; j++ {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

func stripChannel(addr string) string {
	if i := strings.IndexByte(addr, ':'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

func channelOf(addr string) string {
	if i := strings.IndexByte(addr, ':'); i >= 0 {
		return addr[:i]
	}
	return ""
}

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

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// ---- voice webhooks (TwiML) ----

// FetchTwiML posts form to twimlURL the way Twilio requests TwiML for a
// call (form-encoded, signed with X-Twilio-Signature for exactly that URL)
// and returns the HTTP status and the answer body. Unlike PostCallback, a
// non-2xx answer is not an error: the caller looks at the status.
func (f *Fake) FetchTwiML(ctx context.Context, twimlURL string, form url.Values) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, twimlURL, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", fmt.Errorf("twiliotest: TwiML request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", Sign(f.authToken, twimlURL, form))
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	resp, err := f.cbClient.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("twiliotest: TwiML request: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, "", fmt.Errorf("twiliotest: TwiML answer: %w", err)
	}
	return resp.StatusCode, string(b), nil
}

// CallForm is the form Twilio posts to a call's webhooks: CallSid,
// AccountSid, From, To, CallStatus, Direction, ApiVersion, then extra
// (e.g. AnsweredBy, Digits, ParentCallSid) over it.
func (f *Fake) CallForm(c Call, status string, extra url.Values) url.Values {
	form := url.Values{
		"CallSid":    {c.Sid},
		"AccountSid": {f.accountSID},
		"From":       {c.From},
		"To":         {c.To},
		"CallStatus": {status},
		"Direction":  {"outbound-api"},
		"ApiVersion": {apiVersion},
	}
	for k, v := range extra {
		form[k] = append([]string(nil), v...)
	}
	return form
}

// AnswerCall plays "the callee picked up" for a call created through the
// API: it sets the call in-progress and fetches the TwiML at its Url with
// CallStatus=in-progress and extra (e.g. AnsweredBy), returning the
// status and the TwiML.
func (f *Fake) AnswerCall(ctx context.Context, sid string, extra url.Values) (int, string, error) {
	f.msgMu.Lock()
	c, ok := f.calls[sid]
	if ok {
		c.Status = "in-progress"
	}
	var cp Call
	if ok {
		cp = *c
		cp.Params = cloneValues(c.Params)
	}
	f.msgMu.Unlock()
	if !ok {
		return 0, "", fmt.Errorf("twiliotest: no call %s", sid)
	}
	u := cp.Params.Get("Url")
	if u == "" {
		return 0, "", fmt.Errorf("twiliotest: call %s has no Url", sid)
	}
	return f.FetchTwiML(ctx, u, f.CallForm(cp, "in-progress", extra))
}

// EndCall sets a call's final status and posts its status callback (if it
// has one) with CallStatus=status and extra.
func (f *Fake) EndCall(ctx context.Context, sid, status string, extra url.Values) error {
	f.msgMu.Lock()
	c, ok := f.calls[sid]
	if ok {
		c.Status = status
	}
	var cp Call
	if ok {
		cp = *c
	}
	f.msgMu.Unlock()
	if !ok {
		return fmt.Errorf("twiliotest: no call %s", sid)
	}
	if cp.StatusCallback == "" {
		return nil
	}
	return f.PostCallback(ctx, cp.StatusCallback, f.CallForm(cp, status, extra))
}

// NewCallSid returns a fresh CA… sid (for a <Dial>ed leg the fake did not
// create through the API).
func NewCallSid() string { return "CA" + randHex() }
