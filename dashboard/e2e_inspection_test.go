package dashboard_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot/inspect"
)

// seedInspection records, for the browser's inspection flow
// (testdata/e2e/flows/50-inspection.mjs), one answered call of a campaign
// "inspected-calls" whose greeting the caller barged over before the disclosure
// ended: its report is the inspector's own, over that transcript.
func seedInspection(t *testing.T, db *store.DB, now time.Time) {
	t.Helper()
	ctx := context.Background()
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "inspected-calls", Now: now, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, ListName: "seed", Now: now,
		Source: &seedRows{rows: []store.ContactRow{{Line: 2, Phone: "+14155550188", Variables: []byte(`{"first_name":"Ana"}`)}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{"draft"}, To: "running", Now: now}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "seed", Limit: 1, LeaseFor: time.Minute, Now: now.Add(time.Second)})
	if err != nil || len(got) != 1 {
		t.Fatalf("lease: %v %v", got, err)
	}
	a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "seed", CallID: "inspected-1", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	const disclosure = "This is an automated call from Acme Finance, on a recorded line."
	res := dialer.Result{CallID: "inspected-1", To: "+14155550188", Outcome: "answered", Disposition: "promise_to_pay", HangupBy: "bot",
		Transcript: []dialer.Turn{
			{Role: "bot", State: "greet", Text: "Hello, this is Acme Finance calling for Ana. " + disclosure + " Am I speaking with Ana?", Event: "barge_in", StartMS: 300, EndMS: 3100},
			{Role: "caller", State: "greet", Text: "yes", Intent: "yes", StartMS: 2900, EndMS: 3400},
			{Role: "bot", State: "promise", Text: "Thank you, Ana. Goodbye.", StartMS: 4100, EndMS: 5600},
		}}
	res.Timings.DurationMS = 6000
	rules, _ := inspect.Parse(mustNode(t, "disclosure: required\nmax_talk_over: 0.2\n"), disclosure)
	res.Inspection = inspect.Inspect(rules, &inspect.Call{Locale: "en-US", DurationMS: 6000, Turns: []inspect.Turn{
		{Role: "bot", Text: res.Transcript[0].Text, Event: "barge_in", StartMS: 300, EndMS: 3100},
		{Role: "caller", Text: "yes", StartMS: 2900, EndMS: 3400},
		{Role: "bot", Text: res.Transcript[2].Text, StartMS: 4100, EndMS: 5600}}})
	if res.Inspection.Pass {
		t.Fatal("the seeded call passed its inspection")
	}
	doc, _ := json.Marshal(res)
	failures, _ := json.Marshal(res.Inspection.Failures)
	f := res.Inspection.First()
	pass := false
	mean, low := 0.2, 0.2
	transcript := make([]store.TranscriptTurn, len(res.Transcript))
	for i, tr := range res.Transcript {
		transcript[i] = store.TranscriptTurn{Role: tr.Role, Text: tr.Text, Intent: tr.Intent, StartMS: tr.StartMS, EndMS: tr.EndMS}
	}
	if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "seed", Outcome: "answered",
		SIPStatus: 200, Disposition: "promise_to_pay", HangupBy: "bot", AnsweredAt: now, EndedAt: now.Add(6 * time.Second), DurationMS: 6000,
		Result: doc, Transcript: transcript, Final: true, Streak: 1, Now: now.Add(6 * time.Second),
		Quality: &store.AttemptQuality{SentimentMean: &mean, SentimentMin: &low, InspectionPass: &pass, InspectionRule: f.Rule,
			InspectionOffsetMS: f.OffsetMS, InspectionFailures: failures}}); err != nil {
		t.Fatal(err)
	}
}

type seedRows struct {
	rows []store.ContactRow
	i    int
}

func (r *seedRows) Next() bool             { r.i++; return r.i <= len(r.rows) }
func (r *seedRows) Row() *store.ContactRow { return &r.rows[r.i-1] }
func (r *seedRows) Err() error             { return nil }

func mustNode(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}
