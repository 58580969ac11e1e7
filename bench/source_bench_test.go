package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/bench/gen"
	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/source"
)

// BenchmarkFetchOneChange is the daemon's steady state under commits: the branch moved
// by one commit that edits one file of bench/gen's repository (one directory per
// service, 1,000 services, a task and a service definition each). A shallow clone
// (source.GitOptions' default) against a full-history one (ecsgit sync's), over file://.
// It lives here, not in package source, because it needs the generator, and the main
// module does not depend on the bench module.
//
//	cd bench && go test -run '^$' -bench FetchOneChange -benchtime 10x .
func BenchmarkFetchOneChange(b *testing.B) {
	r := genRemote(b, 1000)
	for _, full := range []bool{false, true} {
		name := "shallow"
		if full {
			name = "full-history"
		}
		b.Run(name, func(b *testing.B) {
			g, err := source.NewGit(source.GitOptions{URL: r.FileURL(), Ref: "main", Path: "deploy", CacheDir: b.TempDir(), FullHistory: full})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := g.Fetch(context.Background()); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				pushOneChange(b, r, i)
				b.StartTimer()
				if _, err := g.Fetch(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSyncOneChange5000 is what a webhook pass of the daemon spends in its source
// at issue 19's 5,000 services (bench/gen: one directory per service, 10,001 files): the
// fetch of a commit that edits one file and the checkout of its snapshot, which the
// daemon recycles from an older one by rewriting only the files that differ. Reported
// apart, as fetch-ms and checkout-ms per commit (full history, as ecsgit sync clones).
//
//	cd bench && go test -run '^$' -bench SyncOneChange5000 -benchtime 10x .
func BenchmarkSyncOneChange5000(b *testing.B) {
	r := genRemote(b, 5000)
	g, err := source.NewGit(source.GitOptions{URL: r.FileURL(), Ref: "main", Path: "deploy", CacheDir: b.TempDir(), FullHistory: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// Warm up past the snapshots kept (KeepSnapshots), so that every timed checkout
	// recycles one, as in a daemon that has run for a while.
	for i := range 5 {
		pushOneChange(b, r, -1-i)
		rev, err := g.Fetch(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := g.Checkout(ctx, rev); err != nil {
			b.Fatal(err)
		}
	}
	var fetch, checkout time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		pushOneChange(b, r, i)
		b.StartTimer()
		t0 := time.Now()
		rev, err := g.Fetch(ctx)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := g.Checkout(ctx, rev); err != nil {
			b.Fatal(err)
		}
		fetch, checkout = fetch+t1.Sub(t0), checkout+time.Since(t1)
	}
	b.ReportMetric(float64(fetch.Milliseconds())/float64(i), "fetch-ms")
	b.ReportMetric(float64(checkout.Milliseconds())/float64(i), "checkout-ms")
}

// genRemote is a remote repository holding bench/gen's n services under deploy/.
func genRemote(b *testing.B, n int) *gittest.Repo {
	r := gittest.New(b)
	repo, err := gen.Generate(b.TempDir(), gen.Options{N: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(r.Work, "deploy"), os.DirFS(repo.Dir)); err != nil {
		b.Fatal(err)
	}
	gittest.Run(b, r.Work, "add", "-A")
	gittest.Run(b, r.Work, "commit", "-q", "-m", "bench")
	gittest.Run(b, r.Work, "push", "-q", "origin", "HEAD:refs/heads/main")
	return r
}

// pushOneChange pushes commit i of r: one file under deploy/ edited.
func pushOneChange(b *testing.B, r *gittest.Repo, i int) {
	p := filepath.Join(r.Work, "deploy", "bench-change.txt")
	if err := os.WriteFile(p, []byte(fmt.Sprintf("change %d\n", i)), 0o644); err != nil {
		b.Fatal(err)
	}
	gittest.Run(b, r.Work, "add", "-A")
	gittest.Run(b, r.Work, "commit", "-q", "-m", "change")
	gittest.Run(b, r.Work, "push", "-q", "origin", "HEAD:refs/heads/main")
}
