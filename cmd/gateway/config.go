package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"safecontact/gateway"
)

// env reads NAME, or the contents of the file named by NAME_FILE (for
// secrets mounted as files), or def.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	if f := os.Getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "warning: %s_FILE: %v\n", name, err)
			return def
		}
		return strings.TrimSpace(string(b))
	}
	return def
}

func envInt(name string, def int) int {
	if v := env(name, ""); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "warning: %s=%q is not a number; using %d\n", name, v, def)
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v := env(name, ""); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		fmt.Fprintf(os.Stderr, "warning: %s=%q is not a duration; using %s\n", name, v, def)
	}
	return def
}

func defaultDataDir() string {
	return env("GATEWAY_DATA_DIR", "data")
}

// appFlags registers the flags shared by serve and dev; environment
// variables give the defaults, flags win.
func appFlags(fs *flag.FlagSet) (*gateway.AppConfig, *string) {
	cfg := &gateway.AppConfig{}
	fs.StringVar(&cfg.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL (env DATABASE_URL)")
	fs.StringVar(&cfg.NATSURL, "nats-url", env("NATS_URL", ""), "NATS server or cluster URL; empty starts an in-process server (env NATS_URL)")
	fs.IntVar(&cfg.NATSPort, "nats-port", envInt("GATEWAY_NATS_PORT", 0), "TCP port for the embedded NATS server; 0 = in-process only (env GATEWAY_NATS_PORT)")
	fs.IntVar(&cfg.Replicas, "nats-replicas", envInt("NATS_REPLICAS", 1), "JetStream stream replicas (3 on a cluster) (env NATS_REPLICAS)")
	fs.StringVar(&cfg.Addr, "addr", env("GATEWAY_ADDR", "127.0.0.1:8080"), "HTTP listen address (env GATEWAY_ADDR)")
	fs.StringVar(&cfg.DataDir, "data-dir", defaultDataDir(), "data directory: embedded NATS store, dev database (env GATEWAY_DATA_DIR)")
	fs.StringVar(&cfg.KeyFile, "key-file", env("GATEWAY_KEY_FILE", ""), "encryption key file; default <data-dir>/keys.json (env GATEWAY_KEY_FILE)")
	fs.BoolVar(&cfg.Migrate, "migrate", env("GATEWAY_MIGRATE", "true") == "true", "apply database migrations at start (env GATEWAY_MIGRATE)")
	fs.StringVar(&cfg.Service.DefaultRegion, "default-region", env("GATEWAY_DEFAULT_REGION", "ES"), "region for phone numbers typed without + (env GATEWAY_DEFAULT_REGION)")
	fs.DurationVar(&cfg.Service.ConsentReviewAge, "consent-review-age", envDuration("GATEWAY_CONSENT_REVIEW_AGE", 90*24*time.Hour), "consent older than this is flagged for review (env GATEWAY_CONSENT_REVIEW_AGE)")
	fs.DurationVar(&cfg.Service.RiskEvaluationMaxAge, "risk-evaluation-max-age", envDuration("GATEWAY_RISK_EVALUATION_MAX_AGE", 90*24*time.Hour), "a participant whose risk evaluations are followed (she came by referral, or one was recorded) shows risk_evaluation_due past this age of her last one (env GATEWAY_RISK_EVALUATION_MAX_AGE)")
	fs.StringVar(&cfg.Service.OrgKeyFile, "org-key-file", env("GATEWAY_ORG_KEY_FILE", ""), "organisation identity for referrals (gateway org init); default org-keys.json beside the key file, referrals off when it does not exist (env GATEWAY_ORG_KEY_FILE)")
	fs.DurationVar(&cfg.Service.Referrals.MaxAge, "referral-max-age", envDuration("GATEWAY_REFERRAL_MAX_AGE", 30*24*time.Hour), "a referral package made longer ago than this is refused as expired (env GATEWAY_REFERRAL_MAX_AGE)")
	fs.StringVar(&cfg.Service.AuditPublicKeyFile, "audit-public-key-file", env("GATEWAY_AUDIT_PUBLIC_KEY_FILE", ""), "the programme's audit public key: sent texts are sealed to it in the audit log (env GATEWAY_AUDIT_PUBLIC_KEY_FILE)")
	fs.DurationVar(&cfg.Service.BodyRetention, "body-retention", envDuration("GATEWAY_BODY_RETENTION", 7*24*time.Hour), "message texts are deleted this long after the message is final (env GATEWAY_BODY_RETENTION)")
	fs.StringVar(&cfg.Service.PublicURL, "public-url", env("GATEWAY_PUBLIC_URL", ""), "public base URL Twilio calls back (webhook signatures are checked against it) (env GATEWAY_PUBLIC_URL)")
	fs.StringVar(&cfg.Twilio.AccountSID, "twilio-account-sid", env("TWILIO_ACCOUNT_SID", ""), "Twilio account SID; required unless --sink (env TWILIO_ACCOUNT_SID)")
	fs.StringVar(&cfg.Twilio.AuthToken, "twilio-auth-token", env("TWILIO_AUTH_TOKEN", ""), "Twilio auth token (env TWILIO_AUTH_TOKEN or TWILIO_AUTH_TOKEN_FILE)")
	fs.StringVar(&cfg.Twilio.From, "twilio-from", env("TWILIO_FROM", ""), "SMS sender number (env TWILIO_FROM)")
	fs.StringVar(&cfg.Twilio.MessagingServiceSID, "twilio-messaging-service", env("TWILIO_MESSAGING_SERVICE_SID", ""), "Messaging Service SID, instead of --twilio-from (env TWILIO_MESSAGING_SERVICE_SID)")
	fs.StringVar(&cfg.Twilio.WhatsAppFrom, "twilio-whatsapp-from", env("TWILIO_WHATSAPP_FROM", ""), "WhatsApp sender number (env TWILIO_WHATSAPP_FROM)")
	fs.StringVar(&cfg.Twilio.APIBaseURL, "twilio-api-url", env("TWILIO_API_URL", ""), "Twilio API base URL override, for a local fake in load tests (env TWILIO_API_URL)")
	fs.DurationVar(&cfg.Twilio.Timeout, "twilio-timeout", envDuration("TWILIO_TIMEOUT", 0), "bound on one Twilio API request; 0 = the built-in 15s (env TWILIO_TIMEOUT)")
	fs.BoolVar(&cfg.Twilio.RequestRedaction, "twilio-request-redaction", env("TWILIO_REQUEST_REDACTION", "false") == "true", "ask Twilio to discard message content and obfuscate numbers (needs Twilio Message Redaction on the account) (env TWILIO_REQUEST_REDACTION)")
	fs.DurationVar(&cfg.Twilio.ValidityPeriod, "twilio-validity-period", envDuration("TWILIO_VALIDITY_PERIOD", 15*time.Minute), "Twilio drops a message still queued after this, so a late reminder never lands outside her safe window (env TWILIO_VALIDITY_PERIOD)")
	fs.DurationVar(&cfg.Service.APIDBTimeout, "api-db-timeout", envDuration("GATEWAY_API_DB_TIMEOUT", 5*time.Second), "bound on one API request's database work: past it (a query hung behind a lock, a server that stopped answering) the request gets 503 unavailable with Retry-After (env GATEWAY_API_DB_TIMEOUT)")
	fs.DurationVar(&cfg.Reconcile.Every, "reconcile-every", envDuration("GATEWAY_RECONCILE_EVERY", 30*time.Second), "between the leader's passes asking the provider about unknown and stuck messages (env GATEWAY_RECONCILE_EVERY)")
	fs.DurationVar(&cfg.Reconcile.UnknownSettle, "reconcile-unknown-after", envDuration("GATEWAY_RECONCILE_UNKNOWN_AFTER", time.Minute), "a message unknown this long is asked about (env GATEWAY_RECONCILE_UNKNOWN_AFTER)")
	fs.DurationVar(&cfg.Reconcile.StuckAfter, "reconcile-sent-after", envDuration("GATEWAY_RECONCILE_SENT_AFTER", 2*time.Minute), "a message sending or sent this long without a callback is asked about; shorter settles lost callbacks sooner at the cost of more provider API calls (env GATEWAY_RECONCILE_SENT_AFTER)")
	fs.IntVar(&cfg.Reconcile.Batch, "reconcile-batch", envInt("GATEWAY_RECONCILE_BATCH", 50), "messages asked about one by one per pass, within a 20 s budget; messages with a provider id are first settled in bulk from listings of the provider's messages by send window (env GATEWAY_RECONCILE_BATCH)")
	fs.IntVar(&cfg.Worker.Concurrency, "worker-concurrency", envInt("GATEWAY_WORKER_CONCURRENCY", 8), "batches in flight per channel lane (env GATEWAY_WORKER_CONCURRENCY)")
	fs.IntVar(&cfg.Worker.BatchSize, "worker-batch", envInt("GATEWAY_WORKER_BATCH", 32), "messages claimed and recorded per database round trip (env GATEWAY_WORKER_BATCH)")
	smsRate := fs.Float64("sms-rate", float64(envInt("GATEWAY_SMS_RATE", -1)), "SMS per second; -1 = Twilio's default for a sender number (1/s), 0 = unlimited (env GATEWAY_SMS_RATE)")
	waRate := fs.Float64("whatsapp-rate", float64(envInt("GATEWAY_WHATSAPP_RATE", -1)), "WhatsApp messages per second; -1 = Twilio's default sender throughput (80/s), 0 = unlimited (env GATEWAY_WHATSAPP_RATE)")
	cfg.Worker.Rate = map[string]float64{}
	rates = func() { cfg.Worker.Rate["sms"], cfg.Worker.Rate["whatsapp"] = *smsRate, *waRate }
	proxies := fs.String("trusted-proxies", env("GATEWAY_TRUSTED_PROXIES", ""), "comma-separated proxy addresses or CIDR prefixes whose X-Forwarded-For is believed; required with --insecure-behind-proxy (env GATEWAY_TRUSTED_PROXIES)")
	level := fs.String("log-level", env("GATEWAY_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env GATEWAY_LOG_LEVEL)")
	// Voice call-backs, voice reminders and inbound messages.
	fs.StringVar(&cfg.Service.Voice.From, "twilio-voice-from", env("TWILIO_VOICE_FROM", ""), "the organisation's neutral voice number, the caller id of every call (env TWILIO_VOICE_FROM)")
	fs.IntVar(&cfg.Service.Voice.MaxAttempts, "callback-max-attempts", envInt("GATEWAY_CALLBACK_MAX_ATTEMPTS", 3), "times her phone is rung for one call-back (env GATEWAY_CALLBACK_MAX_ATTEMPTS)")
	fs.DurationVar(&cfg.Service.Voice.RetrySpacing, "callback-retry-spacing", envDuration("GATEWAY_CALLBACK_RETRY_SPACING", 2*time.Hour), "a re-queued call-back waits at least this long, then for her next safe window (env GATEWAY_CALLBACK_RETRY_SPACING)")
	fs.String("voice-reminder-templates", env("GATEWAY_VOICE_REMINDER_TEMPLATES", ""), "comma-separated templates whose voice messages are automated reminder calls instead of call-back tasks (env GATEWAY_VOICE_REMINDER_TEMPLATES)")
	fs.StringVar(&cfg.Service.Voice.StopWordsFile, "stop-words-file", env("GATEWAY_STOP_WORDS_FILE", ""), "file of inbound stop words replacing the built-in list; one per line, optionally \"word | lang,lang\" (env GATEWAY_STOP_WORDS_FILE)")
	fs.String("stop-words", env("GATEWAY_STOP_WORDS", ""), "comma-separated extra inbound stop words, for every language (env GATEWAY_STOP_WORDS)")
	// Reminders, check-ins and escalations.
	fs.DurationVar(&cfg.Service.SessionSpacing, "session-spacing", envDuration("GATEWAY_SESSION_SPACING", 30*time.Minute), "individual sessions at one venue are at least this far apart (env GATEWAY_SESSION_SPACING)")
	fs.DurationVar(&cfg.Service.EscalationAckTimeout, "escalation-ack-timeout", envDuration("GATEWAY_ESCALATION_ACK_TIMEOUT", 15*time.Minute), "an unacknowledged escalation goes to the supervisors after this (env GATEWAY_ESCALATION_ACK_TIMEOUT)")
	fs.StringVar(&cfg.Service.OnCallUser, "on-call-user", env("GATEWAY_ON_CALL_USER", ""), "staff user alerted first by SMS when a check-in escalates; empty = her caseworker (env GATEWAY_ON_CALL_USER)")
	fs.String("supervisors", env("GATEWAY_SUPERVISORS", ""), "comma-separated users alerted at the second rung; empty = every active supervisor (env GATEWAY_SUPERVISORS)")
	discreetFlags(fs, &cfg.Service.Discreet)
	fs.StringVar(&cfg.Service.EmergencyProtocol, "emergency-protocol", env("GATEWAY_EMERGENCY_PROTOCOL", ""), "the programme's emergency protocol text shown with escalations (env GATEWAY_EMERGENCY_PROTOCOL or GATEWAY_EMERGENCY_PROTOCOL_FILE)")
	// Fail closed: provider, TLS, metrics, phone reveals.
	fs.BoolVar(&cfg.Sink, "sink", env("GATEWAY_SINK", "false") == "true", "a test instance: messages go to the sink (status sent_to_sink), nothing leaves the machine; without it serve refuses to start without Twilio credentials, with it serve refuses them (env GATEWAY_SINK)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", env("GATEWAY_TLS_CERT", ""), "TLS certificate file (PEM, with chain); reloaded on SIGHUP (env GATEWAY_TLS_CERT)")
	fs.StringVar(&cfg.TLSKey, "tls-key", env("GATEWAY_TLS_KEY", ""), "TLS private key file (PEM); reloaded on SIGHUP (env GATEWAY_TLS_KEY)")
	fs.BoolVar(&cfg.InsecureBehindProxy, "insecure-behind-proxy", env("GATEWAY_INSECURE_BEHIND_PROXY", "false") == "true", "plain HTTP on a non-loopback address, because a TLS proxy terminates connections in front; needs --trusted-proxies (env GATEWAY_INSECURE_BEHIND_PROXY)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", env("GATEWAY_METRICS_ADDR", "127.0.0.1:9464"), "listen address of /metrics, kept off the API port; empty for none (env GATEWAY_METRICS_ADDR)")
	cfg.Service.RevealDailyBudget = new(0)
	fs.IntVar(cfg.Service.RevealDailyBudget, "reveal-daily-budget", envInt("GATEWAY_REVEAL_DAILY_BUDGET", 5), "phone numbers one staff user may reveal in 24 hours; 0: none (env GATEWAY_REVEAL_DAILY_BUDGET)")
	fs.StringVar(&cfg.Console.Zone, "console-zone", env("GATEWAY_CONSOLE_ZONE", "UTC"), "the console's time zone for staff who chose none on their account page (IANA name, e.g. Europe/Madrid) (env GATEWAY_CONSOLE_ZONE)")
	fs.StringVar(&cfg.MetricsToken, "metrics-token", env("GATEWAY_METRICS_TOKEN", ""), "bearer token /metrics requires; required when --metrics-addr is not loopback (env GATEWAY_METRICS_TOKEN or GATEWAY_METRICS_TOKEN_FILE)")
	fs.IntVar(&cfg.Service.RevealBurst, "reveal-burst", envInt("GATEWAY_REVEAL_BURST", 3), "reveals by one user within an hour that alert the supervisors (env GATEWAY_REVEAL_BURST)")
	_ = proxies
	return cfg, level
}

// discreetFlags registers the discreet filter's and the catalogue's
// settings, shared by serve, dev, sanitize and templates so that all of
// them build the same filter and the same catalogue.
func discreetFlags(fs *flag.FlagSet, c *gateway.DiscreetConfig) {
	fs.StringVar(&c.Filter.TermsFile, "discreet-terms-file", env("GATEWAY_DISCREET_TERMS_FILE", env("GATEWAY_TERMS_FILE", "")),
		"deployment terms for the discreet filter, \"category: term\" per line; set but unreadable stops the service (env GATEWAY_DISCREET_TERMS_FILE or GATEWAY_TERMS_FILE)")
	fs.StringVar(&c.Filter.StopFile, "discreet-stop-file", env("GATEWAY_DISCREET_STOP_FILE", ""),
		"phrases the discreet filter never flags, one per line (\"Metro Tribunal\"); set but unreadable stops the service (env GATEWAY_DISCREET_STOP_FILE)")
	fs.StringVar(&c.MonitoredFreeText, "monitored-free-text", env("GATEWAY_MONITORED_FREE_TEXT", gateway.FreeTextRefuse),
		"free text to a monitored phone: refuse (templates only, the default), whole (send it unchanged only when the filter, unknown names and risky everyday phrases included, finds nothing in it, else refuse it whole, naming the words to rephrase or the names to confirm; needs unknown names on), plain (send it unchanged only when it holds nothing but her language's everyday vocabulary and nothing the filter finds, else refuse it whole, naming the words to rephrase), vocabulary (send only the words of her language's everyday vocabulary, with what the filter finds removed) or filter (send it with what the filter finds removed) (env GATEWAY_MONITORED_FREE_TEXT)")
	fs.StringVar(&c.Filter.VocabularyFile, "discreet-vocabulary-file", env("GATEWAY_DISCREET_VOCABULARY_FILE", ""),
		"the deployment's own everyday words for the vocabulary and plain policies, one per line; set but unreadable, or with a word the lexicon matches, stops the service (env GATEWAY_DISCREET_VOCABULARY_FILE)")
	fs.StringVar(&c.UnknownNames, "unknown-names", env("GATEWAY_UNKNOWN_NAMES", ""),
		"on or off: remove acronyms and capitalised names the filter cannot place from free text to a monitored phone; empty = built-in default; off is refused with --monitored-free-text whole (env GATEWAY_UNKNOWN_NAMES)")
	fs.StringVar(&c.TemplatesDir, "templates-dir", env("GATEWAY_TEMPLATES_DIR", ""),
		"directory of *.tmpl templates that add to or override (with a higher version) the built-in ones, their discreet variants checked with the deployment's filter; set but unreadable, or with an invalid or not discreet template, stops the service (env GATEWAY_TEMPLATES_DIR)")
}

// rates copies the rate flags into the config after parsing.
var rates = func() {}

func finishAppConfig(fs *flag.FlagSet, cfg *gateway.AppConfig) {
	rates()
	if cfg.KeyFile == "" {
		cfg.KeyFile = filepath.Join(cfg.DataDir, "keys.json")
	}
	if p := fs.Lookup("trusted-proxies"); p != nil && p.Value.String() != "" {
		for _, s := range strings.Split(p.Value.String(), ",") {
			if s = strings.TrimSpace(s); s != "" {
				cfg.Service.TrustedProxies = append(cfg.Service.TrustedProxies, s)
			}
		}
	}
	for name, dst := range map[string]*[]string{"voice-reminder-templates": &cfg.Service.Voice.ReminderTemplates, "stop-words": &cfg.Service.Voice.ExtraStopWords, "supervisors": &cfg.Service.Supervisors} {
		if p := fs.Lookup(name); p != nil && p.Value.String() != "" {
			for _, s := range strings.Split(p.Value.String(), ",") {
				if s = strings.TrimSpace(s); s != "" {
					*dst = append(*dst, s)
				}
			}
		}
	}
}
