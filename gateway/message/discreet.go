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

// Free text to a monitored phone, and the registered meeting points as
// the accept path knows them. The points' names, ids and at forms are
// read into a cache at most every 30 seconds (knownNameCache), forgotten
// at once on this process when a point is added or changed
// (ForgetKnownNames), not on another gateway process. For the discreet
// scan that is enough: a name not known yet is reported as unknown, and
// staff can confirm it. For a message whose text names a point
// (meet_proposal's place) it is not: the text would carry a name or an at
// form the point no longer has, linked to it or not. So the cache only
// proposes: the write (AcceptMessages) locks the point FOR SHARE, as a
// booking does, and writes the message only if the point still has the
// name and at forms the text was rendered with (or, for a place linked to
// no point, no point has that name); else the cache is forgotten and the
// message rendered again (Service.accept). A rename holding the point is
// waited for and seen; one that comes after waits for the write and finds
// the message (meeting_point_in_use). This keeps the cache on the hot
// path (no read of the points per message) and costs a second rendering
// only when a point changed within the cache's 30 seconds.

// Free-text policies for a monitored phone. FreeTextPlain and
// FreeTextWhole send free text whole or not at all: unchanged when their
// scan finds nothing in it, refused whole otherwise. They never send a
// text with words cut out, which can change what it says and still
// carries what the scan missed around the cut. Plain scans as the
// vocabulary policy does (every word outside her everyday vocabulary is a
// finding); whole scans with the filter (lexicon, scanners, unknown names
// always) without the vocabulary, so it sends far more harmless texts
// than plain and lets through what the filter misses in a text it finds
// nothing in. Both add the risky everyday phrases (ScanOptions.Plain).
const (
	FreeTextFilter     = "filter"
	FreeTextVocabulary = "vocabulary"
	FreeTextPlain      = "plain"
	FreeTextWhole      = "whole"
	FreeTextRefuse     = "refuse"
)

// FreeTextPolicy is the policy in force for a configured value:
// FreeTextRefuse unless the programme chose FreeTextFilter,
// FreeTextVocabulary, FreeTextPlain or FreeTextWhole.
func FreeTextPolicy(configured string) string {
	switch configured {
	case FreeTextFilter, FreeTextVocabulary, FreeTextPlain, FreeTextWhole:
		return configured
	}
	return FreeTextRefuse
}

// UsesVocabulary: does the policy in force for a configured value scan
// with her language's vocabulary (the filter built with it, the scan's
// Vocabulary option on)? The vocabulary and plain policies do; whole
// does not.
func UsesVocabulary(configured string) bool {
	switch FreeTextPolicy(configured) {
	case FreeTextVocabulary, FreeTextPlain:
		return true
	}
	return false
}

// WholeOrNothing: does the policy in force for a configured value send
// free text only as written, refusing it whole when its scan finds
// anything (plain and whole)? Such a policy also looks for the risky
// everyday phrases (ScanOptions.Plain): nothing is cut, so one would go
// out whole.
func WholeOrNothing(configured string) bool {
	switch FreeTextPolicy(configured) {
	case FreeTextPlain, FreeTextWhole:
		return true
	}
	return false
}

// ScansUnknownNames: is free text under the policy in force for a
// configured value scanned for unknown names, unknown names being
// configured on or off (unknownNames)? Always under whole, which relies
// on them (the configuration refuses whole with unknown names off).
func ScansUnknownNames(configured string, unknownNames bool) bool {
	return unknownNames || FreeTextPolicy(configured) == FreeTextWhole
}

// Details.reason of a free text refused whole: ReasonNotPlain under the
// plain policy, ReasonFlagged under whole; the scan found something in it.
// ReasonAllCapitals under whole: the text is written mostly in capitals
// (templates.AllCapitals), where a name cannot be told from the other
// words; staff retype it in normal case.
const (
	ReasonNotPlain    = "not_plain"
	ReasonFlagged     = "flagged"
	ReasonAllCapitals = "all_capitals"
)

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
// cannot place (unknown names on, or the vocabulary, plain or whole
// policy)? Only then do known names (meeting points, confirmed names, the
// author's signature name) matter.
func (s *Service) scansNames() bool {
	return FreeTextPolicy(s.cfg.FreeText) != FreeTextRefuse &&
		(ScansUnknownNames(s.cfg.FreeText, s.cfg.UnknownNames) || UsesVocabulary(s.cfg.FreeText))
}

// discreetFreeText filters free text for a monitored phone: the policy,
// the refusals (format controls, mixed scripts, letters drawn as symbols,
// a confirmed name the
// filter flags, mostly sensitive; under plain and whole, any finding) and
// the text to send with what was removed (under plain and whole: the text
// as written, nothing removed). signature is the author's signature name
// ("" none): a known name as if confirmed, outside confirm_names' limit,
// checked as a confirmed name is; one the filter flags (alone or in this
// text) is not a known name here, and the text is scanned as without it.
func (s *Service) discreetFreeText(text, lang string, confirm []string, signature string) (string, []Redaction, error) {
	o, err := s.freeTextScan(text, lang, confirm, signature)
	if err != nil {
		return "", nil, err
	}
	policy := FreeTextPolicy(s.cfg.FreeText)
	if policy == FreeTextWhole && templates.AllCapitals(text) {
		// The scan would refuse it too (an unknown name over the text);
		// this says why.
		e := errs.Field(CodeContentNotDiscreet, "body",
			"her phone may be monitored and this text is written in capitals, where a name cannot be told from the other words; retype it in normal case")
		e.Details = map[string]any{"reason": ReasonAllCapitals}
		return "", nil, e
	}
	if WholeOrNothing(s.cfg.FreeText) {
		// Whole or not at all: nothing is cut.
		reds, err := WholeRefusal(policy, s.filter.ScanWith(text, o))
		if err != nil {
			return "", reds, err
		}
		return text, nil, nil
	}
	stripped, findings := s.filter.StripWith(text, o)
	reds, catList := redactionsOf(findings)
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

// freeTextScan is the scan of free text for a monitored phone
// (discreetFreeText): its refusals before any scan (the policy, format
// controls and the like, confirm_names' limits, a confirmed name the
// filter flags) and the scan options for text (her language, the policy's
// findings, the known names).
func (s *Service) freeTextScan(text, lang string, confirm []string, signature string) (templates.ScanOptions, error) {
	policy := FreeTextPolicy(s.cfg.FreeText)
	if policy == FreeTextRefuse {
		return templates.ScanOptions{}, errs.Field(CodeFreeTextRefused, "body",
			"her phone may be monitored and this programme sends her templates only (GATEWAY_MONITORED_FREE_TEXT=refuse, the default); use a template")
	}
	if reason := templates.MonitoredProblem(text); reason != "" {
		e := errs.Field(CodeContentNotDiscreet, "body",
			"her phone may be monitored and this text carries invisible formatting, mixes alphabets in a word, masks a letter with * or draws letters as symbols or flags (%s); retype it in plain letters", reason)
		e.Details = map[string]any{"reason": reason}
		return templates.ScanOptions{}, e
	}
	if len(confirm) > maxConfirmNames {
		return templates.ScanOptions{}, errs.Field(CodeInvalidParam, "confirm_names", "at most %d confirmed names", maxConfirmNames)
	}
	for _, n := range confirm {
		if len(n) > maxConfirmNameSize {
			return templates.ScanOptions{}, errs.Field(CodeInvalidParam, "confirm_names", "a confirmed name is at most %d bytes", maxConfirmNameSize)
		}
	}
	o := templates.ScanOptions{Lang: lang, UnknownNames: ScansUnknownNames(s.cfg.FreeText, s.cfg.UnknownNames), Vocabulary: UsesVocabulary(s.cfg.FreeText)}
	// Under plain and whole, a phrase of everyday words that offers to
	// take her away or hide her is a finding too (risky_phrase): nothing
	// is cut, so it would go out whole.
	wholeOrNothing := WholeOrNothing(s.cfg.FreeText)
	o.Plain = wholeOrNothing
	// The meeting points are known wherever they stand; her signature
	// and the confirmed names only where the text spells them as given
	// (ScanOptions.ExactNames): "Socorro" signs, "socorro" is a word.
	var known, exact []string
	if o.UnknownNames || o.Vocabulary {
		known = s.known.get(s.q, s.d.Log)
		exact = SignatureKnown(s.filter, text, signature, templates.ScanOptions{Lang: lang, UnknownNames: o.UnknownNames, Vocabulary: o.Vocabulary, KnownNames: known})
	}
	if i, cat := FlaggedConfirmedName(s.filter, text, confirm, templates.ScanOptions{Lang: lang, UnknownNames: o.UnknownNames, Vocabulary: o.Vocabulary, KnownNames: known, ExactNames: exact}); i > 0 {
		// The name is not echoed.
		return templates.ScanOptions{}, errs.Field(CodeInvalidParam, "confirm_names",
			"confirmed name %d is flagged by the filter (%s), not only unknown: it cannot be confirmed; rephrase the text without it", i, cat)
	}
	if o.UnknownNames || o.Vocabulary {
		o.KnownNames = known
		o.ExactNames = append(exact, confirm...)
	}
	return o, nil
}

// redactionsOf is the findings as redactions, and their categories in
// the order they first occur.
func redactionsOf(findings []templates.Finding) ([]Redaction, []string) {
	var reds []Redaction
	seen := map[templates.Category]bool{}
	var cats []string
	for _, f := range findings {
		reds = append(reds, Redaction{Category: f.Category, Match: f.Match, Start: f.Start, End: f.End})
		if !seen[f.Category] {
			seen[f.Category] = true
			cats = append(cats, string(f.Category))
		}
	}
	return reds, cats
}

// WholeRefusal is the answer of a whole-or-nothing policy (plain or
// whole, WholeOrNothing) to free text its scan found findings in: none
// when there are none (the text goes out as written), else
// content_not_discreet on body with every finding listed for staff to
// rephrase (details.reason ReasonNotPlain or ReasonFlagged, the
// categories, the redactions) and the findings as redactions. The
// message names the categories, never what was found.
func WholeRefusal(policy string, findings []templates.Finding) ([]Redaction, error) {
	if len(findings) == 0 {
		return nil, nil
	}
	reds, cats := redactionsOf(findings)
	msg := "her phone may be monitored and this programme sends free text to her only as written, with nothing sensitive and only everyday words (%s found); rephrase the marked words or use a template"
	if FreeTextPolicy(policy) == FreeTextWhole {
		msg = "her phone may be monitored and this programme sends free text to her only as written, with nothing flagged in it (%s found); rephrase the marked words, confirm a name that is harmless (confirm_names), or use a template"
	}
	e := errs.Field(CodeContentNotDiscreet, "body", msg, strings.Join(cats, ", "))
	e.Details = map[string]any{"reason": WholeReason(policy), "categories": cats, "redactions": reds}
	return reds, e
}

// WholeReason is details.reason of a text refused whole under policy:
// ReasonFlagged under whole, ReasonNotPlain under plain.
func WholeReason(policy string) string {
	if FreeTextPolicy(policy) == FreeTextWhole {
		return ReasonFlagged
	}
	return ReasonNotPlain
}

// SignatureKnown is the author's signature name sig as a known name of
// text's scan o (o.KnownNames: the registered meeting points): none when
// sig is "", when neither unknown names nor the vocabulary are looked
// for, or when the name, checked as a confirmed name on its own before it
// is known, is flagged or would hide a finding of text; so it never drops
// another finding. serve and sanitize both call it.
func SignatureKnown(f *templates.Filter, text, sig string, o templates.ScanOptions) []string {
	if sig == "" || !o.UnknownNames && !o.Vocabulary {
		return nil
	}
	if i, _ := FlaggedConfirmedName(f, text, []string{sig}, templates.ScanOptions{Lang: o.Lang, UnknownNames: o.UnknownNames, Vocabulary: o.Vocabulary, KnownNames: o.KnownNames}); i != 0 {
		return nil
	}
	return []string{sig}
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
	kn.rawForms = make(map[string]string, len(mps))
	kn.stored = make(map[string]string, len(mps))
	for _, m := range mps {
		kn.names = append(kn.names, m.Name)
		// By the name's PlaceKey, as placeOf looks it up: a name stored
		// before names were stored NFC still matches the rendered text.
		key := templates.PlaceKey(m.Name)
		kn.ids[key] = m.ID
		kn.stored[key] = m.Name
		kn.rawForms[key] = string(m.AtForms)
		forms := map[string]string{}
		if len(m.AtForms) > 0 && json.Unmarshal(m.AtForms, &forms) == nil && len(forms) > 0 {
			kn.atForms[key] = forms
		}
	}
	kn.at = time.Now()
	return append([]string(nil), kn.names...)
}

// placeOf is what a message's text says about the meeting points its
// template's meeting point parameters name, read from the known-name
// cache in one look, so the text and its link come from the same list:
// atForms for RenderRequest.AtForms (a template sent through the API,
// meet_proposal, says "a la Plaça Reial" as a reminder does; a place not
// registered, or read while the database is away, gets none, and the
// template its language's default construction), and the link stored with
// the message (meetingPointLink).
//
// The cache may be up to 30 seconds old on this process (a rename here
// forgets it, ForgetKnownNames; a rename through another gateway process
// does not), so it is never trusted alone: AcceptMessages writes the
// message only if, with the point locked FOR SHARE, the linked point still
// has the name and at forms the text was rendered with, or, for a place
// linked to no point, no point has that name (the name locked against a
// create or rename to it, acceptMessages). Otherwise the message is
// not written (errStalePlace), the cache is forgotten and the message is
// rendered again from the points as they are now (Service.accept). So the
// name and at form a stored text gives a registered point are the point's
// own at the moment the message is accepted, on any process, and a
// rename that comes later sees the message (meeting_point_in_use).
func (s *Service) placeOf(template string, params map[string]string) (map[string]map[string]string, meetingPointLink) {
	names := s.d.Catalog.MeetingPointParams(template)
	if len(names) == 0 {
		return nil, meetingPointLink{}
	}
	s.known.get(s.q, s.d.Log) // refreshes the cache when stale
	kn := &s.known
	kn.mu.Lock()
	defer kn.mu.Unlock()
	forms := map[string]map[string]string{}
	var link meetingPointLink
	for _, n := range names {
		name := templates.PlaceKey(params[n])
		if f, ok := kn.atForms[name]; ok {
			forms[n] = f
		}
		if link.id != 0 {
			continue
		}
		if id, ok := kn.ids[name]; ok {
			link = meetingPointLink{id: id, name: kn.stored[name], atForms: kn.rawForms[name]}
		} else if link.name == "" {
			link.name = name
		}
	}
	return forms, link
}

// meetingPointLink is the registered meeting point a message's text names
// (the first of its template's meeting point parameters that names one),
// stored with the message so the point is not renamed while the text,
// which carries its name, is still to be sent; with the name and the at
// forms (as stored, JSON) the text was rendered with, which the write
// checks are still the point's. id 0: no parameter names a registered
// point, and name is the first parameter's place (checked at the write to
// be no point's name); both empty: the template has no meeting point
// parameter.
type meetingPointLink struct {
	id      int64
	name    string
	atForms string
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
	// rawForms are the points' at forms as stored (JSON), by name.
	rawForms map[string]string
	// stored are the points' names as stored, by name. The maps above
	// and this one are keyed by templates.PlaceKey of the stored name.
	stored map[string]string
	at     time.Time
}
