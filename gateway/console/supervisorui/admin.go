package supervisorui

import (
	"net/http"
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/auth/signin"
	"safecontact/gateway/console"
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

func (p *Pages) showUsers(w http.ResponseWriter, r *http.Request, status int, d usersData, refused error) {
	L := console.LocalizerOf(r)
	a := p.con.ActorOf(r)
	accounts, err := p.oversight.Users.Accounts(r.Context(), a, time.Now().Add(-lastActiveWindow))
	if err != nil {
		p.supFail(w, r, err)
		return
	}
	d.Roles = []string{string(auth.RoleStaff), string(auth.RoleSupervisor), string(auth.RoleAdmin)}
	for _, acc := range accounts {
		d.Users = append(d.Users, userRow{Account: acc, Self: acc.Name == a.Name})
	}
	v := &console.View{Data: d, Flash: supFlash(L, r)}
	if refused != nil {
		v.Flash = ""
		v.Error = supErrorText(L, refused)
	}
	p.con.RenderView(w, r, status, "supervisor_users", v)
}

func (p *Pages) usersPage(w http.ResponseWriter, r *http.Request) {
	p.showUsers(w, r, http.StatusOK, usersData{NewRole: string(auth.RoleStaff)}, nil)
}

// userDone answers a change: 303 back to the list with a confirmation,
// or the list again with the refusal in words.
func (p *Pages) userDone(w http.ResponseWriter, r *http.Request, err error, flash string) {
	if err == nil {
		console.Redirect(w, r, "/admin/users?m="+flash)
		return
	}
	if p.supFail(w, r, err) {
		return
	}
	p.showUsers(w, r, http.StatusUnprocessableEntity, usersData{NewRole: string(auth.RoleStaff)}, err)
}

func (p *Pages) userCreatePost(w http.ResponseWriter, r *http.Request) {
	name, role := r.PostFormValue("name"), r.PostFormValue("role")
	d := usersData{NewName: name, NewRole: role}
	parsed, err := auth.ParseRole(role)
	if err != nil {
		p.showUsers(w, r, http.StatusUnprocessableEntity, d, err)
		return
	}
	password := signin.GeneratePassword()
	if _, err := p.oversight.Users.Add(r.Context(), p.con.ActorOf(r), auth.NewUser{Name: name, Role: parsed, Password: password}); err != nil {
		if p.supFail(w, r, err) {
			return
		}
		p.showUsers(w, r, http.StatusUnprocessableEntity, d, err)
		return
	}
	p.con.RenderView(w, r, http.StatusOK, "supervisor_secret", &console.View{Data: secretData{Name: name, Password: password, Created: true}})
}

func (p *Pages) userRolePost(w http.ResponseWriter, r *http.Request) {
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err == nil {
		err = p.oversight.Users.SetRole(r.Context(), p.con.ActorOf(r), r.PathValue("name"), role)
	}
	p.userDone(w, r, err, "role_changed")
}

func (p *Pages) userDisablePost(w http.ResponseWriter, r *http.Request) {
	p.userDone(w, r, p.oversight.Users.Disable(r.Context(), p.con.ActorOf(r), r.PathValue("name")), "disabled")
}

func (p *Pages) userSecondFactorPost(w http.ResponseWriter, r *http.Request) {
	p.userDone(w, r, p.oversight.Users.ResetSecondFactor(r.Context(), p.con.ActorOf(r), r.PathValue("name"), p.oversight.Signin), "totp_reset")
}

// userPasswordPost gives her a new generated password (`gateway users
// reset-password --generate-password`): shown once, she must change it,
// her sessions end.
func (p *Pages) userPasswordPost(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	password := signin.GeneratePassword()
	if err := p.oversight.Users.SetPassword(r.Context(), p.con.ActorOf(r), name, password); err != nil {
		p.userDone(w, r, err, "")
		return
	}
	p.con.RenderView(w, r, http.StatusOK, "supervisor_secret", &console.View{Data: secretData{Name: name, Password: password}})
}
