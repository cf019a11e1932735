package campaign

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestScheduleWindowInContactTime(t *testing.T) {
	ny, la := mustLoc(t, "America/New_York"), mustLoc(t, "America/Los_Angeles")
	s := &Schedule{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Window: Window{Start: "09:00", End: "20:00"},
		StartDate: "2026-12-01", EndDate: "2026-12-31"}
	if err := s.Compile(); err != nil {
		t.Fatal(err)
	}
	// Tue 2026-12-01 13:00 UTC = 08:00 New York, 05:00 Los Angeles.
	at := time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)
	if s.Eligible(at, ny, time.UTC) || s.Eligible(at, la, time.UTC) {
		t.Fatal("08:00/05:00 local is outside 09:00-20:00")
	}
	if got := s.NextEligible(at, ny, time.UTC); !got.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, ny)) {
		t.Fatalf("next for New York: %s", got)
	}
	if got := s.NextEligible(at, la, time.UTC); !got.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, la)) {
		t.Fatalf("next for Los Angeles: %s", got)
	}
	// Friday 20:30 in New York → Monday 09:00.
	fri := time.Date(2026, 12, 4, 20, 30, 0, 0, ny)
	if got := s.NextEligible(fri, ny, time.UTC); !got.Equal(time.Date(2026, 12, 7, 9, 0, 0, 0, ny)) {
		t.Fatalf("after Friday's window: %s", got)
	}
	// Before the start date → the start date's window; after the end → never.
	if got := s.NextEligible(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), time.UTC, time.UTC); !got.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("before start: %s", got)
	}
	if got := s.NextEligible(time.Date(2026, 12, 31, 21, 0, 0, 0, time.UTC), time.UTC, time.UTC); !got.IsZero() {
		t.Fatalf("after the last window: %s, want never", got)
	}
}

func TestScheduleCron(t *testing.T) {
	s := &Schedule{Cron: "0 10 * * MON-FRI", RunFor: Duration(time.Hour)}
	if err := s.Compile(); err != nil {
		t.Fatal(err)
	}
	ny := mustLoc(t, "America/New_York")
	mon := time.Date(2026, 12, 7, 10, 30, 0, 0, ny)
	if !s.Eligible(mon, ny, ny) || s.Eligible(mon.Add(time.Hour), ny, ny) {
		t.Fatal("the run is 10:00-11:00")
	}
	if got := s.NextEligible(mon.Add(time.Hour), ny, ny); !got.Equal(time.Date(2026, 12, 8, 10, 0, 0, 0, ny)) {
		t.Fatalf("next run: %s", got)
	}
	if got := s.NextEligible(time.Date(2026, 12, 11, 12, 0, 0, 0, ny), ny, ny); !got.Equal(time.Date(2026, 12, 14, 10, 0, 0, 0, ny)) {
		t.Fatalf("after Friday's run: %s", got)
	}
	for _, bad := range []Schedule{{Cron: "nope"}, {Days: []string{"funday"}}, {Window: Window{Start: "9am", End: "10:00"}},
		{StartDate: "2026-12-05", EndDate: "2026-12-01"}} {
		if err := bad.Compile(); !errors.Is(err, ErrInvalidSchedule) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestRetryPolicyDefaults(t *testing.T) {
	p := &RetryPolicy{}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	cases := []struct {
		f     AttemptFacts
		final bool
		disp  string
		delay string
	}{
		{AttemptFacts{Outcome: "busy", Attempts: 1, MaxAttempts: 5, Streak: 1}, false, "", "30m0s"},
		{AttemptFacts{Outcome: "no_answer", Attempts: 1, MaxAttempts: 5, Streak: 1}, false, "", "2h0m0s"},
		{AttemptFacts{Outcome: "voicemail", Attempts: 1, MaxAttempts: 5, Streak: 1}, false, "", "next_day"},
		{AttemptFacts{Outcome: "failed", Attempts: 1, MaxAttempts: 5, Streak: 1}, false, "", "1h0m0s"},
		{AttemptFacts{Outcome: "congestion", Attempts: 1, MaxAttempts: 5, Streak: 1}, false, "", "5m0s"},
		{AttemptFacts{Outcome: "congestion", Attempts: 3, MaxAttempts: 5, Streak: 3}, false, "", "20m0s"},
		{AttemptFacts{Outcome: "busy", Attempts: 5, MaxAttempts: 5, Streak: 1}, true, "busy", ""},
		{AttemptFacts{Outcome: "invalid_number", Attempts: 1, MaxAttempts: 5}, true, "invalid_number", ""},
		{AttemptFacts{Outcome: "answered", Disposition: "opted_out", Attempts: 1, MaxAttempts: 5}, true, "opted_out", ""},
		{AttemptFacts{Outcome: "answered", Disposition: "wrong_party", Attempts: 1, MaxAttempts: 5}, true, "wrong_party", ""},
		{AttemptFacts{Outcome: "answered", Disposition: "promise_to_pay", Attempts: 1, MaxAttempts: 5}, true, "promise_to_pay", ""},
		{AttemptFacts{Outcome: "answered", Attempts: 1, MaxAttempts: 5}, true, "completed", ""},
		{AttemptFacts{Outcome: "answered", Disposition: "voicemail_left", Attempts: 1, MaxAttempts: 5}, false, "", "next_day"},
		{AttemptFacts{Outcome: "answered", Disposition: "callback_requested", CallbackAt: now.Add(24 * time.Hour), Attempts: 1, MaxAttempts: 5}, false, "", "0s"},
		{AttemptFacts{Outcome: "abandoned", Attempts: 1, MaxAttempts: 5, Streak: 1}, false, "", "72h0m0s"},
		{AttemptFacts{Outcome: "abandoned", Attempts: 5, MaxAttempts: 5, Streak: 1}, true, "abandoned", ""},
		{AttemptFacts{Outcome: "answered", Disposition: "transfer_abandoned", Attempts: 1, MaxAttempts: 5}, false, "", "1h0m0s"},
	}
	for _, c := range cases {
		c.f.Now = now
		d := p.Decide(c.f)
		if d.Final != c.final || d.Disposition != c.disp || (!c.final && d.Delay.String() != c.delay) {
			t.Errorf("%+v → %+v; want final=%v %q %s", c.f, d, c.final, c.disp, c.delay)
		}
	}
	// A callback is honoured at the requested time; next_day starts at the window.
	s := &Schedule{Window: Window{Start: "09:00", End: "18:00"}}
	_ = s.Compile()
	cb := p.Decide(AttemptFacts{Outcome: "answered", Disposition: "callback_requested", CallbackAt: now.Add(26 * time.Hour), Attempts: 1, MaxAttempts: 5})
	if got := NextAttempt(cb, now, s, time.UTC, time.UTC); !got.Equal(now.Add(26 * time.Hour)) {
		t.Fatalf("callback at %s", got)
	}
	// No policy re-calls an abandoned call within 72 h (Ofcom).
	short := RetryPolicy{Outcomes: map[string]Delay{string(OutcomeAbandoned): {D: time.Hour}}}
	if err := short.Compile(); err != nil {
		t.Fatal(err)
	}
	if d := short.Decide(AttemptFacts{Outcome: string(OutcomeAbandoned), Attempts: 1, MaxAttempts: 5, Now: now}); d.Final || d.Delay.D != AbandonRecall {
		t.Fatalf("abandoned with a 1h policy: %+v, want 72h", d)
	}
	vm := p.Decide(AttemptFacts{Outcome: "voicemail", Attempts: 1, MaxAttempts: 5})
	if got := NextAttempt(vm, now, s, time.UTC, time.UTC); !got.Equal(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("voicemail next day at %s", got)
	}
}

func TestLifecycle(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	c, err := Create(ctx, db, CreateParams{Name: "life", Script: "testdata/payment-reminder.en.yaml",
		Schedule: Schedule{StartDate: "2026-12-02"}, Now: now})
	if err != nil || c.State != store.CampaignDraft || len(c.Requires) != 3 || c.MaxAttempts != 5 {
		t.Fatalf("create %+v %v", c, err)
	}
	if _, err := Create(ctx, db, CreateParams{Name: "bad", TimeZone: "Mars/Base"}); !errors.Is(err, ErrInvalidCampaign) {
		t.Fatalf("bad zone: %v", err)
	}
	if _, err := Pause(ctx, db, c.ID, now); !errors.Is(err, store.ErrStateConflict) {
		t.Fatalf("pause a draft: %v", err)
	}
	if c, err = Start(ctx, db, c.ID, now); err != nil || c.State != store.CampaignScheduled {
		t.Fatal(c, err)
	}
	if ch, _ := Tick(ctx, db, now); len(ch) != 0 {
		t.Fatal("started before its start date")
	}
	if ch, _ := Tick(ctx, db, now.Add(24*time.Hour)); len(ch) != 1 || ch[0].State != store.CampaignRunning {
		t.Fatalf("tick on the start date: %v", ch)
	}
	_, err = Import(ctx, db, stringsReader("phone,first_name,amount,due_date\n+14155550101,Ana,1,2026-12-01\n"), ImportOptions{Campaign: c})
	if err != nil {
		t.Fatal(err)
	}
	if ch, _ := Tick(ctx, db, now.Add(25*time.Hour)); len(ch) != 0 {
		t.Fatal("completed with a pending contact")
	}
	if c, err = Pause(ctx, db, c.ID, now); err != nil || c.State != store.CampaignPaused {
		t.Fatal(c, err)
	}
	if c, err = Resume(ctx, db, c.ID, now); err != nil || c.State != store.CampaignScheduled {
		t.Fatal(c, err)
	}
	c, n, err := Stop(ctx, db, c.ID, now)
	if err != nil || c.State != store.CampaignStopped || n != 1 {
		t.Fatal(c, n, err)
	}
	if _, err := Resume(ctx, db, c.ID, now); !errors.Is(err, store.ErrStateConflict) {
		t.Fatalf("resume a stopped campaign: %v", err)
	}
}
