package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"safecontact/errs"
	"safecontact/templates"
)

// The discreet-content filter is built once, from one configuration
// (DiscreetConfig.Filter: the built-in lexicon, the deployment's terms
// file and stop list), through templates.NewFilterFrom, and every path
// uses it: free text and its preview, template parameters and discreet
// renderings (through the catalogue), meeting-point names and audit
// reasons. `gateway sanitize` builds the same filter from the same
// settings. A terms file or stop list that is set but cannot be read
// stops the service from starting: running without the programme's own
// names would send them.

// DiscreetConfig is the filter's configuration and the free-text policy.
type DiscreetConfig struct {
	Filter templates.FilterConfig
	// MonitoredFreeText (GATEWAY_MONITORED_FREE_TEXT): "refuse" (the
	// default, also when empty) sends a monitored phone templates only and
	// refuses free text to her with free_text_refused; "filter" is a
	// programme's opt-in and sends free text with what the filter finds
	// removed. Refuse is the default because the filter works from lists
	// and rules and, on text its authors never saw, still lets through a
	// share of what a trafficker reading her phone would understand
	// (docs/benchmarks.md); templates say only what was reviewed.
	// "vocabulary" sends free text with every word removed that is not
	// in her language's vocabulary of everyday words (or that the filter
	// finds), and refuses it when that is most of it.
	MonitoredFreeText string
	// UnknownNames (GATEWAY_UNKNOWN_NAMES): "on" or "off"; empty is
	// templates.DefaultUnknownNames. On, acronyms and capitalised names
	// the filter cannot place are removed from free text to a monitored
	// phone unless they are registered meeting points or the request
	// confirms them (confirm_names).
	UnknownNames string
}

// Free-text policies for a monitored phone.
const (
	FreeTextFilter     = "filter"
	FreeTextVocabulary = "vocabulary"
	FreeTextRefuse     = "refuse"
)

// FreeTextPolicy is the policy in force: FreeTextRefuse unless the
// programme chose FreeTextFilter or FreeTextVocabulary.
func (c DiscreetConfig) FreeTextPolicy() string {
	switch c.MonitoredFreeText {
	case FreeTextFilter, FreeTextVocabulary:
		return c.MonitoredFreeText
	}
	return FreeTextRefuse
}

// Validate checks the settings' values.
func (c DiscreetConfig) Validate() error {
	switch c.MonitoredFreeText {
	case "", FreeTextFilter, FreeTextVocabulary, FreeTextRefuse:
	default:
		return fmt.Errorf("GATEWAY_MONITORED_FREE_TEXT is %q: use filter, vocabulary or refuse", c.MonitoredFreeText)
	}
	switch c.UnknownNames {
	case "", "on", "off":
	default:
		return fmt.Errorf("GATEWAY_UNKNOWN_NAMES is %q: use on or off", c.UnknownNames)
	}
	return nil
}

// UnknownNamesOn: is free text to a monitored phone scanned for unknown
// names?
func (c DiscreetConfig) UnknownNamesOn() bool { return c.unknownNames() }

func (c DiscreetConfig) unknownNames() bool {
	if c.UnknownNames == "" {
		return templates.DefaultUnknownNames
	}
	return c.UnknownNames == "on"
}

// DiscreetCatalog returns the built-in catalogue checked with, and
// checking everything with, the filter of cfg: the one place the
// gateway builds its filter.
func DiscreetCatalog(cfg DiscreetConfig) (*templates.Catalog, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fc := cfg.Filter
	// The vocabulary is built (and checked against the lexicon, failing
	// on a word the lexicon matches) only for the policy that uses it.
	fc.Vocabulary = cfg.FreeTextPolicy() == FreeTextVocabulary
	f, err := templates.NewFilterFrom(fc)
	if err != nil {
		return nil, err
	}
	cat, err := templates.Builtin()
	if err != nil {
		return nil, err
	}
	if err := cat.CheckDiscreet(f); err != nil {
		return nil, err
	}
	return cat.WithFilter(f), nil
}

// Limits of confirm_names.
const (
	maxConfirmNames    = 20
	maxConfirmNameSize = 80
)

// discreetFreeText filters free text for a monitored phone: the policy,
// the refusals (format controls, mixed scripts, mostly sensitive) and the
// stripped text with what was removed.
func (s *Server) discreetFreeText(text, lang string, confirm []string) (string, []redactionView, error) {
	if s.cfg.Discreet.FreeTextPolicy() == FreeTextRefuse {
		return "", nil, errs.Field("free_text_refused", "body",
			"her phone may be monitored and this programme sends her templates only (GATEWAY_MONITORED_FREE_TEXT=refuse, the default); use a template")
	}
	if reason := templates.MonitoredProblem(text); reason != "" {
		e := errs.Field("content_not_discreet", "body",
			"her phone may be monitored and this text carries invisible formatting, mixes alphabets in a word or masks a letter with * (%s); retype it in plain letters", reason)
		e.Details = map[string]any{"reason": reason}
		return "", nil, e
	}
	if len(confirm) > maxConfirmNames {
		return "", nil, errs.Field("invalid_param", "confirm_names", "at most %d confirmed names", maxConfirmNames)
	}
	for _, n := range confirm {
		if len(n) > maxConfirmNameSize {
			return "", nil, errs.Field("invalid_param", "confirm_names", "a confirmed name is at most %d bytes", maxConfirmNameSize)
		}
	}
	o := templates.ScanOptions{Lang: lang, UnknownNames: s.cfg.Discreet.unknownNames(),
		Vocabulary: s.cfg.Discreet.FreeTextPolicy() == FreeTextVocabulary}
	if o.UnknownNames || o.Vocabulary {
		o.KnownNames = append(s.knownNames(), confirm...)
	}
	stripped, findings := s.filter.StripWith(text, o)
	var reds []redactionView
	cats := map[templates.Category]bool{}
	var catList []string
	for _, f := range findings {
		reds = append(reds, redactionView{Category: f.Category, Match: f.Match, Start: f.Start, End: f.End})
		if !cats[f.Category] {
			cats[f.Category] = true
			catList = append(catList, string(f.Category))
		}
	}
	if !meaningful(stripped) || removedShare(text, findings) > 0.5 {
		e := errs.Field("content_not_discreet", "body",
			"her phone may be monitored and this text is mostly sensitive (%s); write a neutral message or use a template", strings.Join(catList, ", "))
		if o.Vocabulary {
			e = errs.Field("content_not_discreet", "body",
				"her phone may be monitored and most of this text is not in her language's everyday vocabulary or is sensitive (%s); write a plain reminder or use a template", strings.Join(catList, ", "))
		}
		e.Details = map[string]any{"reason": "mostly_sensitive", "categories": catList, "redactions": reds}
		return "", reds, e
	}
	return stripped, reds, nil
}

// knownNames returns the registered meeting points' names, read at most
// every 30 seconds (a name registered through another gateway process a
// moment ago may still be reported as unknown until then; staff can
// confirm it in the request).
func (s *Server) knownNames() []string {
	kn := &s.known
	kn.mu.Lock()
	defer kn.mu.Unlock()
	if time.Since(kn.at) < 30*time.Second && kn.at.After(time.Time{}) {
		return append([]string(nil), kn.names...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	mps, err := s.q.ListMeetingPoints(ctx)
	if err != nil {
		s.log.Warn("meeting points for the discreet filter", "err", err)
		return append([]string(nil), kn.names...)
	}
	kn.names = kn.names[:0]
	for _, m := range mps {
		kn.names = append(kn.names, m.Name)
	}
	kn.at = time.Now()
	return append([]string(nil), kn.names...)
}

// forget makes the next read load the names again.
func (c *knownNameCache) forget() {
	c.mu.Lock()
	c.at = time.Time{}
	c.mu.Unlock()
}

// knownNameCache holds the meeting-point names the filter treats as known.
type knownNameCache struct {
	mu    sync.Mutex
	names []string
	at    time.Time
}
