package referral

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"safecontact/consent"
	"safecontact/errs"
)

// now is the clock of the tests.
var now = time.Date(2026, 6, 2, 10, 0, 0, 0, time.UTC)

// validForm is a complete, valid form as a sender's staff would type it
// (not yet normalised).
func validForm() *Form {
	return &Form{
		Schema:         SchemaV1,
		Initials:       "m. r.",
		Languages:      []string{"RO", "es", "ro"},
		NoticeLanguage: "ro",
		TimeZone:       " Europe/Madrid ",
		SafeWindows:    []string{"MON-FRI 10:00-12:00", "sat 18:00-20:00"},
		Monitored:      "Unknown",
		Channels:       []string{"voice", "SMS"},
		Phone:          "+34 612 345 678",
		Needs:          []string{"legal_advice", "housing", "housing"},
		NeedsOther:     "Winter clothes for two children.",
		Consent:        ReferralConsent{Agreed: true, Evidence: "signed form R-2026-014", Date: "2026-05-28"},
		RiskEvaluation: RiskEvaluation{Date: "2026-04-15", ByRole: "Social_Worker"},
		Safety: Safety{
			CanCoincide:         Question{Answer: "no", Details: "Another woman from the same network attends group sessions there."},
			ProtectedWitness:    Question{Answer: "no"},
			JudicialProcess:     Question{Answer: "yes", Details: "Criminal case open since March 2026."},
			LivesWithExploiters: Question{Answer: "no"},
			RecentThreats:       Threats{Answer: "yes", When: "2026-05", Measures: "Changed her phone number; the police were informed."},
			ImminentDanger:      Question{Answer: "no"},
		},
		SenderReference: "P-7K3QX",
		Notes:           "First interview in Romanian, please.\r\nShe prefers mornings.",
	}
}

func mustValid(t *testing.T) *Form {
	t.Helper()
	f := validForm()
	if err := f.Validate(now); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestValidateNormalises(t *testing.T) {
	f := mustValid(t)
	checks := []struct{ got, want any }{
		{f.Initials, "MR"},
		{strings.Join(f.Languages, ","), "ro,es"},
		{f.TimeZone, "Europe/Madrid"},
		{strings.Join(f.SafeWindows, ","), "mon-fri 10:00-12:00,sat 18:00-20:00"},
		{f.Monitored, Unknown},
		{strings.Join(f.Channels, ","), "sms,voice"},
		{f.Phone, "+34612345678"},
		{strings.Join(f.Needs, ","), "housing,legal_advice"},
		{f.RiskEvaluation.ByRole, "social_worker"},
		{f.Safety.CanCoincide.Answer, No},
		{f.Notes, "First interview in Romanian, please.\nShe prefers mornings."},
	}
	f.Notes = "a\u2028b\u2029c\rd\r\ne"
	if err := f.Validate(now); err != nil || f.Notes != "a\nb\nc\nd\ne" {
		t.Errorf("line breaks: %q, %v", f.Notes, err)
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %v, want %v", i, c.got, c.want)
		}
	}
	// Validating again changes nothing.
	before, _ := Canonical(f)
	if err := f.Validate(now); err != nil {
		t.Fatal(err)
	}
	after, _ := Canonical(f)
	if !bytes.Equal(before, after) {
		t.Fatal("Validate is not idempotent")
	}
	// Optional fields left empty, lists empty.
	g := validForm()
	g.Phone, g.SafeWindows, g.Channels, g.Needs, g.RiskEvaluation = " ", nil, nil, nil, RiskEvaluation{}
	g.Consent.Date, g.SenderReference, g.Notes = "", "", ""
	if err := g.Validate(now); err != nil {
		t.Fatal(err)
	}
	if g.Phone != "" || g.SafeWindows == nil || g.Channels == nil || g.Needs == nil {
		t.Fatalf("empty optional fields: %+v", g)
	}
}

func TestValidateRefuses(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(f *Form)
		code   string
		field  string
		secret string // must not appear in the error
	}{
		{"schema", func(f *Form) { f.Schema = "safecontact/referral/v2" }, CodeUnsupportedSchema, "schema", ""},
		{"no schema", func(f *Form) { f.Schema = "" }, CodeUnsupportedSchema, "schema", ""},
		{"initials a name", func(f *Form) { f.Initials = "Maria" }, "invalid_initials", "initials", "Maria"},
		{"no languages", func(f *Form) { f.Languages = nil }, CodeMissingField, "languages", ""},
		{"bad language", func(f *Form) { f.Languages = []string{"es", "klingon"} }, "invalid_language", "languages[1]", "klingon"},
		{"too many languages", func(f *Form) { f.Languages = []string{"es", "ro", "en", "fr", "it", "pt"} }, CodeTooManyValues, "languages", ""},
		{"no notice language", func(f *Form) { f.NoticeLanguage = " " }, CodeMissingField, "notice_language", ""},
		{"bad notice language", func(f *Form) { f.NoticeLanguage = "und" }, "invalid_language", "notice_language", ""},
		{"no zone", func(f *Form) { f.TimeZone = "" }, "invalid_time_zone", "time_zone", ""},
		{"bad zone", func(f *Form) { f.TimeZone = "Mars/Olympus" }, "invalid_time_zone", "time_zone", "Olympus"},
		{"bad window", func(f *Form) { f.SafeWindows = []string{"mon 10:00-12:00", "+34612345678"} }, "invalid_window", "safe_windows[1]", "612345678"},
		{"too many windows", func(f *Form) { f.SafeWindows = make([]string, 15) }, CodeTooManyValues, "safe_windows", ""},
		{"monitored missing", func(f *Form) { f.Monitored = "" }, CodeMissingField, "monitored", ""},
		{"monitored bool-ish", func(f *Form) { f.Monitored = "true" }, CodeInvalidAnswer, "monitored", ""},
		{"channel auto", func(f *Form) { f.Channels = []string{"auto"} }, "invalid_channel", "channels[0]", ""},
		{"channel email", func(f *Form) { f.Channels = []string{"sms", "email"} }, "invalid_channel", "channels[1]", ""},
		{"phone", func(f *Form) { f.Phone = "612 345 678" }, "invalid_phone", "phone", "612"},
		{"need not in list", func(f *Form) { f.Needs = []string{"housing", "a flat in Madrid"} }, CodeInvalidNeed, "needs[1]", "Madrid"},
		{"no needs at all", func(f *Form) { f.Needs, f.NeedsOther = nil, "" }, CodeMissingField, "needs", ""},
		{"needs_other too long", func(f *Form) { f.NeedsOther = strings.Repeat("x", MaxNeedsOtherLen+1) }, CodeInvalidText, "needs_other", ""},
		{"not agreed", func(f *Form) { f.Consent.Agreed = false }, CodeConsentRequired, "referral_consent.agreed", ""},
		{"no evidence", func(f *Form) { f.Consent.Evidence = "  " }, CodeMissingEvidence, "referral_consent.evidence", ""},
		{"evidence two lines", func(f *Form) { f.Consent.Evidence = "form\nR-1" }, CodeInvalidEvidence, "referral_consent.evidence", ""},
		{"evidence line separator", func(f *Form) { f.Consent.Evidence = "form\u2028R-1" }, CodeInvalidEvidence, "referral_consent.evidence", ""},
		{"consent date future", func(f *Form) { f.Consent.Date = "2026-06-10" }, CodeInvalidDate, "referral_consent.date", ""},
		{"risk date bad", func(f *Form) { f.RiskEvaluation.Date = "15/04/2026" }, CodeInvalidDate, "risk_evaluation.date", ""},
		{"risk date month only", func(f *Form) { f.RiskEvaluation.Date = "2026-04" }, CodeInvalidDate, "risk_evaluation.date", ""},
		{"risk date 1800", func(f *Form) { f.RiskEvaluation.Date = "1800-01-01" }, CodeInvalidDate, "risk_evaluation.date", ""},
		{"risk date 1999", func(f *Form) { f.RiskEvaluation.Date = "1999-12-31" }, CodeInvalidDate, "risk_evaluation.date", ""},
		{"risk date impossible", func(f *Form) { f.RiskEvaluation.Date = "2026-02-30" }, CodeInvalidDate, "risk_evaluation.date", ""},
		{"risk role missing", func(f *Form) { f.RiskEvaluation.ByRole = "" }, CodeMissingField, "risk_evaluation.by_role", ""},
		{"risk role a name", func(f *Form) { f.RiskEvaluation.ByRole = "Ana García" }, CodeInvalidRole, "risk_evaluation.by_role", "García"},
		{"risk role without date", func(f *Form) { f.RiskEvaluation.Date = "" }, CodeMissingField, "risk_evaluation.date", ""},
		{"answer missing", func(f *Form) { f.Safety.ProtectedWitness.Answer = "" }, CodeMissingField, "safety.protected_witness.answer", ""},
		{"answer maybe", func(f *Form) { f.Safety.CanCoincide.Answer = "maybe" }, CodeInvalidAnswer, "safety.can_coincide.answer", ""},
		{"details control char", func(f *Form) { f.Safety.JudicialProcess.Details = "case\x00" }, CodeInvalidText, "safety.judicial_process.details", ""},
		{"details too long", func(f *Form) { f.Safety.CanCoincide.Details = strings.Repeat("é", MaxDetailsLen+1) }, CodeInvalidText, "safety.can_coincide.details", ""},
		{"details invalid utf-8", func(f *Form) { f.Safety.CanCoincide.Details = "\xff" }, CodeInvalidText, "safety.can_coincide.details", ""},
		{"notes, a bidi override", func(f *Form) { f.Notes = "She is safe \u202eon tsaw" }, CodeInvalidText, "notes", ""},
		{"notes, an isolate", func(f *Form) { f.Notes = "Case \u2067R-1\u2069" }, CodeInvalidText, "notes", ""},
		{"details, a zero-width space", func(f *Form) { f.Safety.JudicialProcess.Details = "pol\u200bice case" }, CodeInvalidText, "safety.judicial_process.details", ""},
		{"measures, a zero-width joiner", func(f *Form) { f.Safety.RecentThreats.Measures = "pol\u200dice informed" }, CodeInvalidText, "safety.recent_threats.measures", ""},
		{"needs_other, a byte-order mark", func(f *Form) { f.NeedsOther = "\ufeffclothes" }, CodeInvalidText, "needs_other", ""},
		{"needs_other, a soft hyphen", func(f *Form) { f.NeedsOther = "cloth\u00ades" }, CodeInvalidText, "needs_other", ""},
		{"evidence, a bidi mark", func(f *Form) { f.Consent.Evidence = "form R-1\u200f" }, CodeInvalidEvidence, "referral_consent.evidence", ""},
		{"threats without when", func(f *Form) { f.Safety.RecentThreats.When = "" }, CodeMissingDetails, "safety.recent_threats.when", ""},
		{"threats without measures", func(f *Form) { f.Safety.RecentThreats.Measures = "" }, CodeMissingDetails, "safety.recent_threats.measures", ""},
		{"threats when in future", func(f *Form) { f.Safety.RecentThreats.When = "2026-07" }, CodeInvalidDate, "safety.recent_threats.when", ""},
		{"no threats but a date", func(f *Form) { f.Safety.RecentThreats.Answer = "no" }, CodeInconsistentAnswer, "safety.recent_threats", ""},
		{"threats unknown", func(f *Form) { f.Safety.RecentThreats = Threats{} }, CodeMissingField, "safety.recent_threats.answer", ""},
		{"danger without details", func(f *Form) { f.Safety.ImminentDanger.Answer = "yes" }, CodeMissingDetails, "safety.imminent_danger.details", ""},
		{"danger missing", func(f *Form) { f.Safety.ImminentDanger.Answer = "" }, CodeMissingField, "safety.imminent_danger.answer", ""},
		{"reference with spaces", func(f *Form) { f.SenderReference = "Maria R" }, CodeInvalidReference, "sender_reference", "Maria"},
		{"reference too long", func(f *Form) { f.SenderReference = strings.Repeat("A", MaxSenderRefLen+1) }, CodeInvalidText, "sender_reference", ""},
		{"notes too long", func(f *Form) { f.Notes = strings.Repeat("n", MaxNotesLen+1) }, CodeInvalidText, "notes", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := validForm()
			tc.edit(f)
			err := f.Validate(now)
			e := errs.As(err)
			if err == nil || e.Code != tc.code || e.Field != tc.field {
				t.Fatalf("Validate = %v; want %s at %s", err, tc.code, tc.field)
			}
			if tc.secret != "" && strings.Contains(e.Error(), tc.secret) {
				t.Fatalf("error repeats the input: %v", e)
			}
		})
	}
}

// Dates may be "today" anywhere on Earth, and threats may give a month.
func TestValidateDates(t *testing.T) {
	f := validForm()
	f.Consent.Date = "2026-06-03" // tomorrow in UTC, today in Kiribati
	f.Safety.RecentThreats.When = "2026-06"
	if err := f.Validate(now); err != nil {
		t.Fatal(err)
	}
	f.Safety.RecentThreats.When = "2026-05-31"
	if err := f.Validate(now); err != nil {
		t.Fatal(err)
	}
}

func formJSON(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	b, _ := json.Marshal(validForm())
	var m map[string]any
	json.Unmarshal(b, &m)
	edit(m)
	b, _ = json.Marshal(m)
	return b
}

func TestDecodeForm(t *testing.T) {
	good := formJSON(t, func(map[string]any) {})
	f, err := DecodeForm(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(now); err != nil {
		t.Fatal(err)
	}
	safety := func(m map[string]any) map[string]any { return m["safety"].(map[string]any) }
	tests := []struct {
		name  string
		in    []byte
		code  string
		field string
	}{
		{"name at top", formJSON(t, func(m map[string]any) { m["name"] = "Maria" }), CodeRealNameForbidden, "name"},
		{"Surname, any case", formJSON(t, func(m map[string]any) { m["Surname"] = "Rossi" }), CodeRealNameForbidden, "surname"},
		{"name nested", formJSON(t, func(m map[string]any) { safety(m)["protected_witness"].(map[string]any)["full_name"] = "x" }), CodeRealNameForbidden, "safety.protected_witness.full_name"},
		{"name in a list", formJSON(t, func(m map[string]any) { m["needs"] = []any{map[string]any{"first_name": "x"}} }), CodeRealNameForbidden, "needs[0].first_name"},
		{"name before another unknown field", formJSON(t, func(m map[string]any) { m["aaa"], m["name"] = 1, "x" }), CodeRealNameForbidden, "name"},
		// Inside a key the schema does not have, the path is the
		// placeholder: the key is input.
		{"name in an unknown object", formJSON(t, func(m map[string]any) { m["Maria Lopez"] = map[string]any{"name": 1} }), CodeRealNameForbidden, "*.name"},
		{"name deep in unknown objects and lists", formJSON(t, func(m map[string]any) {
			safety(m)["Maria"] = []any{1, map[string]any{"Rossi": []any{map[string]any{"Last_Name": "x"}}}}
		}), CodeRealNameForbidden, "safety.*.last_name"},
		{"name inside a text field's object", formJSON(t, func(m map[string]any) { m["initials"] = map[string]any{"Maria": map[string]any{"name": 1}} }), CodeRealNameForbidden, "initials.*.name"},
		{"unknown field", formJSON(t, func(m map[string]any) { m["address"] = "x" }), CodeUnknownField, "*"},
		{"unknown nested field", formJSON(t, func(m map[string]any) { safety(m)["recent_threats"].(map[string]any)["whenn"] = "x" }), CodeUnknownField, "safety.recent_threats.*"},
		{"unknown field holding a name and a number", formJSON(t, func(m map[string]any) { m["Maria Rossi +34612345678"] = 1 }), CodeUnknownField, "*"},
		{"wrong type", formJSON(t, func(m map[string]any) { m["initials"] = 12 }), CodeInvalidJSON, "initials"},
		{"wrong nested type", formJSON(t, func(m map[string]any) { m["referral_consent"].(map[string]any)["agreed"] = "yes" }), CodeInvalidJSON, "referral_consent.agreed"},
		{"wrong type in a list", formJSON(t, func(m map[string]any) { m["languages"] = []any{"es", map[string]any{"Maria": 1}} }), CodeInvalidJSON, "languages"},
		{"array", []byte(`[1]`), CodeInvalidJSON, ""},
		{"two objects", append(append([]byte{}, good...), good...), CodeInvalidJSON, ""},
		// Decoder.More is false before a closing bracket: whatever
		// follows the object is refused, brackets included.
		{"trailing }", append(append([]byte{}, good...), "}"...), CodeInvalidJSON, ""},
		{"trailing ]", append(append([]byte{}, good...), "]"...), CodeInvalidJSON, ""},
		{"trailing ]]]}}}", append(append([]byte{}, good...), "]]]}}}"...), CodeInvalidJSON, ""},
		{"trailing }garbage", append(append([]byte{}, good...), "}garbage"...), CodeInvalidJSON, ""},
		{"trailing text", append(append([]byte{}, good...), " Maria"...), CodeInvalidJSON, ""},
		{"truncated", good[:len(good)/2], CodeInvalidJSON, ""},
		{"invalid utf-8", append(append([]byte{}, good[:len(good)-1]...), []byte(`,"notes":"\xff"}`)...), CodeInvalidJSON, ""},
		{"too large", append(append([]byte{}, good...), bytes.Repeat([]byte(" "), MaxFormSize)...), CodeFormTooLarge, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := DecodeForm(tc.in)
			e := errs.As(err)
			if f != nil || e.Code != tc.code || e.Field != tc.field {
				t.Fatalf("DecodeForm = %v, %v; want %s at %q", f, err, tc.code, tc.field)
			}
			if strings.Contains(e.Error(), "Maria") || strings.Contains(e.Error(), "Rossi") || strings.Contains(e.Error(), "612345678") {
				t.Fatalf("error repeats a value: %v", e)
			}
			checkNoInput(t, err, formType, false)
		})
	}
	if f, err := DecodeForm(append(append([]byte{}, good...), " \r\n\t"...)); err != nil || f == nil {
		t.Fatalf("trailing white space: %v", err)
	}
}

// The canonical form of the fixture, pinned: sorted keys, no white space,
// NFC, optional fields absent, lists present.
func TestCanonical(t *testing.T) {
	f := mustValid(t)
	f.Safety.CanCoincide.Details = "Cafe\u0301 <b>&amp;</b>" // decomposed é, HTML characters
	if err := f.Validate(now); err != nil {
		t.Fatal(err)
	}
	f.Phone, f.NeedsOther, f.Notes = "", "", ""
	got, err := Canonical(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"channels":["sms","voice"],"initials":"MR","languages":["ro","es"],"monitored":"unknown","needs":["housing","legal_advice"],` +
		`"notice_language":"ro","referral_consent":{"agreed":true,"date":"2026-05-28","evidence":"signed form R-2026-014"},` +
		`"risk_evaluation":{"by_role":"social_worker","date":"2026-04-15"},"safe_windows":["mon-fri 10:00-12:00","sat 18:00-20:00"],` +
		`"safety":{"can_coincide":{"answer":"no","details":"Café <b>&amp;</b>"},"imminent_danger":{"answer":"no"},` +
		`"judicial_process":{"answer":"yes","details":"Criminal case open since March 2026."},"lives_with_exploiters":{"answer":"no"},` +
		`"protected_witness":{"answer":"no"},"recent_threats":{"answer":"yes","measures":"Changed her phone number; the police were informed.","when":"2026-05"}},` +
		`"schema":"safecontact/referral/v1","sender_reference":"P-7K3QX","time_zone":"Europe/Madrid"}`
	if string(got) != want {
		t.Fatalf("canonical form\n got %s\nwant %s", got, want)
	}
	back, err := DecodeForm(got)
	if err != nil || !isCanonical(got, back) {
		t.Fatalf("canonical form does not decode to itself: %v", err)
	}
	// Not canonical: spaces, reordered keys, an escaped letter, an empty optional field.
	for _, nc := range []string{
		strings.Replace(want, `"initials":"MR"`, `"initials": "MR"`, 1),
		strings.Replace(want, `{"channels":["sms","voice"],"initials":"MR"`, `{"initials":"MR","channels":["sms","voice"]`, 1),
		strings.Replace(want, `"MR"`, `"\u004dR"`, 1),
		strings.Replace(want, `"initials":"MR"`, `"initials":"MR","phone":""`, 1),
		strings.Replace(want, `"initials":"MR"`, `"initials":"XX","initials":"MR"`, 1),
	} {
		v, err := DecodeForm([]byte(nc))
		if err != nil {
			t.Fatalf("decode %s: %v", nc, err)
		}
		if isCanonical([]byte(nc), v) {
			t.Errorf("taken as canonical: %s", nc)
		}
	}
}

// The largest form the limits allow fits in a package with room to spare.
func TestLargestFormFits(t *testing.T) {
	f := validForm()
	long := func(n int) string { return strings.Repeat("\U0001F600", n) } // 4 bytes each
	f.Languages = []string{"es", "ro", "en", "fr", "pt-BR"}
	f.SafeWindows = nil
	for d := range 7 {
		f.SafeWindows = append(f.SafeWindows, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[d]+" 00:00-01:00", []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[d]+" 02:00-03:00")
	}
	f.Channels = []string{"sms", "whatsapp", "voice"}
	f.Needs = Needs
	f.NeedsOther = long(MaxNeedsOtherLen)
	f.Consent.Evidence = long(500)
	f.SenderReference = strings.Repeat("A", MaxSenderRefLen)
	f.Notes = long(MaxNotesLen)
	for _, q := range []*Question{&f.Safety.CanCoincide, &f.Safety.ProtectedWitness, &f.Safety.JudicialProcess, &f.Safety.LivesWithExploiters, &f.Safety.ImminentDanger} {
		q.Answer, q.Details = Yes, long(MaxDetailsLen)
	}
	f.Safety.RecentThreats.Details, f.Safety.RecentThreats.Measures = long(MaxDetailsLen), long(MaxDetailsLen)
	if err := f.Validate(now); err != nil {
		t.Fatal(err)
	}
	b, _ := Canonical(f)
	if len(b) > MaxFormSize || MaxFormSize > maxBody {
		t.Fatalf("largest form %d bytes, MaxFormSize %d, largest body %d", len(b), MaxFormSize, maxBody)
	}
	t.Logf("largest valid form: %d bytes of canonical JSON (MaxFormSize %d)", len(b), MaxFormSize)
}

var (
	formType    = reflect.TypeFor[Form]()
	receiptType = reflect.TypeFor[Receipt]()
)

// vocabulary is every word of every string literal in the packages whose
// errors a refusal can carry (this one, consent, errs), and the numbers
// of the limits messages quote. A message made of these words took
// nothing from the input.
var vocabulary = sync.OnceValue(func() map[string]bool {
	words := map[string]bool{}
	for _, dir := range []string{".", "../consent", "../errs"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				panic(err)
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, src, 0)
			if err != nil {
				panic(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if v, err := strconv.Unquote(lit.Value); err == nil {
						for _, w := range wordsOf(v) {
							words[w] = true
						}
					}
				}
				return true
			})
		}
	}
	for _, n := range []int{MaxFormSize, MaxReceiptSize, MaxLanguages, MaxWindows, MaxDetailsLen, MaxNeedsOtherLen, MaxNotesLen,
		MaxSenderRefLen, minYear, consent.MaxEvidenceLen, minReasonLen, MaxReasonLen, MaxRedirectedToLen, MaxPackageSize, maxBody, FormatVersion} {
		words[strconv.Itoa(n)] = true
	}
	return words
})

func wordsOf(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

var indexes = regexp.MustCompile(`^(\[[0-9]+\])*$`)

// fieldFromSchema reports whether field is made of schema t's field names
// and list indexes, then at most one placeholder (for what the schema
// does not have), then at most one lower-cased name-like key. With strict,
// only a path of the schema itself (no placeholder, no name key).
func fieldFromSchema(t reflect.Type, field string, strict bool) bool {
	if field == "" {
		return true
	}
	if strict {
		return schemaPath(t, field)
	}
	segs := strings.Split(field, ".")
	for i, seg := range segs {
		name, idx, _ := strings.Cut(seg, "[")
		if idx != "" && !indexes.MatchString("["+idx) {
			return false
		}
		switch {
		case i == len(segs)-1 && consent.IsRealNameField(name) && name == strings.ToLower(name) && idx == "":
		case name == placeholder && idx == "" && t != nil:
			t = nil
		case t != nil && t.Kind() == reflect.Struct && jsonFields(t)[name] != nil:
			t = jsonFields(t)[name]
			if idx != "" {
				if t.Kind() != reflect.Slice {
					return false
				}
				t = t.Elem()
			}
		default:
			return false
		}
	}
	return true
}

// checkNoInput fails unless err's Field is built from schema t (see
// fieldFromSchema) and every word of its Message is in the vocabulary.
func checkNoInput(t testing.TB, err error, schema reflect.Type, strict bool) {
	t.Helper()
	if err == nil {
		return
	}
	e := errs.As(err)
	if !fieldFromSchema(schema, e.Field, strict) {
		t.Fatalf("the field of %s is not made of the schema's names: %q", e.Code, e.Field)
	}
	for _, w := range wordsOf(e.Message) {
		if !vocabulary()[w] {
			t.Fatalf("the message of %s has a word from outside the code (%q): %q", e.Code, w, e.Message)
		}
	}
}

// The reviewer's case: a key chosen by the sender of the JSON (here a
// name, an address and a phone number) reaches no error, on the API path
// (DecodeForm) or the package path (OpenReferral, whose refusals are
// audited).
func TestErrorsDoNotRepeatAKey(t *testing.T) {
	leak := "Maria Lopez Garcia, calle Mayor 12, +34612345678 " + strings.Repeat("x", 200)
	good := formJSON(t, func(m map[string]any) { m[leak] = map[string]any{"name": 1} })
	_, err := DecodeForm(good)
	e := errs.As(err)
	if e.Code != CodeRealNameForbidden || e.Field != "*.name" || strings.Contains(e.Error(), "Maria Lopez") {
		t.Errorf("DecodeForm: %.120s", e.Error())
	}

	x := newExchange()
	body := strings.Replace(string(func() []byte { f := mustValid(t); b, _ := Canonical(f); return b }()),
		`"initials":"MR"`, `"initials":"MR","`+leak+`":{"name":1}`, 1)
	pkg, _, err := seal(KindReferral, []byte(body), x.a, x.b.Public(), now, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenReferral(pkg, x.b, partnersOf(x.a), now, OpenOptions{})
	e = errs.As(err)
	if e.Code != CodeMalformed || e.Field != "" || strings.Contains(e.Error(), "Maria Lopez") {
		t.Errorf("package refusal (to be audited) carries the body: %.120s", e.Error())
	}
}

// mutator makes inputs from a valid form or receipt that carry a marker
// (a word found nowhere in the code) in keys, values, wrong types and
// trailing data.
type mutator struct {
	rnd    *rand.Rand
	marker string
}

func (m *mutator) word() string {
	switch m.rnd.IntN(4) {
	case 0:
		return m.marker + " +34 612 345 678"
	case 1:
		return "Calle " + m.marker + " 12\u202e"
	case 2:
		return strings.Repeat(m.marker, 1+m.rnd.IntN(80))
	}
	return m.marker
}

func (m *mutator) value(depth int) any {
	switch m.rnd.IntN(7) {
	case 0:
		return m.word()
	case 1:
		return m.rnd.IntN(1000)
	case 2:
		return nil
	case 3:
		if depth < 3 {
			return []any{m.word(), m.value(depth + 1)}
		}
	case 4, 5:
		if depth < 3 {
			o := map[string]any{m.word(): m.value(depth + 1)}
			if m.rnd.IntN(3) == 0 {
				o[[]string{"name", "Surname", "FULL_NAME"}[m.rnd.IntN(3)]] = m.word()
			}
			return o
		}
	}
	return true
}

// objects lists every object in v, v first if it is one.
func objects(v any, out []map[string]any) []map[string]any {
	switch x := v.(type) {
	case map[string]any:
		out = append(out, x)
		for _, k := range sortedKeys(x) {
			out = objects(x[k], out)
		}
	case []any:
		for _, e := range x {
			out = objects(e, out)
		}
	}
	return out
}

// leaves lists a setter for every string in v.
func leaves(v any, out []func(string)) []func(string) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if _, ok := x[k].(string); ok {
				out = append(out, func(s string) { x[k] = s })
			} else {
				out = leaves(x[k], out)
			}
		}
	case []any:
		for i, e := range x {
			if _, ok := e.(string); ok {
				out = append(out, func(s string) { x[i] = s })
			} else {
				out = leaves(e, out)
			}
		}
	}
	return out
}

// mutate returns JSON made from the JSON of a valid value: half the time
// only its texts are changed (so the value decodes, and reaches the
// validators), else its shape too.
func (m *mutator) mutate(valid []byte) []byte {
	var v map[string]any
	if err := json.Unmarshal(valid, &v); err != nil {
		panic(err)
	}
	if m.rnd.IntN(2) == 0 {
		set := leaves(v, nil)
		set[m.rnd.IntN(len(set))](m.word())
		b, _ := json.Marshal(v)
		return b
	}
	for range 1 + m.rnd.IntN(3) {
		objs := objects(v, nil)
		o := objs[m.rnd.IntN(len(objs))]
		keys := sortedKeys(o)
		k := keys[m.rnd.IntN(len(keys))]
		switch m.rnd.IntN(5) {
		case 0: // a key the schema does not have
			o[m.word()] = m.value(0)
		case 1: // a value of the right type with the marker
			o[k] = m.word()
		case 2: // a value of another type
			o[k] = m.value(0)
		case 3: // a known key renamed
			o[m.marker+k] = o[k]
			delete(o, k)
		case 4: // a list of values with the marker
			o[k] = []any{m.word(), m.word()}
		}
	}
	b, _ := json.Marshal(v)
	switch m.rnd.IntN(6) {
	case 0:
		b = append(b, m.word()...)
	case 1:
		b = append(b, "}]"...)
	case 2:
		b = b[:m.rnd.IntN(len(b))]
	}
	return b
}

// No refusal's Field or Message carries input: over many inputs made from
// a valid form and a valid receipt, carrying a marker in their keys,
// values and trailing data, the errors of DecodeForm, Validate,
// DecodeReceipt, Receipt.Validate, OpenReferral and OpenReceipt never
// hold the marker, their fields are made of the schema's names, and their
// messages of the code's words.
func TestErrorsCarryNoInput(t *testing.T) {
	rnd := rand.New(rand.NewPCG(17, 2026))
	x := newExchange()
	formBody, _ := Canonical(mustValid(t))
	receiptBody, _ := Canonical(NewReceipt(newPackageID(), Redirected, "She needs a protected shelter first."))
	n := 400
	if testing.Short() {
		n = 100
	}
	seen := map[string]bool{}
	for i := range n {
		m := &mutator{rnd: rnd, marker: "Zq" + strconv.Itoa(100000+rnd.IntN(900000)) + "wv"}
		check := func(err error, schema reflect.Type, strict bool, what string, input []byte) {
			t.Helper()
			if err == nil {
				return
			}
			e := errs.As(err)
			seen[what+" "+e.Code] = true
			if strings.Contains(e.Field+e.Message, m.marker) || strings.Contains(e.Field+e.Message, "612") {
				t.Fatalf("%s: the error carries the input: %v\ninput %s", what, e, input)
			}
			checkNoInput(t, err, schema, strict)
		}

		in := m.mutate(formBody)
		f, err := DecodeForm(in)
		check(err, formType, false, "DecodeForm", in)
		if err == nil {
			check(f.Validate(now), formType, false, "Validate", in)
		}
		if len(in) <= maxBody {
			pkg, _, err := seal(KindReferral, in, x.a, x.b.Public(), now, SealOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = OpenReferral(pkg, x.b, partnersOf(x.a), now, OpenOptions{})
			check(err, formType, true, "OpenReferral", in)
		}

		in = m.mutate(receiptBody)
		r, err := DecodeReceipt(in)
		check(err, receiptType, false, "DecodeReceipt", in)
		if err == nil {
			check(r.Validate(), receiptType, false, "Receipt.Validate", in)
		}
		if i%4 == 0 {
			pkg, _, err := seal(KindReceipt, in, x.a, x.b.Public(), now, SealOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = OpenReceipt(pkg, x.b, partnersOf(x.a), now, OpenOptions{})
			check(err, receiptType, true, "OpenReceipt", in)
		}
	}
	// The inputs reached the refusals that could carry input.
	for _, want := range []string{"DecodeForm " + CodeUnknownField, "DecodeForm " + CodeRealNameForbidden, "DecodeForm " + CodeInvalidJSON,
		"Validate " + CodeInvalidText, "Validate invalid_initials", "OpenReferral " + CodeMalformed,
		"DecodeReceipt " + CodeUnknownField, "Receipt.Validate " + CodeInvalidPackage, "OpenReceipt " + CodeMalformed} {
		if !seen[want] {
			t.Errorf("no input reached %s; reached %v", want, seen)
		}
	}
	t.Logf("%d inputs; refusals reached: %d kinds", n, len(seen))
}
