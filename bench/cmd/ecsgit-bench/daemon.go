package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"
)

const rssEvery = 2 * time.Second

// stepDaemon starts `ecsgit sync` on a local Git repository of N services and measures
// commit → registered latency (webhook and poll) and the daemon's resident memory.
func (b *bench) stepDaemon(ctx context.Context) {
	n := b.c.DaemonN
	res := &DaemonResult{N: n, PollInterval: b.c.PollInterval.String(), Window: b.c.Soak.String(), RSSEvery: rssEvery.String()}
	b.res.Daemon = res
	if !b.has["sync"] {
		res.Unavailable = missing
		return
	}
	if err := b.daemon(ctx, res); err != nil {
		res.Err = err.Error()
		log.Printf("daemon: %v", err)
	}
}

func (b *bench) daemon(ctx context.Context, res *DaemonResult) error {
	n := res.N
	ns := b.ns(fmt.Sprintf("n%d-sync", n))
	defer b.k.purge(ns)
	g, err := b.generate(n, ns, 0, false)
	if err != nil {
		return err
	}
	git := func(args ...string) error {
		cmd := exec.Command("git", append([]string{"-C", g.Dir, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := git("init", "-q", "-b", "main"); err != nil {
		return err
	}
	if err := git("add", "."); err != nil {
		return err
	}
	if err := git("commit", "-q", "-m", "initial"); err != nil {
		return err
	}
	secret := "bench-secret"
	secretFile := filepath.Join(b.c.Work, "webhook-secret")
	if err := os.WriteFile(secretFile, []byte(secret), 0o600); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	logf, err := os.Create(filepath.Join(b.c.Work, "sync.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"sync", "--repo", "file://" + g.Dir, "--ref", "main",
		"--interval", b.c.PollInterval.String(), "--listen", listen, "--namespace", ns,
		"--webhook-secret-file", secretFile, "--cache-dir", filepath.Join(b.c.Work, "sync-cache")}
	var prof *profiler
	if b.c.ProfileDir != "" {
		pport, err := freePort()
		if err != nil {
			return err
		}
		prof = &profiler{addr: fmt.Sprintf("127.0.0.1:%d", pport), dir: b.c.ProfileDir, every: b.c.ProfileEvery}
		args = append(args, "--pprof-listen", prof.addr)
	}
	cmd := exec.CommandContext(ctx, b.c.Ecsgit, args...)
	cmd.Env = append(os.Environ(), "NOMAD_ADDR="+b.k.addr)
	if b.c.DaemonEnv != "" {
		cmd.Env = append(cmd.Env, strings.Split(b.c.DaemonEnv, ",")...)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	// Converge: all N jobs registered.
	deadline := time.Now().Add(b.c.ConvergeTimeout)
	for {
		jobs, _, err := b.k.c.Jobs().List(&api.QueryOptions{Namespace: ns})
		if err == nil && len(jobs) >= n {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sync did not register %d jobs in %s (see %s)", n, b.c.ConvergeTimeout, logf.Name())
		}
		if cmd.ProcessState != nil {
			return fmt.Errorf("sync exited")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// And the first pass over: its records, its digest and its status written. The N
	// jobs are listed once the last register lands, while the pass still waits for the
	// last evaluations and writes its records; a commit made then is only seen by the
	// pass after it, and would be timed as the tail of the first one.
	head, err := gitOutput(g.Dir, "rev-parse", "HEAD")
	if err != nil {
		return err
	}
	for !deployed(listen, head) {
		if time.Now().After(deadline) {
			return fmt.Errorf("sync registered %d jobs but did not report commit %.12s deployed in 10 min (see %s)", n, head, logf.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
	res.Converge = time.Since(start).Seconds()
	log.Printf("daemon N=%d: converged (first pass over) in %.1fs", n, res.Converge)

	rev := 0
	// change commits one edit to one service and returns its job ID.
	change := func() (string, error) {
		rev++
		i := (rev * 37) % n
		id := fmt.Sprintf("svc-%04d", i)
		f := filepath.Join(g.Dir, id, "taskdef.json")
		raw, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		old := `"value": "info"`
		if !bytes.Contains(raw, []byte(old)) {
			old = `"value": "rev-` // changed before
			k := bytes.Index(raw, []byte(old))
			if k < 0 {
				return "", fmt.Errorf("%s: no LOG_LEVEL value to change", f)
			}
			end := bytes.IndexByte(raw[k+len(old):], '"')
			old = string(raw[k : k+len(old)+end+1])
		}
		raw = bytes.Replace(raw, []byte(old), []byte(`"value": "rev-`+strconv.Itoa(rev)+`"`), 1)
		if err := os.WriteFile(f, raw, 0o644); err != nil {
			return "", err
		}
		return id, git("commit", "-q", "-am", "bench change "+strconv.Itoa(rev))
	}
	// measure commits one change and waits until Nomad has the new job.
	measure := func(hook bool, timeout time.Duration) (float64, error) {
		i := ((rev + 1) * 37) % n
		id := fmt.Sprintf("svc-%04d", i)
		before := b.k.jobModifyIndex(ns, id)
		if _, err := change(); err != nil {
			return 0, err
		}
		t0 := time.Now()
		if hook {
			if err := postWebhook(listen, secret); err != nil {
				return 0, err
			}
		}
		for time.Since(t0) < timeout {
			j, _, err := b.k.c.Jobs().Info(id, &api.QueryOptions{Namespace: ns, WaitIndex: before, WaitTime: time.Second})
			if err == nil && j.JobModifyIndex != nil && *j.JobModifyIndex > before {
				return time.Since(t0).Seconds(), nil
			}
			if err != nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
		return 0, fmt.Errorf("job %s not registered %s after the commit", id, timeout)
	}
	// Poll latency: commits without a webhook.
	for range 3 {
		d, err := measure(false, 3*b.c.PollInterval+30*time.Second)
		if err != nil {
			return fmt.Errorf("poll: %w", err)
		}
		res.Poll.Add(d)
		log.Printf("daemon poll: commit → registered %.2fs", d)
	}
	// Memory window, with a webhook-triggered commit every 15 s (the webhook samples).
	pid := cmd.Process.Pid
	if prof != nil {
		prof.pid, prof.start = pid, time.Now()
		pctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { prof.run(pctx); close(done) }()
		defer func() { stop(); <-done }() // before the daemon is stopped (deferred earlier)
	}
	end := time.Now().Add(b.c.Soak)
	nextCommit := time.Now()
	for time.Now().Before(end) {
		if time.Now().After(nextCommit) {
			d, err := measure(true, 30*time.Second)
			if err != nil {
				return fmt.Errorf("webhook: %w", err)
			}
			res.Webhook.Add(d)
			nextCommit = time.Now().Add(15 * time.Second)
		}
		rss, err := rssMiB(pid)
		if err != nil {
			return err
		}
		res.RSSMiB = append(res.RSSMiB, rss)
		time.Sleep(rssEvery)
	}
	log.Printf("daemon N=%d: webhook median %.3fs over %d commits; RSS %.1f..%.1f MiB", n, res.Webhook.Median(), res.Webhook.N(), Stat{res.RSSMiB}.Min(), Stat{res.RSSMiB}.Max())
	return nil
}

// postWebhook sends a GitLab push event. Each has its own ID and payload, as GitLab's do:
// the daemon ignores a replayed delivery.
// deployed reports whether the daemon's status (GET /v1/status, docs/sync.md) names sha
// as the last revision applied successfully.
func deployed(listen, sha string) bool {
	resp, err := http.Get("http://" + listen + "/v1/status")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var st struct {
		Deployed *struct {
			SHA string `json:"sha"`
		} `json:"deployed"`
	}
	return json.NewDecoder(resp.Body).Decode(&st) == nil && st.Deployed != nil && st.Deployed.SHA == sha
}

func gitOutput(dir string, args ...string) (string, error) {
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

func postWebhook(listen, secret string) error {
	id := fmt.Sprint("bench-", time.Now().UnixNano())
	body := `{"object_kind":"push","ref":"refs/heads/main","bench_delivery":"` + id + `"}`
	req, err := http.NewRequest(http.MethodPost, "http://"+listen+"/v1/webhook", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gitlab-Event", "Push Hook")
	req.Header.Set("X-Gitlab-Token", secret)
	req.Header.Set("Idempotency-Key", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("webhook: %s", resp.Status)
	}
	return nil
}

func rssMiB(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return float64(kb) / 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
