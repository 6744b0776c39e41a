package consent

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"safecontact/errs"
)

var t0 = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr(t time.Time) *time.Time { return &t }

const day = 24 * time.Hour

func grant(id int64, ch Channel, when time.Time) Event {
	return Event{ID: id, Channel: ch, Kind: KindGranted, At: when, Actor: "staff-1", Source: SourceStaff, Evidence: "form F-1", NoticeLanguage: "es"}
}

func revoke(id int64, ch Channel, when time.Time, src Source) Event {
	return Event{ID: id, Channel: ch, Kind: KindRevoked, At: when, Source: src, Reason: "asked"}
}

func TestFoldEmpty(t *testing.T) {
	got := Fold(nil, t0, 0)
	if len(got) != len(Channels) {
		t.Fatalf("Fold(nil) has %d entries, want one per channel (%d)", len(got), len(Channels))
	}
	for _, ch := range Channels {
		c := got[ch]
		if c.Channel != ch || c.State != StateNone || c.Version != 0 || c.GrantedAt != nil || c.RevokedAt != nil || c.ReviewDue {
			t.Errorf("%s: %+v, want empty none", ch, c)
		}
	}
}

func TestFoldSequences(t *testing.T) {
	withOpts := func(e Event, vm, risk bool, exp *time.Time) Event {
		e.AllowVoicemail, e.AcceptWhatsAppRisk, e.ExpiresAt = vm, risk, exp
		return e
	}
	type want struct {
		state     State
		version   int
		grantedAt *time.Time
		revokedAt *time.Time
		expiresAt *time.Time
		vm, risk  bool
		review    bool
	}
	tests := []struct {
		name    string
		history []Event
		now     time.Time
		ch      Channel
		want    want
	}{
		{"single grant", []Event{grant(1, SMS, at(0))}, at(day), SMS,
			want{state: StateGranted, version: 1, grantedAt: ptr(at(0))}},
		{"other channels untouched", []Event{grant(1, SMS, at(0))}, at(day), Voice,
			want{state: StateNone}},
		{"grant then revoke", []Event{grant(1, SMS, at(0)), revoke(2, SMS, at(day), SourceInboundStop)}, at(2 * day), SMS,
			want{state: StateRevoked, version: 2, grantedAt: ptr(at(0)), revokedAt: ptr(at(day))}},
		{"grant revoke grant", []Event{grant(1, Voice, at(0)), revoke(2, Voice, at(day), SourceStaff), withOpts(grant(3, Voice, at(2*day)), true, false, nil)}, at(3 * day), Voice,
			want{state: StateGranted, version: 3, grantedAt: ptr(at(2 * day)), vm: true}},
		{"out of order: revoke listed first but later in time", []Event{revoke(2, SMS, at(day), SourceProviderOptOut), grant(1, SMS, at(0))}, at(2 * day), SMS,
			want{state: StateRevoked, version: 2, grantedAt: ptr(at(0)), revokedAt: ptr(at(day))}},
		{"out of order: grant revoke grant shuffled", []Event{grant(3, SMS, at(2*day)), grant(1, SMS, at(0)), revoke(2, SMS, at(day), SourceStaff)}, at(3 * day), SMS,
			want{state: StateGranted, version: 3, grantedAt: ptr(at(2 * day))}},
		{"same instant ordered by ID: revoke id 2 after grant id 1", []Event{revoke(2, SMS, at(day), SourceStaff), grant(1, SMS, at(day))}, at(2 * day), SMS,
			want{state: StateRevoked, version: 2, grantedAt: ptr(at(day)), revokedAt: ptr(at(day))}},
		{"same instant ordered by ID: grant id 2 after revoke id 1", []Event{grant(2, SMS, at(day)), revoke(1, SMS, at(day), SourceStaff)}, at(2 * day), SMS,
			want{state: StateGranted, version: 2, grantedAt: ptr(at(day))}},
		{"revoke without grant", []Event{revoke(1, WhatsApp, at(0), SourceInboundStop)}, at(day), WhatsApp,
			want{state: StateRevoked, version: 1, revokedAt: ptr(at(0))}},
		{"expiry in the future", []Event{withOpts(grant(1, Voice, at(0)), true, false, ptr(at(10*day)))}, at(10*day - time.Nanosecond), Voice,
			want{state: StateGranted, version: 1, grantedAt: ptr(at(0)), expiresAt: ptr(at(10 * day)), vm: true}},
		{"expiry exactly now is expired", []Event{withOpts(grant(1, Voice, at(0)), true, false, ptr(at(10*day)))}, at(10 * day), Voice,
			want{state: StateExpired, version: 1, grantedAt: ptr(at(0)), expiresAt: ptr(at(10 * day))}},
		{"expiry passed without event", []Event{grant(1, SMS, at(0)).withExpiry(at(day))}, at(5 * day), SMS,
			want{state: StateExpired, version: 1, grantedAt: ptr(at(0)), expiresAt: ptr(at(day))}},
		{"explicit expired event", []Event{grant(1, SMS, at(0)).withExpiry(at(day)), {ID: 2, Channel: SMS, Kind: KindExpired, At: at(day), Source: SourceExpiry}}, at(5 * day), SMS,
			want{state: StateExpired, version: 2, grantedAt: ptr(at(0)), expiresAt: ptr(at(day))}},
		{"expired event does not weaken a revocation", []Event{grant(1, SMS, at(0)), revoke(2, SMS, at(day), SourceStaff), {ID: 3, Channel: SMS, Kind: KindExpired, At: at(2 * day), Source: SourceExpiry}}, at(3 * day), SMS,
			want{state: StateRevoked, version: 3, grantedAt: ptr(at(0)), revokedAt: ptr(at(day))}},
		{"renewal replaces expiry", []Event{grant(1, SMS, at(0)).withExpiry(at(day)), grant(2, SMS, at(2*day))}, at(5 * day), SMS,
			want{state: StateGranted, version: 2, grantedAt: ptr(at(2 * day))}},
		{"renewal after expiry", []Event{grant(1, SMS, at(0)).withExpiry(at(day)), {ID: 2, Channel: SMS, Kind: KindExpired, At: at(day)}, grant(3, SMS, at(2*day))}, at(5 * day), SMS,
			want{state: StateGranted, version: 3, grantedAt: ptr(at(2 * day))}},
		{"review not due one ns before 90 days", []Event{grant(1, SMS, at(0))}, at(90*day - time.Nanosecond), SMS,
			want{state: StateGranted, version: 1, grantedAt: ptr(at(0))}},
		{"review due at exactly 90 days", []Event{grant(1, SMS, at(0))}, at(90 * day), SMS,
			want{state: StateGranted, version: 1, grantedAt: ptr(at(0)), review: true}},
		{"review clock restarts at re-grant", []Event{grant(1, SMS, at(0)), grant(2, SMS, at(60*day))}, at(100 * day), SMS,
			want{state: StateGranted, version: 2, grantedAt: ptr(at(60 * day))}},
		{"no review for revoked", []Event{grant(1, SMS, at(0)), revoke(2, SMS, at(day), SourceStaff)}, at(200 * day), SMS,
			want{state: StateRevoked, version: 2, grantedAt: ptr(at(0)), revokedAt: ptr(at(day))}},
		{"whatsapp risk kept on whatsapp", []Event{withOpts(grant(1, WhatsApp, at(0)), false, true, nil)}, at(day), WhatsApp,
			want{state: StateGranted, version: 1, grantedAt: ptr(at(0)), risk: true}},
		{"whatsapp risk ignored on sms", []Event{withOpts(grant(1, SMS, at(0)), false, true, nil)}, at(day), SMS,
			want{state: StateGranted, version: 1, grantedAt: ptr(at(0))}},
		{"options cleared by revoke", []Event{withOpts(grant(1, WhatsApp, at(0)), false, true, nil), revoke(2, WhatsApp, at(day), SourceStaff)}, at(2 * day), WhatsApp,
			want{state: StateRevoked, version: 2, grantedAt: ptr(at(0)), revokedAt: ptr(at(day))}},
		{"options not carried over to a re-grant", []Event{withOpts(grant(1, Voice, at(0)), true, false, nil), grant(2, Voice, at(day))}, at(2 * day), Voice,
			want{state: StateGranted, version: 2, grantedAt: ptr(at(day))}},
		{"unknown kind fails closed", []Event{grant(1, SMS, at(0)), {ID: 2, Channel: SMS, Kind: "suspended", At: at(day)}}, at(2 * day), SMS,
			want{state: StateRevoked, version: 2, grantedAt: ptr(at(0)), revokedAt: ptr(at(day))}},
		{"revoke on auto revokes every channel", []Event{grant(1, Voice, at(0)), revoke(2, Auto, at(day), SourceInboundStop)}, at(2 * day), Voice,
			want{state: StateRevoked, version: 2, grantedAt: ptr(at(0)), revokedAt: ptr(at(day))}},
		{"revoke on empty channel revokes every channel", []Event{revoke(1, "", at(day), SourceProviderOptOut)}, at(2 * day), WhatsApp,
			want{state: StateRevoked, version: 1, revokedAt: ptr(at(day))}},
		{"grant on auto ignored", []Event{grant(1, Auto, at(0))}, at(day), SMS,
			want{state: StateNone}},
		{"future-dated event still applies", []Event{grant(1, SMS, at(0)), revoke(2, SMS, at(day+time.Second), SourceStaff)}, at(day), SMS,
			want{state: StateRevoked, version: 2, grantedAt: ptr(at(0)), revokedAt: ptr(at(day + time.Second))}},
	}
	eqp := func(a, b *time.Time) bool {
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		return a.Equal(*b)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := slices.Clone(tc.history)
			got := Fold(tc.history, tc.now, DefaultReviewAge)[tc.ch]
			w := tc.want
			if got.Channel != tc.ch || got.State != w.state || got.Version != w.version || got.AllowVoicemail != w.vm || got.AcceptWhatsAppRisk != w.risk || got.ReviewDue != w.review ||
				!eqp(got.GrantedAt, w.grantedAt) || !eqp(got.RevokedAt, w.revokedAt) || !eqp(got.ExpiresAt, w.expiresAt) {
				t.Errorf("got %s", fmtConsent(got))
				t.Errorf("want state=%s version=%d granted=%v revoked=%v expires=%v vm=%v risk=%v review=%v", w.state, w.version, w.grantedAt, w.revokedAt, w.expiresAt, w.vm, w.risk, w.review)
			}
			for i := range orig {
				if orig[i].ID != tc.history[i].ID {
					t.Fatalf("Fold reordered its input")
				}
			}
		})
	}
}

func (e Event) withExpiry(x time.Time) Event { e.ExpiresAt = &x; return e }

func fmtConsent(c ChannelConsent) string {
	p := func(t *time.Time) string {
		if t == nil {
			return "nil"
		}
		return t.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("state=%s version=%d granted=%s revoked=%s expires=%s vm=%v risk=%v review=%v",
		c.State, c.Version, p(c.GrantedAt), p(c.RevokedAt), p(c.ExpiresAt), c.AllowVoicemail, c.AcceptWhatsAppRisk, c.ReviewDue)
}

func TestFoldReviewAge(t *testing.T) {
	h := []Event{grant(1, SMS, at(0))}
	if !Fold(h, at(7*day), 7*day)[SMS].ReviewDue {
		t.Error("custom review age of 7 days: not due at exactly 7 days")
	}
	if Fold(h, at(7*day-1), 7*day)[SMS].ReviewDue {
		t.Error("custom review age of 7 days: due before 7 days")
	}
	// Zero and negative mean the default, never "always due" or "never".
	for _, age := range []time.Duration{0, -time.Hour} {
		if Fold(h, at(90*day-1), age)[SMS].ReviewDue || !Fold(h, at(90*day), age)[SMS].ReviewDue {
			t.Errorf("review age %v does not behave as DefaultReviewAge", age)
		}
	}
}

func TestFoldVersionCountsEveryEventPerChannel(t *testing.T) {
	h := []Event{
		grant(1, SMS, at(0)), grant(2, Voice, at(1)), revoke(3, SMS, at(2), SourceStaff),
		grant(4, SMS, at(3)), {ID: 5, Channel: Voice, Kind: KindExpired, At: at(4)},
	}
	got := Fold(h, at(day), 0)
	for ch, want := range map[Channel]int{SMS: 3, Voice: 2, WhatsApp: 0} {
		if got[ch].Version != want {
			t.Errorf("%s version = %d, want %d", ch, got[ch].Version, want)
		}
	}
}

func TestFoldDoesNotAlias(t *testing.T) {
	exp := at(10 * day)
	h := []Event{grant(1, SMS, at(0)).withExpiry(exp)}
	got := Fold(h, at(day), 0)[SMS]
	*h[0].ExpiresAt = at(day) // caller mutates its event afterwards
	if !got.ExpiresAt.Equal(exp) {
		t.Fatal("ChannelConsent.ExpiresAt aliases the caller's event")
	}
	if h[0].At != at(0) {
		t.Fatal("Fold changed the caller's event")
	}
}

func TestValidateGrant(t *testing.T) {
	now := t0
	ok := func() Event {
		return Event{Channel: SMS, Kind: KindGranted, At: now, Actor: "staff-7", Source: SourceStaff, Evidence: "verbal, recorded by staff-7", NoticeLanguage: "ro"}
	}
	mod := func(f func(*Event)) Event { e := ok(); f(&e); return e }
	tests := []struct {
		name      string
		e         Event
		code      string
		field     string
		contentOK bool
	}{
		{"valid sms", ok(), "", "", true},
		{"valid whatsapp with risk", mod(func(e *Event) { e.Channel = WhatsApp; e.AcceptWhatsAppRisk = true }), "", "", true},
		{"valid voice with voicemail", mod(func(e *Event) { e.Channel = Voice; e.AllowVoicemail = true }), "", "", true},
		{"valid with future expiry", mod(func(e *Event) { e.ExpiresAt = ptr(now.Add(time.Nanosecond)) }), "", "", true},
		{"valid region language", mod(func(e *Event) { e.NoticeLanguage = "pt-BR" }), "", "", true},
		{"valid empty source", mod(func(e *Event) { e.Source = "" }), "", "", true},
		{"evidence of exactly 500 chars (multibyte)", mod(func(e *Event) { e.Evidence = strings.Repeat("ñ", 500) }), "", "", true},
		{"wrong kind", mod(func(e *Event) { e.Kind = KindRevoked }), "invalid_kind", "kind", false},
		{"auto channel", mod(func(e *Event) { e.Channel = Auto }), "invalid_channel", "channel", false},
		{"empty channel", mod(func(e *Event) { e.Channel = "" }), "invalid_channel", "channel", false},
		{"unknown channel", mod(func(e *Event) { e.Channel = "email" }), "invalid_channel", "channel", false},
		{"upper-case channel", mod(func(e *Event) { e.Channel = "SMS" }), "invalid_channel", "channel", false},
		{"system source", mod(func(e *Event) { e.Source = SourceInboundStop }), "invalid_source", "source", false},
		{"no actor", mod(func(e *Event) { e.Actor = "  " }), "missing_actor", "actor", false},
		{"no evidence", mod(func(e *Event) { e.Evidence = "" }), "missing_evidence", "evidence", false},
		{"blank evidence", mod(func(e *Event) { e.Evidence = " \t\n" }), "missing_evidence", "evidence", false},
		{"evidence 501 chars", mod(func(e *Event) { e.Evidence = strings.Repeat("a", 501) }), "invalid_evidence", "evidence", false},
		{"evidence invalid utf8", mod(func(e *Event) { e.Evidence = "form \xff" }), "invalid_evidence", "evidence", false},
		{"no language", mod(func(e *Event) { e.NoticeLanguage = "" }), "invalid_language", "notice_language", false},
		{"bad language", mod(func(e *Event) { e.NoticeLanguage = "spanish please" }), "invalid_language", "notice_language", false},
		{"und language", mod(func(e *Event) { e.NoticeLanguage = "und" }), "invalid_language", "notice_language", false},
		{"und with region", mod(func(e *Event) { e.NoticeLanguage = "und-ES" }), "invalid_language", "notice_language", false},
		{"private use language", mod(func(e *Event) { e.NoticeLanguage = "x-foo" }), "invalid_language", "notice_language", false},
		{"valid language with underscore", mod(func(e *Event) { e.NoticeLanguage = "en_US" }), "", "", true},
		{"expiry now", mod(func(e *Event) { e.ExpiresAt = ptr(now) }), "invalid_expiry", "expires_at", false},
		{"expiry past", mod(func(e *Event) { e.ExpiresAt = ptr(now.Add(-day)) }), "invalid_expiry", "expires_at", false},
		{"risk on sms", mod(func(e *Event) { e.AcceptWhatsAppRisk = true }), "invalid_option", "accept_whatsapp_risk", false},
		{"risk on voice", mod(func(e *Event) { e.Channel = Voice; e.AcceptWhatsAppRisk = true }), "invalid_option", "accept_whatsapp_risk", false},
		{"voicemail on sms", mod(func(e *Event) { e.AllowVoicemail = true }), "invalid_option", "allow_voicemail", false},
		{"voicemail on whatsapp", mod(func(e *Event) { e.Channel = WhatsApp; e.AllowVoicemail = true }), "invalid_option", "allow_voicemail", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateGrant(tc.e, now)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *errs.Error %s", err, err, tc.code)
			}
			if e.Code != tc.code || e.Field != tc.field || e.Message == "" {
				t.Fatalf("got code=%q field=%q msg=%q, want code=%q field=%q", e.Code, e.Field, e.Message, tc.code, tc.field)
			}
			// Errors never echo what was typed (evidence may name people).
			if tc.e.Evidence != "" && strings.TrimSpace(tc.e.Evidence) != "" && strings.Contains(e.Message, tc.e.Evidence) {
				t.Fatalf("error message echoes the evidence")
			}
		})
	}
}
