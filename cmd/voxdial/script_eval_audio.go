package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/internal/bench"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// audioEval is the spoken evaluation's report: per path (grammar, lm, fallback) and
// per SNR, the text-level report of what the recogniser wrote down.
type audioEval struct {
	Utterances int                                 `json:"utterances"`
	Voices     []string                            `json:"voices"`
	Paths      map[string]map[string]intent.Report `json:"paths"` // path → snr key → report
	// ByVoice: path → voice → snr key → report, when there is more than one voice
	// (a person's recordings against synthetic voices saying the same sentences).
	ByVoice    map[string]map[string]map[string]intent.Report `json:"by_voice,omitempty"`
	CPUSeconds map[string]float64                             `json:"cpu_seconds_per_audio_second"`
	// Decodes: path → its recogniser's decoding work (second passes, decodes ahead,
	// decodes at the short frame rate).
	Decodes map[string]asr.SphinxStats `json:"decodes"`
}

// evalBabbleSentences are what --noise babble's crowd (the tuning voices) says: in no
// evaluation set, and neither the live bench's crowd nor the adaptation's.
var evalBabbleSentences = []string{
	"the bus was full so we walked home",
	"there is a new cafe next to the station",
	"he plays the piano every evening",
	"we are going camping in the mountains",
	"the printer on the second floor is broken",
	"my aunt makes the best apple pie",
}

// runScriptEvalAudio speaks every utterance of the set with each voice, speed and
// SNR, recognises it three ways — the state grammar (the script's phrases, with the
// fitted rejection), the open-vocabulary search alone (a trigram of how callers answer,
// the phrases, and a few general words), and the live engine's fallback (the grammar,
// then the open search on the utterances the grammar doubts) — and classifies each
// transcript.
func runScriptEvalAudio(ctx context.Context, b *voicebot.Bot, set []intent.Labelled, hs []string, f *scriptEvalFlags, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var voices []evalset.Voice
	for _, v := range f.voices {
		voice, err := evalset.ParseVoice(v)
		if err != nil {
			return usageErr("script eval: --voices: %v", err)
		}
		voices = append(voices, voice)
	}
	g := &asr.Grammar{Name: "eval"}
	var vocab []string
	for _, in := range b.Intents {
		g.Intents = append(g.Intents, asr.Intent{Name: in.Name, Phrases: in.Phrases})
		vocab = append(vocab, in.Phrases...)
	}
	recorded := slices.Contains(voices, evalset.Recorded)
	phrases := make([]evalset.Labeled, len(set))
	for i, s := range set {
		phrases[i] = evalset.Labeled{Text: s.Text, Intent: s.Intent}
		if !recorded {
			continue
		}
		rec, err := s.FindRecording(f.set, f.recordings)
		if err != nil {
			return usageErr("script eval: --voices recorded: %v", err)
		}
		phrases[i].Recording = rec
	}
	noise, err := evalset.ParseNoise(f.noise)
	if err != nil {
		return usageErr("script eval: --noise: %v", err)
	}
	allPaths := []string{"grammar", "lm", "fallback"}
	run := map[string]bool{}
	for _, p := range f.paths {
		if !slices.Contains(allPaths, p) {
			return usageErr("script eval: --paths: %q: want grammar, lm or fallback", p)
		}
		run[p] = true
	}
	if len(run) == 0 {
		return usageErr("script eval: --paths: name at least one of grammar, lm, fallback")
	}
	var spokenModel *intent.SpokenModel
	if f.spokenModel != "" {
		if spokenModel, err = intent.ParseSpokenModel(f.spokenModel); err != nil {
			return usageErr("script eval: --spoken-model: %v", err)
		}
	}
	var rejection *asr.RejectionModel
	if f.rejection != "" {
		m, err := asr.ParseRejectionModel(f.rejection)
		if err != nil {
			return usageErr("script eval: --rejection: %v", err)
		}
		rejection = &m
	}
	if f.warp > 0 && !warpInRange(f.warp) {
		return usageErr("script eval: --warp %g: want a warp between 0.7 and 1.4 (1 is none; negative turns it off)", f.warp)
	}
	if f.lmDiscount < 0 || f.lmDiscount >= 1 {
		return usageErr("script eval: --lm-discount %g: want a discount between 0 and 1, such as 0.5", f.lmDiscount)
	}
	if f.frameRate > 0 && !frameRateInRange(f.frameRate) {
		return usageErr("script eval: --frame-rate %d: want %d to %d frames a second (negative: pocketsphinx's 100)", f.frameRate, asr.MinFrameRate, asr.MaxFrameRate)
	}
	if f.shortFrameRate > 0 && !frameRateInRange(f.shortFrameRate) {
		return usageErr("script eval: --short-frame-rate %d: want %d to %d frames a second (negative: none)", f.shortFrameRate, asr.MinFrameRate, asr.MaxFrameRate)
	}
	if f.silence < 0 {
		return usageErr("script eval: --digital-silence %v: want 0 or more", f.silence)
	}
	if err := checkDenoiserFlags("script eval", f.denoiser, f.nsPolicy); err != nil {
		return err
	}
	if f.shortSpeech < 0 {
		return usageErr("script eval: --short-speech %s: want a duration of 0 or more", f.shortSpeech)
	}
	if f.rejectionSamples != "" && !run["fallback"] && !run["grammar"] {
		return usageErr("script eval: --rejection-samples needs the grammar or fallback path")
	}
	// The samples files are written at the end: a directory that is not there fails
	// now, not after the whole run.
	for flag, path := range map[string]string{"--rejection-samples": f.rejectionSamples, "--spoken-samples": f.spokenSamples} {
		if path == "" {
			continue
		}
		if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
			return usageErr("script eval: %s %s: its directory is not there", flag, path)
		}
	}
	var babble []int16
	if noise == evalset.NoiseBabble {
		// The tuning voices' crowd, saying what neither the figures' crowd nor the
		// adaptation's says.
		if babble, err = evalset.BabbleTrack(ctx, bench.TuningVoices(), evalBabbleSentences, 12); err != nil {
			return failureErr(err)
		}
	}
	us, err := evalset.Generate(ctx, evalset.Options{Phrases: phrases, Voices: voices, Speeds: f.speeds, SNRs: f.snrs, Seed: 1, Noise: noise, Babble: babble})
	if err != nil {
		return failureErr(err)
	}
	if f.silence > 0 {
		pad := make([]int16, int(f.silence.Seconds()*8000))
		for i := range us {
			us[i].PCM = slices.Concat(pad, us[i].PCM, pad)
		}
	}
	corpus := app.OpenCorpus()
	if f.corpus != "" {
		data, err := os.ReadFile(f.corpus)
		if err != nil {
			return usageErr("script eval: --corpus: %v", err)
		}
		corpus = nil
		for _, line := range strings.Split(string(data), "\n") {
			if _, text, ok := strings.Cut(line, "|"); ok {
				line = text // a labelled set ("intent | text") is read as its texts
			}
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				corpus = append(corpus, line)
			}
		}
	}
	// The three paths: the grammar alone; the open search alone (the same language
	// model as the fallback's); and the live engine (app.NewSphinxEngine with open
	// vocabulary: the grammar, and the open search on the utterances it doubts).
	gro := asr.SphinxOptions{Vocabulary: vocab, ChannelAdaptation: f.channelAdaptation, Warp: f.warp, FrameRate: f.frameRate,
		ShortFrameRate: f.shortFrameRate, ShortSpeech: f.shortSpeech, ModelDir: f.modelDir, Rejection: rejection,
		Denoiser: f.denoiser, NSPolicy: f.nsPolicy}
	lmo := gro
	lmo.Search, lmo.Corpus, lmo.LMWords, lmo.DomainGeneralMass = asr.SearchLM, corpus, app.OpenLMWords, app.OpenGeneralMass
	lmo.LMWeight, lmo.LMWordBeam, lmo.DomainDiscount = app.OpenLMWeight, app.OpenLMWordBeam, app.OpenLMDiscount
	if f.lmWeight > 0 {
		lmo.LMWeight = f.lmWeight
	}
	if f.lmDiscount > 0 {
		lmo.DomainDiscount = f.lmDiscount
	}
	if len(f.sphinxArgs) > 0 {
		lmo.Args = f.sphinxArgs
	}
	fbo := lmo
	fbo.Search, fbo.OpenFallback, fbo.OpenFallbackBelow = asr.SearchGrammar, true, app.OpenVocabularyMinConfidence
	if f.fallbackBelow > 0 {
		fbo.OpenFallbackBelow = f.fallbackBelow
	}
	// The grammar match of the path that records (the live engine's, else the
	// grammar's) for --rejection-samples: reset before each utterance.
	var match struct {
		intent string
		f      []float64
	}
	var rejections []rejectionSample
	if f.rejectionSamples != "" {
		debug := func(in string, feats []float64, _ float64) { match.intent, match.f = in, slices.Clone(feats) }
		if run["fallback"] {
			fbo.DebugScores = debug
		} else {
			gro.DebugScores = debug
		}
	}
	engines := make([]*asr.Sphinx, 0, 3)
	defer func() {
		for _, e := range engines {
			e.Close()
		}
	}()
	for _, o := range []asr.SphinxOptions{gro, lmo, fbo} {
		e, err := asr.NewSphinx(o)
		if err != nil {
			return failureErr(err)
		}
		engines = append(engines, e)
	}
	c := b.Classifier()
	if f.openFirst {
		g.Holds = b.WordsHoldAnywhere()
	}
	if f.grammarKeep != 0 || spokenModel != nil {
		o := b.ClassifierOptions()
		o.GrammarKeepMinConfidence = f.grammarKeep
		if spokenModel != nil {
			o.Spoken = spokenModel
		}
		c = intent.New(voicebot.ClassifierIntents(b.Intents), o)
	}
	type row struct{ grammar, lm, fallback []intent.Labelled }
	var spoken []intent.SpokenSample
	bySNR := map[string]*row{}
	byVoice := map[string]map[string]*row{} // voice → snr key
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
		key := u.Condition()
		r := bySNR[key]
		if r == nil {
			r = &row{}
			bySNR[key] = r
		}
		vk := u.Voice.String()
		if byVoice[vk] == nil {
			byVoice[vk] = map[string]*row{}
		}
		vr := byVoice[vk][key]
		if vr == nil {
			vr = &row{}
			byVoice[vk][key] = vr
		}
		label := u.Intent
		if label == "" {
			label = intent.OffTopic
		}
		var outs [3]evalset.Outcome
		match.intent, match.f = "", nil
		for k, path := range allPaths {
			if !run[path] {
				continue
			}
			t0 := bench.ProcessCPU()
			o, err := evalset.Recognize(ctx, engines[k], g, u)
			if err != nil {
				return failureErr(err)
			}
			cpu[path] += bench.ProcessCPU() - t0
			outs[k] = o
		}
		// A grammar phrase its rejection refused is no words; open words always count.
		text := func(o evalset.Outcome) string {
			if o.Intent == "" && !o.Open {
				return ""
			}
			return o.Text
		}
		// Open words carry the search's readings and doubt, as on a call.
		heard := func(o evalset.Outcome) *intent.Heard {
			if !o.Open || (len(o.Alternatives) == 0 && o.Grammar == nil) {
				return nil
			}
			h := &intent.Heard{WordConfidence: o.Confidence}
			if g := o.Grammar; g != nil {
				h.Grammar = &intent.GrammarReading{Text: g.Text, Intent: g.Intent, Confidence: g.Confidence}
			}
			for _, a := range o.Alternatives {
				h.Readings = append(h.Readings, intent.Reading{Text: a.Text, Weight: a.Weight})
			}
			return h
		}
		if f.rejectionSamples != "" {
			if r, ok := newRejectionSample(match.intent == u.Intent, match.f, u); ok {
				rejections = append(rejections, r)
			}
		}
		r.grammar = append(r.grammar, intent.Labelled{Intent: label, Text: text(outs[0]), Line: i + 1})
		lmHeard, fbHeard := heard(outs[1]), heard(outs[2])
		r.lm = append(r.lm, intent.Labelled{Intent: label, Text: outs[1].Text, Line: i + 1, Heard: lmHeard})
		r.fallback = append(r.fallback, intent.Labelled{Intent: label, Text: text(outs[2]), Line: i + 1, Heard: fbHeard})
		n := len(r.grammar) - 1
		vr.grammar, vr.lm, vr.fallback = append(vr.grammar, r.grammar[n]), append(vr.lm, r.lm[n]), append(vr.fallback, r.fallback[n])
		if s, ok := c.SpokenSampleOf(text(outs[2]), fbHeard, label); ok {
			spoken = append(spoken, s)
		}
		if f.verbose {
			say := func(o evalset.Outcome) string {
				r := c.ClassifyHeard(text(o), heard(o), nil)
				return fmt.Sprintf("%q (words %.2f, %d readings) → %s %s %.2f", text(o), o.Confidence, len(o.Alternatives), r.Intent, r.Verdict, r.Score)
			}
			fmt.Fprintf(stderr, "%s %s %s %q: grammar %s, lm %s, fallback %s (%d utterances)\n", u.Voice, key, label, u.Text, say(outs[0]), say(outs[1]), say(outs[2]), outs[2].Finals)
		}
	}
	if f.spokenSamples != "" {
		if err := writeAtomic(f.spokenSamples, "--spoken-samples", func(w io.Writer) error { return intent.WriteSpokenSamples(w, spoken) }); err != nil {
			return failureErr(err)
		}
		fmt.Fprintf(stderr, "script eval: %d open readings with an intent written to %s\n", len(spoken), f.spokenSamples)
	}
	if f.rejectionSamples != "" {
		err := writeAtomic(f.rejectionSamples, "--rejection-samples", func(w io.Writer) error {
			for _, r := range rejections {
				if err := asr.WriteRejectionSample(w, r.RejectionSample, r.note); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return failureErr(err)
		}
		fmt.Fprintf(stderr, "script eval: %d grammar matches written to %s\n", len(rejections), f.rejectionSamples)
	}
	rep := audioEval{Utterances: len(us), Voices: f.voices, Paths: map[string]map[string]intent.Report{}, CPUSeconds: map[string]float64{},
		Decodes: map[string]asr.SphinxStats{}}
	for path, pick := range map[string]func(*row) []intent.Labelled{
		"grammar": func(r *row) []intent.Labelled { return r.grammar }, "lm": func(r *row) []intent.Labelled { return r.lm },
		"fallback": func(r *row) []intent.Labelled { return r.fallback },
	} {
		if !run[path] {
			continue
		}
		rep.Paths[path] = map[string]intent.Report{}
		for key, r := range bySNR {
			ev := intent.Evaluate(c, pick(r), hs)
			ev.Misses = nil
			rep.Paths[path][key] = ev
		}
		if len(byVoice) > 1 {
			if rep.ByVoice == nil {
				rep.ByVoice = map[string]map[string]map[string]intent.Report{}
			}
			rep.ByVoice[path] = map[string]map[string]intent.Report{}
			for v, keys := range byVoice {
				rep.ByVoice[path][v] = map[string]intent.Report{}
				for key, r := range keys {
					ev := intent.Evaluate(c, pick(r), hs)
					ev.Misses = nil
					rep.ByVoice[path][v][key] = ev
				}
			}
		}
		rep.CPUSeconds[path] = cpu[path].Seconds() / max(audioS, 1)
		rep.Decodes[path] = engines[slices.Index(allPaths, path)].Stats()
	}
	if f.jsonOut {
		if err := printJSON(stdout, rep); err != nil {
			return failureErr(err)
		}
		return nil
	}
	for _, path := range allPaths {
		for key, ev := range rep.Paths[path] {
			fmt.Fprintf(stdout, "%-8s %-6s right %5.1f %%  wrong high-stakes %4.1f %%  off-topic no_match %5.1f %%\n",
				path, key, 100*ev.RightRate, 100*ev.WrongHighStakesRate, 100*ev.OffTopicNoMatchRate)
		}
		voices := slices.Sorted(maps.Keys(rep.ByVoice[path]))
		for _, v := range voices {
			for _, key := range slices.Sorted(maps.Keys(rep.ByVoice[path][v])) {
				ev := rep.ByVoice[path][v][key]
				fmt.Fprintf(stdout, "%-8s %-6s %-20s right %5.1f %%  wrong high-stakes %4.1f %%  off-topic no_match %5.1f %%\n",
					path, key, v, 100*ev.RightRate, 100*ev.WrongHighStakesRate, 100*ev.OffTopicNoMatchRate)
			}
		}
	}
	return nil
}

// writeAtomic writes a file through write into a temporary file beside path and
// renames it into place: a run cut short leaves nothing half written under the name.
// flag names the option in errors.
func writeAtomic(path, flag string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".samples-*")
	if err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return nil
}

// rejectionSample is one grammar match for --rejection-samples and where it came from.
type rejectionSample struct {
	asr.RejectionSample
	note string
}

func newRejectionSample(right bool, feats []float64, u evalset.Utterance) (rejectionSample, bool) {
	if len(feats) != asr.RejectionFeatures {
		return rejectionSample{}, false
	}
	r := rejectionSample{RejectionSample: asr.RejectionSample{Right: right}}
	copy(r.Features[:], feats)
	label := u.Intent
	if label == "" {
		label = intent.OffTopic
	}
	r.note = fmt.Sprintf("%s %s %s %q", u.Voice, u.Condition(), label, u.Text)
	return r, true
}
