package gateway

import (
	"context"
	"time"

	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/gateway/message"
	"safecontact/keys"
)

// reconcile runs one reconciliation pass (gateway/delivery) at now.
func (sc *Scheduler) reconcile(ctx context.Context, now time.Time) (int, error) {
	return sc.s.delivery.Reconcile(ctx, now)
}

// outgoingOf is what the worker would hand the provider for m, without a
// status callback: for tests that send at the provider themselves.
func outgoingOf(p *pipeline, m db.Message, part db.Participant) (*channels.Outgoing, error) {
	numEnc := part.PhoneEnc
	if m.Channel == string(consent.WhatsApp) && len(part.WhatsappEnc) > 0 {
		numEnc = part.WhatsappEnc
	}
	num, err := p.srv.keys.Open(keys.Contact, numEnc)
	if err != nil {
		return nil, err
	}
	c, err := message.OpenContent(p.srv.keys, m.ContentEnc)
	if err != nil {
		return nil, err
	}
	return &channels.Outgoing{MessageID: m.ID.String(), Channel: m.Channel, To: string(num), Body: c.Text,
		ContentSID: c.ContentSID, ContentVariables: c.ContentVariables}, nil
}
