package gateway

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/google/uuid"

	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/console/messageui"
	"safecontact/gateway/message"
	"safecontact/gateway/participant"
	"safecontact/templates"
)

// consoleMessages is messageui.Messages on the message service
// (gateway/message): the same preview, idempotent accept and message list
// the API's handlers call, with the answers in the console's types.
type consoleMessages struct{ s *Server }

// timelineSize is how many of her latest messages the console shows.
const timelineSize = 50

func (m consoleMessages) Recipient(ctx context.Context, a *auth.Actor, code string) (messageui.Recipient, error) {
	p, err := m.s.participants.For(ctx, m.s.q, a, code, false, participant.ActSend)
	if err != nil {
		return messageui.Recipient{}, err
	}
	return messageui.Recipient{Code: p.Code, Initials: p.Initials, Language: p.Language, TimeZone: p.TimeZone, Monitored: p.Monitored,
		FreeTextRefused: p.Monitored && m.s.cfg.Discreet.FreeTextPolicy() == FreeTextRefuse}, nil
}

func (m consoleMessages) Templates() []messageui.Template {
	list := m.s.catalog.List()
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	out := make([]messageui.Template, 0, len(list))
	for _, t := range list {
		ct := messageui.Template{ID: t.ID, Description: t.Description, Channels: t.Channels}
		for _, p := range t.Params {
			ct.Params = append(ct.Params, messageui.TemplateParam{Name: p.Name, Type: string(p.Type)})
		}
		out = append(out, ct)
	}
	return out
}

func (m consoleMessages) SignatureName(ctx context.Context, a *auth.Actor) (string, error) {
	return m.s.messages.SignatureName(ctx, a)
}

func (m consoleMessages) SetSignatureName(ctx context.Context, a *auth.Actor, name string) (string, error) {
	return m.s.messages.SetSignatureName(ctx, a, name)
}

func inputOf(in messageui.MessageInput) message.Input {
	return message.Input{Participant: in.Participant, Template: in.Template, Params: in.Params, Body: in.Body, Channel: in.Channel}
}

func (m consoleMessages) Preview(ctx context.Context, a *auth.Actor, in messageui.MessageInput) (messageui.Preview, error) {
	c, err := m.s.messages.Preview(ctx, a, inputOf(in))
	if err != nil {
		// A text refused as mostly sensitive (what would have been
		// removed) or, under the plain or whole policy, as not plain or
		// flagged (the words to rephrase): marked, beside the refusal.
		var e *errs.Error
		if errors.As(err, &e) && in.Body != "" {
			if d, ok := e.Details.(map[string]any); ok {
				if reds, ok := d["redactions"].([]message.Redaction); ok && len(reds) > 0 {
					return messageui.Preview{Marked: markSpans(strings.TrimSpace(in.Body), reds)}, err
				}
			}
		}
		return messageui.Preview{}, err
	}
	d := c.Decision
	v := messageui.Preview{Allowed: d.Allowed, Code: d.Code, Reason: d.Reason, Channel: string(d.Channel), Variant: string(d.Variant),
		SendAt: d.SendAt, Immediate: d.Immediate, ReviewDue: d.ReviewDue, Field: c.Field}
	if !d.Allowed {
		return v, nil
	}
	v.Text, v.Language = c.Content.Text, c.Language
	v.SMSSegments, v.SMSEncoding, v.SMSChars = c.SMS.Segments, c.SMS.Encoding, c.SMS.Chars
	if in.Body != "" && len(c.Redactions) > 0 {
		// compose filtered the trimmed text; the spans index into it.
		v.Marked = markSpans(strings.TrimSpace(in.Body), c.Redactions)
	}
	return v, nil
}

// markSpans cuts text into what stays and what the filter removed.
// Overlapping or out-of-range findings are merged into the span before.
func markSpans(text string, reds []message.Redaction) []messageui.Span {
	rs := append([]message.Redaction(nil), reds...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	var out []messageui.Span
	at := 0
	for _, r := range rs {
		if r.Start < at || r.End <= r.Start || r.End > len(text) {
			continue
		}
		if r.Start > at {
			out = append(out, messageui.Span{Text: text[at:r.Start]})
		}
		out = append(out, messageui.Span{Text: text[r.Start:r.End], Category: string(r.Category)})
		at = r.End
	}
	if at < len(text) {
		out = append(out, messageui.Span{Text: text[at:]})
	}
	return out
}

func (m consoleMessages) Send(ctx context.Context, a *auth.Actor, key string, in messageui.MessageInput) (messageui.Sent, error) {
	acc, replayed, err := m.s.messages.Send(ctx, a, key, inputOf(in))
	if err != nil {
		return messageui.Sent{}, err
	}
	return messageui.Sent{ID: acc.ID, Status: acc.Status, Channel: string(acc.Channel), SendAt: acc.SendAt, Replayed: replayed}, nil
}

func (m consoleMessages) Timeline(ctx context.Context, a *auth.Actor, code string) (messageui.Timeline, error) {
	page, err := m.s.messages.Messages(ctx, a, code, timelineSize, "")
	if err != nil {
		return messageui.Timeline{}, err
	}
	// Messages authorized the view; her zone for the times.
	p, err := m.s.participants.ByCode(ctx, m.s.q, code, false)
	if err != nil {
		return messageui.Timeline{}, err
	}
	tl := messageui.Timeline{Code: p.Code, TimeZone: p.TimeZone, More: page.NextCursor != nil, RetentionDays: int(m.s.cfg.BodyRetention.Hours() / 24)}
	for _, v := range page.Items {
		id, err := uuid.Parse(v.ID)
		if err != nil {
			return tl, errs.Internal(err)
		}
		hist, err := m.s.messages.History(ctx, id)
		if err != nil {
			return tl, err
		}
		tm := messageui.TimelineMessage{ID: v.ID, Channel: v.Channel, Variant: v.Variant, Status: v.Status, Final: message.Final(v.Status),
			SendAt: v.SendAt, CreatedAt: v.CreatedAt}
		if v.TemplateID != nil {
			tm.Template, tm.Version = *v.TemplateID, int(*v.TemplateVersion)
		}
		if v.TemplateDigest != nil {
			tm.Source, tm.Digest, tm.DigestPrefix = *v.TemplateSource, *v.TemplateDigest, templates.ShortDigest(*v.TemplateDigest)
		}
		if v.ErrorCode != nil {
			tm.ErrorCode = *v.ErrorCode
		}
		for _, h := range hist {
			sc := messageui.StatusChange{Status: h.Status, At: h.At}
			if h.Code != nil {
				sc.Code = *h.Code
			}
			tm.History = append(tm.History, sc)
		}
		tl.Messages = append(tl.Messages, tm)
	}
	return tl, nil
}
