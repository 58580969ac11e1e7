package source

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsgit/ecsgit/internal/gittest"
)

// benchRepo is a repository with n files under deploy/ (spread over
// directories of 50), served over file:// and over smart HTTP.
func benchRepo(b *testing.B, n int) *gittest.Repo {
	b.Helper()
	r := gittest.New(b)
	for i := range n {
		p := filepath.Join(r.Work, "deploy", fmt.Sprintf("d%02d", i/50), fmt.Sprintf("svc%04d.json", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fmt.Sprintf(`{"family":"svc%04d","cpu":"256","memory":"512"}`, i)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	gittest.Run(b, r.Work, "add", "-A")
	gittest.Run(b, r.Work, "commit", "-q", "-m", "bench")
	gittest.Run(b, r.Work, "push", "-q", "origin", "HEAD:refs/heads/main")
	return r
}

// BenchmarkFetchNoChange is the steady-state poll: the ref has not moved.
func BenchmarkFetchNoChange(b *testing.B) {
	r := benchRepo(b, 1000)
	for _, transport := range []string{"file", "http"} {
		b.Run(transport, func(b *testing.B) {
			url := r.FileURL()
			if transport == "http" {
				url = r.ServeHTTPAuth("", "")
			}
			g, err := NewGit(GitOptions{URL: url, Ref: "main", Path: "deploy", CacheDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := g.Fetch(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := g.Fetch(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheckout1000 materialises a 1,000-file tree into a new snapshot.
func BenchmarkCheckout1000(b *testing.B) {
	r := benchRepo(b, 1000)
	g, err := NewGit(GitOptions{URL: r.FileURL(), Ref: "main", Path: "deploy", CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	rev, err := g.Fetch(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	parent := g.cache.snapshotParent(g.path)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		if err := os.RemoveAll(parent); err != nil { // force a fresh write
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := g.Checkout(context.Background(), rev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLocalHash1000 is the Local source's Fetch over 1,000 files.
func BenchmarkLocalHash1000(b *testing.B) {
	r := benchRepo(b, 1000)
	l, err := Local(filepath.Join(r.Work, "deploy"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := l.Fetch(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
