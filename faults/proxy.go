package faults

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Provider modes of the proxy in front of the fake Twilio.
const (
	// ModePass forwards every request.
	ModePass = "pass"
	// Mode503 answers 503 with Twilio's error envelope without forwarding.
	Mode503 = "503"
	// ModeSlow forwards at once (the provider creates the message) and
	// answers only after SlowDelay, later than the client's timeout.
	ModeSlow = "slow"
	// ModeHang never forwards and never answers; the client gives up.
	ModeHang = "hang"
)

// ProviderProxy sits between the gateway's twilio-go client and the fake
// Twilio. It records when a message create was answered with success,
// which is how "sending resumed after the provider recovered" is timed.
type ProviderProxy struct {
	SlowDelay time.Duration
	// AnswerDelay: in ModePass, a message create is forwarded at once
	// (the provider creates the message) and answered this much later, as
	// a provider whose answer takes a while to come back (0: at once). A
	// gateway killed meanwhile has sends the provider holds and it never
	// recorded. Set before traffic starts.
	AnswerDelay time.Duration

	mode    atomic.Value // string
	srv     *http.Server
	ln      net.Listener
	rp      *httputil.ReverseProxy
	target  *url.URL
	client  *http.Client
	mu      sync.Mutex
	okAt    []time.Time // successful message creates answered to the client
	refused atomic.Int64
	hung    atomic.Int64
	slowed  atomic.Int64
}

// StartProviderProxy listens on a free loopback port and forwards to
// target (the fake's URL).
func StartProviderProxy(target string) (*ProviderProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &ProviderProxy{target: u, ln: ln, SlowDelay: 16 * time.Second,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	p.mode.Store(ModePass)
	p.rp = httputil.NewSingleHostReverseProxy(u)
	p.rp.Transport = p.client.Transport
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve)}
	go p.srv.Serve(ln)
	return p, nil
}

// URL is the base URL to give the gateway (TWILIO_API_URL).
func (p *ProviderProxy) URL() string { return "http://" + p.ln.Addr().String() }

// SetMode switches the proxy's behaviour for requests arriving from now on.
func (p *ProviderProxy) SetMode(m string) { p.mode.Store(m) }

// Mode is the current mode.
func (p *ProviderProxy) Mode() string { return p.mode.Load().(string) }

// Close stops the proxy; hung requests are released.
func (p *ProviderProxy) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p.srv.Shutdown(ctx)
	p.srv.Close()
}

// FirstOKAfter is the first successful create answered at or after t.
func (p *ProviderProxy) FirstOKAfter(t time.Time) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, at := range p.okAt {
		if !at.Before(t) {
			return at, true
		}
	}
	return time.Time{}, false
}

// LongestGap is the longest time between two successful creates (or from
// from to the first, or the last to to) inside [from, to].
func (p *ProviderProxy) LongestGap(from, to time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	prev, gap := from, time.Duration(0)
	for _, at := range p.okAt {
		if at.Before(from) || at.After(to) {
			continue
		}
		if d := at.Sub(prev); d > gap {
			gap = d
		}
		prev = at
	}
	if d := to.Sub(prev); d > gap {
		gap = d
	}
	return gap
}

func isCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Messages.json")
}

func (p *ProviderProxy) serve(w http.ResponseWriter, r *http.Request) {
	switch p.Mode() {
	case Mode503:
		p.refused.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"code":20503,"message":"Service Unavailable","more_info":"https://www.twilio.com/docs/errors/20503","status":503}`)
		return
	case ModeHang:
		p.hung.Add(1)
		<-r.Context().Done()
		return
	case ModeSlow:
		p.slowed.Add(1)
		p.hold(w, r, p.SlowDelay)
		return
	}
	if !isCreate(r) {
		p.rp.ServeHTTP(w, r)
		return
	}
	rec := &statusWriter{ResponseWriter: w}
	if p.AnswerDelay > 0 {
		p.hold(rec, r, p.AnswerDelay)
	} else {
		p.rp.ServeHTTP(rec, r)
	}
	if rec.status/100 == 2 && r.Context().Err() == nil {
		p.mu.Lock()
		p.okAt = append(p.okAt, time.Now())
		p.mu.Unlock()
	}
}

// hold forwards the request whatever the client does (the provider has
// it), then holds the answer for d or until the client is gone.
func (p *ProviderProxy) hold(w http.ResponseWriter, r *http.Request, d time.Duration) {
	body, _ := io.ReadAll(r.Body)
	u := *p.target
	u.Path, u.RawQuery = r.URL.Path, r.URL.RawQuery
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	select {
	case <-time.After(d):
	case <-r.Context().Done():
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(b)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = 200
	}
	return s.ResponseWriter.Write(b)
}

// Front plays the load balancer in front of the gateways: the load
// driver's API requests and the provider's status callbacks both come
// through it (GATEWAY_PUBLIC_URL points here, so callback signatures
// are computed for this URL). It forwards to the first backend that
// accepts a connection, and can drop status callbacks: it answers the
// provider 200 and forwards nothing, as when a callback is lost on the
// way (Twilio posts each callback once).
type Front struct {
	mu       sync.Mutex
	backends []string // host:port
	next     int
	drop     atomic.Bool
	dropped  atomic.Int64
	srv      *http.Server
	ln       net.Listener
	tr       *http.Transport
}

// StartFront listens on a free loopback port.
func StartFront() (*Front, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &Front{ln: ln, tr: &http.Transport{MaxIdleConnsPerHost: 512, DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext}}
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve)}
	go f.srv.Serve(ln)
	return f, nil
}

// URL is the front's base URL.
func (f *Front) URL() string { return "http://" + f.ln.Addr().String() }

// SetBackends sets the gateways' addresses.
func (f *Front) SetBackends(addrs ...string) {
	f.mu.Lock()
	f.backends = append([]string(nil), addrs...)
	f.mu.Unlock()
}

// DropCallbacks turns dropping of status callbacks on or off.
func (f *Front) DropCallbacks(on bool) { f.drop.Store(on) }

// Dropped is how many callbacks were dropped.
func (f *Front) Dropped() int64 { return f.dropped.Load() }

// Close stops the front.
func (f *Front) Close() { f.srv.Close() }

func (f *Front) serve(w http.ResponseWriter, r *http.Request) {
	callback := strings.HasPrefix(r.URL.Path, "/webhooks/twilio/status")
	if f.drop.Load() && callback {
		f.dropped.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	f.mu.Lock()
	bs := append([]string(nil), f.backends...)
	start := f.next
	f.next++
	f.mu.Unlock()
	var lastErr error
	for i := range bs {
		addr := bs[(start+i)%len(bs)]
		req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+addr+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		req.Host = r.Host // the signature covers the public URL, not the backend's
		resp, err := f.tr.RoundTrip(req)
		if err != nil {
			lastErr = err
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				continue // not listening: the next backend
			}
			break // the backend died with the request: the client decides
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	_ = lastErr
	w.WriteHeader(http.StatusBadGateway)
}
