package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Dashboard roles (package dashboard decides what each may do).
const (
	RoleAdmin       = "admin"
	RoleMarketing   = "marketing"
	RoleCollections = "collections"
	RoleCompliance  = "compliance"
	RoleManager     = "manager"
)

// Roles lists the valid roles.
var Roles = []string{RoleAdmin, RoleMarketing, RoleCollections, RoleCompliance, RoleManager}

// User is a dashboard user. PasswordHash never leaves the process in JSON.
type User struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

const userCols = `id, name, role, password_hash, disabled, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	if err := row.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}); err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// UserCreateParams add a user; PasswordHash is made by the caller (bcrypt).
type UserCreateParams struct {
	Name         string
	Role         string
	PasswordHash string
	Now          time.Time
}

// UserCreate inserts a user; a taken name is ErrConflict, an unknown role ErrInvalidParams.
func (db *DB) UserCreate(ctx context.Context, p *UserCreateParams) (*User, error) {
	if strings.TrimSpace(p.Name) == "" {
		return nil, fmt.Errorf("create user: %w: name is required", ErrInvalidParams)
	}
	if !validRole(p.Role) {
		return nil, fmt.Errorf("create user %q: %w: role %q (want one of %s)", p.Name, ErrInvalidParams, p.Role, strings.Join(Roles, ", "))
	}
	now := db.ts(nowOr(p.Now))
	u, err := scanUser(db.sql.QueryRowContext(ctx, db.q(`INSERT INTO users (name, role, password_hash, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING `+userCols), p.Name, p.Role, p.PasswordHash, false, now, now))
	if err != nil {
		return nil, fmt.Errorf("create user %q: %w", p.Name, err)
	}
	return u, nil
}

func validRole(r string) bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// UserGetParams name a user by ID or, when ID is 0, by Name.
type UserGetParams struct {
	ID   int64
	Name string
}

// UserGet reads one user; ErrNotFound when there is none.
func (db *DB) UserGet(ctx context.Context, p *UserGetParams) (*User, error) {
	var row *sql.Row
	if p.ID != 0 {
		row = db.sql.QueryRowContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE id = ?`), p.ID)
	} else {
		row = db.sql.QueryRowContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE name = ?`), p.Name)
	}
	u, err := scanUser(row)
	if err != nil {
		if p.ID != 0 {
			return nil, fmt.Errorf("user %d: %w", p.ID, err)
		}
		return nil, fmt.Errorf("user %q: %w", p.Name, err)
	}
	return u, nil
}

// UserList returns every user in id order.
func (db *DB) UserList(ctx context.Context) ([]*User, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", translate(err))
	}
	defer rows.Close()
	out := []*User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, translate(rows.Err())
}

// UserUpdateParams change a user; nil fields stay as they are.
type UserUpdateParams struct {
	ID           int64
	Role         *string
	PasswordHash *string
	Disabled     *bool
	Now          time.Time
}

// UserUpdate changes a user. Disabling a user or changing the password
// ends the user's sessions.
func (db *DB) UserUpdate(ctx context.Context, p *UserUpdateParams) (*User, error) {
	set := []string{"updated_at = ?"}
	args := []any{db.ts(nowOr(p.Now))}
	if p.Role != nil {
		if !validRole(*p.Role) {
			return nil, fmt.Errorf("update user %d: %w: role %q", p.ID, ErrInvalidParams, *p.Role)
		}
		set, args = append(set, "role = ?"), append(args, *p.Role)
	}
	if p.PasswordHash != nil {
		set, args = append(set, "password_hash = ?"), append(args, *p.PasswordHash)
	}
	if p.Disabled != nil {
		set, args = append(set, "disabled = ?"), append(args, *p.Disabled)
	}
	args = append(args, p.ID)
	var u *User
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, db.q(`UPDATE users SET `+strings.Join(set, ", ")+` WHERE id = ? RETURNING `+userCols), args...))
		if err != nil {
			return err
		}
		if p.PasswordHash != nil || (p.Disabled != nil && *p.Disabled) {
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE user_id = ?`), p.ID); err != nil {
				return translate(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update user %d: %w", p.ID, err)
	}
	return u, nil
}

// Session is a browser session (the cookie's hash, never the cookie).
type Session struct {
	TokenHash string
	User      *User
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionCreateParams open a session.
type SessionCreateParams struct {
	TokenHash string
	UserID    int64
	CSRF      string
	ExpiresAt time.Time
	Now       time.Time
}

// SessionCreate records a session.
func (db *DB) SessionCreate(ctx context.Context, p *SessionCreateParams) error {
	if p.TokenHash == "" || p.UserID == 0 || p.ExpiresAt.IsZero() {
		return fmt.Errorf("create session: %w: TokenHash, UserID and ExpiresAt are required", ErrInvalidParams)
	}
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		p.TokenHash, p.UserID, p.CSRF, db.ts(nowOr(p.Now)), db.ts(p.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", translate(err))
	}
	return nil
}

// SessionGetParams find a live session by its hash.
type SessionGetParams struct {
	TokenHash string
	Now       time.Time
}

// SessionGet returns the session with its user; ErrNotFound when there is
// none or it expired. Disabled users' sessions are returned with the user
// marked disabled: the caller refuses them.
func (db *DB) SessionGet(ctx context.Context, p *SessionGetParams) (*Session, error) {
	var s Session
	var u User
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT s.token_hash, s.csrf, s.created_at, s.expires_at,
		u.id, u.name, u.role, u.password_hash, u.disabled, u.created_at, u.updated_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?`),
		p.TokenHash, db.ts(nowOr(p.Now))).Scan(&s.TokenHash, &s.CSRF, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt},
		&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
	if err != nil {
		return nil, fmt.Errorf("session: %w", translate(err))
	}
	s.User = &u
	return &s, nil
}

// SessionDeleteParams end a session, or every expired session when TokenHash is "".
type SessionDeleteParams struct {
	TokenHash string
	Now       time.Time
}

// SessionDelete ends a session (logout) or sweeps expired ones; it returns how many went.
func (db *DB) SessionDelete(ctx context.Context, p *SessionDeleteParams) (int, error) {
	var res sql.Result
	var err error
	if p.TokenHash != "" {
		res, err = db.sql.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE token_hash = ?`), p.TokenHash)
	} else {
		res, err = db.sql.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE expires_at <= ?`), db.ts(nowOr(p.Now)))
	}
	if err != nil {
		return 0, fmt.Errorf("delete session: %w", translate(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Token is an API token (its hash and a short prefix to recognise it by).
type Token struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Name       string    `json:"name"`
	Prefix     string    `json:"prefix"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	Revoked    bool      `json:"revoked"`
	User       *User     `json:"-"`
}

// TokenCreateParams add an API token; TokenHash is the SHA-256 of the secret.
type TokenCreateParams struct {
	UserID    int64
	Name      string
	TokenHash string
	Prefix    string
	ExpiresAt time.Time // zero: never
	Now       time.Time
}

// TokenCreate records an API token.
func (db *DB) TokenCreate(ctx context.Context, p *TokenCreateParams) (*Token, error) {
	if p.TokenHash == "" || p.UserID == 0 {
		return nil, fmt.Errorf("create token: %w: TokenHash and UserID are required", ErrInvalidParams)
	}
	var t Token
	err := db.sql.QueryRowContext(ctx, db.q(`INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id, user_id, name, prefix, created_at`),
		p.UserID, p.Name, p.TokenHash, p.Prefix, db.ts(nowOr(p.Now)), db.tsNull(p.ExpiresAt)).
		Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, timeCol{&t.CreatedAt})
	if err != nil {
		return nil, fmt.Errorf("create token: %w", translate(err))
	}
	t.ExpiresAt = p.ExpiresAt.UTC().Truncate(time.Millisecond)
	return &t, nil
}

// TokenGetParams find a usable token by hash.
type TokenGetParams struct {
	TokenHash string
	Now       time.Time
}

// TokenGet returns the token with its user and records its use; ErrNotFound
// when there is none, it was revoked or it expired.
func (db *DB) TokenGet(ctx context.Context, p *TokenGetParams) (*Token, error) {
	now := db.ts(nowOr(p.Now))
	var t Token
	var u User
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT t.id, t.user_id, t.name, t.prefix, t.created_at, t.expires_at, t.last_used_at, t.revoked,
		u.id, u.name, u.role, u.password_hash, u.disabled, u.created_at, u.updated_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND NOT t.revoked AND (t.expires_at IS NULL OR t.expires_at > ?)`), p.TokenHash, now).
		Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.LastUsedAt}, &t.Revoked,
			&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
	if err != nil {
		return nil, fmt.Errorf("token: %w", translate(err))
	}
	t.User = &u
	_, _ = db.sql.ExecContext(ctx, db.q(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), now, t.ID)
	return &t, nil
}

// TokenListParams list a user's tokens (UserID 0: everyone's).
type TokenListParams struct {
	UserID int64
}

// TokenList returns tokens in id order.
func (db *DB) TokenList(ctx context.Context, p *TokenListParams) ([]*Token, error) {
	query := `SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked FROM api_tokens`
	var args []any
	if p.UserID != 0 {
		query += ` WHERE user_id = ?`
		args = append(args, p.UserID)
	}
	rows, err := db.sql.QueryContext(ctx, db.q(query+` ORDER BY id`), args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", translate(err))
	}
	defer rows.Close()
	out := []*Token{}
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt},
			timeCol{&t.LastUsedAt}, &t.Revoked); err != nil {
			return nil, fmt.Errorf("list tokens: %w", translate(err))
		}
		out = append(out, &t)
	}
	return out, translate(rows.Err())
}

// TokenRevokeParams revoke a token.
type TokenRevokeParams struct {
	ID int64
}

// TokenRevoke revokes a token; ErrNotFound when there is none.
func (db *DB) TokenRevoke(ctx context.Context, p *TokenRevokeParams) error {
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE api_tokens SET revoked = ? WHERE id = ?`), true, p.ID)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", p.ID, translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke token %d: %w", p.ID, ErrNotFound)
	}
	return nil
}

// CampaignOwnerSetParams give a campaign to a user.
type CampaignOwnerSetParams struct {
	CampaignID int64
	UserID     int64
}

// CampaignOwnerSet records (or changes) a campaign's owner.
func (db *DB) CampaignOwnerSet(ctx context.Context, p *CampaignOwnerSetParams) error {
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO campaign_owners (campaign_id, user_id) VALUES (?, ?)
		ON CONFLICT (campaign_id) DO UPDATE SET user_id = excluded.user_id`), p.CampaignID, p.UserID)
	if err != nil {
		return fmt.Errorf("set owner of campaign %d: %w", p.CampaignID, translate(err))
	}
	return nil
}

// CampaignOwnerList maps campaign ids to their owners' user ids (campaigns
// created outside the dashboard have none).
func (db *DB) CampaignOwnerList(ctx context.Context) (map[int64]int64, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT campaign_id, user_id FROM campaign_owners`)
	if err != nil {
		return nil, fmt.Errorf("list campaign owners: %w", translate(err))
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var c, u int64
		if err := rows.Scan(&c, &u); err != nil {
			return nil, fmt.Errorf("list campaign owners: %w", translate(err))
		}
		out[c] = u
	}
	return out, translate(rows.Err())
}

// AdminAuditEntry is a row of the admin audit log.
type AdminAuditEntry struct {
	ID     int64           `json:"id"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Target string          `json:"target"`
	Detail json.RawMessage `json:"detail"`
}

// AdminAuditAppendParams record an admin action.
type AdminAuditAppendParams struct {
	Actor  string
	Action string
	Target string
	Detail any // marshalled to JSON; nil is {}
	At     time.Time
}

// AdminAuditAppend records an admin action.
func (db *DB) AdminAuditAppend(ctx context.Context, p *AdminAuditAppendParams) error {
	data := []byte("{}")
	if p.Detail != nil {
		var err error
		if data, err = json.Marshal(p.Detail); err != nil {
			return fmt.Errorf("audit %s: %w: %v", p.Action, ErrInvalidParams, err)
		}
	}
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO admin_audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`),
		db.ts(nowOr(p.At)), p.Actor, p.Action, p.Target, string(data))
	if err != nil {
		return fmt.Errorf("audit %s: %w", p.Action, translate(err))
	}
	return nil
}

// AdminAuditListParams page backwards through the audit log (newest first).
type AdminAuditListParams struct {
	BeforeID int64 // 0: from the newest
	Limit    int   // default 100
}

// AdminAuditList returns entries newest first.
func (db *DB) AdminAuditList(ctx context.Context, p *AdminAuditListParams) ([]*AdminAuditEntry, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT id, at, actor, action, target, detail FROM admin_audit`
	var args []any
	if p.BeforeID > 0 {
		query += ` WHERE id < ?`
		args = append(args, p.BeforeID)
	}
	args = append(args, limit)
	rows, err := db.sql.QueryContext(ctx, db.q(query+` ORDER BY id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", translate(err))
	}
	defer rows.Close()
	out := []*AdminAuditEntry{}
	for rows.Next() {
		var e AdminAuditEntry
		var detail string
		if err := rows.Scan(&e.ID, timeCol{&e.At}, &e.Actor, &e.Action, &e.Target, nullStr{&detail}); err != nil {
			return nil, fmt.Errorf("list audit: %w", translate(err))
		}
		e.Detail = json.RawMessage(orJSON(detail, "{}"))
		out = append(out, &e)
	}
	return out, translate(rows.Err())
}
