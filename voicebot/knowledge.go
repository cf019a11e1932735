package voicebot

// Knowledge answers: the script's `knowledge:` entries (question phrasings → an
// answer, optionally a follow-up state) are heard in every listening state. A
// question that matches one is answered and the bot asks the state's question
// again (or goes to the entry's next state). A question no entry answers is noted
// in the result's unanswered list, so an author can add an entry.

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/voicebot/capture"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// Knowledge is one entry of the script's knowledge section.
type Knowledge struct {
	Name       string
	Line       int
	Phrases    []string // how callers ask the question
	Answer     string   // a template, like a state's say
	AnswerLine int
	// Next, when set, is where the call goes after the answer; empty: back to the
	// state the question was asked in (its question is asked again).
	Next     string
	NextLine int
	// MinConfidence is the score a match needs (0: the intent default).
	MinConfidence float64
	// States, when set, are the listening states the entry answers in; empty: all.
	// An answer about the person's account waits for the state after the caller
	// has said who they are (lint's third_party check).
	States     []string
	StatesLine int

	answer *Template
}

var knowledgeKeys = []string{"phrases", "answer", "next", "min_confidence", "states"}

func (p *parser) knowledge(n *yaml.Node) []*Knowledge {
	var out []*Knowledge
	for _, kv := range p.mapping(n, "knowledge", nil) {
		k := &Knowledge{Name: kv.key.Value, Line: kv.key.Line}
		field := join("knowledge", k.Name)
		for _, f := range p.mapping(kv.val, field, knowledgeKeys) {
			ff := join(field, f.key.Value)
			switch f.key.Value {
			case "phrases":
				k.Phrases = p.strings(f.val, ff)
			case "answer":
				k.Answer, k.AnswerLine = p.str(f.val, ff), f.val.Line
			case "next":
				k.Next, k.NextLine = p.str(f.val, ff), f.key.Line
			case "min_confidence":
				k.MinConfidence = p.fraction(f.val, ff)
			case "states":
				k.States, k.StatesLine = p.strings(f.val, ff), f.key.Line
			}
		}
		out = append(out, k)
	}
	return out
}

// Similarity at or above which a knowledge phrase that reads as an intent (or as
// another entry) is reported: the caller's question would be taken for an answer.
const knowledgeOverlapScore = 0.9

// lintKnowledge checks the knowledge entries: phrases and an answer each, valid
// templates and targets, and no overlap with the intents or each other (the same
// phrase is a problem; a phrase the intent classifier takes for an intent with a
// high score is a warning).
func (l *linter) lintKnowledge() {
	b := l.b
	intentOf := map[string]string{}
	for _, in := range b.Intents {
		for _, ph := range in.Phrases {
			intentOf[Normalize(ph)] = in.Name
		}
	}
	entryOf := map[string][]*Knowledge{}
	var ins []intent.Intent
	for _, in := range b.Intents {
		ins = append(ins, intent.Intent{Name: in.Name, Phrases: in.Phrases})
	}
	ic := intent.New(ins, intent.Options{})
	for _, k := range b.Knowledge {
		f := join("knowledge", k.Name)
		if len(k.Phrases) == 0 {
			l.addLine(k.Line, f, CheckNoPhrases, "a knowledge entry needs phrases (how callers ask)")
		}
		if strings.TrimSpace(k.Answer) == "" {
			l.addLine(k.Line, join(f, "answer"), CheckMissingField, "a knowledge entry needs an answer")
		} else if t, err := ParseTemplate(k.Answer); err != nil {
			l.addLine(k.AnswerLine, join(f, "answer"), CheckTemplate, "%v", err)
		} else {
			k.answer = t
			for _, v := range t.Vars() {
				switch {
				case v.Var == DisclosureVar && b.Disclosure == "":
					l.addLine(k.AnswerLine, join(f, "answer"), CheckUnknownVariable, "{{disclosure}} but the script has no disclosure")
				case v.Var != DisclosureVar && !l.vars[v.Var]:
					l.addLine(k.AnswerLine, join(f, "answer"), CheckUnknownVariable, "{{%s}} is not in requires, set or captured", v.Var)
				}
			}
		}
		if k.Next != "" {
			l.target(k.NextLine, join(f, "next"), k.Next)
		}
		for i, name := range k.States {
			sf := fmt.Sprintf("%s.states[%d]", f, i)
			switch st := b.States[name]; {
			case st == nil:
				l.addLine(k.StatesLine, sf, CheckUnknownState, "%q is not a state (have %s)", name, strings.Join(b.Order, ", "))
			case st.Listen == nil:
				l.addLine(k.StatesLine, sf, CheckBadValue, "state %q does not listen: no question is heard there", name)
			}
		}
		for i, ph := range k.Phrases {
			pf := fmt.Sprintf("%s.phrases[%d]", f, i)
			norm := Normalize(ph)
			if norm == "" {
				l.addLine(k.Line, pf, CheckNoPhrases, "phrase %q has no words", ph)
				continue
			}
			if in, ok := intentOf[norm]; ok {
				l.addLine(k.Line, pf, CheckKnowledgeOverlap, "phrase %q is also a phrase of intent %q", ph, in)
			} else if r := ic.Classify(ph, nil); r.Verdict == intent.VerdictMatch && r.Score >= knowledgeOverlapScore {
				l.warn(k.Line, pf, CheckKnowledgeOverlap, "phrase %q reads as intent %q (score %.2f, from %q): the question may be taken for that answer", ph, r.Intent, r.Score, r.Phrase)
			}
			for _, other := range entryOf[norm] {
				if other != k && k.sharesState(other) {
					l.addLine(k.Line, pf, CheckKnowledgeOverlap, "phrase %q also belongs to knowledge entry %q", ph, other.Name)
				}
			}
			entryOf[norm] = append(entryOf[norm], k)
		}
	}
	// Entries too close to each other: one's phrase reads as the other's.
	if len(b.Knowledge) > 1 {
		kc := newKnowledgeClassifier(b.Knowledge)
		for _, k := range b.Knowledge {
			for i, ph := range k.Phrases {
				r := kc.Classify(ph, nil)
				if r.Intent != "" && r.Intent != k.Name && r.Verdict == intent.VerdictMatch && r.Score >= knowledgeOverlapScore &&
					k.sharesState(b.KnowledgeEntry(r.Intent)) {
					l.warn(k.Line, fmt.Sprintf("knowledge.%s.phrases[%d]", k.Name, i), CheckKnowledgeOverlap,
						"phrase %q reads as knowledge entry %q (score %.2f)", ph, r.Intent, r.Score)
				}
			}
		}
	}
}

func newKnowledgeClassifier(ks []*Knowledge) *intent.Classifier {
	in := make([]intent.Intent, 0, len(ks))
	for _, k := range ks {
		in = append(in, intent.Intent{Name: k.Name, Phrases: k.Phrases, MinConfidence: k.MinConfidence})
	}
	// Questions about one bill share their words ("pay", "payment"); the margin
	// tells them apart (the shared-word veto loses 5 points of answers).
	return intent.New(in, intent.Options{SharedWordsCount: true})
}

// KnowledgeEntry returns the named knowledge entry (nil when there is none).
func (b *Bot) KnowledgeEntry(name string) *Knowledge {
	for _, k := range b.Knowledge {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// answersIn reports whether the entry answers questions asked in state.
func (k *Knowledge) answersIn(state string) bool {
	return len(k.States) == 0 || slices.Contains(k.States, state)
}

// sharesState reports whether k and o answer in some state alike (an entry without
// states answers in all): only then may the same question not be both of theirs.
func (k *Knowledge) sharesState(o *Knowledge) bool {
	if o == nil || len(k.States) == 0 || len(o.States) == 0 {
		return true
	}
	return slices.ContainsFunc(k.States, o.answersIn)
}

// knowledgeIn is the names of the entries that answer in state; nil when all do.
func (b *Bot) knowledgeIn(state string) []string {
	var names []string
	all := true
	for _, k := range b.Knowledge {
		if k.answersIn(state) {
			names = append(names, k.Name)
		} else {
			all = false
		}
	}
	if all {
		return nil
	}
	return append(names, "") // never nil: an empty list allows no entry
}

// matchKnowledge finds the knowledge entry a caller's words ask for (nil: none),
// among the entries that answer in the current state.
func (m *Machine) matchKnowledge(text string) (*Knowledge, intent.Result) {
	if m.bot.knowledge == nil {
		return nil, intent.Result{}
	}
	r := m.bot.knowledge.Classify(text, m.bot.knowledgeIn(m.cur.Name))
	if r.Verdict != intent.VerdictMatch {
		return nil, r
	}
	return m.bot.KnowledgeEntry(r.Intent), r
}

// answerKnowledge speaks an entry's answer; when it has been said the bot asks the
// state's question again (or goes to the entry's next state).
func (m *Machine) answerKnowledge(acts []Action, turn *Turn, k *Knowledge, r intent.Result, at time.Duration) []Action {
	back := k.Next
	if back == "" {
		back = m.cur.Name
	}
	s := r.Score
	turn.Intent = "" // the words answered no intent
	turn.Knowledge, turn.Score, turn.Match = k.Name, &s, "knowledge"
	turn.Branch = "knowledge " + k.Name + " → " + back
	m.res.Knowledge = append(m.res.Knowledge, k.Name)
	m.knowledgeReturn = back
	text, err := k.answer.Render(m.bot.Locale, m.vars)
	if err != nil {
		text = k.Answer
	}
	m.promptID++
	p := Prompt{ID: m.promptID, State: m.cur.Name, Text: text, Locale: m.bot.Locale, Voice: m.bot.Voice,
		Template: k.answer.Inline(map[string]string{DisclosureVar: m.bot.Disclosure}), Vars: m.promptVars(k.answer)}
	m.ph = phasePlaying
	m.res.Transcript = append(m.res.Transcript, Turn{Role: "bot", State: m.cur.Name, Text: text, Event: "knowledge", Knowledge: k.Name, StartMS: ms(at), EndMS: ms(at)})
	m.botTurn = len(m.res.Transcript) - 1
	// The recogniser keeps listening: the caller may cut the answer short.
	return append(acts, Action{Kind: ActSay, Prompt: p}, Action{Kind: ActListen, Hints: m.hints(m.cur)})
}

// afterKnowledge is the end of an answer: back to the state, or on to next.
func (m *Machine) afterKnowledge(at time.Duration) []Action {
	target := m.knowledgeReturn
	m.knowledgeReturn = ""
	return m.enter(nil, m.bot.States[target], at)
}

// noteUnanswered keeps a caller's question that nothing answered.
func (m *Machine) noteUnanswered(text string) {
	if LooksLikeQuestion(text) && len(m.res.Unanswered) < maxUnanswered {
		m.res.Unanswered = append(m.res.Unanswered, strings.TrimSpace(text))
	}
}

// maxUnanswered bounds the questions one call notes.
const maxUnanswered = 20

var (
	enQuestionWords = map[string]bool{"what": true, "when": true, "where": true, "who": true, "whom": true, "whose": true,
		"why": true, "how": true, "which": true, "can": true, "could": true, "do": true, "does": true, "did": true, "is": true,
		"are": true, "will": true, "would": true, "should": true, "may": true, "am": true, "was": true, "were": true,
		"have": true, "has": true, "whats": true, "what's": true, "how's": true, "where's": true, "who's": true}
	greeting        = map[string]bool{"hello": true, "hi": true, "hey": true, "hallo": true, "喂": true, "你好": true, "喂喂": true, "在吗": true}
	zhQuestionMarks = []string{"吗", "呢", "什么", "怎么", "为什么", "为啥", "哪", "谁", "几", "多少", "是不是", "能不能", "可不可以", "有没有", "会不会", "咋", "？", "?"}
)

// LooksLikeQuestion reports whether an utterance asks something: a question mark, an
// English wh-word or auxiliary at its start, or a Mandarin question particle or word
// (吗, 呢, 什么, 怎么, 哪, 谁, 多少, 是不是 …).
func LooksLikeQuestion(text string) bool {
	t := strings.TrimSpace(text)
	if t == "" {
		return false
	}
	if greeting[strings.ToLower(strings.TrimRight(t, "?？!！.。 "))] {
		return false // "hello?": is anyone there, not a question to answer
	}
	if strings.ContainsAny(t, "?？") {
		return true
	}
	cjk := strings.IndexFunc(t, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	if cjk {
		for _, w := range zhQuestionMarks {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	words := strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
	for i, w := range words {
		if i > 2 {
			break
		}
		if enQuestionWords[w] {
			// "what" anywhere early; an auxiliary only first ("can you", not "I can")
			if i == 0 || strings.HasPrefix(w, "wh") || strings.HasPrefix(w, "how") {
				return true
			}
		}
	}
	return false
}

// captureOrAnswer is what a listening turn does before the state's intents route it.
// A listed phrase said as written has already won. A question a knowledge entry
// answers at least as well as any intent is answered; otherwise, unless a global
// intent routes (an opt-out is never taken for a slot value), the state's slot is
// captured from the words; otherwise, when no intent routes, a knowledge entry may
// still answer. ok is false when none of that applies.
func (m *Machine) captureOrAnswer(acts []Action, turn *Turn, ev Event, u understood) ([]Action, bool) {
	routed := u.verdict == intent.VerdictMatch
	if routed && u.exact {
		return acts, false
	}
	var k *Knowledge
	var r intent.Result
	asked := LooksLikeQuestion(ev.Text)
	if asked || !routed {
		k, r = m.matchKnowledge(ev.Text)
	}
	if k != nil && asked && (!routed || r.Score >= u.match.Score) {
		return m.answerKnowledge(acts, turn, k, r, ev.At), true
	}
	if routed && u.global != "" {
		return acts, false
	}
	if c := m.cur.Listen.Capture; c != nil && c.parser != nil {
		if c.Spec.Kind == capture.Text {
			m.noteUnanswered(ev.Text) // free text is kept, and a question in it noted
		}
		if out, ok := m.captureSpeech(acts, turn, ev.Text, ev.At); ok {
			return out, true
		}
	}
	if k != nil && !routed {
		return m.answerKnowledge(acts, turn, k, r, ev.At), true
	}
	return acts, false
}

// Recogniser hints for captures and knowledge: a grammar recogniser only hears what
// its hints list, so a listening state also lists the knowledge entries' phrases
// ("knowledge:NAME") and, for its capture, sample answers of the slot's type
// ("capture:SLOT"): weekdays and relative days for a date, yes and no, ratings.
func (b *Bot) captureHints(st *State, h *Hints) {
	for _, k := range b.Knowledge {
		h.Intents["knowledge:"+k.Name] = k.Phrases
	}
	if c := st.Listen.Capture; c != nil {
		if s := captureSamples(c.Spec.Kind, b.Locale); len(s) > 0 {
			h.Intents["capture:"+c.Slot] = s
		}
	}
}

// CapturePhrases are the knowledge phrases and capture samples of the script: words
// the recogniser's vocabulary needs beside the intents' phrases.
func (b *Bot) CapturePhrases() []string {
	var out []string
	for _, k := range b.Knowledge {
		out = append(out, k.Phrases...)
	}
	for _, name := range b.Order {
		if st := b.States[name]; st.Listen != nil && st.Listen.Capture != nil {
			out = append(out, captureSamples(st.Listen.Capture.Spec.Kind, b.Locale)...)
		}
	}
	return out
}

func captureSamples(kind capture.Kind, locale string) []string {
	zh := capture.LangOf(locale) == capture.Mandarin
	var out []string
	switch kind {
	case capture.Date:
		if zh {
			out = []string{"今天", "明天", "后天"}
			for _, d := range []string{"一", "二", "三", "四", "五", "六", "日"} {
				out = append(out, "周"+d, "下周"+d)
			}
			for _, d := range []string{"一", "五", "十", "十五", "二十", "二十五", "三十"} {
				out = append(out, d+"号")
			}
			return out
		}
		out = []string{"today", "tomorrow", "the day after tomorrow", "the first", "the fifth", "the tenth", "the fifteenth", "the twentieth", "the twenty fifth", "the thirtieth"}
		for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
			out = append(out, d, "next "+d, "this "+d)
		}
	case capture.YesNo:
		if zh {
			return []string{"是", "是的", "可以", "好的", "会", "不", "不是", "不会", "不用", "不行"}
		}
		return []string{"yes", "yeah", "sure", "of course", "no", "nope", "no thanks"}
	case capture.Number:
		if zh {
			return []string{"一分", "两分", "三分", "四分", "五分", "一", "二", "三", "四", "五"}
		}
		return []string{"one", "two", "three", "four", "five"}
	case capture.Time:
		if zh {
			return []string{"上午九点", "上午十点", "上午十一点", "中午", "下午一点", "下午两点", "下午三点", "下午四点", "下午五点", "晚上六点", "晚上七点"}
		}
		return []string{"nine am", "ten am", "eleven am", "noon", "one pm", "two pm", "three pm", "four pm", "five pm", "six pm", "seven pm"}
	}
	return out
}
