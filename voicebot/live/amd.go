package live

import (
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/voicebot"
)

// startAMD runs answering-machine detection on the callee's audio from now
// (the answer; early media would only confuse it). It reports the verdict —
// and, for a machine, the end of its greeting (beep) — to the bot, and puts
// the verdict in the call result. stop ends it; call it once.
func startAMD(call *dialer.Call, tap *audioTap) (<-chan voicebot.AMDEvent, func(), error) {
	// The bot speaks first, so a person may well listen in silence: initial
	// silence alone is not evidence of a machine here (it is for a silent
	// line), while a long greeting, many words or a beep still are.
	det, err := media.NewAMD(media.AMDOptions{WaitForBeep: true, InitialSilenceVerdict: media.AMDNotSure})
	if err != nil {
		return nil, nil, err
	}
	ch := make(chan voicebot.AMDEvent, 2) // verdict, then beep: never blocks the media path
	var verdictSent, beepSent bool
	tap.setAMD(func(pcm []int16, at time.Duration) {
		if beepSent {
			return
		}
		det.Process(pcm, at)
		if det.Decided() && !verdictSent {
			verdictSent = true
			r := det.Result()
			call.SetBotResult(func(res *dialer.Result) {
				res.AMD = &dialer.AMD{Verdict: r.Verdict, Confidence: r.Confidence, DecidedMS: r.Decided.Milliseconds(), Reason: r.Reason}
			})
			ch <- voicebot.AMDEvent{Verdict: r.Verdict}
		}
		if verdictSent && det.Done() {
			beepSent = true
			if r := det.Result(); r.Verdict == media.AMDMachine {
				ch <- voicebot.AMDEvent{Verdict: r.Verdict, Beep: true}
			}
		}
	})
	return ch, func() {
		tap.setAMD(nil)
		det.Close()
	}, nil
}
