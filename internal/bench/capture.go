package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/voxdial/voxdial/voicebot"
)

// CaptureOptions configure CaptureEval.
type CaptureOptions struct {
	// Bots are the scripts by language ("en", "zh"): the payment-capture examples
	// (voicebot/testdata/payment-capture.*.yaml) or scripts with the same states,
	// slots and knowledge entries.
	Bots map[string]*voicebot.Bot
	Vars map[string]map[string]string // contact variables by language
	// Conversations per language (default 200), from Seed.
	Conversations int
	Seed          uint64
}

// CaptureReport is the accuracy of captured slots (per language and slot type) and of
// knowledge answers, over generated text conversations.
type CaptureReport struct {
	Common
	Conversations int                            `json:"conversations"`
	Slots         map[string]map[string]Accuracy `json:"slots"`     // lang → slot type → accuracy
	Knowledge     map[string]Accuracy            `json:"knowledge"` // lang → paraphrased questions answered by the right entry
	// Unmatched: questions no entry covers, which must get no answer (and be noted).
	Unmatched map[string]Accuracy `json:"unmatched"`
	Returned  map[string]Accuracy `json:"returned"` // knowledge answers after which the state's question came again
	Turns     int                 `json:"turns"`
	USPerTurn float64             `json:"us_per_turn"` // wall time of the whole chat per caller turn
	Misses    []string            `json:"misses,omitempty"`
}

// Accuracy is right out of total.
type Accuracy struct {
	Right int     `json:"right"`
	Total int     `json:"total"`
	Rate  float64 `json:"rate"`
}

func (a *Accuracy) add(ok bool) {
	a.Total++
	if ok {
		a.Right++
	}
	a.Rate = float64(int(float64(a.Right)/float64(a.Total)*10000+0.5)) / 10000
}

// slotState is the script state that captures each slot, in call order, and its type.
var slotStates = []struct{ state, slot, kind string }{
	{"verify", "account_last4", "digits"}, {"reminder", "will_pay", "yes_no"}, {"ask_date", "pay_date", "date"},
	{"ask_amount", "pay_amount", "amount"}, {"ask_time", "best_time", "time"}, {"ask_sms", "sms_reminder", "yes_no"},
	{"ask_note", "note", "text"}, {"rate", "satisfaction", "number"},
}

// CaptureEval runs generated conversations through each script (voicebot.Chat, the
// same machine as a live call): every slot answered in a phrasing drawn at random, the
// call's date drawn at random, and in some states a paraphrased knowledge question (or
// one no entry covers) asked before the answer. The expected values are computed by
// the generator from what it chose to say, not by the parsers.
func CaptureEval(ctx context.Context, opts CaptureOptions) (*CaptureReport, error) {
	if opts.Conversations <= 0 {
		opts.Conversations = 200
	}
	mt := startMeter()
	rep := &CaptureReport{Conversations: opts.Conversations, Slots: map[string]map[string]Accuracy{},
		Knowledge: map[string]Accuracy{}, Unmatched: map[string]Accuracy{}, Returned: map[string]Accuracy{}}
	var chatTime time.Duration
	for _, lang := range []string{"en", "zh"} {
		b := opts.Bots[lang]
		if b == nil {
			return nil, usage("capture eval: no %s script", lang)
		}
		rng := rand.New(rand.NewPCG(opts.Seed, uint64(len(lang))))
		slots := map[string]Accuracy{}
		kn, un, back := Accuracy{}, Accuracy{}, Accuracy{}
		for i := 0; i < opts.Conversations; i++ {
			today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(730))
			g := &gen{rng: rng, today: today, zh: lang == "zh"}
			var lines []string
			lines = append(lines, map[bool]string{false: "yes", true: "是的"}[g.zh])
			want := map[string]string{}
			type asked struct{ state, entry, text string }
			var questions []asked
			for _, s := range slotStates {
				if s.kind != "text" && rng.IntN(4) == 0 { // a question is a fine note: not asked there
					q, entry := g.question()
					lines = append(lines, q)
					questions = append(questions, asked{s.state, entry, q})
				}
				say, v := g.slot(s.kind, s.slot)
				lines = append(lines, say)
				want[s.slot] = v
			}
			t0 := time.Now()
			res, err := voicebot.Chat(ctx, b, strings.NewReader(strings.Join(lines, "\n")+"\n"), voicebot.ChatOptions{Vars: opts.Vars[lang], Today: today})
			chatTime += time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("capture eval %s #%d: %w", lang, i, err)
			}
			rep.Turns += len(lines)
			first := true // a miss derails the rest of the call: only the first is listed
			for _, s := range slotStates {
				a := slots[s.kind]
				ok := res.Captured[s.slot] == want[s.slot]
				a.add(ok)
				slots[s.kind] = a
				if !ok && first && len(rep.Misses) < 60 {
					first = false
					rep.Misses = append(rep.Misses, fmt.Sprintf("%s %s %s: said %q, got %q, want %q (today %s)", lang, s.kind, s.slot,
						sayingOf(res, s.state), res.Captured[s.slot], want[s.slot], today.Format("2006-01-02 Mon")))
				}
			}
			for _, q := range questions {
				got := knowledgeIn(res, q.state)
				if q.entry == "" {
					ok := got == "" && containsNoted(res, q.state)
					un.add(ok)
					if !ok && len(rep.Misses) < 60 {
						rep.Misses = append(rep.Misses, fmt.Sprintf("%s unmatched %q in %s: answered by %q", lang, q.text, q.state, got))
					}
					continue
				}
				kn.add(got == q.entry)
				if got != q.entry && len(rep.Misses) < 60 {
					rep.Misses = append(rep.Misses, fmt.Sprintf("%s knowledge %q in %s: got %q, want %q", lang, q.text, q.state, got, q.entry))
				}
				if got != "" {
					back.add(reasked(res, q.state))
				}
			}
		}
		rep.Slots[lang], rep.Knowledge[lang], rep.Unmatched[lang], rep.Returned[lang] = slots, kn, un, back
	}
	if rep.Turns > 0 {
		rep.USPerTurn = float64(chatTime.Microseconds()) / float64(rep.Turns)
	}
	rep.Common = mt.common()
	return rep, nil
}

// sayingOf is what the caller said in a state (the last turn with words).
func sayingOf(res voicebot.Result, state string) string {
	s := ""
	for _, t := range res.Transcript {
		if t.Role == "caller" && t.State == state && (t.Text != "" || t.DTMF != "") {
			s = t.Text + t.DTMF
		}
	}
	return s
}

func knowledgeIn(res voicebot.Result, state string) string {
	for _, t := range res.Transcript {
		if t.Role == "caller" && t.State == state && t.Knowledge != "" {
			return t.Knowledge
		}
	}
	return ""
}

func containsNoted(res voicebot.Result, state string) bool {
	for _, t := range res.Transcript {
		if t.Role == "caller" && t.State == state && t.Knowledge == "" && t.Text != "" {
			for _, u := range res.Unanswered {
				if u == strings.TrimSpace(t.Text) {
					return true
				}
			}
		}
	}
	return false
}

// reasked: after the knowledge answer in state, the state's question was said again.
func reasked(res voicebot.Result, state string) bool {
	answered := false
	for _, t := range res.Transcript {
		if t.Role != "bot" || t.State != state {
			continue
		}
		if t.Knowledge != "" {
			answered = true
			continue
		}
		if answered && t.Text != "" {
			return true
		}
	}
	return false
}
