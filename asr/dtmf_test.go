package asr_test

import (
	"context"
	"errors"
	"testing"

	"github.com/voxdial/voxdial/asr"
)

func TestDTMFOnly(t *testing.T) {
	t.Parallel()
	eng := &asr.DTMF{}
	g := &asr.Grammar{Name: "greet", DTMF: map[string]string{"1": "yes", "2": "no", "9": "opt_out"}}
	r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: g})
	if err != nil {
		t.Fatal(err)
	}
	res := collect(r)
	if err := r.Write(make([]int16, 8000)); err != nil {
		t.Fatal(err)
	}
	for _, d := range "195" {
		if err := r.WriteDTMF(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.SetGrammar(&asr.Grammar{Name: "next", DTMF: map[string]string{"5": "agent"}}); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteDTMF('5'); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	all := <-res
	want := []struct{ digit, intent string }{{"1", "yes"}, {"9", "opt_out"}, {"5", ""}, {"5", "agent"}}
	if len(all) != len(want) {
		t.Fatalf("results %+v", all)
	}
	for i, w := range want {
		if all[i].Kind != asr.KindDTMF || all[i].DTMF != w.digit || all[i].Intent != w.intent {
			t.Errorf("%d: %+v, want %v", i, all[i], w)
		}
	}
	if all[0].Start != 1e9 {
		t.Errorf("timestamp %v, want 1s (8000 samples written before)", all[0].Start)
	}
	if _, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: &asr.Grammar{Name: "x", DTMF: map[string]string{"Z": "a"}}}); !errors.Is(err, asr.ErrBadGrammar) {
		t.Errorf("bad key: %v", err)
	}
}

func TestMatchIntent(t *testing.T) {
	t.Parallel()
	g := &asr.Grammar{Name: "g", Intents: []asr.Intent{
		{Name: "yes", Phrases: []string{"yes", "that's me"}},
		{Name: "no", Phrases: []string{"no", "not really", "wrong number"}},
		{Name: "opt_out", Phrases: []string{"don't call", "stop calling"}},
		{Name: "zh_no", Phrases: []string{"不是", "打错了"}},
		{Name: "zh_agent", Phrases: []string{"转人工"}},
	}}
	cases := map[string]string{
		"Yes.":                                "yes",
		"uh, that’s me":                       "yes",
		"no I don't think so":                 "no",
		"not really, no":                      "no",
		"please DON'T CALL me again":          "opt_out",
		"nothing":                             "",
		"yesterday":                           "",
		"":                                    "",
		"不是，你们打错了":                            "zh_no",
		"我要 转 人工":                             "zh_agent",
		"I said stop calling, not really yes": "opt_out",
	}
	for text, want := range cases {
		if got := g.MatchIntent(text); got != want {
			t.Errorf("%q → %q, want %q", text, got, want)
		}
	}
}
