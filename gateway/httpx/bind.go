package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"safecontact/errs"
	"safecontact/textcheck"
)

// realNameFields are refused with their own message: the gateway never
// stores a participant's name, and saying so is kinder than "unknown field".
var realNameFields = map[string]bool{
	"name": true, "first_name": true, "firstname": true, "surname": true, "last_name": true,
	"lastname": true, "full_name": true, "fullname": true, "given_name": true, "family_name": true,
}

var fieldCache sync.Map // reflect.Type -> map[string]bool

// JSONFields is the set of JSON names a struct type takes (what
// BindStrict accepts).
func JSONFields(t reflect.Type) map[string]bool {
	if v, ok := fieldCache.Load(t); ok {
		return v.(map[string]bool)
	}
	m := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = true
	}
	fieldCache.Store(t, m)
	return m
}

// BindStrict decodes a JSON object body into dst (a pointer to a struct),
// refusing unknown fields with 422 and real-name fields with a message that
// says why. It writes the error response itself and returns false on error.
func BindStrict(c *gin.Context, dst any, realNamesAllowed bool) bool {
	body, ok := ReadBody(c)
	return ok && DecodeStrict(c, body, dst, realNamesAllowed)
}

// ReadBody reads the (size-limited) request body.
func ReadBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			Fail(c, errs.New(errs.CodeBodyTooLarge, "request body is larger than %d bytes", mbe.Limit))
		} else {
			Fail(c, errs.New(errs.CodeInvalidJSON, "could not read the request body"))
		}
		return nil, false
	}
	return body, true
}

// DecodeStrict is BindStrict over a body already read.
func DecodeStrict(c *gin.Context, body []byte, dst any, realNamesAllowed bool) bool {
	if err := checkFields(body, reflect.TypeOf(dst).Elem(), realNamesAllowed); err != nil {
		Fail(c, err)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// Only the top-level name: below it are the caller's own keys
			// (a params map), which are not echoed.
			f, _, _ := strings.Cut(te.Field, ".")
			Fail(c, errs.Field(errs.CodeInvalidJSON, f, "field %q has the wrong type", f))
			return false
		}
		// The decoder's message can quote input; ours does not.
		Fail(c, errs.New(errs.CodeInvalidJSON, "the request body is not a valid JSON object"))
		return false
	}
	if dec.More() {
		Fail(c, errs.New(errs.CodeInvalidJSON, "the request body has data after the JSON object"))
		return false
	}
	if f := nulField(reflect.ValueOf(dst), ""); f != "" {
		Fail(c, errs.Field(textcheck.CodeInvalidText, f, "%s contains a NUL character: type plain text", f))
		return false
	}
	return true
}

func checkFields(body []byte, t reflect.Type, realNamesAllowed bool) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return errs.New(errs.CodeInvalidJSON, "the request body is not a valid JSON object")
	}
	known := JSONFields(t)
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys) // stable: the first bad field alphabetically
	for _, k := range keys {
		if !realNamesAllowed && realNameFields[strings.ToLower(k)] {
			return errs.Field(errs.CodeRealNameForbidden, k, "real names are never stored; identify her by initials (e.g. \"M.R.\") and the participant code")
		}
		if !known[k] {
			// The key is the caller's text (it may be a number): the
			// answer names only what the route takes.
			allowed := make([]string, 0, len(known))
			for f := range known {
				allowed = append(allowed, f)
			}
			sort.Strings(allowed)
			return errs.New(errs.CodeUnknownField, "the body has a field this request does not take; allowed fields: %s", strings.Join(allowed, ", "))
		}
	}
	return nil
}

// nulField returns the JSON name of the first field of v (a decoded body)
// whose text holds a NUL, or "". PostgreSQL refuses NUL in text, so such
// a value must be refused before it reaches a query, whatever the route.
func nulField(v reflect.Value, name string) string {
	switch v.Kind() {
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			return name
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nulField(v.Elem(), name)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "" // bytes (json.RawMessage): decoded by the handler, checked there
		}
		for i := 0; i < v.Len(); i++ {
			if f := nulField(v.Index(i), name); f != "" {
				return f
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if f := nulField(it.Key(), name); f != "" {
				return f
			}
			if f := nulField(it.Value(), name); f != "" {
				return f
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if n == "" {
				n = t.Field(i).Name
			}
			if name != "" {
				n = name
			}
			if f := nulField(v.Field(i), n); f != "" {
				return f
			}
		}
	}
	return ""
}

// Codes of BindReason.
const (
	CodeReasonRequired  = "reason_required"
	CodeReasonHasNumber = "reason_has_number"
)

// BindReason reads {"reason": "…"} for an action whose reason is kept in
// the audit log in clear: 5 to 500 characters, and no phone number in it.
// why completes "say why …". It writes the error itself.
func BindReason(c *gin.Context, why string) (string, bool) {
	var in struct {
		Reason string `json:"reason"`
	}
	if c.Request.ContentLength != 0 && !BindStrict(c, &in, false) {
		return "", false
	}
	reason, err := CheckReason(in.Reason, why)
	if err != nil {
		Fail(c, err)
		return "", false
	}
	return reason, true
}

// CheckReason is BindReason's check of a reason already read (a console
// form's): trimmed, 5 to 500 characters, no phone number in it.
func CheckReason(reason, why string) (string, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 5 || n > 500 {
		return "", errs.Field(CodeReasonRequired, "reason", "say why %s (5 to 500 characters); the reason is kept in the audit log", why)
	}
	if err := textcheck.Chars("reason", reason); err != nil {
		return "", err
	}
	if k := textcheck.Find(reason); k != textcheck.None {
		return "", errs.Field(CodeReasonHasNumber, "reason", "the reason is kept in the audit log in clear: leave out %s (and any phone number, e-mail, link or address); reference the paper form instead", k)
	}
	return reason, nil
}

// RealNameField reports whether a request field's name asks for a real
// name ("name", "surname" …), which the gateway never stores.
func RealNameField(k string) bool { return realNameFields[strings.ToLower(k)] }
