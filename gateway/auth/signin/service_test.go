package signin_test

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
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
	res, _ = svc.SignIn(ctx, "sara", pw, office)
	if _, err := svc.SecondFactor(ctx, res.Token, codes[3], office); code(err) != "code_wrong" {
		t.Fatalf("reused recovery code: %v", err)
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
