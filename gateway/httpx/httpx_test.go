package httpx

import (
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// A caller's request id is kept when it is a UUID or 16/32 hex digits,
// whatever its digits: random UUIDs correlate with the proxy's logs.
func TestRequestIDAcceptsRandomUUIDs(t *testing.T) {
	t.Parallel()
	for range 10000 {
		if id := uuid.NewString(); !ValidRequestID(id) {
			t.Fatalf("%s refused", id)
		}
	}
}

func TestValidRequestIDRefusesText(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", "Maria Rossi 0612", "0123456789ABCDEF", "0123456789abcdeg", "{" + uuid.NewString()[1:]} {
		if ValidRequestID(id) {
			t.Errorf("%q accepted", id)
		}
	}
}

// DecodeStrict never panics and never answers outside input with a 5xx.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{}`, `{"reason":"abc"}`, `{"name":"x"}`, `{"reason":1}`, `[]`, `{"reason":"a\u0000"}`, `{} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst struct {
			Reason string            `json:"reason"`
			Params map[string]string `json:"params"`
		}
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		if !DecodeStrict(c, body, &dst, false) && w.Code >= 500 {
			t.Fatalf("%q: status %d", body, w.Code)
		}
	})
}
