package message

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/templates"
)

// Free-text policies for a monitored phone. FreeTextPlain sends free
// text unchanged when the vocabulary policy's scan finds nothing in it and
// refuses it whole otherwise: it never sends a text with words cut out,
// which can change what it says and still carries what the scan missed
// around the cut.
const (
	FreeTextFilter     = "filter"
	FreeTextVocabulary = "vocabulary"
	FreeTextPlain      = "plain"
	FreeTextRefuse     = "refuse"
)

// FreeTextPolicy is the policy in force for a configured value:
// FreeTextRefuse unless the programme chose FreeTextFilter,
// FreeTextVocabulary or FreeTextPlain.
func FreeTextPolicy(configured string) string {
	switch configured {
	case FreeTextFilter, FreeTextVocabulary, FreeTextPlain:
		return configured
	}
	return FreeTextRefuse
}

// UsesVocabulary: does the policy in force for a configured value scan
// with her language's vocabulary (the filter built with it, the scan's
// Vocabulary option on)? The vocabulary and plain policies do.
func UsesVocabulary(configured string) bool {
	switch FreeTextPolicy(configured) {
	case FreeTextVocabulary, FreeTextPlain:
		return true
	}
	return false
}

// ReasonNotPlain is details.reason of a free text refused under the
// plain policy: the scan found something in it.
const ReasonNotPlain = "not_plain"

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

// scansNames: does free text to a monitored phone report names the filter
// cannot place (unknown names on, or the vocabulary or plain policy)?
// Only then do known names (meeting points, confirmed names, the author's
// signature name) matter.
func (s *Service) scansNames() bool {
	return FreeTextPolicy(s.cfg.FreeText) != FreeTextRefuse && (s.cfg.UnknownNames || UsesVocabulary(s.cfg.FreeText))
}

// discreetFreeText filters free text for a monitored phone: the policy,
// the refusals (format controls, mixed scripts, letters drawn as symbols,
// a confirmed name the
// filter flags, mostly sensitive; under plain, any finding) and the text
// to send with what was removed (under plain: the text as written,
// nothing removed). signature is the author's signature name ("" none):
// a known name as if confirmed, outside confirm_names' limit, checked as
// a confirmed name is; one the filter flags (alone or in this text) is
// not a known name here, and the text is scanned as without it.
func (s *Service) discreetFreeText(text, lang string, confirm []string, signature string) (string, []Redaction, error) {
	policy := FreeTextPolicy(s.cfg.FreeText)
	if policy == FreeTextRefuse {
		return "", nil, errs.Field(CodeFreeTextRefused, "body",
			"her phone may be monitored and this programme sends her templates only (GATEWAY_MONITORED_FREE_TEXT=refuse, the default); use a template")
	}
	if reason := templates.MonitoredProblem(text); reason != "" {
		e := errs.Field(CodeContentNotDiscreet, "body",
			"her phone may be monitored and this text carries invisible formatting, mixes alphabets in a word, masks a letter with * or draws letters as symbols or flags (%s); retype it in plain letters", reason)
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
	o := templates.ScanOptions{Lang: lang, UnknownNames: s.cfg.UnknownNames, Vocabulary: UsesVocabulary(s.cfg.FreeText)}
	// Under plain, a phrase of everyday words that offers to take her away
	// or hide her is a finding too (risky_phrase): nothing is cut, so it
	// would go out whole.
	o.Plain = policy == FreeTextPlain
	// The meeting points are known wherever they stand; her signature
	// and the confirmed names only where the text spells them as given
	// (ScanOptions.ExactNames): "Socorro" signs, "socorro" is a word.
	var known, exact []string
	if o.UnknownNames || o.Vocabulary {
		known = s.known.get(s.q, s.d.Log)
		if signature != "" {
			// Her own name passes the check a confirmed name passes, on
			// its own, before it is known: it never drops another finding.
			if i, _ := FlaggedConfirmedName(s.filter, text, []string{signature}, templates.ScanOptions{Lang: lang, UnknownNames: o.UnknownNames, Vocabulary: o.Vocabulary, KnownNames: known}); i == 0 {
				exact = append(exact, signature)
			}
		}
	}
	if i, cat := FlaggedConfirmedName(s.filter, text, confirm, templates.ScanOptions{Lang: lang, UnknownNames: o.UnknownNames, Vocabulary: o.Vocabulary, KnownNames: known, ExactNames: exact}); i > 0 {
		// The name is not echoed.
		return "", nil, errs.Field(CodeInvalidParam, "confirm_names",
			"confirmed name %d is flagged by the filter (%s), not only unknown: it cannot be confirmed; rephrase the text without it", i, cat)
	}
	if o.UnknownNames || o.Vocabulary {
		o.KnownNames = known
		o.ExactNames = append(exact, confirm...)
	}
	var stripped string
	var findings []templates.Finding
	if policy == FreeTextPlain {
		findings = s.filter.ScanWith(text, o) // nothing is cut under plain
	} else {
		stripped, findings = s.filter.StripWith(text, o)
	}
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
	if policy == FreeTextPlain {
		// Whole or not at all: the text as written when the scan finds
		// nothing, else a refusal listing every finding for staff to
		// rephrase (nothing stripped, nothing sent).
		if len(findings) == 0 {
			return text, nil, nil
		}
		e := errs.Field(CodeContentNotDiscreet, "body",
			"her phone may be monitored and this programme sends free text to her only as written, with nothing sensitive and only everyday words (%s found); rephrase the marked words or use a template", strings.Join(catList, ", "))
		e.Details = map[string]any{"reason": ReasonNotPlain, "categories": catList, "redactions": reds}
		return "", reds, e
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

// FlaggedConfirmedName returns the 1-based index of the first confirmed
// name the filter flags, and what it found, or 0. o is the scan of text
// without the confirmed names (the registered meeting points as its
// known names). Confirming is for a neutral name the filter cannot place,
// never for one it flags on its own (a shelter's or a service's name, a
// legal word, a street: "calle Murcia" says where she or a service is):
// a confirmed name is refused when
//   - scanned alone, in her language, the filter finds anything in it
//     (as free text, not as a place's name: a street without its number
//     is an address here);
//   - or a finding of the text's own scan other than an unknown name or
//     a word not in her vocabulary is dropped once the confirmed names
//     are known names (a name is known as a whole: what is found inside
//     its occurrence in the text would otherwise go out unseen).
//
// A confirmed name is known only where the text spells it as confirmed
// (ScanOptions.ExactNames): confirming "Socorro" leaves "socorro" a word.
//
// Shared by serve and the sanitize command, so both refuse the same.
func FlaggedConfirmedName(f *templates.Filter, text string, confirm []string, o templates.ScanOptions) (int, templates.Category) {
	if len(confirm) == 0 {
		return 0, ""
	}
	for i, n := range confirm {
		if fs := f.ScanWith(n, templates.ScanOptions{Lang: o.Lang}); len(fs) > 0 {
			return i + 1, fs[0].Category
		}
	}
	type span struct {
		start, end int
		cat        templates.Category
	}
	confirmable := func(c templates.Category) bool {
		return c == templates.CategoryUnknownName || c == templates.CategoryNotInVocabulary
	}
	with := o
	with.ExactNames = append(append([]string(nil), o.ExactNames...), confirm...)
	kept := map[span]bool{}
	for _, fd := range f.ScanWith(text, with) {
		kept[span{fd.Start, fd.End, fd.Category}] = true
	}
	for _, fd := range f.ScanWith(text, o) {
		if confirmable(fd.Category) || kept[span{fd.Start, fd.End, fd.Category}] {
			continue
		}
		// Dropped by a confirmed name: the one whose occurrence it overlaps.
		for i, n := range confirm {
			one := o
			one.ExactNames = append(append([]string(nil), o.ExactNames...), n)
			if !slices.ContainsFunc(f.ScanWith(text, one), func(g templates.Finding) bool {
				return g.Start == fd.Start && g.End == fd.End && g.Category == fd.Category
			}) {
				return i + 1, fd.Category
			}
		}
		return 1, fd.Category // merged with another span: fail closed
	}
	return 0, ""
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
	kn.ids = make(map[string]int64, len(mps))
	for _, m := range mps {
		kn.names = append(kn.names, m.Name)
		kn.ids[m.Name] = m.ID
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

// meetingPointID is the registered meeting point a template's meeting
// point parameter names (the first that names one), 0 for none: stored
// with the message, so the point is not renamed while the text, which
// carries its name, is still to be sent. Read from the same cache as the
// at forms: a point registered through another gateway process in the
// last 30 seconds is not found, and the message is stored without it.
func (s *Service) meetingPointID(template string, params map[string]string) int64 {
	names := s.d.Catalog.MeetingPointParams(template)
	if len(names) == 0 {
		return 0
	}
	s.known.get(s.q, s.d.Log) // refreshes the cache when stale
	kn := &s.known
	kn.mu.Lock()
	defer kn.mu.Unlock()
	for _, n := range names {
		if id, ok := kn.ids[strings.Join(strings.Fields(params[n]), " ")]; ok {
			return id
		}
	}
	return 0
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
	// ids are the points' ids, by name.
	ids map[string]int64
	at  time.Time
}
