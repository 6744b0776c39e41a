package signin

import (
	"context"
	"database/sql"
	"encoding/hex"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"safecontact/db"
	"safecontact/keys"
)

// Throttle is one growing-delay rule: after Free failures, each further
// failure blocks the key for Base, then twice as long, up to Max. The
// count decays: one failure is forgotten for each Decay that passes (a
// leaky bucket), so it measures recent failures, and occasional typos
// spread over days never add up to a block.
//
// A blocked key refuses at once, before any password is hashed: the delay
// is a refusal with a time to wait, never a sleeping request (which would
// let anyone tie up the server's goroutines and memory).
type Throttle struct {
	Free  int
	Base  time.Duration
	Max   time.Duration
	Decay time.Duration
}

// Delay is how long the key is blocked after its n-th failure.
func (t Throttle) Delay(n int) time.Duration {
	if n <= t.Free {
		return 0
	}
	d := t.Base
	for i := t.Free + 1; i < n && d < t.Max; i++ {
		d *= 2
	}
	return min(d, t.Max)
}

// decayed is what is left at now of n failures counted from at, and the
// instant the rest is counted from (whole Decay periods are taken off, so
// a part-way period is not lost).
func (t Throttle) decayed(n int, at, now time.Time) (int, time.Time) {
	if n <= 0 {
		return 0, now
	}
	k := int(now.Sub(at) / t.Decay)
	if k <= 0 {
		return n, at
	}
	if k >= n {
		return 0, now
	}
	return n - k, at.Add(time.Duration(k) * t.Decay)
}

// The default rules. Sustained, a rule lets one failure through per Decay
// (the count then stays level), so Decay sets how many guesses a day a
// patient attacker gets; Free and the growing delay shape the burst.
var (
	// DefaultUserThrottle is per name typed, from a device that has not
	// signed her in: three free failures, then 5 s, 10 s … up to 15
	// minutes; one failure forgotten per hour (24 guesses a day).
	DefaultUserThrottle = Throttle{Free: 3, Base: 5 * time.Second, Max: 15 * time.Minute, Decay: time.Hour}
	// DefaultAddrThrottle is per client address (an IPv4 address or an
	// IPv6 /64): more free failures, because a small office signs in from
	// one address, and a short memory (one failure forgotten per 10
	// minutes), so the office's typos of a morning are gone by the
	// afternoon.
	DefaultAddrThrottle = Throttle{Free: 20, Base: 5 * time.Second, Max: 15 * time.Minute, Decay: 10 * time.Minute}
	// DefaultWideAddrThrottle is per IPv6 /48, the block a site gets:
	// it holds 65,536 /64s, each with its own allowance, so the /48 has a
	// ceiling of its own, higher than one /64's.
	DefaultWideAddrThrottle = Throttle{Free: 60, Base: 5 * time.Second, Max: 15 * time.Minute, Decay: 5 * time.Minute}
	// DefaultDeviceThrottle is per user on a device that signed her in
	// before (it replaces the name and address rules there).
	DefaultDeviceThrottle = Throttle{Free: 5, Base: 5 * time.Second, Max: 15 * time.Minute, Decay: time.Hour}
	// DefaultCodeThrottle is per user, for wrong second-step codes (TOTP
	// or recovery). A correct password does not reset it: only a correct
	// code does.
	DefaultCodeThrottle = Throttle{Free: 3, Base: 5 * time.Second, Max: 15 * time.Minute, Decay: time.Hour}
)

// unknownNameBuckets is how many throttle keys names that belong to nobody
// share. A sign-in for a name nobody has must be throttled like any other
// (else the throttle tells which names exist), but must not add a row per
// name typed: the table would grow with whatever anyone sends. Sharing
// 65,536 buckets caps those rows; two such names share a count only by
// chance, and no user's own count is shared.
const unknownNameBuckets = 1 << 16

// throttleKey is one key an attempt counts against, with its rule.
type throttleKey struct {
	key   string
	scope string // for the audit log: "user", "address", "device", "code"
	rule  Throttle
}

// nameKey is the key of a name typed at sign-in. It is a keyed hash:
// people type passwords into the name field, and that text must not sit
// in a table. taken says a user has this name (any case); other names
// fall into a shared bucket.
func nameKey(ring *keys.Ring, name string, taken bool) string {
	h := ring.BlindIndex("signin-throttle\x00" + strings.ToLower(strings.TrimSpace(name)))
	if !taken {
		return "user:~" + hex.EncodeToString(h[:2]) // 16 bits: unknownNameBuckets
	}
	return "user:" + hex.EncodeToString(h)[:32]
}

// addrKeys are the keys of a client address: an IPv4 address; an IPv6
// address by its /64 (one household or office gets one /64 and can change
// the rest at will) and by its /48 (the usual site allocation).
func addrKeys(ip net.IP) []string {
	if v4 := ip.To4(); v4 != nil {
		return []string{"addr:" + v4.String()}
	}
	return []string{
		"addr:" + ip.Mask(net.CIDRMask(64, 128)).String() + "/64",
		"addr:" + ip.Mask(net.CIDRMask(48, 128)).String() + "/48",
	}
}

func userIDKey(kind string, userID int64) string {
	return kind + ":" + strconv.FormatInt(userID, 10)
}

// deviceKey is the key of one user on one known device.
func deviceKey(userID int64, deviceHash []byte) string {
	return "device:" + strconv.FormatInt(userID, 10) + ":" + hex.EncodeToString(deviceHash[:12])
}

// limiter is the throttle's bookkeeping for one Service: the keys an
// attempt counts against, and each attempt reserved as a failure before
// it is checked, then taken back or recorded (throttle_keys rows).
type limiter struct {
	db *sql.DB
	// The rules of her password typed again and of client addresses
	// (Config's UserThrottle, AddrThrottle, WideAddrThrottle).
	user, addr, wideAddr Throttle
	audit                AuditFunc
	now                  func() time.Time
}

// reauthKey is the counter of her password typed again while signed in.
func (l *limiter) reauthKey(userID int64) throttleKey {
	return throttleKey{key: userIDKey("reauth", userID), scope: "user", rule: l.user}
}

func (l *limiter) addrThrottleKeys(ip net.IP) []throttleKey {
	var out []throttleKey
	for _, k := range addrKeys(ip) {
		rule := l.addr
		if strings.HasSuffix(k, "/48") {
			rule = l.wideAddr
		}
		out = append(out, throttleKey{key: k, scope: "address", rule: rule})
	}
	return out
}

// attemptKeys are the keys an attempt by a user counts against: subject
// (her name, her codes, her password typed again), and the client's
// address unless the request comes from a device that signed her in
// (then nothing else: the address's count is for strangers).
func (l *limiter) attemptKeys(subject throttleKey, c Client, knownDevice bool) []throttleKey {
	if knownDevice {
		return []throttleKey{subject}
	}
	return append([]throttleKey{subject}, l.addrThrottleKeys(c.IP)...)
}

// reservation is one attempt counted, in advance, as a failure.
type reservation struct {
	now  time.Time
	keys []reserved
}

type reserved struct {
	throttleKey
	n int
	// block is how long the key is blocked if this attempt fails (0:
	// none); until is the blocked_until it set, before what it was.
	block         time.Duration
	until, before time.Time
}

// reserve counts one attempt against every key as a failure before it is
// checked, in q's transaction, with the keys' rows locked: two attempts
// never both see the count before either. If any key is blocked, nothing
// is counted and the attempt is refused (signin_throttled). A key whose
// count now calls for a block is blocked at once, while this attempt is
// being checked: concurrent attempts are refused, exactly as they would be
// had it already failed. A success takes the attempt back (refund); a
// failure leaves it counted (fail).
func (l *limiter) reserve(ctx context.Context, q *db.Queries, now time.Time, ks []throttleKey) (*reservation, error) {
	byKey := map[string]throttleKey{}
	names := make([]string, 0, len(ks))
	for _, k := range ks {
		if _, dup := byKey[k.key]; !dup {
			byKey[k.key] = k
			names = append(names, k.key)
		}
	}
	slices.Sort(names)
	if err := q.ThrottleEnsure(ctx, db.ThrottleEnsureParams{Now: now, Keys: names}); err != nil {
		return nil, err
	}
	rows, err := q.ThrottleLock(ctx, names)
	if err != nil {
		return nil, err
	}
	var wait time.Duration
	for _, r := range rows {
		if r.BlockedUntil.After(now) {
			wait = max(wait, r.BlockedUntil.Sub(now))
		}
	}
	if wait > 0 {
		return nil, throttled(wait)
	}
	res := &reservation{now: now}
	for _, r := range rows {
		k := byKey[r.Key]
		n, at := k.rule.decayed(int(r.Failures), r.LastFailureAt, now)
		n++
		rv := reserved{throttleKey: k, n: n, block: k.rule.Delay(n), until: r.BlockedUntil, before: r.BlockedUntil}
		if rv.block > 0 {
			rv.until = now.Add(rv.block)
		}
		if err := q.ThrottleSet(ctx, db.ThrottleSetParams{Key: r.Key, Failures: int32(n), LastFailureAt: at, BlockedUntil: rv.until}); err != nil {
			return nil, err
		}
		res.keys = append(res.keys, rv)
	}
	return res, nil
}

// reserveTx is reserve in a transaction of its own, for an attempt that
// is checked outside any transaction (a password: hashing takes a
// quarter of a second, too long to hold locks).
func (l *limiter) reserveTx(ctx context.Context, ks []throttleKey) (*reservation, error) {
	var res *reservation
	err := db.InTx(ctx, l.db, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		res, err = l.reserve(ctx, q, l.now(), ks)
		return err
	})
	return res, err
}

// refund takes back a reserved attempt that succeeded or was never
// checked (the server was busy), lifting the block it started.
func (l *limiter) refund(ctx context.Context, q *db.Queries, res *reservation) error {
	names := make([]string, 0, len(res.keys))
	for _, k := range res.keys {
		ours := k.before
		if k.block > 0 {
			ours = k.until
		}
		if err := q.ThrottleRefund(ctx, db.ThrottleRefundParams{Key: k.key, Ours: ours, Before: k.before}); err != nil {
			return err
		}
		names = append(names, k.key)
	}
	return q.ThrottleDropIdle(ctx, db.ThrottleDropIdleParams{Keys: names, Now: l.now()})
}

// refundTx is refund in a transaction of its own. It runs even when the
// request's context has ended: a reservation is never left behind
// because the client went away.
func (l *limiter) refundTx(ctx context.Context, res *reservation) error {
	ctx = context.WithoutCancel(ctx)
	return db.InTx(ctx, l.db, func(q *db.Queries, _ *sql.Tx) error { return l.refund(ctx, q, res) })
}

// fail records a reserved attempt that failed, in q's transaction: the
// failure (already counted) is audited, with each block it started. shown
// is what to tell her: signin_throttled when the failure started a block,
// else wrong.
func (l *limiter) fail(ctx context.Context, q *db.Queries, res *reservation, actor Actor, details map[string]any, wrong error) (shown error, err error) {
	if err := l.audit(ctx, q, AuditEvent{Actor: actor, Action: ActSignInFailed, Details: details}); err != nil {
		return nil, err
	}
	var blocked time.Duration
	for _, k := range res.keys {
		if k.block == 0 {
			continue
		}
		blocked = max(blocked, k.block)
		if err := l.audit(ctx, q, AuditEvent{Actor: actor, Action: ActSignInBlocked, Details: map[string]any{"scope": k.scope, "seconds": int(k.block / time.Second), "failures": k.n}}); err != nil {
			return nil, err
		}
	}
	if blocked > 0 {
		return throttled(blocked), nil
	}
	return wrong, nil
}

// failTx is fail in a transaction of its own (after a password check),
// run even when the request's context has ended.
func (l *limiter) failTx(ctx context.Context, res *reservation, actor Actor, details map[string]any, wrong error) error {
	ctx = context.WithoutCancel(ctx)
	var shown error
	err := db.InTx(ctx, l.db, func(q *db.Queries, _ *sql.Tx) error {
		var err error
		shown, err = l.fail(ctx, q, res, actor, details, wrong)
		return err
	})
	if err != nil {
		return err
	}
	return shown
}
