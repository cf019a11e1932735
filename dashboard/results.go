package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/voxdial/voxdial/outcome"
	"github.com/voxdial/voxdial/store"
)

// Results for managers: the cross-campaign overview, a campaign's report (key figures,
// funnel, days), the comparison of two campaigns, search by number and a contact's
// history, pages of contacts, the goal. Every figure comes from the store's
// pre-aggregated counters (store/results.go), never from a scan of attempts.

// figures are the key figures of a campaign (or of several, summed). The rates are each
// step of the funnel over the step before it: answered of attempts, human of answered,
// goal of human.
type figures struct {
	Attempts   int64   `json:"attempts"`
	Answered   int64   `json:"answered"`
	Human      int64   `json:"human"`
	Goal       int64   `json:"goal"`
	OptOuts    int64   `json:"opt_outs"`
	TalkS      int64   `json:"talk_s"`
	AnswerRate float64 `json:"answer_rate"`
	HumanRate  float64 `json:"human_rate"`
	GoalRate   float64 `json:"goal_rate"`
	// Contacts now (not limited to the date range): all, final, final at the goal.
	Contacts     int64 `json:"contacts"`
	Done         int64 `json:"done"`
	GoalContacts int64 `json:"goal_contacts"`
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func newFigures(c *store.Counts, cc *store.ContactCounts) figures {
	var f figures
	if c != nil {
		f = figures{Attempts: c.Attempts, Answered: c.Answered, Human: c.Human, Goal: c.Goal, OptOuts: c.OptOuts, TalkS: c.TalkMS / 1000}
	}
	if cc != nil {
		f.Contacts, f.Done, f.GoalContacts = cc.Total, cc.Done, cc.Goal
	}
	f.rates()
	return f
}

func (f *figures) rates() {
	f.AnswerRate, f.HumanRate, f.GoalRate = ratio(f.Answered, f.Attempts), ratio(f.Human, f.Answered), ratio(f.Goal, f.Human)
}

func (f *figures) add(g figures) {
	f.Attempts += g.Attempts
	f.Answered += g.Answered
	f.Human += g.Human
	f.Goal += g.Goal
	f.OptOuts += g.OptOuts
	f.TalkS += g.TalkS
	f.Contacts += g.Contacts
	f.Done += g.Done
	f.GoalContacts += g.GoalContacts
	f.rates()
}

// funnelStep is one step of the funnel: dialled → answered → human → goal.
type funnelStep struct {
	Step       string  `json:"step"`
	Label      string  `json:"label"`
	Count      int64   `json:"count"`
	OfPrevious float64 `json:"of_previous"`
	OfDialled  float64 `json:"of_dialled"`
}

func funnel(f figures) []funnelStep {
	steps := []funnelStep{
		{Step: "dialled", Label: "dialled (attempts)", Count: f.Attempts},
		{Step: "answered", Label: "answered (a person or a machine)", Count: f.Answered},
		{Step: "human", Label: "a person answered", Count: f.Human},
		{Step: "goal", Label: "reached the goal", Count: f.Goal},
	}
	for i := range steps {
		steps[i].OfDialled = ratio(steps[i].Count, f.Attempts)
		steps[i].OfPrevious = 1
		if i > 0 {
			steps[i].OfPrevious = ratio(steps[i].Count, steps[i-1].Count)
		}
	}
	return steps
}

// dateRange is ?from=YYYY-MM-DD&to=YYYY-MM-DD, UTC days, both included; either may be
// absent (open-ended).
type dateRange struct {
	From, To       string
	FromDay, ToDay int
}

const maxRangeDays = 3660

func parseRange(w http.ResponseWriter, r *http.Request) (dateRange, bool) {
	q := r.URL.Query()
	var dr dateRange
	for _, f := range []struct {
		key string
		s   *string
		day *int
	}{{"from", &dr.From, &dr.FromDay}, {"to", &dr.To, &dr.ToDay}} {
		v := q.Get(f.key)
		if v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "%s: %q is not a date (want YYYY-MM-DD)", f.key, v)
			return dr, false
		}
		*f.s, *f.day = v, store.Day(t)
	}
	if dr.FromDay != 0 && dr.ToDay != 0 {
		if dr.FromDay > dr.ToDay {
			writeError(w, http.StatusBadRequest, "from %s is after to %s", dr.From, dr.To)
			return dr, false
		}
		if dr.ToDay-dr.FromDay > maxRangeDays {
			writeError(w, http.StatusBadRequest, "the range from %s to %s is over %d days", dr.From, dr.To, maxRangeDays)
			return dr, false
		}
	}
	return dr, true
}

// pageBounds reads ?offset= and ?limit= (1..max, default def); bad values are 400.
func pageBounds(w http.ResponseWriter, r *http.Request, def, most int) (offset, limit int, ok bool) {
	q := r.URL.Query()
	limit, offset = def, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > most {
			writeError(w, http.StatusBadRequest, "limit: %q is not a number from 1 to %d", v, most)
			return 0, 0, false
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "offset: %q is not a number of rows (0 or more)", v)
			return 0, 0, false
		}
		offset = n
	}
	return offset, limit, true
}

// overviewRow is one campaign in the overview.
type overviewRow struct {
	ID      int64   `json:"id"`
	Name    string  `json:"name"`
	State   string  `json:"state"`
	Purpose string  `json:"purpose"`
	Figures figures `json:"figures"`
}

// handleOverview is GET /api/overview: every campaign's key figures over a date range,
// a page of them (newest first, or by ?sort=attempts|goal_rate|answer_rate|name), the
// totals and the funnel of all.
func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request, p *principal) {
	dr, ok := parseRange(w, r)
	if !ok {
		return
	}
	offset, limit, ok := pageBounds(w, r, 50, 500)
	if !ok {
		return
	}
	q := r.URL.Query()
	var states []string
	if st := q.Get("state"); st != "" {
		states = strings.Split(st, ",")
	}
	sortBy := q.Get("sort")
	if sortBy != "" && !slices.Contains([]string{"id", "attempts", "goal_rate", "answer_rate", "name"}, sortBy) {
		writeError(w, http.StatusBadRequest, "sort: %q (want id, attempts, goal_rate, answer_rate or name)", sortBy)
		return
	}
	cs, err := s.db.CampaignList(r.Context(), &store.CampaignListParams{States: states})
	if err != nil {
		s.storeError(w, err)
		return
	}
	counts, err := s.db.CampaignCounters(r.Context(), &store.CountersParams{FromDay: dr.FromDay, ToDay: dr.ToDay})
	if err != nil {
		s.storeError(w, err)
		return
	}
	contacts, err := s.db.CampaignContactCounts(r.Context(), nil)
	if err != nil {
		s.storeError(w, err)
		return
	}
	rows := make([]overviewRow, 0, len(cs))
	var total figures
	for _, c := range cs {
		f := newFigures(counts[c.ID], contacts[c.ID])
		total.add(f)
		rows = append(rows, overviewRow{ID: c.ID, Name: c.Name, State: c.State, Purpose: c.Purpose, Figures: f})
	}
	slices.SortStableFunc(rows, func(a, b overviewRow) int {
		switch sortBy {
		case "attempts":
			return cmpDesc(a.Figures.Attempts, b.Figures.Attempts)
		case "goal_rate":
			return cmpDesc(a.Figures.GoalRate, b.Figures.GoalRate)
		case "answer_rate":
			return cmpDesc(a.Figures.AnswerRate, b.Figures.AnswerRate)
		case "name":
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		}
		return cmpDesc(a.ID, b.ID)
	})
	n := len(rows)
	page := rows[min(offset, n):min(offset+limit, n)]
	writeJSON(w, http.StatusOK, map[string]any{"from": dr.From, "to": dr.To, "campaigns": page, "total": n,
		"offset": offset, "limit": limit, "totals": total, "funnel": funnel(total)})
}

func cmpDesc[T int64 | float64](a, b T) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// report is one campaign's results over a date range.
type report struct {
	Campaign     overviewRow      `json:"campaign"`
	Funnel       []funnelStep     `json:"funnel"`
	Goal         *store.Goal      `json:"goal"`
	Outcomes     map[string]int64 `json:"outcomes"`
	Dispositions map[string]int64 `json:"dispositions"`
	Days         []reportDay      `json:"days"`
}

// reportDay is one UTC day of a report.
type reportDay struct {
	Date     string `json:"date"`
	Attempts int64  `json:"attempts"`
	Answered int64  `json:"answered"`
	Human    int64  `json:"human"`
	Goal     int64  `json:"goal"`
}

func (s *Server) report(r *http.Request, c *store.Campaign, dr dateRange) (*report, error) {
	ctx := r.Context()
	counts, err := s.db.CampaignCounters(ctx, &store.CountersParams{CampaignIDs: []int64{c.ID}, FromDay: dr.FromDay, ToDay: dr.ToDay})
	if err != nil {
		return nil, err
	}
	contacts, err := s.db.CampaignContactCounts(ctx, []int64{c.ID})
	if err != nil {
		return nil, err
	}
	days, err := s.db.CampaignCounterDays(ctx, c.ID, dr.FromDay, dr.ToDay)
	if err != nil {
		return nil, err
	}
	goal, err := s.db.GoalGet(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	f := newFigures(counts[c.ID], contacts[c.ID])
	rep := &report{Campaign: overviewRow{ID: c.ID, Name: c.Name, State: c.State, Purpose: c.Purpose, Figures: f},
		Funnel: funnel(f), Goal: goal, Outcomes: map[string]int64{}, Dispositions: map[string]int64{}, Days: []reportDay{}}
	if k := counts[c.ID]; k != nil {
		rep.Outcomes, rep.Dispositions = k.Outcomes, k.Dispositions
	}
	for _, d := range days {
		rep.Days = append(rep.Days, reportDay{Date: store.DayTime(d.Day).Format("2006-01-02"), Attempts: d.Attempts,
			Answered: d.Answered, Human: d.Human, Goal: d.Goal})
	}
	return rep, nil
}

// handleCampaignReport is GET /api/campaigns/{id}/report: key figures, funnel, goal,
// outcomes, dispositions and days over a date range.
func (s *Server) handleCampaignReport(w http.ResponseWriter, r *http.Request, p *principal) {
	c, _, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	dr, ok := parseRange(w, r)
	if !ok {
		return
	}
	rep, err := s.report(r, c, dr)
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": dr.From, "to": dr.To, "report": rep})
}

// handleCompare is GET /api/compare?a=ID&b=ID: two campaigns' reports side by side.
func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request, p *principal) {
	dr, ok := parseRange(w, r)
	if !ok {
		return
	}
	var reps []*report
	for _, key := range []string{"a", "b"} {
		v := r.URL.Query().Get(key)
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			writeError(w, http.StatusBadRequest, "%s: %q is not a campaign id", key, v)
			return
		}
		c, err := s.db.CampaignGet(r.Context(), &store.CampaignGetParams{ID: id})
		if err != nil {
			s.storeError(w, err)
			return
		}
		rep, err := s.report(r, c, dr)
		if err != nil {
			s.storeError(w, err)
			return
		}
		reps = append(reps, rep)
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": dr.From, "to": dr.To, "campaigns": reps})
}

// goalRequest is PUT /api/campaigns/{id}/goal.
type goalRequest struct {
	Dispositions []string `json:"dispositions"` // empty: back to the catalogue's goal dispositions
}

func (s *Server) handleGoalGet(w http.ResponseWriter, r *http.Request, p *principal) {
	c, _, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	g, err := s.db.GoalGet(r.Context(), c.ID)
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

// handleGoalPut sets the dispositions that count as a campaign's goal (its owner or an admin).
func (s *Server) handleGoalPut(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok || s.forbidUnlessManager(w, p, c, owner) {
		return
	}
	var req goalRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	for i, d := range req.Dispositions {
		if !dispositionCode.MatchString(d) {
			writeError(w, http.StatusBadRequest, "dispositions[%d]: %q is not a disposition code (letters, digits and _, up to 64)", i, d)
			return
		}
	}
	if err := s.db.GoalSet(r.Context(), c.ID, req.Dispositions); err != nil {
		s.storeError(w, err)
		return
	}
	_ = s.db.CallEventAppend(r.Context(), &store.CallEventAppendParams{CampaignID: c.ID, Type: "campaign_goal",
		Data: map[string]any{"by": p.User.Name, "dispositions": req.Dispositions}, At: s.opts.Now()})
	s.handleGoalGet(w, r, p)
}

// contactDoc is a contact as the results pages show it (number masked per role;
// variables only to those who see full numbers).
type contactDoc struct {
	ID              int64             `json:"id"`
	CampaignID      int64             `json:"campaign_id"`
	Campaign        string            `json:"campaign,omitempty"`
	Phone           string            `json:"phone"`
	ExternalID      string            `json:"external_id,omitempty"`
	State           string            `json:"state"`
	Disposition     string            `json:"disposition,omitempty"`
	DispositionText string            `json:"disposition_text,omitempty"`
	Attempts        int               `json:"attempts"`
	LastOutcome     string            `json:"last_outcome,omitempty"`
	LastOutcomeText string            `json:"last_outcome_text,omitempty"`
	NextAttemptAt   time.Time         `json:"next_attempt_at,omitzero"`
	UpdatedAt       time.Time         `json:"updated_at"`
	Variables       map[string]string `json:"variables,omitempty"`
	Masked          bool              `json:"masked"`
}

func outcomeText(code string) string {
	if code == "" {
		return ""
	}
	if info, ok := outcome.Lookup(outcome.Code(code)); ok {
		return info.Label
	}
	return strings.ReplaceAll(code, "_", " ")
}

// dispositionTexts reads the catalogue's descriptions.
func (s *Server) dispositionTexts(r *http.Request) map[string]string {
	out := map[string]string{}
	ds, err := s.db.DispositionList(r.Context())
	if err != nil {
		return out
	}
	for _, d := range ds {
		out[d.Code] = d.Description
	}
	return out
}

func dispositionText(texts map[string]string, code string) string {
	if code == "" {
		return ""
	}
	if t := texts[code]; t != "" {
		return t
	}
	return strings.ReplaceAll(code, "_", " ")
}

func newContactDoc(c *store.Contact, full bool, texts map[string]string) contactDoc {
	d := contactDoc{ID: c.ID, CampaignID: c.CampaignID, Phone: mask(full, c.Phone), State: c.State, Disposition: c.Disposition,
		DispositionText: dispositionText(texts, c.Disposition), Attempts: c.Attempts, LastOutcome: c.LastOutcome,
		LastOutcomeText: outcomeText(c.LastOutcome), UpdatedAt: c.UpdatedAt, Masked: !full}
	if c.State != store.ContactDone {
		d.NextAttemptAt = c.NextAttemptAt
	}
	if full {
		d.ExternalID = c.ExternalID
		d.Variables = contactVars(c.Variables, nil)
	}
	return d
}

// handleContactPage is GET /api/campaigns/{id}/contacts: a page of contacts in id order
// (?after= cursor, ?limit= 1..500) with the total the filter matches (?state=open|done,
// ?disposition=, ?phone=).
func (s *Server) handleContactPage(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	_, limit, ok := pageBounds(w, r, 50, 500)
	if !ok {
		return
	}
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "after: %q is not a contact id", v)
			return
		}
		after = n
	}
	state, phone := q.Get("state"), q.Get("phone")
	if state != "" && state != "open" && state != "done" {
		writeError(w, http.StatusBadRequest, "state: %q (want open or done)", state)
		return
	}
	if phone != "" && !e164.MatchString(phone) {
		writeError(w, http.StatusBadRequest, "phone: %q is not an E.164 number (+ and 7 to 15 digits)", phone)
		return
	}
	pg, err := s.db.ContactPageGet(r.Context(), &store.ContactPageParams{CampaignID: c.ID, State: state,
		Disposition: q.Get("disposition"), Phone: phone, AfterID: after, Limit: limit})
	if err != nil {
		s.storeError(w, err)
		return
	}
	full, texts := seesFull(p, owner), s.dispositionTexts(r)
	out := make([]contactDoc, 0, len(pg.Contacts))
	for _, ct := range pg.Contacts {
		out = append(out, newContactDoc(ct, full, texts))
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": out, "total": pg.Total, "next": pg.Next, "limit": limit})
}

// handleSearch is GET /api/search?phone=E164: the number's contacts in every campaign.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, p *principal) {
	phone := strings.TrimSpace(r.URL.Query().Get("phone"))
	if !e164.MatchString(phone) {
		writeError(w, http.StatusBadRequest, "phone: %q is not an E.164 number (+ and 7 to 15 digits)", phone)
		return
	}
	cts, err := s.db.ContactSearch(r.Context(), phone, 200)
	if err != nil {
		s.storeError(w, err)
		return
	}
	owners, err := s.db.CampaignOwnerList(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	names := map[int64]string{}
	texts := s.dispositionTexts(r)
	out := make([]contactDoc, 0, len(cts))
	for _, ct := range cts {
		if _, ok := names[ct.CampaignID]; !ok {
			if c, err := s.db.CampaignGet(r.Context(), &store.CampaignGetParams{ID: ct.CampaignID}); err == nil {
				names[ct.CampaignID] = c.Name
			}
		}
		d := newContactDoc(ct, seesFull(p, owners[ct.CampaignID]), texts)
		d.Campaign, d.Variables = names[ct.CampaignID], nil
		out = append(out, d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": out})
}

// historyEntry is one line of a contact's history, in words.
type historyEntry struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"` // attempt | gate | retry
	Code      string    `json:"code,omitempty"`
	Text      string    `json:"text"` // what happened, in words
	Reason    string    `json:"reason,omitempty"`
	Rules     []string  `json:"rules,omitempty"`
	AttemptID int64     `json:"attempt_id,omitempty"`
}

// handleContactHistory is GET /api/contacts/{id}/history: the contact, its attempts, the
// gate's decisions on its number in its campaign and its retries, oldest first, each with
// its reason in words.
func (s *Server) handleContactHistory(w http.ResponseWriter, r *http.Request, p *principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	ct, err := s.db.ContactGet(r.Context(), &store.ContactGetParams{ID: id})
	if err != nil {
		s.storeError(w, err)
		return
	}
	c, err := s.db.CampaignGet(r.Context(), &store.CampaignGetParams{ID: ct.CampaignID})
	if err != nil {
		s.storeError(w, err)
		return
	}
	owner, err := s.owner(r, c.ID)
	if err != nil {
		s.storeError(w, err)
		return
	}
	full, texts := seesFull(p, owner), s.dispositionTexts(r)
	red := newRedactor(contactVars(ct.Variables, nil))
	words := func(s string) string {
		if full {
			return s
		}
		return red.text(s)
	}
	var hist []historyEntry
	atts, err := s.db.AttemptList(r.Context(), &store.AttemptListParams{CampaignID: c.ID, ContactID: ct.ID, Limit: 1000})
	if err != nil {
		s.storeError(w, err)
		return
	}
	for _, a := range atts {
		var res struct {
			Reason    string `json:"reason"`
			SIPReason string `json:"sip_reason"`
		}
		_ = json.Unmarshal(a.Result, &res)
		e := historyEntry{At: a.StartedAt, Kind: "attempt", Code: a.Outcome, AttemptID: a.ID}
		switch a.State {
		case store.AttemptDialing:
			e.Text = fmt.Sprintf("attempt %d: dialling now", a.AttemptNo)
		default:
			e.Text = fmt.Sprintf("attempt %d: %s", a.AttemptNo, outcomeText(a.Outcome))
			if a.Disposition != "" {
				e.Text += "; " + dispositionText(texts, a.Disposition) + " (" + a.Disposition + ")"
			}
		}
		reason := res.Reason
		if reason == "" && a.SIPStatus != 0 {
			reason = strings.TrimSpace(fmt.Sprintf("SIP %d %s", a.SIPStatus, res.SIPReason))
		}
		e.Reason = words(reason)
		hist = append(hist, e)
	}
	audit, err := s.db.AuditList(r.Context(), &store.AuditListParams{Phone: ct.Phone, Limit: 1000, Desc: true})
	if err != nil {
		s.storeError(w, err)
		return
	}
	campaignKey := strconv.FormatInt(c.ID, 10)
	for _, row := range audit {
		if row.Campaign != campaignKey && row.Campaign != c.Name {
			continue
		}
		var rec struct {
			Rules  []string `json:"rules"`
			Reason string   `json:"reason"`
			Stage  string   `json:"stage"`
		}
		_ = json.Unmarshal([]byte(row.Record), &rec)
		text := map[string]string{"allow": "the compliance gate allowed the call", "block": "the compliance gate blocked the number for good",
			"hold": "the compliance gate held the call until later"}[row.Decision]
		if text == "" {
			text = "the compliance gate decided " + row.Decision
		}
		reason := rec.Reason
		if reason == "" && row.Decision == "allow" {
			reason = "every rule passed"
		}
		hist = append(hist, historyEntry{At: row.DecidedAt, Kind: "gate", Code: row.Decision, Text: text, Reason: words(reason), Rules: rec.Rules})
	}
	retries, err := s.db.RetryList(r.Context(), ct.ID)
	if err != nil {
		s.storeError(w, err)
		return
	}
	for _, rt := range retries {
		hist = append(hist, historyEntry{At: rt.CreatedAt, Kind: "retry", Code: rt.Reason, AttemptID: rt.AttemptID,
			Text: "next try scheduled for " + rt.DueAt.UTC().Format("2006-01-02 15:04 UTC"), Reason: words(outcomeText(rt.Reason))})
	}
	slices.SortStableFunc(hist, func(a, b historyEntry) int { return a.At.Compare(b.At) })
	if hist == nil {
		hist = []historyEntry{}
	}
	d := newContactDoc(ct, full, texts)
	d.Campaign = c.Name
	writeJSON(w, http.StatusOK, map[string]any{"contact": d, "history": hist})
}
