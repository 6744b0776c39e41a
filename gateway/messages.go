package gateway

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/message"
	"safecontact/gateway/participant"
	"safecontact/keys"
	"safecontact/templates"
	"safecontact/textcheck"
)

// The error codes this file answers with (statuses: errs/status.go).
const (
	CodeIdempotencyReused = "idempotency_reused"
	CodeInvalidParam      = "invalid_param"
)

// The audit actions this file records.
const (
	ActionMessageRefused = "message.refused"
)

// messageInput is the body of POST /v1/messages and /v1/messages/preview.
type messageInput struct {
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

// content is what the phone will show, sealed in messages.content_enc.
type content struct {
	Text             string            `json:"text"`
	ContentSID       string            `json:"content_sid,omitempty"`
	ContentVariables map[string]string `json:"content_variables,omitempty"`
}

// redactionView is one removed span as the sender sees it in the response.
// The matched text is her own input and goes back to her only; the
// database and audit keep categories and counts.
type redactionView struct {
	Category templates.Category `json:"category"`
	Match    string             `json:"match"`
	Start    int                `json:"start"`
	End      int                `json:"end"`
}

// composed is a message ready to store.
type composed struct {
	decision   consent.Decision
	content    content
	templateID string
	version    int
	language   string
	sms        templates.SMSInfo
	redactions []redactionView
}

func redactionCounts(rs []redactionView) map[string]int {
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
func (s *Server) compose(in messageInput, p db.Participant, hist []consent.Event, now time.Time) (composed, error) {
	var out composed
	ch, err := consent.ParseChannel(in.Channel, true)
	if err != nil {
		return out, err
	}
	if (in.Template == "") == (in.Body == "") {
		return out, errs.Field(errs.CodeMissingField, "template", "give either template (with params) or body (free text), not both")
	}
	if in.Body == "" && len(in.ConfirmNames) > 0 {
		return out, errs.Field(CodeInvalidParam, "confirm_names", "confirm_names go with free text, not with a template")
	}
	if in.Body != "" && len(in.Params) > 0 {
		return out, errs.Field(CodeInvalidParam, "params", "params go with a template, not with free text")
	}
	if len(in.Body) > 1600 {
		return out, errs.Field(CodeInvalidParam, "body", "free text is limited to 1600 bytes")
	}
	d := consent.Decide(participant.ProfileOf(p), consent.Fold(hist, now, s.cfg.ConsentReviewAge), ch, now)
	out.decision = d
	if !d.Allowed {
		return out, nil
	}
	variant := templates.Variant(d.Variant)
	if in.Template != "" {
		r, err := s.catalog.Render(templates.RenderRequest{
			TemplateID: in.Template, Lang: p.Language, Variant: variant, Channel: string(d.Channel),
			Params: in.Params, TimeZone: p.TimeZone,
		})
		if err != nil {
			return out, err
		}
		out.content = content{Text: r.Text, ContentSID: r.ContentSID, ContentVariables: r.ContentVariables}
		out.templateID, out.version, out.language, out.sms = r.TemplateID, r.Version, r.Lang, r.SMS
		return out, nil
	}
	text := strings.TrimSpace(in.Body)
	out.language = p.Language
	if variant == templates.Discreet {
		stripped, reds, err := s.discreetFreeText(text, p.Language, in.ConfirmNames)
		if err != nil {
			return out, err
		}
		out.redactions, text = reds, stripped
	}
	out.content = content{Text: text}
	out.sms = templates.SMSSegments(text)
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

type messageAccepted struct {
	ID              string          `json:"id"`
	Status          string          `json:"status"`
	Channel         consent.Channel `json:"channel"`
	Variant         consent.Variant `json:"variant"`
	SendAt          time.Time       `json:"send_at"`
	TemplateID      string          `json:"template_id,omitempty"`
	TemplateVersion int             `json:"template_version,omitempty"`
	Language        string          `json:"language"`
	SMSSegments     int             `json:"sms_segments,omitempty"`
	Redactions      []redactionView `json:"redactions"`
	ConsentReview   bool            `json:"consent_review_due"`
}

func (s *Server) acceptMessage(c *gin.Context) {
	actor := auth.ActorOf(c)
	body, ok := httpx.ReadBody(c)
	if !ok {
		return
	}
	idemKey := c.GetHeader("Idempotency-Key")
	if err := checkIdempotencyKey(idemKey); err != nil {
		httpx.Fail(c, err)
		return
	}
	hash := sha256.Sum256(body)
	if idemKey != "" && s.replayIdempotent(c, actor, idemKey, hash[:]) {
		return
	}
	var in messageInput
	if !httpx.DecodeStrict(c, body, &in, false) {
		return
	}
	ans, err := s.sendMessage(c.Request.Context(), actor, in, idemKey, hash[:])
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	if ans.stored != nil {
		c.Header("Idempotent-Replayed", "true")
		c.Data(ans.status, "application/json; charset=utf-8", ans.stored)
		return
	}
	if ans.status != http.StatusAccepted {
		httpx.SetErrCode(c, ans.resp.(httpx.ErrorBody).Error.Code)
	}
	c.JSON(ans.status, ans.resp)
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
// (messageAccepted, or httpx.ErrorBody for a refusal), or stored, the
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
func (s *Server) sendMessage(ctx context.Context, actor *auth.Actor, in messageInput, idemKey string, hash []byte) (sendAnswer, error) {
	prio := int16(0)
	if in.Priority == "safety" {
		prio = 1
	} else if in.Priority != "" && in.Priority != "normal" {
		return sendAnswer{}, errs.Field(errs.CodeInvalidParameter, "priority", "priority is normal or safety")
	}
	now := s.now()
	var status int
	var resp any
	var err error
	for attempt := 0; ; attempt++ {
		status, resp, err = s.accept(ctx, actor, in, prio, idemKey, hash, now, attempt > 0)
		if !errors.Is(err, errStale) {
			break
		}
		s.metrics.redecided.Inc()
		if attempt == 3 {
			err = errs.New(errs.CodeUnavailable, "her record changed while the message was being written; try again")
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
		s.kickRelay()
	}
	return sendAnswer{status: status, resp: resp}, nil
}

// newMessage builds the row of an accepted message and the answer.
func (s *Server) newMessage(actor *auth.Actor, f found, m composed, prio int16, now time.Time) (newMessage, messageAccepted, error) {
	p, d := f.p, m.decision
	id, err := uuid.NewV7()
	if err != nil {
		return newMessage{}, messageAccepted{}, err
	}
	st := message.StatusQueued
	if d.SendAt.After(now) {
		st = message.StatusScheduled
	}
	sealed, _ := json.Marshal(m.content)
	details := map[string]any{
		"message_id": id.String(), "channel": d.Channel, "variant": d.Variant, "status": st, "send_at": d.SendAt,
		"template_id": m.templateID, "template_version": m.version, "consent_version": d.ConsentVersion, "language": m.language,
	}
	var red []byte
	if counts := redactionCounts(m.redactions); counts != nil {
		red, _ = json.Marshal(counts)
		details["redactions"] = counts
	}
	detailJSON, _ := json.Marshal(details)
	nm := newMessage{
		id: id, participantID: p.ID, participantCode: p.Code, channel: string(d.Channel), status: st, variant: string(d.Variant),
		templateID: m.templateID, templateVersion: m.version, language: m.language, contentEnc: s.keys.Seal(keys.Body, sealed),
		priority: prio, sendAt: d.SendAt, consentVersion: d.ConsentVersion, redactions: red, at: now,
		subject: channels.Subject(string(d.Channel), prio > 0), actor: actor, details: detailJSON,
		rowVersion: f.version, ledgerLen: len(f.hist),
	}
	reds := m.redactions
	if reds == nil {
		reds = []redactionView{}
	}
	return nm, messageAccepted{ID: id.String(), Status: st, Channel: d.Channel, Variant: d.Variant, SendAt: d.SendAt.UTC(),
		TemplateID: m.templateID, TemplateVersion: m.version, Language: m.language, SMSSegments: m.sms.Segments,
		Redactions: reds, ConsentReview: d.ReviewDue}, nil
}

// errStale: the decision was made on participant data that changed
// before the write, or on cached data and did not end in an acceptance.
// The request is decided again on fresh data.
var errStale = errors.New("participant data changed since it was read")

// accept decides and writes one request: the message, or the refusal. With
// fresh false the participant may come from the cache; anything but an
// acceptance is then not written but returned as errStale, so a refusal is
// always decided on fresh data, and the write itself refuses an acceptance
// decided on data that has changed (AcceptMessages).
func (s *Server) accept(ctx context.Context, actor *auth.Actor, in messageInput, prio int16, idemKey string, hash []byte, now time.Time, fresh bool) (int, any, error) {
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
	m, err := s.compose(in, p, f.hist, now)
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
		status, resp = errs.Status(e), httpx.ErrorBody{Error: e}
		write = func(q *db.Queries) error {
			if _, err := audit.Append(ctx, q, actor, audit.Event{Action: ActionMessageRefused, ParticipantCode: p.Code, Details: map[string]any{
				"code": d.Code, "channel": d.Channel, "requested": in.Channel, "template_id": in.Template, "consent_version": d.ConsentVersion,
			}}); err != nil {
				return err
			}
			return s.storeIdempotent(ctx, q, actor, idemKey, hash, status, resp)
		}
	} else {
		nm, accepted, err := s.newMessage(actor, f, m, prio, now)
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
		err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error { return write(q) })
	}
	if errors.Is(err, errStale) {
		s.parts.forget(in.Participant)
	}
	return status, resp, err
}

var errIdempotentRace = errors.New("idempotency key stored by a concurrent request")

// storeIdempotent records the answer under the key in the same transaction
// as the message, so a retry can never create a second message.
func (s *Server) storeIdempotent(ctx context.Context, q *db.Queries, a *auth.Actor, key string, hash []byte, status int, resp any) error {
	if key == "" {
		return nil
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	// Sealed: the answer can list what the filter removed from her
	// message (a number, an address), which is never stored in clear.
	n, err := q.PutIdempotency(ctx, db.PutIdempotencyParams{UserID: a.UserID, Key: key, RequestHash: hash, Status: int32(status), Response: s.keys.Seal(keys.Body, b)})
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
func (s *Server) storedAnswer(ctx context.Context, a *auth.Actor, key string, hash []byte) (status int, body []byte, ok bool, err error) {
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
	body, err = s.keys.Open(keys.Body, row.Response)
	if err != nil {
		return 0, nil, false, errs.Internal(err)
	}
	return int(row.Status), body, true, nil
}

// replayIdempotent answers from a stored key and reports whether it did.
func (s *Server) replayIdempotent(c *gin.Context, a *auth.Actor, key string, hash []byte) bool {
	status, body, ok, err := s.storedAnswer(c.Request.Context(), a, key, hash)
	if err != nil {
		httpx.Fail(c, err)
		return true
	}
	if !ok {
		return false
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(status, "application/json; charset=utf-8", body)
	return true
}

func (s *Server) previewMessage(c *gin.Context) {
	var in messageInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	m, err := s.preview(c.Request.Context(), auth.ActorOf(c), in)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	reds := m.redactions
	if reds == nil {
		reds = []redactionView{}
	}
	out := gin.H{"decision": participant.ViewDecision(m.decision), "redactions": reds}
	if m.decision.Allowed {
		out["text"] = m.content.Text
		out["template_id"] = m.templateID
		out["template_version"] = m.version
		out["language"] = m.language
		out["sms"] = m.sms
		if m.content.ContentSID != "" {
			out["content_sid"] = m.content.ContentSID
			out["content_variables"] = m.content.ContentVariables
		}
	}
	c.JSON(http.StatusOK, out)
}

// preview is the message in would be, decided on fresh data and not
// stored (POST /v1/messages/preview, the console's preview): a refusal is
// decision.Allowed false with no error.
func (s *Server) preview(ctx context.Context, a *auth.Actor, in messageInput) (composed, error) {
	f, _, err := s.lookup(ctx, in.Participant, true)
	if err == nil {
		err = participant.Authorize(a, f.p, participant.ActSend)
	}
	if err != nil {
		return composed{}, err
	}
	return s.compose(in, f.p, f.hist, s.now())
}

type messageView struct {
	ID              string           `json:"id"`
	Participant     string           `json:"participant"`
	Channel         string           `json:"channel"`
	Status          string           `json:"status"`
	Variant         string           `json:"variant"`
	TemplateID      *string          `json:"template_id"`
	TemplateVersion *int32           `json:"template_version"`
	Language        string           `json:"language"`
	SendAt          time.Time        `json:"send_at"`
	ConsentVersion  int32            `json:"consent_version"`
	Redactions      json.RawMessage  `json:"redactions"`
	ErrorCode       *string          `json:"error_code"`
	Attempts        int32            `json:"attempts"`
	CreatedAt       time.Time        `json:"created_at"`
	History         []messageEventVw `json:"history,omitempty"`
}

type messageEventVw struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	Code   *string   `json:"code,omitempty"`
}

func viewMessage(m db.Message, code string) messageView {
	v := messageView{ID: m.ID.String(), Participant: code, Channel: m.Channel, Status: m.Status, Variant: m.Variant,
		Language: m.Language, SendAt: m.SendAt.UTC(), ConsentVersion: m.ConsentVersion, Attempts: m.Attempts, CreatedAt: m.CreatedAt.UTC(),
		Redactions: json.RawMessage("null")}
	if m.TemplateID.Valid {
		v.TemplateID = &m.TemplateID.String
		v.TemplateVersion = &m.TemplateVersion.Int32
	}
	if m.Redactions.Valid {
		v.Redactions = json.RawMessage(m.Redactions.RawMessage)
	}
	if m.ErrorCode.Valid {
		v.ErrorCode = &m.ErrorCode.String
	}
	return v
}

func (s *Server) getMessage(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		httpx.Fail(c, httpx.NotFound("message"))
		return
	}
	m, err := s.q.MessageByID(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		httpx.Fail(c, httpx.NotFound("message"))
		return
	} else if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	p, err := s.q.ParticipantByID(ctx, m.ParticipantID)
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	if err := participant.Authorize(auth.ActorOf(c), p, participant.ActView); err != nil {
		httpx.Fail(c, err)
		return
	}
	hist, err := s.messageHistory(ctx, id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	v := viewMessage(m, p.Code)
	v.History = hist
	c.JSON(http.StatusOK, v)
}

// messageHistory is a message's statuses, oldest first.
func (s *Server) messageHistory(ctx context.Context, id uuid.UUID) ([]messageEventVw, error) {
	evs, err := s.q.MessageEvents(ctx, id)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []messageEventVw
	for _, e := range evs {
		ev := messageEventVw{Status: e.Status, At: e.At.UTC()}
		if e.Code.Valid {
			ev.Code = &e.Code.String
		}
		out = append(out, ev)
	}
	return out, nil
}

func (s *Server) listParticipantMessages(c *gin.Context) {
	limit, err := httpx.PageLimit(c)
	if err == nil {
		var page httpx.Page[messageView]
		page, err = s.participantMessages(c.Request.Context(), auth.ActorOf(c), c.Param("code"), limit, c.Query("cursor"))
		if err == nil {
			c.JSON(http.StatusOK, page)
			return
		}
	}
	httpx.Fail(c, err)
}

// participantMessages is one page of her messages, newest first, from
// cursor ("" the newest), for someone who may see her messages.
func (s *Server) participantMessages(ctx context.Context, a *auth.Actor, code string, limit int32, cursor string) (httpx.Page[messageView], error) {
	out := httpx.Page[messageView]{Items: []messageView{}}
	p, err := s.participants.For(ctx, s.q, a, code, false, participant.ActView)
	if err != nil {
		return out, err
	}
	params := db.ListParticipantMessagesParams{ParticipantID: p.ID, MaxRows: limit + 1}
	if cursor != "" {
		ts, idStr, ok := strings.Cut(cursor, "_")
		t, err1 := time.Parse(time.RFC3339Nano, ts)
		id, err2 := uuid.Parse(idStr)
		if !ok || err1 != nil || err2 != nil {
			return out, errs.Field(errs.CodeInvalidCursor, "cursor", "cursor is not one this API returned")
		}
		params.BeforeCreated = sql.NullTime{Time: t, Valid: true}
		params.BeforeID = uuid.NullUUID{UUID: id, Valid: true}
	}
	rows, err := s.q.ListParticipantMessages(ctx, params)
	if err != nil {
		return out, errs.Internal(err)
	}
	rows, out.NextCursor = httpx.TrimPage(rows, limit, func(m db.Message) string {
		return m.CreatedAt.UTC().Format(time.RFC3339Nano) + "_" + m.ID.String()
	})
	for _, m := range rows {
		out.Items = append(out.Items, viewMessage(m, p.Code))
	}
	return out, nil
}

func (s *Server) listTemplates(c *gin.Context) {
	list := s.catalog.List()
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	c.JSON(http.StatusOK, gin.H{"items": list})
}
