package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Contact states.
const (
	ContactPending = "pending"
	ContactLeased  = "leased"
	ContactDone    = "done"
)

// Contact is a row of contacts.
type Contact struct {
	ID         int64           `json:"id"`
	CampaignID int64           `json:"campaign_id"`
	ListID     int64           `json:"list_id"`
	Line       int             `json:"line"`  // line of the import file it came from
	Phone      string          `json:"phone"` // E.164
	ExternalID string          `json:"external_id,omitempty"`
	TimeZone   string          `json:"time_zone,omitempty"` // IANA zone; "" when unknown
	Variables  json.RawMessage `json:"variables"`           // JSON object of strings
	State      string          `json:"state"`
	Attempts   int             `json:"attempts"`
	// AttemptsBase: attempts made before the current cycle (a recycle or a
	// recurring re-import starts one); CycleAttempts is what max attempts counts.
	AttemptsBase   int       `json:"attempts_base,omitempty"`
	NextAttemptAt  time.Time `json:"next_attempt_at"`
	LeaseHolder    string    `json:"lease_holder,omitempty"`
	LeaseExpiresAt time.Time `json:"lease_expires_at,omitzero"`
	Disposition    string    `json:"disposition,omitempty"`
	LastOutcome    string    `json:"last_outcome,omitempty"`
	Streak         int       `json:"streak"`             // consecutive attempts with LastOutcome
	DebtIDs        []string  `json:"debt_ids,omitempty"` // the debts a collections call is about
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

const contactCols = `id, campaign_id, list_id, line, phone_e164, external_id, time_zone, variables, state, attempts,
	next_attempt_at, lease_holder, lease_expires_at, disposition, last_outcome, streak, debt_ids, created_at, updated_at, attempts_base`

// CycleAttempts are the attempts of the contact's current cycle.
func (c *Contact) CycleAttempts() int { return c.Attempts - c.AttemptsBase }

func scanContact(row interface{ Scan(...any) error }) (*Contact, error) {
	var c Contact
	var listID sql.NullInt64
	var vars, debts string
	err := row.Scan(&c.ID, &c.CampaignID, &listID, &c.Line, &c.Phone, nullStr{&c.ExternalID}, &c.TimeZone,
		nullStr{&vars}, &c.State, &c.Attempts, timeCol{&c.NextAttemptAt}, nullStr{&c.LeaseHolder},
		timeCol{&c.LeaseExpiresAt}, &c.Disposition, &c.LastOutcome, &c.Streak, nullStr{&debts}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &c.AttemptsBase)
	c.DebtIDs = splitIDs(debts)
	if err != nil {
		return nil, translate(err)
	}
	c.ListID = listID.Int64
	c.Variables = json.RawMessage(orJSON(vars, "{}"))
	return &c, nil
}

func scanContacts(rows *sql.Rows, err error) ([]*Contact, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// ContactRow is one contact to import, already validated and normalised.
type ContactRow struct {
	Line       int    // line in the source file, for the first-one-wins rule and reports
	Phone      string // E.164
	ExternalID string // "" when none
	TimeZone   string // IANA zone or ""
	Variables  []byte // JSON object
	// Compliance facts (optional): line type (wireless | landline | unknown | ""), address
	// region (ISO 3166-2, e.g. US-FL) and debt ids of a collections contact.
	LineType string
	Region   string
	DebtIDs  []string
}

// ContactSource streams rows into ContactImport (the shape of pgx.CopyFromSource).
type ContactSource interface {
	// Next advances to the next row; false at the end or on error.
	Next() bool
	// Row is the current row; valid until the next call of Next.
	Row() *ContactRow
	// Err is the error that stopped the stream, if any; a non-nil Err aborts the import.
	Err() error
}

// ContactImportParams import rows into a campaign.
type ContactImportParams struct {
	CampaignID int64
	ListName   string // recorded in contact_lists (e.g. the file name)
	Source     ContactSource
	Now        time.Time // created_at; contacts are due from this time
	// RecurAt, when set (a recurring campaign), starts a new cycle for every
	// contact a row updates: pending again from RecurAt, its attempts,
	// streak, disposition and last outcome cleared (a contact on a call now
	// only gets its fields). Zero: an update changes the fields only.
	RecurAt time.Time
	// FoldLimit bounds the in-process duplicate fold of a first import on
	// PostgreSQL (numbers and ids held; default 4 Mi, about 40 MB): past
	// it, the rest of the file takes the staging-table path. Tests set it
	// low to cross over.
	FoldLimit int
}

// ContactImportResult counts what an import did.
type ContactImportResult struct {
	ListID     int64 `json:"list_id"`
	Rows       int   `json:"rows"`       // rows the source gave
	Inserted   int   `json:"inserted"`   // new contacts
	Updated    int   `json:"updated"`    // rows that updated a contact already in the campaign
	Duplicates int   `json:"duplicates"` // rows folded into an earlier row of the same import
	// Where the time went on PostgreSQL (zero on SQLite): the COPY streams
	// (into contacts and/or the staging table), then the rest (moving staged
	// rows into contacts); ServerPID is the backend that did it, for
	// benchmarks that read its CPU time.
	Stage     time.Duration `json:"-"`
	Merge     time.Duration `json:"-"`
	ServerPID uint32        `json:"-"`
}

// ContactImport inserts the source's rows in one transaction: all or
// nothing. A row whose number (or, failing that, external_id) is already in
// the campaign from an earlier import updates that contact: its variables,
// zone and compliance facts, its line and list (and with RecurAt a new
// cycle). A row whose number or external_id appeared earlier in the same
// source is a duplicate and is skipped (the first one wins). The contact a
// row updates keeps its number and external_id.
func (db *DB) ContactImport(ctx context.Context, p *ContactImportParams) (*ContactImportResult, error) {
	if p.CampaignID == 0 || p.Source == nil {
		return nil, fmt.Errorf("import contacts: %w: CampaignID and Source are required", ErrInvalidParams)
	}
	now := nowOr(p.Now)
	var res *ContactImportResult
	var err error
	if db.backend == Postgres {
		res, err = db.contactImportPostgres(ctx, p, now)
	} else {
		res, err = db.contactImportSQLite(ctx, p, now)
	}
	if err != nil {
		return nil, fmt.Errorf("import contacts into campaign %d: %w", p.CampaignID, err)
	}
	return res, nil
}

// contactImportSQLite inserts row by row with one prepared INSERT OR IGNORE
// (SQLite's idiom; one transaction makes it fast). A row that conflicts is
// either a duplicate of an earlier row (the contact it meets carries this
// import's list id) or an update of a contact from an earlier import.
func (db *DB) contactImportSQLite(ctx context.Context, p *ContactImportParams, now time.Time) (*ContactImportResult, error) {
	res := &ContactImportResult{}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if res.ListID, err = db.listCreate(ctx, tx, p, now); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO contacts (campaign_id, list_id, line, phone_e164, external_id,
			time_zone, variables, line_type, region, debt_ids, state, next_attempt_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return translate(err)
		}
		defer stmt.Close()
		byPhone, err := tx.PrepareContext(ctx, `SELECT id, COALESCE(list_id, 0) FROM contacts WHERE campaign_id = ? AND phone_e164 = ?`)
		if err != nil {
			return translate(err)
		}
		defer byPhone.Close()
		byID, err := tx.PrepareContext(ctx, `SELECT id, COALESCE(list_id, 0) FROM contacts WHERE campaign_id = ? AND external_id = ?`)
		if err != nil {
			return translate(err)
		}
		defer byID.Close()
		update, err := tx.PrepareContext(ctx, `UPDATE contacts SET list_id = ?, line = ?, time_zone = ?, variables = ?,
			line_type = ?, region = ?, debt_ids = ?, updated_at = ?`+recurSet(p.RecurAt, "?")+` WHERE id = ?`)
		if err != nil {
			return translate(err)
		}
		defer update.Close()
		ts := db.ts(now)
		// apply updates the contact a row matched, unless this import already
		// inserted or updated it (then the row is a duplicate).
		apply := func(r *ContactRow, find *sql.Stmt, key string) (bool, error) {
			var id, list int64
			err := find.QueryRowContext(ctx, p.CampaignID, key).Scan(&id, &list)
			if err == sql.ErrNoRows {
				return false, nil
			}
			if err != nil {
				return false, fmt.Errorf("line %d: %w", r.Line, translate(err))
			}
			if list == res.ListID {
				return true, nil
			}
			args := []any{res.ListID, r.Line, r.TimeZone, varsOrEmpty(r.Variables), r.LineType, r.Region, strings.Join(r.DebtIDs, ","), ts}
			if !p.RecurAt.IsZero() {
				args = append(args, db.ts(p.RecurAt))
			}
			if _, err := update.ExecContext(ctx, append(args, id)...); err != nil {
				return false, fmt.Errorf("line %d: %w", r.Line, translate(err))
			}
			res.Updated++
			return true, nil
		}
		// Rows that met a contact by external_id only are decided after every
		// number has had its turn (a number's match wins over an id's, as on
		// PostgreSQL); there are few of them (a customer's new number).
		var byIDOnly []ContactRow
		for p.Source.Next() {
			r := p.Source.Row()
			res.Rows++
			out, err := stmt.ExecContext(ctx, p.CampaignID, res.ListID, r.Line, r.Phone, strNull(r.ExternalID),
				r.TimeZone, varsOrEmpty(r.Variables), r.LineType, r.Region, strings.Join(r.DebtIDs, ","), ts, ts, ts)
			if err != nil {
				return fmt.Errorf("line %d: %w", r.Line, translate(err))
			}
			if n, _ := out.RowsAffected(); n == 1 {
				res.Inserted++
				continue
			}
			matched, err := apply(r, byPhone, r.Phone)
			if err != nil {
				return err
			}
			if !matched && r.ExternalID != "" {
				c := *r
				c.Variables = append([]byte(nil), r.Variables...)
				c.DebtIDs = append([]string(nil), r.DebtIDs...)
				byIDOnly = append(byIDOnly, c)
			}
		}
		if err := p.Source.Err(); err != nil {
			return err
		}
		for i := range byIDOnly {
			r := &byIDOnly[i]
			var id, list int64
			if err := byPhone.QueryRowContext(ctx, p.CampaignID, r.Phone).Scan(&id, &list); err == nil {
				continue // a later row brought this number: this row is a duplicate
			} else if err != sql.ErrNoRows {
				return fmt.Errorf("line %d: %w", r.Line, translate(err))
			}
			if _, err := apply(r, byID, r.ExternalID); err != nil {
				return err
			}
		}
		res.Duplicates = res.Rows - res.Inserted - res.Updated
		return db.listCount(ctx, tx, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// recurSet is the SET clause that starts a contact's new cycle of a recurring
// campaign (due from the placeholder at; attempt numbers go on, the cycle's
// count starts at 0), or "" without one. A contact on a
// call now (leased) keeps its state: its attempt ends as it would have.
func recurSet(recurAt time.Time, at string) string {
	if recurAt.IsZero() {
		return ""
	}
	fresh := func(col, v string) string {
		return `, ` + col + ` = CASE WHEN state = 'leased' THEN ` + col + ` ELSE ` + v + ` END`
	}
	// next_attempt_at first: the CASEs read the old state.
	return fresh("next_attempt_at", at) + fresh("attempts_base", "attempts") + fresh("streak", "0") +
		fresh("disposition", "''") + fresh("last_outcome", "''") + fresh("state", "'pending'")
}

func varsOrEmpty(v []byte) []byte {
	if len(v) == 0 {
		return []byte("{}")
	}
	return v
}

func (db *DB) listCreate(ctx context.Context, tx *sql.Tx, p *ContactImportParams, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, db.q(`INSERT INTO contact_lists (campaign_id, name, created_at) VALUES (?, ?, ?) RETURNING id`),
		p.CampaignID, p.ListName, db.ts(now)).Scan(&id)
	return id, translate(err)
}

func (db *DB) listCount(ctx context.Context, tx *sql.Tx, res *ContactImportResult) error {
	_, err := tx.ExecContext(ctx, db.q(`UPDATE contact_lists SET staged = ?, inserted = ?, updated = ?, duplicates = ? WHERE id = ?`),
		res.Rows, res.Inserted, res.Updated, res.Duplicates, res.ListID)
	return translate(err)
}

// ContactGetParams name a contact.
type ContactGetParams struct {
	ID int64
}

// ContactGet reads one contact.
func (db *DB) ContactGet(ctx context.Context, p *ContactGetParams) (*Contact, error) {
	c, err := scanContact(db.sql.QueryRowContext(ctx, db.q(`SELECT `+contactCols+` FROM contacts WHERE id = ?`), p.ID))
	if err != nil {
		return nil, fmt.Errorf("contact %d: %w", p.ID, err)
	}
	return c, nil
}

// ContactListParams page through a campaign's contacts in id order.
type ContactListParams struct {
	CampaignID int64
	State      string // "" for all
	AfterID    int64
	Limit      int // default 1000
}

// ContactList returns up to Limit contacts with id > AfterID.
func (db *DB) ContactList(ctx context.Context, p *ContactListParams) ([]*Contact, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	query := `SELECT ` + contactCols + ` FROM contacts WHERE campaign_id = ? AND id > ?`
	args := []any{p.CampaignID, p.AfterID}
	if p.State != "" {
		query += ` AND state = ?`
		args = append(args, p.State)
	}
	args = append(args, limit)
	out, err := scanContacts(db.sql.QueryContext(ctx, db.q(query+` ORDER BY id LIMIT ?`), args...))
	if err != nil {
		return nil, fmt.Errorf("list contacts of campaign %d: %w", p.CampaignID, err)
	}
	return out, nil
}
