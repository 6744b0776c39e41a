package gateway

import (
	"fmt"

	"safecontact/gateway/message"
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
// names would send them. The catalogue comes from the same configuration:
// the built-in templates plus the deployment's templates directory, every
// discreet variant checked against this filter; `gateway templates` loads
// and checks it the same way, so what an author renders there is what the
// service sends. A templates directory that is set but cannot be read, or
// that holds an invalid or not discreet template, stops the service: it
// never falls back to the built-in texts. The configuration and the
// building stay here, in the wiring: the one filter is shared by
// gateway/message (free text), gateway/safety (meeting points, through
// the catalogue) and gateway/referrals; gateway/message applies the
// free-text policy.

// DiscreetConfig is the filter's configuration, the free-text policy and
// the deployment's templates.
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
	// finds), and refuses it when that is most of it. "plain" scans as
	// vocabulary does but never removes a word: free text goes out as
	// written when the scan finds nothing, and is refused whole
	// (content_not_discreet, reason not_plain, the findings listed)
	// otherwise. "whole" never removes a word either, but scans with the
	// filter (lexicon, scanners, unknown names, which it requires on)
	// and the risky everyday phrases, without the vocabulary: free text
	// goes out as written when that scan finds nothing, and is refused
	// whole (reason flagged, the findings listed) otherwise; staff
	// rephrase the flagged words or confirm a harmless name. What it
	// lets through is what the filter misses in a text it finds nothing
	// in: on the files the filter was tuned on a small share of the
	// sensitive items, where filter, which sends the rest of a text
	// around what it cut, lets through several times more; on text it
	// was not tuned on the share is higher, and is measured on blind
	// sets (docs/benchmarks.md). It sends most harmless texts unchanged,
	// where plain refuses most of them (README).
	MonitoredFreeText string
	// UnknownNames (GATEWAY_UNKNOWN_NAMES): "on" or "off"; empty is
	// templates.DefaultUnknownNames. On, acronyms and capitalised names
	// the filter cannot place are removed from free text to a monitored
	// phone unless they are registered meeting points or the request
	// confirms them (confirm_names). Off is refused with the whole
	// policy, which relies on them.
	UnknownNames string
	// TemplatesDir (GATEWAY_TEMPLATES_DIR): the deployment's templates,
	// every *.tmpl file of it adding to or replacing the built-in ones (an
	// override carries a higher version and keeps the built-in's
	// parameters, channels and languages); empty is the built-in
	// catalogue. Set but unreadable, not a directory, without a *.tmpl
	// file, or holding an invalid template, a discreet variant the filter
	// flags (scanned as free text to a monitored phone is, unknown names
	// included when on) or, under the refuse policy, a text parameter, is
	// an error (under filter, vocabulary, plain and whole a text
	// parameter's value is scanned when sent).
	TemplatesDir string
}

// Free-text policies for a monitored phone (applied by gateway/message).
const (
	FreeTextFilter     = message.FreeTextFilter
	FreeTextVocabulary = message.FreeTextVocabulary
	FreeTextPlain      = message.FreeTextPlain
	FreeTextWhole      = message.FreeTextWhole
	FreeTextRefuse     = message.FreeTextRefuse
)

// FreeTextPolicy is the policy in force: FreeTextRefuse unless the
// programme chose FreeTextFilter, FreeTextVocabulary, FreeTextPlain or
// FreeTextWhole.
func (c DiscreetConfig) FreeTextPolicy() string { return message.FreeTextPolicy(c.MonitoredFreeText) }

// UsesVocabulary: does the policy in force scan free text with her
// language's vocabulary (vocabulary and plain)? The filter is then built
// with it, and every scan of free text sets ScanOptions.Vocabulary.
func (c DiscreetConfig) UsesVocabulary() bool { return message.UsesVocabulary(c.MonitoredFreeText) }

// Validate checks the settings' values.
func (c DiscreetConfig) Validate() error {
	switch c.MonitoredFreeText {
	case "", FreeTextFilter, FreeTextVocabulary, FreeTextPlain, FreeTextWhole, FreeTextRefuse:
	default:
		return fmt.Errorf("GATEWAY_MONITORED_FREE_TEXT is %q: use refuse, whole, plain, vocabulary or filter", c.MonitoredFreeText)
	}
	switch c.UnknownNames {
	case "", "on", "off":
	default:
		return fmt.Errorf("GATEWAY_UNKNOWN_NAMES is %q: use on or off", c.UnknownNames)
	}
	// Whole sends a text as written when the filter finds nothing in
	// it: without unknown names a name the filter cannot place (a
	// shelter's, a lawyer's) would go out unseen. Fail closed.
	if c.FreeTextPolicy() == FreeTextWhole && !c.unknownNames() {
		return fmt.Errorf("GATEWAY_MONITORED_FREE_TEXT=whole needs unknown names scanned, and GATEWAY_UNKNOWN_NAMES is off: whole sends a text as written when the filter finds nothing in it, so a name it cannot place would go out unseen; set GATEWAY_UNKNOWN_NAMES=on (or leave it unset) or choose another policy")
	}
	return nil
}

// UnknownNamesOn: is free text to a monitored phone scanned for unknown
// names? (Always under whole: Validate refuses it with them off.)
func (c DiscreetConfig) UnknownNamesOn() bool {
	return message.ScansUnknownNames(c.MonitoredFreeText, c.unknownNames())
}

func (c DiscreetConfig) unknownNames() bool {
	if c.UnknownNames == "" {
		return templates.DefaultUnknownNames
	}
	return c.UnknownNames == "on"
}

// DiscreetCatalog returns the catalogue of cfg (the built-in templates
// plus cfg.TemplatesDir's) checked with, and checking everything with,
// the filter of cfg: the one place the gateway builds its filter and its
// catalogue.
func DiscreetCatalog(cfg DiscreetConfig) (*templates.Catalog, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fc := cfg.Filter
	// The vocabulary is built (and checked against the lexicon, failing
	// on a word the lexicon matches) only for the policies that use it.
	fc.Vocabulary = cfg.UsesVocabulary()
	f, err := templates.NewFilterFrom(fc)
	if err != nil {
		return nil, err
	}
	// Load("") is the built-in catalogue; a directory that is set is
	// read, parsed and checked against the built-in filter, every error
	// returned (no fallback to the built-in texts).
	cat, err := templates.Load(cfg.TemplatesDir)
	if err != nil {
		if cfg.TemplatesDir != "" {
			return nil, fmt.Errorf("templates directory (GATEWAY_TEMPLATES_DIR) %s: %w", cfg.TemplatesDir, err)
		}
		return nil, err
	}
	if err := cat.CheckDiscreet(f); err != nil {
		if cfg.TemplatesDir != "" {
			return nil, fmt.Errorf("templates (built-in and GATEWAY_TEMPLATES_DIR %s) checked with the deployment's filter: %w", cfg.TemplatesDir, err)
		}
		return nil, err
	}
	if cfg.TemplatesDir != "" {
		// The deployment's own texts are held to the rules of free text
		// to a monitored phone: her language, unknown names as the policy
		// scans them, and under plain and whole the risky everyday
		// phrases, which those policies refuse in free text.
		if err := cat.CheckDirDiscreet(f, cfg.UnknownNamesOn(), message.WholeOrNothing(cfg.MonitoredFreeText)); err != nil {
			return nil, fmt.Errorf("templates directory (GATEWAY_TEMPLATES_DIR) %s checked as text to a monitored phone: %w", cfg.TemplatesDir, err)
		}
		if err := checkDirTextParams(cat, cfg.FreeTextPolicy()); err != nil {
			return nil, err
		}
	}
	return cat.WithFilter(f), nil
}

// checkDirTextParams refuses, under the refuse policy, a template of the
// directory with a text parameter: every body uses every parameter, so its
// discreet variant would carry free text to a monitored phone, which that
// policy forbids. (The built-in templates have none.)
func checkDirTextParams(cat *templates.Catalog, policy string) error {
	if policy != FreeTextRefuse {
		return nil
	}
	dir := map[string]bool{}
	for _, id := range cat.DirTemplates() {
		dir[id] = true
	}
	for _, t := range cat.List() {
		if !dir[t.ID] {
			continue
		}
		for _, p := range t.Params {
			if p.Type == templates.ParamText {
				return fmt.Errorf("templates directory (GATEWAY_TEMPLATES_DIR): %s: template %s has the text parameter %s, and its discreet variant would send free text to a monitored phone, which GATEWAY_MONITORED_FREE_TEXT=refuse (the default) forbids; use datetime, meeting_point or digits parameters, or choose the whole, plain, vocabulary or filter policy",
					t.File, t.ID, p.Name)
			}
		}
	}
	return nil
}
