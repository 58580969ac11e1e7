package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

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
	r := gittest.New(b)
	repo, err := gen.Generate(b.TempDir(), gen.Options{N: 1000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(r.Work, "deploy"), os.DirFS(repo.Dir)); err != nil {
		b.Fatal(err)
	}
	gittest.Run(b, r.Work, "add", "-A")
	gittest.Run(b, r.Work, "commit", "-q", "-m", "bench")
	gittest.Run(b, r.Work, "push", "-q", "origin", "HEAD:refs/heads/main")
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
				p := filepath.Join(r.Work, "deploy", "bench-change.txt")
				if err := os.WriteFile(p, []byte(fmt.Sprintf("change %d\n", i)), 0o644); err != nil {
					b.Fatal(err)
				}
				gittest.Run(b, r.Work, "add", "-A")
				gittest.Run(b, r.Work, "commit", "-q", "-m", "change")
				gittest.Run(b, r.Work, "push", "-q", "origin", "HEAD:refs/heads/main")
				b.StartTimer()
				if _, err := g.Fetch(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
