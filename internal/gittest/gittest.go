// Package gittest is the real Git server of ecsgit's tests: a bare repository driven by
// git itself, served over file:// or by git's own smart-HTTP server (git http-backend
// over CGI on loopback), with optional basic auth. No Git mock: what go-git talks to in
// tests is what it talks to in production.
package gittest

import (
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

// Author is the identity of the commits tests make.
const (
	AuthorName  = "Test Author"
	AuthorEmail = "author@example.com"
)

// Repo is a bare "server" repository plus a work clone the test commits in and pushes
// from.
type Repo struct {
	t    testing.TB
	mu   sync.Mutex
	Bare string
	Work string
}

// New creates an empty repository on branch main. A missing git fails the test.
func New(t testing.TB) *Repo {
	t.Helper()
	root := t.TempDir()
	r := &Repo{t: t, Bare: filepath.Join(root, "srv", "repo.git"), Work: filepath.Join(root, "work")}
	Run(t, root, "init", "-q", "--bare", r.Bare)
	Run(t, root, "init", "-q", r.Work)
	Run(t, r.Work, "remote", "add", "origin", r.Bare)
	return r
}

// Run runs git hermetically (no user or system configuration) in dir and returns its
// trimmed output; a failure is fatal.
func Run(t testing.TB, dir string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git is not installed: the real-Git-server tests need it (apt-get install git)")
	}
	cmd := exec.Command(bin, append([]string{
		"-c", "user.name=" + AuthorName, "-c", "user.email=" + AuthorEmail,
		"-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
	}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Git runs git in dir (usually r.Work).
func (r *Repo) Git(dir string, args ...string) string {
	r.t.Helper()
	return Run(r.t, dir, args...)
}

// Write creates, replaces or (content "") deletes files (path → content) in the work
// tree.
func (r *Repo) Write(files map[string]string) {
	r.t.Helper()
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
}

// Commit writes files, commits everything and force-pushes main; it returns the SHA.
// Safe for concurrent use.
func (r *Repo) Commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Write(files)
	r.Git(r.Work, "add", "-A")
	r.Git(r.Work, "commit", "-q", "--allow-empty", "-m", msg)
	r.Git(r.Work, "push", "-q", "-f", "origin", "HEAD:refs/heads/main")
	return r.Git(r.Work, "rev-parse", "HEAD")
}

// FileURL is the file:// URL of the bare repository.
func (r *Repo) FileURL() string { return "file://" + r.Bare }

// ServeHTTP serves the bare repository over smart HTTP on loopback and returns its URL.
func (r *Repo) ServeHTTP() string {
	r.t.Helper()
	return r.ServeHTTPAuth("", "")
}

// ServeHTTPAuth is ServeHTTP requiring basic auth user/pass (none when user is "").
func (r *Repo) ServeHTTPAuth(user, pass string) string {
	r.t.Helper()
	backend := filepath.Join(r.Git(r.Work, "--exec-path"), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		r.t.Fatalf("git-http-backend not found (it ships with git): %v", err)
	}
	h := &cgi.Handler{Path: backend, Env: []string{
		"GIT_PROJECT_ROOT=" + filepath.Dir(r.Bare), "GIT_HTTP_EXPORT_ALL=1",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if user != "" {
			if u, p, ok := req.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(w, req)
	}))
	r.t.Cleanup(srv.Close)
	return srv.URL + "/" + filepath.Base(r.Bare)
}
