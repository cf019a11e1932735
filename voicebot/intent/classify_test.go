package intent

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func enClassifier(t testing.TB) *Classifier {
	t.Helper()
	return New(scriptIntents(t, "en"), Options{})
}

func TestNegation(t *testing.T) {
	t.Parallel()
	en := enClassifier(t)
	zh := New(scriptIntents(t, "zh"), Options{})
	cases := []struct {
		c          *Classifier
		text, want string
		flipped    bool
	}{
		// A negated phrase is not that phrase: it flips to the negative answer.
		{en, "i don't want an agent", "no", true},
		{en, "i did not pay", "no", true},
		{en, "that's not correct", "no", true},
		{en, "i never paid it", "no", true},
		{en, "i can't pay by then", "no", true},
		{en, "absolutely not", "no", false},
		// A verb of opinion passes the negation on to what is thought.
		{en, "i don't think i can", "no", true},
		{en, "i don't think i'll be able to pay by then", "no", true},
		{en, "i don't reckon i can", "no", true},
		// A phrase that carries its own negation still matches.
		{en, "do not call me again", "opt_out", false},
		{en, "never call me again", "opt_out", false},
		{en, "never call again", "opt_out", false},
		// "Not interested" is a no of its own, not a cue for the request after it.
		{en, "i'm not interested stop calling me", "opt_out", false},
		{en, "i'm not interested", "no", false},
		{en, "now is not a good time", "later", false},
		// The scope ends at a clause break, and at a question word that opens a clause.
		{en, "no i already paid", "paid", false},
		{en, "i don't know why you are calling", "no", false},
		{en, "i paid it in full yesterday so i don't know why you're ringing", "paid", false},
		{en, "i haven't paid and i can't", "no", true},
		{zh, "不要转人工", "no", true},
		{zh, "不可以", "no", false}, // 不行 is a listed phrase: 行 reads 可以
		{zh, "不要再打了", "opt_out", false},
		{zh, "已经还了", "paid", false},
	}
	for _, c := range cases {
		r := c.c.Classify(c.text, nil)
		if r.Intent != c.want || r.Flipped != c.flipped {
			t.Errorf("%q (%s): got %s flipped %v (%+v), want %s flipped %v", c.text, Normalize(c.text), r.Intent, r.Flipped, r, c.want, c.flipped)
		}
	}
	// Without a negative-answer intent among the allowed ones, a negated phrase is void.
	if r := en.Classify("i don't want an agent", []string{"agent", "yes"}); r.Intent != "" {
		t.Errorf("negated agent with no 'no' allowed: %+v", r)
	}
}

// TestAnswerParticlePreface: "yes" before another intent's answer is a preface; the
// answer after it routes, where "yes" alone would have (its one word matches its
// phrase in full and outweighed a paraphrase matched in part).
func TestAnswerParticlePreface(t *testing.T) {
	t.Parallel()
	en := enClassifier(t)
	zh := New(scriptIntents(t, "zh"), Options{})
	cases := []struct {
		c       *Classifier
		text    string
		allowed []string
		want    string
	}{
		{en, "yes that's paid", nil, "paid"},
		{en, "yes let me speak to a person", nil, "agent"},
		{en, "yes can i talk to someone", nil, "agent"},
		{en, "no call me later", nil, "later"},
		// The same intent after the particle, or nothing that routes: the particle.
		{en, "yes that's me", nil, "yes"},
		{en, "yes i can pay", nil, "yes"},
		{en, "yes the weather is nice", nil, "yes"},
		// A "no" does not give way to a yes: it declines.
		{en, "no i'm fine thanks", nil, "no"},
		{en, "no that's fine", nil, "no"},
		{en, "no way i can pay that", nil, "no"},
		// The state's intents only: what it cannot hear does not take the particle's place.
		{en, "yes that's paid", []string{"yes", "no"}, "yes"},
		// Characters are no words: the first one is no particle.
		{zh, "好呀，到期我就还", nil, "yes"},
	}
	for _, c := range cases {
		if r := c.c.Classify(c.text, c.allowed); r.Intent != c.want || r.Verdict != VerdictMatch {
			t.Errorf("%q %v: got %s %s (%.3f), want %s", c.text, c.allowed, r.Intent, r.Verdict, r.Score, c.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Don’t call me!":      "do not !call !me",
		"I'm calling":         "i am call",
		"stopped phoning":     "stop call",
		"uh huh":              "yes",
		"um, I already payed": "i already paid",
		"representatives":     "agent",
		"我已经还了":               "我 已 经 还 了",
		"别再打了":                "不 !要 !再 !打 !了",
		"ＹＥＳ":                 "yes",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestThresholds(t *testing.T) {
	t.Parallel()
	intents := scriptIntents(t, "en")
	// A strict threshold on opt_out: a paraphrase scores under it and is not routed,
	// while the listed phrase still is.
	for i := range intents {
		if intents[i].Name == "opt_out" {
			intents[i].MinConfidence = 0.999
		}
	}
	c := New(intents, Options{})
	if got := c.MinConfidence("opt_out"); got != 0.999 {
		t.Fatalf("MinConfidence(opt_out) = %v", got)
	}
	if got := c.MinConfidence("yes"); got != DefaultMinConfidence {
		t.Fatalf("MinConfidence(yes) = %v", got)
	}
	r := c.Classify("i want you to stop phoning me about this", nil)
	if r.Intent != "opt_out" || r.Verdict != VerdictLow {
		t.Errorf("paraphrase under a strict threshold: %+v, want opt_out low_confidence", r)
	}
	if r := c.Classify("yes", nil); r.Verdict != VerdictMatch || r.Intent != "yes" || !r.Exact {
		t.Errorf("yes: %+v", r)
	}
	// Off-topic speech is no_match, not forced into an intent.
	for _, s := range []string{"", "what's the weather like", "the traffic was awful this morning"} {
		if r := c.Classify(s, nil); r.Verdict != VerdictNoMatch {
			t.Errorf("%q: %+v, want no_match", s, r)
		}
	}
	// Restricted to the state's intents.
	if r := c.Classify("yes i already paid", []string{"yes", "no"}); r.Intent != "yes" {
		t.Errorf("restricted: %+v", r)
	}
}

func TestScoreOneMeansExact(t *testing.T) {
	t.Parallel()
	c := enClassifier(t)
	for _, s := range []string{"stop calling", "do not call", "real person", "already paid"} {
		r := c.Classify(s, nil)
		if !r.Exact || r.Score < 0.95 || r.Verdict != VerdictMatch {
			t.Errorf("%q: %+v", s, r)
		}
	}
	r := c.Classify("is this a real person or what", nil)
	if r.Score >= 0.95 {
		t.Errorf("a question scores %.3f", r.Score)
	}
}

// TestSharedWordIsNoEvidence: a key word that phrases of two intents have ("call" in
// "call back" and in "stop calling") is evidence for neither unless the rest of the
// phrase's words are there too; the match still counts against the best's margin.
func TestSharedWordIsNoEvidence(t *testing.T) {
	t.Parallel()
	c := enClassifier(t)
	local := []string{"yes", "no", "later", "paid"} // the reminder state's own intents
	cases := []struct {
		text    string
		allowed []string
		want    string // "" no intent routed
	}{
		{"calling", nil, ""},
		{"that's calling", nil, ""},     // "stop calling" misheard, over a prompt
		{"that's calling", local, ""},   // the same with the global intents apart
		{"call me", local, ""},          // "call me later" without its "later"
		{"stop", nil, "opt_out"},        // "stop" is opt_out's alone
		{"later", local, "later"},       // "later" is later's alone
		{"call me later", nil, "later"}, // the whole phrase
		{"don't call me", nil, "opt_out"},
		{"never call me again", nil, "opt_out"}, // the cue and the shared word: the phrase's non-stop words all there
	}
	for _, tc := range cases {
		r := c.Classify(tc.text, tc.allowed)
		got := r.Intent
		if r.Verdict != VerdictMatch {
			got = ""
		}
		if got != tc.want {
			t.Errorf("%q among %v: routed %q (%+v), want %q", tc.text, tc.allowed, got, r, tc.want)
		}
	}
	// The half match of "stop calling" in "call me later" is a rival: the margin is not 1.
	if r := c.Classify("call me later", nil); r.Features.Margin >= 1 {
		t.Errorf("\"call me later\": margin %.2f, want the shared word's rival counted", r.Features.Margin)
	}
	// Samples (what the model is fitted on) see the match before the veto.
	if s := Samples(c, []Labelled{{Intent: "none", Text: "who's calling"}}); len(s) != 1 || s[0].Right {
		t.Errorf("samples of an ambiguous wrong match: %+v", s)
	}
}

func TestReadSet(t *testing.T) {
	t.Parallel()
	set, err := ReadSet(strings.NewReader("# comment\nyes | ok\n\nnone | hold on | rec/hold-on.wav\n"), "x.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Labelled{{Intent: "yes", Text: "ok", Line: 2}, {Intent: "none", Text: "hold on", Line: 4, Recording: "rec/hold-on.wav"}}
	if !reflect.DeepEqual(set, want) {
		t.Errorf("set = %+v, want %+v", set, want)
	}
}

func TestReadSetErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"yes | ok\nno answer here\n", "x.txt:2: want"},
		{"yes | ok | a.wav | b.wav\n", "x.txt:1: want"},
		{"yes | | a.wav\n", "x.txt:1: want"},
		{"yes | ok |\n", "x.txt:1: the recording (third field) is empty"},
	} {
		_, err := ReadSet(strings.NewReader(tc.in), "x.txt")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func FuzzClassify(f *testing.F) {
	c := New(scriptIntents(f, "en"), Options{})
	z := New(scriptIntents(f, "zh"), Options{})
	for _, s := range []string{"yes", "don't call", "不要再打了", "ｎｏ", "i'm not", "'", "n't", "$", "uh huh uh huh"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, cl := range []*Classifier{c, z} {
			r := cl.Classify(s, nil)
			if r.Score < 0 || r.Score > 1 || (r.Verdict == VerdictMatch && r.Intent == "") {
				t.Fatalf("%q: %+v", s, r)
			}
		}
	})
}

func BenchmarkClassify(b *testing.B) {
	for _, lang := range []string{"en", "zh"} {
		c := New(scriptIntents(b, lang), Options{})
		text := "i want you to stop phoning me about this bill"
		if lang == "zh" {
			text = "我已经在网上还过了，别再打了"
		}
		b.Run(lang, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Classify(text, nil)
			}
		})
	}
}

// TestAsidesAreNotAnswers: everyday asides that carry an answer's word route
// nowhere — "someone" is an agent only when the caller asks for one, and asking the
// bot to say it again is no refusal — while the requests still route.
func TestAsidesAreNotAnswers(t *testing.T) {
	t.Parallel()
	en := enClassifier(t)
	cases := []route{
		{"hold on someone is at the door", ""},
		{"somebody is ringing the doorbell", ""},
		{"hello hello is anyone there", ""},
		{"sorry i didn't catch that", ""},
		{"i can't hear you", ""},
		{"could you say that again", ""},
		{"i didn't quite catch that", ""},
		{"can i speak to somebody", "agent"},
		{"get me someone real", "agent"},
		{"is there anyone i can talk to", "agent"},
		{"put me through to someone", "agent"},
		{"i don't have the money", "no"},
		{"i can't afford it", "no"},
		{"i didn't pay", "no"},
		// A person's title in a sentence about something else asks for no one; a
		// short one, or one with a request word, still does.
		{"the operator at the hotel was lovely", ""},
		{"my agent handles all my bills", ""},
		{"the supervisor at the depot said it's on its way", ""},
		{"operator please", "agent"},
		{"a human please", "agent"},
		{"the manager please", "agent"},
		{"let me speak to the manager of the branch", "agent"},
		// Part of a phrase among three or more words it does not explain is none.
		{"the rain finally stopped last night", ""},
		{"we took the later train into town", ""},
		{"stop", "opt_out"},
		{"just stop it", "opt_out"},
		{"stop ringing me every single day", "opt_out"}, // the whole phrase, however many words round it
		{"please call back after lunch", "later"},
		// Being paid (wages) is not having paid: the caller's income, not the debt.
		{"i get paid on the fifteenth", ""},
		{"when i get paid", ""},
		{"i'm getting paid on friday", ""},
		{"i got paid yesterday", ""},
		{"we don't get paid until next month", ""},
		{"i get paid on the fifteenth so no", "no"},
		{"it got paid last week", "paid"},
		{"i paid it already", "paid"},
		{"that's been paid", "paid"},
		// Part of the amount is no promise to pay it; a payment plan is asked for, not paid.
		{"i can pay part of it", ""},
		{"i can only pay some of it", ""},
		{"can i pay half now and half next week", ""},
		{"can we set up a payment plan", ""},
		{"yes i can pay", "yes"},
		{"i can pay it all", "yes"},
		{"i'm at work can you call after five", "later"},
		{"can i call you back", "later"},
		{"bad timing", "later"},
		{"don't call me back", "opt_out"},
		// Someone who answers for the person is not the person: "this is her" must not
		// read as "that is me" (the bot would tell them about the debt).
		{"this is her husband", "no"},
		{"no this is her sister", "no"},
		{"this is her daughter can i take a message", "no"},
		{"i'm ana's mother", "no"},
		{"her husband speaking", "no"},
		{"it's his son", "no"},
		{"i'm the babysitter", "no"},
		{"yes this is her", "yes"},
		{"this is she", "yes"},
		{"yes my husband handles the bills", "yes"},
		// Consent is revoked by any reasonable means.
		{"i never want to hear from you again", "opt_out"},
		{"don't bother me again", "opt_out"},
		{"this is harassment", "opt_out"},
		{"stop harassing me", "opt_out"},
		{"why do you people keep calling me", "opt_out"},
		{"you keep calling me", "opt_out"},
		{"you can keep calling me i'll pay", "yes"},
		{"i'm going to report you", "opt_out"},
		{"i'm not interested", "no"},
		{"i guess so", "yes"},
		{"please do", "yes"},
		{"that would help", "yes"},
		{"go on then", "yes"},
		{"i wouldn't say no", "yes"},
		{"i don't see why not", "yes"},
		{"please don't call anymore", "opt_out"},
		{"that would not help", "no"},
	}
	checkRoutes(t, en, cases)
	// The stray part of a phrase is no evidence, but it still narrows another
	// intent's lead, as a shared word does: dropping it would make that intent surer.
	// (A past "stopped" is no longer even that: notOurStop mutes it.)
	if r := en.Classify("no my brother already sold his old car", nil); r.Intent != "no" || r.Features.Margin >= 1 {
		t.Errorf("\"no\" beside a stray \"already\": %s, margin %.2f, want no with the rival counted", r.Intent, r.Features.Margin)
	}
	if r := en.Classify("no the rain finally stopped last night", nil); r.Intent != "no" || r.Features.Margin < 1 {
		t.Errorf("\"no\" beside a past \"stopped\": %s, margin %.2f, want no with no rival", r.Intent, r.Features.Margin)
	}
}

// route is an utterance and the intent it must reach ("": no_match).
type route struct{ text, want string }

// checkRoutes classifies each utterance and reports those that reach another intent.
func checkRoutes(t *testing.T, c *Classifier, routes []route) {
	t.Helper()
	for _, rt := range routes {
		r := c.Classify(rt.text, nil)
		got := r.Intent
		if r.Verdict == VerdictNoMatch {
			got = ""
		}
		if got != rt.want {
			t.Errorf("%q: got %q (%s %.3f, phrase %q), want %q", rt.text, got, r.Verdict, r.Score, r.Phrase, rt.want)
		}
	}
}

// checkNoHighStakes reports the sentences c routes to a high-stakes intent.
func checkNoHighStakes(t *testing.T, c *Classifier, sentences []string) {
	t.Helper()
	for _, s := range sentences {
		if r := c.Classify(s, nil); r.Verdict == VerdictMatch && slices.Contains(highStakes, r.Intent) {
			t.Errorf("%q: %s %s (%.3f), want no high-stakes route", s, r.Verdict, r.Intent, r.Score)
		}
	}
}

// TestSomeoneElseAnswersZh: in Mandarin too, a speaker who names themself the
// person's relation or carer is not the person ("我是他老婆" is not "我是").
func TestSomeoneElseAnswersZh(t *testing.T) {
	t.Parallel()
	zh := New(scriptIntents(t, "zh"), Options{})
	checkRoutes(t, zh, []route{
		{"我是他老婆", "no"},
		{"他不在，我是他妻子", "no"},
		{"这是她女儿", "no"},
		{"他妈妈，有什么事", "no"},
		{"我是他朋友，他不在", "no"},
		{"是我", "yes"},
		{"我是他本人", "yes"},
		{"是的，我是王先生", "yes"},
		// Wages and part payments, as in English.
		{"我发工资了再还", ""},
		{"我只能先还一部分", ""},
		{"我只能还一半", ""},
		{"我已经转账了", "paid"},
		{"我能还", "yes"},
		{"我一点钱都没有", "no"},
		{"明天再还", "later"}, // as before: tomorrow is later
		{"我不想跟机器说话", "agent"},
		{"再打我就报警了", "opt_out"},
		{"过两天吧", "later"},
	})
	// The speaker's own relations are left alone.
	for _, s := range []string{"我让我老婆去还", "我跟我妈说一下"} {
		if got := zhContext(s); got != s {
			t.Errorf("zhContext(%q) = %q", s, got)
		}
	}
}

// TestModelPerLanguage: an utterance is scored by its language's calibration, and a
// model given in Options serves both.
func TestModelPerLanguage(t *testing.T) {
	t.Parallel()
	en, zh := enClassifier(t), New(scriptIntents(t, "zh"), Options{})
	for _, c := range []struct {
		c     *Classifier
		text  string
		model *Model
	}{
		{en, "i already paid it last week", DefaultModel()},
		{zh, "我已经还了", DefaultModelZh()},
	} {
		r := c.c.Classify(c.text, nil)
		if r.Intent == "" || math.Abs(r.Score-round3(c.model.Score(r.Features))) > 1e-9 {
			t.Errorf("%q: score %.3f, want its language's %.3f", c.text, r.Score, c.model.Score(r.Features))
		}
	}
	flat := &Model{B: 0}
	r := New(scriptIntents(t, "zh"), Options{Model: flat}).Classify("我已经还了", nil)
	if r.Score != 0.5 {
		t.Errorf("Options.Model: score %.3f, want the given model's 0.5", r.Score)
	}
}

// TestContextRules: words whose sense the sentence decides — "paid" after "will" is a
// promise, paid for something else is no payment, a refusal of the machine asks for
// a person, a question about the speaker or about how to pay asks — each with the
// reading it must not take.
func TestContextRules(t *testing.T) {
	t.Parallel()
	c := enClassifier(t)
	for _, tc := range []struct {
		text, want string // want "" : no intent routed
	}{
		{"i'll have it paid by friday", "yes"},
		{"that'll be paid no bother", "yes"},
		{"i won't have it paid by then", "no"},
		{"i already paid it", "paid"},
		{"i paid the bill last week", "paid"},
		{"i paid for it yesterday", "paid"},
		{"tell your dad i paid the window cleaner", ""},
		{"i paid for parking earlier", ""},
		{"i already paid the hundred and twenty", "paid"},
		{"ring me back in half an hour", "later"},
		{"call me at night", "later"},
		{"i'm a bit tied up right now", "later"},
		{"i'm not talking to a robot", "agent"},
		{"i don't want to talk to a machine", "agent"},
		{"i'm not speaking to a robot", "agent"},
		{"i don't talk to recordings", "agent"},
		{"i'm not interested in talking to a machine", "agent"},
		// The refusal's negation is the one before the machine.
		{"don't call me i'm not talking to a machine", "opt_out"},
		{"this is a recording isn't it can i speak to someone real please", "agent"},
		{"am i talking to a machine", ""},
		{"is this a real person", ""},
		{"are you a human", ""},
		{"who am i speaking to", ""},
		{"who's speaking", ""},
		{"sam speaking", "yes"},
		{"is there someone i can talk to", "agent"},
		{"how can i pay", ""},
		{"i can pay", "yes"},
		{"i'm paying it on friday", "yes"},
		{"not now please", "later"},
		{"leave me alone", "opt_out"},
		{"i did the bank transfer already", "paid"},
		{"can i be transferred", "agent"},
		{"i sent the money last week", "paid"},
		{"the payment was made on the first", "paid"},
		{"i sent my mum some flowers", ""},
		{"we made pancakes this morning", ""},
		{"stop calling me", "opt_out"},
		{"stop bothering me", "opt_out"},
		{"stop kicking your brother", ""},
		{"i want my number removed", "opt_out"},
		{"your message has been deleted", ""},
		// "Called" as named and a phone someone owns deny the person, not the calls.
		{"nobody called sam lives here", "no"},
		{"no this is not sam's phone", "no"},
		{"this is my work phone", ""},
		{"don't call my phone again", "opt_out"},
		{"i'm going to report these calls to my phone company if they don't stop", "opt_out"},
		{"can somebody get the door please", ""},
		{"wipe your feet", ""},
		// Calling or taking off something of someone in the room is not ours.
		{"stop calling your sister names", ""},
		{"take your boots off at the door", ""},
		{"take me off your list", "opt_out"},
		{"stop calling your customers at dinner time", "opt_out"},
		{"yes boss", "yes"},
		{"stop the truck", ""},
		{"stop that barking", ""},
		{"stop these calls", "opt_out"},
		{"stop this harassment", "opt_out"},
		{"please stop this is too much", "opt_out"},
		{"there's a person at the door", ""},
		{"i'll transfer it on the fourteenth", "yes"},
	} {
		r := c.Classify(tc.text, nil)
		got := r.Intent
		if r.Verdict != VerdictMatch {
			got = ""
		}
		if got != tc.want {
			t.Errorf("%q: %s %q (%.3f), want %q", tc.text, r.Verdict, r.Intent, r.Score, tc.want)
		}
	}
	// A threat, a complaint or being fed up opts out only when it is about the calls;
	// something that came out or a receipt is a payment only when it is ours.
	checkNoHighStakes(t, c, []string{"my lawyer says i don't owe this", "i have a complaint about my bill",
		"i'm sick of this debt", "i'm fed up with the interest", "cut it out you two", "i've had enough of this",
		"the sun came out", "can i set up a direct debit", "i got a receipt for the shoes"})
	for _, s := range []string{"if you call again i'm contacting my lawyer", "i'm sick of these calls", "pack it in with the phone calls", "give over ringing me"} {
		if r := c.Classify(s, nil); r.Intent != "opt_out" || r.Verdict != VerdictMatch {
			t.Errorf("%q: %s %s (%.3f), want opt_out", s, r.Verdict, r.Intent, r.Score)
		}
	}
}

// TestCanonStemIsStable: two words of the synonym table that share a stem and mean
// different things ("pay" yes, "payed" paid) give the stem one concept, the same in
// every process — before, the map's order chose, and a refit of the calibration gave
// one of two models at random.
func TestCanonStemIsStable(t *testing.T) {
	t.Parallel()
	if got := enCanonStem["pay"]; got != "yes" {
		t.Errorf("stem pay → %q, want yes (the word that is its own stem)", got)
	}
	for k, v := range enCanon {
		st := stem(k)
		if o, ok := enCanon[st]; ok && enCanonStem[st] != o {
			t.Errorf("stem %q of %q (%s) → %q, want its own word's %q", st, k, v, enCanonStem[st], o)
		}
	}
}

// TestZhColloquial: Mandarin answers as people say them — regional words (冇钱, 系啊,
// 得嘞, 下礼拜), indirect ones (显示成功了, 拿不出来) — and 打, 人工 and 还 in other
// senses (games, AI, books), which answer nothing.
func TestZhColloquial(t *testing.T) {
	t.Parallel()
	c := New(scriptIntents(t, "zh"), Options{})
	checkRoutes(t, c, []route{
		{"好嘞", "yes"},
		{"系啊，系我", "yes"},
		{"放心吧，到时候准时还", "yes"},
		{"冇钱啊", "no"},
		{"我现在真拿不出来", "no"},
		{"不需要", "no"},
		{"下礼拜再打吧", "later"},
		{"我在开车，待会儿说", "later"},
		{"手机银行上转的，显示成功了", "paid"},
		{"不是已经还了吗", "paid"},
		{"有没有活人啊", "agent"},
		{"叫你们经理来听电话", "agent"},
		{"退订", "opt_out"},
		{"你们这是骚扰", "opt_out"},
		{"别再打游戏了，赶紧写作业", ""},
		{"人工智能现在真厉害啊", ""},
		{"我在还书，图书馆快关门了", ""},
	})
	// Leaving a group, a manager on leave, a report about a website, a file removed:
	// the words of opting out and of a person, about something else.
	checkNoHighStakes(t, c, []string{"我退出了那个群", "我们经理今天请假了", "我举报了一个诈骗网站", "把那个文件移除掉"})
}

// TestPhraseKeysFit: a multi-word expression longer than the lookup's window would
// never match.
func TestPhraseKeysFit(t *testing.T) {
	t.Parallel()
	for _, m := range []map[string]string{enPhrases, enFedUpCalls, enClassifierOnly} {
		for k := range m {
			if n := len(strings.Fields(k)); n > maxPhraseWords {
				t.Errorf("%q: %d words, the lookup reads at most %d", k, n, maxPhraseWords)
			}
		}
	}
}

// TestPrevail: an opt-out said in full routes to the opt-out whatever else the caller
// says, when the script's opt-out prevails; without it the better match wins. A
// negated opt-out ("I didn't say stop calling") and part of one prevail over nothing.
func TestPrevail(t *testing.T) {
	t.Parallel()
	plain := enClassifier(t)
	prevail := New(scriptIntents(t, "en"), Options{Prevail: []string{"opt_out"}})
	for _, tc := range []struct {
		text, plain, prevail string
	}{
		{"i already paid so stop calling me", "paid", "opt_out"},
		{"i paid it already and take me off your list", "paid", "opt_out"},
		{"call me back later or don't call at all", "later", "opt_out"},
		{"stop calling me and let me speak to a real person", "opt_out", "opt_out"},
		{"i already paid", "paid", "paid"},
		{"i already paid so why are you calling", "paid", "paid"},
		{"i never said stop calling", "no", "no"},
		{"i'm driving right now i can't do this call me later", "no", "no"},
	} {
		if r := plain.Classify(tc.text, nil); r.Intent != tc.plain {
			t.Errorf("%q without Prevail: %s %s (%.3f), want %s", tc.text, r.Verdict, r.Intent, r.Score, tc.plain)
		}
		if r := prevail.Classify(tc.text, nil); r.Intent != tc.prevail || r.Verdict != VerdictMatch {
			t.Errorf("%q with Prevail: %s %s (%.3f), want %s", tc.text, r.Verdict, r.Intent, r.Score, tc.prevail)
		}
	}
}
