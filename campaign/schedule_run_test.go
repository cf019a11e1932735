package campaign

import (
	"testing"
	"time"
)

func TestScheduleNextRun(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name       string
		sched      Schedule
		now        string
		start, end string // "" : not ok
	}{
		{"waiting for the morning run", Schedule{Cron: "0 10 * * *", RunFor: Duration(2 * time.Hour)}, "2026-12-02 08:00", "2026-12-02 10:00", "2026-12-02 12:00"},
		{"inside a run", Schedule{Cron: "0 10 * * *", RunFor: Duration(2 * time.Hour)}, "2026-12-02 11:30", "2026-12-02 10:00", "2026-12-02 12:00"},
		{"after the run: tomorrow's", Schedule{Cron: "0 10 * * *", RunFor: Duration(2 * time.Hour)}, "2026-12-02 12:00", "2026-12-03 10:00", "2026-12-03 12:00"},
		{"default run length 4h", Schedule{Cron: "0 10 * * *"}, "2026-12-02 13:59", "2026-12-02 10:00", "2026-12-02 14:00"},
		{"weekdays only: friday evening waits for monday", Schedule{Cron: "0 9 * * MON-FRI", RunFor: Duration(time.Hour)}, "2026-12-04 18:00", "2026-12-07 09:00", "2026-12-07 10:00"},
		{"start date ahead", Schedule{Cron: "0 10 * * *", RunFor: Duration(time.Hour), StartDate: "2026-12-10"}, "2026-12-02 11:00", "2026-12-10 10:00", "2026-12-10 11:00"},
		{"past the end date", Schedule{Cron: "0 10 * * *", RunFor: Duration(time.Hour), EndDate: "2026-12-01"}, "2026-12-02 08:00", "", ""},
		{"last run would start after the end date", Schedule{Cron: "0 10 * * *", RunFor: Duration(time.Hour), EndDate: "2026-12-02"}, "2026-12-02 12:00", "", ""},
		{"not recurring", Schedule{}, "2026-12-02 08:00", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.sched
			if err := s.Compile(); err != nil {
				t.Fatal(err)
			}
			start, end, ok := s.NextRun(at(tc.now), ny)
			if tc.start == "" {
				if ok {
					t.Fatalf("NextRun = %v–%v, want none", start, end)
				}
				return
			}
			if !ok || !start.Equal(at(tc.start)) || !end.Equal(at(tc.end)) {
				t.Fatalf("NextRun = %v–%v %v, want %s–%s", start, end, ok, tc.start, tc.end)
			}
		})
	}
}
