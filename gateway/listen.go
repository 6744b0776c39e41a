package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Listening: TLS, the loopback rule and the metrics listener.
//
//   - With TLSCert and TLSKey the API is served over TLS (1.2 and up). The
//     pair is read again on SIGHUP (certHolder.GetCertificate), so a renewed
//     certificate is picked up without a restart; a pair that does not load
//     keeps the old one and says so in the log.
//   - Without TLS the API listens only on a loopback address, unless
//     InsecureBehindProxy says a TLS-terminating proxy is in front: tokens
//     and, on reveal, phone numbers must never cross a network in clear.
//   - /metrics is not on the API port: it has its own listener (MetricsAddr,
//     default 127.0.0.1:9464, "" for none). Metrics carry no personal data
//     but do show activity; off loopback the listener needs MetricsToken
//     (GATEWAY_METRICS_TOKEN, sent as "Authorization: Bearer …"), else serve
//     refuses to start.
//   - SIGHUP never ends the process (its default action would): with TLS it
//     reloads the pair, without it is logged and ignored — an operator's
//     routine "kill -HUP" after a renewal must not take the service down.

// ErrInsecureListen: a non-loopback address without TLS.
var ErrInsecureListen = errors.New("refusing to listen without TLS on a non-loopback address")

// checkListen applies the loopback rule to cfg.
func checkListen(cfg AppConfig) error {
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("give both --tls-cert and --tls-key (GATEWAY_TLS_CERT, GATEWAY_TLS_KEY), or neither")
	}
	for _, p := range cfg.Service.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return fmt.Errorf("--trusted-proxies: %q is not an IP address or CIDR prefix", p)
			}
		}
	}
	if cfg.InsecureBehindProxy && len(cfg.Service.TrustedProxies) == 0 {
		// Without them every request seems to come from the proxy: the
		// audit log records its address for everyone, and the failed-login
		// throttle counts every client's failures as one address's.
		return errors.New("--insecure-behind-proxy needs --trusted-proxies (GATEWAY_TRUSTED_PROXIES): the addresses of the TLS proxy in front, whose X-Forwarded-For names the real client")
	}
	if cfg.MetricsAddr != "" && !loopbackAddr(cfg.MetricsAddr) && cfg.MetricsToken == "" {
		return fmt.Errorf("%w: /metrics on %s, off loopback, needs GATEWAY_METRICS_TOKEN (or _FILE): scrapers then send Authorization: Bearer <token>", ErrInsecureListen, cfg.MetricsAddr)
	}
	if cfg.TLSCert != "" || cfg.InsecureBehindProxy || loopbackAddr(cfg.Addr) {
		return nil
	}
	return fmt.Errorf("%w %s: pass --tls-cert and --tls-key, or --insecure-behind-proxy if a TLS proxy terminates connections in front of the gateway", ErrInsecureListen, cfg.Addr)
}

// loopbackAddr: host:port whose host is a loopback IP or "localhost".
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// certHolder serves the current certificate and reloads it on demand.
type certHolder struct {
	certFile, keyFile string
	mu                sync.RWMutex
	cert              *tls.Certificate
}

func newCertHolder(certFile, keyFile string) (*certHolder, error) {
	h := &certHolder{certFile: certFile, keyFile: keyFile}
	return h, h.reload()
}

func (h *certHolder) reload() error {
	c, err := tls.LoadX509KeyPair(h.certFile, h.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate and key: %w", err)
	}
	h.mu.Lock()
	h.cert = &c
	h.mu.Unlock()
	return nil
}

// GetCertificate is tls.Config.GetCertificate.
func (h *certHolder) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.cert, nil
}

// onHUP handles SIGHUP until ctx ends: h (nil without TLS) is reloaded,
// or, without TLS, the signal is logged and ignored.
func onHUP(ctx context.Context, h *certHolder, log *slog.Logger) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	defer signal.Stop(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			if h == nil {
				log.Warn("SIGHUP ignored: no TLS certificate to reload (--tls-cert and --tls-key are not set)")
				continue
			}
			if err := h.reload(); err != nil {
				log.Error("SIGHUP: TLS reload failed; still serving the previous certificate", "err", err)
			} else {
				log.Info("SIGHUP: TLS certificate reloaded")
			}
		}
	}
}

func tlsConfig(h *certHolder) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: h.GetCertificate}
}

// MetricsHandler serves the Prometheus metrics (on its own listener).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

// serveMetrics runs the metrics listener until ctx ends; "" runs none.
// An address already taken (a second serve process on the host) is
// logged, not fatal: metrics are not worth an outage.
func (a *App) serveMetrics(ctx context.Context) error {
	if a.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		a.log.Error("metrics listener: not serving /metrics", "addr", a.cfg.MetricsAddr, "err", err)
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", bearer(a.cfg.MetricsToken, a.Server.MetricsHandler()))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	a.log.Info("metrics listening", "addr", ln.Addr().String())
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return nil
}

// bearer lets through only requests with "Authorization: Bearer token"
// (compared in constant time); an empty token lets everything through.
func bearer(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte("Bearer " + token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
