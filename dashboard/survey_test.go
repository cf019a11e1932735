package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dashboard/webhook"
	"github.com/voxdial/voxdial/store"
)

type oneContact struct {
	r    store.ContactRow
	done bool
}

func (o *oneContact) Next() bool {
	more := !o.done
	o.done = true
	return more
}
func (o *oneContact) Row() *store.ContactRow { return &o.r }
func (o *oneContact) Err() error             { return nil }

// finishCaptured records one finished attempt with a call result carrying survey
// answers, captured slots and unanswered questions.
func finishCaptured(t *testing.T, db *store.DB, campaignID int64, i int, survey map[string]string, unanswered []string) int64 {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 15, i, 0, 0, time.UTC)
	phone := fmt.Sprintf("+1212555%04d", i)
	if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: campaignID, ListName: "t",
		Source: &oneContact{r: store.ContactRow{Phone: phone}}, Now: now}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: campaignID, Holder: "n1", Now: now})
	if err != nil || len(got) != 1 {
		t.Fatalf("lease: %v %v", got, err)
	}
	a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: phone, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	captured := map[string]string{"pay_date": "2026-12-11"}
	doc, _ := json.Marshal(map[string]any{"outcome": "answered", "survey": survey, "captured": captured})
	capDoc, _ := json.Marshal(captured)
	if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1",
		Outcome: "answered", Disposition: "promise_to_pay", EndedAt: now, Final: true, Now: now, Result: doc,
		Captured: capDoc, Unanswered: unanswered}); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// The survey report counts each question's answers over the campaign's calls (JSON
// and CSV); unanswered questions are listed for the campaign's owners; a masked view
// of an attempt sees the captured slots' names, not their values.
func TestSurveyAndUnanswered(t *testing.T) {
	t.Parallel()
	b := setup(t, storetestSQLite(t))
	ctx := context.Background()
	c, err := b.db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "survey", Now: time.Now(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	const q1, q2 = "Satisfaction (1-5)", "Would recommend"
	answers := []map[string]string{{q1: "5", q2: "yes"}, {q1: "4", q2: "yes"}, {q1: "5"}, {q1: "5", q2: "no"}, nil}
	var last int64
	for i, a := range answers {
		var un []string
		if i < 2 {
			un = []string{"What's the interest rate?"}
		}
		last = finishCaptured(t, b.db, c.ID, i, a, un)
	}
	r := b.do(store.RoleManager, "GET", fmt.Sprintf("/api/campaigns/%d/survey", c.ID), nil)
	if r.Code != 200 {
		t.Fatalf("survey = %d %s", r.Code, r.Body)
	}
	var rep struct {
		Calls     int `json:"calls"`
		Questions []struct {
			Question string `json:"question"`
			Total    int    `json:"total"`
			Answers  []struct {
				Answer string  `json:"answer"`
				Count  int     `json:"count"`
				Share  float64 `json:"share"`
			} `json:"answers"`
		} `json:"questions"`
	}
	r.json(t, &rep)
	if rep.Calls != 4 || len(rep.Questions) != 2 || rep.Questions[0].Question != q1 || rep.Questions[0].Total != 4 ||
		rep.Questions[0].Answers[0].Answer != "5" || rep.Questions[0].Answers[0].Count != 3 || rep.Questions[0].Answers[0].Share != 0.75 ||
		rep.Questions[1].Total != 3 || rep.Questions[1].Answers[0].Answer != "yes" || rep.Questions[1].Answers[0].Count != 2 {
		t.Errorf("survey report %+v", rep)
	}
	r = b.do(store.RoleManager, "GET", fmt.Sprintf("/api/campaigns/%d/survey?format=csv", c.ID), nil)
	want := "question,answer,count,share\nSatisfaction (1-5),5,3,0.750\nSatisfaction (1-5),4,1,0.250\nWould recommend,yes,2,0.667\nWould recommend,no,1,0.333\n"
	if r.Code != 200 || string(r.Body) != want || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("survey csv = %d %q", r.Code, r.Body)
	}

	for role, code := range map[string]int{store.RoleCollections: 200, store.RoleMarketing: 200, store.RoleAdmin: 200,
		store.RoleManager: 403, store.RoleCompliance: 403} {
		r := b.do(role, "GET", fmt.Sprintf("/api/campaigns/%d/unanswered", c.ID), nil)
		if r.Code != code {
			t.Errorf("%s: unanswered = %d, want %d", role, r.Code, code)
		}
		if code != 200 {
			continue
		}
		var u struct {
			Questions []store.UnansweredQuestion `json:"questions"`
		}
		r.json(t, &u)
		if len(u.Questions) != 1 || u.Questions[0].Count != 2 || u.Questions[0].Text != "What's the interest rate?" {
			t.Errorf("%s: unanswered %+v", role, u.Questions)
		}
	}

	// The attempt: captured values for a full view, slot names only for a masked one.
	for role, want := range map[string]string{store.RoleAdmin: "2026-12-11", store.RoleManager: "[captured]"} {
		r := b.do(role, "GET", fmt.Sprintf("/api/attempts/%d", last), nil)
		var d struct {
			Attempt struct {
				Captured map[string]string `json:"captured"`
				Result   struct {
					Captured map[string]string `json:"captured"`
				} `json:"result"`
			} `json:"attempt"`
		}
		r.json(t, &d)
		if r.Code != 200 || d.Attempt.Captured["pay_date"] != want || d.Attempt.Result.Captured["pay_date"] != want {
			t.Errorf("%s: attempt %d captured %v / result %v, want %s", role, r.Code, d.Attempt.Captured, d.Attempt.Result.Captured, want)
		}
	}
}

// A webhook's call.finished payload carries the slots the bot captured (the attempt's
// captured column) and the result's survey answers.
func TestWebhookCarriesCaptured(t *testing.T) {
	t.Parallel()
	db := storetestSQLite(t)
	b := setup(t, db)
	var mu sync.Mutex
	var bodies [][]byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	if r := b.do(store.RoleAdmin, "POST", "/api/webhooks", map[string]any{"url": recv.URL + "/hook"}); r.Code != 201 {
		t.Fatalf("webhook = %d %s", r.Code, r.Body)
	}
	c, err := db.CampaignCreate(context.Background(), &store.CampaignCreateParams{Name: "hooked", Now: time.Now(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	id := finishCaptured(t, db, c.ID, 1, map[string]string{"Satisfaction (1-5)": "4"}, nil)
	now := time.Now()
	d, err := webhook.New(webhook.Options{Store: db, Policy: allowLoopback(t), Holder: "t", Backoff: time.Second, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d deliveries", len(bodies))
	}
	var p struct {
		Attempt struct {
			ID       int64             `json:"id"`
			Captured map[string]string `json:"captured"`
			Result   struct {
				Survey map[string]string `json:"survey"`
			} `json:"result"`
		} `json:"attempt"`
	}
	if err := json.Unmarshal(bodies[0], &p); err != nil || p.Attempt.ID != id || p.Attempt.Captured["pay_date"] != "2026-12-11" ||
		p.Attempt.Result.Survey["Satisfaction (1-5)"] != "4" {
		t.Errorf("payload %s: %v", bodies[0], err)
	}
}
