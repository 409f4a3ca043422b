package db

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBackupIsACompleteCopy(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(filepath.Join(dir, "parityrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.CreateOwner(t.Context(), "o@example.com", "O", "hash"); err != nil {
		t.Fatal(err)
	}
	p, err := d.CreateProject(t.Context(), "Kept")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "backup.db")
	if err := d.Backup(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", st.Mode().Perm())
	}
	if err := d.Backup(t.Context(), out); err == nil {
		t.Error("backup overwrote an existing file")
	}
	b, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.GetProject(t.Context(), p.ID)
	if err != nil || got.Name != "Kept" {
		t.Errorf("project in backup: %+v %v", got, err)
	}
	if n, _ := b.CountUsers(t.Context()); n != 1 {
		t.Errorf("users in backup = %d", n)
	}
}

func TestOnlyOneOwnerEvenUnderConcurrentSetup(t *testing.T) {
	d := newTestStore(t)
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func(i int) {
			_, err := d.CreateOwner(t.Context(), "o"+string(rune('a'+i))+"@example.com", "O", "hash")
			errs <- err
		}(i)
	}
	ok := 0
	for i := 0; i < 8; i++ {
		if <-errs == nil {
			ok++
		}
	}
	if n, _ := d.CountUsers(t.Context()); ok != 1 || n != 1 {
		t.Errorf("%d setups succeeded, %d users", ok, n)
	}
}
