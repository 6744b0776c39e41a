package message

// The audit actions the send path (workers, reconciliation, status
// callbacks, receipt spill) records for a message.
const (
	ActionSent        = "message.sent"
	ActionFailed      = "message.failed"
	ActionUnknown     = "message.unknown"
	ActionDropped     = "message.dropped"
	ActionLateOutcome = "message.late_outcome"
	// ActionStatusPrefix + a provider status (message.delivered, …) is
	// the action a status callback or reconciliation records.
	ActionStatusPrefix = "message."
)

// The audit actions the accept side records: a refused request, a read
// of a test instance's sink, purged bodies, erased contents.
const (
	ActionRefused                 = "message.refused"
	ActionDevSinkRead             = "dev_sink.read"
	ActionBodiesPurged            = "message.bodies_purged"
	ActionContentErased           = "content.erased"
	ActionContentProviderRedacted = "content.provider_redacted"
)

// The codes the send path writes as a message's status reason and in its
// audit details.
const (
	CodeRetriesExhausted  = "retries_exhausted"
	CodeReconcileUnproven = "reconcile_unproven"
	CodeNowMonitored      = "now_monitored"
	CodeDecryptFailed     = "decrypt_failed"
	CodeCrashDuringSend   = "crash_during_send"
	// CodeClaimLapsed: a send the provider refused for a passing reason,
	// recorded after its claim's lease (delivery.ClaimLease): not retried
	// but failed (the provider does not have it).
	CodeClaimLapsed = "claim_lapsed"
	// CodeContentErased: a pending message canceled because her contents
	// were erased.
	CodeContentErased = "content_erased"
	// CodeTimeZoneChanged: a pending message whose text states a time in
	// her time zone (a promised call, an appointment) was written in a
	// zone that is no longer hers: it would state the wrong hour, so the
	// re-check before sending drops it (StatusDroppedCallRefused).
	CodeTimeZoneChanged = "time_zone_changed"
)
