package gateway

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway/callback"
	"safecontact/gateway/delivery"
	"safecontact/keys"
	"safecontact/migrations"
)

// AppConfig is the process configuration (flags and environment).
type AppConfig struct {
	DatabaseURL string
	NATSURL     string // empty: start an in-process NATS server
	NATSPort    int    // embedded server's TCP port; 0 = in-process only
	Replicas    int
	Addr        string
	KeyFile     string
	DataDir     string
	Migrate     bool // apply migrations at start
	Service     Config
	// Twilio: the provider. Without an AccountSID, Open refuses to start
	// unless Sink says this is a test instance.
	Twilio channels.TwilioConfig
	// Sink (serve --sink, GATEWAY_SINK=true; gateway dev sets it): a test
	// instance. Messages go to the sink (status sent_to_sink), nothing
	// leaves the machine, /v1/dev/sink shows them.
	Sink   bool
	Worker WorkerConfig
	// Reconcile: when and how the leader asks the provider about messages
	// left unknown or sent (zero fields take gateway/delivery's defaults).
	Reconcile ReconcileConfig
	// NoWorkers runs the HTTP API only (no relay, workers or scheduler).
	NoWorkers bool
	// TLSCert, TLSKey: serve the API over TLS (reloaded on SIGHUP).
	TLSCert, TLSKey string
	// InsecureBehindProxy: a TLS proxy is in front; plain HTTP may listen
	// on a non-loopback address (listen.go).
	InsecureBehindProxy bool
	// MetricsAddr: the /metrics listener ("" none). MetricsToken: the
	// bearer token it requires (required off loopback).
	MetricsAddr  string
	MetricsToken string
	// Console: the web console at / (Open fills AllowLoopbackHTTP and
	// adds PublicURL's origin to TrustedOrigins).
	Console ConsoleConfig
}

// App is a running gateway process: its connections and HTTP server.
type App struct {
	cfg      AppConfig
	log      *slog.Logger
	DB       *sql.DB
	Keys     *keys.Ring
	NC       *nats.Conn
	JS       jetstream.JetStream
	embedded *channels.Embedded
	certs    *certHolder
	Server   *Server
	// Sink is set on a test instance (AppConfig.Sink).
	Sink    *channels.Sink
	senders map[string]channels.Sender
}

// ErrNoKey explains how to make a key file; the server never starts
// without one, because it could not protect a single phone number.
var ErrNoKey = errors.New("no key file")

// ErrNoProvider: serve without provider credentials would pretend to send.
var ErrNoProvider = errors.New("no provider credentials")

// ErrSinkWithProvider: --sink together with provider credentials.
var ErrSinkWithProvider = errors.New("a test instance with provider credentials")

// Open connects everything the gateway needs and builds the service.
func Open(ctx context.Context, cfg AppConfig, log *slog.Logger) (*App, error) {
	cfg.setDefaults()
	if cfg.Service.SendClaimLease <= 0 {
		cfg.Service.SendClaimLease = delivery.ClaimLease(cfg.Worker.SendTimeout)
	}
	a := &App{cfg: cfg, log: log}
	if cfg.Twilio.AccountSID == "" && !cfg.Sink {
		return nil, fmt.Errorf("%w: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or _FILE), or, for a test instance where nothing may leave the machine, pass --sink (GATEWAY_SINK=true)", ErrNoProvider)
	}
	if cfg.Sink && (cfg.Twilio.AccountSID != "" || cfg.Twilio.AuthToken != "") {
		// Which is it? A test instance next to real credentials is how
		// real data ends up in a sink (or test data at the provider).
		return nil, fmt.Errorf("%w: --sink (GATEWAY_SINK) says this is a test instance, but Twilio credentials are set too: unset TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN for a test instance, or drop --sink to send for real", ErrSinkWithProvider)
	}
	if err := checkListen(cfg); err != nil {
		return nil, err
	}
	if cfg.TLSCert != "" {
		var err error
		if a.certs, err = newCertHolder(cfg.TLSCert, cfg.TLSKey); err != nil {
			return nil, err
		}
	}
	// The discreet filter and the catalogue first: a terms file, stop list
	// or templates directory that is set but unreadable, or a template
	// that is invalid or not discreet, stops the service before anything
	// else.
	catalog, err := DiscreetCatalog(cfg.Service.Discreet)
	if err != nil {
		return nil, fmt.Errorf("discreet filter and templates: %w", err)
	}
	log.Info("discreet filter", "terms", catalog.Filter().Terms(), "deployment_terms", cfg.Service.Discreet.Filter.TermsFile != "",
		"stop_list", cfg.Service.Discreet.Filter.StopFile != "", "monitored_free_text", cfg.Service.Discreet.FreeTextPolicy(),
		"unknown_names", cfg.Service.Discreet.UnknownNamesOn(), "vocabulary_words", catalog.Filter().VocabularyWords(),
		"deployment_vocabulary", cfg.Service.Discreet.Filter.VocabularyFile != "",
		"templates", len(catalog.List()), "deployment_templates", cfg.Service.Discreet.TemplatesDir != "",
		"templates_from_dir", len(catalog.DirTemplates()), "template_ids_from_dir", catalog.DirTemplates())
	ring, err := keys.Load(cfg.KeyFile)
	if errors.Is(err, keys.ErrNoKeyFile) {
		return nil, fmt.Errorf("%w at %s: the gateway will not start without an encryption key; create one with:\n    gateway keys init --key-file %s\nand keep a backup of it somewhere safe (losing it loses every stored phone number)", ErrNoKey, cfg.KeyFile, cfg.KeyFile)
	}
	if err != nil {
		return nil, err
	}
	a.Keys = ring
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is not set (e.g. postgres://user@127.0.0.1:5432/safecontact?sslmode=disable); `gateway dev` finds or starts a local PostgreSQL for you")
	}
	if a.DB, err = db.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	if cfg.Migrate {
		if err := migrations.Up(ctx, a.DB, log); err != nil {
			a.Close()
			return nil, err
		}
	}
	if cfg.NATSURL == "" {
		dir := filepath.Join(cfg.DataDir, "nats")
		if a.embedded, err = channels.StartEmbedded(dir, cfg.NATSPort); err != nil {
			a.Close()
			return nil, err
		}
		log.Info("embedded NATS started", "store_dir", dir, "url", map[bool]string{true: "in-process", false: a.embedded.ClientURL()}[cfg.NATSPort == 0])
		a.NC, err = a.embedded.Connect("safecontact")
	} else {
		a.NC, err = channels.Connect(cfg.NATSURL, "safecontact")
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	if a.JS, err = channels.NewJetStream(a.NC); err != nil {
		a.Close()
		return nil, err
	}
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := channels.EnsureStreams(sctx, a.JS, channels.StreamConfig{Replicas: cfg.Replicas}); err != nil {
		a.Close()
		return nil, err
	}
	cfg.Service.TwilioAuthToken = cfg.Twilio.AuthToken
	if f := cfg.Service.AuditPublicKeyFile; f != "" {
		if cfg.Service.AuditPublicKey, err = keys.LoadAuditPublicKey(f); err != nil {
			a.Close()
			return nil, fmt.Errorf("GATEWAY_AUDIT_PUBLIC_KEY_FILE: %w", err)
		}
		log.Info("audit: sent texts are sealed to the audit public key", "fingerprint", cfg.Service.AuditPublicKey.Fingerprint())
	} else {
		log.Warn("audit: no GATEWAY_AUDIT_PUBLIC_KEY_FILE: the text of sent messages is not kept in the audit log; make a key pair with `gateway keys audit-keypair --out DIR`")
	}
	if f := cfg.Service.Voice.StopWordsFile; f != "" {
		if cfg.Service.Voice.StopWords, err = callback.LoadStopWords(f); err != nil {
			a.Close()
			return nil, fmt.Errorf("GATEWAY_STOP_WORDS_FILE: %w", err)
		}
	}
	if err := loadOrg(&cfg, log); err != nil {
		a.Close()
		return nil, err
	}
	if cfg.Sink {
		a.Sink = channels.NewSink(filepath.Join(cfg.DataDir, "dev-sink"))
	}
	a.Server = New(Deps{DB: a.DB, Keys: a.Keys, NC: a.NC, JS: a.JS, Log: log, Config: cfg.Service, Sink: a.Sink, Catalog: catalog})
	warnRefusedAtForms(ctx, a.DB, log)
	if cfg.Sink {
		a.senders = map[string]channels.Sender{"sms": a.Sink, "whatsapp": a.Sink, "voice": a.Server.VoiceQueue()}
		// No calls without Twilio; erase-content redacts the sink's copies.
		a.Server.UseVoice(nil, a.Sink)
		log.Warn("test instance (--sink): messages go to the sink (status sent_to_sink, GET /v1/dev/sink), nothing leaves this machine", "dir", filepath.Join(cfg.DataDir, "dev-sink"))
	} else {
		tw, err := channels.NewTwilio(cfg.Twilio)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.senders = map[string]channels.Sender{"sms": tw, "whatsapp": tw, "voice": a.Server.VoiceQueue()}
		rc := cfg.Reconcile
		rc.NoListMatch = rc.NoListMatch || cfg.Twilio.RequestRedaction
		a.Server.SetProviderLookup(tw, rc)
		a.Server.UseVoice(tw, tw)
		if cfg.Service.Voice.From == "" {
			log.Warn("no TWILIO_VOICE_FROM: call-backs are queued but cannot be connected")
		}
		if a.cfg.Worker.Rate == nil {
			a.cfg.Worker.Rate = map[string]float64{}
		}
		for ch, r := range defaultTwilioRates {
			if v, ok := a.cfg.Worker.Rate[ch]; !ok || v < 0 {
				a.cfg.Worker.Rate[ch] = r
			}
		}
	}
	// The console's session cookie is Secure, except over plain HTTP from
	// loopback when nothing but loopback can reach the server (no TLS and
	// no proxy in front: checkListen keeps it on a loopback address).
	cfg.Console.AllowLoopbackHTTP = cfg.TLSCert == "" && !cfg.InsecureBehindProxy
	if u, err := url.Parse(cfg.Service.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		cfg.Console.TrustedOrigins = append(cfg.Console.TrustedOrigins, u.Scheme+"://"+u.Host)
	}
	if _, _, err := a.Server.NewConsole(cfg.Console); err != nil {
		a.Close()
		return nil, fmt.Errorf("console: %w", err)
	}
	if a.cfg.Worker.SpillDir == "" {
		a.cfg.Worker.SpillDir = cfg.DataDir
	}
	if a.cfg.Worker.StatusCallback == "" && cfg.Service.PublicURL != "" {
		a.cfg.Worker.StatusCallback = strings.TrimRight(cfg.Service.PublicURL, "/") + "/webhooks/twilio/status"
	}
	return a, nil
}

// Serve runs the HTTP server until ctx ends, then shuts down gracefully.
// ready, if not nil, receives the bound address once listening.
func (a *App) Serve(ctx context.Context, ready chan<- string) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.Server.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(context.Background())
	if a.certs != nil {
		ln = tls.NewListener(ln, tlsConfig(a.certs))
	}
	go onHUP(bg, a.certs, a.log)
	if err := a.serveMetrics(bg); err != nil {
		stopBG()
		ln.Close()
		return err
	}
	a.log.Info("listening", "addr", ln.Addr().String(), "tls", a.certs != nil)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var wg sync.WaitGroup
	if !a.cfg.NoWorkers {
		for _, run := range a.Server.runners(a.senders, a.cfg.Worker, a.scheduler()) {
			wg.Add(1)
			go func() { defer wg.Done(); run(bg) }()
		}
	}
	// Background work stops after the HTTP server has drained, so nothing
	// accepted in the last moments is left without a relay pass.
	defer func() { stopBG(); wg.Wait() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// scheduler is the server's scheduler with the sign-in pruning step: a
// scheduler step, not a ticker of its own, so only the leader prunes
// (replicas do not race to delete the same rows) and its failures are
// logged with the scheduler's.
func (a *App) scheduler() *Scheduler {
	sc := a.Server.NewScheduler()
	if svc := a.Server.Signin(); svc != nil {
		sc.Add(pruneSignin(svc, a.log))
	}
	return sc
}

// Close releases everything Open made.
func (a *App) Close() {
	if a.Server != nil {
		a.Server.Close()
	}
	if a.NC != nil {
		a.NC.Drain()
	}
	if a.embedded != nil {
		a.embedded.Shutdown()
	}
	if a.DB != nil {
		a.DB.Close()
	}
}

// loadOrg loads the organisation identity for referrals, when its file
// exists. A file that exists but does not load stops the start: an
// identity partners verified must not be silently missing.
func loadOrg(cfg *AppConfig, log *slog.Logger) error {
	f := cfg.Service.OrgKeyFile
	if f == "" {
		f = keys.OrgKeyFileBeside(cfg.KeyFile)
	}
	if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) {
		log.Info("referrals: no organisation identity; referrals are off until `gateway org init`", "org_key_file", f)
		return nil
	}
	o, err := keys.LoadOrg(f)
	if err != nil {
		return fmt.Errorf("GATEWAY_ORG_KEY_FILE: %w", err)
	}
	cfg.Service.Org = o
	log.Info("referrals: organisation identity loaded", "key_id", o.KeyID().String())
	return nil
}
