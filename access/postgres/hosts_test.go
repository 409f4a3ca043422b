package postgres

import (
	"errors"
	"testing"
)

func TestRefuseInternalHosts(t *testing.T) {
	for _, tc := range []struct {
		conn    string
		refused bool
	}{
		{"postgres://u:p@db.example.com:5432/app", false},
		{"postgres://u:p@127.0.0.1:5432/app", false},
		{"postgres://u:p@10.0.0.5/app", false},
		{"postgres://u:p@169.254.169.254/app", true},
		{"postgres://u:p@169.254.10.1:5432/app", true},
		{"postgres://u:p@[fd00:ec2::254]:5432/app", true},
		{"postgres://u:p@[fe80::1]:5432/app", true},
		{"postgres://u:p@metadata.google.internal/app", true},
		{"host=/var/run/postgresql user=u dbname=app", true},
		{"postgres://u:p@db.example.com,169.254.169.254/app", true},
	} {
		s, err := ValidateConnString(tc.conn)
		if err != nil {
			t.Fatalf("%s: %v", tc.conn, err)
		}
		err = RefuseInternalHosts(s)
		var pe *Error
		if tc.refused != (err != nil) || err != nil && (!errors.As(err, &pe) || pe.Field != "host") {
			t.Errorf("%s: refused=%v (%v), want %v", tc.conn, err != nil, err, tc.refused)
		}
	}
}
