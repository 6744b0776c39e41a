package gateway

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"

	"safecontact/db"
	"safecontact/errs"
)

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
}

func userView(u db.User) UserView {
	v := UserView{Name: u.Name, Role: Role(u.Role), CreatedAt: u.CreatedAt.UTC()}
	if u.DisabledAt.Valid {
		t := u.DisabledAt.Time.UTC()
		v.DisabledAt = &t
	}
	return v
}

// AddUser creates a staff user and returns the API token, which is shown
// once: only its hash is stored.
func AddUser(ctx context.Context, pool *sql.DB, actor *Actor, name string, role Role) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", errs.Field("missing_field", "name", "a user name of 1 to 100 characters is required")
	}
	if role.rank() == 0 {
		return "", errs.Field("invalid_role", "role", "role must be staff, supervisor or admin")
	}
	token := NewToken()
	err := db.InTx(ctx, pool, func(q *db.Queries, _ *sql.Tx) error {
		if _, err := q.CreateUser(ctx, db.CreateUserParams{Name: name, Role: string(role), TokenHash: HashToken(token)}); err != nil {
			var pg *pgconn.PgError
			if errors.As(err, &pg) && pg.Code == "23505" {
				return errs.Field("duplicate_user", "name", "a user with this name already exists")
			}
			return err
		}
		_, err := Append(ctx, q, actor, AuditEvent{Action: "user.added", Details: map[string]any{"user": name, "role": role}})
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// ListUsers returns every staff user.
func ListUsers(ctx context.Context, pool *sql.DB) ([]UserView, error) {
	rows, err := db.New(pool).ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]UserView, 0, len(rows))
	for _, u := range rows {
		out = append(out, userView(u))
	}
	return out, nil
}

// DisableUser disables a user: the token stops working at once.
func DisableUser(ctx context.Context, pool *sql.DB, actor *Actor, name string) error {
	return db.InTx(ctx, pool, func(q *db.Queries, _ *sql.Tx) error {
		if _, err := q.DisableUser(ctx, name); errors.Is(err, sql.ErrNoRows) {
			return errs.New("not_found", "no active user with that name")
		} else if err != nil {
			return err
		}
		_, err := Append(ctx, q, actor, AuditEvent{Action: "user.disabled", Details: map[string]any{"user": name}})
		return err
	})
}

func (s *Server) createUserHTTP(c *gin.Context) {
	var in struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	// Staff users do have names; the real-name rule is for participants.
	if !bindStrict(c, &in, true) {
		return
	}
	role, err := ParseRole(in.Role)
	if err != nil {
		fail(c, err)
		return
	}
	token, err := AddUser(c.Request.Context(), s.db, actorOf(c), in.Name, role)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"name": strings.TrimSpace(in.Name), "role": role, "token": token})
}

func (s *Server) listUsersHTTP(c *gin.Context) {
	users, err := ListUsers(c.Request.Context(), s.db)
	if err != nil {
		fail(c, errs.Internal(err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": users})
}

func (s *Server) disableUserHTTP(c *gin.Context) {
	if err := DisableUser(c.Request.Context(), s.db, actorOf(c), c.Param("name")); err != nil {
		fail(c, err)
		return
	}
	s.tokens.purge()
	c.Status(http.StatusNoContent)
}
