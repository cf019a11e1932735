// Package evalset generates the recognition test set: caller utterances for the example
// payment-reminder script's intents plus off-topic speech, synthesised by several local
// voices and engines at two speeds, passed through the telephone channel (8 kHz G.711
// µ-law) clean and with white, pink or babble noise at chosen signal-to-noise ratios. The unit tests
// use a small slice of it and `voxdial bench asr` the whole, so both measure the same
// thing. Audio is synthesised, not recorded: flite's output varies slightly run to
// run, so figures move by a point or two between runs.
package evalset

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/tts"
)

// Labeled is a phrase and the intent it expresses ("" for off-topic speech).
type Labeled struct {
	Text, Intent string
	// Recording is a WAV file of a person saying Text, which the Recorded voice
	// plays instead of a synthesiser; "" for none.
	Recording string
}

// Intents are the example script's (payment-reminder.en.yaml) intents and phrases.
var Intents = []asr.Intent{
	{Name: "yes", Phrases: []string{"yes", "yeah", "yep", "sure", "correct", "that's me", "speaking"}},
	{Name: "no", Phrases: []string{"no", "nope", "not really", "wrong number"}},
	{Name: "later", Phrases: []string{"call me later", "call back", "not a good time", "busy right now"}},
	{Name: "paid", Phrases: []string{"already paid", "i paid", "paid it"}},
	{Name: "agent", Phrases: []string{"agent", "human", "representative", "operator", "real person"}},
	{Name: "opt_out", Phrases: []string{"stop calling", "do not call", "don't call", "remove me", "take me off"}},
}

// OffTopic is speech that matches no intent: a good recogniser returns no match.
var OffTopic = []string{
	"the weather is nice today",
	"i am cooking dinner for my family",
	"can you tell me what time it is",
	"my dog is barking at the mailman",
	"what is your company address",
	"i like to watch football on sunday",
	"how much is the interest rate",
	"please speak more slowly",
	"hello hello can you hear me",
	"i just got home from work",
	"the kids are playing outside",
	"which bank are you from",
}

// HeldOutOffTopic is off-topic speech kept out of every tuning run (the rejection
// weights were fitted without it), so that the report shows how the rejection does on
// sentences it has never seen.
var HeldOutOffTopic = []string{
	"who gave you this number",
	"i am driving right now",
	"my husband handles the bills",
	"is this about my credit card",
	"send me a letter instead",
	"i did not understand the question",
	"what was the amount again",
	"sorry i have to go",
}

// TuningVoices are the voices the engine's tuning used (rejection weights, comfort
// noise level); the others are held out.
var TuningVoices = map[string]bool{"flite/slt": true, "flite/awb": true, "espeak/en-us": true}

// HeldOut reports whether u was kept out of tuning: a held-out voice or sentence.
func HeldOut(u Utterance) bool {
	if !TuningVoices[u.Voice.String()] {
		return true
	}
	for _, s := range HeldOutOffTopic {
		if u.Text == s {
			return true
		}
	}
	return false
}

// Grammar is the reminder state's grammar: its intents plus the global ones; every
// intent of the test set.
func Grammar() *asr.Grammar {
	return &asr.Grammar{Name: "reminder", Intents: Intents, DTMF: map[string]string{"1": "yes", "2": "no"}}
}

// Vocabulary is every phrase, for the trimmed dictionary.
func Vocabulary() []string {
	var out []string
	for _, in := range Intents {
		out = append(out, in.Phrases...)
	}
	return out
}

// Phrases is the labelled set: every intent phrase, then the off-topic sentences,
// held-out ones last.
func Phrases() []Labeled {
	var out []Labeled
	for _, in := range Intents {
		for _, p := range in.Phrases {
			out = append(out, Labeled{Text: p, Intent: in.Name})
		}
	}
	for _, s := range OffTopic {
		out = append(out, Labeled{Text: s})
	}
	for _, s := range HeldOutOffTopic {
		out = append(out, Labeled{Text: s})
	}
	return out
}

// Voice is one speaker: a synthetic voice, or Recorded.
type Voice struct {
	Engine string // "flite", "espeak" or "recorded"
	Name   string
}

// Recorded is the voice of the phrases' own recordings (Labeled.Recording): people,
// where a set has them, instead of a synthesiser. Recordings play at their own speed.
var Recorded = Voice{Engine: "recorded"}

func (v Voice) String() string {
	if v.Name == "" {
		return v.Engine
	}
	return v.Engine + "/" + v.Name
}

// ParseVoice reads "engine:name" (engine espeak or flite) or "recorded".
func ParseVoice(s string) (Voice, error) {
	if s == Recorded.Engine {
		return Recorded, nil
	}
	eng, name, ok := strings.Cut(s, ":")
	if !ok || name == "" || (eng != "espeak" && eng != "flite") {
		return Voice{}, fmt.Errorf("voice %q: want engine:name, engine espeak or flite, or recorded", s)
	}
	return Voice{Engine: eng, Name: name}, nil
}

// Voices are the local speakers: four flite voices (two clustergen, two diphone) and
// espeak-ng, a formant synthesiser that sounds nothing like them.
var Voices = []Voice{{"flite", "slt"}, {"flite", "rms"}, {"flite", "awb"}, {"flite", "kal"}, {"espeak", "en-us"}}

// Utterance is one test item: 8 kHz audio that went through µ-law.
type Utterance struct {
	Labeled
	Voice Voice
	Speed float64
	SNR   float64 // dB; 0 means clean
	Noise Noise   // the kind of noise at SNR; "" when clean
	PCM   []int16
}

// Noise is the kind of background noise mixed under the speech.
type Noise string

const (
	// NoiseWhite is Gaussian white noise: hiss.
	NoiseWhite Noise = "white"
	// NoisePink is 1/f noise: a street, a fan, a car — more of its power low, where
	// speech is.
	NoisePink Noise = "pink"
	// NoiseBabble is other people talking (Options.Babble): the hardest, since it is
	// speech.
	NoiseBabble Noise = "babble"
)

// ParseNoise reads "white", "pink" or "babble".
func ParseNoise(s string) (Noise, error) {
	switch n := Noise(strings.TrimSpace(s)); n {
	case NoiseWhite, NoisePink, NoiseBabble:
		return n, nil
	}
	return "", fmt.Errorf("noise %q: want white, pink or babble", s)
}

// Condition names the utterance's line: "snr=clean", "snr=10dB" (white noise, as
// before the other kinds existed) or "snr=10dB-pink".
func (u Utterance) Condition() string {
	k := SNRKey(u.SNR)
	if u.SNR != 0 && u.Noise != "" && u.Noise != NoiseWhite {
		k += "-" + string(u.Noise)
	}
	return k
}

// Options selects the slice of the test set to generate.
type Options struct {
	Phrases []Labeled // nil means Phrases()
	Voices  []Voice   // nil means Voices
	Speeds  []float64 // nil means 1.0 and 1.3
	SNRs    []float64 // nil means clean, 20 dB and 10 dB (0 is clean)
	Seed    uint64    // noise seed
	// Noise is the kind of noise at the SNRs; "" means white.
	Noise Noise
	// Babble is the crowd NoiseBabble mixes in (BabbleTrack makes one); each
	// utterance hears it from a different offset.
	Babble []int16
	// Parallelism bounds concurrent syntheses; 0 means 2.
	Parallelism int
}

// Lead and tail silence around each utterance: the VAD needs quiet on both sides, and
// end of utterance needs the script's end_of_turn (700 ms) of it after the speech.
const (
	leadSilence = 800 // ms: a caller rarely answers within 0.8 s of the prompt's end
	tailSilence = 1000
)

// Generate synthesises the test set. Each (phrase, voice, speed) is synthesised once
// and noise variants are derived from it.
func Generate(ctx context.Context, opts Options) ([]Utterance, error) {
	if opts.Phrases == nil {
		opts.Phrases = Phrases()
	}
	if opts.Voices == nil {
		opts.Voices = Voices
	}
	if opts.Speeds == nil {
		opts.Speeds = []float64{1.0, 1.3}
	}
	if opts.SNRs == nil {
		opts.SNRs = []float64{0, 20, 10}
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = 2
	}
	if opts.Noise == "" {
		opts.Noise = NoiseWhite
	}
	if _, err := ParseNoise(string(opts.Noise)); err != nil {
		return nil, fmt.Errorf("test set: %w", err)
	}
	if opts.Noise == NoiseBabble && len(opts.Babble) == 0 {
		return nil, fmt.Errorf("test set: babble noise needs a babble track (BabbleTrack)")
	}
	engines := map[string]tts.Synthesizer{}
	for _, v := range opts.Voices {
		if engines[v.Engine] != nil {
			continue
		}
		var s tts.Synthesizer
		var err error
		switch v.Engine {
		case Recorded.Engine:
			continue
		case "flite":
			s, err = tts.NewFlite(tts.FliteOptions{})
		case "espeak":
			// Every espeak-ng voice the options name (accents and variants such as
			// en-gb-scotland or en-us+f3), not only the engine's usual ones.
			var names []string
			for _, w := range opts.Voices {
				if w.Engine == "espeak" {
					names = append(names, w.Name)
				}
			}
			s, err = tts.NewESpeak(tts.ESpeakOptions{DefaultVoice: names[0], Voices: names})
		default:
			err = fmt.Errorf("unknown engine %q", v.Engine)
		}
		if err != nil {
			return nil, fmt.Errorf("test set: %w", err)
		}
		engines[v.Engine] = s
	}
	type job struct {
		i     int
		p     Labeled
		v     Voice
		speed float64
	}
	var jobs []job
	for _, p := range opts.Phrases {
		for _, v := range opts.Voices {
			if v == Recorded {
				if p.Recording == "" {
					return nil, fmt.Errorf("test set: %q has no recording for the recorded voice", p.Text)
				}
				jobs = append(jobs, job{len(jobs), p, v, 1})
				continue
			}
			for _, sp := range opts.Speeds {
				jobs = append(jobs, job{len(jobs), p, v, sp})
			}
		}
	}
	clean := make([][]int16, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, opts.Parallelism)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if j.v == Recorded {
				rec, err := media.ReadWAV(j.p.Recording)
				if err != nil {
					errs[j.i] = fmt.Errorf("recording of %q: %w", j.p.Text, err)
					return
				}
				if media.RMS(rec.Samples) == 0 {
					errs[j.i] = fmt.Errorf("recording of %q: %s is silent", j.p.Text, j.p.Recording)
					return
				}
				clean[j.i] = rec.Samples
				return
			}
			var pcm []int16
			err := engines[j.v.Engine].Synthesize(ctx, tts.Request{Text: j.p.Text, Voice: j.v.Name, Rate: 8000, Speed: j.speed},
				func(p []int16) error { pcm = append(pcm, p...); return nil })
			if err != nil {
				errs[j.i] = fmt.Errorf("synthesise %q with %s: %w", j.p.Text, j.v, err)
				return
			}
			clean[j.i] = pcm
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x766f78))
	var out []Utterance
	for _, j := range jobs {
		speech := normalize(clean[j.i])
		padded := make([]int16, 0, len(speech)+(leadSilence+tailSilence)*8)
		padded = append(padded, make([]int16, leadSilence*8)...)
		padded = append(padded, speech...)
		padded = append(padded, make([]int16, tailSilence*8)...)
		for _, snr := range opts.SNRs {
			pcm, noise := padded, Noise("")
			if snr != 0 {
				noise = opts.Noise
				switch noise {
				case NoiseWhite:
					pcm = AddNoise(padded, media.RMS(speech), snr, rng)
				case NoisePink:
					pcm = MixNoise(padded, PinkNoise(len(padded), opts.Seed<<20+uint64(len(out))), media.RMS(speech), snr)
				case NoiseBabble:
					pcm = MixNoise(padded, Loop(opts.Babble, len(out)*7919, len(padded)), media.RMS(speech), snr)
				}
			}
			out = append(out, Utterance{Labeled: j.p, Voice: j.v, Speed: j.speed, SNR: snr, Noise: noise, PCM: MuLaw(pcm)})
		}
	}
	return out, nil
}

// normalize scales speech to an RMS of 3000 (≈ -21 dBFS, a typical telephone level),
// so every voice arrives at the same loudness.
func normalize(pcm []int16) []int16 {
	rms := media.RMS(pcm)
	out := make([]int16, len(pcm))
	if rms == 0 {
		return out
	}
	g := 3000 / rms
	for i, s := range pcm {
		out[i] = int16(max(-32768, min(32767, math.Round(float64(s)*g))))
	}
	return out
}

// AddNoise adds white Gaussian noise at snrDB below speechRMS (the level of the speech
// itself, not of the padded whole) to every sample, silence included.
func AddNoise(pcm []int16, speechRMS, snrDB float64, rng *rand.Rand) []int16 {
	sigma := speechRMS / math.Pow(10, snrDB/20)
	out := make([]int16, len(pcm))
	for i, s := range pcm {
		v := float64(s) + rng.NormFloat64()*sigma
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out
}

// MixNoise adds noise scaled to snrDB under speechRMS (the level of the speech itself)
// over the whole utterance, its silences too: the line is noisy throughout.
func MixNoise(pcm, noise []int16, speechRMS, snrDB float64) []int16 {
	nr := media.RMS(noise)
	if nr == 0 {
		return pcm
	}
	g := speechRMS / math.Pow(10, snrDB/20) / nr
	out := make([]int16, len(pcm))
	for i, s := range pcm {
		out[i] = int16(max(-32768, min(32767, math.Round(float64(s)+g*float64(noise[i])))))
	}
	return out
}

// Loop is n samples of track from offset off on, wrapping round.
func Loop(track []int16, off, n int) []int16 {
	out := make([]int16, n)
	if len(track) == 0 {
		return out
	}
	off %= len(track)
	for j := range out {
		out[j] = track[(off+j)%len(track)]
	}
	return out
}

// PinkNoise is deterministic 1/f noise (Paul Kellet's filter over Gaussian noise).
func PinkNoise(n int, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 0x70696e6b))
	var b0, b1, b2, b3, b4, b5, b6 float64
	out := make([]int16, n)
	for i := range out {
		w := rng.NormFloat64()
		b0 = 0.99886*b0 + w*0.0555179
		b1 = 0.99332*b1 + w*0.0750759
		b2 = 0.96900*b2 + w*0.1538520
		b3 = 0.86650*b3 + w*0.3104856
		b4 = 0.55000*b4 + w*0.5329522
		b5 = -0.7616*b5 - w*0.0168980
		v := b0 + b1 + b2 + b3 + b4 + b5 + b6 + w*0.5362
		b6 = w * 0.115926
		out[i] = int16(max(-32768, min(32767, v*1000)))
	}
	return out
}

// BabbleTrack is voices talking at once, each the sentences in a different order
// and from a different offset, seconds long (8 kHz).
func BabbleTrack(ctx context.Context, voices []Voice, sentences []string, seconds int) ([]int16, error) {
	phrases := make([]Labeled, len(sentences))
	for i, s := range sentences {
		phrases[i] = Labeled{Text: s}
	}
	length := seconds * media.SampleRate
	track := make([]float64, length)
	for vi, v := range voices {
		us, err := Generate(ctx, Options{Phrases: phrases, Voices: []Voice{v}, Speeds: []float64{1}, SNRs: []float64{0}})
		if err != nil {
			return nil, fmt.Errorf("babble: %w", err)
		}
		var talker []int16
		for k := range us {
			talker = append(talker, us[(k+vi)%len(us)].PCM...)
		}
		off := vi * len(talker) / len(voices)
		for j := range track {
			track[j] += float64(talker[(off+j)%len(talker)])
		}
	}
	out := make([]int16, length)
	for j, v := range track {
		out[j] = int16(max(-32768, min(32767, v/2)))
	}
	return out, nil
}

// MuLaw passes audio through G.711 µ-law, as a phone call would.
func MuLaw(pcm []int16) []int16 {
	enc := make([]byte, len(pcm))
	media.MulawEncode(enc, pcm)
	out := make([]int16, len(pcm))
	media.MulawDecode(out, enc)
	return out
}

// Outcome is what a recogniser made of one utterance.
type Outcome struct {
	Intent     string // first final result's intent, "" for none
	Text       string
	Finals     int
	Confidence float64
	Open       bool // the text is an open-vocabulary transcript (Result.Open)
	// Alternatives are the open search's other readings (Result.Alternatives).
	Alternatives []asr.Alternative
	// Grammar is the grammar match the open words replaced (Result.Grammar).
	Grammar *asr.GrammarMatch
}

// Recognize feeds u to a new recogniser in 20 ms frames as fast as the engine takes
// them and returns the first intent of its final results.
func Recognize(ctx context.Context, eng asr.Engine, g *asr.Grammar, u Utterance) (Outcome, error) {
	r, err := eng.NewRecognizer(ctx, asr.StreamOptions{Grammar: g, PartialEvery: -1})
	if err != nil {
		return Outcome{}, err
	}
	done := make(chan Outcome, 1)
	go func() {
		var o Outcome
		for res := range r.Results() {
			if res.Kind == asr.KindFinal {
				o.Finals++
				if o.Intent == "" && res.Intent != "" {
					o.Intent, o.Text, o.Confidence, o.Open, o.Alternatives, o.Grammar = res.Intent, res.Text, res.Confidence, res.Open, res.Alternatives, res.Grammar
				}
				if o.Text == "" {
					o.Text, o.Confidence, o.Open, o.Alternatives, o.Grammar = res.Text, res.Confidence, res.Open, res.Alternatives, res.Grammar
				}
			}
		}
		done <- o
	}()
	for i := 0; i < len(u.PCM); i += media.FrameSamples {
		frame := u.PCM[i:min(len(u.PCM), i+media.FrameSamples)]
		for {
			err := r.Write(frame)
			if err == nil {
				break
			}
			if err != asr.ErrOverrun {
				r.Close()
				return Outcome{}, err
			}
			// Faster than real time: wait for the engine instead of dropping audio.
			yield()
		}
	}
	if err := r.Flush(); err != nil {
		r.Close()
		return Outcome{}, err
	}
	r.Close()
	return <-done, nil
}

// Tally counts one slice of results.
type Tally struct {
	InGrammar, Right, OffTopic, Accepted int
}

// Accuracy is the share of in-grammar utterances given their intent.
func (t *Tally) Accuracy() float64 { return float64(t.Right) / float64(max(1, t.InGrammar)) }

// FalseAccepts is the share of off-topic utterances given any intent.
func (t *Tally) FalseAccepts() float64 { return float64(t.Accepted) / float64(max(1, t.OffTopic)) }

// Score tallies outcomes overall and by condition (snr, voice, speed).
type Score struct {
	All    Tally
	By     map[string]*Tally
	Misses []string
}

// SNRKey names a noise condition.
func SNRKey(snr float64) string {
	if snr == 0 {
		return "snr=clean"
	}
	return fmt.Sprintf("snr=%gdB", snr)
}

// Add records one outcome.
func (s *Score) Add(u Utterance, o Outcome) {
	if s.By == nil {
		s.By = map[string]*Tally{}
	}
	split := "split=tuning"
	if HeldOut(u) {
		split = "split=held-out"
	}
	keys := []string{u.Condition(), "voice=" + u.Voice.String(), fmt.Sprintf("speed=%g", u.Speed), split}
	tallies := []*Tally{&s.All}
	for _, k := range keys {
		if s.By[k] == nil {
			s.By[k] = &Tally{}
		}
		tallies = append(tallies, s.By[k])
	}
	for _, t := range tallies {
		if u.Intent == "" {
			t.OffTopic++
			if o.Intent != "" {
				t.Accepted++
			}
		} else {
			t.InGrammar++
			if o.Intent == u.Intent {
				t.Right++
			}
		}
	}
	if o.Intent != u.Intent {
		s.Misses = append(s.Misses, fmt.Sprintf("%q (%s x%g %s) → %q (heard %q)", u.Text, u.Voice, u.Speed, u.Condition(), o.Intent, o.Text))
	}
}

// Keys lists the conditions in a stable order.
func (s *Score) Keys() []string {
	keys := make([]string, 0, len(s.By))
	for k := range s.By {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Summary formats one condition.
func (s *Score) Summary(key string) string {
	t := s.By[key]
	return fmt.Sprintf("intent accuracy %.3f (%d/%d), off-topic false accepts %.3f (%d/%d)",
		t.Accuracy(), t.Right, t.InGrammar, t.FalseAccepts(), t.Accepted, t.OffTopic)
}
