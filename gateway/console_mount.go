package gateway

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/console"
	"safecontact/gateway/console/messageui"
	"safecontact/gateway/console/oncallui"
	"safecontact/gateway/console/participantui"
	"safecontact/gateway/console/referralui"
	"safecontact/gateway/console/safetyui"
	"safecontact/gateway/console/supervisorui"
	"safecontact/gateway/httpx"
	"safecontact/gateway/runner"
)

// The web console beside the API, on the same port.
//
// Invariants, and why:
//   - One router: gin keeps /v1/..., /healthz, /readyz and /webhooks/...;
//     every path it does not know goes to the console (noRoute), except
//     paths under /v1/ and /webhooks/, which stay JSON 404s with the API
//     headers. So an API client never gets an HTML page, and the console's
//     headers (CSP, no-store, cross-origin protection) are set by the
//     console alone, the API's by the /v1 group alone.
//   - The console sees the client address gin computed (trusted proxies
//     honoured) and the request id of the access log and the audit log.
//   - The sign-in service uses the server's database, key ring and clock,
//     and writes its audit events through Append, in the transaction of
//     the change they record.

// ConsoleConfig is the console's part of the process configuration.
type ConsoleConfig struct {
	// Zone is the time zone for staff who chose none (IANA; "" = UTC).
	Zone string
	// Signin is the sign-in policy (zero fields: the defaults).
	Signin signin.Config
	// AllowLoopbackHTTP: the session cookie works over plain HTTP from a
	// loopback address. Open sets it when there is no TLS and no proxy in
	// front (then the server listens on loopback only).
	AllowLoopbackHTTP bool
	// TrustedOrigins may post the console's forms from another origin.
	TrustedOrigins []string
}

// SigninAudit writes a sign-in audit event with Append.
func SigninAudit(ctx context.Context, q *db.Queries, e signin.AuditEvent) error {
	a := &auth.Actor{UserID: e.Actor.UserID, Name: e.Actor.Name, Role: auth.Role(e.Actor.Role), RequestID: e.Actor.RequestID, IP: e.Actor.IP}
	if a.Name == "" {
		a.Name = "anonymous"
	}
	return recordAudit(ctx, q, a, e.Action, e.Details)
}

// NewConsole builds the sign-in service and the console on the server's
// database, key ring, clock and logger, and mounts the console at /.
func (s *Server) NewConsole(cfg ConsoleConfig) (*signin.Service, *console.Console, error) {
	svc, err := signin.New(signin.Deps{DB: s.db, Keys: s.keys, Audit: SigninAudit, Now: s.now, Config: cfg.Signin})
	if err != nil {
		return nil, nil, err
	}
	con, err := console.New(console.Deps{
		Auth: svc, Log: s.log,
		Config: console.Config{
			DefaultZone: cfg.Zone, AllowLoopbackHTTP: cfg.AllowLoopbackHTTP, TrustedOrigins: cfg.TrustedOrigins,
			ClientIP:  func(r *http.Request) net.IP { return consoleReqOf(r).ip },
			RequestID: func(r *http.Request) string { return consoleReqOf(r).id },
		},
	})
	if err != nil {
		return nil, nil, err
	}
	// The console's route table. The core (console.New) serves /static,
	// /signin and its steps, /signout, / and /account (staff), and the 404
	// page; each area then mounts its pages, with their roles.
	//
	// /callbacks, /inbox, /escalations (staff)
	oncallui.Mount(con, oncallui.Deps{OnCall: onCallPages{s.callbacks, s}})
	// /appointments, /meeting-points, /participants/{code}/checkins (staff)
	safetyui.Mount(con, safetyui.Deps{Safety: s.safety})
	// /participants, /participants/{code} and its forms (staff)
	if s.participants != nil {
		participantui.Mount(con, participantui.Deps{Participants: s.participants})
	}
	// /audit, /dashboard, /participants/{code}/contact-log (supervisor);
	// /admin/users (admin)
	supervisorui.Mount(con, s.oversight(svc))
	// /participants/{code}/compose, /participants/{code}/messages (staff)
	messageui.Mount(con, messageui.Deps{Messages: consoleMessages{s}})
	// /referrals (staff); /admin/partners (admin)
	if s.referrals != nil {
		referralui.Mount(con, referralui.Deps{Referrals: s.referrals})
	}
	s.signin, s.console = svc, con.Handler()
	return svc, con, nil
}

// Signin is the sign-in service (nil until NewConsole).
func (s *Server) Signin() *signin.Service { return s.signin }

type consoleReqKey struct{}

type consoleReq struct {
	ip net.IP
	id string
}

func consoleReqOf(r *http.Request) consoleReq {
	v, _ := r.Context().Value(consoleReqKey{}).(consoleReq)
	return v
}

// apiPath reports whether p belongs to the API side (JSON answers).
func apiPath(p string) bool {
	return p == "/v1" || strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/webhooks/") || p == "/healthz" || p == "/readyz"
}

// noRoute answers every path gin does not know: the console's, or a JSON
// 404 on the API side (and when no console is mounted).
func (s *Server) noRoute(c *gin.Context) {
	if s.console == nil || apiPath(c.Request.URL.Path) {
		httpx.SetAPIHeaders(c)
		httpx.Fail(c, httpx.NotFound("route"))
		return
	}
	httpx.SetRouteName(c, "console") // its paths can hold a participant's code
	// gin has set 404 already; a handler that writes without WriteHeader
	// means 200.
	c.Status(http.StatusOK)
	ctx := context.WithValue(c.Request.Context(), consoleReqKey{}, consoleReq{ip: net.ParseIP(c.ClientIP()), id: c.GetString(httpx.KeyRequestID)})
	s.console.ServeHTTP(c.Writer, c.Request.WithContext(ctx))
}

// pruneEvery is how often the scheduler leader deletes ended sign-in
// sessions, decayed throttle counts and forgotten devices. Lookups never
// rely on it (an expired session is refused whether or not its row is
// gone); it only keeps the tables small.
const pruneEvery = 10 * time.Minute

// pruneSignin is a scheduler step: Prune at most every pruneEvery.
func pruneSignin(svc *signin.Service, log *slog.Logger) runner.Step {
	var last time.Time
	return runner.Step{Name: "prune_signin", Run: func(ctx context.Context, now time.Time) (int, error) {
		if !last.IsZero() && now.Sub(last) < pruneEvery {
			return 0, nil
		}
		last = now
		sessions, throttles, err := svc.Prune(ctx)
		if err != nil {
			return 0, err
		}
		if sessions > 0 || throttles > 0 {
			log.Info("signin: pruned", "sessions", sessions, "throttle_rows", throttles)
		}
		// Not work for the relay: 0.
		return 0, nil
	}}
}
