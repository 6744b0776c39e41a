package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/httpx"
	"safecontact/textcheck"
)

// The error codes this file answers with (statuses: errs/status.go).
const (
	CodeDuplicateUser       = "duplicate_user"
	CodeExpiryTooLate       = "expiry_too_late"
	CodeInvalidExpiryFormat = "invalid_expiry_format"
	CodeLastAdmin           = "last_admin"
	CodeTokenExpired        = "token_expired"
)

// The audit actions this file records.
const (
	ActionUserAdded        = "user.added"
	ActionUserDisabled     = "user.disabled"
	ActionUserTokenRotated = "user.token_rotated"
	ActionUserRoleChanged  = "user.role_changed"
)

// AuditFunc records an audit event in q's transaction (the gateway wires
// audit.Append; auth sits below the audit package).
type AuditFunc func(ctx context.Context, q *db.Queries, a *Actor, action string, details map[string]any) error

// UsersDeps are what user management uses.
type UsersDeps struct {
	DB *sql.DB
	// Audit records user.* events; SigninAudit records the console's
	// password events (password.set).
	Audit       AuditFunc
	SigninAudit signin.AuditFunc
	// Tokens, when set, forgets cached lookups after a change made
	// through the API.
	Tokens *Tokens
}

// Users is staff user management: create, list, disable, rotate tokens,
// set a console password. Each method owns its transaction.
type Users struct {
	db          *sql.DB
	audit       AuditFunc
	signinAudit signin.AuditFunc
	tokens      *Tokens
}

// NewUsers makes the user service.
func NewUsers(d UsersDeps) *Users {
	return &Users{db: d.DB, audit: d.Audit, signinAudit: d.SigninAudit, tokens: d.Tokens}
}

// Routes mounts user management on admin (a group that requires the
// admin role) and a staff member's own token rotation on staff.
func (us *Users) Routes(admin, staff *gin.RouterGroup) {
	staff.POST("/me/rotate-token", us.rotateTokenHTTP)
	admin.POST("/users", us.createUserHTTP)
	admin.GET("/users", us.listUsersHTTP)
	admin.POST("/users/:name/disable", us.disableUserHTTP)
	admin.POST("/users/:name/rotate-token", us.rotateTokenHTTP)
}

// SigninActor is a as the sign-in package names actors.
func SigninActor(a *Actor) signin.Actor {
	return signin.Actor{UserID: a.UserID, Name: a.Name, Role: string(a.Role), IP: a.IP, RequestID: a.RequestID}
}

// NewToken returns a fresh API token: "sc_" and 256 random bits.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "sc_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// UserView is a staff user as the API and CLI show it (no token hash).
type UserView struct {
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at"`
	// ExpiresAt: the token stops working then (null: no expiry).
	ExpiresAt      *time.Time `json:"expires_at"`
	TokenRotatedAt *time.Time `json:"token_rotated_at,omitempty"`
}

func userView(u db.User) UserView {
	return UserView{Name: u.Name, Role: Role(u.Role), CreatedAt: u.CreatedAt.UTC(), DisabledAt: db.TimeOrNil(u.DisabledAt),
		ExpiresAt: db.TimeOrNil(u.ExpiresAt), TokenRotatedAt: db.TimeOrNil(u.TokenRotatedAt)}
}

// ParseExpiry reads a token lifetime: "90d", "12h", "" (none). At most
// two years: a token is rotated, not kept forever.
func ParseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d < time.Hour || d > 2*365*24*time.Hour {
		return 0, errs.Field(CodeInvalidExpiryFormat, "expires", "expires is a lifetime such as \"90d\" or \"12h\", between 1h and 730d")
	}
	return d, nil
}

// NewUser is what Users.Add creates.
type NewUser struct {
	Name string
	Role Role
	// ExpiresIn: the token expires this long after now (0: never).
	ExpiresIn time.Duration
	// Password: her first console password ("" none: an integration's
	// user, or one set later with SetUserPassword). Someone else chose
	// it, so she must change it at her first sign-in.
	Password string
}

// Add creates a staff user and returns the API token, which is
// shown once: only its hash is stored. The name is a slug of one script
// (textcheck.UserName) and must not look like an existing user's name.
func (us *Users) Add(ctx context.Context, actor *Actor, nu NewUser) (string, error) {
	if err := mayManage(actor); err != nil {
		return "", err
	}
	name, err := textcheck.UserName("name", nu.Name)
	if err != nil {
		return "", err
	}
	if !nu.Role.Valid() {
		return "", errs.Field(CodeInvalidRole, "role", "role must be staff, supervisor or admin")
	}
	var exp sql.NullTime
	if nu.ExpiresIn > 0 {
		exp = sql.NullTime{Time: time.Now().UTC().Add(nu.ExpiresIn), Valid: true}
	}
	if nu.Password != "" {
		// Refused before anything is written.
		if err := signin.CheckPassword(nu.Password, name); err != nil {
			return "", err
		}
	}
	token := NewToken()
	err = db.InTx(ctx, us.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.LockUsers(ctx); err != nil {
			return err
		}
		users, err := q.ListUsers(ctx)
		if err != nil {
			return err
		}
		sk := textcheck.Skeleton(name)
		for _, u := range users {
			if textcheck.Skeleton(u.Name) == sk {
				return errs.Field(CodeDuplicateUser, "name", "a user with this name, or one that looks the same, already exists")
			}
		}
		u, err := q.CreateUserExpiring(ctx, db.CreateUserExpiringParams{Name: name, Role: string(nu.Role), TokenHash: HashToken(token), ExpiresAt: exp})
		if err != nil {
			if e := duplicateUserName(err); e != nil {
				return e
			}
			return err
		}
		if err = us.audit(ctx, q, actor, ActionUserAdded, map[string]any{"user": name, "role": nu.Role, "expires_at": db.TimeOrNil(exp)}); err != nil {
			return err
		}
		if nu.Password == "" {
			return nil
		}
		return signin.SetPasswordOffline(ctx, q, us.signinAudit, signin.Params{}, time.Now(), SigninActor(actor), u.ID, nu.Password, true)
	})
	if err != nil {
		return "", err
	}
	us.reload()
	return token, nil
}

// SetPassword gives an active user a new console password chosen by
// an administrator (the CLI's reset-password): she must change it at her
// next sign-in, her sessions end and her devices are forgotten, and the
// change is audited (password.set; never the password).
func (us *Users) SetPassword(ctx context.Context, actor *Actor, name, password string) error {
	if err := mayManage(actor); err != nil {
		return err
	}
	if err := textcheck.Chars("name", name); err != nil {
		return err
	}
	return db.InTx(ctx, us.db, func(q *db.Queries, _ *sql.Tx) error {
		u, err := q.UserByName(ctx, name)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && u.DisabledAt.Valid) {
			return errs.New(errs.CodeNotFound, "no active user with that name")
		} else if err != nil {
			return err
		}
		return signin.SetPasswordOffline(ctx, q, us.signinAudit, signin.Params{}, time.Now(), SigninActor(actor), u.ID, password, true)
	})
}

// List returns every staff user.
func (us *Users) List(ctx context.Context) ([]UserView, error) {
	rows, err := db.New(us.db).ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]UserView, 0, len(rows))
	for _, u := range rows {
		out = append(out, userView(u))
	}
	return out, nil
}

// Disable disables a user: the token stops working at once, and her
// console sessions end in the same transaction. The last active admin
// cannot be disabled: nobody could manage users any more.
func (us *Users) Disable(ctx context.Context, actor *Actor, name string) error {
	if err := mayManage(actor); err != nil {
		return err
	}
	if err := textcheck.Chars("name", name); err != nil {
		return err
	}
	defer us.forget()
	return db.InTx(ctx, us.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.LockUsers(ctx); err != nil {
			return err
		}
		u, err := q.UserByName(ctx, name)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && u.DisabledAt.Valid) {
			return errs.New(errs.CodeNotFound, "no active user with that name")
		} else if err != nil {
			return err
		}
		if err := notLastAdmin(ctx, q, u, "disabling"); err != nil {
			return err
		}
		if _, err := q.DisableUser(ctx, name); err != nil {
			return err
		}
		if _, err := signin.EndUserSessions(ctx, q, u.ID); err != nil {
			return err
		}
		return us.audit(ctx, q, actor, ActionUserDisabled, map[string]any{"user": name})
	})
}

// notLastAdmin refuses a change (doing: "disabling", "demoting") that
// would leave no active admin, in a transaction holding LockUsers.
func notLastAdmin(ctx context.Context, q *db.Queries, u db.User, doing string) error {
	if Role(u.Role) != RoleAdmin {
		return nil
	}
	n, err := q.ActiveAdminsExcept(ctx, u.Name)
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.New(CodeLastAdmin, "this is the last active admin: add another admin before %s this one", doing)
	}
	return nil
}

// mayManage refuses anyone but an admin or the system (the CLI, `gateway
// dev`): the API mounts these for admins, and the service says so again.
func mayManage(a *Actor) error {
	if a == nil || a.Role != RoleAdmin && a.Role != "system" {
		return errs.New(errs.CodeForbidden, "only an admin can manage users")
	}
	return nil
}

// SetRole changes an active user's role; it takes effect at her next
// request (API token and console session alike). The last active admin
// cannot be demoted (as she cannot be disabled). Recorded as
// user.role_changed (from, to); the same role again changes nothing.
func (us *Users) SetRole(ctx context.Context, actor *Actor, name string, role Role) error {
	if err := mayManage(actor); err != nil {
		return err
	}
	if err := textcheck.Chars("name", name); err != nil {
		return err
	}
	if !role.Valid() {
		return errs.Field(CodeInvalidRole, "role", "role must be staff, supervisor or admin")
	}
	defer us.forget()
	return db.InTx(ctx, us.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.LockUsers(ctx); err != nil {
			return err
		}
		u, err := q.UserByName(ctx, name)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && u.DisabledAt.Valid) {
			return errs.New(errs.CodeNotFound, "no active user with that name")
		} else if err != nil {
			return err
		}
		if Role(u.Role) == role {
			return nil
		}
		if role != RoleAdmin {
			if err := notLastAdmin(ctx, q, u, "demoting"); err != nil {
				return err
			}
		}
		if _, err := q.SetUserRole(ctx, db.SetUserRoleParams{Name: name, Role: string(role)}); err != nil {
			return err
		}
		return us.audit(ctx, q, actor, ActionUserRoleChanged, map[string]any{"user": name, "from": u.Role, "to": role})
	})
}

// ResetSecondFactor removes an active user's second step and recovery
// codes (she lost her phone) with svc (signin.Service.ResetSecondFactor:
// her sessions end; recorded as totp.reset).
func (us *Users) ResetSecondFactor(ctx context.Context, actor *Actor, name string, svc *signin.Service) error {
	if err := mayManage(actor); err != nil {
		return err
	}
	if err := textcheck.Chars("name", name); err != nil {
		return err
	}
	return db.InTx(ctx, us.db, func(q *db.Queries, _ *sql.Tx) error {
		u, err := q.UserByName(ctx, name)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && u.DisabledAt.Valid) {
			return errs.New(errs.CodeNotFound, "no active user with that name")
		} else if err != nil {
			return err
		}
		return svc.ResetSecondFactor(ctx, q, SigninActor(actor), u.ID)
	})
}

// Account is a user as the admin's console list shows her.
type Account struct {
	Name      string
	Role      Role
	CreatedAt time.Time
	// DisabledAt: nil while she is active.
	DisabledAt *time.Time
	// HasPassword: she can sign in to the console; MustChange: with a
	// password someone else chose.
	HasPassword, MustChange bool
	// SecondStep: she has a second step (TOTP) set up.
	SecondStep bool
	// LastActive: her last request in a live session or, after that, her
	// last sign-in since the time Accounts was given (nil: neither).
	LastActive *time.Time
}

// Accounts lists every user with her console account's state, by name;
// LastActive looks at sign-ins since since.
func (us *Users) Accounts(ctx context.Context, actor *Actor, since time.Time) ([]Account, error) {
	if err := mayManage(actor); err != nil {
		return nil, err
	}
	rows, err := db.New(us.db).UserAccounts(ctx, since)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := make([]Account, 0, len(rows))
	for _, r := range rows {
		a := Account{Name: r.Name, Role: Role(r.Role), CreatedAt: r.CreatedAt.UTC(), DisabledAt: db.TimeOrNil(r.DisabledAt),
			HasPassword: r.HasPassword, MustChange: r.MustChangePassword, SecondStep: r.TotpEnabled}
		if r.LastActiveAt.After(time.Unix(0, 0)) {
			t := r.LastActiveAt.UTC()
			a.LastActive = &t
		}
		out = append(out, a)
	}
	return out, nil
}

// Rotate gives an active user a new token (returned, shown once);
// the old one stops working at once. expiresIn > 0 sets a new expiry, 0
// keeps the current one — refused (token_expired) when that one has
// passed: the new token would be dead on arrival. This is the admin's
// rotation (API and CLI); see RotateOwn for a user's own.
func (us *Users) Rotate(ctx context.Context, actor *Actor, name string, expiresIn time.Duration) (string, UserView, error) {
	return us.rotate(ctx, actor, name, expiresIn, false)
}

// RotateOwn is a user's rotation of her own token: the new expiry may
// be earlier than the current one, never later (only an admin extends a
// token's life).
func (us *Users) RotateOwn(ctx context.Context, actor *Actor, expiresIn time.Duration) (string, UserView, error) {
	return us.rotate(ctx, actor, actor.Name, expiresIn, true)
}

func (us *Users) rotate(ctx context.Context, actor *Actor, name string, expiresIn time.Duration, own bool) (string, UserView, error) {
	if err := textcheck.Chars("name", name); err != nil {
		return "", UserView{}, err
	}
	token := NewToken()
	var out db.User
	err := db.InTx(ctx, us.db, func(q *db.Queries, _ *sql.Tx) error {
		// The lock DisableUser takes: a rotation and a disable of one user
		// never interleave.
		if err := q.LockUsers(ctx); err != nil {
			return err
		}
		u, err := q.UserByName(ctx, name)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && u.DisabledAt.Valid) {
			return errs.New(errs.CodeNotFound, "no active user with that name")
		} else if err != nil {
			return err
		}
		now := time.Now().UTC()
		exp := u.ExpiresAt
		switch {
		case expiresIn > 0:
			exp = sql.NullTime{Time: now.Add(expiresIn), Valid: true}
		case exp.Valid && !now.Before(exp.Time):
			return errs.Field(CodeTokenExpired, "expires", "this token has expired: give the new one a lifetime (\"expires\": \"90d\", or users rotate --expires 90d)")
		}
		if own && u.ExpiresAt.Valid && exp.Time.After(u.ExpiresAt.Time) {
			return errs.Field(CodeExpiryTooLate, "expires", "your own rotation cannot extend your token's life past its current expiry (%s); ask an admin", u.ExpiresAt.Time.UTC().Format(time.RFC3339))
		}
		out, err = q.RotateUserToken(ctx, db.RotateUserTokenParams{Name: name, TokenHash: HashToken(token), ExpiresAt: exp})
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.CodeNotFound, "no active user with that name")
		} else if err != nil {
			return err
		}
		return us.audit(ctx, q, actor, ActionUserTokenRotated, map[string]any{"user": name, "expires_at": db.TimeOrNil(exp), "own": own})
	})
	if err != nil {
		return "", UserView{}, err
	}
	return token, userView(out), nil
}

func (us *Users) createUserHTTP(c *gin.Context) {
	var in struct {
		Name    string `json:"name"`
		Role    string `json:"role"`
		Expires string `json:"expires"`
	}
	// Staff users do have names; the real-name rule is for participants.
	if !httpx.BindStrict(c, &in, true) {
		return
	}
	role, err := ParseRole(in.Role)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	exp, err := ParseExpiry(in.Expires)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	name, err := textcheck.UserName("name", in.Name)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	token, err := us.Add(c.Request.Context(), ActorOf(c), NewUser{Name: name, Role: role, ExpiresIn: exp})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"name": name, "role": role, "token": token})
}

func (us *Users) listUsersHTTP(c *gin.Context) {
	users, err := us.List(c.Request.Context())
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": users})
}

func (us *Users) disableUserHTTP(c *gin.Context) {
	if err := us.Disable(c.Request.Context(), ActorOf(c), c.Param("name")); err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// rotateTokenHTTP is POST /v1/users/{name}/rotate-token (admin) and
// POST /v1/me/rotate-token (a staff member's own): {"expires": "90d"}
// optional. The new token is in the answer, once.
func (us *Users) rotateTokenHTTP(c *gin.Context) {
	var in struct {
		Expires string `json:"expires"`
	}
	if c.Request.ContentLength != 0 && !httpx.BindStrict(c, &in, false) {
		return
	}
	exp, err := ParseExpiry(in.Expires)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	var token string
	var v UserView
	if name := c.Param("name"); name != "" {
		token, v, err = us.Rotate(c.Request.Context(), ActorOf(c), name, exp)
	} else {
		token, v, err = us.RotateOwn(c.Request.Context(), ActorOf(c), exp)
	}
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	us.forget()
	us.reload()
	c.JSON(http.StatusOK, gin.H{"name": v.Name, "role": v.Role, "expires_at": v.ExpiresAt, "token": token})
}

func (us *Users) reload() {
	if us.tokens != nil {
		us.tokens.Reload()
	}
}

func (us *Users) forget() {
	if us.tokens != nil {
		us.tokens.Forget()
	}
}

// duplicateUserName maps a unique violation of the users' name (a race
// with another Add past the look-alike check) to duplicate_user; nil for
// any other error. It matches the constraint by name: the token hash is
// unique too, and a clash there is no duplicate name.
func duplicateUserName(err error) error {
	if db.UniqueViolation(err) == "users_name_key" {
		return errs.Field(CodeDuplicateUser, "name", "a user with this name already exists")
	}
	return nil
}
