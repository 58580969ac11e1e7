package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
)

func writeTestFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func localFetch(t *testing.T, l *LocalDir) Revision {
	t.Helper()
	rev, err := l.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func TestLocalRevision(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir, "svc/web.json", `{"a":1}`)
	l, err := Local(dir)
	if err != nil {
		t.Fatal(err)
	}
	base := localFetch(t, l)
	if base.SHA != "" || len(base.TreeHash) != len("sha256:")+64 {
		t.Fatalf("plain dir revision = %+v", base)
	}
	if got, err := l.Checkout(context.Background(), base); err != nil || got != dir {
		t.Fatalf("Checkout = %q, %v", got, err)
	}

	noise := []string{".git/index", "svc/.web.json.swp", "svc/web.json~", "4913", "svc/.#web.json", "x.tmp"}
	for _, n := range noise {
		writeTestFile(t, dir, n, "noise")
	}
	if rev := localFetch(t, l); Changed(base, rev) {
		t.Fatalf("editor/git noise %v counted as a change", noise)
	}

	tests := []struct {
		name   string
		mutate func()
	}{
		{"content", func() { writeTestFile(t, dir, "svc/web.json", `{"a":2}`) }},
		{"new file", func() { writeTestFile(t, dir, "svc/new.json", `{}`) }},
		{"rename", func() { _ = os.Rename(filepath.Join(dir, "svc/new.json"), filepath.Join(dir, "svc/new2.json")) }},
		{"exec bit", func() { _ = os.Chmod(filepath.Join(dir, "svc/web.json"), 0o755) }},
	}
	prev := base
	for _, tt := range tests {
		tt.mutate()
		rev := localFetch(t, l)
		if !Changed(prev, rev) {
			t.Errorf("%s: not detected", tt.name)
		}
		prev = rev
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Fetch(context.Background()); !errors.Is(err, ErrPathMissing) {
		t.Fatalf("deleted dir: err = %v, want ErrPathMissing", err)
	}
}

func TestLocalGitWorktree(t *testing.T) {
	repo := gittest.New(t)
	sha := repo.Commit("add services", map[string]string{"deploy/a.json": "{}"})
	l, err := Local(filepath.Join(repo.Work, "deploy"))
	if err != nil {
		t.Fatal(err)
	}
	rev := localFetch(t, l)
	if rev.SHA != sha || rev.Message != "add services" {
		t.Fatalf("rev = %+v, want HEAD %s", rev, sha)
	}
}

// expectSignals counts signals arriving within d.
func expectSignals(ch <-chan struct{}, d time.Duration) int {
	n := 0
	deadline := time.After(d)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return n
			}
			n++
		case <-deadline:
			return n
		}
	}
}

func TestWatchDebounce(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir, "a/b/c.json", "0")
	l, err := Local(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Debounce = 200 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := l.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A burst of writes (an editor save, a git checkout) is one signal.
	for i := range 10 {
		writeTestFile(t, dir, "a/b/c.json", string(rune('0'+i)))
		time.Sleep(10 * time.Millisecond)
	}
	if n := expectSignals(ch, 900*time.Millisecond); n != 1 {
		t.Fatalf("burst of 10 writes in a nested dir: %d signals, want 1", n)
	}

	// Noise is ignored.
	writeTestFile(t, dir, ".git/HEAD", "ref")
	writeTestFile(t, dir, "a/.c.json.swp", "swap")
	writeTestFile(t, dir, "a/c.json~", "backup")
	if n := expectSignals(ch, 500*time.Millisecond); n != 0 {
		t.Fatalf("ignored files produced %d signals", n)
	}

	// New directories are followed.
	if err := os.MkdirAll(filepath.Join(dir, "new/deep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if n := expectSignals(ch, 500*time.Millisecond); n != 1 {
		t.Fatalf("mkdir: %d signals, want 1", n)
	}
	writeTestFile(t, dir, "new/deep/x.json", "{}")
	if n := expectSignals(ch, 500*time.Millisecond); n != 1 {
		t.Fatalf("write in a new nested dir: %d signals, want 1", n)
	}

	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			if _, ok = <-ch; ok {
				t.Fatal("channel not closed after cancel")
			}
		}
	case <-time.After(2 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
}
