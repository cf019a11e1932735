package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// NumberFactsParams ask for everything the compliance gate reads about one number for
// one decision: the attempt history started in [Since, Until], the refusals up to Until,
// and the Reassigned Numbers Database answer checked at or before At.
type NumberFactsParams struct {
	Phone        string
	Since, Until time.Time
	At           time.Time
}

// NumberFacts is what the store knows about a number, as of one decision.
type NumberFacts struct {
	Contact    ContactFacts
	Consents   []*Consent
	EBRs       []EBR
	Reassigned *ReassignedCheck // nil: no answer on record
	History    []HistoryEvent   // start order
	Refusals   []HistoryEvent   // attempts with the opted_out disposition, start order
}

// rowsScanner is what database/sql's and pgx's result sets have in common.
type rowsScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// The gate's reads, one statement each, shared by the one-by-one functions and the batch.
const (
	contactFactsSQL = `SELECT time_zone, line_type, region FROM contacts WHERE phone_e164 = ?
		AND (time_zone <> '' OR line_type <> '' OR region <> '') ORDER BY id DESC LIMIT 16`
	consentsOfSQL   = `SELECT ` + consentCols + ` FROM consents WHERE phone_e164 = ? ORDER BY id`
	ebrsOfSQL       = `SELECT phone_e164, seller, kind, at FROM ebrs WHERE phone_e164 = ? ORDER BY id`
	reassignedAtSQL = `SELECT phone_e164, answer, checked_at FROM reassigned_checks
		WHERE phone_e164 = ? AND checked_at <= ? ORDER BY checked_at DESC, id DESC LIMIT 1`
	historySQL = `SELECT a.id, a.campaign_id, c.seller, CASE WHEN c.subject = '' THEN c.name ELSE c.subject END,
		a.started_at, a.answered_at, a.caller_id, a.state, a.outcome, a.disposition, COALESCE(ct.debt_ids, ''), a.call_id
		FROM attempts a JOIN campaigns c ON c.id = a.campaign_id LEFT JOIN contacts ct ON ct.id = a.contact_id
		WHERE a.phone_e164 = ? AND a.started_at <= ?`
	historySinceSQL    = historySQL + ` AND a.started_at >= ? ORDER BY a.started_at, a.id`
	historyOptedOutSQL = historySQL + ` AND a.disposition = 'opted_out' ORDER BY a.started_at, a.id`
)

// NumberFactsGet reads the number's facts for one gate decision. On PostgreSQL the six
// reads go in one batch: one round trip instead of six, which is most of a decision's
// latency when the store is busy. On SQLite (in process) they run one after the other.
func (db *DB) NumberFactsGet(ctx context.Context, p *NumberFactsParams) (*NumberFacts, error) {
	if db.backend == Postgres {
		f, err := db.numberFactsPG(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("facts of %s: %w", p.Phone, err)
		}
		return f, nil
	}
	var f NumberFacts
	cf, err := db.ContactFactsGet(ctx, &ContactZoneParams{Phone: p.Phone})
	if err != nil {
		return nil, err
	}
	f.Contact = *cf
	if f.Consents, err = db.ConsentList(ctx, &ConsentListParams{Phone: p.Phone}); err != nil {
		return nil, err
	}
	if f.EBRs, err = db.EBRList(ctx, p.Phone); err != nil {
		return nil, err
	}
	switch r, err := db.ReassignedLatest(ctx, p.Phone, p.At); {
	case err == nil:
		f.Reassigned = r
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	if f.History, err = db.AttemptHistory(ctx, &AttemptHistoryParams{Phone: p.Phone, Since: p.Since, Until: p.Until}); err != nil {
		return nil, err
	}
	if f.Refusals, err = db.AttemptHistory(ctx, &AttemptHistoryParams{Phone: p.Phone, Until: p.Until, OptedOut: true}); err != nil {
		return nil, err
	}
	return &f, nil
}

func (db *DB) numberFactsPG(ctx context.Context, p *NumberFactsParams) (*NumberFacts, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, translate(err)
	}
	defer conn.Close()
	var f NumberFacts
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection %T is not pgx's", dc)
		}
		b := &pgx.Batch{}
		b.Queue(db.q(contactFactsSQL), p.Phone)
		b.Queue(db.q(consentsOfSQL), p.Phone)
		b.Queue(db.q(ebrsOfSQL), p.Phone)
		b.Queue(db.q(reassignedAtSQL), p.Phone, db.ts(p.At))
		b.Queue(db.q(historySinceSQL), p.Phone, db.ts(p.Until), db.ts(p.Since))
		b.Queue(db.q(historyOptedOutSQL), p.Phone, db.ts(p.Until))
		br := c.Conn().SendBatch(ctx, b)
		if err := readBatch(br, &f); err != nil {
			_ = br.Close()
			return err
		}
		return br.Close()
	})
	if err != nil {
		return nil, translate(err)
	}
	return &f, nil
}

// readBatch reads the batch's six results in the order numberFactsPG queued them.
func readBatch(br pgx.BatchResults, f *NumberFacts) error {
	steps := []func(rowsScanner) error{
		func(r rowsScanner) (err error) { f.Contact, err = scanContactFacts(r); return err },
		func(r rowsScanner) (err error) { f.Consents, err = scanConsents(r); return err },
		func(r rowsScanner) (err error) { f.EBRs, err = scanEBRs(r); return err },
		func(r rowsScanner) error {
			for r.Next() {
				var c ReassignedCheck
				if err := r.Scan(&c.Phone, &c.Answer, timeCol{&c.CheckedAt}); err != nil {
					return err
				}
				f.Reassigned = &c
			}
			return r.Err()
		},
		func(r rowsScanner) (err error) { f.History, err = scanHistory(r); return err },
		func(r rowsScanner) (err error) { f.Refusals, err = scanHistory(r); return err },
	}
	for _, step := range steps {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		err = step(rows)
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func scanContactFacts(rows rowsScanner) (ContactFacts, error) {
	var f ContactFacts
	for rows.Next() {
		var tz, lt, rg string
		if err := rows.Scan(&tz, &lt, &rg); err != nil {
			return f, translate(err)
		}
		if f.TimeZone == "" {
			f.TimeZone = tz
		}
		if f.LineType == "" {
			f.LineType = lt
		}
		if f.Region == "" {
			f.Region = rg
		}
	}
	return f, translate(rows.Err())
}

func scanConsents(rows rowsScanner) ([]*Consent, error) {
	var out []*Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

func scanEBRs(rows rowsScanner) ([]EBR, error) {
	var out []EBR
	for rows.Next() {
		var e EBR
		if err := rows.Scan(&e.Phone, &e.Seller, &e.Kind, timeCol{&e.At}); err != nil {
			return nil, translate(err)
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

func scanHistory(rows rowsScanner) ([]HistoryEvent, error) {
	var out []HistoryEvent
	for rows.Next() {
		var e HistoryEvent
		var debts string
		if err := rows.Scan(&e.AttemptID, &e.CampaignID, &e.Seller, &e.Subject, timeCol{&e.StartedAt}, timeCol{&e.AnsweredAt},
			&e.CallerID, &e.State, &e.Outcome, &e.Disposition, &debts, &e.CallID); err != nil {
			return nil, translate(err)
		}
		e.DebtIDs = splitIDs(debts)
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// queryRows runs a read through database/sql and scans it with f.
func queryRows[T any](ctx context.Context, db *DB, f func(rowsScanner) (T, error), query string, args ...any) (T, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		var zero T
		return zero, translate(err)
	}
	defer rows.Close()
	return f(rows)
}
