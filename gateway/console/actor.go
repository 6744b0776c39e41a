package console

import (
	"net/http"

	"safecontact/gateway/auth"
)

// ActorOf is who acts in a request served through Page, for the
// capability services: the signed-in user with her role, the request's id
// and address, as the API's bearer token would give (nil outside Page).
// Task pages pass it to the same service methods the API's handlers call,
// so the access rule and the audit log see a console user and an API user
// the same way.
func (c *Console) ActorOf(r *http.Request) *auth.Actor {
	sess := SessionOf(r)
	if sess == nil {
		return nil
	}
	return &auth.Actor{UserID: sess.UserID, Name: sess.Name, Role: auth.Role(sess.Role), RequestID: c.cfg.RequestID(r), IP: c.cfg.ClientIP(r)}
}
