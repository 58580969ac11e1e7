package synctest_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// TestSyncLatency measures commit-to-registered latency (push done → the job's
// JobModifyIndex changed) over 20 commits with the webhook and with polling. Services
// have desiredCount 0, so "registered" is reached before any rollout starts. With
// SYNC_LATENCY_OUT set, a Markdown table row per mode is appended to that file.
func TestSyncLatency(t *testing.T) {
	n := 20
	if v, err := strconv.Atoi(os.Getenv("SYNC_LATENCY_COMMITS")); err == nil && v > 0 {
		n = v
	}
	for _, mode := range []string{"webhook", "poll"} {
		t.Run(mode, func(t *testing.T) {
			c, ns, addr := synctest.Nomad(t)
			repo := gittest.New(t)
			repo.Commit("v0", repotest.New(ns, repotest.Service{Name: "web", Version: "0"}).Files())
			args := []string{"--repo", repo.ServeHTTP(), "--namespace", ns, "--cache-dir", t.TempDir()}
			interval := "1h"
			if mode == "poll" {
				interval = "250ms"
			}
			args = append(args, "--interval", interval)
			if mode == "webhook" {
				t.Setenv("SYNC_TEST_HOOK_SECRET", hookSecret)
				args = append(args, "--webhook-secret-env", "SYNC_TEST_HOOK_SECRET")
			}
			d := synctest.StartDaemon(t, addr, args...)
			synctest.Eventually(t, 15*time.Second, "first deploy", func() bool { return running(job(t, c, ns, "web")) })

			var lat []time.Duration
			for i := 1; i <= n; i++ {
				before := modifyIndex(t, c, ns, "web")
				repo.Commit(fmt.Sprintf("v%d", i), repotest.New(ns, repotest.Service{Name: "web", Version: strconv.Itoa(i)}).Files())
				start := time.Now()
				if mode == "webhook" {
					pushHook(t, d)
				}
				synctest.Eventually(t, 15*time.Second, "registered", func() bool { return modifyIndex(t, c, ns, "web") != before })
				lat = append(lat, time.Since(start))
			}
			med, p95 := percentile(lat, 50), percentile(lat, 95)
			t.Logf("%s: %d commits, median %s, p95 %s", mode, n, med, p95)
			if mode == "webhook" && med > time.Second {
				t.Errorf("webhook median %s, target < 1s", med)
			}
			if out := os.Getenv("SYNC_LATENCY_OUT"); out != "" {
				f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				if err == nil {
					fmt.Fprintf(f, "| %s (interval %s) | %d | %s | %s |\n", mode, interval, n, med.Round(time.Millisecond), p95.Round(time.Millisecond))
					f.Close()
				}
			}
		})
	}
}

func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(min(i, len(s))-1, 0)]
}
