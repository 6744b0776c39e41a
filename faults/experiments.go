package faults

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"safecontact/channels/twiliotest"
)

// Experiments, in the order of the table in docs/benchmarks.md.
var Experiments = []string{"baseline", "kill", "nats", "postgres", "leader", "provider503", "slow", "hang", "callbacks"}

// Config sizes a run. Full is the 60 s table; Short is what `go test`
// runs (every fault for a few seconds at a low rate).
type Config struct {
	Rate         float64       // messages offered per second
	Duration     time.Duration // how long load is offered
	FaultAt      time.Duration // when the fault starts, from the start of the load
	NATSDown     time.Duration // NATS stopped for this long
	ProviderDown time.Duration // provider answers 503 for this long
	SlowFor      time.Duration // provider answers after the client's timeout for this long
	HangFor      time.Duration // provider never answers for this long
	DropFor      time.Duration // status callbacks dropped for this long
	// KillDown: kill restarts the gateway this long after the SIGKILL
	// (0: at once).
	KillDown time.Duration
	// KillDrop: kill drops the status callbacks from this long before the
	// SIGKILL until the gateway is back (0: none), so the sends the killed
	// process had not recorded have only reconciliation to settle them
	// (the fake posts a callback right after a create, before any answer).
	KillDrop time.Duration
	// AnswerDelay: the provider answers each message create this long
	// after creating it (ProviderProxy.AnswerDelay; 0: at once).
	AnswerDelay time.Duration
	// TwilioTimeout is the gateway's bound on one provider request
	// (TWILIO_TIMEOUT); 0 keeps the gateway's default (15 s).
	TwilioTimeout time.Duration
	// ReconcileSentAfter is the gateway's GATEWAY_RECONCILE_SENT_AFTER
	// (with GATEWAY_RECONCILE_EVERY a tenth of it); 0 keeps its default
	// (2 min).
	ReconcileSentAfter time.Duration
	Drain              time.Duration // longest wait after the load for messages to settle
	// Stall: the drain ends early when nothing changed for this long. The
	// full runs wait 100 s: long enough for a reconciliation pass (every
	// 30 s) to look at a message unknown for a minute.
	Stall        time.Duration
	Participants int
	Log          io.Writer
}

// reconcileReach is how long a message sent without its callback waits
// before a reconciliation pass has asked about it: the gateway's
// GATEWAY_RECONCILE_SENT_AFTER and one pass interval (as the harness sets
// them, or the gateway's defaults, 2 min and 30 s), and a margin. A drain
// that can last that long does not call a stall before it.
func (c Config) reconcileReach() time.Duration {
	after, every := 2*time.Minute, 30*time.Second
	if c.ReconcileSentAfter > 0 {
		after, every = c.ReconcileSentAfter, max(c.ReconcileSentAfter/10, time.Second)
	}
	return after + every + 10*time.Second
}

// ackWait is the send consumers' JetStream ack wait: a message claimed by
// a killed process is redelivered after it.
const ackWait = 30 * time.Second

// Full is the configuration of the recorded 60 s runs.
func Full() Config {
	return Config{Rate: 300, Duration: 60 * time.Second, FaultAt: 15 * time.Second,
		NATSDown: 10 * time.Second, ProviderDown: 30 * time.Second, SlowFor: 10 * time.Second,
		HangFor: 10 * time.Second, DropFor: 10 * time.Second,
		Drain: 5 * time.Minute, Stall: 100 * time.Second, Participants: 200, Log: io.Discard}
}

// Short is each fault for a few seconds at a low rate, for CI.
func Short() Config {
	return Config{Rate: 20, Duration: 4 * time.Second, FaultAt: time.Second,
		NATSDown: 2 * time.Second, ProviderDown: 2 * time.Second, SlowFor: 2 * time.Second,
		HangFor: 2 * time.Second, DropFor: 2 * time.Second, TwilioTimeout: 1500 * time.Millisecond,
		Drain: 45 * time.Second, Stall: 4 * time.Second, Participants: 10, Log: io.Discard}
}

// Suite holds what the experiments share: the gateway binary and the
// private PostgreSQL cluster (each experiment gets its own database,
// NATS server, fake provider and proxies).
type Suite struct {
	Bin string
	PG  *Postgres
	cfg Config
	dir string
}

// NewSuite builds the gateway into dir and starts a private PostgreSQL.
func NewSuite(ctx context.Context, cfg Config, dir string) (*Suite, error) {
	bin, err := BuildGateway(ctx, dir)
	if err != nil {
		return nil, err
	}
	pg, err := StartPostgres(filepath.Join(dir, "pg"))
	if err != nil {
		return nil, err
	}
	return &Suite{Bin: bin, PG: pg, cfg: cfg, dir: dir}, nil
}

// Close stops the cluster.
func (s *Suite) Close() { s.PG.Stop() }

func (s *Suite) logf(format string, a ...any) {
	fmt.Fprintf(s.cfg.Log, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05.000")}, a...)...)
}

const (
	fakeSID   = "AC00000000000000000000000000000001"
	fakeToken = "faulttest0123456789"
)

var tokenRE = regexp.MustCompile(`sc_[A-Za-z0-9_\-]+`)

// run runs the gateway binary once (migrate, keys, users, audit).
func (s *Suite) runBin(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// world is one experiment's running components.
type world struct {
	s        *Suite
	dir      string
	dbURL    string
	nats     *NATS
	fake     *twiliotest.Fake
	proxy    *ProviderProxy
	front    *Front
	gws      []*Gateway
	driver   *Driver
	creates  sync.Map // message id → *int (creates at the provider)
	mu       sync.Mutex
	cbErrors int
	// sids: the provider's ids created for each message id; toSids: the
	// provider's ids created for each recipient (the report's details on
	// messages left unknown: where they stand in her listing). Under mu.
	sids   map[string][]string
	toSids map[string][]string
}

func (s *Suite) setup(ctx context.Context, name string, gateways int) (*world, error) {
	w := &world{s: s, dir: filepath.Join(s.dir, name), sids: map[string][]string{}, toSids: map[string][]string{}}
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		return nil, err
	}
	admin, err := sql.Open("pgx", s.PG.URL())
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	dbname := "exp_" + name
	admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+dbname)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+dbname); err != nil {
		return nil, err
	}
	w.dbURL = strings.Replace(s.PG.URL(), "/postgres?", "/"+dbname+"?", 1)
	keyFile := filepath.Join(w.dir, "keys.json")
	dbEnv := []string{"DATABASE_URL=" + w.dbURL}
	if out, err := s.runBin(ctx, nil, "keys", "init", "--key-file", keyFile); err != nil {
		return nil, fmt.Errorf("keys init: %v %s", err, out)
	}
	if out, err := s.runBin(ctx, dbEnv, "migrate", "up"); err != nil {
		return nil, fmt.Errorf("migrate: %v %s", err, out)
	}
	out, err := s.runBin(ctx, dbEnv, "users", "add", "--name", "chaos", "--role", "admin", "--no-password")
	if err != nil {
		return nil, fmt.Errorf("users add: %v %s", err, out)
	}
	token := tokenRE.FindString(out)
	if w.nats, err = StartNATS(filepath.Join(w.dir, "nats")); err != nil {
		return nil, err
	}
	if w.fake, err = twiliotest.Start(fakeSID, fakeToken, "127.0.0.1:0"); err != nil {
		return nil, err
	}
	w.fake.SetRecord(false)
	w.fake.SetMaxMessages(2_000_000)
	w.fake.SetCallbackConcurrency(128)
	w.fake.AutoDeliver("delivered")
	w.fake.OnCreate = func(m twiliotest.Message) {
		u, err := url.Parse(m.StatusCallback)
		if err != nil {
			return
		}
		id := u.Query().Get("m")
		n := 0
		v, _ := w.creates.LoadOrStore(id, &n)
		w.mu.Lock()
		*(v.(*int))++
		w.sids[id] = append(w.sids[id], m.Sid)
		w.toSids[m.To] = append(w.toSids[m.To], m.Sid)
		w.mu.Unlock()
	}
	w.fake.OnCallback = func(_, _ string, err error) {
		if err != nil {
			w.mu.Lock()
			w.cbErrors++
			w.mu.Unlock()
		}
	}
	if w.proxy, err = StartProviderProxy(w.fake.URL()); err != nil {
		return nil, err
	}
	timeout := s.cfg.TwilioTimeout
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	w.proxy.SlowDelay = timeout + time.Second
	w.proxy.AnswerDelay = s.cfg.AnswerDelay
	if w.front, err = StartFront(); err != nil {
		return nil, err
	}
	var addrs []string
	for i := 0; i < gateways; i++ {
		port, _ := FreePort()
		mport, _ := FreePort()
		g := &Gateway{Name: fmt.Sprintf("gw%d", i), Bin: s.Bin, Addr: fmt.Sprintf("127.0.0.1:%d", port),
			LogPath: filepath.Join(w.dir, fmt.Sprintf("gw%d.log", i))}
		g.Env = append(dbEnv, "NATS_URL="+w.nats.URL(), "GATEWAY_ADDR="+g.Addr,
			"GATEWAY_DATA_DIR="+filepath.Join(w.dir, g.Name), "GATEWAY_KEY_FILE="+keyFile,
			"TWILIO_ACCOUNT_SID="+fakeSID, "TWILIO_AUTH_TOKEN="+fakeToken, "TWILIO_API_URL="+w.proxy.URL(),
			"TWILIO_FROM=+15005550006", "GATEWAY_SMS_RATE=0", "GATEWAY_PUBLIC_URL="+w.front.URL(),
			"GATEWAY_LOG_LEVEL=info", fmt.Sprintf("GATEWAY_METRICS_ADDR=127.0.0.1:%d", mport))
		if s.cfg.ReconcileSentAfter > 0 {
			g.Env = append(g.Env, "GATEWAY_RECONCILE_SENT_AFTER="+s.cfg.ReconcileSentAfter.String(),
				"GATEWAY_RECONCILE_UNKNOWN_AFTER="+min(s.cfg.ReconcileSentAfter, time.Minute).String(),
				"GATEWAY_RECONCILE_EVERY="+max(s.cfg.ReconcileSentAfter/10, time.Second).String(),
				"GATEWAY_RECONCILE_BATCH=500")
		}
		if s.cfg.TwilioTimeout > 0 {
			g.Env = append(g.Env, "TWILIO_TIMEOUT="+s.cfg.TwilioTimeout.String())
		}
		if err := g.Start(ctx); err != nil {
			return w, err
		}
		w.gws = append(w.gws, g)
		addrs = append(addrs, g.Addr)
	}
	w.front.SetBackends(addrs...)
	w.driver = NewDriver(w.front.URL(), token)
	if err := w.driver.Setup(ctx, s.cfg.Participants); err != nil {
		return w, err
	}
	return w, nil
}

func (w *world) close() {
	for _, g := range w.gws {
		g.Stop()
	}
	if w.front != nil {
		w.front.Close()
	}
	if w.proxy != nil {
		w.proxy.Close()
	}
	if w.fake != nil {
		w.fake.Close()
	}
	if w.nats != nil {
		w.nats.Stop()
	}
}

// Run runs one experiment from a fresh database, NATS and provider.
func (s *Suite) Run(ctx context.Context, name string) (*Result, error) {
	gateways := 1
	if name == "leader" {
		gateways = 2
	}
	s.logf("%s: setting up", name)
	w, err := s.setup(ctx, name, gateways)
	if w != nil {
		defer w.close()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: setup: %w", name, err)
	}
	res := &Result{Name: name, Config: s.cfg}
	c := s.cfg
	start := time.Now()
	faultDone := make(chan error, 1)
	go func() {
		select {
		case <-time.After(c.FaultAt):
		case <-ctx.Done():
			faultDone <- ctx.Err()
			return
		}
		faultDone <- w.inject(ctx, name, res)
	}()
	s.logf("%s: load %.0f/s for %s", name, c.Rate, c.Duration)
	rctx, stopReady := context.WithCancel(ctx)
	readyDone := make(chan time.Duration, 1)
	go func() { readyDone <- w.notReady(rctx) }()
	w.driver.Run(ctx, c.Rate, c.Duration)
	loadEnd := time.Now()
	stopReady()
	res.NotReady = <-readyDone
	if err := <-faultDone; err != nil {
		return nil, fmt.Errorf("%s: fault: %w", name, err)
	}
	w.driver.Wait()
	s.logf("%s: load done, draining", name)
	res.LoadTime = loadEnd.Sub(start)
	if err := w.drain(ctx, res); err != nil {
		return nil, err
	}
	w.fake.WaitCallbacks()
	if !res.Recovered.IsZero() {
		res.Resume = -1
		if at, ok := w.proxy.FirstOKAfter(res.Recovered); ok {
			res.Resume = at.Sub(res.Recovered)
		}
	}
	res.MaxGap = w.proxy.LongestGap(start.Add(2*time.Second), loadEnd)
	if err := w.report(ctx, res); err != nil {
		return nil, err
	}
	s.logf("%s: %s", name, res.Line())
	return res, nil
}

// notReady samples /readyz of every running gateway every 250 ms and
// returns how long one of them said it was not ready (a load balancer
// following /readyz would have taken it out).
func (w *world) notReady(ctx context.Context) time.Duration {
	const every = 250 * time.Millisecond
	hc := &http.Client{Timeout: every}
	var d time.Duration
	for {
		select {
		case <-ctx.Done():
			return d
		case <-time.After(every):
		}
		for _, g := range w.gws {
			if !g.Running() {
				continue
			}
			resp, err := hc.Get("http://" + g.Addr + "/readyz")
			if err == nil {
				resp.Body.Close()
			}
			if err != nil || resp.StatusCode != http.StatusOK {
				d += every
				break
			}
		}
	}
}

// inject applies the named fault; it sets res.Recovered to the moment
// the fault ended (the provider answers again, the process is back).
func (w *world) inject(ctx context.Context, name string, res *Result) error {
	c := w.s.cfg
	sleep := func(d time.Duration) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	note := func(format string, a ...any) { res.Notes = append(res.Notes, fmt.Sprintf(format, a...)) }
	switch name {
	case "baseline":
		return nil
	case "kill":
		if c.KillDrop > 0 {
			w.front.DropCallbacks(true)
			if err := sleep(c.KillDrop); err != nil {
				return err
			}
		}
		w.gws[0].Kill()
		t := time.Now()
		if err := sleep(c.KillDown); err != nil {
			return err
		}
		err := w.gws[0].Start(ctx)
		w.front.DropCallbacks(false)
		if err != nil {
			return err
		}
		res.Recovered = time.Now()
		note("restarted and healthy %.1fs after SIGKILL", res.Recovered.Sub(t).Seconds())
		if c.KillDrop > 0 {
			note("%d callbacks dropped", w.front.Dropped())
		}
	case "nats":
		w.nats.Stop()
		if err := sleep(c.NATSDown); err != nil {
			return err
		}
		if err := w.nats.Start(); err != nil {
			return err
		}
		res.Recovered = time.Now()
	case "postgres":
		t := time.Now()
		if err := w.s.PG.Stop(); err != nil {
			return err
		}
		if err := w.s.PG.Start(); err != nil {
			return err
		}
		res.Recovered = time.Now()
		note("PostgreSQL down %.1fs", res.Recovered.Sub(t).Seconds())
	case "leader":
		leader, other := w.gws[0], w.gws[1]
		if leader.LogContains("scheduler: leader") == 0 {
			leader, other = other, leader
		}
		before := other.LogContains("scheduler: leader")
		leader.Kill()
		t := time.Now()
		res.Recovered = t
		for time.Since(t) < 60*time.Second && other.LogContains("scheduler: leader") == before {
			if err := sleep(100 * time.Millisecond); err != nil {
				return err
			}
		}
		if other.LogContains("scheduler: leader") > before {
			note("%s killed (leader); %s leader after %.1fs", leader.Name, other.Name, time.Since(t).Seconds())
		} else {
			note("%s killed (leader); no takeover within 60s", leader.Name)
		}
	case "provider503":
		w.proxy.SetMode(Mode503)
		err := sleep(c.ProviderDown)
		w.proxy.SetMode(ModePass)
		res.Recovered = time.Now()
		note("%d requests answered 503", w.proxy.refused.Load())
		return err
	case "slow":
		w.proxy.SetMode(ModeSlow)
		err := sleep(c.SlowFor)
		w.proxy.SetMode(ModePass)
		res.Recovered = time.Now()
		note("%d requests answered after %s", w.proxy.slowed.Load(), w.proxy.SlowDelay)
		return err
	case "hang":
		w.proxy.SetMode(ModeHang)
		err := sleep(c.HangFor)
		w.proxy.SetMode(ModePass)
		res.Recovered = time.Now()
		note("%d requests never answered", w.proxy.hung.Load())
		return err
	case "callbacks":
		w.front.DropCallbacks(true)
		err := sleep(c.DropFor)
		w.front.DropCallbacks(false)
		note("%d callbacks dropped", w.front.Dropped())
		return err
	default:
		return fmt.Errorf("unknown experiment %q", name)
	}
	return nil
}

// drain waits until every accepted message has a final status, or
// nothing changed for Stall, or Drain passed.
func (w *world) drain(ctx context.Context, res *Result) error {
	db, err := sql.Open("pgx", w.dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	t0 := time.Now()
	type counts struct{ moving, waiting int }
	last, lastChange := counts{-1, -1}, time.Now()
	for time.Since(t0) < w.s.cfg.Drain && ctx.Err() == nil {
		var c counts
		err := db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE status IN ('scheduled','queued','sending')),
			count(*) FILTER (WHERE status IN ('sent','unknown')) FROM messages`).Scan(&c.moving, &c.waiting)
		if err == nil {
			if c.moving+c.waiting == 0 {
				break
			}
			// A message the gateway still holds comes back at the
			// latest after JetStream's ack wait (30 s); one in sent or
			// unknown moves only when a callback or a reconciliation
			// comes (Stall is sized for it).
			stall := w.s.cfg.Stall
			if c.moving > 0 {
				stall = max(stall, ackWait+5*time.Second)
			}
			if r := w.s.cfg.reconcileReach(); c.waiting > 0 && r < w.s.cfg.Drain {
				stall = max(stall, r)
			}
			if c != last {
				last, lastChange = c, time.Now()
			} else if time.Since(lastChange) > stall {
				break
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	res.DrainTime = time.Since(t0)
	return nil
}
