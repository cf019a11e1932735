package campaign

import "time"

// NextRun says where a recurring campaign stands at t: inside a run (start ≤ t < end) or
// waiting for the next one (start > t), each run lasting RunFor after a cron fire and
// never starting before the start date. ok false: the campaign is not recurring, or no
// run is left before its end date. Dashboards show it as "scheduled — next run at …".
func (s *Schedule) NextRun(t time.Time, campaignLoc *time.Location) (start, end time.Time, ok bool) {
	if s.cron == nil || s.Ended(t, campaignLoc) {
		return time.Time{}, time.Time{}, false
	}
	runFor := time.Duration(s.RunFor)
	ct := t.In(campaignLoc)
	from := ct.Add(-runFor)
	if !s.Started(t, campaignLoc) {
		from = time.Date(s.start.Year(), s.start.Month(), s.start.Day(), 0, 0, 0, 0, campaignLoc).Add(-time.Nanosecond)
	}
	start = s.cron.Next(from)
	if start.IsZero() || s.Ended(start, campaignLoc) {
		return time.Time{}, time.Time{}, false
	}
	return start, start.Add(runFor), true
}
