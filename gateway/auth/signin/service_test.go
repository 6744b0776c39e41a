package signin_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/errs"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/auth/signin/signintest"
)

const pw = "correct horse battery staple"

var office = signin.Client{IP: net.ParseIP("192.0.2.10"), RequestID: "req-test-0001"}

func setup(t *testing.T) (*signin.Service, signintest.Bundle) {
	t.Helper()
	t.Parallel()
	pool, _ := dbtest.New(t)
	return signintest.New(t, pool, signin.Config{})
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return errs.Code(err)
}

// enrol takes a fresh supervisor through sign-in and TOTP enrolment and
// returns her secret and signed-in token.
func enrol(t *testing.T, svc *signin.Service, b signintest.Bundle, name string) (secret, token string, recovery []string) {
	t.Helper()
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, name, "supervisor", pw)
	res, err := svc.SignIn(ctx, name, pw, office)
	if err != nil || res.Stage != signin.StageEnrol {
		t.Fatalf("supervisor without a second factor: %+v %v", res, err)
	}
	en, err := svc.BeginTOTP(ctx, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := svc.BeginTOTP(ctx, res.Token)
	if again.Secret != en.Secret {
		t.Fatal("reloading the enrolment page changed the secret")
	}
	if _, _, err := svc.ConfirmTOTP(ctx, res.Token, "000000", office); code(err) != "code_wrong" {
		t.Fatalf("wrong confirmation code: %v", err)
	}
	c, _ := signin.TOTPCode(en.Secret, b.Clock.Now())
	done, codes, err := svc.ConfirmTOTP(ctx, res.Token, c, office)
	if err != nil || done.Stage != signin.StageSignedIn || len(codes) != signin.RecoveryCodeCount {
		t.Fatalf("confirm: %+v %d codes %v", done, len(codes), err)
	}
	if _, err := svc.Session(ctx, res.Token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatal("the enrolment-stage token still works after sign-in completed")
	}
	return en.Secret, done.Token, codes
}

func TestSignInPasswordOnly(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	id := signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	res, err := svc.SignIn(ctx, "ana", pw, office)
	if err != nil || res.Stage != signin.StageSignedIn {
		t.Fatalf("%+v %v", res, err)
	}
	if want := b.Clock.Now().Add(12 * time.Hour); !res.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", res.ExpiresAt, want)
	}
	s, err := svc.Session(ctx, res.Token, true)
	if err != nil || s.UserID != id || s.Name != "ana" || s.Role != "staff" || s.Stage != signin.StageSignedIn {
		t.Fatalf("%+v %v", s, err)
	}
	if !s.AtLeast("staff") || s.AtLeast("supervisor") || s.AtLeast("nonsense") {
		t.Error("AtLeast")
	}
	// Only the token's hash is stored.
	var n int
	b.DB.QueryRow("SELECT count(*) FROM console_sessions WHERE token_hash = $1::text::bytea OR encode(token_hash, 'escape') LIKE '%' || $1 || '%'", res.Token).Scan(&n)
	if n != 0 {
		t.Fatal("the token is stored as is")
	}
	if got := signintest.Actions(t, b.DB); !slices.Equal(got, []string{signin.ActPasswordSet, signin.ActSignedIn}) {
		t.Fatalf("audit %v", got)
	}
}

func TestWrongPasswordThrottled(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	for i := 1; i <= 3; i++ {
		if _, err := svc.SignIn(ctx, "ana", "wrong password!", office); code(err) != "signin_failed" {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	// The fourth failure starts a 5 s block, and says so.
	_, err := svc.SignIn(ctx, "ana", "wrong password!", office)
	if code(err) != "signin_throttled" || signin.RetryAfter(err) != 5*time.Second {
		t.Fatalf("4th failure: %v %v", err, signin.RetryAfter(err))
	}
	// While blocked even the right password is refused, without a look.
	b.Clock.Advance(4 * time.Second)
	if _, err := svc.SignIn(ctx, "ana", pw, office); code(err) != "signin_throttled" || signin.RetryAfter(err) != time.Second {
		t.Fatalf("blocked: %v", err)
	}
	// From another address too: the block is on her name.
	if _, err := svc.SignIn(ctx, "ANA", pw, signin.Client{IP: net.ParseIP("198.51.100.1")}); code(err) != "signin_throttled" {
		t.Fatalf("blocked from elsewhere: %v", err)
	}
	b.Clock.Advance(time.Second)
	// The next failure doubles the block.
	if _, err := svc.SignIn(ctx, "ana", "wrong again!!", office); signin.RetryAfter(err) != 10*time.Second {
		t.Fatalf("5th failure: %v", err)
	}
	b.Clock.Advance(10 * time.Second)
	if _, err := svc.SignIn(ctx, "ana", pw, office); err != nil {
		t.Fatalf("after the block: %v", err)
	}
	// Success clears her name's count: one failure now is free again.
	if _, err := svc.SignIn(ctx, "ana", "wrong password!", office); code(err) != "signin_failed" {
		t.Fatalf("after success: %v", err)
	}
	got := signintest.Actions(t, b.DB)
	if c := countOf(got, signin.ActSignInFailed); c != 6 {
		t.Errorf("%d failures audited, want 6: %v", c, got)
	}
	if c := countOf(got, signin.ActSignInBlocked); c != 2 {
		t.Errorf("%d blocks audited, want 2: %v", c, got)
	}
	// The refused attempts while blocked were not audited one by one, and
	// no typed name or password is in the log.
	var leaked int
	b.DB.QueryRow(`SELECT count(*) FROM audit_events WHERE details::text ILIKE '%wrong%' OR details::text ILIKE '%' || $1 || '%'`, pw).Scan(&leaked)
	if leaked != 0 {
		t.Fatal("a typed password reached the audit log")
	}
}

func countOf(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

func TestUnknownNameLooksTheSame(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	_, errKnown := svc.SignIn(ctx, "ana", "wrong password!", office)
	_, errUnknown := svc.SignIn(ctx, "my secret passphrase", "x", office)
	if errKnown.Error() != errUnknown.Error() {
		t.Fatalf("%v vs %v", errKnown, errUnknown)
	}
	var actorID sql.NullInt64
	var details string
	b.DB.QueryRow(`SELECT actor_id, details::text FROM audit_events WHERE action = $1 ORDER BY id DESC LIMIT 1`, signin.ActSignInFailed).Scan(&actorID, &details)
	if actorID.Valid || strings.Contains(details, "secret") {
		t.Fatalf("unknown-name failure: actor %v details %s", actorID, details)
	}
	// A user without a console password and a disabled user fail the same way.
	if _, err := b.DB.Exec(`INSERT INTO users (name, role, token_hash) VALUES ('bo', 'staff', '\x01')`); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignIn(ctx, "bo", "", office); code(err) != "signin_failed" {
		t.Fatalf("no password: %v", err)
	}
	b.DB.Exec(`UPDATE users SET disabled_at = now() WHERE name = 'ana'`)
	if _, err := svc.SignIn(ctx, "ana", pw, office); code(err) != "signin_failed" {
		t.Fatalf("disabled: %v", err)
	}
}

func TestAddressThrottle(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	// Twenty failures spread over many names from one address are free.
	for i := range 20 {
		name := string(rune('a'+i%26)) + "-guess"
		if _, err := svc.SignIn(ctx, name, "wrong password!", office); code(err) != "signin_failed" {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := svc.SignIn(ctx, "zz-guess", "wrong password!", office); code(err) != "signin_throttled" {
		t.Fatalf("21st failure: %v", err)
	}
	// Now the address is blocked for every name; another address is not.
	if _, err := svc.SignIn(ctx, "ana", pw, office); code(err) != "signin_throttled" {
		t.Fatalf("blocked address: %v", err)
	}
	if _, err := svc.SignIn(ctx, "ana", pw, signin.Client{IP: net.ParseIP("198.51.100.1")}); err != nil {
		t.Fatalf("other address: %v", err)
	}
	// A day without failures forgets the count.
	b.Clock.Advance(24*time.Hour + time.Second)
	if _, err := svc.SignIn(ctx, "zz-guess", "wrong password!", office); code(err) != "signin_failed" {
		t.Fatalf("after a quiet day: %v", err)
	}
}

func TestTOTPEnrolmentAndSecondFactor(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	secret, token, _ := enrol(t, svc, b, "sara")
	if err := svc.SignOut(ctx, token, office); err != nil {
		t.Fatal(err)
	}
	res, err := svc.SignIn(ctx, "sara", pw, office)
	if err != nil || res.Stage != signin.StageSecondFactor {
		t.Fatalf("%+v %v", res, err)
	}
	if want := b.Clock.Now().Add(10 * time.Minute); !res.ExpiresAt.Equal(want) {
		t.Errorf("second-factor stage expires %v, want %v", res.ExpiresAt, want)
	}
	// The password-stage session is not signed in.
	if s, _ := svc.Session(ctx, res.Token, false); s.Stage != signin.StageSecondFactor {
		t.Fatalf("stage %s", s.Stage)
	}
	// The code she confirmed enrolment with (same time step) is used up.
	c, _ := signin.TOTPCode(secret, b.Clock.Now())
	if _, err := svc.SecondFactor(ctx, res.Token, c, office); code(err) != "code_used" {
		t.Fatalf("replayed code: %v", err)
	}
	if _, err := svc.SecondFactor(ctx, res.Token, "123456", office); code(err) != "code_wrong" {
		t.Fatalf("wrong code: %v", err)
	}
	b.Clock.Advance(30 * time.Second)
	c, _ = signin.TOTPCode(secret, b.Clock.Now())
	done, err := svc.SecondFactor(ctx, res.Token, c, office)
	if err != nil || done.Stage != signin.StageSignedIn {
		t.Fatalf("%+v %v", done, err)
	}
	if _, err := svc.Session(ctx, res.Token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatal("the second-factor token still works")
	}
	s, err := svc.Session(ctx, done.Token, true)
	if err != nil || s.SecondFactor != "totp" || !s.TOTPEnabled {
		t.Fatalf("%+v %v", s, err)
	}
	// The same code once more, on a new sign-in, is refused: steps are used once.
	b.Clock.Advance(time.Second)
	again, _ := svc.SignIn(ctx, "sara", pw, office)
	if _, err := svc.SecondFactor(ctx, again.Token, c, office); code(err) != "code_used" {
		t.Fatalf("replay across sessions: %v", err)
	}
	var secretStored int
	b.DB.QueryRow(`SELECT count(*) FROM console_accounts WHERE position($1::bytea IN totp_secret_enc) > 0`, []byte(secret)).Scan(&secretStored)
	if secretStored != 0 {
		t.Fatal("the TOTP secret is stored in clear")
	}
	got := signintest.Actions(t, b.DB)
	for _, a := range []string{signin.ActTOTPEnabled, signin.ActSignedOut, signin.ActSignedIn} {
		if countOf(got, a) == 0 {
			t.Errorf("%s not audited: %v", a, got)
		}
	}
	if c := countOf(got, signin.ActSignInFailed); c != 3 {
		t.Errorf("%d failed codes audited, want 3", c)
	}
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	_, _, codes := enrol(t, svc, b, "sara")
	res, _ := svc.SignIn(ctx, "sara", pw, office)
	done, err := svc.SecondFactor(ctx, res.Token, strings.ToUpper(codes[3]), office)
	if err != nil || done.Stage != signin.StageSignedIn {
		t.Fatalf("%+v %v", done, err)
	}
	if s, _ := svc.Session(ctx, done.Token, true); s.SecondFactor != "recovery_code" {
		t.Fatalf("second factor %q", s.SecondFactor)
	}
	if n, _ := svc.RecoveryCodesLeft(ctx, s(t, svc, done.Token).UserID); n != signin.RecoveryCodeCount-1 {
		t.Fatalf("%d codes left", n)
	}
	// The sign-in's audit record says how many codes she has left.
	var left int
	b.DB.QueryRow(`SELECT (details->>'recovery_codes_left')::int FROM audit_events WHERE action = $1 AND details->>'second_factor' = 'recovery_code'`, signin.ActSignedIn).Scan(&left)
	if left != signin.RecoveryCodeCount-1 {
		t.Fatalf("audited recovery_codes_left %d", left)
	}
	res, _ = svc.SignIn(ctx, "sara", pw, office)
	if _, err := svc.SecondFactor(ctx, res.Token, codes[3], office); code(err) != "code_wrong" {
		t.Fatalf("reused recovery code: %v", err)
	}
	if err := svc.Reauthenticate(ctx, done.Token, pw, codes[5], office); err != nil {
		t.Fatal(err)
	}
	fresh, err := svc.RenewRecoveryCodes(ctx, done.Token, office)
	if err != nil || len(fresh) != signin.RecoveryCodeCount {
		t.Fatal(err)
	}
	if _, err := svc.SecondFactor(ctx, res.Token, codes[4], office); code(err) != "code_wrong" {
		t.Fatalf("an old code after renewal: %v", err)
	}
	if _, err := svc.SecondFactor(ctx, res.Token, fresh[0], office); err != nil {
		t.Fatalf("a renewed code: %v", err)
	}
}

func s(t *testing.T, svc *signin.Service, token string) *signin.Session {
	t.Helper()
	sess, err := svc.Session(context.Background(), token, false)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

func TestSessionIdleAndAbsoluteExpiry(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	res, _ := svc.SignIn(ctx, "ana", pw, office)

	// Activity every 29 minutes keeps it; a page refreshing itself does not.
	b.Clock.Advance(29 * time.Minute)
	if _, err := svc.Session(ctx, res.Token, true); err != nil {
		t.Fatalf("29 min idle: %v", err)
	}
	b.Clock.Advance(20 * time.Minute)
	if _, err := svc.Session(ctx, res.Token, false); err != nil {
		t.Fatalf("poll after 20 min: %v", err)
	}
	b.Clock.Advance(10 * time.Minute) // 30 min since her last click
	if _, err := svc.Session(ctx, res.Token, false); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("30 min idle: %v", err)
	}
	var n int
	b.DB.QueryRow(`SELECT count(*) FROM console_sessions`).Scan(&n)
	if n != 0 {
		t.Fatal("an ended session is still stored")
	}

	// However busy she is, 12 hours end it.
	b.Clock.Advance(time.Minute)
	res, _ = svc.SignIn(ctx, "ana", pw, office)
	for i := 0; i < 12*3-1; i++ {
		b.Clock.Advance(20 * time.Minute)
		sess, err := svc.Session(ctx, res.Token, true)
		if err != nil {
			t.Fatalf("after %v: %v", time.Duration(i+1)*20*time.Minute, err)
		}
		if !sess.IdleUntil.After(b.Clock.Now()) || sess.IdleUntil.After(res.ExpiresAt) {
			t.Fatalf("idle until %v", sess.IdleUntil)
		}
	}
	b.Clock.Advance(20 * time.Minute)
	if _, err := svc.Session(ctx, res.Token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("after 12 h: %v", err)
	}
}

func TestSignOutAndDisable(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	id := signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	one, _ := svc.SignIn(ctx, "ana", pw, office)
	two, _ := svc.SignIn(ctx, "ana", pw, office)
	if err := svc.SignOut(ctx, one.Token, office); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, one.Token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("signed-out session: %v", err)
	}
	if _, err := svc.Session(ctx, two.Token, true); err != nil {
		t.Fatalf("her other session: %v", err)
	}
	// Disabled by another process (the users row only): refused at once.
	b.DB.Exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, id)
	if _, err := svc.Session(ctx, two.Token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("disabled user's session: %v", err)
	}
	// EndUserSessions, in the disabling transaction, removes them all.
	b.DB.Exec(`UPDATE users SET disabled_at = NULL WHERE id = $1`, id)
	svc.SignIn(ctx, "ana", pw, office)
	svc.SignIn(ctx, "ana", pw, office)
	err := db.InTx(ctx, b.DB, func(q *db.Queries, _ *sql.Tx) error {
		n, err := signin.EndUserSessions(ctx, q, id)
		if n != 2 {
			t.Errorf("ended %d sessions, want 2", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestForcedPasswordChange(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	id := signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	other, _ := svc.SignIn(ctx, "ana", pw, office)
	initial := signin.GeneratePassword()
	err := db.InTx(ctx, b.DB, func(q *db.Queries, _ *sql.Tx) error {
		return svc.SetPassword(ctx, q, signin.Actor{Name: "admin"}, id, initial, true)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, other.Token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatal("setting her password did not end her sessions")
	}
	res, err := svc.SignIn(ctx, "ana", initial, office)
	if err != nil || res.Stage != signin.StageChangePassword {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := svc.ChangePassword(ctx, res.Token, "", initial, office); code(err) != "password_unchanged" {
		t.Fatalf("same password: %v", err)
	}
	if _, err := svc.ChangePassword(ctx, res.Token, "", "short", office); code(err) != "password_too_short" {
		t.Fatalf("short: %v", err)
	}
	done, err := svc.ChangePassword(ctx, res.Token, "", "a new passphrase of mine", office)
	if err != nil || done.Stage != signin.StageSignedIn {
		t.Fatalf("%+v %v", done, err)
	}
	// Signed in, changing it needs the current one; a wrong one counts.
	if _, err := svc.ChangePassword(ctx, done.Token, "not it at all", "another passphrase", office); code(err) != "password_wrong" {
		t.Fatalf("wrong current: %v", err)
	}
	again, err := svc.ChangePassword(ctx, done.Token, "a new passphrase of mine", "another passphrase", office)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, done.Token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatal("the token before the change still works")
	}
	if _, err := svc.Session(ctx, again.Token, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignIn(ctx, "ana", "another passphrase", office); err != nil {
		t.Fatal(err)
	}
}

func TestResetSecondFactor(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	_, token, _ := enrol(t, svc, b, "sara")
	sess := s(t, svc, token)
	err := db.InTx(ctx, b.DB, func(q *db.Queries, _ *sql.Tx) error {
		return svc.ResetSecondFactor(ctx, q, signin.Actor{Name: "admin"}, sess.UserID)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatal("reset did not end her sessions")
	}
	res, _ := svc.SignIn(ctx, "sara", pw, office)
	if res.Stage != signin.StageEnrol {
		t.Fatalf("after reset a supervisor enrols again, got %s", res.Stage)
	}
	if n, _ := svc.RecoveryCodesLeft(ctx, sess.UserID); n != 0 {
		t.Fatalf("%d recovery codes survive the reset", n)
	}
}

func TestPreferencesAndPrune(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	res, _ := svc.SignIn(ctx, "ana", pw, office)
	if err := svc.SetPreferences(ctx, res.Token, "es", "Europe/Madrid"); err != nil {
		t.Fatal(err)
	}
	if got := s(t, svc, res.Token); got.Language != "es" || got.TimeZone != "Europe/Madrid" {
		t.Fatalf("%+v", got)
	}
	if err := svc.SetPreferences(ctx, res.Token, "es", "Mars/Olympus"); code(err) != "invalid_time_zone" {
		t.Fatal(err)
	}
	if err := svc.SetPreferences(ctx, res.Token, "not a tag!", ""); code(err) != "invalid_language" {
		t.Fatal(err)
	}
	svc.SignIn(ctx, "ana", "wrong password!", office)
	b.Clock.Advance(25 * time.Hour)
	sessions, throttles, err := svc.Prune(ctx)
	if err != nil || sessions != 1 || throttles != 2 {
		t.Fatalf("pruned %d sessions, %d throttle rows: %v", sessions, throttles, err)
	}
}

func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		cookies   signin.Cookies
		remote    string
		tls       bool
		wantName  string
		wantSecur bool
	}{
		{"production", signin.Cookies{}, "203.0.113.9:5000", true, "__Host-sc_session", true},
		{"dev loopback", signin.Cookies{AllowLoopbackHTTP: true}, "127.0.0.1:5000", false, "sc_session", false},
		{"dev option, remote client", signin.Cookies{AllowLoopbackHTTP: true}, "203.0.113.9:5000", false, "__Host-sc_session", true},
		{"loopback without the option", signin.Cookies{}, "127.0.0.1:5000", false, "__Host-sc_session", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if !c.tls {
			r.TLS = nil
		}
		w := httptest.NewRecorder()
		c.cookies.Set(w, r, "tok")
		ck := w.Result().Cookies()[0]
		if ck.Name != c.wantName || ck.Secure != c.wantSecur || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Domain != "" || ck.MaxAge != 0 {
			t.Errorf("%s: %+v", c.name, ck)
		}
		r.AddCookie(&http.Cookie{Name: c.wantName, Value: "tok"})
		if c.cookies.Token(r) != "tok" {
			t.Errorf("%s: token not read back", c.name)
		}
	}
}

func auditCount(t *testing.T, pool *sql.DB, action string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow("SELECT count(*) FROM audit_events WHERE action = $1", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// untilAnswered repeats an attempt the hashing queue refused as busy, as
// a person told "try again shortly" would, and returns the final answer.
func untilAnswered(f func() error) error {
	for {
		err := f()
		if code(err) != "signin_busy" {
			return err
		}
		time.Sleep(time.Millisecond)
	}
}

// Concurrent wrong passwords for one name are counted before they are
// checked: of forty sent at once (from forty addresses, so only her
// name's count stands in the way), exactly the four a sequence would
// check are hashed (the fourth starts the block), the rest are refused
// unhashed, and the right password afterwards meets the block. With
// check-then-count all forty were hashed.
func TestConcurrentPasswordGuessesCountedBeforeChecking(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	pool.SetMaxOpenConns(8) // a burst need not take a shared server's connections
	// The real parameters: each check takes long enough that, counted
	// after checking, every guess would pass the check first.
	svc, b := signintest.New(t, pool, signin.Config{Params: signin.DefaultParams})
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	ctx := context.Background()
	const n = 40
	results := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			from := signin.Client{IP: net.ParseIP(fmt.Sprintf("198.51.100.%d", i+1))}
			results[i] = code(untilAnswered(func() error {
				_, err := svc.SignIn(ctx, "ana", fmt.Sprintf("wrong password %02d", i), from)
				return err
			}))
		})
	}
	close(start)
	wg.Wait()
	counts := map[string]int{}
	for _, r := range results {
		counts[r]++
	}
	if failed := auditCount(t, b.DB, signin.ActSignInFailed); failed != 4 || counts["signin_failed"]+counts["signin_throttled"] != n {
		t.Fatalf("%d wrong passwords checked (a sequence checks 4); answers %v", failed, counts)
	}
	if blocks := auditCount(t, b.DB, signin.ActSignInBlocked); blocks != 1 {
		t.Errorf("%d blocks audited, want 1", blocks)
	}
	if _, err := svc.SignIn(ctx, "ana", pw, office); code(err) != "signin_throttled" {
		t.Fatalf("the right password after the burst: %v", err)
	}
}

// Concurrent codes are checked one at a time against one count: on one
// session (a burst with the right code inside it signs in once, and what
// arrives after finds the session moved on, uncounted), and across many
// sessions opened with her password (exactly four wrong codes checked).
func TestConcurrentCodesCountedBeforeChecking(t *testing.T) {
	svc, b := setup(t)
	b.DB.SetMaxOpenConns(8)
	ctx := context.Background()
	secret, _, _ := enrol(t, svc, b, "sofia")
	b.Clock.Advance(30 * time.Second) // the enrolment used this step
	res, err := svc.SignIn(ctx, "sofia", pw, office)
	if err != nil || res.Stage != signin.StageSecondFactor {
		t.Fatal(res, err)
	}
	good, _ := signin.TOTPCode(secret, b.Clock.Now())
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 200 {
		wg.Go(func() {
			<-start
			c := fmt.Sprintf("%06d", i)
			if c == good {
				c = "999999"
			}
			if i%25 == 0 {
				c = good
			}
			_, err := svc.SecondFactor(ctx, res.Token, c, office)
			mu.Lock()
			counts[code(err)]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if failed := auditCount(t, b.DB, signin.ActSignInFailed); failed > 4 || counts[""] > 1 {
		t.Fatalf("one session: %d wrong codes checked (at most 4), answers %v", failed, counts)
	}

	// Someone with her password opens sessions from several addresses
	// and sends wrong codes on all of them at once.
	b.Clock.Advance(5 * time.Hour) // the first burst's failures decay
	before := auditCount(t, b.DB, signin.ActSignInFailed)
	var tokens []string
	for i := range 5 {
		r, err := svc.SignIn(ctx, "sofia", pw, signin.Client{IP: net.ParseIP(fmt.Sprintf("198.51.100.%d", i+1))})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, r.Token)
	}
	wrong := "000000"
	if wrong == good {
		wrong = "111111"
	}
	clear(counts)
	for i := range 100 {
		wg.Go(func() {
			<-start
			_, err := svc.SecondFactor(ctx, tokens[i%5], wrong, signin.Client{IP: net.ParseIP(fmt.Sprintf("198.51.100.%d", i%5+1))})
			mu.Lock()
			counts[code(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if failed := auditCount(t, b.DB, signin.ActSignInFailed) - before; failed != 4 || counts["code_wrong"] != 3 || counts["signin_throttled"] != 97 {
		t.Fatalf("many sessions: %d wrong codes checked (a sequence checks 4), answers %v", failed, counts)
	}
}

// The second step has a counter of its own, which a correct password
// does not reset: password, three wrong codes, password again, and the
// next wrong code (a recovery code counts too) starts the block. Before,
// the password cleared the count and codes could be guessed for ever in
// rounds of three.
func TestPasswordSuccessKeepsCodeCount(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	secret, _, _ := enrol(t, svc, b, "sofia")
	b.Clock.Advance(30 * time.Second)
	wrongTOTP := func(i int) string {
		c := fmt.Sprintf("%06d", 100000+i)
		if good, _ := signin.TOTPCode(secret, b.Clock.Now()); c == good {
			c = "999999"
		}
		return c
	}
	res, err := svc.SignIn(ctx, "sofia", pw, office)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := svc.SecondFactor(ctx, res.Token, wrongTOTP(i), office); code(err) != "code_wrong" {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	// Her password again, from another address: accepted ...
	other := signin.Client{IP: net.ParseIP("2001:db8:0:1::1")}
	res, err = svc.SignIn(ctx, "sofia", pw, other)
	if err != nil || res.Stage != signin.StageSecondFactor {
		t.Fatalf("password: %+v %v", res, err)
	}
	// ... but the code count stands: a wrong recovery code is the fourth.
	_, err = svc.SecondFactor(ctx, res.Token, "aaaa-bbbb-cccc-dddd", other)
	if code(err) != "signin_throttled" || signin.RetryAfter(err) != 5*time.Second {
		t.Fatalf("4th wrong code after a correct password: %v", err)
	}
	good, _ := signin.TOTPCode(secret, b.Clock.Now())
	if _, err := svc.SecondFactor(ctx, res.Token, good, other); code(err) != "signin_throttled" {
		t.Fatalf("right code while blocked: %v", err)
	}
	// After the block the right code signs her in and clears the count.
	b.Clock.Advance(5 * time.Second)
	good, _ = signin.TOTPCode(secret, b.Clock.Now())
	if _, err := svc.SecondFactor(ctx, res.Token, good, other); err != nil {
		t.Fatalf("right code after the block: %v", err)
	}
	var rows int
	b.DB.QueryRow(`SELECT count(*) FROM signin_throttle WHERE key LIKE 'code:%' OR key LIKE 'user:%'`).Scan(&rows)
	if rows != 0 {
		t.Fatalf("%d name or code counts left after she signed in", rows)
	}
}

// An office behind one address: ten colleagues, eight typos a day for
// four days, each followed by the right password. Failures decay and a
// success takes back its own attempt, so the typos never add up to a
// block. Before, the address count only grew until each typo blocked the
// whole office for 15 minutes.
func TestOfficeTyposDoNotAddUp(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	for i := range 10 {
		signintest.AddUser(t, svc, b.DB, fmt.Sprintf("worker%d", i), "staff", pw)
	}
	for day := range 4 {
		for h := range 8 {
			name := fmt.Sprintf("worker%d", (day*8+h)%10)
			b.Clock.Advance(time.Hour)
			if _, err := svc.SignIn(ctx, name, "typo typo typo", office); code(err) != "signin_failed" {
				t.Fatalf("day %d, typo %d: %v", day, h, err)
			}
			if _, err := svc.SignIn(ctx, name, pw, office); err != nil {
				t.Fatalf("day %d: %v", day, err)
			}
		}
		b.Clock.Advance(15 * time.Hour) // overnight
	}
	if _, err := svc.SignIn(ctx, "worker9", "typo typo typo", office); code(err) != "signin_failed" {
		t.Fatalf("a typo on day 5: %v", err)
	}
	if _, err := svc.SignIn(ctx, "worker1", pw, office); err != nil {
		t.Fatalf("a colleague on day 5: %v", err)
	}
	if blocks := auditCount(t, b.DB, signin.ActSignInBlocked); blocks != 0 {
		t.Fatalf("%d blocks in an ordinary office week", blocks)
	}
}

// Somebody who knows her name blocks it from elsewhere, trying again the
// moment each block ends, for a day. The name stays blocked for browsers
// that never signed her in, but her own browser (its device cookie)
// signs her in throughout; and an attacker's typos at her office's
// address do not block it either.
func TestKnownDeviceNotLockedOutByName(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "oncall", "staff", pw)
	first, err := svc.SignIn(ctx, "oncall", pw, office)
	if err != nil || first.Device == "" || first.DeviceLifetime != 90*24*time.Hour {
		t.Fatalf("first sign-in: %+v %v", first, err)
	}
	var stored int
	b.DB.QueryRow(`SELECT count(*) FROM console_devices WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, first.Device).Scan(&stored)
	if stored != 1 {
		t.Fatal("the device is not stored by its hash")
	}
	device := signin.Client{IP: office.IP, RequestID: "d", Device: first.Device}
	attacker := signin.Client{IP: net.ParseIP("198.51.100.7"), RequestID: "a"}
	requests, hers := 0, 0
	end := b.Clock.Now().Add(24 * time.Hour)
	for b.Clock.Now().Before(end) {
		_, err := svc.SignIn(ctx, "oncall", "guess guess guess", attacker)
		requests++
		d := max(signin.RetryAfter(err), time.Second)
		b.Clock.Advance(d / 2)
		if requests > 12 {
			// Mid-block: a browser that never signed her in is refused ...
			if _, err := svc.SignIn(ctx, "oncall", pw, office); code(err) != "signin_throttled" {
				t.Fatalf("after %d attacker requests, an unknown browser: %v", requests, err)
			}
			// ... her own is not, and its cookie stays the same.
			r, err := svc.SignIn(ctx, "oncall", pw, device)
			if err != nil || r.Device != first.Device {
				t.Fatalf("after %d attacker requests, her own browser: %+v %v", requests, r, err)
			}
			hers++
		}
		b.Clock.Advance(d - d/2)
	}
	if hers == 0 {
		t.Fatal("the lockout never reached the long blocks")
	}
	// The office's address blocked by a burst of guesses at other names:
	for i := range 21 {
		svc.SignIn(ctx, fmt.Sprintf("nobody%d", i), "guess guess guess", office)
	}
	if _, err := svc.SignIn(ctx, "oncall", pw, office); code(err) != "signin_throttled" {
		t.Fatalf("blocked address, unknown browser: %v", err)
	}
	if _, err := svc.SignIn(ctx, "oncall", pw, device); err != nil {
		t.Fatalf("blocked address, her browser: %v", err)
	}
	// Her browser's own guesses are throttled on the device: 5 free.
	for i := range 5 {
		if _, err := svc.SignIn(ctx, "oncall", "wrong on my laptop", device); code(err) != "signin_failed" {
			t.Fatalf("device failure %d: %v", i+1, err)
		}
	}
	if _, err := svc.SignIn(ctx, "oncall", "wrong on my laptop", device); code(err) != "signin_throttled" {
		t.Fatalf("6th failure on her device: %v", err)
	}
	// A device cookie is no key to anyone else's account, and a value we
	// never issued is not adopted.
	signintest.AddUser(t, svc, b.DB, "other", "staff", pw)
	b.Clock.Advance(time.Hour)
	r, err := svc.SignIn(ctx, "other", pw, signin.Client{IP: attacker.IP, Device: "made-up-value"})
	if err != nil || r.Device == "made-up-value" || r.Device == first.Device {
		t.Fatalf("made-up device value: %+v %v", r, err)
	}
}

// Changing her password while signed in gives the session a new token
// but keeps its absolute expiry: 12 hours from sign-in, however often
// she changes it. Before, each change granted 12 more hours.
func TestPasswordChangeKeepsAbsoluteExpiry(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	res, err := svc.SignIn(ctx, "ana", pw, office)
	if err != nil {
		t.Fatal(err)
	}
	end := res.ExpiresAt
	pws := []string{"another long passphrase", pw}
	tok := res.Token
	for i := range 4 {
		for range 4 { // two hours of work, a click every half hour
			b.Clock.Advance(29 * time.Minute)
			if _, err := svc.Session(ctx, tok, true); err != nil {
				t.Fatal(err)
			}
		}
		r, err := svc.ChangePassword(ctx, tok, pws[(i+1)%2], pws[i%2], office)
		if err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		if !r.ExpiresAt.Equal(end) {
			t.Fatalf("change %d: the session now ends %v, not %v", i, r.ExpiresAt, end)
		}
		tok = r.Token
		sess, err := svc.Session(ctx, tok, true)
		if err != nil || !sess.ExpiresAt.Equal(end) || !sess.SignedInAt.Equal(end.Add(-12*time.Hour)) {
			t.Fatalf("change %d: %+v %v", i, sess, err)
		}
	}
	for b.Clock.Now().Add(29 * time.Minute).Before(end) {
		b.Clock.Advance(29 * time.Minute)
		if _, err := svc.Session(ctx, tok, true); err != nil {
			t.Fatalf("before the end: %v", err)
		}
	}
	b.Clock.Advance(end.Sub(b.Clock.Now()))
	if _, err := svc.Session(ctx, tok, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("12 h after sign-in: %v", err)
	}
}

// Password hashing has a bounded queue. One address's burst holds at
// most MaxHashesPerClient places (the rest are refused at once and not
// counted), so a colleague's sign-in does not wait behind it; when every
// place is taken, a sign-in is refused as busy at once, its attempt not
// counted. Before, every request of a burst queued and everyone waited.
func TestHashQueueBounded(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	svc, b := signintest.New(t, pool, signin.Config{MaxConcurrentHashes: 3, MaxQueuedHashes: 3, MaxHashesPerClient: 2})
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	ctx := context.Background()
	// Hashes of the held addresses wait until released.
	var mu sync.Mutex
	held := map[string]chan struct{}{}
	entered := map[string]int{}
	hold := func(client string) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		ch := make(chan struct{})
		held[client] = ch
		return ch
	}
	signin.SetHashHook(svc, func(client string) {
		mu.Lock()
		entered[client]++
		ch := held[client]
		mu.Unlock()
		if ch != nil {
			<-ch
		}
	})
	attacker := signin.Client{IP: net.ParseIP("198.51.100.7"), RequestID: "a"}
	release := hold("addr:198.51.100.7")
	answers := make(chan string, 60)
	for i := range 60 {
		go func() {
			_, err := svc.SignIn(ctx, fmt.Sprintf("nobody%d", i), "whatever whatever", attacker)
			answers <- code(err)
		}()
	}
	counts := map[string]int{}
	for range 58 { // all but the two holding places answer at once
		counts[<-answers]++
	}
	if counts["signin_busy"]+counts["signin_throttled"] != 58 {
		t.Fatalf("burst answers %v", counts)
	}
	// A colleague signs in while the burst's two hashes are held.
	if _, err := svc.SignIn(ctx, "ana", pw, office); err != nil {
		t.Fatalf("colleague during the burst: %v", err)
	}
	close(release)
	for range 2 {
		if a := <-answers; a != "signin_failed" {
			t.Fatalf("a held attempt answered %q", a)
		}
	}
	mu.Lock()
	hashed := entered["addr:198.51.100.7"]
	mu.Unlock()
	var failures int
	b.DB.QueryRow(`SELECT failures FROM signin_throttle WHERE key = 'addr:198.51.100.7'`).Scan(&failures)
	if hashed != 2 || failures != 2 || auditCount(t, b.DB, signin.ActSignInFailed) != 2 {
		t.Fatalf("burst: %d hashed, address counts %d failures (busy attempts must not count)", hashed, failures)
	}

	// Every place taken (3 running, 3 waiting, from three addresses):
	var releases []chan struct{}
	done := make(chan error, 6)
	for a := range 3 {
		ip := fmt.Sprintf("203.0.113.%d", a+1)
		releases = append(releases, hold("addr:"+ip))
		for i := range 2 {
			go func() {
				_, err := svc.SignIn(ctx, fmt.Sprintf("somebody%d-%d", a, i), "whatever whatever", signin.Client{IP: net.ParseIP(ip)})
				done <- err
			}()
		}
	}
	waitFor(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return entered["addr:203.0.113.1"]+entered["addr:203.0.113.2"]+entered["addr:203.0.113.3"] == 3 && signin.HashesQueued(svc) == 6
	})
	// (three hashing, three waiting) ... a fourth address is refused at once.
	_, err := svc.SignIn(ctx, "ana", pw, signin.Client{IP: net.ParseIP("192.0.2.99")})
	if code(err) != "signin_busy" {
		t.Fatalf("full queue: %v", err)
	}
	var rows int
	b.DB.QueryRow(`SELECT count(*) FROM signin_throttle WHERE key = 'addr:192.0.2.99'`).Scan(&rows)
	if rows != 0 {
		t.Fatal("a busy refusal was counted against the address")
	}
	for _, r := range releases {
		close(r)
	}
	for range 6 {
		if err := <-done; code(err) != "signin_failed" && code(err) != "signin_throttled" {
			t.Fatalf("queued attempt: %v", err)
		}
	}
}

// waitFor polls cond (a state other goroutines reach) until it holds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the condition was never reached")
		}
	}
}

// A sign-in step without a client address is refused, and counts
// nowhere: one shared bucket would let one client block everyone.
func TestNoClientAddressRefused(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	for range 30 {
		if _, err := svc.SignIn(ctx, "ana", "wrong password!", signin.Client{}); code(err) != "client_address_unknown" {
			t.Fatalf("no address: %v", err)
		}
	}
	var rows int
	b.DB.QueryRow(`SELECT count(*) FROM signin_throttle`).Scan(&rows)
	if rows != 0 || auditCount(t, b.DB, signin.ActSignInFailed) != 0 {
		t.Fatal("an attempt without an address was counted")
	}
	if _, err := svc.SignIn(ctx, "ana", pw, office); err != nil {
		t.Fatal(err)
	}
}

// An IPv6 site (/48) has a ceiling of its own: guesses spread over its
// /64s, one each, are blocked after 60, for every /64 of the site.
func TestIPv6SiteCeiling(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	from := func(i int) signin.Client { return signin.Client{IP: net.ParseIP(fmt.Sprintf("2001:db8:7:%x::1", i))} }
	for i := range 60 {
		if _, err := svc.SignIn(ctx, fmt.Sprintf("guess%d", i), "wrong password!", from(i)); code(err) != "signin_failed" {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := svc.SignIn(ctx, "guess60", "wrong password!", from(60)); code(err) != "signin_throttled" {
		t.Fatalf("61st failure from the site: %v", err)
	}
	if _, err := svc.SignIn(ctx, "ana", pw, from(1000)); code(err) != "signin_throttled" {
		t.Fatalf("a fresh /64 of the blocked site: %v", err)
	}
	if _, err := svc.SignIn(ctx, "ana", pw, signin.Client{IP: net.ParseIP("2001:db8:8::1")}); err != nil {
		t.Fatalf("another site: %v", err)
	}
}

// Setting up or changing the second step, and new recovery codes, need
// her password (and current code) typed again in the same session; the
// pending secret belongs to the session that asked for it; enrolling or
// changing ends her other sessions.
func TestSecondFactorChangesNeedReauthentication(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	mine, _ := svc.SignIn(ctx, "ana", pw, office)
	elsewhere, _ := svc.SignIn(ctx, "ana", pw, office)
	if _, err := svc.BeginTOTP(ctx, mine.Token); !errors.Is(err, signin.ErrReauthRequired) {
		t.Fatalf("second step without her password: %v", err)
	}
	if err := svc.Reauthenticate(ctx, mine.Token, "not my password", "", office); code(err) != "password_wrong" {
		t.Fatalf("wrong password: %v", err)
	}
	if err := svc.Reauthenticate(ctx, mine.Token, pw, "", office); err != nil {
		t.Fatal(err)
	}
	en, err := svc.BeginTOTP(ctx, mine.Token)
	if err != nil {
		t.Fatal(err)
	}
	// Her other session, reauthenticated too, gets a secret of its own
	// and cannot confirm this one.
	if err := svc.Reauthenticate(ctx, elsewhere.Token, pw, "", office); err != nil {
		t.Fatal(err)
	}
	if other, _ := svc.BeginTOTP(ctx, elsewhere.Token); other.Secret == en.Secret {
		t.Fatal("two sessions share a pending secret")
	}
	c, _ := signin.TOTPCode(en.Secret, b.Clock.Now())
	if _, _, err := svc.ConfirmTOTP(ctx, elsewhere.Token, c, office); code(err) != "code_wrong" {
		t.Fatalf("another session confirmed this one's secret: %v", err)
	}
	_, codes, err := svc.ConfirmTOTP(ctx, mine.Token, c, office)
	if err != nil || len(codes) != signin.RecoveryCodeCount {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, elsewhere.Token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatal("enrolling did not end her other session")
	}
	// The reauthentication was used up; the next one needs a code too.
	if _, err := svc.RenewRecoveryCodes(ctx, mine.Token, office); !errors.Is(err, signin.ErrReauthRequired) {
		t.Fatalf("recovery codes without reauthenticating: %v", err)
	}
	if err := svc.Reauthenticate(ctx, mine.Token, pw, "", office); code(err) != "code_wrong" {
		t.Fatalf("password without a code: %v", err)
	}
	b.Clock.Advance(30 * time.Second)
	c, _ = signin.TOTPCode(en.Secret, b.Clock.Now())
	if err := svc.Reauthenticate(ctx, mine.Token, pw, c, office); err != nil {
		t.Fatal(err)
	}
	// Good for ReauthWindow only.
	b.Clock.Advance(5 * time.Minute)
	if _, err := svc.RenewRecoveryCodes(ctx, mine.Token, office); !errors.Is(err, signin.ErrReauthRequired) {
		t.Fatalf("after the window: %v", err)
	}
	// Changing the second step: password and current code, a new secret,
	// her other sessions end, the old app's codes stop working.
	b.Clock.Advance(30 * time.Second)
	c, _ = signin.TOTPCode(en.Secret, b.Clock.Now())
	if err := svc.Reauthenticate(ctx, mine.Token, pw, c, office); err != nil {
		t.Fatal(err)
	}
	other, _ := svc.SignIn(ctx, "ana", pw, office)
	next, err := svc.BeginTOTP(ctx, mine.Token)
	if err != nil || next.Secret == en.Secret {
		t.Fatalf("change: %v", err)
	}
	c, _ = signin.TOTPCode(next.Secret, b.Clock.Now())
	if _, _, err := svc.ConfirmTOTP(ctx, mine.Token, c, office); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, other.Token, true); !errors.Is(err, signin.ErrNoSession) {
		t.Fatal("changing the second step did not end her other sessions")
	}
	b.Clock.Advance(30 * time.Second)
	res, _ := svc.SignIn(ctx, "ana", pw, office)
	old, _ := signin.TOTPCode(en.Secret, b.Clock.Now())
	if _, err := svc.SecondFactor(ctx, res.Token, old, office); code(err) != "code_wrong" {
		t.Fatalf("the old app's code: %v", err)
	}
	if n := auditCount(t, b.DB, signin.ActTOTPChanged); n != 1 {
		t.Fatalf("%d totp.changed audited", n)
	}
}

// A staff member promoted to supervisor while signed in, without a
// second step: her session ends at its next use, and signing in again
// takes her to enrolment right after her password.
func TestPromotedStaffSentToEnrolment(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	id := signintest.AddUser(t, svc, b.DB, "ana", "staff", pw)
	res, _ := svc.SignIn(ctx, "ana", pw, office)
	b.DB.Exec(`UPDATE users SET role = 'supervisor' WHERE id = $1`, id)
	_, err := svc.Session(ctx, res.Token, true)
	if !errors.Is(err, signin.ErrSecondFactorNeeded) || !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("promoted session: %v", err)
	}
	if again, err := svc.SignIn(ctx, "ana", pw, office); err != nil || again.Stage != signin.StageEnrol {
		t.Fatalf("next sign-in: %+v %v", again, err)
	}
}

// One code (TOTP or recovery) sent on four sessions at once is accepted
// exactly once.
func TestConcurrentReplayAcceptedOnce(t *testing.T) {
	svc, b := setup(t)
	ctx := context.Background()
	secret, _, rec := enrol(t, svc, b, "sofia")
	for trial := range 10 {
		b.Clock.Advance(30 * time.Second)
		var toks []string
		for i := range 4 {
			res, err := svc.SignIn(ctx, "sofia", pw, signin.Client{IP: net.ParseIP(fmt.Sprintf("10.0.%d.%d", trial, i))})
			if err != nil {
				t.Fatal(err)
			}
			toks = append(toks, res.Token)
		}
		c, _ := signin.TOTPCode(secret, b.Clock.Now())
		if trial%2 == 1 {
			c = rec[trial/2]
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for _, tok := range toks {
			wg.Go(func() {
				if _, err := svc.SecondFactor(ctx, tok, c, signin.Client{IP: net.ParseIP(fmt.Sprintf("10.9.%d.9", trial))}); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("trial %d: %d of 4 concurrent submissions of one code accepted", trial, ok)
		}
	}
}
