package server

import (
	_ "embed"
	"strings"
	"sync"
)

// minPasswordLen is the shortest password accepted for a new account or a
// change: length beats complexity rules against guessing.
const minPasswordLen = 12

// commonPasswords are the 10,000 most common passwords, from zxcvbn's
// frequency list (github.com/dropbox/zxcvbn data/passwords.txt, built from
// the Xato corpus; MIT licence), one per line, most common first. Any of
// them falls to the first minutes of a guessing attack whatever its length.
//
//go:embed data/common-passwords.txt
var commonPasswords string

var commonSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10000)
	for _, p := range strings.Fields(commonPasswords) {
		set[p] = struct{}{}
	}
	return set
})

// validatePassword is the one password rule, for setup, invites, changes and
// the CLI reset.
func validatePassword(p string) error {
	if len([]rune(p)) < minPasswordLen {
		return badRequest("weak_password", "Use a password of at least %d characters.", minPasswordLen)
	}
	// bcrypt ignores everything after 72 bytes; refuse rather than silently truncate.
	if len(p) > 72 {
		return badRequest("invalid_password", "Passwords can be at most 72 bytes long.")
	}
	if _, common := commonSet()[strings.ToLower(p)]; common {
		return badRequest("weak_password", "This password is one of the 10,000 most common ones, which attackers try first. Choose another.")
	}
	return nil
}

// ValidatePassword applies the password rule for callers outside the
// server (the reset-password command).
func ValidatePassword(p string) error { return validatePassword(p) }
