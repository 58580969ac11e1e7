package source

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
)

// snapshotContent describes a snapshot as a reader sees it: every path below dir with
// its kind, permission bits and content (or link target).
func snapshotContent(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link " + target
		case info.IsDir():
			out[rel] = "dir " + info.Mode().Perm().String()
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = "file " + info.Mode().Perm().String() + " " + string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// A snapshot recycled from an older one (applyTreeDiff) must be exactly the snapshot a
// full write produces, through every kind of change: edits, additions in new
// directories, deletions that empty a directory, a file replaced by a directory and
// back, the executable bit, symbolic links inside and outside the snapshot, renames.
func TestRecycledSnapshotEqualsFullWrite(t *testing.T) {
	repo := gittest.New(t)
	w := func(rel string) string { return filepath.Join(repo.Work, "d", filepath.FromSlash(rel)) }
	steps := []struct {
		name string
		do   func()
	}{
		{"base", func() {
			repo.Write(map[string]string{"d/a/td.json": "a1", "d/b/td.json": "b1", "d/c/x/y.json": "y1", "d/keep.json": "k"})
		}},
		{"second", func() { repo.Write(map[string]string{"d/a/td.json": "a2"}) }},
		{"edit one file", func() { repo.Write(map[string]string{"d/b/td.json": "b2"}) }},
		{"add in a new directory", func() { repo.Write(map[string]string{"d/n/m/new.json": "n1"}) }},
		{"delete empties directories", func() { repo.Write(map[string]string{"d/c/x/y.json": ""}) }},
		{"file becomes a directory", func() {
			repo.Write(map[string]string{"d/keep.json": ""})
			repo.Write(map[string]string{"d/keep.json/inner.json": "i"})
		}},
		{"directory becomes a file", func() {
			if err := os.RemoveAll(w("keep.json")); err != nil {
				t.Fatal(err)
			}
			repo.Write(map[string]string{"d/keep.json": "k2"})
		}},
		{"executable bit", func() {
			if err := os.Chmod(w("a/td.json"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"symbolic links", func() {
			_ = os.Symlink("../b/td.json", w("a/link.json"))
			_ = os.Symlink("/etc/passwd", w("a/escape.json"))
		}},
		{"rename and link target change", func() {
			if err := os.Rename(w("n/m/new.json"), w("n/renamed.json")); err != nil {
				t.Fatal(err)
			}
			_ = os.Remove(w("a/link.json"))
			_ = os.Symlink("../keep.json", w("a/link.json"))
		}},
		{"everything goes", func() {
			if err := os.RemoveAll(filepath.Join(repo.Work, "d")); err != nil {
				t.Fatal(err)
			}
			repo.Write(map[string]string{"d/only.json": "o"})
		}},
	}
	g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", Path: "d", KeepSnapshots: 2})
	var dirs []string
	recycled := 0
	for i, st := range steps {
		st.do()
		repo.Commit(st.name, nil)
		rev := fetch(t, g)
		// The snapshot pruning would delete next is two checkouts back: the new snapshot
		// having its directory's inode proves it was recycled (a full write creates the
		// new directory while the old one still exists, so the inode cannot be reused).
		var victimIno uint64
		if i >= 2 {
			victimIno = inode(t, dirs[i-2])
		}
		dir, err := g.Checkout(context.Background(), rev)
		if err != nil {
			t.Fatalf("%s: checkout: %v", st.name, err)
		}
		dirs = append(dirs, dir)
		fresh := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", Path: "d"})
		want, err := fresh.Checkout(context.Background(), fetch(t, fresh))
		if err != nil {
			t.Fatal(err)
		}
		got, exp := snapshotContent(t, dir), snapshotContent(t, want)
		if strings.Join(sortedLines(got), "\n") != strings.Join(sortedLines(exp), "\n") {
			t.Fatalf("%s: recycled snapshot differs from a full write\n got: %v\nwant: %v", st.name, sortedLines(got), sortedLines(exp))
		}
		if victimIno != 0 && inode(t, dir) == victimIno {
			recycled++
		}
		time.Sleep(10 * time.Millisecond) // distinct mtimes for pruning's order
	}
	if recycled != len(steps)-2 {
		t.Fatalf("only %d of %d checkouts recycled an old snapshot; the full write is being used", recycled, len(steps)-2)
	}
	// Pruning still keeps two snapshots, each with its manifest, and nothing else.
	entries, _ := os.ReadDir(filepath.Dir(dirs[len(dirs)-1]))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	last, prev := filepath.Base(dirs[len(dirs)-1]), filepath.Base(dirs[len(dirs)-2])
	want := []string{".files-" + last, ".files-" + prev, last, prev}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("snapshot directory holds %v, want %v", names, want)
	}
}

func sortedLines(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+" = "+v)
	}
	slices.Sort(out)
	return out
}
