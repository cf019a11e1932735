package dashboard

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/store"
)

// campaignDoc is a campaign as the API shows it: the script by name and version (never
// the server's path to it) and the trunk without credentials.
type campaignDoc struct {
	*store.Campaign
	Script        string               `json:"script"`
	ScriptVersion int                  `json:"script_version,omitempty"`
	Trunk         string               `json:"trunk"`
	OwnerID       int64                `json:"owner_id,omitempty"`
	CanManage     bool                 `json:"can_manage"`
	Stats         *store.CampaignStats `json:"stats,omitempty"`
	Run           *campaignRun         `json:"run,omitempty"` // a recurring campaign's next (or current) run
	// GateSummary: why the compliance gate blocked contacts, in words (GET one campaign).
	GateSummary *campaign.GateSummary `json:"gate_summary,omitempty"`
	// Figures are the key figures over every day (the campaign list; from the counters).
	Figures *figures `json:"figures,omitempty"`
}

// newCampaignDoc shows c to p; b is its script binding (nil: none).
func newCampaignDoc(p *principal, c *store.Campaign, owner int64, b *store.CampaignScript) campaignDoc {
	d := campaignDoc{Campaign: c, OwnerID: owner, CanManage: canManage(p, owner), Trunk: redactTrunk(c.Trunk, seesFull(p, owner))}
	switch {
	case b != nil:
		d.Script, d.ScriptVersion = b.Name, b.Version
	case c.Script == "" || strings.HasPrefix(c.Script, "asset:"):
		d.Script = c.Script
	default:
		d.Script = filepath.Base(c.Script) // a file given on the command line: its name only
	}
	return d
}

// binding is the campaign's script binding (nil: none).
func (s *Server) binding(r *http.Request, id int64) (*store.CampaignScript, error) {
	bs, err := s.db.CampaignScriptList(r.Context())
	if err != nil {
		return nil, err
	}
	return bs[id], nil
}

// redactTrunk shows a trunk: a configured trunk's name as it is; a SIP URI never with its
// password, and without its user part for roles that see masked numbers.
func redactTrunk(trunk string, full bool) string {
	scheme := ""
	for _, sc := range []string{"sip:", "sips:"} {
		if len(trunk) >= len(sc) && strings.EqualFold(trunk[:len(sc)], sc) {
			scheme = trunk[:len(sc)]
		}
	}
	if scheme == "" {
		return trunk
	}
	rest := trunk[len(scheme):]
	end := strings.IndexAny(rest, ";?")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return trunk
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	switch {
	case !full:
		user = "***"
	case hasPassword:
		user += ":***"
	}
	return scheme + user + rest[at:]
}

func (s *Server) owner(r *http.Request, id int64) (int64, error) {
	owners, err := s.db.CampaignOwnerList(r.Context())
	if err != nil {
		return 0, err
	}
	return owners[id], nil
}

// canManage: admin manages every campaign, marketing and collections their own.
func canManage(p *principal, ownerID int64) bool {
	if p.User.Role == store.RoleAdmin {
		return true
	}
	return ownerID != 0 && ownerID == p.User.ID && (p.User.Role == store.RoleMarketing || p.User.Role == store.RoleCollections)
}

// seesFull: full numbers and recordings for admin and compliance, and for
// owners on their own campaigns.
func seesFull(p *principal, ownerID int64) bool {
	return p.fullNumbers() || (ownerID != 0 && ownerID == p.User.ID && p.User.Role != store.RoleManager)
}

func mask(full bool, phone string) string {
	if full {
		return phone
	}
	return dialer.MaskNumber(phone)
}

func (s *Server) handleCampaignList(w http.ResponseWriter, r *http.Request, p *principal) {
	var states []string
	if st := r.URL.Query().Get("state"); st != "" {
		states = strings.Split(st, ",")
	}
	archived := store.ArchivedHide // ?archived=1: the archived ones only; all: both
	switch r.URL.Query().Get("archived") {
	case "1", "true", "only":
		archived = store.ArchivedOnly
	case "all":
		archived = store.ArchivedAll
	}
	cs, err := s.db.CampaignList(r.Context(), &store.CampaignListParams{States: states, Archived: archived})
	if err != nil {
		s.storeError(w, err)
		return
	}
	owners, err := s.db.CampaignOwnerList(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	bindings, err := s.db.CampaignScriptList(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	counts, err := s.db.CampaignCounters(r.Context(), &store.CountersParams{})
	if err != nil {
		s.storeError(w, err)
		return
	}
	contacts, err := s.db.CampaignContactCounts(r.Context(), nil)
	if err != nil {
		s.storeError(w, err)
		return
	}
	out := make([]campaignDoc, 0, len(cs))
	for _, c := range cs {
		d := newCampaignDoc(p, c, owners[c.ID], bindings[c.ID])
		d.Run = runOf(c, s.opts.Now())
		f := newFigures(counts[c.ID], contacts[c.ID])
		d.Figures = &f
		out = append(out, d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": out})
}

// campaignCreateRequest is POST /api/campaigns.
type campaignCreateRequest struct {
	Name          string               `json:"name"`
	Script        string               `json:"script"`         // an uploaded script, or asset:NAME
	ScriptVersion int                  `json:"script_version"` // 0: the newest
	Trunk         string               `json:"trunk"`
	CallerIDs     []string             `json:"caller_ids"`
	Region        string               `json:"region"`
	TimeZone      string               `json:"time_zone"`
	Purpose       string               `json:"purpose"`
	Seller        string               `json:"seller"`
	MaxAttempts   int                  `json:"max_attempts"`
	MaxConcurrent int                  `json:"max_concurrent"`
	Schedule      campaign.Schedule    `json:"schedule"`
	Retry         campaign.RetryPolicy `json:"retry"`
	Requires      []string             `json:"requires"`
	// Pacing is one_to_one (default) or predictive; Pace its options (agents for
	// transfers, abandonment target and message, max dial ratio).
	Pacing string               `json:"pacing"`
	Pace   campaign.PaceOptions `json:"pace"`
}

func (s *Server) handleCampaignCreate(w http.ResponseWriter, r *http.Request, p *principal) {
	var req campaignCreateRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	script, err := s.resolveScript(r.Context(), req.Script, req.ScriptVersion)
	if err != nil {
		writeError(w, http.StatusBadRequest, "script: %v", err)
		return
	}
	if !s.checkAgentsURL(w, req.Pace) {
		return
	}
	c, err := campaign.Create(r.Context(), s.db, campaign.CreateParams{Name: req.Name, Script: script.path, Trunk: req.Trunk,
		CallerIDs: req.CallerIDs, Region: req.Region, TimeZone: req.TimeZone, Purpose: req.Purpose, Seller: req.Seller,
		MaxAttempts: req.MaxAttempts, MaxConcurrent: req.MaxConcurrent, Schedule: req.Schedule, Retry: req.Retry,
		Requires: req.Requires, Pacing: req.Pacing, Pace: req.Pace, Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	if err := s.db.CampaignOwnerSet(r.Context(), &store.CampaignOwnerSetParams{CampaignID: c.ID, UserID: p.User.ID}); err != nil {
		s.storeError(w, err)
		return
	}
	var b *store.CampaignScript
	if v := script.version; v != nil {
		if err := s.db.CampaignScriptSet(r.Context(), &store.CampaignScriptSetParams{CampaignID: c.ID, Name: v.Name, Version: v.Version,
			Path: script.path, By: p.User.Name, Now: s.opts.Now()}); err != nil {
			s.storeError(w, err)
			return
		}
		b = &store.CampaignScript{CampaignID: c.ID, Name: v.Name, Version: v.Version}
	}
	writeJSON(w, http.StatusCreated, newCampaignDoc(p, c, p.User.ID, b))
}

// campaignScriptRequest is PUT /api/campaigns/{id}/script.
type campaignScriptRequest struct {
	Script  string `json:"script"`
	Version int    `json:"version"` // 0: the newest
}

// handleCampaignScript binds a campaign to another script or version (its owner or an
// admin only); every node's runner loads it at its next look at the campaign. The
// required contact fields follow the script's.
func (s *Server) handleCampaignScript(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok || s.forbidUnlessManager(w, p, c, owner) || s.refuseArchived(w, c) {
		return
	}
	var req campaignScriptRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Script == "" || strings.HasPrefix(req.Script, "asset:") {
		writeError(w, http.StatusBadRequest, "script: name an uploaded script")
		return
	}
	script, err := s.resolveScript(r.Context(), req.Script, req.Version)
	if err != nil {
		writeError(w, http.StatusBadRequest, "script: %v", err)
		return
	}
	requires, err := campaign.ScriptRequires(script.path)
	if err != nil {
		writeError(w, http.StatusBadRequest, "script: %v", err)
		return
	}
	if requires == nil {
		requires = []string{}
	}
	v := script.version
	if err := s.db.CampaignScriptSet(r.Context(), &store.CampaignScriptSetParams{CampaignID: c.ID, Name: v.Name, Version: v.Version,
		Path: script.path, Requires: requires, By: p.User.Name, Now: s.opts.Now()}); err != nil {
		s.storeError(w, err)
		return
	}
	_ = s.db.CallEventAppend(r.Context(), &store.CallEventAppendParams{CampaignID: c.ID, Type: "campaign_script",
		Data: map[string]any{"by": p.User.Name, "script": v.Name, "version": v.Version, "sha256": v.SHA256}, At: s.opts.Now()})
	nc, err := s.db.CampaignGet(r.Context(), &store.CampaignGetParams{ID: c.ID})
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, newCampaignDoc(p, nc, owner, &store.CampaignScript{CampaignID: c.ID, Name: v.Name, Version: v.Version}))
}

// loadCampaign reads the {id} campaign and its owner.
func (s *Server) loadCampaign(w http.ResponseWriter, r *http.Request) (*store.Campaign, int64, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return nil, 0, false
	}
	c, err := s.db.CampaignGet(r.Context(), &store.CampaignGetParams{ID: id})
	if err != nil {
		s.storeError(w, err)
		return nil, 0, false
	}
	owner, err := s.owner(r, id)
	if err != nil {
		s.storeError(w, err)
		return nil, 0, false
	}
	return c, owner, true
}

func (s *Server) handleCampaignGet(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	st, err := s.db.CampaignStatsGet(r.Context(), &store.CampaignGetParams{ID: c.ID})
	if err != nil {
		s.storeError(w, err)
		return
	}
	b, err := s.binding(r, c.ID)
	if err != nil {
		s.storeError(w, err)
		return
	}
	d := newCampaignDoc(p, c, owner, b)
	d.Stats = st
	d.Run = runOf(c, s.opts.Now())
	if d.GateSummary, err = campaign.LoadGateSummary(r.Context(), s.db, c, st); err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) forbidUnlessManager(w http.ResponseWriter, p *principal, c *store.Campaign, owner int64) bool {
	if canManage(p, owner) {
		return false
	}
	writeError(w, http.StatusForbidden, "campaign %q is not yours to change (role %s)", c.Name, p.User.Role)
	return true
}

// refuseArchived answers 409 for an archived (read-only) campaign.
func (s *Server) refuseArchived(w http.ResponseWriter, c *store.Campaign) bool {
	if err := campaign.Writable(c); err != nil {
		s.storeError(w, err)
		return true
	}
	return false
}

// handleContactsUpload imports a CSV (the raw body as text/csv, or the
// "file" part of multipart/form-data) and answers with the row-level report.
func (s *Server) handleContactsUpload(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok || s.forbidUnlessManager(w, p, c, owner) {
		return
	}
	// A large file over a slow link may take longer than the server's ReadTimeout.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.opts.UploadTimeout))
	r.Body = http.MaxBytesReader(w, r.Body, 1<<30)
	var body io.Reader = r.Body
	name := r.URL.Query().Get("file")
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			writeError(w, http.StatusBadRequest, "multipart: %v", err)
			return
		}
		for {
			part, err := mr.NextPart()
			if err != nil {
				writeError(w, http.StatusBadRequest, "multipart: no \"file\" part")
				return
			}
			if part.FormName() == "file" {
				body = part
				if name == "" {
					name = part.FileName()
				}
				break
			}
		}
	}
	if name == "" {
		name = "upload.csv"
	}
	name = filepath.Base(name)
	maxErrors := int(queryInt(r, "max_errors", 1000))
	job, err := s.db.ImportJobCreate(r.Context(), &store.ImportJob{CampaignID: c.ID, File: name, BytesTotal: max(r.ContentLength, 0),
		CreatedBy: p.User.Name, StartedAt: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.imports.start(job)
	w.Header().Set("X-Voxdial-Import-Job", strconv.FormatInt(job.ID, 10))
	rep, err := campaign.Import(r.Context(), s.db, body, campaign.ImportOptions{Campaign: c, File: name, MaxErrors: maxErrors, Now: s.opts.Now(),
		Progress: func(pr campaign.ImportProgress) { s.imports.progress(job.ID, pr) }})
	s.finishImport(r, job, rep, err)
	var fe *campaign.FileError
	if errors.As(err, &fe) {
		writeJSON(w, http.StatusBadRequest, &campaign.ImportReport{Campaign: c.Name, File: name, Errors: []campaign.ImportError{fe.ImportError}})
		return
	}
	if err != nil {
		s.storeError(w, err)
		return
	}
	if rep.Errors == nil {
		rep.Errors = []campaign.ImportError{}
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) handleCampaignVerb(w http.ResponseWriter, r *http.Request, p *principal) {
	verb := r.PathValue("verb")
	if !slices.Contains(campaign.Verbs, verb) {
		writeError(w, http.StatusNotFound, "no such action %q (want %s)", verb, strings.Join(campaign.Verbs, ", "))
		return
	}
	c, owner, ok := s.loadCampaign(w, r)
	if !ok || s.forbidUnlessManager(w, p, c, owner) {
		return
	}
	nc, closed, err := campaign.Transition(r.Context(), s.db, c.ID, verb, s.opts.Now())
	if err != nil {
		s.storeError(w, err)
		return
	}
	_ = s.db.CallEventAppend(r.Context(), &store.CallEventAppendParams{CampaignID: c.ID, Type: "campaign_" + verb,
		Data: map[string]any{"by": p.User.Name, "state": nc.State}, At: s.opts.Now()})
	b, _ := s.binding(r, c.ID)
	writeJSON(w, http.StatusOK, map[string]any{"campaign": newCampaignDoc(p, nc, owner, b), "contacts_closed": closed})
}

// campaignPaceRequest is PUT /api/campaigns/{id}/pace: the pacing options replace the
// campaign's; an empty pacing keeps the mode.
type campaignPaceRequest struct {
	Pacing string               `json:"pacing"`
	Pace   campaign.PaceOptions `json:"pace"`
}

// checkAgentsURL refuses an agent queue URL whose host is an address the
// runner may not reach (a name is checked again, resolved, on every poll).
func (s *Server) checkAgentsURL(w http.ResponseWriter, o campaign.PaceOptions) bool {
	if o.AgentsURL == "" {
		return true
	}
	if err := s.opts.Outbound.CheckURL(o.AgentsURL); err != nil {
		writeError(w, http.StatusBadRequest, "pace: agents url: %v", err)
		return false
	}
	return true
}

// handleCampaignPace changes a campaign's pacing in any state; every node's runner follows
// at its next look at the campaign.
func (s *Server) handleCampaignPace(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok || s.forbidUnlessManager(w, p, c, owner) || s.refuseArchived(w, c) {
		return
	}
	var req campaignPaceRequest
	if !decodeJSON(w, r, &req) || !s.checkAgentsURL(w, req.Pace) {
		return
	}
	if err := campaign.SetPace(r.Context(), s.db, c.ID, req.Pacing, req.Pace, s.opts.Now()); err != nil {
		s.storeError(w, err)
		return
	}
	nc, err := s.db.CampaignGet(r.Context(), &store.CampaignGetParams{ID: c.ID})
	if err != nil {
		s.storeError(w, err)
		return
	}
	pr, err := campaign.LoadPacing(r.Context(), s.db, nc, s.opts.Now())
	if err != nil {
		s.storeError(w, err)
		return
	}
	_ = s.db.CallEventAppend(r.Context(), &store.CallEventAppendParams{CampaignID: c.ID, Type: "campaign_pace",
		Data: map[string]any{"by": p.User.Name, "pacing": nc.Pacing, "pace": pr.Options}, At: s.opts.Now()})
	b, _ := s.binding(r, c.ID)
	writeJSON(w, http.StatusOK, map[string]any{"campaign": newCampaignDoc(p, nc, owner, b), "pacing": pr})
}

// handleCampaignResults is the per-disposition results; ?contacts=1 adds a row per
// contact (every one: the dashboard pages through /contacts instead), ?format=csv
// streams the export (handleResultsCSV).
func (s *Server) handleCampaignResults(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if q.Get("format") == "csv" {
		s.handleResultsCSV(w, r, p, c, owner)
		return
	}
	rows := q.Get("contacts") == "1" || q.Get("contacts") == "true"
	res, err := campaign.LoadResults(r.Context(), s.db, c, rows, s.opts.Now())
	if err != nil {
		s.storeError(w, err)
		return
	}
	full := seesFull(p, owner)
	for i := range res.Rows {
		res.Rows[i].Phone = mask(full, res.Rows[i].Phone)
	}
	writeJSON(w, http.StatusOK, res)
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
