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
	Pacing       *PacingResults `json:"pacing"`
	Rows         []ResultRow    `json:"rows,omitempty"`
}

// PacingResults are a campaign's pacing settings and its abandonment over the
// rules' windows, computed from the store (attempts and call events).
type PacingResults struct {
	Mode    string      `json:"mode"` // one_to_one | predictive
	Options PaceOptions `json:"options"`
	// Abandoned calls of live answers (answered with no free bot slot).
	Abandon24h RateWindow `json:"abandon_24h"`
	Abandon30d RateWindow `json:"abandon_30d"`
	// Abandoned transfers of transfers asked for (no agent free within 2 s).
	Transfers24h RateWindow `json:"transfers_24h"`
	Transfers30d RateWindow `json:"transfers_30d"`
}

// RateWindow is one window's counts and rate.
type RateWindow struct {
	Total     int64   `json:"total"` // live answers, or transfers asked for
	Abandoned int64   `json:"abandoned"`
	Rate      float64 `json:"rate"`
}

// LoadPacing reads a campaign's pacing results at now. The 30-day abandonment comes from
// the store's day counters (the UTC days since now-30d, without reading the attempts:
// a results page of a million-attempt campaign stays fast); the 24-hour one is exact.
func LoadPacing(ctx context.Context, d *store.DB, c *store.Campaign, now time.Time) (*PacingResults, error) {
	opts, err := ParsePaceOptions(c.Pace)
	if err != nil {
		return nil, paceErr(c.Name, err)
	}
	pr := &PacingResults{Mode: orDefault(c.Pacing, PacingOneToOne), Options: opts}
	for _, q := range []struct {
		f     func(context.Context, *store.AbandonCountsParams) (int64, int64, error)
		since time.Duration
		dst   *RateWindow
	}{{d.AbandonCounts, 24 * time.Hour, &pr.Abandon24h}, {d.AbandonCountsDays, 30 * 24 * time.Hour, &pr.Abandon30d},
		{d.TransferCounts, 24 * time.Hour, &pr.Transfers24h}, {d.TransferCounts, 30 * 24 * time.Hour, &pr.Transfers30d}} {
		total, ab, err := q.f(ctx, &store.AbandonCountsParams{CampaignID: c.ID, Since: now.Add(-q.since)})
		if err != nil {
			return nil, err
		}
		*q.dst = RateWindow{Total: total, Abandoned: ab, Rate: AbandonStats{Live: total, Abandoned: ab}.Rate()}
	}
	return pr, nil
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

// LoadResults counts a campaign's results at now (the pacing figures' window) and, with
// rows, lists every contact.
func LoadResults(ctx context.Context, d *store.DB, c *store.Campaign, rows bool, now time.Time) (*Results, error) {
	st, err := d.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: c.ID})
	if err != nil {
		return nil, err
	}
	r := &Results{Campaign: c.Name, State: c.State, Contacts: st.Total, Final: st.Contacts[store.ContactDone],
		Pending: st.Contacts[store.ContactPending] + st.Contacts[store.ContactLeased], Attempts: st.Attempts,
		Dispositions: st.Dispositions, Outcomes: st.Outcomes}
	if r.Pacing, err = LoadPacing(ctx, d, c, now); err != nil {
		return nil, err
	}
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
	cur, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: id})
	if err != nil {
		return nil, 0, err
	}
	if err := Writable(cur); err != nil {
		return cur, 0, err
	}
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
