package voicebot

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden chat transcripts in testdata/golden")

var (
	enVars = map[string]string{"first_name": "Ana", "amount": "120.50", "due_date": "2026-12-01"}
	zhVars = map[string]string{"surname": "王", "amount": "120.50", "due_date": "2026-12-01"}
)

type chatCase struct {
	name, input, disposition, end string
	optOut, transfer, callback    bool
}

var enChats = []chatCase{
	{"promise", "yes\nyes\n", "promise_to_pay", "hangup", false, false, false},
	{"promise-dtmf", "#dtmf 1\n#dtmf 1\n", "promise_to_pay", "hangup", false, false, false},
	{"paid-misrecognised", "yeah that's me\nuh I already payed it\n", "claims_paid", "hangup", false, false, false},
	{"callback", "speaking\ncan you call me later\n", "callback_requested", "hangup", false, false, true},
	{"offer-agent-yes", "yes\nno\nyes\n", "transferred", "transferred", false, true, false},
	{"offer-agent-dtmf", "yes\n#dtmf 2\n#dtmf 1\n", "transferred", "transferred", false, true, false},
	{"offer-agent-no", "yes\nnope\nno\n", "no_commitment", "hangup", false, false, false},
	{"offer-agent-dtmf-no", "yes\n#dtmf 2\n#dtmf 2\n", "no_commitment", "hangup", false, false, false},
	{"offer-agent-silence", "yes\n#dtmf 2\n#silence\n", "no_commitment", "hangup", false, false, false},
	{"offer-agent-no-match", "yes\n#dtmf 2\nwhat is the weather\n", "no_commitment", "hangup", false, false, false},
	{"reminder-exhausted", "yes\n#silence\nbanana\n#dtmf 7\nno\n", "no_commitment", "hangup", false, false, false},
	{"global-agent", "yes\nget me a real person\n", "transferred", "transferred", false, true, false},
	{"wrong-person", "no, wrong number\n", "wrong_party", "hangup", false, false, false},
	{"wrong-person-dtmf", "#dtmf 2\n", "wrong_party", "hangup", false, false, false},
	{"unreached", "#silence\n#silence\n#silence\n", "no_response", "hangup", false, false, false},
	{"unreached-no-match", "hello?\n#silence\nwho is this\n", "no_response", "hangup", false, false, false},
	{"greet-retry-then-yes", "#silence\nhmm what\nyes\n#dtmf 1\n", "promise_to_pay", "hangup", false, false, false},
	// Two requests to hear the question again are free; the third counts as a retry.
	{"repeat-on-request", "sorry what?\ncan you say that again please\npardon?\nyes\n#dtmf 1\n", "promise_to_pay", "hangup", false, false, false},
	{"opt-out-global", "yes\nno, stop calling me\n", "opted_out", "hangup", true, false, false},
	{"opt-out-dtmf", "#dtmf 9\n", "opted_out", "hangup", true, false, false},
	{"opt-out-over-goodbye", "yes\nyes\n", "promise_to_pay", "hangup", false, false, false},
	{"voicemail", "#machine\n", "voicemail_left", "voicemail", false, false, false},
	{"caller-hangs-up", "yes\n#hangup\n", "", "caller_hangup", false, false, false},
	{"end-of-input", "yes\n", "", "caller_hangup", false, false, false},
}

var zhChats = []chatCase{
	{"promise", "是的\n可以\n", "promise_to_pay", "hangup", false, false, false},
	{"repeat-on-request", "你说什么？\n是的\n可以\n", "promise_to_pay", "hangup", false, false, false},
	{"paid", "对\n我已经还了\n", "claims_paid", "hangup", false, false, false},
	{"paid-homophone", "我是\n以经还过了\n", "claims_paid", "hangup", false, false, false},
	{"callback", "是\n我现在不方便\n", "callback_requested", "hangup", false, false, true},
	{"no-transfers", "是的\n不行\n", "transferred", "transferred", false, true, false},
	{"agent", "是的\n帮我转人工\n", "transferred", "transferred", false, true, false},
	{"reminder-exhausted", "是的\n#silence\n#silence\n#silence\n", "transferred", "transferred", false, true, false},
	{"wrong-person", "不是，你打错了\n", "wrong_party", "hangup", false, false, false},
	{"unreached", "#silence\n喂？\n#silence\n", "no_response", "hangup", false, false, false},
	{"opt-out", "是的\n别在打了\n", "opted_out", "hangup", true, false, false},
	{"opt-out-dtmf", "#dtmf 9\n", "opted_out", "hangup", true, false, false},
	{"dtmf", "#dtmf 1\n#dtmf 2\n", "transferred", "transferred", false, true, false},
	{"dtmf-wrong-person", "#dtmf 2\n", "wrong_party", "hangup", false, false, false},
	{"dtmf-promise", "是\n#dtmf 1\n", "promise_to_pay", "hangup", false, false, false},
	{"no-match-then-yes", "是的\n今天天气不错\n好的\n", "promise_to_pay", "hangup", false, false, false},
	{"voicemail", "#machine\n", "voicemail_left", "voicemail", false, false, false},
}

func TestChatExamplesGolden(t *testing.T) {
	t.Parallel()
	for _, s := range []struct {
		lang  string
		vars  map[string]string
		cases []chatCase
	}{{"en", enVars, enChats}, {"zh", zhVars, zhChats}} {
		b := loadExample(t, s.lang)
		taken := map[string]bool{}
		dispositions := map[string]bool{}
		for _, c := range s.cases {
			res, err := Chat(context.Background(), b, strings.NewReader(c.input), ChatOptions{Vars: s.vars})
			if err != nil {
				t.Fatalf("%s/%s: %v", s.lang, c.name, err)
			}
			name := s.lang + "-" + c.name
			if res.Disposition != c.disposition || res.End != c.end || res.OptOut != c.optOut ||
				(res.Transfer != nil) != c.transfer || (res.Callback != nil) != c.callback {
				t.Errorf("%s: got disposition %q end %q opt_out %v transfer %v callback %v\n%s", name,
					res.Disposition, res.End, res.OptOut, res.Transfer, res.Callback, dump(res))
			}
			dispositions[res.Disposition] = true
			for _, turn := range res.Transcript {
				if turn.Branch != "" {
					taken[turn.State+": "+strings.Fields(turn.Branch)[0]+" "+branchKey(turn.Branch)] = true
				}
			}
			golden(t, name, dump(res))
		}
		// Every branch of every listening state was taken by some conversation.
		var missing []string
		for _, name := range b.Order {
			st := b.States[name]
			if st.Listen == nil {
				continue
			}
			var keys []string
			for _, br := range st.Listen.Intents {
				keys = append(keys, br.Key+" ")
			}
			for _, br := range st.Listen.DTMF {
				keys = append(keys, "dtmf "+br.Key)
			}
			keys = append(keys, "no_input ", "no_match ")
			if st.Listen.Exhausted != "" {
				keys = append(keys, "exhausted ")
			}
			for _, k := range keys {
				if !taken[name+": "+k] && !(k == "exhausted " && (taken[name+": no_input exhausted"] || taken[name+": no_match exhausted"] || taken[name+": dtmf exhausted"])) {
					missing = append(missing, name+": "+k)
				}
			}
		}
		for _, g := range b.Global {
			found := false
			for k := range taken {
				found = found || strings.Contains(k, ": global "+g.Key)
			}
			if !found {
				missing = append(missing, "global "+g.Key)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			t.Errorf("%s: branches never taken: %v\ntaken: %v", s.lang, missing, taken)
		}
		for _, name := range b.Order {
			if d := b.States[name].Set; d != nil && !dispositions[d.Disposition] {
				t.Errorf("%s: disposition %s never reached", s.lang, d.Disposition)
			}
		}
	}
}

// branchKey picks the second word of "dtmf 1 → x" / "global opt_out → x" / the
// "exhausted" marker, so that branches are counted per key.
func branchKey(branch string) string {
	f := strings.Fields(branch)
	if strings.Contains(branch, "exhausted") {
		return "exhausted"
	}
	if len(f) > 1 && (f[0] == "dtmf" || f[0] == "global") {
		return f[1]
	}
	return ""
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run go test -run TestChatExamplesGolden -update)", name, err)
	}
	if strings.TrimSpace(string(want)) != strings.TrimSpace(got) {
		t.Errorf("%s: transcript differs from %s:\n%s", name, path, got)
	}
}

func TestChatTransferFails(t *testing.T) {
	t.Parallel()
	res, err := Chat(context.Background(), loadExample(t, "en"), strings.NewReader("yes\nagent\n"), ChatOptions{Vars: enVars, TransferFails: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Disposition != "transfer_failed" || res.Transfer != nil || res.End != "transfer_failed" || res.HangupBy != ByBot {
		t.Fatal(dump(res))
	}
}

func TestChatBadInputAndVars(t *testing.T) {
	t.Parallel()
	b := loadExample(t, "en")
	for _, c := range []struct {
		input string
		vars  map[string]string
		want  error
		text  string
	}{
		{"#dtmf 1x\n", enVars, ErrChatInput, "line 1"},
		{"# comment\n\n#frobnicate\n", enVars, ErrChatInput, "line 3"},
		{"yes\n", map[string]string{"first_name": "Ana"}, ErrMissingVariable, "amount, due_date"},
		{"yes\n", map[string]string{"first_name": "Ana", "amount": "lots", "due_date": "2026-12-01"}, nil, "amount | currency"},
		{"yes\n", map[string]string{"first_name": "Ana", "amount": "1", "due_date": "someday"}, nil, "reminder.say"},
	} {
		_, err := Chat(context.Background(), b, strings.NewReader(c.input), ChatOptions{Vars: c.vars})
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%q %v: %v, want %v mentioning %q", c.input, c.vars, err, c.want, c.text)
		}
	}
}

func TestSpeakingTime(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{"": "300ms", "yes": "350ms", "Yes. Goodbye.": "1.1s", "您好。": "700ms"} {
		if got := fmt.Sprint(SpeakingTime(text)); got != want {
			t.Errorf("%q: %s, want %s", text, got, want)
		}
	}
}
