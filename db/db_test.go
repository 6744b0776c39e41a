package db_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/db/dbtest"
)

// Array literals go through a text parameter and PostgreSQL's own parser;
// each element must come back as it went in, whatever it holds.
func TestArrayRoundTrip(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 5, 30, 0, 123456789, time.UTC)

	texts := []string{"", "plain", `quo"te`, `back\slash`, "comma,brace{}", "NULL", "espaço ñ 中文", " lead"}
	var gotTexts []string
	rows, err := pool.QueryContext(ctx, `SELECT unnest($1::text::text[])`, db.Array(texts))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		gotTexts = append(gotTexts, s)
	}
	rows.Close()
	if len(gotTexts) != len(texts) {
		t.Fatalf("got %d texts, want %d", len(gotTexts), len(texts))
	}
	for i := range texts {
		if gotTexts[i] != texts[i] {
			t.Errorf("text %d: got %q, want %q", i, gotTexts[i], texts[i])
		}
	}

	id := uuid.New()
	blob := []byte{0, 1, 0xff, '\\', '"', ','}
	var (
		gotID   uuid.UUID
		gotBlob []byte
		gotAt   time.Time
		gotBool bool
		gotN    int64
		gotS    int16
		empty   int
	)
	err = pool.QueryRowContext(ctx, `SELECT ($1::text::uuid[])[1], ($2::text::bytea[])[1], ($3::text::timestamptz[])[1],
		($4::text::boolean[])[2], ($5::text::bigint[])[1], ($6::text::smallint[])[1], cardinality($7::text::uuid[])`,
		db.Array([]uuid.UUID{id}), db.Array([][]byte{blob}), db.Array([]time.Time{at}),
		db.Array([]bool{false, true}), db.Array([]int64{-9007199254740993}), db.Array([]int16{-7}), db.Array([]uuid.UUID(nil)),
	).Scan(&gotID, &gotBlob, &gotAt, &gotBool, &gotN, &gotS, &empty)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"uuid", gotID == id},
		{"bytea", bytes.Equal(gotBlob, blob)},
		{"timestamptz cut to microseconds, not rounded", gotAt.Equal(at.Truncate(time.Microsecond))},
		{"boolean", gotBool},
		{"bigint", gotN == -9007199254740993},
		{"smallint", gotS == -7},
		{"nil slice is an empty array", empty == 0},
	}
	for _, tc := range tests {
		if !tc.ok {
			t.Errorf("%s: did not round-trip (uuid %v, bytea %x, time %v, bool %v, n %d, s %d, empty %d)",
				tc.name, gotID, gotBlob, gotAt, gotBool, gotN, gotS, empty)
		}
	}
}

// Sessions plan for SSD storage unless the URL says otherwise (see Open).
func TestOpenSetsRandomPageCost(t *testing.T) {
	_, dsn := dbtest.New(t)
	ctx := context.Background()
	tests := []struct {
		name, url, want string
	}{
		{"default", dsn, "1.1"},
		{"the URL's own value wins", dsn + sep(dsn) + "random_page_cost=3", "3"},
		{"so does one given in options", dsn + sep(dsn) + "options=-c%20random_page_cost%3D2", "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pool, err := db.Open(ctx, tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			var got string
			if err := pool.QueryRowContext(ctx, "SHOW random_page_cost").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("random_page_cost = %s, want %s", got, tc.want)
			}
		})
	}
}

func sep(url string) string {
	if strings.Contains(url, "?") {
		return "&"
	}
	return "?"
}

// A message's status changes on the send path (queued → sending → sent
// with its provider id → delivered) must stay HOT updates except the one
// that sets the indexed provider id, so they do not write every index
// again (migration 00008). pg_stat_xact_user_tables counts this
// transaction's updates at once.
func TestMessageStatusUpdatesAreHOT(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	steps := []string{
		`INSERT INTO participants (code, initials, language, time_zone, phone_enc, phone_index, phone_mask)
		 VALUES ('P-00001', 'AB', 'es', 'Europe/Madrid', '\x01', '\x02', '+34 ••• 0000')`,
		`INSERT INTO messages (id, participant_id, channel, status, variant, language, content_enc, send_at, consent_version)
		 SELECT '01900000-0000-7000-8000-000000000001', id, 'sms', 'queued', 'standard', 'es', '\x03', now(), 1 FROM participants`,
		`UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = now()`,
		`UPDATE messages SET status = 'sent', provider_id = 'SM0123', provider_status = 'sent', updated_at = now()`,
		`UPDATE messages SET status = 'delivered', provider_status = 'delivered', updated_at = now(), final_at = now()`,
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	var upd, hot int
	if err := tx.QueryRowContext(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'messages'`).Scan(&upd, &hot); err != nil {
		t.Fatal(err)
	}
	if upd != 3 || hot != 2 {
		t.Fatalf("messages: %d updates, %d HOT; want 3 and 2 (only the provider id is indexed)", upd, hot)
	}
}
