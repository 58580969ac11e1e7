package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestClientCountsOKAndFailedByVersion(t *testing.T) {
	var n atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte(`{"version":"7"}`))
	}))
	defer target.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	_ = l.Close()
	t.Setenv("TARGET", target.URL)
	t.Setenv("INTERVAL", "5ms")
	t.Setenv("PORT", port)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runClient(ctx) }()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(5 * time.Second)
	for {
		var st clientStats
		resp, err := http.Get("http://127.0.0.1:" + port + "/stats")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if st.OK >= 3 && st.Failed >= 3 {
				if st.Versions["7"] != st.OK || st.LastError != "status 502" {
					t.Fatalf("stats = %+v: want every success counted under version 7 and the 502 as last error", st)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5s: stats %+v, err %v; want at least 3 ok and 3 failed", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
