package campaign

import (
	"encoding/json"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/store"
)

// attemptQuality is what the store keeps of a call's sentiment and inspection
// (docs/inspection.md); nil when the call has neither.
func attemptQuality(res *dialer.Result) *store.AttemptQuality {
	if res.Sentiment == nil && res.Inspection == nil {
		return nil
	}
	q := &store.AttemptQuality{}
	if s := res.Sentiment; s != nil {
		mean, low := s.Mean, s.Min
		q.SentimentMean, q.SentimentMin, q.Angry = &mean, &low, s.Angry
		if s.VoicedTurns > 0 {
			a := s.Arousal
			q.Arousal = &a
		}
	}
	if in := res.Inspection; in != nil {
		pass := in.Pass
		q.InspectionPass = &pass
		if f := in.First(); f != nil {
			q.InspectionRule, q.InspectionOffsetMS = f.Rule, f.OffsetMS
		}
		q.InspectionFailures, _ = json.Marshal(in.Failures) // a list of plain structs: cannot fail
	}
	return q
}
