package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"safecontact/db/dbtest"
	"safecontact/gateway"
	"safecontact/keys"
)

// BenchmarkSchedulerTick: one scheduler tick with N participants on
// check-in plans and 200,000 future reminders, of which a due set of 1,000
// (500 check-ins, 500 reminders) is due. The tick must cost what is due,
// not the table size. See docs/benchmarks.md.
//
//	go test -run '^$' -bench BenchmarkSchedulerTick -benchtime 10x ./gateway
func BenchmarkSchedulerTick(b *testing.B) {
	for _, plans := range []int{10_000, 100_000} {
		name := fmt.Sprintf("plans=%d/reminders=200000/due=1000", plans)
		b.Run(name, func(b *testing.B) {
			benchTick(b, plans, 200_000, 500, 500)
		})
	}
}

func benchTick(b *testing.B, plans, reminders, dueCheckins, dueReminders int) {
	pool, _ := dbtest.New(b)
	ring := keys.NewTestRing()
	now := time.Date(2026, 6, 2, 10, 30, 0, 0, time.UTC)
	s := gateway.New(gateway.Deps{DB: pool, Keys: ring, Now: func() time.Time { return now }})
	b.Cleanup(s.Close)
	ctx := context.Background()
	rep, _ := json.Marshal(map[string]any{"ok": "vale", "help": "ayuda", "duress": []string{"tomate"}})
	sealedReplies := ring.Seal(keys.Contact, rep)
	body := ring.Seal(keys.Body, []byte(`{"text":"Hola"}`))
	setup := []struct {
		sql  string
		args []any
	}{
		// Participants: valid codes (Crockford base32 of i), any-time contact.
		{`INSERT INTO participants (code, initials, language, time_zone, phone_enc, phone_index, phone_mask, any_time)
		  SELECT 'P-' || string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((i >> (5 * k)) & 31) + 1, 1), '' ORDER BY k DESC),
		         'M.R.', 'es', 'Europe/Madrid', $1::bytea, int8send(i), '+34•••••0000', true
		  FROM generate_series(1, $2::int) i, generate_series(0, 4) k GROUP BY i ORDER BY i`, []any{body, plans}},
		{`INSERT INTO consent_events (participant_id, channel, kind, at, actor, source, evidence)
		  SELECT id, 'sms', 'granted', $1::timestamptz - interval '1 day', 'bench', 'staff', 'bench' FROM participants`, []any{now}},
		// Plans: dueCheckins due now, the rest spread over the next 30 days.
		{`INSERT INTO checkin_plans (participant_id, every_seconds, at_local, channel, grace_seconds, replies_enc, duress_count, next_due_at, created_at, updated_at)
		  SELECT id, 259200, '12:00', 'sms', 7200, $1::bytea, 1,
		         CASE WHEN id <= $2 THEN $3::timestamptz - interval '1 minute'
		              ELSE $3::timestamptz + (id % 43200) * interval '1 minute' + interval '1 minute' END,
		         $3, $3
		  FROM participants`, []any{sealedReplies, dueCheckins, now}},
		// Reminders: scheduled messages, dueReminders due now.
		{`INSERT INTO messages (id, participant_id, channel, status, variant, template_id, template_version, language, content_enc, send_at, consent_version)
		  SELECT gen_random_uuid(), 1 + (i % $1::int), 'sms', 'scheduled', 'standard', 'appointment_reminder', 1, 'es', $2::bytea,
		         CASE WHEN i <= $3 THEN $4::timestamptz - interval '1 minute'
		              ELSE $4::timestamptz + (i % 40000) * interval '1 minute' + interval '1 minute' END, 1
		  FROM generate_series(1, $5::int) i`, []any{plans, body, dueReminders, now, reminders}},
		{`ANALYZE`, nil},
	}
	start := time.Now()
	for _, st := range setup {
		if _, err := pool.ExecContext(ctx, st.sql, st.args...); err != nil {
			b.Fatalf("setup: %v", err)
		}
	}
	b.Logf("setup: %d plans, %d reminders in %s", plans, reminders, time.Since(start).Round(time.Millisecond))
	// reset puts the same due set back after each measured tick.
	reset := func() {
		for _, q := range []string{
			`DELETE FROM outbox`,
			`DELETE FROM checkins`,
			`DELETE FROM message_events WHERE message_id IN (SELECT id FROM messages WHERE template_id = 'safety_checkin')`,
			`DELETE FROM messages WHERE template_id = 'safety_checkin'`,
			fmt.Sprintf(`UPDATE checkin_plans SET next_due_at = '%s'::timestamptz - interval '1 minute' WHERE participant_id <= %d`, now.Format(time.RFC3339), dueCheckins),
			fmt.Sprintf(`UPDATE messages SET status = 'scheduled' WHERE status = 'queued' AND send_at < '%s'`, now.Format(time.RFC3339)),
			`VACUUM ANALYZE checkin_plans`, `VACUUM ANALYZE messages`, `VACUUM ANALYZE checkins`,
		} {
			if _, err := pool.ExecContext(ctx, q); err != nil {
				b.Fatalf("reset: %v", err)
			}
		}
	}
	sc := s.NewScheduler()
	release := sc.ReleaseDueSetBased
	reset()
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		n, err := sc.Tick(ctx)
		total += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if n != dueCheckins+dueReminders {
			b.Fatalf("tick moved %d, want %d", n, dueCheckins+dueReminders)
		}
		b.StopTimer()
		reset()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/tick")
	// Where the time goes: the steps one by one, on the same due set.
	b.StopTimer()
	for _, st := range []struct {
		name string
		fn   func(context.Context, time.Time) (int, error)
	}{{"release(reminders)", release}, {"startDueCheckins", safetyStep(b, s, "start_checkins")},
		{"checkinDeadlines", safetyStep(b, s, "checkin_deadlines")}, {"escalateDue", safetyStep(b, s, "escalate")}} {
		t0 := time.Now()
		n, err := st.fn(ctx, now)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("step %s: %d rows in %s", st.name, n, time.Since(t0).Round(time.Millisecond))
	}
}

// safetyStep is the safety service's scheduler step of that name.
func safetyStep(t testing.TB, s *gateway.Server, name string) func(context.Context, time.Time) (int, error) {
	t.Helper()
	for _, st := range s.Safety().Steps() {
		if st.Name == name {
			return st.Run
		}
	}
	t.Fatalf("no safety step %q", name)
	return nil
}
