package store

import (
	"context"
	"fmt"
)

// SellerList returns every seller in id order.
func (db *DB) SellerList(ctx context.Context) ([]*Seller, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, name, caller_ids, platform_suppression, created_at, updated_at
		FROM sellers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list sellers: %w", translate(err))
	}
	defer rows.Close()
	out := []*Seller{}
	for rows.Next() {
		var s Seller
		var ids string
		if err := rows.Scan(&s.ID, &s.Name, nullStr{&ids}, &s.PlatformSuppression, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("list sellers: %w", translate(err))
		}
		if err := unmarshalList(ids, &s.CallerIDs); err != nil {
			return nil, fmt.Errorf("seller %q caller_ids: %w", s.ID, err)
		}
		if s.CallerIDs == nil {
			s.CallerIDs = []string{}
		}
		out = append(out, &s)
	}
	return out, translate(rows.Err())
}
