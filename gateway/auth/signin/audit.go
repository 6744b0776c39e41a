package signin

import (
	"context"
	"net"

	"safecontact/db"
)

// Audit actions written by this package. Details never carry a password,
// a code, a token or the name typed in a failed attempt (people type
// passwords into the name field).
const (
	// ActSignedIn: she finished signing in. details.second_factor:
	// "none", "totp" or "recovery_code" (then also
	// details.recovery_codes_left, the codes she has left).
	ActSignedIn = "signin.succeeded"
	// ActSignInFailed: a wrong name, password or code. details.stage:
	// "password", "second_factor", "change_password" (her current
	// password, signed in) or "reauth" (her password or code typed again
	// to change her second step); details.reason: "bad_credentials"
	// (wrong password, unknown name, no password set or a disabled user:
	// one reason, so the log does not tell which names exist),
	// "bad_code" or "code_replayed". actor is the user when the name was
	// known, else anonymous.
	ActSignInFailed = "signin.failed"
	// ActSignInBlocked: a failure started a throttling block.
	// details.scope: "user" (a name typed, or her password typed again),
	// "address", "device" or "code"; details.seconds; details.failures
	// (the recent failures counted on that key). Attempts refused while a
	// block lasts are not audited one by one (that would let anyone fill
	// the log); the block is.
	ActSignInBlocked = "signin.blocked"
	// ActSignedOut: she signed out.
	ActSignedOut = "signin.signed_out"
	// ActPasswordChanged: she changed her own password (her other
	// sessions end).
	ActPasswordChanged = "password.changed"
	// ActPasswordSet: an administrator or the CLI set a user's password
	// (details.user, details.must_change); her sessions end.
	ActPasswordSet = "password.set"
	// ActTOTPEnabled: she confirmed her first second factor (new
	// recovery codes were made; details.sessions_ended: her other
	// sessions, ended).
	ActTOTPEnabled = "totp.enabled"
	// ActTOTPChanged: she replaced her second factor, after typing her
	// password and a current code again (as for ActTOTPEnabled).
	ActTOTPChanged = "totp.changed"
	// ActTOTPReset: her second factor and recovery codes were removed
	// (details.user); her sessions end.
	ActTOTPReset = "totp.reset"
	// ActRecoveryCodesRenewed: she replaced her recovery codes.
	ActRecoveryCodesRenewed = "totp.recovery_codes_renewed"
)

// Actor is who did something: the signed-in user, or the user a sign-in
// attempt named, or an administrator. UserID 0: unknown (a failed
// attempt with an unknown name), or the system.
type Actor struct {
	UserID    int64
	Name      string
	Role      string
	IP        net.IP
	RequestID string
}

// AuditEvent is one record for the audit log.
type AuditEvent struct {
	Actor   Actor
	Action  string
	Details map[string]any
}

// AuditFunc appends e to the audit log with q, the transaction of the
// change it records (the gateway's Append, adapted). It must not fail
// for an Actor with UserID 0.
type AuditFunc func(ctx context.Context, q *db.Queries, e AuditEvent) error
