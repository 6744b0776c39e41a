package participant_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/keys"
)

func TestParticipantCreateAndRead(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	r := e.Do(auth.RoleStaff, "POST", "/v1/participants", gatewaytest.Maria())
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	code := m["code"].(string)
	if !regexp.MustCompile(`^P-[0-9A-HJKMNP-TV-Z]{5}$`).MatchString(code) {
		t.Fatalf("code %q does not look like P-XXXXX", code)
	}
	if got := r.Header.Get("Location"); got != "/v1/participants/"+code {
		t.Fatalf("Location = %q", got)
	}
	want := map[string]any{"initials": "MR", "language": "es", "time_zone": "Europe/Madrid", "phone": "+34•••••5678", "monitored": true, "caseworker": "staff-user"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if ws := m["safe_windows"].([]any); len(ws) != 2 || ws[0] != "mon-fri 10:00-12:00" || ws[1] != "sat 18:00-02:00" {
		t.Errorf("safe_windows = %v", ws)
	}
	if bytes.Contains(r.Body, []byte("612345678")) || bytes.Contains(r.Body, []byte("612 345 678")) {
		t.Fatalf("response carries the full number: %s", r.Body)
	}

	g := e.Do(auth.RoleStaff, "GET", "/v1/participants/"+code, nil)
	if g.Status != http.StatusOK || g.JSON(t)["phone"] != "+34•••••5678" {
		t.Fatalf("get: %d %s", g.Status, g.Body)
	}
	// The stored ciphertext opens to the E.164 form.
	p, err := db.New(e.DB).ParticipantByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.Keys.Open(keys.Contact, p.PhoneEnc)
	if err != nil || string(plain) != "+34612345678" {
		t.Fatalf("stored phone opens to %q, %v", plain, err)
	}
	if !bytes.Equal(p.PhoneIndex, e.Keys.BlindIndex("+34612345678")) {
		t.Fatal("blind index is not HMAC of the E.164 number")
	}
}

func TestParticipantValidation(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	e.CreateParticipant(gatewaytest.Maria())
	with := func(k string, v any) map[string]any {
		m := gatewaytest.Maria()
		m["phone"] = "+39 333 123 4567"
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"bad phone", with("phone", "12345"), 422, "invalid_phone", "phone"},
		{"letters phone", with("phone", "call me"), 422, "invalid_phone", "phone"},
		{"bad language", with("language", "xx-invalid-tag-!!"), 422, "invalid_language", "language"},
		{"bad zone", with("time_zone", "Mars/Olympus"), 422, "invalid_time_zone", "time_zone"},
		{"long initials = a name", with("initials", "Maria"), 422, "invalid_initials", "initials"},
		{"bad window", with("safe_windows", []string{"someday 10-12"}), 422, "invalid_window", "safe_windows"},
		{"bad channel pref", with("channel_preference", []string{"pigeon"}), 422, "invalid_channel", "channel_preference"},
		{"missing phone", with("phone", nil), 422, "missing_field", "phone"},
		{"name field", with("name", "Maria"), 422, "real_name_forbidden", "name"},
		{"first_name field", with("first_name", "Maria"), 422, "real_name_forbidden", "first_name"},
		{"surname field", with("surname", "Rossi"), 422, "real_name_forbidden", "surname"},
		{"full_name field", with("full_name", "Maria Rossi"), 422, "real_name_forbidden", "full_name"},
		{"unknown field", with("favourite_colour", "blue"), 422, "unknown_field", ""},
		{"duplicate phone", with("phone", "0034612345678"), 409, "duplicate_phone", "phone"},
		{"duplicate as whatsapp", with("whatsapp", "+34612345678"), 409, "duplicate_phone", "whatsapp"},
		{"unknown caseworker", with("caseworker", "nobody"), 422, "unknown_caseworker", "caseworker"},
		{"not json", "{not json", 400, "invalid_json", ""},
		{"wrong type", with("monitored", "yes"), 400, "invalid_json", "monitored"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do(auth.RoleStaff, "POST", "/v1/participants", c.body)
			if r.Status != c.status || r.ErrCode(t) != c.code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, c.status, c.code)
			}
			errObj := r.JSON(t)["error"].(map[string]any)
			if c.field != "" && errObj["field"] != c.field {
				t.Fatalf("field = %v, want %s", errObj["field"], c.field)
			}
			if msg, _ := errObj["message"].(string); msg == "" {
				t.Fatal("error without a message")
			}
			// Error messages never echo a phone number.
			if regexp.MustCompile(`\d{6,}`).Match(r.Body) {
				t.Fatalf("error body carries a long digit run: %s", r.Body)
			}
		})
	}
}

func TestAuthAndRoles(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t, gatewaytest.WithConfig(gateway.Config{Tokens: auth.TokenConfig{CacheTTL: 100 * time.Millisecond}}))
	cases := []struct {
		role   auth.Role
		token  string
		method string
		path   string
		status int
		code   string
	}{
		{"", "", "GET", "/v1/participants", 401, "unauthorized"},
		{"", "sc_wrong", "GET", "/v1/participants", 401, "unauthorized"},
		{auth.RoleStaff, "", "GET", "/v1/participants", 200, ""},
		{auth.RoleStaff, "", "GET", "/v1/users", 403, "forbidden"},
		{auth.RoleSupervisor, "", "GET", "/v1/users", 403, "forbidden"},
		{auth.RoleAdmin, "", "GET", "/v1/users", 200, ""},
		{auth.RoleAdmin, "", "GET", "/v1/participants", 200, ""},
	}
	for _, c := range cases {
		var hdr []string
		if c.token != "" {
			hdr = []string{"Authorization", "Bearer " + c.token}
		}
		r := e.Do(c.role, c.method, c.path, nil, hdr...)
		if r.Status != c.status || (c.code != "" && r.ErrCode(t) != c.code) {
			t.Errorf("%s %s as %q: %d %s, want %d %s", c.method, c.path, c.role, r.Status, r.Body, c.status, c.code)
		}
	}
	// A user disabled through the API stops working at once.
	if r := e.Do(auth.RoleAdmin, "POST", "/v1/users/staff-user/disable", nil); r.Status != 204 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	if r := e.Do(auth.RoleStaff, "GET", "/v1/participants", nil); r.Status != 401 {
		t.Fatalf("disabled user: %d", r.Status)
	}
	// Through the CLI (another process): within the cache's lifetime.
	if err := gateway.DisableUser(context.Background(), e.DB, auth.SystemActor("test"), "supervisor-user"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond) // the cache entry expires
	if r := e.Do(auth.RoleSupervisor, "GET", "/v1/participants", nil); r.Status != 401 {
		t.Fatalf("disabled supervisor: %d", r.Status)
	}
}

func TestParticipantPatchAndList(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	code := e.CreateParticipant(gatewaytest.Maria())
	r := e.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"monitored": false, "whatsapp": "+34 699 000 111", "language": "ro"})
	if r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	if m["monitored"] != false || m["whatsapp"] != "+34•••••0111" || m["language"] != "ro" || m["initials"] != "MR" {
		t.Fatalf("after patch: %s", r.Body)
	}
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"whatsapp": ""}); r.Status != 200 || r.JSON(t)["whatsapp"] != nil {
		t.Fatalf("remove whatsapp: %d %s", r.Status, r.Body)
	}
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/participants/P-ZZZZZ", map[string]any{"monitored": true}); r.Status != 404 || r.ErrCode(t) != "not_found" {
		t.Fatalf("patch unknown: %d %s", r.Status, r.Body)
	}
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"surname": "X"}); r.Status != 422 || r.ErrCode(t) != "real_name_forbidden" {
		t.Fatalf("patch name: %d %s", r.Status, r.Body)
	}

	phones := []string{"+34 600 000 001", "+34 600 000 002", "+34 600 000 003", "+34 600 000 004"}
	for _, ph := range phones {
		b := gatewaytest.Maria()
		b["phone"] = ph
		e.CreateParticipant(b)
	}
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		path := "/v1/participants?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := e.Do(auth.RoleStaff, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		m := r.JSON(t)
		for _, it := range m["items"].([]any) {
			seen[it.(map[string]any)["code"].(string)] = true
		}
		pages++
		next, _ := m["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 5 || pages != 3 {
		t.Fatalf("listed %d participants in %d pages, want 5 in 3", len(seen), pages)
	}
	if r := e.Do(auth.RoleStaff, "GET", "/v1/participants?cursor=garbage!", nil); r.Status != 400 || r.ErrCode(t) != "invalid_cursor" {
		t.Fatalf("bad cursor: %d %s", r.Status, r.Body)
	}

	// The audit log has the creation and the update, with field names only.
	events, err := e.Queries.AuditForParticipant(context.Background(), sql.NullString{String: code, Valid: true})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
		if ev.ActorName != "staff-user" || ev.RequestID == "" || !ev.ActorIp.Valid {
			t.Errorf("audit event lacks actor/request/ip: %+v", ev)
		}
		if strings.Contains(string(ev.Details.RawMessage), "699") {
			t.Errorf("audit details carry a number: %s", ev.Details.RawMessage)
		}
	}
	if strings.Join(actions, ",") != "participant.created,participant.updated,participant.updated" {
		t.Fatalf("audit actions = %v", actions)
	}
}
