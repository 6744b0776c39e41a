package faults

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Driver offers messages to the gateway the way a careful client does:
// each message has its own Idempotency-Key, and a 5xx answer or a
// connection error is retried with the same key until GiveUp passes, so
// the gateway's exactly-once promise is what is tested, not the
// client's luck.
type Driver struct {
	Base   string // the front's URL
	Token  string
	GiveUp time.Duration // per message; default 2 minutes

	hc    *http.Client
	codes []string

	mu        sync.Mutex
	accepted  map[string]int // message id → driver sequence
	latencies []time.Duration
	answers   map[int]int // HTTP status of every attempt (0: connection error)
	refused   map[string]int
	seq       atomic.Int64
	retried   atomic.Int64
	gaveUp    atomic.Int64
	inflight  sync.WaitGroup
}

// NewDriver makes a driver for the gateway behind base.
func NewDriver(base, token string) *Driver {
	return &Driver{Base: base, Token: token, GiveUp: 2 * time.Minute,
		hc:       &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 512}},
		accepted: map[string]int{}, answers: map[int]int{}, refused: map[string]int{}}
}

func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (d *Driver) post(ctx context.Context, path, key, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.Token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Setup creates n participants reachable by SMS at any time.
func (d *Driver) Setup(ctx context.Context, n int) error {
	base := 600_000_000 + mrand.IntN(90_000_000)
	for i := 0; i < n; i++ {
		st, b, err := d.post(ctx, "/v1/participants", "", fmt.Sprintf(`{"initials":"FT","language":"es","time_zone":"Europe/Madrid","phone":"+34%d","any_time":true}`, base+i))
		var p struct {
			Code string `json:"code"`
		}
		if err != nil || st != 201 || json.Unmarshal(b, &p) != nil {
			return fmt.Errorf("create participant: %d %v %s", st, err, b)
		}
		st, b, err = d.post(ctx, "/v1/participants/"+p.Code+"/consents", "", `{"channel":"sms","evidence":"fault test","notice_language":"es"}`)
		if err != nil || st != 201 {
			return fmt.Errorf("grant consent: %d %v %s", st, err, b)
		}
		d.codes = append(d.codes, p.Code)
	}
	return nil
}

// Run offers rate messages/s for dur on an open-loop schedule (a slow
// gateway does not slow the schedule; each message is its own goroutine)
// and returns when the schedule ends; Wait waits for the retries.
func (d *Driver) Run(ctx context.Context, rate float64, dur time.Duration) {
	interval := time.Duration(float64(time.Second) / rate)
	end := time.Now().Add(dur)
	next := time.Now()
	for time.Now().Before(end) && ctx.Err() == nil {
		next = next.Add(interval)
		if w := time.Until(next); w > 0 {
			time.Sleep(w)
		}
		d.inflight.Add(1)
		go func() {
			defer d.inflight.Done()
			d.send(ctx)
		}()
	}
}

// Wait waits for every message's requests (and retries) to end.
func (d *Driver) Wait() { d.inflight.Wait() }

func (d *Driver) send(ctx context.Context) {
	n := int(d.seq.Add(1))
	key := newKey()
	code := d.codes[mrand.IntN(len(d.codes))]
	body := fmt.Sprintf(`{"participant":%q,"channel":"sms","body":"Hola, nos vemos pronto. #%d"}`, code, n)
	t0 := time.Now()
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			d.retried.Add(1)
		}
		st, b, err := d.post(ctx, "/v1/messages", key, body)
		d.mu.Lock()
		d.answers[st]++
		d.mu.Unlock()
		if err == nil && st == http.StatusAccepted {
			var m struct {
				ID string `json:"id"`
			}
			json.Unmarshal(b, &m)
			d.mu.Lock()
			d.accepted[m.ID] = n
			d.latencies = append(d.latencies, time.Since(t0))
			d.mu.Unlock()
			return
		}
		if err == nil && st < 500 && st != http.StatusConflict && st != http.StatusTooManyRequests {
			var e struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			json.Unmarshal(b, &e)
			d.mu.Lock()
			d.refused[fmt.Sprintf("%d %s", st, e.Error.Code)]++
			d.mu.Unlock()
			return
		}
		if time.Since(t0) > d.GiveUp || ctx.Err() != nil {
			d.gaveUp.Add(1)
			return
		}
		time.Sleep(backoff)
		if backoff < time.Second {
			backoff *= 2
		}
	}
}

// Accepted returns the accepted message ids (id → driver sequence).
func (d *Driver) Accepted() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int, len(d.accepted))
	for k, v := range d.accepted {
		out[k] = v
	}
	return out
}

// Stats summarises what the client saw.
type Stats struct {
	Offered, Accepted, Retries, GaveUp int
	Refused                            map[string]int
	Answers                            map[int]int // every attempt's HTTP status; 0 = connection error
	P50, P99, Max                      time.Duration
}

// Stats returns the client's figures so far.
func (d *Driver) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := slices.Clone(d.latencies)
	slices.Sort(l)
	pct := func(p int) time.Duration {
		if len(l) == 0 {
			return 0
		}
		return l[(len(l)-1)*p/100]
	}
	s := Stats{Offered: int(d.seq.Load()), Accepted: len(d.accepted), Retries: int(d.retried.Load()), GaveUp: int(d.gaveUp.Load()),
		Refused: map[string]int{}, Answers: map[int]int{}, P50: pct(50), P99: pct(99), Max: pct(100)}
	for k, v := range d.refused {
		s.Refused[k] = v
	}
	for k, v := range d.answers {
		s.Answers[k] = v
	}
	return s
}
