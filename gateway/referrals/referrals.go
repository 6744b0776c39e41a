// Package referrals stores, routes and delivers referrals between
// organisations: the partner directory, referrals sent (drafted, sealed
// into a package, exported as a file or delivered to the partner's inbox)
// and received (imported from a file or the inbox, reviewed with the risk
// pre-evaluation, accepted as a new participant, declined or redirected),
// and the signed receipt that answers each one. The form, the package
// format and the pre-evaluation are package referral's; this package is
// what the gateway does with them.
//
// Invariants, and why:
//
//   - Nothing about her is stored in clear. The form (initials, answers,
//     phone), a receipt's reason and the packages themselves are sealed
//     under the gateway's key ring (keys.Body, key id in the ciphertext)
//     before they are written; the tables hold only key ids, package ids,
//     states and dates in clear. A dump of the database or a backup taken
//     without the key file tells nobody who was referred or why.
//   - A partner is usable only once an admin has compared its fingerprint
//     out of band and typed it back (VerifyPartner refuses a fingerprint
//     that differs). Packages to it are not made and packages from it are
//     refused as package_unknown_sender until then, and after it is
//     removed.
//   - A refused package leaves nothing but its audit entry: the refusal
//     code, how it came (file or inbox) and the package id of its clear
//     header. The replay pair, the referral row and the acceptance audit
//     are written in one transaction, so a package is imported whole or
//     not at all, and a replayed pair (CodeReplayed) cannot slip in between
//     two imports (the pair is the replay table's primary key).
//   - The inbox (POST /v1/referrals/inbox) has no user token: the package's
//     signature is its authentication. It answers every refusal with
//     referral.PublicRefusal (one code, one message) so a stranger learns
//     nothing of the partner directory; the detailed code is in the audit.
//     It opens at most Config.InboxConcurrency packages at a time, so a
//     flood of packages costs bounded CPU; and, with Deps.InboxThrottle,
//     an address whose packages were refused too often is answered 429
//     inbox_rate_limited (Retry-After) before its package is read, so a
//     flood from one place neither opens packages nor fills the audit log.
//     Only refusals spend: a partner's packages that are taken never do.
//   - Consent is not carried over. Accepting creates a participant with a
//     new local code and the settings the rule table derives (monitored
//     phone, her windows and channel preference); staff must record her
//     consent to this organisation before anything is sent to her.
//   - Every step (partner added, verified, removed; referral drafted,
//     exported, delivered, imported, refused, read, decided; receipt made,
//     delivered, imported) is audited through Deps.Audit with the
//     transaction of the change it records. Audit details carry ids, codes
//     and counts, never the form's content or which rules fired (those are
//     her answers).
//   - Delivery posts to a partner's inbox URL only: no redirect is
//     followed, and the dialler refuses private, link-local, multicast and
//     unspecified addresses (and loopback, unless the URL itself names
//     this machine), whatever a host name resolves to.
//
// Each exported method owns its transaction; helpers take the *db.Queries
// of the transaction they run in.
package referrals

import (
	"context"
	"database/sql"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/keys"
	"safecontact/referral"
	"safecontact/templates"
)

// Codes of this package's refusals (the package and form codes are
// referral's, the card codes keys').
const (
	CodeNotConfigured    = "referrals_not_configured" // no organisation identity: gateway org init
	CodePartnerNotUsable = "partner_not_verified"     // unknown, removed, or fingerprint not verified
	CodePartnerIsSelf    = "partner_is_self"          // a card of this organisation's own identity
	CodeFingerprintMatch = "fingerprint_mismatch"     // the fingerprint typed is not the card's
	CodeReferralState    = "referral_state"           // the referral is not in a state that allows this
	CodePhoneRequired    = "phone_required"           // accepting a referral without a phone number: give one
	CodeNoInbox          = "no_inbox_url"             // the partner has no inbox URL: export the file
	CodeDeliveryFailed   = "delivery_failed"          // the partner's inbox did not take the package
	CodeReceiptUnknown   = "receipt_unknown_referral" // a receipt for a referral this gateway did not send to that partner
	CodeAlreadyDecided   = "referral_already_decided" // a second receipt for a referral
	CodeInboxBusy        = "unavailable"              // the inbox is opening as many packages as it may
	CodeInboxLimited     = "inbox_rate_limited"       // too many refused packages from the caller's address: wait
)

// Audit actions. A decision is ActionDecided followed by the outcome:
// referral.accepted, referral.declined, referral.redirected.
const (
	ActionPartnerAdded         = "partner.added"
	ActionPartnerCardUpdated   = "partner.card_updated"
	ActionPartnerRemoved       = "partner.removed"
	ActionPartnerVerified      = "partner.verified"
	ActionPartnerVerifyRefused = "partner.verify_refused"
	ActionDelivered            = "referral.delivered"
	ActionDeliveryFailed       = "referral.delivery_failed"
	ActionDrafted              = "referral.drafted"
	ActionExported             = "referral.exported"
	ActionImported             = "referral.imported"
	ActionRead                 = "referral.read"
	ActionReceiptExported      = "referral.receipt_exported"
	ActionReceiptImported      = "referral.receipt_imported"
	ActionRefused              = "referral.refused"
	ActionDecided              = "referral."
)

// Actor is who does a step, as the audit records it. The gateway fills it
// from the authenticated request; the inbox's actor is the system.
type Actor struct {
	UserID    int64
	Name      string
	Role      string
	RequestID string
	IP        net.IP
}

// Event is one audit entry. Details carry ids, codes and counts only.
type Event struct {
	Action          string
	ParticipantCode string
	Details         map[string]any
}

// NewParticipant is the participant accepting a referral creates: her new
// local code is the gateway's to make.
type NewParticipant struct {
	Initials          string
	Language          string
	TimeZone          string
	Phone             string // as given: the form's E.164, or what staff typed
	Monitored         bool
	SafeWindows       []string
	ChannelPreference []string
	CaseworkerID      int64 // 0: none
	// What the pre-evaluation requires of the gateway for her beyond the
	// profile: no group sessions; her contact log and phone reveal for
	// supervisors only. Her risk evaluations are followed from now on;
	// RiskEvaluated is the form's last one (YYYY-MM-DD), "" if none.
	IndividualOnly        bool
	StrictConfidentiality bool
	RiskEvaluated         string
}

// Deps are what the service needs, and nothing else.
type Deps struct {
	DB   *sql.DB
	Keys *keys.Ring
	// Org is this organisation's identity; nil: referrals are not
	// configured, and every operation answers CodeNotConfigured.
	Org *keys.OrgIdentity
	// Filter finds what a free-text field should not say (warnings).
	Filter *templates.Filter
	Now    func() time.Time
	Log    *slog.Logger
	// Audit appends e with q, the transaction of the change it records.
	Audit func(ctx context.Context, q *db.Queries, a Actor, e Event) error
	// CreateParticipant creates her participant with q (the accepting
	// transaction) and returns her new code. Its errors are shown to staff.
	CreateParticipant func(ctx context.Context, q *db.Queries, a Actor, p NewParticipant) (string, error)
	// InboxThrottle limits refused inbox packages per source address
	// (auth.Throttle); nil: no limit.
	InboxThrottle InboxThrottle

	// ActorOf is who the request's actor is (the gateway authenticated
	// it); errors and strict binding are httpx's.
	ActorOf func(c *gin.Context) Actor
	// Client delivers to partners' inboxes; nil: a client with
	// Config.DeliveryTimeout and the dialler described in the file comment.
	Client *http.Client
}

// InboxThrottle counts the inbox's refusals by the caller's address (as
// gin's ClientIP gives it).
type InboxThrottle interface {
	// Wait is how long ip must wait before its next package is read; 0:
	// now.
	Wait(ip string, now time.Time) time.Duration
	// Failed records a package from ip refused.
	Failed(ip string, now time.Time)
}

// Config tunes the service. Zero values take the defaults.
type Config struct {
	// Validity is how long a package this gateway makes may be opened
	// (referral.DefaultValidity, 30 days).
	Validity time.Duration
	// MaxAge refuses a package created longer ago (referral.DefaultMaxAge);
	// ClockSkew is how far ahead a sender's clock may be.
	MaxAge    time.Duration
	ClockSkew time.Duration
	// RiskEvaluationMaxAge: an older risk evaluation is due
	// (referral.DefaultRiskEvaluationMaxAge, 90 days).
	RiskEvaluationMaxAge time.Duration
	// DeliveryTimeout bounds one post to a partner's inbox (15 s).
	DeliveryTimeout time.Duration
	// InboxConcurrency is how many packages the inbox opens at once (4).
	InboxConcurrency int
	// DeliveryAttempts is how many times a delivery is tried before it is
	// given up (8: retried after 1, 2, 4, ... minutes, at most an hour apart, for about two hours); DeliveryEvery is how often due
	// deliveries are looked for (30 s).
	DeliveryAttempts int
	DeliveryEvery    time.Duration
}

// WithDefaults is c with its zero fields set to their defaults (in
// parentheses above). The gateway's configuration fills them once; New
// fills them again for a caller that did not.
func (c Config) WithDefaults() Config {
	if c.Validity <= 0 {
		c.Validity = referral.DefaultValidity
	}
	if c.MaxAge <= 0 {
		c.MaxAge = referral.DefaultMaxAge
	}
	if c.ClockSkew <= 0 {
		c.ClockSkew = referral.DefaultClockSkew
	}
	if c.RiskEvaluationMaxAge <= 0 {
		c.RiskEvaluationMaxAge = referral.DefaultRiskEvaluationMaxAge
	}
	if c.DeliveryTimeout <= 0 {
		c.DeliveryTimeout = 15 * time.Second
	}
	if c.InboxConcurrency <= 0 {
		c.InboxConcurrency = 4
	}
	if c.DeliveryAttempts <= 0 {
		c.DeliveryAttempts = 8
	}
	if c.DeliveryEvery <= 0 {
		c.DeliveryEvery = 30 * time.Second
	}
	return c
}

// Service is the referrals capability.
type Service struct {
	d     Deps
	cfg   Config
	q     *db.Queries
	vault vault
	inbox chan struct{}
}

// New builds the service.
func New(d Deps, cfg Config) *Service {
	cfg = cfg.WithDefaults()
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Client == nil {
		d.Client = newDeliveryClient(cfg.DeliveryTimeout)
	}
	if d.Filter == nil {
		f, err := templates.NewFilter("")
		if err != nil {
			panic(err) // the built-in lexicon is checked by its tests
		}
		d.Filter = f
	}
	return &Service{d: d, cfg: cfg, q: db.New(d.DB), vault: vault{d.Keys}, inbox: make(chan struct{}, cfg.InboxConcurrency)}
}

// Configured reports whether the organisation identity is loaded.
func (s *Service) Configured() bool { return s.d.Org != nil }

func (s *Service) configured() error {
	if s.d.Org == nil {
		return errs.New(CodeNotConfigured, "referrals are not configured: make the organisation identity with `gateway org init` and restart")
	}
	return nil
}

// inTx runs fn in a transaction.
func (s *Service) inTx(ctx context.Context, fn func(q *db.Queries) error) error {
	return db.InTx(ctx, s.d.DB, func(q *db.Queries, _ *sql.Tx) error { return fn(q) })
}

// internal wraps an error that is not already one of ours.
func internal(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*errs.Error); ok {
		return e
	}
	return errs.Internal(err)
}

// vault seals and opens what a referral row keeps sealed under the body
// key: the form, the package, the outcome and the receipt.
type vault struct{ keys *keys.Ring }

func (v vault) seal(b []byte) []byte { return v.keys.Seal(keys.Body, b) }

func (v vault) open(b []byte) ([]byte, error) {
	out, err := v.keys.Open(keys.Body, b)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// form opens a referral's stored form.
func (v vault) form(r db.Referral) (*referral.Form, error) {
	b, err := v.open(r.FormEnc)
	if err != nil {
		return nil, err
	}
	f, err := referral.DecodeForm(b)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return f, nil
}

// outcome opens r's decision or receipt, nil when it has none.
func (v vault) outcome(r db.Referral) (*referral.Receipt, error) {
	if r.OutcomeEnc == nil {
		return nil, nil
	}
	b, err := v.open(r.OutcomeEnc)
	if err != nil {
		return nil, err
	}
	rc, err := referral.DecodeReceipt(b)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return rc, nil
}

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }

func strPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}
