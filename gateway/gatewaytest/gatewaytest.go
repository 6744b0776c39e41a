// Package gatewaytest runs the gateway for tests: a fresh database cloned
// from the migrated template (db/dbtest), an in-process NATS server with the
// streams, a random key ring, a fixed clock the test moves, a token for one
// user of each role, and fixture helpers that go through the HTTP API or
// insert directly.
//
// It uses only the gateway's exported API, so tests in any package can use
// it: the gateway's own black-box tests and the capabilities' tests alike.
package gatewaytest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/keys"
)

// Start is where every Env's clock starts: 2026-06-02 10:30 UTC, a Tuesday.
var Start = time.Date(2026, 6, 2, 10, 30, 0, 0, time.UTC)

// Env is one test's gateway.
type Env struct {
	// T is the test the Env belongs to; its helpers fail through it.
	T      testing.TB
	Server *gateway.Server
	// Config is the configuration the Server was built with, before its
	// defaults were applied.
	Config gateway.Config
	DB     *sql.DB
	// DBURL is DB's connection string (for a second gateway on the same
	// database).
	DBURL string
	// Queries is db.Queries on DB, for fixtures inserted directly.
	Queries *db.Queries
	Keys    *keys.Ring
	// Logs is everything the Server logged (JSON, debug level and up).
	Logs *LogBuffer
	// Tokens holds the API token of the user of each role; their names
	// are "<role>-user".
	Tokens map[auth.Role]string
	Clock  *Clock
	JS     jetstream.JetStream
	// NATS is the in-process server; nil when the Env connects to
	// servers of the test's (WithNATS).
	NATS *channels.Embedded
	// NATSDir and NATSPort let a test restart NATS where it was:
	// channels.StartEmbedded(NATSDir, NATSPort).
	NATSDir  string
	NATSPort int
}

// Clock is a clock the test sets, or lets run with the wall clock
// (UseRealTime). It is safe for concurrent use.
type Clock struct {
	mu   sync.Mutex
	t    time.Time
	real bool
}

// NewClock is a clock at t (UTC).
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC()} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real {
		return time.Now().UTC()
	}
	return c.t
}

// Set stops the clock at t (UTC).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t, c.real = t.UTC(), false
	c.mu.Unlock()
}

// Advance moves a stopped clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// UseRealTime makes the clock read the wall clock (UTC) until the next Set.
func (c *Clock) UseRealTime() {
	c.mu.Lock()
	c.real = true
	c.mu.Unlock()
}

// LogBuffer is a log sink the test can read while the server writes.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type options struct {
	cfg          gateway.Config
	pool         *sql.DB
	url          string
	natsURL      string
	replicas     int
	asConfigured bool
	// publicURL and twilioToken, when set, replace the configuration's.
	publicURL, twilioToken string
}

// Option changes what New sets up.
type Option func(*options)

// WithConfig builds the Server with cfg. Unless AsConfigured is given too,
// an empty Discreet.MonitoredFreeText becomes gateway.FreeTextFilter: the
// fixtures send free text to Maria, whose phone is monitored, and the
// default policy (refuse) would refuse it.
func WithConfig(cfg gateway.Config) Option { return func(o *options) { o.cfg = cfg } }

// AsConfigured keeps the configuration exactly as given.
func AsConfigured() Option { return func(o *options) { o.asConfigured = true } }

// WithDatabase runs on a database the test made (a private cluster it stops
// and starts, say) instead of a fresh one.
func WithDatabase(pool *sql.DB, url string) Option {
	return func(o *options) { o.pool, o.url = pool, url }
}

// WithNATS connects to the NATS servers at url (a cluster, say) and makes
// streams of that many replicas instead of starting an in-process server.
// "" keeps the in-process server.
func WithNATS(url string, replicas int) Option {
	return func(o *options) { o.natsURL, o.replicas = url, replicas }
}

// New starts a gateway for t; everything it starts stops at t's cleanup.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{replicas: 1}
	for _, opt := range opts {
		opt(&o)
	}
	if o.pool == nil {
		o.pool, o.url = dbtest.New(t)
	}
	if o.replicas < 1 {
		o.replicas = 1
	}
	cfg := o.cfg
	if o.publicURL != "" {
		cfg.PublicURL, cfg.TwilioAuthToken = o.publicURL, o.twilioToken
	}
	if !o.asConfigured && cfg.Discreet.MonitoredFreeText == "" {
		cfg.Discreet.MonitoredFreeText = gateway.FreeTextFilter
	}
	e := &Env{T: t, Config: cfg, DB: o.pool, DBURL: o.url, Queries: db.New(o.pool), Keys: keys.NewTestRing(),
		Logs: &LogBuffer{}, Tokens: map[auth.Role]string{}, Clock: NewClock(Start)}
	natsURL := o.natsURL
	if natsURL == "" {
		// NATS on a TCP port (a random free one) so a test can stop and
		// restart it on the same port and store.
		e.NATSDir = t.TempDir()
		nsrv, err := channels.StartEmbedded(e.NATSDir, -1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nsrv.Shutdown)
		e.NATS = nsrv
		natsURL = nsrv.ClientURL()
		e.NATSPort, _ = strconv.Atoi(natsURL[strings.LastIndex(natsURL, ":")+1:])
	}
	nc, err := channels.Connect(natsURL, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := channels.NewJetStream(nc)
	if err != nil {
		t.Fatal(err)
	}
	e.JS = js
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := channels.EnsureStreams(ctx, js, channels.StreamConfig{Replicas: o.replicas}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.Server = gateway.New(gateway.Deps{DB: e.DB, Keys: e.Keys, NC: nc, JS: js, Log: log, Now: e.Clock.Now, Config: cfg})
	t.Cleanup(e.Server.Close)
	for _, r := range []auth.Role{auth.RoleStaff, auth.RoleSupervisor, auth.RoleAdmin} {
		tok, err := gateway.AddUser(ctx, e.DB, auth.SystemActor("test"), string(r)+"-user", r)
		if err != nil {
			t.Fatal(err)
		}
		e.Tokens[r] = tok
	}
	return e
}

// Resp is a recorded response.
type Resp struct {
	Status int
	Body   []byte
	Header http.Header
}

// JSON decodes the body as a JSON object, failing t if it is not one.
func (r Resp) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, r.Body)
	}
	return m
}

// ErrCode returns error.code of an error response.
func (r Resp) ErrCode(t testing.TB) string {
	t.Helper()
	e, _ := r.JSON(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// Do sends a request as role (unauthenticated if role is "") with hdr as
// name, value pairs. A string body is sent as is, any other non-nil body
// as JSON.
func (e *Env) Do(role auth.Role, method, path string, body any, hdr ...string) Resp {
	e.T.Helper()
	tok := ""
	if role != "" {
		tok = e.Tokens[role]
	}
	return e.As(tok, method, path, body, hdr...)
}

// As sends a request with token as its bearer token ("": none).
func (e *Env) As(token, method, path string, body any, hdr ...string) Resp {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return e.Serve(req)
}

// Serve records the Server's answer to req.
func (e *Env) Serve(req *http.Request) Resp {
	w := httptest.NewRecorder()
	e.Server.Handler().ServeHTTP(w, req)
	return Resp{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
}

// Metrics scrapes the metrics handler (served on its own listener).
func (e *Env) Metrics() Resp {
	w := httptest.NewRecorder()
	e.Server.MetricsHandler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	return Resp{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
}
