package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Results come from pre-aggregated counters (migration 0013), kept by triggers in
// the statements that close attempts and move contacts in or out of done, so a
// campaign of millions of attempts reads in a few hundred rows. Days are UTC days of
// the attempt's end, numbered from 1970-01-01 (Day).

// Day is t's UTC day number (days since 1970-01-01), the unit of the counters' dates.
func Day(t time.Time) int {
	return int(t.UTC().Truncate(24*time.Hour).Unix() / 86400)
}

// DayTime is the start (UTC midnight) of day d.
func DayTime(d int) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Counts are a campaign's finished attempts (or several campaigns' summed), with the
// funnel: attempts → answered → human → goal. Goal counts attempts whose disposition
// is one of the campaign's goal dispositions (GoalGet).
type Counts struct {
	Attempts      int64            `json:"attempts"`       // finished attempts (lost ones too)
	FirstAttempts int64            `json:"first_attempts"` // attempts that were a contact's first
	Answered      int64            `json:"answered"`       // outcome answered, voicemail or abandoned
	Human         int64            `json:"human"`          // answered, and AMD did not say machine
	Goal          int64            `json:"goal"`           // disposition among the goal dispositions
	OptOuts       int64            `json:"opt_outs"`       // disposition opted_out
	TalkMS        int64            `json:"talk_ms"`        // answered → ended, summed
	Outcomes      map[string]int64 `json:"outcomes"`
	Dispositions  map[string]int64 `json:"dispositions"`
}

func newCounts() *Counts {
	return &Counts{Outcomes: map[string]int64{}, Dispositions: map[string]int64{}}
}

// CountersParams choose campaigns and days; zero values are open-ended.
type CountersParams struct {
	CampaignIDs []int64 // nil or empty: every campaign
	FromDay     int     // first day included (Day); 0: from the start
	ToDay       int     // last day included; 0: to the end
}

// CampaignCounters reads the counters per campaign over the days asked for; a
// campaign with no finished attempt in the range is absent.
func (db *DB) CampaignCounters(ctx context.Context, p *CountersParams) (map[int64]*Counts, error) {
	where, args := []string{"1 = 1"}, []any{}
	if len(p.CampaignIDs) > 0 {
		where = append(where, `campaign_id IN (`+placeholders(len(p.CampaignIDs))+`)`)
		for _, id := range p.CampaignIDs {
			args = append(args, id)
		}
	}
	if p.FromDay != 0 {
		where, args = append(where, "day >= ?"), append(args, p.FromDay)
	}
	if p.ToDay != 0 {
		where, args = append(where, "day <= ?"), append(args, p.ToDay)
	}
	goals, err := db.goalSets(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT campaign_id, outcome, disposition, sum(attempts), sum(first_attempts),
		sum(answered), sum(human), sum(talk_ms) FROM campaign_counters WHERE `+strings.Join(where, " AND ")+`
		GROUP BY campaign_id, outcome, disposition`), args...)
	if err != nil {
		return nil, fmt.Errorf("read counters: %w", translate(err))
	}
	defer rows.Close()
	out := map[int64]*Counts{}
	for rows.Next() {
		var id, n, first, answered, human, talk int64
		var oc, disp string
		if err := rows.Scan(&id, &oc, &disp, &n, &first, &answered, &human, &talk); err != nil {
			return nil, fmt.Errorf("read counters: %w", translate(err))
		}
		if n == 0 {
			continue // every attempt of the key was deleted
		}
		c := out[id]
		if c == nil {
			c = newCounts()
			out[id] = c
		}
		c.Attempts += n
		c.FirstAttempts += first
		c.Answered += answered
		c.Human += human
		c.TalkMS += talk
		c.Outcomes[oc] += n
		if disp != "" {
			c.Dispositions[disp] += n
		}
		if disp == "opted_out" {
			c.OptOuts += n
		}
		if goals.of(id)[disp] {
			c.Goal += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read counters: %w", translate(err))
	}
	return out, nil
}

// DayCounts are one day's counts of a campaign.
type DayCounts struct {
	Day int `json:"day"`
	Counts
}

// CampaignCounterDays reads one campaign's counters day by day, in day order.
func (db *DB) CampaignCounterDays(ctx context.Context, campaignID int64, fromDay, toDay int) ([]DayCounts, error) {
	goals, err := db.goalSets(ctx)
	if err != nil {
		return nil, err
	}
	if toDay == 0 {
		toDay = 1 << 30
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT day, outcome, disposition, sum(attempts), sum(first_attempts),
		sum(answered), sum(human), sum(talk_ms) FROM campaign_counters WHERE campaign_id = ? AND day >= ? AND day <= ?
		GROUP BY day, outcome, disposition ORDER BY day`), campaignID, fromDay, toDay)
	if err != nil {
		return nil, fmt.Errorf("read counters by day: %w", translate(err))
	}
	defer rows.Close()
	var out []DayCounts
	for rows.Next() {
		var day int
		var n, first, answered, human, talk int64
		var oc, disp string
		if err := rows.Scan(&day, &oc, &disp, &n, &first, &answered, &human, &talk); err != nil {
			return nil, fmt.Errorf("read counters by day: %w", translate(err))
		}
		if n == 0 {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Day != day {
			out = append(out, DayCounts{Day: day, Counts: *newCounts()})
		}
		c := &out[len(out)-1].Counts
		c.Attempts += n
		c.FirstAttempts += first
		c.Answered += answered
		c.Human += human
		c.TalkMS += talk
		c.Outcomes[oc] += n
		if disp != "" {
			c.Dispositions[disp] += n
		}
		if disp == "opted_out" {
			c.OptOuts += n
		}
		if goals.of(campaignID)[disp] {
			c.Goal += n
		}
	}
	return out, translate(rows.Err())
}

// ContactCounts are a campaign's contacts: all, final (done), and final ones by disposition.
type ContactCounts struct {
	Total        int64            `json:"total"`
	Done         int64            `json:"done"`
	Goal         int64            `json:"goal"` // final with a goal disposition
	Dispositions map[string]int64 `json:"dispositions"`
}

// CampaignContactCounts reads the contact counters of the campaigns (nil: all).
func (db *DB) CampaignContactCounts(ctx context.Context, campaignIDs []int64) (map[int64]*ContactCounts, error) {
	query, args := `SELECT campaign_id, done, disposition, sum(contacts) FROM campaign_contact_counters`, []any{}
	if len(campaignIDs) > 0 {
		query += ` WHERE campaign_id IN (` + placeholders(len(campaignIDs)) + `)`
		for _, id := range campaignIDs {
			args = append(args, id)
		}
	}
	goals, err := db.goalSets(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, db.q(query+` GROUP BY campaign_id, done, disposition`), args...)
	if err != nil {
		return nil, fmt.Errorf("read contact counters: %w", translate(err))
	}
	defer rows.Close()
	out := map[int64]*ContactCounts{}
	for rows.Next() {
		var id, n int64
		var done bool
		var disp string
		if err := rows.Scan(&id, &done, &disp, &n); err != nil {
			return nil, fmt.Errorf("read contact counters: %w", translate(err))
		}
		c := out[id]
		if c == nil {
			c = &ContactCounts{Dispositions: map[string]int64{}}
			out[id] = c
		}
		c.Total += n
		if done {
			c.Done += n
			if n != 0 {
				c.Dispositions[disp] += n
			}
			if goals.of(id)[disp] {
				c.Goal += n
			}
		}
	}
	return out, translate(rows.Err())
}

// CountersRecount computes a campaign's counters from its attempts and contacts (a
// full scan: for tests and checks, never for a page).
func (db *DB) CountersRecount(ctx context.Context, campaignID int64) (*Counts, *ContactCounts, error) {
	goals, err := db.goalSets(ctx)
	if err != nil {
		return nil, nil, err
	}
	verdict := `COALESCE(result->'amd'->>'verdict', '')`
	if db.backend == SQLite {
		verdict = `COALESCE(CASE WHEN json_valid(result) THEN json_extract(result, '$.amd.verdict') END, '')`
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT outcome, disposition, attempt_no, duration_ms, `+verdict+`
		FROM attempts WHERE campaign_id = ? AND state <> 'dialing'`), campaignID)
	if err != nil {
		return nil, nil, fmt.Errorf("recount: %w", translate(err))
	}
	defer rows.Close()
	c := newCounts()
	for rows.Next() {
		var oc, disp, v string
		var no int
		var dur int64
		if err := rows.Scan(&oc, &disp, &no, &dur, &v); err != nil {
			return nil, nil, fmt.Errorf("recount: %w", translate(err))
		}
		c.Attempts++
		c.Outcomes[oc]++
		if disp != "" {
			c.Dispositions[disp]++
		}
		if no == 1 {
			c.FirstAttempts++
		}
		answered := oc == "answered" || oc == "voicemail" || oc == "abandoned"
		if answered {
			c.Answered++
			c.TalkMS += dur
		}
		if oc == "answered" && v != "machine" && disp != "voicemail_left" {
			c.Human++
		}
		if disp == "opted_out" {
			c.OptOuts++
		}
		if goals.of(campaignID)[disp] {
			c.Goal++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("recount: %w", translate(err))
	}
	cc := &ContactCounts{Dispositions: map[string]int64{}}
	crows, err := db.sql.QueryContext(ctx, db.q(`SELECT state, disposition, count(*) FROM contacts WHERE campaign_id = ?
		GROUP BY state, disposition`), campaignID)
	if err != nil {
		return nil, nil, fmt.Errorf("recount contacts: %w", translate(err))
	}
	defer crows.Close()
	for crows.Next() {
		var state, disp string
		var n int64
		if err := crows.Scan(&state, &disp, &n); err != nil {
			return nil, nil, fmt.Errorf("recount contacts: %w", translate(err))
		}
		cc.Total += n
		if state == ContactDone {
			cc.Done += n
			cc.Dispositions[disp] += n
			if goals.of(campaignID)[disp] {
				cc.Goal += n
			}
		}
	}
	return c, cc, translate(crows.Err())
}

// goals are the goal dispositions: the catalogue's, and campaigns' own sets.
type goals struct {
	catalogue map[string]bool
	campaigns map[int64]map[string]bool
}

func (g *goals) of(campaignID int64) map[string]bool {
	if s, ok := g.campaigns[campaignID]; ok {
		return s
	}
	return g.catalogue
}

func (db *DB) goalSets(ctx context.Context) (*goals, error) {
	g := &goals{catalogue: map[string]bool{}, campaigns: map[int64]map[string]bool{}}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT 0, code FROM dispositions WHERE goal = `+db.boolLit(true)+`
		UNION ALL SELECT campaign_id, disposition FROM campaign_goals`))
	if err != nil {
		return nil, fmt.Errorf("read goals: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return nil, fmt.Errorf("read goals: %w", translate(err))
		}
		if id == 0 {
			g.catalogue[code] = true
			continue
		}
		if g.campaigns[id] == nil {
			g.campaigns[id] = map[string]bool{}
		}
		g.campaigns[id][code] = true
	}
	return g, translate(rows.Err())
}

// Goal is a campaign's goal: the dispositions that count as reaching it, and whether
// they are the campaign's own (else the catalogue's defaults).
type Goal struct {
	Dispositions []string `json:"dispositions"`
	Own          bool     `json:"own"`
}

// GoalGet returns a campaign's goal dispositions.
func (db *DB) GoalGet(ctx context.Context, campaignID int64) (*Goal, error) {
	g, err := db.goalSets(ctx)
	if err != nil {
		return nil, err
	}
	_, own := g.campaigns[campaignID]
	out := &Goal{Dispositions: []string{}, Own: own}
	for d := range g.of(campaignID) {
		out.Dispositions = append(out.Dispositions, d)
	}
	sort.Strings(out.Dispositions)
	return out, nil
}

// GoalSet replaces a campaign's goal dispositions; nil goes back to the catalogue's.
func (db *DB) GoalSet(ctx context.Context, campaignID int64, dispositions []string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM campaign_goals WHERE campaign_id = ?`), campaignID); err != nil {
			return translate(err)
		}
		for _, d := range dispositions {
			if strings.TrimSpace(d) == "" {
				return fmt.Errorf("%w: empty disposition", ErrInvalidParams)
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO campaign_goals (campaign_id, disposition) VALUES (?, ?)
				ON CONFLICT DO NOTHING`), campaignID, d); err != nil {
				return translate(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set goal of campaign %d: %w", campaignID, err)
	}
	return nil
}

// AbandonCountsDays is AbandonCounts read from the counters: the attempts that ended on
// the UTC days from Since's day on (whole days, so up to a day more than Since itself),
// without reading the attempts. For the 30-day figures a page shows; the gate keeps
// the exact window of AbandonCounts.
func (db *DB) AbandonCountsDays(ctx context.Context, p *AbandonCountsParams) (live, abandoned int64, err error) {
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT
		COALESCE(SUM(CASE WHEN outcome IN ('answered', 'abandoned') THEN attempts ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN outcome = 'abandoned' OR disposition = 'abandoned' THEN attempts ELSE 0 END), 0)
		FROM campaign_counters WHERE campaign_id = ? AND day >= ?`), p.CampaignID, Day(p.Since)).Scan(&live, &abandoned)
	if err != nil {
		return 0, 0, fmt.Errorf("abandon counts of campaign %d: %w", p.CampaignID, translate(err))
	}
	return live, abandoned, nil
}
