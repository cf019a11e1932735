package dashboard

import (
	"net/http"
	"strings"
	"time"

	"github.com/voxdial/voxdial/store"
)

// seriesPoint is one bucket of a campaign's chart.
type seriesPoint struct {
	T        time.Time        `json:"t"`
	Started  int64            `json:"started"`
	Finished map[string]int64 `json:"finished"` // by outcome
	Gate     map[string]int64 `json:"gate"`     // blocks and holds by rule (or reason)
}

// handleCampaignSeries is the campaign over time: attempts started, finished
// by outcome and gate blocks/holds by rule per bucket (?bucket=seconds,
// default 60; ?since=RFC 3339; ?types=gate_block,gate_hold to count only
// those), plus totals, counted in the database.
func (s *Server) handleCampaignSeries(w http.ResponseWriter, r *http.Request, p *principal) {
	c, _, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	bucket := queryInt(r, "bucket", 60)
	if bucket < 1 || bucket > 86400 {
		writeError(w, http.StatusBadRequest, "bucket %d: want 1..86400 seconds", bucket)
		return
	}
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since %q: want RFC 3339 (2026-12-01T15:00:00Z)", v)
			return
		}
		since = t
	}
	var types []string
	if v := r.URL.Query().Get("types"); v != "" {
		types = strings.Split(v, ",")
	}
	counts, err := s.db.CallEventSeries(r.Context(), &store.CallEventSeriesParams{CampaignID: c.ID, Bucket: time.Duration(bucket) * time.Second,
		Since: since, Types: types})
	if err != nil {
		s.storeError(w, err)
		return
	}
	points := []*seriesPoint{}
	outcomes, gate := map[string]int64{}, map[string]int64{}
	for _, e := range counts {
		if len(points) == 0 || !points[len(points)-1].T.Equal(e.Bucket) {
			points = append(points, &seriesPoint{T: e.Bucket, Finished: map[string]int64{}, Gate: map[string]int64{}})
		}
		pt := points[len(points)-1]
		switch e.Type {
		case "attempt_started":
			pt.Started += e.Count
		case "attempt_finished":
			pt.Finished[e.Key] += e.Count
			outcomes[e.Key] += e.Count
		default:
			key := orDefault(e.Key, e.Type)
			pt.Gate[key] += e.Count
			gate[key] += e.Count
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"bucket_s": bucket, "points": points, "outcomes": outcomes, "gate": gate})
}
