package main

// What a run cost: CPU time per process name (from /proc, so processes
// that exit during the run are missed: the gateway's and PostgreSQL's
// pooled connections live through a run), and PostgreSQL's own counters
// (WAL position, commits, rows written per table with their index
// entries). Divided by the messages accepted, they are the per-message
// costs of docs/capacity.md: everything a message causes from accept to
// the provider's "delivered" callback, the audit chain included.

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, 100 on Linux.
const clockTicks = 100

// readCPU sums user+system ticks per process name, and the load
// generator's own under "loadgen". A name "comm:word" counts only the
// processes of that name whose command line contains word (PostgreSQL
// backends show their database there, so "postgres:sc_load" is the
// backends serving one database, apart from others sharing the server;
// "nats-server:/tmp/x" is the server with that store).
func readCPU(names []string) map[string]map[int]int64 {
	out := map[string]map[int]int64{"loadgen": {}}
	for _, n := range names {
		out[n] = map[int]int64{}
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	self := os.Getpid()
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid … utime(14) stime(15)
		s := string(b)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
		comm := s[open+1 : closing]
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(fields[11], 10, 64)
		st, _ := strconv.ParseInt(fields[12], 10, 64)
		if pid == self {
			out["loadgen"][pid] = ut + st
			continue
		}
		var cmdline string
		for name, m := range out {
			want, word, filtered := strings.Cut(name, ":")
			if want != comm {
				continue
			}
			if filtered {
				if cmdline == "" {
					b, _ := os.ReadFile(filepath.Join(filepath.Dir(f), "cmdline"))
					cmdline = strings.ReplaceAll(string(b), "\x00", " ")
				}
				if !strings.Contains(cmdline, word) {
					continue
				}
			}
			m[pid] = ut + st
		}
	}
	return out
}

func printCPU(names []string, before, after map[string]map[int]int64, accepted int64) {
	fmt.Printf("CPU per message (µs; processes):")
	for _, n := range append(slices.Clone(names), "loadgen") {
		var ticks int64
		for pid, t := range after[n] {
			ticks += t - before[n][pid] // a process started during the run counts whole
		}
		us := float64(ticks) / clockTicks * 1e6 / float64(accepted)
		fmt.Printf(" %s %.0f (%d)", n, us, len(after[n]))
	}
	fmt.Println()
}

type tableCounts struct {
	ins, upd, hot, del, indexes int64
	bytes                       int64
}

type pgCounters struct {
	lsn     string
	walLSN  int64 // bytes
	commits int64
	tables  map[string]tableCounts
}

func readPG(ctx context.Context, url string) (*pgCounters, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	c := &pgCounters{tables: map[string]tableCounts{}}
	if err := pool.QueryRowContext(ctx, `SELECT l::text, l - '0/0'::pg_lsn, xact_commit
		FROM pg_current_wal_lsn() l, pg_stat_database WHERE datname = current_database()`).Scan(&c.lsn, &c.walLSN, &c.commits); err != nil {
		return nil, err
	}
	rows, err := pool.QueryContext(ctx, `SELECT t.relname, t.n_tup_ins, t.n_tup_upd, t.n_tup_hot_upd, t.n_tup_del,
		(SELECT count(*) FROM pg_index i WHERE i.indrelid = t.relid), pg_total_relation_size(t.relid)
		FROM pg_stat_user_tables t`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var tc tableCounts
		if err := rows.Scan(&name, &tc.ins, &tc.upd, &tc.hot, &tc.del, &tc.indexes, &tc.bytes); err != nil {
			return nil, err
		}
		c.tables[name] = tc
	}
	return c, rows.Err()
}

// printPG prints per-message database costs. Index entries are counted
// as one per index for each inserted row and each update that was not
// HOT (a partial index that skips the row is counted anyway: an upper
// bound).
func printPG(b, a *pgCounters, accepted int64) {
	n := float64(accepted)
	commits := a.commits - b.commits
	wal := a.walLSN - b.walLSN
	// The WAL position is the whole server's: other databases' writes
	// count too (pg_waldump over the range can pick out one database's).
	fmt.Printf("postgres per message: WAL %.0f bytes (whole server, LSN %s to %s), commits %.2f (%d commits of this database)\n",
		float64(wal)/n, b.lsn, a.lsn, float64(commits)/n, commits)
	var names []string
	for name := range a.tables {
		names = append(names, name)
	}
	slices.Sort(names)
	var ins, upd, hot, del, idx, grow float64
	var detail []string
	for _, name := range names {
		x, y := a.tables[name], b.tables[name]
		di, du, dh, dd := x.ins-y.ins, x.upd-y.upd, x.hot-y.hot, x.del-y.del
		if di+du+dd == 0 {
			continue
		}
		ie := float64((di + du - dh) * x.indexes)
		ins, upd, hot, del, idx = ins+float64(di), upd+float64(du), hot+float64(dh), del+float64(dd), idx+ie
		grow += float64(x.bytes - y.bytes)
		detail = append(detail, fmt.Sprintf("%s +%.2f/~%.2f(hot %.2f)/-%.2f idx %.2f", name, float64(di)/n, float64(du)/n, float64(dh)/n, float64(dd)/n, ie/n))
	}
	fmt.Printf("postgres rows per message: inserted %.2f, updated %.2f (HOT %.2f), deleted %.2f; index entries %.2f; on-disk growth %.0f bytes\n",
		ins/n, upd/n, hot/n, del/n, idx/n, grow/n)
	fmt.Printf("  by table (+insert/~update(hot)/-delete idx): %s\n", strings.Join(detail, "; "))
}
