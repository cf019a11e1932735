package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/voxdial/voxdial/store"
)

// Results are a campaign's per-disposition results (`voxdial campaign
// results --json` and the dashboard's results endpoint).
type Results struct {
	Campaign     string         `json:"campaign"`
	State        string         `json:"state"`
	Contacts     int            `json:"contacts"`
	Final        int            `json:"final"`
	Pending      int            `json:"pending"`
	Attempts     int            `json:"attempts"`
	Dispositions map[string]int `json:"dispositions"`
	Outcomes     map[string]int `json:"outcomes"`
	Rows         []ResultRow    `json:"rows,omitempty"`
}

// ResultRow is one contact's result.
type ResultRow struct {
	Phone       string `json:"phone"`
	ExternalID  string `json:"external_id,omitempty"`
	State       string `json:"state"`
	Disposition string `json:"disposition"`
	Attempts    int    `json:"attempts"`
	LastOutcome string `json:"last_outcome"`
}

// LoadResults counts a campaign's results and, with rows, lists every contact.
func LoadResults(ctx context.Context, d *store.DB, c *store.Campaign, rows bool) (*Results, error) {
	st, err := d.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: c.ID})
	if err != nil {
		return nil, err
	}
	r := &Results{Campaign: c.Name, State: c.State, Contacts: st.Total, Final: st.Contacts[store.ContactDone],
		Pending: st.Contacts[store.ContactPending] + st.Contacts[store.ContactLeased], Attempts: st.Attempts,
		Dispositions: st.Dispositions, Outcomes: st.Outcomes}
	if rows {
		for after := int64(0); ; {
			page, err := d.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID, AfterID: after})
			if err != nil {
				return nil, err
			}
			if len(page) == 0 {
				break
			}
			for _, ct := range page {
				r.Rows = append(r.Rows, ResultRow{ct.Phone, ct.ExternalID, ct.State, ct.Disposition, ct.Attempts, ct.LastOutcome})
			}
			after = page[len(page)-1].ID
		}
	}
	return r, nil
}

// Lifecycle verbs accepted by Transition.
var Verbs = []string{"start", "pause", "resume", "stop"}

// Transition applies a lifecycle verb (start, pause, resume, stop); closed
// counts the contacts a stop closed. A campaign not in a state the verb
// starts from is store.ErrStateConflict.
func Transition(ctx context.Context, db *store.DB, id int64, verb string, now time.Time) (c *store.Campaign, closed int, err error) {
	switch verb {
	case "start":
		c, err = Start(ctx, db, id, now)
	case "pause":
		c, err = Pause(ctx, db, id, now)
	case "resume":
		c, err = Resume(ctx, db, id, now)
	case "stop":
		c, closed, err = Stop(ctx, db, id, now)
	default:
		err = fmt.Errorf("%w: unknown lifecycle verb %q (want start, pause, resume or stop)", ErrInvalidCampaign, verb)
	}
	return c, closed, err
}
