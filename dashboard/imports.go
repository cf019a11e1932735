package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/store"
	"go.uber.org/zap"
)

// Contact uploads are import jobs: the upload request runs the import (it streams the
// body into the store) and records a job row at its start and its end; while it runs,
// this node keeps its progress in memory (bytes read, rows read, rows rejected so far),
// and GET /api/campaigns/{id}/imports and /api/imports/{id} show it. A page left and
// opened again finds the job there. Another node sees the row ("running") without the
// live counts; a job whose node died stays "running" until it is older than the
// upload timeout, then shows as failed ("interrupted").

// importProgress is this node's running jobs.
type importProgress struct {
	mu      sync.Mutex
	running map[int64]*store.ImportJob
}

func (ip *importProgress) start(j *store.ImportJob) {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	cp := *j
	ip.running[j.ID] = &cp
}

func (ip *importProgress) progress(id int64, pr campaign.ImportProgress) {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	if j := ip.running[id]; j != nil {
		j.BytesRead, j.RowsRead, j.Rejected = pr.Bytes, pr.Rows, pr.Rejected
	}
}

func (ip *importProgress) stop(id int64) {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	delete(ip.running, id)
}

// live overlays this node's progress on a job row.
func (ip *importProgress) live(j *store.ImportJob) *store.ImportJob {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	if r := ip.running[j.ID]; r != nil && j.State == store.ImportRunning {
		j.BytesRead, j.RowsRead, j.Rejected = r.BytesRead, r.RowsRead, r.Rejected
	}
	return j
}

// finishImport records the end of an upload's job (in its own context: a cancelled
// request still closes its job).
func (s *Server) finishImport(r *http.Request, job *store.ImportJob, rep *campaign.ImportReport, err error) {
	defer s.imports.stop(job.ID)
	job.FinishedAt = s.opts.Now()
	s.imports.mu.Lock()
	if cur := s.imports.running[job.ID]; cur != nil {
		job.BytesRead, job.RowsRead, job.Rejected = cur.BytesRead, cur.RowsRead, cur.Rejected
	}
	s.imports.mu.Unlock()
	switch {
	case err != nil:
		job.State, job.Error = store.ImportFailed, err.Error()
		if r.Context().Err() != nil {
			job.Error = "the upload was interrupted: nothing was imported"
		}
	default:
		job.State = store.ImportDone
		job.RowsRead, job.Imported, job.Duplicates, job.Rejected = rep.Rows, rep.Imported, rep.Duplicates, rep.Rejected
		summary := *rep
		if len(summary.Errors) > 100 {
			summary.ErrorsOmitted += len(summary.Errors) - 100
			summary.Errors = summary.Errors[:100]
		}
		job.Report, _ = json.Marshal(summary)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	if ferr := s.db.ImportJobFinish(ctx, job); ferr != nil {
		s.log.Warn("import job: record the end", zap.Error(ferr))
	}
}

// jobDoc is a job as the API shows it: with this node's live counts, and a job left
// running by a node that died shown as failed.
func (s *Server) jobDoc(j *store.ImportJob) *store.ImportJob {
	j = s.imports.live(j)
	if j.State == store.ImportRunning && s.opts.Now().Sub(j.StartedAt) > s.opts.UploadTimeout {
		s.imports.mu.Lock()
		_, here := s.imports.running[j.ID]
		s.imports.mu.Unlock()
		if !here {
			j.State, j.Error = store.ImportFailed, "interrupted: the node that ran it stopped"
		}
	}
	return j
}

// handleImportList is GET /api/campaigns/{id}/imports: the campaign's latest uploads.
func (s *Server) handleImportList(w http.ResponseWriter, r *http.Request, p *principal) {
	c, _, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	_, limit, ok := pageBounds(w, r, 5, 100)
	if !ok {
		return
	}
	jobs, err := s.db.ImportJobList(r.Context(), c.ID, limit)
	if err != nil {
		s.storeError(w, err)
		return
	}
	for i, j := range jobs {
		jobs[i] = s.jobDoc(j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"imports": jobs})
}

// handleImportGet is GET /api/imports/{id}.
func (s *Server) handleImportGet(w http.ResponseWriter, r *http.Request, p *principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	j, err := s.db.ImportJobGet(r.Context(), id)
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.jobDoc(j))
}
