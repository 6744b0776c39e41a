package referrals

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"safecontact/errs"
	"safecontact/gateway/httpx"
	"safecontact/referral"
)

// Routes mounts the handlers on the groups the gateway gives: admin (the
// partner directory), staff (referrals), and public, a group with no user
// authentication, for the inbox, whose authentication is the package's
// signature.
func (s *Service) Routes(admin, staff, public *gin.RouterGroup) {
	h := handlers{s}
	admin.POST("/partners", h.addPartnerHTTP)
	admin.GET("/partners", h.listPartnersHTTP)
	admin.POST("/partners/:id/verify", h.verifyPartnerHTTP)
	admin.DELETE("/partners/:id", h.removePartnerHTTP)

	staff.POST("/referrals", h.draftHTTP)
	staff.GET("/referrals", h.listHTTP)
	staff.POST("/referrals/import", h.importHTTP)
	staff.GET("/referrals/:id", h.getHTTP)
	staff.GET("/referrals/:id/package", h.packageHTTP)
	staff.POST("/referrals/:id/deliver", h.deliverHTTP)
	staff.POST("/referrals/:id/decision", h.decideHTTP)
	staff.GET("/referrals/:id/receipt", h.receiptHTTP)

	public.POST("/referrals/inbox", h.inboxHTTP)
}

// handlers are the referral routes' gin handlers: each reads the request,
// calls the Service method it names and writes its answer.
type handlers struct{ s *Service }

func idParam(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

// readPackage reads a package body: at most one byte more than a package
// may have, so that opening refuses a larger one as package_too_large
// without reading it all.
func readPackage(c *gin.Context) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(c.Request.Body, referral.MaxPackageSize+1))
	if err != nil {
		return nil, errs.New(referral.CodeMalformed, "the package could not be read")
	}
	return b, nil
}

// addPartnerHTTP is POST /v1/partners: the body is the partner's card as
// `gateway org show --card` prints it. 201 for a new partner (unverified),
// 200 for a newer card of a partner on file.
func (h handlers) addPartnerHTTP(c *gin.Context) {
	b, err := io.ReadAll(io.LimitReader(c.Request.Body, 64<<10))
	if err != nil {
		httpx.Fail(c, errs.New("invalid_json", "could not read the request body"))
		return
	}
	p, created, err := h.s.AddPartner(c.Request.Context(), h.s.d.ActorOf(c), b)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, p)
}

// listPartnersHTTP is GET /v1/partners[?removed=true].
func (h handlers) listPartnersHTTP(c *gin.Context) {
	with := false
	if v := c.Query("removed"); v != "" {
		var err error
		if with, err = strconv.ParseBool(v); err != nil {
			httpx.Fail(c, errs.Field("invalid_parameter", "removed", "removed is true or false"))
			return
		}
	}
	ps, err := h.s.ListPartners(c.Request.Context(), with)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": ps})
}

// VerifyInput is the body of POST /v1/partners/{id}/verify.
type VerifyInput struct {
	// Fingerprint as compared with the partner out of band.
	Fingerprint string `json:"fingerprint"`
}

// verifyPartnerHTTP is POST /v1/partners/{id}/verify.
func (h handlers) verifyPartnerHTTP(c *gin.Context) {
	id, ok := idParam(c)
	if !ok {
		httpx.Fail(c, errs.New("not_found", "partner not found"))
		return
	}
	var in VerifyInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	if in.Fingerprint == "" {
		httpx.Fail(c, errs.Field("missing_field", "fingerprint", "type the fingerprint you compared with the partner"))
		return
	}
	p, err := h.s.VerifyPartner(c.Request.Context(), h.s.d.ActorOf(c), id, in.Fingerprint)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// removePartnerHTTP is DELETE /v1/partners/{id}.
func (h handlers) removePartnerHTTP(c *gin.Context) {
	id, ok := idParam(c)
	if !ok {
		httpx.Fail(c, errs.New("not_found", "partner not found"))
		return
	}
	p, err := h.s.RemovePartner(c.Request.Context(), h.s.d.ActorOf(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// DraftInput is the body of POST /v1/referrals.
type DraftInput struct {
	Partner int64 `json:"partner"` // the partner's id
	// Form is the referral form (schema safecontact/referral/v1), read
	// strictly by referral.DecodeForm.
	Form json.RawMessage `json:"form"`
}

// draftHTTP is POST /v1/referrals: a draft, with the filter's warnings.
func (h handlers) draftHTTP(c *gin.Context) {
	var in DraftInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	if in.Partner <= 0 {
		httpx.Fail(c, errs.Field("missing_field", "partner", "name the partner by its id"))
		return
	}
	if len(in.Form) == 0 {
		httpx.Fail(c, errs.Field("missing_field", "form", "the referral form is required"))
		return
	}
	out, err := h.s.Draft(c.Request.Context(), h.s.d.ActorOf(c), in.Partner, in.Form)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Header("Location", "/v1/referrals/"+strconv.FormatInt(out.Referral.ID, 10))
	c.JSON(http.StatusCreated, out)
}

// listHTTP is GET /v1/referrals[?direction=sent|received][&before=ID][&limit=N].
func (h handlers) listHTTP(c *gin.Context) {
	var before int64
	limit := int32(50)
	if v := c.Query("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			httpx.Fail(c, errs.Field("invalid_parameter", "before", "before is a referral id"))
			return
		}
		before = n
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			httpx.Fail(c, errs.Field("invalid_parameter", "limit", "limit is 1 to 200"))
			return
		}
		limit = int32(n)
	}
	items, err := h.s.List(c.Request.Context(), c.Query("direction"), before, limit)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// importHTTP is POST /v1/referrals/import: a package file (a referral or
// a receipt) as the body. Staff are authenticated, so a refusal says why.
func (h handlers) importHTTP(c *gin.Context) {
	b, err := readPackage(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out, err := h.s.Import(c.Request.Context(), h.s.d.ActorOf(c), b, ViaFile)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	status := http.StatusOK
	if out.Kind == "referral" {
		status = http.StatusCreated
	}
	c.JSON(status, out)
}

// inboxHTTP is POST /v1/referrals/inbox: a partner's gateway delivers a
// package. No user token: the package's signature authenticates it. Every
// refusal is the one public answer (referral.PublicRefusal); the audit
// has the detailed code. An address with too many refusals is answered
// 429 inbox_rate_limited before anything is read (Deps.InboxThrottle).
func (h handlers) inboxHTTP(c *gin.Context) {
	ip, th := c.ClientIP(), h.s.d.InboxThrottle
	if th != nil {
		if wait := th.Wait(ip, h.s.d.Now()); wait > 0 {
			c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			httpx.Fail(c, errs.New(CodeInboxLimited, "too many packages from this address were refused; try again later"))
			return
		}
	}
	select {
	case h.s.inbox <- struct{}{}:
		defer func() { <-h.s.inbox }()
	default:
		c.Header("Retry-After", "5")
		httpx.Fail(c, errs.New("unavailable", "the inbox is busy; try again"))
		return
	}
	b, err := readPackage(c)
	if err == nil {
		a := h.s.d.ActorOf(c)
		a.Name, a.Role = "system:referral-inbox", "system"
		_, err = h.s.Import(c.Request.Context(), a, b, ViaInbox)
	}
	if err != nil {
		if code := errs.Code(err); th != nil && code != "internal" && code != CodeInboxBusy {
			th.Failed(ip, h.s.d.Now())
		}
		httpx.Fail(c, referral.PublicRefusal(err))
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"status": "accepted"})
}

// getHTTP is GET /v1/referrals/{id}: the form, warnings, pre-evaluation
// and outcome. Audited.
func (h handlers) getHTTP(c *gin.Context) {
	id, ok := idParam(c)
	if !ok {
		httpx.Fail(c, errs.New("not_found", "referral not found"))
		return
	}
	out, err := h.s.Get(c.Request.Context(), h.s.d.ActorOf(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// packageHTTP is GET /v1/referrals/{id}/package: the sent referral's
// package file, made on the first call.
func (h handlers) packageHTTP(c *gin.Context) {
	id, ok := idParam(c)
	if !ok {
		httpx.Fail(c, errs.New("not_found", "referral not found"))
		return
	}
	pkg, v, err := h.s.Package(c.Request.Context(), h.s.d.ActorOf(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	sendFile(c, "referral-"+*v.PackageID+".scref", pkg)
}

// receiptHTTP is GET /v1/referrals/{id}/receipt: a decided referral's
// receipt package file.
func (h handlers) receiptHTTP(c *gin.Context) {
	id, ok := idParam(c)
	if !ok {
		httpx.Fail(c, errs.New("not_found", "referral not found"))
		return
	}
	pkg, v, err := h.s.Receipt(c.Request.Context(), h.s.d.ActorOf(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	sendFile(c, "receipt-"+*v.PackageID+".scref", pkg)
}

func sendFile(c *gin.Context, name string, b []byte) {
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	// Set here: c.Data keeps a Content-Type the API's middleware set.
	c.Header("Content-Type", "application/octet-stream")
	c.Data(http.StatusOK, "application/octet-stream", b)
}

// deliverHTTP is POST /v1/referrals/{id}/deliver: the package (sent) or
// the receipt (received, decided) to the partner's inbox.
func (h handlers) deliverHTTP(c *gin.Context) {
	id, ok := idParam(c)
	if !ok {
		httpx.Fail(c, errs.New("not_found", "referral not found"))
		return
	}
	v, err := h.s.Deliver(c.Request.Context(), h.s.d.ActorOf(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// decideHTTP is POST /v1/referrals/{id}/decision.
func (h handlers) decideHTTP(c *gin.Context) {
	id, ok := idParam(c)
	if !ok {
		httpx.Fail(c, errs.New("not_found", "referral not found"))
		return
	}
	var in Decision
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	if in.Outcome == "" {
		httpx.Fail(c, errs.Field("missing_field", "outcome", "the outcome is accepted, declined or redirected"))
		return
	}
	out, err := h.s.Decide(c.Request.Context(), h.s.d.ActorOf(c), id, in)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}
