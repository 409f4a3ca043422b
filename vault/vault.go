// Package vault seals credentials (Stripe keys, connection strings, webhook
// secrets, Clerk keys) before they are stored, with AES-256-GCM.
//
// A sealed value reads "v1:<base64 nonce||ciphertext>". The version prefix lets
// a later format or key rotation coexist with values already stored.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

const version = "v1"

// ErrUnsealable means a sealed value cannot be opened: it was sealed under
// another key, or it was altered. GCM's authentication guarantees we never
// hand back garbage instead.
var ErrUnsealable = errors.New("the stored credential cannot be decrypted: it was sealed with a different credentials key or has been altered")

type Vault struct {
	aead cipher.AEAD
}

// New builds a vault from a 32-byte key.
func New(key []byte) (*Vault, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("credentials key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("credentials key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("credentials key: %w", err)
	}
	return &Vault{aead: aead}, nil
}

// ParseKey decodes a base64 (standard or URL, padded or not) 32-byte key, as
// given in PARITYRAIL_CREDENTIALS_KEY.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("credentials key must decode to 32 bytes, got %d (generate one with: openssl rand -base64 32)", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("credentials key is not valid base64 (generate one with: openssl rand -base64 32)")
}

// LoadOrCreateKeyFile reads the key file at path, or creates it with a fresh
// random key and mode 0600 when it does not exist yet.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := ParseKey(string(data))
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate credentials key: %w", err)
	}
	// O_EXCL: if another process created it first, fail rather than overwrite
	// a key that may already seal stored values.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write key file: %w", err)
	}
	return key, nil
}

// Seal encrypts plaintext. Each call uses a fresh random nonce.
func (v *Vault) Seal(plaintext string) (string, error) {
	nonce := make([]byte, v.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal credential: %w", err)
	}
	out := v.aead.Seal(nonce, nonce, []byte(plaintext), []byte(version))
	return version + ":" + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal.
func (v *Vault) Open(sealed string) (string, error) {
	ver, body, ok := strings.Cut(sealed, ":")
	if !ok || ver != version {
		return "", fmt.Errorf("stored credential has an unknown format version %q", ver)
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil || len(raw) < v.aead.NonceSize()+v.aead.Overhead() {
		return "", ErrUnsealable
	}
	n := v.aead.NonceSize()
	plain, err := v.aead.Open(nil, raw[:n], raw[n:], []byte(version))
	if err != nil {
		return "", ErrUnsealable
	}
	return string(plain), nil
}
