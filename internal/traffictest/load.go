package traffictest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// LoadResult is what a load run saw.
type LoadResult struct {
	Sent, OK, Failed int
	// Versions counts successful answers by the demo app's "version".
	Versions map[string]int
	// Failures holds the first failures, in order ("12:00:01.123 GET /: 502 Bad Gateway").
	Failures []string
	// Latencies of the successful requests, sorted.
	Latencies []time.Duration
	Elapsed   time.Duration
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of the successful requests.
func (r *LoadResult) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies))*p/100+0.5) - 1
	return r.Latencies[min(max(i, 0), len(r.Latencies)-1)]
}

func (r *LoadResult) String() string {
	return fmt.Sprintf("%d sent, %d ok, %d failed in %s (versions %v, p50 %s, p99 %s)",
		r.Sent, r.OK, r.Failed, r.Elapsed.Round(time.Millisecond), r.Versions, r.Percentile(50), r.Percentile(99))
}

// Load sends GET url at rate requests per second (each on its own goroutine, as
// independent clients do, over one keep-alive connection pool) until ctx ends, then
// waits for the requests in flight. A request fails on a transport error, a timeout
// (5 s) or a status other than 200.
func Load(ctx context.Context, url string, rate int) *LoadResult {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	res := &LoadResult{Versions: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			res.Elapsed = time.Since(start)
			slices.Sort(res.Latencies)
			return res
		case <-tick.C:
		}
		res.Sent++
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			version, err := get(client, url)
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed++
				if len(res.Failures) < 20 {
					res.Failures = append(res.Failures, t0.Format("15:04:05.000")+" "+err.Error())
				}
				return
			}
			res.OK++
			res.Versions[version]++
			res.Latencies = append(res.Latencies, d)
		}()
	}
}

// Bench sends n requests from c concurrent clients as fast as they are answered.
func Bench(url string, n, c int) *LoadResult {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	res := &LoadResult{Versions: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan struct{})
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				t0 := time.Now()
				version, err := get(client, url)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.Failed++
				} else {
					res.OK++
					res.Versions[version]++
					res.Latencies = append(res.Latencies, d)
				}
				mu.Unlock()
			}
		}()
	}
	for range n {
		next <- struct{}{}
		res.Sent++
	}
	close(next)
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(res.Latencies)
	return res
}

// get GETs url and returns the "version" of the demo app's JSON answer.
func get(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("GET %s: reading the body: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var v struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(body, &v)
	return v.Version, nil
}

// nomadtestHTTP is a client for one-off requests of the tests.
func nomadtestHTTP() *http.Client { return &http.Client{Timeout: 5 * time.Second} }
