package source

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/ecsgit/ecsgit/internal/gittest"
)

// SnapshotBlobs names every regular file of a snapshot with the git blob hash of the
// content the file holds, and leaves symbolic links out (what they lead to can change
// while they do not); a directory that is not a snapshot has none.
func TestSnapshotBlobs(t *testing.T) {
	repo := gittest.New(t)
	repo.Write(map[string]string{"d/a/td.json": "a1", "d/b.json": "b1"})
	if err := os.Symlink("b.json", filepath.Join(repo.Work, "d", "link.json")); err != nil {
		t.Fatal(err)
	}
	repo.Commit("base", nil)
	g := newGitSource(t, GitOptions{URL: repo.FileURL(), Ref: "main", Path: "d"})
	dir, err := g.Checkout(context.Background(), fetch(t, g))
	if err != nil {
		t.Fatal(err)
	}
	got := SnapshotBlobs(dir)
	want := map[string]string{}
	for _, rel := range []string{"a/td.json", "b.json"} {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		want[rel] = plumbing.ComputeHash(plumbing.BlobObject, b).String()
	}
	if len(got) != len(want) || got["a/td.json"] != want["a/td.json"] || got["b.json"] != want["b.json"] {
		t.Fatalf("SnapshotBlobs = %v, want %v", got, want)
	}
	if b := SnapshotBlobs(t.TempDir()); b != nil {
		t.Fatalf("a plain directory has blobs: %v", b)
	}
}
