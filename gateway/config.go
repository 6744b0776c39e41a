package gateway

import "time"

// Config is what a deployment tunes. cmd/gateway fills it from flags and
// the environment.
type Config struct {
	// DefaultRegion (ISO 3166 alpha-2) reads phone numbers typed without +.
	DefaultRegion string
	// ConsentReviewAge: consent older than this shows consent_review_due.
	ConsentReviewAge time.Duration
	// TrustedProxies: client IPs for the audit come from X-Forwarded-For
	// only when the peer is one of these.
	TrustedProxies []string
	// PublicURL is how Twilio reaches this gateway (e.g.
	// https://gw.example.org); webhook signatures are computed over it.
	PublicURL string
	// TwilioAuthToken verifies webhook signatures.
	TwilioAuthToken string
}

func (c *Config) setDefaults() {
	if c.DefaultRegion == "" {
		c.DefaultRegion = "ES"
	}
	if c.ConsentReviewAge == 0 {
		c.ConsentReviewAge = 90 * 24 * time.Hour
	}
}
