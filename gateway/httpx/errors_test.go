package httpx

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"

	"safecontact/errs"
)

// Fail answers with the table's status and the error object; an internal
// cause never reaches the client, and a database that did not answer is
// a 503 with Retry-After.
func TestFail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		retry  string
	}{
		{"not found", NotFound("participant"), 404, errs.CodeNotFound, ""},
		{"field", errs.Field("some_new_code", "x", "bad x"), 422, "some_new_code", ""},
		{"internal", errors.New("pq: Key (phone)=(+34600000000) exists"), 500, errs.CodeInternal, ""},
		{"database down", errs.Internal(&pgconn.PgError{Code: "57P01"}), 503, errs.CodeUnavailable, RetryAfterSeconds},
	} {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		Fail(c, tc.err)
		var body struct {
			Error errs.Error `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if w.Code != tc.status || body.Error.Code != tc.code || w.Header().Get("Retry-After") != tc.retry {
			t.Errorf("%s: %d %s retry %q", tc.name, w.Code, body.Error.Code, w.Header().Get("Retry-After"))
		}
		if strings.Contains(w.Body.String(), "+346") {
			t.Errorf("%s: the cause reached the client: %s", tc.name, w.Body)
		}
		if !IsErr(errs.As(tc.err), errs.As(tc.err).Code) {
			t.Errorf("%s: IsErr", tc.name)
		}
	}
	if RedactErr(errors.New(`duplicate key: Key (phone)=(+34600000000) exists`)) != "duplicate key: [detail redacted]" {
		t.Error("RedactErr kept the key")
	}
}
