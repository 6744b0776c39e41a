package templates

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// Variant selects the wording of a template.
type Variant string

const (
	// Standard may say who is writing and why; for phones only she reads.
	Standard Variant = "standard"
	// Discreet reads like a message from a friend; for phones someone else
	// may read. It must pass the discreet-content filter.
	Discreet Variant = "discreet"
)

// ParamType is the declared type of a template parameter.
type ParamType string

const (
	// ParamDatetime is an RFC 3339 instant, rendered in her language and
	// time zone ("martes 3 de junio, 10:00").
	ParamDatetime ParamType = "datetime"
	// ParamMeetingPoint is the neutral name of a public place (a metro or
	// bus stop), never a street address.
	ParamMeetingPoint ParamType = "meeting_point"
	// ParamText is a short single-line free text.
	ParamText ParamType = "text"
	// ParamDigits is a short code of 1 to 6 digits (e.g. a check-in reply
	// code). Six digits at most so it can never look like a phone number.
	ParamDigits ParamType = "digits"
	// ParamMinutes is a number of minutes from 1 to 180 written without a
	// leading zero (e.g. how late the sender is): never 0, 000 or a
	// number that could be a helpline.
	ParamMinutes ParamType = "minutes"
)

// Channel names a template may declare.
const (
	ChannelSMS      = "sms"
	ChannelWhatsApp = "whatsapp"
	ChannelVoice    = "voice"
)

// ShippedLanguages are the languages every built-in template carries.
var ShippedLanguages = []string{"es", "ca", "it", "en", "fr", "pt", "ro"}

// fallbackLang is used when nothing else matches; every template has it.
const fallbackLang = "en"

// Param is one declared parameter of a template.
type Param struct {
	Name string    `json:"name"`
	Type ParamType `json:"type"`
}

// TemplateInfo describes one template of the catalogue.
type TemplateInfo struct {
	ID          string   `json:"id"`
	Version     int      `json:"version"`
	Description string   `json:"description,omitempty"`
	Params      []Param  `json:"params"`
	Channels    []string `json:"channels"`
	Languages   []string `json:"languages"`
	// WhatsAppContent lists "lang/variant" pairs that have a WhatsApp
	// Content template (ContentSid) configured.
	WhatsAppContent []string `json:"whatsapp_content,omitempty"`
	// Promises is the template's "promises" header ("call at {when}"),
	// "" when it promises nothing.
	Promises string `json:"promises,omitempty"`
	// File is the file the template came from ("builtin/x.tmpl" or a
	// path in the deployment's directory).
	File string `json:"file"`
	// Source is SourceBuiltin or SourceDeployment, and Digest the hex
	// SHA-256 of the file's bytes as read: with ID and Version, which
	// text a message was rendered from (see Rendered).
	Source string `json:"source"`
	Digest string `json:"digest"`
}

// Where a template's file came from (TemplateInfo.Source,
// Rendered.Source, a message's template_source).
const (
	// SourceBuiltin: embedded in the binary (templates/builtin).
	SourceBuiltin = "builtin"
	// SourceDeployment: read from the deployment's templates directory
	// (Load), a new template or one replacing a built-in.
	SourceDeployment = "deployment"
)

// DigestPrefixLen is how many hex digits of a digest the console and
// the CLI show (48 bits: two different texts of one id and version in
// one programme do not share a prefix by chance).
const DigestPrefixLen = 12

// ShortDigest is the first DigestPrefixLen hex digits of digest (all of
// it when shorter).
func ShortDigest(digest string) string {
	if len(digest) > DigestPrefixLen {
		return digest[:DigestPrefixLen]
	}
	return digest
}

// part of a compiled body: a literal, or a parameter reference.
type part struct {
	lit   string
	param int  // index into template.Params, or -1 for a literal
	at    bool // {param.at}: the meeting point's at form (atform.go)
}

type body struct {
	parts []part
	raw   string
}

type bodyKey struct {
	variant Variant
	channel string // "" = default for every channel
}

type waVar struct {
	key   string // "1", "2", ...
	param int
	at    bool // N=param.at
}

type waContent struct {
	sid  string
	vars []waVar
}

type langTemplate struct {
	lang     string // canonical BCP 47, e.g. "es", "pt-BR"
	bodies   map[bodyKey]*body
	whatsapp map[Variant]*waContent
	// usesAt[i]: a body or WhatsApp variable of this language writes
	// {param.at} for parameter i.
	usesAt []bool
}

type template struct {
	id          string
	version     int
	description string
	channels    []string
	params      []Param
	paramIdx    map[string]int
	langs       map[string]*langTemplate
	langList    []string // sorted
	matchLangs  []string // fallback first, aligned with matcher
	matcher     language.Matcher
	file        string // the file's name, for errors and listings
	// source (SourceBuiltin or SourceDeployment) and digest (hex SHA-256
	// of the file's bytes as read, before any parsing) say exactly which
	// text this is: a version number is the author's promise, the digest
	// is what was loaded, so two deployments (or one before and after an
	// edit without a version bump) never pass off different texts as one.
	source string
	digest string
	// callAt is the datetime parameter the text promises a call at (the
	// "promises: call at {when}" header), "" when it promises none.
	callAt     string
	callAtLine int
}

// Catalog is an immutable set of parsed, validated templates. It is safe
// for concurrent use.
type Catalog struct {
	tmpl   map[string]*template
	filter *Filter
	// dirIDs are the ids of the templates Load read from its directory
	// (added or overriding a built-in), sorted.
	dirIDs []string
}

//go:embed builtin/*.tmpl
var builtinFS embed.FS

var (
	builtinOnce sync.Once
	builtinCat  *Catalog
	builtinErr  error
)

// Builtin returns the embedded catalogue, parsed and validated (every
// discreet variant passes the built-in filter). The result is shared and
// immutable.
func Builtin() (*Catalog, error) {
	builtinOnce.Do(func() {
		builtinCat, builtinErr = loadBuiltin()
	})
	return builtinCat, builtinErr
}

func loadBuiltin() (*Catalog, error) {
	f, err := builtinFilter()
	if err != nil {
		return nil, err
	}
	c := &Catalog{tmpl: map[string]*template{}, filter: f}
	entries, err := fs.Glob(builtinFS, "builtin/*.tmpl")
	if err != nil {
		return nil, err
	}
	sort.Strings(entries)
	for _, name := range entries {
		data, err := builtinFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		t, err := parseTemplate(name, data)
		if err != nil {
			return nil, err
		}
		t.source = SourceBuiltin
		if _, dup := c.tmpl[t.id]; dup {
			return nil, newErr(CodeInvalidTemplate, "", fmt.Sprintf("%s: template id %q defined twice", name, t.id))
		}
		for _, l := range ShippedLanguages {
			if _, ok := t.langs[l]; !ok {
				return nil, newErr(CodeInvalidTemplate, "", fmt.Sprintf("%s: built-in template lacks language %q", name, l))
			}
		}
		c.tmpl[t.id] = t
	}
	if err := c.checkDiscreet(f); err != nil {
		return nil, err
	}
	return c, nil
}

// Load returns the built-in catalogue plus the templates of dir: every
// file there whose name ends in ".tmpl" (not recursive) is parsed; a dir
// that cannot be read, is not a directory or holds no such file is an
// error (never the built-in catalogue alone); a template whose id is a
// built-in one replaces it entirely and must carry a higher version, the
// built-in's parameters (same names and types), at least its channels
// and languages, and its "promises" header if it has one (a promise of a
// call is checked against her voice consent and safe hours only when the
// template says it makes one); any other id is added. Discreet variants of the result are checked against the
// built-in filter; use CheckDiscreet with the deployment's filter too.
// dir == "" returns Builtin().
func Load(dir string) (*Catalog, error) {
	base, err := Builtin()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return base, nil
	}
	// ReadDir, not Glob: a directory that cannot be listed, or a path that
	// is a file, is an error rather than an empty match that would leave
	// the built-in texts in force.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, newErr(CodeInvalidTemplate, "", fmt.Sprintf("template directory %s: %v", dir, err))
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmpl") {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	if len(names) == 0 {
		return nil, newErr(CodeInvalidTemplate, "", fmt.Sprintf("template directory %s holds no *.tmpl file (names are case-sensitive); unset it to use the built-in templates", dir))
	}
	sort.Strings(names)
	c := &Catalog{tmpl: make(map[string]*template, len(base.tmpl)+len(names)), filter: base.filter}
	for id, t := range base.tmpl {
		c.tmpl[id] = t
	}
	seen := map[string]string{}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, newErr(CodeInvalidTemplate, "", fmt.Sprintf("%s: %v", name, err))
		}
		t, err := parseTemplate(name, data)
		if err != nil {
			return nil, err
		}
		t.source = SourceDeployment
		if prev, dup := seen[t.id]; dup {
			return nil, newErr(CodeInvalidTemplate, "", fmt.Sprintf("%s: template id %q already defined in %s", name, t.id, prev))
		}
		seen[t.id] = name
		if old, ok := base.tmpl[t.id]; ok && t.version <= old.version {
			return nil, newErr(CodeInvalidTemplate, "", fmt.Sprintf("%s: overrides built-in %q version %d and must carry a higher version (has %d), so each sent message records which text it used", name, t.id, old.version, t.version))
		}
		if old, ok := base.tmpl[t.id]; ok {
			if why := overrideBreaks(old, t); why != "" {
				return nil, newErr(CodeInvalidTemplate, "", fmt.Sprintf("%s: overrides built-in %q but %s; the gateway sends this template on its own (check-ins, reminders) with the built-in's parameters, channels and languages", name, t.id, why))
			}
			if old.callAt != "" && t.callAt != old.callAt {
				return nil, newErr(CodeInvalidTemplate, "", fmt.Sprintf("%s: overrides built-in %q but does not keep its header \"promises: call at {%s}\"; without it a promise of a call would be sent without checking her voice consent and safe hours at that time; keep the header", name, t.id, old.callAt))
			}
		}
		c.tmpl[t.id] = t
		c.dirIDs = append(c.dirIDs, t.id)
	}
	sort.Strings(c.dirIDs)
	if err := c.checkDiscreet(c.filter); err != nil {
		return nil, err
	}
	return c, nil
}

// ParamNames returns the names of every parameter of template id, in
// declaration order (none for an unknown id).
func (c *Catalog) ParamNames(id string) []string {
	t := c.tmpl[id]
	if t == nil {
		return nil
	}
	out := make([]string, len(t.params))
	for i, p := range t.params {
		out[i] = p.Name
	}
	return out
}

// TextParams returns the names of the text parameters of template id, in
// declaration order (none for an unknown id).
func (c *Catalog) TextParams(id string) []string { return c.paramsOf(id, ParamText) }

// MeetingPointParams returns the names of the meeting_point parameters of
// template id, in declaration order (none for an unknown id): the ones a
// caller gives at forms for (RenderRequest.AtForms).
func (c *Catalog) MeetingPointParams(id string) []string { return c.paramsOf(id, ParamMeetingPoint) }

func (c *Catalog) paramsOf(id string, typ ParamType) []string {
	t := c.tmpl[id]
	if t == nil {
		return nil
	}
	var out []string
	for _, p := range t.params {
		if p.Type == typ {
			out = append(out, p.Name)
		}
	}
	return out
}

// PromisedCall returns the datetime parameter at which template id
// promises her a call (its "promises: call at {param}" header), and
// whether it promises one (false for an unknown id).
func (c *Catalog) PromisedCall(id string) (param string, ok bool) {
	t := c.tmpl[id]
	if t == nil || t.callAt == "" {
		return "", false
	}
	return t.callAt, true
}

// DirTemplates returns the ids of the templates read from Load's directory
// (new ones and overrides of built-ins), sorted; none for Builtin().
func (c *Catalog) DirTemplates() []string { return append([]string(nil), c.dirIDs...) }

// overrideBreaks says how t, an override of the built-in old, would break
// what the gateway renders with old's contract ("" if it keeps it): it must
// declare exactly old's parameters (names and types) and at least old's
// channels and languages.
func overrideBreaks(old, t *template) string {
	for _, p := range old.params {
		i, ok := t.paramIdx[p.Name]
		if !ok {
			return fmt.Sprintf("lacks param %s (%s)", p.Name, p.Type)
		}
		if t.params[i].Type != p.Type {
			return fmt.Sprintf("declares param %s as %s, the built-in as %s", p.Name, t.params[i].Type, p.Type)
		}
	}
	for _, p := range t.params {
		if _, ok := old.paramIdx[p.Name]; !ok {
			return fmt.Sprintf("declares param %s, which the built-in does not have", p.Name)
		}
	}
	for _, ch := range old.channels {
		found := false
		for _, x := range t.channels {
			found = found || x == ch
		}
		if !found {
			return fmt.Sprintf("drops channel %s", ch)
		}
	}
	for _, l := range old.langList {
		if t.langs[l] == nil {
			return fmt.Sprintf("drops language %s", l)
		}
	}
	return ""
}

// WithFilter returns a copy of the catalogue that checks parameters and
// discreet renderings with f (typically the deployment's filter, built with
// its own organisation and street names). The receiver is not modified.
func (c *Catalog) WithFilter(f *Filter) *Catalog {
	return &Catalog{tmpl: c.tmpl, filter: f, dirIDs: c.dirIDs}
}

// Filter returns the filter the catalogue checks discreet renderings with.
func (c *Catalog) Filter() *Filter { return c.filter }

// List describes every template, sorted by id.
func (c *Catalog) List() []TemplateInfo {
	out := make([]TemplateInfo, 0, len(c.tmpl))
	for _, t := range c.tmpl {
		info := TemplateInfo{
			ID: t.id, Version: t.version, Description: t.description,
			Params:    append([]Param(nil), t.params...),
			Channels:  append([]string(nil), t.channels...),
			Languages: append([]string(nil), t.langList...),
			File:      t.file, Source: t.source, Digest: t.digest,
		}
		if t.callAt != "" {
			info.Promises = "call at {" + t.callAt + "}"
		}
		for _, l := range t.langList {
			for _, v := range []Variant{Standard, Discreet} {
				if t.langs[l].whatsapp[v] != nil {
					info.WhatsAppContent = append(info.WhatsAppContent, l+"/"+string(v))
				}
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ---------------------------------------------------------------------------
// Parsing

func isIdent(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func isChannel(s string) bool {
	return s == ChannelSMS || s == ChannelWhatsApp || s == ChannelVoice
}

func validParamType(t ParamType) bool {
	switch t {
	case ParamDatetime, ParamMeetingPoint, ParamText, ParamDigits, ParamMinutes:
		return true
	}
	return false
}

func validVariant(v Variant) bool { return v == Standard || v == Discreet }

// maxBodyChars bounds a template body: ten SMS segments.
const maxBodyChars = 1530

type section struct {
	lang    string
	key     bodyKey
	line    int
	paras   []string
	current []string
}

type waLine struct {
	lang    string
	variant Variant
	sid     string
	vars    []string // "1=when"
	line    int
}

// parseTemplate parses and validates one template file.
func parseTemplate(name string, data []byte) (*template, error) {
	fail := func(line int, format string, args ...any) error {
		where := name
		if line > 0 {
			where = fmt.Sprintf("%s:%d", name, line)
		}
		return newErr(CodeInvalidTemplate, "", where+": "+fmt.Sprintf(format, args...))
	}
	sum := sha256.Sum256(data)
	t := &template{file: name, digest: hex.EncodeToString(sum[:]), paramIdx: map[string]int{}, langs: map[string]*langTemplate{}}
	var sections []*section
	var wa []waLine
	var cur *section
	seenKeys := map[string]bool{}
	lines := strings.Split(string(data), "\n")
	for i, raw := range lines {
		ln := i + 1
		line := strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
			f := strings.Fields(trimmed[1 : len(trimmed)-1])
			if len(f) < 2 || len(f) > 3 {
				return nil, fail(ln, "section header must be [lang variant] or [lang variant channel]")
			}
			tag, err := language.Parse(f[0])
			if err != nil || tag == language.Und {
				return nil, fail(ln, "section language %q is not a BCP 47 tag", f[0])
			}
			v := Variant(f[1])
			if !validVariant(v) {
				return nil, fail(ln, "variant must be standard or discreet, not %q", f[1])
			}
			key := bodyKey{variant: v}
			if len(f) == 3 {
				if !isChannel(f[2]) {
					return nil, fail(ln, "unknown channel %q in section header", f[2])
				}
				key.channel = f[2]
			}
			cur = &section{lang: tag.String(), key: key, line: ln}
			sections = append(sections, cur)
			continue
		}
		if cur != nil {
			if trimmed == "" {
				if len(cur.current) > 0 {
					cur.paras = append(cur.paras, strings.Join(cur.current, " "))
					cur.current = nil
				}
				continue
			}
			if strings.ContainsAny(trimmed, "\t") {
				return nil, fail(ln, "tab characters are not allowed in a body")
			}
			cur.current = append(cur.current, trimmed)
			continue
		}
		// Header.
		if trimmed == "" {
			continue
		}
		colon := strings.Index(trimmed, ":")
		if colon < 0 {
			return nil, fail(ln, "expected \"key: value\" or a [lang variant] section")
		}
		key := strings.TrimSpace(trimmed[:colon])
		val := strings.TrimSpace(trimmed[colon+1:])
		kf := strings.Fields(key)
		if len(kf) == 0 {
			return nil, fail(ln, "empty key")
		}
		switch kf[0] {
		case "id", "version", "description", "channels", "promises":
			if len(kf) != 1 {
				return nil, fail(ln, "malformed key %q", key)
			}
			if seenKeys[kf[0]] {
				return nil, fail(ln, "%s given twice", kf[0])
			}
			seenKeys[kf[0]] = true
		}
		switch kf[0] {
		case "id":
			if !isIdent(val) {
				return nil, fail(ln, "id must be lower-case letters, digits and underscores")
			}
			t.id = val
		case "version":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 1_000_000 {
				return nil, fail(ln, "version must be a positive integer")
			}
			t.version = n
		case "description":
			t.description = val
		case "channels":
			seen := map[string]bool{}
			for _, ch := range strings.Split(val, ",") {
				ch = strings.TrimSpace(ch)
				if !isChannel(ch) {
					return nil, fail(ln, "unknown channel %q (sms, whatsapp, voice)", ch)
				}
				if seen[ch] {
					return nil, fail(ln, "channel %q listed twice", ch)
				}
				seen[ch] = true
				t.channels = append(t.channels, ch)
			}
		case "promises":
			// The one promise so far: a call at a datetime parameter. The
			// parameter is checked once every param line is read.
			f := strings.Fields(val)
			if len(f) != 3 || f[0] != "call" || f[1] != "at" || len(f[2]) < 3 || f[2][0] != '{' || f[2][len(f[2])-1] != '}' || !isIdent(f[2][1:len(f[2])-1]) {
				return nil, fail(ln, "promises must be \"call at {param}\", naming a datetime param")
			}
			t.callAt, t.callAtLine = f[2][1:len(f[2])-1], ln
		case "param":
			if len(kf) != 2 || !isIdent(kf[1]) {
				return nil, fail(ln, "expected \"param NAME: TYPE\" with a lower-case name")
			}
			if _, dup := t.paramIdx[kf[1]]; dup {
				return nil, fail(ln, "param %q declared twice", kf[1])
			}
			pt := ParamType(val)
			if !validParamType(pt) {
				return nil, fail(ln, "param type must be datetime, meeting_point, text, digits or minutes, not %q", val)
			}
			t.paramIdx[kf[1]] = len(t.params)
			t.params = append(t.params, Param{Name: kf[1], Type: pt})
		case "whatsapp":
			if len(kf) != 3 {
				return nil, fail(ln, "expected \"whatsapp LANG VARIANT: CONTENTSID [N=param ...]\"")
			}
			tag, err := language.Parse(kf[1])
			if err != nil {
				return nil, fail(ln, "whatsapp language %q is not a BCP 47 tag", kf[1])
			}
			v := Variant(kf[2])
			if !validVariant(v) {
				return nil, fail(ln, "whatsapp variant must be standard or discreet")
			}
			vf := strings.Fields(val)
			if len(vf) == 0 {
				return nil, fail(ln, "whatsapp line lacks a ContentSid")
			}
			wa = append(wa, waLine{lang: tag.String(), variant: v, sid: vf[0], vars: vf[1:], line: ln})
		default:
			return nil, fail(ln, "unknown key %q", kf[0])
		}
	}
	for _, s := range sections {
		if len(s.current) > 0 {
			s.paras = append(s.paras, strings.Join(s.current, " "))
			s.current = nil
		}
	}

	// Header validation.
	if t.id == "" {
		return nil, fail(0, "missing id")
	}
	if t.version == 0 {
		return nil, fail(0, "missing version")
	}
	if len(t.channels) == 0 {
		return nil, fail(0, "missing channels")
	}
	if t.callAt != "" {
		i, ok := t.paramIdx[t.callAt]
		if !ok {
			return nil, fail(t.callAtLine, "promises a call at {%s}, which is not a declared param", t.callAt)
		}
		if t.params[i].Type != ParamDatetime {
			return nil, fail(t.callAtLine, "promises a call at {%s}, a %s param; the time of a call is a datetime param", t.callAt, t.params[i].Type)
		}
	}
	hasChannel := func(ch string) bool {
		for _, c := range t.channels {
			if c == ch {
				return true
			}
		}
		return false
	}

	// Bodies.
	for _, s := range sections {
		lt := t.langs[s.lang]
		if lt == nil {
			lt = &langTemplate{lang: s.lang, bodies: map[bodyKey]*body{}, whatsapp: map[Variant]*waContent{}, usesAt: make([]bool, len(t.params))}
			t.langs[s.lang] = lt
		}
		if _, dup := lt.bodies[s.key]; dup {
			return nil, fail(s.line, "section [%s %s %s] given twice", s.lang, s.key.variant, s.key.channel)
		}
		if s.key.channel != "" && !hasChannel(s.key.channel) {
			return nil, fail(s.line, "section for channel %q, which the template does not declare", s.key.channel)
		}
		text := strings.Join(s.paras, "\n")
		if text == "" {
			return nil, fail(s.line, "empty body")
		}
		b, err := compileBody(text, t.paramIdx)
		if err != nil {
			return nil, fail(s.line, "%s", err.Error())
		}
		used := make([]bool, len(t.params))
		for _, p := range b.parts {
			if p.param >= 0 {
				used[p.param] = true
			}
			if p.at {
				if err := t.checkAt(p.param, s.lang); err != nil {
					return nil, fail(s.line, "%s", err.Error())
				}
				lt.usesAt[p.param] = true
			}
		}
		for i, u := range used {
			if !u {
				return nil, fail(s.line, "body does not use param %q (every body must use every param)", t.params[i].Name)
			}
		}
		if n := len([]rune(text)); n > maxBodyChars {
			return nil, fail(s.line, "body is %d characters; at most %d", n, maxBodyChars)
		}
		lt.bodies[s.key] = b
	}
	if len(t.langs) == 0 {
		return nil, fail(0, "no [lang variant] sections")
	}
	for l, lt := range t.langs {
		for _, v := range []Variant{Standard, Discreet} {
			if lt.bodies[bodyKey{variant: v}] == nil {
				return nil, fail(0, "language %q lacks a [%s %s] section", l, l, v)
			}
		}
	}
	if t.langs[fallbackLang] == nil {
		return nil, fail(0, "every template needs English (%q), the last fallback", fallbackLang)
	}

	// WhatsApp content.
	for _, w := range wa {
		if !hasChannel(ChannelWhatsApp) {
			return nil, fail(w.line, "whatsapp content given but the template does not declare the whatsapp channel")
		}
		lt := t.langs[w.lang]
		if lt == nil {
			return nil, fail(w.line, "whatsapp content for language %q, which has no sections", w.lang)
		}
		if lt.whatsapp[w.variant] != nil {
			return nil, fail(w.line, "whatsapp content for %s %s given twice", w.lang, w.variant)
		}
		if !validContentSID(w.sid) {
			return nil, fail(w.line, "ContentSid must be HX followed by 32 hex digits")
		}
		wc := &waContent{sid: w.sid}
		seen := map[string]bool{}
		for i, kv := range w.vars {
			eq := strings.IndexByte(kv, '=')
			if eq < 0 {
				return nil, fail(w.line, "whatsapp variable %q must be N=param", kv)
			}
			k, p := kv[:eq], kv[eq+1:]
			if k != strconv.Itoa(i+1) {
				return nil, fail(w.line, "whatsapp variables must be numbered 1, 2, 3... in order")
			}
			name, at := strings.CutSuffix(p, atSuffix)
			idx, ok := t.paramIdx[name]
			if !ok {
				return nil, fail(w.line, "whatsapp variable %s refers to undeclared param %q", k, p)
			}
			if seen[p] {
				return nil, fail(w.line, "whatsapp variables use param %q twice", p)
			}
			seen[p] = true
			if at {
				if err := t.checkAt(idx, w.lang); err != nil {
					return nil, fail(w.line, "%s", err.Error())
				}
				lt.usesAt[idx] = true
			}
			wc.vars = append(wc.vars, waVar{key: k, param: idx, at: at})
		}
		lt.whatsapp[w.variant] = wc
	}

	// Language matching: fallback first (a Matcher answers its first tag
	// when nothing matches), then the rest sorted.
	for l := range t.langs {
		t.langList = append(t.langList, l)
	}
	sort.Strings(t.langList)
	t.matchLangs = []string{fallbackLang}
	for _, l := range t.langList {
		if l != fallbackLang {
			t.matchLangs = append(t.matchLangs, l)
		}
	}
	tags := make([]language.Tag, len(t.matchLangs))
	for i, l := range t.matchLangs {
		tags[i] = language.MustParse(l)
	}
	t.matcher = language.NewMatcher(tags)
	return t, nil
}

func validContentSID(s string) bool {
	if len(s) != 34 || s[:2] != "HX" {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// atSuffix after a parameter's name ({place.at}) asks for its at form.
const atSuffix = ".at"

// checkAt: parameter idx may be written {name.at} in a body of lang, being
// a meeting point and lang having a default construction.
func (t *template) checkAt(idx int, lang string) error {
	p := t.params[idx]
	if p.Type != ParamMeetingPoint {
		return fmt.Errorf("{%s%s}: only a meeting_point param has an at form, and %s is %s", p.Name, atSuffix, p.Name, p.Type)
	}
	if DefaultAtForm(lang, "x") == "" {
		return fmt.Errorf("{%s%s} in language %s, which has no at forms (%s)", p.Name, atSuffix, lang, strings.Join(AtFormLanguages, ", "))
	}
	return nil
}

// compileBody splits text into literals and {param} / {param.at}
// references.
func compileBody(text string, params map[string]int) (*body, error) {
	b := &body{raw: text}
	lit := strings.Builder{}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case '{':
			end := strings.IndexByte(text[i+1:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unclosed { in body")
			}
			ref := text[i+1 : i+1+end]
			name, at := strings.CutSuffix(ref, atSuffix)
			idx, ok := params[name]
			if !ok {
				return nil, fmt.Errorf("body refers to undeclared param {%s}", ref)
			}
			if lit.Len() > 0 {
				b.parts = append(b.parts, part{lit: lit.String(), param: -1})
				lit.Reset()
			}
			b.parts = append(b.parts, part{param: idx, at: at})
			i += end + 1
		case '}':
			return nil, fmt.Errorf("stray } in body")
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		b.parts = append(b.parts, part{lit: lit.String(), param: -1})
	}
	return b, nil
}

// SampleParams returns neutral sample values for a template's parameters
// (used to validate discreet variants and by tests).
func SampleParams(params []Param) map[string]string {
	m := make(map[string]string, len(params))
	for _, p := range params {
		switch p.Type {
		case ParamDatetime:
			m[p.Name] = "2025-06-03T08:00:00Z"
		case ParamMeetingPoint:
			m[p.Name] = sampleMeetingPoint
		case ParamText:
			m[p.Name] = "hola"
		case ParamDigits:
			m[p.Name] = "1234"
		case ParamMinutes:
			m[p.Name] = "15"
		}
	}
	return m
}

// sampleMeetingPoint is the meeting point SampleParams renders with.
const sampleMeetingPoint = "Metro Sol"

// CheckDiscreet renders every discreet body of every template and language
// (each channel's own body too) with sample parameters, and fails if f
// finds anything in one. Load runs it with the built-in filter; a
// deployment runs it with its own filter (its organisation name, staff and
// street names) at start-up. The error names the file, language, channel
// and category, never the matched words (a term of the deployment's terms
// file must not reach a log).
func (c *Catalog) CheckDiscreet(f *Filter) error { return c.scanDiscreet(f, nil) }

// CheckDirDiscreet checks the discreet bodies of the templates read from
// Load's directory as text to a monitored phone is scanned: in the body's
// language, reporting names the filter cannot place when unknownNames is
// set (the sample meeting point is a known name), and the risky everyday
// phrases when plain is set (ScanOptions.Plain: the plain and whole
// policies, which send free text only when nothing is found in it). A
// deployment's own text ("desde Casa Lumbre", "te paso a buscar") is held
// to the same rules as free text.
func (c *Catalog) CheckDirDiscreet(f *Filter, unknownNames, plain bool) error {
	dir := make(map[string]bool, len(c.dirIDs))
	for _, id := range c.dirIDs {
		dir[id] = true
	}
	return c.scanDiscreet(f, func(id, lang string) (ScanOptions, bool) {
		return ScanOptions{Lang: lang, UnknownNames: unknownNames, Plain: plain, KnownNames: []string{sampleMeetingPoint}}, dir[id]
	})
}

func (c *Catalog) checkDiscreet(f *Filter) error { return c.scanDiscreet(f, nil) }

// scanDiscreet renders the discreet bodies and scans each: with f.Scan when
// opts is nil, else with f.ScanWith(opts(id, lang)) for the templates opts
// selects.
func (c *Catalog) scanDiscreet(f *Filter, opts func(id, lang string) (ScanOptions, bool)) error {
	plain := &Catalog{tmpl: c.tmpl} // render without the filter, scan here
	ids := make([]string, 0, len(c.tmpl))
	for id := range c.tmpl {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t := c.tmpl[id]
		for _, l := range t.langList {
			var o ScanOptions
			if opts != nil {
				var ok bool
				if o, ok = opts(id, l); !ok {
					continue
				}
			}
			for key := range t.langs[l].bodies {
				if key.variant != Discreet {
					continue
				}
				chans := t.channels
				if key.channel != "" {
					chans = []string{key.channel}
				}
				for _, ch := range chans {
					r, err := plain.Render(RenderRequest{TemplateID: id, Lang: l, Variant: Discreet, Channel: ch,
						Params: SampleParams(t.params), TimeZone: "Europe/Madrid"})
					if err != nil {
						return newErr(CodeInvalidTemplate, "", fmt.Sprintf("%s: [%s discreet %s] does not render: %v", t.file, l, ch, err))
					}
					var fs []Finding
					if opts == nil {
						fs = f.Scan(r.Text)
					} else {
						fs = f.ScanWith(r.Text, o)
					}
					if len(fs) > 0 {
						return newErr(CodeInvalidTemplate, "", fmt.Sprintf("%s: [%s discreet] for %s carries %s content; a discreet variant must pass the filter",
							t.file, l, ch, fs[0].Category))
					}
				}
			}
		}
	}
	return nil
}
