package gateway

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/google/uuid"

	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/console"
	"safecontact/gateway/message"
	"safecontact/gateway/participant"
)

// consoleMessages is console.Messages on the message service
// (gateway/message): the same preview, idempotent accept and message list
// the API's handlers call, with the answers in the console's types.
type consoleMessages struct{ s *Server }

// timelineSize is how many of her latest messages the console shows.
const timelineSize = 50

func (m consoleMessages) Recipient(ctx context.Context, a *auth.Actor, code string) (console.Recipient, error) {
	p, err := m.s.participants.For(ctx, m.s.q, a, code, false, participant.ActSend)
	if err != nil {
		return console.Recipient{}, err
	}
	return console.Recipient{Code: p.Code, Initials: p.Initials, Language: p.Language, TimeZone: p.TimeZone, Monitored: p.Monitored,
		FreeTextRefused: p.Monitored && m.s.cfg.Discreet.FreeTextPolicy() == FreeTextRefuse}, nil
}

func (m consoleMessages) Templates() []console.Template {
	list := m.s.catalog.List()
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	out := make([]console.Template, 0, len(list))
	for _, t := range list {
		ct := console.Template{ID: t.ID, Description: t.Description, Channels: t.Channels}
		for _, p := range t.Params {
			ct.Params = append(ct.Params, console.TemplateParam{Name: p.Name, Type: string(p.Type)})
		}
		out = append(out, ct)
	}
	return out
}

func inputOf(in console.MessageInput) message.Input {
	return message.Input{Participant: in.Participant, Template: in.Template, Params: in.Params, Body: in.Body, Channel: in.Channel}
}

func (m consoleMessages) Preview(ctx context.Context, a *auth.Actor, in console.MessageInput) (console.Preview, error) {
	c, err := m.s.messages.Preview(ctx, a, inputOf(in))
	if err != nil {
		// A text refused as mostly sensitive: what would have been
		// removed, marked, beside the refusal.
		var e *errs.Error
		if errors.As(err, &e) && in.Body != "" {
			if d, ok := e.Details.(map[string]any); ok {
				if reds, ok := d["redactions"].([]message.Redaction); ok && len(reds) > 0 {
					return console.Preview{Marked: markSpans(strings.TrimSpace(in.Body), reds)}, err
				}
			}
		}
		return console.Preview{}, err
	}
	d := c.Decision
	v := console.Preview{Allowed: d.Allowed, Code: d.Code, Reason: d.Reason, Channel: string(d.Channel), Variant: string(d.Variant),
		SendAt: d.SendAt, Immediate: d.Immediate, ReviewDue: d.ReviewDue}
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
func markSpans(text string, reds []message.Redaction) []console.Span {
	rs := append([]message.Redaction(nil), reds...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	var out []console.Span
	at := 0
	for _, r := range rs {
		if r.Start < at || r.End <= r.Start || r.End > len(text) {
			continue
		}
		if r.Start > at {
			out = append(out, console.Span{Text: text[at:r.Start]})
		}
		out = append(out, console.Span{Text: text[r.Start:r.End], Category: string(r.Category)})
		at = r.End
	}
	if at < len(text) {
		out = append(out, console.Span{Text: text[at:]})
	}
	return out
}

func (m consoleMessages) Send(ctx context.Context, a *auth.Actor, key string, in console.MessageInput) (console.Sent, error) {
	acc, replayed, err := m.s.messages.Send(ctx, a, key, inputOf(in))
	if err != nil {
		return console.Sent{}, err
	}
	return console.Sent{ID: acc.ID, Status: acc.Status, Channel: string(acc.Channel), SendAt: acc.SendAt, Replayed: replayed}, nil
}

func (m consoleMessages) Timeline(ctx context.Context, a *auth.Actor, code string) (console.Timeline, error) {
	page, err := m.s.messages.Messages(ctx, a, code, timelineSize, "")
	if err != nil {
		return console.Timeline{}, err
	}
	// Messages authorized the view; her zone for the times.
	p, err := m.s.participants.ByCode(ctx, m.s.q, code, false)
	if err != nil {
		return console.Timeline{}, err
	}
	tl := console.Timeline{Code: p.Code, TimeZone: p.TimeZone, More: page.NextCursor != nil, RetentionDays: int(m.s.cfg.BodyRetention.Hours() / 24)}
	for _, v := range page.Items {
		id, err := uuid.Parse(v.ID)
		if err != nil {
			return tl, errs.Internal(err)
		}
		hist, err := m.s.messages.History(ctx, id)
		if err != nil {
			return tl, err
		}
		tm := console.TimelineMessage{ID: v.ID, Channel: v.Channel, Variant: v.Variant, Status: v.Status, Final: message.Final(v.Status),
			SendAt: v.SendAt, CreatedAt: v.CreatedAt}
		if v.TemplateID != nil {
			tm.Template = *v.TemplateID
		}
		if v.ErrorCode != nil {
			tm.ErrorCode = *v.ErrorCode
		}
		for _, h := range hist {
			sc := console.StatusChange{Status: h.Status, At: h.At}
			if h.Code != nil {
				sc.Code = *h.Code
			}
			tm.History = append(tm.History, sc)
		}
		tl.Messages = append(tl.Messages, tm)
	}
	return tl, nil
}
