package signin

import (
	"context"
	"encoding/base64"
	"time"

	"safecontact/db"
)

// Known devices. Per-name and per-address blocks protect her account from
// guessing, but they also let anyone who knows her name (or shares her
// office's address) keep her out: a few wrong passwords an hour would do.
// So a browser that has completed a sign-in of hers is remembered with a
// long-lived device cookie (256 random bits, HttpOnly, SameSite=Strict,
// Secure under __Host-; only its SHA-256 stored, per user, in
// console_devices), and an attempt from it counts against that device
// only (DefaultDeviceThrottle), not her name or the address. A stranger
// cannot present the cookie: it never leaves her browser for script or
// another site. Her second-step codes are throttled per user wherever they
// come from.
//
// The alternative, counting per (name, address) with a wider per-name
// ceiling, still lets a distributed attacker reach the ceiling, and then
// only a known device gets her in; the device alone is simpler and
// covers both.
//
// A first sign-in on a new device is not exempt: under a deliberate
// lockout of her name she signs in from a device she used before (or an
// administrator resets her password, which also forgets her devices).

// deviceHash is the stored form of a device token; nil for a value that
// is not one of ours.
func deviceHash(token string) []byte {
	if b, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(b) != 32 {
		return nil
	}
	return hashToken(token)
}

// knownDevice is the device's hash and whether it signed userID in within
// the device lifetime.
func (s *Service) knownDevice(ctx context.Context, q *db.Queries, userID int64, token string, now time.Time) ([]byte, bool, error) {
	h := deviceHash(token)
	if h == nil {
		return nil, false, nil
	}
	ok, err := q.DeviceKnown(ctx, db.DeviceKnownParams{TokenHash: h, UserID: userID, Since: now.Add(-s.cfg.DeviceLifetime)})
	return h, ok, err
}

// rememberDevice records that the device of token completed a sign-in of
// userID, and returns the token for the device cookie: the same one if
// some user already signed in with it, else a fresh one (a value nobody
// was given by us is never adopted).
func (s *Service) rememberDevice(ctx context.Context, q *db.Queries, userID int64, token string, now time.Time) (string, error) {
	h := deviceHash(token)
	if h != nil {
		ok, err := q.DeviceRegistered(ctx, h)
		if err != nil {
			return "", err
		}
		if !ok {
			h = nil
		}
	}
	if h == nil {
		token, h = newToken()
	}
	if err := q.RememberDevice(ctx, db.RememberDeviceParams{TokenHash: h, UserID: userID, Now: now}); err != nil {
		return "", err
	}
	if err := q.TrimDevices(ctx, db.TrimDevicesParams{UserID: userID, Keep: int32(s.cfg.MaxDevicesPerUser)}); err != nil {
		return "", err
	}
	return token, nil
}
