package signin

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"safecontact/db"
	"safecontact/errs"
	"safecontact/keys"
)

// What she changes about her own sign-in: her password, her second step
// and her recovery codes. A signed-in session proves only that somebody
// is at her browser, so these ask for proof again: her current password
// for a new password; her password and, if she has one, a current code
// for a new second step or new recovery codes (Reauthenticate, good for
// ReauthWindow and for one change). Her own wrong passwords count per
// user (UserThrottle, "reauth:" keys) and her codes on her code counter.

// checkCurrentPassword checks the password of sess's user, throttled.
func (s *Service) checkCurrentPassword(ctx context.Context, sess *Session, password string, c Client, stage string) error {
	if c.IP == nil {
		return ErrNoAddress
	}
	deviceKnown, err := s.deviceKnown(ctx, sess.UserID, c)
	if err != nil {
		return err
	}
	acc, err := s.q.ConsoleAccount(ctx, sess.UserID)
	if err != nil {
		return err
	}
	details := map[string]any{"stage": stage, "reason": "bad_credentials"}
	err = s.checkPassword(ctx, s.limits.attemptKeys(s.limits.reauthKey(sess.UserID), c, deviceKnown), c, password, acc.PasswordHash.String, acc.PasswordHash.Valid, sess.actor(c), details, ErrPasswordWrong)
	if err != nil {
		return err
	}
	return s.q.ThrottleClear(ctx, []string{userIDKey("reauth", sess.UserID)})
}

// ChangePassword sets her own new password. At StageChangePassword (an
// administrator chose her password) current is not asked again: she typed
// it a moment ago. Signed in, current must be right, and a wrong one
// counts as a failed attempt. Her other sessions end; this one gets a new
// token and keeps its absolute expiry.
func (s *Service) ChangePassword(ctx context.Context, token, current, newPassword string, c Client) (Result, error) {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return Result{}, err
	}
	if sess.Stage != StageChangePassword && sess.Stage != StageSignedIn {
		return Result{}, ErrWrongStage
	}
	if sess.Stage == StageSignedIn {
		if err := s.checkCurrentPassword(ctx, sess, current, c, "change_password"); err != nil {
			return Result{}, err
		}
	}
	if err := CheckPassword(newPassword, sess.Name); err != nil {
		return Result{}, err
	}
	acc, err := s.q.ConsoleAccount(ctx, sess.UserID)
	if err != nil {
		return Result{}, err
	}
	client := ""
	if c.IP != nil {
		client = hashClient(c)
	}
	same, err := s.verify(ctx, client, newPassword, acc.PasswordHash.String)
	if err != nil && !errors.Is(err, errBadHash) {
		return Result{}, err // busy, or she went away
	}
	if same {
		return Result{}, errs.Field(CodePasswordUnchanged, "password", "choose a password different from the one you have")
	}
	hash, err := s.hash(ctx, client, newPassword)
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := q.SetPassword(ctx, db.SetPasswordParams{UserID: sess.UserID, PasswordHash: sql.NullString{String: hash, Valid: true}, Now: s.now(), MustChange: false}); err != nil {
			return err
		}
		if _, err := q.DeleteOtherUserSessions(ctx, db.DeleteOtherUserSessionsParams{UserID: sess.UserID, KeepID: sess.ID}); err != nil {
			return err
		}
		if err := s.audit(ctx, q, AuditEvent{Actor: sess.actor(c), Action: ActPasswordChanged}); err != nil {
			return err
		}
		next := StageSignedIn
		if sess.Stage == StageChangePassword {
			next = nextStage(StageChangePassword, sess.TOTPEnabled, false, s.cfg.TOTPRequired(sess.Role))
		}
		var err error
		res, err = s.advance(ctx, q, sess, next, "", c)
		return err
	})
	return res, err
}

// Reauthenticate checks her password and, if she has a second step, a
// current code (TOTP or recovery) again in a signed-in session: for
// ReauthWindow the session may then make one change to her second step
// or recovery codes.
func (s *Service) Reauthenticate(ctx context.Context, token, password, code string, c Client) error {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return err
	}
	if sess.Stage != StageSignedIn {
		return ErrWrongStage
	}
	if err := s.checkCurrentPassword(ctx, sess, password, c, "reauth"); err != nil {
		return err
	}
	deviceKnown, err := s.deviceKnown(ctx, sess.UserID, c)
	if err != nil {
		return err
	}
	var shown error
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if sess.TOTPEnabled {
			var err error
			if _, shown, err = s.checkCode(ctx, q, sess, code, c, deviceKnown, "reauth"); err != nil || shown != nil {
				return err
			}
		}
		return q.SetSessionReauth(ctx, db.SetSessionReauthParams{ReauthAt: sql.NullTime{Time: s.now(), Valid: true}, ID: sess.ID})
	})
	if err != nil {
		return err
	}
	return shown
}

// reauthenticated refuses a signed-in session that has not passed
// Reauthenticate within ReauthWindow. A session at StageEnrol passes:
// it typed her password moments ago.
func (s *Service) reauthenticated(sess *Session) error {
	if sess.Stage == StageEnrol {
		return nil
	}
	if sess.ReauthAt.IsZero() || s.now().Sub(sess.ReauthAt) >= s.cfg.ReauthWindow {
		return ErrReauthRequired
	}
	return nil
}

// secondFactorSession is the session of token, if it may set up or change
// her second step now: at StageEnrol, or signed in and reauthenticated.
func (s *Service) secondFactorSession(ctx context.Context, token string) (*Session, error) {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return nil, err
	}
	if (sess.Stage != StageEnrol && sess.Stage != StageSignedIn) || (sess.Stage == StageEnrol && sess.TOTPEnabled) {
		return nil, ErrWrongStage
	}
	return sess, s.reauthenticated(sess)
}

// Enrolment is a new TOTP secret waiting for her first code.
type Enrolment struct {
	// Secret is the base32 secret, for typing into an app by hand.
	Secret string
	// URL is the otpauth:// URL, for the QR code.
	URL string
}

// BeginTOTP gives her a secret to add to her authenticator app, kept on
// this session (no other session sees or confirms it). The same pending
// secret is returned until she confirms it or StageTimeout passes, so
// reloading the page after scanning does not change it. Signed in, it
// needs a recent Reauthenticate (ErrReauthRequired); if she has a second
// step already, confirming the new one replaces it.
func (s *Service) BeginTOTP(ctx context.Context, token string) (Enrolment, error) {
	sess, err := s.secondFactorSession(ctx, token)
	if err != nil {
		return Enrolment{}, err
	}
	now := s.now()
	p, err := s.q.SessionPendingTOTP(ctx, sess.ID)
	if err != nil {
		return Enrolment{}, err
	}
	if p.TotpPendingEnc != nil && now.Sub(p.TotpPendingAt.Time) < s.cfg.StageTimeout {
		secret, err := s.keys.Open(keys.Auth, p.TotpPendingEnc)
		if err != nil {
			return Enrolment{}, errs.Internal(err)
		}
		return Enrolment{Secret: string(secret), URL: TOTPKeyURL(s.cfg.Issuer, sess.Name, string(secret))}, nil
	}
	key, err := NewTOTPKey(s.cfg.Issuer, sess.Name)
	if err != nil {
		return Enrolment{}, err
	}
	if err := s.q.SetSessionPendingTOTP(ctx, db.SetSessionPendingTOTPParams{SecretEnc: s.keys.Seal(keys.Auth, []byte(key.Secret())), Now: now, ID: sess.ID}); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP enables this session's pending secret when code matches
// it, and returns her new recovery codes (to show once). Her other
// sessions end: whoever was signed in elsewhere signs in again with the
// new second step. At StageEnrol the session moves on (Result has the new
// token); signed in, Result is empty, her token is unchanged and the
// reauthentication is used up.
func (s *Service) ConfirmTOTP(ctx context.Context, token, code string, c Client) (Result, []string, error) {
	sess, err := s.secondFactorSession(ctx, token)
	if err != nil {
		return Result{}, nil, err
	}
	now := s.now()
	p, err := s.q.SessionPendingTOTP(ctx, sess.ID)
	if err != nil {
		return Result{}, nil, err
	}
	if p.TotpPendingEnc == nil || now.Sub(p.TotpPendingAt.Time) >= s.cfg.StageTimeout {
		return Result{}, nil, errs.New(CodeEnrolmentExpired, "the setup took too long: start again with a new secret")
	}
	secret, err := s.keys.Open(keys.Auth, p.TotpPendingEnc)
	if err != nil {
		return Result{}, nil, errs.Internal(err)
	}
	step, ok := MatchTOTP(string(secret), code, now)
	if !ok {
		return Result{}, nil, errs.Field(CodeCodeWrong, "code", "that code does not match: check the time on your phone, and type the code your app shows now")
	}
	codes, hashes := NewRecoveryCodes()
	var res Result
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		n, err := q.TakeSessionPendingTOTP(ctx, db.TakeSessionPendingTOTPParams{ID: sess.ID, SecretEnc: p.TotpPendingEnc})
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrWrongStage // another request of this session confirmed or replaced it
		}
		if err := q.EnableTOTP(ctx, db.EnableTOTPParams{SecretEnc: p.TotpPendingEnc, Now: now, Step: sql.NullInt64{Int64: step, Valid: true}, UserID: sess.UserID}); err != nil {
			return err
		}
		if err := replaceRecoveryCodes(ctx, q, sess.UserID, hashes, now); err != nil {
			return err
		}
		ended, err := q.DeleteOtherUserSessions(ctx, db.DeleteOtherUserSessionsParams{UserID: sess.UserID, KeepID: sess.ID})
		if err != nil {
			return err
		}
		action := ActTOTPEnabled
		if sess.TOTPEnabled {
			action = ActTOTPChanged
		}
		if err := s.audit(ctx, q, AuditEvent{Actor: sess.actor(c), Action: action, Details: map[string]any{"sessions_ended": ended}}); err != nil {
			return err
		}
		if sess.Stage == StageEnrol {
			res, err = s.advance(ctx, q, sess, StageSignedIn, "", c)
			return err
		}
		return q.SetSessionReauth(ctx, db.SetSessionReauthParams{ID: sess.ID})
	})
	if err != nil {
		return Result{}, nil, err
	}
	return res, codes, nil
}

func replaceRecoveryCodes(ctx context.Context, q *db.Queries, userID int64, hashes [][]byte, now time.Time) error {
	if err := q.DeleteRecoveryCodes(ctx, userID); err != nil {
		return err
	}
	return q.InsertRecoveryCodes(ctx, db.InsertRecoveryCodesParams{UserID: userID, CodeHashes: hashes, Now: now})
}

// RenewRecoveryCodes replaces her recovery codes with new ones (to show
// once). It needs a recent Reauthenticate, which it uses up.
func (s *Service) RenewRecoveryCodes(ctx context.Context, token string, c Client) ([]string, error) {
	sess, err := s.Session(ctx, token, true)
	if err != nil {
		return nil, err
	}
	if sess.Stage != StageSignedIn || !sess.TOTPEnabled {
		return nil, ErrWrongStage
	}
	if err := s.reauthenticated(sess); err != nil {
		return nil, err
	}
	codes, hashes := NewRecoveryCodes()
	err = db.InTx(ctx, s.db, func(q *db.Queries, _ *sql.Tx) error {
		if err := replaceRecoveryCodes(ctx, q, sess.UserID, hashes, s.now()); err != nil {
			return err
		}
		if err := q.SetSessionReauth(ctx, db.SetSessionReauthParams{ID: sess.ID}); err != nil {
			return err
		}
		return s.audit(ctx, q, AuditEvent{Actor: sess.actor(c), Action: ActRecoveryCodesRenewed})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RecoveryCodesLeft counts her unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	n, err := s.q.CountRecoveryCodes(ctx, userID)
	return int(n), err
}

// ResetSecondFactor removes a user's second factor and recovery codes
// (she lost her phone), for an administrator, in the caller's
// transaction q. Her sessions end and her devices are no longer known;
// if her role requires a second factor she sets up a new one at her next
// sign-in.
func (s *Service) ResetSecondFactor(ctx context.Context, q *db.Queries, actor Actor, userID int64) error {
	u, err := q.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if _, err := q.ResetTOTP(ctx, db.ResetTOTPParams{Now: s.now(), UserID: userID}); err != nil {
		return err
	}
	if err := q.DeleteRecoveryCodes(ctx, userID); err != nil {
		return err
	}
	if _, err := EndUserSessions(ctx, q, userID); err != nil {
		return err
	}
	if err := q.ForgetUserDevices(ctx, userID); err != nil {
		return err
	}
	return s.audit(ctx, q, AuditEvent{Actor: actor, Action: ActTOTPReset, Details: map[string]any{"user": u.Name}})
}
