package source

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/ecsgit/ecsgit/internal/gittest"
)

func packCount(t *testing.T, g *Git) int {
	t.Helper()
	packs, err := g.packs()
	if err != nil {
		t.Fatal(err)
	}
	return len(packs)
}

// TestFetchCompactsPacks: every fetch of a moved branch adds a pack (and go-git keeps
// each pack's index in memory while the clone is open). Past maxPacks the clone is
// compacted: a shallow clone into one pack holding what the ref needs, forgetting the
// commits earlier fetches left behind; a full clone by merging its small packs, keeping
// every commit. Every revision stays readable throughout.
func TestFetchCompactsPacks(t *testing.T) {
	for _, transport := range []string{"file", "http"} {
		for _, full := range []bool{false, true} {
			name := transport + "/shallow"
			if full {
				name = transport + "/full-history"
			}
			t.Run(name, func(t *testing.T) {
				repo := gittest.New(t)
				shas := []string{repo.Commit("initial", map[string]string{"deploy/web.json": `{"v":0}`, "deploy/db/db.json": `{"db":1}`})}
				url := repo.FileURL()
				if transport == "http" {
					url = repo.ServeHTTP()
				}
				g := newGitSource(t, GitOptions{URL: url, Ref: "main", Path: "deploy", FullHistory: full})
				fetch(t, g)
				if n := packCount(t, g); n != 1 {
					t.Fatalf("after the clone: %d packs, want 1", n)
				}
				opened := g.repo
				compacted := false
				fetches := 3 * maxPacks
				for i := 1; i <= fetches; i++ {
					shas = append(shas, repo.Commit(fmt.Sprint(i), map[string]string{"deploy/web.json": fmt.Sprintf(`{"v":%d}`, i)}))
					rev := fetch(t, g)
					if rev.SHA != shas[i] {
						t.Fatalf("fetch %d: SHA %s, want %s", i, rev.SHA, shas[i])
					}
					if !full {
						if n := packCount(t, g); n > maxPacks {
							t.Fatalf("fetch %d: %d packs, want at most %d", i, n, maxPacks)
						}
					}
					if g.repo != opened {
						compacted = true // a compaction drops the open repository and its indexes
					}
					if got, want := readSnapshot(t, g, rev, "web.json"), fmt.Sprintf(`{"v":%d}`, i); got != want {
						t.Fatalf("fetch %d: web.json = %q, want %q", i, got, want)
					}
					if got := readSnapshot(t, g, rev, "db/db.json"); got != `{"db":1}` {
						t.Fatalf("fetch %d: db/db.json = %q", i, got)
					}
					// go-git keeps pack files open between reads (openPackFiles); a compaction
					// must close those of the packs it deleted, not leave them to the collector.
					if open, deleted := openPackDescriptors(t, g.cache.gitDir()); open > openPackFiles || deleted > 0 {
						t.Fatalf("fetch %d: %d pack files open (at most %d), %d of them deleted", i, open, openPackFiles, deleted)
					}
				}
				if !compacted {
					t.Fatal("the clone was never compacted")
				}
				// A full clone's packs form a geometric progression: far fewer than one per fetch.
				if n := packCount(t, g); n > maxPacks+2 {
					t.Fatalf("%d packs after %d fetches", n, fetches)
				}
				r, err := g.open()
				if err != nil {
					t.Fatal(err)
				}
				if full {
					for _, s := range shas {
						if !hasCommit(r, plumbing.NewHash(s)) {
							t.Fatalf("the full clone lost commit %s", s)
						}
					}
				} else if shallow, _ := r.Storer.Shallow(); len(shallow) > maxPacks {
					t.Fatalf("shallow list has %d commits; compaction should have cut it to the tip", len(shallow))
				}
				// The next fetch after the compactions is still correct.
				sha := repo.Commit("after", map[string]string{"deploy/db/db.json": `{"db":2}`})
				if rev := fetch(t, g); rev.SHA != sha || readSnapshot(t, g, rev, "db/db.json") != `{"db":2}` {
					t.Fatalf("fetch after compaction: %+v", rev)
				}
			})
		}
	}
}

// openPackDescriptors counts this process's open descriptors on pack files below dir, and how
// many of those files are deleted (Linux /proc; elsewhere the test is skipped).
func openPackDescriptors(t *testing.T, dir string) (open, deleted int) {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err != nil || !strings.HasPrefix(target, dir) || !strings.Contains(target, ".pack") {
			continue
		}
		open++
		if strings.HasSuffix(target, " (deleted)") {
			deleted++
		}
	}
	return open, deleted
}

// TestCompactShallowKeepsTipsOnly: rewriting a shallow clone keeps the ref's commit with
// its whole tree, drops the older commits, and writes the tip as the new shallow
// boundary.
func TestCompactShallowKeepsTipsOnly(t *testing.T) {
	repo := gittest.New(t)
	old := repo.Commit("one", map[string]string{"a/x.json": "1", "b/y.json": "2"})
	g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main"})
	fetch(t, g)
	tip := repo.Commit("two", map[string]string{"a/x.json": "3"})
	fetch(t, g)
	if !hasCommit(g.repo, plumbing.NewHash(old)) {
		t.Fatal("setup: the first commit should still be in the clone")
	}
	forceCompact(t, g)
	r, err := g.open()
	if err != nil {
		t.Fatal(err)
	}
	if hasCommit(r, plumbing.NewHash(old)) {
		t.Fatal("the older commit survived the compaction of a shallow clone")
	}
	if !hasCommit(r, plumbing.NewHash(tip)) {
		t.Fatal("the tip is gone")
	}
	if shallow, _ := r.Storer.Shallow(); !slices.Equal(shallow, []plumbing.Hash{plumbing.NewHash(tip)}) {
		t.Fatalf("shallow = %v, want [%s]", shallow, tip)
	}
	if n := packCount(t, g); n != 1 {
		t.Fatalf("%d packs after compaction, want 1", n)
	}
	if got := readSnapshot(t, g, fetch(t, g), "b/y.json"); got != "2" {
		t.Fatalf("b/y.json = %q", got)
	}
}

// TestCompactFullCloneKeepsEverything: a full clone (--full-history, a ref pinned to a
// SHA) is compacted by merging packs, which drops nothing, not even a pinned commit that
// no ref reaches any more.
func TestCompactFullCloneKeepsEverything(t *testing.T) {
	repo := gittest.New(t)
	var shas []string
	for i := range 3 {
		shas = append(shas, repo.Commit(fmt.Sprint(i), map[string]string{"f.json": fmt.Sprint(i)}))
	}
	t.Run("full-history", func(t *testing.T) {
		g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", FullHistory: true})
		fetch(t, g)
		forceCompact(t, g)
		r, _ := g.open()
		for _, s := range shas {
			if !hasCommit(r, plumbing.NewHash(s)) {
				t.Fatalf("commit %s lost", s)
			}
		}
		if isShallow(r) {
			t.Fatal("a full clone became shallow")
		}
	})
	t.Run("pinned", func(t *testing.T) {
		g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: shas[0]})
		fetch(t, g)
		// As if the branches had been force-pushed away from the pinned commit.
		r, _ := g.open()
		refs, _ := r.Storer.IterReferences()
		_ = refs.ForEach(func(ref *plumbing.Reference) error {
			return r.Storer.RemoveReference(ref.Name())
		})
		forceCompact(t, g)
		r, _ = g.open()
		if !hasCommit(r, plumbing.NewHash(shas[0])) {
			t.Fatal("the pinned commit was dropped")
		}
		if got := readSnapshot(t, g, fetch(t, g), "f.json"); got != "0" {
			t.Fatalf("f.json = %q", got)
		}
	})
}

// TestCompactSkipsSubmodules: a gitlink names a commit of another repository, which the
// clone never has; it must not make the rewrite of a shallow clone fail.
func TestCompactSkipsSubmodules(t *testing.T) {
	repo := gittest.New(t)
	repo.Commit("one", map[string]string{"deploy/web.json": "1"})
	repo.Git(repo.Work, "update-index", "--add", "--cacheinfo", "160000,0123456789abcdef0123456789abcdef01234567,deploy/sub")
	repo.Git(repo.Work, "commit", "-q", "-m", "submodule")
	repo.Git(repo.Work, "push", "-q", "origin", "HEAD:refs/heads/main")
	g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", Path: "deploy"})
	rev := fetch(t, g)
	if r, _ := g.open(); !isShallow(r) {
		t.Fatal("setup: want a shallow clone")
	}
	forceCompact(t, g)
	if got := readSnapshot(t, g, rev, "web.json"); got != "1" {
		t.Fatalf("web.json = %q", got)
	}
}

func TestGeometricMerge(t *testing.T) {
	sizes := func(ps []pack) []int64 {
		var out []int64
		for _, p := range ps {
			out = append(out, p.size)
		}
		return out
	}
	packs := func(sizes ...int64) []pack {
		var out []pack
		for _, s := range sizes {
			out = append(out, pack{size: s})
		}
		return out
	}
	for _, tc := range []struct {
		in, want []int64
	}{
		{nil, nil},
		{[]int64{100}, []int64{100}}, // nothing to merge with
		{[]int64{5, 5, 5, 5, 3000}, []int64{5, 5, 5, 5}},          // fetches since the clone; the clone stays
		{[]int64{5, 10, 25, 100, 3000}, []int64{5}},               // already geometric
		{[]int64{5, 5, 10, 25, 100, 3000}, []int64{5, 5, 10, 25}}, // 5+5+10+25 = 45: 100 > 90 stops it
		{[]int64{30, 30, 30, 30, 100}, []int64{30, 30, 30, 30, 100}},
	} {
		if got := sizes(geometricMerge(packs(tc.in...))); !slices.Equal(got, tc.want) {
			t.Errorf("geometricMerge(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// forceCompact compacts the clone whatever its number of packs: a shallow clone is
// rewritten, a full clone's packs are all merged.
func forceCompact(t *testing.T, g *Git) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	r, err := g.open()
	if err != nil {
		t.Fatal(err)
	}
	packs, err := g.packs()
	if err != nil {
		t.Fatal(err)
	}
	shallow, err := r.Storer.Shallow()
	if err != nil {
		t.Fatal(err)
	}
	if len(shallow) > 0 {
		err = g.rewriteShallow(r, shallow, packs)
	} else {
		err = g.mergePacks(r, packs)
	}
	if err != nil {
		t.Fatalf("compact: %v", err)
	}
	if g.repo != nil {
		t.Fatal("compaction kept the open repository (and its per-pack indexes)")
	}
}

// A pack index left truncated (ecsgit sync killed while a fetch wrote it: seen in
// TestSyncKill9) must not make every later fetch fail in compaction: the clone is
// damaged, so it is deleted and fetched again, once. A full clone, as the daemon keeps:
// its compaction merges packs by reading their indexes (a shallow clone's rewrite fails
// earlier, through go-git, in a way Fetch already recognised).
func TestFetchRecoversFromTruncatedPackIndex(t *testing.T) {
	repo := gittest.New(t)
	g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", FullHistory: true})
	for i := range maxPacks {
		repo.Commit("c", map[string]string{"f": strings.Repeat("x", i+1)})
		fetch(t, g)
	}
	idx, err := filepath.Glob(filepath.Join(g.cache.gitDir(), "objects", "pack", "*.idx"))
	if err != nil || len(idx) == 0 {
		t.Fatalf("no pack index in the clone: %v", err)
	}
	for _, f := range idx {
		if err := os.Truncate(f, 0); err != nil {
			t.Fatal(err)
		}
	}
	want := repo.Commit("after", map[string]string{"f": "after"})
	rev, err := g.Fetch(context.Background())
	if err != nil {
		t.Fatalf("Fetch after a truncated pack index: %v", err)
	}
	if rev.SHA != want {
		t.Fatalf("fetched %s, want %s", rev.SHA, want)
	}
	if got := readSnapshot(t, g, rev, "f"); got != "after" {
		t.Fatalf("snapshot has %q, want \"after\"", got)
	}
}
