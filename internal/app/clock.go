package app

import "time"

// CallingHourClock is the demo's and the benches' clock on top of base (the real clock in
// the binary): base when it reads a plausible calling hour for their sample contacts
// (11:00–17:00 in New York, so 08:00–14:00 in Los Angeles), otherwise base moved forward to
// its next 14:00 in New York, so that the calling-hours rules (Reg F 08:00–21:00 in every
// zone of the callee) let their calls through at any hour. Never backward: contacts
// imported on base are due on it.
func CallingHourClock(base func() time.Time) func() time.Time {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		return base
	}
	now := base()
	l := now.In(ny)
	if l.Hour() >= 11 && l.Hour() < 17 {
		return base
	}
	start := time.Date(l.Year(), l.Month(), l.Day(), 14, 0, 0, 0, ny)
	if !start.After(now) {
		start = start.AddDate(0, 0, 1)
	}
	offset := start.Sub(now)
	return func() time.Time { return base().Add(offset) }
}
