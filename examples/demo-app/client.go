package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// queryMillis reads ?name=N as milliseconds, capped at max (0 when absent or bad).
func queryMillis(r *http.Request, name string, max time.Duration) time.Duration {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n < 0 {
		return 0
	}
	return min(time.Duration(n)*time.Millisecond, max)
}

// clientStats is what --mode=client serves at GET /stats.
type clientStats struct {
	Target    string `json:"target"`
	OK        int64  `json:"ok"`
	Failed    int64  `json:"failed"`
	LastError string `json:"last_error,omitempty"`
	// Versions counts successful answers by the "version" field of the target's JSON
	// body, so a test can see a rollout happen through the client.
	Versions map[string]int64 `json:"versions,omitempty"`
}

// runClient calls $TARGET every $INTERVAL, the way a service calls another by an address
// it was given (a Service Connect alias, a load balancer). Each failure is logged; the
// counts are served at GET /stats on $PORT (default 8080) so a test reads them from outside.
func runClient(ctx context.Context) error {
	target := envOr("TARGET", "")
	if target == "" {
		return errors.New("--mode=client needs $TARGET (a URL)")
	}
	interval := envDuration("INTERVAL", 50*time.Millisecond)
	port := envOr("PORT", "8080")

	var mu sync.Mutex
	st := clientStats{Target: target, Versions: map[string]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	srv := &http.Server{Addr: net.JoinHostPort("", port), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Printf("client stats server: %v", err)
		}
	}()
	defer func() { _ = srv.Close() }()

	log.Printf("client version %s: GET %s every %s, stats on :%s/stats", version, target, interval, port)
	hc := &http.Client{Timeout: 5 * time.Second}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			mu.Lock()
			log.Printf("client stopping: %d ok, %d failed", st.OK, st.Failed)
			mu.Unlock()
			return nil
		case <-t.C:
		}
		v, err := getVersion(ctx, hc, target)
		mu.Lock()
		if err != nil {
			st.Failed++
			st.LastError = err.Error()
			log.Printf("GET %s: %v", target, err)
		} else {
			st.OK++
			st.Versions[v]++
		}
		mu.Unlock()
	}
}

// getVersion GETs url and returns the "version" of its JSON body ("" when it has none).
func getVersion(ctx context.Context, hc *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	var b struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Version, nil
}
