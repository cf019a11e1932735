package bench

import (
	"context"
	"errors"
	"io"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/media"
)

// ASROptions are `voxdial bench asr`'s flags.
type ASROptions struct {
	Set       string        // test set: full, or small (two voices, one speed, clean and 10 dB)
	Streams   int           // real-time streams in the paced phase (0 skips it)
	Paced     time.Duration // length of the paced phase
	PhoneLoop bool          // add the phone-loop rejection pass
}

// ASRCondition is accuracy on one slice of the test set (a noise level, voice, speed or
// the tuning/held-out split).
type ASRCondition struct {
	IntentAccuracy       float64 `json:"intent_accuracy"`
	InGrammar            int     `json:"in_grammar"`
	OffTopicFalseAccepts float64 `json:"off_topic_false_accepts"`
	OffTopic             int     `json:"off_topic"`
}

// ASRPaced is the paced phase: recognisers fed in real time.
type ASRPaced struct {
	PacedStreams   int     `json:"paced_streams"`
	PacedCPUCores  float64 `json:"paced_cpu_cores"`
	PacedAudioS    float64 `json:"paced_audio_s"`
	StreamsPerCore float64 `json:"streams_per_core"`
	// Per stream cost from the audio actually taken (a starved run drops frames).
	RealTimeFactorPerStream float64     `json:"real_time_factor_per_stream"`
	MemoryPerStreamBytes    int64       `json:"memory_per_stream_bytes"`
	FinalLatencyMS          Percentiles `json:"final_latency_ms"` // end of speech + end-of-turn silence → final
	Finals                  int         `json:"finals"`
	Overruns                int         `json:"overruns"`
}

// ASRReport is `voxdial bench asr --json`.
type ASRReport struct {
	Common
	Engine               string                  `json:"engine"`
	PhoneLoopRejection   bool                    `json:"phone_loop_rejection"`
	Utterances           int                     `json:"utterances"`
	AudioS               float64                 `json:"audio_s"`
	SynthesisS           float64                 `json:"synthesis_s"`
	IntentAccuracy       float64                 `json:"intent_accuracy"`
	OffTopicFalseAccepts float64                 `json:"off_topic_false_accepts"`
	AccuracyByCondition  map[string]ASRCondition `json:"accuracy_by_condition"`
	DecodeWallS          float64                 `json:"decode_wall_s"`
	RealTimeFactor       float64                 `json:"real_time_factor"` // CPU over audio, as fast as the engine goes
	StreamsPerCoreBatch  float64                 `json:"streams_per_core_batch"`
	*ASRPaced                                    // with Streams and Paced only
	// Score is the tally behind the figures, for a per-condition summary.
	Score *evalset.Score `json:"-"`
}

// ASR generates the recognition test set (asr/evalset), recognises every utterance with
// the embedded pocketsphinx engine against the reminder state's grammar, and then, with
// o.Streams, runs that many recognisers fed in real time for o.Paced.
func ASR(ctx context.Context, o ASROptions, progress io.Writer) (*ASRReport, error) {
	opts := evalset.Options{}
	switch o.Set {
	case "full":
	case "small":
		opts.Voices = []evalset.Voice{{Engine: "flite", Name: "slt"}, {Engine: "espeak", Name: "en-us"}}
		opts.Speeds = []float64{1}
		opts.SNRs = []float64{0, 10}
	default:
		return nil, usage("--set %q: want full or small", o.Set)
	}
	if o.Streams < 0 || o.Paced < 0 {
		return nil, usage("--streams and --paced must not be negative")
	}
	say := progressTo(progress)
	m := startMeter()
	say("bench asr: synthesising the test set\n")
	genStart := time.Now()
	set, err := evalset.Generate(ctx, opts)
	if err != nil {
		return nil, err
	}
	genWall := time.Since(genStart)
	eng, err := asr.NewSphinx(asr.SphinxOptions{Vocabulary: evalset.Vocabulary(), PhoneLoop: o.PhoneLoop})
	if err != nil {
		return nil, err
	}
	defer eng.Close()

	// Accuracy, as fast as the engine goes; CPU over audio is the real-time factor.
	say("bench asr: recognising %d utterances\n", len(set))
	var audio time.Duration
	for _, u := range set {
		audio += time.Duration(len(u.PCM)) * time.Second / media.SampleRate
	}
	g := evalset.Grammar()
	sc := &evalset.Score{}
	var mu sync.Mutex
	cpu0, wall0 := ProcessCPU(), time.Now()
	work := make(chan evalset.Utterance)
	var wg sync.WaitGroup
	var firstErr error
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				o, err := evalset.Recognize(ctx, eng, g, u)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				sc.Add(u, o)
				mu.Unlock()
			}
		}()
	}
	for _, u := range set {
		work <- u
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	decodeCPU := ProcessCPU() - cpu0
	decodeWall := time.Since(wall0)
	rtf := decodeCPU.Seconds() / audio.Seconds()

	rep := &ASRReport{
		Engine: "sphinx", PhoneLoopRejection: o.PhoneLoop,
		Utterances: len(set), AudioS: round3(audio.Seconds()), SynthesisS: round3(genWall.Seconds()),
		IntentAccuracy:       round3(sc.All.Accuracy()),
		OffTopicFalseAccepts: round3(sc.All.FalseAccepts()),
		AccuracyByCondition:  map[string]ASRCondition{},
		DecodeWallS:          round3(decodeWall.Seconds()),
		RealTimeFactor:       round3(rtf),
		StreamsPerCoreBatch:  round3(1 / rtf),
		Score:                sc,
	}
	for _, k := range sc.Keys() {
		t := sc.By[k]
		rep.AccuracyByCondition[k] = ASRCondition{IntentAccuracy: round3(t.Accuracy()), InGrammar: t.InGrammar,
			OffTopicFalseAccepts: round3(t.FalseAccepts()), OffTopic: t.OffTopic}
	}
	if o.Streams > 0 && o.Paced > 0 {
		say("bench asr: %d real-time streams for %v\n", o.Streams, o.Paced)
		rep.ASRPaced, err = pacedASR(ctx, eng, set, o.Streams, o.Paced)
		if err != nil {
			return nil, err
		}
	}
	rep.Common = m.common()
	return rep, nil
}

// pacedASR feeds n recognisers in real time from one 20 ms tick, each looping over test
// utterances, and measures CPU, memory and the delay from the end of speech (plus the
// end-of-turn silence) to the final result.
func pacedASR(ctx context.Context, eng *asr.Sphinx, set []evalset.Utterance, n int, dur time.Duration) (*ASRPaced, error) {
	rss0 := rssBytes()
	type stream struct {
		r     asr.Recognizer
		audio []int16
		pos   int
	}
	streams := make([]*stream, n)
	var latMu sync.Mutex
	var lat []time.Duration
	var overruns, accepted int
	start := time.Now()
	var wg sync.WaitGroup
	for i := range streams {
		r, err := eng.NewRecognizer(ctx, asr.StreamOptions{Grammar: evalset.Grammar()})
		if err != nil {
			return nil, err
		}
		var audio []int16
		for k := range 6 {
			audio = append(audio, set[(i*7+k*13)%len(set)].PCM...)
		}
		// Staggered starts: real calls do not end their utterances in step.
		streams[i] = &stream{r: r, audio: audio, pos: (i * 7919 * media.FrameSamples) % len(audio)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for res := range r.Results() {
				if res.Kind != asr.KindFinal || res.End == 0 {
					continue
				}
				due := start.Add(res.End - res.Start + 700*time.Millisecond).Add(res.Start)
				latMu.Lock()
				lat = append(lat, max(0, time.Since(due)))
				latMu.Unlock()
			}
		}()
	}
	rssAll := rssBytes()
	cpu0, wall0 := ProcessCPU(), time.Now()
	start = time.Now()
	tick := time.NewTicker(media.FrameDuration)
	defer tick.Stop()
	frame := make([]int16, media.FrameSamples)
	for time.Since(wall0) < dur {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		for _, s := range streams {
			for j := range frame {
				frame[j] = s.audio[(s.pos+j)%len(s.audio)]
			}
			s.pos += len(frame)
			if err := s.r.Write(frame); errors.Is(err, asr.ErrOverrun) {
				overruns++
			} else if err == nil {
				accepted++
			}
		}
	}
	cpu := ProcessCPU() - cpu0
	wall := time.Since(wall0)
	for _, s := range streams {
		s.r.Close()
	}
	wg.Wait()
	cores := cpu.Seconds() / wall.Seconds()
	// Per stream cost from the audio actually taken: a starved run drops frames
	// (overruns), and dividing by the streams asked for would flatter it.
	audio := time.Duration(accepted) * media.FrameDuration
	rtf := cpu.Seconds() / math.Max(audio.Seconds(), 1e-9)
	return &ASRPaced{
		PacedStreams:            n,
		PacedCPUCores:           round3(cores),
		PacedAudioS:             round3(audio.Seconds()),
		StreamsPerCore:          round3(1 / math.Max(rtf, 1e-9)),
		RealTimeFactorPerStream: round4(rtf),
		MemoryPerStreamBytes:    int64(rssAll-rss0) / int64(n),
		FinalLatencyMS:          percentilesMS(lat, 50, 95),
		Finals:                  len(lat),
		Overruns:                overruns,
	}, nil
}
