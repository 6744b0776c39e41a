package safety

import (
	"errors"
	"fmt"
	"testing"

	"safecontact/errs"
	"safecontact/templates"
)

// TestCannotRenderEscalates: a nudge whose template cannot be rendered
// for her escalates the check-in at once; a database error fails the
// tick (it is retried).
func TestCannotRenderEscalates(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want bool
	}{
		{errs.New(templates.CodeUnsupportedChannel, "x"), true},
		{errs.New(templates.CodeSensitiveContent, "x"), true},
		{errs.New(templates.CodeMissingParam, "x"), true},
		{errs.New(templates.CodeUnknownTemplate, "x"), true},
		{fmt.Errorf("store: %w", errs.New(templates.CodeInvalidParam, "x")), true},
		{errors.New("connection reset"), false},
		{errs.Internal(errors.New("deadlock")), false},
	} {
		if got := cannotRender(c.err); got != c.want {
			t.Errorf("cannotRender(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
