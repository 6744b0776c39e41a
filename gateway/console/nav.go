package console

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"safecontact/gateway/auth/signin"
)

// The layout's menu is made of the entries the core and the mounted areas
// declare with Nav, so it cannot drift from the pages: an area left out
// leaves no link behind, and an entry is refused unless its page is
// registered for a role she has.

// NavEntry is a link of the layout's menu.
type NavEntry struct {
	// Label is the catalogue key of the link's text.
	Label string
	// Path is the page's path: a "GET <Path>" page registered with Page
	// (no wildcards).
	Path string
	// Role is the least role that sees the link ("staff", "supervisor",
	// "admin"); empty: the page's own role.
	Role string
	// Order places the link in the menu (smaller first; equal orders by
	// path), so the menu does not depend on the order areas mount in.
	// The NavOrder constants are the sections.
	Order int
}

// The menu's sections, in the order shown: an area's entries take its
// section's value plus their place within it.
const (
	NavOrderHome         = 0
	NavOrderParticipants = 100
	NavOrderOnCall       = 200
	NavOrderSafety       = 300
	NavOrderReferrals    = 400
	NavOrderSupervision  = 500
	NavOrderAdmin        = 600
	NavOrderAccount      = 1000
)

// Nav adds e to the layout's menu. Called while mounting, after the Page
// of e.Path, before the handler serves. It panics (a mistake in the
// route table, like ServeMux's conflicting patterns) when no GET page is
// registered at e.Path, when e.Role is a role some of whose holders the
// page refuses, or when e.Path is in the menu already.
func (c *Console) Nav(e NavEntry) {
	pageRole, ok := c.getPages[e.Path]
	if !ok {
		panic(fmt.Sprintf("console: nav entry %q: no page GET %s", e.Label, e.Path))
	}
	if e.Role == "" {
		e.Role = pageRole
	}
	if !(&signin.Session{Role: e.Role}).AtLeast(pageRole) {
		panic(fmt.Sprintf("console: nav entry %q for %s: the page GET %s needs %s", e.Label, e.Role, e.Path, pageRole))
	}
	if slices.ContainsFunc(c.nav, func(n NavEntry) bool { return n.Path == e.Path }) {
		panic(fmt.Sprintf("console: nav entry %q: %s is in the menu already", e.Label, e.Path))
	}
	c.nav = append(c.nav, e)
	slices.SortStableFunc(c.nav, func(a, b NavEntry) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), strings.Compare(a.Path, b.Path))
	})
}

// NavLink is a menu link as the layout shows it.
type NavLink struct {
	// Label is the catalogue key of its text.
	Label, Path string
}

// Menu is the menu of a signed-in session: the entries her role sees, in
// order (none for nil).
func (c *Console) Menu(s *signin.Session) []NavLink {
	if s == nil || s.Stage != signin.StageSignedIn {
		return nil
	}
	var out []NavLink
	for _, e := range c.nav {
		if s.AtLeast(e.Role) {
			out = append(out, NavLink{Label: e.Label, Path: e.Path})
		}
	}
	return out
}

// notePage records the role of a GET page at a fixed path, for Nav.
func (c *Console) notePage(pattern, role string) {
	p, ok := strings.CutPrefix(pattern, "GET ")
	if !ok {
		return
	}
	p = strings.TrimSuffix(p, "{$}")
	if strings.ContainsAny(p, "{}") {
		return
	}
	c.getPages[p] = role
}
