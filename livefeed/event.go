package livefeed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/voxdial/voxdial/store"
)

// maxMessage bounds a message: events are small (a few hundred bytes of data).
const maxMessage = 64 << 10

// message is an event on the wire: store.CallEvent's JSON.
type message struct {
	ID         int64           `json:"id"`
	CampaignID int64           `json:"campaign_id"`
	ContactID  int64           `json:"contact_id,omitempty"`
	AttemptID  int64           `json:"attempt_id,omitempty"`
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
	At         time.Time       `json:"at"`
}

// Encode is e's message.
func Encode(e *store.CallEvent) ([]byte, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return json.Marshal(message{ID: e.ID, CampaignID: e.CampaignID, ContactID: e.ContactID, AttemptID: e.AttemptID,
		Type: e.Type, Data: data, At: e.At.UTC()})
}

// Decode reads a message, checking what a dashboard relies on: a positive id, ids not
// negative, a type that is a plain word (it names the SSE event), a time, and data that is
// a JSON object.
func Decode(b []byte) (*store.CallEvent, error) {
	if len(b) > maxMessage {
		return nil, fmt.Errorf("live event of %d bytes: more than %d", len(b), maxMessage)
	}
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("live event %.60q: %w", b, err)
	}
	switch {
	case m.ID <= 0:
		return nil, fmt.Errorf("live event %.60q: id %d is not positive", b, m.ID)
	case m.CampaignID < 0 || m.ContactID < 0 || m.AttemptID < 0:
		return nil, fmt.Errorf("live event %d: a negative id", m.ID)
	case !word(m.Type):
		return nil, fmt.Errorf("live event %d: type %.40q is not a lower-case word", m.ID, m.Type)
	case m.At.IsZero():
		return nil, fmt.Errorf("live event %d: no time", m.ID)
	}
	data := bytes.TrimSpace(m.Data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		data = []byte("{}")
	}
	if data[0] != '{' {
		return nil, fmt.Errorf("live event %d: data is not a JSON object", m.ID)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return nil, fmt.Errorf("live event %d: data: %w", m.ID, err)
	}
	return &store.CallEvent{ID: m.ID, CampaignID: m.CampaignID, ContactID: m.ContactID, AttemptID: m.AttemptID,
		Type: m.Type, Data: json.RawMessage(buf.Bytes()), At: m.At.UTC()}, nil
}

// word: 1 to 64 of a-z, 0-9 and _, starting with a letter.
func word(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
