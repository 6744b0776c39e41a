package safety_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"safecontact/channels"
	"safecontact/db"
	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/gateway/delivery"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/message"
	"safecontact/gateway/safety"
)

// awaitLockWait returns once a backend of e's database waits on a lock in
// a statement matching pattern (a case-insensitive regular expression:
// sqlc's queries start with their name), or an error if answered says
// something first or nothing waits within 10 seconds. It is called off
// the test's goroutine, hence the error.
func awaitLockWait(e *gatewaytest.Env, pattern string, answered <-chan gatewaytest.Resp) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := e.DB.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ~* $1`, pattern).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		select {
		case r := <-answered:
			return fmt.Errorf("answered without waiting for the other transaction: %d %s", r.Status, r.Body)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no statement matching %q waited on a lock within 10 s", pattern)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// retryEnv is proposalEnv with a participant who may be written to at any
// time (a proposal to her is queued at once), and the workers' default
// claim lease of 30 s.
type retryEnv struct {
	e       *gatewaytest.Env
	anyTime string
	point   string
	pointID int64
	lease   time.Duration
}

func newRetryEnv(t *testing.T) retryEnv {
	t.Helper()
	e, _, point := proposalEnv(t)
	pointID, err := strconv.ParseInt(point, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 000 781"
	b["any_time"] = true
	b["safe_windows"] = []string{}
	anyTime := e.CreateParticipant(b)
	if r := e.Do(auth.RoleStaff, "POST", "/v1/participants/"+anyTime+"/consents", gatewaytest.Grant("sms")); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	lease := delivery.ClaimLease(delivery.WorkerConfig{}.WithDefaults().SendTimeout)
	if lease != 30*time.Second {
		t.Fatalf("the workers' default claim lease is %v, want 30 s", lease)
	}
	return retryEnv{e: e, anyTime: anyTime, point: point, pointID: pointID, lease: lease}
}

// send proposes a meeting at the point's Plaça Reial and has a worker
// send it to a provider that refuses it for a passing reason, running
// during (given the message's id) while the send is in flight.
func (r retryEnv) send(t *testing.T, during func(id string)) string {
	t.Helper()
	resp := propose(r.e, r.anyTime, "Plaça Reial")
	if resp.Status != 202 || resp.JSON(t)["status"] != message.StatusQueued {
		t.Fatalf("proposal: %d %s", resp.Status, resp.Body)
	}
	id := resp.JSON(t)["id"].(string)
	if linkedTo(t, r.e, id) != r.point {
		t.Fatalf("the proposal is not linked to point %s", r.point)
	}
	w := r.e.Server.Delivery().NewWorker(map[string]channels.Sender{"sms": slowRefusal{func() { during(id) }}}, gateway.WorkerConfig{})
	if out := w.Handle(context.Background(), id, 1); out != channels.Done {
		t.Fatalf("outcome %v, want done", out)
	}
	return id
}

// status is message id's status and error code.
func (r retryEnv) status(t *testing.T, id string) (st, code string) {
	t.Helper()
	var c sql.NullString
	if err := r.e.DB.QueryRow(`SELECT status, error_code FROM messages WHERE id = $1`, id).Scan(&st, &c); err != nil {
		t.Fatal(err)
	}
	return st, c.String
}

// A send refused for a passing reason within the claim's lease is retried
// (ScheduleRetry) with the meeting point its text names locked FOR SHARE,
// so the retry and a rename of the point are serialized, and a retry that
// would pass its lease check just before the lease ran out cannot cross a
// rename whose check found the claim lapsed just after. Here the rename
// comes first: its transaction holds the point (FOR UPDATE, as
// changeMeetingPoint does) when the failure is recorded, 29 s into the
// 30 s lease, and the retry waits for it. The lease runs out, the
// rename's in-use check (MeetingPointBookedAfter, on its clock) no longer
// counts the claim, and the rename commits. The retry then checks the
// lease on a clock read after the wait: lapsed, the message is marked
// failed (claim_lapsed), never sent with the old name.
func TestRetryWaitsForARename(t *testing.T) {
	t.Parallel()
	r := newRetryEnv(t)
	e := r.e
	ctx := context.Background()
	renamed := make(chan error, 1)
	id := r.send(t, func(string) {
		e.Clock.Advance(29 * time.Second)
		tx, err := e.DB.BeginTx(ctx, nil)
		if err != nil {
			renamed <- err
			return
		}
		q := db.New(tx)
		if _, err := q.LockMeetingPoint(ctx, r.pointID); err != nil {
			tx.Rollback()
			renamed <- err
			return
		}
		go func() {
			renamed <- func() error {
				defer tx.Rollback()
				if err := awaitLockWait(e, `name: ShareMeetingPoint\M`, nil); err != nil {
					return fmt.Errorf("the retry did not wait for the rename: %w", err)
				}
				e.Clock.Advance(2 * time.Second)
				now := e.Clock.Now()
				booked, err := q.MeetingPointBookedAfter(ctx, db.MeetingPointBookedAfterParams{MeetingPointID: r.pointID, After: now, Now: now, LeaseUs: r.lease.Microseconds()})
				if err != nil {
					return err
				}
				if booked {
					return errors.New("the rename's check counts the claim after its lease")
				}
				if _, err := q.UpdateMeetingPoint(ctx, db.UpdateMeetingPointParams{ID: r.pointID, Name: "Plaça del Rei", AtForms: []byte(`{"es": "en la Plaça del Rei"}`)}); err != nil {
					return err
				}
				return tx.Commit()
			}()
		}()
	})
	if err := <-renamed; err != nil {
		t.Error(err)
	}
	if st, c := r.status(t, id); st != message.StatusFailed || c != message.CodeClaimLapsed {
		t.Errorf("a retry that waited for a rename past the claim's lease: %s %s, want failed %s", st, c, message.CodeClaimLapsed)
	}
	if meetingPointsNamed(t, e, "Plaça del Rei") != 1 {
		t.Error("the rename was not written")
	}
}

// The retry first: it holds the point when its statement waits (on the
// message's row, held by another transaction) 29 s into the claim's 30 s
// lease. The lease runs out and a rename (PATCH) waits for the retry,
// which writes scheduled within its lease; the rename then finds the
// message pending and is refused (409 meeting_point_in_use), so the text
// put back to be sent names the point as it is.
func TestRenameWaitsForARetry(t *testing.T) {
	t.Parallel()
	r := newRetryEnv(t)
	e := r.e
	ctx := context.Background()
	renaming := make(chan gatewaytest.Resp, 1)
	held := make(chan error, 1)
	id := r.send(t, func(id string) {
		e.Clock.Advance(29 * time.Second)
		tx, err := e.DB.BeginTx(ctx, nil)
		if err != nil {
			held <- err
			return
		}
		// An update that changes nothing, committed once the rename
		// waits: the retry's update waits on the row until then.
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET updated_at = updated_at WHERE id = $1`, id); err != nil {
			tx.Rollback()
			held <- err
			return
		}
		go func() {
			held <- func() error {
				defer tx.Rollback()
				if err := awaitLockWait(e, `name: ScheduleRetry\M`, nil); err != nil {
					return err
				}
				e.Clock.Advance(2 * time.Second)
				go func() {
					renaming <- e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+r.point, map[string]any{"name": "Plaça del Rei", "at_forms": map[string]any{"es": nil}})
				}()
				if err := awaitLockWait(e, `name: LockMeetingPoint\M`, renaming); err != nil {
					return fmt.Errorf("the rename did not wait for the retry: %w", err)
				}
				return tx.Commit()
			}()
		}()
	})
	if err := <-held; err != nil {
		t.Error(err)
	}
	if st, _ := r.status(t, id); st != message.StatusScheduled {
		t.Errorf("a refusal recorded within the claim's lease: %s, want scheduled", st)
	}
	if meetingPointsNamed(t, e, "Plaça Reial") != 1 {
		t.Error("the rename crossed the retry")
	}
	if text := messageText(t, e, id); !strings.Contains(text, "en la Plaça Reial") {
		t.Errorf("the retried proposal: %q", text)
	}
	select {
	case resp := <-renaming:
		if resp.Status != 409 || resp.ErrCode(t) != safety.CodeMeetingPointInUse {
			t.Errorf("a rename that waited for a retry: %d %s, want 409 %s", resp.Status, resp.Body, safety.CodeMeetingPointInUse)
		}
	case <-time.After(10 * time.Second):
		t.Error("the rename did not answer within 10 s (or answered without waiting)")
	}
}
