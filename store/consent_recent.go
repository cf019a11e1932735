package store

import (
	"context"
	"fmt"
)

// ConsentRecentParams page through the consent ledger, newest first: Seller optional,
// BeforeID 0 for the first page, Limit 1–1000 (default 50).
type ConsentRecentParams struct {
	Seller   string
	BeforeID int64
	Limit    int
}

// ConsentRecent lists the newest consent records (what the dashboard's ledger shows before
// anyone searches); the next page starts before the last id returned.
func (db *DB) ConsentRecent(ctx context.Context, p *ConsentRecentParams) ([]*Consent, error) {
	limit := p.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	q, args := `SELECT `+consentCols+` FROM consents WHERE 1 = 1`, []any{}
	if p.Seller != "" {
		q += ` AND seller = ?`
		args = append(args, p.Seller)
	}
	if p.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, p.BeforeID)
	}
	args = append(args, limit)
	rows, err := db.sql.QueryContext(ctx, db.q(q+` ORDER BY id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("recent consents: %w", translate(err))
	}
	defer rows.Close()
	out := []*Consent{}
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("recent consents: %w", err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}
