package messageui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/console/consoletest"
	"safecontact/gateway/console/messageui"
)

// fakeMessages knows one participant, one template and no messages; its
// preview refuses with a code the pages have no words of their own for,
// except a body naming a reason of content_not_discreet, refused with it.
type fakeMessages struct {
	messageui.Messages // the methods these tests do not reach
}

const her = "P-7K3QX"

func (fakeMessages) Recipient(_ context.Context, _ *auth.Actor, code string) (messageui.Recipient, error) {
	if code != her {
		return messageui.Recipient{}, errs.New(errs.CodeNotFound, "no such participant")
	}
	return messageui.Recipient{Code: her, Initials: "AB", Language: "es", TimeZone: "Europe/Madrid"}, nil
}

func (fakeMessages) Templates() []messageui.Template {
	return []messageui.Template{{ID: "appointment_reminder", Description: "A reminder",
		Params: []messageui.TemplateParam{{Name: "when", Type: "datetime"}}, Channels: []string{"sms"}}}
}

func (fakeMessages) Preview(_ context.Context, _ *auth.Actor, in messageui.MessageInput) (messageui.Preview, error) {
	if in.Body == "not_plain" || in.Body == "flagged" || in.Body == "mostly_sensitive" {
		e := errs.Field("content_not_discreet", "body", "%s", english)
		e.Details = map[string]any{"reason": in.Body}
		return messageui.Preview{}, e
	}
	return messageui.Preview{Allowed: false, Code: "some_new_refusal", Reason: english}, nil
}

func (fakeMessages) Timeline(_ context.Context, _ *auth.Actor, code string) (messageui.Timeline, error) {
	return messageui.Timeline{Code: code, TimeZone: "Europe/Madrid", RetentionDays: 30}, nil
}

const english = "an English sentence from the service"

func mount(t *testing.T) *consoletest.Env {
	t.Helper()
	e := consoletest.New(t)
	messageui.Mount(e.Console, messageui.Deps{Messages: fakeMessages{}})
	return e
}

// Her compose and messages pages are for signed-in staff: nobody else
// reaches them, and staff and above see them.
func TestMessagePagesByRole(t *testing.T) {
	t.Parallel()
	e := mount(t)
	for _, v := range e.Everyone() {
		for _, p := range []string{"/participants/" + her + "/compose", "/participants/" + her + "/messages"} {
			t.Run(v.Name+p, func(t *testing.T) {
				pg := v.Get(p)
				if !v.Opens("staff") {
					if !pg.Refused() {
						t.Fatalf("%d %v", pg.Status, pg.Header)
					}
					return
				}
				if pg.Status != http.StatusOK || !strings.Contains(pg.Body, her) {
					t.Fatalf("%d", pg.Status)
				}
			})
		}
		if !v.Opens("staff") {
			if pg := v.Post("/participants/"+her+"/compose/send", url.Values{"kind": {"text"}, "body": {"hola"}}); !pg.Refused() {
				t.Errorf("%s: send %d", v.Name, pg.Status)
			}
		}
	}
	if pg := e.As("staff").Get("/participants/P-0000000/compose"); pg.Status != http.StatusNotFound {
		t.Errorf("unknown participant: %d", pg.Status)
	}
}

// The compose form refuses a message with neither a template nor a text,
// and a date it cannot read, in her language; a refusal the page has no
// words for is in her language too, never the service's English.
func TestComposeRefusedInHerLanguage(t *testing.T) {
	t.Parallel()
	e := mount(t)
	staff := e.As("staff")
	for _, lang := range consoletest.Languages(t) {
		L := consoletest.L(t, lang)
		for _, tc := range []struct {
			name, path string
			form       url.Values
			want       string
		}{
			{"no kind", "send", url.Values{"body": {"hola"}}, L.T("messages.refusal_missing_field", "field", "kind")},
			{"a date unread", "send", url.Values{"kind": {"tpl:appointment_reminder"}, "param.appointment_reminder.when": {"tomorrow"}},
				L.T("messages.refusal_invalid_param", "field", "when")},
			{"not plain", "preview", url.Values{"kind": {"text"}, "body": {"not_plain"}}, L.T("messages.refusal_not_plain", "field", "body")},
			{"flagged", "preview", url.Values{"kind": {"text"}, "body": {"flagged"}}, L.T("messages.refusal_flagged", "field", "body")},
			{"mostly sensitive", "preview", url.Values{"kind": {"text"}, "body": {"mostly_sensitive"}}, L.T("messages.refusal_content_not_discreet", "field", "body")},
			{"a refusal without words", "preview", url.Values{"kind": {"text"}, "body": {"hola"}},
				L.T("messages.refusal_other", "message", L.T("error.form_refused", "code", "some_new_refusal"))},
		} {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				pg := staff.In(lang).Post("/participants/"+her+"/compose/"+tc.path, tc.form)
				if pg.Status != http.StatusUnprocessableEntity {
					t.Fatalf("%d", pg.Status)
				}
				got := pg.Alert()
				if want := L.T("messages.refused") + " " + tc.want; got != want {
					t.Errorf("alert %q, want %q", got, want)
				}
				if strings.Contains(pg.Body, english) {
					t.Error("the service's English sentence is shown")
				}
			})
		}
	}
}
