package templates

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// RenderRequest asks for one message.
type RenderRequest struct {
	TemplateID string
	// Lang is her language as a BCP 47 tag ("es", "pt-BR"); matched against
	// the template's languages, English last. "" means English.
	Lang    string
	Variant Variant
	// Channel is "sms", "whatsapp" or "voice"; the template must declare it.
	Channel string
	// Params by name. A datetime is RFC 3339 ("2025-06-03T08:00:00Z").
	Params map[string]string
	// TimeZone is her IANA zone ("Europe/Madrid"); needed when the template
	// has a datetime parameter.
	TimeZone string
	// AtForms are the registered at forms of the meeting points, by
	// parameter name and then language ("place" -> "ca" -> "a la Plaça
	// Reial"), for bodies that write {place.at} (atform.go). A language
	// without one gets its default construction.
	AtForms map[string]map[string]string
}

// Rendered is one message ready to send.
type Rendered struct {
	TemplateID string `json:"template_id"`
	Version    int    `json:"version"`
	// Source (SourceBuiltin or SourceDeployment) and Digest (hex SHA-256
	// of the template file's bytes) name the exact text rendered: what a
	// message records beside TemplateID and Version.
	Source  string  `json:"source"`
	Digest  string  `json:"digest"`
	Lang    string  `json:"lang"` // the language actually used
	Variant Variant `json:"variant"`
	Channel string  `json:"channel"`
	// Text is exactly what the phone shows (NFC, trimmed).
	Text string `json:"text"`
	// ContentSID and ContentVariables are set for the whatsapp channel when
	// the template file configures a Content template for this language
	// and variant; the variables hold the same rendered values as Text.
	ContentSID       string            `json:"content_sid,omitempty"`
	ContentVariables map[string]string `json:"content_variables,omitempty"`
	// SMS is the encoding and segment count of Text as an SMS.
	SMS SMSInfo `json:"sms"`
	// TimeZone is the zone the text's dates and times are written in
	// (RenderRequest.TimeZone) when the template has a date-time
	// parameter, "" when the text depends on no time zone: a text kept to
	// be sent later states the wrong hour once her zone changes.
	TimeZone string `json:"time_zone,omitempty"`
	// ParamSpans are the byte spans [start, end) of the parameters'
	// values in Text, by parameter name (two for a parameter the body
	// uses twice): where a caller scanning Text finds what a value
	// brought in. Not part of the JSON.
	ParamSpans map[string][][2]int `json:"-"`
}

// Limits on parameter values.
const (
	maxMeetingPointRunes = 80
	maxTextRunes         = 300
	maxDigits            = 6
	maxMinutes           = 180
)

// Render renders one message. Errors carry a stable code (see Code*
// constants) and name the parameter at fault, never its value.
//
// A discreet rendering is checked with the catalogue's filter: a text or
// meeting-point parameter with sensitive content, or a resulting text with
// any finding, fails with sensitive_content and nothing is returned.
func (c *Catalog) Render(req RenderRequest) (Rendered, error) {
	t, ok := c.tmpl[req.TemplateID]
	if !ok {
		return Rendered{}, newErr(CodeUnknownTemplate, "template_id", "no template with this id")
	}
	if !validVariant(req.Variant) {
		return Rendered{}, newErr(CodeInvalidParam, "variant", "variant must be \"standard\" or \"discreet\"")
	}
	ch := strings.ToLower(strings.TrimSpace(req.Channel))
	if !isChannel(ch) {
		return Rendered{}, newErr(CodeUnsupportedChannel, "channel", "channel must be sms, whatsapp or voice")
	}
	supported := false
	for _, x := range t.channels {
		supported = supported || x == ch
	}
	if !supported {
		return Rendered{}, newErr(CodeUnsupportedChannel, "channel",
			fmt.Sprintf("template %s is not meant for %s (it suits %s)", t.id, ch, strings.Join(t.channels, ", ")))
	}
	lang, err := t.match(req.Lang)
	if err != nil {
		return Rendered{}, err
	}
	lt := t.langs[lang]

	values, err := c.paramValues(t, lang, req)
	if err != nil {
		return Rendered{}, err
	}
	// The at forms the bodies of this language use, by parameter index.
	atValues := make([]string, len(t.params))
	for i, p := range t.params {
		if lt.usesAt[i] {
			if atValues[i], err = c.atValue(p, lang, values[i], req.AtForms[p.Name], req.Variant); err != nil {
				return Rendered{}, err
			}
		}
	}
	value := func(param int, at bool) string {
		if at {
			return atValues[param]
		}
		return values[param]
	}

	b := lt.bodies[bodyKey{variant: req.Variant, channel: ch}]
	if b == nil {
		b = lt.bodies[bodyKey{variant: req.Variant}]
	}
	var sb strings.Builder
	type rawSpan struct{ param, start, end int }
	var spans []rawSpan
	for _, p := range b.parts {
		if p.param < 0 {
			sb.WriteString(p.lit)
		} else {
			start := sb.Len()
			sb.WriteString(value(p.param, p.at))
			spans = append(spans, rawSpan{p.param, start, sb.Len()})
		}
	}
	raw := sb.String()
	full := norm.NFC.String(raw)
	text := strings.TrimSpace(full)
	lead := len(full) - len(strings.TrimLeftFunc(full, unicode.IsSpace))
	// An offset of the built text in Text: past the normalised text
	// before it, less the leading space trimmed.
	at := func(off int) int {
		o := off
		if full != raw {
			o = len(norm.NFC.String(raw[:off]))
		}
		return min(max(o-lead, 0), len(text))
	}
	var paramSpans map[string][][2]int
	for _, sp := range spans {
		if paramSpans == nil {
			paramSpans = map[string][][2]int{}
		}
		name := t.params[sp.param].Name
		paramSpans[name] = append(paramSpans[name], [2]int{at(sp.start), at(sp.end)})
	}

	if req.Variant == Discreet && c.filter != nil {
		// A meeting point passed its own scan as a place name above (a
		// street without a number may name a metro exit); inside the body
		// it is a known name, as a registered point is in free text.
		// So is an at form, checked the same way.
		var points []string
		for i, p := range t.params {
			if p.Type == ParamMeetingPoint {
				points = append(points, values[i])
				if atValues[i] != "" {
					points = append(points, atValues[i])
				}
			}
		}
		if fs := c.filter.ScanWith(text, ScanOptions{KnownNames: points}); len(fs) > 0 {
			return Rendered{}, newErr(CodeSensitiveContent, "",
				fmt.Sprintf("the discreet rendering of %s would carry %s content", t.id, fs[0].Category))
		}
	}

	r := Rendered{
		TemplateID: t.id, Version: t.version, Source: t.source, Digest: t.digest, Lang: lang, Variant: req.Variant, Channel: ch,
		Text: text, SMS: SMSSegments(text), ParamSpans: paramSpans,
	}
	for _, p := range t.params {
		if p.Type == ParamDatetime {
			r.TimeZone = strings.TrimSpace(req.TimeZone)
		}
	}
	if ch == ChannelWhatsApp {
		if wc := lt.whatsapp[req.Variant]; wc != nil {
			r.ContentSID = wc.sid
			r.ContentVariables = make(map[string]string, len(wc.vars))
			for _, v := range wc.vars {
				r.ContentVariables[v.key] = value(v.param, v.at)
			}
		}
	}
	return r, nil
}

// Preview returns exactly the text the phone will show for req (the Text
// of Render).
func (c *Catalog) Preview(req RenderRequest) (string, error) {
	r, err := c.Render(req)
	if err != nil {
		return "", err
	}
	return r.Text, nil
}

// match picks the template language for a requested BCP 47 tag.
func (t *template) match(req string) (string, error) {
	req = strings.TrimSpace(req)
	if req == "" {
		return fallbackLang, nil
	}
	tag, err := language.Parse(req)
	if err != nil {
		return "", newErr(CodeInvalidParam, "lang", "lang must be a BCP 47 tag such as \"es\" or \"pt-BR\"")
	}
	_, idx, conf := t.matcher.Match(tag)
	if conf == language.No {
		return fallbackLang, nil
	}
	return t.matchLangs[idx], nil
}

// paramValues validates the request's parameters and renders each to text.
func (c *Catalog) paramValues(t *template, lang string, req RenderRequest) ([]string, error) {
	for name := range req.Params {
		if _, ok := t.paramIdx[name]; !ok {
			field := "params"
			if isIdent(name) {
				field = name
			}
			return nil, newErr(CodeInvalidParam, field, fmt.Sprintf("%s is not a parameter of template %s", safeName(name), t.id))
		}
	}
	var loc *time.Location
	values := make([]string, len(t.params))
	for i, p := range t.params {
		raw, ok := req.Params[p.Name]
		if !ok || strings.TrimSpace(raw) == "" {
			return nil, newErr(CodeMissingParam, p.Name, fmt.Sprintf("parameter %s (%s) is required", p.Name, p.Type))
		}
		switch p.Type {
		case ParamDatetime:
			if loc == nil {
				tz := strings.TrimSpace(req.TimeZone)
				if tz == "" {
					return nil, newErr(CodeMissingParam, "time_zone", "time_zone is required to render a date in her time zone")
				}
				l, err := time.LoadLocation(tz)
				if err != nil || tz == "Local" {
					return nil, newErr(CodeInvalidParam, "time_zone", "time_zone must be an IANA zone such as \"Europe/Madrid\"")
				}
				loc = l
			}
			ts, err := time.Parse(time.RFC3339, strings.TrimSpace(raw))
			if err != nil {
				return nil, newErr(CodeInvalidParam, p.Name, fmt.Sprintf("parameter %s must be an RFC 3339 date-time such as 2025-06-03T10:00:00+02:00", p.Name))
			}
			values[i] = FormatDateTime(lang, ts.In(loc))
		case ParamDigits:
			v := strings.TrimSpace(raw)
			if len(v) > maxDigits || strings.Trim(v, "0123456789") != "" {
				return nil, newErr(CodeInvalidParam, p.Name, fmt.Sprintf("parameter %s must be 1 to %d digits", p.Name, maxDigits))
			}
			values[i] = v
		case ParamMinutes:
			v := strings.TrimSpace(raw)
			n, err := strconv.Atoi(v)
			if err != nil || v[0] < '1' || v[0] > '9' || n > maxMinutes || strings.Trim(v, "0123456789") != "" {
				return nil, newErr(CodeInvalidParam, p.Name, fmt.Sprintf("parameter %s must be a number of minutes from 1 to %d, without a leading zero", p.Name, maxMinutes))
			}
			values[i] = v
		case ParamMeetingPoint, ParamText:
			limit := maxTextRunes
			if p.Type == ParamMeetingPoint {
				limit = maxMeetingPointRunes
			}
			v, err := c.cleanText(p, raw, req.Variant, limit)
			if err != nil {
				return nil, err
			}
			values[i] = v
		}
	}
	return values, nil
}

// cleanText validates a meeting point or a free text: one line, no control
// characters, bounded length; a meeting point must pass the filter (it is
// a neutral place name, never an address or contact detail) and so must a
// text in a discreet rendering.
func (c *Catalog) cleanText(p Param, raw string, v Variant, limit int) (string, error) {
	if !utf8.ValidString(raw) {
		return "", newErr(CodeInvalidParam, p.Name, fmt.Sprintf("parameter %s is not valid UTF-8", p.Name))
	}
	for _, r := range raw {
		if r == '{' || r == '}' || (unicode.IsControl(r) && r != '\t') || r == '\u2028' || r == '\u2029' {
			return "", newErr(CodeInvalidParam, p.Name, fmt.Sprintf("parameter %s must be one line of text without braces or control characters", p.Name))
		}
	}
	if reason := MonitoredProblem(raw); reason != "" && (p.Type == ParamMeetingPoint || v == Discreet) {
		return "", newErr(CodeSensitiveContent, p.Name, fmt.Sprintf("parameter %s is refused for a discreet message (%s): write it in plain letters of one script", p.Name, reason))
	}
	s := PlaceKey(raw)
	if n := utf8.RuneCountInString(s); n > limit {
		return "", newErr(CodeInvalidParam, p.Name, fmt.Sprintf("parameter %s is longer than %d characters", p.Name, limit))
	}
	if c.filter != nil && (p.Type == ParamMeetingPoint || v == Discreet) {
		if fs := c.filter.ScanWith(s, ScanOptions{PlaceName: p.Type == ParamMeetingPoint}); len(fs) > 0 {
			if p.Type == ParamMeetingPoint {
				return "", newErr(CodeInvalidParam, p.Name, fmt.Sprintf(
					"parameter %s must be the neutral name of a public place such as a metro or bus stop; it looks like it contains %s content", p.Name, fs[0].Category))
			}
			return "", newErr(CodeSensitiveContent, p.Name, fmt.Sprintf("parameter %s contains %s content, which a discreet message must not carry", p.Name, fs[0].Category))
		}
	}
	return s, nil
}

// safeName echoes an unknown parameter name only if it looks like one.
func safeName(s string) string {
	if isIdent(s) {
		return s
	}
	return "a parameter"
}

// PlaceKey is a place's name as the renderer writes it into a text: NFC,
// white space collapsed. Meeting point names are stored, looked up and
// locked (by name) in this form, so a name typed with decomposed accents
// ("c" + U+0327) is the same place as one typed precomposed ("ç").
func PlaceKey(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}
