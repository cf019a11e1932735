package inspect

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rule ids: what a Failure names.
const (
	RuleForbiddenWord = "forbidden_word"
	RuleSensitiveWord = "sensitive_word"
	RuleDisclosure    = "disclosure"
	RuleOptOutOffer   = "opt_out_offer"
	RuleTalkOver      = "talk_over"
	RuleSilence       = "silence"
	RuleMinCall       = "min_call"
	RuleMaxCall       = "max_call"
)

// Turn is one turn of the call as the voice bot recorded it.
type Turn struct {
	Role    string // bot | caller
	Text    string
	Event   string // barge_in, hangup, voicemail, max_call (a bot turn cut short); not_spoken; no_input, …
	DTMF    string
	StartMS int64
	EndMS   int64
}

// Call is what Inspect reads.
type Call struct {
	Locale     string
	Turns      []Turn
	DurationMS int64 // answered → ended; 0: the end of the last turn
}

// Failure is one broken rule.
type Failure struct {
	Rule     string `json:"rule"`
	OffsetMS int64  `json:"offset_ms"` // from the answer
	Who      string `json:"who"`       // bot | caller | call
	Turn     int    `json:"turn"`      // index in the transcript; -1 for the call as a whole
	Detail   string `json:"detail"`
}

// Report is a call's inspection.
type Report struct {
	Pass          bool      `json:"pass"`
	Failures      []Failure `json:"failures"` // in offset order
	TalkOverRatio float64   `json:"talk_over_ratio"`
	SilenceRatio  float64   `json:"silence_ratio"`
	DurationMS    int64     `json:"duration_ms"`
	Checked       []string  `json:"checked"` // the rules applied
}

// First is the earliest failure (nil when the call passed).
func (r *Report) First() *Failure {
	if r == nil || len(r.Failures) == 0 {
		return nil
	}
	return &r.Failures[0]
}

// Speaking rates when no prompt of the call played in full (characters per ms).
const (
	defaultRateEN = 15.0 / 1000
	defaultRateZH = 4.5 / 1000
)

// cut reports whether a bot turn stopped before its prompt ended.
func cut(t *Turn) bool {
	switch t.Event {
	case "barge_in", "hangup", "voicemail", "max_call":
		return true
	}
	return false
}

// Inspect checks call against r.
func Inspect(r *Rules, call *Call) *Report {
	rep := &Report{Failures: []Failure{}, Checked: []string{}}
	if r == nil {
		r = &Rules{}
	}
	dur := call.DurationMS
	for _, t := range call.Turns {
		dur = max(dur, t.EndMS)
	}
	rep.DurationMS = dur
	rate := speakingRate(call)
	// spoken[i] is how many characters (runes) of bot turn i were heard.
	spoken := make([]int, len(call.Turns))
	for i := range call.Turns {
		t := &call.Turns[i]
		if t.Role != "bot" || t.Text == "" {
			continue
		}
		n := utf8.RuneCountInString(t.Text)
		switch {
		case t.Event == "not_spoken":
		case cut(t):
			spoken[i] = min(n, int(float64(t.EndMS-t.StartMS)*rate))
		default:
			spoken[i] = n
		}
	}
	fail := func(f Failure) { rep.Failures = append(rep.Failures, f) }
	at := func(t *Turn, runes int) int64 { return t.StartMS + int64(float64(runes)/rate) }

	if len(r.Forbidden) > 0 {
		rep.Checked = append(rep.Checked, RuleForbiddenWord)
		for i := range call.Turns {
			t := &call.Turns[i]
			if t.Role != "bot" || spoken[i] == 0 {
				continue
			}
			for _, w := range r.Forbidden {
				if start, end, ok := find(t.Text, w); ok && end <= spoken[i] {
					fail(Failure{Rule: RuleForbiddenWord, OffsetMS: at(t, start), Who: "bot", Turn: i, Detail: fmt.Sprintf("the bot said %q", w)})
				}
			}
		}
	}
	if len(r.Sensitive) > 0 {
		rep.Checked = append(rep.Checked, RuleSensitiveWord)
		for i := range call.Turns {
			t := &call.Turns[i]
			if t.Role != "caller" || t.Text == "" {
				continue
			}
			for _, w := range r.Sensitive {
				if _, _, ok := find(t.Text, w); ok {
					fail(Failure{Rule: RuleSensitiveWord, OffsetMS: t.StartMS, Who: "caller", Turn: i, Detail: fmt.Sprintf("the caller said %q", w)})
				}
			}
		}
	}
	if r.Disclosure != "" {
		rep.Checked = append(rep.Checked, RuleDisclosure)
		if f := disclosure(r.Disclosure, call, spoken); f != nil {
			fail(*f)
		}
	}
	if len(r.OptOutOffer) > 0 {
		rep.Checked = append(rep.Checked, RuleOptOutOffer)
		if f := optOutOffer(r.OptOutOffer, call, spoken); f != nil {
			fail(*f)
		}
	}
	over, overAt, silent, gapAt := overlap(call)
	if dur > 0 {
		rep.TalkOverRatio = float64(over) / float64(dur)
		rep.SilenceRatio = float64(silent) / float64(dur)
	}
	if r.MaxTalkOver > 0 {
		rep.Checked = append(rep.Checked, RuleTalkOver)
		if rep.TalkOverRatio > r.MaxTalkOver {
			fail(Failure{Rule: RuleTalkOver, OffsetMS: overAt, Who: "call", Turn: -1,
				Detail: fmt.Sprintf("both spoke at once for %.0f%% of the call (at most %.0f%%)", 100*rep.TalkOverRatio, 100*r.MaxTalkOver)})
		}
	}
	if r.MaxSilence > 0 {
		rep.Checked = append(rep.Checked, RuleSilence)
		if rep.SilenceRatio > r.MaxSilence {
			fail(Failure{Rule: RuleSilence, OffsetMS: gapAt, Who: "call", Turn: -1,
				Detail: fmt.Sprintf("nobody spoke for %.0f%% of the call (at most %.0f%%); the longest silence starts here", 100*rep.SilenceRatio, 100*r.MaxSilence)})
		}
	}
	if r.MinCall > 0 {
		rep.Checked = append(rep.Checked, RuleMinCall)
		if dur < r.MinCall.Milliseconds() {
			fail(Failure{Rule: RuleMinCall, OffsetMS: dur, Who: "call", Turn: -1, Detail: fmt.Sprintf("the call lasted %d ms, under %s", dur, r.MinCall)})
		}
	}
	if r.MaxCall > 0 {
		rep.Checked = append(rep.Checked, RuleMaxCall)
		if dur > r.MaxCall.Milliseconds() {
			fail(Failure{Rule: RuleMaxCall, OffsetMS: r.MaxCall.Milliseconds(), Who: "call", Turn: -1, Detail: fmt.Sprintf("the call lasted %d ms, over %s", dur, r.MaxCall)})
		}
	}
	sort.SliceStable(rep.Failures, func(i, j int) bool { return rep.Failures[i].OffsetMS < rep.Failures[j].OffsetMS })
	rep.Pass = len(rep.Failures) == 0
	return rep
}

// speakingRate is the call's own rate, characters per ms of the bot turns that
// played in full, or the locale's default.
func speakingRate(call *Call) float64 {
	var chars, ms int64
	for i := range call.Turns {
		t := &call.Turns[i]
		if t.Role == "bot" && t.Text != "" && t.Event == "" && t.EndMS-t.StartMS >= 500 {
			chars += int64(utf8.RuneCountInString(t.Text))
			ms += t.EndMS - t.StartMS
		}
	}
	if chars > 0 && ms > 0 {
		return float64(chars) / float64(ms)
	}
	if l := strings.ToLower(call.Locale); strings.HasPrefix(l, "zh") || strings.HasPrefix(l, "cmn") {
		return defaultRateZH
	}
	return defaultRateEN
}

func disclosure(text string, call *Call, spoken []int) *Failure {
	var partial *Failure
	for i := range call.Turns {
		t := &call.Turns[i]
		if t.Role != "bot" {
			continue
		}
		_, end, ok := find(t.Text, text)
		if !ok {
			continue
		}
		if end <= spoken[i] {
			return nil // spoken in full once is enough
		}
		if partial != nil {
			continue // report the first attempt
		}
		if t.Event == "not_spoken" {
			partial = &Failure{Rule: RuleDisclosure, OffsetMS: t.StartMS, Who: "bot", Turn: i, Detail: "the prompt with the disclosure was not synthesised: nothing was said"}
			continue
		}
		heard := []rune(t.Text)[:spoken[i]]
		partial = &Failure{Rule: RuleDisclosure, OffsetMS: t.EndMS, Who: "bot", Turn: i,
			Detail: fmt.Sprintf("the disclosure was cut off (%s) after %q", t.Event, tail(string(heard), 40))}
	}
	if partial != nil {
		return partial
	}
	var first int64
	for _, t := range call.Turns {
		if t.Role == "bot" {
			first = t.StartMS
			break
		}
	}
	return &Failure{Rule: RuleDisclosure, OffsetMS: first, Who: "bot", Turn: -1, Detail: "the bot never said the disclosure"}
}

func optOutOffer(phrases []string, call *Call, spoken []int) *Failure {
	firstEnd := int64(0)
	firstTurn := -1
	for i := range call.Turns {
		t := &call.Turns[i]
		if t.Role != "bot" || t.Text == "" {
			continue
		}
		if firstTurn < 0 {
			firstTurn, firstEnd = i, t.EndMS
		}
		for _, p := range phrases {
			if _, end, ok := find(t.Text, p); ok && end <= spoken[i] {
				return nil
			}
		}
	}
	return &Failure{Rule: RuleOptOutOffer, OffsetMS: firstEnd, Who: "bot", Turn: firstTurn,
		Detail: fmt.Sprintf("no opt-out offer was spoken in full (%s)", strings.Join(phrases, " | "))}
}

// overlap measures talk-over (bot and caller at once) and silence (neither) over
// the call, with where the first talk-over and the longest silence start.
func overlap(call *Call) (over, overAt, silent, gapAt int64) {
	type iv struct{ a, b int64 }
	var bot, caller, all []iv
	for i := range call.Turns {
		t := &call.Turns[i]
		if t.EndMS <= t.StartMS {
			continue
		}
		switch {
		case t.Role == "bot" && t.Text != "" && t.Event != "not_spoken":
			bot = append(bot, iv{t.StartMS, t.EndMS})
		case t.Role == "caller" && (t.Text != "" || t.Event == "noise" || t.Event == "ignored"):
			caller = append(caller, iv{t.StartMS, t.EndMS})
		default:
			continue
		}
		all = append(all, iv{t.StartMS, t.EndMS})
	}
	overAt = -1
	for _, b := range bot {
		for _, c := range caller {
			lo, hi := max(b.a, c.a), min(b.b, c.b)
			if hi > lo {
				over += hi - lo
				if overAt < 0 || lo < overAt {
					overAt = lo
				}
			}
		}
	}
	overAt = max(overAt, 0)
	sort.Slice(all, func(i, j int) bool { return all[i].a < all[j].a })
	dur := call.DurationMS
	for _, t := range call.Turns {
		dur = max(dur, t.EndMS)
	}
	cursor, longest := int64(0), int64(-1)
	for _, v := range all {
		if v.a > cursor {
			gap := v.a - cursor
			silent += gap
			if gap > longest {
				longest, gapAt = gap, cursor
			}
		}
		cursor = max(cursor, v.b)
	}
	if dur > cursor {
		gap := dur - cursor
		silent += gap
		if gap > longest {
			gapAt = cursor
		}
	}
	return over, overAt, silent, gapAt
}

// norm is text for matching: lower case, words separated by single spaces, every
// CJK character a word of its own, with a space at both ends. pos[i] is the rune
// index in the original of byte i of the result (-1 for the separators).
func normPos(s string) (string, []int) {
	var b strings.Builder
	pos := make([]int, 0, len(s)+2)
	b.WriteByte(' ')
	pos = append(pos, -1)
	space := true
	ri := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			if !space {
				b.WriteByte(' ')
				pos = append(pos, -1)
			}
			n, _ := b.WriteRune(r)
			for range n {
				pos = append(pos, ri)
			}
			b.WriteByte(' ')
			pos = append(pos, -1)
			space = true
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			n, _ := b.WriteRune(unicode.ToLower(r))
			for range n {
				pos = append(pos, ri)
			}
			space = false
		case r == '\'' || r == '’':
			// don't = dont
		default:
			if !space {
				b.WriteByte(' ')
				pos = append(pos, -1)
				space = true
			}
		}
		ri++
	}
	if !space {
		b.WriteByte(' ')
		pos = append(pos, -1)
	}
	return b.String(), pos
}

func norm(s string) string {
	n, _ := normPos(s)
	return strings.TrimSpace(n)
}

// find looks for phrase in text on word (or CJK character) boundaries; start and
// end are rune indexes in text (end exclusive).
func find(text, phrase string) (start, end int, ok bool) {
	nt, pos := normPos(text)
	np := " " + norm(phrase) + " "
	if strings.TrimSpace(np) == "" {
		return 0, 0, false
	}
	i := strings.Index(nt, np)
	if i < 0 {
		return 0, 0, false
	}
	first, last := i+1, i+len(np)-2
	return pos[first], pos[last] + 1, true
}

func tail(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n:])
}
