package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/live"
)

// benchBotProfile: callees of the reference script (payment-reminder.en.yaml) who
// answer at once and speak their turns through text-to-speech; each behaviour
// reaches one disposition. The opt-out caller says "stop calling" over the
// reminder prompt (barge-in, a global intent in another state).
const benchBotProfile = `
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

// benchBotBargeIn are the last digits whose callers answer over a prompt.
var benchBotBargeIn = [10]bool{3: true, 9: true}

// benchBotVars are call i's contact fields, varied like a campaign's: first
// names and due dates recur across contacts, amounts mostly do not (each new
// value is synthesised once, then served from the prompt cache).
func benchBotVars(i int64) map[string]string {
	names := []string{"Ana", "Ben", "Carla", "David", "Elena", "Frank", "Grace", "Hugo", "Iris", "Jack", "Kim", "Leo"}
	dates := []string{"2026-12-01", "2026-12-05", "2026-12-10", "2026-12-15"}
	return map[string]string{
		"first_name": names[i%int64(len(names))],
		"amount":     fmt.Sprintf("%d.%02d", 50+(i*37)%900, (i*13)%100),
		"due_date":   dates[(i/3)%int64(len(dates))],
	}
}

// benchBotExpected is the disposition each number's last digit should reach.
var benchBotExpected = [10]string{"promise_to_pay", "claims_paid", "callback_requested", "opted_out", "transferred",
	"voicemail_left", "promise_to_pay", "claims_paid", "callback_requested", "promise_to_pay"}

type benchBotFlags struct {
	calls, concurrency int
	cps                float64
	noAMD              bool
	rtpPorts           string
	cpuProfile         string
	blockProfile       string
	jsonOut            bool
	dtx                string
}

func newBenchBotCmd() *cobra.Command {
	f := &benchBotFlags{}
	cmd := &cobra.Command{
		Use:   "bot",
		Short: "Voice-bot conversations against the simulator speaking scripted turns: latency, dispositions, concurrency",
		Long: `Run --calls live voice-bot calls of the reference script (payment-reminder.en.yaml),
at most --concurrency at a time, against an in-process simulator whose callees speak
their turns through text-to-speech (flite), with the embedded engines on the bot side:
pocketsphinx listening, the tts prompt cache speaking, answering-machine detection.
Contacts' names, amounts and due dates vary per call.
Callees cycle through promise_to_pay, claims_paid, callback_requested, opted_out
("stop calling" spoken over a prompt), transferred (REFER accepted) and voicemail_left;
one in ten answers the greeting with a short "yes" over it. --dtx puts every callee
on a line with silence suppression.

Reports calls completed, dispositions (and how many were the expected one), turn
latency (caller's end of speech to the bot's first RTP frame of the reply) and the
same minus the script's end_of_turn (turn_overhead_ms), answer to first audio, the
peak number of simultaneous conversations and CPU. Both ends run in this process.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchBot(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.calls, "calls", 60, "calls to place")
	fl.IntVar(&f.concurrency, "concurrency", 20, "conversations at once")
	fl.Float64Var(&f.cps, "cps", 20, "new calls per second at most (0: as fast as the concurrency allows)")
	fl.BoolVar(&f.noAMD, "no-amd", false, "turn answering-machine detection off (voicemail callees then fail their disposition)")
	fl.StringVar(&f.rtpPorts, "rtp-ports", "", "RTP port range MIN-MAX for the dialer")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the calls (not the warm-up) to this file")
	fl.StringVar(&f.blockProfile, "blockprofile", "", "write a blocking and lock-contention profile of the calls to this file (FILE and FILE.mutex)")
	fl.BoolVar(&f.jsonOut, "json", true, "print one JSON object")
	fl.StringVar(&f.dtx, "dtx", "off", "callees' silence suppression: off | silent (no RTP while quiet) | cn (one RFC 3389 comfort-noise packet per silence)")
	return cmd
}

func runBenchBot(ctx context.Context, f *benchBotFlags, stdout, stderr io.Writer) error {
	if f.calls <= 0 || f.concurrency <= 0 || f.cps < 0 {
		return usageErr("bench bot: --calls and --concurrency must be positive, --cps not negative")
	}
	ports, err := parsePortRange(f.rtpPorts)
	if err != nil {
		return usageErr("--rtp-ports: %v", err)
	}
	fmt.Fprintf(stderr, "bench bot: synthesising the callers' turns and warming the prompt cache\n")
	switch sim.DTX(f.dtx) {
	case sim.DTXOff, sim.DTXSilent, sim.DTXCN:
	default:
		return usageErr("--dtx: want off, silent or cn, got %q", f.dtx)
	}
	profile := strings.Replace(benchBotProfile, "defaults:\n", "defaults:\n  dtx: "+f.dtx+"\n", 1)
	prof, err := sim.ParseProfile(strings.NewReader(profile), "bench-bot-profile")
	if err != nil {
		return failureErr(err)
	}
	far, trunk, err := startLocalSim(ctx, sim.Options{Profile: prof, MaxRecords: 1})
	if err != nil {
		return failureErr(err)
	}
	defer far.Close()
	var (
		recogMu sync.Mutex
		recog   []time.Duration // end of speech → final result, per spoken turn
		reply   []time.Duration // final result → first RTP frame of the reply: the bot's own part
	)
	host := live.NewHost(live.Options{NoAMD: f.noAMD, OnResult: func(_ string, res voicebot.Result) {
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
		return failureErr(err)
	}
	fmt.Fprintf(stderr, "bench bot: readying %d recognisers\n", f.concurrency)
	warmStart := time.Now()
	if err := host.WarmRecognizers(ctx, script, f.concurrency); err != nil {
		return failureErr(err)
	}
	warmTook := time.Since(warmStart)
	loaded, err := voicebot.LoadScript("asset:payment-reminder.en.yaml")
	if err != nil || loaded.Bot == nil {
		return failureErr(fmt.Errorf("bench bot: the built-in reference script: %v", err))
	}
	bot := loaded.Bot
	endOfTurn := bot.Settings.EndOfTurn
	if endOfTurn == 0 {
		endOfTurn = voicebot.DefaultEndOfTurn
	}
	plane, ua, closeUA, err := startBenchDialer(ctx, ports)
	if err != nil {
		return err
	}
	defer closeUA()

	fmt.Fprintf(stderr, "bench bot: %d calls, %d at a time, %.0f cps\n", f.calls, f.concurrency, f.cps)
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return failureErr(err)
		}
		defer pprof.StopCPUProfile()
	}
	if f.blockProfile != "" {
		runtime.SetBlockProfileRate(int(time.Millisecond))
		runtime.SetMutexProfileFraction(10)
		defer func() {
			for _, p := range []struct{ name, file string }{{"block", f.blockProfile}, {"mutex", f.blockProfile + ".mutex"}} {
				if out, err := os.Create(p.file); err == nil {
					_ = pprof.Lookup(p.name).WriteTo(out, 0)
					out.Close()
				}
			}
		}()
	}
	sched := newCallSchedule(f.calls, f.cps)
	m := startMeter()
	var (
		mu                          sync.Mutex
		turns, overhead, firstAudio []time.Duration
		dispositions                = map[string]int{}
		wrong                       = map[string]int{} // "expected→got"
		completed, correct          atomic.Int64
		bargeIn, bargeInHeard       atomic.Int64
		failed                      atomic.Int64
		active, peak                atomic.Int64
		firstErr                    atomic.Value
		wg                          sync.WaitGroup
	)
	for range f.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := sched.take(ctx)
				if !ok {
					return
				}
				expected := benchBotExpected[i%10]
				vars := benchBotVars(i)
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
				if benchBotBargeIn[i%10] {
					bargeIn.Add(1)
					if r.Disposition == expected {
						bargeInHeard.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	out := m.common()
	out["calls"] = f.calls
	out["calls_completed"] = completed.Load()
	out["failed"] = failed.Load()
	out["concurrency"] = f.concurrency
	out["cps_limit"] = f.cps
	out["peak_concurrent_conversations"] = peak.Load()
	out["dispositions"] = dispositions
	out["dispositions_expected"] = correct.Load()
	out["dispositions_wrong"] = wrong
	out["dtx"] = f.dtx
	out["barge_in_calls"] = bargeIn.Load()
	out["barge_in_expected"] = bargeInHeard.Load()
	out["end_of_turn_ms"] = endOfTurn.Milliseconds()
	out["turns"] = len(turns)
	out["turn_latency_ms"] = percentilesMS(turns, 50, 95, 99)
	out["turn_overhead_ms"] = percentilesMS(overhead, 50, 95, 99)
	out["answer_to_first_audio_ms"] = percentilesMS(firstAudio, 50, 95, 99)
	recogMu.Lock()
	out["recognition_ms"] = percentilesMS(recog, 50, 95, 99)
	out["bot_reply_ms"] = percentilesMS(reply, 50, 95, 99)
	recogMu.Unlock()
	out["amd"] = !f.noAMD
	out["recognizer_warmup_s"] = warmTook.Seconds()
	lat := plane.Lateness()
	out["clock_lateness_ms"] = map[string]float64{
		"p50": float64(lat.P50.Microseconds()) / 1000, "p99": float64(lat.P99.Microseconds()) / 1000,
		"max": float64(lat.Max.Microseconds()) / 1000,
	}
	if e, ok := firstErr.Load().(string); ok {
		out["first_error"] = e
	}
	if f.jsonOut {
		if err := printJSON(stdout, out); err != nil {
			return failureErr(err)
		}
	} else {
		keys := make([]string, 0, len(out))
		for k := range out {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(stdout, "%s: %v\n", k, out[k])
		}
	}
	if n := failed.Load(); n > 0 || correct.Load() < completed.Load() {
		return failureErr(fmt.Errorf("bench bot: %d failed, %d of %d dispositions not the expected one", n, completed.Load()-correct.Load(), completed.Load()))
	}
	return nil
}
