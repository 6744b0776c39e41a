package message

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/audit"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/templates"
	"safecontact/textcheck"
)

// A staff member's signature name: the first name (often a cover name)
// she signs her texts with ("Hola Ana, soy Marta"). In her own free text
// and template text parameters to a monitored phone it is a known name,
// as if she had confirmed it in confirm_names (without counting toward
// their limit), so her greeting or signature does not refuse the text
// under the policies that report names the filter cannot place.
//
//	GET /v1/me/signature-name   {"signature_name": "Marta"} (null: none)
//	PUT /v1/me/signature-name   {"signature_name": "Marta"}; "" or null clears
//
// Only the user herself sets hers: there is no route to set another's.

// ActionSignatureNameSet is the audit action of a set or cleared
// signature name. Its details never carry the name.
const ActionSignatureNameSet = "user.signature_name_set"

// CheckSignatureName validates a signature name (textcheck.SignatureName)
// and refuses one the discreet filter flags on its own, as it refuses
// such a confirmed name (FlaggedConfirmedName): an organisation's or a
// service's name, a legal word, a street. It is scanned with every
// language's lexicon and with each shipped language's, since it goes into
// texts in any of them. It returns the name as stored; the error is
// invalid_param on field and never quotes the name.
func CheckSignatureName(f *templates.Filter, field, name string) (string, error) {
	name, err := textcheck.SignatureName(field, name)
	if err != nil {
		return "", err
	}
	for _, lang := range append([]string{""}, templates.ShippedLanguages...) {
		if fs := f.ScanWith(name, templates.ScanOptions{Lang: lang}); len(fs) > 0 {
			return "", errs.Field(CodeInvalidParam, field,
				"the filter flags this name on its own (%s): it would be refused as a confirmed name in a text to a monitored phone, so it cannot be a signature name; choose another first name", fs[0].Category)
		}
	}
	// A name that is also a word the filter flags, or a cry for help, is
	// known in a text only where capitalised as stored, but a reader of
	// her phone sees the word all the same ("Un abrazo, Socorro").
	lower := strings.ToLower(name)
	for _, lang := range templates.ShippedLanguages {
		for _, fd := range f.ScanWith(lower, templates.ScanOptions{Lang: lang, Vocabulary: true}) {
			if fd.Category != templates.CategoryNotInVocabulary && fd.Category != templates.CategoryUnknownName {
				return "", errs.Field(CodeInvalidParam, field,
					"this name is also a word the filter flags (%s): it cannot be a signature name; choose another first name", fd.Category)
			}
		}
	}
	for _, w := range strings.FieldsFunc(lower, func(r rune) bool { return r == ' ' || r == '-' || r == '\'' }) {
		if helpWords[w] {
			return "", errs.Field(CodeInvalidParam, field,
				"this name is also a word asking for help or a way out: it cannot be a signature name; choose another first name")
		}
	}
	return name, nil
}

// helpWords are the words, in the shipped languages, that ask for help
// or name a way out and are also first names ("Socorro", "Amparo",
// "Libertad"): never a signature name. Lower-case, with and without
// their accents.
var helpWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`socorro auxilio ayuda help aiuto ajuda ajutor aide
		libertad libertà liberta liberté liberte liberdade libertate amparo refugio`) {
		helpWords[w] = true
	}
}

// SignatureName is the actor's own signature name ("" none). Only a
// staff user has one.
func (s *Service) SignatureName(ctx context.Context, a *auth.Actor) (string, error) {
	if a == nil || a.UserID == 0 {
		return "", errs.New(errs.CodeForbidden, "only a staff user has a signature name")
	}
	n, err := s.q.UserSignatureName(ctx, a.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", httpx.NotFound("user")
	} else if err != nil {
		return "", errs.Internal(err)
	}
	return n.String, nil
}

// SetSignatureName sets the actor's own signature name after
// CheckSignatureName ("" or blank clears it), recorded as user.signature_name_set
// without the name. It returns the name as stored.
func (s *Service) SetSignatureName(ctx context.Context, a *auth.Actor, name string) (string, error) {
	if a == nil || a.UserID == 0 {
		return "", errs.New(errs.CodeForbidden, "only a staff user has a signature name")
	}
	var v sql.NullString
	if strings.TrimSpace(name) != "" {
		n, err := CheckSignatureName(s.filter, "signature_name", name)
		if err != nil {
			return "", err
		}
		v = sql.NullString{String: n, Valid: true}
	}
	err := db.InTx(ctx, s.d.DB, func(q *db.Queries, _ *sql.Tx) error {
		n, err := q.SetUserSignatureName(ctx, db.SetUserSignatureNameParams{ID: a.UserID, SignatureName: v})
		if err != nil {
			return err
		}
		if n == 0 {
			return httpx.NotFound("user")
		}
		_, err = audit.Append(ctx, q, a, audit.Event{Action: ActionSignatureNameSet, Details: map[string]any{"user": a.Name, "cleared": !v.Valid}})
		return err
	})
	if err != nil {
		if e := errs.As(err); e.Code == errs.CodeNotFound {
			return "", err
		}
		return "", errs.Internal(err)
	}
	return v.String, nil
}

// signatureOf is the signature name of a message's author, read fresh
// for each message (a change through another gateway process counts at
// once): "" when she has none, the actor is not a staff user, or it
// cannot be read (then her name is not known: the text is scanned as
// without it, which fails closed).
func (s *Service) signatureOf(ctx context.Context, a *auth.Actor) string {
	if a == nil || a.UserID == 0 {
		return ""
	}
	n, err := s.q.UserSignatureName(ctx, a.UserID)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.d.Log.Warn("signature name for the discreet filter", "err", err)
		}
		return ""
	}
	return n.String
}

func signatureView(n string) gin.H {
	if n == "" {
		return gin.H{"signature_name": nil}
	}
	return gin.H{"signature_name": n}
}

func (h handlers) getSignatureName(c *gin.Context) {
	n, err := h.s.SignatureName(c.Request.Context(), auth.ActorOf(c))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, signatureView(n))
}

func (h handlers) putSignatureName(c *gin.Context) {
	var in struct {
		SignatureName *string `json:"signature_name"`
	}
	// A staff member's own first name: not a participant's real name.
	if !httpx.BindStrict(c, &in, true) {
		return
	}
	name := ""
	if in.SignatureName != nil {
		name = *in.SignatureName
	}
	n, err := h.s.SetSignatureName(c.Request.Context(), auth.ActorOf(c), name)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, signatureView(n))
}
