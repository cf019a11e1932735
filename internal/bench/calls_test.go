package bench

import (
	"testing"
	"time"
)

func TestInFlightFor(t *testing.T) {
	for _, tc := range []struct {
		cps  float64
		hold time.Duration
		want int
	}{
		{300, 2 * time.Second, 693}, // 300 × 2.1 s × 1.1
		{50, 200 * time.Millisecond, 17},
		{1500, 0, 165},
		{1, time.Minute, 67},
	} {
		if got := InFlightFor(tc.cps, tc.hold); got != tc.want {
			t.Errorf("InFlightFor(%g, %s) = %d, want %d", tc.cps, tc.hold, got, tc.want)
		}
	}
}
