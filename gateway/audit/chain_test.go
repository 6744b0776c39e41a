package audit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"safecontact/db"
	"safecontact/db/dbtest"
	"safecontact/gateway/auth"
)

var chainT0 = time.Date(2026, 6, 2, 10, 30, 0, 0, time.UTC)

// appendEvents appends n varied events (actor with and without id and IP,
// with and without participant, details and sealed content).
func appendEvents(t testing.TB, pool *sql.DB, n int) {
	t.Helper()
	ctx := context.Background()
	q := db.New(pool)
	for i := range n {
		a := &auth.Actor{UserID: int64(i%3 + 1), Name: fmt.Sprintf("staff-%d", i%3), Role: auth.RoleStaff, RequestID: fmt.Sprintf("req%08d", i), IP: net.ParseIP("192.0.2.7")}
		if i%4 == 3 {
			a = auth.SystemActor("worker")
		}
		if i%5 == 4 {
			a.IP = net.ParseIP("2001:db8::1")
		}
		e := Event{Action: "message.accepted", ParticipantCode: "P-7K3QX", Details: map[string]any{"message_id": fmt.Sprint(i), "channel": "sms", "note": "a < b & c"}}
		switch i % 6 {
		case 1:
			e.ParticipantCode = ""
		case 2:
			e.Details = nil
		case 3:
			e.Sealed = []byte{0xa1, 1, 2, 3, byte(i)}
		}
		if _, err := Append(ctx, q, a, e); err != nil {
			t.Fatal(err)
		}
	}
}

func mustSeal(t testing.TB, pool *sql.DB) int {
	t.Helper()
	n, err := SealPending(context.Background(), pool, chainT0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustVerify(t testing.TB, pool *sql.DB, opt VerifyOptions) *VerifyReport {
	t.Helper()
	rep, err := Verify(context.Background(), pool, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestAuditChainSealsAndVerifies(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	rep := mustVerify(t, pool, VerifyOptions{})
	if !rep.OK || rep.Checked != 0 || rep.Head.Seq != 0 || rep.Head.Hash != strings.Repeat("0", 64) {
		t.Fatalf("empty chain: %+v", rep)
	}
	appendEvents(t, pool, 30)
	if rep := mustVerify(t, pool, VerifyOptions{}); !rep.OK || rep.Unsealed != 30 || rep.OldestUnsealedAt == nil {
		t.Fatalf("before sealing: %+v", rep)
	}
	if n := mustSeal(t, pool); n != 30 {
		t.Fatalf("sealed %d, want 30", n)
	}
	appendEvents(t, pool, 7)
	if n := mustSeal(t, pool); n != 7 {
		t.Fatalf("sealed %d, want 7", n)
	}
	if n := mustSeal(t, pool); n != 0 {
		t.Fatalf("sealed %d again", n)
	}
	rep = mustVerify(t, pool, VerifyOptions{})
	if !rep.OK || rep.Checked != 37 || rep.Head.Seq != 37 || rep.Unsealed != 0 || rep.FirstBadSeq != nil {
		t.Fatalf("report: %+v", rep)
	}
	// seq follows id here (no concurrency), links are intact, every row sealed once.
	rows, err := pool.QueryContext(ctx, "SELECT id, seq, prev_hash, hash FROM audit_events ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var prev []byte = zeroHash
	var i int64
	for rows.Next() {
		var id, seq int64
		var ph, h []byte
		rows.Scan(&id, &seq, &ph, &h)
		i++
		if seq != i || hex.EncodeToString(ph) != hex.EncodeToString(prev) || len(h) != 32 {
			t.Fatalf("row %d: seq %d", id, seq)
		}
		prev = h
	}
	if rep.Head.Hash != hex.EncodeToString(prev) {
		t.Fatal("head hash differs from the last row's")
	}
}

// The encoding is part of the contract (a supervisor may check the chain
// with other tools): pin it.
func TestChainEncodingIsStable(t *testing.T) {
	r := chainRecord{Seq: 1, ID: 42, OccurredAt: time.Date(2026, 6, 2, 10, 30, 0, 123456000, time.FixedZone("x", 3600)),
		ActorID: sql.NullInt64{Int64: 7, Valid: true}, ActorName: "ana", ActorRole: "staff", Action: "message.sent",
		ParticipantCode: sql.NullString{String: "P-7K3QX", Valid: true}, RequestID: "abcdef0123",
		ActorIP: "192.0.2.7/32", Details: `{"channel": "sms"}`, SealedContent: []byte{1, 2}, SealedAt: chainT0}
	enc := r.encode(nil, zeroHash)
	want := "safecontact/audit/v1\n" + strings.Repeat("\x00", 32) +
		"\x00\x00\x00\x00\x00\x00\x00\x01" + "\x00\x00\x00\x00\x00\x00\x00\x2a" +
		"\x00\x00\x00\x1b2026-06-02T09:30:00.123456Z" + "\x00\x00\x00\x017" + "\x00\x00\x00\x03ana" + "\x00\x00\x00\x05staff" +
		"\x00\x00\x00\x0cmessage.sent" + "\x00\x00\x00\x07P-7K3QX" + "\x00\x00\x00\x0aabcdef0123" + "\x00\x00\x00\x0c192.0.2.7/32" +
		"\x00\x00\x00\x12{\"channel\": \"sms\"}" + "\x00\x00\x00\x02\x01\x02" + "\x00\x00\x00\x1b2026-06-02T10:30:00.000000Z"
	if string(enc) != want {
		t.Fatalf("encoding changed:\n got %q\nwant %q", enc, want)
	}
	r.ActorID, r.ParticipantCode, r.ActorIP, r.Details, r.SealedContent = sql.NullInt64{}, sql.NullString{}, "", "", nil
	h1, _ := r.sum(zeroHash, nil)
	r.ParticipantCode = sql.NullString{Valid: true} // "" is not NULL
	h2, _ := r.sum(zeroHash, nil)
	if h1 == h2 {
		t.Fatal("NULL and empty participant code hash the same")
	}
}

func TestAuditAppendOnlyTrigger(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	appendEvents(t, pool, 3)
	mustSeal(t, pool)
	appendEvents(t, pool, 1) // id 4 stays unsealed
	h := "'\\x" + strings.Repeat("ab", 32) + "'::bytea"
	tests := []struct {
		name string
		sql  string
	}{
		{"edit a sealed row", "UPDATE audit_events SET action = 'x' WHERE seq = 1"},
		{"edit an unsealed row", "UPDATE audit_events SET details = '{}' WHERE id = 4"},
		{"seal and edit at once", "UPDATE audit_events SET seq = 4, prev_hash = " + h + ", hash = " + h + ", sealed_at = now(), action = 'x' WHERE id = 4"},
		{"re-seal a sealed row", "UPDATE audit_events SET hash = " + h + " WHERE seq = 2"},
		{"move a sealed row", "UPDATE audit_events SET seq = 9 WHERE seq = 3"},
		{"add sealed content later", "UPDATE audit_events SET sealed_content = '\\x01' WHERE id = 4"},
		{"delete a sealed row", "DELETE FROM audit_events WHERE seq = 1"},
		{"delete an unsealed row", "DELETE FROM audit_events WHERE id = 4"},
		{"truncate", "TRUNCATE audit_events"},
		{"insert a row already sealed", "INSERT INTO audit_events (action, seq, prev_hash, hash, sealed_at) VALUES ('x', 5, " + h + ", " + h + ", now())"},
		{"edit a checkpoint", "UPDATE audit_checkpoints SET seq = 1"},
		{"delete checkpoints", "DELETE FROM audit_checkpoints"},
	}
	if _, err := WriteCheckpoint(ctx, pool, "test", chainT0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pool.ExecContext(ctx, tc.sql)
			var pg *pgconn.PgError
			if !errors.As(err, &pg) || pg.Code != "42501" {
				t.Fatalf("%s: err = %v, want insufficient_privilege (42501)", tc.sql, err)
			}
		})
	}
	// The sequencer's own sealing of row 4 is admitted, once.
	if n := mustSeal(t, pool); n != 1 {
		t.Fatalf("sealed %d", n)
	}
	if rep := mustVerify(t, pool, VerifyOptions{}); !rep.OK || rep.Checked != 4 {
		t.Fatalf("after refused changes: %+v", rep)
	}
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	// rehash recomputes the hashes of the events from fromSeq to toSeq,
	// as a thorough attacker would after editing them.
	rehash := func(t *testing.T, pool *sql.DB, fromSeq, toSeq int64) {
		var stmts []string
		prev := zeroHash
		err := scanChain(context.Background(), pool, 0, func(r *chainRow) error {
			h := r.hash
			if r.rec.Seq >= fromSeq && r.rec.Seq <= toSeq {
				if r.rec.Seq == fromSeq {
					prev = r.prevHash
				}
				sum, _ := r.rec.sum(prev, nil)
				h = sum[:]
				stmts = append(stmts, fmt.Sprintf("UPDATE audit_events SET prev_hash = '\\x%x', hash = '\\x%x' WHERE seq = %d", prev, h, r.rec.Seq))
			}
			prev = append([]byte(nil), h...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		dbtest.Tamper(t, pool, stmts...)
	}
	tests := []struct {
		name      string
		tamper    func(t *testing.T, pool *sql.DB)
		checkpt   bool // take a checkpoint before tampering
		firstBad  int64
		kind      string
		code      string
		checkedOK bool
	}{
		{name: "action edited", firstBad: 7, kind: "hash_mismatch", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, "UPDATE audit_events SET action = 'message.refused' WHERE seq = 7")
			}},
		{name: "details edited", firstBad: 3, kind: "hash_mismatch", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, `UPDATE audit_events SET details = coalesce(details, '{}') || '{"channel": "voice"}' WHERE seq = 3`)
			}},
		{name: "occurred_at moved by a microsecond", firstBad: 12, kind: "hash_mismatch", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, "UPDATE audit_events SET occurred_at = occurred_at + interval '1 microsecond' WHERE seq = 12")
			}},
		{name: "ip changed", firstBad: 2, kind: "hash_mismatch", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, "UPDATE audit_events SET actor_ip = '10.0.0.1' WHERE seq = 2")
			}},
		{name: "sealed content swapped", firstBad: 4, kind: "hash_mismatch", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, "UPDATE audit_events SET sealed_content = '\\xa1ffff' WHERE seq = 4")
			}},
		{name: "participant removed", firstBad: 1, kind: "hash_mismatch", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, "UPDATE audit_events SET participant_code = NULL WHERE seq = 1")
			}},
		{name: "row deleted", firstBad: 9, kind: "missing", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) { dbtest.Tamper(t, p, "DELETE FROM audit_events WHERE seq = 9") }},
		{name: "two rows deleted", firstBad: 5, kind: "missing", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) { dbtest.Tamper(t, p, "DELETE FROM audit_events WHERE seq IN (5, 6)") }},
		{name: "rows reordered", firstBad: 10, kind: "prev_hash_mismatch", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, "UPDATE audit_events SET seq = 1000 WHERE seq = 10", "UPDATE audit_events SET seq = 10 WHERE seq = 13",
					"UPDATE audit_events SET seq = 13 WHERE seq = 1000")
			}},
		{name: "neighbours swapped", firstBad: 15, kind: "prev_hash_mismatch", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, "UPDATE audit_events SET seq = 1000 WHERE seq = 15", "UPDATE audit_events SET seq = 15 WHERE seq = 16",
					"UPDATE audit_events SET seq = 16 WHERE seq = 1000")
			}},
		{name: "edited and rehashed, the next link breaks", firstBad: 9, kind: "prev_hash_mismatch", code: "audit_chain_broken",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, "UPDATE audit_events SET action = 'message.refused' WHERE seq = 8")
				rehash(t, p, 8, 8)
			}},
		{name: "history rewritten from seq 6 with every hash recomputed: only the checkpoint shows it", checkpt: true,
			firstBad: 18, kind: "checkpoint_mismatch", code: "checkpoint_mismatch",
			tamper: func(t *testing.T, p *sql.DB) {
				dbtest.Tamper(t, p, "UPDATE audit_events SET action = 'message.refused' WHERE seq = 6")
				rehash(t, p, 6, 1<<62)
			}},
		{name: "events cut from the end: only the checkpoint shows it", checkpt: true,
			firstBad: 18, kind: "checkpoint_not_found", code: "checkpoint_not_found",
			tamper: func(t *testing.T, p *sql.DB) { dbtest.Tamper(t, p, "DELETE FROM audit_events WHERE seq > 15") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pool, _ := dbtest.New(t)
			appendEvents(t, pool, 18)
			mustSeal(t, pool)
			var cp ChainPoint
			if tc.checkpt {
				var err error
				if cp, err = WriteCheckpoint(context.Background(), pool, "test", chainT0); err != nil || cp.Seq != 18 {
					t.Fatalf("checkpoint %+v %v", cp, err)
				}
			}
			if rep := mustVerify(t, pool, VerifyOptions{}); !rep.OK {
				t.Fatalf("intact chain does not verify: %+v", rep)
			}
			tc.tamper(t, pool)
			// Checked both against the stored checkpoints and, as a
			// supervisor would, against the copy kept outside.
			opts := []VerifyOptions{{}}
			if tc.checkpt {
				opts = append(opts, VerifyOptions{SkipStoredCheckpoints: true, Checkpoints: []ChainPoint{cp}})
			}
			for _, opt := range opts {
				rep := mustVerify(t, pool, opt)
				if rep.OK || rep.FirstBadSeq == nil || *rep.FirstBadSeq != tc.firstBad || rep.Problems[0].Kind != tc.kind || rep.Code != tc.code {
					t.Fatalf("got ok=%v first_bad=%v code=%s problems=%+v; want first bad %d (%s, %s)", rep.OK, auditDeref(rep.FirstBadSeq), rep.Code, rep.Problems, tc.firstBad, tc.kind, tc.code)
				}
			}
		})
	}
}

func auditDeref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestAuditVerifyFromCheckpoint(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	appendEvents(t, pool, 10)
	mustSeal(t, pool)
	cp, err := WriteCheckpoint(ctx, pool, "test", chainT0)
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, pool, 5)
	mustSeal(t, pool)
	rep := mustVerify(t, pool, VerifyOptions{From: &cp})
	if !rep.OK || rep.Checked != 5 || rep.FromSeq != 10 || rep.Head.Seq != 15 {
		t.Fatalf("incremental: %+v", rep)
	}
	// A wrong starting hash shows at the first event after it.
	bad := cp
	bad.Hash = strings.Repeat("1", 64)
	if rep := mustVerify(t, pool, VerifyOptions{From: &bad}); rep.OK || *rep.FirstBadSeq != 11 {
		t.Fatalf("wrong from: %+v", rep)
	}
}

// Many writers append (some roll back, some hold their transaction open
// so ids commit out of order) while the sequencer leader seals every few
// milliseconds: every committed event ends up sealed exactly once, seq has
// no gap, and the chain verifies.
func TestAuditConcurrentAppendsWhileSequencing(t *testing.T) {
	pool, _ := dbtest.New(t)
	svc := New(Deps{DB: pool}, Config{SealInterval: 3 * time.Millisecond, CheckpointInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Two sequencers: only the advisory-lock leader seals.
	for range 2 {
		sq := svc.NewSequencer()
		wg.Add(1)
		go func() { defer wg.Done(); sq.Run(ctx) }()
	}
	const writers, each = 8, 60
	var committed, rolledBack atomic.Int64
	var ww sync.WaitGroup
	for w := range writers {
		ww.Add(1)
		go func() {
			defer ww.Done()
			for i := range each {
				rollback := auditRandN(10) == 0
				err := db.InTx(ctx, pool, func(q *db.Queries, _ *sql.Tx) error {
					if _, err := Append(ctx, q, &auth.Actor{Name: fmt.Sprintf("w%d", w), Role: auth.RoleStaff, RequestID: fmt.Sprintf("r%d-%d", w, i)},
						Event{Action: "message.accepted", Details: map[string]any{"i": i}}); err != nil {
						return err
					}
					time.Sleep(time.Duration(auditRandN(4000)) * time.Microsecond) // commit later than others
					if rollback {
						return errors.New("rolled back on purpose")
					}
					return nil
				})
				if rollback {
					rolledBack.Add(1)
				} else if err != nil {
					t.Error(err)
				} else {
					committed.Add(1)
				}
			}
		}()
	}
	ww.Wait()
	// Wait for the sequencer to catch up, stop it, then verify.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var unsealed int64
		pool.QueryRow(`SELECT count(*) FROM audit_events WHERE seq IS NULL`).Scan(&unsealed)
		if unsealed == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	rep := mustVerify(t, pool, VerifyOptions{})
	// The users added by the harness are in the chain too.
	var total, sealed, maxSeq, distinct int64
	if err := pool.QueryRow(`SELECT count(*), count(seq), coalesce(max(seq), 0), count(DISTINCT seq) FROM audit_events`).Scan(&total, &sealed, &maxSeq, &distinct); err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Unsealed != 0 || total != sealed || maxSeq != total || distinct != total || rep.Checked != total {
		t.Fatalf("report %+v; rows %d sealed %d max seq %d distinct %d", rep, total, sealed, maxSeq, distinct)
	}
	var ours int64
	pool.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'message.accepted'`).Scan(&ours)
	if ours != committed.Load() || rolledBack.Load() == 0 {
		t.Fatalf("%d events in the log, %d committed (%d rolled back)", ours, committed.Load(), rolledBack.Load())
	}
	// Out-of-order commits happened (a later id sealed before an earlier one)
	// and did not matter.
	var inversions int64
	pool.QueryRow(`SELECT count(*) FROM audit_events a JOIN audit_events b ON b.seq = a.seq + 1 WHERE b.id < a.id`).Scan(&inversions)
	t.Logf("%d events, %d rolled back, %d seq/id inversions (late commits)", total, rolledBack.Load(), inversions)
	// The leader checkpointed on its way, and the checkpoints verify.
	if len(rep.Checkpoints) == 0 {
		t.Fatal("no checkpoint written by the sequencer")
	}
	for _, c := range rep.Checkpoints {
		if !c.OK {
			t.Fatalf("checkpoint %+v", c)
		}
	}
}

func auditRandN(n int64) int64 {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return v.Int64()
}

// TestAuditGrantsForAppRole applies the GRANTs documented in migration
// 00004 to a fresh role and works as it: append and seal go through;
// changing or deleting events does not.
func TestAuditGrantsForAppRole(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	role := "sc_app_" + strings.ToLower(hex.EncodeToString(auditRandBytes(4)))
	for _, s := range []string{
		"CREATE ROLE " + role + " NOLOGIN",
		"REVOKE ALL ON audit_events, audit_checkpoints FROM PUBLIC",
		"GRANT SELECT, INSERT ON audit_events, audit_checkpoints TO " + role,
		"GRANT UPDATE (seq, prev_hash, hash, sealed_at) ON audit_events TO " + role,
		"GRANT USAGE ON SEQUENCE audit_events_id_seq, audit_checkpoints_id_seq TO " + role,
	} {
		if _, err := pool.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		pool.ExecContext(ctx, "DROP OWNED BY "+role)
		pool.ExecContext(ctx, "DROP ROLE "+role)
	})
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET ROLE "+role); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "RESET ROLE")
	if _, err := Append(ctx, db.New(conn), auth.SystemActor("test"), Event{Action: "user.added"}); err != nil {
		t.Fatalf("append as app role: %v", err)
	}
	if n, err := sealPending(ctx, conn, 100, chainT0); err != nil || n != 1 {
		t.Fatalf("seal as app role: %d %v", n, err)
	}
	for _, s := range []string{
		"UPDATE audit_events SET action = 'x'",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events",
		"ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
		"SET session_replication_role = replica",
	} {
		_, err := conn.ExecContext(ctx, s)
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "42501" && pg.Code != "42P01" {
			t.Errorf("%s as app role: %v", s, err)
		}
	}
}

func auditRandBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// A sequencer whose first checkpoint falls on an empty chain writes none
// then, and checkpoints the chain once it has grown (it used to verify
// from an empty checkpoint on every later tick, fail, and never write one).
func TestSequencerCheckpointsAfterEmptyStart(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	now := chainT0
	svc := New(Deps{DB: pool, Now: func() time.Time { return now }}, Config{SealInterval: time.Second, CheckpointInterval: time.Minute})
	sq := svc.NewSequencer()
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if rep := mustVerify(t, pool, VerifyOptions{}); rep.Head.Seq != 0 {
		t.Fatalf("the chain is not empty at the start: %+v", rep.Head)
	}
	if err := sq.Tick(ctx, conn); err != nil {
		t.Fatalf("tick on an empty chain: %v", err)
	}
	if _, err := db.New(pool).LatestCheckpoint(ctx); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("a checkpoint of an empty chain: %v", err)
	}
	appendEvents(t, pool, 5)
	now = now.Add(2 * time.Minute)
	if err := sq.Tick(ctx, conn); err != nil {
		t.Fatalf("tick after events: %v", err)
	}
	cp, err := db.New(pool).LatestCheckpoint(ctx)
	if err != nil || cp.Seq != 5 {
		t.Fatalf("checkpoint after the chain grew: %+v %v", cp, err)
	}
}
