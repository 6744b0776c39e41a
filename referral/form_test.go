package referral

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

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
		{"risk date impossible", func(f *Form) { f.RiskEvaluation.Date = "2026-02-30" }, CodeInvalidDate, "risk_evaluation.date", ""},
		{"risk role missing", func(f *Form) { f.RiskEvaluation.ByRole = "" }, CodeMissingField, "risk_evaluation.by_role", ""},
		{"risk role a name", func(f *Form) { f.RiskEvaluation.ByRole = "Ana García" }, CodeInvalidRole, "risk_evaluation.by_role", "García"},
		{"risk role without date", func(f *Form) { f.RiskEvaluation.Date = "" }, CodeMissingField, "risk_evaluation.date", ""},
		{"answer missing", func(f *Form) { f.Safety.ProtectedWitness.Answer = "" }, CodeMissingField, "safety.protected_witness.answer", ""},
		{"answer maybe", func(f *Form) { f.Safety.CanCoincide.Answer = "maybe" }, CodeInvalidAnswer, "safety.can_coincide.answer", ""},
		{"details control char", func(f *Form) { f.Safety.JudicialProcess.Details = "case\x00" }, CodeInvalidText, "safety.judicial_process.details", ""},
		{"details too long", func(f *Form) { f.Safety.CanCoincide.Details = strings.Repeat("é", MaxDetailsLen+1) }, CodeInvalidText, "safety.can_coincide.details", ""},
		{"details invalid utf-8", func(f *Form) { f.Safety.CanCoincide.Details = "\xff" }, CodeInvalidText, "safety.can_coincide.details", ""},
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
		{"Surname, any case", formJSON(t, func(m map[string]any) { m["Surname"] = "Rossi" }), CodeRealNameForbidden, "Surname"},
		{"name nested", formJSON(t, func(m map[string]any) { safety(m)["protected_witness"].(map[string]any)["full_name"] = "x" }), CodeRealNameForbidden, "safety.protected_witness.full_name"},
		{"name in a list", formJSON(t, func(m map[string]any) { m["needs"] = []any{map[string]any{"first_name": "x"}} }), CodeRealNameForbidden, "needs[0].first_name"},
		{"name before another unknown field", formJSON(t, func(m map[string]any) { m["aaa"], m["name"] = 1, "x" }), CodeRealNameForbidden, "name"},
		{"unknown field", formJSON(t, func(m map[string]any) { m["address"] = "x" }), CodeUnknownField, "address"},
		{"unknown nested field", formJSON(t, func(m map[string]any) { safety(m)["recent_threats"].(map[string]any)["whenn"] = "x" }), CodeUnknownField, "safety.recent_threats.whenn"},
		{"long unknown field cut", formJSON(t, func(m map[string]any) { m[strings.Repeat("k", 60)] = 1 }), CodeUnknownField, strings.Repeat("k", 40) + "…"},
		{"wrong type", formJSON(t, func(m map[string]any) { m["initials"] = 12 }), CodeInvalidJSON, "initials"},
		{"wrong nested type", formJSON(t, func(m map[string]any) { m["referral_consent"].(map[string]any)["agreed"] = "yes" }), CodeInvalidJSON, "referral_consent.agreed"},
		{"array", []byte(`[1]`), CodeInvalidJSON, ""},
		{"two objects", append(append([]byte{}, good...), good...), CodeInvalidJSON, ""},
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
			if strings.Contains(e.Error(), "Maria") || strings.Contains(e.Error(), "Rossi") {
				t.Fatalf("error repeats a value: %v", e)
			}
		})
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
