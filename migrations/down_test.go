package migrations_test

import (
	"context"
	"testing"

	"github.com/pressly/goose/v3"

	"safecontact/db/dbtest"
	"safecontact/migrations"
)

// 00022 down leaves no message in dropped_call_refused, a status the
// old schema does not rank: such a row becomes dropped_consent_revoked,
// final (the forward trigger then refuses to move it back to queued).
func TestDown00022DroppedCallRefused(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	for _, s := range []string{
		`INSERT INTO participants (code, initials, language, time_zone, phone_enc, phone_index, phone_mask)
		 VALUES ('P-00001', 'AB', 'es', 'Europe/Madrid', '\x01', '\x02', '+34 ••• 0000')`,
		`INSERT INTO messages (id, participant_id, channel, status, variant, language, content_enc, send_at, consent_version, rendered_tz)
		 SELECT '01900000-0000-7000-8000-000000000001', id, 'sms', 'queued', 'standard', 'es', '\x03', now(), 1, 'Europe/Madrid' FROM participants`,
		`UPDATE messages SET status = 'dropped_call_refused'`,
	} {
		if _, err := pool.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	p, err := goose.NewProvider(goose.DialectPostgres, pool, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 21); err != nil {
		t.Fatalf("down to 21: %v", err)
	}
	var status string
	if err := pool.QueryRowContext(ctx, `SELECT status FROM messages`).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "dropped_consent_revoked" {
		t.Fatalf("status after down: %s", status)
	}
	if _, err := pool.ExecContext(ctx, `UPDATE messages SET status = 'queued'`); err == nil {
		t.Fatal("a final message moved back to queued after down")
	}
	// And up again.
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
}
