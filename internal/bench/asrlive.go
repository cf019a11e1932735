package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/intent"
	"github.com/voxdial/voxdial/voicebot/live"
)

// The live evaluation (`voxdial bench asr --live`) places real calls of the
// reference script (payment-reminder.en.yaml) to the simulator over SIP/RTP on
// loopback, through the dialer and the voicebot/live host that serve uses. Each
// simulated caller presses 1 over the greeting (to reach the reminder question,
// which listens for every intent of the script) and then answers it with one
// sentence of the script's evaluation sets (voicebot/intent/testdata), spoken by
// one of the voices below at one speed, clean or mixed with pink or babble noise,
// with or without silence suppression (DTX), after the question or over it
// (barge-in). The caller hangs up a second after the bot starts its reply; the
// branch the bot took for the sentence is read from the call's transcript.

// Live voices: the tuning ones (the recogniser's rejection and comfort noise, and
// the dual path's threshold, were chosen with them) and the held-out ones (never).
var (
	liveTuningVoices  = []evalset.Voice{{Engine: "flite", Name: "slt"}, {Engine: "flite", Name: "awb"}, {Engine: "espeak", Name: "en-us"}, {Engine: "espeak", Name: "en-gb-scotland"}}
	liveHeldOutVoices = []evalset.Voice{{Engine: "flite", Name: "rms"}, {Engine: "flite", Name: "kal"}, {Engine: "espeak", Name: "en-us+f3"}, {Engine: "espeak", Name: "en-gb-x-rp"}, {Engine: "espeak", Name: "en-029"}}
	liveSpeeds        = []float64{0.8, 1.0, 1.15, 1.3}
)

// Noise conditions of the live evaluation.
const (
	noiseClean  = "clean"
	noisePink   = "pink"
	noiseBabble = "babble"
)

// ASRLiveOptions are `voxdial bench asr --live`'s flags.
type ASRLiveOptions struct {
	// Quick is the small deterministic subset the test runs (held-out sentences and
	// voices, under a minute); otherwise the full set of Split.
	Quick bool
	// Split: held-out (default), tuning or all.
	Split string
	// Concurrency is calls at once (0: 4).
	Concurrency int
	// OpenVocabulary: auto (app.OpenVocabularyDefault), off or on.
	OpenVocabulary string
	// ChannelAdaptation: auto (app.ChannelAdaptationDefault), off or on.
	ChannelAdaptation string
	// CPS is new calls per second at most (0: 4): callers whose questions end at the
	// same instant would measure a burst no campaign makes.
	CPS float64
	// Sentences, when set, is a labelled set ("intent | text" a line, as
	// voicebot/intent/testdata) read instead of the embedded held-out sentences, spoken
	// by the held-out voices: a set written blind to everything the recogniser and
	// the classifier were built from measures them fairly. A line with a recording
	// (a third field: a WAV file) is played from it instead: a person's voice.
	Sentences string
	// Recordings is the directory the sentences' recordings are named in (default:
	// the Sentences file's).
	Recordings string
	// Limit, when > 0, keeps the first Limit calls of the plan (development runs).
	Limit int
	// Peer is the far end: "sim" (default, the in-process simulator, which listens
	// and answers after the question, with or without DTX) or "sipp" (a SIPp process
	// per call, an independent SIP/RTP stack on a timetable: the key over the
	// greeting, the sentence over the question; see asrsipp.go).
	Peer     string
	RTPPorts media.PortRange
	// OpenSearch overrides the open pass's weight and word beam (tuning runs).
	OpenSearch app.OpenSearch
}

// liveItem is one call: who says what, how, over which line.
type liveItem struct {
	Text, Intent string // intent.OffTopic for off-topic speech
	Voice        evalset.Voice
	Speed        float64
	Noise        string
	SNR          float64 // dB; 0 with noiseClean
	DTX          sim.DTX
	BargeIn      bool
	HeldOut      bool
	SIPp         bool // the far end is SIPp: the sentence over the question, no DTX
	// Recording is the WAV file the caller plays (Voice is evalset.Recorded); "" to
	// synthesise.
	Recording string
	wav       string
}

func (it liveItem) condition() string {
	if it.SIPp {
		c := "sipp-clean"
		if it.Noise != noiseClean {
			c = fmt.Sprintf("sipp-%s-%gdB", it.Noise, it.SNR)
		}
		return c
	}
	switch {
	case it.BargeIn:
		return "barge-in"
	case it.DTX != sim.DTXOff:
		return "dtx"
	case it.Noise == noiseClean:
		return "clean"
	}
	return fmt.Sprintf("%s-%gdB", it.Noise, it.SNR)
}

// ASRLiveCondition is the outcome of one slice of the calls.
type ASRLiveCondition struct {
	Calls    int `json:"calls"`
	InDomain int `json:"in_domain"`
	// Right: in-domain sentences routed to their intent (a confirm question of the
	// right intent counts: the caller's yes routes it).
	Right     int     `json:"right"`
	RightRate float64 `json:"right_rate"`
	// WrongHighStakes: sentences (off-topic included) routed to a high-stakes intent
	// that was not theirs without a confirm question, over all calls. WrongConfirm:
	// those that got the wrong intent's confirm question instead (nothing done
	// unless the caller says yes to it).
	WrongHighStakes     int     `json:"wrong_high_stakes"`
	WrongHighStakesRate float64 `json:"wrong_high_stakes_rate"`
	WrongConfirm        int     `json:"wrong_confirm"`
	// Wrong: sentences (off-topic included) routed to, or asked to confirm, an intent
	// not theirs, over all calls.
	Wrong     int     `json:"wrong"`
	WrongRate float64 `json:"wrong_rate"`
	OffTopic  int     `json:"off_topic"`
	// OffTopicNoMatch: off-topic sentences that took no intent, as the text-level
	// evaluation counts them: no_match, nothing acted on, or the bot's request-to-
	// repeat turn ("can you repeat that": the question again, not a branch).
	OffTopicNoMatch     int     `json:"off_topic_no_match"`
	OffTopicNoMatchRate float64 `json:"off_topic_no_match_rate"`
	// OffTopicNotRouted: off-topic sentences routed nowhere — no_match, or the
	// low-confidence re-prompt (the caller hears the question again either way).
	OffTopicNotRouted     int     `json:"off_topic_not_routed"`
	OffTopicNotRoutedRate float64 `json:"off_topic_not_routed_rate"`
	// Heard: the sentence became a caller turn (words, or speech the recogniser
	// would not put into words), not silence.
	Heard         int     `json:"heard"`
	HeardRate     float64 `json:"heard_rate"`
	LowConfidence int     `json:"low_confidence"`
	Confirm       int     `json:"confirm"`
	// Repeated: sentences the bot took as a request to say the question again (it
	// did; no branch). Until the nineteenth session these counted as routed to a
	// "repeat" intent, a wrong one.
	Repeated int `json:"repeated"`
	// BargeInStopped: the caller's speech over the question stopped it (barge-in
	// conditions only).
	BargeInStopped int `json:"barge_in_stopped,omitempty"`
	// NotReached: calls that never reached the question (the key press was lost)
	// or failed; left out of every rate.
	NotReached int `json:"not_reached"`
}

// ASRLiveReport is `voxdial bench asr --live --json`.
type ASRLiveReport struct {
	Common
	Mode              string   `json:"mode"` // quick | full
	Peer              string   `json:"peer"` // sim | sipp: the far end
	Split             string   `json:"split"`
	OpenVocabulary    bool     `json:"open_vocabulary"`
	ChannelAdaptation bool     `json:"channel_adaptation"`
	Engine            string   `json:"engine"`
	Concurrency       int      `json:"concurrency"`
	Calls             int      `json:"calls"`
	TuningVoices      []string `json:"tuning_voices"`
	HeldOutVoices     []string `json:"held_out_voices"`
	// Sentences: the evaluation sets the callers read (voicebot/intent/testdata):
	// en.tune.txt with en.tune2.txt is the tuning split, en.heldout.txt the held-out one.
	Sentences map[string]string `json:"sentences"`
	// Recordings: where the held-out sentences' recordings were played from (the
	// "recorded" voice), when they have any.
	Recordings string   `json:"recordings,omitempty"`
	HighStakes []string `json:"high_stakes"`
	// ByCondition: clean, pink-20dB, babble-20dB, pink-10dB, babble-10dB, dtx,
	// barge-in, each split (held-out/…, tuning/…), and all.
	ByCondition map[string]*ASRLiveCondition `json:"by_condition"`
	// Speech turns: caller's end of speech → first RTP frame of the reply, minus the
	// script's end_of_turn.
	TurnOverheadMS Percentiles `json:"turn_overhead_ms"`
	RecognitionMS  Percentiles `json:"recognition_ms"`
	EndOfTurnMS    int64       `json:"end_of_turn_ms"`
	// RecognizersPerCore: the recogniser alone (one per call) decoding the calls'
	// sentences as fast as it goes, audio seconds per CPU second: the median of
	// RecognizersPerCoreRounds, the same decodes repeated.
	RecognizersPerCore       float64   `json:"recognizers_per_core"`
	RecognizersPerCoreRounds []float64 `json:"recognizers_per_core_rounds,omitempty"`
	// RecognizerWork counts the decodes of one round (the warm-up utterance
	// included): how often the second pass ran and decoding ahead was voided.
	RecognizerWork *asr.SphinxStats `json:"recognizer_work,omitempty"`
	// CallsPerCore: call seconds per CPU second of this whole process (both ends of
	// every call: SIP, RTP, prompts, simulated callers and recognition).
	CallsPerCore float64  `json:"calls_per_core"`
	SynthesisS   float64  `json:"synthesis_s"`
	Misses       []string `json:"misses,omitempty"`
	FirstError   string   `json:"first_error,omitempty"`
}

// liveOutcome is what the bot made of one call's sentence.
type liveOutcome struct {
	reached bool
	heard   bool
	routed  string // intent routed (or confirmed); "" for none
	verdict string // match | confirm | low_confidence | no_match | repeat | none
	stopped bool   // the sentence stopped the prompt (barge-in)
	text    string
}

// ASRLive runs the live evaluation.
func ASRLive(ctx context.Context, o ASRLiveOptions, progress io.Writer) (*ASRLiveReport, error) {
	say := progressTo(progress)
	if o.Split == "" {
		o.Split = "held-out"
	}
	if o.Split != "held-out" && o.Split != "tuning" && o.Split != "all" {
		return nil, usage("--split %q: want held-out, tuning or all", o.Split)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.CPS <= 0 {
		o.CPS = 4
	}
	open, ok := app.AutoOffOn(o.OpenVocabulary, app.OpenVocabularyDefault)
	if !ok {
		return nil, usage("--open-vocabulary %q: want auto, off or on", o.OpenVocabulary)
	}
	adapt, ok := app.AutoOffOn(o.ChannelAdaptation, app.ChannelAdaptationDefault)
	if !ok {
		return nil, usage("--channel-adaptation %q: want auto, off or on", o.ChannelAdaptation)
	}
	items, err := livePlan(o)
	if err != nil {
		return nil, err
	}
	sipp := false
	switch o.Peer {
	case "", "sim":
	case "sipp":
		if err := sippAvailable(); err != nil {
			return nil, err
		}
		sipp = true
		for i := range items {
			// SIPp keeps to a timetable: every sentence over the question, the
			// line's noise as planned, no silence suppression.
			items[i].SIPp, items[i].DTX, items[i].BargeIn = true, sim.DTXOff, false
		}
	default:
		return nil, usage("--peer %q: want sim or sipp", o.Peer)
	}
	dir, err := os.MkdirTemp("", "voxdial-asrlive-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	say("bench asr --live: synthesising %d callers' sentences\n", len(items))
	synthStart := time.Now()
	pcms, err := liveAudio(ctx, items, dir)
	if err != nil {
		return nil, err
	}
	synthS := time.Since(synthStart).Seconds()
	var trunk *dialer.Trunk
	if !sipp {
		prof, err := liveProfile(items, dir)
		if err != nil {
			return nil, err
		}
		far, simTrunk, err := sim.StartLocal(ctx, sim.Options{Profile: prof, MaxRecords: 1})
		if err != nil {
			return nil, err
		}
		defer far.Close()
		trunk = simTrunk
	}

	var (
		recogMu sync.Mutex
		recog   []time.Duration
	)
	host := live.NewHost(live.Options{
		NoAMD: true, // answering-machine detection is not what is measured here
		NewRecognizer: func(vocab []string) (asr.Engine, error) {
			return app.NewSphinxEngineTuned(vocab, open, adapt, o.OpenSearch)
		},
		OnResult: func(_ string, res voicebot.Result) {
			recogMu.Lock()
			defer recogMu.Unlock()
			for _, ms := range res.TurnRecognitionMS {
				if ms > 0 {
					recog = append(recog, time.Duration(ms)*time.Millisecond)
				}
			}
		},
	})
	script, err := host.Load("asset:payment-reminder.en.yaml")
	if err != nil {
		return nil, err
	}
	bot := script.Bot()
	hs := bot.HighStakes()
	if len(hs) == 0 {
		// The script marks none: its global intents act for good (an opt-out, a
		// transfer to an agent).
		for _, g := range bot.Global {
			hs = append(hs, g.Key)
		}
	}
	endOfTurn := bot.Settings.EndOfTurn
	if endOfTurn == 0 {
		endOfTurn = voicebot.DefaultEndOfTurn
	}
	say("bench asr --live: readying %d recognisers\n", o.Concurrency)
	if err := host.WarmRecognizers(ctx, script, o.Concurrency); err != nil {
		return nil, err
	}
	_, ua, closeUA, err := startDialer(ctx, o.RTPPorts)
	if err != nil {
		return nil, err
	}
	defer closeUA()

	say("bench asr --live: %d calls, %d at a time (open vocabulary %v)\n", len(items), o.Concurrency, open)
	m := startMeter()
	cpu0 := ProcessCPU()
	outcomes := make([]liveOutcome, len(items))
	sched := newCallSchedule(len(items), o.CPS)
	var (
		mu       sync.Mutex
		overhead []time.Duration
		callS    float64
		firstErr string
		next     int
		wg       sync.WaitGroup
	)
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i64, ok := sched.take(ctx)
				if !ok {
					return
				}
				i := int(i64) - 1 // take counts from 1
				var (
					oc  liveOutcome
					lat []time.Duration
					dur time.Duration
					err error
				)
				if sipp {
					oc, lat, dur, err = sippCall(ctx, script, ua, filepath.Join(dir, fmt.Sprintf("sipp%d", i)), pcms[i], i)
				} else {
					oc, lat, dur, err = liveCall(ctx, script, ua, trunk, i)
				}
				mu.Lock()
				outcomes[i] = oc
				overhead = append(overhead, lat...)
				callS += dur.Seconds()
				if err != nil && firstErr == "" {
					firstErr = err.Error()
				}
				next++
				done := next
				mu.Unlock()
				if done%25 == 0 {
					say("bench asr --live: %d of %d calls placed\n", min(done, len(items)), len(items))
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cpu := ProcessCPU() - cpu0
	for i := range overhead {
		overhead[i] -= endOfTurn
	}
	rep := &ASRLiveReport{
		Mode: "full", Split: o.Split, OpenVocabulary: open, ChannelAdaptation: adapt, Engine: "pocketsphinx grammar",
		Concurrency: o.Concurrency, Calls: len(items),
		Sentences:   map[string]string{"tuning": "voicebot/intent/testdata/en.tune.txt + en.tune2.txt", "held-out": "voicebot/intent/testdata/en.heldout.txt"},
		HighStakes:  hs,
		ByCondition: map[string]*ASRLiveCondition{},
		EndOfTurnMS: endOfTurn.Milliseconds(),
		SynthesisS:  round3(synthS),
		FirstError:  firstErr,
	}
	if o.Quick {
		rep.Mode = "quick"
	}
	rep.Peer = "sim"
	if sipp {
		rep.Peer = "sipp"
	}
	if o.Sentences != "" {
		rep.Sentences["held-out"] = o.Sentences
	}
	if open {
		rep.Engine = "pocketsphinx grammar + open-vocabulary second pass"
	}
	for _, v := range liveTuningVoices {
		rep.TuningVoices = append(rep.TuningVoices, v.String())
	}
	for _, v := range liveHeldOutVoices {
		rep.HeldOutVoices = append(rep.HeldOutVoices, v.String())
	}
	for _, it := range items {
		if it.Recording != "" {
			// People's recordings, never tuned on, in place of some held-out voices.
			rep.HeldOutVoices = append(rep.HeldOutVoices, evalset.Recorded.String())
			rep.Recordings = o.Recordings
			if rep.Recordings == "" {
				rep.Recordings = filepath.Dir(o.Sentences)
			}
			break
		}
	}
	for i, it := range items {
		oc := outcomes[i]
		split := "tuning"
		if it.HeldOut {
			split = "held-out"
		}
		keys := []string{"all", it.condition(), split + "/" + it.condition(), split}
		switch it.SNR {
		case 20, 10:
			keys = append(keys, fmt.Sprintf("snr=%gdB", it.SNR), fmt.Sprintf("%s/snr=%gdB", split, it.SNR))
		}
		for _, k := range keys {
			c := rep.ByCondition[k]
			if c == nil {
				c = &ASRLiveCondition{}
				rep.ByCondition[k] = c
			}
			c.add(it, oc, hs)
		}
		if oc.reached && !oc.right(it) {
			rep.Misses = append(rep.Misses, fmt.Sprintf("%s %q (%s x%g %s) → %s %s (heard %q)", it.Intent, it.Text, it.Voice, it.Speed, it.condition(), oc.verdict, oc.routed, oc.text))
		}
	}
	for _, c := range rep.ByCondition {
		c.rates()
	}
	rep.TurnOverheadMS = percentilesMS(overhead, 50, 95, 99)
	recogMu.Lock()
	rep.RecognitionMS = percentilesMS(recog, 50, 95)
	recogMu.Unlock()
	if cpu > 0 {
		rep.CallsPerCore = round3(callS / cpu.Seconds())
	}
	rep.Common = m.common()
	say("bench asr --live: measuring the recogniser's own cost\n")
	rep.RecognizersPerCore, rep.RecognizerWork, rep.RecognizersPerCoreRounds, err = liveRecognizerCost(ctx, bot, open, adapt, o.OpenSearch, items, pcms)
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func (oc liveOutcome) right(it liveItem) bool {
	if it.Intent == intent.OffTopic {
		return oc.tookNoIntent()
	}
	return oc.routed == it.Intent
}

// tookNoIntent: the sentence routed nowhere and was not doubted (low confidence).
func (oc liveOutcome) tookNoIntent() bool {
	return oc.verdict == "no_match" || oc.verdict == "none" || oc.verdict == "repeat"
}

func (c *ASRLiveCondition) add(it liveItem, oc liveOutcome, hs []string) {
	c.Calls++
	if !oc.reached {
		c.NotReached++
		return
	}
	if oc.heard {
		c.Heard++
	}
	if (it.BargeIn || it.SIPp) && oc.stopped { // SIPp always says its sentence over the question
		c.BargeInStopped++
	}
	switch oc.verdict {
	case "low_confidence":
		c.LowConfidence++
	case "confirm":
		c.Confirm++
	case "repeat":
		c.Repeated++
	}
	if it.Intent == intent.OffTopic {
		c.OffTopic++
		if oc.tookNoIntent() {
			c.OffTopicNoMatch++
		}
		if oc.routed == "" {
			c.OffTopicNotRouted++
		}
	} else {
		c.InDomain++
		if oc.routed == it.Intent {
			c.Right++
		}
	}
	if oc.routed != "" && oc.routed != it.Intent {
		c.Wrong++
		switch {
		case !slices.Contains(hs, oc.routed):
		case oc.verdict == "confirm":
			c.WrongConfirm++ // asked, not acted on: the caller's "no" keeps the state
		default:
			c.WrongHighStakes++
		}
	}
}

func (c *ASRLiveCondition) rates() {
	n := c.Calls - c.NotReached
	if c.InDomain > 0 {
		c.RightRate = round3(float64(c.Right) / float64(c.InDomain))
	}
	if n > 0 {
		c.WrongHighStakesRate = round3(float64(c.WrongHighStakes) / float64(n))
		c.WrongRate = round3(float64(c.Wrong) / float64(n))
		c.HeardRate = round3(float64(c.Heard) / float64(n))
	}
	if c.OffTopic > 0 {
		c.OffTopicNoMatchRate = round3(float64(c.OffTopicNoMatch) / float64(c.OffTopic))
		c.OffTopicNotRoutedRate = round3(float64(c.OffTopicNotRouted) / float64(c.OffTopic))
	}
}

// liveNumber is the dialled number of call i; the simulator routes it to item i.
func liveNumber(i int) string { return fmt.Sprintf("+1555%07d", i) }

// liveCall places call i and reads what the bot made of its sentence.
func liveCall(ctx context.Context, script *live.Script, ua *dialer.UA, trunk *dialer.Trunk, i int) (liveOutcome, []time.Duration, time.Duration, error) {
	req := dialer.DialRequest{Trunk: trunk, To: liveNumber(i), RingTimeout: 10 * time.Second}
	run, err := script.Prepare(botVars(int64(i)), &req)
	if err != nil {
		return liveOutcome{}, nil, 0, err
	}
	call, err := ua.Dial(ctx, req)
	if err != nil {
		return liveOutcome{}, nil, 0, err
	}
	var runErr error
	if call.Answered() {
		runErr = run(ctx, call)
	}
	<-call.Done()
	r := call.Result()
	var dur time.Duration
	if a := r.Timings.AnsweredAt; a != nil {
		dur = time.Since(*a)
	}
	if r.Outcome != dialer.OutcomeAnswered {
		return liveOutcome{}, nil, dur, fmt.Errorf("call %d: %s %d %s", i, r.Outcome, r.SIPStatus, r.Reason)
	}
	var lat []time.Duration
	for k, ms := range r.Timings.TurnLatencyMS {
		if k < len(r.Timings.TurnRecognitionMS) && r.Timings.TurnRecognitionMS[k] > 0 {
			lat = append(lat, time.Duration(ms)*time.Millisecond)
		}
	}
	return readOutcome(r.Transcript), lat, dur, runErr
}

// readOutcome finds the caller's sentence in the reminder state and the branch it
// took: "paid → already_paid", "global opt_out → opt_out", "yes → confirm",
// "no_match → reminder", "low_confidence → reminder".
func readOutcome(ts []dialer.Turn) liveOutcome {
	var oc liveOutcome
	for _, t := range ts {
		if t.State == "reminder" && t.Role == "bot" && !oc.reached {
			oc.reached = true
			oc.stopped = t.Event == "barge_in"
			continue
		}
		if !oc.reached || t.Role != "caller" || t.DTMF != "" {
			continue
		}
		label, target, _ := strings.Cut(t.Branch, " → ")
		label = strings.TrimPrefix(label, "global ")
		if t.Event == "no_input" || label == "no_input" {
			oc.verdict = "no_input" // the sentence was not heard at all
			return oc
		}
		oc.heard = true
		oc.text = t.Text
		switch {
		case t.Event == "ignored" || t.Branch == "":
			oc.verdict = "none"
			continue // said over the prompt and not acted on: the next turn decides
		case label == "no_match" || label == "low_confidence":
			oc.verdict = label
		case t.Event == "repeat":
			oc.verdict = "repeat" // the question said again: no branch
		case strings.HasPrefix(target, "confirm"):
			oc.verdict, oc.routed = "confirm", label
		default:
			oc.verdict, oc.routed = "match", label
		}
		return oc
	}
	if oc.reached && oc.verdict == "" {
		oc.verdict = "none"
	}
	return oc
}

// livePlan lists the calls: quick is a fixed small subset of the held-out split;
// the full plan gives every sentence of the split(s) five calls — clean, DTX on,
// barge-in, 20 dB and 10 dB (pink and babble alternating) — each with the next
// voice of its split and the next speed.
func livePlan(o ASRLiveOptions) ([]liveItem, error) {
	type split struct {
		name    string
		heldOut bool
		voices  []evalset.Voice
	}
	var splits []split
	if o.Quick || o.Split != "tuning" {
		splits = append(splits, split{intent.SplitHeldOut, true, liveHeldOutVoices})
	}
	if !o.Quick && o.Split != "held-out" {
		splits = append(splits, split{intent.SplitTuning, false, liveTuningVoices})
	}
	var items []liveItem
	for _, sp := range splits {
		set, err := intent.Set("en", sp.name)
		if sp.heldOut && o.Sentences != "" {
			set, err = readScriptSet("--sentences", o.Sentences)
		}
		if err != nil {
			return nil, err
		}
		if o.Quick {
			set = quickSentences(set)
		}
		for i, s := range set {
			v := sp.voices[i%len(sp.voices)]
			speed := liveSpeeds[i%len(liveSpeeds)]
			base := liveItem{Text: s.Text, Intent: s.Intent, Voice: v, Speed: speed, Noise: noiseClean, DTX: sim.DTXOff, HeldOut: sp.heldOut}
			if s.Recording != "" {
				// A file that is not there is refused before any call.
				rec, err := s.FindRecording(o.Sentences, o.Recordings)
				if err != nil {
					return nil, usage("--sentences: %v", err)
				}
				base.Voice, base.Speed, base.Recording = evalset.Recorded, 1, rec
			}
			if o.Quick {
				// One call each, the conditions taking turns.
				switch i % 4 {
				case 1:
					base.DTX = []sim.DTX{sim.DTXSilent, sim.DTXCN}[i/4%2]
				case 2:
					base.BargeIn = true
				case 3:
					base.Noise, base.SNR = []string{noisePink, noiseBabble}[i/4%2], 20
				}
				items = append(items, base)
				continue
			}
			noise := []string{noisePink, noiseBabble}[i%2]
			other := []string{noisePink, noiseBabble}[(i+1)%2]
			dtx := base
			dtx.DTX = []sim.DTX{sim.DTXSilent, sim.DTXCN}[i%2]
			barge := base
			barge.BargeIn = true
			n20, n10 := base, base
			n20.Noise, n20.SNR = noise, 20
			n10.Noise, n10.SNR = other, 10
			items = append(items, base, dtx, barge, n20, n10)
		}
	}
	if !o.Quick {
		// A fixed shuffle, so that --limit keeps a sample of every intent and
		// condition rather than the first sentences of the file.
		rng := rand.New(rand.NewPCG(1, 0x6c697665))
		rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	}
	if o.Limit > 0 && o.Limit < len(items) {
		items = items[:o.Limit]
	}
	return items, nil
}

// readScriptSet reads a labelled set given with flag (--sentences, --adapt-set); its
// intents must be the example script's (or none, off-topic).
func readScriptSet(flag, path string) ([]intent.Labelled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	defer f.Close()
	set, err := intent.ReadSet(f, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	known := []string{"yes", "no", "later", "paid", "agent", "opt_out", intent.OffTopic}
	for _, s := range set {
		if !slices.Contains(known, s.Intent) {
			return nil, fmt.Errorf("%s: %s:%d: intent %q is not one of the script's (%s)", flag, path, s.Line, s.Intent, strings.Join(known, ", "))
		}
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("%s: %s: no sentences", flag, path)
	}
	return set, nil
}

// quickSentences is the quick subset: per intent its first three sentences, and
// the first four off-topic ones (the file's order, so the subset is fixed).
func quickSentences(set []intent.Labelled) []intent.Labelled {
	n := map[string]int{}
	var out []intent.Labelled
	for _, s := range set {
		limit := 3
		if s.Intent == intent.OffTopic {
			limit = 4
		}
		if n[s.Intent] < limit {
			n[s.Intent]++
			out = append(out, s)
		}
	}
	return out
}

// liveProfile is the simulator profile: one behaviour per call, routed by number.
func liveProfile(items []liveItem, dir string) (*sim.Profile, error) {
	var b strings.Builder
	b.WriteString("defaults:\n  end_of_speech: 700ms\n  max_wait: 30s\n  max_duration: 2m\nbehaviours:\n")
	for i, it := range items {
		fmt.Fprintf(&b, "  c%d:\n    kind: person\n    answer_after: 20ms\n    dtx: %s\n    after_turns: wait\n    turns:\n", i, it.DTX)
		// A key over the greeting reaches the question that hears every intent.
		b.WriteString("      - {dtmf: '1', over_bot: 300ms}\n")
		if it.BargeIn {
			fmt.Fprintf(&b, "      - {say: %q, over_bot: 2s}\n", it.wav)
		} else {
			fmt.Fprintf(&b, "      - {say: %q}\n", it.wav)
		}
		// Hang up once the bot has started its reply: its branch is decided.
		b.WriteString("      - {hangup: true, over_bot: 1s}\n")
	}
	b.WriteString("routes:\n")
	for i := range items {
		fmt.Fprintf(&b, "  - {match: '^\\%s$', behaviour: c%d}\n", liveNumber(i), i)
	}
	return sim.ParseProfile(strings.NewReader(b.String()), filepath.Join(dir, "profile.yaml"))
}

// liveAudio synthesises every item (grouped by voice and speed), mixes its noise
// and writes it as a WAV file in dir; it returns the audio of each item.
func liveAudio(ctx context.Context, items []liveItem, dir string) ([][]int16, error) {
	type key struct {
		v     evalset.Voice
		speed float64
	}
	groups := map[key][]int{}
	var keys []key
	for i, it := range items {
		k := key{it.Voice, it.Speed}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	clean := make([][]int16, len(items))
	for _, k := range keys {
		var phrases []evalset.Labeled
		seen := map[string]int{}
		key := func(it liveItem) string { return it.Text + "\x00" + it.Recording }
		for _, i := range groups[k] {
			if _, ok := seen[key(items[i])]; !ok {
				seen[key(items[i])] = len(phrases)
				phrases = append(phrases, evalset.Labeled{Text: items[i].Text, Recording: items[i].Recording})
			}
		}
		us, err := evalset.Generate(ctx, evalset.Options{Phrases: phrases, Voices: []evalset.Voice{k.v}, Speeds: []float64{k.speed}, SNRs: []float64{0}})
		if err != nil {
			return nil, err
		}
		for _, i := range groups[k] {
			clean[i] = us[seen[key(items[i])]].PCM
		}
	}
	babble, err := babbleTrack(ctx)
	if err != nil {
		return nil, err
	}
	out := make([][]int16, len(items))
	for i, it := range items {
		pcm := clean[i]
		switch it.Noise {
		case noisePink:
			pcm = evalset.MixNoise(pcm, evalset.PinkNoise(len(pcm), uint64(i)), speechRMS, it.SNR)
		case noiseBabble:
			pcm = evalset.MixNoise(pcm, evalset.Loop(babble, i*7919, len(pcm)), speechRMS, it.SNR)
		}
		out[i] = pcm
		name := fmt.Sprintf("c%d.wav", i)
		if err := media.WriteWAVFile(filepath.Join(dir, name), media.SampleRate, 1, pcm); err != nil {
			return nil, err
		}
		items[i].wav = name
	}
	return out, nil
}

// speechRMS is the level evalset normalises speech to.
const speechRMS = 3000

// babbleSentences are what the crowd behind the caller says: none of them is in
// the evaluation sets.
var babbleSentences = []string{
	"the meeting was moved to thursday afternoon",
	"she bought three tickets for the concert",
	"we should paint the kitchen before winter",
	"the train to boston leaves at nine",
	"he forgot his umbrella at the office again",
	"they are building a new school near the river",
}

// babbleTrack is six voices talking at once, each its sentences in a different
// order and offset, about twelve seconds long. Some are held-out voices: they are
// the crowd behind the caller, never the caller.
func babbleTrack(ctx context.Context) ([]int16, error) {
	voices := []evalset.Voice{{Engine: "flite", Name: "slt"}, {Engine: "flite", Name: "kal"}, {Engine: "flite", Name: "awb"},
		{Engine: "espeak", Name: "en-us"}, {Engine: "espeak", Name: "en-gb"}, {Engine: "flite", Name: "rms"}}
	return evalset.BabbleTrack(ctx, voices, babbleSentences, 12)
}

// liveRecognizerCost decodes the calls' audio (up to liveCostUtterances sentences)
// with the same engine the calls used, one at a time as fast as it goes: audio
// seconds per CPU second is how many real-time recognisers one core carries (the
// median of the rounds, returned too; the work counted on the first round).
func liveRecognizerCost(ctx context.Context, bot *voicebot.Bot, open, adapt bool, tune app.OpenSearch, items []liveItem, pcms [][]int16) (float64, *asr.SphinxStats, []float64, error) {
	var vocab []string
	for _, in := range bot.Intents {
		vocab = append(vocab, in.Phrases...)
	}
	eng, err := app.NewSphinxEngineTuned(vocab, open, adapt, tune)
	if err != nil {
		return 0, nil, nil, err
	}
	if c, ok := eng.(interface{ Close() error }); ok {
		defer func() { _ = c.Close() }()
	}
	h := bot.ListenHints("reminder")
	// As on a call: the grammar decodes only open words that hold no intent.
	g := &asr.Grammar{Name: "cost-reminder", Holds: bot.WordsHold("reminder")}
	names := make([]string, 0, len(h.Intents))
	for n := range h.Intents {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		g.Intents = append(g.Intents, asr.Intent{Name: n, Phrases: h.Intents[n]})
	}
	// One warm-up utterance (grammar compilation), then the measured ones.
	if _, err := evalset.Recognize(ctx, eng, g, evalset.Utterance{PCM: pcms[0]}); err != nil {
		return 0, nil, nil, err
	}
	var work *asr.SphinxStats
	var rounds []float64
	for r := range liveCostRounds {
		var audio float64
		cpu0 := ProcessCPU()
		for i := range min(len(items), liveCostUtterances) {
			if _, err := evalset.Recognize(ctx, eng, g, evalset.Utterance{PCM: pcms[i]}); err != nil {
				return 0, nil, nil, err
			}
			audio += float64(len(pcms[i])) / media.SampleRate
		}
		if cpu := (ProcessCPU() - cpu0).Seconds(); cpu > 0 {
			rounds = append(rounds, round3(audio/cpu))
		}
		if st, ok := eng.(interface{ Stats() asr.SphinxStats }); ok && r == 0 {
			w := st.Stats()
			work = &w
		}
	}
	if len(rounds) == 0 {
		return 0, work, nil, nil
	}
	sorted := slices.Clone(rounds)
	slices.Sort(sorted)
	return sorted[len(sorted)/2], work, rounds, nil
}

// The recogniser-cost step decodes the first liveCostUtterances sentences
// liveCostRounds times over (the same decodes each time: a decode depends on its
// audio only) and reports the median round: on a shared machine one round moved by
// a fifth from run to run.
const (
	liveCostUtterances = 60
	liveCostRounds     = 5
)
