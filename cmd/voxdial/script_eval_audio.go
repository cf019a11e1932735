package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/internal/bench"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// audioEval is the spoken evaluation's report: per path (grammar, lm, combined) and
// per SNR, the text-level report of what the recogniser wrote down.
type audioEval struct {
	Utterances int                                 `json:"utterances"`
	Voices     []string                            `json:"voices"`
	Paths      map[string]map[string]intent.Report `json:"paths"` // path → snr key → report
	CPUSeconds map[string]float64                  `json:"cpu_seconds_per_audio_second"`
}

// runScriptEvalAudio speaks every utterance of the set with each voice, speed and
// SNR, recognises it twice — the state grammar (the script's phrases, with the fitted
// rejection) and the open-vocabulary search (a small language model of the general
// model's frequent words biased to the phrases) — and classifies each transcript. The
// combined path takes, per utterance, the grammar's transcript when its phrase passed
// rejection with the classifier routing it, else the open-vocabulary transcript.
func runScriptEvalAudio(ctx context.Context, b *voicebot.Bot, set []intent.Labelled, hs []string, f *scriptEvalFlags, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var voices []evalset.Voice
	for _, v := range f.voices {
		eng, name, ok := strings.Cut(v, ":")
		if !ok || (eng != "espeak" && eng != "flite") {
			return usageErr("script eval: --voices %q: want engine:name, engine espeak or flite", v)
		}
		voices = append(voices, evalset.Voice{Engine: eng, Name: name})
	}
	g := &asr.Grammar{Name: "eval"}
	var vocab []string
	for _, in := range b.Intents {
		g.Intents = append(g.Intents, asr.Intent{Name: in.Name, Phrases: in.Phrases})
		vocab = append(vocab, in.Phrases...)
	}
	phrases := make([]evalset.Labeled, len(set))
	for i, s := range set {
		phrases[i] = evalset.Labeled{Text: s.Text, Intent: s.Intent}
	}
	us, err := evalset.Generate(ctx, evalset.Options{Phrases: phrases, Voices: voices, Speeds: f.speeds, SNRs: f.snrs, Seed: 1})
	if err != nil {
		return failureErr(err)
	}
	gram, err := asr.NewSphinx(asr.SphinxOptions{Vocabulary: vocab})
	if err != nil {
		return failureErr(err)
	}
	defer gram.Close()
	lm, err := asr.NewSphinx(asr.SphinxOptions{Vocabulary: vocab, Search: asr.SearchLM})
	if err != nil {
		return failureErr(err)
	}
	defer lm.Close()
	c := b.Classifier()
	type row struct{ grammar, lm, combined []intent.Labelled }
	bySNR := map[string]*row{}
	var audioS float64
	cpu := map[string]time.Duration{}
	for i, u := range us {
		if err := ctx.Err(); err != nil {
			return failureErr(err)
		}
		if i%100 == 0 {
			fmt.Fprintf(stderr, "script eval: %d of %d utterances recognised\n", i, len(us))
		}
		audioS += float64(len(u.PCM)) / 8000
		key := evalset.SNRKey(u.SNR)
		r := bySNR[key]
		if r == nil {
			r = &row{}
			bySNR[key] = r
		}
		t0 := bench.ProcessCPU()
		og, err := evalset.Recognize(ctx, gram, g, u)
		if err != nil {
			return failureErr(err)
		}
		t1 := bench.ProcessCPU()
		ol, err := evalset.Recognize(ctx, lm, g, u)
		if err != nil {
			return failureErr(err)
		}
		cpu["grammar"] += t1 - t0
		cpu["lm"] += bench.ProcessCPU() - t1
		gtext := ""
		if og.Intent != "" {
			gtext = og.Text
		}
		label := u.Intent
		if label == "" {
			label = intent.OffTopic
		}
		r.grammar = append(r.grammar, intent.Labelled{Intent: label, Text: gtext, Line: i + 1})
		r.lm = append(r.lm, intent.Labelled{Intent: label, Text: ol.Text, Line: i + 1})
		combined := ol.Text
		if gtext != "" && c.Classify(gtext, nil).Verdict == intent.VerdictMatch {
			combined = gtext
		}
		r.combined = append(r.combined, intent.Labelled{Intent: label, Text: combined, Line: i + 1})
	}
	rep := audioEval{Utterances: len(us), Voices: f.voices, Paths: map[string]map[string]intent.Report{}, CPUSeconds: map[string]float64{}}
	for path, pick := range map[string]func(*row) []intent.Labelled{
		"grammar": func(r *row) []intent.Labelled { return r.grammar }, "lm": func(r *row) []intent.Labelled { return r.lm },
		"combined": func(r *row) []intent.Labelled { return r.combined },
	} {
		rep.Paths[path] = map[string]intent.Report{}
		for key, r := range bySNR {
			ev := intent.Evaluate(c, pick(r), hs)
			ev.Misses = nil
			rep.Paths[path][key] = ev
		}
		rep.CPUSeconds[path] = cpu[path].Seconds() / max(audioS, 1)
	}
	rep.CPUSeconds["combined"] = rep.CPUSeconds["grammar"] + rep.CPUSeconds["lm"]
	if f.jsonOut {
		if err := printJSON(stdout, rep); err != nil {
			return failureErr(err)
		}
		return nil
	}
	for _, path := range []string{"grammar", "lm", "combined"} {
		for key, ev := range rep.Paths[path] {
			fmt.Fprintf(stdout, "%-8s %-6s right %5.1f %%  wrong high-stakes %4.1f %%  off-topic no_match %5.1f %%\n",
				path, key, 100*ev.RightRate, 100*ev.WrongHighStakesRate, 100*ev.OffTopicNoMatchRate)
		}
	}
	return nil
}
