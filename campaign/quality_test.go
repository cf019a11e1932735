package campaign

import (
	"testing"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/voicebot/inspect"
	"github.com/voxdial/voxdial/voicebot/sentiment"
)

func TestAttemptQuality(t *testing.T) {
	if q := attemptQuality(&dialer.Result{}); q != nil {
		t.Fatalf("a call without sentiment or inspection: %+v", q)
	}
	res := &dialer.Result{
		Sentiment: &sentiment.Summary{Turns: 2, Mean: -0.5, Min: -0.9, Angry: true, Arousal: 0.7, VoicedTurns: 2},
		Inspection: &inspect.Report{Failures: []inspect.Failure{{Rule: inspect.RuleDisclosure, OffsetMS: 1400, Who: "bot", Detail: "cut"},
			{Rule: inspect.RuleTalkOver, OffsetMS: 2000, Who: "call", Turn: -1}}},
	}
	q := attemptQuality(res)
	if q == nil || *q.SentimentMean != -0.5 || *q.SentimentMin != -0.9 || !q.Angry || q.Arousal == nil || *q.Arousal != 0.7 ||
		q.InspectionPass == nil || *q.InspectionPass || q.InspectionRule != "disclosure" || q.InspectionOffsetMS != 1400 ||
		len(q.InspectionFailures) == 0 {
		t.Fatalf("%+v", q)
	}
	res.Sentiment.VoicedTurns = 0 // chat, or no audio measured: no arousal
	if q := attemptQuality(res); q.Arousal != nil {
		t.Fatalf("arousal without voiced turns: %v", *q.Arousal)
	}
}
