package faults

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Result is one experiment's figures.
type Result struct {
	Name   string
	Config Config
	Stats  Stats // what the client saw

	InDB     int            // accepted messages found in the database
	Missing  int            // accepted but not in the database at all
	Statuses map[string]int // final status of the accepted messages
	Created  int            // accepted messages the provider created (at least once)
	// Duplicates: creates beyond the first for one message id (the fake's log).
	Duplicates int
	// Lost: accepted, never created by the provider, and not in a status
	// that says why (failed, dropped, unknown).
	Lost int
	// Stuck: still scheduled, queued, sending or sent when the drain ended.
	Stuck int
	// Unknown at the end of the drain, split by whether the provider has it.
	UnknownCreated, UnknownNotCreated int
	// Backwards: messages whose status history moves backwards (a retry,
	// sending → queued, is not counted); Kinds names the transitions.
	Backwards int
	Kinds     map[string]int

	AuditOK  bool
	AuditOut string
	// UnknownDetails: one line per message left unknown (see
	// world.unknownDetails).
	UnknownDetails []string

	Recovered time.Time     // when the fault ended
	Resume    time.Duration // from Recovered to the first successful provider create; -1: none
	MaxGap    time.Duration // longest time without a successful create during the load
	LoadTime  time.Duration
	DrainTime time.Duration
	NotReady  time.Duration // how long /readyz said not ready during the load
	CBErrors  int           // callbacks the provider could not deliver to the gateway
	Notes     []string
}

// rank orders statuses along the lifecycle as the README promises it;
// a write to a lower rank moves the message backwards. unknown ("the
// provider may have it") ranks below sent ("the provider took it"), an
// outcome without a delivery below delivered.
var rank = map[string]int{
	"scheduled": 1, "queued": 1, "sending": 2, "unknown": 3, "sent": 4,
	"undelivered": 5, "failed": 5, "canceled": 5, "dropped_consent_revoked": 5, "dropped_now_monitored": 5, "dropped_call_refused": 5, "sent_to_sink": 5,
	"delivered": 6, "read": 7,
}

// terminalRank: from here on the status is an outcome.
const terminalRank = 5

// backwards says whether prev → next moves a message back. A return to
// the queue from sending or unknown is a retry, not counted here: if the
// provider had the message, the retry shows as a message sent twice.
func backwards(prev, next string) bool {
	if (next == "queued" || next == "scheduled") && (prev == "sending" || prev == "unknown") {
		return false
	}
	rp, ok1 := rank[prev]
	rn, ok2 := rank[next]
	if !ok1 || !ok2 {
		return false
	}
	return rn < rp
}

func (w *world) report(ctx context.Context, res *Result) error {
	res.Stats = w.driver.Stats()
	accepted := w.driver.Accepted()
	db, err := sql.Open("pgx", w.dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	status := map[string]string{}
	rows, err := db.QueryContext(ctx, `SELECT id::text, status FROM messages`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, st string
		rows.Scan(&id, &st)
		status[id] = st
	}
	rows.Close()
	res.Statuses = map[string]int{}
	var unknown []string
	for id := range accepted {
		st, ok := status[id]
		if !ok {
			res.Missing++
			continue
		}
		res.InDB++
		res.Statuses[st]++
		n := 0
		if v, ok := w.creates.Load(id); ok {
			n = *(v.(*int))
		}
		if n > 0 {
			res.Created++
		}
		if n > 1 {
			res.Duplicates += n - 1
		}
		switch st {
		case "scheduled", "queued", "sending", "sent":
			res.Stuck++
			if n == 0 && st != "sent" {
				res.Lost++
			}
		case "unknown":
			unknown = append(unknown, id)
			if n > 0 {
				res.UnknownCreated++
			} else {
				res.UnknownNotCreated++
			}
		}
	}
	res.Lost += res.Missing
	res.UnknownDetails = w.unknownDetails(ctx, db, unknown)
	res.Kinds = map[string]int{}
	rows, err = db.QueryContext(ctx, `SELECT message_id::text, status FROM message_events ORDER BY message_id, id`)
	if err != nil {
		return err
	}
	var cur, prev, path string
	bad := false
	flush := func() {
		if bad {
			res.Backwards++
			res.Kinds[path]++
		}
	}
	for rows.Next() {
		var id, st string
		rows.Scan(&id, &st)
		if id != cur {
			flush()
			cur, prev, path, bad = id, "", "", false
		}
		if prev != "" && prev != st && backwards(prev, st) {
			bad = true
		}
		if prev != st {
			if path != "" {
				path += ">"
			}
			path += st
		}
		prev = st
	}
	flush()
	rows.Close()
	out, err := w.s.runBin(ctx, []string{"DATABASE_URL=" + w.dbURL}, "audit", "verify")
	res.AuditOK = err == nil
	res.AuditOut = strings.TrimSpace(out)
	w.mu.Lock()
	res.CBErrors = w.cbErrors
	w.mu.Unlock()
	return nil
}

func dur(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// Line is a one-line summary.
func (r *Result) Line() string {
	resume := "-"
	if !r.Recovered.IsZero() {
		resume = dur(r.Resume)
	}
	audit := "ok"
	if !r.AuditOK {
		audit = "FAILED"
	}
	return fmt.Sprintf("accepted %d terminal %d stuck %d dup %d lost %d backwards %d unknown %d (not created %d) audit %s resume %s maxgap %s",
		r.Stats.Accepted, r.terminal(), r.Stuck, r.Duplicates, r.Lost, r.Backwards, r.UnknownCreated+r.UnknownNotCreated,
		r.UnknownNotCreated, audit, resume, dur(r.MaxGap))
}

func (r *Result) terminal() int {
	n := 0
	for st, c := range r.Statuses {
		if rank[st] >= terminalRank {
			n += c
		}
	}
	return n
}

// TableHeader and Row print the Markdown table of docs/benchmarks.md.
func TableHeader(w io.Writer) {
	fmt.Fprintln(w, "| experiment | accepted | terminal | stuck | lost | sent twice | backwards | unknown (never created) | audit | resume after recovery | longest gap | client 5xx/conn err | accept p99 / max |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|")
}

// Row prints the result as a table row.
func (r *Result) Row(w io.Writer) {
	resume := "–"
	if !r.Recovered.IsZero() {
		resume = dur(r.Resume)
	}
	audit := "verifies"
	if !r.AuditOK {
		audit = "**fails**"
	}
	var errs []string
	for _, code := range slices.Sorted(maps.Keys(r.Stats.Answers)) {
		if code == 0 || code >= 500 {
			name := fmt.Sprint(code)
			if code == 0 {
				name = "conn"
			}
			errs = append(errs, fmt.Sprintf("%s×%d", name, r.Stats.Answers[code]))
		}
	}
	if len(errs) == 0 {
		errs = []string{"0"}
	}
	fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d | %d (%d) | %s | %s | %s | %s | %s / %s |\n",
		r.Name, r.Stats.Accepted, r.terminal(), r.Stuck, r.Lost, r.Duplicates, r.Backwards,
		r.UnknownCreated+r.UnknownNotCreated, r.UnknownNotCreated, audit, resume, dur(r.MaxGap),
		strings.Join(errs, " "), r.Stats.P99.Round(time.Millisecond), r.Stats.Max.Round(time.Millisecond))
}

// Details prints what the row cannot hold: status counts, the backwards
// transitions, notes.
func (r *Result) Details(w io.Writer) {
	var st []string
	for _, k := range slices.Sorted(maps.Keys(r.Statuses)) {
		st = append(st, fmt.Sprintf("%s %d", k, r.Statuses[k]))
	}
	fmt.Fprintf(w, "- **%s**: statuses: %s", r.Name, strings.Join(st, ", "))
	if len(r.Kinds) > 0 {
		var ks []string
		for _, k := range slices.Sorted(maps.Keys(r.Kinds)) {
			ks = append(ks, fmt.Sprintf("`%s` ×%d", k, r.Kinds[k]))
		}
		fmt.Fprintf(w, "; backwards: %s", strings.Join(ks, ", "))
	}
	if len(r.Stats.Refused) > 0 {
		fmt.Fprintf(w, "; refused: %v", r.Stats.Refused)
	}
	if r.Stats.GaveUp > 0 {
		fmt.Fprintf(w, "; client gave up on %d", r.Stats.GaveUp)
	}
	fmt.Fprintf(w, "; offered %d, client retries %d; callbacks that failed %d; /readyz not ready %s; drain %s",
		r.Stats.Offered, r.Stats.Retries, r.CBErrors, dur(r.NotReady), dur(r.DrainTime))
	for _, n := range r.Notes {
		fmt.Fprintf(w, "; %s", n)
	}
	if !r.AuditOK {
		fmt.Fprintf(w, "; audit verify: %q", r.AuditOut)
	}
	fmt.Fprintln(w)
	for _, d := range r.UnknownDetails {
		fmt.Fprintf(w, "  - unknown %s\n", d)
	}
}
