package sentiment

import "math"

// Summary is a call's sentiment, over its scored caller turns: what the call
// result carries (`sentiment`) and the store keeps per attempt. Lead grading and
// the campaign figures read it.
type Summary struct {
	Turns      int     `json:"turns"`       // caller turns with words, scored
	Mean       float64 `json:"mean"`        // mean valence, -1 … +1
	Min        float64 `json:"min"`         // the most negative turn's valence
	MaxAnger   float64 `json:"max_anger"`   // the angriest turn's anger, 0 … 1
	Angry      bool    `json:"angry"`       // some turn's anger reached AngryAt (or the script's on_anger threshold)
	AngryTurns int     `json:"angry_turns"` // how many
	// Arousal is the mean acoustic arousal of the turns whose audio was measured
	// (VoicedTurns of them); 0 when none was.
	Arousal     float64 `json:"arousal"`
	VoicedTurns int     `json:"voiced_turns"`
	// OnAnger is what the script's on_anger hook did: apologize, transfer or
	// hangup; empty when it did not fire.
	OnAnger string `json:"on_anger,omitempty"`
	// FirstAngryMS is when the first angry turn started (ms from the answer).
	FirstAngryMS *int64 `json:"first_angry_ms,omitempty"`
}

// Add counts one turn: its valence, its (combined) anger, its arousal when
// voiced, whether it counts as angry, and its start.
func (s *Summary) Add(valence, anger, arousal float64, voiced, angry bool, startMS int64) {
	if s.Turns == 0 {
		s.Min = valence
	}
	s.Mean = (s.Mean*float64(s.Turns) + valence) / float64(s.Turns+1)
	s.Turns++
	s.Min = min(s.Min, valence)
	s.MaxAnger = max(s.MaxAnger, anger)
	if voiced {
		s.Arousal = (s.Arousal*float64(s.VoicedTurns) + arousal) / float64(s.VoicedTurns+1)
		s.VoicedTurns++
	}
	if angry {
		if !s.Angry {
			v := startMS
			s.FirstAngryMS = &v
		}
		s.Angry = true
		s.AngryTurns++
	}
}

// Rounded is s with its figures to two decimals, for results people read.
func (s Summary) Rounded() Summary {
	r := func(v float64) float64 { return math.Round(v*100) / 100 }
	s.Mean, s.Min, s.MaxAnger, s.Arousal = r(s.Mean), r(s.Min), r(s.MaxAnger), r(s.Arousal)
	return s
}
