package callback

import (
	"strings"
	"testing"
	"time"

	"safecontact/db"
	"safecontact/templates"
)

func TestVoicePromptsEveryShippedLanguage(t *testing.T) {
	cat, err := templates.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	filter := cat.Filter()
	for _, lang := range []string{"es", "ca", "it", "en", "fr", "pt", "ro"} {
		v, ok := voiceLangs[lang]
		if !ok || v.prompt == "" || v.unavailable == "" || !strings.HasPrefix(v.tag, lang+"-") || v.voice == "" {
			t.Errorf("%s: %+v", lang, v)
		}
		if !strings.Contains(v.prompt, "1") {
			t.Errorf("%s: the prompt does not say which key: %q", lang, v.prompt)
		}
		// Neutral: the discreet-content filter finds nothing in it.
		if fs := filter.Scan(v.prompt); len(fs) > 0 {
			t.Errorf("%s: the prompt is not discreet: %v", lang, fs)
		}
	}
	for lang, want := range map[string]string{"es-MX": "es-ES", "pt-BR": "pt-PT", "gl": "es-ES", "de": "en-GB", "": "en-GB", "ro": "ro-RO"} {
		if got := voiceFor(lang).tag; got != want {
			t.Errorf("voiceFor(%q) = %s, want %s", lang, got, want)
		}
	}
}

func TestCallbackRequeueTimeInsideHerWindows(t *testing.T) {
	p := db.Participant{TimeZone: "Europe/Madrid", SafeWindows: []string{"mon-fri 10:00-12:00", "sat 18:00-02:00"}}
	// Tuesday 11:30 in Madrid, plus the 2h spacing = 13:30: outside; her
	// next window opens Wednesday 10:00 (08:00 UTC).
	now := time.Date(2026, 6, 2, 9, 30, 0, 0, time.UTC)
	if got := nextCallbackTime(p, now.Add(2*time.Hour)); !got.Equal(time.Date(2026, 6, 3, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("next = %s", got)
	}
	// Inside a window: that time itself.
	in := time.Date(2026, 6, 3, 8, 30, 0, 0, time.UTC)
	if got := nextCallbackTime(p, in); !got.Equal(in) {
		t.Fatalf("inside = %s", got)
	}
	// Any time: no window to wait for.
	if got := nextCallbackTime(db.Participant{TimeZone: "Europe/Madrid", AnyTime: true}, now); !got.Equal(now) {
		t.Fatalf("any time = %s", got)
	}
}
