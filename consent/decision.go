package consent

import (
	"time"
)

// Variant is the template variant a message must use.
type Variant string

const (
	// VariantStandard may name the organisation and the appointment's purpose.
	VariantStandard Variant = "standard"
	// VariantDiscreet is used whenever her phone may be monitored: it reads
	// like an ordinary message from nobody in particular.
	VariantDiscreet Variant = "discreet"
)

// Refusal codes. They are stable and machine-readable: the HTTP layer and
// the audit log store them, and staff UIs translate them.
const (
	// CodeNoConsent: nothing was ever recorded for the channel (or, for
	// auto, for any channel in her preference order).
	CodeNoConsent = "no_consent"
	// CodeConsentRevoked: she withdrew consent for the channel.
	CodeConsentRevoked = "consent_revoked"
	// CodeConsentExpired: the grant's expiry has passed (at exactly
	// ExpiresAt it is already expired).
	CodeConsentExpired = "consent_expired"
	// CodeNoNumberForChannel: consent exists but there is no number the
	// channel can use (sms and voice need her phone, whatsapp a
	// WhatsApp-capable number).
	CodeNoNumberForChannel = "no_number_for_channel"
	// CodeChannelUnsafeForMonitoredPhone: WhatsApp to a phone that may be
	// monitored, without her explicit acceptance of that risk: the sender
	// name shows the organisation and the chat stays on the phone.
	CodeChannelUnsafeForMonitoredPhone = "channel_unsafe_for_monitored_phone"

	// The following are not in the list; they exist so Decide can
	// fail closed on data the validation layers should already have
	// refused, instead of panicking or guessing.

	// CodeInvalidChannel: the requested channel is not sms, whatsapp,
	// voice or auto.
	CodeInvalidChannel = "invalid_channel"
	// CodeNoTimeZone: her profile has safe windows (or the default window)
	// but no time zone; guessing one could put a message outside her window.
	CodeNoTimeZone = "no_time_zone"
	// CodeNoSafeWindow: her profile lists windows but none is usable (no
	// weekday, or malformed times), so no time is known to be safe.
	CodeNoSafeWindow = "no_safe_window"
)

// Decision is the answer to "may we contact her on this channel, how, and
// when". It never contains contact details, so it can be logged and audited
// as is.
type Decision struct {
	Allowed bool
	// Code is the refusal code when !Allowed.
	Code string
	// Reason is a sentence for staff; it names the channel, never a number.
	Reason string
	// Channel is the chosen channel when allowed; when refused, the channel
	// the refusal is about (the requested one, the one auto blames, or Auto
	// when auto found no consent at all).
	Channel Channel
	// Variant is discreet when her phone may be monitored (also on refusals,
	// so nothing downstream ever defaults to standard for her).
	Variant Variant
	// AllowVoicemail: a voicemail may be left if the call is not answered.
	AllowVoicemail bool
	// SendAt (UTC) is now if now is inside a safe window, else the start of
	// the next one. Zero when refused.
	SendAt    time.Time
	Immediate bool // SendAt == now
	// ConsentVersion is the channel's ledger version the decision was made
	// on (also set on refusals, for the audit).
	ConsentVersion int
	// ReviewDue: the consent is old enough that staff should confirm it
	// with her (consent_review_due); it does not block contact.
	ReviewDue bool
}

// Decide decides whether a message may go to her on requested (a concrete
// channel or Auto), and how and when. It is pure: the same inputs always
// give the same decision, so the send worker's re-check just before sending
// is the same function run again with a fresh ledger and clock.
//
// For one concrete channel the checks run in this order, and the first
// failure is the answer:
//
//  1. consent state: none → no_consent, revoked → consent_revoked, expired
//     (or a grant with ExpiresAt <= now, in case the ledger was folded
//     earlier) → consent_expired. Consent is the legal basis of any
//     contact, so its absence is reported before anything else; a revoked
//     channel must read as revoked, not as a data problem.
//  2. number: sms and voice need HasPhone, whatsapp needs HasWhatsApp →
//     no_number_for_channel.
//  3. monitored phone: whatsapp to a monitored phone without her
//     AcceptWhatsAppRisk → channel_unsafe_for_monitored_phone. This comes
//     last because it is the one refusal that depends on the channel
//     actually being usable.
//  4. timing: the time zone must be known (no_time_zone) and at least one
//     window usable (no_safe_window); SendAt is NextSafeTime over
//     EffectiveWindows, or now when she said any time is fine.
//
// Auto tries her Preference order (Channels when empty; entries that are
// not concrete channels and repeats are skipped; channels she did not list
// are not tried, because the list is her choice). The first allowed channel
// wins. If none is allowed, the answer is the refusal of the first channel
// in that order that has any consent recorded (state other than none) —
// that is the one staff can act on — or no_consent with Channel Auto.
// The exception is a timing refusal (no_time_zone, no_safe_window) on a
// channel that is otherwise allowed: it is returned at once, because it is
// a fault of her profile that no other channel can avoid.
//
// Variant is discreet when Monitored. AllowVoicemail is true only on voice,
// only if her consent allows it, and never on a monitored phone.
func Decide(p Profile, consents map[Channel]ChannelConsent, requested Channel, now time.Time) Decision {
	if requested != Auto {
		return decideChannel(p, consents, requested, now)
	}
	var blamed *Decision
	for _, ch := range preferenceOrder(p) {
		d := decideChannel(p, consents, ch, now)
		if d.Allowed || d.Code == CodeNoTimeZone || d.Code == CodeNoSafeWindow {
			// A profile problem applies to every channel: report it rather
			// than blaming a channel's consent.
			return d
		}
		if blamed == nil && stateOf(consents, ch) != StateNone {
			blamed = &d
		}
	}
	if blamed != nil {
		return *blamed
	}
	return refuse(p, Auto, CodeNoConsent, "She has not given consent to be contacted on any of her preferred channels.", 0)
}

// decideChannel applies the checks documented on Decide to one channel.
func decideChannel(p Profile, consents map[Channel]ChannelConsent, ch Channel, now time.Time) Decision {
	if !IsConcrete(ch) {
		return refuse(p, ch, CodeInvalidChannel, "The channel must be sms, whatsapp, voice or auto.", 0)
	}
	c := consents[ch]
	name := channelName(ch)
	switch stateAt(c, now) {
	case StateGranted:
	case StateRevoked:
		return refuse(p, ch, CodeConsentRevoked, "She has withdrawn her consent to be contacted by "+name+".", c.Version)
	case StateExpired:
		return refuse(p, ch, CodeConsentExpired, "Her consent to be contacted by "+name+" has expired; it must be recorded again.", c.Version)
	default:
		return refuse(p, ch, CodeNoConsent, "She has not given consent to be contacted by "+name+".", c.Version)
	}
	if (ch == WhatsApp && !p.HasWhatsApp) || (ch != WhatsApp && !p.HasPhone) {
		return refuse(p, ch, CodeNoNumberForChannel, "Her profile has no number that can be used for "+name+".", c.Version)
	}
	if ch == WhatsApp && p.Monitored && !c.AcceptWhatsAppRisk {
		return refuse(p, ch, CodeChannelUnsafeForMonitoredPhone, "Her phone may be monitored and she has not accepted the risk of WhatsApp showing the organisation's name.", c.Version)
	}

	d := Decision{
		Allowed:        true,
		Channel:        ch,
		Variant:        variantFor(p),
		AllowVoicemail: ch == Voice && c.AllowVoicemail && !p.Monitored,
		ConsentVersion: c.Version,
		ReviewDue:      c.ReviewDue,
	}
	windows, anyTime := EffectiveWindows(p)
	if anyTime {
		d.SendAt = now.UTC()
	} else {
		if p.TimeZone == nil {
			return refuse(p, ch, CodeNoTimeZone, "Her profile has no time zone, so her safe contact window cannot be placed in time.", c.Version)
		}
		t, ok := NextSafeTime(windows, p.TimeZone, now)
		if !ok {
			return refuse(p, ch, CodeNoSafeWindow, "None of her safe contact windows can be used; her profile must be corrected.", c.Version)
		}
		d.SendAt = t
	}
	d.Immediate = d.SendAt.Equal(now)
	return d
}

func refuse(p Profile, ch Channel, code, reason string, version int) Decision {
	return Decision{Code: code, Reason: reason, Channel: ch, Variant: variantFor(p), ConsentVersion: version}
}

func variantFor(p Profile) Variant {
	if p.Monitored {
		return VariantDiscreet
	}
	return VariantStandard
}

// stateAt is the consent state at now. A grant whose expiry has passed is
// expired even if the ledger was folded before the expiry (the accepted
// message's re-check may run hours later). An unknown state fails closed
// as none.
func stateAt(c ChannelConsent, now time.Time) State {
	switch c.State {
	case StateGranted:
		if c.ExpiresAt != nil && !now.Before(*c.ExpiresAt) {
			return StateExpired
		}
		return StateGranted
	case StateRevoked, StateExpired:
		return c.State
	}
	return StateNone
}

func stateOf(consents map[Channel]ChannelConsent, ch Channel) State {
	s := consents[ch].State
	if s == "" {
		return StateNone
	}
	return s
}

// preferenceOrder is her preference list cleaned up: concrete channels
// only, each once; Channels when nothing is left.
func preferenceOrder(p Profile) []Channel {
	var out []Channel
	seen := map[Channel]bool{}
	for _, ch := range p.Preference {
		if IsConcrete(ch) && !seen[ch] {
			seen[ch] = true
			out = append(out, ch)
		}
	}
	if len(out) == 0 {
		return Channels
	}
	return out
}

func channelName(ch Channel) string {
	switch ch {
	case SMS:
		return "SMS"
	case WhatsApp:
		return "WhatsApp"
	case Voice:
		return "voice call"
	}
	return "this channel"
}

// EffectiveWindows returns the windows the decision uses: her own if she
// has any (even if AnyTime is also set: the narrower statement wins);
// otherwise nil with anyTime=true when "any time" was recorded explicitly;
// otherwise the DefaultWindow, so a profile nobody filled in never means
// "3 a.m. is fine".
func EffectiveWindows(p Profile) (windows []Window, anyTime bool) {
	if len(p.Windows) > 0 {
		return p.Windows, false
	}
	if p.AnyTime {
		return nil, true
	}
	return []Window{DefaultWindow}, false
}

// ---------------------------------------------------------------------------
// Safe windows in time.
//
// A window is written in her wall-clock time ("mon-fri 10:00-12:00" in
// Europe/Madrid), but messages are scheduled on instants, and on the two
// DST days a year wall-clock time and instants disagree. The rule used
// here, in one sentence:
//
//	An instant is inside a window when the clock on her phone (her time
//	zone) shows a time inside the window AND that clock reading is being
//	shown for the first time.
//
// Consequences:
//   - Spring forward (Madrid/Rome 2026-03-29, 02:00 → 03:00): readings
//     02:00-02:59 never exist. A window starting at 02:30 starts at the
//     first valid instant, 03:00 CEST (01:00 UTC), because that is the
//     first reading at or after its start. A window lying entirely inside
//     the gap (02:15-02:45) does not occur that day: at 03:00 her clock is
//     already past its end.
//   - Fall back (2026-10-25, 03:00 → 02:00): readings 02:00-02:59 are shown
//     twice. Only the first showing (CEST) counts, so every wall-clock
//     minute of a window is used exactly once: a window is never opened
//     twice in one night and never skipped. A window 01:00-04:00 pauses
//     during the repeated hour and resumes at 03:00 CET; a window
//     02:00-02:30 happens once, in CEST. This is conservative: during the
//     repeated hour nothing is sent, and nothing is ever sent at a reading
//     outside her window.
//
// Windows are half-open, [start, end): 10:00-12:00 includes 10:00 and
// excludes 12:00. A window whose end is not after its start crosses
// midnight and belongs to the weekday it starts on.
//
// Malformed windows (times out of range, start == end, no weekday), which
// ParseWindow never produces, are never open: failing closed.
// ---------------------------------------------------------------------------

// maxOffsetSpan bounds the difference between any two UTC offsets a zone
// has ever used (tzdata offsets lie within about ±16h including local mean
// time), so any DST or zone change that could affect an instant lies within
// this distance of it.
const maxOffsetSpan = 32 * time.Hour

// NextSafeTime returns now (in UTC) if now is inside one of the windows in
// loc, else the start of the next window (in UTC), following the DST rule
// above; it is the earliest instant >= now for which InWindow is true.
// It returns ok=false only when no window is usable (windows empty, no
// weekdays, or malformed). A nil loc means UTC, as elsewhere in package time.
func NextSafeTime(windows []Window, loc *time.Location, now time.Time) (t time.Time, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	usable := usableWindows(windows)
	if len(usable) == 0 {
		return time.Time{}, false
	}
	if InWindow(usable, loc, now) {
		return now.UTC(), true
	}
	y, m, d := now.In(loc).Date()
	// Start two local days back: a window that crossed midnight yesterday
	// may still be open, and DST can shift the local date by an hour.
	day0 := time.Date(y, m, d-2, 0, 0, 0, 0, time.UTC)
	var best time.Time
	found := false
	// A weekly window can be swallowed by a DST gap, so the next occurrence
	// may be two weeks out; 400 days is a bound that is never reached.
	for i := 0; i < 400; i++ {
		day := day0.AddDate(0, 0, i)
		if found && !firstAtOrAfter(day, loc).Before(best) {
			break // every later occurrence starts at or after best
		}
		wd := day.Weekday()
		for _, w := range usable {
			if !w.Days[wd] {
				continue
			}
			ws := day.Add(time.Duration(w.Start) * time.Minute)
			we := day.Add(time.Duration(w.End) * time.Minute)
			if w.CrossesMidnight() {
				we = we.Add(24 * time.Hour)
			}
			// The occurrence is [a, b) minus the repeated readings.
			a, b := firstAtOrAfter(ws, loc), firstAtOrAfter(we, loc)
			if !b.After(now) {
				continue
			}
			c := a
			if c.Before(now) {
				c = now
			}
			if resume, repeated := repeatedReading(c, loc); repeated {
				c = resume
			}
			if !c.Before(b) {
				continue
			}
			if !found || c.Before(best) {
				best, found = c, true
			}
		}
	}
	if !found {
		return time.Time{}, false
	}
	return best.UTC(), true
}

// InWindow reports whether t is inside any of the windows in loc, by the
// rule above. A nil loc means UTC.
func InWindow(windows []Window, loc *time.Location, t time.Time) bool {
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	wd := lt.Weekday()
	h, m, s := lt.Clock()
	sod := h*3600 + m*60 + s
	in := false
	for _, w := range windows {
		if usable(w) && w.containsReading(wd, sod) {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	_, repeated := repeatedReading(t, loc)
	return !repeated
}

// containsReading reports whether a wall-clock reading (weekday, seconds
// after local midnight) lies inside the window.
func (w Window) containsReading(wd time.Weekday, sod int) bool {
	start, end := w.Start*60, w.End*60
	if !w.CrossesMidnight() {
		return w.Days[wd] && sod >= start && sod < end
	}
	return (w.Days[wd] && sod >= start) || (w.Days[(wd+6)%7] && sod < end)
}

func usable(w Window) bool {
	if w.Start < 0 || w.Start >= 1440 || w.End < 0 || w.End > 1440 || w.Start == w.End {
		return false
	}
	for _, on := range w.Days {
		if on {
			return true
		}
	}
	return false
}

func usableWindows(ws []Window) []Window {
	var out []Window
	for _, w := range ws {
		if usable(w) {
			out = append(out, w)
		}
	}
	return out
}

// wallOf returns t's wall-clock reading in loc as a "naive" time: a UTC
// time whose fields are the local fields. Naive times compare like wall
// clocks and can be built for readings that do not exist.
func wallOf(t time.Time, loc *time.Location) time.Time {
	_, off := t.In(loc).Zone()
	return t.UTC().Add(time.Duration(off) * time.Second)
}

// firstAtOrAfter returns the earliest instant whose wall-clock reading in
// loc is at or after the naive reading wall. For an existing, unrepeated
// reading that is simply the instant showing it; for a reading inside a
// spring-forward gap it is the transition instant; for a repeated reading
// it is its first showing. Unlike time.Date, whose choice in gaps and
// overlaps is unspecified, the result is defined.
//
// It walks the zone's periods forward from an instant certainly earlier
// than the reading; within a period the wall clock is instant+offset.
func firstAtOrAfter(wall time.Time, loc *time.Location) time.Time {
	t := wall.Add(-maxOffsetSpan) // wall(t) = t+offset < wall
	for i := 0; ; i++ {
		lt := t.In(loc)
		_, off := lt.Zone()
		_, end := lt.ZoneBounds()
		c := wall.Add(-time.Duration(off) * time.Second)
		if c.Before(t) {
			c = t // the clock jumped over the reading at the start of this period
		}
		if end.IsZero() || c.Before(end) || i >= 1000 {
			return c.UTC()
		}
		t = end
	}
}

// repeatedReading reports whether t's wall-clock reading was already shown
// earlier (t is in the repeated stretch after a fall-back change) and, if
// so, resume: the first later instant whose reading is new again.
//
// Within one zone period the clock only moves forward, so a reading is
// repeated exactly when an earlier period ended (just before its end
// instant) at a higher reading than t's. Only periods ending within
// maxOffsetSpan of t can matter.
func repeatedReading(t time.Time, loc *time.Location) (resume time.Time, repeated bool) {
	lt := t.In(loc)
	wall := wallOf(t, loc)
	start, _ := lt.ZoneBounds()
	var high time.Time
	for !start.IsZero() && t.Sub(start) < maxOffsetSpan {
		prev := start.Add(-time.Nanosecond).In(loc)
		_, poff := prev.Zone()
		// The previous period's clock approached start+poff without
		// reaching it.
		peak := start.UTC().Add(time.Duration(poff) * time.Second)
		if peak.After(wall) && (!repeated || peak.After(high)) {
			high, repeated = peak, true
		}
		start, _ = prev.ZoneBounds()
	}
	if !repeated {
		return time.Time{}, false
	}
	// The peak was never shown, so the first instant reaching it is the
	// first new reading.
	return firstAtOrAfter(high, loc), true
}
