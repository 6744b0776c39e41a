package safety_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
)

// messageText opens the stored text of message id.
func messageText(t *testing.T, e *gatewaytest.Env, id any) string {
	t.Helper()
	var enc []byte
	if err := e.DB.QueryRow(`SELECT content_enc FROM messages WHERE id = $1`, id).Scan(&enc); err != nil {
		t.Fatal(err)
	}
	c, err := message.OpenContent(e.Keys, enc)
	if err != nil {
		t.Fatal(err)
	}
	return c.Text
}

// meetingPointsNamed counts the meeting points called name.
func meetingPointsNamed(t *testing.T, e *gatewaytest.Env, name string) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(`SELECT count(*) FROM meeting_points WHERE name = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A meeting point's at forms: given at creation, replaced and renamed with
// PATCH, and used by her reminders and notices in her language.
func TestMeetingPointAtForms(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Plaça Reial", "kind": "landmark",
		"at_forms": map[string]string{"ca": "a la Plaça Reial", "es": "en la Plaça Reial"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	mp := r.JSON(t)
	id := fmt.Sprint(mp["id"])
	if f := mp["at_forms"].(map[string]any); len(f) != 2 || f["ca"] != "a la Plaça Reial" {
		t.Fatalf("at_forms: %s", r.Body)
	}
	if _, d, _ := e.LastAudit("meeting_point.created"); fmt.Sprint(d["at_forms"]) != "[ca es]" {
		t.Errorf("audit: %v", d)
	}
	// A point without at forms shows an empty object.
	r = e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Metro Liceu", "kind": "metro"})
	if r.Status != 201 || !strings.Contains(string(r.Body), `"at_forms":{}`) {
		t.Fatalf("create without: %d %s", r.Status, r.Body)
	}

	// Refusals: each code, 422, never echoing the form.
	for _, tc := range []struct {
		name  string
		body  map[string]any
		code  string
		field string
	}{
		{"unknown language", map[string]any{"name": "Metro Drassanes", "kind": "metro", "at_forms": map[string]string{"de": "an der Metro Drassanes"}}, "at_form_unknown_language", "at_forms.de"},
		{"lacks name", map[string]any{"name": "Mercat de Sant Antoni", "kind": "landmark", "at_forms": map[string]string{"ca": "al Mercat"}}, "at_form_lacks_name", "at_forms.ca"},
		{"extra words", map[string]any{"name": "Metro Drassanes", "kind": "metro", "at_forms": map[string]string{"ca": "a Metro Drassanes, sortida de la Rambla"}}, "at_form_extra_words", "at_forms.ca"},
		{"full-width lead", map[string]any{"name": "Metro Drassanes", "kind": "metro", "at_forms": map[string]string{"es": "ｅｎ ｅｌ Metro Drassanes"}}, "at_form_extra_words", "at_forms.es"},
		{"full-width name", map[string]any{"name": "Metro Drassanes", "kind": "metro", "at_forms": map[string]string{"es": "en Ｍｅｔｒｏ Ｄｒａｓｓａｎｅｓ"}}, "at_form_extra_words", "at_forms.es"},
		{"too long", map[string]any{"name": "Metro Drassanes", "kind": "metro", "at_forms": map[string]string{"ca": "a la Metro Drassanes" + strings.Repeat(" sortida de la Rambla", 6)}}, "at_form_too_long", "at_forms.ca"},
		{"not neutral", map[string]any{"name": "Metro Drassanes", "kind": "metro", "at_forms": map[string]string{"es": "en Metro Drassanes, llama al 612345678"}}, "meeting_point_not_neutral", "at_forms.es"},
	} {
		r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", tc.body)
		if r.Status != 422 || r.ErrCode(t) != tc.code || !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
		for _, f := range tc.body["at_forms"].(map[string]string) {
			if strings.Contains(string(r.Body), f) {
				t.Errorf("%s: the error echoes the form", tc.name)
			}
		}
	}

	// She reads Catalan: her reminder says "a la Plaça Reial".
	p := gatewaytest.Maria()
	p["language"] = "ca"
	code := e.CreateParticipant(p)
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	r = e.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": "2026-06-04T08:30:00Z",
		"meeting_point": "Plaça Reial", "kind": "individual", "venue": "sala 1", "reminders": []string{"24h"}})
	if r.Status != 201 {
		t.Fatalf("appointment: %d %s", r.Status, r.Body)
	}
	appt := r.JSON(t)
	ms := messagesOf(t, r)
	if len(ms) != 1 || ms[0]["message_id"] == nil {
		t.Fatalf("reminder: %s", r.Body)
	}
	if text := messageText(t, e, ms[0]["message_id"]); !strings.Contains(text, ", a la Plaça Reial.") {
		t.Errorf("reminder: %q", text)
	}

	// PATCH: a merge patch of the forms (Catalan and Spanish removed:
	// the default; French added).
	r = e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+id, map[string]any{"at_forms": map[string]any{"fr": "à la Plaça Reial", "it": "", "ca": nil, "es": ""}})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"at_forms":{"fr":"à la Plaça Reial"}`) {
		t.Fatalf("patch forms: %d %s", r.Status, r.Body)
	}
	if _, d, _ := e.LastAudit("meeting_point.changed"); d["renamed"] != false || fmt.Sprint(d["at_forms"]) != "[fr]" || strings.Contains(fmt.Sprint(d), "Reial") {
		t.Errorf("audit: %v", d)
	}
	// A rename keeps the forms, which must contain the new name.
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+id, map[string]any{"name": "Plaça del Rei"}); r.Status != 422 || r.ErrCode(t) != "at_form_lacks_name" {
		t.Fatalf("rename breaking forms: %d %s", r.Status, r.Body)
	}
	// PATCH refuses a form that says more than the name and its preposition.
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+id, map[string]any{"at_forms": map[string]string{"es": "en la Plaça Reial, segundo piso"}}); r.Status != 422 ||
		r.ErrCode(t) != "at_form_extra_words" || !strings.Contains(string(r.Body), `"field":"at_forms.es"`) || strings.Contains(string(r.Body), "piso") {
		t.Fatalf("patch with extra words: %d %s", r.Status, r.Body)
	}
	// Not while her appointment there is booked: its reminder says
	// "Plaça Reial" (meeting_point_in_use, nothing changed).
	rename := map[string]any{"name": "Plaça del Rei", "at_forms": map[string]any{"ca": "a la Plaça del Rei", "fr": nil}}
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+id, rename); r.Status != 409 || r.ErrCode(t) != "meeting_point_in_use" {
		t.Fatalf("rename in use: %d %s", r.Status, r.Body)
	}
	if n := meetingPointsNamed(t, e, "Plaça Reial"); n != 1 {
		t.Fatalf("the refused rename changed the point (%d named Plaça Reial)", n)
	}
	// Her appointment moves elsewhere; then the point can be renamed.
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/appointments/"+fmt.Sprint(appt["id"]), map[string]any{"meeting_point": "Metro Liceu"}); r.Status != 200 {
		t.Fatalf("move away: %d %s", r.Status, r.Body)
	}
	r = e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+id, rename)
	if r.Status != 200 || r.JSON(t)["name"] != "Plaça del Rei" {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}
	// Moving her appointment back sends the change notice with the new
	// name and form.
	r = e.Do(auth.RoleStaff, "PATCH", "/v1/appointments/"+fmt.Sprint(appt["id"]), map[string]any{"starts_at": "2026-06-04T09:00:00Z", "meeting_point": "Plaça del Rei"})
	if r.Status != 200 {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	rows, err := e.DB.Query(`SELECT message_id::text FROM appointment_messages WHERE kind = 'changed'`)
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		notices = append(notices, messageText(t, e, id))
	}
	rows.Close()
	if !slices.ContainsFunc(notices, func(s string) bool { return strings.Contains(s, ", a la Plaça del Rei.") }) {
		t.Errorf("notices: %q", notices)
	}

	// A template staff send through the API uses a registered point's
	// forms too (and a point without one, the default).
	for place, want := range map[string]string{"Plaça del Rei": ", a la Plaça del Rei?", "Metro Liceu": ", a Metro Liceu?", "Metro Fontana": ", a Metro Fontana?"} {
		r := e.Do(auth.RoleStaff, "POST", "/v1/messages/preview", map[string]any{"participant": code, "channel": "sms", "template": "meet_proposal",
			"params": map[string]string{"when": "2026-06-05T09:00:00Z", "place": place}})
		if r.Status != 200 || !strings.Contains(r.JSON(t)["text"].(string), want) {
			t.Errorf("preview at %s: %d %s", place, r.Status, r.Body)
		}
	}

	for _, tc := range []struct {
		name, path string
		body       map[string]any
		status     int
		code       string
	}{
		{"empty patch", "/v1/meeting-points/" + id, map[string]any{}, 422, "missing_field"},
		{"unknown id", "/v1/meeting-points/999999", map[string]any{"at_forms": map[string]string{}}, 404, "not_found"},
		{"bad id", "/v1/meeting-points/x", map[string]any{"at_forms": map[string]string{}}, 404, "not_found"},
		{"duplicate name", "/v1/meeting-points/" + id, map[string]any{"name": "Metro Liceu", "at_forms": nil}, 409, "duplicate_meeting_point"},
		{"not neutral name", "/v1/meeting-points/" + id, map[string]any{"name": "Calle Mayor 12"}, 422, "meeting_point_not_neutral"},
		{"unknown field", "/v1/meeting-points/" + id, map[string]any{"kind": "bus"}, 422, ""},
	} {
		r := e.Do(auth.RoleStaff, "PATCH", tc.path, tc.body)
		if r.Status != tc.status || (tc.code != "" && r.ErrCode(t) != tc.code) {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
	}
}

// PATCH at_forms is a JSON merge patch: two staff changing different
// languages, one after the other or at once, both keep their change; a
// language given null or "" loses its form; a language left out keeps
// it; at_forms null removes them all.
func TestMeetingPointAtFormsMergePatch(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": "Plaça Reial", "kind": "landmark",
		"at_forms": map[string]string{"ca": "a la Plaça Reial", "es": "en la Plaça Reial"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	path := "/v1/meeting-points/" + fmt.Sprint(r.JSON(t)["id"])
	patch := func(forms any) map[string]any {
		t.Helper()
		r := e.Do(auth.RoleStaff, "PATCH", path, map[string]any{"at_forms": forms})
		if r.Status != 200 {
			t.Fatalf("patch %v: %d %s", forms, r.Status, r.Body)
		}
		return r.JSON(t)["at_forms"].(map[string]any)
	}
	want := func(step string, got map[string]any, forms map[string]string) {
		t.Helper()
		if len(got) != len(forms) {
			t.Fatalf("%s: at_forms %v, want %v", step, got, forms)
		}
		for l, f := range forms {
			if got[l] != f {
				t.Fatalf("%s: at_forms %v, want %v", step, got, forms)
			}
		}
		var stored string
		if err := e.DB.QueryRow(`SELECT at_forms::text FROM meeting_points WHERE name = 'Plaça Reial'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		for l, f := range forms {
			if !strings.Contains(stored, `"`+l+`": "`+f+`"`) {
				t.Fatalf("%s: stored %s, want %v", step, stored, forms)
			}
		}
	}
	// Two staff, each one language: both survive, the others are kept.
	patch(map[string]any{"fr": "à la Plaça Reial"})
	got := patch(map[string]any{"it": "alla Plaça Reial"})
	want("two languages", got, map[string]string{"ca": "a la Plaça Reial", "es": "en la Plaça Reial", "fr": "à la Plaça Reial", "it": "alla Plaça Reial"})
	// A string replaces one language's form, the others kept.
	got = patch(map[string]any{"ca": "davant la Plaça Reial"})
	want("replace", got, map[string]string{"ca": "davant la Plaça Reial", "es": "en la Plaça Reial", "fr": "à la Plaça Reial", "it": "alla Plaça Reial"})
	// null and "" remove one form each; an empty patch keeps them all.
	got = patch(map[string]any{"fr": nil, "it": ""})
	want("null and empty", got, map[string]string{"ca": "davant la Plaça Reial", "es": "en la Plaça Reial"})
	got = patch(map[string]any{})
	want("empty patch", got, map[string]string{"ca": "davant la Plaça Reial", "es": "en la Plaça Reial"})
	// A rename alone keeps the forms (here refused: they lack the new
	// name) and with a patch that removes them, goes through.
	if r := e.Do(auth.RoleStaff, "PATCH", path, map[string]any{"name": "Plaça del Rei"}); r.Status != 422 || r.ErrCode(t) != "at_form_lacks_name" {
		t.Fatalf("rename keeping forms: %d %s", r.Status, r.Body)
	}
	// Refused: a language that has no at forms, given a form or null; a
	// value that is not a string or null.
	for _, tc := range []struct {
		name  string
		forms any
		code  string
		field string
	}{
		{"unknown language", map[string]any{"de": "an der Plaça Reial"}, "at_form_unknown_language", "at_forms.de"},
		{"unknown language, null", map[string]any{"de": nil}, "at_form_unknown_language", "at_forms.de"},
		{"a number", map[string]any{"ca": 3}, "invalid_json", "at_forms"},
		{"a list", []string{"ca"}, "invalid_json", "at_forms"},
		{"a string", "a la Plaça Reial", "invalid_json", "at_forms"},
	} {
		r := e.Do(auth.RoleStaff, "PATCH", path, map[string]any{"at_forms": tc.forms})
		if r.Status != 422 && r.Status != 400 || r.ErrCode(t) != tc.code || r.JSON(t)["error"].(map[string]any)["field"] != tc.field {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
	}
	want("after refusals", patch(map[string]any{}), map[string]string{"ca": "davant la Plaça Reial", "es": "en la Plaça Reial"})

	// At once: each PATCH sets its own language; all of them survive.
	langs := map[string]string{"fr": "à la Plaça Reial", "it": "alla Plaça Reial", "pt": "na Plaça Reial", "ro": "la Plaça Reial", "en": "at the Plaça Reial"}
	var wg sync.WaitGroup
	for l, f := range langs {
		wg.Go(func() {
			if r := e.Do(auth.RoleStaff, "PATCH", path, map[string]any{"at_forms": map[string]string{l: f}}); r.Status != 200 {
				t.Errorf("concurrent %s: %d %s", l, r.Status, r.Body)
			}
		})
	}
	wg.Wait()
	all := map[string]string{"ca": "davant la Plaça Reial", "es": "en la Plaça Reial"}
	maps.Copy(all, langs)
	want("at once", patch(map[string]any{}), all)

	// at_forms null removes every form.
	want("null", patch(nil), map[string]string{})
}
