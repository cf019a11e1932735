package tts

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"unicode"
)

// espeak-ng's Mandarin voice (cmn, 1.51) looks Chinese characters up as numbered
// pinyin ("你" → "ni3") but then reads that pinyin with English rules: "你好" comes out
// as "nee three, hey-oh three". Its cmn-latn-pinyin voice reads numbered pinyin
// properly, tone sandhi included. So hanzi text for the cmn voice is converted to
// numbered pinyin, character by character, with espeak-ng's own dictionary (its -X
// trace prints each lookup as "Replace: 你 ni3"), plus the polyphones below that a
// per-character lookup gets wrong in our prompts.

// pinyinVoice reads numbered pinyin.
const pinyinVoice = "cmn-latn-pinyin"

// pinyinWords are words whose characters have another reading in isolation (行 xing2,
// 还 hai2, 重 zhong4, 长 chang2, ...), for the payment-reminder vocabulary.
var pinyinWords = map[string]string{
	"银行": "yin2 hang2", "行业": "hang2 ye4", "还款": "huan2 kuan3", "还钱": "huan2 qian2",
	"归还": "gui1 huan2", "偿还": "chang2 huan2", "还清": "huan2 qing1", "重新": "chong2 xin1",
	"重复": "chong2 fu4", "长大": "zhang3 da4", "行长": "hang2 zhang3", "会计": "kuai4 ji4",
	"得到": "de2 dao4", "还没": "hai2 mei2", "还有": "hai2 you3", "觉得": "jue2 de5",
	"朝阳": "zhao1 yang2", "调查": "diao4 cha2", "数额": "shu4 e2", "了解": "liao3 jie3",
}

// maxPinyinWord is the longest key of pinyinWords, in runes.
const maxPinyinWord = 2

// pinyinTable caches espeak-ng's reading of each character seen so far: the lookup
// costs a subprocess, and prompts reuse few characters. Safe for concurrent use.
type pinyinTable struct {
	mu sync.Mutex
	m  map[rune]string
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// toPinyin converts the Chinese characters of text to numbered pinyin syllables
// separated by spaces; Chinese punctuation becomes ASCII punctuation (which keeps
// espeak-ng's pauses), anything else passes through.
func (e *ESpeak) toPinyin(ctx context.Context, text string) (string, error) {
	if err := e.learnPinyin(ctx, text); err != nil {
		return "", err
	}
	rs := []rune(text)
	var b strings.Builder
	afterSyllable := false // the last thing written was a pinyin syllable
	sep := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
			b.WriteByte(' ')
		}
	}
	e.pinyin.mu.Lock()
	defer e.pinyin.mu.Unlock()
	for i := 0; i < len(rs); {
		matched := false
		for n := min(maxPinyinWord, len(rs)-i); n >= 2; n-- {
			if py, ok := pinyinWords[string(rs[i:i+n])]; ok {
				sep()
				b.WriteString(py)
				i += n
				matched, afterSyllable = true, true
				break
			}
		}
		if matched {
			continue
		}
		r := rs[i]
		i++
		switch {
		case unicode.Is(unicode.Han, r):
			py := e.pinyin.m[r]
			if py == "" {
				continue // espeak-ng has no reading: say nothing rather than noise
			}
			sep()
			b.WriteString(py)
			afterSyllable = true
			continue
		case r == '，' || r == '、' || r == '；' || r == '：':
			b.WriteString(", ")
		case r == '。' || r == '！' || r == '？':
			b.WriteString(". ")
		default:
			if afterSyllable && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				sep()
			}
			b.WriteRune(r)
		}
		afterSyllable = false
	}
	return strings.Join(strings.Fields(b.String()), " "), nil
}

// learnPinyin looks up, in one espeak-ng run, the characters of text not yet cached.
func (e *ESpeak) learnPinyin(ctx context.Context, text string) error {
	e.pinyin.mu.Lock()
	var unknown []rune
	seen := map[rune]bool{}
	for _, r := range text {
		if unicode.Is(unicode.Han, r) && !seen[r] {
			seen[r] = true
			if _, ok := e.pinyin.m[r]; !ok {
				unknown = append(unknown, r)
			}
		}
	}
	e.pinyin.mu.Unlock()
	if len(unknown) == 0 {
		return nil
	}
	// One character per word, so the trace shows per-character lookups.
	in := strings.Join(strings.Split(string(unknown), ""), " ")
	cmd := exec.CommandContext(ctx, e.bin, "-v", "cmn", "-q", "-X", "--stdin")
	cmd.Stdin = strings.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("espeak: pinyin lookup: %w: %w (%s)", ErrEngine, err, strings.TrimSpace(stderr.String()))
	}
	found := map[rune]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "Replace: ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 {
			continue
		}
		if rs := []rune(f[0]); len(rs) == 1 && isPinyin(f[1]) {
			found[rs[0]] = f[1]
		}
	}
	e.pinyin.mu.Lock()
	defer e.pinyin.mu.Unlock()
	if e.pinyin.m == nil {
		e.pinyin.m = map[rune]string{}
	}
	for _, r := range unknown {
		e.pinyin.m[r] = found[r] // "" records "no reading", so it is not looked up again
	}
	return nil
}

// isPinyin accepts a numbered pinyin syllable: ASCII letters then one tone digit 1-5.
func isPinyin(s string) bool {
	if len(s) < 2 || s[len(s)-1] < '1' || s[len(s)-1] > '5' {
		return false
	}
	for _, c := range s[:len(s)-1] {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
