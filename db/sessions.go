package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// NewToken returns a random URL-safe token and the hash that is stored in its
// place.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a session or invite token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession stores a new session for the user and returns its token.
func (d *DB) CreateSession(ctx context.Context, userID string, ttl time.Duration) (string, error) {
	token, hash := NewToken()
	now := d.now()
	_, err := d.write.ExecContext(ctx,
		`INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`,
		hash, userID, formatTime(now), formatTime(now.Add(ttl)), formatTime(now))
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, nil
}

// SessionUser returns the user behind a live session token.
func (d *DB) SessionUser(ctx context.Context, token string) (User, error) {
	return queryOne(ctx, d.read, "look up session", scanUser, `SELECT u.id, u.email, u.name, u.role, u.created_at, u.password_hash
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, HashToken(token), formatTime(d.now()))
}

func (d *DB) DeleteSession(ctx context.Context, token string) error {
	if _, err := d.write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, HashToken(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpired removes expired sessions, stale login failures and invites
// long past their expiry. It returns how many rows went.
func (d *DB) DeleteExpired(ctx context.Context, loginWindow time.Duration) (int64, error) {
	now := d.now()
	var total int64
	for _, q := range []struct {
		sql string
		arg string
	}{
		{`DELETE FROM sessions WHERE expires_at <= ?`, formatTime(now)},
		{`DELETE FROM login_failures WHERE failed_at <= ?`, formatTime(now.Add(-loginWindow))},
		{`DELETE FROM invites WHERE expires_at <= ? AND accepted_at IS NULL`, formatTime(now.Add(-30 * 24 * time.Hour))},
		// The digest reads a week of these; a forged-request flood must not grow them forever.
		{`DELETE FROM webhook_signature_failures WHERE at <= ?`, formatTime(now.Add(-35 * 24 * time.Hour))},
		{`DELETE FROM notification_outbox WHERE status IN ('delivered', 'failed') AND created_at <= ?`, formatTime(now.Add(-90 * 24 * time.Hour))},
	} {
		res, err := d.write.ExecContext(ctx, q.sql, q.arg)
		if err != nil {
			return total, fmt.Errorf("delete expired: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// RecordLoginFailure notes one failed sign-in for throttling.
func (d *DB) RecordLoginFailure(ctx context.Context, email, ip string) error {
	_, err := d.write.ExecContext(ctx, `INSERT INTO login_failures (email, ip, failed_at) VALUES (?, ?, ?)`,
		email, ip, formatTime(d.now()))
	if err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return nil
}

// LoginFailures counts recent failed sign-ins (since `since`): those for
// the email from this IP, and those from this IP for any email (password
// spraying), each with the time of its latest failure, which the growing
// delay counts from.
type LoginFailures struct {
	ForEmail, FromIP         int
	LastForEmail, LastFromIP time.Time
}

// RecentLoginFailures reads the failures that throttle a sign-in of email
// from ip. Failures from other addresses do not count: nobody can lock the
// owner out from elsewhere.
func (d *DB) RecentLoginFailures(ctx context.Context, email, ip string, since time.Time) (LoginFailures, error) {
	var f LoginFailures
	var lastEmail, lastIP *string
	err := d.read.QueryRowContext(ctx, `SELECT
		count(*) FILTER (WHERE email = ?), max(failed_at) FILTER (WHERE email = ?),
		count(*), max(failed_at)
		FROM login_failures WHERE ip = ? AND failed_at > ?`,
		email, email, ip, formatTime(since)).Scan(&f.ForEmail, &lastEmail, &f.FromIP, &lastIP)
	if err != nil {
		return f, fmt.Errorf("count login failures: %w", err)
	}
	if lastEmail != nil {
		f.LastForEmail = parseTime(*lastEmail)
	}
	if lastIP != nil {
		f.LastFromIP = parseTime(*lastIP)
	}
	return f, nil
}

// ClearLoginFailures forgets failures after a successful sign-in.
func (d *DB) ClearLoginFailures(ctx context.Context, email, ip string) error {
	if _, err := d.write.ExecContext(ctx, `DELETE FROM login_failures WHERE email = ? AND ip = ?`, email, ip); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// EndUserSessions drops every session of a user (sign out everywhere, a
// password change or reset), except the one whose token is kept (empty:
// none kept). It returns how many went.
func (d *DB) EndUserSessions(ctx context.Context, userID, keepToken string) (int64, error) {
	res, err := d.write.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, HashToken(keepToken))
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	return res.RowsAffected()
}
