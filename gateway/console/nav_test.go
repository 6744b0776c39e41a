package console_test

import (
	"net/http"
	"slices"
	"testing"

	"safecontact/gateway/auth/signin"
	"safecontact/gateway/console"
	"safecontact/gateway/console/consoletest"
)

// The menu holds the entries her role sees, ordered by Order whatever
// the order they were declared in; with no session, none.
func TestMenuByRoleAndOrder(t *testing.T) {
	t.Parallel()
	e := consoletest.New(t)
	c := e.Console
	ok := func(w http.ResponseWriter, r *http.Request) {}
	c.Page("GET /test/admin", "admin", ok)
	c.Page("GET /test/supervisor", "supervisor", ok)
	c.Page("GET /test/staff", "staff", ok)
	c.Nav(console.NavEntry{Label: "nav.home", Path: "/test/admin", Order: console.NavOrderAdmin})
	c.Nav(console.NavEntry{Label: "nav.home", Path: "/test/supervisor", Order: console.NavOrderSupervision})
	// A staff page shown to supervisors only.
	c.Nav(console.NavEntry{Label: "nav.home", Path: "/test/staff", Role: "supervisor", Order: console.NavOrderOnCall})
	paths := func(ls []console.NavLink) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l.Path)
		}
		return out
	}
	for _, tc := range []struct {
		role string
		want []string
	}{
		{"staff", []string{"/", "/account"}},
		{"supervisor", []string{"/", "/test/staff", "/test/supervisor", "/account"}},
		{"admin", []string{"/", "/test/staff", "/test/supervisor", "/test/admin", "/account"}},
		{"nobody", nil},
	} {
		got := paths(c.Menu(&signin.Session{Role: tc.role, Stage: signin.StageSignedIn}))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.role, got, tc.want)
		}
	}
	if got := c.Menu(nil); got != nil {
		t.Errorf("no session: %v", got)
	}
	if got := c.Menu(&signin.Session{Role: "admin", Stage: signin.StageEnrol}); got != nil {
		t.Errorf("a session still signing in: %v", got)
	}
	// The layout shows it.
	if got := e.As("supervisor").Get("/").NavLinks(); !slices.Equal(got, []string{"/", "/test/staff", "/test/supervisor", "/account"}) {
		t.Errorf("rendered menu %v", got)
	}
}

// An entry for a page that is not there, for a role the page refuses,
// or twice, is a mistake in the route table: Nav panics.
func TestNavRefusesWrongEntries(t *testing.T) {
	t.Parallel()
	c := consoletest.New(t).Console
	ok := func(w http.ResponseWriter, r *http.Request) {}
	c.Page("GET /test/supervisor", "supervisor", ok)
	c.Page("GET /test/item/{id}", "staff", ok)
	c.Page("POST /test/post", "staff", ok)
	for _, tc := range []struct {
		name string
		e    console.NavEntry
	}{
		{"no page", console.NavEntry{Label: "x", Path: "/test/none"}},
		{"a role the page refuses", console.NavEntry{Label: "x", Path: "/test/supervisor", Role: "staff"}},
		{"an unknown role", console.NavEntry{Label: "x", Path: "/test/supervisor", Role: "guest"}},
		{"a path with a wildcard", console.NavEntry{Label: "x", Path: "/test/item/{id}"}},
		{"a POST only", console.NavEntry{Label: "x", Path: "/test/post"}},
		{"twice", console.NavEntry{Label: "x", Path: "/account"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Nav(%+v) did not panic", tc.e)
				}
			}()
			c.Nav(tc.e)
		})
	}
}
