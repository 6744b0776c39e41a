package templates

import (
	"errors"
	"fmt"
	"testing"

	"safecontact/errs"
)

// TestIsRenderRefusal: Render's refusals (a check-in nudge that cannot be
// rendered for her escalates at once) are told from other errors (a
// database error fails the scheduler's tick, which is retried).
func TestIsRenderRefusal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want bool
	}{
		{errs.New(CodeUnsupportedChannel, "x"), true},
		{errs.New(CodeSensitiveContent, "x"), true},
		{errs.New(CodeMissingParam, "x"), true},
		{errs.New(CodeUnknownTemplate, "x"), true},
		{fmt.Errorf("store: %w", errs.New(CodeInvalidParam, "x")), true},
		{errors.New("connection reset"), false},
		{errs.Internal(errors.New("deadlock")), false},
	} {
		if got := IsRenderRefusal(c.err); got != c.want {
			t.Errorf("IsRenderRefusal(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
