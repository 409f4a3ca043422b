package netcause

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Real failures, not hand-made errors: a refused port, a name that cannot
// resolve, a server that never answers.
func TestDescribeRealFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept, never answer
		}
	}()

	client := &http.Client{Timeout: 300 * time.Millisecond}
	cases := []struct{ url, want string }{
		{"http://" + closed + "/", "the connection was refused"},
		{"http://no-such-host.invalid/", "its host name does not resolve"},
		{"http://" + silent.Addr().String() + "/", "no answer in time"},
	}
	for _, c := range cases {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", c.url, nil)
		_, err := client.Do(req)
		if err == nil {
			t.Fatalf("%s: no error", c.url)
		}
		if got := Describe(err); got != c.want {
			t.Errorf("%s: %q (from %v), want %q", c.url, got, err, c.want)
		}
		if strings.Contains(Describe(err), "dial tcp") {
			t.Errorf("Go error text leaked: %q", Describe(err))
		}
	}
}
