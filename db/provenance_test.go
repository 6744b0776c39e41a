package db_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"safecontact/db/dbtest"
)

// Migration 00018's checks: a message's template provenance is a 64-hex
// digest and a source of builtin or deployment, both or neither, and only
// on a templated message.
func TestMessageTemplateProvenanceChecks(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := pool.ExecContext(ctx, `INSERT INTO participants (code, initials, language, time_zone, phone_enc, phone_index, phone_mask)
		VALUES ('P-00001', 'AB', 'es', 'Europe/Madrid', '\x01', '\x02', '+34 ••• 0000')`); err != nil {
		t.Fatal(err)
	}
	digest := strings.Repeat("0a", 32)
	for i, tc := range []struct {
		name                     string
		template, digest, source any
		ok                       bool
	}{
		{"free text", nil, nil, nil, true},
		{"older templated row", "how_are_you", nil, nil, true},
		{"built-in", "how_are_you", digest, "builtin", true},
		{"deployment", "how_are_you", digest, "deployment", true},
		{"other source", "how_are_you", digest, "disk", false},
		{"upper-case digest", "how_are_you", strings.ToUpper(digest), "builtin", false},
		{"short digest", "how_are_you", digest[:12], "builtin", false},
		{"digest without source", "how_are_you", digest, nil, false},
		{"source without digest", "how_are_you", nil, "builtin", false},
		{"free text with a digest", nil, digest, "builtin", false},
	} {
		_, err := pool.ExecContext(ctx, `INSERT INTO messages (id, participant_id, channel, status, variant, template_id, template_version,
			template_digest, template_source, language, send_at, consent_version)
			SELECT ('01900000-0000-7000-8000-' || lpad($1::text, 12, '0'))::uuid, id, 'sms', 'queued', 'standard', $2::text,
			       CASE WHEN $2::text IS NULL THEN NULL ELSE 2 END, $3::text, $4::text, 'es', now(), 1 FROM participants`,
			strconv.Itoa(i), tc.template, tc.digest, tc.source)
		if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), "messages_template_") {
			t.Errorf("%s: err %v, want ok %v (else a messages_template_ check)", tc.name, err, tc.ok)
		}
	}
}
