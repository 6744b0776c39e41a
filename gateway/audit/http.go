package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
)

// Routes mounts the supervisor tools on sup (a group that requires the
// supervisor role): the log, its export and its verification.
//
// Every read of the log is itself recorded (audit.read, audit.exported,
// audit.verified) before the answer goes out: a read that cannot be
// recorded is refused.
func (s *Service) Routes(sup *gin.RouterGroup) {
	sup.GET("/audit", s.listAudit)
	sup.GET("/audit/export", s.exportAudit)
	sup.GET("/audit/verify", s.verifyAuditHTTP)
}

type auditActorView struct {
	ID   *int64 `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// AuditEventView is one event as GET /v1/audit shows it.
type AuditEventView struct {
	ID               int64           `json:"id"`
	Seq              *int64          `json:"seq"` // null until sealed (a fraction of a second)
	OccurredAt       time.Time       `json:"occurred_at"`
	Actor            auditActorView  `json:"actor"`
	Action           string          `json:"action"`
	Participant      *string         `json:"participant"`
	RequestID        string          `json:"request_id"`
	IP               *string         `json:"ip"`
	Details          json.RawMessage `json:"details"`
	HasSealedContent bool            `json:"has_sealed_content"`
}

// auditDisplayIP shows an inet's text without the full-length mask.
func auditDisplayIP(s string) *string {
	if s == "" {
		return nil
	}
	if h, bits, ok := strings.Cut(s, "/"); ok && (bits == "32" && !strings.Contains(h, ":") || bits == "128") {
		s = h
	}
	return &s
}

func auditRawDetails(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

func auditNullInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func auditNullStr(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}

// listAudit is GET /v1/audit: newest first, filters participant, actor,
// action, from, to; cursor pagination by id (Service.List).
func (s *Service) listAudit(c *gin.Context) {
	f, err := ParseFilter(c.Query)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	before, limit, ok := httpx.PageArgs(c)
	if !ok {
		return
	}
	page, err := s.List(c.Request.Context(), auth.ActorOf(c), f, before, limit)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := httpx.Page[AuditEventView]{Items: page.Items}
	if page.More {
		next := httpx.EncodeCursor(page.Items[len(page.Items)-1].ID)
		out.NextCursor = &next
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

// ExportRecord is one line of a JSONL export (and one CSV row): every
// column the chain hashes, in the form it hashes them, so an export can be
// checked offline (`gateway audit verify --export FILE`) and opened
// (`gateway audit open`). Details is the jsonb text exactly as Postgres
// printed it (not re-encoded).
type ExportRecord struct {
	Seq             *int64          `json:"seq"`
	ID              int64           `json:"id"`
	OccurredAt      string          `json:"occurred_at"`
	ActorID         *int64          `json:"actor_id"`
	ActorName       string          `json:"actor_name"`
	ActorRole       string          `json:"actor_role"`
	Action          string          `json:"action"`
	ParticipantCode *string         `json:"participant_code"`
	RequestID       string          `json:"request_id"`
	ActorIP         *string         `json:"actor_ip"`
	SealedContent   []byte          `json:"sealed_content"` // base64; null if none
	PrevHash        *string         `json:"prev_hash"`      // hex; null until sealed
	Hash            *string         `json:"hash"`
	SealedAt        *string         `json:"sealed_at"`
	Details         json.RawMessage `json:"details"`
}

// auditExportRow is what both export queries return.
type auditExportRow = db.ExportSealedPageRow

func exportRecordOf(r *auditExportRow) ExportRecord {
	e := ExportRecord{Seq: auditNullInt(r.Seq), ID: r.ID, OccurredAt: chainTime(r.OccurredAt), ActorID: auditNullInt(r.ActorID),
		ActorName: r.ActorName, ActorRole: r.ActorRole, Action: r.Action, ParticipantCode: auditNullStr(r.ParticipantCode),
		RequestID: r.RequestID, Details: auditRawDetails(r.Details)}
	if r.ActorIp != "" {
		ip := r.ActorIp
		e.ActorIP = &ip
	}
	if len(r.SealedContent) > 0 {
		e.SealedContent = r.SealedContent
	}
	if r.Seq.Valid {
		ph, h, at := hex.EncodeToString(r.PrevHash), hex.EncodeToString(r.Hash), chainTime(r.SealedAt.Time)
		e.PrevHash, e.Hash, e.SealedAt = &ph, &h, &at
	}
	return e
}

// appendJSONL appends the record as one line. encoding/json would compact
// (re-space) the details; they are spliced in as Postgres printed them,
// so the hash can be recomputed from the line.
func (e *ExportRecord) appendJSONL(b []byte) ([]byte, error) {
	d := e.Details
	e.Details = nil
	j, err := json.Marshal(e)
	e.Details = d
	if err != nil {
		return b, err
	}
	// j ends with "details":null}
	const tail = `"details":null}`
	if !bytes.HasSuffix(j, []byte(tail)) {
		return b, errors.New("export: unexpected record encoding")
	}
	b = append(b, j[:len(j)-len(tail)]...)
	b = append(b, `"details":`...)
	if len(d) == 0 {
		d = json.RawMessage("null")
	}
	b = append(b, d...)
	return append(b, '}', '\n'), nil
}

// CSVHeader is the first row of a CSV export (GET /v1/audit/export?format=csv).
var CSVHeader = []string{"seq", "id", "occurred_at", "actor_id", "actor_name", "actor_role", "action", "participant_code",
	"request_id", "actor_ip", "details", "sealed_content", "prev_hash", "hash", "sealed_at"}

// auditCSVCell defuses spreadsheet formulas in free-text cells (a staff name or
// reason starting with =, +, - or @): CSV is for reading; the JSONL export
// is the one to verify.
func auditCSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (e *ExportRecord) csvRow() []string {
	opt := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	row := make([]string, 0, len(CSVHeader))
	seq, actorID := "", ""
	if e.Seq != nil {
		seq = strconv.FormatInt(*e.Seq, 10)
	}
	if e.ActorID != nil {
		actorID = strconv.FormatInt(*e.ActorID, 10)
	}
	details := ""
	if string(e.Details) != "null" {
		details = string(e.Details)
	}
	sealed := ""
	if len(e.SealedContent) > 0 {
		sealed = base64.StdEncoding.EncodeToString(e.SealedContent)
	}
	return append(row, seq, strconv.FormatInt(e.ID, 10), e.OccurredAt, actorID, auditCSVCell(e.ActorName), auditCSVCell(e.ActorRole),
		auditCSVCell(e.Action), opt(e.ParticipantCode), auditCSVCell(e.RequestID), opt(e.ActorIP), details, sealed,
		opt(e.PrevHash), opt(e.Hash), opt(e.SealedAt))
}

// exportAudit is GET /v1/audit/export?format=csv|jsonl (and the filters of
// GET /v1/audit): Service.Export, with the file's headers set before the
// first byte.
func (s *Service) exportAudit(c *gin.Context) {
	ctx := c.Request.Context()
	f, err := ParseFilter(c.Query)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	// A long export outlives the server's write timeout.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	started := false
	err = s.Export(ctx, auth.ActorOf(c), f, c.DefaultQuery("format", "jsonl"), c.Writer, func(name, ctype string) {
		started = true
		c.Header("Cache-Control", "no-store")
		c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
		c.Header("Content-Type", ctype)
		c.Status(http.StatusOK)
	})
	switch {
	case err == nil:
	case !started:
		httpx.Fail(c, err)
	default:
		// The status is out already: the body simply stops. Say so in the log.
		s.log.ErrorContext(ctx, "audit export interrupted", "request_id", c.GetString(httpx.KeyRequestID), "err", httpx.RedactErr(err))
		c.Abort()
	}
}

// ExportAll writes the whole log (format jsonl or csv) from one snapshot
// to w, recorded as audit.exported by actor: `gateway audit export`, for
// when the API is not at hand.
func ExportAll(ctx context.Context, pool *sql.DB, actor *auth.Actor, format string, w io.Writer) error {
	if format != "jsonl" && format != "csv" {
		return errs.Field(errs.CodeInvalidParameter, "format", "format is csv or jsonl")
	}
	if _, err := Append(ctx, db.New(pool), actor, Event{Action: ActionExported, Details: map[string]any{"format": format, "filters": map[string]any{}}}); err != nil {
		return err
	}
	tx, err := pool.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	bw := bufio.NewWriterSize(w, 64<<10)
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(bw)
		cw.Write(CSVHeader)
	}
	var buf []byte
	err = streamExport(ctx, db.New(tx), Filter{}.args(), func(rows []auditExportRow) error {
		for i := range rows {
			e := exportRecordOf(&rows[i])
			if cw != nil {
				cw.Write(e.csvRow())
				continue
			}
			if buf, err = e.appendJSONL(buf[:0]); err != nil {
				return err
			}
			bw.Write(buf)
		}
		if cw != nil {
			cw.Flush()
			return cw.Error()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

func streamExport(ctx context.Context, q *db.Queries, f auditFilter, write func([]auditExportRow) error) error {
	const page = 2000
	after := int64(0)
	for {
		rows, err := q.ExportSealedPage(ctx, db.ExportSealedPageParams{AfterSeq: sql.NullInt64{Int64: after, Valid: true},
			Participant: f.participant, Actor: f.actor, Action: f.action, FromTime: f.from, ToTime: f.to, MaxRows: page})
		if err != nil {
			return err
		}
		if err := write(rows); err != nil {
			return err
		}
		if len(rows) < page {
			break
		}
		after = rows[len(rows)-1].Seq.Int64
	}
	after = 0
	for {
		rows, err := q.ExportUnsealedPage(ctx, db.ExportUnsealedPageParams{AfterID: after,
			Participant: f.participant, Actor: f.actor, Action: f.action, FromTime: f.from, ToTime: f.to, MaxRows: page})
		if err != nil {
			return err
		}
		conv := make([]auditExportRow, len(rows))
		for i, r := range rows {
			conv[i] = auditExportRow(r)
		}
		if err := write(conv); err != nil {
			return err
		}
		if len(rows) < page {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}

// verifyAuditHTTP is GET /v1/audit/verify[?checkpoint_seq=N&checkpoint_hash=HEX]:
// the chain recomputed, 200 if it holds, 409 audit_chain_broken (or
// checkpoint_mismatch, checkpoint_not_found) with the first bad seq if not.
func (s *Service) verifyAuditHTTP(c *gin.Context) {
	ctx := c.Request.Context()
	var opt VerifyOptions
	if raw := c.Query("checkpoint_seq"); raw != "" || c.Query("checkpoint_hash") != "" {
		seq, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || seq < 0 {
			httpx.Fail(c, errs.Field(errs.CodeInvalidParameter, "checkpoint_seq", "checkpoint_seq is a sequence number"))
			return
		}
		cp := ChainPoint{Seq: seq, Hash: strings.ToLower(c.Query("checkpoint_hash"))}
		if _, err := cp.hashBytes(); err != nil {
			// A fixed sentence: a parse error's text may quote the input.
			httpx.Fail(c, errs.Field(errs.CodeInvalidParameter, "checkpoint_hash", "checkpoint_hash must be %d hex characters", 2*sha256.Size))
			return
		}
		opt.Checkpoints = append(opt.Checkpoints, cp)
	}
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	rep, err := s.VerifyChain(ctx, auth.ActorOf(c), opt)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := struct {
		*VerifyReport
		Error *errs.Error `json:"error,omitempty"`
	}{VerifyReport: rep}
	status := http.StatusOK
	if !rep.OK {
		out.Error = errs.New(rep.Code, "the audit log does not verify: first bad sequence number %d (%s)", *rep.FirstBadSeq, rep.Problems[0].Kind)
		status = errs.Status(out.Error)
		httpx.SetErrCode(c, rep.Code)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(status, out)
}
