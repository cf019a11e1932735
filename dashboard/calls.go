package dashboard

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/voxdial/voxdial/store"
)

// attemptDoc is an attempt as the API shows it (numbers masked for roles
// that do not need them).
type attemptDoc struct {
	*store.Attempt
	Masked       bool `json:"masked"`
	HasRecording bool `json:"has_recording"`
}

// attemptDoc shows an attempt; a masked view (full false) sees it through red, the
// redactor of its contact.
func (s *Server) attemptDoc(a *store.Attempt, full bool, red *redactor) attemptDoc {
	d := attemptDoc{Attempt: a, Masked: !full, HasRecording: s.recordingPath(a) != ""}
	if !full {
		cp := *a
		cp.Phone = mask(false, a.Phone)
		cp.Trunk = redactTrunk(a.Trunk, false)
		cp.Result = red.json(a.Result)
		cp.Captured = redactCaptured(a.Captured)
		d.Attempt = &cp
	}
	return d
}

// contactRedactor is the redactor of an attempt's contact: its variables and the call's.
func (s *Server) contactRedactor(r *http.Request, a *store.Attempt) *redactor {
	var vars json.RawMessage
	if c, err := s.db.ContactGet(r.Context(), &store.ContactGetParams{ID: a.ContactID}); err == nil {
		vars = c.Variables
	}
	return newRedactor(contactVars(vars, a.Result))
}

func (s *Server) handleAttemptList(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	limit := int(queryInt(r, "limit", 100))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	as, err := s.db.AttemptList(r.Context(), &store.AttemptListParams{CampaignID: c.ID, AfterID: queryInt(r, "after", 0),
		ContactID: queryInt(r, "contact", 0), Limit: limit})
	if err != nil {
		s.storeError(w, err)
		return
	}
	full := seesFull(p, owner)
	out := make([]attemptDoc, 0, len(as))
	for _, a := range as {
		var red *redactor
		if !full {
			red = s.contactRedactor(r, a)
		}
		out = append(out, s.attemptDoc(a, full, red))
	}
	writeJSON(w, http.StatusOK, map[string]any{"attempts": out})
}

// callDetail is GET /api/attempts/{id}: the attempt, its events and transcript.
type callDetail struct {
	Attempt    attemptDoc             `json:"attempt"`
	Campaign   string                 `json:"campaign"`
	Events     []*store.CallEvent     `json:"events"`
	Transcript []store.TranscriptTurn `json:"transcript"`
}

func (s *Server) loadAttempt(w http.ResponseWriter, r *http.Request) (*store.Attempt, *store.Campaign, int64, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return nil, nil, 0, false
	}
	a, err := s.db.AttemptGet(r.Context(), &store.AttemptGetParams{ID: id})
	if err != nil {
		s.storeError(w, err)
		return nil, nil, 0, false
	}
	c, err := s.db.CampaignGet(r.Context(), &store.CampaignGetParams{ID: a.CampaignID})
	if err != nil {
		s.storeError(w, err)
		return nil, nil, 0, false
	}
	owner, err := s.owner(r, c.ID)
	if err != nil {
		s.storeError(w, err)
		return nil, nil, 0, false
	}
	return a, c, owner, true
}

func (s *Server) handleAttemptGet(w http.ResponseWriter, r *http.Request, p *principal) {
	a, c, owner, ok := s.loadAttempt(w, r)
	if !ok {
		return
	}
	evs, err := s.db.CallEventList(r.Context(), &store.CallEventListParams{CampaignID: a.CampaignID, ContactID: a.ContactID, Limit: 1000})
	if err != nil {
		s.storeError(w, err)
		return
	}
	// The contact's events up to and including this attempt's.
	var mine []*store.CallEvent
	for _, e := range evs {
		if e.AttemptID == a.ID || (e.AttemptID == 0 && !e.At.Before(a.StartedAt.Add(-60e9)) && (a.EndedAt.IsZero() || !e.At.After(a.EndedAt))) {
			mine = append(mine, e)
		}
	}
	if mine == nil {
		mine = []*store.CallEvent{}
	}
	tr, err := s.db.TranscriptGet(r.Context(), &store.TranscriptGetParams{AttemptID: a.ID})
	if err != nil {
		s.storeError(w, err)
		return
	}
	if tr == nil {
		tr = []store.TranscriptTurn{}
	}
	full := seesFull(p, owner)
	if full {
		writeJSON(w, http.StatusOK, callDetail{Attempt: s.attemptDoc(a, true, nil), Campaign: c.Name, Events: mine, Transcript: tr})
		return
	}
	red := s.contactRedactor(r, a)
	events := make([]*store.CallEvent, len(mine))
	for i, e := range mine {
		cp := *e
		cp.Data = red.json(e.Data)
		events[i] = &cp
	}
	writeJSON(w, http.StatusOK, callDetail{Attempt: s.attemptDoc(a, false, red), Campaign: c.Name, Events: events, Transcript: red.transcript(tr)})
}

// recordingPath is the attempt's recording file, or "" when there is none.
func (s *Server) recordingPath(a *store.Attempt) string {
	if s.opts.RecordDir == "" || a.CallID == "" || strings.ContainsAny(a.CallID, `/\`) || strings.HasPrefix(a.CallID, ".") {
		return ""
	}
	p := filepath.Join(s.opts.RecordDir, a.CallID+".wav")
	if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return p
}

// handleRecording serves the WAV with range requests (http.ServeContent).
func (s *Server) handleRecording(w http.ResponseWriter, r *http.Request, p *principal) {
	a, c, owner, ok := s.loadAttempt(w, r)
	if !ok {
		return
	}
	if !seesFull(p, owner) {
		writeError(w, http.StatusForbidden, "recordings of campaign %q are not for role %s", c.Name, p.User.Role)
		return
	}
	path := s.recordingPath(a)
	if path == "" {
		writeError(w, http.StatusNotFound, "attempt %d has no recording", a.ID)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		writeError(w, http.StatusNotFound, "recording: %v", err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "recording: %v", err)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", `inline; filename="`+a.CallID+`.wav"`)
	http.ServeContent(w, r, a.CallID+".wav", fi.ModTime(), f)
}
