package asr

import (
	"bufio"
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// telephonyMeans and telephonyVariances are the en-US model's Gaussians adapted to
// the telephone channel (SphinxOptions.ChannelAdaptation), made by `voxdial bench asr
// --adapt DIR` (asr/adapt: a global MLLR transform, then MAP) from the tuning split
// only, on unwarped features at TelephonyFrameRate (80 frames a second: refitted there
// from 100 in the twenty-seventh session, it routed more answers right clean and
// fewer wrong, and kept more off-topic lines out, for fewer right at pink 10 dB —
// BENCHMARKS.md).
var (
	//go:embed telephony/means
	telephonyMeans []byte
	//go:embed telephony/variances
	telephonyVariances []byte
)

// Defaults for the Debian pocketsphinx-en-us package.
const (
	DefaultSphinxModel = "/usr/share/pocketsphinx/model/en-us/en-us"
	DefaultSphinxDict  = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
	// DefaultSphinxPhoneLM is the phonetic language model of the rejection check's
	// phone-loop pass.
	DefaultSphinxPhoneLM = "/usr/share/pocketsphinx/model/en-us/en-us-phone.lm.bin"
	// DefaultSphinxLM is the general en-US language model of the open-vocabulary
	// search (SearchLM).
	DefaultSphinxLM = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"
	// TelephonyCMNInit is the initial cepstral mean for 8 kHz telephone audio
	// upsampled to 16 kHz (docs/measured-facts.md: µ-law speech after two calibration
	// utterances). The stock value is for wideband microphones: with it the first
	// utterance of every call is lost while live CMN drifts to the real channel.
	// Re-measured on our test set (TestMeasureCMN, 2026-11-25):
	// 42.48,25.73,-25.70,45.04,-19.31,-1.30,19.46,-25.69,14.44,-8.09,-1.07,13.59,-12.66;
	// it scored the same on the full set (0.768 vs 0.775 intent accuracy, 0.128 vs 0.103
	// false accepts), so the documented value stays.
	TelephonyCMNInit = "43.57,23.46,-35.46,49.35,-19.44,2.40,9.86,-33.89,15.84,-16.61,3.31,9.69,-19.68"
)

// TelephonyWarp is the front end's frequency warp with the channel adaptation: the
// filterbank reads a frequency f at f/1.10, as if every caller's vocal tract were a
// tenth longer. Chosen on tuning and check voices, never the blind sets
// (BENCHMARKS.md, twenty-third session): of warps 0.85–1.20 on half of
// en.tune2.txt (the other half the corpus), 1.10 routed 249 of 360 clean answers of
// the four tuning voices right against 240 unwarped (31 wrong against 37), and on
// three check voices 180 against 178 clean and 96 against 93 of 270 at pink 10 dB,
// with 26 wrong against 38 there and more off-topic lines kept out (56 against 50
// of 90); the grammar alone routed more right too. On live calls with the blind set
// it routed as many right as without it. The adaptation (asr/telephony) is fitted
// on unwarped features.
const TelephonyWarp = 1.10

// TelephonyFrameRate is the front end's frame rate with the channel adaptation: 80
// frames a second (a 12.5 ms shift) where pocketsphinx reads 100. The synthetic
// voices speak slower, by the model's clock, than the speech it was trained on, and
// fewer frames a phone read them closer to it. On the whole tuning split it routed
// 1,781 / 183 right / wrong clean against 1,750 / 189 at 100, and 1,051 / 229 at pink
// 10 dB against 967 / 236, for a tenth less CPU (BENCHMARKS.md, twenty-fifth
// session). Short answers are decoded at TelephonyShortFrameRate.
const TelephonyFrameRate = 80

// TelephonyShortFrameRate and TelephonyShortSpeech: with the channel adaptation, an
// utterance with less than TelephonyShortSpeech of loud speech is decoded at
// pocketsphinx's 100 frames a second. Offline, 37 short answers by the four tuning
// voices at three speeds routed as well at 80 as at 100, and as well again with this
// split (BENCHMARKS.md, twenty-seventh session); on live calls the simulator's
// recorded lone "yes" was misheard in 2 of 12 calls at 80 and in none of 8 at 100.
// "Yes" is the commonest answer: it is decoded where it is surest.
const (
	TelephonyShortFrameRate = 100
	TelephonyShortSpeech    = time.Second
)

// MinFrameRate and MaxFrameRate bound the frame rates a Sphinx takes
// (SphinxOptions.FrameRate, -frate): a frame's shift stays within its 25.6 ms window.
const (
	MinFrameRate = 50
	MaxFrameRate = 200
)

// defaultFrameRate is pocketsphinx's own.
const defaultFrameRate = 100

// vadFrame is the 20 ms VAD frame a decoder frame (counted from an utterance's
// first) falls in, at frate frames a second.
func vadFrame(k, frate int) int { return k * vadFramesPerSecond / frate }

// decoderFrame is the decoder frame a 20 ms VAD frame starts in, at frate frames a
// second.
func decoderFrame(v, frate int) int { return v * frate / vadFramesPerSecond }

// vadFramesPerSecond: the VAD's frames are 20 ms (media.FrameSamples at 8 kHz).
const vadFramesPerSecond = 50

// SearchMode selects how the embedded engine listens.
type SearchMode uint8

const (
	// SearchGrammar decodes against a JSGF grammar of the state's phrases plus a
	// phone-loop "garbage" alternative: off-topic speech is absorbed by the loop and
	// returned without an intent instead of being forced into the nearest phrase.
	SearchGrammar SearchMode = iota
	// SearchKeywords spots the phrases in free speech (pocketsphinx kws): it finds
	// "stop calling" inside a longer sentence, at some cost in hits.
	SearchKeywords
	// SearchLM decodes what was said with the general language model (LMPath) and
	// the full dictionary: open vocabulary, for paraphrases the grammar cannot hold.
	// The text goes to the bot's word-level intent classifier; Result.Intent is set
	// only when a phrase occurs as it is. Costly: ~60–90 MB and RTF 0.1–0.2 per
	// decoder, against 3 MB and RTF 0.01 for a grammar.
	SearchLM
)

// SphinxOptions configures NewSphinx; zero values take the defaults.
type SphinxOptions struct {
	ModelDir       string // acoustic model; DefaultSphinxModel
	DictionaryPath string // full pronunciation dictionary; DefaultSphinxDict
	PhoneLMPath    string // phonetic LM for the rejection pass; DefaultSphinxPhoneLM
	LMPath         string // general LM of SearchLM; DefaultSphinxLM
	// LMWords is how many of the general model's most probable words each state's
	// model keeps (0: 3000); LMBias the probability mass given to the state's phrases
	// (0: 0.3). SearchLM only.
	LMWords int
	LMBias  float64
	// Corpus, with SearchLM, lists sentences as callers answer (a domain's tuning
	// sentences, never those measured on): each state's model becomes a trigram of
	// the corpus and the state's phrases (each DomainPhraseWeight times, 0: 4) with
	// DomainGeneralMass (0: 0.05) of the general words for unseen speech, its word
	// pairs and triples discounted by DomainDiscount (0: 0.7; less keeps the search
	// closer to the corpus) (sphinx_domain.go). Words the dictionary cannot
	// pronounce are skipped.
	Corpus             []string
	DomainPhraseWeight int
	DomainGeneralMass  float64
	DomainDiscount     float64
	// LMWeight and LMWordBeam are the language-model weight and word beam of the
	// state's language-model search (SearchLM and the open pass; 0: pocketsphinx's
	// 6.5 and the engine's 1e-24). The grammar's search keeps those: its rejection
	// was fitted there.
	LMWeight, LMWordBeam float64
	// OpenFallback (SearchGrammar, batch decoding) decodes an utterance a second time,
	// on the same decoder and the same buffered audio, with the state's language model
	// (as SearchLM builds it, Corpus included) when the grammar rejected it or accepted
	// it with a confidence under OpenFallbackBelow (0: 0.9). The result is then the
	// open search's words (Result.Open). Turns the grammar is sure of cost the grammar
	// alone; only doubtful ones pay for the second pass.
	OpenFallback      bool
	OpenFallbackBelow float64
	// ChannelAdaptation decodes with the model's Gaussians adapted to the telephone
	// channel (asr/telephony: a global MLLR of the means, then MAP of means and
	// variances, fitted by asr/adapt on the tuning sentences spoken by the fitting
	// voices — the tuning voices and voices that only fit it — through µ-law and this
	// front end). Only Debian's en-US model has them.
	ChannelAdaptation bool
	// Warp is the front end's frequency warp (pocketsphinx's inverse-linear warp: a
	// frequency f is read at f/Warp) with ChannelAdaptation: 0 means TelephonyWarp,
	// negative none. Without the adaptation there is no warp unless one is given.
	Warp float64
	// FrameRate is how many feature frames a second the front end computes (the
	// decoder's -frate) with ChannelAdaptation: 0 means TelephonyFrameRate, negative
	// the model's own 100. Without the adaptation it is 100 unless one is given.
	FrameRate int
	// ShortFrameRate is the frame rate of utterances with less loud speech than
	// ShortSpeech (batch decoding): a decoder of that rate is lent for the decode.
	// With ChannelAdaptation 0 means TelephonyShortFrameRate and
	// TelephonyShortSpeech; negative (or a rate equal to FrameRate's) turns it off.
	// Without the adaptation it is off unless a rate is given.
	ShortFrameRate int
	ShortSpeech    time.Duration
	// WorkDir receives the telephony copy of the model and the trimmed dictionary;
	// "" makes a temporary directory, removed by Close.
	WorkDir string
	// CMNInit replaces the model's initial cepstral mean in Streaming mode (batch CMN
	// needs none); "" means TelephonyCMNInit.
	CMNInit string
	// Vocabulary lists phrases known up front (every phrase of the campaign's script):
	// the trimmed dictionary holds only their words, which keeps each decoder at a few
	// MB instead of ~24. Grammars may still use other dictionary words: they are added
	// per decoder when first needed.
	Vocabulary []string
	Search     SearchMode
	// GarbageWeight > 0 adds a phone-loop "garbage" alternative to every grammar with
	// that JSGF weight. Off by default: on telephone audio the free phone loop beat
	// the phrases even at weights of 1e-30 and wrecked accuracy (BENCHMARKS.md).
	GarbageWeight float64
	// WordPenalty is pocketsphinx's word insertion probability (-wip). The garbage
	// loop spells speech one phone per "word", so a small value makes it costly for
	// in-grammar speech while long off-topic speech still cannot fit a short phrase;
	// 0 means the tuned default.
	WordPenalty float64
	// Streaming decodes while the caller speaks, with a running cepstral mean (live
	// CMN, seeded by CMNInit) and partial results. The default decodes each utterance
	// once it has ended, with the utterance's own cepstral mean (batch CMN): robust to
	// the line's noise and level from the first word and free of state left in a
	// pooled decoder by the previous call, at the cost of partial results and ~RTF x
	// utterance length of extra end-of-turn latency (tens of ms). On the test set
	// batch CMN scored 0.82 at 10 dB SNR against 0.78 streaming (0.96 both clean).
	Streaming bool
	// NoDenoise turns off noise suppression before recognition. speexdsp's runs with
	// a mild limit (DenoiseDB, 0 means -15 dB): on the test set at 10 dB SNR it
	// raised intent accuracy from ~0.59 to ~0.68, while -25 to -30 dB made accuracy
	// worse than none (musical-noise artefacts).
	NoDenoise bool
	DenoiseDB int
	// Denoiser chooses the noise suppressor: DenoiserSpeex (the default: with batch
	// decoding an utterance on a noisy line, as below, is decoded as heard again
	// through a fresh speexdsp suppressor, uncut; sphinxWorker.uttAudio says why),
	// DenoiserWebRTC throughout, or DenoiserAuto: frames go through speexdsp's as
	// they arrive, and an utterance whose quietest tenth of frames reaches
	// NoisyLineRMS (zero: 150, about -47 dBFS) is decoded as heard again, whole,
	// through a fresh WebRTC suppressor primed with the line's noise before it, and
	// cut to its speech, loud against that noise (batch decoding only; streaming
	// hears every utterance through speexdsp's). The noise is measured on the
	// utterance because a phone that sends nothing between answers brings the line's
	// noise with the answer. WebRTC's runs at NSPolicy (0 mild … 3 very aggressive;
	// zero means the tuned default, 1; outside 0–3 the nearest).
	// On the tuning and check voices (BENCHMARKS.md, "Twenty-eighth session")
	// WebRTC's routed 12–15 % more answers right at 10 dB pink noise and 16–29 %
	// more in babble, and 6 % fewer clean; auto kept the clean figures. On live calls
	// of the blind set auto routed no more answers right, so speexdsp's stays the
	// default and auto is a setting to tune with.
	Denoiser     string
	NSPolicy     int
	NoisyLineRMS float64
	// ComfortNoise is the RMS of white noise added to the 8 kHz audio before
	// recognition (after denoising); 0 means the tuned default, negative means none.
	ComfortNoise float64
	// The rejection check turns a forced phrase into "no match". The grammar can only
	// say a phrase, so off-topic speech comes out as the phrase that fits it least
	// badly, stretched over the speech or leaving much of it to "silence". A fitted
	// score (rejectionScore, logistic) weighs how badly: the share of loud frames the
	// phrase words leave uncovered, the speech span per phone of the phrase, the
	// phrase path's acoustic score per frame, the speech span and the phrase's phone
	// count. MinScore is the accept threshold on that score (the log-odds of "right
	// phrase"); 0 means -0.5 (on the test set: 3.5 % false accepts, 0.82 intent
	// accuracy at 10 dB SNR; 0 gave 2 % and 0.81, -1 gave 8 % and 0.82).
	MinScore float64
	// PhoneLoop adds a second check: the utterance is decoded again with a free phone
	// loop and the phrase path's acoustic score per 10 ms frame, minus the phone
	// loop's, must reach MinPhoneLoopScore (≤ 0; 0 means -30). Off by default: it
	// roughly doubles the CPU of a matched utterance and added nothing to the fitted
	// score on the test set (BENCHMARKS.md).
	PhoneLoop         bool
	MinPhoneLoopScore float64
	// NoRejection accepts whatever phrase the grammar forced (for measurements).
	NoRejection bool
	// MaxDecoders bounds live decoders (each ~3 MB) of each frame rate; 0 means no
	// bound. NewRecognizer waits for a free one, a short decode (ShortFrameRate) for a
	// free short one: those are held only for a decode.
	MaxDecoders int
	// Rejection is the grammar's rejection score; nil means the one fitted for the
	// model in use (TelephonyRejection with ChannelAdaptation, else DebianRejection).
	Rejection *RejectionModel
	// DebugScores, if set, receives each matched utterance's rejection features (in
	// the order of RejectionModel) and its score, for refitting the weights.
	DebugScores func(intent string, features []float64, score float64)
	// Args are extra pocketsphinx settings ("-remove_noise": "no"), for tuning; they
	// override the engine's own. Feature settings belong to the model's feat.params.
	Args   map[string]string
	Logger *zap.Logger
}

// Defaults tuned on the recognition test set (asr/evalset; BENCHMARKS.md, "Speech").
const (
	defaultWordPenalty       = 0.65 // pocketsphinx's own default
	defaultMinScore          = -0.5
	defaultMinPhoneLoopScore = -30
	// defaultComfortNoise (RMS, ≈ -50 dBFS, 30 dB under telephone speech): with digital
	// silence between words pocketsphinx's spectral noise removal (-remove_noise)
	// mis-tracks the floor and clean µ-law speech scored worse than speech at 20 dB
	// SNR. A faint constant hiss raised forced-choice accuracy on the clean test set
	// from 0.76 to 0.98 (RMS 10: 0.93, 30: 0.95, 100: 0.98, 300: 0.94) and leaves noisy
	// lines unchanged.
	defaultComfortNoise = 100
)

// DebianRejection is the rejection score of Debian's en-US model: fitted (batch
// CMN, comfort noise on) on the test set's tuning split — voices flite slt/awb and
// espeak-ng, the held-out sentences excluded (evalset.HeldOut) — with the target "the
// forced phrase is the right intent". Refit (SphinxOptions.DebugScores dumps the
// features; `voxdial script eval --rejection-samples`, `voxdial bench asr
// --fit-rejection`) whenever the front end or the model changes.
func DebianRejection() RejectionModel {
	return RejectionModel{W: [RejectionFeatures]float64{-2.421, -3.142, 1.828, -0.893, -0.550}, B: 15.393}
}

// TelephonyRejection is the rejection score of the telephone-adapted model
// (ChannelAdaptation): Debian's. Debian's weights are overconfident on it (of matches
// scored 0.95–0.99, 81 % right on the tuning split), but a refit moved two routes of
// 762 on the tuning folds, since the open pass decides nearly every paraphrase
// (BENCHMARKS.md, "Twelfth session"); refit it here when that changes.
func TelephonyRejection() RejectionModel { return DebianRejection() }

// garbagePhones are the model's context-independent phones; each becomes a one-phone
// dictionary word "ph_xx" for the garbage loop.
var garbagePhones = []string{"AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY",
	"F", "G", "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T",
	"TH", "UH", "UW", "V", "W", "Y", "Z", "ZH"}

const garbagePrefix = "ph_"

// Sphinx is the embedded recogniser: pocketsphinx through cgo, fed 8 kHz audio
// upsampled to 16 kHz, decoding only while the VAD hears speech. Decoders are pooled:
// a recogniser takes one for its lifetime and returns it on Close. Safe for concurrent
// use.
type Sphinx struct {
	opts    SphinxOptions
	hmmDir  string
	dict    string
	tmpDir  string
	log     *zap.Logger
	lexicon map[string][]string // word → pronunciations, from the full dictionary
	base    map[string]bool     // words in the trimmed dictionary file
	general []unigram           // SearchLM: the general model's words each state's model keeps
	// perUtterance: batch decoding with speexdsp's suppressor or DenoiserAuto, each
	// utterance's noise level choosing how it is heard (sphinxWorker.uttAudio).
	perUtterance bool

	mu     sync.Mutex
	lms    map[string]bool // state models written (their paths): each once per engine
	main   *decoderPool    // every recogniser's own decoder
	short  *decoderPool    // ShortFrameRate's, lent for one decode; nil without
	closed bool
	// shortLoud: an utterance with fewer loud 20 ms VAD frames is decoded by a
	// decoder of the short pool (ShortSpeech).
	shortLoud int

	stats sphinxCounters
}

// decoderPool holds the decoders of one front-end setting (-frate) and counts them;
// guarded by the engine's mu.
type decoderPool struct {
	args    map[string]string
	frate   int // feature frames a second
	idle    []*decoder
	live    int
	created int
	freed   chan struct{} // signalled when a decoder is released (MaxDecoders)
}

// SphinxStats count an engine's decoding work since it was created: how much of it the
// second pass and decoding ahead cost.
type SphinxStats struct {
	Utterances   int64 `json:"utterances"`    // final results of utterances with speech
	Decodes      int64 `json:"decodes"`       // first-pass decodes, ahead of or at the end of turn
	ShortDecodes int64 `json:"short_decodes"` // of those, at ShortFrameRate
	OpenPasses   int64 `json:"open_passes"`   // second, open-vocabulary decodes
	Speculations int64 `json:"speculations"`  // decodes ahead of the end of turn
	Voided       int64 `json:"voided"`        // of those, voided by speech that came back
	// GrammarPasses: decodes with the state's grammar (every decode, unless the
	// grammar says how to tell open words that hold an intent: Grammar.Holds).
	GrammarPasses int64 `json:"grammar_passes"`
	// NoisyLine: utterances on a noisy line decoded as heard again through a fresh
	// noise suppressor (speexdsp's, or WebRTC's with SphinxOptions.Denoiser auto).
	NoisyLine int64 `json:"noisy_line"`
}

type sphinxCounters struct {
	utterances, decodes, shortDecodes, openPasses, speculations, voided, grammarPasses, noisyLine atomic.Int64
}

// Stats reports the engine's decoding work so far.
func (s *Sphinx) Stats() SphinxStats {
	c := &s.stats
	return SphinxStats{Utterances: c.utterances.Load(), Decodes: c.decodes.Load(), ShortDecodes: c.shortDecodes.Load(), OpenPasses: c.openPasses.Load(),
		Speculations: c.speculations.Load(), Voided: c.voided.Load(), GrammarPasses: c.grammarPasses.Load(), NoisyLine: c.noisyLine.Load()}
}

// NewSphinx prepares the telephony model copy and the trimmed dictionary and builds one
// decoder, so a bad model or an unknown vocabulary word fails at start-up.
func NewSphinx(opts SphinxOptions) (*Sphinx, error) {
	if err := sphinxBuiltIn(); err != nil {
		return nil, err
	}
	if opts.ModelDir == "" {
		opts.ModelDir = DefaultSphinxModel
	}
	if opts.DictionaryPath == "" {
		opts.DictionaryPath = DefaultSphinxDict
	}
	if opts.PhoneLMPath == "" {
		opts.PhoneLMPath = DefaultSphinxPhoneLM
	}
	if opts.LMPath == "" {
		opts.LMPath = DefaultSphinxLM
	}
	if opts.LMWords <= 0 {
		opts.LMWords = defaultLMWords
	}
	if opts.LMBias <= 0 || opts.LMBias >= 1 {
		opts.LMBias = defaultLMBias
	}
	if opts.DomainPhraseWeight <= 0 {
		opts.DomainPhraseWeight = defaultDomainPhraseWeight
	}
	if opts.DomainGeneralMass <= 0 || opts.DomainGeneralMass >= 1 {
		opts.DomainGeneralMass = defaultDomainGeneralMass
	}
	if opts.DomainDiscount <= 0 || opts.DomainDiscount >= 1 {
		opts.DomainDiscount = defaultDomainDiscount
	}
	if opts.CMNInit == "" {
		opts.CMNInit = TelephonyCMNInit
	}
	if opts.GarbageWeight <= 0 {
		opts.GarbageWeight = -1
	}
	def := defaultFrontEnd()
	if opts.DenoiseDB == 0 {
		opts.DenoiseDB = def.DenoiseDB
	}
	switch opts.Denoiser {
	case "":
		opts.Denoiser = def.Denoiser
	case DenoiserSpeex, DenoiserWebRTC, DenoiserAuto:
	default:
		return nil, fmt.Errorf("new sphinx: denoiser %q: want %q, %q or %q: %w", opts.Denoiser, DenoiserAuto, DenoiserSpeex, DenoiserWebRTC, ErrEngine)
	}
	if opts.NoisyLineRMS <= 0 {
		opts.NoisyLineRMS = def.NoisyLineRMS
	}
	if opts.NSPolicy == 0 {
		opts.NSPolicy = def.NSPolicy
	}
	opts.NSPolicy = max(0, min(opts.NSPolicy, 3))
	if opts.MinScore == 0 {
		opts.MinScore = defaultMinScore
	}
	if opts.Rejection == nil {
		m := DebianRejection()
		if opts.ChannelAdaptation {
			m = TelephonyRejection()
		}
		opts.Rejection = &m
	}
	if opts.ComfortNoise == 0 {
		opts.ComfortNoise = defaultComfortNoise
	}
	if opts.MinPhoneLoopScore == 0 {
		opts.MinPhoneLoopScore = defaultMinPhoneLoopScore
	}
	if opts.WordPenalty == 0 {
		opts.WordPenalty = defaultWordPenalty
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.OpenFallback && opts.Streaming {
		return nil, fmt.Errorf("new sphinx: the open fallback needs batch decoding (Streaming off): %w", ErrEngine)
	}
	if opts.OpenFallbackBelow <= 0 {
		opts.OpenFallbackBelow = 0.9
	}
	s := &Sphinx{opts: opts, log: opts.Logger, perUtterance: opts.Denoiser != DenoiserWebRTC && !opts.Streaming && !opts.NoDenoise}
	quietSphinx()
	dir := opts.WorkDir
	if dir == "" {
		d, err := os.MkdirTemp("", "voxdial-sphinx-")
		if err != nil {
			return nil, fmt.Errorf("new sphinx: %w", err)
		}
		dir, s.tmpDir = d, d
	}
	var err error
	if s.hmmDir, err = telephonyModel(opts.ModelDir, filepath.Join(dir, "model"), opts.CMNInit, !opts.Streaming); err != nil {
		s.Close()
		return nil, fmt.Errorf("new sphinx: %w", err)
	}
	if s.lexicon, err = loadLexicon(opts.DictionaryPath); err != nil {
		s.Close()
		return nil, fmt.Errorf("new sphinx: %w", err)
	}
	s.dict = filepath.Join(dir, "voxdial.dict")
	// Our own settings; Args given by the caller win over them.
	args := map[string]string{}
	if opts.Search == SearchLM || opts.OpenFallback {
		// The language-model search's second (flat-lexicon) pass: on the tuning split
		// it cost a third of the open search's CPU and changed nothing (65.8 % right
		// clean, 46.7 % at 10 dB with it; 65.1 % and 49.6 % without).
		args["-fwdflat"] = "no"
	}
	if opts.ChannelAdaptation {
		if err := s.useTelephonyGaussians(dir, args); err != nil {
			s.Close()
			return nil, fmt.Errorf("new sphinx: %w", err)
		}
	}
	if w := opts.Warp; w > 0 || (w == 0 && opts.ChannelAdaptation) {
		if w == 0 {
			w = TelephonyWarp
		}
		args["-warp_type"], args["-warp_params"] = "inverse_linear", strconv.FormatFloat(w, 'f', -1, 64)
	}
	if r := opts.FrameRate; r > 0 || (r == 0 && opts.ChannelAdaptation) {
		if r == 0 {
			r = TelephonyFrameRate
		}
		args["-frate"] = strconv.Itoa(r)
	}
	maps.Copy(args, opts.Args)
	s.opts.Args = args
	frate := defaultFrameRate
	if v, ok := args["-frate"]; ok {
		r, err := strconv.Atoi(v)
		if err != nil || r < MinFrameRate || r > MaxFrameRate {
			s.Close()
			return nil, fmt.Errorf("new sphinx: -frate %q: want %d to %d frames a second: %w", v, MinFrameRate, MaxFrameRate, ErrEngine)
		}
		frate = r
	}
	s.main = newDecoderPool(args, frate)
	if r := opts.ShortFrameRate; !opts.Streaming && (r > 0 || (r == 0 && opts.ChannelAdaptation)) {
		if r == 0 {
			r = TelephonyShortFrameRate
		}
		if r < MinFrameRate || r > MaxFrameRate {
			s.Close()
			return nil, fmt.Errorf("new sphinx: short frame rate %d: want %d to %d frames a second: %w", r, MinFrameRate, MaxFrameRate, ErrEngine)
		}
		speech := opts.ShortSpeech
		if speech == 0 {
			speech = TelephonyShortSpeech
		}
		if r != frate && speech > 0 {
			short := maps.Clone(args)
			short["-frate"] = strconv.Itoa(r)
			s.short = newDecoderPool(short, r)
			s.shortLoud = int(speech / (20 * time.Millisecond))
		}
	}
	vocab := opts.Vocabulary
	if opts.Search == SearchLM || opts.OpenFallback {
		if err := s.loadGeneralVocab(); err != nil {
			s.Close()
			return nil, fmt.Errorf("new sphinx: %w", err)
		}
		vocab = slices.Clone(vocab)
		for _, u := range s.general {
			vocab = append(vocab, u.word)
		}
		for _, line := range opts.Corpus {
			for _, w := range Words(line) {
				if s.lexicon[w] != nil {
					vocab = append(vocab, w)
				}
			}
		}
	}
	if err := s.writeDict(vocab); err != nil {
		s.Close()
		return nil, fmt.Errorf("new sphinx: %w", err)
	}
	for _, p := range s.pools() {
		d, err := s.acquire(context.Background(), p)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("new sphinx: %w", err)
		}
		s.release(d)
	}
	return s, nil
}

// Name implements Engine.
func (s *Sphinx) Name() string { return "sphinx" }

// telephonyModel makes dst a copy of the model whose feat.params carries our cmninit
// and live CMN. pocketsphinx reads feat.params after the command line and lets it win,
// so a copied directory is the only way to change these. The large files are symlinks.
func telephonyModel(src, dst, cmninit string, batch bool) (string, error) {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return "", fmt.Errorf("telephony model: %w", err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", fmt.Errorf("telephony model: %w", err)
	}
	for _, e := range entries {
		if e.Name() == "feat.params" {
			continue
		}
		link := filepath.Join(dst, e.Name())
		os.Remove(link)
		if err := os.Symlink(filepath.Join(src, e.Name()), link); err != nil {
			return "", fmt.Errorf("telephony model: %w", err)
		}
	}
	params, err := os.ReadFile(filepath.Join(src, "feat.params"))
	if err != nil {
		return "", fmt.Errorf("telephony model: %w", err)
	}
	out := regexp.MustCompile(`(?m)^-cmninit .*$`).ReplaceAllString(string(params), "-cmninit "+cmninit)
	cmn := "live"
	if batch {
		cmn = "batch"
	}
	out = regexp.MustCompile(`(?m)^-cmn .*$`).ReplaceAllString(out, "-cmn "+cmn)
	if !strings.Contains(out, "-cmninit ") {
		out += "\n-cmninit " + cmninit + "\n"
	}
	if err := os.WriteFile(filepath.Join(dst, "feat.params"), []byte(out), 0o644); err != nil {
		return "", fmt.Errorf("telephony model: %w", err)
	}
	return dst, nil
}

// useTelephonyGaussians writes the adapted means and variances into dir and points
// the decoders at them. They were fitted to Debian's en-US model: a model whose
// Gaussians are shaped otherwise is refused rather than decoded with the wrong ones.
func (s *Sphinx) useTelephonyGaussians(dir string, args map[string]string) error {
	for _, f := range []struct {
		name, arg string
		data      []byte
	}{{"means", "-mean", telephonyMeans}, {"variances", "-var", telephonyVariances}} {
		own, err := os.Stat(filepath.Join(s.opts.ModelDir, f.name))
		if err != nil {
			return fmt.Errorf("channel adaptation: %w", err)
		}
		if own.Size() != int64(len(f.data)) {
			return fmt.Errorf("channel adaptation: fitted to Debian's en-US model (%d-byte %s); %s has %d bytes: set channel_adaptation off for another model",
				len(f.data), f.name, filepath.Join(s.opts.ModelDir, f.name), own.Size())
		}
		path := filepath.Join(dir, "telephony."+f.name)
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			return fmt.Errorf("channel adaptation: %w", err)
		}
		args[f.arg] = path
	}
	return nil
}

// loadLexicon reads a CMU dictionary ("word PH ON ES", alternates as "word(2) ...").
func loadLexicon(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	defer f.Close()
	lex := make(map[string][]string, 140000)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		word, phones, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		if i := strings.IndexByte(word, '('); i > 0 {
			word = word[:i]
		}
		lex[word] = append(lex[word], strings.TrimSpace(phones))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dictionary %s: %w", path, err)
	}
	return lex, nil
}

// pronounce returns the dictionary words for the phrases, or ErrUnknownWord.
func (s *Sphinx) pronounce(phrases []string) (map[string][]string, error) {
	out := map[string][]string{}
	var missing []string
	for _, p := range phrases {
		for _, w := range Words(p) {
			prons, ok := s.lexicon[w]
			if !ok {
				missing = append(missing, w)
				continue
			}
			out[w] = prons
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("%q: %w", missing, ErrUnknownWord)
	}
	return out, nil
}

func (s *Sphinx) writeDict(vocab []string) error {
	words, err := s.pronounce(vocab)
	if err != nil {
		return err
	}
	var b strings.Builder
	s.base = map[string]bool{}
	names := make([]string, 0, len(words))
	for w := range words {
		names = append(names, w)
	}
	sort.Strings(names)
	for _, w := range names {
		for i, p := range words[w] {
			if i == 0 {
				fmt.Fprintf(&b, "%s %s\n", w, p)
			} else {
				fmt.Fprintf(&b, "%s(%d) %s\n", w, i+1, p)
			}
		}
		s.base[w] = true
	}
	for _, ph := range garbagePhones {
		fmt.Fprintf(&b, "%s%s %s\n", garbagePrefix, strings.ToLower(ph), ph)
		s.base[garbagePrefix+strings.ToLower(ph)] = true
	}
	if err := os.WriteFile(s.dict, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write dictionary: %w", err)
	}
	return nil
}

func newDecoderPool(args map[string]string, frate int) *decoderPool {
	return &decoderPool{args: args, frate: frate, freed: make(chan struct{}, 1)}
}

// acquire takes an idle decoder of p or builds one (~20 ms), waiting when MaxDecoders
// of p are all in use.
func (s *Sphinx) acquire(ctx context.Context, p *decoderPool) (*decoder, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, fmt.Errorf("sphinx: %w", ErrClosed)
		}
		if n := len(p.idle); n > 0 {
			d := p.idle[n-1]
			p.idle = p.idle[:n-1]
			s.mu.Unlock()
			return d, nil
		}
		if s.opts.MaxDecoders <= 0 || p.live < s.opts.MaxDecoders {
			p.live++
			p.created++
			s.mu.Unlock()
			d, err := newDecoder(s.hmmDir, s.dict, s.opts.WordPenalty, p.args)
			if err != nil {
				s.mu.Lock()
				p.live--
				s.mu.Unlock()
				return nil, err
			}
			d.pool, d.frate = p, p.frate
			return d, nil
		}
		s.mu.Unlock()
		select {
		case <-p.freed:
		case <-ctx.Done():
			return nil, fmt.Errorf("sphinx: waiting for a decoder: %w", ctx.Err())
		}
	}
}

// release returns d to its pool.
func (s *Sphinx) release(d *decoder) {
	if d.inUtt {
		_ = d.endUtt()
	}
	p := d.pool
	s.mu.Lock()
	if s.closed {
		p.live--
		s.mu.Unlock()
		d.free()
		return
	}
	p.idle = append(p.idle, d)
	s.mu.Unlock()
	select {
	case p.freed <- struct{}{}:
	default:
	}
}

// Decoders reports decoders built so far and currently idle (for benchmarks), of
// both frame rates.
func (s *Sphinx) Decoders() (created, idle int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pools() {
		created, idle = created+p.created, idle+len(p.idle)
	}
	return created, idle
}

// pools are the engine's decoder pools (under mu, or once NewSphinx built them).
func (s *Sphinx) pools() []*decoderPool {
	var out []*decoderPool
	for _, p := range []*decoderPool{s.main, s.short} {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// Close frees idle decoders and the temporary directory; decoders still held by
// recognisers are freed when those close.
func (s *Sphinx) Close() error {
	s.mu.Lock()
	var idle []*decoder
	for _, p := range s.pools() {
		idle = append(idle, p.idle...)
		p.live -= len(p.idle)
		p.idle = nil
	}
	s.closed = true
	s.mu.Unlock()
	for _, d := range idle {
		d.free()
	}
	if s.tmpDir != "" {
		return os.RemoveAll(s.tmpDir)
	}
	return nil
}

// compiled is a grammar prepared for pocketsphinx.
type compiled struct {
	g      *Grammar
	search string // search name: grammar name + content hash
	source string // JSGF text or keyphrase file contents
	words  map[string][]string
	// lmSearch and lmPath: the state's language model for the open fallback pass.
	lmSearch, lmPath string
	// covers is the most open words one of the grammar's phrases could cover: its
	// longest phrase and one word the open search may have added.
	covers int
}

func (s *Sphinx) compile(g *Grammar) (*compiled, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	var all []string
	for _, in := range g.Intents {
		all = append(all, in.Phrases...)
	}
	words, err := s.pronounce(all)
	if err != nil {
		return nil, fmt.Errorf("grammar %s: %w", g.Name, err)
	}
	c := &compiled{g: g, words: words, covers: 1}
	for _, p := range all {
		c.covers = max(c.covers, len(strings.Fields(p))+1)
	}
	if len(g.Intents) == 0 {
		return c, nil // DTMF only
	}
	if s.opts.OpenFallback && s.opts.Search == SearchGrammar {
		if c.lmSearch, c.lmPath, err = s.stateLM(g); err != nil {
			return nil, err
		}
	}
	switch s.opts.Search {
	case SearchLM:
		if c.search, c.source, err = s.stateLM(g); err != nil {
			return nil, err
		}
		return c, nil
	case SearchKeywords:
		c.source = keyphraseFile(g)
	default:
		c.source = jsgf(g, s.opts.GarbageWeight)
	}
	h := fnv.New64a()
	h.Write([]byte(c.source))
	c.search = fmt.Sprintf("%s-%x", g.Name, h.Sum64())
	if s.opts.Search == SearchKeywords {
		// pocketsphinx reads keyphrase lists from a file only.
		path := filepath.Join(filepath.Dir(s.dict), c.search+".kws")
		if err := os.WriteFile(path, []byte(c.source), 0o644); err != nil {
			return nil, fmt.Errorf("grammar %s: %w", g.Name, err)
		}
		c.source = path
	}
	return c, nil
}

// jsgf writes the grammar: any one phrase, or a garbage loop of phones.
func jsgf(g *Grammar, garbageWeight float64) string {
	var b strings.Builder
	b.WriteString("#JSGF V1.0;\ngrammar voxdial;\n")
	if garbageWeight < 0 {
		b.WriteString("public <utt> = <phrase>;\n")
	} else {
		fmt.Fprintf(&b, "public <utt> = /1.0/ <phrase> | /%s/ <garbage>;\n", strconv.FormatFloat(garbageWeight, 'f', -1, 64))
	}
	b.WriteString("<phrase> = ")
	seen := map[string]bool{}
	first := true
	for _, p := range g.phrases() {
		text := strings.Join(p.words, " ")
		if seen[text] {
			continue
		}
		seen[text] = true
		if !first {
			b.WriteString(" | ")
		}
		first = false
		b.WriteString(text)
	}
	b.WriteString(";\n<garbage> = <ph>+;\n<ph> = ")
	for i, ph := range garbagePhones {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(garbagePrefix + strings.ToLower(ph))
	}
	b.WriteString(";\n")
	return b.String()
}

// keyphraseFile lists each phrase with a detection threshold; longer phrases need
// smaller thresholds (pocketsphinx's guidance: 1e-5 … 1e-50 by length).
func keyphraseFile(g *Grammar) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, p := range g.phrases() {
		text := strings.Join(p.words, " ")
		if seen[text] {
			continue
		}
		seen[text] = true
		exp := 10 + 8*(len(p.words)-1)
		fmt.Fprintf(&b, "%s /1e-%d/\n", text, exp)
	}
	return b.String()
}

// NewRecognizer implements Engine.
func (s *Sphinx) NewRecognizer(ctx context.Context, opts StreamOptions) (Recognizer, error) {
	opts = opts.withDefaults()
	var c *compiled
	if opts.Grammar != nil {
		var err error
		if c, err = s.compile(opts.Grammar); err != nil {
			return nil, fmt.Errorf("sphinx: %w", err)
		}
	}
	d, err := s.acquire(ctx, s.main)
	if err != nil {
		return nil, err
	}
	up, err := newUpsampler()
	if err != nil {
		s.release(d)
		return nil, err
	}
	r := newStream(ctx, opts, s.log)
	r.grammar = opts.Grammar
	dn := s.opts.newFrameDenoiser()
	w := &sphinxWorker{ctx: ctx, dn: dn, eng: s, dec: d, up: up, st: r, opts: opts, cur: c,
		vad: newEnergyVAD(int(opts.EndSilence / (20 * time.Millisecond)))}
	if opts.Grammar != nil {
		w.holds = opts.Grammar.Holds
	}
	go w.run()
	return r, nil
}

// sphinxWorker owns one decoder and turns a stream's frames into results. It runs on
// its own goroutine; cgo calls into pocketsphinx happen only here.
type sphinxWorker struct {
	ctx  context.Context // the recogniser's: waiting for a short decoder ends with it
	eng  *Sphinx
	dec  *decoder
	up   *upsampler
	st   *stream
	opts StreamOptions
	cur  *compiled
	next *compiled // grammar to apply at the next utterance
	// holds and nextHolds: the Grammar.Holds of cur and next.
	holds, nextHolds func(string) bool
	vad              energyVAD

	dn frameDenoiser
	// Batch decoding (perUtterance): the 8 kHz audio as it came, to hear a noisy
	// utterance again through a fresh suppressor (renderUtterance).
	rawHist     []int16      // before the utterance: its pre-roll and up to primeSamples more
	rawUtt      []int16      // the utterance, its pre-roll included
	prime       []int16      // the line's noise before the pre-roll (noisyTail)
	alt         []int16      // the utterance heard again (renderUtterance)
	audio       []int16      // what the decode in progress reads: utt, or part of alt
	dloud       []bool       // and its loudness: loud, or alt's against its own noise
	altLoud     []bool       // alt's loudness against its own noise
	noisyUtt    bool         // the last decode read alt
	spec        *speculation // this utterance decoded ahead, while its end-silence ran
	quiet       int          // quiet frames since the utterance's last loud one
	noise       uint64       // comfort-noise generator state
	loudHist    []bool       // loudness of the frames in the preroll
	uncovered   float64      // share of loud frames outside phrase words, last interpret
	loud        []bool       // VAD loudness per 20 ms frame of this utterance (preroll included)
	utt         []int16      // this utterance's 16 kHz audio, for the rejection pass
	samples     int64        // 8 kHz samples seen
	preroll     []int16      // last preroll of 16 kHz audio while not in an utterance
	uttStart    int64
	lastSpeech  int64
	lastPartial int64
	partialText string
}

// prerollSamples16k: 300 ms of audio before the VAD fired goes to the decoder, so the
// onset the VAD needed to be sure of is not lost.
const prerollSamples16k = 4800

func (w *sphinxWorker) run() {
	defer func() {
		w.up.close()
		if w.dn != nil {
			w.dn.close()
		}
		w.eng.release(w.dec)
		w.st.finish()
	}()
	for {
		select {
		case m := <-w.st.in:
			if !w.handle(m) {
				return
			}
		case <-w.st.quit:
			return
		}
	}
}

func (w *sphinxWorker) handle(m msg) bool {
	switch {
	case m.grammar != nil:
		c, err := w.eng.compile(m.grammar)
		if err != nil {
			m.reply <- err
			return true
		}
		m.reply <- nil
		if w.dec.inUtt {
			w.next, w.nextHolds = c, m.grammar.Holds
		} else {
			w.cur, w.holds = c, m.grammar.Holds
		}
	case m.dtmf != 0:
		if w.dec.inUtt {
			w.endUtterance(nil)
		}
		w.st.emitDTMF(m.dtmf, w.samples)
	case m.flush:
		if w.dec.inUtt {
			w.endUtterance(nil)
		}
		m.reply <- nil
	default:
		w.frame(m.pcm)
		w.st.putBuf(m.pcm)
	}
	return true
}

func (w *sphinxWorker) frame(pcm []int16) {
	at := w.samples
	w.samples += int64(len(pcm))
	loud, started, ended := w.vad.frame(pcm)
	if w.eng.perUtterance {
		if w.dec.inUtt {
			w.rawUtt = append(w.rawUtt, pcm...)
		} else {
			w.rawHist = append(w.rawHist, pcm...)
			// Kept: the pre-roll and the prime (noisyTail reads at most primeSamples).
			// Trimmed only at twice that, so a frame costs no copy of the whole history
			// (every call's recogniser does this on every frame).
			const keep = prerollSamples16k/2 + primeSamples
			if extra := len(w.rawHist) - keep; extra > keep {
				w.rawHist = append(w.rawHist[:0], w.rawHist[extra:]...)
			}
		}
	}
	if w.dn != nil {
		w.dn.process(pcm)
	}
	if cn := w.eng.opts.ComfortNoise; cn > 0 {
		addNoise(&w.noise, pcm, cn)
	}
	up := w.up.process(pcm)
	if loud {
		w.lastSpeech = w.samples
	}
	w.loudHist = append(w.loudHist, loud)
	if len(w.loudHist) > prerollSamples16k/320 {
		w.loudHist = w.loudHist[1:]
	}
	if !w.dec.inUtt {
		w.preroll = append(w.preroll, up...)
		if extra := len(w.preroll) - prerollSamples16k; extra > 0 {
			w.preroll = append(w.preroll[:0], w.preroll[extra:]...)
		}
		if !started || w.cur == nil || w.cur.search == "" {
			return
		}
		if err := w.startUtterance(); err != nil {
			w.st.log.Warn("sphinx start utterance", zap.Error(err))
			return
		}
		w.uttStart = max(0, at-int64(len(pcm))*int64(w.vad.startFrames-1))
		w.lastPartial = w.samples
		w.st.emit(Result{Kind: KindSpeechStart, Start: samplesToDuration(w.uttStart)}, false)
		w.utt = append(w.utt[:0], w.preroll...)
		if w.eng.perUtterance {
			// The raw pre-roll is as long as the 16 kHz one, at half the rate.
			pre := max(0, len(w.rawHist)-len(w.preroll)/2)
			w.rawUtt = append(w.rawUtt[:0], w.rawHist[pre:]...)
			w.prime = append(w.prime[:0], noisyTail(w.rawHist[:pre], w.eng.opts.NoisyLineRMS)...)
			w.rawHist = w.rawHist[:0]
		}
		// Align loudness with the preroll audio (it holds the last len(preroll)/320 frames).
		n := len(w.preroll) / 320
		w.loud = append(w.loud[:0], w.loudHist[max(0, len(w.loudHist)-n):]...)
		if w.eng.opts.Streaming {
			if err := w.dec.process(w.preroll); err != nil {
				w.endUtterance(err)
			}
		}
		w.preroll = w.preroll[:0]
		return
	}
	w.utt = append(w.utt, up...)
	w.loud = append(w.loud, loud)
	if loud {
		w.quiet = 0
		if w.spec != nil {
			w.resume()
			if !w.dec.inUtt {
				return // the decoder could not reopen: the utterance was answered
			}
		}
	} else {
		w.quiet++
	}
	if !w.eng.opts.Streaming && !ended && w.spec == nil && w.quiet == max(specMinFrames, w.vad.endFrames-specLeadFrames) &&
		w.quiet < w.vad.endFrames {
		w.speculate()
	}
	if w.eng.opts.Streaming {
		if err := w.dec.process(up); err != nil {
			w.endUtterance(err)
			return
		}
	}
	switch {
	case ended:
		w.endUtterance(nil)
	case samplesToDuration(w.samples-w.uttStart) >= w.opts.MaxUtterance:
		w.endUtterance(nil)
		w.vad.speech = false
	case w.opts.PartialEvery > 0 && w.eng.opts.Streaming && samplesToDuration(w.samples-w.lastPartial) >= w.opts.PartialEvery:
		w.lastPartial = w.samples
		w.dloud = w.loud
		if text, _ := w.interpret(); text != w.partialText {
			w.partialText = text
			w.st.emit(Result{Kind: KindPartial, Text: text, Start: samplesToDuration(w.uttStart), End: samplesToDuration(w.samples)}, false)
		}
	}
}

// addNoise adds white noise of the given RMS (uniform, from a xorshift generator:
// cheap, allocation-free and deterministic per stream).
func addNoise(state *uint64, pcm []int16, rms float64) {
	x := *state
	if x == 0 {
		x = 0x9E3779B97F4A7C15
	}
	// Uniform on [-a, a] has RMS a/√3.
	a := rms * math.Sqrt(3)
	for i, s := range pcm {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		u := float64(x>>11)/(1<<53)*2 - 1
		pcm[i] = int16(max(-32768, min(32767, float64(s)+u*a)))
	}
	*state = x
}

func (w *sphinxWorker) startUtterance() error {
	if err := w.ensureWords(w.cur); err != nil {
		return err
	}
	var err error
	switch w.eng.opts.Search {
	case SearchLM:
		err = w.dec.useLM(w.cur.search, w.cur.source, w.eng.opts.LMWeight, w.eng.opts.LMWordBeam)
	case SearchKeywords:
		err = w.dec.useKeyphrases(w.cur.search, w.cur.source)
	default:
		err = w.dec.useGrammar(w.cur.search, w.cur.source)
	}
	if err != nil {
		return err
	}
	w.partialText = ""
	return w.dec.startUtt()
}

// ensureWords adds grammar words missing from this decoder's dictionary.
func (w *sphinxWorker) ensureWords(c *compiled) error {
	var missing []string
	for word := range c.words {
		if !w.eng.base[word] && !w.dec.words[word] {
			missing = append(missing, word)
		}
	}
	for i, word := range missing {
		for j, p := range c.words[word] {
			name := word
			if j > 0 {
				name = fmt.Sprintf("%s(%d)", word, j+1)
			}
			if err := w.dec.addWord(name, p, i == len(missing)-1 && j == len(c.words[word])-1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *sphinxWorker) endUtterance(cause error) {
	var text string
	var res Result
	if sp := w.spec; sp != nil && cause == nil {
		// Decoded while the end-of-turn silence ran out and nothing loud came since:
		// that is the answer (the decoder is idle since).
		w.dec.inUtt = false
		text, res, cause = sp.text, sp.res, sp.cause
	} else {
		text, res, cause = w.decode(cause)
	}
	w.spec, w.quiet = nil, 0
	w.eng.stats.utterances.Add(1)
	if w.noisyUtt {
		w.eng.stats.noisyLine.Add(1)
	}
	res.Kind = KindFinal
	res.Text = text
	res.Start = samplesToDuration(w.uttStart)
	res.End = samplesToDuration(min(w.samples, w.lastSpeech))
	res.Err = cause
	w.st.emit(res, true)
	if w.next != nil {
		w.cur, w.holds, w.next, w.nextHolds = w.next, w.nextHolds, nil, nil
	}
}

// speculation is an utterance decoded before its end-of-turn silence ran out.
type speculation struct {
	text  string
	res   Result
	cause error
}

// speculateAt is how many quiet 20 ms frames into the end-of-turn silence the
// utterance is decoded ahead (batch decoding only): endFrames − specLeadFrames, and
// at least specMinFrames. The decode (both passes) then runs while the silence runs
// out, not after it, which takes it off the turn's latency; a caller who speaks again
// voids it and the utterance is decoded whole at its real end. A lead of 100 ms
// (decoding ahead at 600 of 700 ms): a pause of up to 600 ms inside an answer costs
// no voided decode (the live bench's 64 blind utterances: 3 voided of 67 decodes,
// against 7 of 71 at 500 ms and 10 of 74 at 400 ms), the turn overhead stayed where
// it was (p95 113-114 ms against 116-117 on the first 60 calls, p50 17-18 against
// 11-13), and the routes hardly moved (the check voices' half B2: clean 266 -> 265
// right, 33 wrong; pink 10 dB 185 -> 186 right, 36 -> 37 wrong).
const (
	specLeadFrames = 5  // 100 ms
	specMinFrames  = 10 // 200 ms: shorter pauses are between words
)

// speculate decodes the utterance so far. The worker stays in the utterance (the
// decoder idle, inUtt kept): its end takes the speculation, and speech that comes
// back first voids it and reopens the decoder (resume).
func (w *sphinxWorker) speculate() {
	w.eng.stats.speculations.Add(1)
	text, res, cause := w.decode(nil)
	w.spec = &speculation{text: text, res: res, cause: cause}
	w.dec.inUtt = true
}

// resume voids a speculation: the caller spoke again, so the utterance will be
// decoded whole at its real end.
func (w *sphinxWorker) resume() {
	w.eng.stats.voided.Add(1)
	w.spec = nil
	w.dec.inUtt = false
	if err := w.startUtterance(); err != nil {
		w.endUtterance(err)
		w.vad.speech = false
	}
}

// decode runs the utterance's passes (batch: the whole buffered utterance) and
// returns its text and result; the decoder's utterance is ended.
func (w *sphinxWorker) decode(cause error) (string, Result, error) {
	w.eng.stats.decodes.Add(1)
	w.audio, w.dloud = w.uttAudio()
	if cause == nil {
		if main := w.lendShort(); main != nil {
			defer func() {
				w.eng.release(w.dec)
				w.dec = main
			}()
		}
	}
	// The passes below share their Gaussian scores (asr/internal/gmm), never an
	// earlier decode's.
	w.dec.resetScoreCache()
	if cause == nil && w.openFirst() {
		return w.decodeOpenFirst()
	}
	w.eng.stats.grammarPasses.Add(1)
	if !w.eng.opts.Streaming && cause == nil {
		cause = w.dec.processUtt(w.audio)
	}
	err := w.dec.endUtt()
	if cause == nil {
		cause = err
	}
	text, res := w.reading(cause)
	if cause == nil && w.cur != nil && w.cur.lmSearch != "" && (res.Intent == "" || res.Confidence < w.eng.opts.OpenFallbackBelow) &&
		w.loudFrames() >= minFallbackFrames {
		if open, conf, err := w.openPass(); err != nil {
			w.st.log.Warn("sphinx open pass", zap.Error(err))
		} else if open != "" {
			text, res = open, w.openResult(open, conf, w.alternatives(), text, res)
		}
	}
	return text, res, cause
}

// uttAudio is the buffered utterance a decode reads and its loudness: as its frames
// were heard, or, on a noisy line (noiseLevel), heard again through a fresh
// suppressor primed with the line's noise before it (none after digital silence).
//
// With speexdsp's suppressor (the default) that is the whole utterance: the stream's
// suppressor, when the answer's noise arrived after digital silence (the callee's
// leg while the bot spoke, a phone with silence suppression), had adapted to nothing
// and leaves the noise in for about 2 s — most of an answer — where a fresh one's
// start-up estimate takes it down within a second. A quiet utterance stays as heard:
// a fresh suppressor that meets clean words first takes them for noise.
//
// With DenoiserAuto it is WebRTC's suppressor, and the utterance is cut to its speech:
// loud against the utterance's own noise, with 300 ms either side. If the rendering
// cannot be made, the frames as heard stand.
func (w *sphinxWorker) uttAudio() ([]int16, []bool) {
	w.noisyUtt = false
	o := &w.eng.opts
	if !w.eng.perUtterance || len(w.rawUtt) == 0 {
		return w.utt, w.loud
	}
	rms := frameRMS(w.rawUtt)
	level := quietTenth(rms)
	if level < o.NoisyLineRMS {
		return w.utt, w.loud
	}
	auto := o.Denoiser == DenoiserAuto
	alt, err := o.renderUtterance(w.alt[:0], w.prime, w.rawUtt, auto, o.ComfortNoise, len(w.utt))
	if err != nil {
		w.st.log.Warn("sphinx noisy line", zap.Error(err))
		return w.utt, w.loud
	}
	w.alt, w.noisyUtt = alt, true
	if !auto {
		// speexdsp's, heard afresh: the same length and loudness as the stream's.
		return w.alt, w.loud
	}
	w.altLoud = w.altLoud[:0]
	first, last := -1, -1
	for i, r := range rms {
		l := r > max(vadMinRMS, vadOnsetRatio*level)
		w.altLoud = append(w.altLoud, l)
		if l {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	n := min(len(w.altLoud), len(w.alt)/320)
	if first < 0 || first >= n {
		return w.alt[:n*320], w.altLoud[:n]
	}
	lo, hi := max(0, first-speechMargin), min(n, last+1+speechMargin)
	return w.alt[lo*320 : hi*320], w.altLoud[lo:hi]
}

// speechMargin (20 ms frames) is kept either side of a noisy utterance's speech: as
// long as the pre-roll.
const speechMargin = prerollSamples16k / 320

// lendShort puts a decoder of the short pool in the worker's place for this decode
// when the utterance has less loud speech than ShortSpeech, opened on the state's
// search as its own was; it returns the worker's own decoder (its utterance ended),
// to put back after the decode, or nil when the utterance stays on it. A decoder
// that cannot be had or opened leaves it there: the rate is a refinement, not a
// reason to lose the turn.
func (w *sphinxWorker) lendShort() *decoder {
	p := w.eng.short
	if p == nil || w.eng.opts.Streaming || !w.dec.inUtt || w.loudFrames() >= w.eng.shortLoud {
		return nil
	}
	alt, err := w.eng.acquire(w.ctx, p)
	if err != nil {
		w.st.log.Warn("sphinx short decoder", zap.Error(err))
		return nil
	}
	main := w.dec
	w.dec = alt
	if err := w.startUtterance(); err != nil {
		w.st.log.Warn("sphinx short decoder", zap.Error(err))
		w.dec = main
		w.eng.release(alt)
		return nil
	}
	// The worker's own decoder was opened on the same search with no audio (batch).
	_ = main.endUtt()
	w.eng.stats.shortDecodes.Add(1)
	return main
}

// reading interprets the utterance the decoder just ended with the state's own
// search (cause: its decode's error): the grammar's match with its rejection
// applied, speech no grammar path fitted marked Rejected, or SearchLM's words.
func (w *sphinxWorker) reading(cause error) (string, Result) {
	text, res := w.interpret()
	if res.Intent != "" && cause == nil && !w.eng.opts.NoRejection && w.eng.opts.Search != SearchLM {
		w.reject(&res)
	}
	if w.eng.opts.Search == SearchLM && text != "" && cause == nil {
		res.Open, res.Confidence, res.Alternatives = true, w.wordConfidence(), w.alternatives()
	}
	if text == "" && cause == nil && w.eng.opts.Search == SearchGrammar && w.loudFrames() >= minUnfitFrames {
		// Speech no path of the grammar could fit at all: off-topic or unclear, a
		// turn that matched nothing (not noise to ignore).
		res.Rejected = true
	}
	return text, res
}

// openResult is the result of open words (with their confidence and readings); a
// grammar match the grammar's reading (gtext, g) holds rides along as Result.Grammar.
func (w *sphinxWorker) openResult(open string, conf float64, alts []Alternative, gtext string, g Result) Result {
	var gm *GrammarMatch
	if g.Intent != "" {
		gm = &GrammarMatch{Text: gtext, Intent: g.Intent, Confidence: g.Confidence}
	}
	return Result{Text: open, Open: true, Intent: w.cur.g.MatchIntent(open), Confidence: conf, Alternatives: alts, Grammar: gm}
}

// openFirst: the open words are decoded first and the grammar only on demand — a
// batch decode with an open pass whose listener says which words hold an intent.
func (w *sphinxWorker) openFirst() bool {
	return w.holds != nil && !w.eng.opts.Streaming && w.eng.opts.Search == SearchGrammar &&
		w.cur != nil && w.cur.lmSearch != "" && w.loudFrames() >= minFallbackFrames
}

// decodeOpenFirst decodes the utterance with the state's language model and, only
// when its words hold no intent (Grammar.Holds) and one of the grammar's phrases
// could cover them, with the grammar too. The result is
// decode's but for utterances the grammar alone would have decided (a match from
// OpenFallbackBelow) whose open words hold an intent: those are decided by the open
// words. Everywhere else the grammar's result is only used when the open words hold
// no intent (it stands, Result.Grammar), so the grammar pass — a fifth of the CPU of
// the two — is spent only there.
func (w *sphinxWorker) decodeOpenFirst() (string, Result, error) {
	// The utterance was opened on the grammar's search and given no audio (batch).
	if err := w.dec.endUtt(); err != nil {
		return "", Result{}, err
	}
	open, conf, err := w.openPass()
	if err != nil {
		return "", Result{}, err
	}
	var alts []Alternative
	if open != "" {
		alts = w.alternatives()
		if w.beyondPhrases(open) || w.holds(open) {
			return open, w.openResult(open, conf, alts, "", Result{}), nil
		}
	}
	w.eng.stats.grammarPasses.Add(1)
	if err := w.startUtterance(); err != nil {
		return "", Result{}, err
	}
	if err := w.dec.processUtt(w.audio); err != nil {
		_ = w.dec.endUtt() // best effort: the process error is the one to report
		return "", Result{}, err
	}
	if err := w.dec.endUtt(); err != nil {
		return "", Result{}, err
	}
	text, res := w.reading(nil)
	if open == "" || (res.Intent != "" && res.Confidence >= w.eng.opts.OpenFallbackBelow) {
		return text, res, nil
	}
	return open, w.openResult(open, conf, alts, text, res), nil
}

// beyondPhrases says whether open words are more than any of the grammar's phrases
// could cover. The grammar's reading of words that hold no intent counts only when
// it is sure (OpenFallbackBelow), and it is that sure only when one of its phrases
// covers the utterance: on the voice bot's tuning split it reached 0.85 on none of
// the 160 open readings of five words or more, of a longest phrase of four. Such
// words go without the grammar pass, whatever they hold.
func (w *sphinxWorker) beyondPhrases(open string) bool {
	return len(strings.Fields(open)) > w.cur.covers
}

// minFallbackFrames (20 ms VAD frames: 200 ms) is the loud speech below which an
// utterance is not worth a second, open decode: a cough or a click.
const minFallbackFrames = 10

// openPass decodes the buffered utterance again with the state's language model and
// returns its words.
func (w *sphinxWorker) openPass() (string, float64, error) {
	w.eng.stats.openPasses.Add(1)
	c := w.cur
	if err := w.dec.useLM(c.lmSearch, c.lmPath, w.eng.opts.LMWeight, w.eng.opts.LMWordBeam); err != nil {
		return "", 0, err
	}
	if err := w.dec.startUtt(); err != nil {
		return "", 0, err
	}
	if err := w.dec.processUtt(w.audio); err != nil {
		_ = w.dec.endUtt() // best effort: the process error is the one to report
		return "", 0, err
	}
	if err := w.dec.endUtt(); err != nil {
		return "", 0, err
	}
	text, _ := w.interpret()
	return text, w.wordConfidence(), nil
}

// alternatives reads the utterance's best readings from its lattice and gives each its
// share of their probability.
func (w *sphinxWorker) alternatives() []Alternative {
	hs, sc := w.dec.nbest(nbestPaths)
	if len(hs) == 0 {
		return nil
	}
	top := slices.Max(sc)
	var out []Alternative
	total := 0.0
	for i, h := range hs {
		wt := math.Exp((sc[i] - top) * nbestScale)
		total += wt
		j := slices.IndexFunc(out, func(a Alternative) bool { return a.Text == h })
		if j < 0 {
			out = append(out, Alternative{Text: h, Weight: wt})
		} else {
			out[j].Weight += wt
		}
	}
	for i := range out {
		out[i].Weight /= total
	}
	slices.SortStableFunc(out, func(a, b Alternative) int { return cmp.Compare(b.Weight, a.Weight) })
	return out
}

// nbestPaths is how many paths the A* search reads (duplicates that differ only in
// timing or pronunciation included); nbestScale turns their score differences
// (pocketsphinx's scaled log units) into weights. The scale was chosen on the tuning
// split (docs/measured-facts.md): flatter weights separate right from wrong readings
// better than the acoustic model's sharp ones.
const (
	nbestPaths = 40
	nbestScale = 0.002
)

// wordConfidence is the mean posterior probability of the best path's words (fillers
// and silences left out), read from the utterance's lattice: how sure the open search
// is of the words it wrote.
func (w *sphinxWorker) wordConfidence() float64 {
	segs := w.dec.segments()
	post := w.dec.posteriors()
	sum, n := 0.0, 0
	for i, seg := range segs {
		if i >= len(post) || strings.HasPrefix(seg.word, "<") || strings.HasPrefix(seg.word, "[") || seg.word == "(NULL)" {
			continue
		}
		sum += post[i]
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// minUnfitFrames is the loud speech (20 ms VAD frames: 300 ms) above which an
// utterance the grammar could not decode at all counts as rejected speech rather
// than a noise burst.
const minUnfitFrames = 15

func (w *sphinxWorker) loudFrames() int {
	n := 0
	for _, l := range w.dloud {
		if l {
			n++
		}
	}
	return n
}

// reject applies the rejection check to a result that matched an intent, and sets its
// confidence: the fitted probability that the phrase is right.
func (w *sphinxWorker) reject(res *Result) {
	o := w.eng.opts
	f := w.rejectionFeatures()
	z := o.Rejection.LogOdds(f)
	if o.DebugScores != nil {
		o.DebugScores(res.Intent, f[:], z)
	}
	if z < o.MinScore {
		res.Intent, res.Confidence, res.Rejected = "", 0, true
		return
	}
	res.Confidence = 1 / (1 + math.Exp(-z))
	if o.PhoneLoop {
		llr, err := w.phoneLoopScore()
		if err != nil {
			w.st.log.Warn("sphinx rejection pass", zap.Error(err))
			return // keep the grammar's answer rather than lose the turn
		}
		if llr < o.MinPhoneLoopScore {
			res.Intent, res.Confidence, res.Rejected = "", 0, true
		}
	}
}

// rejectionFeatures measures how well the decoded phrase fits the utterance (see
// RejectionModel). It reads the decoder's best path, so call it after endUtt.
func (w *sphinxWorker) rejectionFeatures() [RejectionFeatures]float64 {
	first, last := -1, 0
	for i, l := range w.dloud {
		if l {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	span := 0
	if first >= 0 {
		span = last - first + 1
	}
	frames, phones := 0, 0
	var ascr float64
	for _, seg := range w.dec.segments() {
		if strings.HasPrefix(seg.word, "<") || strings.HasPrefix(seg.word, "[") || seg.word == "(NULL)" {
			continue
		}
		frames += seg.end - seg.start + 1
		ascr += float64(seg.ascr)
		word, alt := seg.word, 0
		if i := strings.IndexByte(word, '('); i > 0 {
			alt, _ = strconv.Atoi(strings.TrimSuffix(word[i+1:], ")"))
			alt = max(0, alt-1)
			word = word[:i]
		}
		if prons := w.eng.lexicon[word]; len(prons) > 0 {
			phones += len(strings.Fields(prons[min(alt, len(prons)-1)]))
		}
	}
	phones = max(1, phones)
	return [...]float64{
		w.uncovered,
		float64(span) * 2 / float64(phones) / 10,
		ascr / float64(max(1, frames)) / 10,
		math.Log(float64(span) + 1),
		float64(phones) / 5,
	}
}

// phoneLoopScore decodes the utterance again with a free phone loop and compares the
// two paths' acoustic scores per frame. In-grammar speech fits its phrase almost as
// well as the best phone sequence; off-topic speech forced into a phrase fits it far
// worse. The difference is robust to noise in a way that the grammar score alone is not,
// because noise lowers both passes alike.
func (w *sphinxWorker) phoneLoopScore() (float64, error) {
	// Compare over the speech only (loud frames, 100 ms margin): the preroll and the
	// end-of-turn silence carry no information and would double the phone-loop cost.
	first, last := -1, -1
	for i, l := range w.dloud {
		if l {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		first, last = 0, len(w.dloud)-1
	}
	lo, hi := max(0, first-5), min(len(w.dloud)-1, last+5)
	if hi < lo || (hi+1)*320 > len(w.audio) {
		lo, hi = 0, len(w.audio)/320-1
	}
	dlo, dhi := decoderFrame(lo, w.dec.frate), decoderFrame(hi+1, w.dec.frate)-1
	g := w.dec.pathScoreWindow(dlo, dhi)
	if err := w.dec.useAllphone(w.eng.opts.PhoneLMPath); err != nil {
		return 0, err
	}
	if err := w.dec.startUtt(); err != nil {
		return 0, err
	}
	if err := w.dec.process(w.audio[lo*320 : (hi+1)*320]); err != nil {
		_ = w.dec.endUtt() // best effort: the process error is the one to report
		return 0, err
	}
	if err := w.dec.endUtt(); err != nil {
		return 0, err
	}
	a, _ := w.dec.pathScore()
	return float64(g-a) / float64(max(1, dhi-dlo+1)), nil
}

// interpret turns the decoder's best path into text and intent, and measures the
// share of loud frames the phrase words leave uncovered (for the rejection check).
func (w *sphinxWorker) interpret() (string, Result) {
	hyp, _ := w.dec.hyp()
	if hyp == "" {
		return "", Result{}
	}
	segs := w.dec.segments()
	origin := 0
	if len(segs) > 0 {
		origin = segs[0].start
	}
	covered := make([]bool, len(w.dloud))
	var words []string
	garbage := false
	for _, seg := range segs {
		switch {
		case strings.HasPrefix(seg.word, garbagePrefix):
			garbage = true
			continue
		case strings.HasPrefix(seg.word, "<") || strings.HasPrefix(seg.word, "[") || seg.word == "(NULL)":
			continue
		}
		word := seg.word
		if i := strings.IndexByte(word, '('); i > 0 {
			word = word[:i]
		}
		words = append(words, word)
		for f := max(0, vadFrame(seg.start-origin, w.dec.frate)); f <= vadFrame(seg.end-origin, w.dec.frate) && f < len(covered); f++ {
			covered[f] = true
		}
	}
	loud, outside := 0, 0
	for i, l := range w.dloud {
		if l {
			loud++
			if !covered[i] {
				outside++
			}
		}
	}
	w.uncovered = float64(outside) / float64(max(1, loud))
	text := strings.Join(words, " ")
	res := Result{}
	if !garbage && w.cur != nil {
		res.Intent = w.cur.g.MatchIntent(text)
	}
	if res.Intent != "" {
		res.Confidence = 1
	}
	return text, res
}
