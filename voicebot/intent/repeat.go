package intent

import (
	"slices"
	"strings"
	"unicode"
)

// AsksToRepeat reports whether text asks the bot to say its question again and says
// nothing else: "sorry, I didn't catch that", "say that again?", "what?", "pardon",
// 你说什么, 没听清, 再说一遍. The bot repeats the question for such a turn without
// counting it as a failed answer; words that also answer ("sorry, I already paid")
// are not a request to repeat.
func AsksToRepeat(text string) bool {
	toks := analyseAny(text)
	if len(toks) == 0 {
		return false
	}
	if toks[0].cjk {
		return zhAsksToRepeat(text)
	}
	bare := true // only words that, alone, ask for the question again
	for _, t := range toks {
		if t.canon == "pardon" {
			return true
		}
		bare = bare && enBareRepeat[t.word]
	}
	return bare && slices.ContainsFunc(toks, func(t tok) bool { return enRepeatKey[t.word] })
}

// enBareRepeat are the words of a bare request ("sorry?", "what was that?", "excuse
// me?"), enRepeatKey those that make one.
var (
	enBareRepeat = setOf("what", "sorry", "huh", "pardon", "eh", "excuse", "me", "was", "is", "that", "again",
		"please", "come", "say", "you", "said", "did")
	enRepeatKey = setOf("what", "sorry", "huh", "pardon", "eh", "excuse")
)

// zhRepeat are the Mandarin requests to repeat; zhBareRepeat those that are one only
// as the whole utterance.
var (
	zhRepeat     = []string{"再说一遍", "再说一次", "再讲一遍", "再讲一次", "重复一下", "重复一遍", "没听清", "听不清", "没听见", "听不见", "没听到", "听不到", "说什么", "说啥"}
	zhBareRepeat = setOf("什么", "啥", "啊", "哈", "嗯什么", "什么啊", "啥呀")
)

func zhAsksToRepeat(text string) bool {
	s := strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, text)
	if zhBareRepeat[s] {
		return true
	}
	for _, p := range zhRepeat {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
