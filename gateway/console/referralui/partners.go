package referralui

import (
	"net/http"
	"strconv"
	"strings"

	"safecontact/gateway/console"
	"safecontact/gateway/referrals"
)

// The administrator's partner directory: add a partner from its card,
// verify the fingerprint read aloud, remove.

type partnersData struct {
	Partners []referrals.PartnerView
	// Card is the add form as pasted (after a refusal): public keys only.
	Card string
}

func (p *partnerPages) partnersPage(w http.ResponseWriter, r *http.Request) {
	p.showPartners(w, r, http.StatusOK, partnersData{}, nil)
}

func (p *partnerPages) showPartners(w http.ResponseWriter, r *http.Request, status int, d partnersData, refused error) {
	L := console.LocalizerOf(r)
	ps, err := p.referrals.ListPartners(r.Context(), false)
	if err != nil {
		p.con.Fail(w, r, err)
		return
	}
	d.Partners = ps
	v := &console.View{Data: d, Flash: refFlash(L, r)}
	if refused != nil {
		v.Flash, v.Error = "", refErrText(L, refused)
	}
	p.con.RenderView(w, r, status, "referrals_partners", v)
}

// partnerDone answers a change: 303 back to the directory with a
// confirmation, or the directory with the refusal in words.
func (p *partnerPages) partnerDone(w http.ResponseWriter, r *http.Request, err error, flash string, d partnersData) {
	if err == nil {
		console.Redirect(w, r, "/admin/partners?m="+flash)
		return
	}
	if refFail(p.con, w, r, err) {
		return
	}
	p.showPartners(w, r, refStatus(err), d, err)
}

func (p *partnerPages) partnerAdd(w http.ResponseWriter, r *http.Request) {
	card := strings.TrimSpace(r.PostFormValue("card"))
	_, created, err := p.referrals.AddPartner(r.Context(), refActor(p.con, r), []byte(card))
	flash := "updated"
	if created {
		flash = "added"
	}
	p.partnerDone(w, r, err, flash, partnersData{Card: card})
}

func (p *partnerPages) partnerID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.con.NotFound(w, r)
		return 0, false
	}
	return id, true
}

func (p *partnerPages) partnerVerify(w http.ResponseWriter, r *http.Request) {
	id, ok := p.partnerID(w, r)
	if !ok {
		return
	}
	_, err := p.referrals.VerifyPartner(r.Context(), refActor(p.con, r), id, r.PostFormValue("fingerprint"))
	p.partnerDone(w, r, err, "verified", partnersData{})
}

func (p *partnerPages) partnerRemove(w http.ResponseWriter, r *http.Request) {
	id, ok := p.partnerID(w, r)
	if !ok {
		return
	}
	_, err := p.referrals.RemovePartner(r.Context(), refActor(p.con, r), id)
	p.partnerDone(w, r, err, "removed", partnersData{})
}
