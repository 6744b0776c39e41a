package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"safecontact/errs"
	"safecontact/gateway/auth"
)

// The Compose and Messages pages of a participant: write to her from a
// template or as free text, see exactly what her phone will show before
// sending, send, and follow each message's status.
//
// Invariants, and why:
//   - Message text travels only in POST bodies (preview and send) and in
//     the page answering them; after a send the browser is sent (303) to
//     her messages page, whose address holds her code only. A text in an
//     address stays in the browser's history on a shared laptop.
//   - The compose form carries an Idempotency-Key made when the form is
//     rendered; the send passes it to the same idempotent accept as the
//     API's POST /v1/messages, so a double click or a resent form sends
//     once. A send refused (consent, policy) is stored under its key too:
//     the form re-rendered after it gets a new key, so an edited message
//     is a new request.
//   - Access, consent, safe hours and the discreet filter are decided by
//     the gateway's services (Messages), for the console as for the API.
//   - The timeline never shows a message's text: the API does not either,
//     and the text is deleted after the retention period anyway.

// Messages is the gateway's message capability as the console uses it;
// the API's handlers call the same methods.
type Messages interface {
	// Recipient is what the compose page shows of her, for someone who
	// may send her a message.
	Recipient(ctx context.Context, a *auth.Actor, code string) (Recipient, error)
	// Templates are the templates staff may choose from.
	Templates() []Template
	// Preview is the message as it would be sent now, without sending it.
	Preview(ctx context.Context, a *auth.Actor, in MessageInput) (Preview, error)
	// Send accepts the message once per idempotency key; a refusal is an
	// error with its code (errs).
	Send(ctx context.Context, a *auth.Actor, idempotencyKey string, in MessageInput) (Sent, error)
	// Timeline is her latest messages, newest first, with their statuses.
	Timeline(ctx context.Context, a *auth.Actor, code string) (Timeline, error)
}

// MessageInput is a message to her: a template with its parameters, or
// free text (Body); Channel is sms, whatsapp, voice or auto.
type MessageInput struct {
	Participant string
	Template    string
	Params      map[string]string
	Body        string
	Channel     string
}

// Recipient is what the compose page needs to know about her.
type Recipient struct {
	Code     string
	Initials string
	Language string
	TimeZone string
	// Monitored: her phone may be monitored (discreet wording).
	Monitored bool
	// FreeTextRefused: the programme sends her templates only, because
	// her phone may be monitored (GATEWAY_MONITORED_FREE_TEXT=refuse).
	FreeTextRefused bool
}

// Template is one template and its parameters.
type Template struct {
	ID          string
	Description string
	Params      []TemplateParam
	Channels    []string
}

// TemplateParam is one parameter: Type is datetime, meeting_point, text
// or digits.
type TemplateParam struct {
	Name string
	Type string
}

// Preview is the contact decision and, when allowed, what her phone shows.
type Preview struct {
	Allowed bool
	// Code and Reason say why not when !Allowed (a consent refusal code).
	Code    string
	Reason  string
	Channel string
	Variant string
	SendAt  time.Time
	// Immediate: it goes now (inside a safe window).
	Immediate bool
	ReviewDue bool
	// Text is exactly what her phone will show; Language is its language.
	Text     string
	Language string
	// SMSSegments, SMSEncoding, SMSChars describe the text as SMS.
	SMSSegments int
	SMSEncoding string
	SMSChars    int
	// Marked is the free text as typed, cut into spans: Category names
	// what the discreet filter removed, "" what stays. A refusal of the
	// text as mostly sensitive comes with Marked too.
	Marked []Span
}

// Span is a piece of the typed text.
type Span struct {
	Text     string
	Category string
}

// Sent is an accepted message.
type Sent struct {
	ID      string
	Status  string
	Channel string
	SendAt  time.Time
	// Replayed: the key was used before; this is that send's answer.
	Replayed bool
}

// Timeline is her messages, newest first.
type Timeline struct {
	Code string
	// TimeZone is hers, for her local time beside the reader's.
	TimeZone string
	Messages []TimelineMessage
	// More: older messages exist beyond these.
	More bool
	// RetentionDays: message texts are deleted this many days after the
	// message's final status.
	RetentionDays int
}

// TimelineMessage is one message without its text.
type TimelineMessage struct {
	ID        string
	Channel   string
	Template  string // "" free text
	Variant   string
	Status    string
	ErrorCode string
	Final     bool
	SendAt    time.Time
	CreatedAt time.Time
	History   []StatusChange
}

// StatusChange is one step of a message's status history.
type StatusChange struct {
	Status string
	At     time.Time
	Code   string
}

func (c *Console) messageRoutes() {
	c.Page("GET /participants/{code}/compose", "staff", c.composePage)
	c.Page("POST /participants/{code}/compose/preview", "staff", c.composePreview)
	c.Page("POST /participants/{code}/compose/send", "staff", c.composeSend)
	c.Page("GET /participants/{code}/messages", "staff", c.messagesPage)
}

// word is a code to say in words (the _messages.html partials).
type word struct {
	L    *Localizer
	Code string
	// Message and Field: a refusal's sentence from the gateway (for a
	// code the catalogue does not name) and the field it is about.
	Message, Field string
}

// composeData is the compose page's.
type composeData struct {
	L         *Localizer
	Channels  []string
	Who       Recipient
	Templates []templateChoice
	// Kind is "text" or "tpl:<id>".
	Kind    string
	Body    string
	Channel string
	Key     string
	Preview *Preview
	// Refusal is a refused preview or send, in words (code and the
	// gateway's sentence for codes the catalogue does not name).
	Refusal *refusal
	// Mine and Hers: when it goes, in the reader's and her time.
	Mine, Hers string
}

// W is code with the reader's localizer, for a partial.
func (d *composeData) W(code string) word { return word{L: d.L, Code: code} }

type templateChoice struct {
	Template
	Fields []paramField
}

type paramField struct {
	Name, Type, ID, Input, Value string
}

type refusal struct {
	Code, Message, Field string
}

// RefusalWord is the refusal for the messages-refusal partial.
func (d *composeData) RefusalWord() word {
	return word{L: d.L, Code: d.Refusal.Code, Message: d.Refusal.Message, Field: d.Refusal.Field}
}

// channelChoices are the compose form's channels; auto follows her
// preference order.
var channelChoices = []string{"auto", "sms", "whatsapp", "voice"}

func newIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:])
	return "console-" + hex.EncodeToString(b[:])
}

// withTemplates fills the template choices, with the values typed.
func (c *Console) withTemplates(d *composeData, r *http.Request) {
	for _, t := range c.messages.Templates() {
		tc := templateChoice{Template: t}
		for _, p := range t.Params {
			f := paramField{Name: p.Name, Type: p.Type, ID: "p-" + t.ID + "-" + p.Name, Input: "text"}
			if p.Type == "datetime" {
				f.Input = "datetime-local"
			}
			if r.Method == http.MethodPost {
				f.Value = r.PostFormValue("param." + t.ID + "." + p.Name)
			}
			tc.Fields = append(tc.Fields, f)
		}
		d.Templates = append(d.Templates, tc)
	}
}

func (c *Console) composePage(w http.ResponseWriter, r *http.Request) {
	who, err := c.messages.Recipient(r.Context(), c.ActorOf(r), r.PathValue("code"))
	if err != nil {
		c.serviceError(w, r, err)
		return
	}
	d := &composeData{L: LocalizerOf(r), Channels: channelChoices, Who: who, Kind: "text", Channel: "auto", Key: newIdempotencyKey()}
	if who.FreeTextRefused {
		d.Kind = ""
	}
	c.withTemplates(d, r)
	c.Render(w, r, http.StatusOK, "messages_compose", d)
}

// formInput reads the compose form: the message and her data.
func (c *Console) formInput(r *http.Request) (*composeData, MessageInput, error) {
	code := r.PathValue("code")
	who, err := c.messages.Recipient(r.Context(), c.ActorOf(r), code)
	if err != nil {
		return nil, MessageInput{}, err
	}
	d := &composeData{L: LocalizerOf(r), Channels: channelChoices, Who: who, Kind: r.PostFormValue("kind"), Body: r.PostFormValue("body"),
		Channel: r.PostFormValue("channel"), Key: r.PostFormValue("idempotency_key")}
	if d.Channel == "" {
		d.Channel = "auto"
	}
	if d.Key == "" {
		d.Key = newIdempotencyKey()
	}
	c.withTemplates(d, r)
	in := MessageInput{Participant: who.Code, Channel: d.Channel}
	switch {
	case d.Kind == "text":
		in.Body = d.Body
	case strings.HasPrefix(d.Kind, "tpl:"):
		in.Template = strings.TrimPrefix(d.Kind, "tpl:")
		for _, t := range d.Templates {
			if t.ID != in.Template {
				continue
			}
			in.Params = map[string]string{}
			for _, f := range t.Fields {
				v := strings.TrimSpace(f.Value)
				if f.Type == "datetime" && v != "" {
					// Typed in her time: the form says so.
					loc, lerr := time.LoadLocation(who.TimeZone)
					ts, perr := time.ParseInLocation("2006-01-02T15:04", v, loc)
					if lerr != nil || perr != nil || who.TimeZone == "" {
						return d, in, errs.Field("invalid_param", f.Name, "a date and time such as 2026-06-03 10:00")
					}
					v = ts.Format(time.RFC3339)
				}
				if v != "" {
					in.Params[f.Name] = v
				}
			}
		}
	default:
		return d, in, errs.Field("missing_field", "kind", "choose a template or free text")
	}
	return d, in, nil
}

func (c *Console) composePreview(w http.ResponseWriter, r *http.Request) {
	d, in, err := c.formInput(r)
	if d == nil {
		c.serviceError(w, r, err)
		return
	}
	if err == nil {
		var p Preview
		p, err = c.messages.Preview(r.Context(), c.ActorOf(r), in)
		if err != nil && len(p.Marked) > 0 {
			d.Preview = &p
		}
		if err == nil {
			d.Preview = &p
			if !p.Allowed {
				d.Refusal = &refusal{Code: p.Code, Message: p.Reason}
			} else {
				L := LocalizerOf(r)
				d.Mine, d.Hers = L.DateTime(p.SendAt), L.Hers(p.SendAt, d.Who.TimeZone)
			}
		}
	}
	if err != nil {
		if !c.asRefusal(w, r, d, err) {
			return
		}
	}
	status := http.StatusOK
	if d.Refusal != nil {
		status = http.StatusUnprocessableEntity
	}
	c.Render(w, r, status, "messages_compose", d)
}

func (c *Console) composeSend(w http.ResponseWriter, r *http.Request) {
	d, in, err := c.formInput(r)
	if d == nil {
		c.serviceError(w, r, err)
		return
	}
	if err == nil {
		_, err = c.messages.Send(r.Context(), c.ActorOf(r), d.Key, in)
		if err == nil {
			redirect(w, r, "/participants/"+url.PathEscape(d.Who.Code)+"/messages?m=sent")
			return
		}
		// The refusal is stored under this key: an edited message is a
		// new request with a new key.
		d.Key = newIdempotencyKey()
	}
	if !c.asRefusal(w, r, d, err) {
		return
	}
	c.Render(w, r, http.StatusUnprocessableEntity, "messages_compose", d)
}

// asRefusal puts a refused request on the form; false when it was not a
// refusal (an access refusal or an internal error: answered here).
func (c *Console) asRefusal(w http.ResponseWriter, r *http.Request, d *composeData, err error) bool {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == "internal" || e.Code == "forbidden" || e.Code == "not_found" {
		c.serviceError(w, r, err)
		return false
	}
	d.Refusal = &refusal{Code: e.Code, Message: e.Message, Field: e.Field}
	return true
}

// serviceError answers a refused or failed service call: the 403 or 404
// page, else the error page (logged).
func (c *Console) serviceError(w http.ResponseWriter, r *http.Request, err error) {
	switch errs.Code(err) {
	case "forbidden":
		// Her page is refused, not the reader's role: say why in words.
		c.render(w, r, http.StatusForbidden, "forbidden", &View{Error: partErrText(stateOf(r).L, err)})
	case "not_found":
		c.render(w, r, http.StatusNotFound, "notfound", &View{})
	default:
		c.fail(w, r, err)
	}
}

// timelineData is the messages page's.
type timelineData struct {
	Timeline
	L *Localizer
	// Polling: some message may still move (the page refreshes itself).
	Polling bool
	// Sent: she comes from sending one (a confirmation).
	Sent bool
}

// W is code with the reader's localizer, for a partial.
func (d *timelineData) W(code string) word { return word{L: d.L, Code: code} }

func (c *Console) messagesPage(w http.ResponseWriter, r *http.Request) {
	tl, err := c.messages.Timeline(r.Context(), c.ActorOf(r), r.PathValue("code"))
	if err != nil {
		c.serviceError(w, r, err)
		return
	}
	d := &timelineData{Timeline: tl, L: LocalizerOf(r), Sent: r.URL.Query().Get("m") == "sent"}
	for _, m := range tl.Messages {
		if !m.Final {
			d.Polling = true
		}
	}
	c.Render(w, r, http.StatusOK, "messages_timeline", d)
}
