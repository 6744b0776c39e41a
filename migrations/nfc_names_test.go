package migrations_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"golang.org/x/text/unicode/norm"

	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/migrations"
)

// 00024 rewrites meeting point names and at forms stored decomposed to
// NFC. A row whose NFC name another point already has (created since
// names were stored NFC), or that a decomposed row with a lower id takes
// first, is left as stored, as is one whose NFC name or at form would
// break a length limit; the migration itself never fails on them. Down
// changes nothing, and up again finds nothing to do.
func TestMeetingPointNamesNFC(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	p, err := goose.NewProvider(goose.DialectPostgres, pool, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 23); err != nil {
		t.Fatalf("down to 23: %v", err)
	}

	const (
		reialNFD  = "Plac\u0327a Reial"
		reialNFC  = "Pla\u00e7a Reial"
		franceNFD = "Estacio\u0301 de Franc\u0327a"
		franceNFC = "Estaci\u00f3 de Fran\u00e7a"
		// Two non-NFC spellings of "Hậu Giang" (combining marks in either
		// order), one NFC form.
		hauA   = "Ha\u0323\u0302u Giang"
		hauB   = "Ha\u0302\u0323u Giang"
		hauNFC = "H\u1eadu Giang"
	)
	// U+0958 is decomposed by NFC into two characters: 150 of them are
	// 300 in NFC, over the name's 200; 39 of them in an at form are 117
	// bytes, 234 in NFC, over an at form's 120.
	qa := strings.Repeat("\u0958", 150)
	longForm := "en " + strings.Repeat("\u0958", 39)
	rows := []struct {
		name  string
		forms map[string]string
	}{
		{reialNFD, map[string]string{"es": "en la " + reialNFD, "ca": "a la " + reialNFD}},
		{franceNFD, map[string]string{"fr": "\u00e0 la gare " + franceNFD}},
		{franceNFC, nil},
		{hauA, nil},
		{hauB, nil},
		{qa, nil},
		{"Metro Sants", map[string]string{"es": longForm, "ca": "a l'estacio\u0301 Sants"}},
		{"Metro Liceu", map[string]string{"es": "en Metro Liceu"}},
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		fj, _ := json.Marshal(r.forms)
		if r.forms == nil {
			fj = []byte("{}")
		}
		if err := pool.QueryRowContext(ctx, `INSERT INTO meeting_points (name, kind, at_forms) VALUES ($1, 'landmark', $2::jsonb) RETURNING id`,
			r.name, string(fj)).Scan(&ids[i]); err != nil {
			t.Fatalf("insert %q: %v", r.name, err)
		}
	}

	if _, err := p.UpTo(ctx, 24); err != nil {
		t.Fatalf("up to 24: %v", err)
	}
	want := []struct {
		name  string
		forms map[string]string
	}{
		{reialNFC, map[string]string{"es": "en la " + reialNFC, "ca": "a la " + reialNFC}},
		{franceNFD, map[string]string{"fr": "\u00e0 la gare " + franceNFC}}, // its name is another point's in NFC
		{franceNFC, map[string]string{}},
		{hauNFC, map[string]string{}},
		{hauB, map[string]string{}}, // hauA, with a lower id, took the NFC form
		{qa, map[string]string{}},   // too long in NFC
		{"Metro Sants", map[string]string{"es": longForm, "ca": "a l'estaci\u00f3 Sants"}},
		{"Metro Liceu", map[string]string{"es": "en Metro Liceu"}},
	}
	check := func(when string) {
		t.Helper()
		for i, w := range want {
			var name string
			var fj []byte
			if err := pool.QueryRowContext(ctx, `SELECT name, at_forms FROM meeting_points WHERE id = $1`, ids[i]).Scan(&name, &fj); err != nil {
				t.Fatal(err)
			}
			if name != w.name {
				t.Errorf("%s: point %d is named %+q, want %+q", when, ids[i], name, w.name)
			}
			var forms map[string]string
			if err := json.Unmarshal(fj, &forms); err != nil {
				t.Fatal(err)
			}
			if len(forms) != len(w.forms) {
				t.Errorf("%s: point %d has at forms %+q, want %+q", when, ids[i], forms, w.forms)
			}
			for l, f := range w.forms {
				if forms[l] != f {
					t.Errorf("%s: point %d's at form %s is %+q, want %+q", when, ids[i], l, forms[l], f)
				}
			}
		}
	}
	check("after up")
	// What the rewrite wrote is what the gateway writes.
	if !norm.NFC.IsNormalString(want[0].name) || !norm.NFC.IsNormalString(want[3].name) {
		t.Fatal("the expected names are not NFC")
	}

	if _, err := p.DownTo(ctx, 23); err != nil {
		t.Fatalf("down to 23: %v", err)
	}
	check("after down")
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	check("after up again")
}

// In a database whose encoding is not UTF8, where normalize() cannot run,
// 00024 changes nothing (a decomposed name stays as stored) and does not
// fail, so the gateway still starts.
func TestMeetingPointNamesNFCNotUTF8(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin, err := db.Open(ctx, dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "sc_test_ascii_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	pool, err := db.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, pool, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 23); err != nil {
		t.Fatalf("up to 23: %v", err)
	}
	const decomposed = "Plac\u0327a Reial"
	if _, err := pool.ExecContext(ctx, `INSERT INTO meeting_points (name, kind) VALUES ($1, 'landmark')`, decomposed); err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 24); err != nil {
		t.Fatalf("up to 24 in a SQL_ASCII database: %v", err)
	}
	var got string
	if err := pool.QueryRowContext(ctx, `SELECT name FROM meeting_points`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != decomposed {
		t.Errorf("name %+q, want it left as stored", got)
	}
}

// 00024 run while a rename holds a decomposed point (FOR UPDATE, its
// update still to come) waits for the rename, which commits, and then
// rewrites what is left: neither is aborted as a deadlock.
func TestMeetingPointNamesNFCWaitsForARename(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	p, err := goose.NewProvider(goose.DialectPostgres, pool, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 23); err != nil {
		t.Fatalf("down to 23: %v", err)
	}
	var renamed, other int64
	if err := pool.QueryRowContext(ctx, `INSERT INTO meeting_points (name, kind) VALUES ('Plac'||chr(807)||'a Reial', 'landmark') RETURNING id`).Scan(&renamed); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRowContext(ctx, `INSERT INTO meeting_points (name, kind) VALUES ('Estacio'||chr(769)||' Sants', 'metro') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT id FROM meeting_points WHERE id = $1 FOR UPDATE`, renamed); err != nil {
		t.Fatal(err)
	}
	migrated := make(chan error, 1)
	go func() {
		_, err := p.UpTo(ctx, 24)
		migrated <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); ; {
		var n int
		if err := pool.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ~ 'meeting_points'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		select {
		case err := <-migrated:
			t.Fatalf("the migration did not wait for the rename: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the migration did not wait for the rename within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE meeting_points SET name = 'Pla'||chr(231)||'a del Rei' WHERE id = $1`, renamed); err != nil {
		t.Fatalf("the rename's update: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("the rename's commit: %v", err)
	}
	if err := <-migrated; err != nil {
		t.Fatalf("up to 24: %v", err)
	}
	for id, want := range map[int64]string{renamed: "Pla\u00e7a del Rei", other: "Estaci\u00f3 Sants"} {
		var name string
		if err := pool.QueryRowContext(ctx, `SELECT name FROM meeting_points WHERE id = $1`, id).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name != want {
			t.Errorf("point %d is named %+q, want %+q", id, name, want)
		}
	}
}
