package message

import (
	"encoding/json"

	"safecontact/db"
	"safecontact/keys"
	"safecontact/templates"
)

// Content is what the phone will show, sealed (keys.Body) in
// messages.content_enc.
type Content struct {
	Text             string            `json:"text"`
	ContentSID       string            `json:"content_sid,omitempty"`
	ContentVariables map[string]string `json:"content_variables,omitempty"`
}

// Seal is c sealed as messages.content_enc holds it.
func Seal(k *keys.Ring, c Content) []byte {
	sealed, _ := json.Marshal(c)
	return k.Seal(keys.Body, sealed)
}

// OpenContent opens a sealed messages.content_enc.
func OpenContent(k *keys.Ring, enc []byte) (Content, error) {
	var c Content
	raw, err := k.Open(keys.Body, enc)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(raw, &c)
	return c, err
}

// SealContent is a rendered text sealed as messages.content_enc holds it.
func (s *Service) SealContent(r templates.Rendered) []byte {
	return Seal(s.d.Keys, Content{Text: r.Text, ContentSID: r.ContentSID, ContentVariables: r.ContentVariables})
}

// MessageText opens the text of a stored message; "" if it was erased.
func (s *Service) MessageText(m db.Message) (string, error) {
	if len(m.ContentEnc) == 0 {
		return "", nil
	}
	c, err := OpenContent(s.d.Keys, m.ContentEnc)
	return c.Text, err
}
