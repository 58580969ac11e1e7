// Package synctest holds the real-parts fixtures of the sync daemon's tests: a Git
// repository served by git's own smart-HTTP server (git http-backend over CGI on
// loopback) and file://, a Nomad client with a fresh namespace, and the ecsgit binary
// built from ./cmd/ecsgit.
package synctest

import (
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Repo is a bare "server" repository plus a work clone the test commits in.
type Repo struct {
	t    testing.TB
	mu   sync.Mutex
	Bare string
	Work string
}

// NewRepo creates an empty repository on branch main.
func NewRepo(t testing.TB) *Repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is not installed: the real-Git-server tests need it (apt-get install git)")
	}
	root := t.TempDir()
	r := &Repo{t: t, Bare: filepath.Join(root, "srv", "repo.git"), Work: filepath.Join(root, "work")}
	r.Git(root, "init", "-q", "--bare", r.Bare)
	r.Git(root, "init", "-q", r.Work)
	r.Git(r.Work, "remote", "add", "origin", r.Bare)
	return r
}

// Git runs git hermetically (no user or system config) in dir.
func (r *Repo) Git(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{
		"-c", "user.name=Sync Test", "-c", "user.email=sync@example.com",
		"-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
	}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Commit writes files (path → content; "" deletes), commits and pushes main. It
// returns the commit SHA.
func (r *Repo) Commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, c := range files {
		full := filepath.Join(r.Work, filepath.FromSlash(p))
		if c == "" {
			_ = os.Remove(full)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.Git(r.Work, "add", "-A")
	r.Git(r.Work, "commit", "-q", "--allow-empty", "-m", msg)
	r.Git(r.Work, "push", "-q", "-f", "origin", "HEAD:refs/heads/main")
	return r.Git(r.Work, "rev-parse", "HEAD")
}

// FileURL is the file:// URL of the bare repository.
func (r *Repo) FileURL() string { return "file://" + r.Bare }

// ServeHTTP serves the bare repository with git http-backend (CGI) on loopback and
// returns its URL.
func (r *Repo) ServeHTTP() string {
	r.t.Helper()
	backend := filepath.Join(r.Git(r.Work, "--exec-path"), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		r.t.Fatalf("git-http-backend not found (it ships with git): %v", err)
	}
	h := &cgi.Handler{Path: backend, Env: []string{
		"GIT_PROJECT_ROOT=" + filepath.Dir(r.Bare), "GIT_HTTP_EXPORT_ALL=1",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
	}}
	srv := httptest.NewServer(http.HandlerFunc(h.ServeHTTP))
	r.t.Cleanup(srv.Close)
	return fmt.Sprintf("%s/%s", srv.URL, filepath.Base(r.Bare))
}
