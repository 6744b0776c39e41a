package message

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/templates"
)

// Free-text policies for a monitored phone.
const (
	FreeTextFilter     = "filter"
	FreeTextVocabulary = "vocabulary"
	FreeTextRefuse     = "refuse"
)

// FreeTextPolicy is the policy in force for a configured value:
// FreeTextRefuse unless the programme chose FreeTextFilter or
// FreeTextVocabulary.
func FreeTextPolicy(configured string) string {
	switch configured {
	case FreeTextFilter, FreeTextVocabulary:
		return configured
	}
	return FreeTextRefuse
}

// The error codes free text to a monitored phone is refused with.
const (
	CodeFreeTextRefused    = "free_text_refused"
	CodeContentNotDiscreet = "content_not_discreet"
)

// Limits of confirm_names.
const (
	maxConfirmNames    = 20
	maxConfirmNameSize = 80
)

// discreetFreeText filters free text for a monitored phone: the policy,
// the refusals (format controls, mixed scripts, mostly sensitive) and the
// stripped text with what was removed.
func (s *Service) discreetFreeText(text, lang string, confirm []string) (string, []Redaction, error) {
	if FreeTextPolicy(s.cfg.FreeText) == FreeTextRefuse {
		return "", nil, errs.Field(CodeFreeTextRefused, "body",
			"her phone may be monitored and this programme sends her templates only (GATEWAY_MONITORED_FREE_TEXT=refuse, the default); use a template")
	}
	if reason := templates.MonitoredProblem(text); reason != "" {
		e := errs.Field(CodeContentNotDiscreet, "body",
			"her phone may be monitored and this text carries invisible formatting, mixes alphabets in a word or masks a letter with * (%s); retype it in plain letters", reason)
		e.Details = map[string]any{"reason": reason}
		return "", nil, e
	}
	if len(confirm) > maxConfirmNames {
		return "", nil, errs.Field(CodeInvalidParam, "confirm_names", "at most %d confirmed names", maxConfirmNames)
	}
	for _, n := range confirm {
		if len(n) > maxConfirmNameSize {
			return "", nil, errs.Field(CodeInvalidParam, "confirm_names", "a confirmed name is at most %d bytes", maxConfirmNameSize)
		}
	}
	o := templates.ScanOptions{Lang: lang, UnknownNames: s.cfg.UnknownNames,
		Vocabulary: FreeTextPolicy(s.cfg.FreeText) == FreeTextVocabulary}
	if o.UnknownNames || o.Vocabulary {
		o.KnownNames = append(s.known.get(s.q, s.d.Log), confirm...)
	}
	stripped, findings := s.filter.StripWith(text, o)
	var reds []Redaction
	cats := map[templates.Category]bool{}
	var catList []string
	for _, f := range findings {
		reds = append(reds, Redaction{Category: f.Category, Match: f.Match, Start: f.Start, End: f.End})
		if !cats[f.Category] {
			cats[f.Category] = true
			catList = append(catList, string(f.Category))
		}
	}
	if !meaningful(stripped) || removedShare(text, findings) > 0.5 {
		e := errs.Field(CodeContentNotDiscreet, "body",
			"her phone may be monitored and this text is mostly sensitive (%s); write a neutral message or use a template", strings.Join(catList, ", "))
		if o.Vocabulary {
			e = errs.Field(CodeContentNotDiscreet, "body",
				"her phone may be monitored and most of this text is not in her language's everyday vocabulary or is sensitive (%s); write a plain reminder or use a template", strings.Join(catList, ", "))
		}
		e.Details = map[string]any{"reason": "mostly_sensitive", "categories": catList, "redactions": reds}
		return "", reds, e
	}
	return stripped, reds, nil
}

// get returns the registered meeting points' names, read at most
// every 30 seconds (a name registered through another gateway process a
// moment ago may still be reported as unknown until then; staff can
// confirm it in the request).
func (kn *knownNameCache) get(q *db.Queries, log *slog.Logger) []string {
	kn.mu.Lock()
	defer kn.mu.Unlock()
	if time.Since(kn.at) < 30*time.Second && kn.at.After(time.Time{}) {
		return append([]string(nil), kn.names...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	mps, err := q.ListMeetingPoints(ctx)
	if err != nil {
		log.Warn("meeting points for the discreet filter", "err", err)
		return append([]string(nil), kn.names...)
	}
	kn.names = kn.names[:0]
	kn.atForms = make(map[string]map[string]string, len(mps))
	for _, m := range mps {
		kn.names = append(kn.names, m.Name)
		forms := map[string]string{}
		if len(m.AtForms) > 0 && json.Unmarshal(m.AtForms, &forms) == nil && len(forms) > 0 {
			kn.atForms[m.Name] = forms
		}
	}
	kn.at = time.Now()
	return append([]string(nil), kn.names...)
}

// atForms are the registered at forms of the meeting points a template's
// parameters name, for RenderRequest.AtForms: a template sent through the
// API (meet_proposal) says "a la Plaça Reial" as a reminder does. A place
// not registered, or read while the database is away, gets none, and the
// template its language's default construction.
func (s *Service) atForms(template string, params map[string]string) map[string]map[string]string {
	names := s.d.Catalog.MeetingPointParams(template)
	if len(names) == 0 {
		return nil
	}
	s.known.get(s.q, s.d.Log) // refreshes the cache when stale
	kn := &s.known
	kn.mu.Lock()
	defer kn.mu.Unlock()
	out := map[string]map[string]string{}
	for _, n := range names {
		if f, ok := kn.atForms[strings.Join(strings.Fields(params[n]), " ")]; ok {
			out[n] = f
		}
	}
	return out
}

// ForgetKnownNames makes the next free text load the meeting points'
// names and at forms again (a meeting point was added or changed).
func (s *Service) ForgetKnownNames() {
	c := &s.known
	c.mu.Lock()
	c.at = time.Time{}
	c.mu.Unlock()
}

// knownNameCache holds the meeting-point names the filter treats as known.
type knownNameCache struct {
	mu    sync.Mutex
	names []string
	// atForms are the points' registered at forms, by name.
	atForms map[string]map[string]string
	at      time.Time
}
