package source

import (
	"context"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// A tree whose subdirectory object is missing from the clone must fail the checkout, not
// yield a snapshot without that directory's services (go-git's Tree.Files and
// TreeWalker stop there silently).
func TestCheckoutFailsOnMissingSubtree(t *testing.T) {
	st := memory.NewStorage()
	blob := st.NewEncodedObject()
	blob.SetType(plumbing.BlobObject)
	w, _ := blob.Writer()
	_, _ = w.Write([]byte("{}"))
	_ = w.Close()
	blobHash, err := st.SetEncodedObject(blob)
	if err != nil {
		t.Fatal(err)
	}
	missing := plumbing.NewHash("0123456789abcdef0123456789abcdef01234567")
	tree := &object.Tree{Entries: []object.TreeEntry{
		{Name: "a.json", Mode: filemode.Regular, Hash: blobHash},
		{Name: "m", Mode: filemode.Dir, Hash: missing},
		{Name: "z.json", Mode: filemode.Regular, Hash: blobHash},
	}}
	enc := st.NewEncodedObject()
	if err := tree.Encode(enc); err != nil {
		t.Fatal(err)
	}
	treeHash, err := st.SetEncodedObject(enc)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := object.GetTree(st, treeHash)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeTree(context.Background(), st, stored, t.TempDir()); err == nil || !strings.Contains(err.Error(), "read directory m") {
		t.Fatalf("writeTree = %v, want an error naming directory m", err)
	}
	if _, err := treeManifest(st, stored); err == nil {
		t.Fatal("treeManifest of a tree with a missing subdirectory succeeded")
	}
}
