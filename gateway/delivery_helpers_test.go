package gateway_test

import (
	"safecontact/channels"
	"safecontact/consent"
	"safecontact/db"
	"safecontact/gateway/message"
	"safecontact/keys"
)

// outgoingOf is what the worker would hand the provider for m, without a
// status callback: for tests that send at the provider themselves.
func outgoingOf(p *pipeline, m db.Message, part db.Participant) (*channels.Outgoing, error) {
	numEnc := part.PhoneEnc
	if m.Channel == string(consent.WhatsApp) && len(part.WhatsappEnc) > 0 {
		numEnc = part.WhatsappEnc
	}
	num, err := p.Server.Keys().Open(keys.Contact, numEnc)
	if err != nil {
		return nil, err
	}
	c, err := message.OpenContent(p.Server.Keys(), m.ContentEnc)
	if err != nil {
		return nil, err
	}
	return &channels.Outgoing{MessageID: m.ID.String(), Channel: m.Channel, To: string(num), Body: c.Text,
		ContentSID: c.ContentSID, ContentVariables: c.ContentVariables}, nil
}
