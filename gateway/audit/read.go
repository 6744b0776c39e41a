package audit

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"safecontact/consent"
	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth"
)

// The supervisor's reads of the log: the list, the export, verification
// and the chain's state. The API's handlers (http.go) and the web console
// call these same methods, so both record the same audit.read,
// audit.exported and audit.verified events and refuse the same actors.

// Filter narrows the log: each set field must match (From inclusive, To
// exclusive). The zero Filter is the whole log.
type Filter struct {
	Participant, Actor, Action string
	From, To                   time.Time
}

// auditFilter is a Filter as the queries take it.
type auditFilter struct {
	participant, actor, action sql.NullString
	from, to                   sql.NullTime
}

func (f Filter) args() auditFilter {
	str := func(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
	tm := func(t time.Time) sql.NullTime { return sql.NullTime{Time: t.UTC(), Valid: !t.IsZero()} }
	return auditFilter{participant: str(f.Participant), actor: str(f.Actor), action: str(f.Action), from: tm(f.From), to: tm(f.To)}
}

func parseFilterTime(get func(string) string, name string) (time.Time, error) {
	raw := get(name)
	if raw == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, raw); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errs.Field(errs.CodeInvalidParameter, name, "%s is a time in RFC 3339 (2026-06-02T10:00:00Z) or a date (2026-06-02)", name)
}

// ParseFilter reads a filter from the query parameters participant,
// actor, action, from and to (a time in RFC 3339 or a date, UTC), as get
// (url.Values.Get, gin's Query) returns them.
func ParseFilter(get func(string) string) (Filter, error) {
	var f Filter
	if p := get("participant"); p != "" {
		if !consent.ValidCode(p) {
			return f, errs.Field(errs.CodeInvalidParameter, "participant", "participant is a participant code such as P-7K3QX")
		}
		f.Participant = p
	}
	if a := get("actor"); a != "" {
		if len(a) > 100 {
			return f, errs.Field(errs.CodeInvalidParameter, "actor", "actor is a user name (at most 100 characters)")
		}
		f.Actor = a
	}
	if a := get("action"); a != "" {
		if len(a) > 64 {
			return f, errs.Field(errs.CodeInvalidParameter, "action", "action is an audit action such as message.sent")
		}
		f.Action = a
	}
	var err error
	if f.From, err = parseFilterTime(get, "from"); err != nil {
		return f, err
	}
	if f.To, err = parseFilterTime(get, "to"); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, errs.Field(errs.CodeInvalidParameter, "to", "to must be after from")
	}
	return f, nil
}

// details describes the filter for the audit event of the read.
func (f Filter) details() map[string]any {
	m := map[string]any{}
	if f.Participant != "" {
		m["participant"] = f.Participant
	}
	if f.Actor != "" {
		m["actor"] = f.Actor
	}
	if f.Action != "" {
		m["action"] = f.Action
	}
	if !f.From.IsZero() {
		m["from"] = f.From.UTC()
	}
	if !f.To.IsZero() {
		m["to"] = f.To.UTC()
	}
	return m
}

// mayRead refuses everyone but a supervisor (or admin): the routes are
// mounted for supervisors, and the service says so again.
func mayRead(a *auth.Actor) error {
	if a == nil || !a.Role.Includes(auth.RoleSupervisor) {
		return errs.New(errs.CodeForbidden, "only a supervisor can read the audit log")
	}
	return nil
}

// Page is one page of the log, newest first. More: older events match
// too (the next page is the one before the last item's ID).
type Page struct {
	Items []AuditEventView
	More  bool
}

// List is a page of at most limit events matching f, newest first, older
// than beforeID (0: from the newest). The read is recorded (audit.read)
// before it is returned: a read that cannot be recorded is refused.
func (s *Service) List(ctx context.Context, a *auth.Actor, f Filter, beforeID int64, limit int32) (Page, error) {
	if err := mayRead(a); err != nil {
		return Page{}, err
	}
	if limit < 1 || limit > 500 {
		return Page{}, errs.Field(errs.CodeInvalidParameter, "limit", "limit must be a number from 1 to 500")
	}
	q := f.args()
	rows, err := s.q.ListAudit(ctx, db.ListAuditParams{Participant: q.participant, Actor: q.actor, Action: q.action,
		FromTime: q.from, ToTime: q.to, BeforeID: sql.NullInt64{Int64: beforeID, Valid: beforeID != 0}, MaxRows: limit + 1})
	if err != nil {
		return Page{}, errs.Internal(err)
	}
	out := Page{Items: make([]AuditEventView, 0, min(len(rows), int(limit)))}
	if len(rows) > int(limit) {
		rows, out.More = rows[:limit], true
	}
	for _, r := range rows {
		out.Items = append(out.Items, AuditEventView{ID: r.ID, Seq: auditNullInt(r.Seq), OccurredAt: r.OccurredAt.UTC(),
			Actor: auditActorView{ID: auditNullInt(r.ActorID), Name: r.ActorName, Role: r.ActorRole}, Action: r.Action,
			Participant: auditNullStr(r.ParticipantCode), RequestID: r.RequestID, IP: auditDisplayIP(r.ActorIp),
			Details: auditRawDetails(r.Details), HasSealedContent: r.HasSealedContent})
	}
	d := map[string]any{"view": "audit", "filters": f.details(), "returned": len(out.Items)}
	if beforeID != 0 {
		d["page_after"] = true
	}
	if _, err := Append(ctx, s.q, a, Event{Action: ActionRead, ParticipantCode: f.Participant, Details: d}); err != nil {
		return Page{}, errs.Internal(err)
	}
	return out, nil
}

// Export writes the events matching f to w as format ("csv" or "jsonl")
// from one consistent snapshot: sealed events in chain order, then those
// not sealed yet. The export is recorded (audit.exported) before begin is
// called with the file's name and content type, once, before the first
// byte (the HTTP handlers set their headers there). An error returned
// before begin is a refusal; after it, the body was cut short. w is
// flushed after each page when it is an http.Flusher.
func (s *Service) Export(ctx context.Context, a *auth.Actor, f Filter, format string, w io.Writer, begin func(name, contentType string)) error {
	if err := mayRead(a); err != nil {
		return err
	}
	if format != "jsonl" && format != "csv" {
		return errs.Field(errs.CodeInvalidParameter, "format", "format is csv or jsonl")
	}
	now := s.now()
	if _, err := Append(ctx, s.q, a, Event{Action: ActionExported, ParticipantCode: f.Participant,
		Details: map[string]any{"format": format, "filters": f.details()}}); err != nil {
		return errs.Internal(err)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return errs.Internal(err)
	}
	defer tx.Rollback()
	name := "audit-" + now.UTC().Format("20060102T150405Z") + "." + format
	ctype := "application/x-ndjson"
	if format == "csv" {
		ctype = "text/csv; charset=utf-8"
	}
	begin(name, ctype)
	flush := func() {}
	if fl, ok := w.(http.Flusher); ok {
		flush = fl.Flush
	}
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(w)
		cw.Write(CSVHeader)
	}
	return streamExport(ctx, db.New(tx), f.args(), func(rows []auditExportRow) error {
		var buf []byte
		for i := range rows {
			e := exportRecordOf(&rows[i])
			if cw != nil {
				if err := cw.Write(e.csvRow()); err != nil {
					return err
				}
				continue
			}
			if buf, err = e.appendJSONL(buf); err != nil {
				return err
			}
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
		} else if _, err := w.Write(buf); err != nil {
			return err
		}
		flush()
		return nil
	})
}

// VerifyChain recomputes the chain (Verify) for a supervisor and records
// the result (audit.verified, the report's Summary): the console shows
// the latest one as the chain's verification state.
func (s *Service) VerifyChain(ctx context.Context, a *auth.Actor, opt VerifyOptions) (*VerifyReport, error) {
	if err := mayRead(a); err != nil {
		return nil, err
	}
	rep, err := Verify(ctx, s.db, opt)
	if err != nil {
		return nil, errs.Internal(err)
	}
	if _, err := Append(ctx, s.q, a, Event{Action: ActionVerified, Details: rep.Summary()}); err != nil {
		return nil, errs.Internal(err)
	}
	return rep, nil
}

// Verification is a recorded verification of the chain (an
// audit.verified event).
type Verification struct {
	At      time.Time
	By      string
	OK      bool
	Checked int64
	HeadSeq int64
	// FirstBadSeq and Problem: where and how it broke (when not OK).
	FirstBadSeq int64
	Problem     string
}

// ChainState is what a supervisor needs to trust the log at a glance:
// its head, the latest checkpoint (the sequencer's, or one made by hand),
// the latest recorded verification and what is waiting to be sealed.
type ChainState struct {
	Head ChainPoint
	// Checkpoint is the latest checkpoint, nil if none; CheckpointBy
	// made it ("sequencer" or a user).
	Checkpoint   *ChainPoint
	CheckpointBy string
	// Verified is the latest verification on record, nil if none.
	Verified         *Verification
	Unsealed         int64
	OldestUnsealedAt *time.Time
}

// State returns the chain's state for a supervisor. It reads no event's
// content, so it is not itself recorded.
func (s *Service) State(ctx context.Context, a *auth.Actor) (ChainState, error) {
	if err := mayRead(a); err != nil {
		return ChainState{}, err
	}
	var st ChainState
	var err error
	if st.Head, err = Head(ctx, s.q); err != nil {
		return st, errs.Internal(err)
	}
	cp, err := s.q.LatestCheckpoint(ctx)
	switch {
	case err == nil:
		st.Checkpoint = &ChainPoint{Seq: cp.Seq, Hash: hex.EncodeToString(cp.Hash), At: cp.At.UTC()}
		st.CheckpointBy = cp.CreatedBy
	case !errors.Is(err, sql.ErrNoRows):
		return st, errs.Internal(err)
	}
	rows, err := s.q.ListAudit(ctx, db.ListAuditParams{Action: sql.NullString{String: ActionVerified, Valid: true}, MaxRows: 1})
	if err != nil {
		return st, errs.Internal(err)
	}
	if len(rows) == 1 {
		var d struct {
			OK          bool   `json:"ok"`
			Checked     int64  `json:"checked"`
			HeadSeq     int64  `json:"head_seq"`
			FirstBadSeq *int64 `json:"first_bad_seq"`
			Problem     string `json:"problem"`
		}
		if err := json.Unmarshal([]byte(rows[0].Details), &d); err != nil {
			return st, errs.Internal(err)
		}
		st.Verified = &Verification{At: rows[0].OccurredAt.UTC(), By: rows[0].ActorName, OK: d.OK, Checked: d.Checked,
			HeadSeq: d.HeadSeq, Problem: d.Problem}
		if d.FirstBadSeq != nil {
			st.Verified.FirstBadSeq = *d.FirstBadSeq
		}
	}
	un, err := s.q.UnsealedStats(ctx)
	if err != nil {
		return st, errs.Internal(err)
	}
	if st.Unsealed = un.N; un.N > 0 {
		t := un.Oldest.UTC()
		st.OldestUnsealedAt = &t
	}
	return st, nil
}
