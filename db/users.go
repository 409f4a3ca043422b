package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Role is a person's workspace role. Roles are cumulative: an owner can do
// everything an admin can, an admin everything a member can.
type Role string

const (
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
	RoleOwner  Role = "owner"
)

func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 3
	case RoleAdmin:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// AtLeast reports whether r includes everything min can do.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r.rank() > 0 }

type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	CreatedAt    time.Time `json:"created_at"`
	PasswordHash string    `json:"-"`
}

// ErrEmailTaken is returned when a user with the email already exists.
var ErrEmailTaken = errors.New("email already taken")

// ErrSetupDone is returned by CreateOwner once any user exists.
var ErrSetupDone = errors.New("setup already done")

const userColumns = `id, email, name, role, created_at, password_hash`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var created string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &created, &u.PasswordHash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, ErrNotFound
		}
		return User{}, err
	}
	u.CreatedAt = parseTime(created)
	return u, nil
}

// CountUsers returns how many people the workspace has.
func (d *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := d.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateOwner creates the first person, as owner, only while nobody exists.
// The check and the insert share one immediate transaction so two concurrent
// setups cannot both succeed.
func (d *DB) CreateOwner(ctx context.Context, email, name, passwordHash string) (User, error) {
	var u User
	err := d.inTx(ctx, "create owner", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("create owner: %w", err)
		}
		if n > 0 {
			return ErrSetupDone
		}
		var err error
		u, err = insertUser(ctx, tx, email, name, passwordHash, RoleOwner, d.now())
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

func insertUser(ctx context.Context, tx *sql.Tx, email, name, passwordHash string, role Role, now time.Time) (User, error) {
	u := User{ID: newID("usr_"), Email: strings.TrimSpace(email), Name: name, Role: role, CreatedAt: now, PasswordHash: passwordHash}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.PasswordHash, u.Role, formatTime(now))
	if err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
			return User{}, ErrEmailTaken
		}
		return User{}, fmt.Errorf("insert user: %w", err)
	}
	return u, nil
}

func (d *DB) GetUser(ctx context.Context, id string) (User, error) {
	return queryOne(ctx, d.read, "get user", scanUser, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)
}

func (d *DB) GetUserByEmail(ctx context.Context, email string) (User, error) {
	return queryOne(ctx, d.read, "get user by email", scanUser, `SELECT `+userColumns+` FROM users WHERE email = ?`, strings.TrimSpace(email))
}

// ListUsers lists everyone, owner first, then by when they joined.
func (d *DB) ListUsers(ctx context.Context) ([]User, error) {
	return queryAll(ctx, d.read, "list users", scanUser, `SELECT `+userColumns+` FROM users
		ORDER BY CASE role WHEN 'owner' THEN 0 ELSE 1 END, created_at, id`)
}

// SetUserRole changes a non-owner's role; the owner row is never touched here.
func (d *DB) SetUserRole(ctx context.Context, id string, role Role) error {
	res, err := d.write.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ? AND role <> 'owner'`, role, id)
	if err != nil {
		return fmt.Errorf("set role: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteUser removes a non-owner; their sessions go with them.
func (d *DB) DeleteUser(ctx context.Context, id string) error {
	res, err := d.write.ExecContext(ctx, `DELETE FROM users WHERE id = ? AND role <> 'owner'`, id)
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetPasswordHash replaces a user's password hash.
func (d *DB) SetPasswordHash(ctx context.Context, userID, hash string) error {
	res, err := d.write.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
