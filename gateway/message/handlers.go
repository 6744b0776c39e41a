package message

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
)

// handlers are the message routes' gin handlers over the service.
type handlers struct{ s *Service }

func (h handlers) acceptMessage(c *gin.Context) {
	s := h.s
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
	if idemKey != "" && h.replayIdempotent(c, actor, idemKey, hash[:]) {
		return
	}
	var in Input
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

// replayIdempotent answers from a stored key and reports whether it did.
func (h handlers) replayIdempotent(c *gin.Context, a *auth.Actor, key string, hash []byte) bool {
	s := h.s
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

func (h handlers) previewMessage(c *gin.Context) {
	s := h.s
	var in Input
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
		reds = []Redaction{}
	}
	dv := participant.ViewDecision(m.decision)
	dv.Field = m.field
	out := gin.H{"decision": dv, "redactions": reds}
	if m.decision.Allowed {
		out["text"] = m.content.Text
		out["template_id"] = m.templateID
		out["template_version"] = m.version
		if m.digest != "" {
			out["template_digest"], out["template_source"] = m.digest, m.source
		}
		out["language"] = m.language
		out["sms"] = m.sms
		if m.content.ContentSID != "" {
			out["content_sid"] = m.content.ContentSID
			out["content_variables"] = m.content.ContentVariables
		}
	}
	c.JSON(http.StatusOK, out)
}

func (h handlers) getMessage(c *gin.Context) {
	s := h.s
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
	hist, err := s.History(ctx, id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	v := viewOf(m, p.Code)
	v.History = hist
	c.JSON(http.StatusOK, v)
}

func (h handlers) listParticipantMessages(c *gin.Context) {
	s := h.s
	limit, err := httpx.PageLimit(c)
	if err == nil {
		var page httpx.Page[View]
		page, err = s.Messages(c.Request.Context(), auth.ActorOf(c), c.Param("code"), limit, c.Query("cursor"))
		if err == nil {
			c.JSON(http.StatusOK, page)
			return
		}
	}
	httpx.Fail(c, err)
}

func (h handlers) listTemplates(c *gin.Context) {
	s := h.s
	list := s.d.Catalog.List()
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	c.JSON(http.StatusOK, gin.H{"items": list})
}

// twilioStatus applies a delivery status callback. Callbacks come late,
// twice, or out of order: a status only ever moves forward by
// Rank (enforced in SQL), so delivered never goes back to sent.
func (h handlers) twilioStatus(c *gin.Context) {
	s := h.s
	ctx := c.Request.Context()
	form, ok := s.d.Twilio.Form(c, "/webhooks/twilio/status")
	if !ok {
		return
	}
	up, err := channels.ParseTwilioStatus(form)
	if err != nil {
		httpx.Fail(c, errs.New(errs.CodeInvalidParameter, "not a status callback"))
		return
	}
	var id uuid.UUID
	if parsed, perr := uuid.Parse(c.Query("m")); perr == nil {
		id = parsed
	}
	// Applied in a batch with other callbacks (one transaction for many),
	// answered only after it committed: nothing acknowledged is lost.
	_, err = s.statuses.do(ctx, StatusReport{ID: id, Update: up})
	if err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	c.Status(http.StatusNoContent)
}

func (h handlers) eraseContent(c *gin.Context) {
	s := h.s
	reason, ok := httpx.BindReason(c, "her message contents are erased")
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Minute)
	defer cancel()
	res, err := s.EraseContent(ctx, auth.ActorOf(c), c.Param("code"), reason)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// devSink shows what a test instance's sink "sent" (the route exists
// only with --sink). Numbers are masked; the texts are shown, and each
// read is recorded (dev_sink.read) like any other read of contact data.
// The access rule holds here too: a staff member sees the messages of her
// own participants only; supervisors see everything, staff alerts included.
func (h handlers) devSink(c *gin.Context) {
	s := h.s
	ctx := c.Request.Context()
	a := auth.ActorOf(c)
	items := s.d.Sink.Recent()
	if !a.ActsOn(sql.NullInt64{}) {
		var ids []string
		for _, it := range items {
			if _, err := uuid.Parse(it.MessageID); err == nil {
				ids = append(ids, it.MessageID)
			}
		}
		rows, err := s.q.MessageCaseworkers(ctx, db.Array(ids))
		if err != nil {
			httpx.Fail(c, errs.Internal(err))
			return
		}
		mine := map[string]bool{}
		for _, r := range rows {
			mine[r.ID.String()] = a.ActsOn(r.CaseworkerID)
		}
		items = slices.DeleteFunc(items, func(it channels.SinkEntry) bool { return !mine[it.MessageID] })
	}
	if _, err := audit.Append(ctx, s.q, a, audit.Event{Action: ActionDevSinkRead, Details: map[string]any{"returned": len(items)}}); err != nil {
		httpx.Fail(c, errs.Internal(err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
