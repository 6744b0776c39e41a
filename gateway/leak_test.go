package gateway_test

import (
	"context"
	"database/sql"
	"fmt"
	"safecontact/gateway/auth"
	"safecontact/gateway/gatewaytest"
	"strings"
	"testing"
)

func sqlNullString(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }

// TestPhoneNumberNeverInClear creates participants, then reads every
// column of every table as text and every log line, looking for the
// numbers in any common spelling.
func TestPhoneNumberNeverInClear(t *testing.T) {
	t.Parallel()
	e := gatewaytest.New(t)
	b := gatewaytest.Maria()
	b["phone"] = "+34 612 345 678"
	b["whatsapp"] = "+34 699 111 222"
	code := e.CreateParticipant(b)
	e.Do(auth.RoleStaff, "PATCH", "/v1/participants/"+code, map[string]any{"phone": "+34 677 888 999"})
	// A refused request with a number in it, too.
	bad := gatewaytest.Maria()
	bad["phone"] = "+34 655 444 333"
	bad["name"] = "x"
	e.Do(auth.RoleStaff, "POST", "/v1/participants", bad)
	e.Do(auth.RoleStaff, "POST", "/v1/participants", map[string]any{"initials": "AB", "language": "es", "time_zone": "Europe/Madrid", "phone": "+34 6554443"})

	spellings := func(digits string) []string {
		return []string{digits, "+34" + digits, "34" + digits, digits[:3] + " " + digits[3:6] + " " + digits[6:]}
	}
	var needles []string
	for _, n := range []string{"612345678", "699111222", "677888999", "655444333"} {
		needles = append(needles, spellings(n)...)
	}

	ctx := context.Background()
	rows, err := e.DB.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 3 {
		t.Fatalf("found only tables %v", tables)
	}
	scanned := 0
	for _, tbl := range tables {
		// row_to_json renders every column, bytea as hex; also look at the
		// raw bytes of bytea columns via encode(…, 'escape').
		q := fmt.Sprintf(`SELECT row_to_json(x)::text FROM %q x`, tbl)
		rs, err := e.DB.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var line string
			rs.Scan(&line)
			scanned++
			for _, n := range needles {
				if strings.Contains(line, n) {
					t.Errorf("table %s holds %q in clear: %s", tbl, n, line)
				}
			}
		}
		rs.Close()
	}
	var raw sql.RawBytes
	_ = raw
	// bytea as escaped text, in case a number were stored unencrypted in a bytea.
	rs, err := e.DB.QueryContext(ctx, `SELECT encode(phone_enc, 'escape') || encode(coalesce(whatsapp_enc, ''), 'escape') FROM participants`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var s string
		rs.Scan(&s)
		for _, n := range needles {
			if strings.Contains(s, n) {
				t.Errorf("bytea holds %q in clear", n)
			}
		}
	}
	rs.Close()
	if scanned == 0 {
		t.Fatal("scanned no rows")
	}
	logs := e.Logs.String()
	if !strings.Contains(logs, `"route":"/v1/participants"`) {
		t.Fatalf("expected request logs, got: %s", logs)
	}
	for _, n := range needles {
		if strings.Contains(logs, n) {
			t.Errorf("logs hold %q", n)
		}
	}
	// Metrics carry routes and codes only.
	m := e.Metrics()
	for _, n := range needles {
		if strings.Contains(string(m.Body), n) || strings.Contains(string(m.Body), code) {
			t.Errorf("metrics hold %q or the participant code", n)
		}
	}
}
