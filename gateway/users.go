package gateway

import (
	"context"
	"database/sql"
	"time"

	"safecontact/db"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
)

// recordAudit is auth's audit hook: auth sits below audit, so user
// management records through this function, in the change's transaction.
func recordAudit(ctx context.Context, q *db.Queries, a *auth.Actor, action string, details map[string]any) error {
	_, err := audit.Append(ctx, q, a, audit.Event{Action: action, Details: details})
	return err
}

// usersOn is user management over pool, for the CLI and tests (the
// server's own, s.users, also forgets cached tokens after a change).
func usersOn(pool *sql.DB) *auth.Users {
	return auth.NewUsers(auth.UsersDeps{DB: pool, Audit: recordAudit, SigninAudit: SigninAudit})
}

// AddUser creates a staff user with a token that does not expire.
func AddUser(ctx context.Context, pool *sql.DB, actor *auth.Actor, name string, role auth.Role) (string, error) {
	return usersOn(pool).Add(ctx, actor, auth.NewUser{Name: name, Role: role})
}

// AddUserWith creates a staff user and returns the API token (auth.Users.Add).
func AddUserWith(ctx context.Context, pool *sql.DB, actor *auth.Actor, nu auth.NewUser) (string, error) {
	return usersOn(pool).Add(ctx, actor, nu)
}

// SetUserPassword sets a user's console password (auth.Users.SetPassword).
func SetUserPassword(ctx context.Context, pool *sql.DB, actor *auth.Actor, name, password string) error {
	return usersOn(pool).SetPassword(ctx, actor, name, password)
}

// ListUsers returns every staff user.
func ListUsers(ctx context.Context, pool *sql.DB) ([]auth.UserView, error) {
	return usersOn(pool).List(ctx)
}

// DisableUser disables a user (auth.Users.Disable).
func DisableUser(ctx context.Context, pool *sql.DB, actor *auth.Actor, name string) error {
	return usersOn(pool).Disable(ctx, actor, name)
}

// RotateToken gives an active user a new token (auth.Users.Rotate).
func RotateToken(ctx context.Context, pool *sql.DB, actor *auth.Actor, name string, expiresIn time.Duration) (string, auth.UserView, error) {
	return usersOn(pool).Rotate(ctx, actor, name, expiresIn)
}
