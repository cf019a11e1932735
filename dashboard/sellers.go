package dashboard

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

// Sellers and registry copies: what `voxdial compliance seller` and `voxdial dnc import`
// do on the command line, for compliance and admin in the dashboard. Everyone reads.

var sellerID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func (s *Server) handleSellerList(w http.ResponseWriter, r *http.Request, p *principal) {
	ss, err := s.db.SellerList(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sellers": ss})
}

// sellerPutRequest is PUT /api/sellers/{id}: the seller's settings, replaced whole.
type sellerPutRequest struct {
	Name                string   `json:"name"`
	CallerIDs           []string `json:"caller_ids"`
	PlatformSuppression bool     `json:"platform_suppression"`
}

func (s *Server) handleSellerPut(w http.ResponseWriter, r *http.Request, p *principal) {
	id := r.PathValue("id")
	if !sellerID.MatchString(id) {
		writeError(w, http.StatusBadRequest, "seller id %q: want letters, digits, '.', '_' or '-' (at most 64)", id)
		return
	}
	var req sellerPutRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if len(req.CallerIDs) == 0 {
		writeError(w, http.StatusBadRequest, "caller_ids: at least one caller ID is required")
		return
	}
	seen := map[string]bool{}
	ids := make([]string, 0, len(req.CallerIDs))
	for i, c := range req.CallerIDs {
		c = strings.TrimSpace(c)
		if !e164.MatchString(c) {
			writeError(w, http.StatusBadRequest, "caller_ids[%d] %q: want E.164 (+12125550000)", i, c)
			return
		}
		if !seen[c] {
			seen[c] = true
			ids = append(ids, c)
		}
	}
	if len(req.Name) > 200 {
		writeError(w, http.StatusBadRequest, "name: at most 200 characters")
		return
	}
	_, err := s.db.SellerGet(r.Context(), &store.SellerGetParams{ID: id})
	isNew := errors.Is(err, store.ErrNotFound)
	if err != nil && !isNew {
		s.storeError(w, err)
		return
	}
	sl, err := s.db.SellerPut(r.Context(), &store.SellerPutParams{ID: id, Name: req.Name, CallerIDs: ids,
		PlatformSuppression: req.PlatformSuppression, Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.audit(r, p, "seller_put", id, map[string]any{"caller_ids": ids, "platform_suppression": req.PlatformSuppression})
	code := http.StatusOK
	if isNew {
		code = http.StatusCreated
	}
	writeJSON(w, code, sl)
}

// registryRule is the freshness rule of a registry list: the rule id the gate holds
// calls under and the most days a copy may be old.
type registryRule struct {
	MaxAgeDays int    `json:"max_age_days"`
	Rule       string `json:"rule"`
	Source     string `json:"source"`
}

// registryRules are the gate's freshness rules (compliance.DefaultRulePacks); a list
// without one is not checked for age.
func registryRules() map[string]registryRule {
	p := compliance.DefaultRulePacks()
	return map[string]registryRule{
		"national": {MaxAgeDays: p.US.NationalMaxAgeDays, Rule: "DNC_SNAPSHOT_STALE", Source: "TSR 16 CFR 310.4(b)(3)(iv)"},
		"tps":      {MaxAgeDays: p.UK.TPSMaxAgeDays, Rule: "DNC_SNAPSHOT_STALE", Source: "PECR reg 21 (TPS listings take 28 days)"},
	}
}

// registryDoc is a registry copy with its age, as of the server's clock.
type registryDoc struct {
	*store.DNCSnapshot
	Missing bool          `json:"missing"` // no copy was ever imported
	AgeDays int           `json:"age_days"`
	Stale   bool          `json:"stale"`
	Rule    *registryRule `json:"rule,omitempty"`
}

func (s *Server) handleRegistryList(w http.ResponseWriter, r *http.Request, p *principal) {
	snaps, err := s.db.DNCSnapshotCurrent(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"copies": registryDocs(snaps, s.opts.Now())})
}

// registryDocs dates the copies by calendar day in UTC, as the gate does; a list with a
// freshness rule and no copy is listed as missing (the gate holds its calls).
func registryDocs(snaps []*store.DNCSnapshot, now time.Time) []registryDoc {
	rules := registryRules()
	today := now.UTC().Truncate(24 * time.Hour)
	out := []registryDoc{}
	have := map[string]bool{}
	for _, sn := range snaps {
		d := registryDoc{DNCSnapshot: sn}
		if rl, ok := rules[sn.List]; ok {
			d.Rule = &rl
		}
		if asOf, err := time.Parse(time.DateOnly, sn.AsOf); err == nil {
			d.AgeDays = int(today.Sub(asOf) / (24 * time.Hour))
		}
		d.Stale = d.Rule != nil && d.AgeDays > d.Rule.MaxAgeDays
		have[sn.List] = true
		out = append(out, d)
	}
	for _, l := range []string{"national", "tps"} {
		if !have[l] {
			rl := rules[l]
			out = append(out, registryDoc{DNCSnapshot: &store.DNCSnapshot{List: l}, Missing: true, Stale: true, Rule: &rl})
		}
	}
	return out
}

// handleRegistryImport is POST /api/dnc/registry?list=national&as_of=YYYY-MM-DD
// [&region=US-TX][&file=NAME]: the body is the registry file, one number per line. It
// replaces the list's copy, as `voxdial dnc import` does; a bad line refuses the whole file.
func (s *Server) handleRegistryImport(w http.ResponseWriter, r *http.Request, p *principal) {
	q := r.URL.Query()
	l, ok := compliance.ParseList(q.Get("list"))
	if !ok || l == compliance.ListInternal {
		writeError(w, http.StatusBadRequest, "list %q: want national, state, tps or decline (internal lists: POST /api/dnc)", q.Get("list"))
		return
	}
	asOf := q.Get("as_of")
	day, err := time.Parse(time.DateOnly, asOf)
	if err != nil {
		writeError(w, http.StatusBadRequest, "as_of %q: want the registry copy's date, YYYY-MM-DD", asOf)
		return
	}
	if day.After(s.opts.Now().UTC().Add(24 * time.Hour)) {
		writeError(w, http.StatusBadRequest, "as_of %s is in the future", asOf)
		return
	}
	scope := ""
	if l == compliance.ListState {
		scope = q.Get("region")
		if len(scope) < 4 || scope[2] != '-' {
			writeError(w, http.StatusBadRequest, "region %q: a state list needs a region like US-TX", scope)
			return
		}
	}
	file := filepath.Base(orDefault(q.Get("file"), "upload.txt"))
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.opts.UploadTimeout))
	body := http.MaxBytesReader(w, r.Body, 2<<30)
	h := sha256.New()
	cr := &countReader{r: io.TeeReader(body, h)}
	start := time.Now()
	bm, n, err := compliance.ReadDNCNumbers(cr, file, l, nil)
	var ie *compliance.InputError
	if errors.As(err, &ie) {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, "file larger than %d bytes", mbe.Limit)
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "read %s: %v", file, err)
		return
	}
	if bm.GetCardinality() == 0 {
		writeError(w, http.StatusBadRequest, "%s: no numbers (an empty copy would clear the list)", file)
		return
	}
	data, err := compliance.EncodeSnapshot(bm)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	sn, err := s.db.DNCSnapshotPut(r.Context(), &store.DNCSnapshotPutParams{List: l.String(), Scope: scope, AsOf: asOf,
		Numbers: int64(bm.GetCardinality()), Source: file, SHA256: hex.EncodeToString(h.Sum(nil)), By: p.User.Name, Data: data, Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.audit(r, p, "registry_import", l.String()+optSuffix(scope), map[string]any{"as_of": asOf, "numbers": sn.Numbers, "file": file})
	docs := registryDocs([]*store.DNCSnapshot{sn}, s.opts.Now())
	writeJSON(w, http.StatusCreated, map[string]any{"copy": docs[0], "numbers_read": n, "bytes": cr.n,
		"seconds": time.Since(start).Seconds()})
}

func optSuffix(scope string) string {
	if scope == "" {
		return ""
	}
	return fmt.Sprintf(" %s", scope)
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
