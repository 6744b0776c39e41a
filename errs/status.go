package errs

import (
	"maps"
	"net/http"
)

// statusOf is the one place where error codes become HTTP statuses.
// A code missing here is a 400 if it names a field, else a 500.
var statusOf = map[string]int{
	// 400: the request cannot be read at all.
	"invalid_json":      http.StatusBadRequest,
	"body_too_large":    http.StatusRequestEntityTooLarge,
	"invalid_cursor":    http.StatusBadRequest,
	"invalid_parameter": http.StatusBadRequest,
	// 401/403: who is asking.
	"unauthorized":       http.StatusUnauthorized,
	"forbidden":          http.StatusForbidden,
	"invalid_signature":  http.StatusForbidden,
	"user_disabled":      http.StatusUnauthorized,
	"not_found":          http.StatusNotFound,
	"method_not_allowed": http.StatusMethodNotAllowed,
	// 409: conflicts with what is stored.
	"duplicate_phone":    http.StatusConflict,
	"duplicate_user":     http.StatusConflict,
	"idempotency_reused": http.StatusConflict,
	"session_spacing":    http.StatusConflict,
	"individual_only":    http.StatusConflict,
	// Reminders, check-ins and escalations.
	"duplicate_meeting_point":   http.StatusConflict,
	"meeting_point_in_use":      http.StatusConflict,
	"appointment_canceled":      http.StatusConflict,
	"escalation_closed":         http.StatusConflict,
	"meeting_point_not_neutral": http.StatusUnprocessableEntity,
	"unknown_meeting_point":     http.StatusUnprocessableEntity,
	"at_form_unknown_language":  http.StatusUnprocessableEntity,
	"at_form_lacks_name":        http.StatusUnprocessableEntity,
	"at_form_too_long":          http.StatusUnprocessableEntity,
	"at_form_extra_words":       http.StatusUnprocessableEntity,
	"checkin_time_unsafe":       http.StatusUnprocessableEntity,
	// The audit log does not verify (GET /v1/audit/verify).
	"audit_chain_broken":   http.StatusConflict,
	"checkpoint_mismatch":  http.StatusConflict,
	"checkpoint_not_found": http.StatusConflict,
	// Call-backs: the task or the moment does not allow it.
	"callback_closed":      http.StatusConflict,
	"callback_claimed":     http.StatusConflict,
	"callback_not_claimed": http.StatusConflict,
	"call_in_progress":     http.StatusConflict,
	"callback_not_due":     http.StatusConflict,
	"outside_safe_window":  http.StatusConflict,
	"staff_phone_missing":  http.StatusConflict,
	// 422: understood, but the values are not acceptable.
	"invalid_outcome":      http.StatusUnprocessableEntity,
	"unknown_field":        http.StatusUnprocessableEntity,
	"real_name_forbidden":  http.StatusUnprocessableEntity,
	"missing_field":        http.StatusUnprocessableEntity,
	"invalid_phone":        http.StatusUnprocessableEntity,
	"invalid_language":     http.StatusUnprocessableEntity,
	"invalid_time_zone":    http.StatusUnprocessableEntity,
	"invalid_initials":     http.StatusUnprocessableEntity,
	"invalid_window":       http.StatusUnprocessableEntity,
	"invalid_channel":      http.StatusUnprocessableEntity,
	"invalid_role":         http.StatusUnprocessableEntity,
	"unknown_caseworker":   http.StatusUnprocessableEntity,
	"invalid_code":         http.StatusUnprocessableEntity,
	"missing_evidence":     http.StatusUnprocessableEntity,
	"invalid_expiry":       http.StatusUnprocessableEntity,
	"invalid_consent":      http.StatusUnprocessableEntity,
	"unknown_template":     http.StatusUnprocessableEntity,
	"missing_param":        http.StatusUnprocessableEntity,
	"invalid_param":        http.StatusUnprocessableEntity,
	"unsupported_channel":  http.StatusUnprocessableEntity,
	"content_not_discreet": http.StatusUnprocessableEntity,
	"free_text_refused":    http.StatusUnprocessableEntity,
	"sensitive_content":    http.StatusUnprocessableEntity,
	"invalid_evidence":     http.StatusUnprocessableEntity,
	"invalid_option":       http.StatusUnprocessableEntity,
	"missing_actor":        http.StatusUnprocessableEntity,
	"reason_required":      http.StatusUnprocessableEntity,
	"reason_has_number":    http.StatusUnprocessableEntity,
	// Least privilege and plain text.
	"invalid_text":            http.StatusUnprocessableEntity,
	"contact_details_in_text": http.StatusUnprocessableEntity,
	"invalid_user_name":       http.StatusUnprocessableEntity,
	"note_required":           http.StatusUnprocessableEntity,
	"invalid_expiry_format":   http.StatusUnprocessableEntity,
	"number_unavailable":      http.StatusConflict,
	"last_admin":              http.StatusConflict,
	"reveal_budget_exhausted": http.StatusTooManyRequests,
	"too_many_attempts":       http.StatusTooManyRequests,
	"number_checks_exhausted": http.StatusTooManyRequests,
	"reveals_disabled":        http.StatusForbidden,
	"strict_confidentiality":  http.StatusForbidden,
	"token_expired":           http.StatusUnprocessableEntity,
	"expiry_too_late":         http.StatusUnprocessableEntity,
	// 403: the contact decision refused (she has not agreed to this).
	"no_consent":                         http.StatusForbidden,
	"consent_revoked":                    http.StatusForbidden,
	"consent_expired":                    http.StatusForbidden,
	"no_number_for_channel":              http.StatusForbidden,
	"channel_unsafe_for_monitored_phone": http.StatusForbidden,
	"no_time_zone":                       http.StatusForbidden,
	"no_safe_window":                     http.StatusForbidden,
	// A message that promises her a call (consent.DecideCall): 403 when
	// she has not agreed to calls, 422 when the promised time is not one.
	"call_not_consented": http.StatusForbidden,
	"call_time_past":     http.StatusUnprocessableEntity,
	"call_time_too_far":  http.StatusUnprocessableEntity,
	"call_time_unsafe":   http.StatusUnprocessableEntity,
	// Referrals between organisations: packages, partner cards, the form.
	"package_too_large":           http.StatusRequestEntityTooLarge,
	"package_malformed":           http.StatusUnprocessableEntity,
	"package_version_unsupported": http.StatusUnprocessableEntity,
	"package_wrong_recipient":     http.StatusUnprocessableEntity,
	"package_tampered":            http.StatusUnprocessableEntity,
	"package_unknown_sender":      http.StatusUnprocessableEntity,
	"package_bad_signature":       http.StatusUnprocessableEntity,
	"package_wrong_kind":          http.StatusUnprocessableEntity,
	"package_not_yet_valid":       http.StatusUnprocessableEntity,
	"package_expired":             http.StatusUnprocessableEntity,
	"package_replayed":            http.StatusConflict,
	"package_refused":             http.StatusUnprocessableEntity,
	"invalid_partner_card":        http.StatusUnprocessableEntity,
	"partner_card_from_future":    http.StatusUnprocessableEntity,
	"partner_card_outdated":       http.StatusConflict,
	"partner_card_other_keys":     http.StatusConflict,
	"partner_not_verified":        http.StatusConflict,
	"partner_is_self":             http.StatusUnprocessableEntity,
	"fingerprint_mismatch":        http.StatusUnprocessableEntity,
	"referral_state":              http.StatusConflict,
	"referral_already_decided":    http.StatusConflict,
	"receipt_unknown_referral":    http.StatusUnprocessableEntity,
	"phone_required":              http.StatusUnprocessableEntity,
	"no_inbox_url":                http.StatusConflict,
	"delivery_failed":             http.StatusBadGateway,
	"referrals_not_configured":    http.StatusServiceUnavailable,
	"inbox_rate_limited":          http.StatusTooManyRequests,
	"form_too_large":              http.StatusRequestEntityTooLarge,
	"unsupported_schema":          http.StatusUnprocessableEntity,
	"too_many_values":             http.StatusUnprocessableEntity,
	"invalid_answer":              http.StatusUnprocessableEntity,
	"missing_details":             http.StatusUnprocessableEntity,
	"inconsistent_answer":         http.StatusUnprocessableEntity,
	"invalid_date":                http.StatusUnprocessableEntity,
	"invalid_need":                http.StatusUnprocessableEntity,
	"referral_consent_required":   http.StatusUnprocessableEntity,
	"invalid_reference":           http.StatusUnprocessableEntity,
	"invalid_package_id":          http.StatusUnprocessableEntity,
	// 503: a dependency is down; the request may be retried.
	"unavailable":          http.StatusServiceUnavailable,
	"voice_not_configured": http.StatusServiceUnavailable,
	"provider_unavailable": http.StatusBadGateway,
	"internal":             http.StatusInternalServerError,
}

// Status returns the HTTP status for an error's code.
func Status(e *Error) int {
	if s, ok := statusOf[e.Code]; ok {
		return s
	}
	if e.Field != "" {
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// Statuses returns a copy of the code->status table (the OpenAPI document
// lists the same codes).
func Statuses() map[string]int {
	return maps.Clone(statusOf)
}
