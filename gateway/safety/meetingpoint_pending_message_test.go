package safety_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"safecontact/gateway/safety"
)

// A meet_proposal held back until her safe hours has its text, with the
// place's name, stored already: the point it names is not renamed (409
// meeting_point_in_use) until the message has gone out, or was canceled.
// A place that is no registered point links nothing.
func TestMeetingPointRenamePendingMessage(t *testing.T) {
	t.Parallel()
	p := gatewaytest.NewPipeline(t)
	p.Fake.AutoDeliver("delivered")
	point := func(name string) string {
		t.Helper()
		r := p.Do(auth.RoleStaff, "POST", "/v1/meeting-points", map[string]any{"name": name, "kind": "metro"})
		if r.Status != 201 {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
		}
		return fmt.Sprint(r.JSON(t)["id"])
	}
	b := gatewaytest.Maria() // monitored, windows mon-fri 10:00-12:00, sat 18:00-02:00 Madrid
	b["phone"] = "+34 612 000 777"
	code := p.CreateParticipant(b)
	p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/consents", gatewaytest.Grant("sms"))
	// Tuesday 2026-06-02 13:00 Madrid: after her window, so held back
	// until Wednesday 10:00 Madrid.
	p.Clock.Set(time.Date(2026, 6, 2, 11, 0, 0, 0, time.UTC))
	propose := func(place string) string {
		t.Helper()
		r := p.Do(auth.RoleStaff, "POST", "/v1/messages", map[string]any{"participant": code, "channel": "sms", "template": "meet_proposal",
			"params": map[string]string{"when": "2026-06-05T09:00:00Z", "place": place}})
		if acc := r.JSON(t); r.Status != 202 || acc["status"] != "scheduled" || acc["send_at"] != "2026-06-03T08:00:00Z" {
			t.Fatalf("propose at %s: %d %s", place, r.Status, r.Body)
		}
		return r.JSON(t)["id"].(string)
	}
	linked := func(id string) sql.NullInt64 {
		t.Helper()
		var mp sql.NullInt64
		if err := p.DB.QueryRow(`SELECT meeting_point_id FROM messages WHERE id = $1`, id).Scan(&mp); err != nil {
			t.Fatal(err)
		}
		return mp
	}
	rename := func(id, name string) gatewaytest.Resp {
		// The Spanish at form set below would lack the new name.
		return p.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+id, map[string]any{"name": name, "at_forms": map[string]any{"es": nil}})
	}

	sol := point("Metro Sol")
	msg := propose("Metro Sol")
	if mp := linked(msg); !mp.Valid || fmt.Sprint(mp.Int64) != sol {
		t.Fatalf("meeting_point_id %v, want %s", mp, sol)
	}
	r := rename(sol, "Metro Callao")
	if r.Status != 409 || r.ErrCode(t) != safety.CodeMeetingPointInUse {
		t.Fatalf("rename while the proposal is scheduled: %d %s", r.Status, r.Body)
	}
	// Changing the at forms only is no rename.
	if r := p.Do(auth.RoleStaff, "PATCH", "/v1/meeting-points/"+sol, map[string]any{"at_forms": map[string]string{"es": "en Metro Sol"}}); r.Status != 200 {
		t.Fatalf("at forms while scheduled: %d %s", r.Status, r.Body)
	}

	// A place that is no registered point: nothing to link.
	free := propose("la puerta del mercado")
	if mp := linked(free); mp.Valid {
		t.Fatalf("unregistered place linked to %d", mp.Int64)
	}

	// Another point, its proposal canceled (erase-content cancels what is
	// still to be sent): it can be renamed.
	opera := point("Metro Ópera")
	propose("Metro Ópera")
	if r := rename(opera, "Metro Opera"); r.Status != 409 {
		t.Fatalf("rename before cancel: %d %s", r.Status, r.Body)
	}
	if r := p.Do(auth.RoleStaff, "POST", "/v1/participants/"+code+"/erase-content", map[string]any{"reason": "she asked for her messages to be deleted"}); r.Status != 200 {
		t.Fatalf("erase-content: %d %s", r.Status, r.Body)
	}
	if r := rename(opera, "Metro Opera"); r.Status != 200 {
		t.Fatalf("rename after cancel: %d %s", r.Status, r.Body)
	}
	// The erase canceled the Metro Sol proposal too: propose again and
	// let it go out.
	msg = propose("Metro Sol")
	if r := rename(sol, "Metro Callao"); r.Status != 409 {
		t.Fatalf("rename while scheduled again: %d %s", r.Status, r.Body)
	}
	p.Clock.Set(time.Date(2026, 6, 3, 8, 0, 30, 0, time.UTC))
	if n, err := p.Server.NewScheduler().Tick(context.Background()); err != nil || n != 1 {
		t.Fatalf("tick when due: %d %v", n, err)
	}
	p.WaitStatus(msg, "delivered")
	if r := rename(sol, "Metro Callao"); r.Status != 200 {
		t.Fatalf("rename after it was sent: %d %s", r.Status, r.Body)
	}
}
