package testclock

import (
	"fmt"
	"os"
	"time"
)

// EnvShift names the environment variable that moves the tests' real time.
const EnvShift = "VOXDIAL_TEST_CLOCK_SHIFT"

// Shift is the duration EnvShift asks for (0 when unset). A malformed value panics: a
// suite asked to run at another hour must not silently run at this one.
func Shift() time.Duration {
	v := os.Getenv(EnvShift)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		panic(fmt.Sprintf("testclock: %s=%q: %v", EnvShift, v, err))
	}
	return d
}

// Now is the wall clock moved by Shift.
func Now() time.Time { return time.Now().Add(Shift()) }

// Running returns a clock that reads start now and advances at the speed of real time.
// Monotonic: it never goes back when the wall clock is set back.
func Running(start time.Time) func() time.Time {
	origin := time.Now()
	start = start.Round(0)
	return func() time.Time { return start.Add(time.Since(origin)) }
}

// Daytime returns a running clock that starts at 14:00 in New York (19:00 in London,
// 11:00 in Los Angeles) on the first Tuesday, Wednesday or Thursday after Now that is not
// a fixed-date US federal holiday: inside every US calling-hours rule, on a working day,
// whatever the hour, weekday and time zone the suite runs in. It starts in the future of
// the wall clock, so that anything a component still stamps with the wall clock is in the
// past of the test's clock (due, not pending).
func Daytime() func() time.Time { return Running(NextDaytime(Now())) }

// NextDaytime is the instant Daytime starts at, for a test that runs from real time t.
func NextDaytime(t time.Time) time.Time {
	ny := newYork()
	l := t.In(ny)
	day := time.Date(l.Year(), l.Month(), l.Day(), 14, 0, 0, 0, ny)
	for {
		day = day.AddDate(0, 0, 1)
		switch day.Weekday() {
		case time.Tuesday, time.Wednesday, time.Thursday:
			if !fixedHoliday(day) {
				return day
			}
		}
	}
}

// fixedHoliday: the US federal holidays that can fall on a Tuesday to Thursday (fixed
// dates, Thanksgiving), and the days around the year's end.
func fixedHoliday(d time.Time) bool {
	switch {
	case d.Month() == time.January && d.Day() == 1,
		d.Month() == time.June && d.Day() == 19,
		d.Month() == time.July && d.Day() == 4,
		d.Month() == time.November && d.Day() == 11,
		d.Month() == time.December && (d.Day() == 24 || d.Day() == 25 || d.Day() == 31),
		d.Month() == time.November && d.Weekday() == time.Thursday && d.Day() >= 22 && d.Day() <= 28:
		return true
	}
	return false
}

func newYork() *time.Location {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(fmt.Sprintf("testclock: time zone data: %v", err))
	}
	return ny
}
