package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Import job states.
const (
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// ImportJob is a contact upload from the dashboard (a row of import_jobs). Its
// progress while it runs is kept by the node that runs it; the row has the start
// and the end.
type ImportJob struct {
	ID         int64           `json:"id"`
	CampaignID int64           `json:"campaign_id"`
	File       string          `json:"file"`
	State      string          `json:"state"`
	BytesTotal int64           `json:"bytes_total"` // the upload's size when known, else 0
	BytesRead  int64           `json:"bytes_read"`
	RowsRead   int             `json:"rows_read"`
	Imported   int             `json:"imported"`
	Duplicates int             `json:"duplicates"`
	Rejected   int             `json:"rejected"`
	Report     json.RawMessage `json:"report,omitempty"` // the import report once done
	Error      string          `json:"error,omitempty"`
	CreatedBy  string          `json:"created_by"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
}

const importJobCols = `id, campaign_id, file, state, bytes_total, bytes_read, rows_read, imported, duplicates, rejected,
	report, error, created_by, started_at, finished_at`

func scanImportJob(row interface{ Scan(...any) error }) (*ImportJob, error) {
	var j ImportJob
	var report string
	err := row.Scan(&j.ID, &j.CampaignID, &j.File, &j.State, &j.BytesTotal, &j.BytesRead, &j.RowsRead, &j.Imported,
		&j.Duplicates, &j.Rejected, nullStr{&report}, &j.Error, &j.CreatedBy, timeCol{&j.StartedAt}, timeCol{&j.FinishedAt})
	if err != nil {
		return nil, translate(err)
	}
	if report != "" && report != "{}" {
		j.Report = json.RawMessage(report)
	}
	return &j, nil
}

// ImportJobCreate records a running import.
func (db *DB) ImportJobCreate(ctx context.Context, j *ImportJob) (*ImportJob, error) {
	out, err := scanImportJob(db.sql.QueryRowContext(ctx, db.q(`INSERT INTO import_jobs (campaign_id, file, state, bytes_total,
		created_by, started_at) VALUES (?, ?, 'running', ?, ?, ?) RETURNING `+importJobCols),
		j.CampaignID, j.File, j.BytesTotal, j.CreatedBy, db.ts(nowOr(j.StartedAt))))
	if err != nil {
		return nil, fmt.Errorf("create import job: %w", err)
	}
	return out, nil
}

// ImportJobFinish records the end of a job: its state, counts, report or error.
func (db *DB) ImportJobFinish(ctx context.Context, j *ImportJob) error {
	report, err := jsonDoc(j.Report, "{}")
	if err != nil {
		return fmt.Errorf("finish import job %d: report: %w", j.ID, err)
	}
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE import_jobs SET state = ?, bytes_read = ?, rows_read = ?, imported = ?,
		duplicates = ?, rejected = ?, report = ?, error = ?, finished_at = ? WHERE id = ?`),
		j.State, j.BytesRead, j.RowsRead, j.Imported, j.Duplicates, j.Rejected, report, j.Error, db.ts(nowOr(j.FinishedAt)), j.ID)
	if err != nil {
		return fmt.Errorf("finish import job %d: %w", j.ID, translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("finish import job %d: %w", j.ID, ErrNotFound)
	}
	return nil
}

// ImportJobGet reads one job.
func (db *DB) ImportJobGet(ctx context.Context, id int64) (*ImportJob, error) {
	j, err := scanImportJob(db.sql.QueryRowContext(ctx, db.q(`SELECT `+importJobCols+` FROM import_jobs WHERE id = ?`), id))
	if err != nil {
		return nil, fmt.Errorf("import job %d: %w", id, err)
	}
	return j, nil
}

// ImportJobList returns a campaign's jobs, newest first.
func (db *DB) ImportJobList(ctx context.Context, campaignID int64, limit int) ([]*ImportJob, error) {
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT `+importJobCols+` FROM import_jobs WHERE campaign_id = ?
		ORDER BY id DESC LIMIT ?`), campaignID, limit)
	if err != nil {
		return nil, fmt.Errorf("import jobs of campaign %d: %w", campaignID, translate(err))
	}
	defer rows.Close()
	out := []*ImportJob{}
	for rows.Next() {
		j, err := scanImportJob(rows)
		if err != nil {
			return nil, fmt.Errorf("import jobs of campaign %d: %w", campaignID, err)
		}
		out = append(out, j)
	}
	return out, translate(rows.Err())
}
