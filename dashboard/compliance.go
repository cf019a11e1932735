package dashboard

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

// Compliance screens: DNC entries, the consent ledger and the gate's audit
// trail ("why was / wasn't this number called"). Everyone reads (numbers
// masked unless the role needs them); compliance and admin edit.

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (s *Server) handleDNCList(w http.ResponseWriter, r *http.Request, p *principal) {
	q := r.URL.Query()
	limit := int(queryInt(r, "limit", 500))
	if limit <= 0 || limit > 10000 {
		limit = 500
	}
	es, err := s.db.DNCEntryList(r.Context(), &store.DNCEntryListParams{List: q.Get("list"), Scope: q.Get("scope"), Phone: q.Get("phone"),
		WithRemoved: q.Get("removed") == "1", AfterID: queryInt(r, "after", 0), Limit: limit})
	if err != nil {
		s.storeError(w, err)
		return
	}
	if es == nil {
		es = []*store.DNCEntry{}
	}
	full := p.fullNumbers()
	for _, e := range es {
		e.Phone = mask(full, e.Phone)
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
}

type dncAddRequest struct {
	List   string   `json:"list"`
	Scope  string   `json:"scope"`
	Phones []string `json:"phones"`
	Reason string   `json:"reason"`
}

func (s *Server) handleDNCAdd(w http.ResponseWriter, r *http.Request, p *principal) {
	var req dncAddRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	for _, ph := range req.Phones {
		if !e164.MatchString(ph) {
			writeError(w, http.StatusBadRequest, "phone %q: want E.164 (+14155550101)", ph)
			return
		}
	}
	if req.Reason == "" {
		writeError(w, http.StatusBadRequest, "a reason is required")
		return
	}
	n, err := s.db.DNCEntryAdd(r.Context(), &store.DNCEntryAddParams{List: orDefault(req.List, "internal"), Scope: req.Scope,
		Phones: req.Phones, By: p.User.Name, Reason: req.Reason, Source: "api", Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"added": n})
}

type dncRemoveRequest struct {
	List   string `json:"list"`
	Scope  string `json:"scope"`
	Phone  string `json:"phone"`
	Reason string `json:"reason"`
}

func (s *Server) handleDNCRemove(w http.ResponseWriter, r *http.Request, p *principal) {
	var req dncRemoveRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Reason == "" {
		writeError(w, http.StatusBadRequest, "a reason is required")
		return
	}
	if err := s.db.DNCEntryRemove(r.Context(), &store.DNCEntryRemoveParams{List: orDefault(req.List, "internal"), Scope: req.Scope,
		Phone: req.Phone, By: p.User.Name, Reason: req.Reason, Now: s.opts.Now()}); err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"removed": true})
}

// handleConsentList lists a number's consents (phone given), or else the newest records,
// a page at a time (limit, default 50; before: the next page starts below this id).
func (s *Server) handleConsentList(w http.ResponseWriter, r *http.Request, p *principal) {
	q := r.URL.Query()
	var cs []*store.Consent
	var err error
	var next int64
	if q.Get("phone") != "" {
		cs, err = s.db.ConsentList(r.Context(), &store.ConsentListParams{Phone: q.Get("phone"), Seller: q.Get("seller")})
	} else {
		limit := int(queryInt(r, "limit", 50))
		if limit <= 0 || limit > 500 {
			writeError(w, http.StatusBadRequest, "limit %d: want 1 to 500", limit)
			return
		}
		cs, err = s.db.ConsentRecent(r.Context(), &store.ConsentRecentParams{Seller: q.Get("seller"), BeforeID: queryInt(r, "before", 0), Limit: limit + 1})
		if err == nil && len(cs) > limit {
			cs = cs[:limit]
			next = cs[limit-1].ID
		}
	}
	if err != nil {
		s.storeError(w, err)
		return
	}
	if cs == nil {
		cs = []*store.Consent{}
	}
	if !p.fullNumbers() {
		for _, c := range cs {
			c.Phone, c.EvidenceIP, c.EvidenceText = mask(false, c.Phone), "", ""
		}
	}
	out := map[string]any{"consents": cs}
	if next > 0 {
		out["next_before"] = next
	}
	writeJSON(w, http.StatusOK, out)
}

// consentAddRequest is POST /api/consent: a consent as compliance.ConsentIntake reads it,
// with the number as "phone". The record hash is the ledger's seal of the content: a
// request that names one is refused, as are ids and revocation fields (unknown fields).
type consentAddRequest struct {
	Phone             string   `json:"phone"`
	Seller            string   `json:"seller"`
	Kind              string   `json:"kind"`
	Scope             []string `json:"scope"`
	ArtificialVoice   bool     `json:"artificial_voice"`
	Source            string   `json:"source"`
	EvidenceText      string   `json:"evidence_text"`
	EvidenceIP        string   `json:"evidence_ip"`
	EvidenceRecording string   `json:"evidence_recording"`
	GivenAt           string   `json:"given_at"`
	ExpiresAt         string   `json:"expires_at"`
	RecordHash        *string  `json:"record_hash"`
}

func (s *Server) handleConsentAdd(w http.ResponseWriter, r *http.Request, p *principal) {
	var req consentAddRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.RecordHash != nil {
		writeError(w, http.StatusBadRequest, "field record_hash: computed by the server from the record's content; leave it out")
		return
	}
	in := compliance.ConsentInput{Number: req.Phone, Seller: req.Seller, Kind: req.Kind, Scope: req.Scope,
		ArtificialVoice: req.ArtificialVoice, Source: orDefault(req.Source, "api"), EvidenceText: req.EvidenceText,
		EvidenceIP: req.EvidenceIP, EvidenceRecording: req.EvidenceRecording, GivenAt: req.GivenAt, ExpiresAt: req.ExpiresAt}
	c, err := compliance.ConsentIntake(&in, p.User.Name, s.opts.Now())
	if err != nil {
		var fe *compliance.ConsentFieldError
		if errors.As(err, &fe) && fe.Field == "number" {
			fe.Field = "phone"
		}
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	ids, err := s.db.ConsentAdd(r.Context(), &store.ConsentAddParams{Consents: []store.Consent{c}, Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	c.ID = ids[0]
	writeJSON(w, http.StatusCreated, map[string]any{"ids": ids, "consent_id": compliance.ConsentID(&c), "record_hash": c.RecordHash})
}

type consentRevokeRequest struct {
	Phone  string `json:"phone"`
	Seller string `json:"seller"`
}

func (s *Server) handleConsentRevoke(w http.ResponseWriter, r *http.Request, p *principal) {
	var req consentRevokeRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	n, err := s.db.ConsentRevoke(r.Context(), &store.ConsentRevokeParams{Phone: req.Phone, Seller: req.Seller, Via: "api", By: p.User.Name, At: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"revoked": n})
}

// auditDoc is one gate decision of the audit trail.
type auditDoc struct {
	Seq       int64  `json:"seq"`
	DecidedAt string `json:"decided_at"`
	Phone     string `json:"phone"`
	Campaign  string `json:"campaign"`
	// CampaignName is the campaign's name ("" when the id is no campaign of the store).
	CampaignName string `json:"campaign_name"`
	// Stage is when the gate was asked: lease (before a contact is leased for dialling)
	// or invite (right before the INVITE); "" for decisions made outside a campaign.
	Stage     string          `json:"stage"`
	Decision  string          `json:"decision"`
	ConsentID string          `json:"consent_id,omitempty"`
	Record    json.RawMessage `json:"record"`
	Hash      string          `json:"hash"`
}

// handleAudit answers "why was / wasn't this number called": the gate's
// decisions, newest first, for a number (or all).
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, p *principal) {
	limit := int(queryInt(r, "limit", 100))
	if limit <= 0 || limit > 10000 {
		limit = 100
	}
	rows, err := s.db.AuditList(r.Context(), &store.AuditListParams{Phone: r.URL.Query().Get("phone"), Limit: limit, Desc: true})
	if err != nil {
		s.storeError(w, err)
		return
	}
	names := map[string]string{}
	if cs, err := s.db.CampaignList(r.Context(), &store.CampaignListParams{}); err == nil {
		for _, c := range cs {
			names[strconv.FormatInt(c.ID, 10)] = c.Name
		}
	}
	full := p.fullNumbers()
	out := make([]auditDoc, 0, len(rows))
	for _, a := range rows {
		rec := json.RawMessage(a.Record)
		if !json.Valid(rec) {
			rec, _ = json.Marshal(a.Record)
		}
		if !full {
			rec = newRedactor(nil).json(rec)
		}
		out = append(out, auditDoc{Seq: a.Seq, DecidedAt: a.DecidedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Phone: mask(full, a.Phone),
			Campaign: a.Campaign, CampaignName: names[a.Campaign], Stage: auditStage(rec), Decision: a.Decision, ConsentID: a.ConsentID, Record: rec, Hash: a.Hash})
	}
	writeJSON(w, http.StatusOK, map[string]any{"decisions": out})
}

// auditStage reads the gate stage from a record's attempt id: the campaign runner names
// its attempts c<contact>-n<try>-<stage> (campaign.ComplianceGate).
func auditStage(rec json.RawMessage) string {
	var r struct {
		AttemptID string `json:"attempt_id"`
	}
	if json.Unmarshal(rec, &r) != nil {
		return ""
	}
	i := strings.LastIndexByte(r.AttemptID, '-')
	if i < 0 || !strings.HasPrefix(r.AttemptID, "c") {
		return ""
	}
	switch st := r.AttemptID[i+1:]; st {
	case "lease", "invite":
		return st
	}
	return ""
}
