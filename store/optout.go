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
// consent of the number for the seller, in one transaction (opt-outs
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

// ContactCancelParams close a number's queued contacts in every campaign of a seller.
type ContactCancelParams struct {
	Phone, Seller string
	Disposition   string // default opted_out
	Reason        string // recorded in the contact_finished event
	Now           time.Time
}

// ContactCancel marks the number's pending and leased contacts in every campaign of the
// seller done with the disposition, lease dropped (a holder that still has one in memory
// gets ErrLeaseLost when it tries to dial or reschedule it), and records a
// contact_finished event for each. A contact with a call in progress is left to that
// call. It returns the closed contacts' ids.
func (db *DB) ContactCancel(ctx context.Context, p *ContactCancelParams) ([]int64, error) {
	if p.Phone == "" || p.Seller == "" {
		return nil, fmt.Errorf("cancel queued contacts: %w: phone and seller are required", ErrInvalidParams)
	}
	disp := p.Disposition
	if disp == "" {
		disp = "opted_out"
	}
	evAt := nowOr(p.Now)
	now := db.ts(evAt)
	var ids []int64
	var evs []*CallEvent
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		ids, evs = nil, nil
		rows, err := tx.QueryContext(ctx, db.q(`UPDATE contacts SET state = 'done', disposition = ?, lease_holder = NULL,
			lease_expires_at = NULL, updated_at = ?
			WHERE phone_e164 = ? AND state IN ('pending', 'leased')
			AND campaign_id IN (SELECT id FROM campaigns WHERE seller = ?)
			AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.contact_id = contacts.id AND a.state = 'dialing')
			RETURNING id, campaign_id`), disp, now, p.Phone, p.Seller)
		if err != nil {
			return translate(err)
		}
		var camps []int64
		for rows.Next() {
			var id, camp int64
			if err := rows.Scan(&id, &camp); err != nil {
				rows.Close()
				return translate(err)
			}
			ids, camps = append(ids, id), append(camps, camp)
		}
		if err := rows.Close(); err != nil {
			return translate(err)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		data, _ := jsonObject(map[string]string{"disposition": disp, "reason": p.Reason})
		for i, id := range ids {
			ev := newEvent(camps[i], id, 0, "contact_finished", data, evAt)
			if err := db.insertEvent(ctx, tx, ev); err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cancel queued contacts of %s for %q: %w", p.Phone, p.Seller, err)
	}
	db.emit(evs...)
	return ids, nil
}
