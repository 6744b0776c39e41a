package message

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
	"safecontact/keys"
	"safecontact/templates"
	"safecontact/textcheck"
)

// The error codes the accept path answers with (statuses: errs/status.go).
const (
	CodeIdempotencyReused = "idempotency_reused"
	CodeInvalidParam      = errs.CodeInvalidParam
)

// Input is the body of POST /v1/messages and /v1/messages/preview.
type Input struct {
	Participant string            `json:"participant"`
	Template    string            `json:"template"`
	Params      map[string]string `json:"params"`
	Body        string            `json:"body"`
	Channel     string            `json:"channel"`
	// Priority "safety" puts the message in the safety lane; staff API
	// messages default to normal.
	Priority string `json:"priority"`
	// ConfirmNames are names in a free text that staff confirm are
	// neutral (not unknown_name findings) for a monitored phone.
	ConfirmNames []string `json:"confirm_names"`
}

// Redaction is one removed span as the sender sees it in the response.
// The matched text is her own input and goes back to her only; the
// database and audit keep categories and counts.
type Redaction struct {
	Category templates.Category `json:"category"`
	Match    string             `json:"match"`
	Start    int                `json:"start"`
	End      int                `json:"end"`
}

// composed is a message ready to store.
type composed struct {
	decision   consent.Decision
	content    Content
	templateID string
	version    int
	// source and digest: which template text was rendered (Rendered);
	// "" for free text.
	source, digest string
	language       string
	sms            templates.SMSInfo
	redactions     []Redaction
	// field is the request field a refusal is about ("params.when" for a
	// promised call), "" for the contact decision's own refusals.
	field string
	// promisedCallAt is the time the text promises her a call at (zero:
	// the template promises none).
	promisedCallAt time.Time
	// renderedTZ is the time zone the text's times are written in
	// (templates.Rendered.TimeZone).
	renderedTZ string
	// place is the registered meeting point the text names, with the
	// name and at forms it was rendered with (Service.placeOf).
	place meetingPointLink
}

func redactionCounts(rs []Redaction) map[string]int {
	if len(rs) == 0 {
		return nil
	}
	m := map[string]int{}
	for _, r := range rs {
		m[string(r.Category)]++
	}
	return m
}

// compose validates the request, runs the contact decision and renders the
// text. A refusal comes back as decision.Allowed == false with no error.
// author is who writes it: her signature name is a known name in its free
// text to a monitored phone.
func (s *Service) compose(ctx context.Context, author *auth.Actor, in Input, p db.Participant, hist []consent.Event, now time.Time) (composed, error) {
	var out composed
	ch, err := consent.ParseChannel(in.Channel, true)
	if err != nil {
		return out, err
	}
	if (in.Template == "") == (in.Body == "") {
		return out, errs.Field(errs.CodeMissingField, "template", "give either template (with params) or body (free text), not both")
	}
	if in.Body == "" && len(in.ConfirmNames) > 0 && len(s.d.Catalog.TextParams(in.Template)) == 0 {
		return out, errs.Field(CodeInvalidParam, "confirm_names", "confirm_names go with free text or a template's text parameters, not with a template without them")
	}
	if in.Body != "" && len(in.Params) > 0 {
		return out, errs.Field(CodeInvalidParam, "params", "params go with a template, not with free text")
	}
	if len(in.Body) > 1600 {
		return out, errs.Field(CodeInvalidParam, "body", "free text is limited to 1600 bytes")
	}
	prof, consents := participant.ProfileOf(p), consent.Fold(hist, now, s.cfg.ConsentReviewAge)
	d := consent.Decide(prof, consents, ch, now)
	out.decision = d
	if !d.Allowed {
		return out, nil
	}
	variant := templates.Variant(d.Variant)
	// The author's signature name, read once for the message and only
	// when its free text is scanned for names.
	var signature string
	if variant == templates.Discreet && s.scansNames() && (in.Body != "" || len(s.d.Catalog.TextParams(in.Template)) > 0) {
		signature = s.signatureOf(ctx, author)
	}
	if in.Template != "" {
		out, err := s.composeTemplate(out, in, p, prof, consents, variant, now, signature)
		return out, paramFieldErr(err, s.d.Catalog.ParamNames(in.Template), in.Params)
	}
	text := strings.TrimSpace(in.Body)
	out.language = p.Language
	if variant == templates.Discreet {
		stripped, reds, err := s.discreetFreeText(text, p.Language, in.ConfirmNames, signature)
		if err != nil {
			return out, err
		}
		out.redactions, text = reds, stripped
	}
	out.content = Content{Text: text}
	out.sms = templates.SMSSegments(text)
	return out, nil
}

// composeTemplate is compose for a template: the discreet check of its
// text parameters, the rendering and a promised call's decision. Its
// errors name a parameter by its bare name, as Render does; compose turns
// them into the request's field (paramFieldErr). signature is the author's
// signature name, a known name in the text parameters.
func (s *Service) composeTemplate(out composed, in Input, p db.Participant, prof consent.Profile, consents map[consent.Channel]consent.ChannelConsent, variant templates.Variant, now time.Time, signature string) (composed, error) {
	// A text parameter is free text to a monitored phone: the free-text
	// policy applies to its value (refused under refuse, and for what the
	// body is refused for before any scan), and under filter, vocabulary,
	// plain or whole it is scanned as it stands in the rendered text,
	// with the same options as a body: its first word is a sentence start
	// only where the template puts it at one, and a value in capitals is
	// read among the template's words. Findings in the template's own
	// words are not the value's (they are reviewed); one that reaches
	// into the value is, and the value is refused rather than cut inside
	// a reviewed text (under plain and whole with the body's refusal,
	// not_plain or flagged, naming the parameter).
	var textParams []string
	if variant == templates.Discreet {
		for _, name := range s.d.Catalog.TextParams(in.Template) {
			v, ok := in.Params[name]
			if !ok || strings.TrimSpace(v) == "" {
				continue // Render reports the missing parameter
			}
			if _, err := s.freeTextScan(strings.TrimSpace(v), p.Language, in.ConfirmNames, signature); err != nil {
				return out, paramErr(err, name)
			}
			textParams = append(textParams, name)
		}
	}
	atForms, place := s.placeOf(in.Template, in.Params)
	req := templates.RenderRequest{
		TemplateID: in.Template, Lang: p.Language, Variant: variant, Channel: string(out.decision.Channel),
		Params: in.Params, TimeZone: p.TimeZone, AtForms: atForms,
	}
	if len(textParams) > 0 {
		// Scanned before the catalogue's own check of the rendering,
		// which refuses a value its filter flags without the policy's
		// reason; a rendering that fails is reported by Render below.
		if r, err := s.d.Catalog.WithFilter(nil).Render(req); err == nil {
			if err := s.checkTextParams(r, textParams, in, p.Language, signature); err != nil {
				return out, err
			}
		}
	}
	r, err := s.d.Catalog.Render(req)
	if err != nil {
		return out, err
	}
	out.content = Content{Text: r.Text, ContentSID: r.ContentSID, ContentVariables: r.ContentVariables}
	out.templateID, out.version, out.language, out.sms = r.TemplateID, r.Version, r.Lang, r.SMS
	out.source, out.digest, out.renderedTZ = r.Source, r.Digest, r.TimeZone
	out.place = place
	if param, ok := s.d.Catalog.PromisedCall(in.Template); ok {
		return promiseCall(out, prof, consents[consent.Voice], now, param, in.Params[param])
	}
	return out, nil
}

// checkTextParams scans the discreet rendering r with the options of free
// text (freeTextScan) and refuses the first of names, the text parameters
// given, that a finding reaches into. Under plain and whole the refusal
// lists the findings as the body's does (WholeRefusal), cut to the value
// and in offsets of the value as given in params.
func (s *Service) checkTextParams(r templates.Rendered, names []string, in Input, lang, signature string) error {
	o, err := s.freeTextScan(r.Text, lang, in.ConfirmNames, signature)
	if err != nil {
		return paramErr(err, names[0])
	}
	findings := s.filter.ScanWith(r.Text, o)
	if len(findings) == 0 {
		return nil
	}
	for _, name := range names {
		raw := in.Params[name]
		var hit []templates.Finding
		for _, f := range findings {
			for _, sp := range r.ParamSpans[name] {
				start, end := max(f.Start, sp[0]), min(f.End, sp[1])
				if start >= end {
					continue
				}
				start, end = valueOffset(raw, start-sp[0]), valueOffset(raw, end-sp[0])
				f.Start, f.End, f.Match = start, end, raw[start:end]
				hit = append(hit, f)
				break
			}
		}
		if len(hit) == 0 {
			continue
		}
		if WholeOrNothing(s.cfg.FreeText) {
			_, err := WholeRefusal(s.cfg.FreeText, hit)
			return paramErr(err, name)
		}
		// The categories only: what was found is not echoed.
		_, cats := redactionsOf(hit)
		e := errs.Field(CodeContentNotDiscreet, name,
			"her phone may be monitored and parameter %s carries what the filter removes from free text to her (%s); reword it, or confirm a name with confirm_names", name, strings.Join(cats, ", "))
		e.Details = map[string]any{"reason": "sensitive_param", "categories": cats}
		return e
	}
	return nil
}

// paramErr is err about free text named by text parameter name, except a
// refused confirmed name: that is about confirm_names, as for a body.
func paramErr(err error, name string) error {
	if e := errs.As(err); e.Code != errs.CodeInternal && e.Field != "confirm_names" {
		e.Field = name
	}
	return err
}

// valueOffset is the byte offset in raw, a text parameter as given, of
// offset k of its value as rendered (templates.PlaceKey: normalised, its
// spaces trimmed and runs of them one space).
func valueOffset(raw string, k int) int {
	key := templates.PlaceKey(raw)
	lead := len(raw) - len(strings.TrimLeftFunc(raw, unicode.IsSpace))
	if norm.NFC.String(raw) != raw {
		return min(lead+k, len(raw))
	}
	i, j := lead, 0
	for j < k && j < len(key) && i < len(raw) {
		if key[j] == ' ' {
			j++
			for i < len(raw) {
				r, n := utf8.DecodeRuneInString(raw[i:])
				if !unicode.IsSpace(r) {
					break
				}
				i += n
			}
			continue
		}
		_, n := utf8.DecodeRuneInString(key[j:])
		j += n
		_, m := utf8.DecodeRuneInString(raw[i:])
		i += m
	}
	return min(i, len(raw))
}

// paramField is the request field of template parameter name: the API
// takes parameters as the object params, so "when" is "params.when".
func paramField(name string) string { return "params." + name }

// renderFields are the fields Render names that are not parameters: they
// come from the request or her record, never from params.
var renderFields = []string{"template_id", "variant", "channel", "lang", "time_zone"}

// paramFieldErr turns the field of an error about a template parameter
// into the request's field (paramField): templates, and the discreet
// check of a text parameter, name the parameter bare ("when", or
// "place.at" for its at form), which is how the CLI shows them. A field
// is a parameter's when it (up to its first dot) is one of declared, the
// template's parameters, or a name given in params (an unknown one).
// Other errors are returned as they are.
func paramFieldErr(err error, declared []string, params map[string]string) error {
	var e *errs.Error
	if err == nil || !errors.As(err, &e) || e.Field == "" || slices.Contains(renderFields, e.Field) {
		return err
	}
	head, _, _ := strings.Cut(e.Field, ".")
	if _, given := params[head]; given || slices.Contains(declared, head) {
		e.Field = paramField(e.Field)
	}
	return err
}

// promiseCall decides the call the text promises at raw (the template's
// promised parameter, which Render has read as RFC 3339) as of the
// moment the text goes out (the decision's SendAt: now, or the start of
// her next safe window), so a text that would reach her after the call
// is refused as past (saying so when the call is after now but before
// her next safe window): allowed, out keeps the time for the worker's
// re-check; refused, out becomes a refusal about the voice channel (the
// call), naming the parameter.
func promiseCall(out composed, prof consent.Profile, voice consent.ChannelConsent, now time.Time, param, raw string) (composed, error) {
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(raw))
	if err != nil {
		// Render read it the same way, so this does not happen; fail closed.
		return composed{}, errs.Field(CodeInvalidParam, paramField(param), "parameter %s must be an RFC 3339 date-time", param)
	}
	r := consent.DecideCallSent(voice, prof, now, out.decision.SendAt, at)
	if r == nil {
		out.promisedCallAt = at.UTC()
		return out, nil
	}
	d := out.decision
	out.decision = consent.Decision{Code: r.Code, Reason: r.Message, Channel: consent.Voice, Variant: d.Variant, ConsentVersion: voice.Version}
	out.field = paramField(param)
	out.content = Content{}
	return out, nil
}

// meaningful: at least two words of letters are left.
func meaningful(s string) bool {
	words := 0
	for _, w := range strings.Fields(s) {
		for _, r := range w {
			if unicode.IsLetter(r) {
				words++
				break
			}
		}
	}
	return words >= 2
}

// removedShare is the share of non-space bytes the filter removed.
func removedShare(text string, fs []templates.Finding) float64 {
	total := 0
	for _, r := range text {
		if !unicode.IsSpace(r) {
			total++
		}
	}
	if total == 0 {
		return 1
	}
	removed := 0
	for _, f := range fs {
		for _, r := range f.Match {
			if !unicode.IsSpace(r) {
				removed++
			}
		}
	}
	return float64(removed) / float64(total)
}

type Accepted struct {
	ID              string          `json:"id"`
	Status          string          `json:"status"`
	Channel         consent.Channel `json:"channel"`
	Variant         consent.Variant `json:"variant"`
	SendAt          time.Time       `json:"send_at"`
	TemplateID      string          `json:"template_id,omitempty"`
	TemplateVersion int             `json:"template_version,omitempty"`
	TemplateDigest  string          `json:"template_digest,omitempty"`
	TemplateSource  string          `json:"template_source,omitempty"`
	Language        string          `json:"language"`
	SMSSegments     int             `json:"sms_segments,omitempty"`
	Redactions      []Redaction     `json:"redactions"`
	ConsentReview   bool            `json:"consent_review_due"`
}

// checkIdempotencyKey refuses a key the idempotency table cannot hold.
func checkIdempotencyKey(key string) error {
	if len(key) > 200 || textcheck.Chars("Idempotency-Key", key) != nil {
		// HTTP allows any byte but controls in a header value; PostgreSQL
		// refuses invalid UTF-8 (and NUL) in text: refused here, not a 500.
		return errs.Field(errs.CodeInvalidParameter, "Idempotency-Key", "Idempotency-Key is at most 200 characters of printable UTF-8 text (a UUID is usual)")
	}
	return nil
}

// sendAnswer is the answer to a send: the HTTP status and body
// (Accepted, or httpx.ErrorBody for a refusal), or stored, the
// answer already given under the same Idempotency-Key.
type sendAnswer struct {
	status int
	resp   any
	stored []byte
}

// sendMessage decides and writes one message (POST /v1/messages after its
// body is read and its key's stored answer looked up; the console's send
// the same way): the message, or the refusal, recorded under idemKey
// ("" none) with hash, the request's digest.
func (s *Service) sendMessage(ctx context.Context, actor *auth.Actor, in Input, idemKey string, hash []byte) (sendAnswer, error) {
	prio := int16(0)
	if in.Priority == "safety" {
		prio = 1
	} else if in.Priority != "" && in.Priority != "normal" {
		return sendAnswer{}, errs.Field(errs.CodeInvalidParameter, "priority", "priority is normal or safety")
	}
	now := s.d.Now()
	var status int
	var resp any
	var err error
	for attempt := 0; ; attempt++ {
		status, resp, err = s.accept(ctx, actor, in, prio, idemKey, hash, now, attempt > 0)
		if !errors.Is(err, errStale) {
			break
		}
		s.d.Redecided()
		if attempt == 3 {
			err = staleRefusal(err)
			break
		}
	}
	if errors.Is(err, errIdempotentRace) {
		st, body, ok, err := s.storedAnswer(ctx, actor, idemKey, hash)
		if err == nil && !ok {
			err = errs.Internal(errors.New("idempotency key stored by a concurrent request but not found"))
		}
		return sendAnswer{status: st, stored: body}, err
	}
	if err != nil {
		return sendAnswer{}, err
	}
	if status == http.StatusAccepted {
		s.d.Kick()
	}
	return sendAnswer{status: status, resp: resp}, nil
}

// row builds the row of an accepted message and the answer.
func (s *Service) newRow(actor *auth.Actor, f found, m composed, prio int16, now time.Time) (row, Accepted, error) {
	p, d := f.p, m.decision
	id, err := uuid.NewV7()
	if err != nil {
		return row{}, Accepted{}, err
	}
	st := StatusQueued
	if d.SendAt.After(now) {
		st = StatusScheduled
	}
	details := map[string]any{
		"message_id": id.String(), "channel": d.Channel, "variant": d.Variant, "status": st, "send_at": d.SendAt,
		"template_id": m.templateID, "template_version": m.version, "consent_version": d.ConsentVersion, "language": m.language,
	}
	provenance(details, m.source, m.digest)
	var red []byte
	if counts := redactionCounts(m.redactions); counts != nil {
		red, _ = json.Marshal(counts)
		details["redactions"] = counts
	}
	detailJSON, _ := json.Marshal(details)
	nm := row{
		id: id, participantID: p.ID, participantCode: p.Code, channel: string(d.Channel), status: st, variant: string(d.Variant),
		templateID: m.templateID, templateVersion: m.version, templateSource: m.source, templateDigest: m.digest,
		language: m.language, contentEnc: Seal(s.d.Keys, m.content),
		priority: prio, sendAt: d.SendAt, consentVersion: d.ConsentVersion, redactions: red, at: now,
		subject: channels.Subject(string(d.Channel), prio > 0), actor: actor, details: detailJSON,
		rowVersion: f.version, ledgerLen: len(f.hist), promisedCallAt: m.promisedCallAt,
		renderedTZ: m.renderedTZ, meetingPointID: m.place.id, meetingPointName: m.place.name,
		meetingPointAtForms: m.place.atForms,
	}
	reds := m.redactions
	if reds == nil {
		reds = []Redaction{}
	}
	return nm, Accepted{ID: id.String(), Status: st, Channel: d.Channel, Variant: d.Variant, SendAt: d.SendAt.UTC(),
		TemplateID: m.templateID, TemplateVersion: m.version, TemplateDigest: m.digest, TemplateSource: m.source,
		Language: m.language, SMSSegments: m.sms.Segments,
		Redactions: reds, ConsentReview: d.ReviewDue}, nil
}

// provenance adds which template text a message was rendered from to the
// details of its message.accepted event: the source and the digest of the
// file, never its text (nothing for free text). The event is in the hash
// chain, so the record of which text she was sent cannot be changed later
// without the chain showing it.
func provenance(details map[string]any, source, digest string) {
	if digest != "" {
		details["template_source"], details["template_digest"] = source, digest
	}
}

// errStale: the decision was made on participant data that changed
// before the write, or on cached data and did not end in an acceptance.
// The request is decided again on fresh data.
var errStale = errors.New("participant data changed since it was read")

// errStalePlace is errStale for a message whose text names a meeting
// point that no longer has the name or at forms it was rendered with, or
// a place that has become a point's name (AcceptMessages' place_ok): the
// points are read again too. Its text says only that the point changed:
// her participant data may well be as it was read.
var errStalePlace error = stalePlace{}

// stalePlace is errStalePlace's type: errors.Is finds errStale in it.
type stalePlace struct{}

func (stalePlace) Error() string        { return "the meeting point changed since it was read" }
func (stalePlace) Is(target error) bool { return target == errStale }

// staleRefusal is the answer once a request was decided on stale data
// on every attempt (err: the last attempt's errStale).
func staleRefusal(err error) error {
	if errors.Is(err, errStalePlace) {
		return errs.New(errs.CodeUnavailable, "the meeting point changed while the message was written; try again")
	}
	return errs.New(errs.CodeUnavailable, "her record changed while the message was being written; try again")
}

// accept decides and writes one request: the message, or the refusal. With
// fresh false the participant may come from the cache; anything but an
// acceptance is then not written but returned as errStale, so a refusal is
// always decided on fresh data, and the write itself refuses an acceptance
// decided on data that has changed (AcceptMessages).
func (s *Service) accept(ctx context.Context, actor *auth.Actor, in Input, prio int16, idemKey string, hash []byte, now time.Time, fresh bool) (int, any, error) {
	f, cached, err := s.lookup(ctx, in.Participant, fresh)
	if err != nil {
		if httpx.IsErr(err, errs.CodeNotFound) {
			err = errs.Field(errs.CodeNotFound, "participant", "participant not found")
		}
		return 0, nil, err
	}
	p := f.p
	if err := participant.Authorize(actor, p, participant.ActSend); err != nil {
		if cached {
			return 0, nil, errStale // she may have been assigned since
		}
		return 0, nil, err
	}
	m, err := s.compose(ctx, actor, in, p, f.hist, now)
	if err != nil || !m.decision.Allowed {
		if cached {
			return 0, nil, errStale
		}
		if err != nil {
			return 0, nil, err
		}
	}
	var status int
	var resp any
	var write func(q *db.Queries) error
	d := m.decision
	if !d.Allowed {
		// A refusal is recorded too: who tried to contact her, how, and why not.
		e := errs.New(d.Code, "%s", d.Reason)
		e.Field = m.field
		status, resp = errs.Status(e), httpx.ErrorBody{Error: e}
		details := map[string]any{
			"code": d.Code, "channel": d.Channel, "requested": in.Channel, "template_id": in.Template, "consent_version": d.ConsentVersion,
		}
		if m.field != "" {
			details["field"] = m.field
		}
		write = func(q *db.Queries) error {
			if _, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionRefused, ParticipantCode: p.Code, Details: details}); err != nil {
				return err
			}
			return s.storeIdempotent(ctx, q, actor, idemKey, hash, status, resp)
		}
	} else {
		nm, accepted, err := s.newRow(actor, f, m, prio, now)
		if err != nil {
			return 0, nil, errs.Internal(err)
		}
		status, resp = http.StatusAccepted, accepted
		if idemKey == "" {
			// Stored with other requests' messages in one statement
			// (see batcher); answered only once committed.
			write = func(*db.Queries) error {
				werr, err := s.accepts.do(ctx, nm)
				if err != nil {
					return err
				}
				return werr
			}
		} else {
			write = func(q *db.Queries) error {
				if err := insertOne(ctx, q, nm); err != nil {
					return err
				}
				return s.storeIdempotent(ctx, q, actor, idemKey, hash, status, resp)
			}
		}
	}
	if idemKey == "" {
		err = write(s.q)
	} else {
		// The answer is stored under the key in the same transaction as
		// the message, so a retry can never create a second one.
		err = db.InTx(ctx, s.d.DB, func(q *db.Queries, _ *sql.Tx) error { return write(q) })
	}
	if errors.Is(err, errStale) {
		s.parts.forget(in.Participant)
		if errors.Is(err, errStalePlace) {
			// The meeting point changed since the cache was read
			// (placeOf): the next attempt reads the points again.
			s.ForgetKnownNames()
		}
	}
	return status, resp, err
}

var errIdempotentRace = errors.New("idempotency key stored by a concurrent request")

// storeIdempotent records the answer under the key in the same transaction
// as the message, so a retry can never create a second
func (s *Service) storeIdempotent(ctx context.Context, q *db.Queries, a *auth.Actor, key string, hash []byte, status int, resp any) error {
	if key == "" {
		return nil
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	// Sealed: the answer can list what the filter removed from her
	// message (a number, an address), which is never stored in clear.
	n, err := q.PutIdempotency(ctx, db.PutIdempotencyParams{UserID: a.UserID, Key: key, RequestHash: hash, Status: int32(status), Response: s.d.Keys.Seal(keys.Body, b)})
	if err != nil {
		return err
	}
	if n == 0 {
		return errIdempotentRace
	}
	return nil
}

// storedAnswer is the answer stored under key (ok false: none), or
// idempotency_reused when the key was used for another request.
func (s *Service) storedAnswer(ctx context.Context, a *auth.Actor, key string, hash []byte) (status int, body []byte, ok bool, err error) {
	row, err := s.q.GetIdempotency(ctx, db.GetIdempotencyParams{UserID: a.UserID, Key: key})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, errs.Internal(err)
	}
	if string(row.RequestHash) != string(hash) {
		return 0, nil, false, errs.Field(CodeIdempotencyReused, "Idempotency-Key", "this Idempotency-Key was used for a different request")
	}
	body, err = s.d.Keys.Open(keys.Body, row.Response)
	if err != nil {
		return 0, nil, false, errs.Internal(err)
	}
	return int(row.Status), body, true, nil
}

// preview is the message in would be, decided on fresh data and not
// stored (POST /v1/messages/preview, the console's preview): a refusal is
// decision.Allowed false with no error.
func (s *Service) preview(ctx context.Context, a *auth.Actor, in Input) (composed, error) {
	f, _, err := s.lookup(ctx, in.Participant, true)
	if err == nil {
		err = participant.Authorize(a, f.p, participant.ActSend)
	}
	if err != nil {
		return composed{}, err
	}
	return s.compose(ctx, a, in, f.p, f.hist, s.d.Now())
}
