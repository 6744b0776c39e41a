// Package messageui is the console's Compose and Messages pages of a
// participant, for staff: write to her from a template or as free text,
// see exactly what her phone will show before sending, send, and follow
// each message's status.
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
package messageui

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
	"safecontact/gateway/console"
)

// Deps are what the message pages are built from.
type Deps struct {
	Messages Messages
}

// Pages serves the Compose and Messages pages.
type Pages struct {
	con      *console.Console
	messages Messages
}

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
	// SignatureName is the reader's own signature name ("" none): a
	// known name in her own free text to a monitored phone.
	SignatureName(ctx context.Context, a *auth.Actor) (string, error)
	// SetSignatureName sets (or, with "", clears) the reader's own.
	SetSignatureName(ctx context.Context, a *auth.Actor, name string) (string, error)
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

// TemplateParam is one parameter: Type is datetime, meeting_point, text,
// digits or minutes.
type TemplateParam struct {
	Name string
	Type string
}

// Preview is the contact decision and, when allowed, what her phone shows.
type Preview struct {
	Allowed bool
	// Code and Reason say why not when !Allowed (a consent refusal code,
	// or a promised call's); Field is the request field it is about, if any.
	Code    string
	Reason  string
	Field   string
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
	// text as mostly sensitive, or as not plain or flagged (the plain and
	// whole policies: the words to rephrase), comes with Marked too.
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
	ID       string
	Channel  string
	Template string // "" free text
	Version  int    // the template's version, 0 for free text
	// Source (builtin or deployment), Digest (hex SHA-256 of the template
	// file) and DigestPrefix (its first 12 digits, what the page shows):
	// which text she was sent; "" for free text and older messages.
	Source, Digest, DigestPrefix string
	Variant                      string
	Status                       string
	ErrorCode                    string
	Final                        bool
	SendAt                       time.Time
	CreatedAt                    time.Time
	History                      []StatusChange
}

// StatusChange is one step of a message's status history.
type StatusChange struct {
	Status string
	At     time.Time
	Code   string
}

// Mount registers the Compose and Messages pages (role staff) on c.
func Mount(c *console.Console, d Deps) {
	p := &Pages{con: c, messages: d.Messages}
	c.Page("GET /participants/{code}/compose", "staff", p.composePage)
	c.Page("POST /participants/{code}/compose/preview", "staff", p.composePreview)
	c.Page("POST /participants/{code}/compose/send", "staff", p.composeSend)
	c.Page("GET /participants/{code}/messages", "staff", p.messagesPage)
	c.Page("POST /participants/{code}/compose/signature-name", "staff", p.signaturePost)
}

// word is a code to say in words (the _messages.html partials).
type word struct {
	L    *console.Localizer
	Code string
	// Message and Field: a refusal's sentence from the gateway (for a
	// code the catalogue does not name) and the field it is about.
	Message, Field string
	// Reason: a refusal's details.reason, when the code has several
	// (content_not_discreet: not_plain and flagged have their own words).
	Reason string
}

// composeData is the compose page's.
type composeData struct {
	L         *console.Localizer
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
	// Signature is the reader's own signature name, shown (with a form to
	// change it) when free text to her monitored phone is scanned;
	// SignatureSaved and SignatureRefused say how its form went.
	Signature        string
	ShowSignature    bool
	SignatureSaved   bool
	SignatureRefused bool
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
	Code, Message, Field, Reason string
}

// RefusalWord is the refusal for the messages-refusal partial.
func (d *composeData) RefusalWord() word {
	return word{L: d.L, Code: d.Refusal.Code, Message: d.Refusal.Message, Field: d.Refusal.Field, Reason: d.Refusal.Reason}
}

// reasonOf is an error's details.reason ("" without one).
func reasonOf(e *errs.Error) string {
	if d, ok := e.Details.(map[string]any); ok {
		if r, ok := d["reason"].(string); ok {
			return r
		}
	}
	return ""
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
func (p *Pages) withTemplates(d *composeData, r *http.Request) {
	for _, t := range p.messages.Templates() {
		tc := templateChoice{Template: t}
		for _, tp := range t.Params {
			f := paramField{Name: tp.Name, Type: tp.Type, ID: "p-" + t.ID + "-" + tp.Name, Input: "text"}
			if tp.Type == "datetime" {
				f.Input = "datetime-local"
			}
			if r.Method == http.MethodPost {
				f.Value = r.PostFormValue("param." + t.ID + "." + tp.Name)
			}
			tc.Fields = append(tc.Fields, f)
		}
		d.Templates = append(d.Templates, tc)
	}
}

func (p *Pages) composePage(w http.ResponseWriter, r *http.Request) {
	who, err := p.messages.Recipient(r.Context(), p.con.ActorOf(r), r.PathValue("code"))
	if err != nil {
		p.serviceError(w, r, err)
		return
	}
	d, err := p.newCompose(r, who)
	if err != nil {
		p.serviceError(w, r, err)
		return
	}
	d.SignatureSaved = d.ShowSignature && r.URL.Query().Get("m") == "signature_saved"
	p.con.Render(w, r, http.StatusOK, "messages_compose", d)
}

// newCompose is the empty compose form for who: free text unless it is
// refused to her, the templates, and the reader's signature name.
func (p *Pages) newCompose(r *http.Request, who Recipient) (*composeData, error) {
	d := &composeData{L: console.LocalizerOf(r), Channels: channelChoices, Who: who, Kind: "text", Channel: "auto", Key: newIdempotencyKey()}
	if who.FreeTextRefused {
		d.Kind = ""
	}
	p.withTemplates(d, r)
	if err := p.withSignature(d, r); err != nil {
		return nil, err
	}
	return d, nil
}

// withSignature fills the reader's signature name when her free text to
// this participant's monitored phone is scanned for names.
func (p *Pages) withSignature(d *composeData, r *http.Request) error {
	if !d.Who.Monitored || d.Who.FreeTextRefused {
		return nil
	}
	n, err := p.messages.SignatureName(r.Context(), p.con.ActorOf(r))
	if err != nil {
		return err
	}
	d.Signature, d.ShowSignature = n, true
	return nil
}

// signaturePost sets the reader's own signature name from the compose
// page of a participant she may write to, and comes back to it. A name
// refused is not shown again: the page says why in words.
func (p *Pages) signaturePost(w http.ResponseWriter, r *http.Request) {
	a := p.con.ActorOf(r)
	who, err := p.messages.Recipient(r.Context(), a, r.PathValue("code"))
	if err != nil {
		p.serviceError(w, r, err)
		return
	}
	_, err = p.messages.SetSignatureName(r.Context(), a, r.PostFormValue("signature_name"))
	if err == nil {
		console.Redirect(w, r, "/participants/"+url.PathEscape(who.Code)+"/compose?m=signature_saved")
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == "internal" || e.Code == "forbidden" || e.Code == "not_found" {
		p.serviceError(w, r, err)
		return
	}
	d, err := p.newCompose(r, who)
	if err != nil {
		p.serviceError(w, r, err)
		return
	}
	d.ShowSignature, d.SignatureRefused = true, true
	p.con.Render(w, r, http.StatusUnprocessableEntity, "messages_compose", d)
}

// formInput reads the compose form: the message and her data.
func (p *Pages) formInput(r *http.Request) (*composeData, MessageInput, error) {
	code := r.PathValue("code")
	who, err := p.messages.Recipient(r.Context(), p.con.ActorOf(r), code)
	if err != nil {
		return nil, MessageInput{}, err
	}
	d := &composeData{L: console.LocalizerOf(r), Channels: channelChoices, Who: who, Kind: r.PostFormValue("kind"), Body: r.PostFormValue("body"),
		Channel: r.PostFormValue("channel"), Key: r.PostFormValue("idempotency_key")}
	if d.Channel == "" {
		d.Channel = "auto"
	}
	if d.Key == "" {
		d.Key = newIdempotencyKey()
	}
	p.withTemplates(d, r)
	if err := p.withSignature(d, r); err != nil {
		return nil, MessageInput{}, err
	}
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
						return d, in, errs.Field(errs.CodeInvalidParam, f.Name, "a date and time such as 2026-06-03 10:00")
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

func (p *Pages) composePreview(w http.ResponseWriter, r *http.Request) {
	d, in, err := p.formInput(r)
	if d == nil {
		p.serviceError(w, r, err)
		return
	}
	if err == nil {
		var pv Preview
		pv, err = p.messages.Preview(r.Context(), p.con.ActorOf(r), in)
		if err != nil && len(pv.Marked) > 0 {
			d.Preview = &pv
		}
		if err == nil {
			d.Preview = &pv
			if !pv.Allowed {
				// The reason is the service's English: her words come
				// from the code.
				d.Refusal = &refusal{Code: pv.Code, Message: console.FormErrorText(console.LocalizerOf(r), errs.New(pv.Code, "%s", pv.Reason), nil), Field: formField(pv.Field)}
			} else {
				L := console.LocalizerOf(r)
				d.Mine, d.Hers = L.DateTime(pv.SendAt), L.Hers(pv.SendAt, d.Who.TimeZone)
			}
		}
	}
	if err != nil {
		if !p.asRefusal(w, r, d, err) {
			return
		}
	}
	status := http.StatusOK
	if d.Refusal != nil {
		status = http.StatusUnprocessableEntity
	}
	p.con.Render(w, r, status, "messages_compose", d)
}

func (p *Pages) composeSend(w http.ResponseWriter, r *http.Request) {
	d, in, err := p.formInput(r)
	if d == nil {
		p.serviceError(w, r, err)
		return
	}
	if err == nil {
		_, err = p.messages.Send(r.Context(), p.con.ActorOf(r), d.Key, in)
		if err == nil {
			console.Redirect(w, r, "/participants/"+url.PathEscape(d.Who.Code)+"/messages?m=sent")
			return
		}
		// The refusal is stored under this key: an edited message is a
		// new request with a new key.
		d.Key = newIdempotencyKey()
	}
	if !p.asRefusal(w, r, d, err) {
		return
	}
	p.con.Render(w, r, http.StatusUnprocessableEntity, "messages_compose", d)
}

// asRefusal puts a refused request on the form; false when it was not a
// refusal (an access refusal or an internal error: answered here).
func (p *Pages) asRefusal(w http.ResponseWriter, r *http.Request, d *composeData, err error) bool {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == "internal" || e.Code == "forbidden" || e.Code == "not_found" {
		p.serviceError(w, r, err)
		return false
	}
	// Message is for a code the page has no words for: in her language,
	// never the service's English message.
	d.Refusal = &refusal{Code: e.Code, Message: console.FormErrorText(console.LocalizerOf(r), err, nil), Field: formField(e.Field), Reason: reasonOf(e)}
	return true
}

// formField is a refusal's field as the compose form shows it: the
// service names a template parameter as the API's request field
// ("params.when"); the form labels it by its name ("when").
func formField(field string) string { return strings.TrimPrefix(field, "params.") }

// serviceError answers a refused or failed service call: the 403 or 404
// page, else the error page (logged).
func (p *Pages) serviceError(w http.ResponseWriter, r *http.Request, err error) {
	switch errs.Code(err) {
	case "forbidden":
		// Her page is refused, not the reader's role: say why in words
		// (the participant pages' sentence).
		p.con.RenderView(w, r, http.StatusForbidden, "forbidden", &console.View{Error: console.LocalizerOf(r).T("participants.error.forbidden")})
	case "not_found":
		p.con.RenderView(w, r, http.StatusNotFound, "notfound", &console.View{})
	default:
		p.con.Fail(w, r, err)
	}
}

// timelineData is the messages page's.
type timelineData struct {
	Timeline
	L *console.Localizer
	// Polling: some message may still move (the page refreshes itself).
	Polling bool
	// Sent: she comes from sending one (a confirmation).
	Sent bool
}

// W is code with the reader's localizer, for a partial.
func (d *timelineData) W(code string) word { return word{L: d.L, Code: code} }

func (p *Pages) messagesPage(w http.ResponseWriter, r *http.Request) {
	tl, err := p.messages.Timeline(r.Context(), p.con.ActorOf(r), r.PathValue("code"))
	if err != nil {
		p.serviceError(w, r, err)
		return
	}
	d := &timelineData{Timeline: tl, L: console.LocalizerOf(r), Sent: r.URL.Query().Get("m") == "sent"}
	for _, m := range tl.Messages {
		if !m.Final {
			d.Polling = true
		}
	}
	p.con.Render(w, r, http.StatusOK, "messages_timeline", d)
}
