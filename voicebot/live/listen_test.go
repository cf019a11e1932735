package live

import (
	"testing"
	"time"
)

// The audio clock maps recogniser time to arrival time, and frames the recogniser
// dropped (never added) do not shift it: speech that ended at audio time 2 s ends
// when the frame holding it arrived, not 2 s after the first frame.
func TestAudioClock(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var c audioClock
	if _, ok := c.at(time.Second); ok {
		t.Fatal("a clock without audio answers")
	}
	// 3 s of audio in 20 ms frames, arriving in real time except for a 10 s gap
	// after the first second, whose frames the recogniser dropped (it fell behind).
	wall := t0
	for i := range 150 {
		if i == 50 {
			wall = wall.Add(10 * time.Second) // a gap the recogniser never saw
		}
		c.add(160, wall)
		wall = wall.Add(20 * time.Millisecond)
	}
	for _, tc := range []struct {
		audio time.Duration
		want  time.Time
	}{
		{20 * time.Millisecond, t0},
		{500 * time.Millisecond, t0.Add(480 * time.Millisecond)},
		{2 * time.Second, t0.Add(11*time.Second + 980*time.Millisecond)},
		{3 * time.Second, t0.Add(12*time.Second + 980*time.Millisecond)},
	} {
		got, ok := c.at(tc.audio)
		if !ok {
			t.Fatal("no answer")
		}
		if d := got.Sub(tc.want); d < -100*time.Millisecond || d > 100*time.Millisecond {
			t.Errorf("audio %v: arrived %v, want %v (±100 ms)", tc.audio, got.Sub(t0), tc.want.Sub(t0))
		}
	}
}
