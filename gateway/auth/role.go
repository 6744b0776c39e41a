// Package auth is who may do what: staff roles, the actor of each request
// or background job, API token authentication (with the throttle of
// failed attempts) and the role checks the route groups apply.
//
// Role checks belong in route groups (Require), never inside handlers: a
// handler can then be read knowing who reaches it.
package auth

import (
	"strings"

	"github.com/gin-gonic/gin"

	"safecontact/errs"
	"safecontact/gateway/httpx"
)

// CodeInvalidRole refuses a role name that is not staff, supervisor or admin.
const CodeInvalidRole = "invalid_role"

// Role is a staff user's role. Each role includes the ones below it.
type Role string

const (
	RoleStaff      Role = "staff"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case RoleStaff:
		return 1
	case RoleSupervisor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Includes reports whether r has at least min's rights.
func (r Role) Includes(min Role) bool { return r.rank() >= min.rank() }

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() == 0 {
		return "", errs.Field(CodeInvalidRole, "role", "role must be staff, supervisor or admin")
	}
	return r, nil
}

// Require is the route group's role check: 403 forbidden below min.
func Require(min Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !ActorOf(c).Role.Includes(min) {
			httpx.Fail(c, errs.New(errs.CodeForbidden, "this needs the %s role", min))
			return
		}
		c.Next()
	}
}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r.rank() != 0 }
