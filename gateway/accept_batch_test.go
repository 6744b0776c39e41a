package gateway

import (
	"context"
	"testing"

	"safecontact/consent"
)

// One statement reads a batch of participants with their ledgers: each
// code gets her own participant and events in ledger order, an unknown
// code gets nothing, a code asked twice gets the same answer twice.
func TestLookupBatch(t *testing.T) {
	e := newEnv(t)
	withTwo := e.createParticipant(maria())
	e.do(RoleStaff, "POST", "/v1/participants/"+withTwo+"/consents", grant("sms"))
	e.do(RoleStaff, "POST", "/v1/participants/"+withTwo+"/consents", grant("voice"))
	b := maria()
	b["phone"] = "+34 612 000 111"
	none := e.createParticipant(b)

	codes := []string{withTwo, "P-ZZZZZ", none, withTwo}
	got, err := e.srv.lookupBatch(context.Background(), codes)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(codes) {
		t.Fatalf("%d answers for %d codes", len(got), len(codes))
	}
	tests := []struct {
		name     string
		f        found
		code     string
		channels []consent.Channel
	}{
		{"two grants, in ledger order", got[0], withTwo, []consent.Channel{consent.SMS, consent.Voice}},
		{"the same code again", got[3], withTwo, []consent.Channel{consent.SMS, consent.Voice}},
		{"no consent yet", got[2], none, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.f.ok || tc.f.p.Code != tc.code {
				t.Fatalf("got %q (found %v), want %q", tc.f.p.Code, tc.f.ok, tc.code)
			}
			var chs []consent.Channel
			for _, ev := range tc.f.hist {
				if ev.Kind != consent.KindGranted || ev.At.IsZero() || ev.ID == 0 {
					t.Errorf("event %+v", ev)
				}
				chs = append(chs, ev.Channel)
			}
			if len(chs) != len(tc.channels) || (len(chs) > 0 && (chs[0] != tc.channels[0] || chs[1] != tc.channels[1])) {
				t.Fatalf("channels %v, want %v", chs, tc.channels)
			}
		})
	}
	if got[1].ok {
		t.Fatalf("unknown code found: %+v", got[1].p.Code)
	}
}
