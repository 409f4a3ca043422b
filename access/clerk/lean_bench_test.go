package clerk

import (
	"fmt"
	"testing"

	"parityrail/demo/clerkfake"
)

// BenchmarkDecodeUsersPage decodes one full page as the fake serves it:
// lean (what a check runs) and through clerk-sdk (the fallback).
func BenchmarkDecodeUsersPage(b *testing.B) {
	f := clerkfake.New(clerkfake.Options{SecretKeys: []string{testKey}})
	f.GenerateUsers(pageSize, func(i int) map[string]any {
		return map[string]any{"stripe_customer_id": fmt.Sprintf("cus_b%06d", i), "plan": "pro"}
	})
	page := fakeUsersPage(b, f, "limit=500")
	c := &Client{}
	for _, bc := range []struct {
		name   string
		decode func([]byte) ([]User, error)
	}{{"lean", leanUsers}, {"clerk-sdk", c.decodeUsersJSON}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for range b.N {
				if _, err := bc.decode(page); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
