package message

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/google/uuid"

	"safecontact/consent"
	"safecontact/db"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
	"safecontact/gateway/participant"
)

// found is a participant with her consent history, as the accept path
// needs them for the decision.
type found struct {
	p    db.Participant
	hist []consent.Event
	ok   bool
	// version is the participant row's xmin when read; with len(hist) it
	// is what AcceptMessages checks is still current.
	version int64
}

// lookupBatch reads many participants and their consent ledgers in one
// statement.
func (s *Service) lookupBatch(ctx context.Context, codes []string) ([]found, error) {
	rows, err := s.q.ParticipantsWithConsentsByCodes(ctx, db.Array(codes))
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]*found, len(codes))
	for _, r := range rows {
		f := byCode[r.Participant.Code]
		if f == nil {
			f = &found{p: r.Participant, ok: true, version: r.RowVersion}
			byCode[r.Participant.Code] = f
		}
		if r.EvID.Valid {
			f.hist = append(f.hist, participant.EventOf(db.ConsentEvent{
				ID: r.EvID.Int64, ParticipantID: r.Participant.ID, Channel: r.EvChannel.String, Kind: r.EvKind.String,
				At: r.EvAt.Time, Actor: r.EvActor.String, Source: r.EvSource.String, Evidence: r.EvEvidence.String,
				NoticeLanguage: r.EvNoticeLanguage.String, ExpiresAt: r.EvExpiresAt, Reason: r.EvReason.String,
				AllowVoicemail: r.EvAllowVoicemail.Bool, AcceptWhatsappRisk: r.EvAcceptWhatsappRisk.Bool,
			}))
		}
	}
	out := make([]found, len(codes))
	for i, c := range codes {
		if f := byCode[c]; f != nil {
			out[i] = *f
		}
	}
	return out, nil
}

// row is one accepted message to store: the message, its first
// event, its outbox row when it is due now, and its audit event.
type row struct {
	id              uuid.UUID
	participantID   int64
	participantCode string
	channel         string
	status          string
	variant         string
	templateID      string
	templateVersion int
	templateSource  string // "" for free text, as templateDigest
	templateDigest  string
	language        string
	contentEnc      []byte
	priority        int16
	sendAt          time.Time
	consentVersion  int
	redactions      []byte // JSON, nil for none
	at              time.Time
	subject         string
	actor           *auth.Actor
	details         []byte // JSON
	// rowVersion and ledgerLen: the participant data the decision was
	// made on (found.version, len(found.hist)); rowVersion -1 skips the
	// check, for callers that read and write in one transaction.
	rowVersion int64
	ledgerLen  int
	// promisedCallAt: the time the text promises her a call at (zero:
	// none), re-decided by the worker before sending.
	promisedCallAt time.Time
	// renderedTZ: the time zone the text's times are written in ("":
	// it states none), checked by the worker before sending.
	renderedTZ string
	// meetingPointID: the registered meeting point the text names (0:
	// none); a rename of the point waits until the text has gone out.
	// meetingPointName and meetingPointAtForms: the name and at forms
	// (JSON) the text gives it, or the unregistered place it names
	// (meetingPointLink), checked by AcceptMessages against the point as
	// it is when the message is written.
	meetingPointID                        int64
	meetingPointName, meetingPointAtForms string
}

// insertMessages stores messages with one statement (atomic: all or
// none) and returns how many it wrote: a message decided on participant
// data that has changed since is not written (see AcceptMessages). q is
// in a transaction when a message names a place no point is linked to
// (acceptMessages).
func insertMessages(ctx context.Context, q *db.Queries, ms []row) (int, error) {
	rs, err := acceptMessages(ctx, q, ms)
	n := 0
	for _, r := range rs {
		if r.Written {
			n++
		}
	}
	return n, err
}

// staleOf is why AcceptMessages did not write a message: errStalePlace
// when the meeting point its text names changed, else errStale (her
// record did); nil when it was written.
func staleOf(r db.AcceptMessagesRow) error {
	switch {
	case r.Written:
		return nil
	case !r.PlaceOk:
		return errStalePlace
	default:
		return errStale
	}
}

// acceptMessages stores messages with AcceptMessages and returns its
// row for each (written or not, and why). A message naming a place that no point is linked to is
// written only if no point has that name; a create of such a point, or
// a rename to its name, committing while the statement runs would not be
// seen by its snapshot, so the names are first locked (shared:
// ShareMeetingPointNames) in a statement of their own, and AcceptMessages
// runs after any such create or rename has committed and sees its point,
// or before it starts. q must then be in a transaction (the lock is
// transaction-scoped); messages naming no such place take no lock.
func acceptMessages(ctx context.Context, q *db.Queries, ms []row) ([]db.AcceptMessagesRow, error) {
	if names := unlinkedPlaces(ms); len(names) > 0 {
		if err := q.ShareMeetingPointNames(ctx, db.Array(names)); err != nil {
			return nil, err
		}
	}
	return q.AcceptMessages(ctx, acceptParams(ms))
}

// unlinkedPlaces are the places messages name that no point was linked
// to (meetingPointLink with id 0).
func unlinkedPlaces(ms []row) []string {
	var out []string
	for _, m := range ms {
		if m.meetingPointID == 0 && m.meetingPointName != "" {
			out = append(out, m.meetingPointName)
		}
	}
	return out
}

// writeMessages is acceptMessages on the service's database: in a
// transaction of its own when a message names a place no point is linked
// to, else one statement.
func (s *Service) writeMessages(ctx context.Context, ms []row) ([]db.AcceptMessagesRow, error) {
	if len(unlinkedPlaces(ms)) == 0 {
		return s.q.AcceptMessages(ctx, acceptParams(ms))
	}
	var rs []db.AcceptMessagesRow
	err := db.InTx(ctx, s.d.DB, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		rs, err = acceptMessages(ctx, q, ms)
		return err
	})
	return rs, err
}

// acceptParams lays messages out as AcceptMessages' parallel arrays.
func acceptParams(ms []row) db.AcceptMessagesParams {
	n := len(ms)
	var (
		ids                                        = make([]uuid.UUID, n)
		pids, users                                = make([]int64, n), make([]int64, n)
		chans, stats, variants, tmpls, langs, reds = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		subjects, names, roles, codes, reqs, ips   = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		details, digests, sources                  = make([]string, n), make([]string, n), make([]string, n)
		versions, consentVersions                  = make([]int32, n), make([]int32, n)
		contents                                   = make([][]byte, n)
		prios                                      = make([]int16, n)
		sendAts, ats                               = make([]time.Time, n), make([]time.Time, n)
		enqueue                                    = make([]bool, n)
		versions64, ledgerLens                     = make([]int64, n), make([]int64, n)
		promised, zones                            = make([]string, n), make([]string, n)
		points                                     = make([]int64, n)
		pointNames, pointForms                     = make([]string, n), make([]string, n)
	)
	for i, m := range ms {
		ids[i], pids[i], chans[i], stats[i] = m.id, m.participantID, m.channel, m.status
		variants[i], tmpls[i], versions[i], langs[i] = m.variant, m.templateID, int32(m.templateVersion), m.language
		contents[i], prios[i], sendAts[i], consentVersions[i] = m.contentEnc, m.priority, m.sendAt, int32(m.consentVersion)
		reds[i], users[i], ats[i], subjects[i] = string(m.redactions), m.actor.UserID, m.at, m.subject
		enqueue[i], names[i], roles[i], codes[i] = m.status == StatusQueued, m.actor.Name, string(m.actor.Role), m.participantCode
		reqs[i], details[i] = m.actor.RequestID, string(m.details)
		digests[i], sources[i] = m.templateDigest, m.templateSource
		versions64[i], ledgerLens[i], zones[i] = m.rowVersion, int64(m.ledgerLen), m.renderedTZ
		points[i], pointNames[i], pointForms[i] = m.meetingPointID, m.meetingPointName, m.meetingPointAtForms
		if !m.promisedCallAt.IsZero() {
			promised[i] = m.promisedCallAt.UTC().Format(time.RFC3339Nano)
		}
		if m.actor.IP != nil {
			ips[i] = m.actor.IP.String()
		}
	}
	a := db.AcceptMessagesParams{
		Ids: db.Array(ids), ParticipantIds: db.Array(pids), Channels: db.Array(chans), Statuses: db.Array(stats),
		Variants: db.Array(variants), TemplateIds: db.Array(tmpls), TemplateVersions: db.Array(versions), Languages: db.Array(langs),
		TemplateDigests: db.Array(digests), TemplateSources: db.Array(sources),
		Contents: db.Array(contents), Priorities: db.Array(prios), SendAts: db.Array(sendAts), ConsentVersions: db.Array(consentVersions),
		Redactions: db.Array(reds), UserIds: db.Array(users), Ats: db.Array(ats), Subjects: db.Array(subjects),
		Enqueue: db.Array(enqueue), ActorNames: db.Array(names), ActorRoles: db.Array(roles), ParticipantCodes: db.Array(codes),
		RequestIds: db.Array(reqs), ActorIps: db.Array(ips), Details: db.Array(details),
		RowVersions: db.Array(versions64), LedgerLens: db.Array(ledgerLens), PromisedCallAts: db.Array(promised),
		RenderedTzs: db.Array(zones), MeetingPointIds: db.Array(points),
		MeetingPointNames: db.Array(pointNames), MeetingPointAtForms: db.Array(pointForms),
	}
	return a
}

// acceptBatch stores accepted messages from many requests in one
// statement. A message decided on stale data gets errStale (errStalePlace
// when the meeting point it names changed). If the batch
// fails, each message is tried alone, so one bad row cannot fail the
// others.
func (s *Service) acceptBatch(ctx context.Context, ms []row) ([]error, error) {
	res := make([]error, len(ms))
	rs, err := s.writeMessages(ctx, ms)
	if err != nil && len(ms) > 1 {
		for i := range ms {
			one, err := s.writeMessages(ctx, ms[i:i+1])
			if err == nil {
				err = staleOne(one)
			}
			res[i] = err
		}
		return res, nil
	}
	got := make(map[uuid.UUID]db.AcceptMessagesRow, len(rs))
	for _, r := range rs {
		got[r.ID] = r
	}
	for i, m := range ms {
		if err != nil {
			res[i] = err
		} else if r, ok := got[m.id]; !ok {
			res[i] = errStale
		} else {
			res[i] = staleOf(r)
		}
	}
	return res, nil
}

// staleOne is staleOf the one message of a write.
func staleOne(rs []db.AcceptMessagesRow) error {
	if len(rs) != 1 {
		return errStale
	}
	return staleOf(rs[0])
}

func insertOne(ctx context.Context, q *db.Queries, m row) error {
	rs, err := acceptMessages(ctx, q, []row{m})
	if err != nil {
		return err
	}
	return staleOne(rs)
}

// lookup finds a participant and her consent history: from the cache
// unless fresh, else through the batcher. cached says which.
func (s *Service) lookup(ctx context.Context, code string, fresh bool) (found, bool, error) {
	if !consent.ValidCode(code) {
		return found{}, false, httpx.NotFound("participant")
	}
	if !fresh {
		if f, ok := s.parts.get(code); ok {
			return f, true, nil
		}
	}
	f, err := s.lookups.do(ctx, code)
	if err != nil {
		return found{}, false, err
	}
	if !f.ok {
		s.parts.forget(code)
		return found{}, false, httpx.NotFound("participant")
	}
	s.parts.put(code, f)
	return f, false, nil
}

// partCache keeps participants with their ledgers as last read, so most
// accepts skip the read (at 1,000 messages/s the read was a third of the
// accept path's statements). It is never trusted alone: AcceptMessages
// writes a message only if her row version and ledger length are still
// the ones the decision was made on, and anything but an acceptance is
// decided again on fresh data (Service.accept). So a decision from the
// cache is exactly as current as one from a read just before the write:
// current as of the write statement's snapshot. A revocation committed
// while that statement runs is not seen by it, with or without the cache;
// the worker's re-check just before sending catches it. Entries expire
// after ttl (an expired entry is dropped when next asked for).
type partCache struct {
	mu  sync.Mutex
	m   map[string]cachedPart
	ttl time.Duration
	max int
}

type cachedPart struct {
	f  found
	at time.Time
}

func newPartCache(ttl time.Duration, max int) *partCache {
	return &partCache{m: map[string]cachedPart{}, ttl: ttl, max: max}
}

func (c *partCache) get(code string) (found, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[code]
	if ok && time.Since(e.at) > c.ttl {
		delete(c.m, code)
		ok = false
	}
	return e.f, ok
}

func (c *partCache) put(code string, f found) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m) // rare: more participants in one TTL than max
	}
	c.m[code] = cachedPart{f: f, at: time.Now()}
}

func (c *partCache) forget(code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, code)
}
