package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"safecontact/gateway"
	"safecontact/gateway/gatewaytest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with serial n.
func writeCert(t *testing.T, certFile, keyFile string, n int64) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: "gateway test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// serialOf dials addr over TLS and returns the server certificate's serial.
func serialOf(t *testing.T, addr string) int64 {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) // the test's own self-signed pair
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// Finding 7: the API speaks TLS with the configured pair, and a new pair
// is served after SIGHUP without a restart; a broken pair keeps the old.
func TestTLSReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeCert(t, cert, key, 1)
	h, err := gateway.NewCertHolder(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", gateway.TLSConfig(h))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	go func() { close(ready); gateway.OnHUP(ctx, h, slog.New(slog.DiscardHandler)) }()
	<-ready
	time.Sleep(50 * time.Millisecond) // signal.Notify registered
	if s := serialOf(t, ln.Addr().String()); s != 1 {
		t.Fatalf("serial %d", s)
	}
	writeCert(t, cert, key, 2)
	if s := serialOf(t, ln.Addr().String()); s != 1 {
		t.Fatalf("reloaded without a signal: %d", s)
	}
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	deadline := time.Now().Add(5 * time.Second)
	for serialOf(t, ln.Addr().String()) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reload the certificate")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A broken pair: the old certificate stays.
	os.WriteFile(cert, []byte("not a certificate"), 0o600)
	if err := h.Reload(); err == nil {
		t.Fatal("a broken pair loaded")
	}
	if s := serialOf(t, ln.Addr().String()); s != 2 {
		t.Fatalf("after a failed reload: %d", s)
	}
}

// SIGHUP without TLS is logged and ignored: its default action would end
// the process, and "kill -HUP" is what operators send after a renewal.
func TestSIGHUPWithoutTLSIsIgnored(t *testing.T) {
	logs := &gatewaytest.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	go func() { close(ready); gateway.OnHUP(ctx, nil, slog.New(slog.NewJSONHandler(logs, nil))) }()
	<-ready
	time.Sleep(50 * time.Millisecond) // signal.Notify registered
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "SIGHUP ignored") {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP not handled")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// /metrics off loopback answers only its bearer token.
func TestMetricsBearerToken(t *testing.T) {
	h := gateway.Bearer("scrape-token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	for auth, want := range map[string]int{"": 401, "Bearer nope": 401, "Bearer scrape-token": 200, "scrape-token": 401, "Bearer scrape-token ": 401} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("%q: %d, want %d", auth, w.Code, want)
		}
	}
	if gateway.Bearer("", http.NotFoundHandler()) == nil {
		t.Fatal("no token: the handler itself")
	}
}
