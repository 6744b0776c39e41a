package referral

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"safecontact/consent"
	"safecontact/errs"
)

// SchemaV1 is the schema of the referral form this package reads and
// writes. A form states it in its "schema" field, which the signature
// covers.
const SchemaV1 = "safecontact/referral/v1"

// Validation codes. Consent's validators add invalid_initials,
// invalid_language, invalid_time_zone, invalid_window, invalid_channel and
// invalid_phone; DecodeForm adds invalid_json, unknown_field and
// real_name_forbidden.
const (
	CodeInvalidJSON        = "invalid_json"        // not one JSON object, or a value of the wrong type
	CodeUnknownField       = "unknown_field"       // a field the schema does not have
	CodeRealNameForbidden  = "real_name_forbidden" // a name-like field, anywhere in the form
	CodeFormTooLarge       = "form_too_large"      // more than MaxFormSize bytes
	CodeUnsupportedSchema  = "unsupported_schema"  // schema is not SchemaV1
	CodeMissingField       = "missing_field"       // a required field is empty
	CodeTooManyValues      = "too_many_values"     // a list is longer than its limit
	CodeInvalidAnswer      = "invalid_answer"      // not yes, no or unknown
	CodeMissingDetails     = "missing_details"     // a yes that must say more (threats: when and measures; imminent danger: details)
	CodeInconsistentAnswer = "inconsistent_answer" // when or measures given for threats that are not a yes
	CodeInvalidDate        = "invalid_date"        // not YYYY-MM-DD (or YYYY-MM where allowed), before 1900, or in the future
	CodeInvalidRole        = "invalid_role"        // risk evaluation role not in EvaluatorRoles
	CodeInvalidNeed        = "invalid_need"        // not in Needs
	CodeInvalidText        = "invalid_text"        // invalid UTF-8, a control or invisible format character, or longer than the field's limit
	CodeConsentRequired    = "referral_consent_required"
	CodeMissingEvidence    = "missing_evidence" // her agreement to be referred has no evidence reference
	CodeInvalidEvidence    = "invalid_evidence" // evidence longer than consent.MaxEvidenceLen or not one line
	CodeInvalidReference   = "invalid_reference"
)

// Limits on the form. They keep any valid form well inside MaxFormSize.
const (
	MaxFormSize        = 48 << 10 // bytes of JSON, canonical or not
	MaxLanguages       = 5
	MaxWindows         = 14
	MaxDetailsLen      = 1000 // characters of each question's details and of the threat measures
	MaxNeedsOtherLen   = 500
	MaxNotesLen        = 2000
	MaxSenderRefLen    = 40
	minYear            = 1900
	futureDateTolerate = 24 * time.Hour // a date is "today" somewhere on Earth a day ahead of UTC
)

// MinRiskEvaluationYear is the first year a risk evaluation may date from:
// here and in a participant's risk_evaluated_at (gateway/participant), so
// a form the gateway imports can be accepted.
const MinRiskEvaluationYear = 2000

// Answer is the answer to a safety question.
type Answer string

const (
	Yes     Answer = "yes"
	No      Answer = "no"
	Unknown Answer = "unknown"
)

// Question is one structured safety answer.
type Question struct {
	Answer  Answer `json:"answer"`
	Details string `json:"details,omitempty"` // facts, at most MaxDetailsLen characters
}

// Threats is question (e): has she been threatened lately, when, and what
// measures were taken. A yes needs When and Measures ("none yet" is a
// measure stated).
type Threats struct {
	Answer   Answer `json:"answer"`
	When     string `json:"when,omitempty"` // YYYY-MM-DD, or YYYY-MM when only the month is known
	Measures string `json:"measures,omitempty"`
	Details  string `json:"details,omitempty"`
}

// Safety holds the six questions asked before the first interview.
type Safety struct {
	CanCoincide         Question `json:"can_coincide"`          // (a) can she coincide with other users in the same space?
	ProtectedWitness    Question `json:"protected_witness"`     // (b) is she a protected witness?
	JudicialProcess     Question `json:"judicial_process"`      // (c) is she involved in a judicial process?
	LivesWithExploiters Question `json:"lives_with_exploiters"` // (d) does she still live or share spaces with traffickers or others currently exploited?
	RecentThreats       Threats  `json:"recent_threats"`        // (e) has she been threatened lately?
	ImminentDanger      Question `json:"imminent_danger"`       // (f) is there any imminent danger? (details required when yes)
}

// RiskEvaluation is the last risk evaluation known to the sender. An empty
// Date means none is known (the pre-evaluation then says one is due).
type RiskEvaluation struct {
	Date   string `json:"date,omitempty"`    // YYYY-MM-DD
	ByRole string `json:"by_role,omitempty"` // one of EvaluatorRoles: a role, never a person's name
}

// ReferralConsent records that she agreed to be referred.
type ReferralConsent struct {
	Agreed   bool   `json:"agreed"`         // must be true
	Evidence string `json:"evidence"`       // a form reference or "verbal, recorded by <role>", one line
	Date     string `json:"date,omitempty"` // YYYY-MM-DD
}

// Form is the referral form, schema SchemaV1. Fields without omitempty are
// required (lists may be empty where noted).
type Form struct {
	Schema         string   `json:"schema"`          // SchemaV1
	Initials       string   `json:"initials"`        // 1-4 letters (consent.ParseInitials)
	Languages      []string `json:"languages"`       // BCP 47, 1 to MaxLanguages, the one she prefers first
	NoticeLanguage string   `json:"notice_language"` // the language she understood the privacy notice in
	TimeZone       string   `json:"time_zone"`       // IANA zone of her safe windows
	SafeWindows    []string `json:"safe_windows"`    // consent.ParseWindow form; may be empty (the receiver's default window then applies)
	Monitored      Answer   `json:"monitored"`       // may her phone be monitored? yes/no/unknown, not a flag: the sender may not know, and unknown is treated as yes
	Channels       []string `json:"channels"`        // channels she agreed to be contacted on (sms, whatsapp, voice); may be empty
	Phone          string   `json:"phone,omitempty"` // optional, international format; normalised to E.164
	Needs          []string `json:"needs"`           // from Needs; with NeedsOther, at least one need
	NeedsOther     string   `json:"needs_other,omitempty"`
	// Consent is her agreement to this referral. It is not consent to be
	// contacted by the receiving organisation: that is recorded there.
	Consent        ReferralConsent `json:"referral_consent"`
	RiskEvaluation RiskEvaluation  `json:"risk_evaluation"`
	Safety         Safety          `json:"safety"`
	// SenderReference is the sender's own reference for her (e.g. its
	// participant code), so both teams can talk about the same referral.
	SenderReference string `json:"sender_reference,omitempty"`
	Notes           string `json:"notes,omitempty"` // anything else the receiving team must know; facts
}

// Need is an entry of the fixed list of needs.
type Need = string

// Needs is the fixed list of needs, in the order the canonical form keeps.
var Needs = []Need{
	"shelter",               // safe accommodation now
	"housing",               // longer-term housing
	"health",                // medical care, sexual and reproductive health
	"psychological_support", // psychological or psychiatric support
	"legal_advice",          // lawyer, rights as a victim, proceedings
	"documentation",         // identity and residence papers
	"employment",            // job search, labour rights
	"training",              // education, vocational training
	"language_classes",
	"childcare",
	"financial_support",
	"interpreter",
	"assisted_return", // voluntary return to her country
}

// EvaluatorRoles are the roles a risk evaluation may be recorded as done
// by. A role, never a person: the form carries no names.
var EvaluatorRoles = []string{
	"caseworker", "social_worker", "psychologist", "lawyer", "health_professional",
	"cultural_mediator", "police", "other_professional",
}

// formErr builds a validation error; messages name the field, never its
// content.
func formErr(code, field, format string, args ...any) *errs.Error {
	return errs.Field(code, field, format, args...)
}

// refield returns consent's error for a value at another path.
func refield(err error, field string) error {
	e := *errs.As(err)
	e.Field = field
	return &e
}

// DecodeForm reads a form from JSON (an API request or a package body):
// one JSON object of at most MaxFormSize bytes, nothing after it but white
// space, with no field the schema lacks. A name-like field anywhere is
// refused with real_name_forbidden, before any other unknown field. It
// does not validate: call Validate.
func DecodeForm(b []byte) (*Form, error) {
	var f Form
	if err := decodeStrict(b, &f, MaxFormSize); err != nil {
		return nil, err
	}
	return &f, nil
}

// placeholder stands in an error's field path for a key the schema does
// not have: such a key came from the input, and errors never carry input
// (a key can hold a name or a phone number as well as a value can).
const placeholder = "*"

// decodeStrict decodes one JSON object of at most max bytes into dst (a
// pointer to a struct), refusing name-like and unknown fields at any
// depth, wrong types and trailing data. An error's Field is built only
// from the schema's field names, list indexes, the placeholder and (for
// real_name_forbidden) the lower-cased name-like key; its Message takes
// nothing from the input.
func decodeStrict(b []byte, dst any, max int) error {
	if len(b) > max {
		return formErr(CodeFormTooLarge, "", "the JSON is larger than %d bytes", max)
	}
	if !utf8.Valid(b) {
		return formErr(CodeInvalidJSON, "", "the JSON is not valid UTF-8")
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return formErr(CodeInvalidJSON, "", "this is not valid JSON")
	}
	if !onlySpace(b[dec.InputOffset():]) {
		return formErr(CodeInvalidJSON, "", "there is data after the JSON object")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return formErr(CodeInvalidJSON, "", "the JSON is not an object")
	}
	t := reflect.TypeOf(dst).Elem()
	if err := checkNames(obj, t, ""); err != nil {
		return err
	}
	if err := checkFields(obj, t, ""); err != nil {
		return err
	}
	dec = json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && schemaPath(t, te.Field) {
			return formErr(CodeInvalidJSON, te.Field, "this field has a value of the wrong type (expected %s)", jsonType(te.Type))
		}
		return formErr(CodeInvalidJSON, "", "the JSON does not match the schema")
	}
	return nil
}

// onlySpace reports whether b is JSON white space only.
func onlySpace(b []byte) bool { return len(bytes.TrimLeft(b, " \t\r\n")) == 0 }

// jsonType names what a value of Go type t is in JSON.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct:
		return "an object"
	}
	return "another type"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same error for the same input
	return keys
}

// checkNames refuses a name-like key anywhere in v, the value of schema
// type t (nil inside something the schema does not have). The path names
// the schema's fields by their names and list elements by their indexes;
// whatever the schema does not have there (an unknown key, an object or a
// list where the schema has text) is one placeholder, however deep it
// goes.
func checkNames(v any, t reflect.Type, path string) error {
	unknown := path // the path of what the schema does not have here
	if t != nil {
		unknown = join(path, placeholder)
	}
	switch x := v.(type) {
	case map[string]any:
		keys := sortedKeys(x)
		for _, k := range keys {
			if consent.IsRealNameField(k) {
				return formErr(CodeRealNameForbidden, join(path, strings.ToLower(k)), "real names are never sent; identify her by initials (e.g. \"M.R.\")")
			}
		}
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		for _, k := range keys {
			var err error
			if ft, ok := fields[k]; ok {
				err = checkNames(x[k], ft, join(path, k))
			} else {
				err = checkNames(x[k], nil, unknown)
			}
			if err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			var err error
			if t != nil && t.Kind() == reflect.Slice {
				err = checkNames(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			} else {
				err = checkNames(e, nil, unknown)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// checkFields refuses keys of obj that struct type t does not have, and
// recurses into nested structs. The error names the object holding the
// unknown key (path.*) and lists the fields it may have.
func checkFields(obj map[string]any, t reflect.Type, path string) error {
	known := jsonFields(t)
	for _, k := range sortedKeys(obj) {
		ft, ok := known[k]
		if !ok {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			return formErr(CodeUnknownField, join(path, placeholder), "a field the schema does not have; the fields here are %s", strings.Join(names, ", "))
		}
		if sub, isObj := obj[k].(map[string]any); isObj && ft.Kind() == reflect.Struct {
			if err := checkFields(sub, ft, join(path, k)); err != nil {
				return err
			}
		}
	}
	return nil
}

// schemaPath reports whether field is a path of struct type t's JSON
// schema: field names joined by dots, a list field optionally followed by
// an index ("languages[1]").
func schemaPath(t reflect.Type, field string) bool {
	if field == "" {
		return false
	}
	for _, seg := range strings.Split(field, ".") {
		name, idx, indexed := strings.Cut(seg, "[")
		if t.Kind() != reflect.Struct {
			return false
		}
		ft, ok := jsonFields(t)[name]
		if !ok {
			return false
		}
		t = ft
		if indexed {
			n, ok := strings.CutSuffix(idx, "]")
			if !ok || t.Kind() != reflect.Slice || n == "" || strings.Trim(n, "0123456789") != "" {
				return false
			}
			t = t.Elem()
		}
	}
	return true
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

func jsonFields(t reflect.Type) map[string]reflect.Type {
	if v, ok := fieldCache.Load(t); ok {
		return v.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = t.Field(i).Type
		}
	}
	fieldCache.Store(t, m)
	return m
}

// Canonical returns the canonical JSON of v (see the package comment). It
// is meant for a validated form or receipt: Validate does the NFC and
// trimming the canonical form requires.
func Canonical(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// isCanonical reports whether b is the canonical encoding of v, which was
// decoded from b.
func isCanonical(b []byte, v any) bool {
	c, err := Canonical(v)
	return err == nil && bytes.Equal(c, b)
}

// lineBreaks makes every line break a line feed. U+2028 and U+2029 would
// otherwise be the only characters canonical JSON writes as six bytes
// (\u2028), and the size limits assume at most four bytes a character.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n")

// cleanText checks and normalises a free-text or one-line field: valid
// UTF-8, line breaks made LF, trimmed, NFC, no control character but the
// line feed of a multi-line field, no format character (Unicode Cf:
// bidirectional overrides and isolates, zero-width spaces and joiners, the
// byte-order mark, ...), at most max characters. Format characters are
// invisible: they can make text read otherwise than it is stored, and
// split a word so the discreet filter does not see it.
func cleanText(s, field string, max int, multiline bool) (string, error) {
	bad := formErr(CodeInvalidText, field, "must be text of at most %d characters%s, without control or invisible formatting characters", max, map[bool]string{true: "", false: " on one line"}[multiline])
	if !utf8.ValidString(s) {
		return "", bad
	}
	s = norm.NFC.String(strings.TrimSpace(lineBreaks.Replace(s)))
	if utf8.RuneCountInString(s) > max {
		return "", bad
	}
	for _, r := range s {
		if (unicode.IsControl(r) && !(multiline && r == '\n')) || unicode.Is(unicode.Cf, r) {
			return "", bad
		}
	}
	return s, nil
}

// parseAnswer normalises an answer; empty is missing.
func parseAnswer(a Answer, field string) (Answer, error) {
	switch v := Answer(strings.ToLower(strings.TrimSpace(string(a)))); v {
	case Yes, No, Unknown:
		return v, nil
	case "":
		return "", formErr(CodeMissingField, field, "every safety question needs an answer: yes, no or unknown")
	}
	return "", formErr(CodeInvalidAnswer, field, "the answer is yes, no or unknown")
}

// parseDate reads YYYY-MM-DD (or YYYY-MM if monthOK) not before 1900 and
// not after now; it returns the canonical text.
func parseDate(s, field string, monthOK bool, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	layouts := []string{time.DateOnly}
	if monthOK {
		layouts = append(layouts, "2006-01")
	}
	for _, l := range layouts {
		if len(s) != len(l) {
			continue
		}
		t, err := time.Parse(l, s)
		if err != nil || t.Year() < minYear {
			break
		}
		if t.After(now.Add(futureDateTolerate)) {
			return "", formErr(CodeInvalidDate, field, "the date is in the future")
		}
		return t.Format(l), nil
	}
	want := "YYYY-MM-DD"
	if monthOK {
		want += " or YYYY-MM"
	}
	return "", formErr(CodeInvalidDate, field, "a date is %s, from %d", want, minYear)
}

// dateOf is the start (UTC) of a canonical date or month.
func dateOf(s string) time.Time {
	for _, l := range []string{time.DateOnly, "2006-01"} {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// inOrder keeps the values of vs that are in list, without repeats, in
// list's order; the first value not in list is returned as bad.
func inOrder(vs []string, list []string) (out []string, bad int) {
	seen := map[string]bool{}
	for i, v := range vs {
		v = strings.ToLower(strings.TrimSpace(v))
		if !slices.Contains(list, v) {
			return nil, i
		}
		seen[v] = true
	}
	out = []string{}
	for _, v := range list {
		if seen[v] {
			out = append(out, v)
		}
	}
	return out, -1
}

// Validate checks f and normalises it in place (initials, language tags,
// zone, windows, channels, phone, answers, dates, text). It returns the
// first problem, checked in the order of the fields of Form, as an
// *errs.Error with one of the Code* constants (or consent's) and the path
// of the field at fault. now bounds dates: none may be in the future.
func (f *Form) Validate(now time.Time) error {
	if f.Schema != SchemaV1 {
		return formErr(CodeUnsupportedSchema, "schema", "this gateway reads referral forms of schema %s", SchemaV1)
	}
	var err error
	if f.Initials, err = consent.ParseInitials(f.Initials); err != nil {
		return err
	}
	if err := f.validateLanguages(); err != nil {
		return err
	}
	zone, err := consent.ParseTimeZone(f.TimeZone)
	if err != nil {
		return err
	}
	f.TimeZone = zone.String()
	if err := f.validateContact(); err != nil {
		return err
	}
	if err := f.validateNeeds(); err != nil {
		return err
	}
	if err := f.validateConsent(now); err != nil {
		return err
	}
	if err := f.validateRiskEvaluation(now); err != nil {
		return err
	}
	if err := f.Safety.validate(now); err != nil {
		return err
	}
	if f.SenderReference, err = cleanText(f.SenderReference, "sender_reference", MaxSenderRefLen, false); err != nil {
		return err
	}
	if strings.ContainsFunc(f.SenderReference, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./", r)))
	}) {
		return formErr(CodeInvalidReference, "sender_reference", "the sender's reference is a code of ASCII letters, digits and - _ . /, e.g. P-7K3QX")
	}
	f.Notes, err = cleanText(f.Notes, "notes", MaxNotesLen, true)
	return err
}

func (f *Form) validateLanguages() error {
	if len(f.Languages) == 0 {
		return formErr(CodeMissingField, "languages", "give at least one language she speaks (BCP 47, e.g. \"ro\"), the one she prefers first")
	}
	if len(f.Languages) > MaxLanguages {
		return formErr(CodeTooManyValues, "languages", "at most %d languages", MaxLanguages)
	}
	langs := []string{}
	for i, l := range f.Languages {
		tag, err := consent.ParseLanguage(l)
		if err != nil {
			return refield(err, fmt.Sprintf("languages[%d]", i))
		}
		if !slices.Contains(langs, tag) {
			langs = append(langs, tag)
		}
	}
	f.Languages = langs
	if strings.TrimSpace(f.NoticeLanguage) == "" {
		return formErr(CodeMissingField, "notice_language", "give the language she understood the privacy notice in")
	}
	tag, err := consent.ParseLanguage(f.NoticeLanguage)
	if err != nil {
		return refield(err, "notice_language")
	}
	f.NoticeLanguage = tag
	return nil
}

func (f *Form) validateContact() error {
	if len(f.SafeWindows) > MaxWindows {
		return formErr(CodeTooManyValues, "safe_windows", "at most %d safe windows", MaxWindows)
	}
	ws := []string{}
	for i, s := range f.SafeWindows {
		w, err := consent.ParseWindow(s)
		if err != nil {
			return refield(err, fmt.Sprintf("safe_windows[%d]", i))
		}
		if !slices.Contains(ws, w.String()) {
			ws = append(ws, w.String())
		}
	}
	f.SafeWindows = ws
	var err error
	if f.Monitored, err = parseAnswer(f.Monitored, "monitored"); err != nil {
		return err
	}
	names := make([]string, len(consent.Channels))
	for i, c := range consent.Channels {
		names[i] = string(c)
	}
	for i, c := range f.Channels {
		if _, err := consent.ParseChannel(c, false); err != nil {
			return refield(err, fmt.Sprintf("channels[%d]", i))
		}
	}
	f.Channels, _ = inOrder(f.Channels, names)
	if strings.TrimSpace(f.Phone) != "" {
		if f.Phone, err = consent.ParsePhone(f.Phone, "", "phone"); err != nil {
			return err
		}
	} else {
		f.Phone = ""
	}
	return nil
}

func (f *Form) validateNeeds() error {
	needs, bad := inOrder(f.Needs, Needs)
	if bad >= 0 {
		return formErr(CodeInvalidNeed, fmt.Sprintf("needs[%d]", bad), "needs come from the fixed list: %s (anything else goes in needs_other)", strings.Join(Needs, ", "))
	}
	f.Needs = needs
	var err error
	if f.NeedsOther, err = cleanText(f.NeedsOther, "needs_other", MaxNeedsOtherLen, true); err != nil {
		return err
	}
	if len(f.Needs) == 0 && f.NeedsOther == "" {
		return formErr(CodeMissingField, "needs", "give at least one need, from the list or in needs_other")
	}
	return nil
}

func (f *Form) validateConsent(now time.Time) error {
	c := &f.Consent
	if !c.Agreed {
		return formErr(CodeConsentRequired, "referral_consent.agreed", "a woman is referred only with her agreement: record it, with its evidence")
	}
	if strings.TrimSpace(c.Evidence) == "" {
		return formErr(CodeMissingEvidence, "referral_consent.evidence", "evidence is required: a signed-form reference or \"verbal, recorded by <role>\"")
	}
	ev, err := cleanText(c.Evidence, "referral_consent.evidence", consent.MaxEvidenceLen, false)
	if err != nil {
		return formErr(CodeInvalidEvidence, "referral_consent.evidence", "evidence is one line of at most %d characters", consent.MaxEvidenceLen)
	}
	c.Evidence = ev
	if strings.TrimSpace(c.Date) != "" {
		if c.Date, err = parseDate(c.Date, "referral_consent.date", false, now); err != nil {
			return err
		}
	} else {
		c.Date = ""
	}
	return nil
}

func (f *Form) validateRiskEvaluation(now time.Time) error {
	r := &f.RiskEvaluation
	r.ByRole = strings.ToLower(strings.TrimSpace(r.ByRole))
	if strings.TrimSpace(r.Date) == "" {
		r.Date = ""
		if r.ByRole != "" {
			return formErr(CodeMissingField, "risk_evaluation.date", "give the date of the risk evaluation, or neither date nor role if none is known")
		}
		return nil
	}
	var err error
	if r.Date, err = parseDate(r.Date, "risk_evaluation.date", false, now); err != nil {
		return err
	}
	if dateOf(r.Date).Year() < MinRiskEvaluationYear {
		return formErr(CodeInvalidDate, "risk_evaluation.date", "a risk evaluation dates from %d or later", MinRiskEvaluationYear)
	}
	if r.ByRole == "" {
		return formErr(CodeMissingField, "risk_evaluation.by_role", "say who did the risk evaluation, by role (%s)", strings.Join(EvaluatorRoles, ", "))
	}
	if !slices.Contains(EvaluatorRoles, r.ByRole) {
		return formErr(CodeInvalidRole, "risk_evaluation.by_role", "the role is one of %s; never a person's name", strings.Join(EvaluatorRoles, ", "))
	}
	return nil
}

func (q *Question) validate(field string, detailsRequired bool) error {
	var err error
	if q.Answer, err = parseAnswer(q.Answer, field+".answer"); err != nil {
		return err
	}
	if q.Details, err = cleanText(q.Details, field+".details", MaxDetailsLen, true); err != nil {
		return err
	}
	if detailsRequired && q.Answer == Yes && q.Details == "" {
		return formErr(CodeMissingDetails, field+".details", "a yes here needs the facts in details")
	}
	return nil
}

func (s *Safety) validate(now time.Time) error {
	for _, q := range []struct {
		q       *Question
		field   string
		details bool
	}{
		{&s.CanCoincide, "safety.can_coincide", false},
		{&s.ProtectedWitness, "safety.protected_witness", false},
		{&s.JudicialProcess, "safety.judicial_process", false},
		{&s.LivesWithExploiters, "safety.lives_with_exploiters", false},
	} {
		if err := q.q.validate(q.field, q.details); err != nil {
			return err
		}
	}
	t := &s.RecentThreats
	const tf = "safety.recent_threats"
	var err error
	if t.Answer, err = parseAnswer(t.Answer, tf+".answer"); err != nil {
		return err
	}
	if t.Measures, err = cleanText(t.Measures, tf+".measures", MaxDetailsLen, true); err != nil {
		return err
	}
	if t.Details, err = cleanText(t.Details, tf+".details", MaxDetailsLen, true); err != nil {
		return err
	}
	if strings.TrimSpace(t.When) == "" {
		t.When = ""
	} else if t.When, err = parseDate(t.When, tf+".when", true, now); err != nil {
		return err
	}
	switch {
	case t.Answer == Yes && t.When == "":
		return formErr(CodeMissingDetails, tf+".when", "threats need when they happened (YYYY-MM-DD, or YYYY-MM)")
	case t.Answer == Yes && t.Measures == "":
		return formErr(CodeMissingDetails, tf+".measures", "threats need the measures taken (\"none yet\" is an answer)")
	case t.Answer != Yes && (t.When != "" || t.Measures != ""):
		return formErr(CodeInconsistentAnswer, tf, "when and measures describe threats that happened: answer yes, or leave them empty")
	}
	return s.ImminentDanger.validate("safety.imminent_danger", true)
}
