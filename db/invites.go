package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

type Invite struct {
	ID          string     `json:"id"`
	Email       string     `json:"email"`
	Role        Role       `json:"role"`
	InvitedByID string     `json:"-"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	AcceptedAt  *time.Time `json:"-"`
	RevokedAt   *time.Time `json:"-"`
}

// Pending reports whether the invite can still be accepted at now.
func (i Invite) Pending(now time.Time) bool {
	return i.AcceptedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

const inviteColumns = `id, email, role, coalesce(invited_by, ''), created_at, expires_at, accepted_at, revoked_at`

func scanInvite(row interface{ Scan(...any) error }) (Invite, error) {
	var i Invite
	var created, expires string
	var accepted, revoked sql.NullString
	if err := row.Scan(&i.ID, &i.Email, &i.Role, &i.InvitedByID, &created, &expires, &accepted, &revoked); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Invite{}, ErrNotFound
		}
		return Invite{}, err
	}
	i.CreatedAt, i.ExpiresAt = parseTime(created), parseTime(expires)
	i.AcceptedAt, i.RevokedAt = parseNullTime(accepted), parseNullTime(revoked)
	return i, nil
}

// CreateInvite revokes any pending invite to the same email and stores a new
// one; it returns the invite and the one-time token (only its hash is kept).
func (d *DB) CreateInvite(ctx context.Context, email string, role Role, invitedBy string, ttl time.Duration) (Invite, string, error) {
	email = strings.TrimSpace(email)
	now := d.now()
	token, hash := NewToken()
	inv := Invite{ID: newID("inv_"), Email: email, Role: role, InvitedByID: invitedBy, CreatedAt: now, ExpiresAt: now.Add(ttl)}

	err := d.inTx(ctx, "create invite", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE invites SET revoked_at = ?
			WHERE email = ? AND accepted_at IS NULL AND revoked_at IS NULL`, formatTime(now), email); err != nil {
			return fmt.Errorf("revoke earlier invites: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO invites (id, email, role, token_hash, invited_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, inv.ID, inv.Email, inv.Role, hash, invitedBy, formatTime(now), formatTime(inv.ExpiresAt)); err != nil {
			return fmt.Errorf("create invite: %w", err)
		}
		return nil
	})
	if err != nil {
		return Invite{}, "", err
	}
	return inv, token, nil
}

// PendingInvites lists invites that can still be accepted, newest first.
func (d *DB) PendingInvites(ctx context.Context) ([]Invite, error) {
	return queryAll(ctx, d.read, "list invites", scanInvite, `SELECT `+inviteColumns+` FROM invites
		WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC`, formatTime(d.now()))
}

// InviteByToken finds an invite by its one-time token, whatever its state.
func (d *DB) InviteByToken(ctx context.Context, token string) (Invite, error) {
	return queryOne(ctx, d.read, "look up invite", scanInvite, `SELECT `+inviteColumns+` FROM invites WHERE token_hash = ?`, HashToken(token))
}

// RevokeInvite withdraws a pending invite.
func (d *DB) RevokeInvite(ctx context.Context, id string) error {
	res, err := d.write.ExecContext(ctx, `UPDATE invites SET revoked_at = ?
		WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL`, formatTime(d.now()), id)
	if err != nil {
		return fmt.Errorf("revoke invite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ErrInviteUsed is returned when an invite was accepted, revoked or expired
// between reading and accepting it.
var ErrInviteUsed = errors.New("invite no longer pending")

// AcceptInviteNewUser marks the invite accepted and creates its person in one
// transaction, so a link can never be used twice.
func (d *DB) AcceptInviteNewUser(ctx context.Context, inv Invite, name, passwordHash string) (User, error) {
	var u User
	err := d.inTx(ctx, "accept invite", func(tx *sql.Tx) error {
		if err := markAccepted(ctx, tx, inv.ID, d.now()); err != nil {
			return err
		}
		var err error
		u, err = insertUser(ctx, tx, inv.Email, name, passwordHash, inv.Role, d.now())
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// AcceptInviteExistingUser marks the invite accepted for a person who already
// has an account with its email, giving them the invite's role unless they
// already hold more (the owner stays owner).
func (d *DB) AcceptInviteExistingUser(ctx context.Context, inv Invite, userID string) error {
	return d.inTx(ctx, "accept invite", func(tx *sql.Tx) error {
		if err := markAccepted(ctx, tx, inv.ID, d.now()); err != nil {
			return err
		}
		if inv.Role == RoleAdmin {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET role = 'admin' WHERE id = ? AND role = 'member'`, userID); err != nil {
				return fmt.Errorf("accept invite: %w", err)
			}
		}
		return nil
	})
}

func markAccepted(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE invites SET accepted_at = ?
		WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
		formatTime(now), id, formatTime(now))
	if err != nil {
		return fmt.Errorf("accept invite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrInviteUsed
	}
	return nil
}
