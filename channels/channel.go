package channels

import (
	"context"
	"errors"
	"fmt"
)

// Outgoing is one message ready to leave: decrypted just before the send
// and never logged, queued or stored in this form.
type Outgoing struct {
	MessageID string // our message id; goes to the provider as metadata only
	Channel   string // "sms" | "whatsapp"
	To        string // E.164
	Body      string
	// WhatsApp business-initiated messages use an approved Content
	// template instead of free text when ContentSID is set.
	ContentSID       string
	ContentVariables map[string]string
	// StatusCallback is the URL the provider posts delivery updates to.
	StatusCallback string
}

// Receipt is what the provider said when it took the message.
type Receipt struct {
	ProviderID string // e.g. Twilio's SM… / MM… sid
	Status     string // provider status at acceptance, e.g. "queued"
}

// Sender sends one message on one channel.
type Sender interface {
	Send(ctx context.Context, m Outgoing) (Receipt, error)
}

// SendError classifies a failed send. Retryable errors are retried with
// backoff; permanent ones fail the message; OptOut means the provider says
// she opted out (Twilio 21610), so her consent for that channel is revoked.
type SendError struct {
	Code         string // our taxonomy: "rate_limited", "provider_unavailable", "invalid_number", "opted_out", "rejected", …
	ProviderCode int    // e.g. Twilio error code; 0 if none
	HTTPStatus   int
	Retryable    bool
	OptOut       bool
	Err          error // cause; its text must not contain the number or body
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Retryable {
		kind = "retryable"
	}
	return fmt.Sprintf("send failed (%s): %s provider_code=%d http=%d", kind, e.Code, e.ProviderCode, e.HTTPStatus)
}

func (e *SendError) Unwrap() error { return e.Err }

// ErrorCode is err's SendError code, or "send_error" when err carries none.
func ErrorCode(err error) string {
	var se *SendError
	if errors.As(err, &se) {
		return se.Code
	}
	return "send_error"
}

// IsRetryable reports whether err is worth retrying. Unknown errors (a
// network failure before the provider answered) are retryable: the caller
// decides, from the message state, whether a resend is safe.
func IsRetryable(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Retryable
	}
	return true
}
