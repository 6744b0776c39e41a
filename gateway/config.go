package gateway

import (
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/referrals"
	"safecontact/gateway/safety"
	"safecontact/keys"
)

// Config is what a deployment tunes. cmd/gateway fills it from flags and
// the environment.
type Config struct {
	// Tokens tunes API token authentication (auth.TokenConfig).
	Tokens auth.TokenConfig
	// DefaultRegion (ISO 3166 alpha-2) reads phone numbers typed without +.
	DefaultRegion string
	// ConsentReviewAge: consent older than this shows consent_review_due.
	ConsentReviewAge time.Duration
	// RiskEvaluationMaxAge: a participant whose risk evaluations are
	// followed shows risk_evaluation_due past this age of her last one,
	// and a referral's pre-evaluation says one is due past it
	// (GATEWAY_RISK_EVALUATION_MAX_AGE, default 90 days; it is also
	// Referrals.RiskEvaluationMaxAge unless that is set).
	RiskEvaluationMaxAge time.Duration
	// TrustedProxies: client IPs for the audit come from X-Forwarded-For
	// only when the peer is one of these.
	TrustedProxies []string
	// PublicURL is how Twilio reaches this gateway (e.g.
	// https://gw.example.org); webhook signatures are computed over it.
	PublicURL string
	// TwilioAuthToken verifies webhook signatures.
	TwilioAuthToken string
	// AuditPublicKeyFile (GATEWAY_AUDIT_PUBLIC_KEY_FILE) holds the
	// programme's audit public key; Open loads it into AuditPublicKey.
	AuditPublicKeyFile string
	// AuditPublicKey seals the text actually sent into its message.sent
	// audit event. nil: the sent text is not kept.
	AuditPublicKey *keys.AuditPublicKey
	// BodyRetention: message bodies are deleted this long after the
	// message became final (default 7 days); audit metadata stays.
	BodyRetention time.Duration
	// AuditSealInterval: how often the sequencer seals new audit events
	// into the hash chain (default 200ms).
	AuditSealInterval time.Duration
	// AuditCheckpointInterval: how often the sequencer records a
	// checkpoint of the chain head (default 1h).
	AuditCheckpointInterval time.Duration
	// APIDBTimeout bounds the database work of one API request
	// (GATEWAY_API_DB_TIMEOUT, default 5s; see apiDeadline).
	APIDBTimeout time.Duration

	// Reminders, check-ins and escalations.
	// SessionSpacing: individual sessions at one venue are at least this
	// far apart (GATEWAY_SESSION_SPACING, default 30m).
	SessionSpacing time.Duration
	// EscalationAckTimeout: an escalation nobody acknowledged within this
	// goes to the supervisors (GATEWAY_ESCALATION_ACK_TIMEOUT, default 15m).
	EscalationAckTimeout time.Duration
	// SendClaimLease: a message marked sending longer ago was left by a
	// worker that stopped (delivery.ClaimLease), and no longer blocks the
	// rename of the meeting point its text names. Open sets it from the
	// workers' SendTimeout; zero: that of the default SendTimeout (30 s).
	SendClaimLease time.Duration
	// OnCallUser is the name of the staff user alerted first
	// (GATEWAY_ON_CALL_USER); empty: her caseworker.
	OnCallUser string
	// Supervisors are the user names alerted at the second rung
	// (GATEWAY_SUPERVISORS, comma-separated); empty: every active supervisor.
	Supervisors []string
	// EmergencyProtocol is the programme's emergency protocol text, shown
	// in escalation responses (GATEWAY_EMERGENCY_PROTOCOL or _FILE).
	EmergencyProtocol string

	// RevealDailyBudget: phone reveals one staff user may make in 24 hours
	// (GATEWAY_REVEAL_DAILY_BUDGET; nil: 5; 0: none at all). RevealBurst
	// reveals within RevealBurstWindow (GATEWAY_REVEAL_BURST, default 3 in
	// 1h) alert the supervisors.
	RevealDailyBudget *int
	RevealBurst       int
	RevealBurstWindow time.Duration

	// NumberRefusalDailyBudget: refusals of a number another participant
	// has (number_unavailable) one staff user may get in 24 hours (default
	// 3); past it, every number that user enters is refused alike (429
	// number_checks_exhausted), so the register cannot be probed.
	// NumberRefusalBurst refusals within RevealBurstWindow (default 2)
	// alert the supervisors. A counter of its own, not the reveal budget:
	// see numberFree.
	NumberRefusalDailyBudget int
	NumberRefusalBurst       int

	// Voice: call-backs, voice reminders, inbound messages and erasure
	// (callback_mount.go; the service is gateway/callback).
	Voice VoiceConfig

	// Discreet: the discreet-content filter and the policy for free text
	// to a monitored phone (discreet.go).
	Discreet DiscreetConfig

	// Referrals between organisations (gateway/referrals). OrgKeyFile
	// (GATEWAY_ORG_KEY_FILE, default org-keys.json beside the key file) is
	// the organisation identity `gateway org init` made; Open loads it into
	// Org when the file exists. nil Org: the referral routes answer
	// referrals_not_configured.
	OrgKeyFile string
	Org        *keys.OrgIdentity
	Referrals  referrals.Config
}

// Defaults, in one place. The gateway's own values are set below; each
// capability's section takes its package's WithDefaults, called here (and
// again, idempotently, by its constructor for a caller that builds the
// package alone). What a zero value becomes:
//
//	Config                   region ES; consent review and risk evaluation
//	                         90 days; body retention 7 days; audit sealing
//	                         every 200 ms, a checkpoint every hour; API
//	                         database work 5 s; sessions 30 min apart;
//	                         escalation acknowledgement 15 min; the built-in
//	                         emergency protocol; reveals 5 a day (negative:
//	                         none), 3 within 1 h alert; number refusals 3 a
//	                         day, 2 alert
//	Config.Voice             3 call attempts, 2 h apart, ringing 25 s
//	Config.Tokens            auth.TokenConfig.WithDefaults: lookups cached 2 s
//	Config.Referrals         referrals.Config.WithDefaults: packages valid 30
//	                         days, posts 15 s, 8 delivery attempts looked for
//	                         every 30 s, 4 opened at once; its risk
//	                         evaluation age is Config.RiskEvaluationMaxAge
//	AppConfig.Worker         delivery.WorkerConfig.WithDefaults: batches of
//	                         32, 8 at once, 10 ms linger, 10 s a send, 1 s
//	                         batch wait, spilled receipts retried every 1 s;
//	                         spill file in the data dir and, with Twilio,
//	                         defaultTwilioRates (set in Open)
//	AppConfig.Reconcile      delivery.ReconcileConfig.WithDefaults: a pass
//	                         every 30 s of at most 50 messages within 20 s, 5 s
//	                         a provider request, 15 s one listing of hers
//	                         (see its fields)
//	AppConfig.Console.Signin signin.Config.WithDefaults: sessions idle 30
//	                         min, at most 12 h; the Default* throttles
func (c *Config) setDefaults() {
	c.Voice.setDefaults()
	c.Tokens = c.Tokens.WithDefaults()
	if c.DefaultRegion == "" {
		c.DefaultRegion = "ES"
	}
	if c.ConsentReviewAge == 0 {
		c.ConsentReviewAge = 90 * 24 * time.Hour
	}
	if c.RiskEvaluationMaxAge <= 0 {
		c.RiskEvaluationMaxAge = 90 * 24 * time.Hour
	}
	if c.Referrals.RiskEvaluationMaxAge <= 0 {
		c.Referrals.RiskEvaluationMaxAge = c.RiskEvaluationMaxAge
	}
	c.Referrals = c.Referrals.WithDefaults()
	if c.BodyRetention == 0 {
		c.BodyRetention = 7 * 24 * time.Hour
	}
	if c.AuditSealInterval == 0 {
		c.AuditSealInterval = 200 * time.Millisecond
	}
	if c.SessionSpacing == 0 {
		c.SessionSpacing = 30 * time.Minute
	}
	if c.EscalationAckTimeout == 0 {
		c.EscalationAckTimeout = 15 * time.Minute
	}
	if c.EmergencyProtocol == "" {
		c.EmergencyProtocol = safety.DefaultEmergencyProtocol
	}
	if c.RevealDailyBudget == nil {
		c.RevealDailyBudget = new(5)
	} else if *c.RevealDailyBudget < 0 {
		c.RevealDailyBudget = new(0) // fail closed: no reveals
	}
	if c.NumberRefusalDailyBudget == 0 {
		c.NumberRefusalDailyBudget = 3
	}
	if c.NumberRefusalBurst == 0 {
		c.NumberRefusalBurst = 2
	}
	if c.RevealBurst == 0 {
		c.RevealBurst = 3
	}
	if c.RevealBurstWindow == 0 {
		c.RevealBurstWindow = time.Hour
	}
	if c.AuditCheckpointInterval == 0 {
		c.AuditCheckpointInterval = time.Hour
	}
	if c.APIDBTimeout <= 0 {
		c.APIDBTimeout = 5 * time.Second
	}
}

func (v *VoiceConfig) setDefaults() {
	if v.MaxAttempts <= 0 {
		v.MaxAttempts = 3
	}
	if v.RetrySpacing <= 0 {
		v.RetrySpacing = 2 * time.Hour
	}
	if v.RingTimeout <= 0 {
		v.RingTimeout = 25 * time.Second
	}
}

// setDefaults fills the process configuration's sections (see the table
// above Config.setDefaults); Open calls it first.
func (c *AppConfig) setDefaults() {
	c.Service.setDefaults()
	c.Worker = c.Worker.WithDefaults()
	c.Reconcile = c.Reconcile.WithDefaults()
	c.Console.Signin = c.Console.Signin.WithDefaults()
}

// defaultTwilioRates is Twilio's default throughput, the workers' rate on
// a channel sending through Twilio when none is configured: 1 SMS/s per
// sender number, 80 WhatsApp messages/s per sender. A test instance (the
// sink) is not limited.
var defaultTwilioRates = map[string]float64{"sms": 1, "whatsapp": 80}
