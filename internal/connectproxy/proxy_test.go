package connectproxy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func backend(t *testing.T, name string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, name) }))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

func writeConfig(t *testing.T, path string, ls ...Listener) {
	t.Helper()
	b, _ := json.Marshal(Config{Listeners: ls})
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil { // as Nomad's template renders
		t.Fatal(err)
	}
}

func startProxy(t *testing.T, path string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, path, Options{Reload: 20 * time.Millisecond, DialTimeout: 200 * time.Millisecond, Log: log.New(io.Discard, "", 0)})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func get(t *testing.T, url string) (string, int) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("proxy does not listen on %s", addr)
}

// A dead endpoint (a task that stopped but is still in the rendered file) costs no
// request: every request is retried on the live one.
func TestHTTPRetriesOnAnotherEndpoint(t *testing.T) {
	live, dead := backend(t, "live"), freeAddr(t)
	path := filepath.Join(t.TempDir(), "connect.json")
	listen := freeAddr(t)
	writeConfig(t, path, Listener{Name: "orders:8080", Listen: listen, Protocol: ProtocolHTTP, Upstream: "orders", Endpoints: []string{dead, live}})
	startProxy(t, path)
	waitListening(t, listen)
	for i := 0; i < 20; i++ {
		if body, code := get(t, "http://"+listen+"/"); code != 200 || body != "live" {
			t.Fatalf("request %d: %d %q, want 200 \"live\"", i, code, body)
		}
	}
}

// A re-rendered file moves traffic to the new endpoints; no endpoint at all is a 503
// after the request timeout, not a hang.
func TestEndpointsFollowTheFile(t *testing.T) {
	v1, v2 := backend(t, "v1"), backend(t, "v2")
	path := filepath.Join(t.TempDir(), "connect.json")
	listen := freeAddr(t)
	l := Listener{Name: "orders:8080", Listen: listen, Protocol: ProtocolHTTP, Upstream: "orders", Endpoints: []string{v1}, RequestTimeoutSeconds: 1}
	writeConfig(t, path, l)
	startProxy(t, path)
	waitListening(t, listen)
	if body, _ := get(t, "http://"+listen+"/"); body != "v1" {
		t.Fatalf("got %q, want v1", body)
	}
	l.Endpoints = []string{v2}
	writeConfig(t, path, l)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if body, _ := get(t, "http://"+listen+"/"); body == "v2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the proxy still sends to v1 5 s after the file changed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	l.Endpoints = nil
	writeConfig(t, path, l)
	time.Sleep(200 * time.Millisecond)
	if _, code := get(t, "http://"+listen+"/"); code != http.StatusServiceUnavailable {
		t.Fatalf("no endpoint: got %d, want 503", code)
	}
}

func TestTCPForwardsToALiveEndpoint(t *testing.T) {
	live, dead := backend(t, "live"), freeAddr(t)
	path := filepath.Join(t.TempDir(), "connect.json")
	listen := freeAddr(t)
	writeConfig(t, path, Listener{Name: "db:5432", Listen: listen, Protocol: ProtocolTCP, Upstream: "db", Endpoints: []string{dead, live}})
	startProxy(t, path)
	waitListening(t, listen)
	for i := 0; i < 5; i++ {
		if body, code := get(t, "http://"+listen+"/"); code != 200 || body != "live" {
			t.Fatalf("connection %d: %d %q", i, code, body)
		}
	}
}

func TestParseConfigRejects(t *testing.T) {
	for _, tc := range []struct{ name, json, want string }{
		{"bad listen", `{"listeners":[{"name":"a","listen":"nope","protocol":"http"}]}`, `listen "nope"`},
		{"twice", `{"listeners":[{"name":"a","listen":"127.0.0.1:1","protocol":"http"},{"name":"b","listen":"127.0.0.1:1","protocol":"tcp"}]}`, "used twice"},
		{"protocol", `{"listeners":[{"name":"a","listen":"127.0.0.1:1","protocol":"grpc"}]}`, `protocol "grpc"`},
		{"endpoint", `{"listeners":[{"name":"a","listen":"127.0.0.1:1","protocol":"tcp","endpoints":["x"]}]}`, `endpoint "x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	if _, err := ParseConfig([]byte(fmt.Sprintf(`{"listeners":[{"name":"a","listen":%q,"protocol":"http","endpoints":["10.0.0.1:80"]}]}`, "127.255.0.1:8080"))); err != nil {
		t.Fatal(err)
	}
}
