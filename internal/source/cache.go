package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Cache layout, one directory per repository URL:
//
//	<cache>/<sha256(redacted URL)[:16]>/
//	    url                      the redacted URL, for humans
//	    git/                     bare clone (objects and refs only)
//	    snapshots/<path key>/<commit SHA>/   files of --path at that commit
//
// The key is the *redacted* URL so a rotated token keeps its cache and no
// credential ends up in a directory name.
type cacheLayout struct {
	root string
}

// DefaultCacheDir is $XDG_CACHE_HOME/ecsgit/repos (os.UserCacheDir).
func DefaultCacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache directory: %w (set --cache-dir or XDG_CACHE_HOME)", err)
	}
	return filepath.Join(base, "ecsgit", "repos"), nil
}

func newCacheLayout(base, rawURL string) (cacheLayout, error) {
	if base == "" {
		var err error
		if base, err = DefaultCacheDir(); err != nil {
			return cacheLayout{}, err
		}
	}
	sum := sha256.Sum256([]byte(Redact(rawURL)))
	root := filepath.Join(base, hex.EncodeToString(sum[:])[:16])
	if err := os.MkdirAll(root, 0o700); err != nil {
		return cacheLayout{}, fmt.Errorf("create cache directory: %w", err)
	}
	// Best effort: the file only helps a human find the right directory.
	_ = os.WriteFile(filepath.Join(root, "url"), []byte(Redact(rawURL)+"\n"), 0o600)
	return cacheLayout{root: root}, nil
}

func (c cacheLayout) gitDir() string { return filepath.Join(c.root, "git") }

// snapshotParent holds the snapshots of one --path. Paths are escaped so
// that "a/b" and "a_b" never share a directory; the root is "root", which no
// escaped path can be (they all start with "p-").
func (c cacheLayout) snapshotParent(repoPath string) string {
	key := "root"
	if repoPath != "" {
		key = "p-" + url.PathEscape(repoPath)
	}
	return filepath.Join(c.root, "snapshots", key)
}

// repoLocks serialises access to one cache directory within the process:
// go-git's filesystem storage is not safe for concurrent writers.
// (Two processes sharing a cache directory are not supported.)
var repoLocks sync.Map // root → *sync.Mutex

func repoLock(root string) *sync.Mutex {
	m, _ := repoLocks.LoadOrStore(root, new(sync.Mutex))
	return m.(*sync.Mutex)
}

// objectCacheSize bounds go-git's in-memory object cache for the clone. go-git's default
// (96 MiB, what git.PlainOpen uses) is a lot for a daemon that keeps the clone open for
// its lifetime and reads every blob of a large repository on each commit; a checkout
// reads each blob once, so a small cache costs nothing. (It was not the cause of the RSS
// growth of `ecsgit sync` under frequent commits: a soak with this bound grew the same.
// The cause was go-git's per-pack indexes, which compact.go bounds.)
const objectCacheSize = 8 * cache.MiByte

// openPackFiles bounds the pack files go-git keeps open between object reads. By default
// it opens the pack again for every object it reads (an open, lstats of the path, a
// close): a checkout of bench/gen's 5,000 services reads 5,001 trees, and that was most
// of its 168 ms (BenchmarkSyncOneChange5000, issue 19). The clone is compacted to a few
// packs (compact.go), so a handful of descriptors covers it; the storage is closed
// whenever the clone is dropped (dropRepo).
const openPackFiles = 8

// open returns the bare clone, creating it on first use.
func (g *Git) open() (*git.Repository, error) {
	if g.repo != nil {
		return g.repo, nil
	}
	dir := g.cache.gitDir()
	st := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRU(objectCacheSize),
		filesystem.Options{MaxOpenDescriptors: openPackFiles})
	repo, err := git.Open(st, nil)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create clone directory %s: %w", dir, err)
		}
		repo, err = git.Init(st, nil) // no work tree: a bare clone
	}
	if err != nil {
		return nil, fmt.Errorf("open clone in %s: %w", dir, err)
	}
	g.repo = repo
	return repo, nil
}

// dropRepo forgets the open clone, closing the pack files its storage keeps open: the
// next use opens it again and reads only the packs that exist then.
func (g *Git) dropRepo() {
	if g.repo == nil {
		return
	}
	if c, ok := g.repo.Storer.(io.Closer); ok {
		_ = c.Close() // read-only descriptors: nothing is lost if closing fails
	}
	g.repo = nil
}

// resetClone deletes the clone (not the snapshots) so the next fetch starts
// from scratch.
func (g *Git) resetClone() error {
	g.dropRepo()
	if err := os.RemoveAll(g.cache.gitDir()); err != nil {
		return fmt.Errorf("delete clone: %w", err)
	}
	return nil
}

// urlSecrets returns credentials embedded in the URL itself.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok {
		out = append(out, p)
	} else if u.Scheme == "http" || u.Scheme == "https" {
		out = append(out, u.User.Username()) // https://<token>@host
	}
	return out
}
