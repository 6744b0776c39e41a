package faults

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// unknownDetails describes each message left unknown, for the report:
// what the database holds (its history with times, its error code, the
// reconciliation checks), what the provider holds (each create's status,
// date_sent and how deep it lies in a newest-first listing of her
// messages: a listing cut before that depth cannot show it) and the last
// gateway log lines about it (the worker's and reconciliation's
// decisions). Nothing here is her number or the text.
func (w *world) unknownDetails(ctx context.Context, db *sql.DB, ids []string) []string {
	slices.Sort(ids)
	var out []string
	logs := w.logLinesAbout(ids)
	for _, id := range ids {
		var b strings.Builder
		fmt.Fprintf(&b, "%s:", id)
		var code sql.NullString
		var sendAt, updatedAt time.Time
		var checks int
		var nextAt sql.NullTime
		var sid sql.NullString
		err := db.QueryRowContext(ctx, `SELECT error_code, send_at, updated_at, reconcile_checks, reconcile_next_at, provider_id
			FROM messages WHERE id = $1`, id).Scan(&code, &sendAt, &updatedAt, &checks, &nextAt, &sid)
		if err != nil {
			fmt.Fprintf(&b, " (row: %v)", err)
			out = append(out, b.String())
			continue
		}
		fmt.Fprintf(&b, " code %s, send_at %s, updated_at %s, reconcile checks %d", code.String, clock(sendAt), clock(updatedAt), checks)
		if nextAt.Valid {
			fmt.Fprintf(&b, " (next %s)", clock(nextAt.Time))
		}
		if sid.Valid {
			b.WriteString(", provider id recorded")
		}
		rows, err := db.QueryContext(ctx, `SELECT status, at, coalesce(code, '') FROM message_events WHERE message_id = $1 ORDER BY id`, id)
		if err == nil {
			var ev []string
			for rows.Next() {
				var st, c string
				var at time.Time
				rows.Scan(&st, &at, &c)
				if c != "" {
					st += "(" + c + ")"
				}
				ev = append(ev, st+"@"+clock(at))
			}
			rows.Close()
			fmt.Fprintf(&b, "; history %s", strings.Join(ev, " > "))
		}
		w.mu.Lock()
		sids := slices.Clone(w.sids[id])
		w.mu.Unlock()
		if len(sids) == 0 {
			b.WriteString("; provider: never created")
		}
		for _, s := range sids {
			m, ok := w.fake.Message(s)
			if !ok {
				fmt.Fprintf(&b, "; provider: %s evicted", s)
				continue
			}
			w.mu.Lock()
			hers := slices.Clone(w.toSids[m.To])
			w.mu.Unlock()
			depth, total := 0, 0
			for _, o := range hers {
				om, ok := w.fake.Message(o)
				if !ok || om.DateSent.IsZero() {
					continue
				}
				total++
				if !om.DateSent.Before(m.DateSent) {
					depth++
				}
			}
			fmt.Fprintf(&b, "; provider: %s status %s created %s date_sent %s, at most %d deep in her listing of %d",
				s, m.Status, clock(m.DateCreated), clock(m.DateSent), depth, total)
		}
		for _, l := range logs[id] {
			fmt.Fprintf(&b, "; log: %s", l)
		}
		out = append(out, b.String())
	}
	return out
}

// logLinesAbout returns, per message id, the gateway log lines naming it
// (time, message, reason), at most the last four.
func (w *world) logLinesAbout(ids []string) map[string][]string {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := map[string][]string{}
	for _, g := range w.gws {
		f, err := os.Open(g.LogPath)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if !strings.Contains(string(line), `"message_id"`) {
				continue
			}
			var e struct {
				Time   time.Time `json:"time"`
				Msg    string    `json:"msg"`
				ID     string    `json:"message_id"`
				Reason string    `json:"reason"`
				Err    string    `json:"err"`
			}
			if json.Unmarshal(line, &e) != nil || !want[e.ID] {
				continue
			}
			s := fmt.Sprintf("%s %s %s", g.Name, clock(e.Time), e.Msg)
			if e.Reason != "" {
				s += " (reason " + e.Reason + ")"
			}
			if e.Err != "" {
				s += " (err " + e.Err + ")"
			}
			l := append(out[e.ID], s)
			if len(l) > 4 {
				l = l[len(l)-4:]
			}
			out[e.ID] = l
		}
		f.Close()
	}
	return out
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("15:04:05.000")
}
