package db_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"safecontact/db"
	"safecontact/db/dbtest"
)

func addTestPartner(t *testing.T, q *db.Queries, keyID string) db.Partner {
	t.Helper()
	p, err := q.AddPartner(context.Background(), db.AddPartnerParams{
		Name: "Casa Aurora", KeyID: keyID, SealPublic: make([]byte, 32), SignPublic: make([]byte, 32),
		Fingerprint: "11111 22222 33333 44444 55555 66666 77777 88888", CardIssued: time.Now(), AddedBy: "admin",
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The storage rules of referrals: one live partner per key id (a removed
// one may come back), the replay table refuses a pair twice, a draft has
// no package id and anything else has one, and a decision is taken once.
func TestReferralStorage(t *testing.T) {
	t.Parallel()
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	q := db.New(pool)
	now := time.Now().UTC()

	p := addTestPartner(t, q, "0123456789abcdef")
	if _, err := q.AddPartner(ctx, db.AddPartnerParams{Name: "x", KeyID: p.KeyID, SealPublic: make([]byte, 32), SignPublic: make([]byte, 32),
		Fingerprint: p.Fingerprint, CardIssued: now, AddedBy: "admin"}); err == nil || !strings.Contains(err.Error(), "partners_key_id") {
		t.Fatalf("second live partner with one key id: %v", err)
	}
	if _, err := q.RemovePartner(ctx, db.RemovePartnerParams{ID: p.ID, At: now, By: "admin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.LivePartnerByKeyID(ctx, p.KeyID); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("removed partner still live: %v", err)
	}
	p2 := addTestPartner(t, q, p.KeyID)
	if _, err := q.VerifyPartner(ctx, db.VerifyPartnerParams{ID: p.ID, At: now, By: "admin"}); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("verified a removed partner: %v", err)
	}

	id := uuid.New()
	for i, want := range []int64{1, 0} {
		n, err := q.RecordImport(ctx, db.RecordImportParams{SenderKeyID: p2.KeyID, PackageID: id, Kind: "referral", KeepUntil: now.Add(time.Hour)})
		if err != nil || n != want {
			t.Fatalf("import %d: %d rows, %v", i, n, err)
		}
	}
	if n, err := q.ForgetExpiredImports(ctx, now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("forget: %d, %v", n, err)
	}

	if _, err := q.CreateReferral(ctx, db.CreateReferralParams{Direction: "sent", PartnerID: p2.ID, State: "draft",
		PackageID: uuid.NullUUID{UUID: id, Valid: true}, FormEnc: []byte{1}, CreatedBy: "staff", At: now}); err == nil {
		t.Fatal("a draft with a package id was stored")
	}
	if _, err := q.CreateReferral(ctx, db.CreateReferralParams{Direction: "received", PartnerID: p2.ID, State: "draft",
		FormEnc: []byte{1}, CreatedBy: "staff", At: now}); err == nil {
		t.Fatal("a received draft was stored")
	}
	r, err := q.CreateReferral(ctx, db.CreateReferralParams{Direction: "received", PartnerID: p2.ID, State: "received",
		PackageID: uuid.NullUUID{UUID: id, Valid: true}, FormEnc: []byte{1}, CreatedBy: "inbox", At: now})
	if err != nil {
		t.Fatal(err)
	}
	d := db.DecideReferralParams{ID: r.ID, State: "declined", OutcomeEnc: []byte{2}, At: now, By: "staff"}
	if _, err := q.DecideReferral(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := q.DecideReferral(ctx, d); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("decided twice: %v", err)
	}
}
