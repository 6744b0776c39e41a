package auth

import (
	"crypto/sha256"
	"database/sql"
	"net"

	"github.com/gin-gonic/gin"

	"safecontact/gateway/httpx"
)

// keyActor holds the authenticated *Actor on the gin context.
const keyActor = "actor"

// Actor is who is acting: a staff user over the API, or the system.
type Actor struct {
	UserID    int64
	Name      string
	Role      Role
	RequestID string
	IP        net.IP
}

// SystemActor is the actor of automated work (scheduler, workers, webhooks).
func SystemActor(what string) *Actor { return &Actor{Name: "system:" + what, Role: "system"} }

// ActorOf is the request's actor: the authenticated user, or "anonymous"
// with the request's id and address.
func ActorOf(c *gin.Context) *Actor {
	if a, ok := c.Get(keyActor); ok {
		return a.(*Actor)
	}
	return &Actor{Name: "anonymous", RequestID: httpx.RequestIDOf(c), IP: net.ParseIP(c.ClientIP())}
}

// SetActor records the authenticated actor of the request (and its user
// id for the access log).
func SetActor(c *gin.Context, a *Actor) {
	httpx.SetUserID(c, a.UserID)
	c.Set(keyActor, a)
}

// HashToken is how API tokens are stored: SHA-256. Tokens carry 256 random
// bits, so a slow hash would add nothing but latency.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ActsOn reports whether a acts on the work of the participant whose
// caseworker is caseworker: her caseworker, a supervisor or the system.
func (a *Actor) ActsOn(caseworker sql.NullInt64) bool {
	if a.Role == "system" || a.Role.Includes(RoleSupervisor) {
		return true
	}
	return a.UserID != 0 && caseworker.Valid && caseworker.Int64 == a.UserID
}
