package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/bcrypt"

	"parityrail/db"
	"parityrail/server"
)

// runResetPasswordCommand is `parityrail reset-password [--data-dir dir]
// EMAIL`: the way back in for an owner who forgot their password. Whoever
// can run the binary on the data folder already holds everything, so it asks
// nothing more. It sets a new random password, prints it once, and ends
// every session of the account.
func runResetPasswordCommand(args []string, stdout, stderr io.Writer) error {
	fs, dataDir := stateFlags("reset-password", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: parityrail reset-password [--data-dir dir] EMAIL")
	}
	_, store, err := openState(*dataDir, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	u, err := store.GetUserByEmail(ctx, fs.Arg(0))
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("no account has the email %q", fs.Arg(0))
	}
	if err != nil {
		return err
	}
	password, err := randomPassword(20)
	if err != nil {
		return err
	}
	if err := server.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	if err := store.SetPasswordHash(ctx, u.ID, string(hash)); err != nil {
		return err
	}
	n, err := store.EndUserSessions(ctx, u.ID, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "New password for %s: %s\nSign in with it, then change it under Account. %d session(s) were signed out.\n", u.Email, password, n)
	return nil
}

const passwordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func randomPassword(n int) (string, error) {
	out := make([]byte, n)
	max := big.NewInt(int64(len(passwordAlphabet)))
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		out[i] = passwordAlphabet[k.Int64()]
	}
	return string(out), nil
}
