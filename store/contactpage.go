package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// ContactPageParams page through a campaign's contacts in id order, with a filter.
type ContactPageParams struct {
	CampaignID  int64
	State       string // "": all; "open": pending or leased; "done": final
	Disposition string // final contacts with this disposition (implies done)
	Phone       string // one number (E.164)
	AfterID     int64  // the cursor: contacts with a greater id
	Limit       int    // 1..1000, default 100
}

// ContactPage is one page and the number of contacts the filter matches.
type ContactPage struct {
	Contacts []*Contact `json:"contacts"`
	Total    int64      `json:"total"`
	Next     int64      `json:"next,omitempty"` // cursor of the next page; 0: this is the last
}

// ContactPageGet reads a page. The total comes from the counters, except for a
// number filter (then it is counted, by index).
func (db *DB) ContactPageGet(ctx context.Context, p *ContactPageParams) (*ContactPage, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		return nil, fmt.Errorf("contacts of campaign %d: %w: limit %d over 1000", p.CampaignID, ErrInvalidParams, limit)
	}
	where, args := `campaign_id = ?`, []any{p.CampaignID}
	switch {
	case p.Disposition != "":
		where, args = where+` AND state = 'done' AND disposition = ?`, append(args, p.Disposition)
	case p.State == "done":
		where += ` AND state = 'done'`
	case p.State == "open":
		where += ` AND state <> 'done'`
	case p.State != "":
		return nil, fmt.Errorf("contacts of campaign %d: %w: state %q (want open or done)", p.CampaignID, ErrInvalidParams, p.State)
	}
	if p.Phone != "" {
		where, args = where+` AND phone_e164 = ?`, append(args, p.Phone)
	}
	page := &ContactPage{Contacts: []*Contact{}}
	if p.Phone != "" {
		if err := db.sql.QueryRowContext(ctx, db.q(`SELECT count(*) FROM contacts WHERE `+where), args...).Scan(&page.Total); err != nil {
			return nil, fmt.Errorf("contacts of campaign %d: %w", p.CampaignID, translate(err))
		}
	} else {
		cc, err := db.CampaignContactCounts(ctx, []int64{p.CampaignID})
		if err != nil {
			return nil, err
		}
		if c := cc[p.CampaignID]; c != nil {
			switch {
			case p.Disposition != "":
				page.Total = c.Dispositions[p.Disposition]
			case p.State == "done":
				page.Total = c.Done
			case p.State == "open":
				page.Total = c.Total - c.Done
			default:
				page.Total = c.Total
			}
		}
	}
	out, err := scanContacts(db.sql.QueryContext(ctx, db.q(`SELECT `+contactCols+` FROM contacts WHERE `+where+
		` AND id > ? ORDER BY id LIMIT ?`), append(args, p.AfterID, limit+1)...))
	if err != nil {
		return nil, fmt.Errorf("contacts of campaign %d: %w", p.CampaignID, err)
	}
	if len(out) > limit {
		out = out[:limit]
		page.Next = out[limit-1].ID
	}
	if out != nil {
		page.Contacts = out
	}
	return page, nil
}

// ContactSearch returns the contacts with this number in every campaign, newest first.
func (db *DB) ContactSearch(ctx context.Context, phone string, limit int) ([]*Contact, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out, err := scanContacts(db.sql.QueryContext(ctx, db.q(`SELECT `+contactCols+` FROM contacts WHERE phone_e164 = ?
		ORDER BY id DESC LIMIT ?`), phone, limit))
	if err != nil {
		return nil, fmt.Errorf("search contacts: %w", err)
	}
	return out, nil
}

// RetryEntry is a row of retry_schedule: a next try the policy, a callback or the gate set.
type RetryEntry struct {
	AttemptID int64     `json:"attempt_id,omitempty"`
	DueAt     time.Time `json:"due_at"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// RetryList returns a contact's scheduled retries in order.
func (db *DB) RetryList(ctx context.Context, contactID int64) ([]RetryEntry, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT attempt_id, due_at, reason, created_at FROM retry_schedule
		WHERE contact_id = ? ORDER BY id`), contactID)
	if err != nil {
		return nil, fmt.Errorf("retries of contact %d: %w", contactID, translate(err))
	}
	defer rows.Close()
	out := []RetryEntry{}
	for rows.Next() {
		var e RetryEntry
		var att sql.NullInt64
		if err := rows.Scan(&att, timeCol{&e.DueAt}, &e.Reason, timeCol{&e.CreatedAt}); err != nil {
			return nil, fmt.Errorf("retries of contact %d: %w", contactID, translate(err))
		}
		e.AttemptID = att.Int64
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// ExportRow is a contact with its last finished attempt's result ({} when none).
type ExportRow struct {
	*Contact
	LastResult json.RawMessage
}

// ContactExportPage reads up to limit contacts after afterID, each with its last
// finished attempt's result, in one statement (an export streams page by page).
func (db *DB) ContactExportPage(ctx context.Context, campaignID, afterID int64, limit int) ([]ExportRow, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT `+prefixCols("c.", contactCols)+`,
		(SELECT a.result FROM attempts a WHERE a.contact_id = c.id AND a.state = 'done' ORDER BY a.attempt_no DESC LIMIT 1)
		FROM contacts c WHERE c.campaign_id = ? AND c.id > ? ORDER BY c.id LIMIT ?`), campaignID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("export contacts of campaign %d: %w", campaignID, translate(err))
	}
	defer rows.Close()
	var out []ExportRow
	for rows.Next() {
		var res string
		c, err := scanContact(scanPlus{rows, []any{nullStr{&res}}})
		if err != nil {
			return nil, fmt.Errorf("export contacts of campaign %d: %w", campaignID, err)
		}
		out = append(out, ExportRow{Contact: c, LastResult: json.RawMessage(orJSON(res, "{}"))})
	}
	return out, translate(rows.Err())
}

// VariableKeys are the names of a campaign's contact variables, and of the call
// variables of its finished attempts: every key of result.captured, and the keys of
// result.variables that are not contact variables (those the script set); each sorted.
func (db *DB) VariableKeys(ctx context.Context, campaignID int64) (contact, call []string, err error) {
	keysQ := func(table, doc string) string {
		if db.backend == SQLite {
			typ, src := "json_type(contacts.variables)", "contacts.variables"
			if doc != "" {
				typ, src = "json_type(attempts.result, '$."+doc+"')", "json_extract(attempts.result, '$."+doc+"')"
			}
			return `SELECT DISTINCT j.key FROM ` + table + `, json_each(CASE WHEN ` + typ + ` = 'object'
				THEN ` + src + ` ELSE '{}' END) j WHERE campaign_id = ?` + map[bool]string{true: ` AND state = 'done'`}[doc != ""]
		}
		src := "variables"
		if doc != "" {
			src = "result->'" + doc + "'"
		}
		return `SELECT DISTINCT k FROM ` + table + `, jsonb_object_keys(CASE WHEN jsonb_typeof(` + src + `) = 'object'
			THEN ` + src + ` ELSE '{}' END) k WHERE campaign_id = $1` + map[bool]string{true: ` AND state = 'done'`}[doc != ""]
	}
	read := func(q string) ([]string, error) {
		rows, err := db.sql.QueryContext(ctx, q, campaignID)
		if err != nil {
			return nil, translate(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return nil, translate(err)
			}
			out = append(out, k)
		}
		return out, translate(rows.Err())
	}
	var captured, set []string
	if contact, err = read(keysQ("contacts", "")); err == nil {
		if captured, err = read(keysQ("attempts", "captured")); err == nil {
			set, err = read(keysQ("attempts", "variables"))
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("variables of campaign %d: %w", campaignID, err)
	}
	seen := map[string]bool{}
	for _, k := range contact {
		seen[k] = true
	}
	for _, k := range captured {
		if !seen["call:"+k] {
			seen["call:"+k] = true
			call = append(call, k)
		}
	}
	for _, k := range set {
		if !seen[k] && !seen["call:"+k] {
			seen["call:"+k] = true
			call = append(call, k)
		}
	}
	sort.Strings(contact)
	sort.Strings(call)
	return contact, call, nil
}
