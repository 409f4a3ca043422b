package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// API key capabilities: read state, run checks and ignore incidents; repair
// also approves repairs.
const (
	CapabilityRead   = "read"
	CapabilityRepair = "repair"
)

// APIKey is a stored key: never the key itself, only what identifies it.
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	ProjectID  string     `json:"project_id"` // "" reaches every project
	Capability string     `json:"capability"`
	Prefix     string     `json:"prefix"`
	Last4      string     `json:"last4"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	LastUsedIP string     `json:"last_used_ip"`
	RevokedAt  *time.Time `json:"-"`
}

// Actor is how the key appears in the ledger.
func (k APIKey) Actor() string { return "apikey:" + k.ID }

// CreateAPIKey stores a key by its hash.
func (d *DB) CreateAPIKey(ctx context.Context, k APIKey, hash string) (APIKey, error) {
	k.ID, k.CreatedAt = newID("key_"), d.now()
	_, err := d.write.ExecContext(ctx, `INSERT INTO api_keys
		(id, key_hash, name, project_id, capability, prefix, last4, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, hash, k.Name, k.ProjectID, k.Capability, k.Prefix, k.Last4, k.CreatedBy, formatTime(k.CreatedAt))
	if err != nil {
		return APIKey{}, fmt.Errorf("create api key: %w", err)
	}
	return k, nil
}

const apiKeyColumns = `id, name, project_id, capability, prefix, last4, created_by, created_at, last_used_at, last_used_ip, revoked_at`

func scanAPIKey(row interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	var created string
	var used, revoked sql.NullString
	err := row.Scan(&k.ID, &k.Name, &k.ProjectID, &k.Capability, &k.Prefix, &k.Last4, &k.CreatedBy, &created, &used,
		&k.LastUsedIP, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return k, ErrNotFound
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = parseTime(created), parseNullTime(used), parseNullTime(revoked)
	return k, err
}

// ListAPIKeys returns the keys not revoked, newest first.
func (d *DB) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	return queryAll(ctx, d.read, "list api keys", scanAPIKey,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at DESC, id`)
}

// APIKeyByHash finds a live key (not revoked) by the hash of what a caller
// presented.
func (d *DB) APIKeyByHash(ctx context.Context, hash string) (APIKey, error) {
	return queryOne(ctx, d.read, "look up api key", scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE key_hash = ? AND revoked_at IS NULL`, hash)
}

// APIKeyNames maps key ids to names, revoked keys included (a ledger actor
// outlives its key).
func (d *DB) APIKeyNames(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := eachPair(ctx, d.read, "api key names", func(id, name string) { out[id] = name }, `SELECT id, name FROM api_keys`)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RevokeAPIKey revokes a live key; the next request with it is refused.
func (d *DB) RevokeAPIKey(ctx context.Context, id, by string) (APIKey, error) {
	k, err := scanAPIKey(d.read.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ? AND revoked_at IS NULL`, id))
	if err != nil {
		return k, err
	}
	return k, d.execOne(ctx, "revoke api key", `UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
		formatTime(d.now()), by, id)
}

// TouchAPIKey records a key's last use. To keep a busy script from writing
// on every request, the time is only moved once a minute unless the address
// changed.
func (d *DB) TouchAPIKey(ctx context.Context, id, ip string) error {
	now := d.now()
	_, err := d.write.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ?, last_used_ip = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ? OR last_used_ip <> ?)`,
		formatTime(now), ip, id, formatTime(now.Add(-time.Minute)), ip)
	if err != nil {
		return fmt.Errorf("touch api key: %w", err)
	}
	return nil
}
