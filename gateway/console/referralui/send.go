package referralui

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"safecontact/consent"
	"safecontact/errs"
	"safecontact/gateway/console"
	"safecontact/gateway/referrals"
	"safecontact/referral"
)

// Sending a referral from the console: the new-referral form, which the
// console turns into the same form JSON POST /v1/referrals takes and
// drafts through referrals.Service.Draft; and, on a referral's page, the
// sealed package's download, delivery to the partner's inbox, and a
// decided referral's receipt. The service decides who may do each
// (mayOpen: the drafter, a supervisor or an admin), as it does for the
// API; every page here needs the staff role, as the API's staff group.
//
// Invariants, and why:
//   - The form has no name field, and a post with a field the form does
//     not have is refused before anything is drafted (a name-like one as
//     real_name_forbidden), as the API's strict decoding refuses it.
//   - Her phone number is typed once and never shown again: a refused
//     form comes back with the phone field empty and says so, and no page
//     shows it afterwards (the referral's page says whether it carries
//     one). It is never in a URL: the form posts, the answer redirects to
//     the referral's id only.
//   - The package and the receipt are downloaded by a POST (making the
//     package is a change, and audited), answered as an attachment that
//     is not stored (no-store, like every console answer).

// newReferralPath is the route the new-referral form posts to; its body
// may be maxReferralForm bytes.
const newReferralPath = "/referrals"

// maxReferralForm bounds the new-referral post: a form of
// referral.MaxFormSize bytes of JSON may take three times as many bytes
// percent-encoded, and the field names around it.
const maxReferralForm = 3*referral.MaxFormSize + 16<<10

// refNewQuestions are the safety questions (a) to (f) as the form's
// fields: the answer's field is the question's name.
var refNewQuestions = []struct{ Name, Label string }{
	{"can_coincide", "referrals.q.can_coincide"},
	{"protected_witness", "referrals.q.protected_witness"},
	{"judicial_process", "referrals.q.judicial_process"},
	{"lives_with_exploiters", "referrals.q.lives_with_exploiters"},
	{"recent_threats", "referrals.q.recent_threats"},
	{"imminent_danger", "referrals.q.imminent_danger"},
}

// refNewText are the form's text fields, echoed back into a refused form
// (never the phone number).
var refNewText = []string{
	"partner", "initials", "languages", "notice_language", "time_zone", "safe_windows", "monitored",
	"needs_other", "consent_evidence", "consent_date", "risk_date", "risk_role", "sender_reference", "notes",
	"can_coincide", "can_coincide_details", "protected_witness", "protected_witness_details",
	"judicial_process", "judicial_process_details", "lives_with_exploiters", "lives_with_exploiters_details",
	"recent_threats", "recent_threats_when", "recent_threats_measures", "recent_threats_details",
	"imminent_danger", "imminent_danger_details",
}

// refNewLists are the form's fields of several values (checkboxes), and
// the one checkbox.
var refNewLists = []string{"channels", "needs", "consent_agreed"}

// refFormFields maps a form path (an error's Field, list index removed)
// to the form's field.
var refFormFields = map[string]string{
	"partner": "partner", "initials": "initials", "languages": "languages", "notice_language": "notice_language",
	"time_zone": "time_zone", "safe_windows": "safe_windows", "monitored": "monitored", "channels": "channels",
	"phone": "phone", "needs": "needs", "needs_other": "needs_other",
	"referral_consent.agreed": "consent_agreed", "referral_consent.evidence": "consent_evidence", "referral_consent.date": "consent_date",
	"risk_evaluation.date": "risk_date", "risk_evaluation.by_role": "risk_role",
	"safety.recent_threats":          "recent_threats",
	"safety.recent_threats.when":     "recent_threats_when",
	"safety.recent_threats.measures": "recent_threats_measures",
	"sender_reference":               "sender_reference", "notes": "notes",
}

func init() {
	for _, q := range refNewQuestions {
		refFormFields["safety."+q.Name+".answer"] = q.Name
		refFormFields["safety."+q.Name+".details"] = q.Name + "_details"
	}
}

var listIndex = regexp.MustCompile(`\[\d+\]`)

// refFormField is the form's field an error is about ("" if none).
func refFormField(path string) string {
	return refFormFields[listIndex.ReplaceAllString(path, "")]
}

// refSendErrKeys are the catalogue's sentences for a refused form (the
// codes of referral.Form.Validate, consent's and DecodeForm's), beside
// refErrKeys.
var refSendErrKeys = map[string]string{
	"invalid_initials":              "referrals.error.invalid_initials",
	"invalid_language":              "referrals.error.invalid_language",
	"invalid_time_zone":             "referrals.error.invalid_time_zone",
	"invalid_window":                "referrals.error.invalid_window",
	"invalid_channel":               "referrals.error.invalid_channel",
	referral.CodeRealNameForbidden:  "referrals.error.real_name_forbidden",
	referral.CodeFormTooLarge:       "referrals.error.form_too_large",
	referral.CodeInvalidJSON:        "referrals.error.form_malformed",
	referral.CodeUnsupportedSchema:  "referrals.error.form_malformed",
	referral.CodeTooManyValues:      "referrals.error.too_many_values",
	referral.CodeInvalidAnswer:      "referrals.error.invalid_answer",
	referral.CodeMissingDetails:     "referrals.error.missing_details",
	referral.CodeInconsistentAnswer: "referrals.error.inconsistent_answer",
	referral.CodeInvalidDate:        "referrals.error.invalid_date",
	referral.CodeInvalidRole:        "referrals.error.invalid_role",
	referral.CodeInvalidNeed:        "referrals.error.invalid_need",
	referral.CodeConsentRequired:    "referrals.error.referral_consent_required",
	referral.CodeMissingEvidence:    "referrals.error.missing_evidence",
	referral.CodeInvalidEvidence:    "referrals.error.invalid_evidence",
	referral.CodeInvalidReference:   "referrals.error.invalid_reference",
	referrals.CodeNoInbox:           "referrals.error.no_inbox_url",
	referrals.CodeDeliveryFailed:    "referrals.error.delivery_failed",
}

// refSendErrText is a refusal in words: the form's codes, then the other
// referral pages'.
func refSendErrText(L *console.Localizer, err error) string {
	if k := refSendErrKeys[errs.As(err).Code]; k != "" {
		return L.T(k)
	}
	return refErrText(L, err)
}

type refOption struct{ Value, Name string }

type refNewQuestion struct {
	Name, Label string
	Threats     bool // (e): when and measures
	DetailsReq  bool // (f): a yes needs details
}

type refNewData struct {
	Configured bool
	Partners   []referrals.PartnerView // verified, not removed
	Questions  []refNewQuestion
	Needs      []refOption
	Roles      []refOption
	Channels   []console.ChanOption
	Zones      []string
	Languages  []string
	// The form as typed (after a refusal); never the phone number.
	Values  map[string]string
	Checked map[string]bool // "needs:legal_advice", "channels:sms", "consent_agreed"
	// PhoneCleared: a number was typed into the refused form and is not
	// shown back.
	PhoneCleared bool
	Err          *console.FieldErr
}

// V is the typed value of a text field.
func (d refNewData) V(name string) string { return d.Values[name] }

// On reports whether a checkbox was ticked.
func (d refNewData) On(name, value string) bool {
	if value == "" {
		return d.Checked[name]
	}
	return d.Checked[name+":"+value]
}

func (p *Pages) newReferralForm(r *http.Request) (refNewData, error) {
	L := console.LocalizerOf(r)
	d := refNewData{Configured: p.referrals.Configured(), Zones: console.ZoneSuggestions, Languages: console.HerLanguages,
		Channels: console.ChannelOptions(L), Values: map[string]string{"time_zone": L.Zone()}, Checked: map[string]bool{}}
	ps, err := p.referrals.ListPartners(r.Context(), false)
	if err != nil {
		return d, err
	}
	for _, pt := range ps {
		if pt.Verified && !pt.Removed {
			d.Partners = append(d.Partners, pt)
		}
	}
	for _, q := range refNewQuestions {
		d.Questions = append(d.Questions, refNewQuestion{Name: q.Name, Label: L.T(q.Label),
			Threats: q.Name == "recent_threats", DetailsReq: q.Name == "imminent_danger"})
	}
	for _, n := range referral.Needs {
		d.Needs = append(d.Needs, refOption{Value: n, Name: named(L, needKeys, n)})
	}
	for _, ro := range referral.EvaluatorRoles {
		d.Roles = append(d.Roles, refOption{Value: ro, Name: named(L, roleKeys, ro)})
	}
	return d, nil
}

func (p *Pages) referralNew(w http.ResponseWriter, r *http.Request) {
	d, err := p.newReferralForm(r)
	if err != nil {
		p.con.Fail(w, r, err)
		return
	}
	p.con.RenderView(w, r, http.StatusOK, "referrals_new", &console.View{Data: d})
}

// referralCreate drafts the posted form: 303 to the new referral's page
// (which shows the filter's warnings), or the form again with the
// refusal in words beside its field.
func (p *Pages) referralCreate(w http.ResponseWriter, r *http.Request) {
	d, err := p.newReferralForm(r)
	if err != nil {
		p.con.Fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			p.con.Fail(w, r, err)
			return
		}
		p.refusedReferral(w, r, d, errs.New(referral.CodeFormTooLarge, "the form is too large"))
		return
	}
	f := r.PostForm
	for _, k := range refNewText {
		d.Values[k] = f.Get(k)
	}
	for _, k := range []string{"channels", "needs"} {
		for _, v := range f[k] {
			d.Checked[k+":"+v] = true
		}
	}
	d.Checked["consent_agreed"] = f.Get("consent_agreed") != ""
	d.PhoneCleared = strings.TrimSpace(f.Get("phone")) != ""

	partner, body, err := referralInput(f)
	if err == nil {
		var out referrals.DraftResult
		if out, err = p.referrals.Draft(r.Context(), refActor(p.con, r), partner, body); err == nil {
			console.Redirect(w, r, "/referrals/"+strconv.FormatInt(out.Referral.ID, 10)+"?m=drafted")
			return
		}
	}
	if errs.Code(err) == errs.CodeInternal {
		p.con.Fail(w, r, err)
		return
	}
	p.refusedReferral(w, r, d, err)
}

// refusedReferral shows the form again with err beside its field.
func (p *Pages) refusedReferral(w http.ResponseWriter, r *http.Request, d refNewData, err error) {
	L := console.LocalizerOf(r)
	e := errs.As(err)
	field := refFormField(e.Field)
	if e.Code == referrals.CodePartnerNotUsable {
		field = "partner"
	}
	if field == "initials" || e.Code == referral.CodeRealNameForbidden {
		d.Values["initials"] = "" // refused: perhaps a name, not shown back
	}
	text := refSendErrText(L, err)
	d.Err = &console.FieldErr{Form: "referral", Field: field, Text: text}
	if field != "" && e.Field != "" {
		text = fieldName(L, listIndex.ReplaceAllString(e.Field, "")) + ": " + text
	}
	status := refStatus(err)
	p.con.RenderView(w, r, status, "referrals_new", &console.View{Error: L.T("referrals.send.refused", "error", text), Data: d})
}

// referralInput reads the new-referral form as POST /v1/referrals's
// body: the partner's id and the form's JSON. A field the form does not
// have is refused, one asking for her name as real_name_forbidden.
func referralInput(f map[string][]string) (int64, []byte, error) {
	for k := range f {
		if consent.IsRealNameField(k) {
			return 0, nil, errs.Field(referral.CodeRealNameForbidden, "", "real names are never sent; identify her by initials")
		}
		if !slices.Contains(refNewText, k) && !slices.Contains(refNewLists, k) && k != "phone" {
			return 0, nil, errs.Field("unknown_field", "", "a field this form does not have")
		}
	}
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	partner, err := strconv.ParseInt(strings.TrimSpace(get("partner")), 10, 64)
	if err != nil || partner <= 0 {
		return 0, nil, errs.Field("missing_field", "partner", "choose the partner organisation")
	}
	q := func(name string) referral.Question {
		return referral.Question{Answer: referral.Answer(get(name)), Details: get(name + "_details")}
	}
	form := referral.Form{
		Schema:         referral.SchemaV1,
		Initials:       get("initials"),
		Languages:      splitList(get("languages")),
		NoticeLanguage: get("notice_language"),
		TimeZone:       get("time_zone"),
		SafeWindows:    splitLines(get("safe_windows")),
		Monitored:      referral.Answer(get("monitored")),
		Channels:       append([]string{}, f["channels"]...),
		Phone:          strings.TrimSpace(get("phone")),
		Needs:          append([]string{}, f["needs"]...),
		NeedsOther:     get("needs_other"),
		Consent: referral.ReferralConsent{Agreed: get("consent_agreed") != "",
			Evidence: get("consent_evidence"), Date: get("consent_date")},
		RiskEvaluation: referral.RiskEvaluation{Date: get("risk_date"), ByRole: get("risk_role")},
		Safety: referral.Safety{
			CanCoincide:         q("can_coincide"),
			ProtectedWitness:    q("protected_witness"),
			JudicialProcess:     q("judicial_process"),
			LivesWithExploiters: q("lives_with_exploiters"),
			RecentThreats: referral.Threats{Answer: referral.Answer(get("recent_threats")), When: get("recent_threats_when"),
				Measures: get("recent_threats_measures"), Details: get("recent_threats_details")},
			ImminentDanger: q("imminent_danger"),
		},
		SenderReference: get("sender_reference"),
		Notes:           get("notes"),
	}
	body, err := json.Marshal(form)
	if err != nil {
		return 0, nil, errs.Internal(err)
	}
	return partner, body, nil
}

// splitList splits "uk, es" or "uk es" into its values.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// splitLines is the non-empty lines of s.
func splitLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// ---- A referral's package, delivery and receipt

// sendFile answers a package file as a download that is not stored.
func sendFile(w http.ResponseWriter, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// refID is the path's referral id, or the 404 page.
func (p *Pages) refID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.con.NotFound(w, r)
		return 0, false
	}
	return id, true
}

// refRefused shows a refusal on the referral's page (or the 403/404 page).
func (p *Pages) refRefused(w http.ResponseWriter, r *http.Request, err error) {
	if refFail(p.con, w, r, err) {
		return
	}
	p.showReferral(w, r, refStatus(err), refShowData{}, err)
}

// referralPackage downloads a sent referral's sealed package (made on the
// first download: the draft becomes exported).
func (p *Pages) referralPackage(w http.ResponseWriter, r *http.Request) {
	id, ok := p.refID(w, r)
	if !ok {
		return
	}
	pkg, v, err := p.referrals.Package(r.Context(), refActor(p.con, r), id)
	if err != nil {
		p.refRefused(w, r, err)
		return
	}
	sendFile(w, "referral-"+*v.PackageID+".scref", pkg)
}

// referralReceipt downloads a decided referral's receipt.
func (p *Pages) referralReceipt(w http.ResponseWriter, r *http.Request) {
	id, ok := p.refID(w, r)
	if !ok {
		return
	}
	pkg, v, err := p.referrals.Receipt(r.Context(), refActor(p.con, r), id)
	if err != nil {
		p.refRefused(w, r, err)
		return
	}
	sendFile(w, "receipt-"+*v.PackageID+".scref", pkg)
}

// referralDeliver posts the package (sent) or the receipt (received,
// decided) to the partner's inbox now.
func (p *Pages) referralDeliver(w http.ResponseWriter, r *http.Request) {
	id, ok := p.refID(w, r)
	if !ok {
		return
	}
	if _, err := p.referrals.Deliver(r.Context(), refActor(p.con, r), id); err != nil {
		if errs.Code(err) == errs.CodeInternal {
			p.con.Fail(w, r, err)
			return
		}
		p.refRefused(w, r, err)
		return
	}
	console.Redirect(w, r, "/referrals/"+strconv.FormatInt(id, 10)+"?m=delivered")
}

// refSendState is what a referral's page shows of its sending: the
// partner's inbox, whether it can be delivered now, and failed attempts.
type refSendState struct {
	Inbox      bool // the partner is usable and has an inbox URL
	CanDeliver bool
	Attempts   int32
	GivenUp    bool // attempts failed and none is scheduled
	Scheduled  bool // none tried yet, one due (a receipt after a decision)
}

func (p *Pages) sendState(r *http.Request, det referrals.ReferralDetail) (refSendState, error) {
	var s refSendState
	ps, err := p.referrals.ListPartners(r.Context(), false)
	if err != nil {
		return s, err
	}
	for _, pt := range ps {
		if pt.ID == det.Partner.ID && pt.Verified && !pt.Removed && pt.InboxURL != "" {
			s.Inbox = true
		}
	}
	if det.DeliveredAt == nil {
		s.Attempts = det.DeliveryAttempts
		s.GivenUp = s.Attempts > 0 && det.DeliveryDueAt == nil
		s.Scheduled = s.Attempts == 0 && det.DeliveryDueAt != nil
	}
	switch {
	case det.Direction == "sent":
		s.CanDeliver = s.Inbox && (det.State == "draft" || det.State == "exported")
	case det.ReceiptReady:
		s.CanDeliver = s.Inbox && det.DeliveredAt == nil
	}
	return s, nil
}
