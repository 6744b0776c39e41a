package gateway_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"safecontact/gateway"
)

// Under plain and whole, which refuse a risky everyday phrase in free
// text, a deployment template whose discreet variant says one does not
// load; under filter, which does not look for those phrases, it does.
func TestDirTemplateRiskyPhraseUnderWholeOrNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := "id: pickup\nversion: 1\nchannels: sms\n\n[en standard]\nSee you tonight.\n\n[en discreet]\nHi! See you tonight.\n\n[es standard]\nNos vemos esta noche.\n\n[es discreet]\n¡Hola! Esta noche te paso a buscar, ¿vale?\n"
	if err := os.WriteFile(filepath.Join(dir, "pickup.tmpl"), []byte(tmpl), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, policy := range []string{gateway.FreeTextWhole, gateway.FreeTextPlain} {
		_, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{MonitoredFreeText: policy, TemplatesDir: dir})
		if err == nil || !strings.Contains(err.Error(), "risky_phrase") || strings.Contains(err.Error(), "buscar") {
			t.Fatalf("%s: %v", policy, err)
		}
	}
	if _, err := gateway.DiscreetCatalog(gateway.DiscreetConfig{MonitoredFreeText: gateway.FreeTextFilter, TemplatesDir: dir}); err != nil {
		t.Fatalf("filter: %v", err)
	}
}
