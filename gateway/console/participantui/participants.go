// Package participantui is the console's participant pages, for staff:
// the list with its search, the form that registers her, and her page
// (profile, safe week, consent per channel with its history and forms,
// the contact decision in words, the audited reveal of her number). Every
// read and change goes through participant.Service with the signed-in
// user as the actor, so the access rule and the audit log are the API's:
// other staff get her limited view (and may still revoke her consent: she
// may ask anyone at the office to stop).
//
// Nothing sensitive in a URL or a title: the search takes codes and
// initials only (never a number) and is a GET; her number is shown only
// in the answer to the reveal form, a POST, never echoed into a form
// that failed (she types it again).
package participantui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"safecontact/consent"
	"safecontact/errs"
	"safecontact/gateway/console"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
)

// Deps are what the participant pages are built from.
type Deps struct {
	Participants *participant.Service
}

// Pages serves the participant pages.
type Pages struct {
	con   *console.Console
	parts *participant.Service
}

// Mount registers the participant pages (role staff) on c.
func Mount(c *console.Console, d Deps) {
	p := &Pages{con: c, parts: d.Participants}
	c.Page("GET /participants", "staff", p.participantList)
	c.Nav(console.NavEntry{Label: "nav.participants", Path: "/participants", Order: console.NavOrderParticipants})
	c.Page("GET /participants/new", "staff", p.participantNew)
	c.Page("POST /participants", "staff", p.participantCreate)
	c.Page("GET /participants/{code}", "staff", p.participantShow)
	c.Page("POST /participants/{code}/reveal", "staff", p.participantReveal)
	c.Page("POST /participants/{code}/consents", "staff", p.consentGrant)
	c.Page("POST /participants/{code}/consents/revoke", "staff", p.consentRevoke)
	c.Page("POST /participants/{code}/monitored", "staff", p.participantMonitored)
}

// partPageSize is the number of participants per list page.
const partPageSize = 50

// partErrText is a refused participant request in the reader's words:
// the catalogue's sentence for the code, else the core's words for a
// refused form (never the service's English message).
func partErrText(L *console.Localizer, err error) string {
	e := errs.As(err)
	var key string
	switch e.Code {
	case "invalid_initials":
		key = "participants.error.invalid_initials"
	case "invalid_language":
		key = "participants.error.invalid_language"
	case "invalid_time_zone":
		key = "participants.error.invalid_time_zone"
	case "invalid_phone":
		key = "participants.error.invalid_phone"
	case "invalid_window":
		key = "participants.error.invalid_window"
	case "invalid_channel":
		key = "participants.error.invalid_channel"
	case "missing_field":
		key = "participants.error.missing_field"
	case "real_name_forbidden":
		key = "participants.error.real_name_forbidden"
	case "unknown_field":
		key = "participants.error.unknown_field"
	case "duplicate_phone", "number_unavailable":
		key = "participants.error.number_unavailable"
	case "missing_evidence":
		key = "participants.error.missing_evidence"
	case "invalid_expiry":
		key = "participants.error.invalid_expiry"
	case "invalid_option":
		key = "participants.error.invalid_option"
	case "reason_required":
		key = "participants.error.reason_required"
	case "reason_has_number":
		key = "participants.error.reason_has_number"
	case "forbidden":
		key = "participants.error.forbidden"
	case "not_found":
		key = "participants.error.not_found"
	case participant.CodeInvalidSearch:
		key = "participants.error.invalid_search"
	case participant.CodeRevealBudgetExhausted:
		key = "participants.error.reveal_budget_exhausted"
	case participant.CodeRevealsDisabled:
		key = "participants.error.reveals_disabled"
	case participant.CodeNumberChecksExhausted:
		key = "participants.error.number_checks_exhausted"
	default:
		return console.FormErrorText(L, err, nil)
	}
	return L.T(key)
}

// partStatus is the HTTP status of a refused participant request.
func partStatus(err error) int {
	e := errs.As(err)
	if e.Code == "internal" {
		return http.StatusInternalServerError
	}
	if s := errs.Status(e); s >= 400 {
		return s
	}
	return http.StatusUnprocessableEntity
}

// partFail answers a service error that no form can show: the 404 or 403
// page, else the error page.
func (p *Pages) partFail(w http.ResponseWriter, r *http.Request, err error) {
	switch errs.Code(err) {
	case errs.CodeNotFound:
		p.con.RenderView(w, r, http.StatusNotFound, "notfound", &console.View{})
	case errs.CodeForbidden:
		p.con.RenderView(w, r, http.StatusForbidden, "forbidden", &console.View{Error: partErrText(console.LocalizerOf(r), err)})
	default:
		p.con.Fail(w, r, err)
	}
}

// partFlash is the confirmation named by ?m= on the participant pages.
func partFlash(L *console.Localizer, r *http.Request) string {
	switch r.URL.Query().Get("m") {
	case "created":
		return L.T("participants.flash.created")
	case "granted":
		return L.T("participants.flash.granted")
	case "revoked":
		return L.T("participants.flash.revoked")
	case "saved":
		return L.T("participants.flash.profile_saved")
	}
	return ""
}

// The list.

type partRow struct {
	Code, Initials, Caseworker string
	Limited, Monitored         bool
}

type partListData struct {
	Query string
	Rows  []partRow
	Next  string // the next page's address, "" on the last
	Err   *console.FieldErr
}

func (p *Pages) participantList(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := partListData{Query: q}
	after, err := httpx.DecodeCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		console.Redirect(w, r, "/participants")
		return
	}
	vs, next, err := p.parts.List(r.Context(), p.con.ActorOf(r), participant.ListInput{After: after, Limit: partPageSize, Search: q})
	if errs.Code(err) == participant.CodeInvalidSearch {
		// What was typed is not shown back: it may be a number.
		d.Query = ""
		d.Err = &console.FieldErr{Form: "search", Field: "q", Text: partErrText(L, err)}
		p.con.RenderView(w, r, http.StatusUnprocessableEntity, "participants_list", &console.View{Error: d.Err.Text, Data: d})
		return
	}
	if err != nil {
		p.partFail(w, r, err)
		return
	}
	for _, v := range vs {
		row := partRow{Code: v.Code, Initials: v.Initials, Limited: v.Limited, Monitored: v.Monitored, Caseworker: L.T("participants.no_caseworker")}
		if v.Caseworker != nil {
			row.Caseworker = *v.Caseworker
		}
		d.Rows = append(d.Rows, row)
	}
	if next != nil {
		u := url.Values{"cursor": {*next}}
		if q != "" {
			u.Set("q", q)
		}
		d.Next = "/participants?" + u.Encode()
	}
	p.con.RenderView(w, r, http.StatusOK, "participants_list", &console.View{Flash: partFlash(L, r), Data: d})
}

// The form that registers her.

type partNewData struct {
	Initials, Language, TimeZone, Windows string
	Monitored, AnyTime                    bool
	Prefs                                 []string // her channel order, three choices
	Zones, Languages                      []string
	Channels                              []console.ChanOption
	Err                                   *console.FieldErr
}

func (p *Pages) newForm(r *http.Request) partNewData {
	return partNewData{
		TimeZone: console.LocalizerOf(r).Zone(), Prefs: []string{"", "", ""},
		Zones: console.ZoneSuggestions, Languages: console.HerLanguages, Channels: console.ChannelOptions(console.LocalizerOf(r)),
	}
}

func (p *Pages) participantNew(w http.ResponseWriter, r *http.Request) {
	p.con.RenderView(w, r, http.StatusOK, "participants_new", &console.View{Data: p.newForm(r)})
}

// createFields are the fields of the registration form.
var createFields = []string{"initials", "language", "time_zone", "phone", "whatsapp", "monitored", "safe_windows", "any_time", "channel_preference"}

func (p *Pages) participantCreate(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	if err := r.ParseForm(); err != nil {
		p.con.Fail(w, r, err)
		return
	}
	d := p.newForm(r)
	f := r.PostForm
	d.Initials, d.Language, d.TimeZone = f.Get("initials"), f.Get("language"), f.Get("time_zone")
	d.Windows = f.Get("safe_windows")
	d.Monitored, d.AnyTime = f.Get("monitored") != "", f.Get("any_time") != ""
	for i, pref := range f["channel_preference"] {
		if i < len(d.Prefs) {
			d.Prefs[i] = pref
		}
	}
	in, err := createInput(f)
	if err == nil {
		var v participant.ParticipantView
		if v, err = p.parts.Register(r.Context(), p.con.ActorOf(r), in); err == nil {
			console.Redirect(w, r, "/participants/"+v.Code+"?m=created")
			return
		}
	}
	e := errs.As(err)
	if e.Code == "internal" {
		p.con.Fail(w, r, err)
		return
	}
	field := e.Field
	if !slices.Contains(createFields, field) {
		field = "" // shown at the top only
	}
	if e.Code == errs.CodeRealNameForbidden {
		field = "initials"
	}
	if field == "initials" {
		d.Initials = "" // refused: perhaps a name, not shown back
	}
	d.Err = &console.FieldErr{Form: "create", Field: field, Text: partErrText(L, err)}
	p.con.RenderView(w, r, partStatus(err), "participants_new", &console.View{Error: L.T("participants.new.refused", "error", d.Err.Text), Data: d})
}

// createInput reads the registration form as POST /v1/participants's
// body: a field the form does not have is refused, one asking for her
// name with the API's own refusal.
func createInput(f url.Values) (participant.ParticipantInput, error) {
	var in participant.ParticipantInput
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if httpx.RealNameField(k) {
			return in, errs.Field(errs.CodeRealNameForbidden, k, "real names are never stored; identify her by initials (e.g. \"M.R.\") and the participant code")
		}
		if !slices.Contains(createFields, k) {
			return in, errs.New(errs.CodeUnknownField, "the form has a field this page does not take")
		}
	}
	opt := func(k string) *string {
		if v := strings.TrimSpace(f.Get(k)); v != "" {
			return &v
		}
		return nil
	}
	in.Initials, in.Language, in.TimeZone, in.Phone, in.WhatsApp = opt("initials"), opt("language"), opt("time_zone"), opt("phone"), opt("whatsapp")
	mon, anyTime := f.Get("monitored") != "", f.Get("any_time") != ""
	in.Monitored, in.AnyTime = &mon, &anyTime
	var ws []string
	for _, line := range strings.Split(f.Get("safe_windows"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			ws = append(ws, line)
		}
	}
	if ws == nil {
		ws = []string{}
	}
	in.SafeWindows = &ws
	prefs := []string{}
	for _, p := range f["channel_preference"] {
		if p = strings.TrimSpace(p); p != "" {
			prefs = append(prefs, p)
		}
	}
	in.ChannelPreference = &prefs
	return in, nil
}

// Her page.

type partShowData struct {
	P           participant.Visible
	Phone       string // masked
	Language    string
	Caseworker  string
	Windows     []string
	Preference  string
	Created     string
	Hers        string // her time now
	Consents    []consentRow
	History     []historyRow
	Decisions   []string
	ReviewDue   bool
	Week        weekGrid
	Channels    []console.ChanOption
	Languages   []string
	MinExpiry   string // the earliest expiry date the form takes
	Err         *console.FieldErr
	RevokeState string // limited view: the channel's state after a revocation
}

type consentRow struct {
	Channel, State, Granted, Expires, Options string
}

type historyRow struct {
	At, ISO, Channel, Kind, Actor, Source, Detail string
}

func (p *Pages) participantShow(w http.ResponseWriter, r *http.Request) {
	p.showParticipant(w, r, http.StatusOK, nil, nil)
}

// showParticipant renders her page; refused is a form's error (shown
// beside its field), revoked the state a limited view's revocation left.
func (p *Pages) showParticipant(w http.ResponseWriter, r *http.Request, status int, refused *console.FieldErr, revoked *participant.Revoked) {
	L := console.LocalizerOf(r)
	ctx, actor, code := r.Context(), p.con.ActorOf(r), r.PathValue("code")
	v, err := p.parts.Get(ctx, actor, code)
	if err != nil {
		p.partFail(w, r, err)
		return
	}
	d := partShowData{P: v, Err: refused, Channels: console.ChannelOptions(L), Languages: console.HerLanguages, Caseworker: L.T("participants.no_caseworker")}
	if v.Caseworker != nil {
		d.Caseworker = *v.Caseworker
	}
	if revoked != nil {
		d.RevokeState = L.T("participants.revoke.done_limited", "channel", console.ChannelName(L, revoked.Channel), "state", stateName(L, revoked.State))
	}
	view := &console.View{Flash: partFlash(L, r), Data: &d}
	if refused != nil {
		view.Error = refused.Text
	}
	if v.Limited {
		p.con.RenderView(w, r, status, "participants_show", view)
		return
	}
	now := p.parts.Now()
	her, err := time.LoadLocation(v.TimeZone)
	if err != nil {
		her = time.UTC
	}
	d.Phone, d.Language = v.Phone, console.LanguageLabel(v.Language)
	d.Windows = v.SafeWindows
	if v.AnyTime && len(v.SafeWindows) == 0 {
		d.Windows = []string{L.T("participants.windows.any_time")}
	} else if len(v.SafeWindows) == 0 {
		d.Windows = []string{L.T("participants.windows.default")}
	}
	var prefs []string
	for _, pref := range v.ChannelPreference {
		prefs = append(prefs, console.ChannelName(L, consent.Channel(pref)))
	}
	if len(prefs) == 0 {
		d.Preference = L.T("participants.preference.default")
	} else {
		d.Preference = strings.Join(prefs, ", ")
	}
	d.Created = L.DateTime(v.CreatedAt)
	d.Hers = L.T("participants.her_now", "time", weekdayClock(L, now.In(her)), "zone", v.TimeZone)
	d.MinExpiry = now.In(her).AddDate(0, 0, 1).Format("2006-01-02")

	cv, err := p.parts.Consents(ctx, actor, code)
	if err != nil {
		p.partFail(w, r, err)
		return
	}
	d.ReviewDue = cv.ReviewDue
	for _, ch := range consent.Channels {
		cc := cv.Channels[string(ch)]
		row := consentRow{Channel: console.ChannelName(L, ch), State: stateName(L, cc.State), Granted: "—", Expires: "—"}
		if cc.GrantedAt != nil {
			row.Granted = L.DateTime(*cc.GrantedAt)
		}
		if cc.ExpiresAt != nil {
			row.Expires = L.DateTime(*cc.ExpiresAt)
		}
		var opts []string
		if cc.AllowVoicemail {
			opts = append(opts, L.T("participants.consent.voicemail_allowed"))
		}
		if cc.AcceptWhatsAppRisk {
			opts = append(opts, L.T("participants.consent.whatsapp_risk_accepted"))
		}
		if cc.ReviewDue {
			opts = append(opts, L.T("participants.consent.review_due"))
		}
		row.Options = strings.Join(opts, "; ")
		d.Consents = append(d.Consents, row)
	}
	for i := len(cv.History) - 1; i >= 0; i-- { // newest first
		e := cv.History[i]
		h := historyRow{At: L.DateTime(e.At), ISO: L.ISO(e.At), Channel: console.ChannelName(L, consent.Channel(e.Channel)), Kind: kindName(L, e.Kind), Actor: e.Actor, Source: e.Source}
		var det []string
		if e.Evidence != "" {
			det = append(det, L.T("participants.history.evidence", "evidence", e.Evidence))
		}
		if e.NoticeLanguage != "" {
			det = append(det, L.T("participants.history.notice", "language", console.LanguageLabel(e.NoticeLanguage)))
		}
		if e.ExpiresAt != nil {
			det = append(det, L.T("participants.history.expires", "time", L.DateTime(*e.ExpiresAt)))
		}
		if e.Reason != "" {
			det = append(det, L.T("participants.history.reason", "reason", e.Reason))
		}
		h.Detail = strings.Join(det, "; ")
		d.History = append(d.History, h)
	}
	for _, ch := range consent.Channels {
		dec, err := p.parts.Contactability(ctx, actor, code, string(ch))
		if err != nil {
			p.partFail(w, r, err)
			return
		}
		d.Decisions = append(d.Decisions, decisionWords(L, dec, ch, her, now))
	}
	d.Week = herWeek(L, v.ParticipantView, her, now)
	p.con.RenderView(w, r, status, "participants_show", view)
}

func stateName(L *console.Localizer, s consent.State) string {
	switch s {
	case consent.StateGranted:
		return L.T("participants.state.granted")
	case consent.StateRevoked:
		return L.T("participants.state.revoked")
	case consent.StateExpired:
		return L.T("participants.state.expired")
	}
	return L.T("participants.state.none")
}

func kindName(L *console.Localizer, k string) string {
	switch consent.EventKind(k) {
	case consent.KindGranted:
		return L.T("participants.kind.granted")
	case consent.KindRevoked:
		return L.T("participants.kind.revoked")
	}
	return L.T("participants.kind.expired")
}

// weekdayClock is t's weekday and time of day as t's zone reads it:
// "Tue 10:00".
func weekdayClock(L *console.Localizer, t time.Time) string {
	return L.List("date.weekdays", int(t.Weekday())) + " " + t.Format("15:04")
}

// decisionWords is the contact decision on ch in a sentence: "SMS:
// allowed, discreet wording, next safe time Tue 10:00 her time (09:00
// yours)".
func decisionWords(L *console.Localizer, d consent.Decision, ch consent.Channel, her *time.Location, now time.Time) string {
	name := console.ChannelName(L, ch)
	if !d.Allowed {
		var why string
		switch d.Code {
		case consent.CodeNoConsent:
			why = L.T("participants.decision.no_consent")
		case consent.CodeConsentRevoked:
			why = L.T("participants.decision.consent_revoked")
		case consent.CodeConsentExpired:
			why = L.T("participants.decision.consent_expired")
		case consent.CodeNoNumberForChannel:
			why = L.T("participants.decision.no_number")
		case consent.CodeChannelUnsafeForMonitoredPhone:
			why = L.T("participants.decision.unsafe_monitored")
		case consent.CodeNoTimeZone, consent.CodeNoSafeWindow:
			why = L.T("participants.decision.no_window")
		default:
			why = d.Reason
		}
		return L.T("participants.decision.refused", "channel", name, "why", why)
	}
	wording := L.T("participants.decision.standard")
	if d.Variant == consent.VariantDiscreet {
		wording = L.T("participants.decision.discreet")
	}
	var when string
	if d.Immediate {
		when = L.T("participants.decision.now")
	} else {
		at := d.SendAt
		yours := L.Clock(at)
		if at.In(L.Location()).Weekday() != at.In(her).Weekday() {
			yours = weekdayClock(L, at.In(L.Location()))
		}
		when = L.T("participants.decision.next", "hers", weekdayClock(L, at.In(her)), "yours", yours)
	}
	s := L.T("participants.decision.allowed", "channel", name, "wording", wording, "when", when)
	if ch == consent.Voice {
		if d.AllowVoicemail {
			s += " " + L.T("participants.decision.voicemail")
		} else {
			s += " " + L.T("participants.decision.no_voicemail")
		}
	}
	if d.ReviewDue {
		s += " " + L.T("participants.decision.review_due")
	}
	return s
}

// The week grid: her safe contact hours this week (Monday to Sunday, her
// calendar), one row per hour of her day, each cell's state in words.

type weekGrid struct {
	Caption string
	Days    []weekDay
	Rows    []safeWeekRow
}

type weekDay struct {
	Name  string
	Today bool
}

type safeWeekRow struct {
	Hers, Yours string // the hour, her clock and (when it differs) the reader's
	Cells       []safeWeekCell
}

type safeWeekCell struct {
	Class, Text string
}

func herWeek(L *console.Localizer, v participant.ParticipantView, her *time.Location, now time.Time) weekGrid {
	prof := consent.Profile{AnyTime: v.AnyTime}
	for _, s := range v.SafeWindows {
		if w, err := consent.ParseWindow(s); err == nil {
			prof.Windows = append(prof.Windows, w)
		}
	}
	windows, anyTime := consent.EffectiveWindows(prof)
	local := now.In(her)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, her)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	g := weekGrid{Caption: L.T("participants.week.caption", "zone", her.String(), "mine", L.Zone())}
	for i := range 7 {
		day := monday.AddDate(0, 0, i)
		g.Days = append(g.Days, weekDay{Name: L.DateParts("participants.week.day", day), Today: day.Equal(today)})
	}
	sameZone := sameOffset(today, L.Location())
	for h := range 24 {
		at := time.Date(today.Year(), today.Month(), today.Day(), h, 0, 0, 0, her)
		row := safeWeekRow{Hers: at.Format("15:04")}
		if !sameZone {
			row.Yours = L.T("participants.week.yours", "time", L.Clock(at))
		}
		for i := range 7 {
			start := time.Date(monday.Year(), monday.Month(), monday.Day()+i, h, 0, 0, 0, her)
			in := 0
			for q := range 4 {
				if anyTime || consent.InWindow(windows, her, start.Add(time.Duration(q)*15*time.Minute)) {
					in++
				}
			}
			cell := safeWeekCell{Class: "unsafe", Text: L.T("participants.week.unsafe")}
			switch in {
			case 4:
				cell = safeWeekCell{Class: "safe", Text: L.T("participants.week.safe")}
			case 1, 2, 3:
				cell = safeWeekCell{Class: "part", Text: L.T("participants.week.part")}
			}
			if !now.Before(start) && now.Before(start.Add(time.Hour)) {
				cell.Class += " now"
				cell.Text += " " + L.T("participants.week.now")
			}
			row.Cells = append(row.Cells, cell)
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// sameOffset reports whether the reader's zone reads the same clock as
// t's on t's day.
func sameOffset(t time.Time, zone *time.Location) bool {
	_, a := t.Zone()
	_, b := t.In(zone).Zone()
	return a == b
}

// The forms on her page.

// grantFields are the fields of the consent form.
var grantFields = []string{"channel", "evidence", "notice_language", "expires_at", "allow_voicemail", "accept_whatsapp_risk"}

func (p *Pages) consentGrant(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	in := participant.GrantInput{
		Channel: r.PostFormValue("channel"), Evidence: r.PostFormValue("evidence"), NoticeLanguage: r.PostFormValue("notice_language"),
		AllowVoicemail: r.PostFormValue("allow_voicemail") != "", AcceptWhatsAppRisk: r.PostFormValue("accept_whatsapp_risk") != "",
	}
	err := p.expiry(r, code, r.PostFormValue("expires_at"), &in)
	if err == nil {
		_, err = p.parts.Grant(r.Context(), p.con.ActorOf(r), code, in)
	}
	if err != nil {
		p.formRefused(w, r, "grant", grantFields, err)
		return
	}
	console.Redirect(w, r, "/participants/"+code+"?m=granted#consent")
}

// expiry reads the form's expiry date: her consent ends when that day
// ends in her time zone.
func (p *Pages) expiry(r *http.Request, code, day string, in *participant.GrantInput) error {
	day = strings.TrimSpace(day)
	if day == "" {
		return nil
	}
	v, err := p.parts.Get(r.Context(), p.con.ActorOf(r), code)
	if err != nil {
		return err
	}
	her, err := time.LoadLocation(v.TimeZone)
	if err != nil || v.Limited {
		her = time.UTC
	}
	d, err := time.ParseInLocation("2006-01-02", day, her)
	if err != nil {
		return errs.Field("invalid_expiry", "expires_at", "the expiry is a date")
	}
	end := d.AddDate(0, 0, 1)
	in.ExpiresAt = &end
	return nil
}

func (p *Pages) consentRevoke(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	out, err := p.parts.Revoke(r.Context(), p.con.ActorOf(r), code, r.PostFormValue("channel"), r.PostFormValue("reason"))
	if err != nil {
		p.formRefused(w, r, "revoke", []string{"channel", "reason"}, err)
		return
	}
	if out.Consents == nil {
		// Not her team: the limited page, with the channel's new state.
		p.showParticipant(w, r, http.StatusOK, nil, &out)
		return
	}
	console.Redirect(w, r, "/participants/"+code+"?m=revoked#consent")
}

// participantMonitored marks her phone as possibly monitored, or not any
// more (her caseworker or a supervisor, as the API's PATCH allows): from
// then on every message to her is worded discreetly.
func (p *Pages) participantMonitored(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	var on bool
	switch r.PostFormValue("monitored") {
	case "on":
		on = true
	case "off":
	default:
		p.formRefused(w, r, "monitored", nil, errs.Field("invalid_parameter", "monitored", "monitored is on or off"))
		return
	}
	if _, err := p.parts.Patch(r.Context(), p.con.ActorOf(r), code, participant.ParticipantInput{Monitored: &on}); err != nil {
		p.formRefused(w, r, "monitored", nil, err)
		return
	}
	console.Redirect(w, r, "/participants/"+code+"?m=saved#profile")
}

func (p *Pages) participantReveal(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	rv, err := p.parts.RevealPhone(r.Context(), p.con.ActorOf(r), r.PathValue("code"), r.PostFormValue("reason"))
	if err != nil {
		if httpx.IsErr(err, participant.CodeRevealBudgetExhausted) {
			w.Header().Set("Retry-After", strconv.Itoa(int((24 * time.Hour).Seconds())))
		}
		p.formRefused(w, r, "reveal", []string{"reason"}, err)
		return
	}
	// This answer only (no-store, like every page; a reload posts again
	// and is counted again).
	p.con.RenderView(w, r, http.StatusOK, "participants_reveal", &console.View{Data: revealData{Code: rv.Code, Phone: rv.Phone, At: L.DateTime(rv.At)}})
}

type revealData struct {
	Code, Phone, At string
}

// formRefused shows her page again with a form's error beside its field
// (or the 404 page when she is not there).
func (p *Pages) formRefused(w http.ResponseWriter, r *http.Request, form string, fields []string, err error) {
	e := errs.As(err)
	if e.Code == "internal" || e.Code == errs.CodeNotFound {
		p.partFail(w, r, err)
		return
	}
	field := e.Field
	if !slices.Contains(fields, field) {
		field = ""
	}
	p.showParticipant(w, r, partStatus(err), &console.FieldErr{Form: form, Field: field, Text: partErrText(console.LocalizerOf(r), err)}, nil)
}
