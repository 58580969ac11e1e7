package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// A checkout at 1,000 services writes ~3,000 directories and files, and pruning then
// deletes as many: on the benchmark machine that was seconds per daemon pass, most of
// the time between a webhook and the register (docs/benchmarks.md). So a new snapshot
// is built from the snapshot that pruning would delete next, changing only the files
// that differ.
//
// What a snapshot holds is described by its manifest (path → blob hash and mode),
// written next to it as ".files-<sha>" when the snapshot is made. The diff is taken
// between that manifest and the new tree, not between two commits: the old commit's
// objects may be gone from the clone (compaction keeps only what the refs need).

// manifestEntry is one file of a snapshot.
type manifestEntry struct {
	Hash string `json:"h"`
	Mode uint32 `json:"m"`
}

type manifest map[string]manifestEntry // slash path below the snapshot → entry

func manifestPath(snapshot string) string {
	return filepath.Join(filepath.Dir(snapshot), ".files-"+filepath.Base(snapshot))
}

// treeManifest lists the files of t as writeTree writes them (submodules skipped),
// without reading any blob.
func treeManifest(s storer.EncodedObjectStorer, t *object.Tree) (manifest, error) {
	m := manifest{}
	err := walkTree(s, t, "", func(name string, e object.TreeEntry) error {
		m[name] = manifestEntry{Hash: e.Hash.String(), Mode: uint32(e.Mode)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tree: %w", err)
	}
	return m, nil
}

func writeManifest(snapshot string, m manifest) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(manifestPath(snapshot), b, 0o600)
}

func readManifest(snapshot string) (manifest, error) {
	b, err := os.ReadFile(manifestPath(snapshot))
	if err != nil {
		return nil, err
	}
	var m manifest
	return m, json.Unmarshal(b, &m)
}

// recycleSnapshot turns the snapshot pruning would delete next into one of tree (whose
// manifest is want) and returns it under a temporary name; "" when there is nothing to
// recycle or anything goes wrong (the caller then writes the snapshot in full).
//
// The victim is never the previous snapshot (it stays intact for whoever still reads
// it), and it is renamed to a temporary name before the first change, so a crash leaves
// a .tmp- directory that pruning removes, never a snapshot with the wrong content under
// a commit's name.
func (g *Git) recycleSnapshot(ctx context.Context, parent, current string, tree *object.Tree, want manifest) string {
	victim := nextPruned(parent, current, g.opts.KeepSnapshots)
	if victim == "" {
		return ""
	}
	have, err := readManifest(victim)
	if err != nil {
		return "" // made before manifests existed, or damaged: pruning deletes it
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return ""
	}
	// MkdirTemp reserved a unique name; the victim takes its place.
	if err := os.Remove(tmp); err != nil {
		return ""
	}
	if err := os.Rename(victim, tmp); err != nil {
		return ""
	}
	_ = os.Remove(manifestPath(victim))
	if err := applyManifestDiff(ctx, tree, have, want, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return ""
	}
	return tmp
}

// nextPruned is the most recently used of the snapshots pruneSnapshots would delete
// once current exists ("" when it would delete none).
func nextPruned(parent, current string, keep int) string {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return ""
	}
	snaps := snapshotsByUse(entries, parent, current)
	if len(snaps) < keep || !shaPattern.MatchString(filepath.Base(snaps[keep-1])) {
		return ""
	}
	return snaps[keep-1]
}

// applyManifestDiff turns dst, a snapshot described by have, into one of tree (want).
// Removals go first, so that a file replaced by a directory of the same name (or the
// reverse) never collides; directories left empty are removed, as writeTree never
// creates one. What is written follows writeTree's rules (writeTreeFile).
func applyManifestDiff(ctx context.Context, tree *object.Tree, have, want manifest, dst string) error {
	for name, old := range have {
		if now, ok := want[name]; !ok || now != old {
			if err := removeSnapshotFile(dst, name); err != nil {
				return err
			}
		}
	}
	for name, now := range want {
		if old, ok := have[name]; ok && old == now {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := tree.File(name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if err := writeTreeFile(f, dst); err != nil {
			return err
		}
	}
	return nil
}

// removeSnapshotFile deletes name from the snapshot dst (absent is fine: an unsafe
// symbolic link was never written) and then each parent directory it leaves empty.
func removeSnapshotFile(dst, name string) error {
	rel := filepath.FromSlash(name)
	if !filepath.IsLocal(rel) {
		return fmt.Errorf("unsafe path %q in tree", name)
	}
	target := filepath.Join(dst, rel)
	if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	for dir := filepath.Dir(target); dir != dst && strings.HasPrefix(dir, dst+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty (or already gone): its parents are not empty either
		}
	}
	return nil
}

// SnapshotBlobs returns the git blob hash of every regular file of a snapshot that
// Checkout made, by slash path inside it, from the snapshot's manifest, without reading
// any file; nil when dir has no manifest (not such a snapshot, e.g. a local directory).
// Symbolic links are left out: the file they lead to can change while the link does
// not. A loader uses the hashes to tell unchanged files without reading them
// (spec.LoadOptions.Digests).
func SnapshotBlobs(dir string) map[string]string {
	m, err := readManifest(filepath.Clean(dir))
	if err != nil {
		return nil
	}
	blobs := make(map[string]string, len(m))
	for name, e := range m {
		if mode := filemode.FileMode(e.Mode); mode == filemode.Regular || mode == filemode.Executable {
			blobs[name] = e.Hash
		}
	}
	return blobs
}
