package voicebot

import (
	"context"
	"os"
	"strings"
	"testing"
)

// withHook is the reference script of lang with extra top-level YAML appended.
func withHook(t *testing.T, lang, extra string) *Bot {
	t.Helper()
	data, err := os.ReadFile("testdata/payment-reminder." + lang + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBot([]byte(string(data)+"\n"+extra), "hook."+lang+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOnAnger(t *testing.T) {
	t.Parallel()
	const transferEN = "on_anger:\n  threshold: 0.6\n  action: transfer\n  say: \"I'm sorry. Let me get you a person.\"\n  transfer: sip:care@example.com\n  set: {disposition: escalated_angry, tags: [angry]}\n"
	const apologizeEN = "on_anger: {action: apologize, say: \"I'm sorry for the trouble, {{first_name}}.\"}\n"
	const hangupZH = "on_anger:\n  action: hangup\n  say: \"非常抱歉打扰您，再见。\"\n  set: {disposition: ended_angry}\n"
	for _, c := range []struct {
		name, lang, hook, input string
		disposition, end        string
		onAnger                 string // the hook's action in the summary
		check                   func(t *testing.T, res Result)
	}{
		{"en transfer", "en", transferEN, "yes\nThis is ridiculous, you people are useless!\n", "escalated_angry", "transferred", "transfer",
			func(t *testing.T, res Result) {
				if res.Transfer == nil || *res.Transfer != "sip:care@example.com" {
					t.Errorf("transfer %v", res.Transfer)
				}
				var turn *Turn
				for i := range res.Transcript {
					if res.Transcript[i].Event == "on_anger" {
						turn = &res.Transcript[i]
					}
				}
				if turn == nil || turn.Anger == nil || *turn.Anger < 0.6 || !strings.HasPrefix(turn.Branch, "on_anger") {
					t.Errorf("angry turn %+v", turn)
				}
			}},
		{"en calm caller: no hook", "en", transferEN, "yes\nI'm not happy about it but yes\n", "promise_to_pay", "hangup", "",
			func(t *testing.T, res Result) {
				if res.Sentiment == nil || res.Sentiment.Angry || res.Sentiment.Turns != 2 {
					t.Errorf("sentiment %+v", res.Sentiment)
				}
			}},
		{"en opt-out wins over anger", "en", transferEN, "yes\nStop calling me, you idiots!\n", "opted_out", "hangup", "",
			func(t *testing.T, res Result) {
				if !res.OptOut || !res.Sentiment.Angry {
					t.Errorf("opt_out %v sentiment %+v", res.OptOut, res.Sentiment)
				}
			}},
		{"en apology, then the words route", "en", apologizeEN, "yes\nThis is ridiculous, I already paid!\n", "claims_paid", "hangup", "apologize",
			func(t *testing.T, res Result) {
				last := res.Transcript[len(res.Transcript)-1]
				if last.Role != "bot" || !strings.HasPrefix(last.Text, "I'm sorry for the trouble, Ana. Thank you.") {
					t.Errorf("last bot turn %q: want the apology first", last.Text)
				}
			}},
		{"zh hang up politely", "zh", hangupZH, "是的\n你们就是骗子，烦死了！\n", "ended_angry", "hangup", "hangup",
			func(t *testing.T, res Result) {
				last := res.Transcript[len(res.Transcript)-1]
				if last.Text != "非常抱歉打扰您，再见。" || res.HangupBy != ByBot {
					t.Errorf("last turn %+v hangup_by %s", last, res.HangupBy)
				}
			}},
		{"zh not angry: 不满意 is negative, not angry", "zh", hangupZH, "是的\n我不满意，但是可以\n", "", "", "", // routes as its words say
			func(t *testing.T, res Result) {
				if res.Sentiment.Min >= 0 || res.Sentiment.Angry {
					t.Errorf("sentiment %+v", res.Sentiment)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := withHook(t, c.lang, c.hook)
			vars := enVars
			if c.lang == "zh" {
				vars = zhVars
			}
			res, err := Chat(context.Background(), b, strings.NewReader(c.input), ChatOptions{Vars: vars})
			if err != nil {
				t.Fatal(err)
			}
			if (c.disposition != "" && (res.Disposition != c.disposition || res.End != c.end)) || res.Sentiment == nil || res.Sentiment.OnAnger != c.onAnger {
				t.Fatalf("disposition %q end %q sentiment %+v\n%s", res.Disposition, res.End, res.Sentiment, dump(res))
			}
			c.check(t, res)
		})
	}
}

func TestOnAngerAndInspectionLint(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ extra, field, check string }{
		{"on_anger: {say: sorry}", "on_anger.action", CheckMissingField},
		{"on_anger: {action: shout, say: sorry}", "on_anger.action", CheckBadValue},
		{"on_anger: {action: transfer, say: sorry}", "on_anger.transfer", CheckMissingField},
		{"on_anger: {action: transfer, transfer: nowhere}", "on_anger.transfer", CheckBadValue},
		{"on_anger: {action: apologize}", "on_anger.say", CheckMissingField},
		{"on_anger: {action: apologize, say: \"sorry {{nobody}}\"}", "on_anger.say", CheckUnknownVariable},
		{"on_anger: {action: hangup, threshold: 2}", "on_anger.threshold", CheckBadValue},
		{"on_anger: {action: hangup, mood: x}", "on_anger.mood", CheckUnknownField},
		{"inspection: {max_silence: 3}", "inspection.max_silence", CheckBadValue},
		{"inspection: {forbidden: word}", "inspection.forbidden", CheckSyntax},
	} {
		_, ps := Lint([]byte(string(data)+"\n"+c.extra+"\n"), "x.yaml", LintOptions{})
		found := false
		for _, p := range ps {
			found = found || (p.Field == c.field && p.Check == c.check && p.Line > 0)
		}
		if !found {
			t.Errorf("%s: want %s on %s, got %v", c.extra, c.check, c.field, ps)
		}
	}
	b, ps := Lint([]byte(string(data)+"\ninspection:\n  forbidden: [guaranteed]\n  max_talk_over: 0.2\n"), "x.yaml", LintOptions{})
	if len(ps) > 0 || b.Inspection == nil || b.Inspection.Disclosure != b.Disclosure || b.Inspection.MaxTalkOver != 0.2 {
		t.Errorf("problems %v, rules %+v", ps, b.Inspection)
	}
}
