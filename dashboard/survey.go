package dashboard

// Conversation intelligence on the dashboard: a campaign's survey report (captured
// slots with a survey: label, counted per question and answer; JSON or CSV) and its
// unanswered questions (what callers asked that no knowledge entry answered).

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"

	"github.com/voxdial/voxdial/store"
)

// SurveyReport is a campaign's survey answers, per question.
type SurveyReport struct {
	CampaignID int64            `json:"campaign_id"`
	Campaign   string           `json:"campaign"`
	Calls      int              `json:"calls"` // calls with at least one survey answer
	Questions  []SurveyQuestion `json:"questions"`
}

// SurveyQuestion is one question's answers, most frequent first.
type SurveyQuestion struct {
	Question string         `json:"question"`
	Total    int            `json:"total"`
	Answers  []SurveyAnswer `json:"answers"`
}

// SurveyAnswer is one answer and how many calls gave it.
type SurveyAnswer struct {
	Answer string  `json:"answer"`
	Count  int     `json:"count"`
	Share  float64 `json:"share"` // of the question's total
}

// surveyPage is how many attempts the report reads per query.
const surveyPage = 1000

// loadSurvey counts the survey answers of every finished attempt of a campaign.
func (s *Server) loadSurvey(r *http.Request, c *store.Campaign) (*SurveyReport, error) {
	counts := map[string]map[string]int{}
	order := []string{}
	rep := &SurveyReport{CampaignID: c.ID, Campaign: c.Name, Questions: []SurveyQuestion{}}
	after := int64(0)
	for {
		as, err := s.db.AttemptList(r.Context(), &store.AttemptListParams{CampaignID: c.ID, AfterID: after, Limit: surveyPage})
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			after = a.ID
			var doc struct {
				Survey map[string]string `json:"survey"`
			}
			if len(a.Result) == 0 || json.Unmarshal(a.Result, &doc) != nil || len(doc.Survey) == 0 {
				continue
			}
			rep.Calls++
			for q, ans := range doc.Survey {
				if counts[q] == nil {
					counts[q] = map[string]int{}
					order = append(order, q)
				}
				counts[q][ans]++
			}
		}
		if len(as) < surveyPage {
			break
		}
	}
	sort.Strings(order)
	for _, q := range order {
		sq := SurveyQuestion{Question: q, Answers: []SurveyAnswer{}}
		for ans, n := range counts[q] {
			sq.Total += n
			sq.Answers = append(sq.Answers, SurveyAnswer{Answer: ans, Count: n})
		}
		sort.Slice(sq.Answers, func(i, j int) bool {
			if sq.Answers[i].Count != sq.Answers[j].Count {
				return sq.Answers[i].Count > sq.Answers[j].Count
			}
			return sq.Answers[i].Answer < sq.Answers[j].Answer
		})
		for i := range sq.Answers {
			sq.Answers[i].Share = float64(int(float64(sq.Answers[i].Count)/float64(sq.Total)*1000+0.5)) / 1000
		}
		rep.Questions = append(rep.Questions, sq)
	}
	return rep, nil
}

// handleSurvey serves GET /api/campaigns/{id}/survey[?format=csv].
func (s *Server) handleSurvey(w http.ResponseWriter, r *http.Request, p *principal) {
	c, _, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	rep, err := s.loadSurvey(r, c)
	if err != nil {
		s.storeError(w, err)
		return
	}
	if r.URL.Query().Get("format") != "csv" {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(c.Name)+`-survey.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"question", "answer", "count", "share"})
	for _, q := range rep.Questions {
		for _, a := range q.Answers {
			_ = cw.Write(csvRow(q.Question, a.Answer, strconv.Itoa(a.Count), strconv.FormatFloat(a.Share, 'f', 3, 64)))
		}
	}
	cw.Flush()
}

// handleUnanswered serves GET /api/campaigns/{id}/unanswered: the callers' questions no
// knowledge entry answered, most asked first. A masked view sees numbers in them hidden.
func (s *Server) handleUnanswered(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	limit := int(queryInt(r, "limit", 100))
	qs, err := s.db.UnansweredList(r.Context(), &store.UnansweredListParams{CampaignID: c.ID, Limit: limit})
	if err != nil {
		s.storeError(w, err)
		return
	}
	if qs == nil {
		qs = []store.UnansweredQuestion{}
	}
	if !seesFull(p, owner) {
		red := newRedactor(nil)
		for i := range qs {
			qs[i].Text, qs[i].Normalized = red.text(qs[i].Text), red.text(qs[i].Normalized)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaign_id": c.ID, "questions": qs})
}

// redactCaptured hides captured values from a masked view, keeping the slot names.
func redactCaptured(raw json.RawMessage) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return json.RawMessage("{}")
	}
	for k := range m {
		m[k] = "[captured]"
	}
	b, _ := json.Marshal(m)
	return b
}
