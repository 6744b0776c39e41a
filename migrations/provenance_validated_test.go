package migrations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"safecontact/db/dbtest"
	"safecontact/migrations"
)

// 00025 validates 00018's three checks of a message's template
// provenance over rows written before them (both columns NULL) and since
// (a templated message with its digest and source); down leaves them
// valid, and up again passes.
func TestTemplateProvenanceChecksValidated(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	p, err := goose.NewProvider(goose.DialectPostgres, pool, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 24); err != nil {
		t.Fatalf("down to 24: %v", err)
	}
	for _, s := range []string{
		`INSERT INTO participants (code, initials, language, time_zone, phone_enc, phone_index, phone_mask)
		 VALUES ('P-00001', 'AB', 'es', 'Europe/Madrid', '\x01', '\x02', '+34 ••• 0000')`,
		`INSERT INTO messages (id, participant_id, channel, status, variant, template_id, template_version, language, send_at, consent_version)
		 SELECT '01900000-0000-7000-8000-000000000001', id, 'sms', 'queued', 'standard', 'how_are_you', 2, 'es', now(), 1 FROM participants`,
		`INSERT INTO messages (id, participant_id, channel, status, variant, template_id, template_version, template_digest, template_source, language, send_at, consent_version)
		 SELECT '01900000-0000-7000-8000-000000000002', id, 'sms', 'queued', 'standard', 'how_are_you', 2, repeat('0a', 32), 'builtin', 'es', now(), 1 FROM participants`,
		`INSERT INTO messages (id, participant_id, channel, status, variant, language, send_at, consent_version)
		 SELECT '01900000-0000-7000-8000-000000000003', id, 'sms', 'queued', 'standard', 'es', now(), 1 FROM participants`,
	} {
		if _, err := pool.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	validated := func() map[string]bool {
		t.Helper()
		rows, err := pool.QueryContext(ctx, `SELECT conname, convalidated FROM pg_constraint
			WHERE conrelid = 'messages'::regclass AND conname LIKE 'messages\_template\_%'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var n string
			var v bool
			if err := rows.Scan(&n, &v); err != nil {
				t.Fatal(err)
			}
			out[n] = v
		}
		return out
	}
	names := []string{"messages_template_source", "messages_template_digest", "messages_template_provenance"}
	check := func(when string) {
		t.Helper()
		v := validated()
		for _, n := range names {
			if ok, found := v[n]; !found || !ok {
				t.Errorf("%s: check %s found %v, validated %v", when, n, found, ok)
			}
		}
	}
	if _, err := p.UpTo(ctx, 25); err != nil {
		t.Fatalf("up to 25: %v", err)
	}
	check("after up")
	if _, err := p.DownTo(ctx, 24); err != nil {
		t.Fatalf("down to 24: %v", err)
	}
	check("after down")
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	check("after up again")
	// Still enforced.
	if _, err := pool.ExecContext(ctx, `UPDATE messages SET template_source = 'disk' WHERE id = '01900000-0000-7000-8000-000000000002'`); err == nil ||
		!strings.Contains(err.Error(), "messages_template_source") {
		t.Errorf("a source other than builtin or deployment: %v", err)
	}
}
