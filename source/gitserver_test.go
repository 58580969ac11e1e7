package source

import (
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testRepo is a real repository: a bare "server" repository plus a work
// clone that the test commits in and pushes from, both driven by git itself.
type testRepo struct {
	t    testing.TB
	bare string
	work string
}

func gitBin(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git is not installed: the real-Git-server tests need it (apt-get install git)")
	}
	return p
}

// runGit runs git with a hermetic configuration (no user or system config).
func runGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(gitBin(t), append([]string{
		"-c", "user.name=Test Author", "-c", "user.email=author@example.com",
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

func newTestRepo(t testing.TB) *testRepo {
	t.Helper()
	root := t.TempDir()
	r := &testRepo{t: t, bare: filepath.Join(root, "srv", "repo.git"), work: filepath.Join(root, "work")}
	runGit(t, root, "init", "--bare", r.bare)
	runGit(t, root, "init", r.work)
	runGit(t, r.work, "remote", "add", "origin", r.bare)
	return r
}

// write creates or replaces files (path → content) in the work tree.
func (r *testRepo) write(files map[string]string) {
	r.t.Helper()
	for p, c := range files {
		full := filepath.Join(r.work, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

// commit writes files, commits everything and pushes main; returns the SHA.
func (r *testRepo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.write(files)
	runGit(r.t, r.work, "add", "-A")
	runGit(r.t, r.work, "commit", "-q", "--allow-empty", "-m", msg)
	runGit(r.t, r.work, "push", "-q", "-f", "origin", "HEAD:refs/heads/main")
	return runGit(r.t, r.work, "rev-parse", "HEAD")
}

func (r *testRepo) fileURL() string { return "file://" + r.bare }

// serveHTTP serves the bare repository with git's own smart HTTP server
// (git http-backend via CGI) and, when user/pass are set, requires them.
func (r *testRepo) serveHTTP(user, pass string) string {
	r.t.Helper()
	execPath := runGit(r.t, r.work, "--exec-path")
	backend := filepath.Join(execPath, "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		r.t.Fatalf("git-http-backend not found (it ships with git): %v", err)
	}
	h := &cgi.Handler{
		Path: backend,
		Env: []string{
			"GIT_PROJECT_ROOT=" + filepath.Dir(r.bare),
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if user != "" {
			u, p, ok := req.BasicAuth()
			if !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(w, req)
	}))
	r.t.Cleanup(srv.Close)
	return srv.URL + "/" + filepath.Base(r.bare)
}
