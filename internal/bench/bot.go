package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/live"
)

// botProfile: callees of the reference script (payment-reminder.en.yaml) who
// answer at once and speak their turns through text-to-speech; each behaviour
// reaches one disposition. The opt-out caller says "stop calling" over the
// reminder prompt (barge-in, a global intent in another state).
const botProfile = `
defaults:
  end_of_speech: 700ms
  max_wait: 20s
  max_duration: 3m
behaviours:
  promise:
    kind: person
    answer_after: 20ms
    turns: [{text: "Speaking."}, {text: "Correct."}]
    after_turns: wait
  paid:
    kind: person
    answer_after: 20ms
    turns: [{text: "Correct."}, {text: "Already paid."}]
    after_turns: wait
  later:
    kind: person
    answer_after: 20ms
    turns: [{text: "Speaking."}, {text: "Call me later."}]
    after_turns: wait
  opt_out:
    kind: person
    answer_after: 20ms
    turns: [{text: "Speaking."}, {text: "Stop calling.", over_bot: 1500ms}]
    after_turns: wait
  agent:
    kind: person
    answer_after: 20ms
    refer: accept
    turns: [{text: "Correct."}, {text: "Representative."}]
    after_turns: wait
  # A short "yes" spoken over the greeting (barge-in), then "correct".
  promise_barge_in:
    kind: person
    answer_after: 20ms
    turns: [{text: "Yes.", over_bot: 1500ms}, {text: "Correct."}]
    after_turns: wait
  voicemail:
    kind: voicemail
    answer_after: 20ms
    max_duration: 40s
routes:
  - {match: '0$', behaviour: promise}
  - {match: '1$', behaviour: paid}
  - {match: '2$', behaviour: later}
  - {match: '3$', behaviour: opt_out}
  - {match: '4$', behaviour: agent}
  - {match: '5$', behaviour: voicemail}
  - {match: '6$', behaviour: promise}
  - {match: '7$', behaviour: paid}
  - {match: '8$', behaviour: later}
  - {match: '9$', behaviour: promise_barge_in}
`

// botBargeIn are the last digits whose callers answer over a prompt.
var botBargeIn = [10]bool{3: true, 9: true}

// botVars are call i's contact fields, varied like a campaign's: first
// names and due dates recur across contacts, amounts mostly do not (each new
// value is synthesised once, then served from the prompt cache).
func botVars(i int64) map[string]string {
	names := []string{"Ana", "Ben", "Carla", "David", "Elena", "Frank", "Grace", "Hugo", "Iris", "Jack", "Kim", "Leo"}
	dates := []string{"2026-12-01", "2026-12-05", "2026-12-10", "2026-12-15"}
	return map[string]string{
		"first_name": names[i%int64(len(names))],
		"amount":     fmt.Sprintf("%d.%02d", 50+(i*37)%900, (i*13)%100),
		"due_date":   dates[(i/3)%int64(len(dates))],
	}
}

// botExpected is the disposition each number's last digit should reach.
var botExpected = [10]string{"promise_to_pay", "claims_paid", "callback_requested", "opted_out", "transferred",
	"voicemail_left", "promise_to_pay", "claims_paid", "callback_requested", "promise_to_pay"}

// BotOptions are `voxdial bench bot`'s flags.
type BotOptions struct {
	Calls       int
	Concurrency int     // conversations at once
	CPS         float64 // new calls per second at most (0: as fast as the concurrency allows)
	NoAMD       bool    // answering-machine detection off (voicemail callees then fail their disposition)
	RTPPorts    media.PortRange
	// CPUProfile and BlockProfile, when set, are files for a CPU profile and a blocking
	// (and, in BlockProfile+".mutex", lock-contention) profile of the calls.
	CPUProfile   string
	BlockProfile string
	// DTX is the callees' silence suppression: off (default) | silent (no RTP while quiet)
	// | cn (one RFC 3389 comfort-noise packet per silence).
	DTX string
}

// BotReport is `voxdial bench bot --json`.
type BotReport struct {
	Common
	Calls                       int            `json:"calls"`
	CallsCompleted              int64          `json:"calls_completed"`
	Failed                      int64          `json:"failed"`
	Concurrency                 int            `json:"concurrency"`
	CPSLimit                    float64        `json:"cps_limit"`
	PeakConcurrentConversations int64          `json:"peak_concurrent_conversations"`
	Dispositions                map[string]int `json:"dispositions"`
	DispositionsExpected        int64          `json:"dispositions_expected"`
	DispositionsWrong           map[string]int `json:"dispositions_wrong"` // "expected→got"
	// Misheard is each call that reached another disposition: what the bot heard and
	// the leg's media figures (a starved machine shows in clock_stalls and
	// behind_silence: the recogniser heard gaps the callee did not make).
	Misheard        []BotMiss `json:"misheard,omitempty"`
	DTX             string    `json:"dtx"`
	BargeInCalls    int64     `json:"barge_in_calls"`    // callers who answered over a prompt
	BargeInExpected int64     `json:"barge_in_expected"` // … and reached the expected disposition
	EndOfTurnMS     int64     `json:"end_of_turn_ms"`
	Turns           int       `json:"turns"`
	// Caller's end of speech to the bot's first RTP frame of the reply, and the same
	// minus the script's end_of_turn.
	TurnLatencyMS        Percentiles `json:"turn_latency_ms"`
	TurnOverheadMS       Percentiles `json:"turn_overhead_ms"`
	AnswerToFirstAudioMS Percentiles `json:"answer_to_first_audio_ms"`
	RecognitionMS        Percentiles `json:"recognition_ms"` // end of speech → final result
	BotReplyMS           Percentiles `json:"bot_reply_ms"`   // final result → first RTP frame of the reply
	AMD                  bool        `json:"amd"`
	RecognizerWarmupS    float64     `json:"recognizer_warmup_s"`
	ClockLatenessMS      Lateness    `json:"clock_lateness_ms"`
	FirstError           string      `json:"first_error,omitempty"`
}

// BotMiss is one call of BotReport.Misheard.
type BotMiss struct {
	To       string             `json:"to"`
	Expected string             `json:"expected"`
	Got      string             `json:"got"`
	Heard    []string           `json:"heard"` // the caller's turns as recognised ("" for none)
	Media    *dialer.MediaStats `json:"media,omitempty"`
}

// Failure is the run's verdict: an error when a call failed or reached another
// disposition than its callee's behaviour should.
func (r *BotReport) Failure() error {
	if r.Failed > 0 || r.DispositionsExpected < r.CallsCompleted {
		return fmt.Errorf("bench bot: %d failed, %d of %d dispositions not the expected one", r.Failed, r.CallsCompleted-r.DispositionsExpected, r.CallsCompleted)
	}
	return nil
}

// Bot runs o.Calls live voice-bot calls of the reference script (payment-reminder.en.yaml),
// at most o.Concurrency at a time, against an in-process simulator whose callees speak
// their turns through text-to-speech, with the embedded engines on the bot side. The
// report comes back even when calls failed (see Failure).
func Bot(ctx context.Context, o BotOptions, progress io.Writer) (*BotReport, error) {
	if o.Calls <= 0 || o.Concurrency <= 0 || o.CPS < 0 {
		return nil, usage("bench bot: --calls and --concurrency must be positive, --cps not negative")
	}
	say := progressTo(progress)
	say("bench bot: synthesising the callers' turns and warming the prompt cache\n")
	if o.DTX == "" {
		o.DTX = string(sim.DTXOff)
	}
	switch sim.DTX(o.DTX) {
	case sim.DTXOff, sim.DTXSilent, sim.DTXCN:
	default:
		return nil, usage("bench bot: --dtx: want off, silent or cn, got %q", o.DTX)
	}
	profile := strings.Replace(botProfile, "defaults:\n", "defaults:\n  dtx: "+o.DTX+"\n", 1)
	prof, err := sim.ParseProfile(strings.NewReader(profile), "bench-bot-profile")
	if err != nil {
		return nil, err
	}
	far, trunk, err := sim.StartLocal(ctx, sim.Options{Profile: prof, MaxRecords: 1})
	if err != nil {
		return nil, err
	}
	defer far.Close()
	var (
		recogMu sync.Mutex
		recog   []time.Duration // end of speech → final result, per spoken turn
		reply   []time.Duration // final result → first RTP frame of the reply: the bot's own part
	)
	host := live.NewHost(live.Options{NoAMD: o.NoAMD, OnResult: func(_ string, res voicebot.Result) {
		recogMu.Lock()
		defer recogMu.Unlock()
		for i, ms := range res.TurnRecognitionMS {
			if ms > 0 && i < len(res.TurnLatencyMS) {
				recog = append(recog, time.Duration(ms)*time.Millisecond)
				reply = append(reply, time.Duration(res.TurnLatencyMS[i]-ms)*time.Millisecond)
			}
		}
	}})
	script, err := host.Load("asset:payment-reminder.en.yaml")
	if err != nil {
		return nil, err
	}
	say("bench bot: readying %d recognisers\n", o.Concurrency)
	warmStart := time.Now()
	if err := host.WarmRecognizers(ctx, script, o.Concurrency); err != nil {
		return nil, err
	}
	warmTook := time.Since(warmStart)
	loaded, err := voicebot.LoadScript("asset:payment-reminder.en.yaml")
	if err != nil || loaded.Bot == nil {
		return nil, fmt.Errorf("bench bot: the built-in reference script: %v", err)
	}
	bot := loaded.Bot
	endOfTurn := bot.Settings.EndOfTurn
	if endOfTurn == 0 {
		endOfTurn = voicebot.DefaultEndOfTurn
	}
	plane, ua, closeUA, err := startDialer(ctx, o.RTPPorts)
	if err != nil {
		return nil, err
	}
	defer closeUA()

	say("bench bot: %d calls, %d at a time, %.0f cps\n", o.Calls, o.Concurrency, o.CPS)
	if o.CPUProfile != "" {
		pf, err := os.Create(o.CPUProfile)
		if err != nil {
			return nil, usage("--cpuprofile: %v", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	if o.BlockProfile != "" {
		runtime.SetBlockProfileRate(int(time.Millisecond))
		runtime.SetMutexProfileFraction(10)
		defer func() {
			for _, p := range []struct{ name, file string }{{"block", o.BlockProfile}, {"mutex", o.BlockProfile + ".mutex"}} {
				if out, err := os.Create(p.file); err == nil {
					_ = pprof.Lookup(p.name).WriteTo(out, 0)
					out.Close()
				}
			}
		}()
	}
	sched := newCallSchedule(o.Calls, o.CPS)
	m := startMeter()
	var (
		mu                          sync.Mutex
		turns, overhead, firstAudio []time.Duration
		dispositions                = map[string]int{}
		wrong                       = map[string]int{} // "expected→got"
		misheard                    []BotMiss
		completed, correct          atomic.Int64
		bargeIn, bargeInHeard       atomic.Int64
		failed                      atomic.Int64
		active, peak                atomic.Int64
		firstErr                    atomic.Value
		wg                          sync.WaitGroup
	)
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := sched.take(ctx)
				if !ok {
					return
				}
				expected := botExpected[i%10]
				vars := botVars(i)
				req := dialer.DialRequest{Trunk: trunk, To: fmt.Sprintf("+1555%07d", i), RingTimeout: 10 * time.Second}
				run, err := script.Prepare(vars, &req)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				call, err := ua.Dial(ctx, req)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				if call.Answered() {
					storeMax(&peak, active.Add(1))
					if err := run(ctx, call); err != nil {
						firstErr.CompareAndSwap(nil, err.Error())
					}
					active.Add(-1)
				}
				<-call.Done()
				r := call.Result()
				mu.Lock()
				dispositions[r.Disposition]++
				if r.Disposition != expected {
					wrong[expected+"→"+r.Disposition]++
					miss := BotMiss{To: r.To, Expected: expected, Got: r.Disposition, Media: r.Media, Heard: []string{}}
					for _, t := range r.Transcript {
						if t.Role == "caller" {
							miss.Heard = append(miss.Heard, t.Text)
						}
					}
					misheard = append(misheard, miss)
				}
				for _, ms := range r.Timings.TurnLatencyMS {
					d := time.Duration(ms) * time.Millisecond
					turns = append(turns, d)
					overhead = append(overhead, d-endOfTurn)
				}
				if v := r.Timings.AnswerToFirstAudioMS; v != nil {
					firstAudio = append(firstAudio, time.Duration(*v)*time.Millisecond)
				}
				mu.Unlock()
				if r.Outcome != dialer.OutcomeAnswered {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("call %s: %s %d %s", r.To, r.Outcome, r.SIPStatus, r.Reason))
					continue
				}
				completed.Add(1)
				if r.Disposition == expected {
					correct.Add(1)
				}
				if botBargeIn[i%10] {
					bargeIn.Add(1)
					if r.Disposition == expected {
						bargeInHeard.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	rep := &BotReport{
		Common:                      m.common(),
		Calls:                       o.Calls,
		CallsCompleted:              completed.Load(),
		Failed:                      failed.Load(),
		Concurrency:                 o.Concurrency,
		CPSLimit:                    o.CPS,
		PeakConcurrentConversations: peak.Load(),
		Dispositions:                dispositions,
		DispositionsExpected:        correct.Load(),
		DispositionsWrong:           wrong,
		Misheard:                    misheard,
		DTX:                         o.DTX,
		BargeInCalls:                bargeIn.Load(),
		BargeInExpected:             bargeInHeard.Load(),
		EndOfTurnMS:                 endOfTurn.Milliseconds(),
		Turns:                       len(turns),
		TurnLatencyMS:               percentilesMS(turns, 50, 95, 99),
		TurnOverheadMS:              percentilesMS(overhead, 50, 95, 99),
		AnswerToFirstAudioMS:        percentilesMS(firstAudio, 50, 95, 99),
		AMD:                         !o.NoAMD,
		RecognizerWarmupS:           warmTook.Seconds(),
		ClockLatenessMS:             latenessMS(plane.Lateness()),
	}
	recogMu.Lock()
	rep.RecognitionMS = percentilesMS(recog, 50, 95, 99)
	rep.BotReplyMS = percentilesMS(reply, 50, 95, 99)
	recogMu.Unlock()
	if e, ok := firstErr.Load().(string); ok {
		rep.FirstError = e
	}
	return rep, nil
}
