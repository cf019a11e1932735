package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Seller is a company on whose behalf calls are made (a row of sellers).
type Seller struct {
	ID                  string    `json:"id"`
	Name                string    `json:"name"`
	CallerIDs           []string  `json:"caller_ids"`
	PlatformSuppression bool      `json:"platform_suppression"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// SellerPutParams create or replace a seller.
type SellerPutParams struct {
	ID                  string
	Name                string
	CallerIDs           []string
	PlatformSuppression bool
	Now                 time.Time
}

// SellerPut creates the seller or replaces its settings.
func (db *DB) SellerPut(ctx context.Context, p *SellerPutParams) (*Seller, error) {
	if p.ID == "" {
		return nil, fmt.Errorf("put seller: %w: an id is required", ErrInvalidParams)
	}
	now := db.ts(nowOr(p.Now))
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO sellers (id, name, caller_ids, platform_suppression, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, caller_ids = excluded.caller_ids,
		platform_suppression = excluded.platform_suppression, updated_at = excluded.updated_at`),
		p.ID, p.Name, jsonList(p.CallerIDs), p.PlatformSuppression, now, now)
	if err != nil {
		return nil, fmt.Errorf("put seller %q: %w", p.ID, translate(err))
	}
	return db.SellerGet(ctx, &SellerGetParams{ID: p.ID})
}

// SellerGetParams name a seller.
type SellerGetParams struct{ ID string }

// SellerGet returns a seller; ErrNotFound when there is none.
func (db *DB) SellerGet(ctx context.Context, p *SellerGetParams) (*Seller, error) {
	var s Seller
	var ids string
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT id, name, caller_ids, platform_suppression, created_at, updated_at
		FROM sellers WHERE id = ?`), p.ID).Scan(&s.ID, &s.Name, nullStr{&ids}, &s.PlatformSuppression,
		timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt})
	if err != nil {
		return nil, fmt.Errorf("get seller %q: %w", p.ID, translate(err))
	}
	if err := unmarshalList(ids, &s.CallerIDs); err != nil {
		return nil, fmt.Errorf("seller %q caller_ids: %w", p.ID, err)
	}
	return &s, nil
}

// CampaignCompliance is what the compliance gate reads of a campaign.
type CampaignCompliance struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Seller    string   `json:"seller"`
	Purpose   string   `json:"purpose"`
	Voice     string   `json:"voice"`      // artificial | live
	Subject   string   `json:"subject"`    // for per-subject caps; "" means the campaign name
	RulePacks string   `json:"rule_packs"` // comma-separated pack names; "" by the number's country
	Pacing    string   `json:"pacing"`     // one_to_one | predictive
	CallerIDs []string `json:"caller_ids"`
}

// CampaignComplianceGetParams name a campaign by id.
type CampaignComplianceGetParams struct{ ID int64 }

// CampaignComplianceGet reads a campaign's compliance settings.
func (db *DB) CampaignComplianceGet(ctx context.Context, p *CampaignComplianceGetParams) (*CampaignCompliance, error) {
	var c CampaignCompliance
	var ids string
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT id, name, seller, purpose, voice, subject, rule_packs, pacing, caller_ids
		FROM campaigns WHERE id = ?`), p.ID).Scan(&c.ID, &c.Name, &c.Seller, &c.Purpose, &c.Voice, &c.Subject,
		&c.RulePacks, &c.Pacing, nullStr{&ids})
	if err != nil {
		return nil, fmt.Errorf("get campaign %d compliance: %w", p.ID, translate(err))
	}
	if err := unmarshalList(ids, &c.CallerIDs); err != nil {
		return nil, fmt.Errorf("campaign %d caller_ids: %w", p.ID, err)
	}
	return &c, nil
}

// CampaignComplianceSetParams change a campaign's compliance settings; empty fields
// keep their value.
type CampaignComplianceSetParams struct {
	ID                                      int64
	Seller, Purpose, Voice, Subject, Pacing string
	RulePacks                               *string
	Now                                     time.Time
}

// CampaignComplianceSet updates a campaign's compliance settings.
func (db *DB) CampaignComplianceSet(ctx context.Context, p *CampaignComplianceSetParams) error {
	packs := any(nil)
	if p.RulePacks != nil {
		packs = *p.RulePacks
	}
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE campaigns SET
		seller = COALESCE(NULLIF(?, ''), seller), purpose = COALESCE(NULLIF(?, ''), purpose),
		voice = COALESCE(NULLIF(?, ''), voice), subject = COALESCE(NULLIF(?, ''), subject),
		pacing = COALESCE(NULLIF(?, ''), pacing), rule_packs = COALESCE(?, rule_packs), updated_at = ? WHERE id = ?`),
		p.Seller, p.Purpose, p.Voice, p.Subject, p.Pacing, packs, db.ts(nowOr(p.Now)), p.ID)
	if err != nil {
		return fmt.Errorf("set campaign %d compliance: %w", p.ID, translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set campaign %d compliance: %w", p.ID, ErrNotFound)
	}
	return nil
}

// AbandonCountsParams ask for a campaign's live answers and abandoned calls since an instant.
type AbandonCountsParams struct {
	CampaignID int64
	Since      time.Time
}

// AbandonCounts counts live-answered and abandoned attempts of a campaign since Since. An
// abandoned call was answered live (outcome abandoned: no free bot slot), so it counts in
// both; answering machines (outcome voicemail) count in neither.
func (db *DB) AbandonCounts(ctx context.Context, p *AbandonCountsParams) (live, abandoned int64, err error) {
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT
		COALESCE(SUM(CASE WHEN outcome IN ('answered', 'abandoned') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN outcome = 'abandoned' OR disposition = 'abandoned' THEN 1 ELSE 0 END), 0)
		FROM attempts WHERE campaign_id = ? AND started_at >= ?`), p.CampaignID, db.ts(p.Since)).Scan(&live, &abandoned)
	if err != nil {
		return 0, 0, fmt.Errorf("abandon counts of campaign %d: %w", p.CampaignID, translate(err))
	}
	return live, abandoned, nil
}

// TransferCounts counts a campaign's transfers to agents (admitted or abandoned) and
// abandoned transfers since Since, from its call events (transfer_admitted,
// transfer_abandoned).
func (db *DB) TransferCounts(ctx context.Context, p *AbandonCountsParams) (transfers, abandoned int64, err error) {
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT
		COALESCE(SUM(CASE WHEN type IN ('transfer_admitted', 'transfer_abandoned') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN type = 'transfer_abandoned' THEN 1 ELSE 0 END), 0)
		FROM call_events WHERE campaign_id = ? AND type IN ('transfer_admitted', 'transfer_abandoned') AND at >= ?`),
		p.CampaignID, db.ts(p.Since)).Scan(&transfers, &abandoned)
	if err != nil {
		return 0, 0, fmt.Errorf("transfer counts of campaign %d: %w", p.CampaignID, translate(err))
	}
	return transfers, abandoned, nil
}

// ContactFacts is what the contacts table knows about a number's subscriber (its most
// recent row with each fact).
type ContactFacts struct {
	TimeZone string
	LineType string
	Region   string
}

// ContactFactsGet returns the number's latest known address zone, line type and region
// (empty strings when unknown; not an error).
func (db *DB) ContactFactsGet(ctx context.Context, p *ContactZoneParams) (*ContactFacts, error) {
	f, err := queryRows(ctx, db, scanContactFacts, contactFactsSQL, p.Phone)
	if err != nil {
		return nil, fmt.Errorf("contact facts: %w", err)
	}
	return &f, nil
}

// ContactDebtIDsParams ask for a contact's debt ids.
type ContactDebtIDsParams struct{ ContactID int64 }

// ContactDebtIDs returns the debt ids a contact's calls are about (nil when none).
func (db *DB) ContactDebtIDs(ctx context.Context, p *ContactDebtIDsParams) ([]string, error) {
	var s string
	if err := db.sql.QueryRowContext(ctx, db.q(`SELECT debt_ids FROM contacts WHERE id = ?`), p.ContactID).Scan(&s); err != nil {
		return nil, fmt.Errorf("debt ids of contact %d: %w", p.ContactID, translate(err))
	}
	return splitIDs(s), nil
}

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// ContactZoneParams ask for the address zone known for a number.
type ContactZoneParams struct{ Phone string }

// ContactZone returns the time zone of the number's most recent contact row with one ("" when
// none is known).
func (db *DB) ContactZone(ctx context.Context, p *ContactZoneParams) (string, error) {
	var tz string
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT time_zone FROM contacts WHERE phone_e164 = ? AND time_zone <> ''
		ORDER BY id DESC LIMIT 1`), p.Phone).Scan(&tz)
	if err != nil {
		if err = translate(err); err == ErrNotFound {
			return "", nil
		}
		return "", fmt.Errorf("contact zone: %w", err)
	}
	return tz, nil
}

// HistoryEvent is one earlier attempt on a number, with its campaign's seller and subject.
type HistoryEvent struct {
	AttemptID   int64
	CallID      string // the attempt's SIP Call-ID
	CampaignID  int64
	Seller      string
	Subject     string
	StartedAt   time.Time
	AnsweredAt  time.Time
	CallerID    string
	State       string
	Outcome     string
	Disposition string
	DebtIDs     []string // the contact's debts (nil: not known)
}

// AttemptHistoryParams ask for a number's attempts started in [Since, Until].
type AttemptHistoryParams struct {
	Phone        string
	Since, Until time.Time
	// OptedOut keeps only attempts whose disposition is opted_out (Since is then ignored).
	OptedOut bool
}

// AttemptHistory lists a number's attempts in start order, over every campaign.
func (db *DB) AttemptHistory(ctx context.Context, p *AttemptHistoryParams) ([]HistoryEvent, error) {
	var out []HistoryEvent
	var err error
	if p.OptedOut {
		out, err = queryRows(ctx, db, scanHistory, historyOptedOutSQL, p.Phone, db.ts(p.Until))
	} else {
		out, err = queryRows(ctx, db, scanHistory, historySinceSQL, p.Phone, db.ts(p.Until), db.ts(p.Since))
	}
	if err != nil {
		return nil, fmt.Errorf("attempt history: %w", err)
	}
	return out, nil
}

// CallAttemptParams find the attempt of a SIP call.
type CallAttemptParams struct{ CallID string }

// CallAttempt returns the attempt with the call id, its campaign's seller and its phone.
func (db *DB) CallAttempt(ctx context.Context, p *CallAttemptParams) (attemptID int64, seller, phone string, err error) {
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT a.id, c.seller, a.phone_e164 FROM attempts a JOIN campaigns c ON c.id = a.campaign_id
		WHERE a.call_id = ? ORDER BY a.id DESC LIMIT 1`), p.CallID).Scan(&attemptID, &seller, &phone)
	if err != nil {
		return 0, "", "", fmt.Errorf("attempt of call %q: %w", p.CallID, translate(err))
	}
	return attemptID, seller, phone, nil
}
