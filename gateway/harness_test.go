package gateway

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
	"safecontact/db/dbtest"
	"safecontact/gateway/auth"
	"safecontact/keys"
)

// syncBuffer is a log sink the test can read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one test's gateway: a fresh database, an in-process NATS server,
// a random key ring, and tokens for one user of each role.
type env struct {
	t      testing.TB
	srv    *Server
	db     *sql.DB
	dbURL  string
	keys   *keys.Ring
	logs   *syncBuffer
	tokens map[auth.Role]string
	clock  *testClock
	js     jetstream.JetStream
	nats   *channels.Embedded
	// natsDir and natsPort let a test restart NATS where it was.
	natsDir  string
	natsPort int
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t.UTC()
	c.mu.Unlock()
}

func newEnv(t *testing.T) *env { return newEnvWith(t, Config{}) }

func newEnvWith(t testing.TB, cfg Config) *env { return newEnvNATS(t, cfg, "", 1) }

// newEnvNATS is newEnvWith against the NATS servers at natsURL (a cluster,
// say) with streams of that many replicas; "" starts an in-process server.
func newEnvNATS(t testing.TB, cfg Config, natsURL string, replicas int) *env {
	t.Helper()
	pool, url := dbtest.New(t)
	return newEnvOnNATS(t, cfg, pool, url, natsURL, replicas)
}

// newEnvOn is newEnvWith over a database the test made (a private
// cluster it stops and starts).
func newEnvOn(t testing.TB, cfg Config, pool *sql.DB, url string) *env {
	return newEnvOnNATS(t, cfg, pool, url, "", 1)
}

func newEnvOnNATS(t testing.TB, cfg Config, pool *sql.DB, url, natsURL string, replicas int) *env {
	t.Helper()
	var (
		nsrv     *channels.Embedded
		natsDir  string
		natsPort int
	)
	if natsURL == "" {
		// NATS on a TCP port (a random free one) so a test can stop and
		// restart it on the same port and store.
		natsDir = t.TempDir()
		var err error
		nsrv, err = channels.StartEmbedded(natsDir, -1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nsrv.Shutdown)
		natsURL = nsrv.ClientURL()
		natsPort, _ = strconv.Atoi(natsURL[strings.LastIndex(natsURL, ":")+1:])
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := channels.EnsureStreams(ctx, js, channels.StreamConfig{Replicas: replicas}); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: pool, dbURL: url, keys: keys.NewTestRing(), logs: &syncBuffer{}, tokens: map[auth.Role]string{},
		clock: &testClock{t: time.Date(2026, 6, 2, 10, 30, 0, 0, time.UTC)}}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.js = js
	e.nats = nsrv
	e.natsDir, e.natsPort = natsDir, natsPort
	e.srv = New(Deps{DB: pool, Keys: e.keys, NC: nc, JS: js, Log: log, Now: e.clock.Now, Config: cfg})
	t.Cleanup(e.srv.Close)
	for _, r := range []auth.Role{auth.RoleStaff, auth.RoleSupervisor, auth.RoleAdmin} {
		tok, err := AddUser(ctx, pool, auth.SystemActor("test"), string(r)+"-user", r)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = tok
	}
	return e
}

type resp struct {
	Status int
	Body   []byte
	Header http.Header
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, r.Body)
	}
	return m
}

// errCode returns error.code of an error response.
func (r resp) errCode(t testing.TB) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// do sends a request as role (or unauthenticated if role is "").
func (e *env) do(role auth.Role, method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, req)
	return resp{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
}

// metrics scrapes the metrics handler (served on its own listener).
func (e *env) metrics() resp {
	w := httptest.NewRecorder()
	e.srv.MetricsHandler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	return resp{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
}

// createParticipant creates one and returns its code.
func (e *env) createParticipant(body map[string]any) string {
	e.t.Helper()
	r := e.do(auth.RoleStaff, "POST", "/v1/participants", body)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create participant: %d %s", r.Status, r.Body)
	}
	return r.json(e.t)["code"].(string)
}
