package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// With PARITYRAIL_LOG_FORMAT=json every log line is one JSON object, and a
// request's id travels in X-Request-Id, its log line and its error body.
func TestJSONLogsAndRequestIDs(t *testing.T) {
	if _, err := newLogger("info", "xml", &bytes.Buffer{}); err == nil {
		t.Error("an unknown log format was accepted")
	}
	var out lockedBuffer
	log, err := newLogger("debug", "json", &out)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- serve(ctx, config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "debug"}, log, func(a string) { ready <- a })
	}()
	base := "http://" + <-ready

	get := func(path, id string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		json.NewDecoder(res.Body).Decode(&body)
		return res, body
	}
	res, body := get("/api/no-such-path", "support-ticket-42")
	if got := res.Header.Get("X-Request-Id"); got != "support-ticket-42" {
		t.Errorf("sent id not echoed: %q", got)
	}
	if e, _ := body["error"].(map[string]any); e == nil || e["request_id"] != "support-ticket-42" {
		t.Errorf("error body lacks the request id: %v", body)
	}
	res, _ = get("/api/health", "bad id with spaces and ${evil}")
	generated := res.Header.Get("X-Request-Id")
	if generated == "" || strings.Contains(generated, " ") {
		t.Errorf("an insane id was not replaced: %q", generated)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	out.mu.Lock()
	defer out.mu.Unlock()
	seen := map[string]bool{}
	sc := bufio.NewScanner(&out.b)
	lines := 0
	for sc.Scan() {
		lines++
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if line["msg"] == "request" {
			id, _ := line["request_id"].(string)
			if id == "" {
				t.Errorf("request line without request_id: %s", sc.Text())
			}
			seen[id] = true
		}
	}
	if lines < 3 || !seen["support-ticket-42"] || !seen[generated] {
		t.Errorf("%d lines; request ids logged: %v", lines, seen)
	}
}
