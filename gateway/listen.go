package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
//     but do show activity; scrape them from the host or a private network.

// ErrInsecureListen: a non-loopback address without TLS.
var ErrInsecureListen = errors.New("refusing to listen without TLS on a non-loopback address")

// checkListen applies the loopback rule to cfg.
func checkListen(cfg AppConfig) error {
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("give both --tls-cert and --tls-key (GATEWAY_TLS_CERT, GATEWAY_TLS_KEY), or neither")
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

// reloadOnHUP reloads h on every SIGHUP until ctx ends.
func (h *certHolder) reloadOnHUP(ctx context.Context, log *slog.Logger) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	defer signal.Stop(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
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
	mux.Handle("/metrics", a.Server.MetricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	a.log.Info("metrics listening", "addr", ln.Addr().String())
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return nil
}
