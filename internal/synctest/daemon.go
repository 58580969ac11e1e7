package synctest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds ./cmd/ecsgit once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ecsgit-synctest-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ecsgit")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/ecsgit")
		cmd.Dir = RepoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/ecsgit: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Daemon is an `ecsgit sync` subprocess.
type Daemon struct {
	t   testing.TB
	cmd *exec.Cmd
	URL string
	Log string // path of its combined output
}

// StartDaemon runs `ecsgit sync ARGS --listen 127.0.0.1:<free>` against nomadAddr and
// waits until /healthz answers.
func StartDaemon(t testing.TB, nomadAddr string, args ...string) *Daemon {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.CreateTemp(t.TempDir(), "sync-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Binary(t), append([]string{"sync", "--listen", addr, "--log-level", "debug"}, args...)...)
	cmd.Env = append(os.Environ(), "NOMAD_ADDR="+nomadAddr)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &Daemon{t: t, cmd: cmd, URL: "http://" + addr, Log: logf.Name()}
	t.Cleanup(func() { d.shutdown(); logf.Close() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(d.URL + "/healthz"); err == nil {
			resp.Body.Close()
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("daemon did not answer /healthz:\n%s", d.Output())
	return nil
}

// Output is the daemon's log so far.
func (d *Daemon) Output() string {
	b, _ := os.ReadFile(d.Log)
	return string(b)
}

// Status reads GET /v1/status.
func (d *Daemon) Status() (syncloop.SyncStatus, error) {
	var s syncloop.SyncStatus
	resp, err := http.Get(d.URL + "/v1/status")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// Kill sends SIGKILL (kill -9) and reaps the process.
func (d *Daemon) Kill() {
	if d.cmd.ProcessState != nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	_ = d.cmd.Wait()
}

// shutdown ends a daemon still running when the test ends, gracefully: on SIGTERM it
// releases its HA lock, which Nomad would otherwise keep for 2×TTL and which keeps the
// namespace (its variables) from being deleted. It kills the daemon after 15 s.
func (d *Daemon) shutdown() {
	if d.cmd.ProcessState != nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
}

// Stop sends SIGTERM and returns the exit code.
func (d *Daemon) Stop() int {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	_ = d.cmd.Wait()
	return d.cmd.ProcessState.ExitCode()
}

// Eventually polls cond every 20ms until it returns true or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}
