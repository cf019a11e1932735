package asr

import (
	"errors"
	"testing"
)

func FuzzVoskParse(f *testing.F) {
	for _, s := range []string{`{"partial" : "yes"}`, `{"result":[{"word":"yes","start":0.5,"end":0.8,"conf":1}],"text":"yes"}`,
		`{"text":""}`, `{"result":[{"word":"x","start":2,"end":1,"conf":1}],"text":"x"}`, `[]`, `{"partial": 3}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := voskProto{}.parse(data)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		ev := evs[0]
		if ev.start < 0 || ev.end < ev.start || ev.confidence < 0 || ev.confidence > 1.0001 {
			t.Fatalf("event out of range: %+v", ev)
		}
	})
}

func FuzzFunASRParse(f *testing.F) {
	for _, s := range []string{`{"mode":"2pass-online","text":"不","is_final":false}`, `{"mode":"2pass-offline","text":"不是","is_final":true}`,
		`{"mode":"offline","text":""}`, `{"mode":"x","text":"y"}`, `{"text":"y"}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := (&funasrProto{}).parse(data)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if len(evs) != 1 || (evs[0].final && evs[0].increment) {
			t.Fatalf("events %+v", evs)
		}
	})
}
