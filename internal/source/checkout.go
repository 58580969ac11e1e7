package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Checkout writes the files under --path at rev.SHA into a snapshot
// directory and returns it. Snapshots are written from the git objects into
// a temporary directory and renamed into place, so a reader never sees a
// half-written tree and no shared working tree is ever switched under it.
// The newest KeepSnapshots snapshots are kept; older ones are deleted, or recycled:
// the next snapshot is made from the one pruning would delete next by changing only the
// files that differ (recycle.go), which is what makes a commit to a large repository
// cheap.
func (g *Git) Checkout(ctx context.Context, rev Revision) (string, error) {
	if !shaPattern.MatchString(rev.SHA) {
		return "", fmt.Errorf("checkout %s: revision has no commit SHA", g.Describe())
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	parent := g.cache.snapshotParent(g.path)
	dir := filepath.Join(parent, rev.SHA)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		now := time.Now()
		_ = os.Chtimes(dir, now, now) // keeps it "newest" for pruning
		return dir, nil
	}
	if err := g.writeSnapshot(ctx, parent, dir, rev); err != nil {
		return "", g.redactor().wrap(fmt.Sprintf("checkout %s at %.12s", g.Describe(), rev.SHA), err)
	}
	if err := pruneSnapshots(parent, dir, g.opts.KeepSnapshots); err != nil {
		return "", fmt.Errorf("checkout %s: %w", g.Describe(), err)
	}
	return dir, nil
}

func (g *Git) writeSnapshot(ctx context.Context, parent, dir string, rev Revision) error {
	repo, err := g.open()
	if err != nil {
		return err
	}
	commit, err := repo.CommitObject(plumbing.NewHash(rev.SHA))
	if err != nil {
		return fmt.Errorf("read commit (fetch it first): %w", err)
	}
	tree, err := subtree(repo.Storer, commit, g.path)
	if err != nil {
		return err
	}
	if rev.TreeHash != "" && tree.Hash.String() != rev.TreeHash {
		return fmt.Errorf("tree of %q is %s, revision says %s", g.path, tree.Hash, rev.TreeHash)
	}
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return fmt.Errorf("create snapshot directory: %w", err)
	}
	want, err := treeManifest(repo.Storer, tree)
	if err != nil {
		return err
	}
	tmp := g.recycleSnapshot(ctx, parent, dir, tree, want)
	if tmp == "" {
		if tmp, err = os.MkdirTemp(parent, ".tmp-"); err != nil {
			return fmt.Errorf("create snapshot directory: %w", err)
		}
		if err := writeTree(ctx, repo.Storer, tree, tmp); err != nil {
			_ = os.RemoveAll(tmp)
			return err
		}
	}
	// Readers get 0755 like any checkout, not MkdirTemp's 0700. The modification time
	// orders snapshots for pruning and recycling: a recycled directory keeps its old
	// one unless a top-level entry changed, and must not look older than it is.
	now := time.Now()
	if err := os.Chmod(tmp, 0o755); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("snapshot permissions: %w", err)
	}
	if err := os.Chtimes(tmp, now, now); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("snapshot time: %w", err)
	}
	// The manifest describes the snapshot for a later recycling; it is written first, so
	// a snapshot never exists without one (a stale manifest with no snapshot is pruned).
	if err := writeManifest(dir, want); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("snapshot manifest: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("publish snapshot: %w", err)
	}
	return nil
}

// writeTree writes every file of t below dst. Submodules are skipped (their
// content is not in this repository). Symbolic links are kept only when
// they are relative and stay inside the snapshot: a link to /etc/… in a
// repository must not make spec.Load read the host's files.
func writeTree(ctx context.Context, s storer.EncodedObjectStorer, t *object.Tree, dst string) error {
	return walkTree(s, t, "", func(name string, e object.TreeEntry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		blob, err := object.GetBlob(s, e.Hash)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		return writeTreeFile(object.NewFile(name, e.Mode, blob), dst)
	})
}

// walkTree calls fn for every file below t (submodules skipped), named by its slash path.
// It is not go-git's Tree.Files or TreeWalker: both stop silently at a subdirectory whose
// object is missing from the clone, which would make a snapshot lack services without
// any error (and, with --prune, stop them). Here a missing object is an error, which
// Fetch's damaged-clone handling cures.
func walkTree(s storer.EncodedObjectStorer, t *object.Tree, prefix string, fn func(name string, e object.TreeEntry) error) error {
	for _, e := range t.Entries {
		name := e.Name
		if prefix != "" {
			name = prefix + "/" + e.Name
		}
		switch e.Mode {
		case filemode.Submodule:
			continue
		case filemode.Dir:
			sub, err := object.GetTree(s, e.Hash)
			if err != nil {
				return fmt.Errorf("read directory %s: %w", name, err)
			}
			if err := walkTree(s, sub, name, fn); err != nil {
				return err
			}
		default:
			if err := fn(name, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeTreeFile writes f (named by its path in the tree) below dst.
func writeTreeFile(f *object.File, dst string) error {
	rel := filepath.FromSlash(f.Name)
	if !filepath.IsLocal(rel) {
		return fmt.Errorf("unsafe path %q in tree", f.Name)
	}
	target := filepath.Join(dst, rel)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", f.Name, err)
	}
	switch f.Mode {
	case filemode.Symlink:
		return writeSymlink(f, rel, target)
	case filemode.Executable:
		return writeBlob(f, target, 0o755)
	default:
		return writeBlob(f, target, 0o644)
	}
}

func writeBlob(f *object.File, target string, perm os.FileMode) error {
	r, err := f.Reader()
	if err != nil {
		return fmt.Errorf("read %s: %w", f.Name, err)
	}
	defer r.Close()
	out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Name, err)
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", f.Name, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.Name, err)
	}
	return nil
}

func writeSymlink(f *object.File, rel, target string) error {
	link, err := f.Contents()
	if err != nil {
		return fmt.Errorf("read link %s: %w", f.Name, err)
	}
	resolved := filepath.Join(filepath.Dir(rel), filepath.FromSlash(link))
	if filepath.IsAbs(link) || !filepath.IsLocal(resolved) {
		return nil // escapes the snapshot: left out on purpose
	}
	if err := os.Symlink(link, target); err != nil {
		return fmt.Errorf("write link %s: %w", f.Name, err)
	}
	return nil
}

// pruneSnapshots keeps the keep most recently used snapshots in parent
// (always including current) and deletes the rest, plus temporary
// directories left behind by a crash.
func pruneSnapshots(parent, current string, keep int) error {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return fmt.Errorf("list snapshots: %w", err)
	}
	var errs []error
	for _, e := range entries {
		p := filepath.Join(parent, e.Name())
		if name, ok := strings.CutPrefix(e.Name(), ".files-"); ok {
			// A manifest whose snapshot is gone (pruned, or a crash between the two).
			if _, err := os.Stat(filepath.Join(parent, name)); errors.Is(err, os.ErrNotExist) {
				errs = append(errs, os.Remove(p))
			}
			continue
		}
		if info, err := e.Info(); err == nil && e.IsDir() && strings.HasPrefix(e.Name(), ".tmp-") && time.Since(info.ModTime()) > time.Hour {
			errs = append(errs, os.RemoveAll(p))
		}
	}
	for i, s := range snapshotsByUse(entries, parent, current) {
		if i >= keep-1 {
			errs = append(errs, os.RemoveAll(s), ignoreMissing(os.Remove(manifestPath(s))))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete old snapshots: %w", err)
	}
	return nil
}

// snapshotsByUse lists the snapshots among entries of parent, except current, most
// recently used first: the order in which pruning keeps them (and recycling takes them).
// Temporary directories and manifests are not snapshots.
func snapshotsByUse(entries []os.DirEntry, parent, current string) []string {
	type snap struct {
		path string
		mod  time.Time
	}
	var snaps []snap
	for _, e := range entries {
		p := filepath.Join(parent, e.Name())
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".tmp-") || p == current {
			continue
		}
		if info, err := e.Info(); err == nil {
			snaps = append(snaps, snap{p, info.ModTime()})
		}
	}
	slices.SortFunc(snaps, func(a, b snap) int { return b.mod.Compare(a.mod) })
	out := make([]string, len(snaps))
	for i, s := range snaps {
		out[i] = s.path
	}
	return out
}

func ignoreMissing(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
