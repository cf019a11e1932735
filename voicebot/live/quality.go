package live

import (
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/inspect"
	"github.com/voxdial/voxdial/voicebot/sentiment"
)

// turnVoice is the acoustic summary of the caller's audio that arrived between
// start and end (a turn's arousal).
func (l *asrListener) turnVoice(start, end time.Time) sentiment.Voice {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.voice.Turn(start, end)
}

// inspectCall runs the script's inspection rules over the finished call and puts
// the report in its result (docs/inspection.md). A script without rules is not
// inspected.
func inspectCall(call *dialer.Call, bot *voicebot.Bot) {
	if bot.Inspection == nil {
		return
	}
	call.SetBotResult(func(r *dialer.Result) {
		if r.Timings.AnsweredAt == nil {
			return
		}
		r.Inspection = inspect.Inspect(bot.Inspection, InspectionCall(r, bot.Locale))
	})
}

// InspectionCall is what inspection reads of a call result.
func InspectionCall(r *dialer.Result, locale string) *inspect.Call {
	c := &inspect.Call{Locale: locale, DurationMS: r.Timings.DurationMS, Turns: make([]inspect.Turn, 0, len(r.Transcript))}
	for _, t := range r.Transcript {
		c.Turns = append(c.Turns, inspect.Turn{Role: t.Role, Text: t.Text, Event: t.Event, DTMF: t.DTMF, StartMS: t.StartMS, EndMS: t.EndMS})
	}
	return c
}
