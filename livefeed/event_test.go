package livefeed

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	at := `"at":"2026-05-01T10:00:00.123Z"`
	cases := []struct {
		msg  string
		ok   bool
		data string
	}{
		{`{"id":1,"campaign_id":2,"contact_id":3,"attempt_id":4,"type":"attempt_finished","data":{"outcome": "busy"},` + at + `}`, true, `{"outcome":"busy"}`},
		{`{"id":1,"campaign_id":2,"type":"campaign_start",` + at + `}`, true, `{}`},
		{`{"id":1,"campaign_id":2,"type":"gate_hold","data":null,` + at + `,"node":"b"}`, true, `{}`},
		{`{"id":0,"campaign_id":2,"type":"x",` + at + `}`, false, ""},
		{`{"id":1,"campaign_id":-2,"type":"x",` + at + `}`, false, ""},
		{`{"id":1,"campaign_id":2,"type":"X-Y",` + at + `}`, false, ""},
		{`{"id":1,"campaign_id":2,"type":"",` + at + `}`, false, ""},
		{`{"id":1,"campaign_id":2,"type":"x"}`, false, ""},
		{`{"id":1,"campaign_id":2,"type":"x","data":[1],` + at + `}`, false, ""},
		{`{"id":1,"campaign_id":2,"type":"x","data":"s",` + at + `}`, false, ""},
		{`{"id":"1","campaign_id":2,"type":"x",` + at + `}`, false, ""},
		{`{"id":1,"campaign_id":2,"type":"x","data":{},` + at + `,"pad":"` + strings.Repeat("a", maxMessage) + `"}`, false, ""},
		{`[]`, false, ""},
	}
	for _, c := range cases {
		e, err := Decode([]byte(c.msg))
		if (err == nil) != c.ok {
			t.Errorf("Decode(%.80s): %v, want ok=%v", c.msg, err, c.ok)
			continue
		}
		if c.ok && string(e.Data) != c.data {
			t.Errorf("Decode(%.80s): data %s, want %s", c.msg, e.Data, c.data)
		}
	}
}

// FuzzDecode: any message decodes without panicking, and what it accepts is an event a
// dashboard can stream (a word for a type, a one-line JSON object for data) that encodes
// and decodes back to itself.
func FuzzDecode(f *testing.F) {
	seed, _ := Encode(&store.CallEvent{ID: 7, CampaignID: 1, ContactID: 2, AttemptID: 3, Type: "attempt_finished",
		Data: json.RawMessage(`{"outcome":"answered"}`), At: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)})
	f.Add(seed)
	f.Add([]byte(`{"id":1,"type":"a","at":"2026-05-01T10:00:00Z","data":{"k":"v\n"}}`))
	f.Add([]byte(`{"id":1,"type":"a","at":"2026-05-01T10:00:00Z","data":  {  } }`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			return
		}
		if e.ID <= 0 || !word(e.Type) || e.At.IsZero() || len(e.Data) == 0 || e.Data[0] != '{' ||
			strings.ContainsAny(string(e.Data), "\r\n") || !json.Valid(e.Data) {
			t.Fatalf("accepted %q as %+v", b, e)
		}
		again, err := Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := Decode(again)
		if err != nil || e2.ID != e.ID || e2.Type != e.Type || !e2.At.Equal(e.At) || string(e2.Data) != string(e.Data) ||
			e2.CampaignID != e.CampaignID || e2.ContactID != e.ContactID || e2.AttemptID != e.AttemptID {
			t.Fatalf("round trip %+v → %s → %+v, %v", e, again, e2, err)
		}
	})
}
