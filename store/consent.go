package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Consent is one record of the consent ledger.
type Consent struct {
	ID                int64     `json:"id"`
	Phone             string    `json:"phone"`
	Seller            string    `json:"seller"`
	Kind              string    `json:"kind"`  // written | express | direct
	Scope             []string  `json:"scope"` // purposes covered
	ArtificialVoice   bool      `json:"artificial_voice"`
	Source            string    `json:"source,omitempty"`
	EvidenceText      string    `json:"evidence_text,omitempty"` // the notice text shown
	EvidenceIP        string    `json:"evidence_ip,omitempty"`
	EvidenceRecording string    `json:"evidence_recording,omitempty"` // hash of the recording
	GivenAt           time.Time `json:"given_at"`
	ExpiresAt         time.Time `json:"expires_at,omitzero"`
	RevokedAt         time.Time `json:"revoked_at,omitzero"`
	RevokedVia        string    `json:"revoked_via,omitempty"`
	RevokedBy         string    `json:"revoked_by,omitempty"`
	RecordedBy        string    `json:"recorded_by,omitempty"`
	RecordHash        string    `json:"record_hash"`
	CreatedAt         time.Time `json:"created_at"`
}

const consentCols = `id, phone_e164, seller, kind, scope, artificial_voice, source, evidence_text, evidence_ip,
	evidence_recording, given_at, expires_at, revoked_at, revoked_via, revoked_by, recorded_by, record_hash, created_at`

func scanConsent(row interface{ Scan(...any) error }) (*Consent, error) {
	var c Consent
	var scope string
	err := row.Scan(&c.ID, &c.Phone, &c.Seller, &c.Kind, nullStr{&scope}, &c.ArtificialVoice, &c.Source, &c.EvidenceText,
		&c.EvidenceIP, &c.EvidenceRecording, timeCol{&c.GivenAt}, timeCol{&c.ExpiresAt}, timeCol{&c.RevokedAt},
		&c.RevokedVia, &c.RevokedBy, &c.RecordedBy, &c.RecordHash, timeCol{&c.CreatedAt})
	if err != nil {
		return nil, translate(err)
	}
	if err := unmarshalList(scope, &c.Scope); err != nil {
		return nil, fmt.Errorf("consent %d scope: %w", c.ID, err)
	}
	return &c, nil
}

// ConsentRecordHash is the SHA-256 of a consent record's content (not its id, revocation
// or bookkeeping; times at the store's millisecond), so that a record edited after it was
// stored no longer matches the hash the gate's decisions cite. The ledger seals every record
// with it (ConsentAdd); callers never choose it.
func ConsentRecordHash(c *Consent) string {
	scope := c.Scope
	if scope == nil {
		scope = []string{} // a stored record reads back an empty list, never null
	}
	doc, _ := json.Marshal([]any{c.Phone, c.Seller, c.Kind, scope, c.ArtificialVoice, c.Source, c.EvidenceText,
		c.EvidenceIP, c.EvidenceRecording, hashTime(c.GivenAt), hashTime(c.ExpiresAt)})
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}

// hashTime is t as the store keeps it (UTC, milliseconds), RFC 3339; "" for the zero time.
func hashTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)
}

// ConsentAddParams record consents (one per element of Consents; ID, revocation,
// CreatedAt and RecordHash are ignored: the store seals each record with
// ConsentRecordHash of its content, so a record stored through any path — CLI, API,
// import — is one the gate relies upon).
type ConsentAddParams struct {
	Consents []Consent
	Now      time.Time
}

// ConsentAdd appends consents in one transaction and returns their ids.
func (db *DB) ConsentAdd(ctx context.Context, p *ConsentAddParams) ([]int64, error) {
	now := db.ts(nowOr(p.Now))
	ids := make([]int64, 0, len(p.Consents))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, db.q(`INSERT INTO consents (phone_e164, seller, kind, scope, artificial_voice, source,
			evidence_text, evidence_ip, evidence_recording, given_at, expires_at, recorded_by, record_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`))
		if err != nil {
			return translate(err)
		}
		defer st.Close()
		for i := range p.Consents {
			c := &p.Consents[i]
			if c.Phone == "" || c.Seller == "" || c.GivenAt.IsZero() {
				return fmt.Errorf("consent %d: %w: phone, seller and given_at are required", i+1, ErrInvalidParams)
			}
			var id int64
			if err := st.QueryRowContext(ctx, c.Phone, c.Seller, c.Kind, jsonList(c.Scope), c.ArtificialVoice, c.Source,
				c.EvidenceText, c.EvidenceIP, c.EvidenceRecording, db.ts(c.GivenAt), db.tsNull(c.ExpiresAt), c.RecordedBy,
				ConsentRecordHash(c), now).Scan(&id); err != nil {
				return fmt.Errorf("consent %d: %w", i+1, translate(err))
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add consents: %w", err)
	}
	return ids, nil
}

// ConsentRevokeParams revoke a number's consents for a seller (all purposes).
type ConsentRevokeParams struct {
	Phone, Seller string
	Via           string // the channel: call_opt_out, dtmf, api, cli, sms …
	By            string
	At            time.Time
}

// ConsentRevoke revokes every consent of the number for the seller not yet revoked and
// returns how many it revoked.
func (db *DB) ConsentRevoke(ctx context.Context, p *ConsentRevokeParams) (int, error) {
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE consents SET revoked_at = ?, revoked_via = ?, revoked_by = ?
		WHERE phone_e164 = ? AND seller = ? AND revoked_at IS NULL`), db.ts(nowOr(p.At)), p.Via, p.By, p.Phone, p.Seller)
	if err != nil {
		return 0, fmt.Errorf("revoke consents of %s for %q: %w", p.Phone, p.Seller, translate(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ConsentListParams select a number's consents (Seller optional).
type ConsentListParams struct {
	Phone, Seller string
}

// ConsentList lists the number's consents in id order.
func (db *DB) ConsentList(ctx context.Context, p *ConsentListParams) ([]*Consent, error) {
	var out []*Consent
	var err error
	if p.Seller == "" {
		out, err = queryRows(ctx, db, scanConsents, consentsOfSQL, p.Phone)
	} else {
		out, err = queryRows(ctx, db, scanConsents, `SELECT `+consentCols+` FROM consents WHERE phone_e164 = ? AND seller = ? ORDER BY id`, p.Phone, p.Seller)
	}
	if err != nil {
		return nil, fmt.Errorf("list consents: %w", err)
	}
	return out, nil
}

// EBR is an established business relationship.
type EBR struct {
	Phone, Seller, Kind string // kind: purchase | inquiry
	At                  time.Time
}

// EBRAdd records an established business relationship.
func (db *DB) EBRAdd(ctx context.Context, e *EBR) error {
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO ebrs (phone_e164, seller, kind, at) VALUES (?, ?, ?, ?)`),
		e.Phone, e.Seller, e.Kind, db.ts(e.At))
	if err != nil {
		return fmt.Errorf("add EBR: %w", translate(err))
	}
	return nil
}

// EBRList lists a number's established business relationships.
func (db *DB) EBRList(ctx context.Context, phone string) ([]EBR, error) {
	out, err := queryRows(ctx, db, scanEBRs, ebrsOfSQL, phone)
	if err != nil {
		return nil, fmt.Errorf("list EBRs: %w", err)
	}
	return out, nil
}

// ReassignedCheck is a Reassigned Numbers Database answer.
type ReassignedCheck struct {
	Phone, Answer string // yes | no | no_data
	CheckedAt     time.Time
}

// ReassignedAdd records a Reassigned Numbers Database answer.
func (db *DB) ReassignedAdd(ctx context.Context, r *ReassignedCheck) error {
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO reassigned_checks (phone_e164, answer, checked_at) VALUES (?, ?, ?)`),
		r.Phone, r.Answer, db.ts(r.CheckedAt))
	if err != nil {
		return fmt.Errorf("add reassigned check: %w", translate(err))
	}
	return nil
}

// ReassignedLatest returns the newest answer checked at or before at (ErrNotFound: none).
func (db *DB) ReassignedLatest(ctx context.Context, phone string, at time.Time) (*ReassignedCheck, error) {
	var r ReassignedCheck
	err := db.sql.QueryRowContext(ctx, db.q(reassignedAtSQL), phone, db.ts(at)).
		Scan(&r.Phone, &r.Answer, timeCol{&r.CheckedAt})
	if err != nil {
		return nil, fmt.Errorf("reassigned check of %s: %w", phone, translate(err))
	}
	return &r, nil
}

// sealConsents is migration 0010's Go step: every consent stored without a record hash
// gets the hash of its content, and each repair is noted in admin_audit.
func (db *DB) sealConsents(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+consentCols+` FROM consents WHERE record_hash = '' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("seal consents: %w", translate(err))
	}
	var unsealed []*Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("seal consents: %w", err)
		}
		unsealed = append(unsealed, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("seal consents: %w", translate(err))
	}
	now := db.ts(time.Now())
	for _, c := range unsealed {
		h := ConsentRecordHash(c)
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE consents SET record_hash = ? WHERE id = ? AND record_hash = ''`), h, c.ID); err != nil {
			return fmt.Errorf("seal consent %d: %w", c.ID, translate(err))
		}
		detail, _ := json.Marshal(map[string]any{"record_hash": h, "recorded_by": c.RecordedBy, "created_at": c.CreatedAt})
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO admin_audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`),
			now, "migration 0010", "consent.seal", fmt.Sprintf("consent %d", c.ID), string(detail)); err != nil {
			return fmt.Errorf("seal consent %d: %w", c.ID, translate(err))
		}
	}
	return nil
}
