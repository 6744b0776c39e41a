package signin

// The error codes the sign-in service answers with (statuses:
// errs/status.go, or the console's own pages).
const (
	CodeClientAddressUnknown = "client_address_unknown"
	CodeCodeUsed             = "code_used"
	CodeCodeWrong            = "code_wrong"
	CodeEnrolmentExpired     = "enrolment_expired"
	CodeInvalidLanguage      = "invalid_language"
	CodeInvalidTimeZone      = "invalid_time_zone"
	CodePasswordContainsName = "password_contains_name"
	CodePasswordInvalid      = "password_invalid"
	CodePasswordTooLong      = "password_too_long"
	CodePasswordTooShort     = "password_too_short"
	CodePasswordUnchanged    = "password_unchanged"
	CodePasswordWrong        = "password_wrong"
	CodeReauthRequired       = "reauth_required"
	CodeSessionEnded         = "session_ended"
	CodeSigninBusy           = "signin_busy"
	CodeSigninFailed         = "signin_failed"
	CodeWrongStage           = "wrong_stage"
)
