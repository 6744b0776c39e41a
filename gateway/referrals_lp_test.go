package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"

	"safecontact/gateway"
	"safecontact/gateway/auth"
	"safecontact/keys"
	"safecontact/referral"
)

// The referral routes in the access tables of least_privilege_test.go:
// partners are the admins'; a referral's content is for the staff member
// who drafted (sent) or decided (received) it and the supervisors; a
// received referral waiting for a decision is any staff member's (intake
// is shared work); the inbox has no user at all.

// partnerOrg makes a partner organisation in e's directory (without an
// inbox), verified unless told otherwise.
func (e *lpEnv) partnerOrg(verify bool) (*keys.OrgIdentity, int64) {
	e.T.Helper()
	ctx := context.Background()
	o := keys.NewTestOrg("Partner")
	card, err := o.Card("", e.Clock.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	admin := gateway.ReferralActor(auth.SystemActor("test"))
	v, _, err := e.Server.Referrals().AddPartner(ctx, admin, card)
	if err == nil && verify {
		v, err = e.Server.Referrals().VerifyPartner(ctx, admin, v.ID, o.Public().Fingerprint())
	}
	if err != nil {
		e.T.Fatal(err)
	}
	return o, v.ID
}

// incoming is a package to e from a new verified partner.
func (e *lpEnv) incoming() []byte {
	e.T.Helper()
	o, _ := e.partnerOrg(true)
	b, _ := json.Marshal(e2eForm(false))
	f, err := referral.DecodeForm(b)
	if err != nil {
		e.T.Fatal(err)
	}
	pkg, _, err := referral.SealReferral(f, o, e.Server.Config().Org.Public(), e.Clock.Now(), referral.SealOptions{})
	if err != nil {
		e.T.Fatal(err)
	}
	return pkg
}

// sentByCaseworker is a referral the caseworker drafted; receivedDecided
// one she imported and declined. They return the referral's id.
func (e *lpEnv) sentByCaseworker() string {
	e.T.Helper()
	_, pid := e.partnerOrg(true)
	r := e.As(e.tok[relCaseworker], "POST", "/v1/referrals", map[string]any{"partner": pid, "form": e2eForm(false)})
	if r.Status != 201 {
		e.T.Fatalf("draft: %d %s", r.Status, r.Body)
	}
	return fmt.Sprint(r.JSON(e.T)["referral"].(map[string]any)["id"])
}

func (e *lpEnv) receivedDecided() string {
	e.T.Helper()
	id := e.received()
	if r := e.As(e.tok[relCaseworker], "POST", "/v1/referrals/"+id+"/decision", map[string]any{"outcome": "declined", "reason": "No places until July."}); r.Status != 200 {
		e.T.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	return id
}

func (e *lpEnv) received() string {
	e.T.Helper()
	imp, err := e.Server.Referrals().Import(context.Background(), gateway.ReferralActor(auth.SystemActor("test")), e.incoming(), "file")
	if err != nil {
		e.T.Fatal(err)
	}
	return fmt.Sprint(imp.Referral.ID)
}

func withReferralWrites(m map[string]writeCase) map[string]writeCase {
	m["POST /v1/partners"] = writeCase{func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		card, err := keys.NewTestOrg("New partner").Card("", e.Clock.Now())
		if err != nil {
			e.T.Fatal(err)
		}
		return e.tok[rel], "/v1/partners", string(card)
	}, adminOnly(201)}
	m["POST /v1/partners/:id/verify"] = writeCase{func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		o, id := e.partnerOrg(false)
		return e.tok[rel], fmt.Sprintf("/v1/partners/%d/verify", id), map[string]any{"fingerprint": o.Public().Fingerprint()}
	}, adminOnly(200)}
	m["DELETE /v1/partners/:id"] = writeCase{func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		_, id := e.partnerOrg(true)
		return e.tok[rel], fmt.Sprintf("/v1/partners/%d", id), nil
	}, adminOnly(200)}
	m["POST /v1/referrals"] = writeCase{func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		_, id := e.partnerOrg(true)
		return e.tok[rel], "/v1/referrals", map[string]any{"partner": id, "form": e2eForm(false)}
	}, same(201)}
	m["POST /v1/referrals/import"] = writeCase{func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		return e.tok[rel], "/v1/referrals/import", string(e.incoming())
	}, same(201)}
	m["POST /v1/referrals/inbox"] = writeCase{func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		return e.tok[rel], "/v1/referrals/inbox", string(e.incoming())
	}, same(202)}
	m["POST /v1/referrals/:id/deliver"] = writeCase{func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		return e.tok[rel], "/v1/referrals/" + e.sentByCaseworker() + "/deliver", nil
	}, map[string]int{relCaseworker: 409, relOther: 403, relSupervisor: 409, relAdmin: 409}} // 409: no inbox URL
	m["POST /v1/referrals/:id/decision"] = writeCase{func(e *lpEnv, f *fixture, rel string) (string, string, any) {
		return e.tok[rel], "/v1/referrals/" + e.received() + "/decision", map[string]any{"outcome": "declined", "reason": "No places until July."}
	}, same(200)}
	return m
}

func withReferralReads(m map[string]readCase) map[string]readCase {
	m["/v1/partners"] = readCase{"/v1/partners", adminOnly(200), nil}
	m["/v1/referrals"] = readCase{"/v1/referrals", same(200), nil}
	m["/v1/referrals/:id"] = readCase{"/v1/referrals/:ref", team(200), nil}
	m["/v1/referrals/:id/package"] = readCase{"/v1/referrals/:ref/package", team(200), nil}
	m["/v1/referrals/:id/receipt"] = readCase{"/v1/referrals/:rcv/receipt", team(200), nil}
	return m
}
