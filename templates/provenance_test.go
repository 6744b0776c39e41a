package templates

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// A template's Digest is the SHA-256 of its file's bytes as read and its
// Source where the file came from; both reach List and every Rendered.
func TestTemplateProvenance(t *testing.T) {
	t.Parallel()
	hexSum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	embedded, err := builtinFS.ReadFile("builtin/appointment_reminder.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	overrideFile := filepath.Join("testdata", "override", "appointment_reminder.tmpl")
	override, err := os.ReadFile(overrideFile)
	if err != nil {
		t.Fatal(err)
	}
	added, err := os.ReadFile(filepath.Join("testdata", "override", "free_note.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	dirCat, err := Load(filepath.Join("testdata", "override"))
	if err != nil {
		t.Fatal(err)
	}
	req := RenderRequest{TemplateID: "appointment_reminder", Lang: "es", Variant: Standard, Channel: "sms",
		Params: map[string]string{"when": "2025-06-03T08:00:00Z", "place": "Metro Sol"}, TimeZone: "Europe/Madrid"}
	for _, tc := range []struct {
		name               string
		cat                *Catalog
		id                 string
		wantSource, wantDg string
	}{
		{"built-in", mustBuiltin(t), "appointment_reminder", SourceBuiltin, hexSum(embedded)},
		{"override", dirCat, "appointment_reminder", SourceDeployment, hexSum(override)},
		{"added", dirCat, "free_note", SourceDeployment, hexSum(added)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var info *TemplateInfo
			for _, i := range tc.cat.List() {
				if i.ID == tc.id {
					info = &i
				}
			}
			if info == nil || info.Source != tc.wantSource || info.Digest != tc.wantDg {
				t.Fatalf("List: %+v, want source %s digest %s", info, tc.wantSource, tc.wantDg)
			}
			if tc.id != req.TemplateID {
				return
			}
			r := render(t, tc.cat, req)
			if r.Source != tc.wantSource || r.Digest != tc.wantDg {
				t.Errorf("Rendered source %q digest %q, want %q %q", r.Source, r.Digest, tc.wantSource, tc.wantDg)
			}
		})
	}
	if hexSum(embedded) == hexSum(override) {
		t.Fatal("the override fixture must differ from the built-in")
	}
	if b, _ := Load(""); b != mustBuiltin(t) {
		t.Fatal("Load(\"\") is the built-in catalogue")
	}
	if other := mustBuiltin(t).List(); len(other) == 0 || len(other[0].Digest) != 64 {
		t.Fatalf("digest is 64 hex digits: %+v", other[0])
	}
}

func TestShortDigest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"0123456789ab", "0123456789ab"},
		{"0123456789abcdef0123", "0123456789ab"},
	} {
		if got := ShortDigest(tc.in); got != tc.want {
			t.Errorf("ShortDigest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
