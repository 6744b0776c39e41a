package gateway

import (
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/errs"
)

// maxWebhookBody bounds what a provider callback may send.
const maxWebhookBody = 64 << 10

// twilioForm reads and verifies a Twilio webhook: the body is bounded, and
// X-Twilio-Signature must match the configured public URL of this route.
// It fails closed with 403 and never says what the expected signature was.
func (s *Server) twilioForm(c *gin.Context, route string) (url.Values, bool) {
	if s.cfg.TwilioAuthToken == "" || s.cfg.PublicURL == "" {
		fail(c, errs.New("invalid_signature", "webhooks are not configured (public URL and Twilio auth token)"))
		return nil, false
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxWebhookBody)
	if err := c.Request.ParseForm(); err != nil {
		fail(c, errs.New("body_too_large", "webhook body is too large or not a form"))
		return nil, false
	}
	full := strings.TrimRight(s.cfg.PublicURL, "/") + route
	if q := c.Request.URL.RawQuery; q != "" {
		full += "?" + q
	}
	form := c.Request.PostForm
	if !channels.VerifyTwilioSignature(s.cfg.TwilioAuthToken, full, form, c.GetHeader("X-Twilio-Signature")) {
		s.metrics.forgedWebhooks.Inc()
		fail(c, errs.New("invalid_signature", "signature check failed"))
		return nil, false
	}
	return form, true
}

// twilioStatus applies a delivery status callback. Callbacks come late,
// twice, or out of order: a status only ever moves forward by
// channels.StatusRank, so delivered never goes back to sent.
func (s *Server) twilioStatus(c *gin.Context) {
	ctx := c.Request.Context()
	form, ok := s.twilioForm(c, "/webhooks/twilio/status")
	if !ok {
		return
	}
	up, err := channels.ParseTwilioStatus(form)
	if err != nil {
		fail(c, errs.New("invalid_parameter", "not a status callback"))
		return
	}
	now := s.now()
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		var m db.Message
		var err error
		if id, perr := uuid.Parse(c.Query("m")); perr == nil {
			m, err = q.MessageByIDForUpdate(ctx, id)
			if err == nil && m.ProviderID.Valid && m.ProviderID.String != up.ProviderID {
				return nil // the id and the provider's sid disagree: ignore
			}
		} else {
			m, err = q.MessageByProviderIDForUpdate(ctx, sql.NullString{String: up.ProviderID, Valid: true})
		}
		if errors.Is(err, sql.ErrNoRows) {
			return nil // not ours (or erased); answer 200 so the provider stops retrying
		}
		if err != nil {
			return err
		}
		if channels.StatusRank(up.Status) <= channels.StatusRank(m.Status) {
			return nil // a duplicate or an older status arriving late
		}
		code := ""
		if up.ErrorCode != 0 {
			code = "provider_" + strconv.Itoa(up.ErrorCode)
		}
		if err := q.SetProviderStatus(ctx, db.SetProviderStatusParams{ID: m.ID, Status: up.Status, ProviderID: sql.NullString{String: up.ProviderID, Valid: true},
			ProviderStatus: sql.NullString{String: up.ProviderStatus, Valid: true}, ErrorCode: sql.NullString{String: code, Valid: code != ""},
			UpdatedAt: now, Final: finalStatus(up.Status)}); err != nil {
			return err
		}
		if err := q.InsertMessageEvent(ctx, db.InsertMessageEventParams{MessageID: m.ID, Status: up.Status, At: now, Code: sql.NullString{String: code, Valid: code != ""}}); err != nil {
			return err
		}
		p, err := q.ParticipantByID(ctx, m.ParticipantID)
		if err != nil {
			return err
		}
		details := map[string]any{"message_id": m.ID.String(), "provider_status": up.ProviderStatus}
		if code != "" {
			details["code"] = code
		}
		_, err = Append(ctx, q, SystemActor("twilio"), AuditEvent{Action: "message." + up.Status, ParticipantCode: p.Code, Details: details})
		return err
	})
	if err != nil {
		fail(c, errs.Internal(err))
		return
	}
	c.Status(http.StatusNoContent)
}
