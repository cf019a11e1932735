package intent

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// tok is one word of normalised text (one character for Mandarin).
type tok struct {
	word  string // the word as said (after contractions)
	canon string // what phrases are compared on: stemmed, synonyms folded
	stem  string // the stem before synonyms, for fuzzy comparison of misrecognised words
	cue   bool   // a negation cue (not, never, 不, 别)
	neg   bool   // inside a negation's scope
	stop  bool   // a function word
	cjk   bool
	// inert: a word kept from meaning its concept by its context (a person's title
	// in a sentence that asks for no one); it matches no phrase, not even by a near
	// miss of its stem. sense is the concept it would have meant.
	inert bool
	sense string
}

// negScope is how many content words after a cue it negates; negMaxWords bounds the
// scope in words of any kind.
const (
	negScopeEn  = 2
	negScopeZh  = 3
	negMaxWords = 6
)

// analyse normalises text into tokens: lower case, width folded, contractions
// expanded, hesitations dropped, multi-word expressions and synonyms folded, English
// stemmed, Mandarin split into characters, and negation scopes marked.
func analyse(text string) []tok {
	toks := analyseAny(text)
	unaskedPeople(toks)
	botQuestion(toks)
	whoSpeaks(toks)
	wagesPaid(toks)
	otherPaid(toks)
	otherSent(toks)
	futurePaid(toks)
	notOurStop(toks)
	partPaid(toks)
	askPay(toks)
	noMachine(toks)
	return toks
}

// futurePaid reads "paid" after "will" in the same clause as a promise, not a payment
// made: "I'll have it paid by Friday", "that'll be paid", "I'll clear it in full" are
// yeses to "will you be able to pay?". A negated one ("I won't have it paid") stays
// negated, so it is a no.
func futurePaid(toks []tok) {
	will := false
	for i := range toks {
		t := &toks[i]
		switch {
		case t.cjk || isBreak(*t):
			will = false
		case t.word == "will" || t.word == "gonna":
			will = true
		case will && t.canon == "paid" && !t.inert:
			t.canon, t.stem = "yes", "pay"
		}
	}
}

// otherPaid keeps "paid" from meaning the debt when the caller paid for something
// else: "I paid for parking", "I paid the window cleaner" buy things; "I paid the
// bill", "paid it", "paid for it" are the debt. A receipt for something else ("a
// receipt for the shoes") is no proof of payment either.
func otherPaid(toks []tok) {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].cjk || (toks[i].word != "paid" && toks[i].word != "payed" && toks[i].word != "receipt") {
			continue
		}
		next := toks[i+1]
		obj := -1 // the word paid for: after "for", or the noun after an article
		switch {
		case next.word == "for" && (i+2 >= len(toks) || !enPronouns[toks[i+2].word]):
			obj = i + 2
			for obj < len(toks) && toks[obj].stop && !enDebtWords[toks[obj].word] {
				obj++
			}
		case next.word == "for":
			// "paid for it": the debt.
		case enArticles[next.word] && toks[i].word != "receipt":
			obj = i + 2
			for obj < len(toks) && toks[obj].stop {
				obj++
			}
		}
		if obj < 0 || obj >= len(toks) {
			continue
		}
		if o := toks[obj]; !o.cjk && !enDebtWords[o.word] && !enDebtWords[o.canon] {
			toks[i].mute()
		}
	}
}

// otherSent keeps "sent" and "made" from meaning a payment when what was sent or
// made is something else: "I sent it already", "I made the payment", "the payment was
// made" are payments, "I sent my mum some flowers", "we made pancakes" are not.
func otherSent(toks []tok) {
	for i, t := range toks {
		if t.cjk || (t.word != "sent" && t.word != "made") {
			continue
		}
		debt := false
		for j := max(0, i-3); j < len(toks) && j <= i+3; j++ {
			w := toks[j].word
			if j == i || (enPronouns[w] && j != i+1) { // "sent it", not "made pancakes this morning"
				continue
			}
			if enDebtWords[w] || enDebtWords[toks[j].canon] {
				debt = true
				break
			}
		}
		if !debt {
			toks[i].mute()
		}
	}
}

// notOurStop keeps "stop" and the words of removal from asking us to stop calling
// when they speak of something else: "stop kicking your brother" stops another
// doing; "the rain finally stopped", "your message has been deleted" tell of what
// happened. A past form asks only beside a request ("I want to be removed", "I asked
// to be taken off").
func notOurStop(toks []tok) {
	request := slices.ContainsFunc(toks, func(t tok) bool { return enStopAsk[t.word] })
	for i, t := range toks {
		switch {
		case t.cjk:
		case t.word == "stop" && i+1 < len(toks):
			next := toks[i+1]
			if strings.HasSuffix(next.word, "ing") && next.canon != "call" && !enPesterWords[next.word] {
				toks[i].mute()
			}
			// "Stop the truck", "stop that barking": a thing of the room, not our calls.
			if enDeterminers[next.word] && i+2 < len(toks) && !toks[i+2].stop && toks[i+2].canon != "call" && !enOurThings[toks[i+2].word] &&
				!enPesterWords[toks[i+2].word] {
				toks[i].mute()
			}
		case enPastStop[t.word] && !request:
			toks[i].mute()
		case (t.canon == "call" || t.word == "take") && i+2 < len(toks) && toks[i+1].word == "your" && !enOurThings[toks[i+2].word]:
			// The bot has no sister and no boots: "stop calling your sister names",
			// "take your boots off" are said to someone in the room.
			toks[i].mute()
		}
	}
}

var (
	// enPastStop are past forms of stopping and removing; enStopAsk the words that
	// make them a request.
	enPastStop = setOf("stopped", "deleted", "removed", "erased", "blocked", "cancelled", "canceled")
	enStopAsk  = setOf("want", "need", "get", "have", "please", "like", "asked", "ask", "told", "tell", "make",
		"can", "could", "would", "will")
	// enPesterWords are what a caller asks us to stop doing besides calling.
	enPesterWords = setOf("bothering", "harassing", "hassling", "pestering", "texting", "messaging", "emailing", "chasing")
	// enDeterminers open the noun phrase of what is stopped.
	enDeterminers = setOf("the", "that", "this", "those", "these")
	// enOurThings are what of ours, or of the call itself, a caller asks us to stop,
	// call from or take them off ("stop these calls", "stop this harassment", "stop
	// this now", "take me off your list").
	enOurThings = setOf("list", "lists", "number", "numbers", "records", "record", "calls", "call", "calling", "database",
		"system", "systems", "books", "register", "robot", "robots", "machine", "computer", "company", "people", "automated",
		"customers", "customer", "clients", "members", "harassment", "nonsense", "rubbish", "spam", "now", "right", "immediately")
)

// enArticles open a noun phrase after "paid"; enDebtWords are what a caller pays
// when paying us.
var (
	enPronouns  = setOf("it", "this", "that")
	enArticles  = setOf("the", "a", "an", "his", "her", "their", "our", "those", "these")
	enDebtWords = setOf("it", "this", "that", "bill", "amount", "full", "balance", "account", "loan", "invoice",
		"card", "statement", "installment", "instalment", "payment", "paid", "whole", "lot", "rest", "money",
		"arrears", "debt", "already", "acme", "finance", "sum", "total", "due", "outstanding", "cheque", "check",
		"transfer", "payments", "everything",
		// An amount is the debt's: "I paid the hundred and twenty".
		"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "thirty", "forty",
		"fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "pounds", "pound", "quid", "dollars",
		"dollar", "bucks", "euros", "minimum")
)

// noMachine reads a refusal to talk to a machine ("I'm not talking to a robot", "I
// don't talk to machines") as a request for a person, not as a no: the negation is
// about the bot. A question ("am I talking to a machine?") asks, and is left alone.
func noMachine(toks []tok) {
	cue, machine := -1, -1
	for i, t := range toks {
		switch {
		case t.cjk || questionWords[t.word]:
			return
		case t.cue && machine < 0:
			// The refusal's own negation, the last before the machine: "don't call
			// me, I'm not talking to a machine" still says "don't call".
			cue = i
		case enMachine[t.word] && cue >= 0 && machine < 0:
			machine = i
		}
	}
	if machine < 0 {
		return
	}
	for i := cue; i < machine; i++ {
		toks[i].neg, toks[i].stop = false, true
		if toks[i].cue {
			toks[i].cue, toks[i].canon = false, toks[i].word
		} else if !toks[i].inert {
			// The verb of the refusal is no answer of its own ("speaking" confirms
			// who answers, but not in "I'm not speaking to a robot").
			toks[i].mute()
		}
	}
	toks[machine].canon, toks[machine].neg = "agent", false
}

// enMachine are the words for the bot a caller refuses.
var enMachine = setOf("robot", "robots", "machine", "machines", "computer", "computers", "bot", "bots", "recording", "recordings", "automated")

// partPaid keeps "I can pay" from being a yes when only part is offered: "I can pay
// half", "I can only pay some of it" promise less than the amount due. Such an
// answer routes nowhere (asked again) rather than to a promise to pay.
func partPaid(toks []tok) {
	part := slices.ContainsFunc(toks, func(t tok) bool { return !t.cjk && enPart[t.word] })
	if !part {
		return
	}
	for i := range toks {
		if !toks[i].cjk && (toks[i].word == "pay" || toks[i].word == "paying") {
			toks[i].mute()
		}
	}
}

// askPay keeps a question about paying ("how can I pay?", "where do I pay?") from
// being a promise to pay: "pay" there is the act asked about, not the yes it is in
// an answer ("I can pay"). A script's knowledge phrases get the same reading
// (compilePhrase), so "how can i pay" still finds the entry that answers it.
func askPay(toks []tok) {
	if len(toks) == 0 || toks[0].cjk || !questionWords[toks[0].word] {
		return
	}
	for i := range toks {
		if toks[i].word == "pay" || toks[i].word == "paying" {
			toks[i].canon = "pay"
		}
	}
}

// enPart are the words of a part payment.
var enPart = setOf("half", "part", "some", "portion", "partial", "partially", "piece", "chunk", "little", "bit", "installment", "installments", "instalment", "instalments")

// wagesPaid keeps "paid" from meaning the debt is paid when the caller is the one
// paid: "when I get paid", "I'm getting paid Friday", "I got paid yesterday" speak of
// wages. "Get paid" is always wages; "got paid" only after a person ("it got paid" is
// the bill).
func wagesPaid(toks []tok) {
	for i := 1; i < len(toks); i++ {
		if toks[i].cjk || (toks[i].word != "paid" && toks[i].word != "payed") {
			continue
		}
		switch prev := toks[i-1].word; {
		case prev == "get" || prev == "gets" || prev == "getting",
			prev == "got" && i >= 2 && enPersons[toks[i-2].word]:
			toks[i].mute()
		}
	}
}

// mute makes t inert: its concept is kept in sense, for the phrases that word is in.
func (t *tok) mute() { t.sense, t.canon, t.inert = t.canon, t.stem, true }

// enPersons are the subjects that make "got paid" wages.
var enPersons = setOf("i", "we", "he", "she", "they", "you")

// analyseAny is analyse without the utterance's context rules: a script's phrase is
// what a caller says to the intent, so its words keep their meaning.
func analyseAny(text string) []tok {
	var toks []tok
	for _, run := range splitRuns(text) {
		if run.cjk {
			toks = append(toks, analyseZh(run.s)...)
		} else {
			toks = append(toks, analyseEn(run.s)...)
		}
	}
	markNegation(toks)
	return toks
}

// unaskedPeople keeps "someone", "anybody" and the like from meaning an agent when
// the utterance asks for no one: "someone's at the door" and "hello, is anyone there"
// are asides, "can I talk to someone" and "get me somebody" are requests. Without a
// request word the pronoun is a content word of its own, which no phrase explains.
func unaskedPeople(toks []tok) {
	other := 0 // content words that are not people
	noun := false
	for _, t := range toks {
		if enPeopleAsk[t.word] || enPeopleAsk[t.canon] {
			return
		}
		switch {
		case t.canon == "agent" && !enPeople[t.word]:
			noun = true
		case !t.stop && !t.cue:
			other++
		}
	}
	// A person's title in a sentence about something else ("the operator at the
	// hotel was lovely", "my agent handles the bills") asks for no one either; a
	// request without a request word is short ("operator", "a human please").
	mute := !noun || other >= 2
	for i := range toks {
		if enPeople[toks[i].word] || (mute && toks[i].canon == "agent") {
			toks[i].mute()
		}
	}
}

// botQuestion keeps a question about who is speaking ("is this a real person?",
// "are you a human?", "is that the agent from the letting office?") from being a
// request for an agent: it asks what the bot is, and asking again answers it better
// than a transfer. A question that asks for one ("are you able to put me through to
// a person?") still is.
func botQuestion(toks []tok) {
	if len(toks) < 2 || toks[0].cjk || !enAskVerbs[toks[0].word] || !enBotSubjects[toks[1].word] {
		return
	}
	if slices.ContainsFunc(toks, func(t tok) bool { return enTransferAsk[t.word] || t.word == "transfer" }) {
		return
	}
	for i := range toks {
		if toks[i].canon == "agent" {
			toks[i].mute()
		}
	}
}

// whoSpeaks keeps "speaking" in a question about who speaks ("who am I speaking to?",
// "who's speaking?") from confirming that the person asked for answered: the caller
// asks who is calling, and taking it for a yes would tell a stranger about the debt.
func whoSpeaks(toks []tok) {
	if len(toks) < 2 || toks[0].cjk || toks[0].word != "who" && toks[0].word != "whom" {
		return
	}
	for i := range toks {
		if toks[i].stem == "speak" && !toks[i].inert {
			toks[i].mute()
		}
	}
}

// enBotSubjects are the subjects of a question about the speaker; enTransferAsk the
// words that make such a question a request.
var (
	enBotSubjects = setOf("this", "that", "it", "you", "i")
	enTransferAsk = setOf("put", "connect", "get", "give", "need", "want", "transfer", "through")
)

type textRun struct {
	s   string
	cjk bool
}

// splitRuns splits text into Latin and CJK runs; punctuation inside a CJK run is kept
// as a comma (it ends a negation's scope).
func splitRuns(text string) []textRun {
	var out []textRun
	var b strings.Builder
	cur := false
	flush := func() {
		if b.Len() > 0 {
			out = append(out, textRun{s: b.String(), cjk: cur})
			b.Reset()
		}
	}
	for _, r := range text {
		r = unicode.ToLower(foldWidth(r))
		c := isCJK(r)
		if c != cur && (c || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			flush()
			cur = c
		}
		if cur && !c {
			if unicode.IsPunct(r) || unicode.IsSpace(r) {
				b.WriteRune('，')
			}
			continue
		}
		b.WriteRune(r)
	}
	flush()
	return out
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// foldWidth maps full-width ASCII forms to ASCII and curly apostrophes to '.
func foldWidth(r rune) rune {
	switch {
	case r == '，' || r == '。' || r == '？' || r == '！' || r == '、':
		return '，'
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	case r == 0x3000:
		return ' '
	case r == '\u2019' || r == '\u2018' || r == '\u02BC' || r == '`':
		return '\''
	}
	return r
}

// enWords splits Latin text into words and expands contractions.
func enWords(s string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-')
	}) {
		w = strings.Trim(w, "'-")
		if w == "" {
			continue
		}
		if exp, ok := enContractions[w]; ok {
			words = append(words, exp...)
			continue
		}
		expanded := false
		for _, sf := range enSuffixes {
			if base, ok := strings.CutSuffix(w, sf.suffix); ok && base != "" {
				words = append(words, base, sf.word)
				expanded = true
				break
			}
		}
		if !expanded {
			for _, part := range strings.Split(w, "-") {
				if part != "" {
					words = append(words, strings.ReplaceAll(part, "'", ""))
				}
			}
		}
	}
	return words
}

// maxPhraseWords bounds the keys of enPhrases, enFedUpCalls and enClassifierOnly, in words
// (TestPhraseKeysFit).
const maxPhraseWords = 7

func analyseEn(s string) []tok {
	// "$" marks the end, for expressions that only count there ("i will $").
	words := someoneElse(append(enWords(s), "$"))
	// Multi-word expressions, longest first, left to right.
	var out []string
	for i := 0; i < len(words); {
		matched := false
		for n := min(maxPhraseWords, len(words)-i); n >= 1; n-- {
			key := strings.Join(words[i:i+n], " ")
			rep, ok := enPhrases[key]
			if !ok {
				rep, ok = enFedUpCalls[key]
			}
			if !ok {
				rep, ok = enClassifierOnly[key]
			}
			if ok {
				out = append(out, strings.Fields(rep)...)
				i += n
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, words[i])
			i++
		}
	}
	toks := make([]tok, 0, len(out))
	for _, w := range out {
		if w == "$" || fillers[w] {
			continue
		}
		st := stem(w)
		var c string
		if v, ok := enCanon[w]; ok {
			c = v
		} else if v, ok := enCanonStem[st]; ok {
			c = v
		} else {
			c = st
		}
		t := tok{word: w, canon: c, stem: st, cue: c == "not", stop: enStop[w] || enStop[c]}
		if enBreaks[w] {
			t.stop = t.stop || w != "yes" && w != "no"
		}
		toks = append(toks, t)
	}
	return toks
}

// someoneElse rewrites a speaker who says they are the person's relation or carer
// ("this is her husband", "I'm Ana's mother", "her daughter speaking") as "that is
// not me": whoever it is, it is not the person called, and "this is her" must not
// read as "that is me" (the bot would tell a third party about the debt). Words of
// the speaker's own relations ("my husband pays the bills") are left alone.
func someoneElse(words []string) []string {
	for i := 1; i < len(words); i++ {
		if !enRelations[words[i]] {
			continue
		}
		// Whose: her/his/their, the, or a name's "'s" (split into "is").
		from := i - 1
		switch w := words[i-1]; {
		case w == "her" || w == "his" || w == "their" || w == "the":
		case w == "is" && i >= 2 && !enStop[words[i-2]] && !enIdentity[words[i-2]]:
			from = i - 2
		default:
			continue
		}
		// Who says so: "this is", "I am", "it is" just before, or nothing (the start).
		start := -1
		switch {
		case from == 0 && words[from] != "the":
			start = 0
		case from >= 2 && words[from-1] == "is" && enIdentity[words[from-2]],
			from >= 2 && words[from-2] == "i" && words[from-1] == "am":
			start = from - 2
		}
		if start < 0 {
			continue
		}
		end := i + 1
		if end < len(words) && (words[end] == "speaking" || words[end] == "here") {
			end++
		}
		out := append(append(append([]string(nil), words[:start]...), "that", "is", "not", "me"), words[end:]...)
		return someoneElse(out)
	}
	return words
}

// zhRelation is a speaker naming themself the person's relation or carer ("我是他老婆",
// "这是她儿子", "他妈妈"): someoneElse for Mandarin.
var zhRelation = regexp.MustCompile(`(我是|我就是|这是|我|^|，)[他她]的?(老婆|妻子|老公|丈夫|爱人|太太|先生|媳妇|对象|女朋友|男朋友|` +
	`儿子|女儿|孩子|妈妈|母亲|妈|爸爸|父亲|爸|哥哥|姐姐|弟弟|妹妹|家人|亲戚|奶奶|爷爷|外婆|外公|姥姥|姥爷|孙子|孙女|` +
	`舅舅|叔叔|阿姨|朋友|同事|室友|邻居|秘书|助理|保姆|律师)`)

// zhContext is Mandarin's context rules, on the text before it is split: a relation
// or carer speaking is "不是我" (not me; a comma before it kept), and, like wagesPaid
// and partPaid, wages and part payments lose their payment.
func zhContext(s string) string {
	s = zhRelation.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "，") {
			return "，不是我"
		}
		return "不是我"
	})
	return zhPart.ReplaceAllString(zhWages.ReplaceAllString(s, "薪"), "部分")
}

// zhWages is the caller's salary and a payment put off until it comes ("发工资了再还":
// not paid, and no promise for the due date either): "薪" is in no phrase. ("一点" is
// not a part payment: it is one o'clock too.)
var zhWages = regexp.MustCompile(`(发工资|发薪水?|工资|薪水)了?(再|才|就)?(还|付|交)?`)

// zhPart is a part payment ("只能还一半", "先还一部分"): no promise of the amount due.
var zhPart = regexp.MustCompile(`(只能|只可以|只够)?(先)?(还|付|交)?(一部分|一半|部分)`)

// enIdentity are the subjects of "X is …" that name the speaker ("this is her husband").
var enIdentity = setOf("this", "that", "it")

// enRelations are who answers a person's phone for them.
var enRelations = setOf("husband", "wife", "partner", "spouse", "boyfriend", "girlfriend", "fiance", "fiancee",
	"son", "daughter", "mother", "father", "mom", "mum", "dad", "parent", "sister", "brother", "aunt", "uncle",
	"cousin", "niece", "nephew", "grandson", "granddaughter", "grandmother", "grandfather", "grandma", "grandpa",
	"stepson", "stepdaughter", "stepmother", "stepfather", "roommate", "flatmate", "housemate", "friend",
	"neighbor", "neighbour", "assistant", "secretary", "caregiver", "carer", "nurse", "lawyer", "attorney",
	"colleague", "coworker", "landlord", "guardian", "relative", "babysitter", "nanny")

// enCanonStem is enCanon keyed by the stems of its words (phoned → phon → call).
// Where two words share a stem and differ in concept ("pay" is yes, "payed" paid),
// the word that is its own stem decides ("paying" is pay, a yes), else the first in
// order: the same every run, whatever the map's order.
var enCanonStem = func() map[string]string {
	m := make(map[string]string, len(enCanon))
	for _, k := range slices.Sorted(maps.Keys(enCanon)) {
		st := stem(k)
		if _, ok := m[st]; !ok || k == st {
			m[st] = enCanon[k]
		}
	}
	return m
}()

// zhKeys are zhRewrite's keys, longest first.
var zhKeys = func() []string {
	keys := make([]string, 0, len(zhRewrite))
	for k := range zhRewrite {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if a, b := len([]rune(keys[i])), len([]rune(keys[j])); a != b {
			return a > b
		}
		return keys[i] < keys[j]
	})
	return keys
}()

func analyseZh(s string) []tok {
	rs := []rune(zhContext(s))
	var b strings.Builder
	for i := 0; i < len(rs); {
		done := false
		for _, k := range zhKeys {
			kr := []rune(k)
			if len(kr) <= len(rs)-i && string(rs[i:i+len(kr)]) == k {
				b.WriteString(zhRewrite[k])
				i += len(kr)
				done = true
				break
			}
		}
		if !done {
			b.WriteRune(rs[i])
			i++
		}
	}
	var toks []tok
	rw := []rune(b.String())
	for i, r := range rw {
		// 好 before a word other than a particle is "very" (好热, 好吵), not "fine".
		if r == '好' && i+1 < len(rw) && isCJK(rw[i+1]) && !strings.ContainsRune("的吧啊呀了好", rw[i+1]) {
			r = '很'
		}
		if f, ok := cjkFold[r]; ok {
			r = f
		}
		c := string(r)
		if fillers[c] {
			continue
		}
		if c == "，" {
			toks = append(toks, tok{word: c, canon: c, stem: c, stop: true, cjk: true})
			continue
		}
		if c == "未" {
			c = "不"
		}
		toks = append(toks, tok{word: c, canon: c, stem: c, cue: zhCues[c], stop: zhStop[c], cjk: true})
	}
	return toks
}

// markNegation sets neg on the words a cue governs: the next few content words
// (function words in between do not count, up to a hard limit), not past a clause
// break.
func markNegation(toks []tok) {
	for i := range toks {
		if !toks[i].cue {
			continue
		}
		scope := negScopeEn
		if toks[i].cjk {
			scope = negScopeZh
		}
		content, raised, answered, limit := 0, false, false, i+negMaxWords
		for j := i + 1; j < len(toks) && j <= limit && content < scope; j++ {
			// After a verb of opinion an answer word is what is thought, not a new
			// answer: "I don't think I can" is "I think I can't". The thought ends
			// with its answer ("... manage it this time": not "time").
			answer := toks[j].canon == "yes" || toks[j].canon == "no"
			if toks[j].cue || isBreak(toks[j]) && !(raised && answer) || answered && !answer && !toks[j].stop {
				break
			}
			// A question word opens a clause of its own: "I don't know why you're
			// calling" does not ask us not to call.
			if !toks[j].cjk && questionWords[toks[j].word] {
				break
			}
			answered = answered || raised && answer
			toks[j].neg = true
			if !raised && !toks[j].cjk && negRaising[toks[j].stem] {
				// The clause after it is as long as a clause a cue governs, and may
				// end in the answer ("I'll be able to pay by then").
				raised, limit = true, j+negMaxWords+2
				continue
			}
			if !toks[j].stop {
				content++
			}
		}
	}
}

// negRaising are the stems of verbs of opinion: a negation before one governs the
// clause after it ("I don't think I can", "I don't reckon I'll manage").
var negRaising = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{"think", "believe", "reckon", "suppose", "expect", "imagine", "guess"} {
		m[stem(w)] = true
	}
	return m
}()

// isBreak: the word as said (not its concept: "pay" folds to yes but ends nothing).
func isBreak(t tok) bool {
	if t.cjk {
		return zhBreaks[t.canon]
	}
	return enBreaks[t.word]
}

// stem is a small suffix-stripping English stemmer (a subset of Porter's steps): it
// makes calling, called and calls one word, and leaves irregular forms (paid) alone.
func stem(w string) string {
	if len(w) <= 3 || !isASCIIWord(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s") && len(w) > 4:
		w = w[:len(w)-1]
	}
	for _, sf := range []string{"ingly", "edly", "ing", "ed"} {
		if base, ok := strings.CutSuffix(w, sf); ok && len(base) >= 3 && hasVowel(base) {
			w = undouble(base)
			break
		}
	}
	for _, sf := range []string{"ment", "ly"} {
		if base, ok := strings.CutSuffix(w, sf); ok && len(base) >= 4 {
			w = base
			break
		}
	}
	if len(w) > 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	return w
}

func undouble(w string) string {
	n := len(w)
	if n >= 2 && w[n-1] == w[n-2] && !strings.ContainsRune("lsz", rune(w[n-1])) && !strings.ContainsRune("aeiou", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

func hasVowel(w string) bool { return strings.ContainsAny(w, "aeiouy") }

func isASCIIWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// Normalize returns text as the matcher sees it: its words after normalisation,
// stemming and synonyms, negated ones marked with a leading "!".
func Normalize(text string) string {
	toks := analyse(text)
	parts := make([]string, 0, len(toks))
	for _, t := range toks {
		s := t.canon
		if t.neg {
			s = "!" + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// IsRelation reports whether word names a relation or carer of a person ("husband",
// "mother", "nurse"): who may answer a person's phone for them.
func IsRelation(word string) bool { return enRelations[word] }
