// Package signin is how staff sign in to the web console: passwords
// hashed with argon2id, a TOTP second factor with recovery codes,
// server-side sessions in PostgreSQL, and throttling of failed attempts.
// It does not import the gateway: the gateway gives it an AuditFunc and
// calls EndUserSessions when it disables a user.
//
// Invariants, and why:
//   - Only hashes are stored: the session token's SHA-256, the password's
//     argon2id hash, the recovery codes' SHA-256. The TOTP secret must be
//     read back to check a code, so it is sealed with the key ring.
//   - A session is valid while it is younger than its absolute expiry
//     (12 h once signed in), was used within the idle timeout (30 min),
//     and its user is not disabled. The disabled check is part of every
//     lookup, so a user disabled by any process (the CLI too) loses her
//     sessions at her next click even if nothing deleted them.
//   - Signing in is a sequence of stages (password, second factor, forced
//     password change, second-factor enrolment, signed in). Each stage is
//     its own session row state with a short expiry, and moving on
//     replaces the token, so a cookie seen before sign-in completed is
//     worth nothing after.
//   - A TOTP time step is accepted once per user (the last used step is
//     stored and the update is conditional), so a code read over her
//     shoulder cannot be replayed.
//   - An attempt is counted before it is checked, atomically (the throttle
//     rows are locked while the count is read and raised), and taken back
//     if it succeeds: concurrent attempts cannot all pass a check that
//     comes before any is counted. A blocked key is refused before any
//     hashing. An unknown name costs the same hashing as a known one.
//   - A password counts against the name typed and the client address,
//     or, from a device that signed her in before, against that device
//     only (device.go). Second-step codes count against her own counter,
//     which only a correct code resets; her name's count is cleared only
//     when a sign-in completes.
//   - Password hashing has a bounded queue (hashqueue.go): a request that
//     finds it full is refused at once, not left waiting.
//   - Changing her second step or recovery codes needs her password (and
//     current code) typed again in the same session within ReauthWindow.
//   - Every clock reading comes from Deps.Now: tests move time.
package signin

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/text/language"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/keys"
)

// Config is the sign-in policy. Zero fields take the defaults.
type Config struct {
	// Params hash new passwords (DefaultParams).
	Params Params
	// IdleTimeout ends a session not used for this long (30 min).
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after sign-in, used or
	// not (12 h: one working day, however long).
	AbsoluteTimeout time.Duration
	// StageTimeout is how long she has for each sign-in step after the
	// password (typing a code, choosing a password, enrolling) (10 min).
	StageTimeout time.Duration
	// Issuer names the programme in her authenticator app ("safecontact").
	Issuer string
	// TOTPRequired says which roles must have a second factor (default:
	// supervisor and admin); others are offered one.
	TOTPRequired func(role string) bool
	// UserThrottle, AddrThrottle, WideAddrThrottle, DeviceThrottle and
	// CodeThrottle limit failed attempts per name typed, per client
	// address (IPv4, IPv6 /64), per IPv6 /48, per user on a known device
	// and per user's second-step codes (the Default… rules). A wrong
	// password typed again while signed in counts per user with
	// UserThrottle.
	UserThrottle, AddrThrottle, WideAddrThrottle, DeviceThrottle, CodeThrottle Throttle
	// MaxConcurrentHashes bounds the password hashes computed at once (2):
	// each takes Params.Memory. MaxQueuedHashes more may wait (6), and one
	// client address holds at most MaxHashesPerClient of all those places
	// (2); beyond that a sign-in is refused with ErrBusy.
	MaxConcurrentHashes, MaxQueuedHashes, MaxHashesPerClient int
	// DeviceLifetime is how long a device that signed her in stays known
	// (90 days); MaxDevicesPerUser how many are kept per user (10).
	DeviceLifetime    time.Duration
	MaxDevicesPerUser int
	// ReauthWindow is how long after typing her password again she may
	// change her second step or recovery codes (5 min).
	ReauthWindow time.Duration
}

// WithDefaults is c with its zero fields set to their defaults (in
// parentheses above; the throttles' and Params' are the Default* values).
// The gateway's configuration fills them once; New fills them again for a
// caller that did not.
func (c Config) WithDefaults() Config {
	if c.Params == (Params{}) {
		c.Params = DefaultParams
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	if c.AbsoluteTimeout == 0 {
		c.AbsoluteTimeout = 12 * time.Hour
	}
	if c.StageTimeout == 0 {
		c.StageTimeout = 10 * time.Minute
	}
	if c.Issuer == "" {
		c.Issuer = "safecontact"
	}
	if c.TOTPRequired == nil {
		c.TOTPRequired = func(role string) bool { return role == "supervisor" || role == "admin" }
	}
	for _, r := range []struct {
		rule *Throttle
		def  Throttle
	}{{&c.UserThrottle, DefaultUserThrottle}, {&c.AddrThrottle, DefaultAddrThrottle}, {&c.WideAddrThrottle, DefaultWideAddrThrottle}, {&c.DeviceThrottle, DefaultDeviceThrottle}, {&c.CodeThrottle, DefaultCodeThrottle}} {
		if *r.rule == (Throttle{}) {
			*r.rule = r.def
		}
		if r.rule.Decay <= 0 {
			r.rule.Decay = r.def.Decay
		}
	}
	if c.MaxConcurrentHashes <= 0 {
		c.MaxConcurrentHashes = 2
	}
	if c.MaxQueuedHashes <= 0 {
		c.MaxQueuedHashes = 6
	}
	if c.MaxHashesPerClient <= 0 {
		c.MaxHashesPerClient = 2
	}
	if c.DeviceLifetime == 0 {
		c.DeviceLifetime = 90 * 24 * time.Hour
	}
	if c.MaxDevicesPerUser <= 0 {
		c.MaxDevicesPerUser = 10
	}
	if c.ReauthWindow == 0 {
		c.ReauthWindow = 5 * time.Minute
	}
	return c
}

// Deps are what the service is built from.
type Deps struct {
	DB    *sql.DB
	Keys  *keys.Ring
	Audit AuditFunc
	// Now is the clock (default time.Now, UTC).
	Now    func() time.Time
	Config Config
}

// Service signs staff in and keeps their sessions.
type Service struct {
	db    *sql.DB
	q     *db.Queries
	keys  *keys.Ring
	audit AuditFunc
	now   func() time.Time
	cfg   Config
	// hashes bounds argon2id computations, running and waiting.
	hashes *hashQueue
	// limits counts failed attempts against the throttle's keys.
	limits *limiter
	// dummy is a hash verified when the name is unknown, so an unknown
	// name takes as long as a known one. It is made in New: made at the
	// first unknown name, that request alone would take twice as long.
	dummy string
}

// New builds the service.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Keys == nil || d.Audit == nil {
		return nil, errors.New("signin: DB, Keys and Audit are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.Config = d.Config.WithDefaults()
	dummy, err := HashPassword(randomBase32(20), d.Config.Params)
	if err != nil {
		return nil, err
	}
	clock := d.Now
	c := d.Config
	s := &Service{
		db: d.DB, q: db.New(d.DB), keys: d.Keys, audit: d.Audit, cfg: c, dummy: dummy,
		// PostgreSQL keeps microseconds: times read back compare equal.
		now:    func() time.Time { return clock().UTC().Truncate(time.Microsecond) },
		hashes: newHashQueue(c.MaxConcurrentHashes, c.MaxQueuedHashes, c.MaxHashesPerClient),
	}
	s.limits = &limiter{db: s.db, user: c.UserThrottle, addr: c.AddrThrottle, wideAddr: c.WideAddrThrottle, audit: s.audit, now: s.now}
	return s, nil
}

// Config returns the policy in force (defaults filled in).
func (s *Service) Config() Config { return s.cfg }

// Stage is how far through signing in a session is.
type Stage string

const (
	StageSecondFactor   Stage = "second_factor"   // password accepted; a TOTP or recovery code is next
	StageChangePassword Stage = "change_password" // she must choose a new password
	StageEnrol          Stage = "enrol"           // her role needs a second factor she has not set up
	StageSignedIn       Stage = "signed_in"
)

// stageOrder is the order of the steps after the password.
var stageOrder = []Stage{StageSecondFactor, StageChangePassword, StageEnrol, StageSignedIn}

// nextStage is the first step after `after` ("" = the password) that
// applies to her.
func nextStage(after Stage, totpEnabled, mustChange, totpRequired bool) Stage {
	applies := map[Stage]bool{
		StageSecondFactor:   totpEnabled,
		StageChangePassword: mustChange,
		StageEnrol:          totpRequired && !totpEnabled,
		StageSignedIn:       true,
	}
	passed := after == ""
	for _, st := range stageOrder {
		if passed && applies[st] {
			return st
		}
		passed = passed || st == after
	}
	return StageSignedIn
}

// Client is where a request comes from, for throttling and the audit log.
type Client struct {
	// IP is the client's address. Sign-in steps refuse a request without
	// one (ErrNoAddress): see there.
	IP        net.IP
	RequestID string
	// Device is the token of the browser's device cookie ("" if none).
	Device string
}

// Result is a session after a sign-in step: the token for her cookie
// (shown once, never stored) and the step she is at now.
type Result struct {
	Token     string
	Stage     Stage
	ExpiresAt time.Time
	// Device, when not empty, is the device token to (re)set in the
	// browser's device cookie for DeviceLifetime: the sign-in completed.
	Device         string
	DeviceLifetime time.Duration
}

// Errors shown to her. A failed sign-in never says whether the name
// exists.
var (
	ErrBadCredentials = errs.New(CodeSigninFailed, "the name or the password is wrong, or this user cannot sign in")
	ErrBadCode        = errs.Field(CodeCodeWrong, "code", "that code is wrong or too old: type the code your app shows now, or one of your recovery codes")
	ErrCodeReplayed   = errs.Field(CodeCodeUsed, "code", "that code was already used: wait for the next one")
	ErrNoSession      = errs.New(CodeSessionEnded, "your session has ended: sign in again")
	ErrWrongStage     = errs.New(CodeWrongStage, "this step is not the next one of your sign-in")
	ErrPasswordWrong  = errs.Field(CodePasswordWrong, "current", "the current password is wrong")
	// ErrReauthRequired: changing the second step or the recovery codes
	// needs her password (and current code) typed again first.
	ErrReauthRequired = errs.New(CodeReauthRequired, "type your password again to confirm it is you")
	// ErrSecondFactorNeeded ends a signed-in session whose role now needs
	// a second step she has not set up (she was promoted): signing in
	// again takes her through the enrolment step, right after her
	// password. It is an ErrNoSession.
	ErrSecondFactorNeeded = &errs.Error{Code: "second_factor_required", Message: "your role now needs a second step: sign in again to set it up", Err: ErrNoSession}
	// ErrNoAddress refuses a sign-in step whose client address is
	// unknown (a listener or proxy set-up that does not give one).
	// Counting all such requests in one shared bucket would let one
	// client lock everybody out; a bucket per connection would let anyone
	// escape the address limit by reconnecting. Refusing fails closed and
	// shows the misconfiguration at once.
	ErrNoAddress = errs.New(CodeClientAddressUnknown, "the server cannot tell where this request comes from, so it cannot sign anyone in: tell your administrator")
)

// Throttled is the cause inside a signin_throttled error: how long to wait.
type Throttled struct{ RetryAfter time.Duration }

func (t *Throttled) Error() string { return "throttled for " + t.RetryAfter.String() }

func throttled(d time.Duration) error {
	secs := int((d + time.Second - 1) / time.Second)
	return &errs.Error{Code: "signin_throttled", Message: fmt.Sprintf("too many failed attempts: try again in %d seconds", secs), Err: &Throttled{RetryAfter: d}}
}

// RetryAfter is how long a signin_throttled error says to wait (0 for
// other errors).
func RetryAfter(err error) time.Duration {
	var t *Throttled
	if errors.As(err, &t) {
		return t.RetryAfter
	}
	return 0
}

// newToken returns a session token (256 random bits, base64url) and the
// hash that is stored.
func newToken() (string, []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	t := base64.RawURLEncoding.EncodeToString(b)
	return t, hashToken(t)
}

func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

// hashClient is the hashing queue's name for c: its widest address key
// (an IPv6 /48), so one site cannot take every place.
func hashClient(c Client) string {
	ks := addrKeys(c.IP)
	return ks[len(ks)-1]
}

// verify checks a password against a hash in the hashing queue.
func (s *Service) verify(ctx context.Context, client, password, hash string) (ok bool, err error) {
	qerr := s.hashes.do(ctx, client, func() { ok, err = VerifyPassword(password, hash) })
	if qerr != nil {
		return false, qerr
	}
	return ok, err
}

// hash hashes a new password in the hashing queue.
func (s *Service) hash(ctx context.Context, client, password string) (h string, err error) {
	qerr := s.hashes.do(ctx, client, func() { h, err = HashPassword(password, s.cfg.Params) })
	if qerr != nil {
		return "", qerr
	}
	return h, err
}

// checkPassword checks password against hash for an attempt counted
// against ks: reserved first (signin_throttled if a key is blocked), then
// hashed in the queue (ErrBusy, and the attempt taken back, when it is
// full). A wrong password, or any password when usable is false (the
// hash is checked all the same, for the same time), stays counted and is
// audited as actor with details; wrong is the error it returns (or
// signin_throttled if the failure started a block). A right one is taken
// back.
func (s *Service) checkPassword(ctx context.Context, ks []throttleKey, c Client, password, hash string, usable bool, actor Actor, details map[string]any, wrong error) error {
	res, err := s.limits.reserveTx(ctx, ks)
	if err != nil {
		return err
	}
	if len(password) > 4*MaxPasswordLen {
		password = password[:4*MaxPasswordLen] // still hashed: the same time as any other
	}
	ok, err := s.verify(ctx, hashClient(c), password, hash)
	if err != nil {
		if rerr := s.limits.refundTx(ctx, res); rerr != nil {
			return rerr
		}
		return err
	}
	if !ok || !usable {
		return s.limits.failTx(ctx, res, actor, details, wrong)
	}
	return s.limits.refundTx(ctx, res)
}

// SignIn checks a name and password. On success it opens a session at
// its first step (Result.Stage): signed in, or a second factor, password
// change or enrolment to do next.
func (s *Service) SignIn(ctx context.Context, name, password string, c Client) (Result, error) {
	if c.IP == nil {
		return Result{}, ErrNoAddress
	}
	now := s.now()
	name = strings.TrimSpace(name)
	u, err := s.q.SigninUserByName(ctx, name)
	known := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Result{}, err
	}
	taken := known
	if !known {
		if taken, err = s.q.SigninNameTaken(ctx, name); err != nil {
			return Result{}, err
		}
	}
	subject := throttleKey{key: nameKey(s.keys, name, taken), scope: "user", rule: s.cfg.UserThrottle}
	deviceKnown := false
	if known {
		h, ok, err := s.knownDevice(ctx, s.q, u.ID, c.Device, now)
		if err != nil {
			return Result{}, err
		}
		if ok {
			deviceKnown = true
			subject = throttleKey{key: deviceKey(u.ID, h), scope: "device", rule: s.cfg.DeviceThrottle}
		}
	}
	hash := s.dummy
	usable := known && u.PasswordHash.Valid && !u.DisabledAt.Valid
	if known && u.PasswordHash.Valid {
		hash = u.PasswordHash.String
	}
	actor := Actor{IP: c.IP, RequestID: c.RequestID, Name: "anonymous"}
	if known {
		actor = Actor{UserID: u.ID, Name: u.Name, Role: u.Role, IP: c.IP, RequestID: c.RequestID}
	}
	err = s.checkPassword(ctx, s.limits.attemptKeys(subject, c, deviceKnown), c, password, hash, usable, actor, map[string]any{"stage": "password", "reason": "bad_credentials"}, ErrBadCredentials)
	if err != nil {
		return Result{}, err
	}
	if NeedsRehash(hash, s.cfg.Params) {
		if nh, err := s.hash(ctx, hashClient(c), password); err == nil {
			s.q.RehashPassword(ctx, db.RehashPasswordParams{NewHash: sql.NullString{String: nh, Valid: true}, Now: now, UserID: u.ID, OldHash: u.PasswordHash})
		}
	}
	stage := nextStage("", u.TotpEnabled, u.MustChangePassword, s.cfg.TOTPRequired(u.Role))
	token, th := newToken()
	res := Result{Token: token, Stage: stage, ExpiresAt: s.stageExpiry(stage, now)}
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if _, err := q.CreateSession(ctx, db.CreateSessionParams{TokenHash: th, UserID: u.ID, Stage: string(stage), Now: now, ExpiresAt: res.ExpiresAt}); err != nil {
			return err
		}
		if stage != StageSignedIn {
			return nil
		}
		if err := s.signedIn(ctx, q, &res, u.ID, u.Name, c, now); err != nil {
			return err
		}
		return s.audit(ctx, q, AuditEvent{Actor: actor, Action: ActSignedIn, Details: map[string]any{"second_factor": "none"}})
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// signedIn does what completing a sign-in does besides the session, in
// q's transaction: the count her password was checked against is cleared
// (her name's, or on a known device that device's: a stranger's failures
// against her name are not hers to forgive), and her codes' count; the
// device becomes known for her (res gets the device cookie to set).
func (s *Service) signedIn(ctx context.Context, q *db.Queries, res *Result, userID int64, name string, c Client, now time.Time) error {
	h, known, err := s.knownDevice(ctx, q, userID, c.Device, now)
	if err != nil {
		return err
	}
	clear := []string{nameKey(s.keys, name, true), userIDKey("code", userID)}
	if known {
		clear[0] = deviceKey(userID, h)
	}
	if err := q.ThrottleClear(ctx, clear); err != nil {
		return err
	}
	dev, err := s.rememberDevice(ctx, q, userID, c.Device, now)
	if err != nil {
		return err
	}
	res.Device, res.DeviceLifetime = dev, s.cfg.DeviceLifetime
	return nil
}

func (s *Service) stageExpiry(st Stage, now time.Time) time.Time {
	if st == StageSignedIn {
		return now.Add(s.cfg.AbsoluteTimeout)
	}
	return now.Add(s.cfg.StageTimeout)
}

// advance moves sess to the step after its current one under a new token,
// in q's transaction, completing the sign-in (and auditing it) when next
// is StageSignedIn. factor records how the second factor was passed (""
// = unchanged). A session already signed in only gets a new token: its
// sign-in time and absolute expiry stay, so nothing done while signed in
// stretches the 12 hours.
func (s *Service) advance(ctx context.Context, q *db.Queries, sess *Session, next Stage, factor string, c Client) (Result, error) {
	now := s.now()
	token, th := newToken()
	res := Result{Token: token, Stage: next, ExpiresAt: s.stageExpiry(next, now)}
	started := now
	if sess.Stage == StageSignedIn {
		res.ExpiresAt, started = sess.ExpiresAt, sess.SignedInAt
	}
	n, err := q.AdvanceSession(ctx, db.AdvanceSessionParams{
		NewTokenHash: th, Stage: string(next), StartedAt: started, Now: now, ExpiresAt: res.ExpiresAt,
		SecondFactor: sql.NullString{String: factor, Valid: factor != ""}, ID: sess.ID, FromStage: string(sess.Stage),
	})
	if err != nil {
		return Result{}, err
	}
	if n == 0 {
		return Result{}, ErrWrongStage // a concurrent request moved it first
	}
	if next != StageSignedIn || sess.Stage == StageSignedIn {
		return res, nil
	}
	if err := s.signedIn(ctx, q, &res, sess.UserID, sess.Name, c, now); err != nil {
		return Result{}, err
	}
	if factor == "" {
		factor = sess.SecondFactor
	}
	details := map[string]any{"second_factor": cmp.Or(factor, "none")}
	if factor == "recovery_code" {
		left, err := q.CountRecoveryCodes(ctx, sess.UserID)
		if err != nil {
			return Result{}, err
		}
		details["recovery_codes_left"] = left
	}
	if err := s.audit(ctx, q, AuditEvent{Actor: sess.actor(c), Action: ActSignedIn, Details: details}); err != nil {
		return Result{}, err
	}
	return res, nil
}

// deviceKnown reports whether c's device signed userID in before.
func (s *Service) deviceKnown(ctx context.Context, userID int64, c Client) (bool, error) {
	_, ok, err := s.knownDevice(ctx, s.q, userID, c.Device, s.now())
	return ok, err
}

// checkCode checks a TOTP code or a recovery code of sess's user, in q's
// transaction, for stage ("second_factor", "reauth"). The attempt is
// counted against her code counter (and the address, unless the device
// is known to her) before it is checked, under the counters' row locks,
// so concurrent codes are checked one at a time against one count. It
// returns how she passed ("totp" or "recovery_code"), or shown: the
// error to show for a wrong or replayed code (the failure is recorded;
// the caller commits). A correct code clears her code counter.
func (s *Service) checkCode(ctx context.Context, q *db.Queries, sess *Session, code string, c Client, deviceKnown bool, stage string) (factor string, shown error, err error) {
	now := s.now()
	codeKey := throttleKey{key: userIDKey("code", sess.UserID), scope: "code", rule: s.cfg.CodeThrottle}
	res, err := s.limits.reserve(ctx, q, now, s.limits.attemptKeys(codeKey, c, deviceKnown))
	if err != nil {
		return "", nil, err
	}
	acc, err := q.ConsoleAccount(ctx, sess.UserID)
	if err != nil {
		return "", nil, err
	}
	if acc.TotpSecretEnc == nil {
		return "", nil, ErrWrongStage // reset meanwhile
	}
	secret, err := s.keys.Open(keys.Auth, acc.TotpSecretEnc)
	if err != nil {
		return "", nil, errs.Internal(err)
	}
	wrong, reason := error(nil), ""
	if LooksLikeTOTP(code) {
		factor = "totp"
		step, ok := MatchTOTP(string(secret), code, now)
		if !ok {
			wrong, reason = ErrBadCode, "bad_code"
		} else if n, err := q.UseTOTPStep(ctx, db.UseTOTPStepParams{Step: sql.NullInt64{Int64: step, Valid: true}, Now: now, UserID: sess.UserID}); err != nil {
			return "", nil, err
		} else if n == 0 {
			wrong, reason = ErrCodeReplayed, "code_replayed"
		}
	} else {
		factor = "recovery_code"
		n, err := q.UseRecoveryCode(ctx, db.UseRecoveryCodeParams{UserID: sess.UserID, CodeHash: HashRecoveryCode(code)})
		if err != nil {
			return "", nil, err
		}
		if n == 0 {
			wrong, reason = ErrBadCode, "bad_code"
		}
	}
	if wrong != nil {
		shown, err := s.limits.fail(ctx, q, res, sess.actor(c), map[string]any{"stage": stage, "reason": reason}, wrong)
		return "", shown, err
	}
	if err := s.limits.refund(ctx, q, res); err != nil {
		return "", nil, err
	}
	return factor, nil, q.ThrottleClear(ctx, []string{codeKey.key})
}

// SecondFactor checks the TOTP code or a recovery code of a session at
// StageSecondFactor and moves it on. Attempts on one session are checked
// one at a time (the session row is locked), and a code arriving after
// another completed the step finds the session moved on and is not
// counted.
func (s *Service) SecondFactor(ctx context.Context, token, code string, c Client) (Result, error) {
	if c.IP == nil {
		return Result{}, ErrNoAddress
	}
	sess, err := s.sessionAt(ctx, token, StageSecondFactor)
	if err != nil {
		return Result{}, err
	}
	deviceKnown, err := s.deviceKnown(ctx, sess.UserID, c)
	if err != nil {
		return Result{}, err
	}
	var res Result
	var shown error
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if _, err := q.LockSessionAt(ctx, db.LockSessionAtParams{ID: sess.ID, Stage: string(StageSecondFactor)}); errors.Is(err, sql.ErrNoRows) {
			return ErrWrongStage
		} else if err != nil {
			return err
		}
		factor, wrong, err := s.checkCode(ctx, q, sess, code, c, deviceKnown, "second_factor")
		if err != nil || wrong != nil {
			shown = wrong
			return err
		}
		next := nextStage(StageSecondFactor, true, sess.MustChangePassword, s.cfg.TOTPRequired(sess.Role))
		res, err = s.advance(ctx, q, sess, next, factor, c)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	if shown != nil {
		return Result{}, shown
	}
	return res, nil
}

// SetPassword sets a user's password for an administrator or the CLI
// (`gateway users add`), in the caller's transaction q; her sessions end,
// and her devices are no longer known (someone else knows the password:
// her account is being recovered or set up). mustChange makes her choose
// her own at her next sign-in: set it whenever someone other than her
// knows the password.
func (s *Service) SetPassword(ctx context.Context, q *db.Queries, actor Actor, userID int64, password string, mustChange bool) error {
	return setPassword(ctx, q, s.audit, s.now(), func(p string) (string, error) { return s.hash(ctx, "", p) }, actor, userID, password, mustChange)
}

// SetPasswordOffline is SetPassword for a process that runs no Service:
// the CLI (`gateway users add`, `gateway users reset-password`), which has
// the database but neither the key ring nor the hashing queue (it hashes
// one password, with params). audit and now are as in Deps.
func SetPasswordOffline(ctx context.Context, q *db.Queries, audit AuditFunc, params Params, now time.Time, actor Actor, userID int64, password string, mustChange bool) error {
	if params == (Params{}) {
		params = DefaultParams
	}
	hash := func(p string) (string, error) { return HashPassword(p, params) }
	return setPassword(ctx, q, audit, now.UTC().Truncate(time.Microsecond), hash, actor, userID, password, mustChange)
}

func setPassword(ctx context.Context, q *db.Queries, audit AuditFunc, now time.Time, hashPassword func(string) (string, error), actor Actor, userID int64, password string, mustChange bool) error {
	u, err := q.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := CheckPassword(password, u.Name); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	if err := q.SetPassword(ctx, db.SetPasswordParams{UserID: userID, PasswordHash: sql.NullString{String: hash, Valid: true}, Now: now, MustChange: mustChange}); err != nil {
		return err
	}
	if _, err := EndUserSessions(ctx, q, userID); err != nil {
		return err
	}
	if err := q.ForgetUserDevices(ctx, userID); err != nil {
		return err
	}
	return audit(ctx, q, AuditEvent{Actor: actor, Action: ActPasswordSet, Details: map[string]any{"user": u.Name, "must_change": mustChange}})
}

// EndUserSessions ends every console session of a user, in the caller's
// transaction. The gateway calls it from DisableUser (and whatever else
// must throw her out at once). Lookups also refuse a disabled user's
// sessions, so a disabling that skips this call still takes effect.
func EndUserSessions(ctx context.Context, q *db.Queries, userID int64) (int64, error) {
	return q.DeleteUserSessions(ctx, userID)
}

// SetPreferences records her console language (a BCP 47 tag; "" = her
// browser's) and time zone (IANA; "" = the console's default). The
// caller checks the language is one the console offers.
func (s *Service) SetPreferences(ctx context.Context, token, lang, zone string) error {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return err
	}
	if sess.Stage != StageSignedIn {
		return ErrWrongStage
	}
	if lang != "" {
		tag, err := language.Parse(lang)
		if err != nil || len(tag.String()) > 35 {
			return errs.Field(CodeInvalidLanguage, "language", "not a language tag")
		}
		lang = tag.String()
	}
	if zone != "" {
		if _, err := time.LoadLocation(zone); err != nil || zone == "Local" || len(zone) > 64 {
			return errs.Field(CodeInvalidTimeZone, "time_zone", "not a time zone name such as Europe/Madrid")
		}
	}
	return s.q.SetPreferences(ctx, db.SetPreferencesParams{
		Language: sql.NullString{String: lang, Valid: lang != ""}, TimeZone: sql.NullString{String: zone, Valid: zone != ""},
		Now: s.now(), UserID: sess.UserID,
	})
}

// SignOut ends the session of token (if it is still there) and audits it.
func (s *Service) SignOut(ctx context.Context, token string, c Client) error {
	row, err := s.q.SessionByTokenHash(ctx, hashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	sess := sessionFrom(row)
	return db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.DeleteSession(ctx, sess.ID); err != nil {
			return err
		}
		if sess.Stage != StageSignedIn {
			return nil // an abandoned sign-in: nothing was signed in
		}
		return s.audit(ctx, q, AuditEvent{Actor: sess.actor(c), Action: ActSignedOut})
	})
}

// Prune deletes ended sessions, throttle counts that have decayed to
// nothing and devices past their lifetime; the scheduler runs it now and
// then (lookups never rely on it).
func (s *Service) Prune(ctx context.Context) (sessions, throttles int64, err error) {
	now := s.now()
	if sessions, err = s.q.PruneSessions(ctx, db.PruneSessionsParams{Now: now, IdleBefore: now.Add(-s.cfg.IdleTimeout)}); err != nil {
		return 0, 0, err
	}
	slowest := max(s.cfg.UserThrottle.Decay, s.cfg.AddrThrottle.Decay, s.cfg.WideAddrThrottle.Decay, s.cfg.DeviceThrottle.Decay, s.cfg.CodeThrottle.Decay)
	if throttles, err = s.q.PruneThrottle(ctx, db.PruneThrottleParams{Now: now, DecaySecs: slowest.Seconds()}); err != nil {
		return 0, 0, err
	}
	_, err = s.q.PruneDevices(ctx, now.Add(-s.cfg.DeviceLifetime))
	return sessions, throttles, err
}
