package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OptOutRecordParams record a consumer's opt-out for a seller.
type OptOutRecordParams struct {
	Phone, Seller string
	Via           string // channel: call_opt_out | dtmf | api | cli
	By            string // who recorded it (e.g. "voicebot call CALL-ID")
	Reason        string
	Source        string
	Now           time.Time
}

// OptOutRecord lists the number on the seller's internal do-not-call list and revokes every
// consent of the number for the seller, in one transaction (compliance-rules.md: opt-outs
// take effect at once). It reports whether the number was newly listed and how many consents
// it revoked.
func (db *DB) OptOutRecord(ctx context.Context, p *OptOutRecordParams) (listed bool, revoked int, err error) {
	if p.Phone == "" || p.Seller == "" || p.By == "" {
		return false, 0, fmt.Errorf("record opt-out: %w: phone, seller and who (by) are required", ErrInvalidParams)
	}
	now := db.ts(nowOr(p.Now))
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`INSERT INTO dnc_entries (list, scope, phone_e164, listed_at, added_by, reason, source)
			VALUES ('internal', ?, ?, ?, ?, ?, ?) ON CONFLICT (list, scope, phone_e164) WHERE removed_at IS NULL DO NOTHING`),
			p.Seller, p.Phone, now, p.By, p.Reason, p.Source)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			listed = true
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO dnc_changes (op, list, scope, phone_e164, at) VALUES ('add', 'internal', ?, ?, ?)`),
				p.Seller, p.Phone, now); err != nil {
				return translate(err)
			}
		}
		res, err = tx.ExecContext(ctx, db.q(`UPDATE consents SET revoked_at = ?, revoked_via = ?, revoked_by = ?
			WHERE phone_e164 = ? AND seller = ? AND revoked_at IS NULL`), now, p.Via, p.By, p.Phone, p.Seller)
		if err != nil {
			return translate(err)
		}
		n, _ := res.RowsAffected()
		revoked = int(n)
		return nil
	})
	if err != nil {
		return false, 0, fmt.Errorf("record opt-out of %s for %q: %w", p.Phone, p.Seller, err)
	}
	return listed, revoked, nil
}
