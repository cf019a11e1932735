package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/speech/verbal"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestMaskedViews: a role that sees masked numbers sees no trace of the contact in an
// attempt (transcript, call result, events), in the gate's audit records or in a trunk: not
// the number, the name, the amount or the due date as the bot spoke them, nor the keys
// pressed; and no role is ever given a trunk's password.
func TestMaskedViews(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := setup(t, db)
		const (
			phone    = "+14155550123"
			name     = "Marisol Quintana"
			amount   = "1234.56"
			due      = "2026-12-15"
			digits   = "4921"
			password = "s3cretTrunkPw"
		)
		trunk := "sip:acme:" + password + "@carrier.example:5060;transport=tcp"
		r := b.do(store.RoleMarketing, "POST", "/api/campaigns", map[string]any{"name": "masked", "script": "asset:hello.yaml", "trunk": trunk})
		if r.Code != 201 {
			t.Fatalf("create = %d %s", r.Code, r.Body)
		}
		var c struct {
			ID int64 `json:"id"`
		}
		r.json(t, &c)
		r = b.do(store.RoleMarketing, "POST", fmt.Sprintf("/api/campaigns/%d/contacts?file=one.csv", c.ID),
			"phone,name,amount,due_date\n"+phone+","+name+","+amount+","+due+"\n")
		if r.Code != 200 {
			t.Fatalf("upload = %d %s", r.Code, r.Body)
		}
		now := time.Now()
		if _, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{"draft"}, To: "running", Now: now}); err != nil {
			t.Fatal(err)
		}
		got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 1, LeaseFor: time.Minute, Now: now.Add(time.Second)})
		if err != nil || len(got) != 1 {
			t.Fatalf("lease: %v %v", got, err)
		}
		a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "call-masked",
			Trunk: "sip:acme@carrier.example:5060", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		// The bot speaks the variables through the template filters.
		spokenAmount, _ := verbal.Filter(verbal.EnUS, "currency", amount)
		spokenDue, _ := verbal.Filter(verbal.EnUS, "date", due)
		turns := []store.TranscriptTurn{
			{Role: "bot", Text: "Hello " + name + ", you owe " + spokenAmount + ", due " + spokenDue + ". Is this Marisol?", EndMS: 900},
			{Role: "caller", Text: "yes, my number is 415 555 0123", Intent: "yes", StartMS: 1000, EndMS: 2000},
			{Role: "caller", Text: digits, DTMF: digits, Intent: "pin", StartMS: 2100, EndMS: 2200},
			{Role: "bot", Text: "Thanks. We will remind you on " + due + " about " + amount + " dollars.", StartMS: 2300, EndMS: 3000},
		}
		result, _ := json.Marshal(map[string]any{"call_id": "call-masked", "to": phone, "trunk": "sip:acme@carrier.example:5060",
			"outcome": "answered", "variables": map[string]string{"name": name, "amount": amount, "due_date": due},
			"transcript": turns, "dtmf": digits, "transfer": "+14155550999", "recording": "/rec/call-masked.wav"})
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1",
			Outcome: "answered", SIPStatus: 200, Disposition: "promise_to_pay", HangupBy: "bot", AnsweredAt: now, EndedAt: now.Add(5 * time.Second),
			DurationMS: 5000, Result: result, Final: true, Streak: 1, Now: now.Add(5 * time.Second), Transcript: turns}); err != nil {
			t.Fatal(err)
		}
		if err := db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, ContactID: got[0].ID, AttemptID: a.ID, Type: "abandoned",
			Data: map[string]any{"to": phone, "message": "Sorry " + name + ", we will call back about " + spokenAmount}, At: now.Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
		at := compliance.Attempt{ID: phone, Number: phone, Campaign: fmt.Sprint(c.ID), At: now}
		if err := (&compliance.StoreAudit{DB: db}).Append(ctx, &at, &compliance.Decision{Verdict: compliance.Block}); err != nil {
			t.Fatal(err)
		}

		secrets := []string{phone, "4155550123", "415 555 0123", name, "Marisol", "Quintana", amount, spokenAmount, due, spokenDue,
			`"` + digits + `"`, "+14155550999", "acme", "/rec/"}
		views := []string{fmt.Sprintf("/api/attempts/%d", a.ID), fmt.Sprintf("/api/campaigns/%d/attempts", c.ID), "/api/audit",
			"/api/campaigns", fmt.Sprintf("/api/campaigns/%d", c.ID)}
		for _, role := range []string{store.RoleManager, store.RoleCollections} { // no full numbers; not the owner
			for _, v := range views {
				r := b.do(role, "GET", v, nil)
				if r.Code == 403 && v == "/api/audit" && role != store.RoleManager {
					continue
				}
				if r.Code != 200 {
					t.Fatalf("GET %s as %s = %d %s", v, role, r.Code, r.Body)
				}
				for _, s := range append(secrets, password) {
					if strings.Contains(strings.ToLower(string(r.Body)), strings.ToLower(s)) {
						t.Errorf("GET %s as %s shows %q:\n%s", v, role, s, r.Body)
					}
				}
			}
		}
		// The masked transcript keeps its shape: who spoke, the intents, where the values were.
		r = b.do(store.RoleManager, "GET", fmt.Sprintf("/api/attempts/%d", a.ID), nil)
		var detail struct {
			Transcript []store.TranscriptTurn `json:"transcript"`
		}
		r.json(t, &detail)
		if len(detail.Transcript) != 4 || !strings.Contains(detail.Transcript[0].Text, "[name]") || !strings.Contains(detail.Transcript[0].Text, "[amount]") ||
			detail.Transcript[2].DTMF != "[dtmf]" || detail.Transcript[2].Intent != "pin" {
			t.Errorf("masked transcript %+v", detail.Transcript)
		}
		// Roles that see full numbers see the call, but never the trunk's password.
		for _, role := range []string{store.RoleAdmin, store.RoleCompliance, store.RoleMarketing} {
			for _, v := range views {
				r := b.do(role, "GET", v, nil)
				if r.Code == 403 {
					continue
				}
				if strings.Contains(string(r.Body), password) {
					t.Errorf("GET %s as %s shows the trunk password: %s", v, role, r.Body)
				}
			}
			r := b.do(role, "GET", fmt.Sprintf("/api/attempts/%d", a.ID), nil)
			if !strings.Contains(string(r.Body), name) || !strings.Contains(string(r.Body), phone) {
				t.Errorf("GET attempt as %s: the full view lost the call: %s", role, r.Body)
			}
		}
		r = b.do(store.RoleMarketing, "GET", fmt.Sprintf("/api/campaigns/%d", c.ID), nil)
		if !strings.Contains(string(r.Body), `"trunk":"sip:acme:***@carrier.example:5060;transport=tcp"`) {
			t.Errorf("owner's campaign trunk: %s", r.Body)
		}
	})
}
