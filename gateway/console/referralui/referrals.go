// Package referralui is the console's referral pages: the referrals
// received and sent (no content in the list), a referral's form as a
// readable page with the filter's warnings and the risk pre-evaluation's
// rules in words, the decision forms of a received referral (accept,
// decline, redirect), the import of a package file, and the
// administrator's partner directory (add from a card, verify the
// fingerprint read aloud, remove). Every read and change goes through
// referrals.Service with the signed-in user as the actor, so the access
// rule (who may open a referral) and the audit are the API's.
//
// Invariants, and why:
//   - Her phone number is never on a page: the form's number travels only
//     inside the sealed package and goes to her participant on accept; the
//     page says whether the referral carries one. A number typed into the
//     accept form (type=tel) is not echoed back when the form is refused:
//     staff type it again.
//   - Consent is not carried over: after accept the page links to her new
//     participant page and says her consent must be recorded before
//     anything is sent to her.
//   - An import is a multipart POST bounded by maxImport (one of the two
//     routes, with the new-referral form, that Mount allows more than the
//     console's form bound: a package may be MaxPackageSize bytes); a
//     refusal is shown in words by its code and nothing is stored.
package referralui

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"safecontact/consent"
	"safecontact/errs"
	"safecontact/gateway/console"
	"safecontact/gateway/referrals"
	"safecontact/referral"
)

// Deps are what the referral pages are built from.
type Deps struct {
	Referrals *referrals.Service
}

// Pages serves the referral pages.
type Pages struct {
	con       *console.Console
	referrals *referrals.Service
}

// partnerPages serves the administrator's partner directory.
type partnerPages struct {
	con       *console.Console
	referrals *referrals.Service
}

// maxImport bounds the body of POST /referrals/import: a package of
// referral.MaxPackageSize bytes and the multipart framing around it. A
// larger package still reaches the service (one byte over), which refuses
// it as package_too_large.
const maxImport = referral.MaxPackageSize + 16<<10

// importPath is the route whose body may be maxImport bytes.
const importPath = "/referrals/import"

// refListSize is the number of referrals listed per direction.
const refListSize = 100

// Mount registers the referral pages (role staff) and the partner
// directory (role admin) on c, with the body bounds of the import and the
// new-referral form.
func Mount(c *console.Console, d Deps) {
	p := &Pages{con: c, referrals: d.Referrals}
	pp := &partnerPages{con: c, referrals: d.Referrals}
	c.LimitBody("POST "+importPath, maxImport)            // a package file
	c.LimitBody("POST "+newReferralPath, maxReferralForm) // a referral form (send.go)
	c.Page("GET /referrals", "staff", p.referralList)
	c.Page("POST "+importPath, "staff", p.referralImport)
	c.Page("GET /referrals/{id}", "staff", p.referralShow)
	c.Page("POST /referrals/{id}/accept", "staff", p.referralAccept)
	c.Page("POST /referrals/{id}/decline", "staff", p.referralDecline)
	c.Page("POST /referrals/{id}/redirect", "staff", p.referralRedirect)
	c.Page("GET /referrals/new", "staff", p.referralNew)
	c.Page("POST "+newReferralPath, "staff", p.referralCreate)
	c.Page("POST /referrals/{id}/package", "staff", p.referralPackage)
	c.Page("POST /referrals/{id}/deliver", "staff", p.referralDeliver)
	c.Page("POST /referrals/{id}/receipt", "staff", p.referralReceipt)

	c.Page("GET /admin/partners", "admin", pp.partnersPage)
	c.Page("POST /admin/partners", "admin", pp.partnerAdd)
	c.Page("POST /admin/partners/{id}/verify", "admin", pp.partnerVerify)
	c.Page("POST /admin/partners/{id}/remove", "admin", pp.partnerRemove)
	c.Nav(console.NavEntry{Label: "referrals.nav", Path: "/referrals", Order: console.NavOrderReferrals})
	c.Nav(console.NavEntry{Label: "referrals.nav_partners", Path: "/admin/partners", Order: console.NavOrderAdmin + 2})
}

// refActor is the signed-in user as the referrals capability records her.
func refActor(c *console.Console, r *http.Request) referrals.Actor {
	a := c.ActorOf(r)
	return referrals.Actor{UserID: a.UserID, Name: a.Name, Role: string(a.Role), RequestID: a.RequestID, IP: a.IP}
}

// refErrKeys are the catalogue's sentences for the refusals these pages
// can meet; any other code gets the core's words for a refused form
// (console.FormErrorText), never the service's English sentence.
var refErrKeys = map[string]string{
	referral.CodeTooLarge:           "referrals.error.package_too_large",
	referral.CodeMalformed:          "referrals.error.package_malformed",
	referral.CodeVersionUnsupported: "referrals.error.package_version_unsupported",
	referral.CodeWrongRecipient:     "referrals.error.package_wrong_recipient",
	referral.CodeTampered:           "referrals.error.package_tampered",
	referral.CodeUnknownSender:      "referrals.error.package_unknown_sender",
	referral.CodeBadSignature:       "referrals.error.package_bad_signature",
	referral.CodeWrongKind:          "referrals.error.package_wrong_kind",
	referral.CodeNotYetValid:        "referrals.error.package_not_yet_valid",
	referral.CodeExpired:            "referrals.error.package_expired",
	referral.CodeReplayed:           "referrals.error.package_replayed",
	referral.CodeRefused:            "referrals.error.package_refused",
	referral.CodeReasonRequired:     "referrals.error.reason_required",
	referrals.CodeNotConfigured:     "referrals.error.not_configured",
	referrals.CodePartnerNotUsable:  "referrals.error.partner_not_verified",
	referrals.CodePartnerIsSelf:     "referrals.error.partner_is_self",
	referrals.CodeFingerprintMatch:  "referrals.error.fingerprint_mismatch",
	referrals.CodeReferralState:     "referrals.error.referral_state",
	referrals.CodePhoneRequired:     "referrals.error.phone_required",
	referrals.CodeReceiptUnknown:    "referrals.error.receipt_unknown_referral",
	referrals.CodeAlreadyDecided:    "referrals.error.referral_already_decided",
	"invalid_phone":                 "referrals.error.invalid_phone",
	"duplicate_phone":               "referrals.error.number_unavailable",
	"number_unavailable":            "referrals.error.number_unavailable",
	"invalid_partner_card":          "referrals.error.invalid_partner_card",
	"partner_card_from_future":      "referrals.error.invalid_partner_card",
	"partner_card_outdated":         "referrals.error.partner_card_outdated",
	"partner_card_other_keys":       "referrals.error.partner_card_other_keys",
	"invalid_org_keys":              "referrals.error.invalid_partner_card",
	"missing_field":                 "referrals.error.missing_field",
	"invalid_text":                  "referrals.error.invalid_text",
	"invalid_outcome":               "referrals.error.invalid_outcome",
	"unknown_field":                 "referrals.error.unknown_field",
	errs.CodeInvalidParameter:       "referrals.error.invalid_parameter",
}

func refErrText(L *console.Localizer, err error) string {
	return console.FormErrorText(L, err, refErrKeys)
}

// refFail answers a service error no form can show: the 404 or 403 page,
// else the error page. It reports whether it answered.
func refFail(c *console.Console, w http.ResponseWriter, r *http.Request, err error) bool {
	var e *errs.Error
	switch {
	case !errors.As(err, &e) || e.Code == errs.CodeInternal:
		c.Fail(w, r, err)
	case e.Code == errs.CodeForbidden:
		c.RenderView(w, r, http.StatusForbidden, "forbidden", &console.View{})
	case e.Code == errs.CodeNotFound:
		c.RenderView(w, r, http.StatusNotFound, "notfound", &console.View{})
	default:
		return false
	}
	return true
}

func refStatus(err error) int {
	if s := errs.Status(errs.As(err)); s >= 400 && s < 500 {
		return s
	}
	return http.StatusUnprocessableEntity
}

// refFlash is the confirmation named by ?m= on these pages (only these).
func refFlash(L *console.Localizer, r *http.Request) string {
	if k, ok := refFlashKeys[r.URL.Query().Get("m")]; ok {
		return L.T(k)
	}
	return ""
}

var refFlashKeys = map[string]string{
	"imported": "referrals.flash.imported", "receipt": "referrals.flash.receipt",
	"drafted": "referrals.flash.drafted", "delivered": "referrals.flash.delivered",
	"accepted": "referrals.flash.accepted", "declined": "referrals.flash.declined", "redirected": "referrals.flash.redirected",
	"added": "referrals.flash.added", "updated": "referrals.flash.updated", "verified": "referrals.flash.verified", "removed": "referrals.flash.removed",
}

// needKeys, roleKeys and stateKeys name the form's fixed lists and a
// referral's states; a value the table lacks is shown as it is.
var needKeys = map[string]string{
	"shelter": "referrals.need.shelter", "housing": "referrals.need.housing", "health": "referrals.need.health",
	"psychological_support": "referrals.need.psychological_support", "legal_advice": "referrals.need.legal_advice",
	"documentation": "referrals.need.documentation", "employment": "referrals.need.employment", "training": "referrals.need.training",
	"language_classes": "referrals.need.language_classes", "childcare": "referrals.need.childcare",
	"financial_support": "referrals.need.financial_support", "interpreter": "referrals.need.interpreter",
	"assisted_return": "referrals.need.assisted_return",
}

var roleKeys = map[string]string{
	"caseworker": "referrals.role.caseworker", "social_worker": "referrals.role.social_worker", "psychologist": "referrals.role.psychologist",
	"lawyer": "referrals.role.lawyer", "health_professional": "referrals.role.health_professional",
	"cultural_mediator": "referrals.role.cultural_mediator", "police": "referrals.role.police", "other_professional": "referrals.role.other_professional",
}

var stateKeys = map[string]string{
	"draft": "referrals.state.draft", "exported": "referrals.state.exported", "delivered": "referrals.state.delivered",
	"received": "referrals.state.received", "accepted": "referrals.state.accepted", "declined": "referrals.state.declined",
	"redirected": "referrals.state.redirected",
}

// named is the catalogue's word for v in table, or v itself.
func named(L *console.Localizer, table map[string]string, v string) string {
	if k, ok := table[v]; ok {
		return L.T(k)
	}
	return v
}

// ---- The list and the import

type refListData struct {
	Received, Sent []referrals.ReferralView
	Configured     bool
	MaxKiB         int
}

func (p *Pages) referralList(w http.ResponseWriter, r *http.Request) {
	p.showReferrals(w, r, http.StatusOK, nil)
}

func (p *Pages) showReferrals(w http.ResponseWriter, r *http.Request, status int, refused error) {
	L := console.LocalizerOf(r)
	d := refListData{Configured: p.referrals.Configured(), MaxKiB: referral.MaxPackageSize >> 10}
	var err error
	if d.Received, err = p.referrals.List(r.Context(), "received", 0, refListSize); err == nil {
		d.Sent, err = p.referrals.List(r.Context(), "sent", 0, refListSize)
	}
	if err != nil {
		p.con.Fail(w, r, err)
		return
	}
	v := &console.View{Data: d, Flash: refFlash(L, r)}
	if refused != nil {
		v.Flash, v.Error = "", refErrText(L, refused)
	}
	p.con.RenderView(w, r, status, "referrals_list", v)
}

// referralImport takes a package file (a referral or a receipt) and
// shows the referral it stored or answered, or the refusal in words.
func (p *Pages) referralImport(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(maxImport); err != nil {
		var tooBig *http.MaxBytesError
		code := referral.CodeMalformed
		if errors.As(err, &tooBig) {
			code = referral.CodeTooLarge
		}
		p.showReferrals(w, r, http.StatusUnprocessableEntity, errs.New(code, "the file could not be read"))
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, _, err := r.FormFile("package")
	if err != nil {
		p.showReferrals(w, r, http.StatusUnprocessableEntity, errs.New("missing_field", "choose the package file"))
		return
	}
	defer f.Close()
	pkg, err := io.ReadAll(io.LimitReader(f, referral.MaxPackageSize+1))
	if err != nil {
		p.con.Fail(w, r, err)
		return
	}
	got, err := p.referrals.Import(r.Context(), refActor(p.con, r), pkg, referrals.ViaFile)
	if err != nil {
		if errs.Code(err) == errs.CodeInternal {
			p.con.Fail(w, r, err)
			return
		}
		p.showReferrals(w, r, refStatus(err), err)
		return
	}
	m := "imported"
	if got.Kind == "receipt" {
		m = "receipt"
	}
	console.Redirect(w, r, "/referrals/"+strconv.FormatInt(got.Referral.ID, 10)+"?m="+m)
}

// ---- One referral

// refQuestion is one safety question as the page shows it.
type refQuestion struct {
	Label, Answer, Details string
	When, Measures         string // question (e) only
}

// refAdvice is one rule of the pre-evaluation, in words.
type refAdvice struct {
	Text    string
	Because []string
	Unknown bool
}

// refWarning is one finding of the filter, in words.
type refWarning struct{ Field, Category string }

type refShowData struct {
	R          referrals.ReferralDetail
	Questions  []refQuestion
	Languages  []string
	Notice     string
	Windows    []string
	Monitored  string
	Channels   []string
	Needs      []string
	EvalRole   string
	HasPhone   bool
	Advice     []refAdvice
	Warnings   []refWarning
	Pending    bool // a received referral waiting for a decision
	Outcome    string
	Reason     string
	Redirected string
	// Send is the package's download, delivery and receipt.
	Send refSendState
	// The decline and redirect forms as typed (after a refusal); never the
	// phone number.
	DeclineReason, RedirectReason, RedirectTo string
}

// ruleKeys are each pre-evaluation rule's words: [0] when answers made
// it fire, [1] when only unknown answers did.
var ruleKeys = map[string][2]string{
	referral.RuleImminentDanger:        {"referrals.rule.imminent_danger", "referrals.rule.imminent_danger_unknown"},
	referral.RuleCannotCoincide:        {"referrals.rule.cannot_coincide", "referrals.rule.cannot_coincide_unknown"},
	referral.RuleStrictConfidentiality: {"referrals.rule.strict_confidentiality", "referrals.rule.strict_confidentiality_unknown"},
	referral.RuleLivesWithExploiters:   {"referrals.rule.lives_with_exploiters", "referrals.rule.lives_with_exploiters_unknown"},
	referral.RuleMonitoredPhone:        {"referrals.rule.monitored_phone", "referrals.rule.monitored_phone_unknown"},
	referral.RuleRecentThreats:         {"referrals.rule.recent_threats", "referrals.rule.recent_threats_unknown"},
	referral.RuleRiskEvaluationDue:     {"referrals.rule.risk_evaluation_due", "referrals.rule.risk_evaluation_due"},
}

// fieldKeys name a form's paths (answers that fired a rule, fields a
// warning is about).
var fieldKeys = map[string]string{
	"safety.can_coincide":          "referrals.q.can_coincide",
	"safety.protected_witness":     "referrals.q.protected_witness",
	"safety.judicial_process":      "referrals.q.judicial_process",
	"safety.lives_with_exploiters": "referrals.q.lives_with_exploiters",
	"safety.recent_threats":        "referrals.q.recent_threats",
	"safety.imminent_danger":       "referrals.q.imminent_danger",
	"monitored":                    "referrals.monitored",
	"risk_evaluation.date":         "referrals.risk_evaluation",
	"needs_other":                  "referrals.needs_other",
	"referral_consent.evidence":    "referrals.consent_evidence",
	"notes":                        "referrals.notes",
	"sender_reference":             "referrals.sender_reference",
	// The new-referral form's other fields (its refusals name them).
	"partner":          "referrals.send.partner",
	"initials":         "referrals.initials",
	"languages":        "referrals.languages",
	"notice_language":  "referrals.notice_language",
	"time_zone":        "referrals.send.zone",
	"safe_windows":     "referrals.windows",
	"channels":         "referrals.channels",
	"phone":            "referrals.send.phone",
	"needs":            "referrals.needs",
	"referral_consent": "referrals.consent_evidence",
	"risk_evaluation":  "referrals.risk_evaluation",
}

// fieldName names a form path, or its parent ("safety.x.details" is
// question x); an unknown path is shown as it is.
func fieldName(L *console.Localizer, path string) string {
	for p := path; p != ""; {
		if k, ok := fieldKeys[p]; ok {
			return L.T(k)
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return path
}

func answerWords(L *console.Localizer, a referral.Answer) string {
	switch a {
	case referral.Yes:
		return L.T("referrals.answer.yes")
	case referral.No:
		return L.T("referrals.answer.no")
	}
	return L.T("referrals.answer.unknown")
}

func (p *Pages) referralShow(w http.ResponseWriter, r *http.Request) {
	p.showReferral(w, r, http.StatusOK, refShowData{}, nil)
}

// showReferral renders a referral's page; typed is the decision forms as
// typed and refused the refusal to show.
func (p *Pages) showReferral(w http.ResponseWriter, r *http.Request, status int, typed refShowData, refused error) {
	L := console.LocalizerOf(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.con.NotFound(w, r)
		return
	}
	det, err := p.referrals.Get(r.Context(), refActor(p.con, r), id)
	if err != nil {
		if !refFail(p.con, w, r, err) {
			p.con.Fail(w, r, err)
		}
		return
	}
	d := typed
	d.R = det
	d.Pending = det.Direction == "received" && det.State == "received"
	if f := det.Form; f != nil {
		s := f.Safety
		q := func(key string, x referral.Question) refQuestion {
			return refQuestion{Label: L.T(key), Answer: answerWords(L, x.Answer), Details: x.Details}
		}
		d.Questions = []refQuestion{
			q("referrals.q.can_coincide", s.CanCoincide),
			q("referrals.q.protected_witness", s.ProtectedWitness),
			q("referrals.q.judicial_process", s.JudicialProcess),
			q("referrals.q.lives_with_exploiters", s.LivesWithExploiters),
			{Label: L.T("referrals.q.recent_threats"), Answer: answerWords(L, s.RecentThreats.Answer), Details: s.RecentThreats.Details,
				When: s.RecentThreats.When, Measures: s.RecentThreats.Measures},
			q("referrals.q.imminent_danger", s.ImminentDanger),
		}
		for _, l := range f.Languages {
			d.Languages = append(d.Languages, console.LanguageLabel(l))
		}
		d.Notice = console.LanguageLabel(f.NoticeLanguage)
		d.Windows = f.SafeWindows
		d.Monitored = answerWords(L, f.Monitored)
		for _, ch := range f.Channels {
			d.Channels = append(d.Channels, console.ChannelName(L, consent.Channel(ch)))
		}
		for _, n := range f.Needs {
			d.Needs = append(d.Needs, named(L, needKeys, n))
		}
		if f.RiskEvaluation.ByRole != "" {
			d.EvalRole = named(L, roleKeys, f.RiskEvaluation.ByRole)
		}
		d.HasPhone = f.Phone != ""
	}
	if pe := det.PreEvaluation; pe != nil {
		for _, a := range pe.Advice {
			k, ok := ruleKeys[a.Rule]
			text := a.Text
			if ok {
				text = L.T(k[0])
				if a.Unknown {
					text = L.T(k[1])
				}
			}
			ad := refAdvice{Text: text, Unknown: a.Unknown}
			for _, b := range a.Because {
				path, ans, _ := strings.Cut(b, "=")
				switch ans {
				case "yes", "no", "unknown":
					ans = answerWords(L, referral.Answer(ans))
				case "none":
					ans = L.T("referrals.none")
				}
				ad.Because = append(ad.Because, L.T("referrals.because", "field", fieldName(L, path), "answer", ans))
			}
			d.Advice = append(d.Advice, ad)
		}
	}
	for _, wn := range det.Warnings {
		d.Warnings = append(d.Warnings, refWarning{Field: fieldName(L, wn.Field), Category: L.T("messages.category_" + string(wn.Category))})
	}
	if o := det.Outcome; o != nil {
		d.Outcome = named(L, stateKeys, string(o.Outcome))
		d.Reason, d.Redirected = o.Reason, o.RedirectedTo
	}
	if d.Send, err = p.sendState(r, det); err != nil {
		p.con.Fail(w, r, err)
		return
	}
	v := &console.View{Data: d, Flash: refFlash(L, r)}
	if refused != nil {
		v.Flash, v.Error = "", refSendErrText(L, refused)
	}
	p.con.RenderView(w, r, status, "referrals_show", v)
}

// decide sends a decision; on success 303 to the referral's page.
func (p *Pages) decide(w http.ResponseWriter, r *http.Request, d referrals.Decision, typed refShowData) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.con.NotFound(w, r)
		return
	}
	if _, err := p.referrals.Decide(r.Context(), refActor(p.con, r), id, d); err != nil {
		if refFail(p.con, w, r, err) {
			return
		}
		p.showReferral(w, r, refStatus(err), typed, err)
		return
	}
	console.Redirect(w, r, "/referrals/"+strconv.FormatInt(id, 10)+"?m="+string(d.Outcome))
}

func (p *Pages) referralAccept(w http.ResponseWriter, r *http.Request) {
	p.decide(w, r, referrals.Decision{Outcome: referral.Accepted, Phone: strings.TrimSpace(r.PostFormValue("phone"))}, refShowData{})
}

func (p *Pages) referralDecline(w http.ResponseWriter, r *http.Request) {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	p.decide(w, r, referrals.Decision{Outcome: referral.Declined, Reason: reason}, refShowData{DeclineReason: reason})
}

func (p *Pages) referralRedirect(w http.ResponseWriter, r *http.Request) {
	reason, to := strings.TrimSpace(r.PostFormValue("reason")), strings.TrimSpace(r.PostFormValue("redirected_to"))
	p.decide(w, r, referrals.Decision{Outcome: referral.Redirected, Reason: reason, RedirectedTo: to},
		refShowData{RedirectReason: reason, RedirectTo: to})
}
