package postgres

import (
	"strings"
	"testing"
)

// Whatever is pasted, validation answers without panicking, and a refusal
// never quotes the password (it is shown in the browser and may be logged).
func FuzzValidateConnString(f *testing.F) {
	for _, s := range []string{"postgres://u:p@h:5432/db", "host=h user=u password=p", "postgres://u:p@h:99999/db", "mysql://x", "postgres://u:p#x@h/db", "host=/tmp user=u", ""} {
		f.Add(s, "Sup3rSecretPassw0rd")
	}
	f.Fuzz(func(t *testing.T, s, password string) {
		_, _ = ValidateConnString(s)
		if len(password) < 12 || strings.ContainsAny(password, "@:/?#% \t\n'\"\\=&") {
			return
		}
		for _, conn := range []string{
			"postgres://u:" + password + "@" + s + "/db",
			"host=" + s + " user=u password=" + password,
		} {
			if _, err := ValidateConnString(conn); err != nil && strings.Contains(err.Error(), password) {
				t.Fatalf("the refusal quotes the password: %v", err)
			}
		}
	})
}
