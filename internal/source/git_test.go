package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
)

func newGitSource(t *testing.T, opts GitOptions) *Git {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	g, err := NewGit(opts)
	if err != nil {
		t.Fatalf("NewGit: %v", err)
	}
	return g
}

func fetch(t *testing.T, g *Git) Revision {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rev, err := g.Fetch(ctx)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return rev
}

func readSnapshot(t *testing.T, g *Git, rev Revision, file string) string {
	t.Helper()
	dir, err := g.Checkout(context.Background(), rev)
	if err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("read %s from snapshot: %v", file, err)
	}
	return string(b)
}

// TestGitFollowBranch runs the same scenario over file:// and over smart
// HTTP with token auth: clone, incremental fetch, path-filtered changes.
func TestGitFollowBranch(t *testing.T) {
	for _, transport := range []string{"file", "http"} {
		t.Run(transport, func(t *testing.T) {
			repo := gittest.New(t)
			first := repo.Commit("initial", map[string]string{
				"deploy/web.json":   `{"v":1}`,
				"deploy/db/db.json": `{"db":1}`,
				"README.md":         "hello",
			})
			opts := GitOptions{URL: repo.FileURL(), Ref: "main", Path: "deploy"}
			if transport == "http" {
				t.Setenv("TEST_GIT_TOKEN", "s3cr3t-token")
				opts.URL = repo.ServeHTTPAuth(DefaultTokenUser, "s3cr3t-token")
				opts.Auth = Auth{TokenEnv: "TEST_GIT_TOKEN"}
			}
			g := newGitSource(t, opts)

			rev1 := fetch(t, g)
			if rev1.SHA != first || rev1.Message != "initial" || rev1.Author != gittest.AuthorName || rev1.Email != gittest.AuthorEmail {
				t.Fatalf("rev1 = %+v, want SHA %s", rev1, first)
			}
			if got := readSnapshot(t, g, rev1, "web.json"); got != `{"v":1}` {
				t.Fatalf("web.json = %q", got)
			}
			if got := readSnapshot(t, g, rev1, "db/db.json"); got != `{"db":1}` {
				t.Fatalf("db/db.json = %q", got)
			}

			if again := fetch(t, g); again != rev1 {
				t.Fatalf("no-change fetch gave %+v, want %+v", again, rev1)
			}

			outside := repo.Commit("docs only\n\nlong body", map[string]string{"README.md": "changed"})
			rev2 := fetch(t, g)
			if rev2.SHA != outside || rev2.Message != "docs only" {
				t.Fatalf("rev2 = %+v, want SHA %s", rev2, outside)
			}
			if Changed(rev1, rev2) {
				t.Fatalf("commit outside %s reported as a change", "deploy")
			}

			inside := repo.Commit("bump web", map[string]string{"deploy/web.json": `{"v":2}`})
			rev3 := fetch(t, g)
			if rev3.SHA != inside || !Changed(rev2, rev3) {
				t.Fatalf("rev3 = %+v, Changed = %v", rev3, Changed(rev2, rev3))
			}
			if got := readSnapshot(t, g, rev3, "web.json"); got != `{"v":2}` {
				t.Fatalf("web.json at rev3 = %q", got)
			}
		})
	}
}

func TestGitForcePush(t *testing.T) {
	repo := gittest.New(t)
	base := repo.Commit("base", map[string]string{"app/a.json": "1"})
	repo.Commit("to be discarded", map[string]string{"app/a.json": "2"})
	g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", Path: "app"})
	fetch(t, g)

	gittest.Run(t, repo.Work, "reset", "-q", "--hard", base)
	rewritten := repo.Commit("rewritten history", map[string]string{"app/a.json": "3"})
	rev := fetch(t, g)
	if rev.SHA != rewritten {
		t.Fatalf("after force push got %s, want %s", rev.SHA, rewritten)
	}
	if got := readSnapshot(t, g, rev, "a.json"); got != "3" {
		t.Fatalf("a.json = %q, want 3", got)
	}

	// Back to a commit the clone already has: no fetch needed, still right.
	gittest.Run(t, repo.Work, "push", "-q", "-f", "origin", base+":refs/heads/main")
	if rev := fetch(t, g); rev.SHA != base {
		t.Fatalf("after reset to base got %s, want %s", rev.SHA, base)
	}
}

func TestGitTagAndSHA(t *testing.T) {
	repo := gittest.New(t)
	c1 := repo.Commit("one", map[string]string{"svc/x.json": "1"})
	gittest.Run(t, repo.Work, "tag", "light", c1)
	gittest.Run(t, repo.Work, "tag", "-a", "-m", "release", "v1.0.0", c1)
	gittest.Run(t, repo.Work, "push", "-q", "origin", "--tags")
	c2 := repo.Commit("two", map[string]string{"svc/x.json": "2"})
	repo.Commit("three", map[string]string{"svc/x.json": "3"})

	tests := []struct {
		name, ref, wantSHA, wantX string
	}{
		{"annotated tag", "v1.0.0", c1, "1"},
		{"lightweight tag", "light", c1, "1"},
		{"full tag ref", "refs/tags/v1.0.0", c1, "1"},
		{"full SHA not a tip", c2, c2, "2"},
		{"full SHA of a tag", c1, c1, "1"},
	}
	cache := t.TempDir() // shared: SHA fetches after shallow tag fetches
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: tt.ref, Path: "svc", CacheDir: cache})
			rev := fetch(t, g)
			if rev.SHA != tt.wantSHA {
				t.Fatalf("SHA = %s, want %s", rev.SHA, tt.wantSHA)
			}
			if got := readSnapshot(t, g, rev, "x.json"); got != tt.wantX {
				t.Fatalf("x.json = %q, want %q", got, tt.wantX)
			}
		})
	}

	t.Run("moved tag", func(t *testing.T) {
		g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "light", Path: "svc"})
		fetch(t, g)
		gittest.Run(t, repo.Work, "tag", "-f", "light", c2)
		gittest.Run(t, repo.Work, "push", "-q", "-f", "origin", "refs/tags/light")
		if rev := fetch(t, g); rev.SHA != c2 {
			t.Fatalf("moved tag: SHA = %s, want %s", rev.SHA, c2)
		}
	})
}

func TestGitUnknownRefAndSHA(t *testing.T) {
	repo := gittest.New(t)
	repo.Commit("one", map[string]string{"a": "1"})
	for _, ref := range []string{"no-such-branch", strings.Repeat("ab", 20)} {
		g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: ref})
		if _, err := g.Fetch(context.Background()); err == nil {
			t.Errorf("ref %s: want an error", ref)
		}
	}
}

func TestGitPathMissing(t *testing.T) {
	repo := gittest.New(t)
	repo.Commit("one", map[string]string{"deploy/a.json": "1", "other/b": "x"})
	g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", Path: "deploy"})
	good := fetch(t, g)

	gittest.Run(t, repo.Work, "rm", "-q", "-r", "deploy")
	repo.Commit("delete deploy", nil)
	rev, err := g.Fetch(context.Background())
	if !errors.Is(err, ErrPathMissing) {
		t.Fatalf("Fetch after deleting the path: rev=%+v err=%v, want ErrPathMissing", rev, err)
	}
	var pm *PathMissingError
	if !errors.As(err, &pm) || pm.Path != "deploy" {
		t.Fatalf("want *PathMissingError for deploy, got %#v", err)
	}
	if rev != (Revision{}) {
		t.Fatalf("a failed fetch must return no revision, got %+v", rev)
	}
	// The last good snapshot is still readable.
	if got := readSnapshot(t, g, good, "a.json"); got != "1" {
		t.Fatalf("old snapshot: %q", got)
	}

	// A path that names a file is missing as a directory, too.
	g2 := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", Path: "other/b"})
	if _, err := g2.Fetch(context.Background()); !errors.Is(err, ErrPathMissing) {
		t.Fatalf("path naming a file: err = %v, want ErrPathMissing", err)
	}
}

func TestGitSnapshotsKeepLastTwo(t *testing.T) {
	repo := gittest.New(t)
	g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", Path: "d"})
	var dirs []string
	for i := range 4 {
		repo.Commit("c", map[string]string{"d/f": strings.Repeat("x", i+1)})
		rev := fetch(t, g)
		dir, err := g.Checkout(context.Background(), rev)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
		time.Sleep(10 * time.Millisecond) // distinct mtimes
	}
	for i, d := range dirs {
		_, err := os.Stat(d)
		if kept := i >= len(dirs)-2; kept != (err == nil) {
			t.Errorf("snapshot %d (%s): kept=%v, stat err=%v", i, d, kept, err)
		}
	}
}

func TestGitAuthFailureIsRedacted(t *testing.T) {
	repo := gittest.New(t)
	repo.Commit("one", map[string]string{"a": "1"})
	base := repo.ServeHTTPAuth("ci", "right-password")

	withCreds := strings.Replace(base, "http://", "http://user:wrong-s3cret@", 1)
	g := newGitSource(t, GitOptions{URL: withCreds, Ref: "main"})
	_, err := g.Fetch(context.Background())
	if err == nil {
		t.Fatal("want an auth error")
	}
	if strings.Contains(err.Error(), "wrong-s3cret") {
		t.Fatalf("error leaks the password: %v", err)
	}
	if strings.Contains(g.Describe(), "wrong-s3cret") {
		t.Fatalf("Describe leaks the password: %s", g.Describe())
	}

	t.Setenv("TEST_BAD_TOKEN", "tok-very-secret")
	g2 := newGitSource(t, GitOptions{URL: base, Ref: "main", Auth: Auth{TokenEnv: "TEST_BAD_TOKEN"}})
	_, err = g2.Fetch(context.Background())
	if err == nil || strings.Contains(err.Error(), "tok-very-secret") {
		t.Fatalf("token auth failure: err = %v", err)
	}
}

func TestGitTokenFileAndUser(t *testing.T) {
	repo := gittest.New(t)
	sha := repo.Commit("one", map[string]string{"a": "1"})
	url := repo.ServeHTTPAuth("oauth2", "file-token")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	g := newGitSource(t, GitOptions{URL: url, Ref: "main", Auth: Auth{TokenFile: tokenFile, Username: "oauth2"}})
	if rev := fetch(t, g); rev.SHA != sha {
		t.Fatalf("SHA = %s, want %s", rev.SHA, sha)
	}
}

func TestNewGitValidation(t *testing.T) {
	tests := []struct {
		name string
		opts GitOptions
	}{
		{"no ref", GitOptions{URL: "https://example.com/r.git"}},
		{"no url", GitOptions{Ref: "main"}},
		{"path escapes", GitOptions{URL: "https://example.com/r.git", Ref: "main", Path: "../x"}},
		{"creds over plain http", GitOptions{URL: "http://u:p@example.com/r.git", Ref: "main"}},
		{"token over plain http", GitOptions{URL: "http://example.com/r.git", Ref: "main", Auth: Auth{TokenEnv: "X"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.CacheDir = t.TempDir()
			if _, err := NewGit(tt.opts); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

// The daemon's "behind by N": commits along first parents between two revisions.
func TestCommitsBetween(t *testing.T) {
	repo := gittest.New(t)
	first := repo.Commit("c1", map[string]string{"f": "1"})
	repo.Commit("c2", map[string]string{"f": "2"})
	third := repo.Commit("c3", map[string]string{"f": "3"})
	g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", FullHistory: true})
	fetch(t, g)
	ctx := context.Background()
	for _, c := range []struct {
		from, to string
		want     int
	}{{first, third, 2}, {third, third, 0}} {
		if n, err := g.CommitsBetween(ctx, c.from, c.to); err != nil || n != c.want {
			t.Errorf("CommitsBetween(%.7s, %.7s) = %d, %v; want %d", c.from, c.to, n, err, c.want)
		}
	}
	if _, err := g.CommitsBetween(ctx, third, first); err == nil {
		t.Error("a descendant counted as behind an ancestor")
	}
}
