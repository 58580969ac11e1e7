package source

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Every fetch that brings objects writes one new pack into the clone, and go-git's
// filesystem storage keeps the index of every pack it has seen in memory for as long as
// the repository is open (storage/filesystem.ObjectStorage.index, plus an offset→hash
// map built per pack on first read). It never forgets one and never repacks, and every
// object lookup asks each pack's index in turn.
//
// For `ecsgit sync` that was a leak. A depth-1 fetch of a moved branch brings the whole
// tree again, not just what changed: go-git sends the previous tip as a "have" but does
// not ask for a thin pack, and git upload-pack then packs the new shallow commit's
// complete tree (GIT_TRACE_PACKET; git's own `fetch --depth 1`, which asks for a thin
// pack, gets a few objects). At 1,000 services every commit added a ~240 KB pack of
// ~3,000 objects and ~340 KiB of live heap: about 1.4 MiB a minute with a commit every
// 15 s, and twice that in RSS with the collector's headroom (docs/benchmarks.md). The
// pack files grew the disk the same way. A full clone fetches only the new objects, but
// still one pack per commit: a few KiB of heap each, and lookups that slow down with
// their number.
//
// So after a fetch, once the clone holds more than maxPacks packs, it is compacted and
// the open repository is dropped, its in-memory indexes with it:
//
//   - a shallow clone (depth-1 fetches) is rewritten into one pack of what the refs'
//     commits need (one tree, about the work of a checkout); the older commits earlier
//     fetches left behind are dropped, and the shallow list is cut to the kept commits;
//   - a full clone keeps everything: its small packs are merged geometrically (git's
//     `repack --geometric=2`) so that every object is rewritten O(log n) times over the
//     clone's life and a compaction never walks the history.
const maxPacks = 4

// packWindow is the delta window of the packs compaction writes (git's default).
const packWindow = 10

// compactIfNeeded compacts the clone when it holds more than maxPacks packs and returns
// the repository to use from now on (a fresh one when it compacted). It runs with g.mu
// held, right after a fetch.
func (g *Git) compactIfNeeded(repo *git.Repository) (*git.Repository, error) {
	packs, err := g.packs()
	if err != nil {
		return nil, err
	}
	if len(packs) <= maxPacks {
		return repo, nil
	}
	shallow, err := repo.Storer.Shallow()
	if err != nil {
		return nil, fmt.Errorf("read shallow list: %w", err)
	}
	if len(shallow) > 0 {
		err = g.rewriteShallow(repo, shallow, packs)
	} else if merge := geometricMerge(packs); len(merge) > 1 {
		err = g.mergePacks(repo, merge)
	} else {
		return repo, nil // already a geometric progression: nothing worth rewriting
	}
	if err != nil {
		// Compaction reads every pack's index: a truncated one (a process killed while a
		// fetch wrote it) would fail every fetch from now on unless Fetch re-clones.
		return nil, fmt.Errorf("compact clone (%d packs): %w: %w", len(packs), errCorruptClone, err)
	}
	return g.open()
}

// pack is one pack file of the clone.
type pack struct {
	hash plumbing.Hash
	size int64 // of the .pack file
}

// packs lists the clone's packs, smallest first.
func (g *Git) packs() ([]pack, error) {
	dir := filepath.Join(g.cache.gitDir(), "objects", "pack")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list packs: %w", err)
	}
	var out []pack
	for _, e := range entries {
		name := e.Name()
		hex := strings.TrimSuffix(strings.TrimPrefix(name, "pack-"), ".pack")
		if name != "pack-"+hex+".pack" || !shaPattern.MatchString(hex) {
			continue // an index, a pack being written (tmp_pack_*), or not a pack
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("list packs: %w", err)
		}
		out = append(out, pack{plumbing.NewHash(hex), info.Size()})
	}
	slices.SortFunc(out, func(a, b pack) int {
		return cmp.Or(cmp.Compare(a.size, b.size), strings.Compare(a.hash.String(), b.hash.String()))
	})
	return out, nil
}

// geometricMerge picks the packs to merge (given smallest first): the smallest ones, as
// long as the next is less than twice their sum. What is left, plus the merged pack, is
// a progression in which each pack is at least twice the size of all smaller ones
// together, like git's `repack --geometric=2`.
func geometricMerge(packs []pack) []pack {
	if len(packs) == 0 {
		return nil
	}
	k, sum := 1, packs[0].size
	for k < len(packs) && packs[k].size < 2*sum {
		sum += packs[k].size
		k++
	}
	return packs[:k]
}

// mergePacks writes every object of the given packs into one new pack, deletes them, and
// closes the repository (g.repo = nil) so that the next open reads only the remaining
// indexes. Nothing is dropped: it is the union of the packs' objects.
func (g *Git) mergePacks(repo *git.Repository, merge []pack) error {
	var objs []plumbing.Hash
	seen := map[plumbing.Hash]bool{}
	for _, p := range merge {
		hs, err := g.packObjects(p.hash)
		if err != nil {
			return err
		}
		for _, h := range hs {
			if !seen[h] {
				seen[h] = true
				objs = append(objs, h)
			}
		}
	}
	packed, err := writePack(repo, objs)
	if err != nil {
		return err
	}
	err = deletePacks(repo, merge, packed)
	g.dropRepo()
	return err
}

// packObjects lists the objects of one pack, from its index file.
func (g *Git) packObjects(h plumbing.Hash) ([]plumbing.Hash, error) {
	f, err := os.Open(filepath.Join(g.cache.gitDir(), "objects", "pack", "pack-"+h.String()+".idx"))
	if err != nil {
		return nil, fmt.Errorf("read pack index: %w", err)
	}
	defer f.Close()
	idx := idxfile.NewMemoryIndex()
	if err := idxfile.NewDecoder(f).Decode(idx); err != nil {
		return nil, fmt.Errorf("read pack index %s: %w", h, err)
	}
	it, err := idx.Entries()
	if err != nil {
		return nil, fmt.Errorf("read pack index %s: %w", h, err)
	}
	defer it.Close()
	var out []plumbing.Hash
	for {
		e, err := it.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read pack index %s: %w", h, err)
		}
		out = append(out, e.Hash)
	}
}

// rewriteShallow writes the objects the refs of a shallow clone need into one new pack,
// deletes every other pack, cuts the shallow list to the kept commits, and closes the
// repository (g.repo = nil).
//
// A crash part-way leaves extra packs (the new one is complete before any old one is
// deleted), never a missing object; a clone that does miss objects is re-cloned by
// Fetch (isCorruptClone).
func (g *Git) rewriteShallow(repo *git.Repository, shallow []plumbing.Hash, old []pack) error {
	var roots []plumbing.Hash
	refs, err := repo.Storer.IterReferences()
	if err != nil {
		return fmt.Errorf("list refs: %w", err)
	}
	err = refs.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference {
			roots = append(roots, r.Hash())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list refs: %w", err)
	}
	objs, boundary, err := reachableObjects(repo.Storer, roots, shallow)
	if err != nil {
		return err
	}
	packed, err := writePack(repo, objs)
	if err != nil {
		return err
	}
	// From here on the new pack holds everything; the clone stays usable whatever fails.
	// It is reopened afterwards (dropRepo), reading only the packs that remain.
	defer g.dropRepo()
	if err := repo.Storer.SetShallow(boundary); err != nil {
		return fmt.Errorf("write shallow list: %w", err)
	}
	return deletePacks(repo, old, packed)
}

// writePack encodes objs into a new pack (and its index) in the clone.
func writePack(repo *git.Repository, objs []plumbing.Hash) (plumbing.Hash, error) {
	w, err := repo.Storer.(storer.PackfileWriter).PackfileWriter()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("new pack: %w", err)
	}
	h, err := packfile.NewEncoder(w, repo.Storer, false).Encode(objs, packWindow)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write pack: %w", err)
	}
	return h, nil
}

// deletePacks deletes the packs in old except keep (the same objects give the same pack
// name).
func deletePacks(repo *git.Repository, old []pack, keep plumbing.Hash) error {
	pos, ok := repo.Storer.(storer.PackedObjectStorer)
	if !ok {
		return errors.New("storage cannot delete packs")
	}
	var errs []error
	for _, p := range old {
		if p.hash != keep {
			errs = append(errs, pos.DeleteOldObjectPackAndIndex(p.hash, time.Time{}))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete old packs: %w", err)
	}
	return nil
}

// reachableObjects lists every object reachable from roots: commits, their trees and
// blobs, annotated tags and their targets, and parents except those of a commit in
// shallow (git's shallow boundary: the clone does not have them). In a depth-1 clone
// every fetched commit is on that list, so only the commits the refs point to are kept.
// Submodule entries are skipped: that commit lives in another repository. boundary is
// the kept commits of shallow: the new shallow list.
//
// A missing object is an error: the clone is broken, and Fetch re-clones it.
func reachableObjects(s storer.EncodedObjectStorer, roots, shallow []plumbing.Hash) (objs, boundary []plumbing.Hash, err error) {
	isShallow := make(map[plumbing.Hash]bool, len(shallow))
	for _, h := range shallow {
		isShallow[h] = true
	}
	seen := map[plumbing.Hash]bool{}
	stack := append([]plumbing.Hash(nil), roots...)
	add := func(h plumbing.Hash) {
		if !seen[h] {
			seen[h] = true
			objs = append(objs, h)
		}
	}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[h] {
			continue
		}
		add(h)
		o, err := object.GetObject(s, h)
		if err != nil {
			return nil, nil, fmt.Errorf("read object %s: %w", h, err)
		}
		switch o := o.(type) {
		case *object.Commit:
			stack = append(stack, o.TreeHash)
			if isShallow[h] {
				boundary = append(boundary, h)
				break
			}
			stack = append(stack, o.ParentHashes...)
		case *object.Tree:
			for _, e := range o.Entries {
				switch e.Mode {
				case filemode.Dir:
					stack = append(stack, e.Hash)
				case filemode.Submodule:
				default: // a blob: not read here (the encoder reads it, and fails if it is missing)
					add(e.Hash)
				}
			}
		case *object.Tag:
			stack = append(stack, o.Target)
		}
	}
	return objs, boundary, nil
}
