package console

import (
	"net/http"
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
)

// The administrator's user pages: the list of users with their state, and
// the changes the CLI and the API make (create with a generated first
// password, change role, disable, reset password, reset second step), by
// the same auth.Users methods, which record them in the audit log. A
// generated password is shown once, in the answer to the POST that made
// it (never in a URL, a title or the log), and she must change it at her
// first sign-in.

// lastActiveWindow is how far back the list looks for a user's last
// sign-in once her sessions have ended.
const lastActiveWindow = 90 * 24 * time.Hour

func (c *Console) adminRoutes() {
	c.Page("GET /admin/users", "admin", c.usersPage)
	c.Page("POST /admin/users", "admin", c.userCreatePost)
	c.Page("POST /admin/users/{name}/role", "admin", c.userRolePost)
	c.Page("POST /admin/users/{name}/disable", "admin", c.userDisablePost)
	c.Page("POST /admin/users/{name}/password", "admin", c.userPasswordPost)
	c.Page("POST /admin/users/{name}/second-factor", "admin", c.userSecondFactorPost)
}

type userRow struct {
	auth.Account
	Self bool
}

type usersData struct {
	Users []userRow
	Roles []string
	// New is the create form as typed (after a refusal).
	NewName, NewRole string
}

// secretData is the page that shows a generated password once.
type secretData struct {
	Name, Password string
	Created        bool
}

func (c *Console) showUsers(w http.ResponseWriter, r *http.Request, status int, d usersData, refused error) {
	L := LocalizerOf(r)
	a := c.ActorOf(r)
	accounts, err := c.oversight.Users.Accounts(r.Context(), a, time.Now().Add(-lastActiveWindow))
	if err != nil {
		c.supFail(w, r, err)
		return
	}
	d.Roles = []string{string(auth.RoleStaff), string(auth.RoleSupervisor), string(auth.RoleAdmin)}
	for _, acc := range accounts {
		d.Users = append(d.Users, userRow{Account: acc, Self: acc.Name == a.Name})
	}
	v := &View{Data: d, Flash: supFlash(L, r)}
	if refused != nil {
		v.Flash = ""
		v.Error = supErrorText(L, refused)
	}
	c.render(w, r, status, "supervisor_users", v)
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request) {
	c.showUsers(w, r, http.StatusOK, usersData{NewRole: string(auth.RoleStaff)}, nil)
}

// userDone answers a change: 303 back to the list with a confirmation,
// or the list again with the refusal in words.
func (c *Console) userDone(w http.ResponseWriter, r *http.Request, err error, flash string) {
	if err == nil {
		redirect(w, r, "/admin/users?m="+flash)
		return
	}
	if c.supFail(w, r, err) {
		return
	}
	c.showUsers(w, r, http.StatusUnprocessableEntity, usersData{NewRole: string(auth.RoleStaff)}, err)
}

func (c *Console) userCreatePost(w http.ResponseWriter, r *http.Request) {
	name, role := r.PostFormValue("name"), r.PostFormValue("role")
	d := usersData{NewName: name, NewRole: role}
	parsed, err := auth.ParseRole(role)
	if err != nil {
		c.showUsers(w, r, http.StatusUnprocessableEntity, d, err)
		return
	}
	password := signin.GeneratePassword()
	if _, err := c.oversight.Users.Add(r.Context(), c.ActorOf(r), auth.NewUser{Name: name, Role: parsed, Password: password}); err != nil {
		if c.supFail(w, r, err) {
			return
		}
		c.showUsers(w, r, http.StatusUnprocessableEntity, d, err)
		return
	}
	c.render(w, r, http.StatusOK, "supervisor_secret", &View{Data: secretData{Name: name, Password: password, Created: true}})
}

func (c *Console) userRolePost(w http.ResponseWriter, r *http.Request) {
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err == nil {
		err = c.oversight.Users.SetRole(r.Context(), c.ActorOf(r), r.PathValue("name"), role)
	}
	c.userDone(w, r, err, "role_changed")
}

func (c *Console) userDisablePost(w http.ResponseWriter, r *http.Request) {
	c.userDone(w, r, c.oversight.Users.Disable(r.Context(), c.ActorOf(r), r.PathValue("name")), "disabled")
}

func (c *Console) userSecondFactorPost(w http.ResponseWriter, r *http.Request) {
	c.userDone(w, r, c.oversight.Users.ResetSecondFactor(r.Context(), c.ActorOf(r), r.PathValue("name"), c.oversight.Signin), "totp_reset")
}

// userPasswordPost gives her a new generated password (`gateway users
// reset-password --generate-password`): shown once, she must change it,
// her sessions end.
func (c *Console) userPasswordPost(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	password := signin.GeneratePassword()
	if err := c.oversight.Users.SetPassword(r.Context(), c.ActorOf(r), name, password); err != nil {
		c.userDone(w, r, err, "")
		return
	}
	c.render(w, r, http.StatusOK, "supervisor_secret", &View{Data: secretData{Name: name, Password: password}})
}
