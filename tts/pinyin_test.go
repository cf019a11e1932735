package tts

import (
	"context"
	"slices"
	"testing"
)

func TestToPinyin(t *testing.T) {
	t.Parallel()
	e, err := NewESpeak(ESpeakOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ in, want string }{
		{"你好", "ni3 hao3"},
		// Polyphones: per character 行 is xing2 and 还 hai2.
		{"银行还款", "yin2 hang2 huan2 kuan3"},
		{"请问您能按时还款吗？", "qing3 wen4 nin2 neng2 an4 shi2 huan2 kuan3 ma5."},
		{"好的，再见。", "hao3 de5, zai4 jian4."},
		{"共125元", "gong4 125 yuan2"},
		{"ni3 hao3", "ni3 hao3"}, // pinyin passes through
	} {
		got, err := e.toPinyin(ctx, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("toPinyin(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestESpeakMandarinHanzi: the cmn voice speaks Chinese characters as Mandarin (the
// same audio as their numbered pinyin through cmn-latn-pinyin), not as espeak-ng's
// English reading of the pinyin, and the example script's prompts all synthesise.
func TestESpeakMandarinHanzi(t *testing.T) {
	t.Parallel()
	e, err := NewESpeak(ESpeakOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	synth := func(voice, text string) []int16 {
		t.Helper()
		var pcm []int16
		if err := e.Synthesize(ctx, Request{Text: text, Voice: voice, Rate: 8000}, func(p []int16) error {
			pcm = append(pcm, p...)
			return nil
		}); err != nil {
			t.Fatalf("%s %q: %v", voice, text, err)
		}
		return pcm
	}
	for _, tc := range []struct{ hanzi, pinyin string }{
		{"你好", "ni3 hao3"},
		{"您的还款日期是三月十五日。", "nin2 de5 huan2 kuan3 ri4 qi1 shi4 san1 yue4 shi2 wu3 ri4."},
	} {
		got, want := synth("cmn", tc.hanzi), synth(pinyinVoice, tc.pinyin)
		if !slices.Equal(got, want) {
			t.Errorf("cmn %q: %d samples, differs from %s %q (%d samples)", tc.hanzi, len(got), pinyinVoice, tc.pinyin, len(want))
		}
	}
	for _, text := range []string{
		"您好，这里是安可金融。请问是王先生或女士吗？",
		"正在为您转接人工客服，请稍候。",
	} {
		if pcm := synth("cmn", text); len(pcm) < 8000 {
			t.Errorf("%q: %d samples, want over a second", text, len(pcm))
		}
	}
}
