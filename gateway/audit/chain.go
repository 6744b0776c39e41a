package audit

// The audit hash chain.
//
// # What is chained
//
// Every audit event gets a sequence number seq (1, 2, 3, … without gaps)
// and hash(seq) = SHA-256(E), where E is this byte string (version 1):
//
//	"safecontact/audit/v1\n"        21 bytes, the domain tag
//	prev_hash                       32 bytes: hash(seq-1); 32 zero bytes for seq 1
//	seq                             8 bytes, big-endian
//	id                              8 bytes, big-endian
//	str(occurred_at)                UTC, microseconds, "2006-01-02T15:04:05.000000Z"
//	opt(actor_id)                   decimal ASCII
//	str(actor_name)
//	str(actor_role)
//	str(action)
//	opt(participant_code)
//	str(request_id)
//	opt(actor_ip)                   Postgres text(inet), e.g. "192.0.2.7/32"
//	opt(details)                    the jsonb as Postgres prints it (details::text)
//	opt(sealed_content)             the raw bytes (NULL and empty are both absent)
//	str(sealed_at)                  like occurred_at
//
// with str(x) = 4-byte big-endian length of x, then x; opt(NULL) = the four
// bytes FF FF FF FF; opt(x) = str(x). Strings are the UTF-8 bytes Postgres
// stores. jsonb keeps one text form per value (keys sorted by length then
// bytes, ", " and ": " separators), so the text Postgres prints is the
// canonical form; the hash does not depend on how Go serialised the map.
// To check a chain without this program: select those columns with
// actor_ip::text and details::text, build E, compare.
//
// # Commit order, and why appends do not wait
//
// Append only INSERTs a row with seq NULL, in the caller's transaction:
// no lock, no counter, nothing shared beyond the bigserial id. Ids are
// handed out at INSERT time, so they commit out of order: id 10 can be
// visible while id 9's transaction is still open, and a rolled-back
// transaction leaves a hole in the ids forever.
//
// One sequencer seals (sealPending): the holder of Postgres advisory lock
// sequencerLockKey (runner.Leader, as for the scheduler, another key), every 200ms.
// In one transaction it reads the head (highest seq), selects committed
// rows with seq NULL in id order through the partial index
// audit_events_unsealed, computes their hashes, and sets
// seq/prev_hash/hash/sealed_at with one UPDATE. There is deliberately no
// "sealed up to id N" watermark: a row is found by being unsealed, not by
// its id, so a transaction that took id 9 and commits after id 10 was
// sealed is simply sealed in the next pass, with the next seq. Nothing is
// skipped, nothing waits for id holes to fill, and seq has no gaps because
// only the sequencer assigns it. seq order is the order in which the
// sequencer saw rows committed (rows visible in the same pass are ordered
// by id); exact commit order is not observable without
// track_commit_timestamp, and the chain does not need it.
//
// Every sealing transaction takes pg_try_advisory_xact_lock on the same
// key, so a second sealer (a test, a second leader after a network split)
// cannot interleave: it finds the lock taken and backs off. The unique
// index on seq and the trigger (sealing only rows that are unsealed) make a
// double sealing fail rather than fork the chain.
//
// # What it proves, and what not
//
// Verify recomputes every hash and checks every link: an edited row fails
// its own hash; a deleted row leaves a gap in seq; reordered rows break the
// links. Someone with superuser rights could rewrite the whole chain after
// a point, recomputing every later hash: a checkpoint {seq, hash} kept
// outside the database (`gateway audit checkpoint`, also written hourly to
// audit_checkpoints and to the log) catches that, and catches events cut
// from the end. The chain does not prove that an appended event is true:
// whoever can INSERT can append a false one, as the gateway itself does.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"

	"safecontact/db"
	"safecontact/gateway/runner"
)

// sequencerLockKey is the advisory lock of the audit sequencer (the
// scheduler's is leaderLockKey).
const sequencerLockKey = 0x5afec0df

const (
	chainTag      = "safecontact/audit/v1\n"
	chainTimeFmt  = "2006-01-02T15:04:05.000000Z"
	sealBatchSize = 2000
	maxProblems   = 20
)

var zeroHash = make([]byte, sha256.Size)

// errSequencerBusy: another session holds the sequencer lock.
var errSequencerBusy = errors.New("audit sequencer: another session is sealing")

// chainRecord is one event in canonical form (the columns of E).
type chainRecord struct {
	Seq             int64
	ID              int64
	OccurredAt      time.Time
	ActorID         sql.NullInt64
	ActorName       string
	ActorRole       string
	Action          string
	ParticipantCode sql.NullString
	RequestID       string
	ActorIP         string // actor_ip::text; "" is NULL (an inet never prints empty)
	Details         string // details::text; "" is NULL (JSON is never empty)
	SealedContent   []byte
	SealedAt        time.Time
}

func chainTime(t time.Time) string { return t.UTC().Format(chainTimeFmt) }

func putStr(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func putBytes(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

func putNull(b []byte) []byte { return append(b, 0xff, 0xff, 0xff, 0xff) }

// encode appends E (without hashing) to buf.
func (r *chainRecord) encode(buf, prev []byte) []byte {
	b := append(buf, chainTag...)
	b = append(b, prev...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(r.ID))
	b = putStr(b, chainTime(r.OccurredAt))
	if r.ActorID.Valid {
		b = putStr(b, strconv.FormatInt(r.ActorID.Int64, 10))
	} else {
		b = putNull(b)
	}
	b = putStr(b, r.ActorName)
	b = putStr(b, r.ActorRole)
	b = putStr(b, r.Action)
	if r.ParticipantCode.Valid {
		b = putStr(b, r.ParticipantCode.String)
	} else {
		b = putNull(b)
	}
	b = putStr(b, r.RequestID)
	for _, s := range []string{r.ActorIP, r.Details} {
		if s == "" {
			b = putNull(b)
		} else {
			b = putStr(b, s)
		}
	}
	if len(r.SealedContent) == 0 {
		b = putNull(b)
	} else {
		b = putBytes(b, r.SealedContent)
	}
	return putStr(b, chainTime(r.SealedAt))
}

// sum returns hash(seq) given hash(seq-1); buf is scratch space, returned
// for reuse.
func (r *chainRecord) sum(prev, buf []byte) ([sha256.Size]byte, []byte) {
	buf = r.encode(buf[:0], prev)
	return sha256.Sum256(buf), buf
}

// ChainPoint is a position of the chain: the hash at a seq. As a
// checkpoint it is kept outside the database by a supervisor.
type ChainPoint struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"` // hex
	At   time.Time `json:"at"`
}

func (p ChainPoint) hashBytes() ([]byte, error) {
	h, err := hex.DecodeString(p.Hash)
	if err != nil || len(h) != sha256.Size {
		return nil, fmt.Errorf("checkpoint hash must be %d hex characters", 2*sha256.Size)
	}
	return h, nil
}

// The sequencer's and the verifier's statements run through pgx directly
// (binary parameters and results, rows streamed) rather than through sqlc
// and database/sql: per event that costs about 30% less CPU for sealing
// and half for verifying, and both are on the budget of the issue (the
// sequencer must not slow the send path; verify must check well over
// 100,000 events a second). They read and write the same columns as the
// sqlc queries of db/query/audit.sql, in the canonical form above.
const (
	// sqlChainHead: the last sealed event.
	sqlChainHead = `SELECT seq, hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1`
	// sqlUnsealed: committed rows not sealed yet, oldest id first
	// (partial index audit_events_unsealed).
	sqlUnsealed = `SELECT id, occurred_at, actor_id, actor_name, actor_role, action, participant_code, request_id,
       coalesce(actor_ip::text, '')::text, coalesce(details::text, '')::text, sealed_content
FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT $1`
	// sqlSeal: the one UPDATE the trigger admits, once per row.
	sqlSeal = `UPDATE audit_events e SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash, sealed_at = $1
FROM (SELECT unnest($2::bigint[]) AS id, unnest($3::bigint[]) AS seq,
             unnest($4::bytea[]) AS prev_hash, unnest($5::bytea[]) AS hash) u
WHERE e.id = u.id AND e.seq IS NULL`
	// sqlChain: the sealed events after a seq, in chain order.
	sqlChain = `SELECT seq, id, occurred_at, actor_id, actor_name, actor_role, action, participant_code, request_id,
       coalesce(actor_ip::text, '')::text, coalesce(details::text, '')::text, sealed_content, prev_hash, hash, sealed_at
FROM audit_events WHERE seq > $1 ORDER BY seq`
)

// pgxConn runs fn on the pgx connection under a database/sql one.
func pgxConn(conn *sql.Conn, fn func(pc *pgx.Conn) error) error {
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("audit chain: the database is not opened with the pgx driver")
		}
		return fn(sc.Conn())
	})
}

// sealPending seals up to max committed unsealed events in one
// transaction on conn (the leader's session, or any pool connection for
// tests and tools) and returns how many it sealed.
func sealPending(ctx context.Context, conn *sql.Conn, max int, now time.Time) (int, error) {
	sealed := 0
	err := pgxConn(conn, func(pc *pgx.Conn) error {
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.Background())
		var got bool
		// Re-entrant for the leader's own session; refuses any other sealer.
		if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", int64(sequencerLockKey)).Scan(&got); err != nil {
			return err
		}
		if !got {
			return errSequencerBusy
		}
		seq, prev := int64(0), zeroHash
		if err := tx.QueryRow(ctx, sqlChainHead).Scan(&seq, &prev); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		rows, err := tx.Query(ctx, sqlUnsealed, max)
		if err != nil {
			return err
		}
		sealedAt := now.UTC().Truncate(time.Microsecond)
		var ids, seqs []int64
		var prevs, hashes [][]byte
		buf := make([]byte, 0, 1024)
		for rows.Next() {
			r := chainRecord{SealedAt: sealedAt}
			if err := rows.Scan(&r.ID, &r.OccurredAt, &r.ActorID, &r.ActorName, &r.ActorRole, &r.Action, &r.ParticipantCode,
				&r.RequestID, &r.ActorIP, &r.Details, &r.SealedContent); err != nil {
				rows.Close()
				return err
			}
			seq++
			r.Seq = seq
			var h [sha256.Size]byte
			h, buf = r.sum(prev, buf)
			ids, seqs, prevs = append(ids, r.ID), append(seqs, seq), append(prevs, prev)
			prev = h[:]
			hashes = append(hashes, prev)
		}
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		tag, err := tx.Exec(ctx, sqlSeal, sealedAt, ids, seqs, prevs, hashes)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != int64(len(ids)) {
			return fmt.Errorf("audit sequencer: sealed %d of %d rows; another sealer raced", tag.RowsAffected(), len(ids))
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		sealed = len(ids)
		return nil
	})
	return sealed, err
}

// SealPending seals every committed unsealed audit event now (tests,
// `gateway audit checkpoint`). It returns how many it sealed; if a running
// sequencer holds the lock it returns 0 and no error (that one seals).
func SealPending(ctx context.Context, pool *sql.DB, now time.Time) (int, error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	total := 0
	for {
		n, err := sealPending(ctx, conn, sealBatchSize, now)
		total += n
		if errors.Is(err, errSequencerBusy) {
			return total, nil
		}
		if err != nil || n < sealBatchSize {
			return total, err
		}
	}
}

// ChainProblem is one thing wrong with the chain.
type ChainProblem struct {
	Seq     int64  `json:"seq"`
	ID      int64  `json:"id,omitempty"`
	Kind    string `json:"kind"` // missing | prev_hash_mismatch | hash_mismatch | checkpoint_mismatch | checkpoint_not_found
	Message string `json:"message"`
}

// CheckpointCheck is the result of checking one checkpoint.
type CheckpointCheck struct {
	ChainPoint
	OK      bool   `json:"ok"`
	Problem string `json:"problem,omitempty"`
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	OK bool `json:"ok"`
	// Code is audit_chain_broken (or checkpoint_mismatch,
	// checkpoint_not_found) when not OK.
	Code string `json:"code,omitempty"`
	// Checked counts the sealed events whose hash was recomputed, after
	// FromSeq (0: from the first event).
	Checked     int64          `json:"checked"`
	FromSeq     int64          `json:"from_seq"`
	Head        ChainPoint     `json:"head"`
	FirstBadSeq *int64         `json:"first_bad_seq"`
	Problems    []ChainProblem `json:"problems"`
	// Unsealed events are committed but not in the chain yet (normally
	// the last fraction of a second; many, or old, means no sequencer
	// is running).
	Unsealed         int64             `json:"unsealed"`
	OldestUnsealedAt *time.Time        `json:"oldest_unsealed_at,omitempty"`
	Checkpoints      []CheckpointCheck `json:"checkpoints"`
	DurationMS       int64             `json:"duration_ms"`
	EventsPerSecond  float64           `json:"events_per_second"`
}

// VerifyOptions: From starts verification after a trusted point (an
// earlier checkpoint) instead of the first event; Checkpoints are external
// checkpoints to check besides those in audit_checkpoints.
type VerifyOptions struct {
	From        *ChainPoint
	Checkpoints []ChainPoint
	// SkipStoredCheckpoints: do not check audit_checkpoints.
	SkipStoredCheckpoints bool
}

// Verify recomputes the chain and reports the first bad sequence number.
// It reads page by page (sealed rows never change, new ones only extend
// the chain), so it runs beside the sequencer.
func Verify(ctx context.Context, pool *sql.DB, opt VerifyOptions) (*VerifyReport, error) {
	start := time.Now()
	q := db.New(pool)
	rep := &VerifyReport{Problems: []ChainProblem{}, Checkpoints: []CheckpointCheck{}}
	prev, after := zeroHash, int64(0)
	if opt.From != nil {
		h, err := opt.From.hashBytes()
		if err != nil {
			return nil, err
		}
		prev, after = h, opt.From.Seq
	}
	rep.FromSeq = after
	rep.Head = ChainPoint{Seq: after, Hash: hex.EncodeToString(prev)}

	// Checkpoints to meet on the way, by seq.
	type cp struct {
		i    int
		hash []byte
	}
	want := map[int64][]cp{}
	addCP := func(p ChainPoint) error {
		h, err := p.hashBytes()
		if err != nil {
			return err
		}
		rep.Checkpoints = append(rep.Checkpoints, CheckpointCheck{ChainPoint: p})
		want[p.Seq] = append(want[p.Seq], cp{len(rep.Checkpoints) - 1, h})
		return nil
	}
	for _, p := range opt.Checkpoints {
		if err := addCP(p); err != nil {
			return nil, err
		}
	}
	if !opt.SkipStoredCheckpoints {
		stored, err := q.ListCheckpoints(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range stored {
			if err := addCP(ChainPoint{Seq: c.Seq, Hash: hex.EncodeToString(c.Hash), At: c.At.UTC()}); err != nil {
				return nil, err
			}
		}
	}
	problem := func(p ChainProblem) {
		if rep.FirstBadSeq == nil {
			s := p.Seq
			rep.FirstBadSeq = &s
		}
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, p)
		}
	}
	meet := func(seq int64, hash []byte) {
		for _, c := range want[seq] {
			r := &rep.Checkpoints[c.i]
			r.OK = bytes.Equal(c.hash, hash)
			if !r.OK {
				r.Problem = "the chain holds another hash at this seq: the log was rewritten since the checkpoint"
			}
		}
		delete(want, seq)
	}
	if after == 0 {
		meet(0, zeroHash)
	}

	expected := after + 1
	buf := make([]byte, 0, 1024)
	var prevArr [sha256.Size]byte
	err := scanChain(ctx, pool, after, func(r *chainRow) error {
		seq := r.rec.Seq
		switch {
		case seq != expected:
			problem(ChainProblem{Seq: expected, Kind: "missing", Message: fmt.Sprintf("events %d to %d are missing: deleted from the log", expected, seq-1)})
		case !bytes.Equal(r.prevHash, prev):
			problem(ChainProblem{Seq: seq, ID: r.rec.ID, Kind: "prev_hash_mismatch",
				Message: fmt.Sprintf("event %d does not follow event %d: events were reordered or replaced, or event %d was rewritten with a new hash", seq, seq-1, seq-1)})
		}
		var h [sha256.Size]byte
		h, buf = r.rec.sum(r.prevHash, buf)
		if !bytes.Equal(h[:], r.hash) {
			problem(ChainProblem{Seq: seq, ID: r.rec.ID, Kind: "hash_mismatch",
				Message: fmt.Sprintf("event %d (id %d) is not what was sealed: it was changed after sealing", seq, r.rec.ID)})
		}
		if len(want) > 0 {
			meet(seq, r.hash)
		}
		rep.Checked++
		copy(prevArr[:], r.hash)
		prev = prevArr[:len(r.hash)]
		expected = seq + 1
		rep.Head = ChainPoint{Seq: seq, Hash: hex.EncodeToString(r.hash), At: r.rec.SealedAt.UTC()}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for seq, cs := range want {
		for _, c := range cs {
			r := &rep.Checkpoints[c.i]
			if seq > rep.Head.Seq {
				r.Problem = fmt.Sprintf("the chain ends at %d, before this checkpoint: events were cut from the end of the log", rep.Head.Seq)
			} else {
				r.Problem = "not checked: before the point verification started from"
				r.OK = true
			}
		}
	}
	for _, c := range rep.Checkpoints {
		if !c.OK {
			kind := CodeCheckpointMismatch
			if c.Seq > rep.Head.Seq {
				kind = CodeCheckpointNotFound
			}
			problem(ChainProblem{Seq: c.Seq, Kind: kind, Message: c.Problem})
		}
	}
	st, err := q.UnsealedStats(ctx)
	if err != nil {
		return nil, err
	}
	rep.Unsealed = st.N
	if st.N > 0 {
		t := st.Oldest.UTC()
		rep.OldestUnsealedAt = &t
	}
	rep.OK = rep.FirstBadSeq == nil
	if !rep.OK {
		rep.Code = CodeChainBroken
		if k := rep.Problems[0].Kind; k == CodeCheckpointMismatch || k == CodeCheckpointNotFound {
			rep.Code = k
		}
	}
	d := time.Since(start)
	rep.DurationMS = d.Milliseconds()
	if d > 0 {
		rep.EventsPerSecond = float64(rep.Checked) / d.Seconds()
	}
	return rep, nil
}

// chainRow is one sealed event as the verifier reads it.
type chainRow struct {
	rec            chainRecord
	prevHash, hash []byte
}

// scanChain streams the sealed events after seq after to fn, from one
// snapshot. fn must not keep r or its slices' backing arrays beyond the
// call (copy what it keeps).
func scanChain(ctx context.Context, pool *sql.DB, after int64, fn func(r *chainRow) error) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return pgxConn(conn, func(pc *pgx.Conn) error {
		rows, err := pc.Query(ctx, sqlChain, after)
		if err != nil {
			return err
		}
		defer rows.Close()
		var r chainRow
		for rows.Next() {
			c := &r.rec
			if err := rows.Scan(&c.Seq, &c.ID, &c.OccurredAt, &c.ActorID, &c.ActorName, &c.ActorRole, &c.Action, &c.ParticipantCode,
				&c.RequestID, &c.ActorIP, &c.Details, &c.SealedContent, &r.prevHash, &r.hash, &c.SealedAt); err != nil {
				return err
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// Summary is the report in a few words, for the audit.verified event and
// the CLI.
func (r *VerifyReport) Summary() map[string]any {
	m := map[string]any{"ok": r.OK, "checked": r.Checked, "from_seq": r.FromSeq, "head_seq": r.Head.Seq, "head_hash": r.Head.Hash,
		"checkpoints": len(r.Checkpoints), "unsealed": r.Unsealed}
	if r.FirstBadSeq != nil {
		m["first_bad_seq"] = *r.FirstBadSeq
		m["problem"] = r.Problems[0].Kind
	}
	return m
}

// Head returns the current chain head (seq 0 and the zero hash for an
// empty chain).
func Head(ctx context.Context, q *db.Queries) (ChainPoint, error) {
	h, err := q.AuditChainHead(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return ChainPoint{Seq: 0, Hash: hex.EncodeToString(zeroHash)}, nil
	}
	if err != nil {
		return ChainPoint{}, err
	}
	return ChainPoint{Seq: h.Seq.Int64, Hash: hex.EncodeToString(h.Hash)}, nil
}

// WriteCheckpoint records the current head in audit_checkpoints and
// returns it, for the supervisor to keep elsewhere.
func WriteCheckpoint(ctx context.Context, pool *sql.DB, by string, now time.Time) (ChainPoint, error) {
	q := db.New(pool)
	p, err := Head(ctx, q)
	if err != nil {
		return p, err
	}
	h, _ := p.hashBytes()
	row, err := q.InsertCheckpoint(ctx, db.InsertCheckpointParams{Seq: p.Seq, Hash: h, At: now.UTC().Truncate(time.Microsecond), CreatedBy: by})
	if err != nil {
		return p, err
	}
	p.At = row.At.UTC()
	return p, nil
}

// Sequencer seals audit events into the chain and checkpoints the head.
// One runs at a time (runner.Leader on sequencerLockKey).
type Sequencer struct {
	s   *Service
	log *slog.Logger
	// Interval is how often the leader seals (Config.SealInterval).
	Interval time.Duration
	every    time.Duration
	batch    int
	lastCP   ChainPoint
	lastCPAt time.Time
	sealed   prometheus.Counter
}

// NewSequencer makes the sequencer.
func (s *Service) NewSequencer() *Sequencer {
	sq := &Sequencer{s: s, log: s.log, Interval: s.cfg.SealInterval, every: s.cfg.CheckpointInterval, batch: sealBatchSize,
		sealed: prometheus.NewCounter(prometheus.CounterOpts{Name: "safecontact_audit_sealed_total", Help: "Audit events sealed into the hash chain."})}
	if s.reg != nil {
		s.reg.Register(sq.sealed)
	}
	return sq
}

// Run waits for leadership, then seals every tick until ctx ends. The
// sealing runs on the lock's own connection.
func (sq *Sequencer) Run(ctx context.Context) {
	l := runner.Leader{DB: sq.s.db, Key: sequencerLockKey, Name: "audit sequencer", Retry: 5 * sq.Interval, Log: sq.log}
	l.Run(ctx, func(ctx context.Context, conn *sql.Conn) error {
		if cp, err := db.New(sq.s.db).LatestCheckpoint(ctx); err == nil {
			sq.lastCP, sq.lastCPAt = ChainPoint{Seq: cp.Seq, Hash: hex.EncodeToString(cp.Hash), At: cp.At}, cp.At
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return l.Tick(ctx, conn, sq.Interval, func(ctx context.Context) error { return sq.Tick(ctx, conn) })
	})
}

// Tick seals everything pending, then checkpoints when due.
func (sq *Sequencer) Tick(ctx context.Context, conn *sql.Conn) error {
	for {
		n, err := sealPending(ctx, conn, sq.batch, sq.s.now())
		sq.sealed.Add(float64(n))
		if err != nil {
			return err
		}
		if n < sq.batch {
			break
		}
	}
	now := sq.s.now()
	if now.Sub(sq.lastCPAt) >= sq.every {
		if err := sq.checkpoint(ctx, now); err != nil {
			return err
		}
	}
	return nil
}

// checkpoint verifies the chain since the last checkpoint and, if it
// holds and has grown, records a new one (and logs it: the log is a second
// place it is kept).
func (sq *Sequencer) checkpoint(ctx context.Context, now time.Time) error {
	// From the last checkpoint if there is one. A checkpoint tick that
	// found the chain empty sets lastCPAt but writes no checkpoint, so the
	// time alone does not say there is one: verifying from the zero point
	// (empty hash) failed on every later tick, and no checkpoint was ever
	// written.
	var from *ChainPoint
	if sq.lastCP.Hash != "" {
		from = &sq.lastCP
	}
	rep, err := Verify(ctx, sq.s.db, VerifyOptions{From: from, SkipStoredCheckpoints: true})
	if err != nil {
		return err
	}
	sq.lastCPAt = now
	if !rep.OK {
		sq.log.Error("audit chain broken: no checkpoint written; run `gateway audit verify`", "first_bad_seq", *rep.FirstBadSeq, "problem", rep.Problems[0].Kind)
		return nil
	}
	if rep.Head.Seq == 0 || from != nil && rep.Head.Seq == from.Seq {
		return nil // nothing (new) to checkpoint
	}
	cp, err := WriteCheckpoint(ctx, sq.s.db, "sequencer", now)
	if err != nil {
		return err
	}
	sq.lastCP = cp
	sq.log.Info("audit checkpoint", "seq", cp.Seq, "hash", cp.Hash, "at", cp.At)
	return nil
}

// VerifyExport checks a JSONL export (GET /v1/audit/export) offline, with
// no database: each sealed event's hash is recomputed from the line, each
// event is checked to follow the one before it, and the checkpoints in
// opt.Checkpoints are looked up. With filtered set, gaps in seq are
// expected (an export filtered by participant, actor, action or time) and
// only consecutive events are linked; otherwise a gap is missing events.
// Lines of events not sealed yet are counted in Unsealed.
func VerifyExport(r io.Reader, opt VerifyOptions, filtered bool) (*VerifyReport, error) {
	start := time.Now()
	rep := &VerifyReport{Problems: []ChainProblem{}, Checkpoints: []CheckpointCheck{}}
	want := map[int64][]int{}
	for _, p := range opt.Checkpoints {
		if _, err := p.hashBytes(); err != nil {
			return nil, err
		}
		rep.Checkpoints = append(rep.Checkpoints, CheckpointCheck{ChainPoint: p, Problem: "this seq is not in the export"})
		want[p.Seq] = append(want[p.Seq], len(rep.Checkpoints)-1)
	}
	problem := func(p ChainProblem) {
		if rep.FirstBadSeq == nil {
			s := p.Seq
			rep.FirstBadSeq = &s
		}
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, p)
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var prevSeq int64
	var prevHash []byte = zeroHash
	var buf []byte
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e ExportRecord
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("line %d is not an export record: %v", line, err)
		}
		if e.Seq == nil {
			rep.Unsealed++
			continue
		}
		rec, ph, h, err := e.chainRecord()
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		switch {
		case rec.Seq <= prevSeq:
			problem(ChainProblem{Seq: rec.Seq, ID: rec.ID, Kind: "out_of_order", Message: fmt.Sprintf("line %d: seq %d after %d", line, rec.Seq, prevSeq)})
		case rec.Seq == prevSeq+1 && !bytes.Equal(ph, prevHash):
			problem(ChainProblem{Seq: rec.Seq, ID: rec.ID, Kind: "prev_hash_mismatch", Message: fmt.Sprintf("event %d does not follow event %d", rec.Seq, prevSeq)})
		case rec.Seq > prevSeq+1 && !filtered:
			problem(ChainProblem{Seq: prevSeq + 1, Kind: "missing", Message: fmt.Sprintf("events %d to %d are not in the export (use --filtered for a filtered export)", prevSeq+1, rec.Seq-1)})
		}
		var sum [sha256.Size]byte
		sum, buf = rec.sum(ph, buf)
		if !bytes.Equal(sum[:], h) {
			problem(ChainProblem{Seq: rec.Seq, ID: rec.ID, Kind: "hash_mismatch", Message: fmt.Sprintf("line %d: event %d is not what was sealed", line, rec.Seq)})
		}
		for _, i := range want[rec.Seq] {
			c := &rep.Checkpoints[i]
			cph, _ := c.hashBytes()
			c.OK, c.Problem = bytes.Equal(cph, h), ""
			if !c.OK {
				c.Problem = "the export holds another hash at this seq"
			}
		}
		rep.Checked++
		prevSeq, prevHash = rec.Seq, h
		rep.Head = ChainPoint{Seq: rec.Seq, Hash: hex.EncodeToString(h), At: rec.SealedAt}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, c := range rep.Checkpoints {
		if !c.OK {
			kind := CodeCheckpointMismatch
			if c.Problem == "this seq is not in the export" {
				kind = CodeCheckpointNotFound
			}
			problem(ChainProblem{Seq: c.Seq, Kind: kind, Message: c.Problem})
		}
	}
	rep.OK = rep.FirstBadSeq == nil
	if !rep.OK {
		rep.Code = CodeChainBroken
		if k := rep.Problems[0].Kind; k == CodeCheckpointMismatch || k == CodeCheckpointNotFound {
			rep.Code = k
		}
	}
	d := time.Since(start)
	rep.DurationMS = d.Milliseconds()
	if d > 0 {
		rep.EventsPerSecond = float64(rep.Checked) / d.Seconds()
	}
	return rep, nil
}

// chainRecord rebuilds the canonical form from an export line.
func (e *ExportRecord) chainRecord() (chainRecord, []byte, []byte, error) {
	r := chainRecord{Seq: *e.Seq, ID: e.ID, ActorName: e.ActorName, ActorRole: e.ActorRole, Action: e.Action,
		RequestID: e.RequestID, SealedContent: e.SealedContent}
	var err error
	if r.OccurredAt, err = time.Parse(chainTimeFmt, e.OccurredAt); err != nil {
		return r, nil, nil, errors.New("occurred_at is not in the chain's time format")
	}
	if e.SealedAt == nil || e.PrevHash == nil || e.Hash == nil {
		return r, nil, nil, errors.New("a sealed event without prev_hash, hash or sealed_at")
	}
	if r.SealedAt, err = time.Parse(chainTimeFmt, *e.SealedAt); err != nil {
		return r, nil, nil, errors.New("sealed_at is not in the chain's time format")
	}
	if e.ActorID != nil {
		r.ActorID = sql.NullInt64{Int64: *e.ActorID, Valid: true}
	}
	if e.ParticipantCode != nil {
		r.ParticipantCode = sql.NullString{String: *e.ParticipantCode, Valid: true}
	}
	if e.ActorIP != nil {
		r.ActorIP = *e.ActorIP
	}
	if d := bytes.TrimSpace(e.Details); len(d) > 0 && string(d) != "null" {
		r.Details = string(e.Details)
	}
	ph, err1 := hex.DecodeString(*e.PrevHash)
	h, err2 := hex.DecodeString(*e.Hash)
	if err1 != nil || err2 != nil || len(ph) != sha256.Size || len(h) != sha256.Size {
		return r, nil, nil, errors.New("prev_hash and hash are 64 hex characters")
	}
	return r, ph, h, nil
}

// CheckpointVerified verifies the whole chain up to its current head and,
// if it holds, records that head as a checkpoint and returns it. A broken
// chain gets no checkpoint (the report says why).
func CheckpointVerified(ctx context.Context, pool *sql.DB, by string, now time.Time) (ChainPoint, *VerifyReport, error) {
	head, err := Head(ctx, db.New(pool))
	if err != nil {
		return head, nil, err
	}
	rep, err := Verify(ctx, pool, VerifyOptions{Checkpoints: []ChainPoint{head}})
	if err != nil || !rep.OK {
		return head, rep, err
	}
	h, _ := head.hashBytes()
	row, err := db.New(pool).InsertCheckpoint(ctx, db.InsertCheckpointParams{Seq: head.Seq, Hash: h, At: now.UTC().Truncate(time.Microsecond), CreatedBy: by})
	if err != nil {
		return head, rep, err
	}
	head.At = row.At.UTC()
	return head, rep, nil
}
