package testclock

import (
	"testing"
	"time"
)

func TestNextDaytime(t *testing.T) {
	ny := newYork()
	for _, tc := range []struct {
		from time.Time
		want time.Time
	}{
		{time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC), time.Date(2026, 12, 8, 14, 0, 0, 0, ny)},                     // Thu evening → next Tue
		{time.Date(2026, 12, 7, 10, 0, 0, 0, ny), time.Date(2026, 12, 8, 14, 0, 0, 0, ny)},                            // Monday → Tuesday
		{time.Date(2026, 12, 8, 15, 0, 0, 0, ny), time.Date(2026, 12, 9, 14, 0, 0, 0, ny)},                            // Tuesday → Wednesday
		{time.Date(2026, 12, 23, 9, 0, 0, 0, ny), time.Date(2026, 12, 29, 14, 0, 0, 0, ny)},                           // Christmas Eve, Day skipped
		{time.Date(2026, 11, 25, 9, 0, 0, 0, ny), time.Date(2026, 12, 1, 14, 0, 0, 0, ny)},                            // Thanksgiving skipped
		{time.Date(2027, 6, 30, 9, 0, 0, 0, time.FixedZone("+14", 14*3600)), time.Date(2027, 6, 30, 14, 0, 0, 0, ny)}, // Tue 15:00 in New York
	} {
		got := NextDaytime(tc.from)
		if !got.Equal(tc.want) {
			t.Errorf("NextDaytime(%s) = %s, want %s", tc.from, got.In(ny), tc.want)
		}
		if !got.After(tc.from) {
			t.Errorf("NextDaytime(%s) = %s, not in the future", tc.from, got)
		}
	}
}

func TestShift(t *testing.T) {
	t.Setenv(EnvShift, "-7h30m")
	if got := Shift(); got != -7*time.Hour-30*time.Minute {
		t.Fatalf("Shift = %s", got)
	}
	if d := time.Until(Now()); d > -7*time.Hour || d < -8*time.Hour {
		t.Fatalf("Now is %s from the wall clock, want -7h30m", d)
	}
	t.Setenv(EnvShift, "seven hours")
	defer func() {
		if recover() == nil {
			t.Fatal("a malformed shift did not panic")
		}
	}()
	Shift()
}

func TestRunning(t *testing.T) {
	start := time.Date(2026, 6, 10, 14, 0, 0, 0, time.UTC)
	c := Running(start)
	a := c()
	time.Sleep(5 * time.Millisecond)
	b := c()
	if a.Before(start) || !b.After(a) || b.Sub(start) > time.Minute {
		t.Fatalf("running clock read %s then %s from %s", a, b, start)
	}
}
