package signin

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"time"

	"safecontact/db"
)

// Session is a console session and what the console shows of its user.
type Session struct {
	ID     int64
	UserID int64
	Name   string
	Role   string
	Stage  Stage
	// SecondFactor is how she passed it: "totp", "recovery_code" or "".
	SecondFactor       string
	Language, TimeZone string // her preferences; "" = not chosen
	TOTPEnabled        bool
	MustChangePassword bool
	// SignedInAt is when this stage began (for a signed-in session, when
	// sign-in completed); ExpiresAt the absolute end; IdleUntil the end
	// if she does nothing more.
	SignedInAt, ExpiresAt, IdleUntil time.Time
	// ReauthAt is when she last typed her password again in this session
	// (zero: not since the last change it allowed).
	ReauthAt time.Time
}

var roleRank = map[string]int{"staff": 1, "supervisor": 2, "admin": 3}

// AtLeast reports whether her role includes role (staff < supervisor <
// admin). An unknown role includes nothing.
func (s *Session) AtLeast(role string) bool {
	r := roleRank[role]
	return r > 0 && roleRank[s.Role] >= r
}

func (s *Session) actor(c Client) Actor {
	return Actor{UserID: s.UserID, Name: s.Name, Role: s.Role, IP: c.IP, RequestID: c.RequestID}
}

func sessionFrom(r db.SessionByTokenHashRow) *Session {
	return &Session{
		ID: r.ID, UserID: r.UserID, Name: r.Name, Role: r.Role, Stage: Stage(r.Stage),
		SecondFactor: r.SecondFactor.String, Language: r.Language, TimeZone: r.TimeZone,
		TOTPEnabled: r.TotpEnabled, MustChangePassword: r.MustChangePassword,
		SignedInAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, ReauthAt: r.ReauthAt.Time,
	}
}

// Session returns the live session of token, or ErrNoSession. activity
// says the request is her doing (a click, a form): it restarts the idle
// timeout. A page refreshing itself passes false, so an open screen
// nobody looks at still times out.
//
// An expired session, an idle one, or one whose user is disabled is
// deleted on sight. So is a signed-in session whose role now needs a
// second step she has not set up (she was promoted while signed in):
// ErrSecondFactorNeeded, and her next sign-in leads to enrolment right
// after her password (never on the strength of an old session alone).
func (s *Service) Session(ctx context.Context, token string, activity bool) (*Session, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	row, err := s.q.SessionByTokenHash(ctx, hashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	sess := sessionFrom(row)
	sess.IdleUntil = row.LastSeenAt.Add(s.cfg.IdleTimeout)
	if row.DisabledAt.Valid || !now.Before(row.ExpiresAt) || !now.Before(sess.IdleUntil) {
		if err := s.q.DeleteSession(ctx, row.ID); err != nil {
			return nil, err
		}
		return nil, ErrNoSession
	}
	if sess.Stage == StageSignedIn && !sess.TOTPEnabled && s.cfg.TOTPRequired(sess.Role) {
		if err := s.q.DeleteSession(ctx, row.ID); err != nil {
			return nil, err
		}
		return nil, ErrSecondFactorNeeded
	}
	if activity {
		if err := s.q.TouchSession(ctx, db.TouchSessionParams{ID: row.ID, Now: now}); err != nil {
			return nil, err
		}
		sess.IdleUntil = now.Add(s.cfg.IdleTimeout)
	}
	sess.IdleUntil = minTime(sess.IdleUntil, sess.ExpiresAt)
	return sess, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// sessionAt is Session for a step that needs one stage.
func (s *Service) sessionAt(ctx context.Context, token string, st Stage) (*Session, error) {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return nil, err
	}
	if sess.Stage != st {
		return nil, ErrWrongStage
	}
	return sess, nil
}

// Cookies are the session cookie's name and attributes: HttpOnly (no
// script reads it), SameSite=Strict (no other site's page sends it),
// Path=/ and Secure, under the __Host- prefix (the browser refuses it
// unless Secure, Path=/ and host-only, so a sibling subdomain cannot set
// or shadow it).
//
// The one exception is plain HTTP on loopback for development
// (AllowLoopbackHTTP and a request that came over plain HTTP from a
// loopback address): there a Secure cookie would not come back, so the
// cookie is named without the prefix and sent without Secure. Any other
// plain-HTTP request still gets a Secure cookie, which the browser then
// drops: signing in over plain HTTP from elsewhere fails closed.
type Cookies struct {
	AllowLoopbackHTTP bool
}

const (
	cookieSecure = "__Host-sc_session"
	cookiePlain  = "sc_session"
	// The device cookie (device.go): same attributes, but long-lived.
	deviceSecure = "__Host-sc_device"
	devicePlain  = "sc_device"
)

func (c Cookies) plain(r *http.Request) bool {
	if !c.AllowLoopbackHTTP || r.TLS != nil {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c Cookies) name(r *http.Request) string {
	if c.plain(r) {
		return cookiePlain
	}
	return cookieSecure
}

func (c Cookies) deviceName(r *http.Request) string {
	if c.plain(r) {
		return devicePlain
	}
	return deviceSecure
}

func (c Cookies) set(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: !c.plain(r), SameSite: http.SameSiteStrictMode})
}

func value(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return ck.Value
}

// Token reads the session token from r ("" if none).
func (c Cookies) Token(r *http.Request) string { return value(r, c.name(r)) }

// Set sends the session cookie. It is a session cookie (no Max-Age): it
// goes when the browser closes, and the server ends it anyway.
func (c Cookies) Set(w http.ResponseWriter, r *http.Request, token string) {
	c.set(w, r, c.name(r), token, 0)
}

// Clear tells the browser to drop the session cookie.
func (c Cookies) Clear(w http.ResponseWriter, r *http.Request) {
	c.set(w, r, c.name(r), "", -1)
}

// Device reads the device token from r ("" if none).
func (c Cookies) Device(r *http.Request) string { return value(r, c.deviceName(r)) }

// SetDevice sends the device cookie of a completed sign-in
// (Result.Device), kept for Result.DeviceLifetime. Signing out keeps it:
// it says this browser signed her in, not that she is signed in.
func (c Cookies) SetDevice(w http.ResponseWriter, r *http.Request, res Result) {
	if res.Device != "" {
		c.set(w, r, c.deviceName(r), res.Device, int(res.DeviceLifetime/time.Second))
	}
}
