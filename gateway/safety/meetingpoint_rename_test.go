package safety_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/safety"
)

// A meeting point named by a booked appointment still to come is not
// renamed, whoever booked it (409 meeting_point_in_use, nothing changed):
// the appointment's reminders, already stored, carry the old name.
// Changing its at forms only is not a rename. Once the appointment is
// canceled, or past, the point can be renamed.
func TestMeetingPointRenameInUse(t *testing.T) {
	t.Parallel()
	if safety.CodeMeetingPointInUse != "meeting_point_in_use" {
		t.Fatal(safety.CodeMeetingPointInUse)
	}
	e := gatewaytest.New(t)
	e.Clock.Set(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	point := func(name string) string {
		t.Helper()
		r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": name, "kind": "metro"})
		if r.Status != 201 {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
		}
		return fmt.Sprint(r.JSON(t)["id"])
	}
	code := e.CreateParticipant(gatewaytest.Maria())
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	book := func(place, at string) string {
		t.Helper()
		r := e.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": at,
			"meeting_point": place, "kind": "individual", "venue": "sala 1", "reminders": []string{"24h"}})
		if r.Status != 201 {
			t.Fatalf("book at %s: %d %s", place, r.Status, r.Body)
		}
		return fmt.Sprint(r.JSON(t)["id"])
	}
	sol := point("Metro Sol")
	appt := book("Metro Sol", "2026-06-04T08:30:00Z")

	// Another caseworker renames it: refused, nothing changed.
	other := e.AddUser("another-caseworker", auth.RoleStaff)
	r := e.As(other, "PATCH", "/v1/meeting-points/"+sol, map[string]any{"name": "Metro Callao"})
	if r.Status != 409 || r.ErrCode(t) != safety.CodeMeetingPointInUse {
		t.Fatalf("rename in use: %d %s", r.Status, r.Body)
	}
	if meetingPointsNamed(t, e, "Metro Sol") != 1 || meetingPointsNamed(t, e, "Metro Callao") != 0 {
		t.Fatal("the refused rename changed the point")
	}
	// The same name (spaces aside) with new at forms is no rename.
	r = e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+sol, map[string]any{"name": " Metro  Sol ", "at_forms": map[string]string{"es": "en Metro Sol"}})
	if r.Status != 200 {
		t.Fatalf("at forms of a point in use: %d %s", r.Status, r.Body)
	}
	// Canceled: it can be renamed.
	if r := e.Do(auth.RoleStaff, "DELETE", "/v1/appointments/"+appt, nil); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if r := e.As(other, "PATCH", "/v1/meeting-points/"+sol, map[string]any{"name": "Metro Callao", "at_forms": map[string]any{"es": nil}}); r.Status != 200 {
		t.Fatalf("rename after cancel: %d %s", r.Status, r.Body)
	}

	// Past: it can be renamed.
	opera := point("Metro Ópera")
	book("Metro Ópera", "2026-06-02T08:30:00Z")
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+opera, map[string]any{"name": "Metro Opera"}); r.Status != 409 {
		t.Fatalf("rename before: %d %s", r.Status, r.Body)
	}
	e.Clock.Set(time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC))
	if r := e.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+opera, map[string]any{"name": "Metro Opera"}); r.Status != 200 {
		t.Fatalf("rename after: %d %s", r.Status, r.Body)
	}
}

// A booking or a move that names a point while a rename of it holds the
// point's lock waits for the rename, then no longer finds the old name
// (422 unknown_meeting_point): it never stores reminders with the name
// the rename replaced. The rename's transaction is held open here, as
// changeMeetingPoint holds it (LockMeetingPoint, then the update).
func TestBookingWaitsForARename(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	e.Clock.Set(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	point := func(name string) string {
		t.Helper()
		r := e.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": name, "kind": "metro"})
		if r.Status != 201 {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
		}
		return fmt.Sprint(r.JSON(t)["id"])
	}
	code := e.CreateParticipant(gatewaytest.Maria())
	e.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	book := func(place, at string) gatewaytest.Resp {
		return e.Do(auth.RoleStaff, "POST", "/v1/appointments", map[string]any{"participant": code, "starts_at": at,
			"meeting_point": place, "kind": "individual", "venue": "sala 1", "reminders": []string{"24h"}})
	}
	point("Metro Sol")
	opera := point("Metro Ópera")
	r := book("Metro Sol", "2026-06-04T08:30:00Z")
	if r.Status != 201 {
		t.Fatalf("book: %d %s", r.Status, r.Body)
	}
	appt := fmt.Sprint(r.JSON(t)["id"])

	// renaming holds a rename of point id open while do runs, until do's
	// request waits on a lock, then commits it and returns do's answer.
	renaming := func(id, name string, do func() gatewaytest.Resp) gatewaytest.Resp {
		t.Helper()
		ctx := context.Background()
		tx, err := e.DB.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `SELECT id FROM meeting_points WHERE id = $1 FOR UPDATE`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE meeting_points SET name = $2 WHERE id = $1`, id, name); err != nil {
			t.Fatal(err)
		}
		done := make(chan gatewaytest.Resp, 1)
		go func() { done <- do() }()
		for waiting := 0; waiting == 0; {
			select {
			case r := <-done:
				t.Fatalf("answered before the rename committed: %d %s", r.Status, r.Body)
			case <-time.After(20 * time.Millisecond):
			}
			if err := e.DB.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return <-done
	}

	r = renaming(opera, "Metro Opera", func() gatewaytest.Resp { return book("Metro Ópera", "2026-06-05T08:30:00Z") })
	if r.Status != 422 || r.ErrCode(t) != safety.CodeUnknownMeetingPoint {
		t.Fatalf("booking during a rename: %d %s", r.Status, r.Body)
	}
	r = renaming(opera, "Metro Ópera", func() gatewaytest.Resp {
		return e.Do(auth.RoleStaff, "PATCH", "/v1/appointments/"+appt, map[string]any{"meeting_point": "Metro Opera"})
	})
	if r.Status != 422 || r.ErrCode(t) != safety.CodeUnknownMeetingPoint {
		t.Fatalf("move during a rename: %d %s", r.Status, r.Body)
	}
	var stale int
	if err := e.DB.QueryRow(`SELECT count(*) FROM appointments WHERE meeting_point_id = $1`, opera).Scan(&stale); err != nil {
		t.Fatal(err)
	}
	if stale != 0 {
		t.Fatalf("%d appointments at the renamed point", stale)
	}
}
