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
//   - Failed attempts count against the name typed and the client
//     address; a blocked key is refused before any hashing. An unknown
//     name costs the same hashing as a known one.
//   - Every clock reading comes from Deps.Now: tests move time.
package signin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
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
	// UserThrottle and AddrThrottle limit failed attempts per name and
	// per client address (DefaultUserThrottle, DefaultAddrThrottle).
	UserThrottle, AddrThrottle Throttle
	// MaxConcurrentHashes bounds the password hashes computed at once (2):
	// each takes Params.Memory.
	MaxConcurrentHashes int
}

func (c *Config) setDefaults() {
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
	if c.UserThrottle == (Throttle{}) {
		c.UserThrottle = DefaultUserThrottle
	}
	if c.AddrThrottle == (Throttle{}) {
		c.AddrThrottle = DefaultAddrThrottle
	}
	if c.MaxConcurrentHashes <= 0 {
		c.MaxConcurrentHashes = 2
	}
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
	// hashes bounds concurrent argon2id computations.
	hashes chan struct{}
	// dummy is a hash verified when the name is unknown, so an unknown
	// name takes as long as a known one.
	dummyOnce sync.Once
	dummy     string
}

// New builds the service.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Keys == nil || d.Audit == nil {
		return nil, errors.New("signin: DB, Keys and Audit are required")
	}
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	d.Config.setDefaults()
	return &Service{
		db: d.DB, q: db.New(d.DB), keys: d.Keys, audit: d.Audit, now: d.Now, cfg: d.Config,
		hashes: make(chan struct{}, d.Config.MaxConcurrentHashes),
	}, nil
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
	IP        net.IP
	RequestID string
}

// Result is a session after a sign-in step: the token for her cookie
// (shown once, never stored) and the step she is at now.
type Result struct {
	Token     string
	Stage     Stage
	ExpiresAt time.Time
}

// Errors shown to her. A failed sign-in never says whether the name
// exists.
var (
	ErrBadCredentials = errs.New("signin_failed", "the name or the password is wrong, or this user cannot sign in")
	ErrBadCode        = errs.Field("code_wrong", "code", "that code is wrong or too old: type the code your app shows now, or one of your recovery codes")
	ErrCodeReplayed   = errs.Field("code_used", "code", "that code was already used: wait for the next one")
	ErrNoSession      = errs.New("session_ended", "your session has ended: sign in again")
	ErrWrongStage     = errs.New("wrong_stage", "this step is not the next one of your sign-in")
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

// verify checks a password against a hash, at most MaxConcurrentHashes
// at a time.
func (s *Service) verify(ctx context.Context, password, hash string) (bool, error) {
	select {
	case s.hashes <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashes }()
	return VerifyPassword(password, hash)
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	select {
	case s.hashes <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.hashes }()
	return HashPassword(password, s.cfg.Params)
}

func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, err := HashPassword(randomBase32(20), s.cfg.Params)
		if err != nil {
			panic(err)
		}
		s.dummy = h
	})
	return s.dummy
}

// checkThrottle refuses when any of the keys is blocked.
func (s *Service) checkThrottle(ctx context.Context, now time.Time, ks ...string) error {
	until, err := s.q.ThrottleBlockedUntil(ctx, ks)
	if err != nil {
		return err
	}
	if until.After(now) {
		return throttled(until.Sub(now))
	}
	return nil
}

// failure counts a failed attempt against the user and address keys and
// audits it, in one transaction. It returns the error to show: a
// throttling error when this failure started a block, else shown.
func (s *Service) failure(ctx context.Context, actor Actor, userKey, addrKey string, details map[string]any, shown error) error {
	now := s.now()
	blocked := time.Duration(0)
	err := db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := s.audit(ctx, q, AuditEvent{Actor: actor, Action: ActSignInFailed, Details: details}); err != nil {
			return err
		}
		for _, k := range []struct {
			key, scope string
			rule       Throttle
		}{{userKey, "user", s.cfg.UserThrottle}, {addrKey, "address", s.cfg.AddrThrottle}} {
			n, err := q.ThrottleFailure(ctx, db.ThrottleFailureParams{Key: k.key, Now: now, ForgetBefore: now.Add(-k.rule.Forget)})
			if err != nil {
				return err
			}
			d := k.rule.Delay(int(n))
			if d == 0 {
				continue
			}
			if err := q.ThrottleBlock(ctx, db.ThrottleBlockParams{Key: k.key, Until: now.Add(d)}); err != nil {
				return err
			}
			blocked = max(blocked, d)
			if err := s.audit(ctx, q, AuditEvent{Actor: actor, Action: ActSignInBlocked, Details: map[string]any{"scope": k.scope, "seconds": int(d / time.Second), "failures": n}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if blocked > 0 {
		return throttled(blocked)
	}
	return shown
}

// SignIn checks a name and password. On success it opens a session at
// its first step (Result.Stage): signed in, or a second factor, password
// change or enrolment to do next.
func (s *Service) SignIn(ctx context.Context, name, password string, c Client) (Result, error) {
	now := s.now()
	name = strings.TrimSpace(name)
	userKey, addrKey := throttleKeys(s.keys, name, c.IP)
	if err := s.checkThrottle(ctx, now, userKey, addrKey); err != nil {
		return Result{}, err
	}
	u, err := s.q.SigninUserByName(ctx, name)
	known := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Result{}, err
	}
	hash := s.dummyHash()
	if known && u.PasswordHash.Valid {
		hash = u.PasswordHash.String
	}
	if len(password) > 4*MaxPasswordLen {
		password = password[:4*MaxPasswordLen] // still hashed: the same time as any other
	}
	ok, err := s.verify(ctx, password, hash)
	if err != nil {
		return Result{}, err
	}
	actor := Actor{IP: c.IP, RequestID: c.RequestID, Name: "anonymous"}
	if known {
		actor = Actor{UserID: u.ID, Name: u.Name, Role: u.Role, IP: c.IP, RequestID: c.RequestID}
	}
	if !known || !u.PasswordHash.Valid || u.DisabledAt.Valid || !ok {
		return Result{}, s.failure(ctx, actor, userKey, addrKey, map[string]any{"stage": "password", "reason": "bad_credentials"}, ErrBadCredentials)
	}
	if NeedsRehash(hash, s.cfg.Params) {
		if nh, err := s.hash(ctx, password); err == nil {
			s.q.RehashPassword(ctx, db.RehashPasswordParams{NewHash: sql.NullString{String: nh, Valid: true}, Now: now, UserID: u.ID, OldHash: u.PasswordHash})
		}
	}
	stage := nextStage("", u.TotpEnabled, u.MustChangePassword, s.cfg.TOTPRequired(u.Role))
	token, th := newToken()
	res := Result{Token: token, Stage: stage, ExpiresAt: s.stageExpiry(stage, now)}
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.ThrottleClear(ctx, userKey); err != nil {
			return err
		}
		if _, err := q.CreateSession(ctx, db.CreateSessionParams{TokenHash: th, UserID: u.ID, Stage: string(stage), Now: now, ExpiresAt: res.ExpiresAt}); err != nil {
			return err
		}
		if stage == StageSignedIn {
			return s.audit(ctx, q, AuditEvent{Actor: actor, Action: ActSignedIn, Details: map[string]any{"second_factor": "none"}})
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

func (s *Service) stageExpiry(st Stage, now time.Time) time.Time {
	if st == StageSignedIn {
		return now.Add(s.cfg.AbsoluteTimeout)
	}
	return now.Add(s.cfg.StageTimeout)
}

// advance moves sess to the step after its current one under a new token,
// in q's transaction, auditing the completed sign-in. factor records how
// the second factor was passed ("" = unchanged).
func (s *Service) advance(ctx context.Context, q *db.Queries, sess *Session, next Stage, factor string, c Client) (Result, error) {
	now := s.now()
	token, th := newToken()
	res := Result{Token: token, Stage: next, ExpiresAt: s.stageExpiry(next, now)}
	n, err := q.AdvanceSession(ctx, db.AdvanceSessionParams{
		NewTokenHash: th, Stage: string(next), Now: now, ExpiresAt: res.ExpiresAt,
		SecondFactor: sql.NullString{String: factor, Valid: factor != ""}, ID: sess.ID, FromStage: string(sess.Stage),
	})
	if err != nil {
		return Result{}, err
	}
	if n == 0 {
		return Result{}, ErrWrongStage // a concurrent request moved it first
	}
	if next == StageSignedIn {
		if factor == "" {
			factor = sess.SecondFactor
		}
		if factor == "" {
			factor = "none"
		}
		if err := s.audit(ctx, q, AuditEvent{Actor: sess.actor(c), Action: ActSignedIn, Details: map[string]any{"second_factor": factor}}); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// SecondFactor checks the TOTP code or a recovery code of a session at
// StageSecondFactor and moves it on.
func (s *Service) SecondFactor(ctx context.Context, token, code string, c Client) (Result, error) {
	sess, err := s.sessionAt(ctx, token, StageSecondFactor)
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	userKey, addrKey := throttleKeys(s.keys, sess.Name, c.IP)
	if err := s.checkThrottle(ctx, now, userKey, addrKey); err != nil {
		return Result{}, err
	}
	acc, err := s.q.ConsoleAccount(ctx, sess.UserID)
	if err != nil {
		return Result{}, err
	}
	secret, err := s.keys.Open(keys.Auth, acc.TotpSecretEnc)
	if err != nil {
		return Result{}, errs.Internal(err)
	}
	var res Result
	var failed error
	reason := ""
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		factor := "totp"
		if LooksLikeTOTP(code) {
			step, ok := MatchTOTP(string(secret), code, now)
			if !ok {
				failed, reason = ErrBadCode, "bad_code"
				return nil
			}
			n, err := q.UseTOTPStep(ctx, db.UseTOTPStepParams{Step: sql.NullInt64{Int64: step, Valid: true}, Now: now, UserID: sess.UserID})
			if err != nil {
				return err
			}
			if n == 0 {
				failed, reason = ErrCodeReplayed, "code_replayed"
				return nil
			}
		} else {
			factor = "recovery_code"
			n, err := q.UseRecoveryCode(ctx, db.UseRecoveryCodeParams{UserID: sess.UserID, CodeHash: HashRecoveryCode(code)})
			if err != nil {
				return err
			}
			if n == 0 {
				failed, reason = ErrBadCode, "bad_code"
				return nil
			}
		}
		if err := q.ThrottleClear(ctx, userKey); err != nil {
			return err
		}
		next := nextStage(StageSecondFactor, true, sess.MustChangePassword, s.cfg.TOTPRequired(sess.Role))
		res, err = s.advance(ctx, q, sess, next, factor, c)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	if failed != nil {
		return Result{}, s.failure(ctx, sess.actor(c), userKey, addrKey, map[string]any{"stage": "second_factor", "reason": reason}, failed)
	}
	return res, nil
}

// ChangePassword sets her own new password. At StageChangePassword (an
// administrator chose her password) current is not asked again: she typed
// it a moment ago. Signed in, current must be right, and a wrong one
// counts as a failed sign-in. Her other sessions end; this one gets a new
// token.
func (s *Service) ChangePassword(ctx context.Context, token, current, newPassword string, c Client) (Result, error) {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return Result{}, err
	}
	if sess.Stage != StageChangePassword && sess.Stage != StageSignedIn {
		return Result{}, ErrWrongStage
	}
	acc, err := s.q.ConsoleAccount(ctx, sess.UserID)
	if err != nil {
		return Result{}, err
	}
	if sess.Stage == StageSignedIn {
		userKey, addrKey := throttleKeys(s.keys, sess.Name, c.IP)
		if err := s.checkThrottle(ctx, s.now(), userKey, addrKey); err != nil {
			return Result{}, err
		}
		ok, err := s.verify(ctx, current, acc.PasswordHash.String)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			wrong := errs.Field("password_wrong", "current", "the current password is wrong")
			return Result{}, s.failure(ctx, sess.actor(c), userKey, addrKey, map[string]any{"stage": "change_password", "reason": "bad_credentials"}, wrong)
		}
	}
	if err := CheckPassword(newPassword, sess.Name); err != nil {
		return Result{}, err
	}
	if same, _ := s.verify(ctx, newPassword, acc.PasswordHash.String); same {
		return Result{}, errs.Field("password_unchanged", "password", "choose a password different from the one you have")
	}
	hash, err := s.hash(ctx, newPassword)
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.SetPassword(ctx, db.SetPasswordParams{UserID: sess.UserID, PasswordHash: sql.NullString{String: hash, Valid: true}, Now: s.now(), MustChange: false}); err != nil {
			return err
		}
		if _, err := q.DeleteOtherUserSessions(ctx, db.DeleteOtherUserSessionsParams{UserID: sess.UserID, KeepID: sess.ID}); err != nil {
			return err
		}
		if err := s.audit(ctx, q, AuditEvent{Actor: sess.actor(c), Action: ActPasswordChanged}); err != nil {
			return err
		}
		next := StageSignedIn
		if sess.Stage == StageChangePassword {
			next = nextStage(StageChangePassword, sess.TOTPEnabled, false, s.cfg.TOTPRequired(sess.Role))
		}
		var err error
		res, err = s.advance(ctx, q, sess, next, "", c)
		return err
	})
	return res, err
}

// SetPassword sets a user's password for an administrator or the CLI
// (`gateway users add`), in the caller's transaction q; her sessions end.
// mustChange makes her choose her own at her next sign-in: set it
// whenever someone other than her knows the password.
func (s *Service) SetPassword(ctx context.Context, q *db.Queries, actor Actor, userID int64, password string, mustChange bool) error {
	u, err := q.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := CheckPassword(password, u.Name); err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	if err := q.SetPassword(ctx, db.SetPasswordParams{UserID: userID, PasswordHash: sql.NullString{String: hash, Valid: true}, Now: s.now(), MustChange: mustChange}); err != nil {
		return err
	}
	if _, err := EndUserSessions(ctx, q, userID); err != nil {
		return err
	}
	return s.audit(ctx, q, AuditEvent{Actor: actor, Action: ActPasswordSet, Details: map[string]any{"user": u.Name, "must_change": mustChange}})
}

// EndUserSessions ends every console session of a user, in the caller's
// transaction. The gateway calls it from DisableUser (and whatever else
// must throw her out at once). Lookups also refuse a disabled user's
// sessions, so a disabling that skips this call still takes effect.
func EndUserSessions(ctx context.Context, q *db.Queries, userID int64) (int64, error) {
	return q.DeleteUserSessions(ctx, userID)
}

// Enrolment is a new TOTP secret waiting for her first code.
type Enrolment struct {
	// Secret is the base32 secret, for typing into an app by hand.
	Secret string
	// URL is the otpauth:// URL, for the QR code.
	URL string
}

// BeginTOTP gives her a secret to add to her authenticator app. The same
// pending secret is returned until she confirms it or StageTimeout
// passes, so reloading the page after scanning does not change it.
func (s *Service) BeginTOTP(ctx context.Context, token string) (Enrolment, error) {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return Enrolment{}, err
	}
	if (sess.Stage != StageEnrol && sess.Stage != StageSignedIn) || sess.TOTPEnabled {
		return Enrolment{}, ErrWrongStage
	}
	acc, err := s.q.ConsoleAccount(ctx, sess.UserID)
	if err != nil {
		return Enrolment{}, err
	}
	now := s.now()
	if acc.TotpPendingEnc != nil && acc.TotpPendingAt.Valid && now.Sub(acc.TotpPendingAt.Time) < s.cfg.StageTimeout {
		secret, err := s.keys.Open(keys.Auth, acc.TotpPendingEnc)
		if err != nil {
			return Enrolment{}, errs.Internal(err)
		}
		return Enrolment{Secret: string(secret), URL: TOTPKeyURL(s.cfg.Issuer, sess.Name, string(secret))}, nil
	}
	key, err := NewTOTPKey(s.cfg.Issuer, sess.Name)
	if err != nil {
		return Enrolment{}, err
	}
	if err := s.q.SetPendingTOTP(ctx, db.SetPendingTOTPParams{SecretEnc: s.keys.Seal(keys.Auth, []byte(key.Secret())), Now: now, UserID: sess.UserID}); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP enables the pending secret when code matches it, and
// returns her new recovery codes (to show once). At StageEnrol the
// session moves on (Result has the new token); signed in, Result is
// empty and her token is unchanged.
func (s *Service) ConfirmTOTP(ctx context.Context, token, code string, c Client) (Result, []string, error) {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return Result{}, nil, err
	}
	if (sess.Stage != StageEnrol && sess.Stage != StageSignedIn) || sess.TOTPEnabled {
		return Result{}, nil, ErrWrongStage
	}
	acc, err := s.q.ConsoleAccount(ctx, sess.UserID)
	if err != nil {
		return Result{}, nil, err
	}
	now := s.now()
	if acc.TotpPendingEnc == nil || !acc.TotpPendingAt.Valid || now.Sub(acc.TotpPendingAt.Time) >= s.cfg.StageTimeout {
		return Result{}, nil, errs.New("enrolment_expired", "the setup took too long: start again with a new secret")
	}
	secret, err := s.keys.Open(keys.Auth, acc.TotpPendingEnc)
	if err != nil {
		return Result{}, nil, errs.Internal(err)
	}
	step, ok := MatchTOTP(string(secret), code, now)
	if !ok {
		return Result{}, nil, errs.Field("code_wrong", "code", "that code does not match: check the time on your phone, and type the code your app shows now")
	}
	codes, hashes := NewRecoveryCodes()
	var res Result
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		n, err := q.EnableTOTP(ctx, db.EnableTOTPParams{Now: now, Step: sql.NullInt64{Int64: step, Valid: true}, UserID: sess.UserID, SecretEnc: acc.TotpPendingEnc})
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrWrongStage // another request enabled or replaced it
		}
		if err := replaceRecoveryCodes(ctx, q, sess.UserID, hashes, now); err != nil {
			return err
		}
		if err := s.audit(ctx, q, AuditEvent{Actor: sess.actor(c), Action: ActTOTPEnabled}); err != nil {
			return err
		}
		if sess.Stage == StageEnrol {
			res, err = s.advance(ctx, q, sess, StageSignedIn, "", c)
		}
		return err
	})
	if err != nil {
		return Result{}, nil, err
	}
	return res, codes, nil
}

func replaceRecoveryCodes(ctx context.Context, q *db.Queries, userID int64, hashes [][]byte, now time.Time) error {
	if err := q.DeleteRecoveryCodes(ctx, userID); err != nil {
		return err
	}
	return q.InsertRecoveryCodes(ctx, db.InsertRecoveryCodesParams{UserID: userID, CodeHashes: hashes, Now: now})
}

// RenewRecoveryCodes replaces her recovery codes with new ones (to show
// once).
func (s *Service) RenewRecoveryCodes(ctx context.Context, token string, c Client) ([]string, error) {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return nil, err
	}
	if sess.Stage != StageSignedIn || !sess.TOTPEnabled {
		return nil, ErrWrongStage
	}
	codes, hashes := NewRecoveryCodes()
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := replaceRecoveryCodes(ctx, q, sess.UserID, hashes, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, q, AuditEvent{Actor: sess.actor(c), Action: ActRecoveryCodesRenewed})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RecoveryCodesLeft counts her unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	n, err := s.q.CountRecoveryCodes(ctx, userID)
	return int(n), err
}

// ResetSecondFactor removes a user's second factor and recovery codes
// (she lost her phone), for an administrator, in the caller's
// transaction q. Her sessions end; if her role requires a second factor
// she sets up a new one at her next sign-in.
func (s *Service) ResetSecondFactor(ctx context.Context, q *db.Queries, actor Actor, userID int64) error {
	u, err := q.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if _, err := q.ResetTOTP(ctx, db.ResetTOTPParams{Now: s.now(), UserID: userID}); err != nil {
		return err
	}
	if err := q.DeleteRecoveryCodes(ctx, userID); err != nil {
		return err
	}
	if _, err := EndUserSessions(ctx, q, userID); err != nil {
		return err
	}
	return s.audit(ctx, q, AuditEvent{Actor: actor, Action: ActTOTPReset, Details: map[string]any{"user": u.Name}})
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
		if err != nil {
			return errs.Field("invalid_language", "language", "not a language tag")
		}
		lang = tag.String()
	}
	if zone != "" {
		if _, err := time.LoadLocation(zone); err != nil || zone == "Local" {
			return errs.Field("invalid_time_zone", "time_zone", "not a time zone name such as Europe/Madrid")
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

// Prune deletes ended sessions and forgotten throttle counts; the
// scheduler runs it now and then (lookups never rely on it).
func (s *Service) Prune(ctx context.Context) (sessions, throttles int64, err error) {
	now := s.now()
	if sessions, err = s.q.PruneSessions(ctx, db.PruneSessionsParams{Now: now, IdleBefore: now.Add(-s.cfg.IdleTimeout)}); err != nil {
		return 0, 0, err
	}
	forget := max(s.cfg.UserThrottle.Forget, s.cfg.AddrThrottle.Forget)
	throttles, err = s.q.PruneThrottle(ctx, db.PruneThrottleParams{ForgetBefore: now.Add(-forget), Now: now})
	return sessions, throttles, err
}
