package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// ContactLeaseDueParams lease due contacts of one campaign.
type ContactLeaseDueParams struct {
	CampaignID int64
	Holder     string        // who takes the lease (node/worker name); required
	Limit      int           // at most this many (default 1)
	LeaseFor   time.Duration // lease length (default 10 minutes)
	Now        time.Time     // default time.Now(); tests inject it
}

// ContactLeaseDue leases up to Limit pending contacts of the campaign whose
// next_attempt_at is not after Now, in (next_attempt_at, id) order, in one
// statement: FOR UPDATE SKIP LOCKED on PostgreSQL, so that concurrent
// holders never take the same contact; one UPDATE … RETURNING on SQLite.
// The contacts come back leased to Holder until Now+LeaseFor, in lease order.
func (db *DB) ContactLeaseDue(ctx context.Context, p *ContactLeaseDueParams) ([]*Contact, error) {
	if p.Holder == "" || p.CampaignID == 0 {
		return nil, fmt.Errorf("lease contacts: %w: CampaignID and Holder are required", ErrInvalidParams)
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 1
	}
	leaseFor := p.LeaseFor
	if leaseFor <= 0 {
		leaseFor = 10 * time.Minute
	}
	now := nowOr(p.Now)
	var query string
	if db.backend == Postgres {
		query = `WITH due AS (
			SELECT id FROM contacts
			WHERE campaign_id = $1 AND state = 'pending' AND next_attempt_at <= $2
			ORDER BY next_attempt_at, id
			LIMIT $3
			FOR UPDATE SKIP LOCKED)
		UPDATE contacts c SET state = 'leased', lease_holder = $4, lease_expires_at = $5, updated_at = $2
		FROM due WHERE c.id = due.id
		RETURNING ` + prefixCols("c.", contactCols)
	} else {
		query = `UPDATE contacts SET state = 'leased', lease_holder = ?4, lease_expires_at = ?5, updated_at = ?2
		WHERE id IN (
			SELECT id FROM contacts
			WHERE campaign_id = ?1 AND state = 'pending' AND next_attempt_at <= ?2
			ORDER BY next_attempt_at, id
			LIMIT ?3)
		RETURNING ` + contactCols
	}
	// RETURNING gives the new rows; next_attempt_at is unchanged by the lease.
	out, err := scanContacts(db.sql.QueryContext(ctx, query, p.CampaignID, db.ts(now), limit, p.Holder, db.ts(now.Add(leaseFor))))
	if err != nil {
		return nil, fmt.Errorf("lease contacts of campaign %d: %w", p.CampaignID, err)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// prefixCols qualifies a column list with a table alias.
func prefixCols(prefix, cols string) string {
	out := make([]byte, 0, len(cols)*2)
	start := true
	for i := 0; i < len(cols); i++ {
		ch := cols[i]
		if start && ch != ' ' && ch != '\n' && ch != '\t' {
			out = append(out, prefix...)
			start = false
		}
		out = append(out, ch)
		if ch == ',' {
			start = true
		}
	}
	return string(out)
}

// ContactLeaseExtendParams extend a holder's leases.
type ContactLeaseExtendParams struct {
	Holder string
	// ContactIDs limits the extension to these contacts (those the holder is still
	// working): a lease whose contact the holder dropped must run out, so that a rescue
	// returns it. nil: every lease the holder has; empty: none.
	ContactIDs []int64
	Until      time.Time
	Now        time.Time
}

// ContactLeaseExtend moves the expiry of the holder's unexpired leases to
// Until and returns how many it extended. A lease that already expired is
// not revived: a rescue may have handed the contact to someone else.
func (db *DB) ContactLeaseExtend(ctx context.Context, p *ContactLeaseExtendParams) (int, error) {
	now := nowOr(p.Now)
	query := `UPDATE contacts SET lease_expires_at = ? WHERE state = 'leased' AND lease_holder = ? AND lease_expires_at > ?`
	args := []any{db.ts(p.Until), p.Holder, db.ts(now)}
	if p.ContactIDs != nil {
		if len(p.ContactIDs) == 0 {
			return 0, nil
		}
		query += ` AND id IN (` + placeholders(len(p.ContactIDs)) + `)`
		for _, id := range p.ContactIDs {
			args = append(args, id)
		}
	}
	res, err := db.sql.ExecContext(ctx, db.q(query), args...)
	if err != nil {
		return 0, fmt.Errorf("extend leases of %s: %w", p.Holder, translate(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ContactLeaseReleaseParams give leased contacts back untouched.
type ContactLeaseReleaseParams struct {
	Holder     string
	ContactIDs []int64 // nil: every contact the holder has leased without an open attempt
	Now        time.Time
}

// ContactLeaseRelease returns the holder's leased contacts to pending
// without counting an attempt (a draining node gives back what it has not
// dialled). Contacts with an open attempt are left to finish or to the rescue.
func (db *DB) ContactLeaseRelease(ctx context.Context, p *ContactLeaseReleaseParams) (int, error) {
	now := db.ts(nowOr(p.Now))
	query := `UPDATE contacts SET state = 'pending', lease_holder = NULL, lease_expires_at = NULL, updated_at = ?
		WHERE state = 'leased' AND lease_holder = ?
		AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.contact_id = contacts.id AND a.state = 'dialing')`
	args := []any{now, p.Holder}
	if p.ContactIDs != nil {
		if len(p.ContactIDs) == 0 {
			return 0, nil
		}
		query += ` AND id IN (` + placeholders(len(p.ContactIDs)) + `)`
		for _, id := range p.ContactIDs {
			args = append(args, id)
		}
	}
	res, err := db.sql.ExecContext(ctx, db.q(query), args...)
	if err != nil {
		return 0, fmt.Errorf("release leases of %s: %w", p.Holder, translate(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ContactLeaseRescueParams return expired leases.
type ContactLeaseRescueParams struct {
	Limit int // default 1000 per call
	Now   time.Time
}

// ContactLeaseRescue returns contacts whose lease expired before Now to
// pending (due at once) and closes the attempts they left open as "lost".
// Any node may run it; on PostgreSQL concurrent rescuers skip each other's rows.
// It returns the rescued contact ids.
func (db *DB) ContactLeaseRescue(ctx context.Context, p *ContactLeaseRescueParams) ([]int64, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	evAt := nowOr(p.Now)
	now := db.ts(evAt)
	lock := ""
	if db.backend == Postgres {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	var ids, camps []int64
	var evs []*CallEvent
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		ids, camps, evs = nil, nil, nil
		rows, err := tx.QueryContext(ctx, db.q(`SELECT id, campaign_id FROM contacts WHERE state = 'leased' AND lease_expires_at <= ?
			ORDER BY id LIMIT ?`+lock), now, limit)
		if err != nil {
			return translate(err)
		}
		for rows.Next() {
			var id, camp int64
			if err := rows.Scan(&id, &camp); err != nil {
				rows.Close()
				return translate(err)
			}
			ids, camps = append(ids, id), append(camps, camp)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		if len(ids) == 0 {
			return nil
		}
		in := placeholders(len(ids))
		args := []any{now}
		for _, id := range ids {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE attempts SET state = 'lost', outcome = 'lost', ended_at = ?
			WHERE state = 'dialing' AND contact_id IN (`+in+`)`), args...); err != nil {
			return translate(err)
		}
		args = append([]any{now, now}, args[1:]...)
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE contacts SET state = 'pending', lease_holder = NULL, lease_expires_at = NULL,
			next_attempt_at = ?, updated_at = ? WHERE state = 'leased' AND id IN (`+in+`)`), args...); err != nil {
			return translate(err)
		}
		for i, id := range ids {
			ev := newEvent(camps[i], id, 0, "lease_rescued", "{}", evAt)
			if err := db.insertEvent(ctx, tx, ev); err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rescue expired leases: %w", err)
	}
	db.emit(evs...)
	return ids, nil
}

// ContactRescheduleParams give a leased contact back, due at a later time,
// without an attempt (outside the calling window, held by the gate, no
// capacity).
type ContactRescheduleParams struct {
	ContactID     int64
	Holder        string
	NextAttemptAt time.Time
	Reason        string // recorded in retry_schedule, e.g. "window", "gate_hold"
	Now           time.Time
}

// ContactReschedule releases the lease and sets the next attempt time;
// ErrLeaseLost when the holder no longer has the lease.
func (db *DB) ContactReschedule(ctx context.Context, p *ContactRescheduleParams) error {
	now := db.ts(nowOr(p.Now))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var campaignID int64
		err := tx.QueryRowContext(ctx, db.q(`UPDATE contacts SET state = 'pending', lease_holder = NULL, lease_expires_at = NULL,
			next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'leased' AND lease_holder = ? RETURNING campaign_id`),
			db.ts(p.NextAttemptAt), now, p.ContactID, p.Holder).Scan(&campaignID)
		if err != nil {
			if translate(err) == ErrNotFound {
				return ErrLeaseLost
			}
			return translate(err)
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO retry_schedule (campaign_id, contact_id, due_at, reason, created_at)
			VALUES (?, ?, ?, ?, ?)`), campaignID, p.ContactID, db.ts(p.NextAttemptAt), p.Reason, now)
		return translate(err)
	})
	if err != nil {
		return fmt.Errorf("reschedule contact %d: %w", p.ContactID, err)
	}
	return nil
}

// ContactFinishParams close a leased contact without an attempt (the gate
// blocked it for good, the campaign ran out of attempts for it, or it stopped).
type ContactFinishParams struct {
	ContactID   int64
	Holder      string // "" to finish a pending contact (a stopped campaign)
	Disposition string
	Reason      string // call event data
	Now         time.Time
}

// ContactFinish marks the contact done with the disposition; ErrLeaseLost
// when Holder is set and no longer has the lease.
func (db *DB) ContactFinish(ctx context.Context, p *ContactFinishParams) error {
	evAt := nowOr(p.Now)
	now := db.ts(evAt)
	var ev *CallEvent
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var campaignID int64
		var err error
		if p.Holder != "" {
			err = tx.QueryRowContext(ctx, db.q(`UPDATE contacts SET state = 'done', disposition = ?, lease_holder = NULL,
				lease_expires_at = NULL, updated_at = ? WHERE id = ? AND state = 'leased' AND lease_holder = ? RETURNING campaign_id`),
				p.Disposition, now, p.ContactID, p.Holder).Scan(&campaignID)
		} else {
			err = tx.QueryRowContext(ctx, db.q(`UPDATE contacts SET state = 'done', disposition = ?, updated_at = ?
				WHERE id = ? AND state = 'pending' RETURNING campaign_id`),
				p.Disposition, now, p.ContactID).Scan(&campaignID)
		}
		if err != nil {
			if translate(err) == ErrNotFound {
				return ErrLeaseLost
			}
			return translate(err)
		}
		data, _ := jsonObject(map[string]string{"disposition": p.Disposition, "reason": p.Reason})
		ev = newEvent(campaignID, p.ContactID, 0, "contact_finished", data, evAt)
		return db.insertEvent(ctx, tx, ev)
	})
	if err != nil {
		return fmt.Errorf("finish contact %d: %w", p.ContactID, err)
	}
	db.emit(ev)
	return nil
}

// ContactFinishPendingParams close every pending contact of a campaign.
type ContactFinishPendingParams struct {
	CampaignID  int64
	Disposition string
	Now         time.Time
}

// ContactFinishPending marks every pending contact of the campaign done
// with the disposition (a stopped campaign) and returns how many.
func (db *DB) ContactFinishPending(ctx context.Context, p *ContactFinishPendingParams) (int, error) {
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE contacts SET state = 'done', disposition = ?, updated_at = ?
		WHERE campaign_id = ? AND state = 'pending'`), p.Disposition, db.ts(nowOr(p.Now)), p.CampaignID)
	if err != nil {
		return 0, fmt.Errorf("finish pending contacts of campaign %d: %w", p.CampaignID, translate(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
