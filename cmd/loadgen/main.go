// Command loadgen drives a running gateway over HTTP and measures the send
// pipeline end to end. It runs the fake Twilio API itself, so it sees when
// each message reaches the "provider", and the fake posts signed
// "delivered" callbacks back to the gateway.
//
// Run the gateway against it (see docs/benchmarks.md):
//
//	TWILIO_ACCOUNT_SID=AC00000000000000000000000000000001 TWILIO_AUTH_TOKEN=loadtest0123456789 \
//	TWILIO_API_URL=http://127.0.0.1:18099 TWILIO_FROM=+15005550006 GATEWAY_SMS_RATE=0 \
//	GATEWAY_PUBLIC_URL=http://127.0.0.1:8080 gateway serve
//	loadgen -token sc_… -database-url postgres://… -rate 1000 -duration 60s
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"safecontact/channels/twiliotest"
)

type config struct {
	gateway, token, dbURL     string
	gateways                  []string // gateway split on commas
	cpuProcs                  []string
	fakeAddr, sid, authToken  string
	clients, participants     int
	rate                      float64
	duration, drain, ceilTime time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.gateway, "gateway", "http://127.0.0.1:8080", "gateway base URL; several, comma-separated, share the clients round robin")
	flag.StringVar(&c.token, "token", os.Getenv("GATEWAY_TOKEN"), "staff or admin API token (env GATEWAY_TOKEN)")
	flag.StringVar(&c.dbURL, "database-url", os.Getenv("DATABASE_URL"), "the gateway's PostgreSQL, for the raw INSERT ceiling (empty: skip)")
	flag.StringVar(&c.fakeAddr, "fake-addr", "127.0.0.1:18099", "where the fake Twilio listens")
	flag.StringVar(&c.sid, "twilio-account-sid", "AC00000000000000000000000000000001", "account SID the fake accepts")
	flag.StringVar(&c.authToken, "twilio-auth-token", "loadtest0123456789", "auth token the fake accepts and signs callbacks with")
	flag.IntVar(&c.clients, "clients", 32, "concurrent HTTP clients")
	flag.IntVar(&c.participants, "participants", 200, "participants to create (with SMS consent) and spread messages over")
	flag.Float64Var(&c.rate, "rate", 0, "offered messages/s; 0 = as fast as the clients go")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "how long to offer load")
	flag.DurationVar(&c.drain, "drain", 60*time.Second, "how long to wait afterwards for every accepted message to be delivered")
	flag.DurationVar(&c.ceilTime, "ceiling-time", 5*time.Second, "how long to measure the raw INSERT ceiling")
	cpuProcs := flag.String("cpu-procs", "gateway,postgres", "process names (comm) whose CPU time is summed over the run (from /proc)")
	cpuProfile := flag.String("cpuprofile", "", "write the load generator's own CPU profile here (to see what the harness costs)")
	flag.Parse()
	c.gateways = strings.Split(c.gateway, ",")
	c.gateway = c.gateways[0]
	if *cpuProcs != "" {
		c.cpuProcs = strings.Split(*cpuProcs, ",")
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(2)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if c.token == "" {
		fmt.Fprintln(os.Stderr, "loadgen: -token is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type tracker struct {
	mu        sync.Mutex
	acceptAt  map[int]time.Time // seq → when the 202 came back
	providerL []time.Duration   // accept → provider
	accepted  atomic.Int64
	refused   atomic.Int64
	errs      atomic.Int64
	delivered atomic.Int64
	cbErrs    atomic.Int64
	lastDeliv atomic.Int64 // unix nanos
	latencies [][]sample
	pending   map[int]time.Time // provider got it before the 202 was read
}

func run(ctx context.Context, c config) error {
	t := &tracker{acceptAt: map[int]time.Time{}, pending: map[int]time.Time{}, latencies: make([][]sample, c.clients)}
	fake, err := twiliotest.Start(c.sid, c.authToken, c.fakeAddr)
	if err != nil {
		return err
	}
	defer fake.Close()
	fake.SetRecord(false)
	// Every message must still be known when its callback is posted.
	fake.SetMaxMessages(2_000_000)
	fake.SetCallbackConcurrency(256)
	fake.AutoDeliver("delivered")
	fake.OnCreate = func(m twiliotest.Message) {
		seq, ok := seqOf(m.Body)
		if !ok {
			return
		}
		now := time.Now()
		t.mu.Lock()
		if at, ok := t.acceptAt[seq]; ok {
			t.providerL = append(t.providerL, now.Sub(at))
			delete(t.acceptAt, seq)
		} else {
			t.pending[seq] = now
		}
		t.mu.Unlock()
	}
	fake.OnCallback = func(_, status string, err error) {
		if err != nil {
			t.cbErrs.Add(1)
			return
		}
		if status == "delivered" {
			t.delivered.Add(1)
			t.lastDeliv.Store(time.Now().UnixNano())
		}
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c.clients * 2}}

	fmt.Printf("fake Twilio on http://%s (account %s)\n", c.fakeAddr, c.sid)
	codes, err := setup(ctx, hc, c)
	if err != nil {
		return err
	}
	fmt.Printf("setup: %d participants with SMS consent\n", len(codes))

	if c.dbURL != "" {
		n, err := insertCeiling(ctx, c.dbURL, c.clients, c.ceilTime)
		if err != nil {
			return fmt.Errorf("insert ceiling: %w", err)
		}
		fmt.Printf("postgres raw single-row INSERT commits: %.0f/s (%d clients, %s)\n", n, c.clients, c.ceilTime)
	}

	var before *pgCounters
	if c.dbURL != "" {
		// Let the set-up's counters reach the statistics first.
		time.Sleep(2 * time.Second)
		if before, err = readPG(ctx, c.dbURL); err != nil {
			return fmt.Errorf("database counters: %w", err)
		}
	}
	cpuBefore := readCPU(c.cpuProcs)

	var seq atomic.Int64
	var tick chan struct{}
	lctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	start := time.Now()
	var late atomic.Int64
	if c.rate > 0 {
		// Open loop: the schedule does not slow down when the gateway
		// does. Each slot goes to whichever client is free; a slot no
		// client could take within a second counts as late.
		tick = make(chan struct{}, int(c.rate))
		go func() {
			interval := time.Duration(float64(time.Second) / c.rate)
			next := time.Now()
			for lctx.Err() == nil {
				next = next.Add(interval)
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				select {
				case tick <- struct{}{}:
				default:
					late.Add(1)
				}
			}
		}()
	}
	var wg sync.WaitGroup
	for i := 0; i < c.clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if tick != nil {
					select {
					case <-tick:
					case <-lctx.Done():
						return
					}
				} else if lctx.Err() != nil {
					return
				}
				n := int(seq.Add(1))
				code := codes[rand.IntN(len(codes))]
				body := fmt.Sprintf(`{"participant":%q,"channel":"sms","body":"Hola, nos vemos pronto. #%d"}`, code, n)
				t0 := time.Now()
				// Not lctx: a request in flight at the end of the window
				// completes and is counted.
				status, err := postTo(ctx, hc, c, c.gateways[i%len(c.gateways)], "/v1/messages", body, nil)
				d := time.Since(t0)
				switch {
				case err != nil:
					t.errs.Add(1)
				case status == 202:
					t.accepted.Add(1)
					t.latencies[i] = append(t.latencies[i], sample{at: t0.Sub(start), d: d})
					now := time.Now()
					t.mu.Lock()
					if pt, ok := t.pending[n]; ok {
						t.providerL = append(t.providerL, pt.Sub(t0)) // provider was faster than our read
						delete(t.pending, n)
					} else {
						t.acceptAt[n] = now
					}
					t.mu.Unlock()
				default:
					t.refused.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	offered := time.Since(start)
	accepted := t.accepted.Load()
	deadline := time.Now().Add(c.drain)
	for t.delivered.Load() < accepted && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
	}
	fake.WaitCallbacks()
	end := time.Unix(0, t.lastDeliv.Load())
	delivered := t.delivered.Load()
	cpuAfter := readCPU(c.cpuProcs)
	var after *pgCounters
	if before != nil {
		// The statistics system publishes a backend's counters at most
		// once a second; the audit sequencer may still be sealing.
		time.Sleep(2 * time.Second)
		if after, err = readPG(ctx, c.dbURL); err != nil {
			return fmt.Errorf("database counters: %w", err)
		}
	}

	var all []time.Duration
	windows := make([][]time.Duration, int(offered/window)+1)
	for _, l := range t.latencies {
		for _, x := range l {
			all = append(all, x.d)
			w := int(x.at / window)
			windows[w] = append(windows[w], x.d)
		}
	}
	slices.Sort(all)
	slices.Sort(t.providerL)
	fmt.Printf("offered for %s with %d clients (rate %s; slots no client was free for: %d)\n", offered.Round(time.Millisecond), c.clients, rateStr(c.rate), late.Load())
	fmt.Printf("accepted:   %d (%.0f/s), refused %d, errors %d\n", accepted, float64(accepted)/offered.Seconds(), t.refused.Load(), t.errs.Load())
	fmt.Printf("accept latency: p50 %s  p99 %s  max %s\n", pct(all, 50), pct(all, 99), pct(all, 100))
	fmt.Printf("accept→provider latency: p50 %s  p99 %s\n", pct(t.providerL, 50), pct(t.providerL, 99))
	fmt.Printf("accept latency by %s window (p50/p99):", window)
	for _, w := range windows {
		if len(w) > 0 {
			slices.Sort(w)
			fmt.Printf(" %s/%s", pct(w, 50).Round(100*time.Microsecond), pct(w, 99).Round(100*time.Microsecond))
		}
	}
	fmt.Println()
	if delivered > 0 {
		fmt.Printf("delivered end to end: %d (%.0f/s over %s from first accept to last delivery)\n", delivered, float64(delivered)/end.Sub(start).Seconds(), end.Sub(start).Round(time.Millisecond))
	}
	fmt.Printf("lost (accepted but not delivered after %s drain): %d; callback errors: %d\n", c.drain, accepted-delivered, t.cbErrs.Load())
	if accepted > 0 {
		printCPU(c.cpuProcs, cpuBefore, cpuAfter, accepted)
		if after != nil {
			printPG(before, after, accepted)
		}
	}
	if accepted != delivered {
		return errors.New("not every accepted message was delivered")
	}
	return nil
}

// sample is one accepted request: when it started (since the load
// began) and how long the 202 took.
type sample struct{ at, d time.Duration }

// window is the span of the per-window latency line.
const window = 10 * time.Second

func rateStr(r float64) string {
	if r == 0 {
		return "unbounded"
	}
	return strconv.FormatFloat(r, 'f', 0, 64) + "/s"
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := (len(d) - 1) * p / 100
	return d[i].Round(10 * time.Microsecond)
}

func seqOf(body string) (int, bool) {
	i := strings.LastIndexByte(body, '#')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(body[i+1:])
	return n, err == nil
}

func post(ctx context.Context, hc *http.Client, c config, path, body string, out any) (int, error) {
	return postTo(ctx, hc, c, c.gateway, path, body, out)
}

func postTo(ctx context.Context, hc *http.Client, c config, gateway, path, body string, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", gateway+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s: %d %s", path, resp.StatusCode, bytes.TrimSpace(b))
		}
	}
	return resp.StatusCode, nil
}

// setup creates participants reachable now by SMS (any time, not monitored).
func setup(ctx context.Context, hc *http.Client, c config) ([]string, error) {
	base := 600_000_000 + rand.IntN(90_000_000)
	var codes []string
	for i := 0; i < c.participants; i++ {
		var p struct {
			Code string `json:"code"`
		}
		body := fmt.Sprintf(`{"initials":"LT","language":"es","time_zone":"Europe/Madrid","phone":"+34%d","any_time":true}`, base+i)
		st, err := post(ctx, hc, c, "/v1/participants", body, &p)
		if err != nil || st != 201 {
			return nil, fmt.Errorf("create participant: %d %v", st, err)
		}
		g := `{"channel":"sms","evidence":"load test","notice_language":"es"}`
		if st, err := post(ctx, hc, c, "/v1/participants/"+p.Code+"/consents", g, nil); err != nil || st != 201 {
			return nil, fmt.Errorf("grant consent: %d %v", st, err)
		}
		codes = append(codes, p.Code)
	}
	return codes, nil
}

// insertCeiling measures single-row INSERT commits/s on the same server:
// the physical ceiling for anything that commits once per message.
func insertCeiling(ctx context.Context, url string, clients int, d time.Duration) (float64, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	pool.SetMaxOpenConns(clients)
	if _, err := pool.ExecContext(ctx, `CREATE UNLOGGED TABLE IF NOT EXISTS loadgen_ceiling_probe (id bigserial, v text)`); err != nil {
		return 0, err
	}
	// A logged table: the ceiling is about WAL flushes, as for messages.
	pool.ExecContext(ctx, `DROP TABLE loadgen_ceiling_probe`)
	if _, err := pool.ExecContext(ctx, `CREATE TABLE loadgen_ceiling_probe (id bigserial, v text)`); err != nil {
		return 0, err
	}
	defer pool.ExecContext(context.Background(), `DROP TABLE loadgen_ceiling_probe`)
	var n atomic.Int64
	cctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for cctx.Err() == nil {
				if _, err := pool.ExecContext(cctx, `INSERT INTO loadgen_ceiling_probe (v) VALUES ('x')`); err == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds(), nil
}
