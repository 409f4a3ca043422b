package vault

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testVault(t *testing.T, fill byte) *Vault {
	t.Helper()
	v, err := New(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSealOpenRoundTripAndNeverPlaintext(t *testing.T) {
	v := testVault(t, 1)
	secret := "sk_live_51Habcdefghijklmnop"
	a, err := v.Seal(secret)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := v.Seal(secret)
	if a == b {
		t.Error("two seals of the same value are identical: nonce reused")
	}
	if !strings.HasPrefix(a, "v1:") || strings.Contains(a, "sk_live") {
		t.Errorf("sealed value %q is not a versioned ciphertext", a)
	}
	got, err := v.Open(a)
	if err != nil || got != secret {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestWrongKeyAndTamperingAreClearErrors(t *testing.T) {
	sealed, _ := testVault(t, 1).Seal("postgres://app:hunter2@db/app")
	if _, err := testVault(t, 2).Open(sealed); !errors.Is(err, ErrUnsealable) {
		t.Errorf("wrong key: err = %v, want ErrUnsealable", err)
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	raw[len(raw)-1] ^= 0x01
	tampered := "v1:" + base64.StdEncoding.EncodeToString(raw)
	if _, err := testVault(t, 1).Open(tampered); !errors.Is(err, ErrUnsealable) {
		t.Errorf("tampered: err = %v, want ErrUnsealable", err)
	}
	for _, bad := range []string{"", "v1:", "v1:!!!", "v9:AAAA", "plain text"} {
		if _, err := testVault(t, 1).Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

func TestParseKey(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if k, err := ParseKey(" " + good + "\n"); err != nil || len(k) != 32 {
		t.Errorf("ParseKey(good) = %d bytes, %v", len(k), err)
	}
	short := base64.StdEncoding.EncodeToString([]byte("too short"))
	if _, err := ParseKey(short); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Errorf("short key: %v", err)
	}
	if _, err := ParseKey("not base64 at all!"); err == nil || !strings.Contains(err.Error(), "base64") {
		t.Errorf("bad key: %v", err)
	}
}

func TestKeyFileCreatedOnceWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.key")
	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("second load returned a different key (%v)", err)
	}
	os.WriteFile(path, []byte("garbage"), 0o600)
	if _, err := LoadOrCreateKeyFile(path); err == nil {
		t.Error("a corrupt key file was accepted")
	}
}
