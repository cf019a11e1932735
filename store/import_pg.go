package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Bounds of the direct path's memory (importFold): past either, the rest of
// the file goes through the staging table.
const (
	importFoldMaxEntries  = 4 << 20 // numbers + id hashes (≈ 40 MB at most)
	importFoldMaxDoubtful = 1 << 16 // rows held back for the database to decide
)

// contactImportPostgres imports in one transaction, under a per-campaign
// advisory lock (imports into one campaign take turns, so nothing else can
// conflict while this one decides what is a duplicate).
//
// A first import into an empty campaign COPYs rows straight into contacts,
// folding duplicates in process (importFold); rows it cannot decide alone,
// and whatever is left if its memory bound is reached, go on to the general
// path. The general path COPYs rows into a temporary staging table and
// moves them with one INSERT … SELECT that folds duplicates and anti-joins
// the campaign's contacts. Neither uses INSERT … ON CONFLICT: speculative
// insertion into two arbiter indexes cost about 40 % of the merge
// (BENCHMARKS.md, "Import").
func (db *DB) contactImportPostgres(ctx context.Context, p *ContactImportParams, now time.Time) (*ContactImportResult, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, translate(err)
	}
	defer conn.Close()
	res := &ContactImportResult{}
	at := now.UTC().Truncate(time.Millisecond)
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		res.ServerPID = pc.PgConn().PID()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return translate(err)
		}
		defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
		// The sort for the duplicate fold stays in memory with 64 MB; JIT
		// compiling the merge costs more than it saves on a million rows;
		// an import lost to a crash in the instant after its commit is
		// re-run (imports are idempotent), so its commit need not wait for
		// the WAL flush.
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL synchronous_commit = off`); err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, importLockClass, int32(p.CampaignID)); err != nil {
			return translate(err)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO contact_lists (campaign_id, name, created_at) VALUES ($1, $2, $3) RETURNING id`,
			p.CampaignID, p.ListName, at).Scan(&res.ListID); err != nil {
			return translate(err)
		}
		var existing bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE campaign_id = $1)`, p.CampaignID).Scan(&existing); err != nil {
			return translate(err)
		}
		hadContacts := existing
		start := time.Now()
		rest := &copySource{src: p.Source}
		if !existing {
			d := &directSource{src: p.Source, fold: newImportFold(), limit: p.FoldLimit}
			if d.limit <= 0 {
				d.limit = importFoldMaxEntries
			}
			d.vals[0], d.vals[1], d.vals[7] = p.CampaignID, res.ListID, ContactPending
			d.vals[8], d.vals[9], d.vals[10] = at, at, at
			n, err := tx.CopyFrom(ctx, pgx.Identifier{"contacts"}, []string{"campaign_id", "list_id", "line", "phone_e164",
				"external_id", "time_zone", "variables", "state", "next_attempt_at", "created_at", "updated_at",
				"line_type", "region", "debt_ids"}, d)
			if err != nil {
				return translate(err)
			}
			res.Rows, res.Inserted = d.rows, int(n)
			res.Stage = time.Since(start)
			rest.pending, rest.done = d.doubtful, d.ended
			existing = n > 0
		}
		if len(rest.pending) > 0 || !rest.done {
			if err := db.importStaged(ctx, tx, p, res, rest, existing, at); err != nil {
				return err
			}
		}
		if hadContacts {
			if err := importUpdate(ctx, tx, p, res, at); err != nil {
				return err
			}
		}
		res.Duplicates = res.Rows - res.Inserted - res.Updated
		res.Merge = time.Since(start) - res.Stage
		if _, err := tx.Exec(ctx, `UPDATE contact_lists SET staged = $1, inserted = $2, updated = $3, duplicates = $4 WHERE id = $5`,
			res.Rows, res.Inserted, res.Updated, res.Duplicates, res.ListID); err != nil {
			return translate(err)
		}
		return translate(tx.Commit(ctx))
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// importStaged is the general path: COPY into a staging table, then merge.
func (db *DB) importStaged(ctx context.Context, tx pgx.Tx, p *ContactImportParams, res *ContactImportResult, src *copySource, existing bool, at time.Time) error {
	start := time.Now()
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE contact_import_stage (line integer, phone text, external_id text,
			time_zone text, variables jsonb, line_type text, region text, debt_ids text) ON COMMIT DROP`); err != nil {
		return translate(err)
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"contact_import_stage"},
		[]string{"line", "phone", "external_id", "time_zone", "variables", "line_type", "region", "debt_ids"}, src)
	if err != nil {
		return translate(err)
	}
	res.Rows += src.read
	staged := int(n)
	res.Stage += time.Since(start)
	// Numbering the rows per external_id is a sort of the whole stage (a
	// quarter of the merge); a hash aggregate tells in a third of that time
	// whether any id repeats, and without repeats the fold by number alone
	// is exact.
	externalDups := false
	if src.externalIDs {
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contact_import_stage WHERE external_id IS NOT NULL
				GROUP BY external_id HAVING count(*) > 1)`).Scan(&externalDups)
		if err != nil {
			return translate(err)
		}
	}
	tag, err := tx.Exec(ctx, importMergeSQL(externalDups, existing), p.CampaignID, res.ListID, at)
	if err != nil {
		return translate(err)
	}
	inserted := int(tag.RowsAffected())
	// With external ids, a row can lose its turn to an earlier row that was
	// itself a duplicate (same id, other number): repeat over what is left
	// until nothing more goes in, which gives the same contacts as taking
	// the rows one by one in file order. A file without duplicates never
	// gets here.
	for externalDups && tag.RowsAffected() > 0 && inserted < staged {
		if tag, err = tx.Exec(ctx, importMergeSQL(true, true), p.CampaignID, res.ListID, at); err != nil {
			return translate(err)
		}
		inserted += int(tag.RowsAffected())
	}
	res.Inserted += inserted
	return nil
}

// importUpdate updates the contacts of earlier imports that staged rows name
// (after the merge, so the contacts this import inserted carry its list id and
// are left alone): first by number, each number's first row; then, for rows
// whose number is not in the campaign, by external_id. A contact updated once
// carries the list id, so a later row for it is a duplicate, as on SQLite.
func importUpdate(ctx context.Context, tx pgx.Tx, p *ContactImportParams, res *ContactImportResult, at time.Time) error {
	args := []any{p.CampaignID, res.ListID, at}
	recur := ""
	if !p.RecurAt.IsZero() {
		args = append(args, p.RecurAt.UTC().Truncate(time.Millisecond))
		recur = recurSet(p.RecurAt, "$4")
	}
	set := `SET list_id = $2, line = s.line, time_zone = s.time_zone, variables = s.variables, line_type = s.line_type,
		region = s.region, debt_ids = s.debt_ids, updated_at = $3` + recur
	byPhone := `UPDATE contacts c ` + set + `
		FROM (SELECT DISTINCT ON (phone) * FROM contact_import_stage ORDER BY phone, line) s
		WHERE c.campaign_id = $1 AND c.phone_e164 = s.phone AND c.list_id IS DISTINCT FROM $2`
	byID := `UPDATE contacts c ` + set + `
		FROM (SELECT DISTINCT ON (external_id) * FROM contact_import_stage st WHERE external_id IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM contacts x WHERE x.campaign_id = $1 AND x.phone_e164 = st.phone)
			ORDER BY external_id, line) s
		WHERE c.campaign_id = $1 AND c.external_id = s.external_id AND c.list_id IS DISTINCT FROM $2`
	for _, q := range []string{byPhone, byID} {
		tag, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return translate(err)
		}
		res.Updated += int(tag.RowsAffected())
	}
	return nil
}

// importLockClass is the first key of the per-campaign import lock
// (pg_advisory_xact_lock(class, campaign)): "vxci".
const importLockClass int32 = 0x76786369

// importMergeSQL builds the statement that moves staged rows into contacts
// ($1 campaign, $2 list, $3 time): among the staged rows whose number and
// external_id are not in the campaign yet (existing: else all of them),
// those that come first in the file for their number and for their id. Rows
// go in number order, which also makes the inserts into the (campaign_id,
// phone_e164) index sequential.
func importMergeSQL(externalIDs, existing bool) string {
	stage := `contact_import_stage st`
	if existing {
		stage += `
			WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.campaign_id = $1 AND c.phone_e164 = st.phone)
			AND (st.external_id IS NULL OR NOT EXISTS (SELECT 1 FROM contacts c
				WHERE c.campaign_id = $1 AND c.external_id = st.external_id))`
	}
	var from string
	if externalIDs {
		from = `(SELECT *, row_number() OVER (PARTITION BY phone ORDER BY line) AS by_phone,
				row_number() OVER (PARTITION BY external_id ORDER BY line) AS by_external
			FROM ` + stage + `) s
			WHERE by_phone = 1 AND (external_id IS NULL OR by_external = 1)`
	} else {
		from = `(SELECT DISTINCT ON (phone) * FROM ` + stage + ` ORDER BY phone, line) s`
	}
	return `INSERT INTO contacts (campaign_id, list_id, line, phone_e164, external_id, time_zone,
			variables, line_type, region, debt_ids, state, next_attempt_at, created_at, updated_at)
		SELECT $1, $2, line, phone, external_id, time_zone, variables, line_type, region, debt_ids, 'pending', $3, $3, $3
		FROM ` + from + `
		ORDER BY phone`
}

// directSource feeds COPY into contacts with the rows importFold lets
// through, holding back the doubtful ones, until the source ends (ended) or
// the fold's memory bound is reached.
type directSource struct {
	src      ContactSource
	fold     *importFold
	limit    int // of fold.size(), and of rows held back
	vals     [14]any
	rows     int // rows taken from src
	doubtful []ContactRow
	ended    bool
}

func (d *directSource) Next() bool {
	for d.fold.size() < d.limit && len(d.doubtful) < min(d.limit, importFoldMaxDoubtful) {
		if !d.src.Next() {
			d.ended = true
			return false
		}
		d.rows++
		r := d.src.Row()
		switch d.fold.decide(r) {
		case foldDuplicate:
			continue
		case foldDoubtful:
			c := *r
			c.Variables = append([]byte(nil), r.Variables...)
			c.DebtIDs = append([]string(nil), r.DebtIDs...)
			d.doubtful = append(d.doubtful, c)
			continue
		}
		d.vals[2], d.vals[3], d.vals[4], d.vals[5], d.vals[6] = int32(r.Line), r.Phone, strNull(r.ExternalID), r.TimeZone, string(varsOrEmpty(r.Variables))
		d.vals[11], d.vals[12], d.vals[13] = r.LineType, r.Region, strings.Join(r.DebtIDs, ",")
		return true
	}
	return false
}
func (d *directSource) Values() ([]any, error) { return d.vals[:], nil }
func (d *directSource) Err() error             { return d.src.Err() }

// copySource adapts a ContactSource to pgx.CopyFromSource for the staging
// table: first the rows held back (pending), then the rest of src unless
// done; it notes whether any row has an external_id.
type copySource struct {
	src         ContactSource
	pending     []ContactRow
	done        bool
	read        int // rows taken from src
	vals        [8]any
	externalIDs bool
}

func (c *copySource) Next() bool {
	var r *ContactRow
	switch {
	case len(c.pending) > 0:
		r = &c.pending[0]
		c.pending = c.pending[1:]
	case !c.done && c.src.Next():
		c.read++
		r = c.src.Row()
	default:
		c.done = true
		return false
	}
	if r.ExternalID != "" {
		c.externalIDs = true
	}
	c.vals = [8]any{int32(r.Line), r.Phone, strNull(r.ExternalID), r.TimeZone, string(varsOrEmpty(r.Variables)),
		r.LineType, r.Region, strings.Join(r.DebtIDs, ",")}
	return true
}
func (c *copySource) Values() ([]any, error) { return c.vals[:], nil }
func (c *copySource) Err() error             { return c.src.Err() }
